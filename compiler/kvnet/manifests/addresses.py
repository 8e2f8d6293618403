"""Address text as manifests write it (CIDRs, `a-b` ranges, `ip/prefix`), read without raising."""

from __future__ import annotations

import ipaddress
import re

from kvnet.model import IPAddress, IPInterface, IPNetwork

_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")


def mac(text: str) -> str:
    """kvnet.model.normalize_mac, by one regular expression (it runs for every VM interface)."""
    cleaned = text.strip().lower().replace("-", ":")
    return cleaned if _MAC.fullmatch(cleaned) else text


def ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def network(text: str) -> IPNetwork | None:
    """A subnet; host bits are allowed (`192.168.2.225/28` is the /28 it sits in)."""
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def interface(text: str) -> IPInterface | None:
    """An address with its prefix (`10.10.10.14/24`); a bare address gets a host prefix."""
    try:
        return ipaddress.ip_interface(text.strip())
    except ValueError:
        return None


def address_range(text: str) -> tuple[IPAddress, IPAddress] | None:
    """MetalLB's forms: a CIDR (every address in it) or `first-last` (both of one family, first <= last)."""
    text = text.strip()
    if "-" in text:
        first_text, _, last_text = text.partition("-")
        first, last = ip(first_text), ip(last_text)
        if first is None or last is None or first.version != last.version or int(first) > int(last):
            return None
        return first, last
    net = network(text)
    if net is None:
        return None
    return net.network_address, net.broadcast_address


def usable(net: IPNetwork) -> tuple[IPAddress, IPAddress]:
    """First and last address an IPAM plugin hands out by default (no network/broadcast in IPv4)."""
    if net.version == 4 and net.prefixlen < 31:
        return net.network_address + 1, net.broadcast_address - 1
    return net.network_address, net.broadcast_address


def comma_list(text: str) -> list[str]:
    """`"10.0.0.0/24, fd00::/64"` → the entries, blanks dropped (OVN-K `subnets`, MetalLB annotations)."""
    return [part.strip() for part in text.split(",") if part.strip()]
