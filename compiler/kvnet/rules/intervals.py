"""Sort-and-sweep over inclusive integer intervals: the one way conflict rules find overlaps.

Addresses of both IP families map onto one integer line (IPv6 shifted past every IPv4 address), so a
single sorted sweep handles dual-stack input and an IPv4 range can never "overlap" an IPv6 one.

`overlaps` reports every interval that overlaps an interval of another owner starting no later than it,
paired with that earlier interval: n log n, never all pairs. Each conflict situation is reported at least
once, at the later interval — the style of "each extra owner against the first".
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from kvnet.model import AddressRange, IPAddress, IPNetwork

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")

_V6_OFFSET = 1 << 129  # above every IPv4 address and below nothing else that matters


def addr_key(ip: IPAddress) -> int:
    """An address as a position on the one integer line of both families."""
    return int(ip) + (_V6_OFFSET if ip.version == 6 else 0)


@dataclass(frozen=True, slots=True)
class Interval(Generic[T]):
    """An inclusive interval [low, high] on the address line, with what it belongs to."""

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
    """Pairs (left item, right item) that overlap; every right item that overlaps a left one, and every left
    item that overlaps a right one, is reported at least once."""
    tagged: list[Interval[tuple[int, object]]] = [Interval(iv.low, iv.high, (0, iv)) for iv in left]
    tagged += [Interval(iv.low, iv.high, (1, iv)) for iv in right]
    for first, second in overlaps(tagged, group=lambda owner: owner[0]):
        a, b = (first, second) if first.owner[0] == 0 else (second, first)
        yield cast(Interval[A], a.owner[1]), cast(Interval[B], b.owner[1])
