"""The site as a networkx graph, and the questions rules ask of it.

Nodes are tuples naming what they stand for; edges follow the data path from hardware to workloads:

    ("group", g) → ("nic", g, nic) → ("bond", g, bond) → ("bridge", g, br) → ("network", net)
    → ("iface", ns, vm, iface) → ("vm", ns, vm) ← ("service", ns, svc) ← ("pool", pool)
    ("node", n) → ("group", g);  ("sriov-policy", p) → ("network", net)

Each node carries the model object under the attribute "obj". Lookups that rules make per interface are
answered from small indexes built once, so rules stay linear.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import networkx as nx

from kvnet.model import Interface, Network, Node, NodeGroup, Service, Site, Vm

GraphNode = tuple[str, ...]


class SiteGraph:
    """A directed graph of one Site plus indexes for the common queries."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.g: Any = nx.DiGraph()
        self._attachments: list[tuple[Vm, Interface, Network | None]] = []
        self._by_network: dict[str, list[tuple[Vm, Interface]]] = defaultdict(list)
        self._services_by_vm: dict[tuple[str, str], list[Service]] = defaultdict(list)
        self._vms_by_service: dict[tuple[str, str], list[Vm]] = defaultdict(list)
        self._build()

    # -------------------------------------------------------------------------------------- building

    def _add(self, node: GraphNode, obj: object) -> GraphNode:
        self.g.add_node(node, obj=obj)
        return node

    def _build(self) -> None:
        site = self.site
        for group in site.node_groups:
            gnode = self._add(("group", group.name), group)
            for nic in group.nics:
                self.g.add_edge(gnode, self._add(("nic", group.name, nic.name), nic))
            for bond in group.bonds:
                bnode = self._add(("bond", group.name, bond.name), bond)
                for port in bond.ports:
                    self.g.add_edge(self._port(group, port), bnode)
            for vif in group.vlan_interfaces:
                vnode = self._add(("vlanif", group.name, vif.name), vif)
                self.g.add_edge(self._port(group, vif.base), vnode)
            for br in group.bridges:
                brnode = self._add(("bridge", group.name, br.name), br)
                if br.port:
                    self.g.add_edge(self._port(group, br.port), brnode)
        for node in site.nodes:
            self.g.add_edge(self._add(("node", node.name), node), ("group", node.group))
        for net in site.networks:
            nnode = self._add(self.network_node(net), net)
            if net.type == "linux-bridge" and net.bridge:
                for group in site.node_groups:
                    if group.bridge(net.bridge) is not None:
                        self.g.add_edge(("bridge", group.name, net.bridge), nnode)
        for policy in site.sriov_policies:
            pnode = self._add(("sriov-policy", policy.name), policy)
            for net in site.networks:
                if net.type == "sriov" and net.resource_name and net.resource_name == policy.resource_name:
                    self.g.add_edge(pnode, self.network_node(net))
        for vm in site.vms:
            vnode = self._add(("vm", vm.namespace, vm.name), vm)
            for iface in vm.interfaces:
                inode = self._add(("iface", vm.namespace, vm.name, iface.name), iface)
                self.g.add_edge(inode, vnode)
                attached = self.resolve(vm, iface)
                self._attachments.append((vm, iface, attached))
                if attached is not None:
                    self.g.add_edge(self.network_node(attached), inode)
                    self._by_network[self.network_key(attached)].append((vm, iface))
        self._link_services()

    def _port(self, group: NodeGroup, name: str) -> GraphNode:
        for kind in ("bond", "vlanif", "nic", "bridge"):
            node = (kind, group.name, name)
            if node in self.g:
                return node
        # an interface the group does not declare: keep it visible to rules as an unknown port
        return self._add(("unknown-port", group.name, name), None)

    def _link_services(self) -> None:
        vms_by_ns: dict[str, list[Vm]] = defaultdict(list)
        for vm in self.site.vms:
            vms_by_ns[vm.namespace].append(vm)
        for svc in self.site.services:
            snode = self._add(("service", svc.namespace, svc.name), svc)
            if svc.pool:
                self.g.add_edge(("pool", svc.pool), snode)
            if not svc.selector:
                continue
            for vm in vms_by_ns.get(svc.namespace, []):
                labels = dict(vm.labels)
                labels.setdefault("vm.kubevirt.io/name", vm.name)
                labels.setdefault("kubevirt.io/domain", vm.name)
                if all(labels.get(k) == v for k, v in svc.selector.items()):
                    self.g.add_edge(snode, ("vm", vm.namespace, vm.name))
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
                         ("nic", group.name, name)) if n in self.g),
            None,
        )
        if start is None:
            return []
        order = [start, *nx.bfs_tree(self.g.reverse(copy=False), start)][1:]
        chain = [self.g.nodes[start]["obj"]]
        chain += [self.g.nodes[n]["obj"] for n in order if n[0] in ("bond", "vlanif", "nic", "bridge")]
        return [obj for obj in chain if obj is not None]

    def services_selecting(self, vm: Vm) -> list[Service]:
        return list(self._services_by_vm.get((vm.namespace, vm.name), []))

    def vms_selected_by(self, svc: Service) -> list[Vm]:
        return list(self._vms_by_service.get((svc.namespace, svc.name), []))
