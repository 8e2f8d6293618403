"""The site as a networkx graph, and the questions rules ask of it.

Nodes are tuples naming what they stand for; edges follow the data path from hardware to workloads:

    ("group", g) → ("nic", g, nic) → ("bond", g, bond) → ("bridge", g, br) → ("network", net)
    → ("iface", ns, vm, iface) → ("vm", ns, vm) ← ("service", ns, svc) ← ("pool", pool)
    ("node", n) → ("group", g);  ("sriov-policy", p) → ("network", net)

Each node carries the model object under the attribute "obj". Lookups that rules make per interface are
answered from small indexes built once, so rules stay linear. The networkx graph itself (`.g`) is built on
first use from the nodes and edges recorded while building: checks that never draw the graph do not pay for
importing networkx (a third of kvnet's start-up).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from kvnet.model import Interface, Network, Node, NodeGroup, Service, Site, Vm

T = TypeVar("T")

GraphNode = tuple[str, ...]


class SiteGraph:
    """A directed graph of one Site plus indexes for the common queries."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._graph: Any = None
        self._nodes: dict[GraphNode, object] = {}  # node → obj, in insertion order
        self._preds: dict[GraphNode, dict[GraphNode, None]] = {}  # node → its predecessors, in edge order
        self._ops: list[tuple[GraphNode, object] | tuple[GraphNode, GraphNode, None]] = []  # replayed by .g
        self._attachments: list[tuple[Vm, Interface, Network | None]] = []
        self._by_network: dict[str, list[tuple[Vm, Interface]]] = defaultdict(list)
        self._services_by_vm: dict[tuple[str, str], list[Service]] = defaultdict(list)
        self._vms_by_service: dict[tuple[str, str], list[Vm]] = defaultdict(list)
        self._derived: dict[str, Any] = {}
        self._build()

    def derived(self, name: str, compute: Callable[[], T]) -> T:
        """A fact several rules derive from the same model (worked out once per graph, then shared)."""
        if name not in self._derived:
            self._derived[name] = compute()
        value: T = self._derived[name]
        return value

    # -------------------------------------------------------------------------------------- building

    @property
    def g(self) -> Any:
        """The networkx DiGraph (built on first use); node attribute "obj" holds the model object."""
        if self._graph is None:
            import networkx as nx

            graph = nx.DiGraph()
            for op in self._ops:
                if len(op) == 2:
                    graph.add_node(op[0], obj=op[1])
                else:
                    graph.add_edge(op[0], op[1])
            self._graph = graph
        return self._graph

    def _add(self, node: GraphNode, obj: object) -> GraphNode:
        self._nodes[node] = obj
        self._ops.append((node, obj))
        return node

    def _edge(self, source: GraphNode, target: GraphNode) -> None:
        self._nodes.setdefault(source, None)
        self._nodes.setdefault(target, None)
        self._preds.setdefault(target, {})[source] = None
        self._ops.append((source, target, None))

    def _build(self) -> None:
        site = self.site
        for group in site.node_groups:
            gnode = self._add(("group", group.name), group)
            for nic in group.nics:
                self._edge(gnode, self._add(("nic", group.name, nic.name), nic))
            for bond in group.bonds:
                bnode = self._add(("bond", group.name, bond.name), bond)
                for port in bond.ports:
                    self._edge(self._port(group, port), bnode)
            for vif in group.vlan_interfaces:
                vnode = self._add(("vlanif", group.name, vif.name), vif)
                self._edge(self._port(group, vif.base), vnode)
            for br in group.bridges:
                brnode = self._add(("bridge", group.name, br.name), br)
                if br.port:
                    self._edge(self._port(group, br.port), brnode)
        for node in site.nodes:
            self._edge(self._add(("node", node.name), node), ("group", node.group))
        for net in site.networks:
            nnode = self._add(self.network_node(net), net)
            if net.type == "linux-bridge" and net.bridge:
                for group in site.node_groups:
                    if group.bridge(net.bridge) is not None:
                        self._edge(("bridge", group.name, net.bridge), nnode)
        for policy in site.sriov_policies:
            pnode = self._add(("sriov-policy", policy.name), policy)
            for net in site.networks:
                if net.type == "sriov" and net.resource_name and net.resource_name == policy.resource_name:
                    self._edge(pnode, self.network_node(net))
        for vm in site.vms:
            vnode = self._add(("vm", vm.namespace, vm.name), vm)
            for iface in vm.interfaces:
                inode = self._add(("iface", vm.namespace, vm.name, iface.name), iface)
                self._edge(inode, vnode)
                attached = self.resolve(vm, iface)
                self._attachments.append((vm, iface, attached))
                if attached is not None:
                    self._edge(self.network_node(attached), inode)
                    self._by_network[self.network_key(attached)].append((vm, iface))
        self._link_services()

    def _port(self, group: NodeGroup, name: str) -> GraphNode:
        for kind in ("bond", "vlanif", "nic", "bridge"):
            node = (kind, group.name, name)
            if node in self._nodes:
                return node
        # an interface the group does not declare: keep it visible to rules as an unknown port
        return self._add(("unknown-port", group.name, name), None)

    def _link_services(self) -> None:
        # The VMs of each namespace with their pods' labels, and (namespace, label, value) → those VMs in site
        # order: a Service's candidates are the VMs with its first selector label, so linking is linear.
        vms_by_ns: dict[str, list[tuple[Vm, dict[str, Any]]]] = defaultdict(list)
        vms_by_label: dict[tuple[str, str, Any], list[tuple[Vm, dict[str, Any]]]] = defaultdict(list)
        for vm in self.site.vms:
            labels = dict(vm.labels)
            labels.setdefault("vm.kubevirt.io/name", vm.name)
            labels.setdefault("kubevirt.io/domain", vm.name)
            vms_by_ns[vm.namespace].append((vm, labels))
            for k, v in labels.items():
                try:
                    vms_by_label[(vm.namespace, k, v)].append((vm, labels))
                except TypeError:  # an unhashable value (malformed input) equals no hashable selector value
                    continue
        for svc in self.site.services:
            snode = self._add(("service", svc.namespace, svc.name), svc)
            if svc.pool:
                self._edge(("pool", svc.pool), snode)
            if not svc.selector:
                continue
            try:
                candidates = vms_by_label.get((svc.namespace, *next(iter(svc.selector.items()))), [])
            except TypeError:  # an unhashable selector value: compare with every VM of the namespace
                candidates = vms_by_ns.get(svc.namespace, [])
            for vm, labels in candidates:
                if all(labels.get(k) == v for k, v in svc.selector.items()):
                    self._edge(snode, ("vm", vm.namespace, vm.name))
                    self._services_by_vm[(vm.namespace, vm.name)].append(svc)
                    self._vms_by_service[(svc.namespace, svc.name)].append(vm)
        for pool in self.site.pools:
            self._add(("pool", pool.name), pool)

    # -------------------------------------------------------------------------------------- identity

    @staticmethod
    def network_key(net: Network) -> str:
        """A network's identity: its name, qualified by its namespace when it came from one NAD."""
        if net.origin == "manifest" and net.namespaces:
            return f"{net.namespaces[0]}/{net.name}"
        return net.name

    def network_node(self, net: Network) -> GraphNode:
        return ("network", self.network_key(net))

    def resolve(self, vm: Vm, iface: Interface) -> Network | None:
        """The network a VM interface attaches to; None for the pod network or an unknown name.

        An unqualified name resolves in the VM's namespace (as Multus does).
        """
        if iface.network in ("", "pod"):
            return None
        return self.site.network(iface.network, None if "/" in iface.network else vm.namespace)

    # -------------------------------------------------------------------------------------- queries

    def attachments(self) -> Iterator[tuple[Vm, Interface, Network | None]]:
        """Every (VM, interface, network) — network None for the pod network or an unresolved name."""
        return iter(self._attachments)

    def interfaces_on(self, net: Network) -> list[tuple[Vm, Interface]]:
        return list(self._by_network.get(self.network_key(net), []))

    def l2_domain(self, net: Network) -> str:
        """A key shared by networks that put frames on the same layer-2 segment.

        linux-bridge: the bridge and VLAN (untagged frames share the bridge's native segment);
        OVN layer2: the OVN network name (NADs sharing a name share one logical switch);
        OVN localnet: the physical network and VLAN; SR-IOV: the PF and VLAN; pod: the cluster.
        """
        vlan = net.vlan if net.vlan not in (None, 0) else "untagged"
        if net.type == "linux-bridge":
            return f"bridge:{net.bridge}:{vlan}"
        if net.type == "ovn-layer2":
            return f"ovn:{net.ovn_network_name or net.name}"
        if net.type == "ovn-localnet":
            return f"localnet:{net.physical_network or net.ovn_network_name or net.name}:{vlan}"
        if net.type == "sriov":
            return f"sriov:{net.pf or net.resource_name}:{vlan}"
        if net.type == "pod":
            return "pod"
        return f"{net.type}:{self.network_key(net)}"

    def groups_carrying_bridge(self, bridge: str) -> list[NodeGroup]:
        return [g for g in self.site.node_groups if g.bridge(bridge) is not None]

    def nodes_carrying_bridge(self, bridge: str) -> list[Node]:
        groups = {g.name for g in self.groups_carrying_bridge(bridge)}
        return [n for n in self.site.nodes if n.group in groups]

    def uplink_chain(self, group: NodeGroup, name: str) -> list[object]:
        """The model objects under an interface, top-down: bridge → bond/VLAN interface → NICs."""
        start = next(
            (n for n in (("bridge", group.name, name), ("bond", group.name, name), ("vlanif", group.name, name),
                         ("nic", group.name, name)) if n in self._nodes),
            None,
        )
        if start is None:
            return []
        order = [start, *self._upstream(start)]
        chain = [self._nodes[start]]
        chain += [self._nodes[n] for n in order if n[0] in ("bond", "vlanif", "nic", "bridge")]
        return [obj for obj in chain if obj is not None]

    def _upstream(self, start: GraphNode) -> list[GraphNode]:
        """The nodes with a path to `start`, breadth first (the order of networkx's bfs_tree on the reversed
        graph: predecessors in the order their edges were added)."""
        seen = {start}
        found: list[GraphNode] = []
        queue = deque([start])
        while queue:
            for pred in self._preds.get(queue.popleft(), {}):
                if pred not in seen:
                    seen.add(pred)
                    found.append(pred)
                    queue.append(pred)
        return found

    def services_selecting(self, vm: Vm) -> list[Service]:
        return list(self._services_by_vm.get((vm.namespace, vm.name), []))

    def vms_selected_by(self, svc: Service) -> list[Vm]:
        return list(self._vms_by_service.get((svc.namespace, svc.name), []))
