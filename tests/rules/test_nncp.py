"""NNCP-* rules: node policies from a site's node groups and from NodeNetworkConfigurationPolicy manifests."""

from __future__ import annotations

from pathlib import Path

import pytest
import vmnet_check as _h

HERE = Path(__file__).resolve().parent


check_text, findings_of, lines, line_of, sample_findings = (
    _h.check_text, _h.findings_of, _h.lines, _h.line_of, _h.sample_findings)

HEAD = """\
apiVersion: kvnet.dev/v1alpha1
kind: Site
metadata: {name: t}
spec:
  cluster: {name: t, machineNetwork: [192.168.50.0/24]}
  nodeGroups:
    workers:
      selector: {node-role.kubernetes.io/worker: ""}
      nics: {eno1: {role: primary, dhcp: true}, eno2: {}, ens3f0: {}, ens3f1: {}}
GROUP
  nodes:
    - {name: worker-0, group: workers, ip: 192.168.50.11}
"""


def group(text: str) -> str:
    return HEAD.replace("GROUP\n", "".join(f"      {line}\n" for line in text.strip().splitlines()))


def test_nncp01_primary_nic_enslaved_without_ip() -> None:
    text = group("bridges: {br-vm: {port: eno1}}")
    found = findings_of("NNCP-01", text)
    assert [f.span.line for f in found] == [line_of(text, "port: eno1")] and found[0].related
    moved = group("bridges: {br-vm: {port: eno1, dhcp: true, copyMacFrom: eno1}}")
    assert lines("NNCP-01", moved) == []


def test_nncp01_primary_nic_in_a_bond_under_a_bridge_without_ip() -> None:
    text = group("bonds: {bond0: {ports: [eno1, eno2]}}\nbridges: {br-vm: {port: bond0}}")
    found = findings_of("NNCP-01", text)
    assert [f.span.line for f in found] == [line_of(text, "ports: [eno1, eno2]")]
    assert "bridge 'br-vm'" in found[0].message


def test_nncp02_primary_nic_touched_on_ovn_kubernetes() -> None:
    text = group("bonds: {bond0: {ports: [eno1, eno2]}}")
    found = findings_of("NNCP-02", text)
    assert [f.span.line for f in found] == [line_of(text, "ports: [eno1, eno2]")]
    upstream = text.replace("cluster: {name: t,", "cluster: {name: t, distribution: kubevirt,")
    assert lines("NNCP-02", upstream) == []


NNCP = """\
apiVersion: nmstate.io/v1
kind: NodeNetworkConfigurationPolicy
metadata: {name: cleanup}
spec:
  desiredState:
    interfaces:
INTERFACES
"""


def nncp(*interfaces: str) -> str:
    return NNCP.replace("INTERFACES", "\n".join(f"    - {i}" for i in interfaces))


def test_nncp02_br_ex_declared_in_manifest() -> None:
    text = nncp("{name: br-ex, type: linux-bridge, state: up, bridge: {port: [{name: eth1}]}}")
    assert lines("NNCP-02", text, "nncp.yaml") == [line_of(text, "name: br-ex")]


def test_nncp03_removal_without_ports_and_removal_still_used() -> None:
    alone = nncp("{name: br1, type: linux-bridge, state: absent}")
    assert lines("NNCP-03", alone, "nncp.yaml") == [line_of(alone, "state: absent")]
    redeclared = nncp("{name: br1, type: linux-bridge, state: absent}",
                      "{name: eth1, type: ethernet, state: up, ipv4: {enabled: true, dhcp: true}}")
    assert lines("NNCP-03", redeclared, "nncp.yaml") == []
    still_used = nncp("{name: bond0, type: bond, state: absent}",
                      "{name: br1, type: linux-bridge, state: up, bridge: {port: [{name: bond0}]}}")
    found = findings_of("NNCP-03", still_used, "nncp.yaml")
    assert len(found) == 1 and "br1 still uses it" in found[0].message


def test_nncp04_bridge_dhcp_without_mac_copy() -> None:
    text = group("bridges: {br-vm: {port: eno2, dhcp: true}}")
    assert lines("NNCP-04", text) == [line_of(text, "dhcp: true}}")]
    assert lines("NNCP-04", group("bridges: {br-vm: {port: eno2, dhcp: true, copyMacFrom: eno2}}")) == []


