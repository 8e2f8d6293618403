"""MetalLB rules (failure corpus §10): pools that overlap, pools nobody announces, requested IPs.

Pool ranges are swept against each other and against the addresses the cluster already uses
(kvnet.rules.intervals); requested LoadBalancer IPs are indexed by address. A pool inside the machine
network is the normal shape of MetalLB's layer-2 mode, so only the node addresses of that network count.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator

from kvnet.findings import Problem, Related
from kvnet.model import AddressPool, AddressRange, IPAddress, Service
from kvnet.rules.addressing import cluster_reserved
from kvnet.rules.intervals import Interval, addr_key, of_address, of_network, of_range, overlaps, overlaps_between
from kvnet.rules.netfacts import VmAddress, first_span, item_span, net_label
from kvnet.rules.registry import RuleContext, rule
from kvnet.span import Span


def _close(wanted: str, name: str) -> bool:
    import difflib  # here: only a misspelt pool name needs it, and kvnet's start-up matters

    return bool(difflib.get_close_matches(wanted, [name], 1, 0.75))


def _range_text(rng: AddressRange) -> str:
    return f"{rng.start}–{rng.end}" if rng.start != rng.end else str(rng.start)


def _range_span(pool: AddressPool, index: int) -> Span:
    return item_span(pool, "ranges", index, "addresses")


def _ip_span(svc: Service) -> Span:
    return first_span(svc, "ip", "load_balancer_ips", "loadBalancerIP")


PoolRange = tuple[AddressPool, int, AddressRange]  # the pool, the range's index, the range
Claim = tuple[str, Span | None]  # what holds the addresses, and where it is written


def _pool_intervals(pools: tuple[AddressPool, ...]) -> list[Interval[PoolRange]]:
    return [of_range(rng, (pool, i, rng)) for pool in pools for i, rng in enumerate(pool.ranges)]


@rule("LB-01", "overlapping-address-pools", "MetalLB address pools that share addresses", severity="error")
def overlapping_address_pools(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Sorts the address ranges of all MetalLB IPAddressPools and reports each range that overlaps an
    earlier one, in another pool or the same.

    ## Why is this bad?
    MetalLB's webhook rejects the second pool ("CIDR … overlaps with already defined CIDR"), so the sync
    half-applies; without the webhook two Services can be given one address.

    ## Example
    ```yaml
    loadBalancer:
      pools:
        public:   {addresses: ["203.0.113.10-203.0.113.50"]}
        partners: {addresses: ["203.0.113.48/28"]}
    ```

    ## Use instead
    ```yaml
        partners: {addresses: ["203.0.113.64/28"]}
    ```

    ## How to fix
    Give every pool its own addresses.
    """
    # One group per written range: the same pool read from two files (one object applied twice) is not
    # an overlap, two ranges of one pool are.
    for first, later in overlaps(_pool_intervals(ctx.site.pools), group=lambda o: (o[0].namespace, o[0].name, o[1])):
        pool0, i0, rng0 = first.owner
        pool, i, rng = later.owner
        where = "another range of the same pool" if pool is pool0 else f"pool {pool0.name}"
        yield Problem(f"range {_range_text(rng)} of pool {pool.name} overlaps {_range_text(rng0)} of {where}",
                      _range_span(pool, i), "give each pool (and range) its own addresses",
                      (Related(_range_span(pool0, i0), f"pool {pool0.name}: {_range_text(rng0)}"),))


@rule("LB-02", "pool-overlaps-addresses", "MetalLB pool overlapping node, cluster, service or VM addresses",
      severity="error")
