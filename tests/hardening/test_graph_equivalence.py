"""SiteGraph answers from its own indexes (networkx is imported only for `.g`): the answers must be those the
networkx graph gives, and Service selection must be the brute-force one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from kvnet.graph import SiteGraph
from kvnet.load import load_file
from kvnet.manifests import read_manifest_files
from kvnet.model import Site
from kvnet.site import read_site

ROOT = Path(__file__).resolve().parents[2]


def site_models(bench_site: Path) -> list[Site]:
    models = [read_site(load_file(ROOT / "samples" / name / "site.yaml").documents[0]) for name in ("minimal", "full")]
    models.append(read_site(load_file(bench_site / "site" / "site.yaml").documents[0]))
    files = [load_file(p) for p in sorted((bench_site / "manifests").rglob("*.yaml"))
             if p.name != "kustomization.yaml"]
    models.append(read_manifest_files(files).site)
    return models


def reference_chain(graph: SiteGraph, group_name: str, name: str) -> list[object]:
    g = graph.g
    start = next((n for n in (("bridge", group_name, name), ("bond", group_name, name), ("vlanif", group_name, name),
                              ("nic", group_name, name)) if n in g), None)
    if start is None:
        return []
    order = [start, *nx.bfs_tree(g.reverse(copy=False), start)][1:]
    chain = [g.nodes[start]["obj"]]
    chain += [g.nodes[n]["obj"] for n in order if n[0] in ("bond", "vlanif", "nic", "bridge")]
    return [obj for obj in chain if obj is not None]


def test_uplink_chains_match_networkx(bench_site: Path) -> None:
    checked = 0
    for site in site_models(bench_site):
        graph = SiteGraph(site)
        for group in site.node_groups:
            names = [*(n.name for n in group.nics), *(b.name for b in group.bonds), *(b.name for b in group.bridges),
                     *(v.name for v in group.vlan_interfaces), "no-such-interface"]
            for name in names:
                assert graph.uplink_chain(group, name) == reference_chain(graph, group.name, name)
                checked += 1
    assert checked > 20


def test_the_networkx_graph_holds_every_object(bench_site: Path) -> None:
    for site in site_models(bench_site):
        g = SiteGraph(site).g
        assert all(("vm", vm.namespace, vm.name) in g for vm in site.vms)
        assert all(("service", s.namespace, s.name) in g for s in site.services)
        vm = site.vms[0]
        assert g.nodes[("vm", vm.namespace, vm.name)]["obj"] is vm


def test_service_selection_is_the_brute_force_one(bench_site: Path) -> None:
    selected = 0
    for site in site_models(bench_site):
        graph = SiteGraph(site)
        for svc in site.services:
            expected = []
            for vm in site.vms:
                labels = {"vm.kubevirt.io/name": vm.name, "kubevirt.io/domain": vm.name, **dict(vm.labels)}
                if vm.namespace == svc.namespace and svc.selector and \
                        all(labels.get(k) == v for k, v in svc.selector.items()):
                    expected.append(vm)
            assert graph.vms_selected_by(svc) == expected
            selected += len(expected)
            for vm in expected:
                assert svc in graph.services_selecting(vm)
            assert set(graph.g.successors(("service", svc.namespace, svc.name))) == \
                {("vm", vm.namespace, vm.name) for vm in expected}
    assert selected > 10


def test_checking_a_site_does_not_import_what_it_does_not_need() -> None:
    """Start-up: a clean small site is checked without the heavy or unneeded modules."""
    code = ("import sys\nfrom kvnet.cli import main\n"
            "try:\n    main(['check', 'samples/minimal/site.yaml'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
            "print(sorted(m for m in ('networkx', 'jsonschema', 'kvnet.manifests', 'kvnet.allocate', 'difflib') "
            "if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", ["full"])
def test_kvnet_graph_still_draws(name: str) -> None:
    done = subprocess.run([sys.executable, "-m", "kvnet", "graph", f"samples/{name}/site.yaml", "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"vm' in done.stdout