def test_nncp05_bond_mode_under_vm_bridge() -> None:
    text = group("bonds: {bond1: {mode: balance-alb, ports: [ens3f0, ens3f1]}}\nbridges: {br-vm: {port: bond1}}")
    found = findings_of("NNCP-05", text)
    assert [f.span.line for f in found] == [line_of(text, "balance-alb")] and found[0].related
    lacp = text.replace("balance-alb", "lacp")
    assert len(findings_of("NNCP-05", lacp)) == 1
    ok = text.replace("balance-alb", "802.3ad")
    assert lines("NNCP-05", ok) == []
    not_under_bridge = group("bonds: {bond1: {mode: balance-alb, ports: [ens3f0, ens3f1]}}")
    assert lines("NNCP-05", not_under_bridge) == []


def entry(*parts: str) -> str:
    """One interface entry written as a flow mapping over several lines."""
    return "\n      ".join(parts)


def test_nncp06_ip_on_an_ovs_bridge_entry() -> None:
    text = nncp(entry("{name: br1, type: ovs-bridge, state: up, bridge: {port: [{name: eth1}]},",
                      "ipv4: {enabled: true, dhcp: false, address: [{ip: 192.168.122.201, prefix-length: 24}]}}"))
    (found,) = findings_of("NNCP-06", text, "nncp.yaml")
    assert found.span.line == line_of(text, "ipv4:") and "ovs-bridge 'br1'" in found.message
    assert "ovs-interface entry (e.g. named br1)" in found.hint
    internal = nncp(entry("{name: br1, type: ovs-bridge, state: up, bridge: {port: [{name: eth1}, {name: br1}]},",
                          "ipv6: {enabled: true, autoconf: true, dhcp: true}}"))
    (found,) = findings_of("NNCP-06", internal, "nncp.yaml")
    assert "ipv6" in found.message and "already a port of the bridge" in found.hint
    moved = nncp(entry("{name: br1, type: ovs-bridge, state: up, ipv4: {enabled: false}, ipv6: {enabled: false},",
                       "bridge: {port: [{name: eth1}, {name: br1}]}}"),
                 "{name: br1, type: ovs-interface, state: up, ipv4: {enabled: true, dhcp: true}}")
    assert lines("NNCP-06", moved, "nncp.yaml") == []
    linux = nncp(entry("{name: br1, type: linux-bridge, state: up, ipv4: {enabled: true, dhcp: true},",
                       "copy-mac-from: eth1, bridge: {port: [{name: eth1}]}}"))
    assert lines("NNCP-06", linux, "nncp.yaml") == []


def test_nncp07_ports_under_slaves() -> None:
    text = nncp("{name: bond0, type: bond, state: up, link-aggregation: {mode: active-backup, slaves: [eth1, eth2]}}",
                "{name: br1, type: linux-bridge, state: up, bridge: {slaves: [{name: bond0}]}}",
                entry("{name: br2, type: ovs-bridge, state: up, bridge: {port: [{name: ovs-bond,",
                      "link-aggregation: {mode: balance-slb, slaves: [{name: eth3}, {name: eth4}]}}]}}"))
    found = findings_of("NNCP-07", text, "nncp.yaml")
    assert [str(f.severity) for f in found] == ["warning"] * 3
    assert [f.span.line for f in found] == [line_of(text, "slaves: [eth1"), line_of(text, "slaves: [{name: bond0"),
                                            line_of(text, "slaves: [{name: eth3")]
    assert "bond0 lists its ports under `slaves`" in found[0].message and found[0].hint == "rename slaves: to port:"
    assert "ovs-bond" in found[2].message
    assert lines("NNCP-07", text.replace("slaves:", "port:"), "nncp.yaml") == []


@pytest.mark.parametrize("sample", ["minimal", "full"])
def test_nncp_rules_silent_on_samples(sample: str) -> None:
    found = sample_findings(sample, "NNCP-")
    if found is None:
        pytest.skip(f"samples/{sample}/site.yaml not written yet")
    assert found == []
