"""KubeVirt VM specs: bindings, interface/network pairing, hot-plug, services, DNS, mesh, SSH and disks (KV-01 … KV-15).

KV-01 … KV-05 mirror the KubeVirt network admitter (pkg/network/admitter), so a GitOps sync does not
half-apply; the others catch VMs that are accepted but cannot migrate, be reached or be named. KV-13
(service mesh) and KV-14 (SSH access) are not corpus entries: they check the prerequisites the site format's
`serviceMesh` and `ssh` promise.
"""

from __future__ import annotations

import ipaddress
import re
from collections import defaultdict
from collections.abc import Iterator

from kvnet.findings import Problem, Related
from kvnet.model import Interface, Vm
from kvnet.rules.facts import on_pod_network, vm_label
from kvnet.rules.registry import RuleContext, rule

KUBEVIRT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
MODELS = ("virtio", "e1000", "e1000e", "igb", "ne2k_pci", "pcnet", "rtl8139")
POD_BRIDGE_MIGRATION = "kubevirt.io/allow-pod-bridge-network-live-migration"
ISTIO_INJECT = "sidecar.istio.io/inject"
PRIMARY_UDN_LABEL = "k8s.ovn.org/primary-user-defined-network"
GiB = 1024**3


def _vms_pod_ifaces(vm: Vm) -> list[Interface]:
    return [i for i in vm.interfaces if on_pod_network(i)]


def _pod_bridge_blocks_migration(vm: Vm, iface: Interface) -> bool:
    return on_pod_network(iface) and iface.binding == "bridge" and POD_BRIDGE_MIGRATION not in vm.annotations


def _primary_udn_namespaces(ctx: RuleContext) -> set[str]:
    return {ns for net in ctx.site.networks if net.role == "primary" for ns in net.namespaces}


