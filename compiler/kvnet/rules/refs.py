"""References between VMs, networks (NADs), node bridges and OVN bridge mappings (NAD-01 … NAD-09).

Most of these are cross-file on manifests: the VM, its NAD and the NNCP behind it usually live in
different files, and nothing in the cluster rejects a dangling reference at apply time — the VM simply
never starts, or starts on an isolated bridge.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from kvnet.findings import Problem, Related
from kvnet.model import Network
from kvnet.rules.facts import group_nodes, looks_openshift, net_label, on_pod_network, unseen_in_manifests, vm_label
from kvnet.rules.registry import RuleContext, rule

OVN_CNI = "ovn-k8s-cni-overlay"
BRIDGE_CNIS = ("bridge", "cnv-bridge")
RESOURCE_ANNOTATION = "k8s.v1.cni.cncf.io/resourceName"
GLOBAL_NAD_NAMESPACES = ["default", "openshift-multus", "openshift-sriov-network-operator", "openshift-cnv"]


def _is_nad(net: Network) -> bool:
    return net.origin == "manifest" and net.source_kind in ("", "NetworkAttachmentDefinition")


def _is_ovn(net: Network) -> bool:
    return net.cni_type == OVN_CNI or net.type in ("ovn-layer2", "ovn-localnet")


@rule("NAD-01", "unknown-network-reference", "VM interface names a network (NAD) that does not exist")
def unknown_network_reference(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Resolves every VM interface's network: an unqualified name in the VM's namespace (as Multus and
    KubeVirt do), `namespace/name` as written. Reports names that match no network or NAD.

    ## Why is this bad?
    The VM object is accepted, but virt-controller cannot render the launcher pod ("failed to locate
    network attachment definition web/prod-wbe") and the VM never starts. Users often expect an
    unqualified name to resolve in `default`; it does not.

    ## Example
    ```yaml
    vms:
      - name: db-1
        namespace: db
        interfaces:
          - {name: prod, network: prod-web}   # prod-web is only offered in namespace web
    ```

    ## Use instead
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110, namespaces: [web, db]}
    ```

    ## How to fix
    Correct the name, create the NAD in the VM's namespace (a site: add the namespace to the network's
    `namespaces`), or qualify the reference as `namespace/name`.
    """
    if unseen_in_manifests(ctx.site, bool(ctx.site.networks)):
        return
    by_name: dict[str, list[Network]] = defaultdict(list)
    for known in ctx.site.networks:
        by_name[known.name].append(known)
    for vm, iface, resolved in ctx.graph.attachments():
        if resolved is not None or on_pod_network(iface):
            continue
        namespace, _, name = iface.network.rpartition("/")
        namespace = namespace or vm.namespace
        elsewhere = by_name.get(name, [])
        related = tuple(Related(other.at("name"), f"{net_label(other)} is offered in "
                                                  f"{', '.join(other.namespaces) or 'no namespace'}")
                        for other in elsewhere[:3])
        if elsewhere:
            message = (f"{vm_label(vm)} interface {iface.name!r} names network {iface.network!r}, "
                       f"which is not offered in namespace {namespace}")
            if elsewhere[0].origin == "site":
                hint = f"add {namespace} to the namespaces of {name!r}"
            elif "/" in iface.network:
                hint = f"create the NAD {namespace}/{name}, or name the namespace that has it"
            else:
                hint = f"create the NAD {namespace}/{name}, or qualify the reference as <namespace>/{name}"
        else:
            message = (f"{vm_label(vm)} interface {iface.name!r} names network {iface.network!r}, "
                       f"but no network or NetworkAttachmentDefinition {namespace}/{name} exists")
            hint = f"correct the name, or create the NAD {namespace}/{name}"
        yield Problem(message, iface.at("network"), hint, related)


@rule("NAD-02", "cross-namespace-network-reference",
      "VM references a NAD in another namespace that OpenShift's Multus will not let it use",
      options={"global_namespaces": GLOBAL_NAD_NAMESPACES})
