"""NodeNetworkConfigurationPolicy → NodeGroup: the interfaces nmstate creates on the selected nodes.

ethernet → Nic, bond → Bond, linux-bridge → Bridge, vlan → VlanInterface, ovs-bridge → OvsBridge,
`ovn.bridge-mappings` → OvnBridgeMapping; any interface with `state: absent` → removed_interfaces; ports
listed under nmstate's old `slaves` key → deprecated_slaves. Other types (ovs-interface, ...) are not
modelled.
"""

from __future__ import annotations

import ipaddress

from kvnet.load import YMap
from kvnet.manifests.context import Meta, ReadContext
from kvnet.manifests.fields import Collected, Obj
from kvnet.model import (
    Bond,
    Bridge,
    IPInterface,
    Nic,
    NodeGroup,
    OvnBridgeMapping,
    OvsBridge,
    VlanInterface,
    VlanRange,
)
from kvnet.span import Span

# kubernetes-nmstate gives every port of an `up` linux-bridge without a `vlan` block this trunk
IMPLICIT_TRUNK = (2, 4094)


def read_nncp(obj: Obj, meta: Meta, ctx: ReadContext) -> None:
    out = Collected()
    out.spans.update(meta.base_spans())
    spec = obj.mapping("spec")
    if spec is not None:
        if spec.has("nodeSelector"):
            out.set("selector", spec.str_map("nodeSelector"), spec.at("nodeSelector"))
        state = spec.mapping("desiredState")
        if state is not None:
            for iface in state.maps("interfaces"):
                _interface(iface, out)
            ovn = state.mapping("ovn")
            if ovn is not None:
                for mapping in ovn.maps("bridge-mappings"):
                    _bridge_mapping(mapping, out)
    ctx.parts.node_groups.append(NodeGroup(meta.span, name=meta.name, origin="manifest", spans=out.spans,
                                           **out.values))


def _interface(iface: Obj, out: Collected) -> None:
    name = iface.text("name")
    if name is None:
        return
    kind = iface.text("type") or ""
    if (iface.text("state") or "up") == "absent":
        out.append("removed_interfaces", name, iface.at("state"))
        return
    if kind == "ethernet":
        ipv4 = iface.mapping("ipv4")
        dhcp = ipv4.flag("dhcp") if ipv4 is not None else None
        nic = Nic(iface.span, name=name, mtu=iface.integer("mtu"), dhcp=bool(dhcp),
                  spans=iface.spans_of(name="name", mtu="mtu"))
        out.append("nics", nic, iface.span)
    elif kind == "bond":
        out.append("bonds", _bond(iface, name, out), iface.span)
    elif kind == "linux-bridge":
        out.append("bridges", _bridge(iface, name, out), iface.span)
    elif kind == "ovs-bridge":
        out.append("ovs_bridges", _ovs_bridge(iface, name, out), iface.span)
    elif kind == "vlan":
        vlan = iface.mapping("vlan")
        spans = iface.spans_of(name="name", mtu="mtu")
        base, vlan_id = "", 0
        if vlan is not None:
            base = vlan.text("base-iface") or ""
            vlan_id = vlan.integer("id") or 0
            spans.update(vlan.spans_of(base="base-iface", vlan_id="id"))
        out.append("vlan_interfaces", VlanInterface(iface.span, name=name, base=base, vlan_id=vlan_id,
                                                    mtu=iface.integer("mtu"), spans=spans), iface.span)


def _port_names(obj: Obj) -> list[tuple[str, Span]]:
    """Port names from `port`, `ports` (nmstate 2) or `slaves` (deprecated); entries are names or {name}."""
    for key in ("port", "ports", "slaves"):
        if obj.has(key):
            names: list[tuple[str, Span]] = []
            for item in obj.items(key):
                if isinstance(item.value, str):
                    names.append((item.value, item.span))
                elif isinstance(item.value, YMap) and isinstance(item.value.get("name"), str):
                    names.append((item.value["name"], item.value.value_span("name")))
                elif item.value is not None:
                    obj.problems.wrong_type(item.path, "an interface name", item.value, item.span)
            return names
    return []


def _note_slaves(owner: Obj, name: str, out: Collected) -> None:
    """Record a port list written under `slaves`, nmstate's old name for `port` (NNCP-07)."""
    if owner.has("slaves"):
        out.append("deprecated_slaves", name, owner.key_at("slaves"))


def _bond(iface: Obj, name: str, out: Collected) -> Bond:
    spans = iface.spans_of(name="name", mtu="mtu")
    mode, ports, options = "", tuple[str, ...](), dict[str, str]()
    aggregation = iface.mapping("link-aggregation")
    if aggregation is not None:
        mode = aggregation.text("mode") or ""
        spans.update(aggregation.spans_of(mode="mode", options="options"))
        names = _port_names(aggregation)
        _note_slaves(aggregation, name, out)
        ports = tuple(n for n, _ in names)
        if names:
            spans["ports"] = names[0][1]
        raw_options = aggregation.mapping("options")
        if raw_options is not None:  # nmstate takes numbers or strings here (miimon: 100 / "100")
            options = {k: str(v).lower() if isinstance(v, bool) else str(v)
                       for k, v in raw_options.data.items() if v is not None}
    return Bond(iface.span, name=name, mode=mode or "active-backup", ports=ports, mtu=iface.integer("mtu"),
                options=options, spans=spans)