@rule("KV-01", "masquerade-off-pod-network", "Masquerade binding on a network other than the pod network")
def masquerade_off_pod_network(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports interfaces with `masquerade` binding whose network is not the pod network.

    ## Why is this bad?
    KubeVirt rejects the VM ("Masquerade interface only implemented with pod network"); a GitOps sync
    stops half-applied.

    ## Example
    ```yaml
    interfaces:
      - {name: prod, network: prod-web, binding: masquerade}
    ```

    ## Use instead
    ```yaml
    interfaces:
      - {name: prod, network: prod-web, binding: bridge}
    ```

    ## How to fix
    Use `bridge` binding on secondary networks; masquerade is for the pod network only.
    """
    for vm in ctx.site.vms:
        for iface in vm.interfaces:
            if iface.binding == "masquerade" and not on_pod_network(iface):
                yield Problem(f"{vm_label(vm)} interface {iface.name!r} uses masquerade on network "
                              f"{iface.network!r}; masquerade only works on the pod network", iface.at("binding"),
                              "use bridge binding on secondary networks")


@rule("KV-02", "pod-bridge-blocks-migration", "Bridge binding on the pod network makes the VM non-migratable",
      severity="warning")
def pod_bridge_blocks_migration(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports `bridge` binding on the pod network, unless the VM carries the annotation
    `kubevirt.io/allow-pod-bridge-network-live-migration`.

    ## Why is this bad?
    KubeVirt refuses to migrate such VMs ("cannot migrate VMI which does not use masquerade to connect to
    the pod network"): node drains and cluster upgrades stall. A dedicated migration network does not help.

    ## Example
    ```yaml
    interfaces:
      - {name: default, network: pod, binding: bridge}
    ```

    ## Use instead
    ```yaml
    interfaces:
      - {name: default, network: pod, binding: masquerade}
    ```

    ## How to fix
    Use masquerade on the pod network and bridge binding on secondary networks.
    """
    for vm in ctx.site.vms:
        for iface in vm.interfaces:
            if _pod_bridge_blocks_migration(vm, iface):
                yield Problem(f"{vm_label(vm)} interface {iface.name!r} uses bridge binding on the pod network: "
                              f"the VM cannot live migrate", iface.at("binding"),
                              "use masquerade binding on the pod network")


@rule("KV-03", "interface-network-pairing", "VM interfaces and networks not paired one to one with valid unique names",
      options={"name_pattern": DNS_LABEL, "max_name_length": 63})
def interface_network_pairing(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Per VM: every interface pairs with exactly one network of the same name and the other way round;
    interface names are unique; at most one interface is on the pod network; names match KubeVirt's
    `^[A-Za-z0-9-_]+$` and, because they become the first label of the secondary-DNS name, are DNS labels
    (lower-case letters, digits and `-`, at most 63 characters).

    ## Why is this bad?
    KubeVirt rejects mismatched or duplicate names and a second pod network at admission; a name that is
    not a DNS label gives no FQDN.

    ## Example
    ```yaml
    interfaces:
      - {name: default, network: pod}
      - {name: Prod_1, network: prod-web}
      - {name: Prod_1, network: tenant-l2}
    ```

    ## Use instead
    ```yaml
    interfaces:
      - {name: default, network: pod}
      - {name: prod, network: prod-web}
      - {name: tenant, network: tenant-l2}
    ```

    ## How to fix
    Give each interface its own DNS-label name and pair it with one network.

    ## Options
    - `name_pattern`: regular expression interface names must match (default: a DNS label).
    - `max_name_length`: longest interface name allowed (default 63).
    """
    pattern = re.compile(str(ctx.options.get("name_pattern", DNS_LABEL)))
    longest = int(ctx.options.get("max_name_length", 63))
    for vm in ctx.site.vms:
        first_by_name: dict[str, Interface] = {}
        first_pod: Interface | None = None
        for iface in vm.interfaces:
            if not iface.paired:
                # the manifests front end sets network_name only on the side that came from networks[]
                if iface.network_name:
                    message = f"{vm_label(vm)} network {iface.network_name!r} has no interface of the same name"
                else:
                    message = f"{vm_label(vm)} interface {iface.name!r} has no network of the same name"
                yield Problem(message, iface.span, "pair every interface with one network of the same name")
                continue
            if iface.name in first_by_name:
                yield Problem(f"{vm_label(vm)} has two interfaces named {iface.name!r}", iface.at("name"),
                              "give each interface its own name",
                              (Related(first_by_name[iface.name].at("name"), "first interface of that name"),))
            else:
                first_by_name[iface.name] = iface
            if on_pod_network(iface):
                if first_pod is not None:
                    yield Problem(f"{vm_label(vm)} connects interface {iface.name!r} to the pod network a second "
                                  f"time", iface.at("network"), "keep one interface on the pod network",
                                  (Related(first_pod.at("network"), f"{first_pod.name!r} is on the pod network"),))
                else:
                    first_pod = iface
            yield from _name_problems(vm, iface, pattern, longest)


def _name_problems(vm: Vm, iface: Interface, pattern: re.Pattern[str], longest: int) -> Iterator[Problem]:
    if not iface.name:
        return
    if not KUBEVIRT_NAME.match(iface.name):
        yield Problem(f"{vm_label(vm)} interface name {iface.name!r} has characters KubeVirt rejects "
                      f"(letters, digits, - and _ only)", iface.at("name"), "rename the interface")
    elif not pattern.match(iface.name) or len(iface.name) > longest:
        yield Problem(f"{vm_label(vm)} interface name {iface.name!r} is not a DNS label (lower-case letters, "
                      f"digits and -, at most {longest} characters); it cannot be part of the VM's DNS name",
                      iface.at("name"), "rename the interface with lower-case letters, digits and -")


@rule("KV-04", "interface-model", "Unsupported interface model, or a hot-plugged interface that is not virtio")
def interface_model(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks each interface's `model` against KubeVirt's list (virtio, e1000, e1000e, igb, ne2k_pci, pcnet,
    rtl8139) and that hot-plugged interfaces are virtio.

    ## Why is this bad?
    KubeVirt rejects other models; hot-plug only adds virtio NICs, so the interface never appears.

    ## Example
    ```yaml
    interfaces:
      - {name: prod, network: prod-web, hotplug: true, model: e1000e}
    ```

    ## Use instead
    ```yaml
    interfaces:
      - {name: prod, network: prod-web, hotplug: true, model: virtio}
    ```

    ## How to fix
    Use virtio (the default) unless the guest lacks virtio drivers, and always for hot-plug.
    """
    for vm in ctx.site.vms:
        for iface in vm.interfaces:
            if iface.model not in MODELS:
                yield Problem(f"{vm_label(vm)} interface {iface.name!r} has model {iface.model!r}; KubeVirt "
                              f"supports {', '.join(MODELS)}", iface.at("model"), "use model virtio")
            elif iface.hotplug and iface.model != "virtio":
                yield Problem(f"{vm_label(vm)} interface {iface.name!r} is hot-plugged with model {iface.model!r}; "
                              f"hot-plugged interfaces must be virtio", iface.at("model"), "use model virtio")


@rule("KV-05", "interface-state",
      "Interface state absent off a bridge binding or on the pod network; link state on SR-IOV")
def interface_state(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    `state: absent` (hot-unplug) is allowed only on bridge-bound interfaces of secondary networks;
    `state: up|down` not on SR-IOV interfaces. This mirrors KubeVirt's admission.

    ## Why is this bad?
    KubeVirt rejects the VM, and the GitOps sync stops half-applied.

    ## Example
    ```yaml
    interfaces:
      - {name: default, network: pod, state: absent}
    ```

    ## Use instead
    ```yaml
    interfaces:
      - {name: legacy, network: prod-web, binding: bridge, state: absent}
    ```

    ## How to fix
    Unplug only bridge interfaces of secondary networks; remove other interfaces with a restart.
    """
    for vm in ctx.site.vms:
        for iface in vm.interfaces:
            if iface.state == "absent":
                if on_pod_network(iface):
                    yield Problem(f"{vm_label(vm)} interface {iface.name!r} is on the pod network and cannot be "
                                  f"hot-unplugged (state: absent)", iface.at("state"),
                                  "remove the interface with a restart instead")
                elif iface.binding != "bridge":
                    yield Problem(f"{vm_label(vm)} interface {iface.name!r} has state absent with "
                                  f"{iface.binding} binding; only bridge interfaces can be hot-unplugged",
                                  iface.at("state"), "remove the interface with a restart instead")
            elif iface.binding == "sriov" and (iface.state == "down" or "state" in iface.spans):
                yield Problem(f"{vm_label(vm)} SR-IOV interface {iface.name!r} sets state {iface.state}; KubeVirt "
                              f"does not manage SR-IOV link state", iface.at("state"), "remove the state field")
            elif iface.state not in ("up", "down", "absent", ""):
                yield Problem(f"{vm_label(vm)} interface {iface.name!r} has unknown state {iface.state!r}",
                              iface.at("state"), "use up, down or absent")


def _memory_bytes(text: str | None) -> int | None:
    match = re.fullmatch(r"\s*([0-9.]+)\s*([KMGTE]i?)?\s*", text or "")
    if not match:
        return None
    units = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "E": 10**18,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Ei": 2**60}
    return int(float(match.group(1)) * units[match.group(2) or ""])


@rule("KV-06", "too-many-interfaces", "More interfaces than the PCI slots a VM has (or keeps for hot-plug)",
      severity="warning", options={"max_interfaces": 28})
def too_many_interfaces(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Counts a VM's interfaces. Warns when there are more than `max_interfaces` (32 PCIe root ports, some
    kept for disks and hot-plug), and when more interfaces are hot-plugged than KubeVirt keeps free root
    ports for: max(8 − interfaces at boot, 3), or max(16 − interfaces at boot, 6) with more than 2 GiB of
    guest memory (KubeVirt 1.6; disks use ports too, so this is an upper bound).

    ## Why is this bad?
    libvirt fails the plug with "No more available PCI slots"; the NIC never appears in the guest.

    ## Example
    ```yaml
    resources: {memory: 2Gi}
    interfaces:   # 6 at boot, 4 hot-plugged: only 3 free ports
      - {name: nic4, network: prod-web, hotplug: true}
    ```

    ## Use instead
    ```yaml
    resources: {memory: 4Gi}   # 16 - 6 = 10 free ports
    ```

    ## How to fix
    Add the interfaces at boot (restart), use fewer interfaces, or give the VM more than 2 GiB of memory.

    ## Options
    - `max_interfaces`: interfaces per VM before kvnet warns (default 28).
    """
    limit = int(ctx.options.get("max_interfaces", 28))
    for vm in ctx.site.vms:
        present = [i for i in vm.interfaces if i.state != "absent"]
        if len(present) > limit:
            yield Problem(f"{vm_label(vm)} has {len(present)} interfaces, more than {limit}", present[limit].span,
                          "use fewer interfaces (VLAN trunks instead of one NIC per VLAN)")
        hotplugged = [i for i in present if i.hotplug]
        if not hotplugged:
            continue
        at_boot = len(present) - len(hotplugged)
        memory = _memory_bytes(vm.resources.memory if vm.resources else None)
        big = memory is not None and memory > 2 * GiB
        free = max(16 - at_boot, 6) if big else max(8 - at_boot, 3)
        if len(hotplugged) > free:
            yield Problem(f"{vm_label(vm)} hot-plugs {len(hotplugged)} interfaces, but KubeVirt keeps at most "
                          f"{free} free PCI ports for it ({at_boot} interfaces at boot, "
                          f"{'more' if big else 'at most'} 2 GiB memory)", hotplugged[free].at("hotplug"),
                          "add some interfaces at boot with a restart, or give the VM more than 2 GiB of memory")


@rule("KV-07", "hotplug-needs-migration", "Interface hot-plugged into a VM that cannot live migrate",
      severity="warning")
def hotplug_needs_migration(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For VMs with hot-plugged interfaces, checks that the VM can live migrate (today: no bridge binding on
    the pod network without the migration annotation).

    ## Why is this bad?
    Without Multus' dynamic-networks controller KubeVirt plugs a NIC by migrating the VM; a VM that cannot
    migrate keeps a pending "MigrationRequired"/"RestartRequired" condition and the NIC never appears.

    ## Example
    ```yaml
    interfaces:
      - {name: default, network: pod, binding: bridge}
      - {name: prod, network: prod-web, hotplug: true}
    ```

    ## Use instead
    ```yaml
    interfaces:
      - {name: default, network: pod, binding: masquerade}
      - {name: prod, network: prod-web, hotplug: true}
    ```

    ## How to fix
    Make the VM migratable (masquerade on the pod network), or add the interface with a restart.
    """
    for vm in ctx.site.vms:
        plugged = [i for i in vm.interfaces if i.hotplug and i.state != "absent"]
        if not plugged or vm.run_strategy == "Halted":
            continue
        blockers = [i for i in vm.interfaces if _pod_bridge_blocks_migration(vm, i)]
        if blockers:
            yield Problem(f"{vm_label(vm)} hot-plugs interface {plugged[0].name!r}, but cannot live migrate: "
                          f"interface {blockers[0].name!r} uses bridge binding on the pod network",
                          plugged[0].at("hotplug"), "use masquerade on the pod network, or add the NIC with a restart",
                          (Related(blockers[0].at("binding"), "this binding blocks migration"),))


@rule("KV-08", "primary-udn-binding", "VM pod interface in a primary-UDN namespace not using l2bridge (or passt)")
def primary_udn_binding(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    In namespaces whose primary network is a user-defined network (UDN/CUDN with role Primary), the VM's
    pod-network interface must use the `l2bridge` binding plugin (or `passt`).

    ## Why is this bad?
    With masquerade or bridge the VM does not get the UDN attachment and its launcher pod fails.

    ## Example
    ```yaml
    interfaces: [{name: default, masquerade: {}}]
    networks: [{name: default, pod: {}}]
    ```

    ## Use instead
    ```yaml
    interfaces: [{name: default, binding: {name: l2bridge}}]
    networks: [{name: default, pod: {}}]
    ```

    ## How to fix
    Use `binding: {name: l2bridge}` on the pod interface of VMs in primary-UDN namespaces.
    """
    primary = _primary_udn_namespaces(ctx)
    if not primary:
        return
    for vm in ctx.site.vms:
        if vm.namespace not in primary:
            continue
        for iface in _vms_pod_ifaces(vm):
            plugin = iface.binding_plugin or iface.binding
            if plugin not in ("l2bridge", "passt"):
                yield Problem(f"{vm_label(vm)} is in primary-UDN namespace {vm.namespace}, but its pod interface "
                              f"{iface.name!r} uses {plugin} binding", iface.at("binding"),
                              "use binding: {name: l2bridge} on the pod interface")


@rule("KV-09", "primary-udn-namespace-label", "Primary-UDN namespace without its label, or label without a UDN")
def primary_udn_namespace_label(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    A namespace that a primary UDN/CUDN targets must carry the label
    `k8s.ovn.org/primary-user-defined-network` in its creation manifest, and a namespace with the label
    needs a primary UDN. Namespaces not in the checked files are not judged.

    ## Why is this bad?
    The label cannot be added later: without it the UDN reports an error and VMs land on the default
    network; with the label but no UDN, pods and VMs fail to start.

    ## Example
    ```yaml
    kind: Namespace
    metadata: {name: tenant-a}
    ```

    ## Use instead
    ```yaml
    kind: Namespace
    metadata: {name: tenant-a, labels: {k8s.ovn.org/primary-user-defined-network: ""}}
    ```

    ## How to fix
    Label the namespace in the manifest that creates it (recreate it if it exists), or add the UDN.
    """
    primary = {ns: net for net in ctx.site.networks if net.role == "primary" for ns in net.namespaces}
    for ns in ctx.site.namespaces:
        labelled = PRIMARY_UDN_LABEL in ns.labels
        if ns.name in primary and not labelled:
            yield Problem(f"namespace {ns.name!r} is the target of primary UDN {primary[ns.name].name!r} but lacks "
                          f"the label {PRIMARY_UDN_LABEL}", ns.at("labels"),
                          f"add the label {PRIMARY_UDN_LABEL} where the namespace is created",
                          (Related(primary[ns.name].span, "the primary UDN"),))
        elif labelled and ns.name not in primary:
            yield Problem(f"namespace {ns.name!r} carries {PRIMARY_UDN_LABEL} but no primary UDN targets it",
                          ns.at("labels"), "add a primary UserDefinedNetwork for it, or drop the label")


@rule("KV-10", "ipv6-single-stack-cluster", "OpenShift Virtualization on a single-stack IPv6 cluster")
def ipv6_single_stack_cluster(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports an OpenShift cluster declared single-stack IPv6 (`ipFamilies: [IPv6]`, or only IPv6 cluster
    networks).

    ## Why is this bad?
    "You cannot run OpenShift Virtualization on a single-stack IPv6 cluster." Upstream KubeVirt runs there,
    but masquerade VMs get no IPv6 route (no router advertisements) unless the guest is configured with
    fd10:0:2::2/120 and gateway fd10:0:2::1.

    ## Example
    ```yaml
    cluster: {distribution: openshift, ipFamilies: [IPv6]}
    ```

    ## Use instead
    ```yaml
    cluster: {distribution: openshift, ipFamilies: [IPv4, IPv6]}
    ```

    ## How to fix
    Run OpenShift Virtualization on an IPv4 or dual-stack cluster.
    """
    cluster = ctx.site.cluster
    if cluster is None or cluster.distribution != "openshift":
        return
    families = set(cluster.ip_families)
    if cluster.cluster_networks and all(n.version == 6 for n in cluster.cluster_networks):
        families = {"IPv6"}
    if families == {"IPv6"}:
        yield Problem("the cluster is single-stack IPv6, which OpenShift Virtualization does not support",
                      cluster.at("ip_families"), "use an IPv4 or dual-stack cluster")


DERIVED_LABEL_PREFIXES = ("flavor.template.kubevirt.io/", "kubevirt.io/created-by", "kubevirt.io/nodeName",
                          "kubevirt.io/size", "vm.kubevirt.io/template", "kubevirt.io/migrationJobUID")
POD_OWNERS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob", "DeploymentConfig")


@rule("KV-11", "service-selects-no-vm", "Service for VMs selecting no VM, derived labels, or a VM without pod network",
      severity="warning")
def service_selects_no_vm(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For Services meant for VMs: the selector must match the labels of a VM's template (its pods), must not
    use labels KubeVirt derives or changes (`kubevirt.io/created-by`, `flavor.template.kubevirt.io/*`, ...),
    and the VMs selected need a pod network. On manifests a Service counts as meant for VMs when its
    namespace holds VMs and no other workloads, or when it selects `kubevirt.io` labels.

    ## Why is this bad?
    Labels on the VirtualMachine object are not copied to the launcher pod: the Service has no endpoints.
    Derived labels change on restart or resize. Endpoints are pod IPs, useless for multus-only VMs.

    ## Example
    ```yaml
    kind: VirtualMachine
    metadata: {name: web-01, labels: {app: web}}    # not in spec.template.metadata.labels
    ---
    kind: Service
    spec: {selector: {app: web}}
    ```

    ## Use instead
    ```yaml
    kind: VirtualMachine
    spec: {template: {metadata: {labels: {app: web}}}}
    ```

    ## How to fix
    Select labels set under `spec.template.metadata.labels`, and give exposed VMs a pod network.
    """
    vm_ns = {vm.namespace for vm in ctx.site.vms}
    owners_ns = {o.namespace for o in ctx.site.objects if o.kind in POD_OWNERS}
    # labels on VM objects (not their templates), indexed so that a selector costs its own size, not #VMs
    vm_objects = [o for o in ctx.site.objects if o.kind in ("VirtualMachine", "VirtualMachineInstance")]
    by_label: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for index, obj in enumerate(vm_objects):
        for key, value in obj.labels.items():
            by_label[(obj.namespace or "default", key, value)].add(index)
    for svc in ctx.site.services:
        if not svc.selector:
            continue
        derived = sorted(k for k in svc.selector if k.startswith(DERIVED_LABEL_PREFIXES))
        if derived:
            yield Problem(f"Service {svc.namespace}/{svc.name} selects {derived[0]!r}, a label KubeVirt derives and "
                          f"changes", svc.at("selector"), "select a label of your own from the VM template")
        selected = ctx.graph.vms_selected_by(svc)
        for vm in selected:
            if not _vms_pod_ifaces(vm) and vm.interfaces:
                yield Problem(f"Service {svc.namespace}/{svc.name} selects {vm_label(vm)}, which has no pod network: "
                              f"the Service cannot reach it", svc.at("selector"),
                              "add a pod-network interface to the VM, or expose it on its own network",
                              (Related(vm.span, f"{vm_label(vm)} defined here"),))
        if selected:
            continue
        matches = set.intersection(*(by_label.get((svc.namespace, k, v), set()) for k, v in svc.selector.items()))
        on_object = [vm_objects[i] for i in sorted(matches)]
        meant_for_vms = (svc.origin == "site" or svc.target_vms or on_object
                         or any("kubevirt.io" in k for k in svc.selector)
                         or (svc.namespace in vm_ns and svc.namespace not in owners_ns))
        if not meant_for_vms:
            continue
        shown = ", ".join(f"{k}={v}" for k, v in sorted(svc.selector.items()))
        if on_object:
            yield Problem(f"Service {svc.namespace}/{svc.name} selects {shown}, which is set on the VirtualMachine "
                          f"{on_object[0].name!r} itself, not on its template: the Service has no endpoints",
                          svc.at("selector"), "move the labels to spec.template.metadata.labels of the VM",
                          (Related(on_object[0].at("labels"), "labels of the VM object"),))
        else:
            yield Problem(f"Service {svc.namespace}/{svc.name} selects {shown}, which no VM in namespace "
                          f"{svc.namespace} carries", svc.at("selector"),
                          "select labels of the VM template (spec.template.metadata.labels)")


@rule("KV-12", "secondary-dns-prerequisites",
      "FQDN access without its prerequisites: guest agent, base domain, IPv4 name server", severity="warning")
def secondary_dns_prerequisites(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    When secondary DNS (KubeSecondaryDNS) is enabled: VMs with secondary interfaces need the QEMU guest
    agent; the site needs a base domain and the name server IP (an IPv4 address) to delegate
    `vm.<base domain>` to.

    ## Why is this bad?
    Records are built from the IPs the guest agent reports: without it the VM gets no FQDN. Without the
    base domain or name server the zone cannot be delegated, and HCO rejects a non-IPv4 name server.

    ## Example
    ```yaml
    secondaryDNS: {enabled: true}
    vms:
      - {name: db-1, guestAgent: false, interfaces: [{name: prod, network: prod-web}]}
    ```

    ## Use instead
    ```yaml
    cluster: {baseDomain: example.com}
    secondaryDNS: {enabled: true, nameServerIP: 203.0.113.53}
    vms:
      - {name: db-1, interfaces: [{name: prod, network: prod-web}]}
    ```

    ## How to fix
    Install and run qemu-guest-agent in the guest, and set the base domain and name server IP.
    """
    dns, hc = ctx.site.secondary_dns, ctx.site.hyperconverged
    enabled = bool(dns and dns.enabled) or bool(hc and hc.deploy_kube_secondary_dns)
    if not enabled:
        return
    if dns is not None and ctx.site.origin == "site":
        if not dns.domain and not (ctx.site.cluster and ctx.site.cluster.base_domain):
            yield Problem("secondary DNS is enabled but the cluster has no base domain: VM names cannot be formed",
                          dns.span, "set cluster.baseDomain")
        if dns.name_server_ip is None:
            yield Problem("secondary DNS is enabled without nameServerIP: the vm.<base domain> zone cannot be "
                          "delegated to it", dns.at("name_server_ip"),
                          "set nameServerIP to the LoadBalancer IP that exposes the secondary DNS")
        elif dns.name_server_ip.version != 4:
            yield Problem(f"secondary DNS nameServerIP {dns.name_server_ip} is not IPv4; HyperConverged rejects it",
                          dns.at("name_server_ip"), "use an IPv4 address")
    if hc is not None and hc.kube_secondary_dns_name_server_ip:
        try:
            ipaddress.IPv4Address(hc.kube_secondary_dns_name_server_ip)
        except ValueError:
            yield Problem(f"kubeSecondaryDNSNameServerIP {hc.kube_secondary_dns_name_server_ip!r} is not an IPv4 "
                          f"address; HyperConverged rejects it", hc.at("kube_secondary_dns_name_server_ip"),
                          "use an IPv4 address")
    for vm in ctx.site.vms:
        secondary = [i for i in vm.interfaces if not on_pod_network(i) and i.state != "absent"]
        if secondary and not vm.guest_agent:
            yield Problem(f"{vm_label(vm)} has secondary interfaces but no guest agent: secondary DNS publishes "
                          f"no name for them", vm.at("guest_agent"), "run qemu-guest-agent in the guest")


@rule("KV-13", "service-mesh-without-masquerade", "Service-mesh VM without masquerade (or passt) on the pod network")
def service_mesh_without_masquerade(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For VMs with sidecar injection (`serviceMesh: true`, or `sidecar.istio.io/inject: "true"`), requires
    an interface on the pod network with masquerade (or passt) binding.

    ## Why is this bad?
    The sidecar intercepts the pod's traffic; with bridge binding the pod gives its IP to the guest and
    with no pod interface there is nothing to intercept: the VM is outside the mesh or unreachable.

    ## Example
    ```yaml
    - name: web-01
      serviceMesh: true
      interfaces: [{name: default, network: pod, binding: bridge}]
    ```

    ## Use instead
    ```yaml
    - name: web-01
      serviceMesh: true
      interfaces: [{name: default, network: pod, binding: masquerade}]
    ```

    ## How to fix
    Put the VM on the pod network with masquerade binding.
    """
    for vm in ctx.site.vms:
        injected = vm.service_mesh or vm.annotations.get(ISTIO_INJECT, "").lower() == "true"
        if not injected:
            continue
        pod = _vms_pod_ifaces(vm)
        place = vm.at("service_mesh") if "service_mesh" in vm.spans else vm.at("annotations")
        if not pod:
            yield Problem(f"{vm_label(vm)} joins the service mesh but has no pod-network interface", place,
                          "add an interface on the pod network with masquerade binding")
        elif all(i.binding not in ("masquerade", "passt") and i.binding_plugin != "passt" for i in pod):
            yield Problem(f"{vm_label(vm)} joins the service mesh, but its pod interface {pod[0].name!r} uses "
                          f"{pod[0].binding} binding; the mesh needs masquerade", pod[0].at("binding"),
                          "use masquerade binding on the pod network",
                          (Related(place, "sidecar injection asked here"),))


SSH_KEY_TYPES = ("ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-", "sk-ssh-ed25519", "sk-ecdsa-sha2-")
SECRET_KINDS = ("Secret", "SealedSecret", "ExternalSecret")


@rule("KV-14", "ssh-access-prerequisites", "SSH access without public keys or without a way to reach the VM",
      severity="warning")
def ssh_access_prerequisites(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For VMs with SSH access: public keys are given (inline, or a Secret that exists in the checked files),
    each looks like an OpenSSH public key (never a private key), and there is a way in: `virtctl ssh` and
    Services need a pod network (and `virtctl ssh` does not work on primary UDNs); with neither, a
    secondary network must reach the VM.

    ## Why is this bad?
    The VM boots without a usable key, or with no path to port 22; a private key in Git is a leak.

    ## Example
    ```yaml
    ssh: {authorizedKeys: [], via: [virtctl]}
    interfaces: [{name: prod, network: prod-web}]
    ```

    ## Use instead
    ```yaml
    ssh: {authorizedKeys: ["ssh-ed25519 AAAAC3Nza... ops@example.com"], via: [virtctl]}
    interfaces: [{name: default, network: pod}, {name: prod, network: prod-web}]
    ```

    ## How to fix
    Add public keys, and a pod-network interface for `virtctl ssh` or a Service on port 22.
    """
    secrets = {(o.namespace, o.name) for o in ctx.site.objects if o.kind in SECRET_KINDS}
    udn = _primary_udn_namespaces(ctx)
    for vm in ctx.site.vms:
        ssh = vm.ssh
        if ssh is None:
            continue
        if not ssh.authorized_keys and not ssh.secret_name:
            yield Problem(f"{vm_label(vm)} asks for SSH access but gives no public key", ssh.span,
                          "add authorizedKeys, or name a Secret holding them")
        for i, key in enumerate(ssh.authorized_keys):
            if "PRIVATE KEY" in key:
                yield Problem(f"{vm_label(vm)} lists a private key as an SSH key: never commit it",
                              ssh.at("authorized_keys"), "remove it, rotate it, and list the .pub key instead")
            elif not key.strip().startswith(SSH_KEY_TYPES):
                yield Problem(f"{vm_label(vm)} SSH key {i + 1} is not an OpenSSH public key ({key[:24]!r}...)",
                              ssh.at("authorized_keys"), "paste the whole line of the .pub file")
        if (ssh.secret_name and ctx.site.origin == "manifest" and ctx.site.objects
                and (vm.namespace, ssh.secret_name) not in secrets):
            yield Problem(f"{vm_label(vm)} takes SSH keys from Secret {ssh.secret_name!r}, which is not in the "
                          f"checked files", ssh.at("secret_name"), "add the Secret, or check its name")
        yield from _ssh_reach(ctx, vm, udn)


def _ssh_reach(ctx: RuleContext, vm: Vm, udn: set[str]) -> Iterator[Problem]:
    ssh = vm.ssh
    assert ssh is not None
    pod = bool(_vms_pod_ifaces(vm)) or not vm.interfaces  # no interfaces: KubeVirt adds the pod one
    secondary = any(not on_pod_network(i) and i.state != "absent" for i in vm.interfaces)
    for way in ssh.via:
        if way == "virtctl" and vm.namespace in udn:
            yield Problem(f"{vm_label(vm)} is on a primary UDN, where virtctl ssh does not work", ssh.at("via"),
                          "reach it with a Service on port 22 or on a secondary network")
        elif way in ("virtctl", "service", "nodeport") and not pod:
            yield Problem(f"{vm_label(vm)} is reached over {way}, which needs a pod-network interface it lacks",
                          ssh.at("via"), "add an interface on the pod network")
    if not ssh.via and not secondary and not ctx.graph.services_selecting(vm) and not pod:
        yield Problem(f"{vm_label(vm)} has SSH keys but no way in: no pod network, Service or secondary network",
                      ssh.span, "add via: [virtctl] and a pod-network interface")


@rule("KV-15", "disk-without-volume", "VM disk without a volume of the same name")
def disk_without_volume(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For VMs read from manifests: every disk in `domain.devices.disks` (CD-ROMs aside, which may be left
    empty for hot-plug) names a volume in `volumes`.

    ## Why is this bad?
    KubeVirt's admission webhook refuses the VM (`...disks[0].Name 'cloudinitdisk' not found`): it never
    starts. The usual cause is a cloud-init disk whose volume was renamed or left out, and with it the
    guest's network configuration.

    ## Example
    ```yaml
    domain:
      devices:
        disks:
          - {name: containerdisk, disk: {bus: virtio}}
          - {name: cloudinitdisk, disk: {bus: virtio}}
    volumes:
      - {name: containerdisk, containerDisk: {image: quay.io/containerdisks/fedora:40}}
    ```

    ## Use instead
    ```yaml
    volumes:
      - {name: containerdisk, containerDisk: {image: quay.io/containerdisks/fedora:40}}
      - {name: cloudinitdisk, cloudInitNoCloud: {networkData: "..."}}
    ```

    ## How to fix
    Add the volume, or give the disk the name of the volume it is meant to use.
    """
    for vm in ctx.site.vms:
        volumes = set(vm.volumes)
        for index, disk in enumerate(vm.disks):
            if disk not in volumes:
                known = f"; its volumes are {', '.join(sorted(volumes))}" if volumes else "; it has no volumes"
                yield Problem(f"disk {disk!r} of {vm_label(vm)} has no volume of that name{known}: KubeVirt refuses "
                              "the VM", vm.at(f"disks[{index}]"), f"add a volume named {disk!r}, or rename the disk")
