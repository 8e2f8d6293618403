"""The `ipam` section of a CNI config (whereabouts, host-local, static, dhcp) → Network addressing fields."""

from __future__ import annotations

from typing import Any

from kvnet.load import YList, YMap
from kvnet.manifests import addresses
from kvnet.manifests.fields import Collected, Obj
from kvnet.model import AddressRange, IpamKind

_KINDS: dict[str, IpamKind] = {"whereabouts": "whereabouts", "host-local": "host-local", "static": "static",
                               "dhcp": "dhcp"}


def read_ipam(ipam: Obj, out: Collected) -> None:
    """Fill subnets, gateway, dynamic ranges, exclusions and static addresses from an ipam object."""
    kind_text = ipam.text("type")
    if kind_text is None:
        out.set("ipam", "none" if not ipam.data else "other", ipam.span)
        return
    out.set("ipam", _KINDS.get(kind_text, "other"), ipam.at("type"))
    if kind_text == "whereabouts":
        _whereabouts(ipam, out)
        if ipam.has("range"):  # Fast IPAM slices the top-level range only (IP-04 judges the size)
            out.set("node_slice_size", ipam.text("node_slice_size"), ipam.at("node_slice_size"))
        for entry in ipam.maps("ipRanges"):
            _whereabouts(entry, out)
    elif kind_text == "host-local":
        _host_local(ipam, out)
        for item in ipam.items("ranges"):  # a list of range sets, each a list of ranges
            if not isinstance(item.value, YList):
                ipam.problems.wrong_type(item.path, "a list of ranges", item.value, item.span)
                continue
            for i, entry in enumerate(item.value):
                if isinstance(entry, YMap):
                    _host_local(Obj(entry, f"{item.path}[{i}]", ipam.problems), out)
    elif kind_text == "static":
        for entry in ipam.maps("addresses"):
            text = entry.text("address")
            if text is None:
                continue
            address = addresses.interface(text)
            if address is None:
                ipam.problems.add(f"{entry.sub('address')}: {text!r} is not an address with a prefix",
                                  entry.at("address"), "write it as 10.10.0.5/24")
                continue
            out.append("static_addresses", address, entry.at("address"))
            out.append("subnets", address.network, entry.at("address"))
            _gateway(entry, out)


def _subnet(obj: Obj, key: str, out: Collected) -> Any:
    text = obj.text(key)
    if text is None:
        return None
    net = addresses.network(text)
    if net is None:
        obj.problems.add(f"{obj.sub(key)}: {text!r} is not a subnet", obj.at(key), "write it as 192.168.10.0/24")
        return None
    out.append("subnets", net, obj.at(key))
    return net


def _address(obj: Obj, key: str) -> Any:
    text = obj.text(key)
    if text is None:
        return None
    found = addresses.ip(text)
    if found is None:
        obj.problems.add(f"{obj.sub(key)}: {text!r} is not an IP address", obj.at(key))
    return found


def _gateway(obj: Obj, out: Collected) -> None:
    if "gateway" not in out.values:
        out.set("gateway", _address(obj, "gateway"), obj.at("gateway"))


def _dynamic(obj: Obj, net: Any, keys: tuple[str, str], out: Collected, written: tuple[Any, Any] = (None, None)
             ) -> None:
    """The range an IPAM plugin hands out: the written bounds, else the usable part of the subnet."""
    first, last = addresses.usable(net)
    if written[0] is not None and int(written[0]) > int(first):
        first = written[0]
    if written[1] is not None:
        last = written[1]
    start_key, end_key = keys
    start, end = _address(obj, start_key), _address(obj, end_key)
    written_keys = [key for key in keys if obj.has(key)]
    span = obj.at(written_keys[0]) if written_keys else out.spans["subnets"]
    bounds = {field: obj.at(key) for field, key in (("start", start_key), ("end", end_key)) if obj.has(key)}
    out.append("dynamic_ranges", AddressRange(span, start=start or first, end=end or last, spans=bounds), span)


def _whereabouts(obj: Obj, out: Collected) -> None:
    """`range` is a CIDR that may name its first (and last) address: "192.168.2.225/28" hands out .225-.238,
    "192.168.2.225-192.168.2.230/28" only .225-.230."""
    _gateway(obj, out)
    text = obj.text("range")
    if text is None:
        return
    head, slash, prefix = text.strip().rpartition("/")
    first_text, _, last_text = head.partition("-")
    net = addresses.network(f"{first_text}/{prefix}") if slash else None
    last = addresses.ip(last_text) if last_text else None
    if net is None or (last_text and last is None):
        obj.problems.add(f"{obj.sub('range')}: {text!r} is not a CIDR range", obj.at("range"),
                         "write it as 192.168.2.0/24")
        return
    out.append("subnets", net, obj.at("range"))
    _dynamic(obj, net, ("range_start", "range_end"), out, (addresses.ip(first_text), last))
    for value, span in obj.strs("exclude"):
        out.append("exclude_raw", value.strip(), span)
        excluded = addresses.network(value) if "/" in value else None
        if excluded is not None:
            out.append("exclude_subnets", excluded, span)


def _host_local(obj: Obj, out: Collected) -> None:
    net = _subnet(obj, "subnet", out)
    if net is not None:
        _dynamic(obj, net, ("rangeStart", "rangeEnd"), out)
    _gateway(obj, out)
