"""SR-IOV: policies (SriovNetworkNodePolicy), SR-IOV networks and the VMs that use them (SRIOV-01 … SRIOV-05).

The operator webhook rejects some policies at apply time, but only once the operator runs and its node
states are populated; in a GitOps repo the policy, the network and the VM arrive together, so kvnet checks
the whole chain offline: PF capability → policy (VF range, device type) → resource name → network → VM.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator

from kvnet.findings import Problem, Related
from kvnet.model import Network, Nic, ObjectRef, Site, SriovPolicy
from kvnet.rules.facts import (
    group_nodes,
    net_label,
    policies_by_resource,
    policies_for,
    resource_base,
    unseen_in_manifests,
    vf_count,
    vf_span,
    vm_label,
)
from kvnet.rules.registry import RuleContext, rule

# The operator webhook's resourceName check. Upstream allows inner dashes since sriov-network-operator#1120
# (the device plugin since sriov-network-device-plugin#481); older operators (and OpenShift releases built from
# them) accept only ^[a-zA-Z0-9_]+$ — set the rule's `resource_name_pattern` option to that for them.
RESOURCE_NAME = r"^[a-zA-Z0-9]([a-zA-Z0-9_-]*[a-zA-Z0-9])?$"
NETWORK_KINDS = ("SriovNetwork", "SriovIBNetwork", "OVSNetwork")
MELLANOX = "15b3"
MELLANOX_MAX_VFS = 128
SRIOV_KINDS = ("SriovNetwork", "SriovNetworkNodePolicy", "SriovOperatorConfig", "SriovIBNetwork", "OVSNetwork")


def _pf_nics(site: Site, policy: SriovPolicy, pf: str) -> list[Nic]:
    """The NICs named `pf` in the node groups the policy applies to (all groups when it does not say)."""
    groups = [g for g in site.node_groups if not policy.node_group or g.name == policy.node_group]
    return [nic for g in groups if (nic := g.nic(pf)) is not None]


@rule("SRIOV-01", "sriov-resource-not-provided", "SR-IOV network whose VFs no policy provides (or too few)")
def sriov_resource_not_provided(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For every SR-IOV network (SriovNetwork, SR-IOV NAD, site `sriov` network), finds the policy whose
    `resourceName` provides its VFs (a site network: a policy on its PF). When the nodes are known, also
    checks that the policies provide at least as many VFs as VM interfaces request.

    ## Why is this bad?
    The launcher pod stays Pending: "0/6 nodes are available: 6 Insufficient openshift.io/vmnics".

    ## Example
    ```yaml
    kind: SriovNetwork
    spec: {resourceName: vm_nics, networkNamespace: app}   # the policy says resourceName: vmnics
    ```

    ## Use instead
    ```yaml
    kind: SriovNetwork
    spec: {resourceName: vmnics, networkNamespace: app}
    ```

    ## How to fix
    Use the resourceName of an existing SriovNetworkNodePolicy, or add a policy (and VFs) for it.
    """
    if unseen_in_manifests(ctx.site, bool(ctx.site.sriov_policies)):
        return
    index = policies_by_resource(ctx.site)
    for net in ctx.site.networks:
        if net.type != "sriov":
            continue
        policies = policies_for(net, index, ctx.site)
        if not policies:
            if net.pf and ctx.site.origin == "site" and not _pf_capable(ctx.site, net.pf):
                yield Problem(f"{net_label(net)} uses PF {net.pf!r}, which no node group lists as an SR-IOV "
                              f"capable NIC", net.at("pf"),
                              f"add sriov: {{totalVfs: N}} to NIC {net.pf} in a node group, or name another PF")
            elif net.resource_name:
                known = ", ".join(sorted(k for k in index if k)) or "none"
                yield Problem(f"{net_label(net)} requests resource {resource_base(net.resource_name)!r}, which "
                              f"no SriovNetworkNodePolicy provides (policies provide: {known})",
                              net.at("resource_name"), "use a policy's resourceName, or add a policy for it")
            continue
        yield from _capacity(ctx, net, policies)


def nic_group(site: Site, nic: Nic) -> str:
    return next((g.name for g in site.node_groups if nic in g.nics), "")


def _pf_capable(site: Site, pf: str) -> bool:
    return any((nic := g.nic(pf)) is not None and nic.sriov is not None for g in site.node_groups)


