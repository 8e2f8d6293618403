"""Parsing the text values of a site: CIDRs, addresses, ranges, VLAN ranges, VM-group patterns.

Each parser returns the value or raises ValueError with a reason a person understands. The same parsers
serve the schema's custom formats (so a bad value is reported with every other schema problem) and the
model builder (so the builder never guesses).
"""

from __future__ import annotations

import ipaddress
import re

from kvnet.model import IPAddress, IPInterface, IPNetwork

MAX_GROUP_SIZE = 4096  # a VM group larger than this is a typo, not a plan (and would flood the model)


def parse_cidr(text: str) -> IPNetwork:
    """`10.1.0.0/24` → IPv4Network; host bits set is an error (`10.1.0.5/24` is an address, not a network)."""
    if "/" not in text:
        raise ValueError("a network needs a prefix length, such as /24")
    network: IPNetwork
    try:
        network = ipaddress.IPv6Network(text) if ":" in text else ipaddress.IPv4Network(text)
    except ValueError as exc:
        if "host bits set" in str(exc):
            loose = ipaddress.ip_network(text, strict=False)
            raise ValueError(f"host bits are set (the network is {loose})") from None
        raise ValueError(_reason(exc)) from None
    return network


def parse_ip(text: str) -> IPAddress:
    address: IPAddress
    try:
        address = ipaddress.IPv6Address(text) if ":" in text else ipaddress.IPv4Address(text)
    except ValueError as exc:
        raise ValueError(_reason(exc)) from None
    return address


def parse_interface(text: str) -> IPInterface:
    """An address with an optional prefix (`10.1.0.5/24` or `10.1.0.5`; the latter gets /32 or /128)."""
    iface: IPInterface
    try:
        iface = ipaddress.IPv6Interface(text) if ":" in text else ipaddress.IPv4Interface(text)
    except ValueError as exc:
        raise ValueError(_reason(exc)) from None
    return iface


def parse_ip_range(text: str) -> tuple[IPAddress, IPAddress]:
    """`first-last` or a CIDR → (first, last), both of one family, first <= last."""
    if "/" in text:
        net = parse_cidr(text)
        return net.network_address, net.broadcast_address
    if "-" not in text:
        raise ValueError("expected a range first-last or a CIDR")
    first_text, last_text = (part.strip() for part in text.split("-", 1))
    first, last = parse_ip(first_text), parse_ip(last_text)
    if first.version != last.version:
        raise ValueError("both ends must be of one IP family")
    if first > last:  # type: ignore[operator]  # same family, checked above
        raise ValueError(f"the range runs backwards ({first} is after {last})")
    return first, last


def parse_vlan_range(text: str | int) -> tuple[int, int]:
    """`100`, `"100"` or `"100-199"` → (low, high) with 1 <= low <= high <= 4095."""
    if isinstance(text, bool):
        raise ValueError("expected a VLAN id or a range such as 100-199")
    if isinstance(text, int):
        low = high = text
    else:
        match = re.fullmatch(r"\s*(\d{1,4})\s*(?:-\s*(\d{1,4})\s*)?", text)
        if not match:
            raise ValueError("expected a VLAN id or a range such as 100-199")
        low = int(match.group(1))
        high = int(match.group(2) or low)
    if not 1 <= low <= 4095 or not 1 <= high <= 4095:
        raise ValueError("VLAN ids run from 1 to 4094")
    if low > high:
        raise ValueError(f"the range runs backwards ({low} is above {high})")
    return low, high


def parse_vf_range(value: str | int) -> tuple[int, int]:
    """`8-15` or `3` → (first VF, last VF)."""
    if isinstance(value, int):
        return value, value
    first, _, last = value.partition("-")
    low, high = int(first), int(last or first)
    if low > high:
        raise ValueError(f"the range runs backwards ({low} is above {high})")
    return low, high


_GROUP = re.compile(r"\{(\d+)\.\.(\d+)\}")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def is_group_pattern(name: str) -> bool:
    return _GROUP.search(name) is not None


def group_base(name: str) -> str:
    """The name of a group without its range: `web-{01..03}` → `web`, `{1..3}-db` → `db`."""
    return _GROUP.sub("", name).strip("-") or "group"


def expand_group(name: str) -> list[str]:
    """`web-{01..03}` → [web-01, web-02, web-03]; zero padding of the first bound is kept."""
    match = _GROUP.search(name)
    if match is None:
        return [name]
    first_text, last_text = match.group(1), match.group(2)
    first, last = int(first_text), int(last_text)
    if first > last:
        raise ValueError(f"the range runs backwards ({first_text} is above {last_text})")
    if last - first + 1 > MAX_GROUP_SIZE:
        raise ValueError(f"a group of {last - first + 1} VMs is over the limit of {MAX_GROUP_SIZE}")
    width = len(first_text) if first_text.startswith("0") and len(first_text) > 1 else 0
    names = [f"{name[: match.start()]}{i:0{width}d}{name[match.end():]}" for i in range(first, last + 1)]
    for expanded in names:
        if len(expanded) > 63 or not _DNS_LABEL.match(expanded):
            raise ValueError(f"it expands to {expanded!r}, which is not a valid VM name")
    return names


def _reason(exc: ValueError) -> str:
    """ipaddress's message, without the repeated input: "Octet 300 (> 255) not permitted"."""
    message = re.sub(r" in '[^']*'", "", str(exc)).rstrip(".")
    if message.startswith("'") and "is not a valid netmask" in message:
        return "the prefix length " + message.replace(" is not a valid netmask", " is out of range")
    return message[0].lower() + message[1:] if message[:2] not in ("IP", "At") else message
