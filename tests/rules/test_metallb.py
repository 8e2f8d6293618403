"""MetalLB rules: each fires on a minimal bad site at the offending value, and stays silent on good input."""

from __future__ import annotations

import ipaddress
import textwrap
from pathlib import Path

import pytest
from rulekit import S, check_text, findings_of, line_of, run

from kvnet.model import AddressPool, AddressRange, Advertisement, Site
from kvnet.span import Span

ROOT = Path(__file__).resolve().parents[2]
HEAD = """\
apiVersion: kvnet.dev/v1alpha1
kind: Site
metadata: {name: t}
spec:
  cluster: {name: t, machineNetwork: [192.168.50.0/24]}
  nodeGroups:
    workers:
      nics: {eno1: {role: primary}, eno2: {}}
      bridges:
        br-vm: {port: eno2, vlans: ["100-299"]}
  nodes:
    - {name: worker-0, group: workers, ip: 192.168.50.11}
    - {name: worker-1, group: workers, ip: 192.168.50.12}
"""


def site(body: str) -> str:
    return HEAD + textwrap.indent(textwrap.dedent(body), "  ")


def column_of(text: str, line: int, needle: str) -> int:
    return text.splitlines()[line - 1].index(needle) + 1


def test_lb_01_overlapping_pools_point_at_the_later_range() -> None:
    text = site("""\
        loadBalancer:
          pools:
            public: {addresses: ["203.0.113.10-203.0.113.50"]}
            partners: {addresses: ["203.0.113.64/28", "203.0.113.48/28"]}
            lonely: {addresses: ["198.51.100.0/28", "198.51.100.8/29"]}
        """)
    found = findings_of("LB-01", text)
    assert [(f.span.line, f.span.column) for f in found] == [
        (line_of(text, "partners"), column_of(text, line_of(text, "partners"), '"203.0.113.48/28"')),
        (line_of(text, "lonely"), column_of(text, line_of(text, "lonely"), '"198.51.100.8/29"')),
    ]
    assert found[0].message == ("range 203.0.113.48–203.0.113.63 of pool partners overlaps "
                                "203.0.113.10–203.0.113.50 of pool public")
    assert "another range of the same pool" in found[1].message
    assert found[0].related[0].span.line == line_of(text, "public:")


def test_lb_01_the_same_pool_read_twice_is_not_an_overlap() -> None:
    rng = AddressRange(S, start=ipaddress.IPv4Address("203.0.113.10"), end=ipaddress.IPv4Address("203.0.113.50"))
    copies = tuple(AddressPool(Span(f"{n}.yaml", 1, 1), name="public", ranges=(rng,), origin="manifest") for n in "ab")
    other = AddressPool(Span("c.yaml", 1, 1), name="other", ranges=(rng,), origin="manifest")
    assert run("LB-01", Site(S, pools=copies)) == []
    assert [p.message for p in run("LB-01", Site(S, pools=(*copies, other)))] == [
        "range 203.0.113.10–203.0.113.50 of pool other overlaps 203.0.113.10–203.0.113.50 of pool public"]


def test_lb_02_pool_over_node_addresses_vm_subnets_and_services() -> None:
    text = site("""\
        networks:
          web: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24}
        loadBalancer:
          pools:
            nodes: {addresses: ["192.168.50.10-192.168.50.20"]}
            vmnet: {addresses: ["10.110.0.200-10.110.0.210"]}
            services: {addresses: ["172.30.9.0/28"]}
            ok: {addresses: ["192.168.50.200-192.168.50.220"]}
        """)
    found = findings_of("LB-02", text)
    assert [(f.span.line, f.message.split(" overlaps the ")[1]) for f in found] == [
        (line_of(text, "nodes: {"), "node worker-0"),
        (line_of(text, "nodes: {"), "node worker-1"),
        (line_of(text, "vmnet:"), "subnet 10.110.0.0/24 of network web"),
        (line_of(text, "services:"), "service network 172.30.0.0/16"),
    ]
    assert found[0].related[0].span.line == line_of(text, "name: worker-0")


