"""The upstream examples (../shared/upstream-examples): every file reads, places inside configs are exact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kvnet.load import SourceFile, load_file
from kvnet.manifests import read_manifest_files
from kvnet.model import Located
from kvnet.span import Span


def _index(folder: Path) -> dict[str, Any]:
    index: dict[str, Any] = json.loads((folder / "index.json").read_text())
    return index


def _located(obj: Any) -> Iterator[Located]:
    """Every model object inside a Site (depth first)."""
    if isinstance(obj, Located):
        yield obj
        for name in obj.__dataclass_fields__:
            yield from _located(getattr(obj, name))
    elif isinstance(obj, tuple):
        for item in obj:
            yield from _located(item)


def test_every_example_reads_without_exceptions(upstream_examples: Path) -> None:
    index = _index(upstream_examples)
    assert len(index) == 119
    problems_by_status: dict[str, list[str]] = {}
    for name, info in sorted(index.items()):
        source = load_file(upstream_examples / name)
        read = read_manifest_files([source])
        assert len(read.site.objects) == len(source.documents), name
        for problem in read.problems:
            problems_by_status.setdefault(info["status"], []).append(f"{problem.span}: {problem.message}")
    # examples the API accepts carry no field of the wrong type
    for status in ("valid", "partial", "xref", "fixed"):
        assert problems_by_status.get(status, []) == [], status


def test_all_examples_together_build_one_site(upstream_examples: Path) -> None:
    sources = [load_file(upstream_examples / name) for name in sorted(_index(upstream_examples))]
    read = read_manifest_files(sources)
    site = read.site
    # the README's per-kind document counts
    assert len(site.objects) == 126
    assert len([n for n in site.networks if n.source_kind == "NetworkAttachmentDefinition"]) == 22
    assert len([n for n in site.networks if n.source_kind == "SriovNetwork"]) == 5
    assert len([n for n in site.networks if n.source_kind == "ClusterUserDefinedNetwork"]) == 1
    assert len(site.node_groups) == 16
    assert len(site.sriov_policies) == 6
    assert (len([v for v in site.vms if v.kind == "VirtualMachine"]),
            len([v for v in site.vms if v.kind == "VirtualMachineInstance"])) == (24, 5)
    assert len(site.services) == 7 and len(site.pools) == 8 and len(site.advertisements) == 10
    assert len(site.files) == 119
    # CUDN localnet ↔ NNCP bridge mapping (the README notes they match)
    cudn = next(n for n in site.networks if n.source_kind == "ClusterUserDefinedNetwork")
    mappings = {m.localnet for g in site.node_groups for m in g.ovn_bridge_mappings}
    assert cudn.physical_network == "provider-network" and "provider-network" in mappings


def _text_at(sources: dict[str, SourceFile], span: Span) -> str:
    line = sources[span.file].text.splitlines()[span.line - 1]
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    return line[span.column - 1 : end]


def test_config_key_places_point_at_the_key_in_every_scalar_style(upstream_examples: Path) -> None:
    """`config.<key>` spans must cover exactly `"<key>"` in the file: literal, |2, folded and quoted configs."""
    folder = upstream_examples / "networkattachmentdefinition"
    sources = {str(p): load_file(p) for p in sorted(folder.glob("*.yaml"))}
    read = read_manifest_files(sources.values())
    checked = 0
    for net in read.site.networks:
        for key, span in net.spans.items():
            if key.startswith("config."):
                assert _text_at(sources, span) == f'"{key.removeprefix("config.")}"', (key, span)
                checked += 1
        if net.vlan is not None:
            assert _text_at(sources, net.at("vlan")).rstrip(",") == str(net.vlan)
    assert checked > 100


def test_every_span_points_into_its_file(upstream_examples: Path) -> None:
    sources = {str(upstream_examples / name): load_file(upstream_examples / name)
               for name in sorted(_index(upstream_examples))}
    site = read_manifest_files(sources.values()).site
    for obj in _located(site):
        for span in (obj.span, *obj.spans.values()):
            if span.file == "<manifests>":
                continue
            lines = sources[span.file].text.splitlines()
            assert 1 <= span.line <= len(lines) + 1 and span.column >= 1, (type(obj).__name__, span)
