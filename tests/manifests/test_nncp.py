"""NodeNetworkConfigurationPolicy → NodeGroup."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

NNCP = """\
apiVersion: nmstate.io/v1
kind: NodeNetworkConfigurationPolicy
metadata:
  name: br1-on-bond0
spec:
  nodeSelector:
    node-role.kubernetes.io/worker: ""
    rack:
  desiredState:
    interfaces:
    - name: ens1f0
      type: ethernet
      state: up
      mtu: 9000
    - name: ens1f1
      type: ethernet
      ipv4: {enabled: true, dhcp: true}
    - name: bond0
      type: bond
      state: up
      mtu: 9000
      link-aggregation:
        mode: 802.3ad
        options: {miimon: 100, lacp_rate: fast}
        port: [ens1f0, ens1f1]
    - name: br1
      type: linux-bridge
      state: up
      copy-mac-from: bond0
      ipv4:
        enabled: true
        dhcp: false
        address:
        - {ip: 192.168.10.5, prefix-length: 24}
      bridge:
        options:
          stp: {enabled: true}
        port:
        - name: bond0
          vlan:
            mode: trunk
            tag: 5
            enable-native: true
            trunk-tags:
            - id: 101
            - id-range: {min: 200, max: 299}
    - name: bond0.300
      type: vlan
      vlan: {base-iface: bond0, id: 300}
    - name: old-br
      type: linux-bridge
      state: absent
    ovn:
      bridge-mappings:
      - {localnet: physnet1, bridge: br-ex}
      - {localnet: gone, bridge: br-ex, state: absent}
"""


def test_every_interface_type_maps(read_yaml: Callable[..., Any]) -> None:
    reading = read_yaml(NNCP)
    assert reading.read.problems == []
    (group,) = reading.read.site.node_groups
    assert group.name == "br1-on-bond0" and group.origin == "manifest"
    assert group.selector == {"node-role.kubernetes.io/worker": "", "rack": ""}
    assert [(n.name, n.mtu, n.dhcp) for n in group.nics] == [("ens1f0", 9000, False), ("ens1f1", None, True)]
    (bond,) = group.bonds
    assert (bond.name, bond.mode, bond.ports, bond.mtu) == ("bond0", "802.3ad", ("ens1f0", "ens1f1"), 9000)
    assert bond.options == {"miimon": "100", "lacp_rate": "fast"}
    assert reading.text_at(bond.at("mode")) == "802.3ad"
    (bridge,) = group.bridges
    assert (bridge.name, bridge.port, bridge.stp, bridge.copy_mac_from) == ("br1", "bond0", True, "bond0")
    assert bridge.vlan_filtering and not bridge.ipv4_dhcp
    assert bridge.ipv4_addresses == (ipaddress.ip_interface("192.168.10.5/24"),)
    assert [(r.low, r.high) for r in bridge.vlans] == [(101, 101), (200, 299), (5, 5)]
    assert reading.text_at(bridge.vlans[1].at("high")) == "299"
    assert reading.line_of(bridge.at("vlans")).strip() == "- id: 101"  # the trunk-tags list
    (vlan_if,) = group.vlan_interfaces
    assert (vlan_if.name, vlan_if.base, vlan_if.vlan_id) == ("bond0.300", "bond0", 300)
    assert reading.text_at(vlan_if.at("vlan_id")) == "300"
    assert group.removed_interfaces == ("old-br",)
    assert [(m.localnet, m.bridge) for m in group.ovn_bridge_mappings] == [("physnet1", "br-ex")]
    assert reading.text_at(group.ovn_bridge_mappings[0].at("localnet")) == "physnet1"


BRIDGE = """\
apiVersion: nmstate.io/v1
kind: NodeNetworkConfigurationPolicy
metadata: {name: p}
spec:
  desiredState:
    interfaces:
    - name: br1
      type: linux-bridge
      state: up
      bridge:
        port:
        - name: eth1
{vlan}
"""


def test_bridge_port_without_vlan_block_gets_the_implicit_trunk(read_yaml: Callable[..., Any]) -> None:
    (bridge,) = read_yaml(BRIDGE.replace("{vlan}", "")).read.site.node_groups[0].bridges
    assert bridge.vlan_filtering and [(r.low, r.high) for r in bridge.vlans] == [(2, 4094)]
    assert "vlans" not in bridge.spans  # not written: rules must not point at it as if it were


def test_empty_vlan_block_turns_filtering_off(read_yaml: Callable[..., Any]) -> None:
    (bridge,) = read_yaml(BRIDGE.replace("{vlan}", "          vlan: {}")).read.site.node_groups[0].bridges
    assert not bridge.vlan_filtering and bridge.vlans == ()


def test_access_port_carries_its_tag_only(read_yaml: Callable[..., Any]) -> None:
    text = BRIDGE.replace("{vlan}", "          vlan: {mode: access, tag: 42}")
    (bridge,) = read_yaml(text).read.site.node_groups[0].bridges
    assert bridge.vlan_filtering and [(r.low, r.high) for r in bridge.vlans] == [(42, 42)]


def test_capture_templates_are_skipped_silently(read_yaml: Callable[..., Any]) -> None:
    text = BRIDGE.replace("{vlan}", "").replace(
        "      state: up\n", '      state: up\n      ipv4: "{{ capture.eth1-nic.interfaces.0.ipv4 }}"\n')
    reading = read_yaml(text)
    assert reading.read.problems == []
    assert reading.read.site.node_groups[0].bridges[0].ipv4_addresses == ()


OVS = """\
apiVersion: nmstate.io/v1
kind: NodeNetworkConfigurationPolicy
metadata: {name: ovs}
spec:
  desiredState:
    interfaces:
    - name: br1
      type: ovs-bridge
      state: up
      ipv4:
        enabled: true
        address:
        - {ip: 192.168.122.201, prefix-length: 24}
      ipv6: {enabled: false, autoconf: true}
      bridge:
        port:
        - name: bond1
          link-aggregation:
            mode: balance-slb
            port: [{name: eno1}, {name: eno2}]
        - name: br1
    - name: br2
      type: ovs-bridge
      ipv4: {dhcp: true}
    - name: br1
      type: ovs-interface
      ipv4: {enabled: true, dhcp: true}
