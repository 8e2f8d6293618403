"""MTU rules: each fires on a minimal bad site at the offending value, and stays silent on good input."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from rulekit import check_text, findings_of, line_of

from kvnet.findings import Problem
from kvnet.graph import SiteGraph
from kvnet.load import load_text
from kvnet.rules.catalogue import rule_by_id
from kvnet.rules.registry import RuleContext
from kvnet.site import read_site

ROOT = Path(__file__).resolve().parents[2]


def site(groups: str, body: str) -> str:
    head = """\
        apiVersion: kvnet.dev/v1alpha1
        kind: Site
        metadata: {name: t}
        spec:
          cluster: {name: t}
          nodeGroups:
        """
    return (textwrap.dedent(head) + textwrap.indent(textwrap.dedent(groups), "    ")
            + textwrap.indent(textwrap.dedent(body), "  "))


def run(rule_id: str, text: str, **options: Any) -> list[Problem]:
    rule = rule_by_id(rule_id)
    assert rule is not None
    model = read_site(load_text(text, "site.yaml").documents[0])
    return list(rule.check(RuleContext(model, SiteGraph(model), {**rule.options, **options})))


JUMBO_PATH = """\
workers:
  nics: {eno1: {role: primary}, ens3f0: {mtu: 9000}, ens3f1: {mtu: 1500}}
  bonds:
    bond1: {mode: active-backup, ports: [ens3f0, ens3f1], mtu: 9000}
  bridges:
    br-vm: {port: bond1, vlans: ["100-299"], mtu: 9000}
"""


def test_mtu_01_bond_above_a_port_and_network_above_the_path() -> None:
    text = site(JUMBO_PATH, """\
        networks:
          storage: {type: linux-bridge, bridge: br-vm, vlan: 110, mtu: 9000}
          small: {type: linux-bridge, bridge: br-vm, vlan: 120, mtu: 1400}
        """)
    found = findings_of("MTU-01", text)
    lines = [f.span.line for f in found]
    assert lines == [line_of(text, "bond1: {"), line_of(text, "br-vm: {"), line_of(text, "storage:")]
    bond, bridge, storage = found
    assert bond.message == "bond bond1 of node group workers has MTU 9000, larger than MTU 1500 of NIC ens3f1 below it"
    assert bond.related[0].span.line == line_of(text, "ens3f1: {mtu: 1500}")
    assert "NIC ens3f1" in bridge.message
    assert storage.message.startswith("MTU 9000 of network storage is larger than MTU 1500 of NIC ens3f1")
    assert storage.hint == "lower the network's MTU to 1500, or raise the path's MTU"


def test_mtu_01_unknown_mtus_are_not_judged() -> None:
    groups = """\
        workers:
          nics: {eno1: {role: primary}, eno2: {}}
          bridges:
            br-vm: {port: eno2, vlans: [110], mtu: 9000}
        """
    text = site(groups, "networks:\n  storage: {type: linux-bridge, bridge: br-vm, vlan: 110, mtu: 9000}\n")
    assert findings_of("MTU-01", text) == []


def test_mtu_01_sriov_network_above_the_pf() -> None:
    groups = """\
        workers:
          nics:
            eno1: {role: primary}
            ens5f0: {mtu: 1500, sriov: {totalVfs: 16, vendor: "8086", deviceID: "158b"}}
        """
    text = site(groups, "networks:\n  fast: {type: sriov, pf: ens5f0, numVfs: 8, mtu: 9000}\n")
    found = findings_of("MTU-01", text)
    assert [f.span.line for f in found] == [line_of(text, "fast:")]
    assert "NIC ens5f0" in found[0].message


def test_mtu_02_overlay_mtu_without_room_for_geneve() -> None:
    groups = "workers:\n  nics: {eno1: {role: primary, mtu: 9000}}\n"
    text = site(groups, """\
        networks:
          big: {type: ovn-layer2, mtu: 9000}
          fits: {type: ovn-layer2, mtu: 8900}
          unset: {type: ovn-layer2}
        """)
    found = findings_of("MTU-02", text)
    assert [f.span.line for f in found] == [line_of(text, "big:")]
    assert "the host MTU is 9000, so at most 8900 fits" in found[0].message
    assert [p.message.split(":")[0] for p in run("MTU-02", text, host_mtu=1500)] == [
        "MTU 9000 of overlay network big leaves no room for encapsulation",
        "MTU 8900 of overlay network fits leaves no room for encapsulation"]


def test_mtu_03_jumbo_network_used_by_vms() -> None:
    text = site(JUMBO_PATH.replace("ens3f1: {mtu: 1500}", "ens3f1: {mtu: 9000}"), """\
        networks:
          storage: {type: linux-bridge, bridge: br-vm, vlan: 110, mtu: 9000}
          unused: {type: linux-bridge, bridge: br-vm, vlan: 120, mtu: 9000}
        vms:
          - name: db-1
            interfaces:
              - {name: sto, network: storage}
              - {name: old, network: storage, model: e1000e}
        """)
    found = findings_of("MTU-03", text)
    assert [f.span.line for f in found] == [line_of(text, "storage: {")]
    assert "2 VM interface(s)" in found[0].message and "1 non-virtio interface(s) (db-1/old)" in found[0].message
    assert findings_of("MTU-01", text) == []
    assert run("MTU-03", text, guest_mtu=9000) == []


@pytest.mark.parametrize("sample", sorted((ROOT / "samples").glob("*/site.yaml")), ids=lambda p: p.parent.name)
def test_mtu_rules_are_silent_on_samples(sample: Path) -> None:
    found = [f for f in check_text(sample.read_text(encoding="utf-8"), str(sample)) if f.rule_id.startswith("MTU-")]
    assert found == []
