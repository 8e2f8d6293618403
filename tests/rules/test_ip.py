"""IP rules: each fires on a minimal bad site at the offending value, and stays silent on good input."""

from __future__ import annotations

import ipaddress
import random
import textwrap
from pathlib import Path

import pytest
from rulekit import S, at, check_text, findings_of, line_of, parse, run

from kvnet.findings import Finding
from kvnet.model import Interface, Network, Site, Vm
from kvnet.rules.intervals import Interval, overlaps, overlaps_between

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
        br-local: {}
  nodes:
    - {name: worker-0, group: workers, ip: 192.168.50.11}
    - {name: worker-1, group: workers, ip: 192.168.50.12}
"""


def site(body: str, more: str = "") -> str:
    return HEAD + textwrap.indent(textwrap.dedent(body) + more, "  ")


def one_vm(*interfaces: str) -> str:
    return "vms:\n  - name: vm-1\n    namespace: web\n    interfaces:\n" + "".join(f"      - {i}\n" for i in interfaces)


# ------------------------------------------------------------------------------------------------ IP-01..03


def test_ip_01_host_local_on_a_bridge_with_uplink_on_two_nodes() -> None:
    text = site("""\
        networks:
          shared: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, ipam: host-local}
          local: {type: linux-bridge, bridge: br-local, subnet: 10.111.0.0/24, ipam: host-local}
          fine: {type: linux-bridge, bridge: br-vm, vlan: 120, subnet: 10.120.0.0/24, ipam: whereabouts}
        """)
    found = findings_of("IP-01", text)
    assert [f.span.line for f in found] == [line_of(text, "shared:")]
    assert (found[0].span.column, found[0].hint.split(",")[0]) == (
        text.splitlines()[found[0].span.line - 1].index("host-local") + 1, "use whereabouts")
    one_node = parse(text.replace("    - {name: worker-1, group: workers, ip: 192.168.50.12}\n", ""))
    assert run("IP-01", one_node) == []
    ptp = Network(S, name="p", type="other", cni_type="ptp", ipam="host-local")
    ipvlan = Network(S, name="i", type="other", cni_type="ipvlan", ipam="host-local")
    assert [p.message.split(" uses")[0] for p in run("IP-01", Site(S, networks=(ptp, ipvlan)))] == ["network i"]


def test_ip_02_pools_of_different_allocators_overlap_on_one_segment() -> None:
    text = site("""\
        networks:
          web-a: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, ipam: whereabouts}
          web-b:
            type: linux-bridge
            bridge: br-vm
            vlan: 110
            subnet: 10.110.0.0/24
            ipam: host-local
            ranges: ["10.110.0.100-10.110.0.150"]
          web-c: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, ipam: whereabouts}
          apart: {type: linux-bridge, bridge: br-vm, vlan: 120, subnet: 10.110.0.0/24, ipam: host-local}
        """)
    found = findings_of("IP-02", text)
    assert [f.span.line for f in found] == [line_of(text, '"10.110.0.100-10.110.0.150"')]
    assert "host-local pool 10.110.0.100–10.110.0.150 of network web-b overlaps the whereabouts pool" \
        in found[0].message
    assert found[0].related[0].span.line in (line_of(text, "web-a:"), line_of(text, "web-c:"))


def test_ip_03_gateway_inside_a_whereabouts_range() -> None:
    text = site("""\
        networks:
          migration:
            type: linux-bridge
            bridge: br-vm
            vlan: 250
            subnet: 10.250.0.0/24
            gateway: 10.250.0.1
            ipam: whereabouts
            ranges: ["10.250.0.0/24"]
          defaulted: {type: linux-bridge, bridge: br-vm, vlan: 251, subnet: 10.251.0.0/24, gateway: 10.251.0.1,
                      ipam: whereabouts}
        """)
    found = findings_of("IP-03", text)
    assert [f.message for f in found] == ["pool 10.250.0.0–10.250.0.255 of network migration includes the gateway "
                                          "10.250.0.1"]
    assert found[0].span.line == line_of(text, '"10.250.0.0/24"')
    model = parse(text)
    infra = run("IP-03", model, infra=["10.251.0.9"])
    assert any("infrastructure address 10.251.0.9" in p.message for p in infra)
    assert "option 'infra'" in run("IP-03", model, infra=["router"])[0].message


def test_ip_03_network_and_broadcast_for_allocators_that_do_not_skip_them() -> None:
    from kvnet.model import AddressRange

    pool = AddressRange(at(3), start=ipaddress.IPv4Address("10.9.0.0"), end=ipaddress.IPv4Address("10.9.0.255"))
    net = Network(S, name="x", type="linux-bridge", ipam="other", subnets=(ipaddress.IPv4Network("10.9.0.0/24"),),
                  dynamic_ranges=(pool,))
    messages = [p.message for p in run("IP-03", Site(S, networks=(net,)))]
    assert messages == ["pool 10.9.0.0–10.9.0.255 of network x includes the network address 10.9.0.0",
                        "pool 10.9.0.0–10.9.0.255 of network x includes the broadcast address 10.9.0.255"]


# ------------------------------------------------------------------------------------------------ IP-04, IP-05


def test_ip_04_gateway_range_and_addresses_outside_the_subnet() -> None:
    text = site("""\
        networks:
          web:
            type: linux-bridge
            bridge: br-vm
            vlan: 110
            subnet: 10.110.0.0/24
            gateway: 10.111.0.1
            ipam: whereabouts
            ranges: ["10.110.0.200-10.110.1.10"]
        """, one_vm("{name: a, network: web, ip: 10.112.0.5/24}", "{name: b, network: web, ip: 10.110.0.6/16}"))
    found = findings_of("IP-04", text)
    assert [f.span.line for f in found] == [line_of(text, "gateway:"), line_of(text, "ranges:"),
                                            line_of(text, "10.112.0.5"), line_of(text, "10.110.0.6/16")]
    assert found[3].hint == "write it as 10.110.0.6/24"


FAST_IPAM_NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: fast, namespace: vms}
spec:
  config: |
    {"cniVersion": "0.3.1", "name": "fast", "type": "macvlan", "master": "eth0",
     "ipam": {"type": "whereabouts",
              "range": "RANGE",
              "node_slice_size": "SLICE"}}
"""


