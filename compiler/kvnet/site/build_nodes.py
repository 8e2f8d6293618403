"""Node groups (NICs, bonds, bridges, VLAN interfaces, OVN bridge mappings) and nodes."""

from __future__ import annotations

from typing import Any

from kvnet.load import YList, YMap
from kvnet.model import (
    Bond,
    Bridge,
    Nic,
    Node,
    NodeGroup,
    OvnBridgeMapping,
    SriovCapability,
    VlanInterface,
    VlanRange,
)
from kvnet.site import defaults, values
from kvnet.site.context import Context, entry_span, field_spans, items, mapping, text_map


def build_node_groups(ctx: Context, spec: YMap) -> tuple[NodeGroup, ...]:
    groups = mapping(spec.get("nodeGroups"))
    return tuple(_group(ctx, groups, name) for name in groups)


def _group(ctx: Context, parent: YMap, name: str) -> NodeGroup:
    m = mapping(parent[name])
    nics, bonds, bridges = mapping(m.get("nics")), mapping(m.get("bonds")), mapping(m.get("bridges"))
    vifs, mappings = mapping(m.get("vlanInterfaces")), mapping(m.get("ovnBridgeMappings"))
    return NodeGroup(
        entry_span(parent, name),
        name=name,
        selector=text_map(m.get("selector")),
        nics=tuple(_nic(nics, n) for n in nics),
        bonds=tuple(_bond(bonds, b) for b in bonds),
        bridges=tuple(_bridge(ctx, bridges, b) for b in bridges),
        vlan_interfaces=tuple(_vlan_interface(vifs, v) for v in vifs),
        ovn_bridge_mappings=tuple(
            OvnBridgeMapping(entry_span(mappings, k), localnet=k, bridge=str(mappings[k]),
                             spans={"localnet": mappings.key_span(k), "bridge": mappings.value_span(k)})
            for k in mappings
        ),
        spans=field_spans(m),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _nic(parent: YMap, name: str) -> Nic:
    m = mapping(parent[name])
    sriov = None
    if isinstance(m.get("sriov"), YMap):
        s = m["sriov"]
        sriov = SriovCapability(
            m.value_span("sriov"),
            total_vfs=_int(s.get("totalVfs")) or 0,
            vendor=str(s.get("vendor", "")).lower(),
            device_id=str(s.get("deviceID", "")).lower(),
            pci_address=str(s.get("pciAddress", "")),
            spans=field_spans(s),
        )
    return Nic(entry_span(parent, name), name=name, role=str(m.get("role", "")), mtu=_int(m.get("mtu")),
               dhcp=m.get("dhcp") is True, sriov=sriov, spans=field_spans(m))


def _bond(parent: YMap, name: str) -> Bond:
    m = mapping(parent[name])
    options = {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in mapping(m.get("options")).items()}
    return Bond(entry_span(parent, name), name=name, mode=str(m.get("mode", defaults.BOND_MODE)),
                ports=tuple(str(p) for p in items(m.get("ports"))), mtu=_int(m.get("mtu")),
                options=dict(sorted(options.items())), spans=field_spans(m))


def vlan_ranges(ctx: Context, m: YMap, key: str, what: str) -> tuple[VlanRange, ...]:
    """A list of VLAN ids and "a-b" ranges, each with the span of its item."""
    seq = m.get(key)
    if not isinstance(seq, YList):
        return ()
    out = []
    for i, item in enumerate(seq):
        span = seq.item_span(i)
        parsed = ctx.parse(values.parse_vlan_range, item if isinstance(item, int | str) else None, span, what)
        if parsed is not None:
            out.append(VlanRange(span, low=parsed[0], high=parsed[1]))
    return tuple(out)


def _bridge(ctx: Context, parent: YMap, name: str) -> Bridge:
    m = mapping(parent[name])
    vlans = vlan_ranges(ctx, m, "vlans", f'VLAN of bridge "{name}"')
    port = m.get("port")
    return Bridge(entry_span(parent, name), name=name, port=str(port) if port else None, vlans=vlans,
                  mtu=_int(m.get("mtu")), stp=m.get("stp") is True,
                  copy_mac_from=str(m["copyMacFrom"]) if m.get("copyMacFrom") else None,
                  ipv4_dhcp=m.get("dhcp") is True, vlan_filtering=bool(vlans), spans=field_spans(m))


def _vlan_interface(parent: YMap, name: str) -> VlanInterface:
    m = mapping(parent[name])
    return VlanInterface(entry_span(parent, name), name=name, base=str(m.get("base", "")),
                         vlan_id=_int(m.get("id")) or 0, mtu=_int(m.get("mtu")),
                         spans=field_spans(m, {"id": "vlan_id"}))


def build_nodes(ctx: Context, spec: YMap) -> tuple[Node, ...]:
    seq = spec.get("nodes")
    if not isinstance(seq, YList):
        return ()
    nodes = []
    for i, item in enumerate(seq):
        m = mapping(item)
        nodes.append(Node(seq.item_span(i), name=str(m.get("name", "")), group=str(m.get("group", "")),
                          ip=ctx.ip(m, "ip", f'IP of node "{m.get("name", "")}"'),
                          labels=text_map(m.get("labels")), spans=field_spans(m)))
    return tuple(nodes)
