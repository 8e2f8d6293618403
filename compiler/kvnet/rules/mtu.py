"""MTU rules (failure corpus §5): the path NIC ≥ bond ≥ bridge ≥ network, overlay overhead, jumbo guests.

The path under a bridge comes from the graph (`SiteGraph.uplink_chain`: the bridge, then the bonds or VLAN
interfaces and NICs below it). An MTU that was not written is unknown and never judged, so a missing
value cannot produce a finding; the front ends fill the MTUs they know.
"""

from __future__ import annotations

from collections.abc import Iterator

from kvnet.findings import Problem, Related
from kvnet.model import Bond, Bridge, Network, Nic, NodeGroup, VlanInterface
from kvnet.rules.netfacts import net_label, who
from kvnet.rules.registry import RuleContext, rule

PathItem = Bridge | Bond | Nic | VlanInterface
OVN_OVERHEAD = 100  # OpenShift reserves 100 bytes for Geneve (api-reference, openshift-docs#81120)
OVERLAY_TYPES = ("ovn-layer2",)
DEFAULT_MTU = 1500


def _kind(obj: PathItem) -> str:
    return {Bridge: "bridge", Bond: "bond", Nic: "NIC", VlanInterface: "VLAN interface"}[type(obj)]


def _path(ctx: RuleContext, group: NodeGroup, name: str) -> list[PathItem]:
    return [o for o in ctx.graph.uplink_chain(group, name) if isinstance(o, Bridge | Bond | Nic | VlanInterface)]


def _smallest(items: list[PathItem]) -> PathItem | None:
    known = [o for o in items if o.mtu is not None]
    return min(known, key=lambda o: o.mtu or 0) if known else None


@rule("MTU-01", "mtu-exceeds-path", "MTU larger than an interface below it (NIC ≥ bond ≥ bridge ≥ network)",
      severity="error")