def _node_slice(range_: str, slice_: str) -> list[Finding]:
    text = FAST_IPAM_NAD.replace("RANGE", range_).replace("SLICE", slice_)
    return [f for f in check_text(text, "nad.yaml") if f.rule_id == "IP-04"]


def test_ip_04_node_slice_larger_than_the_range() -> None:
    (found,) = _node_slice("192.168.2.0/24", "/22")
    assert found.span.line == line_of(FAST_IPAM_NAD, "node_slice_size")  # inside spec.config, not at config:
    assert "/22" in found.message and "192.168.2.0/24" in found.message
    assert "/24 or longer" in found.hint
    assert found.related and found.related[0].span.line == line_of(FAST_IPAM_NAD, '"range"')
    assert _node_slice("192.168.2.0/24", "/26") == [] and _node_slice("192.168.2.0/24", "24") == []
    assert _node_slice("10.0.0.0/8", "/24") == []
    assert len(_node_slice("fd00::/64", "/48")) == 1 and _node_slice("fd00::/64", "/80") == []


def test_ip_04_node_slice_that_is_not_a_prefix_length() -> None:
    for written in ("/33", "big", "/-2"):
        (found,) = _node_slice("192.168.2.0/24", written)
        assert "is not a prefix length" in found.message, written


def test_ip_05_static_duplicates_reserved_and_pooled_addresses() -> None:
    text = site("""\
        networks:
          web: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, gateway: 10.110.0.1}
          pool: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.110.0.0/24, ipam: whereabouts,
                 ranges: ["10.110.0.100-10.110.0.199"]}
          other: {type: linux-bridge, bridge: br-vm, vlan: 120, subnet: 10.110.0.0/24}
        vms:
          - name: a
            namespace: web
            interfaces:
              - {name: n1, network: web, ip: 10.110.0.50}
              - {name: n2, network: other, ip: 10.110.0.50}
          - name: b
            namespace: web
            interfaces:
              - {name: n1, network: web, ip: 10.110.0.50}
              - {name: n2, network: web, ip: 10.110.0.1}
              - {name: n3, network: web, ip: 10.110.0.150}
        """)
    found = findings_of("IP-05", text)
    lines = text.splitlines()
    dup, gw, pooled = (next(f for f in found if word in f.message) for word in ("already", "gateway", "pool"))
    assert "10.110.0.50 of b/n1 is already used by a/n1" in dup.message and "10.110.0.50" in lines[dup.span.line - 1]
    assert "b/n1" in lines[dup.span.line - 1] or "n1" in lines[dup.span.line - 1]
    assert dup.related[0].span.line < dup.span.line
    assert gw.span.line == line_of(text, "ip: 10.110.0.1}")
    assert pooled.span.line == line_of(text, "10.110.0.150")
    assert len(found) == 3  # a/n2 reuses .50 on another VLAN: a different segment under the default scope
    assert len(run("IP-05", parse(text), scope="cluster")) == 4  # and a/n2 joins in


