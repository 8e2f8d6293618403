"""NodeNetworkConfigurationPolicy (nmstate.io/v1) per node group: NIC MTUs, bonds, VLAN interfaces, Linux
bridges and OVN bridge mappings (api-reference §4.1, §6.2).

Choices that matter on real nodes:
- the NIC with role `primary` carries the node IP and is never touched;
- interfaces the group lists as removed are written `state: absent` (deleting an NNCP does not undo it);
- a bridge with `vlans` gets an explicit VLAN-filtering trunk on its uplink port. Without one,
  kubernetes-nmstate adds a 2-4094 trunk by itself, so an explicit list is a promise that every NAD VLAN
  is in it (rule VLAN-* checks that);
- bridges and bonds carry no IP unless the site gives one (VM traffic is L2 only).
"""

from __future__ import annotations

from typing import Any

from kvnet.emit.common import WAVE_NODE, Manifest, metadata
from kvnet.model import Bond, Bridge, NodeGroup, Site, VlanInterface, VlanRange

_NO_IP = {"enabled": False}


def _trunk_tag(vlans: VlanRange) -> dict[str, Any]:
    if vlans.low == vlans.high:
        return {"id": vlans.low}
    return {"id-range": {"min": vlans.low, "max": vlans.high}}


def _with_mtu(entry: dict[str, Any], mtu: int | None) -> dict[str, Any]:
    if mtu is not None:
        entry["mtu"] = mtu
    return entry


def _bond(bond: Bond) -> dict[str, Any]:
    aggregation: dict[str, Any] = {"mode": bond.mode, "port": list(bond.ports)}
    if bond.options:
        aggregation["options"] = {k: str(v) for k, v in sorted(bond.options.items())}
    entry = {"name": bond.name, "type": "bond", "state": "up", "ipv4": _NO_IP, "ipv6": _NO_IP,
             "link-aggregation": aggregation}
    return _with_mtu(entry, bond.mtu)


def _vlan_interface(vif: VlanInterface) -> dict[str, Any]:
    entry = {"name": vif.name, "type": "vlan", "state": "up", "ipv4": _NO_IP, "ipv6": _NO_IP,
             "vlan": {"base-iface": vif.base, "id": vif.vlan_id}}
    return _with_mtu(entry, vif.mtu)


def _bridge_ipv4(bridge: Bridge) -> dict[str, Any]:
    if bridge.ipv4_dhcp:
        return {"enabled": True, "dhcp": True}
    if bridge.ipv4_addresses:
        return {
            "enabled": True,
            "address": [{"ip": str(a.ip), "prefix-length": a.network.prefixlen} for a in bridge.ipv4_addresses],
        }
    return _NO_IP


def _bridge(bridge: Bridge) -> dict[str, Any]:
    ports: list[dict[str, Any]] = []
    if bridge.port:
        port: dict[str, Any] = {"name": bridge.port}
        if bridge.vlans:
            port["vlan"] = {"mode": "trunk", "trunk-tags": [_trunk_tag(v) for v in bridge.vlans]}
        ports.append(port)
    settings: dict[str, Any] = {"options": {"stp": {"enabled": bridge.stp}}, "port": ports}
    entry: dict[str, Any] = {"name": bridge.name, "type": "linux-bridge", "state": "up",
                             "ipv4": _bridge_ipv4(bridge), "ipv6": _NO_IP, "bridge": settings}
    if bridge.copy_mac_from:
        entry["copy-mac-from"] = bridge.copy_mac_from
    return _with_mtu(entry, bridge.mtu)


def desired_state(group: NodeGroup) -> dict[str, Any]:
    """The nmstate desired state for one node group; empty when the group configures nothing."""
    interfaces: list[dict[str, Any]] = []
    # Ethernet MTUs first: nmstate applies the whole state at once, but a reader follows the data path.
    for nic in sorted(group.nics, key=lambda n: n.name):
        if nic.mtu is not None and nic.role != "primary" and nic.sriov is None:
            interfaces.append({"name": nic.name, "type": "ethernet", "state": "up", "mtu": nic.mtu})
    interfaces += [_bond(b) for b in sorted(group.bonds, key=lambda b: b.name)]
    interfaces += [_vlan_interface(v) for v in sorted(group.vlan_interfaces, key=lambda v: v.name)]
    interfaces += [_bridge(b) for b in sorted(group.bridges, key=lambda b: b.name)]
    interfaces += [{"name": name, "state": "absent"} for name in sorted(group.removed_interfaces)]
    state: dict[str, Any] = {}
    if interfaces:
        state["interfaces"] = interfaces
    if group.ovn_bridge_mappings:
        state["ovn"] = {
            "bridge-mappings": [
                {"localnet": m.localnet, "bridge": m.bridge, "state": "present"}
                for m in sorted(group.ovn_bridge_mappings, key=lambda m: m.localnet)
            ]
        }
    return state


def nncp_manifests(site: Site) -> list[Manifest]:
    manifests: list[Manifest] = []
    for group in sorted(site.node_groups, key=lambda g: g.name):
        state = desired_state(group)
        if not state:
            continue
        manifests.append({
            "apiVersion": "nmstate.io/v1",
            "kind": "NodeNetworkConfigurationPolicy",
            "metadata": metadata(site, group.name, None, WAVE_NODE, custom_resource=True),
            "spec": {"nodeSelector": dict(sorted(group.selector.items())), "desiredState": state},
        })
    return manifests
