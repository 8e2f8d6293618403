"""kvnet graph: the drawing of a hand-built site in Mermaid, DOT and JSON."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

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


# ------------------------------------------------------------------------------------------ oracle: mermaid


MERMAID_PACKAGES = ("mermaid@11", "jsdom@24")


def _mermaid_modules() -> Path:
    """node_modules with mermaid and jsdom, installed once into a user cache (npm registry)."""
    import os
    import subprocess

    from toolcheck import require_tool

    require_tool("node", "apt-get install nodejs")
    npm = require_tool("npm", "apt-get install npm")
    prefix = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kvnet-tests" / "mermaid-11"
    modules = prefix / "node_modules"
    if not (modules / "mermaid").is_dir() or not (modules / "jsdom").is_dir():
        prefix.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(prefix),
                               *MERMAID_PACKAGES], capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            message = f"npm install {' '.join(MERMAID_PACKAGES)} failed: {done.stderr[-500:]}"
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(message)
            pytest.skip(message)
    return modules


@pytest.mark.tool
@pytest.mark.slow
def test_real_mermaid_parses_the_drawings(tmp_path: Path, graph: SiteGraph) -> None:
    import os
    import subprocess

    from integration_support import REPO
    from kvnet.load import load_file
    from kvnet.site import read_site
    from toolcheck import require_tool

    modules = _mermaid_modules()
    files = {"hand-built": export_graph(graph, "mermaid"), "expanded": export_graph(graph, "mermaid", expand=True)}
    for sample in ("minimal", "full"):
        site = read_site(load_file(REPO / "samples" / sample / "site.yaml").documents[0])
        files[sample] = export_graph(SiteGraph(site), "mermaid")
    files["broken-on-purpose"] = 'flowchart LR\n  a["x"] -->|"y| b\n'  # proves the oracle can say no
    paths = []
    for name, text in files.items():
        path = tmp_path / f"{name}.mmd"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    node = require_tool("node")
    done = subprocess.run([node, str(Path(__file__).with_name("mermaid_parse.mjs")), *paths],
                          env={**os.environ, "KVNET_MERMAID_MODULES": str(modules)},
                          capture_output=True, text=True, timeout=300, check=False)
    verdicts: dict[str, str] = {}  # file → OK | FAIL
    for line in done.stdout.splitlines():
        verdict, _, rest = line.partition(" ")
        if verdict in ("OK", "FAIL"):  # other lines continue a parse error's message
            verdicts[rest.split(" ", 1)[0]] = verdict
    assert verdicts.pop(str(tmp_path / "broken-on-purpose.mmd")) == "FAIL", done.stdout + done.stderr
    assert set(verdicts.values()) == {"OK"}, done.stdout + done.stderr
    assert len(verdicts) == len(files) - 1


# ------------------------------------------------------------------------------------------ the command


def test_graph_command_draws_a_site_and_its_compiled_manifests(tmp_path: Path) -> None:
    from integration_support import MINIMAL_SITE, run_kvnet

    site = run_kvnet(["graph", str(MINIMAL_SITE), "--format", "json"], cwd=tmp_path)
    assert site.returncode == 0, site.stderr
    data = json.loads(site.stdout)
    assert data["site"] == "lab"
    labels = {n["id"]: n["label"] for n in data["nodes"]}
    edges = {(labels[e["from"]], labels[e["to"]], e["label"]) for e in data["edges"]}
    assert ("br-vm", "lab-net", "") in edges and ("lab-net", "lab/app-1", "lab") in edges
    compiled = run_kvnet(["compile", str(MINIMAL_SITE), "-o", "out", "--summary", "none"], cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stderr
    manifests = run_kvnet(["graph", "out", "--format", "dot", "-o", "out.dot"], cwd=tmp_path)
    assert manifests.returncode == 0 and manifests.stdout == "", manifests.stderr
    dot = (tmp_path / "out.dot").read_text(encoding="utf-8")
    assert dot.startswith("digraph") and "lab-net" in dot and "lab/app-2" in dot


def test_graph_command_draws_a_site_with_conflicts_but_not_an_unusable_one(tmp_path: Path) -> None:
    from integration_support import duplicate_ip_site_text, good_site_text, line_of, run_kvnet

    (tmp_path / "conflict.yaml").write_text(duplicate_ip_site_text(), encoding="utf-8")
    drawn = run_kvnet(["graph", "conflict.yaml"], cwd=tmp_path)
    assert drawn.returncode == 0 and drawn.stdout.startswith("flowchart LR"), drawn.stderr
    good = good_site_text()
    (tmp_path / "broken.yaml").write_text(good.replace("vlan: 20\n", "vlan: twenty\n"), encoding="utf-8")
    broken = run_kvnet(["graph", "broken.yaml"], cwd=tmp_path)
    assert broken.returncode == 2 and broken.stdout == ""
    assert f"broken.yaml:{line_of(good, 'vlan: 20')}:" in broken.stderr
    missing = run_kvnet(["graph", "nothere.yaml"], cwd=tmp_path)
    assert missing.returncode == 2 and "nothere.yaml" in missing.stderr
