"""Small facts and labels shared by the mac, vlan, ip, mtu and metallb rule families.

Only what several families need lives here: how to name a VM interface or a network in a message, the
span of one item of a list field, and the parsing of option values such as VLAN ranges.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from kvnet.findings import Problem
from kvnet.model import Interface, Located, Network, Site, Vm
from kvnet.span import Span


def who(vm: Vm, iface: Interface) -> str:
    """`web-01/prod`: a VM interface as messages name it."""
    return f"{vm.name}/{iface.name}"


def who_qualified(vm: Vm, iface: Interface) -> str:
    """`web/web-01/prod`: with the namespace, for messages that cross namespaces."""
    return f"{vm.namespace}/{vm.name}/{iface.name}"


def net_label(net: Network) -> str:
    """`prod-web`, or `web/prod-web` for a network read from one NAD."""
    if net.origin == "manifest" and net.namespaces:
        return f"{net.namespaces[0]}/{net.name}"
    return net.name


def first_span(obj: Located, *names: str) -> Span:
    """The span of the first of `names` the front end recorded (model field or YAML key), else the object's."""
    return next((obj.spans[n] for n in names if n in obj.spans), obj.span)


def item_span(obj: Located, field_name: str, index: int, *yaml_keys: str) -> Span:
    """The span of item `index` of a list field (`ips[1]`, or under a YAML key: `excludeSubnets[1]`) when the
    front end recorded it, else the span of the whole field."""
    for name in (field_name, *yaml_keys):
        span = obj.spans.get(f"{name}[{index}]")
        if span is not None:
            return span
    return obj.at(field_name)


class VmAddress(NamedTuple):
    """A VM interface's static address (the `position`-th of its `ips`) in a sweep over every address of a
    site: thousands, rarely reported, so worded and placed only when reported."""

    vm: Vm
    iface: Interface
    position: int

    @property
    def what(self) -> str:
        return f"address {self.iface.ips[self.position].ip} of {who(self.vm, self.iface)}"

    @property
    def span(self) -> Span:
        return item_span(self.iface, "ips", self.position)


def bad_option(site: Site, rule_id: str, name: str, value: object, expected: str) -> Problem:
    """A finding for a policy option value the rule cannot use (the policy checks only its type)."""
    return Problem(f"option {name!r} of {rule_id} is {value!r}, expected {expected}; the check used its default",
                   site.span, f"set {name} of {rule_id} in the policy to {expected}")


def parse_id_ranges(entries: Iterable[object]) -> tuple[list[tuple[int, int]], list[str]]:
    """Policy ranges such as `["1-4094"]`, `[100, "200-299"]` → ([(low, high)], [entries not understood])."""
    ranges: list[tuple[int, int]] = []
    bad: list[str] = []
    for entry in entries:
        if isinstance(entry, int) and not isinstance(entry, bool):
            ranges.append((entry, entry))
            continue
        text = str(entry).strip()
        low_text, _, high_text = text.partition("-")
        if low_text.strip().isdigit() and (not high_text or high_text.strip().isdigit()):
            low = int(low_text)
            high = int(high_text) if high_text else low
            if low <= high:
                ranges.append((low, high))
                continue
        bad.append(text)
    return ranges, bad


def in_ranges(value: int, ranges: Iterable[tuple[int, int]]) -> bool:
    return any(low <= value <= high for low, high in ranges)