def mtu_exceeds_path(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Follows the path under each bridge, bond and VLAN interface of each node group (bridge → bond or VLAN
    interface → NICs) and checks that no interface has a larger MTU than one below it; checks that a
    network's MTU fits the smallest MTU on the path of its bridge in every node group that carries it
    (for SR-IOV: the PF's MTU and the policy's). Unwritten MTUs are not judged.

    ## Why is this bad?
    Frames larger than the smallest hop are dropped there, silently: small pings work, bulk TCP hangs.

    ## Example
    ```yaml
    nodeGroups:
      workers:
        nics: {ens3f0: {mtu: 1500}}
        bridges: {br-vm: {port: ens3f0, mtu: 9000}}
    networks:
      storage: {type: linux-bridge, bridge: br-vm, mtu: 9000}
    ```

    ## Use instead
    ```yaml
        nics: {ens3f0: {mtu: 9000}}
    ```

    ## How to fix
    Raise the MTU of the lower interface (NIC, then bond, then bridge), or lower the one above it.
    """
    for group in ctx.site.node_groups:
        tops: list[PathItem] = [*group.bridges, *group.bonds, *group.vlan_interfaces]
        for top in tops:
            if top.mtu is None:
                continue
            below = _path(ctx, group, top.name)[1:]
            limit = _smallest(below)
            if limit is not None and limit.mtu is not None and top.mtu > limit.mtu:
                yield Problem(f"{_kind(top)} {top.name} of node group {group.name} has MTU {top.mtu}, larger than "
                              f"MTU {limit.mtu} of {_kind(limit)} {limit.name} below it", top.at("mtu"),
                              f"raise the MTU of {limit.name} to {top.mtu}, or lower this one to {limit.mtu}",
                              (Related(limit.at("mtu"), f"{_kind(limit)} {limit.name}: MTU {limit.mtu}"),))
    for net in ctx.site.networks:
        if net.mtu is not None:
            yield from _network_path(ctx, net, net.mtu)


def _network_path(ctx: RuleContext, net: Network, mtu: int) -> Iterator[Problem]:
    limits: list[tuple[str, PathItem]] = []
    if net.type == "linux-bridge" and net.bridge:
        for group in ctx.graph.groups_carrying_bridge(net.bridge):
            limit = _smallest(_path(ctx, group, net.bridge))
            if limit is not None and limit.mtu is not None and mtu > limit.mtu:
                limits.append((group.name, limit))
    elif net.type == "sriov" and net.pf:
        for group in ctx.site.node_groups:
            pf = group.nic(net.pf)
            if pf is not None and pf.mtu is not None and mtu > pf.mtu:
                limits.append((group.name, pf))
    if limits:
        smallest = min(limits, key=lambda gl: gl[1].mtu or 0)[1]
        groups = ", ".join(g for g, _ in limits)
        yield Problem(f"MTU {mtu} of network {net_label(net)} is larger than MTU {smallest.mtu} of {_kind(smallest)} "
                      f"{smallest.name} on its path in node group(s) {groups}: larger frames are dropped",
                      net.at("mtu"), f"lower the network's MTU to {smallest.mtu}, or raise the path's MTU",
                      tuple(Related(o.at("mtu"), f"{_kind(o)} {o.name} in {g}: MTU {o.mtu}") for g, o in limits))
    for policy in ctx.site.sriov_policies:
        if net.type == "sriov" and policy.resource_name == net.resource_name and policy.mtu is not None \
                and mtu > policy.mtu:
            yield Problem(f"MTU {mtu} of network {net_label(net)} is larger than MTU {policy.mtu} of SR-IOV policy "
                          f"{policy.name}", net.at("mtu"), f"lower the network's MTU to {policy.mtu}",
                          (Related(policy.at("mtu"), f"policy {policy.name}"),))


@rule("MTU-02", "overlay-mtu", "OVN overlay network MTU that leaves no room for Geneve encapsulation",
      severity="warning", options={"host_mtu": 0, "overhead": OVN_OVERHEAD})
def overlay_mtu(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks the MTU written on an OVN-Kubernetes overlay network (layer2) against the host MTU minus the
    Geneve overhead OpenShift reserves (100 bytes). The host MTU is the `host_mtu` option, else the
    smallest MTU written on a primary NIC, else 1500.

    ## Why is this bad?
    Overlay frames are encapsulated on the host network: a guest MTU without room for the overhead makes
    large packets vanish. Hard-coded values (1400, 1500) are wrong on clusters with other host MTUs.

    ## Example
    ```yaml
    networks:
      tenant-l2: {type: ovn-layer2, subnet: 10.200.0.0/16, mtu: 1500}
    ```

    ## Use instead
    ```yaml
    networks:
      tenant-l2: {type: ovn-layer2, subnet: 10.200.0.0/16}    # OVN-K uses the cluster network MTU
    ```

    ## How to fix
    Leave `mtu` out so OVN-Kubernetes uses the cluster-network MTU, or set at most host MTU − 100.

    ## Options
    - `host_mtu` (default `0`: from the primary NICs, else 1500): the MTU of the host network.
    - `overhead` (default `100`): bytes reserved for encapsulation.
    """
    host_mtu = int(ctx.options.get("host_mtu", 0))
    primary = [n for g in ctx.site.node_groups for n in g.nics if n.role == "primary" and n.mtu is not None]
    if host_mtu <= 0:
        host_mtu = min((n.mtu or DEFAULT_MTU for n in primary), default=DEFAULT_MTU)
    limit = host_mtu - int(ctx.options.get("overhead", OVN_OVERHEAD))
    for net in ctx.site.networks:
        if net.type in OVERLAY_TYPES and net.mtu is not None and net.mtu > limit:
            yield Problem(f"MTU {net.mtu} of overlay network {net_label(net)} leaves no room for encapsulation: the "
                          f"host MTU is {host_mtu}, so at most {limit} fits", net.at("mtu"),
                          f"remove `mtu` (OVN-Kubernetes then uses the cluster MTU) or set it to {limit} or less")


@rule("MTU-03", "jumbo-mtu-guest", "Jumbo network MTU reaches the guests", severity="info",
      options={"guest_mtu": DEFAULT_MTU})
def jumbo_mtu_guest(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Notes networks whose MTU is above `guest_mtu` (1500) and that VMs attach to: virtio guests take the
    jumbo MTU on their interface; other models ignore it and stay at 1500.

    ## Why is this bad?
    A virtio guest that now sends 9000-byte frames breaks against 1500-byte peers beyond the segment;
    a non-virtio guest (e1000e, Windows without virtio drivers) drops the jumbo frames its peers send.
    Changing the MTU later needs a VM restart, not a live migration.

    ## Example
    ```yaml
    networks:
      storage: {type: linux-bridge, bridge: br-vm, vlan: 400, mtu: 9000}
    vms:
      - name: win-1
        interfaces: [{name: sto, network: storage, model: e1000e}]
    ```

    ## Use instead
    ```yaml
    vms:
      - name: win-1
        interfaces: [{name: sto, network: storage, model: virtio}]   # and every peer on VLAN 400 is jumbo
    ```

    ## How to fix
    Keep jumbo MTUs to segments where every peer uses them, give VMs virtio interfaces, and restart VMs
    after changing a network's MTU.

    ## Options
    - `guest_mtu` (default `1500`): the MTU above which a network is noted.
    """
    guest_mtu = int(ctx.options.get("guest_mtu", DEFAULT_MTU))
    for net in ctx.site.networks:
        if net.mtu is None or net.mtu <= guest_mtu:
            continue
        users = ctx.graph.interfaces_on(net)
        if not users:
            continue
        other = [(vm, i) for vm, i in users if i.model != "virtio"]
        note = (f"; {len(other)} non-virtio interface(s) ({', '.join(who(vm, i) for vm, i in other[:5])}) ignore it "
                "and drop jumbo frames") if other else ""
        yield Problem(f"network {net_label(net)} has MTU {net.mtu}: its {len(users)} VM interface(s) take it in the "
                      f"guest{note}", net.at("mtu"),
                      "make sure every peer on the segment uses this MTU, and restart VMs after changing it",
                      tuple(Related(i.at("network"), f"used by {who(vm, i)}") for vm, i in users[:5]))
