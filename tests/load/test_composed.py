"""The fast path (libyaml composes, we copy the nodes): used for ordinary documents, identical to the builder,
and never handed a text whose nesting could crash libyaml's recursive composer."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvnet.errors import KvnetInputError
from kvnet.load import C_LOADER, LoadLimits, load_first, load_text, yaml_loader
from kvnet.load import composed as composed_module
from kvnet.load.composed import _MAX_C_DEPTH, shallow
from kvnet.load.yaml_loader import load_text_with
from load_snapshot import load_outcome, snapshot

if C_LOADER:  # libyaml's parser (PyYAML's wheels have it); without it this module's tests skip
    from yaml._yaml import CParser

pytestmark = pytest.mark.skipif(not C_LOADER, reason="PyYAML was built without libyaml: there is no fast path")

REPO = Path(__file__).resolve().parents[2]
UPSTREAM = REPO.parent / "shared" / "upstream-examples"


def outcome(text: str, path: str = "f.yaml", *, compose: bool, limits: LoadLimits | None = None) -> Any:
    return load_outcome(lambda: load_text_with(CParser, text, path, limits, compose=compose))


def composes(text: str, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Whether loading `text` took the fast path (and it did not give up)."""
    taken: list[bool] = []
    real = composed_module.compose_documents  # what yaml_loader calls (and the spy replaces)

    def spy(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        taken.append(True)
        return result

    monkeypatch.setattr(yaml_loader, "compose_documents", spy)
    with contextlib.suppress(KvnetInputError):
        load_text(text, "f.yaml")
    return bool(taken)


ORDINARY = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: vm1, labels: {app: web}}
spec:
  template:
    spec:
      domain:
        devices:
          interfaces:
          - name: net0
            bridge: {}
            macAddress: 52:54:00:00:00:01
      volumes:
      - name: cloudinit
        cloudInitNoCloud:
          networkData: |
            version: 2
            ethernets: {eth0: {addresses: [10.0.0.5/24]}}
---
- on
- 0755
- "quoted"
- 'single'
- 1.5
- ~
"""


def test_ordinary_documents_take_the_fast_path_and_load_as_the_builder_does(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert composes(ORDINARY, monkeypatch)
    fast, reference = outcome(ORDINARY, compose=True), outcome(ORDINARY, compose=False)
    assert fast == reference
    source = load_text(ORDINARY, "f.yaml")
    assert [t.text for d in source.documents for t in d.traps] == ["52:54:00:00:00:01", "on", "0755"]


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",  # anchors: the builder shares and counts aliased values
    "a: *nope\n",  # an alias without anchor: the builder words the error
    "a: !!int 5\n",  # tags: the builder checks them
    "<<: {a: 1}\nb: 2\n",  # a merge key
    "a: 1\na: 2\n",  # a duplicate key: the builder words it
    "? [a]\n: b\n",  # a key that is a collection
    "a: [1, 2\n",  # broken YAML
])
def test_unusual_documents_are_left_to_the_builder(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not composes(text, monkeypatch)
    assert outcome(text, compose=True) == outcome(text, compose=False)


def test_limits_are_the_builders() -> None:
    nested = "[" * 12 + "]" * 12
    tight = LoadLimits(max_depth=10, max_documents=3)
    assert outcome(nested, compose=True, limits=tight)[0] == "error"
    assert outcome(nested, compose=True, limits=tight) == outcome(nested, compose=False, limits=tight)
    many = "---\na: 1\n" * 4
    assert outcome(many, compose=True, limits=tight) == outcome(many, compose=False, limits=tight)


def test_deep_or_long_lined_texts_are_not_composed(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not shallow("[" * (_MAX_C_DEPTH + 1))
    assert not shallow("key: " + "x" * _MAX_C_DEPTH)  # one long line could hide deep compact nesting
    assert shallow(ORDINARY)
    assert not composes("[" * 5000 + "]" * 5000, monkeypatch)


def test_large_texts_are_read_by_the_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Composing holds a whole node tree at once: a large file (a 50k-VM site) streams through the builder."""
    large = "".join(f"- name: vm-{i}\n" for i in range(60_000))
    assert len(large) >= yaml_loader._COMPOSE_BELOW_CHARS
    assert not composes(large, monkeypatch)
    assert composes(large[:10_000], monkeypatch)


# Nested values written in every block and flow style PyYAML can write (with indentation 1, the tightest):
# whatever the style, `shallow` never claims a depth below the real one.
NESTED = st.recursive(
    st.sampled_from(["x", "1", ""]),
    lambda inner: st.lists(inner, min_size=1, max_size=2) | st.dictionaries(st.sampled_from("ab"), inner, min_size=1),
    max_leaves=60,
)