def test_lb_03_pool_without_advertisement() -> None:
    text = site("""\
        loadBalancer:
          pools:
            public: {addresses: ["203.0.113.10-203.0.113.50"], advertise: []}
            announced: {addresses: ["203.0.113.60-203.0.113.70"]}
        """)
    found = findings_of("LB-03", text)
    assert [f.span.line for f in found] == [line_of(text, "public:")]
    assert found[0].span.column == column_of(text, found[0].span.line, "[]}")


def test_lb_03_manifest_advertisements_by_name_all_pools_and_typo() -> None:
    rng = AddressRange(S, start=ipaddress.IPv4Address("203.0.113.10"), end=ipaddress.IPv4Address("203.0.113.50"))
    public = AddressPool(Span("p.yaml", 3, 1), name="public", ranges=(rng,), origin="manifest")
    typo = Advertisement(S, name="l2", pools=("publc",), origin="manifest", spans={"pools": Span("a.yaml", 7, 5)})
    found = run("LB-03", Site(S, pools=(public,), advertisements=(typo,)))
    assert len(found) == 1 and found[0].span == public.span
    assert found[0].related[0].message == "L2Advertisement l2 names 'publc', no such pool"
    every = Advertisement(S, name="all", origin="manifest")
    assert run("LB-03", Site(S, pools=(public,), advertisements=(typo, every))) == []
    named = Advertisement(S, name="l2", pools=("public",), origin="manifest")
    assert run("LB-03", Site(S, pools=(public,), advertisements=(named,))) == []
    assert run("LB-03", Site(S, pools=(public,))) == []  # no advertisement in these manifests: kept elsewhere


def test_lb_04_requested_pools_and_addresses() -> None:
    text = site("""\
        loadBalancer:
          pools:
            public: {addresses: ["203.0.113.10-203.0.113.50"]}
            tiny: {addresses: ["203.0.113.60/32"], autoAssign: false}
        vms:
          - name: a
            namespace: web
            expose: [{name: https, port: 443, type: LoadBalancer, pool: publik}]
          - name: b
            namespace: web
            expose: [{name: https, port: 443, type: LoadBalancer, ip: 198.51.100.7}]
          - name: c
            namespace: web
            expose: [{name: https, port: 443, type: LoadBalancer, pool: tiny, ip: 203.0.113.20}]
          - name: d
            namespace: web
            expose: [{name: https, port: 443, type: LoadBalancer, pool: public, ip: 203.0.113.20}]
          - name: e
            namespace: web
            expose: [{name: https, port: 443, type: LoadBalancer, pool: tiny}]
        """)
    found = findings_of("LB-04", text)
    got = [(f.span.line, f.message) for f in found]
    assert (line_of(text, "publik"), "Service web/a-https asks for pool 'publik', which does not exist (MetalLB "
            "then picks another pool)") in [(line, m) for line, m in got]
    assert any(line == line_of(text, "198.51.100.7") and "in no MetalLB pool" in m for line, m in got)
    assert any(line == line_of(text, "pool: tiny, ip") and "but it belongs to pool public" in m for line, m in got)
    dup = next(f for f in found if "already requested" in f.message)
    assert dup.span.line == line_of(text, "pool: public, ip")
    assert dup.related[0].span.line == line_of(text, "pool: tiny, ip")
    full = next(f for f in found if "holds 1 address(es) but 2 Services" in f.message)
    assert full.span.line == line_of(text, "tiny:")
    assert len(found) == 5


@pytest.mark.parametrize("sample", sorted((ROOT / "samples").glob("*/site.yaml")), ids=lambda p: p.parent.name)
def test_metallb_rules_are_silent_on_samples(sample: Path) -> None:
    found = [f for f in check_text(sample.read_text(encoding="utf-8"), str(sample)) if f.rule_id.startswith("LB-")]
    assert found == []
