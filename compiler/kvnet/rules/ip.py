"""IP addressing rules (failure corpus §4): IPAM scope, overlaps, static addresses, reserved ranges.

Conflicts are found by index (owners per address) or by sort-and-sweep over intervals
(kvnet.rules.intervals), per layer-2 segment as the graph defines it (`SiteGraph.l2_domain`). Static
addresses are those written on VM interfaces (`Interface.ips`) and a static-IPAM network's own
`static_addresses`; dynamic pools are where IPAM plugins allocate (kvnet.rules.addressing).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterator

from kvnet.findings import Problem, Related
from kvnet.frozen import frozen
from kvnet.graph import SiteGraph
from kvnet.model import AddressRange, Interface, IPAddress, IPInterface, IPNetwork, Network, Vm
from kvnet.rules.addressing import (
    CNI_IPAM,
    MASQUERADE_GUEST_NETS,
    Reserved,
    cluster_reserved,
    dynamic_pools,
    is_excluded,
    machine_reserved,
    special_address,
    subnet_of,
)
from kvnet.rules.intervals import Interval, of_address, of_network, of_range, overlaps, overlaps_between
from kvnet.rules.netfacts import VmAddress, bad_option, item_span, net_label, who
from kvnet.rules.registry import RuleContext, rule
from kvnet.span import Span

SHARED_L2_TYPES = ("linux-bridge", "macvlan", "sriov", "ovn-localnet")
SHARED_L2_CNIS = ("ipvlan", "ovs")  # network type "other", but one segment across nodes (ptp, by contrast, is not)
MAX_RELATED = 5


def _static(ctx: RuleContext) -> Iterator[tuple[Vm, Interface, Network | None, int, IPInterface]]:
    for vm, iface, net in ctx.graph.attachments():
        for index, ip in enumerate(iface.ips):
            yield vm, iface, net, index, ip


def _ip_span(iface: Interface, index: int) -> Span:
    return item_span(iface, "ips", index)


def _users_note(users: list[tuple[Vm, Interface]]) -> tuple[str, tuple[Related, ...]]:
    names = ", ".join(who(vm, i) for vm, i in users[:MAX_RELATED])
    more = f" and {len(users) - MAX_RELATED} more" if len(users) > MAX_RELATED else ""
    return names + more, tuple(Related(i.at("network"), f"used by {who(vm, i)}") for vm, i in users[:MAX_RELATED])


@rule("IP-01", "host-local-shared-l2", "host-local IPAM on a layer-2 network shared by several nodes",
      severity="error")
def host_local_shared_l2(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Flags a network with `host-local` IPAM whose segment spans nodes: a Linux bridge with an uplink on
    more than one node (or when the nodes are not listed), SR-IOV, macvlan, ipvlan, OVS or OVN localnet.
    Point-to-point networks (ptp) route per node and are left alone. In manifests, a NAD no checked VM
    attaches to is left alone too: the corpus flags host-local only where workloads use it (upstream docs
    show such NADs on their own).

    ## Why is this bad?
    host-local keeps its allocations in a file on each node, so every node hands out the same first
    addresses: VMs on different nodes get the same IP on one wire.

    ## Example
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, ipam: host-local}
    ```

    ## Use instead
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, ipam: whereabouts}
    ```

    ## How to fix
    Use a cluster-wide IPAM (whereabouts), or static addresses that kvnet allocates (`ipam: static`).
    """
    for net in ctx.site.networks:
        if net.ipam != "host-local" or not (net.type in SHARED_L2_TYPES or net.cni_type in SHARED_L2_CNIS):
            continue
        if net.origin == "manifest" and not ctx.graph.interfaces_on(net):
            continue  # no workload uses it in what was checked: nothing can collide yet
        if net.type == "linux-bridge":
            groups = [g for g in ctx.graph.groups_carrying_bridge(net.bridge or "")
                      if (br := g.bridge(net.bridge or "")) is not None and br.port]
            nodes = ctx.graph.nodes_carrying_bridge(net.bridge or "")
            if not groups or (ctx.site.nodes and len(nodes) <= 1):
                continue  # a bridge without an uplink, or on one node: the segment does not span nodes
        yield Problem(f"network {net_label(net)} uses host-local IPAM on a segment shared by several nodes: each node "
                      "hands out the same addresses", net.at("ipam"),
                      "use whereabouts, or static addresses that kvnet allocates (ipam: static)")