def depth_of(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth_of, value.values()))
    if isinstance(value, list):
        return 1 + max(map(depth_of, value))
    return 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(NESTED, st.sampled_from([False, True, None]), st.sampled_from([1, 2, 4]))
def test_the_shallowness_bound_is_never_below_the_real_depth(value: Any, flow: bool | None, indent: int) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, indent=max(indent, 2), width=10**6)
    compact = text.replace("\n" + " " * 2, "\n" + " " * indent) if indent == 1 and not flow else text
    for written in {text, compact}:
        try:
            loaded = yaml.safe_load(written)
        except yaml.YAMLError:
            continue  # the narrowed copy is not always valid YAML
        flows = written.count("[") + written.count("{")
        longest = max(map(len, written.split("\n")))
        assert flows + 2 * (longest + 1) >= depth_of(loaded)


def bound(text: str) -> int:
    return text.count("[") + text.count("{") + 2 * (max(map(len, text.split("\n"))) + 1)


@pytest.mark.parametrize("levels", [1, 5, 40])
def test_the_bound_holds_for_the_tightest_block_nesting(levels: int) -> None:
    """A sequence at its key's indentation, and compact nested sequences: the most levels per column."""
    at_key = "k:\n" + "".join("  " * i + "- k:\n" for i in range(levels)) + "  " * levels + "- x\n"
    assert depth_of(yaml.safe_load(at_key)) == 2 * levels + 2
    compact = "- " * levels + "x\n"
    assert depth_of(yaml.safe_load(compact)) == levels
    for text in (at_key, compact):
        assert bound(text) >= depth_of(yaml.safe_load(text))


def corpus() -> list[Path]:
    roots = [REPO / "samples", REPO / "tests", REPO / "schemas", REPO / "policies", REPO / "docs", UPSTREAM]
    found: list[Path] = []
    for root in roots:
        if root.is_dir():
            for folder, _, names in os.walk(root):
                found.extend(Path(folder, n) for n in names if n.endswith((".yaml", ".yml", ".json")))
    return sorted(found)


def test_every_yaml_file_at_hand_loads_identically_by_both_paths() -> None:
    files = corpus()
    assert len(files) > 50
    composed = 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        assert outcome(text, str(path), compose=True) == outcome(text, str(path), compose=False), path
        composed += "&" not in text and shallow(text)
    assert composed > len(files) // 2  # most of them went the fast way


def test_generated_benchmark_manifests_load_identically(tmp_path: Path) -> None:
    import subprocess
    import sys

    subprocess.run([sys.executable, str(REPO / "benchmarks" / "generate.py"), "30", str(tmp_path)], check=True,
                   capture_output=True)
    files = sorted((tmp_path / "manifests").rglob("*.yaml"))
    assert len(files) > 30
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert outcome(text, str(path), compose=True) == outcome(text, str(path), compose=False), path


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
    | st.sampled_from(["on", "no", "0755", "1_000", "52:54:00:12:34:56", "0x1F", ".inf", "~", "null", "#x", "a: b"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSONISH, st.sampled_from([False, True, None]), st.sampled_from([None, '"', "'", "|"]), st.booleans())
def test_random_documents_load_identically(value: Any, flow: bool | None, style: str | None, as_json: bool) -> None:
    text = json.dumps(value, indent=1) if as_json else yaml.safe_dump(
        value, default_flow_style=flow, default_style=style, allow_unicode=True)
    assert outcome(text, compose=True) == outcome(text, compose=False)


def test_no_composer_outlives_its_text() -> None:
    """A check of 10k files must not keep a parser (and its text) alive per file."""
    import gc

    assert load_text(ORDINARY, "f.yaml").documents
    assert not [o for o in gc.get_objects() if isinstance(o, composed_module._Composer)]


@pytest.mark.parametrize("text", [ORDINARY, "", "---\n", "a: &x 1\nb: *x\n", "a: !!int 5\n", "- 1\n- [2, {b: c}]\n",
                                  "x\n", "a: [1, 2\n", "a: 1\na: 2\n", "[" * 700])
def test_load_first_is_the_first_document_load_text_gives(text: str) -> None:
    """`load_first` (embedded YAML such as networkData) skips the file's bookkeeping, not any of the checks."""
    try:
        documents = load_text(text, "f.yaml").documents
        expected: Any = ("ok", snapshot(documents[0].data) if documents else None)
    except KvnetInputError as exc:
        expected = ("error", [(p.message, p.span) for p in exc.problems])
    try:
        first = load_first(text, "f.yaml")
        got: Any = ("ok", snapshot(first) if first is not None else None)
    except KvnetInputError as exc:
        got = ("error", [(p.message, p.span) for p in exc.problems])
    assert got == expected
