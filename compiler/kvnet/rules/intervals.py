"""Sort-and-sweep over inclusive integer intervals: the one way conflict rules find overlaps.

Addresses of both IP families map onto one integer line (IPv6 shifted past every IPv4 address), so a
single sorted sweep handles dual-stack input and an IPv4 range can never "overlap" an IPv6 one.

`overlaps` reports every interval that overlaps an interval of another group sorted before it, paired with
one such earlier interval: n log n, never all pairs. Each conflict is reported at least once, at the later
interval — the style of "each extra owner against the first". `overlaps_between` reports every item of one
set that overlaps any item of another.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import Generic, NamedTuple, TypeVar

from kvnet.model import AddressRange, IPAddress, IPNetwork

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")

_V6_OFFSET = 1 << 129  # above every IPv4 address and below nothing else that matters


def addr_key(ip: IPAddress) -> int:
    """An address as a position on the one integer line of both families."""
    return int(ip) + (_V6_OFFSET if ip.version == 6 else 0)


class Interval(NamedTuple, Generic[T]):
    """An inclusive interval [low, high] on the address line, with what it belongs to (a named tuple: a rule
    makes one per address of a large site)."""

    low: int
    high: int
    owner: T

    def contains(self, other: Interval[object]) -> bool:
        return self.low <= other.low and other.high <= self.high


def of_network(net: IPNetwork, owner: T) -> Interval[T]:
    return Interval(addr_key(net.network_address), addr_key(net.broadcast_address), owner)


def of_range(rng: AddressRange, owner: T) -> Interval[T]:
    return Interval(addr_key(rng.start), addr_key(rng.end), owner)


def of_address(ip: IPAddress, owner: T) -> Interval[T]:
    key = addr_key(ip)
    return Interval(key, key, owner)


def overlaps(
    intervals: Iterable[Interval[T]], group: Callable[[T], Hashable] | None = None
) -> Iterator[tuple[Interval[T], Interval[T]]]:
    """Pairs (earlier, later) of overlapping intervals whose owners are in different groups.

    `group` maps an owner to its group (a pool, an allocator, "pool" vs "node"); without it every interval
    is its own group. The sweep keeps the interval reaching furthest, and the furthest-reaching one of a
    different group, which is enough to find a partner for every interval that has one starting earlier.
    """
    key: Callable[[Interval[T]], Hashable] = (
        (lambda iv: id(iv)) if group is None else (lambda iv: group(iv.owner))
    )
    best: Interval[T] | None = None
    second: Interval[T] | None = None  # reaches furthest among those not in best's group
    for item in sorted(intervals, key=lambda iv: (iv.low, iv.high)):
        item_key = key(item)
        if best is not None and key(best) != item_key and best.high >= item.low:
            yield best, item
        elif second is not None and key(second) != item_key and second.high >= item.low:
            yield second, item
        if best is None or item.high > best.high:
            if best is not None and key(best) != item_key:
                second = best
            best = item
        elif key(best) != item_key and (second is None or item.high > second.high):
            second = item


def overlaps_between(
    left: Iterable[Interval[A]], right: Iterable[Interval[B]]
) -> Iterator[tuple[Interval[A], Interval[B]]]:
    """(left item, right item) for every right item that overlaps some left item, in right-item order.

    The left items are sorted by start with a running maximum of their ends; a right item [a, b] overlaps a
    left one exactly when, among the left items starting at or before b, the furthest end reaches a. One
    bisection per right item, and the partner is the left item reaching furthest.
    """
    lefts = sorted(left, key=lambda iv: (iv.low, iv.high))
    starts = [iv.low for iv in lefts]
    reach: list[Interval[A]] = []
    for iv in lefts:
        reach.append(iv if not reach or iv.high > reach[-1].high else reach[-1])
    for item in sorted(right, key=lambda iv: (iv.low, iv.high)):
        count = bisect.bisect_right(starts, item.high)
        if count and reach[count - 1].high >= item.low:
            yield reach[count - 1], item
