"""kvnet graph: the drawing of a hand-built site in Mermaid, DOT and JSON."""

from __future__ import annotations

import ipaddress
import json
import re

import pytest

from kvnet.graph import SiteGraph
from kvnet.graph_export import build_drawing, export_graph
from kvnet.model import (
    AddressPool,
    AddressRange,
    Bond,
    Bridge,
    Interface,
    Network,
    Nic,
    Node,
    NodeGroup,
    OvnBridgeMapping,
    Service,
    ServicePort,
    Site,
    VlanRange,
    Vm,
)
from kvnet.span import Span

S = Span("site.yaml", 1, 1)


def _site() -> Site:
    group = NodeGroup(
        S, name="workers",
        nics=(Nic(S, name="eno1", role="primary"), Nic(S, name="ens3f0", mtu=9000), Nic(S, name="ens3f1", mtu=9000)),
        bonds=(Bond(S, name="bond1", mode="802.3ad", ports=("ens3f0", "ens3f1"), mtu=9000),),
        bridges=(Bridge(S, name="br-vm", port="bond1", vlans=(VlanRange(S, low=100, high=299),), mtu=9000),
                 Bridge(S, name="br-lost", port="ens9")),
        ovn_bridge_mappings=(OvnBridgeMapping(S, localnet="physnet", bridge="br-ex"),),
    )
    web = Network(S, name="prod-web", type="linux-bridge", bridge="br-vm", vlan=110, namespaces=("web",),
                  subnets=(ipaddress.ip_network("10.110.0.0/24"),))
    local = Network(S, name="prod-local", type="ovn-localnet", physical_network="physnet", vlan=300,
                    namespaces=("web",))
    group_vms = [
        Vm(S, name=f"web-0{i}", namespace="web", labels={"app": "web"}, group="web-{01..03}",
           interfaces=(Interface(S, name="default", network="pod", binding="masquerade"),
                       Interface(S, name="prod", network="prod-web")))
        for i in (1, 2, 3)
    ]
    db = Vm(S, name="db-1", namespace="web", interfaces=(Interface(S, name="x", network="nowhere"),
                                                        Interface(S, name="l", network="prod-local")))
    vms = (*group_vms, db)
    svc = Service(S, name="web-https", namespace="web", type="LoadBalancer", selector={"app": "web"},
                  ports=(ServicePort(S, port=443),), pool="public")
    pool = AddressPool(S, name="public", ranges=(AddressRange(S, start=ipaddress.ip_address("203.0.113.10"),
                                                              end=ipaddress.ip_address("203.0.113.50")),))
    nodes = tuple(Node(S, name=f"worker-{i}", group="workers") for i in range(3))
    return Site(S, name="dc1 \"prod\"", node_groups=(group,), nodes=nodes, networks=(web, local), vms=vms,
                services=(svc,), pools=(pool,))


@pytest.fixture
def graph() -> SiteGraph:
    return SiteGraph(_site())


def _edges(graph: SiteGraph, expand: bool = False) -> set[tuple[str, str, str]]:
    data = json.loads(export_graph(graph, "json", expand=expand))
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    return {(labels[e["from"]], labels[e["to"]], e["label"]) for e in data["edges"]}


def test_data_path_from_nics_to_vms(graph: SiteGraph) -> None:
    edges = _edges(graph)
    assert ("workers", "ens3f0", "") in edges
    assert ("ens3f0", "bond1", "") in edges and ("ens3f1", "bond1", "") in edges
    assert ("bond1", "br-vm", "") in edges
    assert ("br-vm", "prod-web", "") in edges
    assert ("prod-web", "web/web-{01..03}", "prod") in edges  # the VM group as one box
    assert ("pod network", "web/web-{01..03}", "default") in edges
    assert ("workers", "prod-local", "br-ex") in edges  # localnet through the OVS bridge mapping
    assert ("web/web-https", "web/web-{01..03}", "") in edges
    assert ("public", "web/web-https", "") in edges


def test_dangling_references_are_drawn_as_missing(graph: SiteGraph) -> None:
    data = json.loads(export_graph(graph, "json"))
    missing = {n["label"]: n["kind"] for n in data["nodes"] if n["kind"].startswith("unknown")}
    assert missing == {"? nowhere": "unknown-network", "? ens9": "unknown-port"}
    assert ("workers", "? ens9", "") in _edges(graph)


def test_group_counts_and_expansion(graph: SiteGraph) -> None:
    collapsed = json.loads(export_graph(graph, "json"))
    group_box = next(n for n in collapsed["nodes"] if n["label"] == "web/web-{01..03}")
    assert group_box["facts"] == {"vms": "3"}
    assert next(n for n in collapsed["nodes"] if n["label"] == "workers")["facts"] == {"nodes": "3"}
    expanded = _edges(graph, expand=True)
    assert {("prod-web", f"web/web-0{i}", "prod") for i in (1, 2, 3)} <= expanded
    assert not any("{01..03}" in e[1] for e in expanded)


def test_mermaid_is_well_formed(graph: SiteGraph) -> None:
    text = export_graph(graph, "mermaid")
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    declared = {m.group(1) for m in (re.match(r"  (\w+)[\[\(\{]", ln) for ln in lines) if m}
    edges = [re.match(r"  (\w+) -->(?:\|\"[^\"]*\"\|)? (\w+)$", ln) for ln in lines if "-->" in ln]
    assert edges and all(edges), "every edge line has the id --> id form"
    assert all(e.group(1) in declared and e.group(2) in declared for e in edges if e)
    assert '#quot;prod#quot;' in text  # quotes in names cannot break the label
    assert "end" not in declared  # Mermaid's reserved word never becomes an id
    assert "classDef missing" in text


def test_dot_is_well_formed(graph: SiteGraph) -> None:
    text = export_graph(graph, "dot")
    assert text.startswith('digraph "kvnet site dc1 \\"prod\\"" {') and text.rstrip().endswith("}")
    declared = set(re.findall(r"^  (\w+) \[label=", text, re.M))
    for source, target in re.findall(r"^  (\w+) -> (\w+)", text, re.M):
        assert source in declared and target in declared


def test_output_is_deterministic_whatever_the_input_order() -> None:
    site = _site()
    from dataclasses import replace

    shuffled = replace(site, vms=tuple(reversed(site.vms)), networks=tuple(reversed(site.networks)))
    for fmt in ("mermaid", "dot", "json"):
        assert export_graph(SiteGraph(site), fmt) == export_graph(SiteGraph(shuffled), fmt)


def test_ids_stay_unique_when_names_sanitize_alike() -> None:
    nets = (Network(S, name="a-b", type="ovn-layer2"), Network(S, name="a_b", type="ovn-layer2"))
    drawing = build_drawing(SiteGraph(Site(S, name="x", networks=nets)))
    data = json.loads(export_graph(SiteGraph(Site(S, name="x", networks=nets)), "json"))
    assert len(drawing.boxes) == 2
    assert len({n["id"] for n in data["nodes"]}) == 2


def test_unknown_format_is_refused(graph: SiteGraph) -> None:
    with pytest.raises(ValueError, match="unknown graph format"):
        export_graph(graph, "png")