def cross_namespace_network_reference(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    On OpenShift, reports VM interfaces whose `namespace/name` reference points at a namespace other than
    the VM's own and not one of the global namespaces Multus allows.

    ## Why is this bad?
    OpenShift runs Multus with namespace isolation: the launcher pod fails to start when its NAD is in
    another tenant's namespace. Upstream Multus allows it, so manifests copied from upstream break.

    ## Example
    ```yaml
    vms:
      - {name: db-1, namespace: db, interfaces: [{name: prod, network: web/prod-web}]}
    ```

    ## Use instead
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110, namespaces: [web, db]}
    vms:
      - {name: db-1, namespace: db, interfaces: [{name: prod, network: prod-web}]}
    ```

    ## How to fix
    Create the NAD in the VM's namespace (or in `default`) and reference it there.

    ## Options
    - `global_namespaces`: namespaces any VM may reference (default: default, openshift-multus,
      openshift-sriov-network-operator, openshift-cnv).
    """
    if not looks_openshift(ctx.site):
        return
    allowed = set(ctx.options.get("global_namespaces", GLOBAL_NAD_NAMESPACES))
    for vm, iface, _net in ctx.graph.attachments():
        if "/" not in iface.network:
            continue
        namespace = iface.network.split("/", 1)[0]
        if namespace != vm.namespace and namespace not in allowed:
            yield Problem(
                f"{vm_label(vm)} interface {iface.name!r} uses NAD {iface.network!r} from namespace "
                f"{namespace}; OpenShift only allows the VM's namespace or {', '.join(sorted(allowed))}",
                iface.at("network"),
                f"create the NAD in namespace {vm.namespace} and reference it without a namespace",
            )


@rule("NAD-03", "invalid-nad-config", "NAD spec.config is not valid JSON or lacks cniVersion, name or type")
def invalid_nad_config(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks each NetworkAttachmentDefinition's `spec.config`: valid JSON with `cniVersion`, `name` and
    `type` (or `plugins`); for OVN-Kubernetes also no `ipam` key and a network name other than
    `default` or `ovn-kubernetes`.

    ## Why is this bad?
    Upstream Multus accepts any text; the pod sandbox then fails ("failed to unmarshal Spec.Config",
    "missing network name") and the VM never starts. OVN-Kubernetes silently ignores such NADs.

    ## Example
    ```yaml
    spec:
      config: '{"cniVersion": "0.3.1", "type": "bridge", "bridge": "br1",}'
    ```

    ## Use instead
    ```yaml
    spec:
      config: '{"cniVersion": "0.3.1", "name": "br1-vlan101", "type": "bridge", "bridge": "br1"}'
    ```

    ## How to fix
    Make the config one JSON object with `cniVersion`, `name` and `type`; OVN-K networks use `subnets`
    instead of `ipam`.
    """
    for net in ctx.site.networks:
        if not _is_nad(net):
            continue
        label = net_label(net)
        if net.config_error:
            yield Problem(f"{label}: spec.config cannot be read: {net.config_error}", net.at("config_error"),
                          "write spec.config as one JSON object")
            continue
        keys = set(net.raw_config_keys)
        if not keys:
            continue  # no inline config: Multus reads a file of that name on the node
        missing = [k for k in ("cniVersion", "name") if k not in keys]
        if "type" not in keys and "plugins" not in keys:
            missing.append("type")
        if missing:
            yield Problem(f"{label}: spec.config lacks {', '.join(missing)}", net.at("config"),
                          f"add {', '.join(repr(k) for k in missing)} to the CNI config")
        if net.cni_type == OVN_CNI:
            if "ipam" in keys:
                yield Problem(f"{label}: OVN-Kubernetes rejects an \"ipam\" key in the CNI config",
                              net.spans.get("config.ipam", net.at("config")),
                              "remove ipam; give OVN-K its addresses with \"subnets\"")
            name = net.config_name or net.ovn_network_name
            if name in ("default", "ovn-kubernetes"):
                yield Problem(f"{label}: OVN-Kubernetes reserves the network name {name!r}",
                              net.at("config_name"), "give the network another name")


@rule("NAD-04", "bridge-not-created", "Linux-bridge network on a bridge no node policy creates with an uplink")
def bridge_not_created(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For every linux-bridge network (bridge CNI NAD), looks for the node bridge of that name in the node
    groups (NNCPs), and checks that the bridge has an uplink port. A NAD without `bridge` uses `cni0`.

    ## Why is this bad?
    The bridge CNI creates a missing bridge on the spot, with no uplink: the VM boots, but its NIC only
    reaches VMs on the same node. Nothing reports an error.

    ## Example
    ```yaml
    nodeGroups:
      workers: {bridges: {br-vm: {port: bond1}}}
    networks:
      prod-web: {type: linux-bridge, bridge: br-mv, vlan: 110}
    ```

    ## Use instead
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110}
    ```

    ## How to fix
    Name a bridge a node policy creates, or create it (with an uplink) in a node group / NNCP.
    """
    if unseen_in_manifests(ctx.site, bool(ctx.site.node_groups)):
        return
    bridges: dict[str, list[object]] = defaultdict(list)
    for group in ctx.site.node_groups:
        for br in group.bridges:
            bridges[br.name].append(br)
    for net in ctx.site.networks:
        if net.type != "linux-bridge" or (net.cni_type and net.cni_type not in BRIDGE_CNIS):
            continue
        name = net.bridge or "cni0"
        found = ctx.graph.groups_carrying_bridge(name)
        if not found:
            known = ", ".join(sorted(bridges)) or "none"
            yield Problem(f"{net_label(net)} uses bridge {name!r}, which no node group/NNCP creates "
                          f"(bridges created: {known})", net.at("bridge"),
                          f"create bridge {name} with an uplink in a node policy, or name an existing bridge")
            continue
        without_port = [g for g in found if (b := g.bridge(name)) is not None and not b.port]
        if len(without_port) == len(found):
            lonely = without_port[0].bridge(name)
            related = (Related(lonely.span, f"bridge {name} declared here without a port"),) if lonely else ()
            yield Problem(f"{net_label(net)} uses bridge {name!r}, which has no uplink port: VMs on "
                          f"different nodes cannot reach each other", net.at("bridge"),
                          f"give bridge {name} an uplink port (NIC, bond or VLAN interface)", related)


@rule("NAD-05", "node-policy-matches-no-node", "Node policy (NNCP) whose node selector matches no known node",
      severity="warning")
def node_policy_matches_no_node(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    When the nodes are known (the site's `nodes`), reports node groups (NNCPs) whose selector selects
    none of them.

    ## Why is this bad?
    The policy is `Ignored` (NoMatchingNode) and nothing else complains: VMs land on nodes without the
    bridge and get an isolated one (NAD-04). Argo CD ≥ 3.4 even reports such an NNCP as Suspended and
    stops later sync waves.

    ## Example
    ```yaml
    nodeGroups:
      storage: {selector: {node-role.kubernetes.io/storage: ""}, bridges: {br-st: {port: ens4}}}
    nodes:
      - {name: worker-0, group: workers}
    ```

    ## Use instead
    ```yaml
    nodes:
      - {name: worker-0, group: workers}
      - {name: storage-0, group: storage}
    ```

    ## How to fix
    Fix the selector (or the node labels), or drop the group.
    """
    if not ctx.site.nodes:
        return
    for group in ctx.site.node_groups:
        if group_nodes(ctx.site, group) == 0:
            shown = ", ".join(f"{k}={v}" for k, v in sorted(group.selector.items())) or "(no selector)"
            yield Problem(f"node group {group.name!r} selects no known node (selector {shown})",
                          group.at("selector"), "fix the node selector or the node labels, or remove the group")


