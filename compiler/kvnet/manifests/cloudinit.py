"""Static guest addresses from cloud-init networkData, matched to the VM's interfaces.

Formats: network-config v2 (netplan `ethernets`), v1 (`config: [{type: physical, subnets}]`), and the
OpenStack `network_data.json` of a config drive (`links` + `networks`). An entry is matched to a KubeVirt
interface by MAC address (`match.macaddress`, `mac_address`, `ethernet_mac_address`), else by name
(`set-name` or the entry id equal to the interface name), else `ethN` → the N-th interface, the order in
which virtio NICs appear in the guest.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from kvnet.load import YMap
from kvnet.manifests import addresses
from kvnet.manifests.fields import Obj
from kvnet.model import IPInterface
from kvnet.span import Span

_ETH_N = re.compile(r"^eth([0-9]+)$")

Found = dict[int, list[tuple[IPInterface, Span]]]


class _Matcher:
    """Finds the interface (by index) a networkData entry configures."""

    def __init__(self, interfaces: Sequence[tuple[str, str | None]]) -> None:
        self.names: dict[str, int] = {}
        self.macs: dict[str, int] = {}
        for i, (name, mac) in enumerate(interfaces):
            self.names.setdefault(name, i)  # the first interface of a name
            if mac:
                self.macs[mac] = i  # (normalized by the caller)
        self.count = len(interfaces)

    def index(self, mac: str | None, *names: str | None) -> int | None:
        if mac:  # a MAC that no interface has: the entry configures some other NIC
            return self.macs.get(addresses.mac(mac))
        for name in names:
            if name and name in self.names:
                return self.names[name]
        for name in names:
            match = _ETH_N.match(name or "")
            if match and int(match.group(1)) < self.count:
                return int(match.group(1))
        return None


def static_addresses(doc: Obj, interfaces: Sequence[tuple[str, str | None]]) -> Found:
    """index of interface → its static addresses (with their places inside the text) in networkData `doc`;
    `interfaces`: each interface's name and MAC (normalized, kvnet.manifests.addresses.mac)."""
    nested = doc.mapping("network")  # `network: {version: 2, ...}` is accepted too
    if nested is not None:
        doc = nested
    matcher = _Matcher(interfaces)
    found: Found = {}
    if doc.has("ethernets"):
        _netplan(doc, matcher, found)
    elif doc.has("config"):
        _v1(doc, matcher, found)
    elif doc.has("links") or doc.has("networks"):
        _openstack(doc, matcher, found)
    return found


def _add(found: Found, index: int | None, text: str, span: Span, owner: Obj) -> None:
    if index is None:
        return
    try:
        address = ipaddress.ip_interface(text.strip())
    except ValueError:
        owner.problems.add(f"{owner.path}: {text!r} is not an IP address", span, "write it as 192.168.10.14/24")
        return
    found.setdefault(index, []).append((address, span))


def _netplan(doc: Obj, matcher: _Matcher, found: Found) -> None:
    ethernets = doc.mapping("ethernets")
    if ethernets is None:
        return
    for entry_id, entry in ethernets.maps_in():
        match = entry.mapping("match")
        mac = match.text("macaddress") if match is not None else None
        index = matcher.index(mac, entry.text("set-name"), entry_id)
        written = entry.sequence("addresses")
        if written is None:
            continue
        for i, value in enumerate(written):
            if isinstance(value, str):
                _add(found, index, value, written.item_span(i), entry)
            elif isinstance(value, YMap) and len(value) == 1:  # netplan: {"10.0.0.5/24": {lifetime}}
                key = next(iter(value))
                _add(found, index, key, value.key_span(key), entry)


def _v1(doc: Obj, matcher: _Matcher, found: Found) -> None:
    for entry in doc.maps("config"):
        if entry.text("type") != "physical":
            continue
        index = matcher.index(entry.text("mac_address"), entry.text("name"))
        for subnet in entry.maps("subnets"):
            if (subnet.text("type") or "").startswith("static"):
                address, netmask = subnet.text("address"), subnet.text("netmask")
                if address is not None:
                    text = f"{address}/{netmask}" if netmask and "/" not in address else address
                    _add(found, index, text, subnet.at("address"), subnet)


def _openstack(doc: Obj, matcher: _Matcher, found: Found) -> None:
    links = {link.text("id"): link for link in doc.maps("links")}
    for net in doc.maps("networks"):
        if not (net.text("type") or "").endswith(("ipv4", "ipv6")):
            continue
        link = links.get(net.text("link"))
        mac = link.text("ethernet_mac_address") if link is not None else None
        name = link.text("name") if link is not None else None
        address, netmask = net.text("ip_address"), net.text("netmask")
        if address is not None:
            text = f"{address}/{netmask}" if netmask and "/" not in address else address
            _add(found, matcher.index(mac, name), text, net.at("ip_address"), net)
