"""Pools and reservations for kvnet.allocate: which values a MAC pool or a static subnet may hand out.

A `Pool` hands out the lowest free integer of a range (MACs and IPs are both integers here), stepping over
blocked intervals — the KubeMacPool range, gateways, excluded subnets, written dynamic ranges, and every
address written anywhere in the site (`written_addresses`) — and over values already taken.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields, is_dataclass

from kvnet.model import AddressRange, IPNetwork, Network, Site, int_to_mac
from kvnet.span import Span

KUBEVIRT_BRIDGE_MAC = 0x020000000000  # the in-pod bridge of masquerade interfaces (KubeVirt reserves it)
LIBVIRT_OCTET = 0xFE  # libvirt reserves FE:xx for the host side of taps


class Pool:
    """Hands out the lowest free integer of [first, last], skipping blocked intervals and taken values.

    The cursor only moves forward, and `taken` only grows during a run, so a run costs O(values scanned)."""

    def __init__(self, name: str, first: int, last: int, blocked: Iterable[tuple[int, int]], taken: set[int],
                 allowed: Callable[[int], int] = lambda v: v, span: Span | None = None) -> None:
        self.name, self.cursor, self.last, self.taken, self.allowed = name, first, last, taken, allowed
        self.span = span  # where the pool is written, for the error when it runs dry
        self.blocked = _merge(blocked)
        self._starts = [lo for lo, _ in self.blocked]

    def is_blocked(self, value: int) -> bool:
        i = bisect_right(self._starts, value) - 1
        return i >= 0 and self.blocked[i][1] >= value

    def take(self) -> int | None:
        while self.cursor <= self.last:
            value = self.allowed(self.cursor)
            if value != self.cursor:
                self.cursor = value
                continue
            i = bisect_right(self._starts, value) - 1
            if i >= 0 and self.blocked[i][1] >= value:
                self.cursor = self.blocked[i][1] + 1
            elif value in self.taken:
                self.cursor += 1
            else:
                self.taken.add(value)
                self.cursor = value + 1
                return value
        return None


def _merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(intervals):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def next_assignable_mac(value: int) -> int:
    """The smallest MAC >= value kvnet may hand out: locally administered unicast (first octet x2, x6, xA, xE),
    not FE (libvirt) and not KubeVirt's masquerade bridge MAC."""
    octet = value >> 40
    while octet <= 0xFF and ((octet & 0x03) != 0x02 or octet == LIBVIRT_OCTET):
        octet += 1
    if octet != value >> 40:
        value = octet << 40
    return value + 1 if value == KUBEVIRT_BRIDGE_MAC else value


def mac_pool(site: Site, taken: set[int]) -> Pool | None:
    if site.mac_pool is None:
        return None
    kmp = site.kube_mac_pool
    blocked = [(kmp.start, kmp.end)] if kmp is not None else []
    return Pool(f"MAC pool macPool {int_to_mac(site.mac_pool.start)}–{int_to_mac(site.mac_pool.end)} "
                f"({site.mac_pool.size} addresses)", site.mac_pool.start, site.mac_pool.end, blocked, taken,
                next_assignable_mac, site.mac_pool.span)


def host_bounds(subnet: IPNetwork) -> tuple[int, int]:
    """First and last address a host may hold: not the network or broadcast address (IPv4 up to /30), not
    the IPv6 subnet-router anycast address."""
    first, last = int(subnet.network_address), int(subnet.broadcast_address)
    if subnet.version == 4 and subnet.prefixlen >= 31:
        return first, last
    return first + 1, last if subnet.version == 6 else last - 1


# ------------------------------------------------------------------------------------- the site's own addresses


@dataclass
class Written:
    """Addresses and ranges written anywhere in the site, per IP version: never handed out."""

    points: dict[int, set[int]]
    ranges: dict[int, list[tuple[int, int]]]

    def blocked(self, version: int) -> list[tuple[int, int]]:
        return [(p, p) for p in self.points[version]] + self.ranges[version]


_NOT_ADDRESSES = {"dynamic_ranges", "span", "spans"}  # dynamic ranges count only where written (see below)


def written_addresses(site: Site) -> Written:
    """Every address the site writes — VM, node, bridge and bond addresses, gateways, LoadBalancer IPs, the
    secondary DNS address, MetalLB ranges — and the dynamic ranges the user wrote on any network."""
    written = Written({4: set(), 6: set()}, {4: [], 6: []})
    for value in _walk(site):
        if isinstance(value, ipaddress.IPv4Interface | ipaddress.IPv6Interface):
            value = value.ip
        if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
            written.points[value.version].add(int(value))
        elif isinstance(value, AddressRange) and value.start.version == value.end.version:
            written.ranges[value.start.version].append((int(value.start), int(value.end)))
    for net in site.networks:
        if "dynamic_ranges" in net.spans or "ranges" in net.spans:  # defaults are no reservation
            for rng in net.dynamic_ranges:
                written.ranges[rng.start.version].append((int(rng.start), int(rng.end)))
    return written


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # dataclass → the fields _walk descends into
_TEXT_OR_NUMBER = (str, int, float)


def _walk(value: object) -> Iterator[object]:
    """Every value inside `value` (dataclasses and tuples are descended; text and numbers are left out)."""
    if isinstance(value, _TEXT_OR_NUMBER) or value is None:
        return  # never an address: skipping them halves the walk over a 50k-VM site
    if isinstance(value, tuple):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, AddressRange):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES.get(value.__class__)
        if names is None:
            names = _FIELD_NAMES[value.__class__] = tuple(f.name for f in fields(value)
                                                          if f.name not in _NOT_ADDRESSES)
        for name in names:
            yield from _walk(getattr(value, name))
    else:
        yield value


def network_blocked(net: Network, version: int) -> list[tuple[int, int]]:
    """The network's own reservations: gateway and excluded subnets."""
    blocked = [(int(n.network_address), int(n.broadcast_address)) for n in net.exclude_subnets
               if n.version == version]
    if net.gateway is not None and net.gateway.version == version:
        blocked.append((int(net.gateway), int(net.gateway)))
    return blocked


def ip_pool(net: Network, subnet: IPNetwork, written: Written, taken: set[int]) -> Pool:
    first, last = host_bounds(subnet)
    blocked = network_blocked(net, subnet.version) + written.blocked(subnet.version)
    return Pool(f"subnet {subnet} of network {net.name} ({subnet.num_addresses} addresses)", first, last,
                blocked, taken, span=net.at("subnets"))