def _capacity(ctx: RuleContext, net: Network, policies: list[SriovPolicy]) -> Iterator[Problem]:
    """More VM interfaces on the network than VFs on all nodes together (judged only when nodes are known)."""
    groups = {g.name: g for g in ctx.site.node_groups}
    capacity = 0
    for policy in policies:
        group = groups.get(policy.node_group)
        nodes = group_nodes(ctx.site, group) if group is not None else 0
        if nodes == 0:
            return  # node count unknown: cannot judge capacity
        capacity += vf_count(policy) * nodes
    users = ctx.graph.interfaces_on(net)
    if len(users) > capacity:
        _vm, iface = users[capacity]
        yield Problem(f"{len(users)} VM interfaces use {net_label(net)}, but its policies provide only "
                      f"{capacity} VFs in total", iface.at("network"),
                      "add VFs (numVfs, more nodes) or move VMs to another network",
                      tuple(Related(p.span, f"policy {p.name!r} provides {vf_count(p)} VFs per node")
                            for p in policies[:3]))


@rule("SRIOV-02", "invalid-sriov-policy", "SriovNetworkNodePolicy the operator rejects or that overlaps another",
      options={"resource_name_pattern": RESOURCE_NAME})
def invalid_sriov_policy(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Mirrors the SR-IOV operator's webhook offline: `resourceName` matches the webhook's pattern (letters,
    digits, `_` and inner `-`; see Options), `numVfs` > 0
    and ≤ the PF's `totalVfs` (≤ 128 on Mellanox; a site's PF must be listed SR-IOV capable), a
    `pfNames` VF range `#first-last` is ordered and below `numVfs`, no `vfio-pci` with `isRdma`, and VF
    ranges of policies on the same PF and nodes do not overlap (sorted and swept per PF).

    ## Why is this bad?
    The webhook rejects the policy once the operator runs — or, where it is off or not ready, nodes get
    stuck draining. Overlapping VF ranges (typically a DPDK pool carved out of a PF another policy
    already takes whole) are rejected or hand the same VF to two resources.

    ## Example
    ```yaml
    networks:
      storage: {type: sriov, pf: ens5f0, vfRange: "0-11"}
      dpdk-fast: {type: sriov, pf: ens5f0, vfRange: "8-15", dpdk: true}
    ```

    ## Use instead
    ```yaml
    networks:
      storage: {type: sriov, pf: ens5f0, vfRange: "0-7"}
      dpdk-fast: {type: sriov, pf: ens5f0, vfRange: "8-15", dpdk: true}
    ```

    ## How to fix
    Keep `numVfs` within the NIC's `totalVfs`, give each pool its own VF range, and fix the names.

    ## Options
    - `resource_name_pattern`: the regular expression `resourceName` must match. The default is the current
      upstream webhook's `^[a-zA-Z0-9]([a-zA-Z0-9_-]*[a-zA-Z0-9])?$` (dashes allowed since
      sriov-network-operator#1120); operators before it, and the OpenShift releases built from them, accept
      only `^[a-zA-Z0-9_]+$` — set that for them.

    ## References
    - k8snetworkplumbingwg/sriov-network-operator `pkg/webhook/validate.go`; pull request #1120 "webhook: allow
      dash in resource name"; sriov-network-device-plugin#481 "allow dash in resource name".
    """
    pattern = re.compile(str(ctx.options.get("resource_name_pattern", RESOURCE_NAME)))
    claims: dict[tuple[str, str], list[tuple[int, int, SriovPolicy]]] = defaultdict(list)
    for policy in ctx.site.sriov_policies:
        yield from _policy_fields(ctx.site, policy, pattern)
        scope = policy.node_group or ",".join(f"{k}={v}" for k, v in sorted(policy.node_selector.items()))
        low, high = vf_span(policy)
        for pf in policy.pf_names:
            claims[(scope, pf)].append((low, high, policy))
    for (_scope, pf), ranges in sorted(claims.items()):
        ranges.sort(key=lambda r: (r[0], r[1], r[2].name))
        reach_high, reach_policy = -1, None
        for low, high, policy in ranges:  # sweep: compare with the furthest-reaching earlier range
            if reach_policy is not None and low <= reach_high:
                yield Problem(f"policy {policy.name!r} claims VFs {low}-{high} of {pf}, overlapping VFs up to "
                              f"{reach_high} claimed by policy {reach_policy.name!r}", policy.at("vf_range"),
                              f"give each policy on {pf} its own VF range (#first-last in pfNames)",
                              (Related(reach_policy.at("vf_range"), f"policy {reach_policy.name!r} claims them"),))
            if high > reach_high:
                reach_high, reach_policy = high, policy


def _policy_fields(site: Site, policy: SriovPolicy, pattern: re.Pattern[str]) -> Iterator[Problem]:
    name = f"SR-IOV policy {policy.name!r}"
    if policy.resource_name and not pattern.match(policy.resource_name):
        yield Problem(f"{name}: resourceName {policy.resource_name!r} does not match the operator's pattern "
                      f"{pattern.pattern}", policy.at("resource_name"),
                      "use letters, digits and underscores (and dashes inside, on current operators)")
    if policy.num_vfs <= 0:
        yield Problem(f"{name}: numVfs is {policy.num_vfs}; the operator needs at least 1", policy.at("num_vfs"),
                      "set numVfs to the number of VFs to create on the PF")
    if policy.device_type == "vfio-pci" and policy.is_rdma:
        yield Problem(f"{name}: deviceType vfio-pci cannot be combined with isRdma", policy.at("is_rdma"),
                      "drop isRdma, or use deviceType netdevice")
    if policy.vf_range is not None:
        low, high = policy.vf_range
        if low > high:
            yield Problem(f"{name}: VF range {low}-{high} is reversed", policy.at("vf_range"),
                          f"write it as {high}-{low}")
        elif policy.num_vfs > 0 and high >= policy.num_vfs:
            yield Problem(f"{name}: VF range {low}-{high} reaches past numVfs {policy.num_vfs} (VFs are "
                          f"numbered from 0)", policy.at("vf_range"), f"raise numVfs to at least {high + 1}")
    for pf in policy.pf_names:
        for nic in _pf_nics(site, policy, pf):
            if nic.sriov is None:
                if site.origin == "site":  # the site's NICs are facts: this one has no VFs
                    yield Problem(f"{name}: PF {pf} of node group {nic_group(site, nic)!r} is not listed as "
                                  f"SR-IOV capable", policy.at("pf"), f"add sriov: {{totalVfs: N}} to NIC {pf}, "
                                  "or use an SR-IOV capable NIC", (Related(nic.span, f"NIC {pf} declared here"),))
                continue
            vendor = (policy.vendor or nic.sriov.vendor).lower()
            limit = MELLANOX_MAX_VFS if vendor == MELLANOX else nic.sriov.total_vfs
            if limit and policy.num_vfs > limit:
                yield Problem(f"{name}: numVfs {policy.num_vfs} exceeds the {limit} VFs PF {pf} supports",
                              policy.at("num_vfs"), f"lower numVfs to {limit} or less",
                              (Related(nic.sriov.span, f"{pf} supports {nic.sriov.total_vfs} VFs"),))
                break


@rule("SRIOV-03", "sriov-object-namespace", "SR-IOV operator objects outside the operator's namespace",
      options={"namespaced_networks": True})
def sriov_object_namespace(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    On manifests, checks that SriovNetworkNodePolicy and SriovOperatorConfig live in the SR-IOV operator's
    namespace (`openshift-sriov-network-operator`), and that the operator config is named `default`.
    A SriovNetwork (SriovIBNetwork, OVSNetwork) outside the operator namespace is reported when it sets
    `spec.networkNamespace` (only networks in the operator namespace may), and otherwise only for operators
    that reconcile networks in their own namespace alone (option `namespaced_networks: false`; OpenShift
    before 4.20): current operators also reconcile networks in application namespaces and create the NAD
    beside them.

    ## Why is this bad?
    A policy elsewhere only earns the warning "created or updated but not used". A SriovNetwork elsewhere
    is accepted by older operators but no NAD ever appears; current ones reject `networkNamespace` on it
    (".Spec.NetworkNamespace field can't be specified if the resource is not in the operator namespace").
    VMs then fail with missing NADs or resources.

    ## Example
    ```yaml
    kind: SriovNetwork
    metadata: {name: storage, namespace: db}
    spec: {resourceName: storage_vfs, networkNamespace: db}
    ```

    ## Use instead
    ```yaml
    kind: SriovNetwork
    metadata: {name: storage, namespace: openshift-sriov-network-operator}
    spec: {resourceName: storage_vfs, networkNamespace: db}
    ```

    ## How to fix
    Move the object to the operator namespace and set `networkNamespace` to the VMs' namespace (or, from
    OpenShift 4.20, keep the network in the VMs' namespace without `networkNamespace`).

    ## Options
    - `namespaced_networks`: the operator accepts SriovNetworks in application namespaces (upstream since
      sriov-network-operator#894, OpenShift 4.20); default true. Set false for older operators.

    ## References
    - k8snetworkplumbingwg/sriov-network-operator#894 "Support namespaced {Sriov,SriovIB,OVS}Networks";
      `pkg/webhook/validate_networks.go` (validateNetworkNamespace); issue #763 (before it: "The sriovNetwork
      MUST be created in the namespace where the operator is running").
    """
    expected = ctx.site.cluster.sriov_namespace if ctx.site.cluster else "openshift-sriov-network-operator"
    allowed = {expected, "sriov-network-operator"}
    namespaced_networks = bool(ctx.options.get("namespaced_networks", True))
    targets = {(n.source_kind, n.name, n.span): n for n in ctx.site.networks if n.source_kind in NETWORK_KINDS}
    for obj in ctx.site.objects:
        if obj.kind not in SRIOV_KINDS or not obj.namespace:
            continue  # no namespace written: kubectl applies it where the user points it
        if obj.namespace not in allowed:
            if obj.kind in NETWORK_KINDS:
                yield from _network_namespace(obj, targets.get((obj.kind, obj.name, obj.span)), expected,
                                              namespaced_networks)
            else:
                yield Problem(f"{obj.kind} {obj.name!r} is in namespace {obj.namespace!r}; the SR-IOV operator "
                              f"only reads {expected}", obj.at("namespace"), f"move it to namespace {expected}")
        if obj.kind == "SriovOperatorConfig" and obj.name != "default":
            yield Problem(f"SriovOperatorConfig is named {obj.name!r}; the operator only uses 'default'",
                          obj.at("name"), "name it default")