def test_ip_05_static_ipam_network_shared_by_two_vms() -> None:
    net = Network(S, name="fixed", type="linux-bridge", bridge="br", namespaces=("web",), origin="manifest",
                  ipam="static", static_addresses=(ipaddress.IPv4Interface("10.5.0.5/24"),),
                  spans={"static_addresses": at(7)})
    machines = tuple(Vm(S, name=f"vm-{n}", namespace="web", interfaces=(Interface(S, name="n", network="fixed"),))
                     for n in range(2))
    found = run("IP-05", Site(S, networks=(net,), vms=machines))
    assert len(found) == 1 and found[0].span == at(7) and "each of 2 interfaces" in found[0].message


@pytest.mark.slow
def test_ip_05_finds_exactly_the_planted_duplicates_among_100k_static_addresses() -> None:
    nets = (Network(S, name="big", type="linux-bridge", bridge="br", vlan=10,
                    subnets=(ipaddress.IPv4Network("10.0.0.0/8"),)),)
    base = int(ipaddress.IPv4Address("10.0.0.10"))
    planted: set[str] = set()
    machines = []
    for n in range(100_000):
        value = base + n
        if n % 10_000 == 9_999:
            value = base + n - 5_000
            planted.add(f"vm-{n}/n")
        ip = ipaddress.IPv4Interface((value, 8))
        machines.append(Vm(S, name=f"vm-{n}", interfaces=(Interface(S, name="n", network="big", ips=(ip,)),)))
    model = Site(S, networks=nets, vms=tuple(machines))
    found = run("IP-05", model)
    assert {p.message.split(" of ")[1].split(" is")[0] for p in found} == planted
    assert all("already used by" in p.message for p in found)


# ------------------------------------------------------------------------------------------------ IP-06..09


def test_ip_06_subnets_inside_cluster_internal_ranges() -> None:
    text = site("""\
        networks:
          joined: {type: ovn-layer2, subnet: 100.64.10.0/24}
          service: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 172.30.5.0/24}
          fine: {type: linux-bridge, bridge: br-vm, vlan: 120, subnet: 10.120.0.0/24}
        """)
    found = findings_of("IP-06", text)
    assert [(f.span.line, f.message) for f in found] == [
        (line_of(text, "joined:"),
         "subnet 100.64.10.0/24 of network joined overlaps the OVN join subnet 100.64.0.0/16"),
        (line_of(text, "service:"),
         "subnet 172.30.5.0/24 of network service overlaps the service network 172.30.0.0/16"),
    ]
    model = parse(text)
    assert len(run("IP-06", model, reserved=["10.120.0.0/16"])) == 3
    no_facts = Site(S, networks=model.networks)  # manifests without cluster facts: only OVN-K's own defaults
    assert [p.message.split(" overlaps the ")[1] for p in run("IP-06", no_facts)] == [
        "OVN join subnet (OVN-Kubernetes default) 100.64.0.0/16"]
    assert "option 'reserved'" in run("IP-06", model, reserved=["nope"])[0].message


def test_ip_06_masquerade_guest_network_only_for_vms_using_masquerade() -> None:
    text = site("""\
        networks:
          lab: {type: linux-bridge, bridge: br-vm, vlan: 110, subnet: 10.0.2.0/24}
        """, one_vm("{name: default, network: pod}", "{name: lab, network: lab}"))
    found = findings_of("IP-06", text)
    assert len(found) == 1 and "KubeVirt masquerade guest network 10.0.2.0/24" in found[0].message
    assert findings_of("IP-06", text.replace("      - {name: default, network: pod}\n", "")) == []


def test_ip_07_exclude_subnets_without_prefix() -> None:
    text = site("""\
        networks:
          l2:
            type: ovn-layer2
            subnet: 10.200.0.0/16
            excludeSubnets: [10.200.0.0/30, 10.200.0.5, "fd00::5"]
        """)
    found = findings_of("IP-07", text)
    assert [f.hint for f in found] == ["write it as a CIDR, such as 10.200.0.5/32",
                                      "write it as a CIDR, such as fd00::5/128"]
    line = text.splitlines()[found[0].span.line - 1]
    assert found[0].span.line == line_of(text, "excludeSubnets")
    assert line[found[0].span.column - 1:].startswith("10.200.0.5")


