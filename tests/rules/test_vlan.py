"""VLAN rules: each fires on a minimal bad site at the offending value, and stays silent on good input."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from rulekit import S, at, check_text, findings_of, line_of, parse, run

from kvnet.model import Network, Site

ROOT = Path(__file__).resolve().parents[2]
GROUPS = """\
workers:
  selector: {node-role.kubernetes.io/worker: ""}
  nics: {eno1: {role: primary}, eno2: {}}
  bridges:
    br-vm: {port: eno2, vlans: ["100-299"]}
"""


def site(body: str, groups: str = GROUPS) -> str:
    head = """\
        apiVersion: kvnet.dev/v1alpha1
        kind: Site
        metadata: {name: t}
        spec:
          cluster: {name: t, machineNetwork: [192.168.50.0/24]}
          nodes:
            - {name: worker-0, group: workers, ip: 192.168.50.11}
            - {name: worker-1, group: workers, ip: 192.168.50.12}
          nodeGroups:
        """
    return (textwrap.dedent(head) + textwrap.indent(textwrap.dedent(groups), "    ")
            + textwrap.indent(textwrap.dedent(body), "  "))


# ------------------------------------------------------------------------------------------------ VLAN-01


def test_vlan_01_network_vlan_above_4094() -> None:
    text = site("""\
        networks:
          web: {type: linux-bridge, bridge: br-vm, vlan: 4095}
        """)
    found = findings_of("VLAN-01", text)
    assert [f.span.line for f in found] == [line_of(text, "vlan: 4095")]
    assert found[0].message == "VLAN 4095 of network web is outside 0–4094"
    assert findings_of("VLAN-03", text) == []  # an impossible id is VLAN-01's alone


def test_vlan_01_bridge_trunk_and_vlan_interface_ids() -> None:
    groups = """\
        workers:
          nics: {eno1: {role: primary}, eno2: {}}
          bridges:
            br-vm: {port: eno2, vlans: ["100-4095"]}
          vlanInterfaces:
            eno2.4095: {base: eno2, id: 4095}
        """
    text = site("networks: {}\n", groups)
    lines = sorted(f.span.line for f in findings_of("VLAN-01", text))
    assert lines == [line_of(text, '"100-4095"'), line_of(text, "id: 4095")]


def test_vlan_01_allowed_ranges_option() -> None:
    model = parse(site("""\
        networks:
          web: {type: linux-bridge, bridge: br-vm, vlan: 110}
          trunk: {type: linux-bridge, bridge: br-vm, vlanTrunk: ["195-205"]}
          flat: {type: linux-bridge, bridge: br-vm}
        """))
    assert run("VLAN-01", model) == []
    found = run("VLAN-01", model, allowed=["100-199", 250])
    assert [p.message for p in found] == ["VLAN 195-205 of network trunk is outside the allowed ranges (100-199, 250)"]
    assert run("VLAN-01", model, allowed=["100-150", "151-299"]) == []  # adjacent ranges cover a trunk together
    assert "option 'allowed'" in run("VLAN-01", model, allowed=["ten"])[0].message


# ------------------------------------------------------------------------------------------------ VLAN-02..05


def test_vlan_02_vlan_and_trunk_together() -> None:
    text = site("""\
        networks:
          web:
            type: linux-bridge
            bridge: br-vm
            vlan: 110
            vlanTrunk: ["200-210"]
        """)
    found = findings_of("VLAN-02", text)
    assert [f.span.line for f in found] == [line_of(text, "vlanTrunk")]
    assert found[0].related[0].span.line == line_of(text, "vlan: 110")


def test_vlan_03_vlan_missing_from_uplink_trunk() -> None:
    groups = GROUPS + """\
edge:
  nics: {eno1: {role: primary}, eno2: {}}
  bridges:
    br-vm: {port: eno2}