@rule("NAD-06", "ovn-net-attach-def-name-mismatch", "OVN-K NAD netAttachDefName is not <namespace>/<name>")
def ovn_net_attach_def_name_mismatch(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For NADs of type `ovn-k8s-cni-overlay`, compares `netAttachDefName` in the config with the NAD's own
    `metadata.namespace/metadata.name`.

    ## Why is this bad?
    OVN-Kubernetes keys the network by this value; a mismatch ("net-attach-def name is inconsistent with
    config") leaves pods and VMs unable to attach. Docs and the console have both shipped the
    name/namespace order reversed.

    ## Example
    ```yaml
    metadata: {name: l2-net, namespace: app}
    spec:
      config: '{"cniVersion": "0.3.1", "name": "tenant", "type": "ovn-k8s-cni-overlay",
                "topology": "layer2", "netAttachDefName": "l2-net/app"}'
    ```

    ## Use instead
    ```yaml
                "topology": "layer2", "netAttachDefName": "app/l2-net"}'
    ```

    ## How to fix
    Set `netAttachDefName` to `<metadata.namespace>/<metadata.name>`.
    """
    for net in ctx.site.networks:
        if not _is_nad(net) or net.cni_type != OVN_CNI or not net.namespaces:
            continue
        expected = f"{net.namespaces[0]}/{net.name}"
        if net.net_attach_def_name == expected:
            continue
        if not net.net_attach_def_name:
            message = f"{net_label(net)}: the OVN-K config has no netAttachDefName (expected {expected!r})"
        else:
            message = (f"{net_label(net)}: netAttachDefName {net.net_attach_def_name!r} does not match "
                       f"the NAD, expected {expected!r}")
        yield Problem(message, net.at("net_attach_def_name"), f'set "netAttachDefName": "{expected}"')


_OVN_IDENTITY = ("topology", "subnets", "exclude_subnets", "mtu", "vlan", "role")


def _ovn_identity(net: Network) -> dict[str, object]:
    return {
        "topology": net.topology or net.type,
        "subnets": tuple(sorted(str(s) for s in net.subnets)),
        "exclude_subnets": tuple(sorted(str(s) for s in net.exclude_subnets)),
        "mtu": net.mtu,
        "vlan": net.vlan,
        "role": net.role,
    }


@rule("NAD-07", "ovn-network-config-mismatch", "OVN-K NADs share a network name but differ in configuration")
def ovn_network_config_mismatch(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Groups OVN-Kubernetes NADs by the network `name` inside their config (the cluster-wide identity) and
    compares topology, subnets, excludeSubnets, MTU, VLAN and role with the first NAD of each name.

    ## Why is this bad?
    NADs sharing a name are one logical network. Only pods on the first NAD work; the others hang in
    ContainerCreating ("CNI config does not match that of network").

    ## Example
    ```yaml
    # app-a: {"name": "tenant", "topology": "layer2", "mtu": 1400, ...}
    # app-b: {"name": "tenant", "topology": "layer2", "mtu": 9000, ...}
    ```

    ## Use instead
    ```yaml
    # the same parameters in every NAD of network "tenant", or a different name per network
    ```

    ## How to fix
    Make the parameters identical, or give different networks different names.
    """
    firsts: dict[str, Network] = {}
    for net in ctx.site.networks:
        if not _is_ovn(net):
            continue
        key = net.ovn_network_name or net.config_name or net.name
        first = firsts.setdefault(key, net)
        if first is net:
            continue
        mine, theirs = _ovn_identity(net), _ovn_identity(first)
        differing = [f for f in _OVN_IDENTITY if mine[f] != theirs[f]]
        if differing:
            shown = ", ".join(f"{f} {mine[f]!r} vs {theirs[f]!r}" for f in differing)
            yield Problem(f"{net_label(net)} joins OVN network {key!r} with a different {shown}",
                          net.at(differing[0]), "make every NAD of this OVN network identical, or rename it",
                          (Related(first.span, f"{net_label(first)} defines network {key!r} first"),))


@rule("NAD-08", "localnet-without-bridge-mapping", "OVN-K localnet network without an ovn bridge mapping")
def localnet_without_bridge_mapping(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For every OVN-Kubernetes localnet network, looks for an `ovn.bridge-mappings` entry (a node group's
    `ovnBridgeMappings`) whose `localnet` is the network's physical network name (or its config name).

    ## Why is this bad?
    Without the mapping OVN cannot patch the localnet port to a node bridge ("failed to find bridge
    mapping for network"): the VM starts without connectivity.

    ## Example
    ```yaml
    nodeGroups:
      workers: {ovnBridgeMappings: {physnet-prod: br-ex}}
    networks:
      prod-localnet: {type: ovn-localnet, physicalNetwork: physnet-db, vlan: 300}
    ```

    ## Use instead
    ```yaml
    networks:
      prod-localnet: {type: ovn-localnet, physicalNetwork: physnet-prod, vlan: 300}
    ```

    ## How to fix
    Add a bridge mapping for the physical network in a node policy, or name a mapped one.
    """
    if unseen_in_manifests(ctx.site, bool(ctx.site.node_groups)):
        return
    mapped = {m.localnet for g in ctx.site.node_groups for m in g.ovn_bridge_mappings}
    for net in ctx.site.networks:
        if net.type != "ovn-localnet" and net.topology != "localnet":
            continue
        physical = net.physical_network or net.ovn_network_name or net.config_name or net.name
        if physical not in mapped:
            known = ", ".join(sorted(mapped)) or "none"
            yield Problem(f"{net_label(net)} uses physical network {physical!r}, which no ovn bridge mapping "
                          f"names (mapped: {known})", net.at("physical_network"),
                          f"add an ovn bridge-mapping with localnet {physical} to a node policy")


@rule("NAD-09", "sriov-nad-resource-annotation",
      "SR-IOV NAD without a k8s.v1.cni.cncf.io/resourceName annotation with the right prefix",
      options={"resource_prefix": "openshift.io"})
def sriov_nad_resource_annotation(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks hand-written NADs of CNI type `sriov`: they need the annotation
    `k8s.v1.cni.cncf.io/resourceName: <prefix>/<resourceName>` (OpenShift prefix `openshift.io`).
    NADs generated from a SriovNetwork get it from the operator and are not checked.

    ## Why is this bad?
    Without it Multus does not pass the allocated VF to the CNI: "SRIOV-CNI failed to load netconf:
    LoadConf(): VF pci addr is required", and the VM never starts.

    ## Example
    ```yaml
    metadata:
      name: storage
      annotations: {k8s.v1.cni.cncf.io/resourceName: storage_vfs}
    ```

    ## Use instead
    ```yaml
    metadata:
      name: storage
      annotations: {k8s.v1.cni.cncf.io/resourceName: openshift.io/storage_vfs}
    ```

    ## How to fix
    Add the annotation with the prefix and the policy's resourceName, or let a SriovNetwork generate the NAD.

    ## Options
    - `resource_prefix`: the device-plugin resource prefix (default `openshift.io`).
    """
    prefix = str(ctx.options.get("resource_prefix", "openshift.io"))
    written = {(o.namespace or "default", o.name): o for o in ctx.site.objects
               if o.kind == "NetworkAttachmentDefinition"}
    for net in ctx.site.networks:
        if not _is_nad(net) or net.cni_type != "sriov":
            continue
        ref = written.get((net.namespaces[0] if net.namespaces else "default", net.name))
        annotation = ref.annotations.get(RESOURCE_ANNOTATION) if ref is not None else net.resource_name or None
        if not annotation:
            yield Problem(f"{net_label(net)} is an SR-IOV NAD without the {RESOURCE_ANNOTATION} annotation",
                          ref.at("annotations") if ref is not None else net.span,
                          f"annotate it with {RESOURCE_ANNOTATION}: {prefix}/<resourceName>")
        elif "/" not in annotation or annotation.rsplit("/", 1)[0] != prefix:
            place = ref.spans.get(f"annotations.{RESOURCE_ANNOTATION}", ref.span) if ref is not None else net.span
            yield Problem(f"{net_label(net)} requests resource {annotation!r}, not under prefix {prefix}/", place,
                          f"write it as {prefix}/{annotation.rsplit('/', 1)[-1]}")