def _allocator(graph: SiteGraph, net: Network) -> str:
    """Who owns a pool: whereabouts deduplicates overlapping ranges cluster-wide (without network_name), the
    OVN IPAM of one network is one allocator, every other pool allocates alone."""
    if net.ipam == "whereabouts":
        return "whereabouts"
    if net.ipam == "ovn":
        return f"ovn:{net.ovn_network_name or net.name}"
    return f"{net.ipam}:{graph.network_key(net)}"


@rule("IP-02", "overlapping-ipam-pools", "IPAM pools of different allocators overlap on one layer-2 segment",
      severity="error")
def overlapping_ipam_pools(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    On each layer-2 segment (bridge and VLAN, OVN network, localnet and VLAN, SR-IOV PF and VLAN), sorts
    the dynamic IPAM pools of its networks and reports pools of different allocators that overlap.
    Whereabouts pools are one allocator (it deduplicates overlapping ranges cluster-wide); each
    host-local, DHCP or other pool allocates alone.

    ## Why is this bad?
    Two allocators that do not know about each other hand out the same address on one wire.

    ## Example
    ```yaml
    networks:
      web-a: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, ipam: whereabouts}
      web-b: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, ipam: host-local}
    ```

    ## Use instead
    ```yaml
    networks:
      web-a: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, ipam: whereabouts,
              ranges: ["10.110.0.10-10.110.0.99"]}
      web-b: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, ipam: whereabouts,
              ranges: ["10.110.0.100-10.110.0.199"]}
    ```

    ## How to fix
    Give each pool on the segment its own part of the subnet, or let one allocator serve them all.
    """
    per_domain: dict[str, list[Interval[tuple[Network, AddressRange]]]] = defaultdict(list)
    for net in ctx.site.networks:
        for pool in dynamic_pools(net):
            per_domain[ctx.graph.l2_domain(net)].append(of_range(pool, (net, pool)))
    for pools in per_domain.values():
        if len(pools) < 2:
            continue
        for first, later in overlaps(pools, group=lambda owner: _allocator(ctx.graph, owner[0])):
            (net0, pool0), (net, pool) = first.owner, later.owner
            yield Problem(f"{net.ipam} pool {pool.start}–{pool.end} of network {net_label(net)} overlaps the "
                          f"{net0.ipam} pool {pool0.start}–{pool0.end} of {net_label(net0)} on the same layer-2 "
                          "segment: both hand out the same addresses", pool.span,
                          "give each pool its own part of the subnet, or use one allocator for both networks",
                          (Related(pool0.span, f"{net0.ipam} pool of {net_label(net0)}"),))


@rule("IP-03", "reserved-address-in-pool", "Gateway, network, broadcast or infrastructure address in a pool",
      severity="error", options={"infra": []})
def reserved_address_in_pool(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks that each dynamic IPAM pool leaves out the network's gateway and the addresses listed in the
    `infra` option (routers, VRRP addresses, DHCP servers), unless an `excludeSubnets` entry covers them,
    and that explicit ranges leave out the network and broadcast addresses for allocators that do not
    skip them (whereabouts and host-local do).

    ## Why is this bad?
    Whereabouts hands out the gateway's address like any other: the VM that gets it answers ARP for the
    gateway and the segment loses its way out.

    ## Example
    ```yaml
    networks:
      migration: {type: linux-bridge, bridge: br-vm, vlan: 250, subnet: 10.250.0.0/24,
                  gateway: 10.250.0.1, ipam: whereabouts, ranges: ["10.250.0.0/24"]}
    ```

    ## Use instead
    ```yaml
                  gateway: 10.250.0.1, ipam: whereabouts, ranges: ["10.250.0.10-10.250.0.250"]}
    ```

    ## How to fix
    Start the range after the gateway (or add it to `excludeSubnets` as a /32).

    ## Options
    - `infra` (default `[]`): addresses that no pool may hand out.
    """
    infra: list[IPAddress] = []
    for text in ctx.options.get("infra", []):
        try:
            infra.append(ipaddress.ip_address(str(text)))
        except ValueError:
            yield bad_option(ctx.site, "IP-03", "infra", text, "IP addresses")
    for net in ctx.site.networks:
        if not net.ipam or net.ipam in ("none", "static"):
            continue
        wanted = [(ip, "infrastructure address") for ip in infra]
        if net.gateway is not None and net.ipam != "host-local":  # host-local skips the gateway itself
            wanted.append((net.gateway, "gateway"))
        for pool in dynamic_pools(net):
            for ip, what in wanted:
                if ip in pool and not is_excluded(net, ip):
                    yield Problem(f"pool {pool.start}–{pool.end} of network {net_label(net)} includes the {what} {ip}",
                                  pool.span, f"start the range after {ip}, or exclude {ip}/{ip.max_prefixlen}")
            if net.ipam in ("whereabouts", "host-local"):
                continue
            sub = subnet_of(net, pool.start)
            for ip in (pool.start, pool.end) if sub is not None else ():
                kind = special_address(sub, ip, None) if sub is not None else None
                if kind is not None:
                    yield Problem(f"pool {pool.start}–{pool.end} of network {net_label(net)} includes {kind} {ip}",
                                  pool.span, "keep the pool inside the usable addresses of the subnet")


@rule("IP-04", "address-outside-subnet",
      "Gateway, range, exclusion, node slice or static address outside the subnet", severity="error")
def address_outside_subnet(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks that a network's gateway, IPAM ranges (low end first), `excludeSubnets` and static addresses
    lie inside its subnets, that a whereabouts `node_slice_size` (Fast IPAM: the part of the `range`
    each node gets) is a prefix length that fits inside the range, and that a VM interface's static
    address is inside its network's subnet with the same prefix length.

    ## Why is this bad?
    A gateway outside the subnet is unreachable; a range outside it fails at allocation time; a node
    slice larger than the range cannot be cut from it (whereabouts: "subnetMaskSize must be greater or
    equal than netMaskSize"), so no node gets a slice and allocation fails; a guest address outside the
    subnet (or with another mask) cannot talk to its neighbours.

    ## Example
    ```yaml
    networks:
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, gateway: 10.111.0.1}
    ```

    ## Use instead
    ```yaml
      prod-web: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, gateway: 10.110.0.1}
    ```

    ## How to fix
    Correct the address (or the subnet) so that it lies inside the network's subnet; give
    `node_slice_size` a prefix at least as long as the range's (`/26` slices of a `/24` range).

    ## References
    - whereabouts Fast IPAM (`node_slice_size`, `DivideRangeBySize`):
      https://github.com/k8snetworkplumbingwg/whereabouts
    """
    for net in ctx.site.networks:
        if not net.subnets:
            continue
        subnets = ", ".join(map(str, net.subnets))
        if net.node_slice_size:
            yield from _node_slice_outside_range(net)
        if net.gateway is not None and subnet_of(net, net.gateway) is None:
            yield Problem(f"gateway {net.gateway} of network {net_label(net)} is outside its subnet {subnets}",
                          net.at("gateway"), "use a gateway address inside the subnet")
        for pool in net.dynamic_ranges:
            inside = subnet_of(net, pool.start)
            if inside is None or pool.end not in inside or int(pool.start) > int(pool.end):
                yield Problem(f"range {pool.start}–{pool.end} of network {net_label(net)} is not inside its subnet "
                              f"{subnets} with the low end first", pool.span, "keep the range inside the subnet")
        for ex in net.exclude_subnets:
            if not any(ex.version == s.version and ex.subnet_of(s) for s in net.subnets):  # type: ignore[arg-type]
                raw = next((i for i, r in enumerate(net.exclude_raw) if r.strip() == str(ex)), -1)
                yield Problem(f"excluded {ex} of network {net_label(net)} is outside its subnet {subnets}",
                              item_span(net, "exclude_raw", raw, "excludeSubnets", "exclude_subnets"),
                              "exclude only addresses inside the subnet, or remove the entry")
        for index, addr in enumerate(net.static_addresses):
            if subnet_of(net, addr.ip) is None:
                yield Problem(f"static address {addr} of network {net_label(net)} is outside its subnet {subnets}",
                              item_span(net, "static_addresses", index), "use an address inside the subnet")
    for vm, iface, attached, index, ip in _static(ctx):
        if attached is None or not attached.subnets:
            continue
        sub = subnet_of(attached, ip.ip)
        related = (Related(attached.at("subnets"), f"subnet of {net_label(attached)}"),)
        if sub is None:
            yield Problem(f"address {ip} of {who(vm, iface)} is outside the subnet "
                          f"{', '.join(map(str, attached.subnets))} of network {net_label(attached)}",
                          _ip_span(iface, index), "use an address inside the network's subnet", related)
        elif ip.network.prefixlen != sub.prefixlen:
            yield Problem(f"address {ip} of {who(vm, iface)} has prefix /{ip.network.prefixlen}, but the subnet of "
                          f"network {net_label(attached)} is {sub}", _ip_span(iface, index),
                          f"write it as {ip.ip}/{sub.prefixlen}", related)


def _node_slice_outside_range(net: Network) -> Iterator[Problem]:
    """whereabouts cuts the top-level `range` (the network's first subnet) into slices of node_slice_size."""
    written, whole = net.node_slice_size.strip(), net.subnets[0]
    digits = written.removeprefix("/")
    span = net.at("node_slice_size")
    context = (Related(net.at("subnets"), f"range {whole} of {net_label(net)}"),)
    if not digits.isdigit() or int(digits) > whole.max_prefixlen:
        yield Problem(f"node_slice_size {written!r} of network {net_label(net)} is not a prefix length "
                      f"(/0 to /{whole.max_prefixlen})", span,
                      f"write a prefix length between /{whole.prefixlen} and /{whole.max_prefixlen}, "
                      f"e.g. \"/{min(whole.prefixlen + 2, whole.max_prefixlen)}\"", context)
    elif int(digits) < whole.prefixlen:
        yield Problem(f"node_slice_size /{int(digits)} of network {net_label(net)} is larger than its range {whole} "
                      f"(/{whole.prefixlen}): whereabouts cannot cut per-node slices of that size out of it, so "
                      f"allocation on this network fails", span,
                      f"use a node_slice_size of /{whole.prefixlen} or longer (e.g. "
                      f"/{min(whole.prefixlen + 2, whole.max_prefixlen)}), or widen the range to a "
                      f"/{int(digits)}", context)


@rule("IP-05", "static-ip-conflict", "Static IP taken twice, reserved, or inside a dynamic pool",
      severity="error", options={"scope": "l2"})
def static_ip_conflict(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For static addresses (written on VM interfaces, or a static-IPAM network's own addresses): reports
    each address used a second time on the same layer-2 segment (scope `l2`, the default) or anywhere
    (scope `cluster`), an address that is its subnet's network, broadcast or gateway address, and an
    address inside a dynamic IPAM pool of its segment (unless excluded from the pool).

    ## Why is this bad?
    Static addresses bypass IPAM: two guests with one address, or a guest holding the gateway's address
    or one that IPAM hands out later, give "address already in use" and flapping connectivity.

    ## Example
    ```yaml
    vms:
      - name: db-1
        interfaces: [{name: prod, network: prod-web, ip: 10.110.0.50/24}]
      - name: db-2
        interfaces: [{name: prod, network: prod-web, ip: 10.110.0.50/24}]
    ```

    ## Use instead
    ```yaml
      - name: db-2
        interfaces: [{name: prod, network: prod-web}]     # kvnet allocates a free address
    ```

    ## How to fix
    Give each interface its own address outside the dynamic pools (or leave it out and let kvnet allocate).

    ## Options
    - `scope`: `l2` (default) compares addresses per layer-2 segment; `cluster` across every network.
    """
    scope = ctx.options.get("scope", "l2")
    if scope not in ("l2", "cluster"):
        yield bad_option(ctx.site, "IP-05", "scope", scope, '"l2" or "cluster"')
        scope = "l2"
    owners: dict[tuple[str, IPAddress], tuple[Vm, Interface, int]] = {}
    points: dict[str, list[Interval[tuple[Vm, Interface, Network, int, IPInterface]]]] = defaultdict(list)
    specials: dict[int, dict[IPAddress, tuple[str, IPNetwork]]] = {}
    for vm, iface, net, index, ip in _static(ctx):
        if net is None:
            continue
        domain = ctx.graph.l2_domain(net)
        addr = ip.ip  # IPv4Interface.ip builds a new object on every access
        key = (domain if scope == "l2" else "", addr)
        first = owners.setdefault(key, (vm, iface, index))
        if first[1] is not iface:
            vm0, if0, i0 = first
            yield Problem(f"address {addr} of {who(vm, iface)} is already used by {who(vm0, if0)}",
                          _ip_span(iface, index), "give this interface a free address, or leave it out so kvnet "
                          "allocates one", (Related(_ip_span(if0, i0), f"first used by {who(vm0, if0)}"),))
        if id(net) not in specials:
            specials[id(net)] = _special_addresses(net)
        found = specials[id(net)].get(addr) if net.subnets else _own_special(ip)
        if found is not None:
            kind, sub = found
            yield Problem(f"address {addr} of {who(vm, iface)} is {kind} of {sub}", _ip_span(iface, index),
                          "use a host address that is not the gateway, network or broadcast address")
        points[domain].append(of_address(addr, (vm, iface, net, index, ip)))
    yield from _static_in_pools(ctx, points)
    yield from _shared_static_ipam(ctx)


def _special_addresses(net: Network) -> dict[IPAddress, tuple[str, IPNetwork]]:
    """The gateway, network and broadcast addresses of a network's subnets (an index: one lookup per address)."""
    found: dict[IPAddress, tuple[str, IPNetwork]] = {}
    for sub in net.subnets:
        for addr in (sub.network_address, sub.broadcast_address, net.gateway):
            kind = special_address(sub, addr, net.gateway) if addr is not None and addr in sub else None
            if kind is not None and addr is not None:
                found[addr] = (kind, sub)
    return found


def _own_special(ip: IPInterface) -> tuple[str, IPNetwork] | None:
    """For a network without a subnet: the network or broadcast address of the address's own prefix."""
    if ip.version != 4 or ip.network.prefixlen > 30:
        return None
    host_bits = int(ip) & int(ip.hostmask)  # (the network's own addresses, without making them: one per VM)
    if host_bits != 0 and host_bits != int(ip.hostmask):
        return None
    kind = special_address(ip.network, ip.ip, None)
    return (kind, ip.network) if kind is not None else None


def _static_in_pools(ctx: RuleContext,
                     points: dict[str, list[Interval[tuple[Vm, Interface, Network, int, IPInterface]]]]
                     ) -> Iterator[Problem]:
    pools: dict[str, list[Interval[tuple[Network, AddressRange]]]] = defaultdict(list)
    for net in ctx.site.networks:
        for pool in dynamic_pools(net):
            pools[ctx.graph.l2_domain(net)].append(of_range(pool, (net, pool)))
    for domain, statics in points.items():
        if not pools.get(domain):
            continue
        for pool_iv, point in overlaps_between(pools[domain], statics):
            pnet, pool = pool_iv.owner
            vm, iface, _net, index, ip = point.owner
            if is_excluded(pnet, ip.ip):
                continue
            yield Problem(f"static address {ip.ip} of {who(vm, iface)} lies inside the {pnet.ipam} pool "
                          f"{pool.start}–{pool.end} of network {net_label(pnet)}, which may hand it out again",
                          _ip_span(iface, index), "pick an address outside the pool, or shrink or exclude it "
                          "from the pool", (Related(pool.span, f"{pnet.ipam} pool of {net_label(pnet)}"),))


def _shared_static_ipam(ctx: RuleContext) -> Iterator[Problem]:
    """A static-IPAM network gives every attachment the same addresses."""
    for net in ctx.site.networks:
        if net.static_addresses:
            users = ctx.graph.interfaces_on(net)
            if len(users) > 1:
                names, related = _users_note(users)
                yield Problem(f"network {net_label(net)} gives its static address "
                              f"{', '.join(map(str, net.static_addresses))} to each of {len(users)} interfaces "
                              f"({names})", net.at("static_addresses"),
                              "give each VM its own address (one NAD each, or addresses in the guest)", related)


@rule("IP-06", "reserved-range-overlap", "Network overlaps the cluster, service, OVN-internal or machine network",
      severity="error", options={"reserved": []})
def reserved_range_overlap(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Sorts VM network subnets (and static addresses on networks without a subnet) against the cluster's
    own ranges: the cluster (pod) and service networks, the OVN-Kubernetes join, transit-switch and
    masquerade subnets, the machine network, the `reserved` ranges of the policy, and KubeVirt's
    masquerade guest network (10.0.2.0/24) for networks of VMs that also use masquerade.

    ## Why is this bad?
    Node routes and OVN policies capture traffic to those ranges: a VM network that overlaps them is a
    black hole, and clients inside it cannot reach cluster services.

    ## Example
    ```yaml
    networks:
      tenant-l2: {type: ovn-layer2, subnet: 100.64.10.0/24}   # inside the OVN join subnet 100.64.0.0/16
    ```

    ## Use instead
    ```yaml
    networks:
      tenant-l2: {type: ovn-layer2, subnet: 10.200.10.0/24}
    ```

    ## How to fix
    Choose a subnet outside every cluster-internal range (or move the cluster's range at install time).

    ## Options
    - `reserved` (default `[]`): more CIDRs no VM network may overlap (e.g. your data-centre ranges).
    """
    reserved = cluster_reserved(ctx.site) + machine_reserved(ctx.site)
    for text in ctx.options.get("reserved", []):
        try:
            reserved.append(Reserved("range reserved by policy", ipaddress.ip_network(str(text)), None))
        except ValueError:
            yield bad_option(ctx.site, "IP-06", "reserved", text, "CIDRs such as 10.0.0.0/8")
    masq_users = _networks_of_masquerade_vms(ctx)
    reserved_ivs = [of_network(r.net, r) for r in reserved]
    reserved_ivs += [of_network(n, Reserved(MASQUERADE_LABEL, n, None)) for n in MASQUERADE_GUEST_NETS]
    claims: list[Interval[_Claim | VmAddress]] = []
    for net in ctx.site.networks:
        if net.type != "pod":
            masq = SiteGraph.network_key(net) in masq_users
            claims += [of_network(sub, _Claim(f"subnet {sub} of network {net_label(net)}", net.at("subnets"), masq))
                       for sub in net.subnets]
    claims += [of_address(ip.ip, VmAddress(vm, iface, index))
               for vm, iface, attached, index, ip in _static(ctx) if attached is not None and not attached.subnets]
    for res_iv, claim_iv in overlaps_between(reserved_ivs, claims):
        res, claim = res_iv.owner, claim_iv.owner
        # the masquerade guest network matters to networks whose VMs also have a masquerade pod interface
        if res.label == MASQUERADE_LABEL and not (isinstance(claim, _Claim) and claim.masquerade_vms):
            continue
        related = (Related(res.span, f"{res.label} {res.net}"),) if res.span is not None else ()
        yield Problem(f"{claim.what} overlaps the {res.label} {res.net}", claim.span,
                      f"choose addresses outside {res.net}", related)


@frozen
class _Claim:
    """Addresses a VM network or interface uses (IP-06)."""

    what: str
    span: Span
    masquerade_vms: bool = False  # used by VMs that also have a masquerade pod interface


MASQUERADE_LABEL = "KubeVirt masquerade guest network"


def _networks_of_masquerade_vms(ctx: RuleContext) -> set[str]:
    keys: set[str] = set()
    for vm in ctx.site.vms:
        if any(i.binding == "masquerade" for i in vm.interfaces):
            for iface in vm.interfaces:
                net = ctx.graph.resolve(vm, iface)
                if net is not None:
                    keys.add(SiteGraph.network_key(net))
    return keys


@rule("IP-07", "exclude-subnet-not-cidr", "excludeSubnets entry without a prefix length", severity="error")
def exclude_subnet_not_cidr(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks that every `excludeSubnets` entry of an OVN-Kubernetes network is a CIDR (`10.200.0.5/32`).

    ## Why is this bad?
    OVN-Kubernetes parses the entries as CIDRs and rejects the network when one is a bare address (older
    documentation showed bare addresses): VMs on it never start.

    ## Example
    ```yaml
    networks:
      tenant-l2: {type: ovn-layer2, subnet: 10.200.0.0/16, excludeSubnets: [10.200.0.5]}
    ```

    ## Use instead
    ```yaml
      tenant-l2: {type: ovn-layer2, subnet: 10.200.0.0/16, excludeSubnets: [10.200.0.5/32]}
    ```

    ## How to fix
    Add the prefix length: `/32` for one IPv4 address, `/128` for one IPv6 address.
    """
    for net in ctx.site.networks:
        for index, raw in enumerate(net.exclude_raw):
            text = raw.strip()
            try:
                ipaddress.ip_network(text, strict=False)
                ok = "/" in text
            except ValueError:
                ok = False
            if not ok:
                suffix = "/128" if ":" in text else "/32"
                yield Problem(f"excludeSubnets entry {text!r} of network {net_label(net)} is not a CIDR",
                              item_span(net, "exclude_raw", index, "excludeSubnets", "exclude_subnets"),
                              f"write it as a CIDR, such as {text}{suffix}")


@rule("IP-08", "ip-not-persistent", "VM addresses from per-pod IPAM change on restart and migration",
      severity="warning")
def ip_not_persistent(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Warns about networks whose addresses are handed out per launcher pod (whereabouts, host-local, DHCP
    CNI IPAM) when VMs attach to them.

    ## Why is this bad?
    The address belongs to the virt-launcher pod, not to the VM: it changes when the VM restarts, and
    during live migration whereabouts may release it and give it to another VM — a duplicate address.

    ## Example
    ```yaml
    networks:
      app: {type: linux-bridge, bridge: br-vm, vlan: 120, subnet: 10.120.0.0/24, ipam: whereabouts}
    vms:
      - {name: app-1, interfaces: [{name: app, network: app}]}
    ```

    ## Use instead
    ```yaml
    networks:
      app: {type: linux-bridge, bridge: br-vm, vlan: 120, subnet: 10.120.0.0/24, ipam: static}
    ```

    ## How to fix
    Use static addresses that kvnet allocates and writes into cloud-init (`ipam: static`), or an OVN
    network with persistent IPs.
    """
    for net in ctx.site.networks:
        if net.ipam not in CNI_IPAM:
            continue
        users = ctx.graph.interfaces_on(net)
        if users:
            names, related = _users_note(users)
            yield Problem(f"network {net_label(net)} hands VM addresses out per launcher pod ({net.ipam}): the "
                          f"addresses of {len(users)} VM interface(s) ({names}) change on restart and can be "
                          "duplicated during live migration", net.at("ipam"),
                          "use static addresses allocated by kvnet (ipam: static), or persistent IPs", related)


@rule("IP-09", "bridge-binding-cni-ipam", "Bridge-bound VM interface on a network with CNI IPAM",
      severity="warning")
def bridge_binding_cni_ipam(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Warns when VM interfaces with `bridge` binding attach to a secondary network whose CNI config has
    IPAM (whereabouts, host-local, DHCP, or static IPAM in a NetworkAttachmentDefinition).

    ## Why is this bad?
    With bridge binding KubeVirt relays the pod's address to the guest through its own DHCP server:
    IPv4 only (no DHCPv6 or router advertisements), and the gateway and routes only come from the IPAM
    routes — guests without routes got no IP. OpenShift does not support IPAM in bridge NADs for VMs.

    ## Example
    ```yaml
    networks:
      app: {type: linux-bridge, bridge: br-vm, vlan: 120, subnet: 10.120.0.0/24, ipam: whereabouts}
    ```

    ## Use instead
    ```yaml
    networks:
      app: {type: linux-bridge, bridge: br-vm, vlan: 120, subnet: 10.120.0.0/24, ipam: static}
    ```

    ## How to fix
    Leave IPAM out of the network (`ipam: static` lets kvnet write the addresses into cloud-init), or use
    an external DHCP server on the segment.
    """
    for net in ctx.site.networks:
        cni_ipam = net.ipam in CNI_IPAM or (net.ipam == "static" and net.origin == "manifest")
        if not cni_ipam or net.type in ("sriov", "pod"):
            continue
        users = [(vm, i) for vm, i in ctx.graph.interfaces_on(net) if i.binding == "bridge"]
        if users:
            names, related = _users_note(users)
            v6 = " and IPv6 addresses never reach the guest" if any(s.version == 6 for s in net.subnets) else ""
            yield Problem(f"{len(users)} bridge-bound interface(s) ({names}) get their address from the {net.ipam} "
                          f"IPAM of network {net_label(net)} through KubeVirt's DHCP relay: gateway and routes only "
                          f"from IPAM routes{v6}", net.at("ipam"),
                          "leave IPAM out of the network and configure the guest (ipam: static)", related)
