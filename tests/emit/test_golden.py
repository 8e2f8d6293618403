"""Golden output: every sample's compiled folder is committed under tests/emit/golden/<sample>/ and compared
byte for byte, with the summary beside it (<sample>.summary.json).

Regenerate after an intended change, then review the diff in the commit:

    KVNET_UPDATE_GOLDEN=1 python3 -m pytest tests/emit/test_golden.py
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from kvnet.emit.bundle import Bundle, compile_site, render_stream, write_bundle
from kvnet.emit.summary import summarize
from kvnet.model import Site

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("KVNET_UPDATE_GOLDEN") == "1"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_compiled_folder_matches_golden(sample: tuple[str, Site, Bundle], tmp_path: Path) -> None:
    name, site, bundle = sample
    out = tmp_path / name
    write_bundle(bundle, out)
    golden = GOLDEN / name
    summary = json.dumps(summarize(site, bundle), indent=2, sort_keys=True) + "\n"
    summary_file = GOLDEN / f"{name}.summary.json"
    if UPDATE:
        shutil.rmtree(golden, ignore_errors=True)
        shutil.copytree(out, golden)
        summary_file.write_text(summary)
    if not golden.is_dir():
        pytest.fail(f"no golden output for {name}: run KVNET_UPDATE_GOLDEN=1 python3 -m pytest {__file__}")
    expected, actual = _tree(golden), _tree(out)
    assert sorted(actual) == sorted(expected), "the set of files differs from the golden output"
    for rel, content in expected.items():
        assert actual[rel] == content, f"{rel} differs from {golden / rel}"
    assert summary_file.read_text() == summary


def test_stream_is_the_golden_files_in_bundle_order(sample: tuple[str, Site, Bundle]) -> None:
    """`-o -` prints the same documents as the folder, in kustomization order."""
    name, _, bundle = sample
    golden = GOLDEN / name
    if not golden.is_dir():
        pytest.skip("golden output missing (see test_compiled_folder_matches_golden)")
    listed = (golden / "kustomization.yaml").read_text().split("resources:\n", 1)[1]
    paths = [line[2:] for line in listed.splitlines() if line.startswith("- ")]
    expected = "".join("---\n" + (golden / p).read_text() for p in paths)
    assert render_stream(bundle) == expected


@pytest.mark.parametrize("name", ["minimal", "full", "model-full"])
def test_compiling_twice_gives_identical_bytes(name: str, load_sample: Callable[[str], Site]) -> None:
    first, second = compile_site(load_sample(name)), compile_site(load_sample(name))
    assert render_stream(first) == render_stream(second)
    assert first.texts() == second.texts()