"""


def test_ovs_bridges_keep_ports_and_the_ip_families_enabled_on_them(read_yaml: Callable[..., Any]) -> None:
    reading = read_yaml(OVS)
    assert reading.read.problems == []
    (group,) = reading.read.site.node_groups
    assert group.bridges == () and group.deprecated_slaves == ()
    br1, br2 = group.ovs_bridges
    assert (br1.name, br1.ports, br1.ip_families) == ("br1", ("bond1", "br1"), ("ipv4",))  # ipv6 is disabled
    assert reading.line_of(br1.at("ip_families")).strip() == "ipv4:"
    assert reading.text_at(br1.at("ipv4")) == "ipv4"
    assert (br2.name, br2.ports, br2.ip_families) == ("br2", (), ("ipv4",))  # dhcp alone enables it


def test_ports_under_slaves_are_read_and_noted(read_yaml: Callable[..., Any]) -> None:
    text = NNCP.replace("        port: [ens1f0, ens1f1]", "        slaves: [ens1f0, ens1f1]").replace(
        "        port:\n        - name: bond0", "        slaves:\n        - name: bond0")
    reading = read_yaml(text)
    assert reading.read.problems == []
    (group,) = reading.read.site.node_groups
    assert group.bonds[0].ports == ("ens1f0", "ens1f1") and group.bridges[0].port == "bond0"
    assert group.deprecated_slaves == ("bond0", "br1")
    assert reading.text_at(group.at("deprecated_slaves")) == "slaves"
    assert reading.line_of(group.spans["deprecated_slaves[1]"]).strip() == "slaves:"
    assert read_yaml(NNCP).read.site.node_groups[0].deprecated_slaves == ()