def _network_namespace(obj: ObjectRef, net: Network | None, expected: str, namespaced: bool) -> Iterator[Problem]:
    target_span = net.spans.get("namespaces") if net is not None else None
    if net is not None and target_span is not None and target_span != obj.spans.get("namespace"):
        yield Problem(f"{obj.kind} {obj.name!r} is in namespace {obj.namespace!r} and sets networkNamespace "
                      f"{net.namespaces[0]!r}; only networks in {expected} may", target_span,
                      f"move it to namespace {expected}, or drop networkNamespace (the NAD is then created in "
                      f"{obj.namespace})")
    elif not namespaced:
        yield Problem(f"{obj.kind} {obj.name!r} is in namespace {obj.namespace!r}; the SR-IOV operator of this "
                      f"release only reads {expected}", obj.at("namespace"),
                      f"move it to namespace {expected} and set spec.networkNamespace: {obj.namespace}")


@rule("SRIOV-04", "sriov-vm-interface-setup",
      "VM SR-IOV interface without sriov binding, vfio-pci VFs or an IPAM-less network")
def sriov_vm_interface_setup(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For VM interfaces on SR-IOV networks: the binding must be `sriov`, the policy providing the VFs must
    use `deviceType: vfio-pci`, and the network must have no IPAM. An `sriov` binding on a network that
    is not SR-IOV is reported too.

    ## Why is this bad?
    KubeVirt passes the VF through to the guest; a netdevice VF cannot be passed through ("host doesn't
    support passthrough of host PCI devices") and a vfio-pci VF cannot be configured by CNI IPAM — the VF
    never shows up in the guest.

    ## Example
    ```yaml
    kind: SriovNetworkNodePolicy
    spec: {resourceName: vmnics, deviceType: netdevice, numVfs: 8, nicSelector: {pfNames: [ens5f0]}}
    ```

    ## Use instead
    ```yaml
    kind: SriovNetworkNodePolicy
    spec: {resourceName: vmnics, deviceType: vfio-pci, numVfs: 8, nicSelector: {pfNames: [ens5f0]}}
    ```

    ## How to fix
    Use `deviceType: vfio-pci` in the policy, `ipam: {}` on the network and `sriov` binding in the VM;
    configure addresses in the guest (cloud-init).
    """
    index = policies_by_resource(ctx.site)
    for vm, iface, net in ctx.graph.attachments():
        if net is None:
            if iface.binding == "sriov" and iface.network in ("", "pod"):
                yield Problem(f"{vm_label(vm)} interface {iface.name!r} uses sriov binding on the pod network",
                              iface.at("binding"), "use masquerade on the pod network, sriov on SR-IOV networks")
            continue
        if net.type != "sriov":
            if iface.binding == "sriov":
                yield Problem(f"{vm_label(vm)} interface {iface.name!r} uses sriov binding on {net_label(net)}, "
                              f"which is not an SR-IOV network", iface.at("binding"),
                              "use bridge binding, or attach the interface to an SR-IOV network")
            continue
        here = Related(net.span, f"{net_label(net)} defined here")
        if iface.binding != "sriov":
            yield Problem(f"{vm_label(vm)} interface {iface.name!r} uses {iface.binding} binding on SR-IOV "
                          f"{net_label(net)}", iface.at("binding"), "use sriov binding for SR-IOV networks", (here,))
        if net.ipam not in ("none",):
            yield Problem(f"{vm_label(vm)} interface {iface.name!r} gets a VF from {net_label(net)}, which has "
                          f"{net.ipam} IPAM; vfio-pci VFs cannot be configured by CNI IPAM", net.at("ipam"),
                          "remove IPAM from the SR-IOV network (ipam: {}) and address the guest by cloud-init",
                          (Related(iface.span, f"{vm_label(vm)} attaches here"),))
        for policy in policies_for(net, index, ctx.site):
            if policy.device_type != "vfio-pci":
                yield Problem(f"SR-IOV policy {policy.name!r} hands out {policy.device_type} VFs, but "
                              f"{vm_label(vm)} passes them through and needs vfio-pci", policy.at("device_type"),
                              "set deviceType: vfio-pci on the policy used by VMs",
                              (Related(iface.span, f"{vm_label(vm)} interface {iface.name!r}"),))


@rule("SRIOV-05", "sriov-migration-hotplug",
      "SR-IOV interface hot-plugged, or SR-IOV VM on a release without SR-IOV live migration", severity="warning")
def sriov_migration_hotplug(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Warns about SR-IOV interfaces marked `hotplug` (KubeVirt plugs SR-IOV only through a live migration,
    and cannot unplug it), and about SR-IOV VMs on OpenShift releases before 4.8, which cannot live
    migrate them.

    ## Why is this bad?
    A hot-plugged SR-IOV NIC only appears after the VM migrates to a node with a free VF — a VM that
    cannot migrate waits forever ("MigrationRequired"). Before 4.8 node drains stall on SR-IOV VMs.

    ## Example
    ```yaml
    interfaces:
      - {name: storage, network: storage, hotplug: true}
    ```

    ## Use instead
    ```yaml
    interfaces:
      - {name: storage, network: storage}   # added with a planned restart
    ```

    ## How to fix
    Add SR-IOV interfaces with a restart, keep spare VFs on other nodes for migration, and upgrade old
    clusters.
    """
    version = ctx.site.cluster.version if ctx.site.cluster else ""
    old = _older_than(version, (4, 8)) and (ctx.site.cluster is None or ctx.site.cluster.distribution == "openshift")
    warned_old: set[tuple[str, str]] = set()
    for vm, iface, net in ctx.graph.attachments():
        if net is None or net.type != "sriov":
            continue
        if iface.hotplug:
            yield Problem(f"{vm_label(vm)} interface {iface.name!r} hot-plugs an SR-IOV VF: KubeVirt only does "
                          f"it by migrating the VM to a node with a free VF", iface.at("hotplug"),
                          "add the interface with a planned restart, or keep spare VFs for the migration")
        key = (vm.namespace, vm.name)
        if old and key not in warned_old and ctx.site.cluster is not None:
            warned_old.add(key)
            yield Problem(f"{vm_label(vm)} uses SR-IOV, which OpenShift {version} cannot live migrate",
                          iface.at("network"), "plan restarts for node drains, or upgrade to 4.8 or later",
                          (Related(ctx.site.cluster.at("version"), f"cluster version {version}"),))


def _older_than(version: str, floor: tuple[int, int]) -> bool:
    parts = version.lstrip("v").split(".")
    try:
        return (int(parts[0]), int(parts[1])) < floor
    except (ValueError, IndexError):
        return False