"""
    text = site("""\
        networks:
          web: {type: linux-bridge, bridge: br-vm, vlan: 350}
          ok: {type: linux-bridge, bridge: br-vm, vlan: 150}
        """, groups)
    found = findings_of("VLAN-03", text)
    assert [f.span.line for f in found] == [line_of(text, "vlan: 350")]
    assert "node group(s) workers:" in found[0].message  # edge has no `vlans`: nmstate's default 2-4094 trunk
    assert [r.message for r in found[0].related] == ["bridge br-vm in workers trunks 100-299 on eno2"]
    assert found[0].related[0].span.line == line_of(text, '"100-299"')


def test_vlan_03_bridge_that_does_not_filter_vlans() -> None:
    from kvnet.model import Bridge, NodeGroup

    unfiltered = Bridge(at(8), name="br1", port="eth1", vlan_filtering=False)
    group = NodeGroup(S, name="nncp-br1", bridges=(unfiltered,), origin="manifest")
    net = Network(S, name="v10", type="linux-bridge", bridge="br1", vlan=10, origin="manifest", namespaces=("d",))
    found = run("VLAN-03", Site(S, node_groups=(group,), networks=(net,)))
    assert len(found) == 1 and found[0].related[0].message.startswith("bridge br1 in nncp-br1 is not VLAN filtering")


def test_vlan_03_trunk_range_partly_outside_and_bridge_without_uplink() -> None:
    text = site("""\
        networks:
          trunk: {type: linux-bridge, bridge: br-vm, vlanTrunk: ["250-320"]}
          local: {type: linux-bridge, bridge: br-local, vlan: 500}
        """, GROUPS.replace("    br-vm:", "    br-local: {}\n    br-vm:"))  # br-local has no uplink: NAD-04's case
    found = findings_of("VLAN-03", text)
    assert [f.span.line for f in found] == [line_of(text, '"250-320"')]


def test_vlan_04_preserve_default_vlan() -> None:
    manifest = Network(S, name="web", type="linux-bridge", bridge="br-vm", cni_type="bridge", vlan=110,
                       origin="manifest", namespaces=("app",), spans={"vlan": at(4)})
    found = run("VLAN-04", Site(S, networks=(manifest,)))
    assert len(found) == 1 and found[0].span == at(4) and "default true" in found[0].message
    explicit = Network(S, name="web", type="linux-bridge", bridge="br-vm", vlan=110, preserve_default_vlan=True,
                       spans={"preserve_default_vlan": at(6)})
    assert run("VLAN-04", Site(S, networks=(explicit,)))[0].span == at(6)
    fixed = Network(S, name="web", type="linux-bridge", bridge="br-vm", vlan=110, preserve_default_vlan=False,
                    origin="manifest")
    untagged = Network(S, name="flat", type="linux-bridge", bridge="br-vm", origin="manifest")
    assert run("VLAN-04", Site(S, networks=(fixed, untagged))) == []
    text = site("networks:\n  web: {type: linux-bridge, bridge: br-vm, vlan: 110}\n")
    assert findings_of("VLAN-04", text) == []  # kvnet writes preserveDefaultVlan: false itself


def test_vlan_05_vlan_one_and_trunks_including_it() -> None:
    text = site("""\
        networks:
          mgmt: {type: linux-bridge, bridge: br-vm, vlan: 1}
          trunk: {type: linux-bridge, bridge: br-vm, vlanTrunk: ["1-10"]}
          fine: {type: linux-bridge, bridge: br-vm, vlanTrunk: ["2-10"]}
        """)
    found = findings_of("VLAN-05", text)
    assert [f.span.line for f in found] == [line_of(text, "vlan: 1}"), line_of(text, '"1-10"')]


# ------------------------------------------------------------------------------------------------ VLAN-07, 09, 10


def test_vlan_07_unknown_cni_keys_with_a_guess() -> None:
    net = Network(S, name="web", type="linux-bridge", cni_type="bridge", origin="manifest", namespaces=("app",),
                  raw_config_keys=("cniVersion", "name", "type", "bridge", "vlanId", "preserveDefaultVlan", "colour"),
                  spans={"config.vlanId": at(9), "config": at(5)})
    ovn = Network(S, name="l2", type="ovn-layer2", cni_type="ovn-k8s-cni-overlay", origin="manifest",
                  raw_config_keys=("cniVersion", "name", "type", "topology", "netAttachDefName", "vlanId"))
    found = run("VLAN-07", Site(S, networks=(net, ovn)))
    assert [(p.span, p.hint) for p in found[:2]] == [(at(9), "rename it to `vlan`"),
                                                    (at(5), "remove it, or use a key the plugin reads")]
    assert "'vlanId' in the bridge config of app/web" in found[0].message
    assert found[2].hint == "rename it to `vlanID`"  # OVN localnet spells it with capitals
    unknown_cni = Network(S, name="x", cni_type="tuning", raw_config_keys=("whatever",))
    top = ("cniVersion", "name", "plugins", "type")  # a conflist: top-level keys and the main plugin's
    conflist = Network(S, name="y", cni_type="bridge", raw_config_keys=(*top, "vlan"))
    assert run("VLAN-07", Site(S, networks=(unknown_cni, conflist))) == []
    typo = Network(S, name="z", cni_type="bridge", raw_config_keys=(*top, "VLAN"))
    assert [p.hint for p in run("VLAN-07", Site(S, networks=(typo,)))] == ["rename it to `vlan`"]


def test_vlan_09_vlan_interface_on_an_unfiltered_bridge() -> None:
    groups = """\
        workers:
          nics: {eno1: {role: primary}, eno2: {}, eno3: {}}
          bridges:
            br-trunk: {port: eno2}
            br-vm: {port: eno3, vlans: [100]}
          vlanInterfaces:
            br-trunk.100: {base: br-trunk, id: 100}
            br-vm.100: {base: br-vm, id: 100}
        """
    text = site("networks: {}\n", groups)
    found = findings_of("VLAN-09", text)
    assert [f.span.line for f in found] == [line_of(text, "base: br-trunk")]
    assert "build br-trunk.100 on eno2 instead" in found[0].hint


def test_vlan_10_two_subnets_on_one_vlan() -> None:
    text = site("""\
        networks:
          web: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24}
          db: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.120.0.0/24}
          wide: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/16}
          same: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24}
          apart: {type: linux-bridge, bridge: br-vm, vlan: 120, subnet: 10.120.0.0/24}
        """)
    found = findings_of("VLAN-10", text)
    assert [f.span.line for f in found] == [line_of(text, "10.120.0.0/24"), line_of(text, "10.110.0.0/16")]
    assert "and differs from its 10.110.0.0/24" in found[0].message
    assert "overlaps but differs" in found[1].message
    assert all(f.related[0].span.line == line_of(text, "web:") for f in found)


@pytest.mark.parametrize("sample", sorted((ROOT / "samples").glob("*/site.yaml")), ids=lambda p: p.parent.name)
def test_vlan_rules_are_silent_on_samples(sample: Path) -> None:
    found = [f for f in check_text(sample.read_text(encoding="utf-8"), str(sample)) if f.rule_id.startswith("VLAN-")]
    assert found == []