def pool_overlaps_addresses(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Sorts MetalLB pool ranges against node IPs, the cluster and service networks, OVN-internal subnets,
    VM network subnets and static VM addresses, and reports each overlap.

    ## Why is this bad?
    MetalLB then announces an address something else owns: ARP poisoning in layer-2 mode, kube-proxy
    rules that capture node or pod traffic, VMs and Services fighting for one IP.

    ## Example
    ```yaml
    nodes:
      - {name: worker-0, group: workers, ip: 192.168.10.21}
    loadBalancer:
      pools:
        public: {addresses: ["192.168.10.20-192.168.10.40"]}
    ```

    ## Use instead
    ```yaml
        public: {addresses: ["192.168.10.200-192.168.10.240"]}
    ```

    ## How to fix
    Carve the pool out of addresses nothing else uses (outside the node addresses and VM subnets).
    """
    taken: list[Interval[Claim | VmAddress]] = [of_address(n.ip, (f"node {n.name}", n.at("ip")))
                                    for n in ctx.site.nodes if n.ip is not None]
    taken += [of_network(r.net, (f"{r.label} {r.net}", r.span)) for r in cluster_reserved(ctx.site)]
    for net in ctx.site.networks:
        taken += [of_network(s, (f"subnet {s} of network {net_label(net)}", net.at("subnets"))) for s in net.subnets]
    # VM addresses: thousands, rarely inside a pool; their words and places are made only for an overlap
    taken += [of_address(ip.ip, VmAddress(vm, iface, k))
              for vm, iface, attached in ctx.graph.attachments() if attached is not None and not attached.subnets
              for k, ip in enumerate(iface.ips)]
    for pool_iv, other in overlaps_between(_pool_intervals(ctx.site.pools), taken):
        pool, i, rng = pool_iv.owner
        owner = other.owner
        what, span = (owner.what, owner.span) if isinstance(owner, VmAddress) else owner
        related = (Related(span, what),) if span is not None else ()
        yield Problem(f"range {_range_text(rng)} of pool {pool.name} overlaps the {what}", _range_span(pool, i),
                      "carve the pool out of addresses nothing else uses", related)


def _advertised(pool: AddressPool, ctx: RuleContext) -> bool:
    # named, possibly selected (pool labels are not modelled), or an advertisement of "all pools"
    return bool(pool.advertise) or any(pool.name in adv.pools or adv.pool_selectors or not adv.pools
                                       for adv in ctx.site.advertisements)


@rule("LB-03", "pool-not-advertised", "MetalLB pool that no L2 or BGP advertisement announces",
      severity="error")
def pool_not_advertised(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports an IPAddressPool that no L2Advertisement or BGPAdvertisement announces (by name, by a pool
    selector, or by naming no pool at all, which means every pool), and a site pool without `advertise`.
    Manifests that hold no advertisement at all are not judged: their advertisements live elsewhere.

    ## Why is this bad?
    MetalLB assigns the Service an address from the pool, but no speaker answers ARP or announces a
    route for it: the Service looks ready and is unreachable.

    ## Example
    ```yaml
    loadBalancer:
      pools:
        public: {addresses: ["203.0.113.10-203.0.113.50"]}
    ```

    ## Use instead
    ```yaml
        public: {addresses: ["203.0.113.10-203.0.113.50"], advertise: l2}
    ```

    ## How to fix
    Add `advertise: l2` (or `bgp`) to the pool, or an advertisement that names it.
    """
    names = [p.name for p in ctx.site.pools]
    for pool in ctx.site.pools:
        if _advertised(pool, ctx) or (pool.origin == "manifest" and not ctx.site.advertisements):
            continue
        related = []
        for adv in ctx.site.advertisements:
            for wanted in adv.pools:
                if wanted not in names and _close(wanted, pool.name):
                    related.append(Related(adv.at("pools"), f"{adv.kind} {adv.name} names {wanted!r}, no such pool"))
        yield Problem(f"pool {pool.name} is announced by no L2Advertisement or BGPAdvertisement: its addresses are "
                      "assigned but unreachable", pool.at("advertise") if pool.origin == "site" else pool.span,
                      "add `advertise: l2` (or bgp) to the pool, or an advertisement that names it", tuple(related))


@rule("LB-04", "load-balancer-ip-request", "LoadBalancer IP outside its pool, taken twice, or pool unknown",
      severity="error")
def load_balancer_ip_request(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    For LoadBalancer Services: the requested pool must exist; each requested IP must lie in a pool (in the
    requested pool, when one is named); an IP may be requested by one Service only; a pool may not be
    asked for more addresses than it holds.

    ## Why is this bad?
    MetalLB leaves the Service `<pending>` ("… is not allowed in config", "no available IPs"), or falls
    back to another pool for an unknown pool name, with little feedback.

    ## Example
    ```yaml
    expose:
      - {name: https, port: 443, type: LoadBalancer, pool: public, ip: 198.51.100.7}
    ```

    ## Use instead
    ```yaml
    expose:
      - {name: https, port: 443, type: LoadBalancer, pool: public, ip: 203.0.113.17}
    ```

    ## How to fix
    Request an address inside the named pool, not requested by another Service, or drop the request and
    let MetalLB assign one.
    """
    pools = {p.name: p for p in ctx.site.pools}
    index = sorted(((addr_key(r.start), addr_key(r.end), p) for p in ctx.site.pools for r in p.ranges),
                   key=lambda t: (t[0], t[1]))
    owners: dict[IPAddress, tuple[Service, int]] = {}
    demand: dict[str, list[Service]] = defaultdict(list)
    for svc in ctx.site.services:
        if svc.type != "LoadBalancer":
            continue
        pool = pools.get(svc.pool) if svc.pool else None
        if svc.pool and pool is None:
            yield Problem(f"Service {svc.namespace}/{svc.name} asks for pool {svc.pool!r}, which does not exist "
                          "(MetalLB then picks another pool)", svc.at("pool"),
                          f"use one of the pools: {', '.join(sorted(pools)) or 'none defined'}")
        for k, ip in enumerate(svc.load_balancer_ips):
            yield from _requested_ip(svc, k, ip, pool, index, owners)
        if pool is not None:
            demand[pool.name].append(svc)
    for name, users in demand.items():
        pool = pools[name]
        size = sum(int(r.end) - int(r.start) + 1 for r in pool.ranges)
        if len(users) > size:
            yield Problem(f"pool {name} holds {size} address(es) but {len(users)} Services ask for it",
                          pool.at("ranges"),
                          "widen the pool, or spread the Services over more pools",
                          tuple(Related(s.at("pool"), f"Service {s.namespace}/{s.name}") for s in users[:5]))


def _requested_ip(svc: Service, k: int, ip: IPAddress, pool: AddressPool | None,
                  index: list[tuple[int, int, AddressPool]], owners: dict[IPAddress, tuple[Service, int]]
                  ) -> Iterator[Problem]:
    name = f"{svc.namespace}/{svc.name}"
    span = svc.spans.get(f"load_balancer_ips[{k}]", _ip_span(svc))
    key = addr_key(ip)
    holders = [p for low, high, p in _candidates(index, key) if low <= key <= high]
    if not holders:
        yield Problem(f"Service {name} requests {ip}, which is in no MetalLB pool", span,
                      "request an address inside a pool, or add it to one")
    elif pool is not None and pool not in holders:
        yield Problem(f"Service {name} requests {ip} from pool {pool.name}, but it belongs to pool {holders[0].name}",
                      span, f"request an address of pool {pool.name}, or name pool {holders[0].name}",
                      (Related(holders[0].span, f"pool {holders[0].name}"),))
    first, first_k = owners.setdefault(ip, (svc, k))
    if first is not svc:
        where = first.spans.get(f"load_balancer_ips[{first_k}]", _ip_span(first))
        yield Problem(f"Service {name} requests {ip}, already requested by Service {first.namespace}/{first.name}",
                      span, "request a different address, or let MetalLB assign one",
                      (Related(where, f"first requested by {first.namespace}/{first.name}"),))


def _candidates(index: list[tuple[int, int, AddressPool]], key: int) -> list[tuple[int, int, AddressPool]]:
    """Ranges starting at or before `key`: bisect on the sorted starts (a site has few pool ranges)."""
    return index[: bisect.bisect_right(index, key, key=lambda t: t[0])]
