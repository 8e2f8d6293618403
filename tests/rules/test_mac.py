"""MAC rules: each fires on a minimal bad site at the offending value, and stays silent on good input."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from rulekit import S, at, check_text, findings_of, line_of, parse, run

from kvnet.graph import SiteGraph
from kvnet.model import Binding, Interface, MacRange, Namespace, Network, Site, Vm, mac_to_int

ROOT = Path(__file__).resolve().parents[2]
HEAD = """\
apiVersion: kvnet.dev/v1alpha1
kind: Site
metadata: {name: t}
spec:
  cluster: {name: t, machineNetwork: [192.168.50.0/24]}
  nodeGroups:
    workers:
      selector: {node-role.kubernetes.io/worker: ""}
      nics: {eno1: {role: primary}, eno2: {}}
      bridges:
        br-vm: {port: eno2, vlans: ["100-299"]}
  nodes:
    - {name: worker-0, group: workers, ip: 192.168.50.11}
    - {name: worker-1, group: workers, ip: 192.168.50.12}
"""
NETS = """\
networks:
  web: {type: linux-bridge, bridge: br-vm, vlan: 110, namespaces: [web]}
  other: {type: linux-bridge, bridge: br-vm, vlan: 120, namespaces: [web]}
"""


def site(body: str, nets: str = NETS) -> str:
    return HEAD + textwrap.indent(nets + textwrap.dedent(body), "  ")


def vms(*interfaces: str) -> str:
    """One VM per interface line, in namespace web."""
    out = ["vms:"]
    for n, iface in enumerate(interfaces):
        out += [f"  - name: vm-{n}", "    namespace: web", "    interfaces:", f"      - {iface}"]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------------------------------------ MAC-01


def test_mac_01_duplicate_on_one_segment_points_at_second_mac() -> None:
    text = site(vms('{name: a, network: web, mac: "02:a0:00:00:00:10"}',
                    '{name: b, network: web, mac: "02:A0:00:00:00:10"}'))
    found = findings_of("MAC-01", text)
    line = line_of(text, "name: b")
    assert [(f.span.line, f.span.column) for f in found] == [(line, text.splitlines()[line - 1].index('"02:A0') + 1)]
    assert "02:a0:00:00:00:10 of vm-1/b is already used by vm-0/a on the same layer-2 segment" in found[0].message
    assert found[0].related[0].span.line == line_of(text, "name: a")
    assert found[0].hint.startswith("remove")


def test_mac_01_across_segments_depends_on_scope() -> None:
    text = site(vms('{name: a, network: web, mac: "02:a0:00:00:00:10"}',
                    '{name: b, network: other, mac: "02:a0:00:00:00:10"}'))
    found = findings_of("MAC-01", text)
    assert len(found) == 1 and "KubeMacPool" in found[0].message
    parsed = parse(text)
    assert run("MAC-01", parsed, scope="l2") == []
    assert len(run("MAC-01", parsed, scope="cluster")) == 1
    assert "scope" in run("MAC-01", parsed, scope="rack")[0].message


def test_mac_01_group_with_fixed_mac_counts_up_so_no_duplicate() -> None:
    text = site("""\
        vms:
          - name: web-{01..03}
            namespace: web
            interfaces: [{name: a, network: web, mac: "02:a0:00:00:00:10"}]
        """)
    assert findings_of("MAC-01", text) == []


# ------------------------------------------------------------------------------------------------ MAC-02..05


def _vm_with(mac: str, binding: Binding = "bridge", network: str = "web") -> Site:
    iface = Interface(at(5), name="nic", network=network, binding=binding, mac=mac, spans={"mac": at(7)})
    return Site(S, networks=(Network(S, name="web", type="linux-bridge", bridge="br-vm", vlan=110),),
                vms=(Vm(S, name="vm", interfaces=(iface,)),))


def test_mac_02_malformed_mac_from_manifests() -> None:
    found = run("MAC-02", _vm_with("02:a0:00:00:10"))
    assert len(found) == 1 and found[0].span == at(7) and "'02:a0:00:00:10'" in found[0].message
    assert run("MAC-02", _vm_with("02:a0:00:00:00:10")) == []


@pytest.mark.parametrize(("mac", "word"), [("03:a0:00:00:00:10", "multicast"), ("ff:ff:ff:ff:ff:ff", "broadcast"),
                                           ("00:00:00:00:00:00", "all zeros")])
def test_mac_03_group_and_zero_macs(mac: str, word: str) -> None:
    text = site(vms(f'{{name: a, network: web, mac: "{mac}"}}'))
    found = findings_of("MAC-03", text)
    assert [f.span.line for f in found] == [line_of(text, mac)] and word in found[0].message


def test_mac_04_fe_prefix() -> None:
    text = site(vms('{name: a, network: web, mac: "fe:54:00:00:00:10"}'))
    assert [f.span.line for f in findings_of("MAC-04", text)] == [line_of(text, "fe:54")]
    assert findings_of("MAC-04", site(vms('{name: a, network: web, mac: "02:54:00:00:00:10"}'))) == []


def test_mac_05_reserved_bridge_mac_on_masquerade_only() -> None:
    text = site(vms('{name: default, network: pod, mac: "02:00:00:00:00:00"}'))
    found = findings_of("MAC-05", text)
    assert [f.span.line for f in found] == [line_of(text, "02:00:00:00:00:00")]
    assert run("MAC-05", _vm_with("02:00:00:00:00:00", binding="bridge")) == []


# ------------------------------------------------------------------------------------------------ MAC-06..07


def test_mac_06_vendor_oui_and_kubemacpool_range() -> None:
    kmp = 'kubeMacPool: {start: "02:5c:1e:00:00:00", end: "02:5c:1e:ff:ff:ff"}\n'
    text = site(kmp + vms('{name: a, network: web, mac: "00:50:56:00:00:10"}',
                          '{name: b, network: web, mac: "02:5c:1e:00:00:10"}',
                          '{name: c, network: web, mac: "02:a0:00:00:00:10"}'))
    found = findings_of("MAC-06", text)
    assert [f.span.line for f in found] == [line_of(text, "00:50:56"), line_of(text, "02:5c:1e:00:00:10")]
    assert "universally administered" in found[0].message and "KubeMacPool range" in found[1].message
    assert found[1].related[0].span.line == line_of(text, "kubeMacPool")


def test_mac_06_require_mac_pool_option() -> None:
    model = _vm_with("02:b0:00:00:00:10")
    model = Site(S, mac_pool=MacRange(S, start=0x02A000000000, end=0x02A000FFFFFF), networks=model.networks,
                 vms=model.vms)
    assert run("MAC-06", model) == []
    assert "outside kvnet's macPool" in run("MAC-06", model, require_mac_pool=True)[0].message


def test_mac_07_pools_overlap() -> None:
    text = site("""\
        macPool: {start: "02:5c:1e:00:00:00", end: "02:5c:1e:00:ff:ff"}
        kubeMacPool: {start: "02:5c:1e:00:00:00", end: "02:5c:1e:ff:ff:ff"}
        """)
    found = findings_of("MAC-07", text)
    assert [f.span.line for f in found] == [line_of(text, "macPool:")]
    assert "overlaps the KubeMacPool range 02:5c:1e:00:00:00–02:5c:1e:ff:ff:ff" in found[0].message
    assert found[0].related[0].span.line == line_of(text, "kubeMacPool:")


def test_mac_07_backwards_range_and_bad_first_octets() -> None:
    text = site("""\
        macPool: {start: "03:a0:00:00:00:00", end: "02:a0:00:ff:ff:ff"}
        kubeMacPool: {start: "12:5c:1e:00:00:00", end: "02:5c:1e:ff:ff:ff"}
        """)
    messages = [(f.span.line, f.message) for f in findings_of("MAC-07", text)]
    own, kmp = line_of(text, "macPool:"), line_of(text, "kubeMacPool:")
    assert (own, "kvnet's macPool start 03:a0:00:00:00:00 is not a locally administered unicast MAC") in messages
    assert (kmp, "KubeMacPool range starts at 12:5c:1e:00:00:00, not before its end 02:5c:1e:ff:ff:ff") in messages
    assert any(line == kmp and "first octet 12" in m for line, m in messages)


def test_mac_07_silent_on_disjoint_pools() -> None:
    text = site("""\
        macPool: {start: "02:a0:00:00:00:00", end: "02:a0:00:ff:ff:ff"}
        kubeMacPool: {start: "02:5c:1e:00:00:00", end: "02:5c:1e:ff:ff:ff"}
        """)
    assert findings_of("MAC-07", text) == []


# ------------------------------------------------------------------------------------------------ MAC-08..09


def _l2_vm(kind: str = "VirtualMachine", namespace: str = "web", origin: str = "manifest") -> Vm:
    iface = Interface(at(5), name="nic", network="web", spans={"network": at(6)})
    return Vm(S, name="vm", namespace=namespace, kind=kind, interfaces=(iface,), origin=origin)  # type: ignore[arg-type]


def _l2_site(vm: Vm, **extra: Any) -> Site:
    net = Network(S, name="web", type="linux-bridge", bridge="br-vm", namespaces=("web",), origin="manifest")
    return Site(S, networks=(net,), vms=(vm,), **extra)


def test_mac_08_bare_vmi_and_opted_out_namespace() -> None:
    found = run("MAC-08", _l2_site(_l2_vm(kind="VirtualMachineInstance")))
    assert len(found) == 1 and found[0].span == at(6) and "VirtualMachineInstance" in found[0].message
    opted = Namespace(S, name="web", labels={"mutatevirtualmachines.kubemacpool.io": "ignore"})
    assert "opts out" in run("MAC-08", _l2_site(_l2_vm(), namespaces=(opted,)))[0].message
    assert run("MAC-08", _l2_site(_l2_vm())) == []
    assert "not deployed" in run("MAC-08", _l2_site(_l2_vm()), kubemacpool=False)[0].message
    pinned = _l2_site(_l2_vm(kind="VirtualMachineInstance", origin="site"), mac_pool=MacRange(S, start=1, end=9))
    assert run("MAC-08", pinned) == []


def test_mac_09_spoofcheck_with_two_interfaces_on_one_network() -> None:
    text = site("""\
        vms:
          - name: db-1
            namespace: web
            interfaces:
              - {name: a, network: web}
              - {name: b, network: web}
        """, nets="networks:\n  web: {type: linux-bridge, bridge: br-vm, vlan: 110, macspoofchk: true}\n")
    found = findings_of("MAC-09", text)
    assert [f.span.line for f in found] == [line_of(text, "macspoofchk")]
    assert "db-1 attaches twice" in found[0].message and len(found[0].related) == 1


def test_mac_09_marker_annotation_and_sriov_defaults() -> None:
    net = Network(S, name="storage", type="sriov", pf="ens5f0", namespaces=("web",), spans={"trust": at(3)})
    iface = Interface(at(5), name="sto", network="storage", binding="sriov")
    vm = Vm(S, name="router", namespace="web", annotations={"kvnet.dev/guest-changes-mac": "vrrp"}, interfaces=(iface,))
    found = run("MAC-09", Site(S, networks=(net,), vms=(vm,)))
    assert len(found) == 1 and "marked" in found[0].message and found[0].span == at(3)
    trusted = Network(S, name="storage", type="sriov", pf="ens5f0", namespaces=("web",), trust=True)
    assert run("MAC-09", Site(S, networks=(trusted,), vms=(vm,))) == []


# ------------------------------------------------------------------------------------------------ scale and samples


@pytest.mark.slow
def test_mac_01_finds_exactly_the_planted_duplicates_among_100k_interfaces() -> None:
    nets = (Network(S, name="a", type="linux-bridge", bridge="br", vlan=10),
            Network(S, name="b", type="linux-bridge", bridge="br", vlan=20))
    planted: set[str] = set()
    machines = []
    for n in range(50_000):
        ifaces = []
        for k, net in enumerate(("a", "b")):
            value = 0x02A000000000 + 2 * n + k
            if n % 5_000 == 4_999 and k == 1:  # reuse the MAC of interface a of VM n-1 000
                value = 0x02A000000000 + 2 * (n - 1_000)
                planted.add(f"vm-{n}/{net}")
            mac = ":".join(f"{value:012x}"[i:i + 2] for i in range(0, 12, 2))
            ifaces.append(Interface(S, name=net, network=net, mac=mac))
        machines.append(Vm(S, name=f"vm-{n}", interfaces=tuple(ifaces)))
    model = Site(S, networks=nets, vms=tuple(machines))
    graph = SiteGraph(model)
    cluster = run("MAC-01", model, graph)
    assert {f.message.split(" of ")[1].split(" is")[0] for f in cluster} == planted
    assert all("another segment" in f.message for f in cluster)
    assert run("MAC-01", model, graph, scope="l2") == []  # the planted pairs sit on VLANs 10 and 20
    assert mac_to_int(machines[4_999].interfaces[1].mac or "") == mac_to_int(machines[3_999].interfaces[0].mac or "")


@pytest.mark.parametrize("sample", sorted((ROOT / "samples").glob("*/site.yaml")), ids=lambda p: p.parent.name)
def test_mac_rules_are_silent_on_samples(sample: Path) -> None:
    text = sample.read_text(encoding="utf-8")
    found = [f for f in check_text(text, str(sample)) if f.rule_id.startswith("MAC-")]
    assert found == []