def _bridge(iface: Obj, name: str, out: Collected) -> Bridge:
    spans = iface.spans_of(name="name", mtu="mtu", copy_mac_from="copy-mac-from")
    values: dict[str, object] = {"mtu": iface.integer("mtu"), "copy_mac_from": iface.text("copy-mac-from")}
    bridge = iface.mapping("bridge")
    if bridge is not None:
        options = bridge.mapping("options")
        stp = options.raw("stp") if options is not None else None
        if isinstance(stp, YMap) and isinstance(stp.get("enabled"), bool):
            values["stp"] = stp["enabled"]
            spans["stp"] = stp.value_span("enabled")
        elif isinstance(stp, bool) and options is not None:
            values["stp"] = stp
            spans["stp"] = options.at("stp")
        ports = [p for key in ("port", "ports", "slaves") for p in bridge.maps(key)]
        _note_slaves(bridge, name, out)
        if ports:
            uplink = ports[0]
            values["port"] = uplink.text("name")
            spans.update(uplink.spans_of(port="name"))
            _port_vlans(uplink, iface, values, spans)
    ipv4 = iface.mapping("ipv4")
    if ipv4 is not None:
        values["ipv4_dhcp"] = bool(ipv4.flag("dhcp"))
        spans.update(ipv4.spans_of(ipv4_dhcp="dhcp", ipv4_addresses="address"))
        values["ipv4_addresses"] = tuple(_addresses(ipv4))
    return Bridge(iface.span, name=name, spans=spans, **values)  # type: ignore[arg-type]


def _ovs_bridge(iface: Obj, name: str, out: Collected) -> OvsBridge:
    """An OVS bridge: its ports, and the IP families written (and not disabled) on the bridge entry itself,
    which nmstate drops: an OVS bridge exists only in the OVS database and cannot hold an address."""
    spans = iface.spans_of(name="name")
    ports: list[str] = []
    bridge = iface.mapping("bridge")
    if bridge is not None:
        _note_slaves(bridge, name, out)
        for key in ("port", "ports", "slaves"):
            for port in bridge.maps(key):
                port_name = port.text("name")
                if port_name:
                    ports.append(port_name)
                    spans.setdefault("ports", bridge.at(key))
                aggregation = port.mapping("link-aggregation")
                if aggregation is not None:
                    _note_slaves(aggregation, port_name or name, out)
    families: list[str] = []
    for family in ("ipv4", "ipv6"):
        settings = iface.mapping(family)
        if settings is not None and _ip_enabled(settings):
            families.append(family)
            spans[family] = iface.key_at(family)
    if families:
        spans["ip_families"] = spans[families[0]]
    return OvsBridge(iface.span, name=name, ports=tuple(ports), ip_families=tuple(families), spans=spans)


def _ip_enabled(settings: Obj) -> bool:
    """An `ipv4`/`ipv6` block that asks for addresses: `enabled: false` turns the rest off (nmstate ignores it)."""
    enabled = settings.flag("enabled")
    if enabled is False:
        return False
    asks = bool(settings.flag("dhcp")) or bool(settings.flag("autoconf")) or bool(settings.items("address"))
    return bool(enabled) or asks


def _port_vlans(port: Obj, iface: Obj, values: dict[str, object], spans: dict[str, Span]) -> None:
    """The VLANs the uplink carries. An explicit `vlan` block lists them (`vlan: {}` turns filtering off);
    without one, kubernetes-nmstate trunks 2-4094 on every port of an `up` bridge."""
    if "vlan" not in port.data:
        if (iface.text("state") or "up") == "up":
            low, high = IMPLICIT_TRUNK
            values["vlans"] = (VlanRange(port.span, low=low, high=high),)
            values["vlan_filtering"] = True
        return
    vlan = port.mapping("vlan")
    spans["vlan_filtering"] = port.at("vlan")
    if vlan is None or not vlan.data:
        values["vlan_filtering"] = False
        return
    values["vlan_filtering"] = True
    ranges: list[VlanRange] = []
    for tag in vlan.maps("trunk-tags"):
        single = tag.integer("id")
        bounds = tag.mapping("id-range")
        if single is not None:
            ranges.append(VlanRange(tag.span, low=single, high=single, spans=tag.spans_of(low="id")))
        elif bounds is not None:
            first, last = bounds.integer("min"), bounds.integer("max")
            if first is not None and last is not None:
                ranges.append(VlanRange(tag.span, low=first, high=last, spans=bounds.spans_of(low="min", high="max")))
    native = vlan.integer("tag")
    mode = vlan.text("mode") or "trunk"
    if native is not None and (mode == "access" or vlan.flag("enable-native")):
        ranges.append(VlanRange(vlan.at("tag"), low=native, high=native))
    values["vlans"] = tuple(ranges)
    if vlan.has("trunk-tags"):
        spans["vlans"] = vlan.at("trunk-tags")
    elif vlan.has("tag"):
        spans["vlans"] = vlan.at("tag")


def _addresses(ipv4: Obj) -> list[IPInterface]:
    found: list[IPInterface] = []
    for entry in ipv4.maps("address"):
        address, prefix = entry.text("ip"), entry.integer("prefix-length")
        if address is None or prefix is None:
            continue
        try:
            found.append(ipaddress.ip_interface(f"{address}/{prefix}"))
        except ValueError:
            entry.problems.add(f"{entry.path}: {address}/{prefix} is not an address", entry.span)
    return found


def _bridge_mapping(mapping: Obj, out: Collected) -> None:
    if (mapping.text("state") or "present") == "absent":
        return
    localnet, bridge = mapping.text("localnet"), mapping.text("bridge")
    if localnet is None:
        return
    out.append("ovn_bridge_mappings", OvnBridgeMapping(mapping.span, localnet=localnet, bridge=bridge or "",
                                                       spans=mapping.spans_of(localnet="localnet", bridge="bridge")),
               mapping.span)