def test_ip_08_and_ip_09_vms_on_per_pod_ipam() -> None:
    text = site("""\
        networks:
          app: {type: linux-bridge, bridge: br-vm, vlan: 120, subnet: 10.120.0.0/24, ipam: whereabouts}
          idle: {type: linux-bridge, bridge: br-vm, vlan: 121, subnet: 10.121.0.0/24, ipam: whereabouts}
          static: {type: linux-bridge, bridge: br-vm, vlan: 122, subnet: 10.122.0.0/24, ipam: static}
        """, one_vm("{name: app, network: app}", "{name: st, network: static}"))
    for rule_id in ("IP-08", "IP-09"):
        found = findings_of(rule_id, text)
        assert [f.span.line for f in found] == [line_of(text, "app: {")], rule_id
        assert "vm-1/app" in found[0].message and found[0].related[0].span.line == line_of(text, "network: app}")


def test_ip_09_static_ipam_of_a_manifest_counts_as_cni_ipam() -> None:
    net = Network(S, name="fixed", type="linux-bridge", namespaces=("web",), origin="manifest", ipam="static")
    vm = Vm(S, name="vm", namespace="web", interfaces=(Interface(S, name="n", network="fixed", binding="bridge"),))
    assert len(run("IP-09", Site(S, networks=(net,), vms=(vm,)))) == 1
    sriov = Network(S, name="fixed", type="sriov", namespaces=("web",), origin="manifest", ipam="whereabouts")
    assert run("IP-09", Site(S, networks=(sriov,), vms=(vm,))) == []  # SRIOV-04's case


@pytest.mark.parametrize("sample", sorted((ROOT / "samples").glob("*/site.yaml")), ids=lambda p: p.parent.name)
def test_ip_rules_are_silent_on_samples(sample: Path) -> None:
    found = [f for f in check_text(sample.read_text(encoding="utf-8"), str(sample)) if f.rule_id.startswith("IP-")]
    assert found == []


# ------------------------------------------------------------------------------------------------ the sweep


@pytest.mark.parametrize("seed", range(40))
def test_sweep_finds_every_interval_that_overlaps_another_group(seed: int) -> None:
    rng = random.Random(seed)
    items = []
    for n in range(rng.randint(2, 30)):
        low = rng.randint(0, 200)
        items.append(Interval(low, low + rng.randint(0, 30), (rng.randint(0, 3), n)))
    pairs = list(overlaps(items, group=lambda owner: owner[0]))
    for a, b in pairs:  # every reported pair overlaps and crosses groups
        assert a.low <= b.high and b.low <= a.high and a.owner[0] != b.owner[0]
    later = {id(b) for _, b in pairs}
    order = sorted(items, key=lambda iv: (iv.low, iv.high))  # the sweep's order (stable for equal keys)
    for k, x in enumerate(order):
        if any(y.owner[0] != x.owner[0] and y.high >= x.low for y in order[:k]):
            assert id(x) in later, (x, items)


@pytest.mark.parametrize("seed", range(20))
def test_sweep_between_two_sets(seed: int) -> None:
    rng = random.Random(seed)
    left = [Interval(lo, lo + rng.randint(0, 20), f"L{n}") for n, lo in enumerate(rng.sample(range(300), 15))]
    right = [Interval(p, p, f"R{n}") for n, p in enumerate(rng.sample(range(300), 40))]
    pairs = list(overlaps_between(left, right))
    assert all(a.owner.startswith("L") and b.owner.startswith("R") and a.low <= b.low <= a.high for a, b in pairs)
    assert len(pairs) == len({b.owner for _, b in pairs})
    hit = {b.owner for _, b in pairs}
    assert hit == {r.owner for r in right if any(a.low <= r.low <= a.high for a in left)}


SRIOV_HOST_LOCAL_NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: sriov-net
  namespace: vms
  annotations: {k8s.v1.cni.cncf.io/resourceName: openshift.io/sriov_nic}
spec:
  config: '{"cniVersion": "0.3.1", "name": "sriov-net", "type": "sriov", "vlan": 100,
    "ipam": {"type": "host-local", "subnet": "10.56.217.0/24"}}'
"""

VM_ON_SRIOV_NET = """\
---
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: vm-1, namespace: vms}
spec:
  runStrategy: Always
  template:
    spec:
      domain:
        devices:
          interfaces:
            - {name: default, masquerade: {}}
            - {name: fast, sriov: {}}
      networks:
        - {name: default, pod: {}}
        - {name: fast, multus: {networkName: sriov-net}}
"""


def test_ip_01_on_manifests_fires_only_where_a_vm_uses_the_nad() -> None:
    def ip01(text: str) -> list[Finding]:
        return [f for f in check_text(text, "nad.yaml") if f.rule_id == "IP-01"]

    assert ip01(SRIOV_HOST_LOCAL_NAD) == []
    found = ip01(SRIOV_HOST_LOCAL_NAD + VM_ON_SRIOV_NET)
    assert len(found) == 1
    assert "host-local" in found[0].message
