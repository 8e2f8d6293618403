"""The three ways of loading give identical results (libyaml's composer for ordinary documents, libyaml's
events through the builder, the pure-Python parser); they agree with PyYAML's data."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kvnet.errors import KvnetInputError
from kvnet.load import C_LOADER, SourceFile, load_text, to_plain
from kvnet.load.yaml_loader import PythonParser, load_text_with
from load_snapshot import load_outcome

if C_LOADER:  # libyaml's parser (PyYAML's wheels have it); without it this module's tests skip
    from yaml._yaml import CParser

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not C_LOADER, reason="PyYAML was built without libyaml: nothing to compare")

SNIPPETS = [
    "a: 1\nb: [x, w, {c: d}]\n",
    "- a\n- - b\n  - c\n- d: e\n  f: g\n",
    "key: |\n  one\n  two\n\nfolded: >\n  a\n  b\nkeep: |+\n  x\n\nstrip: |-\n  y\nafter: z\n",
    "indent: |2\n    two more\n",
    "'single': 'it''s'\n\"double\": \"tab\\tnew\\nline \\u00e9 \\x41 \\/\"\n",
    "multi: first\n  second\n\n  third\nnext: 1\n",
    "quoted: \"a\n  b\"\n",
    "base: &b {x: 1, y: [1, 2]}\nuse: *b\nmerge:\n  <<: *b\n  z: 3\n",
    "? complex\n: value\n? other\n",
    "{a: 1, b: {c: [1, 2, {d: e}]}, 'f': \"g\"}\n",
    "[1, 2.5, true, null, ~, .inf, -.nan, 0x10]\n",
    "[0o7, 1e3]\n",  # numbers for YAML 1.2, text for YAML 1.1 (not a trap: no text is lost)
    "mac: 52:54:00:12:34:56\npci: 0000:18:00.1\nflags: [on, off, yes, no, y, n]\nmode: 0755\nbig: 1_000\n",
    "%YAML 1.1\n---\na: 1\n...\n%TAG !e! tag:yaml.org,2002:\n---\nb: !e!str 2\n",
    "--- >\n  folded\n  root\n--- |\n  literal\n---\n- 1\n",
    "a:\n- b\n- c\nd:\n  - e\n",
    "é: ü\n😀: [日本, 語]\n",
    "a: 1\r\nb:\r\n  - 2\r\n",
    "# comment\na: 1 # trailing\n# between\nb: 2\n",
    "empty:\nnull_value: null\nlist:\n-\n- ~\n",
    "{\"json\": [1, {\"nested\": true}], \"s\":\"x\"}",
    "a: !!str 1\nb: !!int '2'\nc: !!float '3'\nd: !!bool 'false'\n",
    "a: {x: 1,\n  y: 2,\n}\nb: [\n  1,\n  2,\n]\n",
    "url: http://example.com:8080/path#frag\ncolon: a:b\nhash: a#b\n",
    "- !!map {a: 1}\n- !!seq [1]\n- ! plain\n",
    "a: 'multi\n\n  line'\n",
    "top:\n  - name: x\n    items:\n      - 1\n      - 2\n  - name: z\n",
]

BAD_SNIPPETS = [
    "a: [1, 2\n", "a: b: c\n", "a:\n\tb: 1\n", "a: 1\na: 2\n", "x: !foo 1\n", "a: *nope\n", "- a\nb: c\n",
    "{a: 1\n", "a: 'unterminated\n", "key: \"\\q\"\n", "[" * 200, "a: \x01\n", "? [a]\n: b\n", "a: !!int x\n",
    "&k a: 1\n*k : 2\n", "- &x [*x]\n",
]


def repo_files() -> list[Path]:
    found: list[Path] = []
    for folder in ("samples", "schemas", "policies", "tests"):
        for pattern in ("*.yaml", "*.yml", "*.json"):
            found.extend((REPO / folder).rglob(pattern))
    return sorted(p for p in found if p.stat().st_size < 2_000_000)


Snapshot = Callable[[SourceFile], Any]


def both(text: str, name: str, snap: Snapshot) -> tuple[Any, Any]:
    """What the default path and the pure-Python parser make of the text: the snapshot, or the lines of
    the errors. (The default path is first checked against libyaml's events through the builder: the
    same values, places, notes and error messages.)"""
    results = []
    for load in (load_text, lambda t, n: load_text_with(PythonParser, t, n)):
        try:
            results.append(("ok", snap(load(text, name))))
        except KvnetInputError as exc:
            results.append(("error", [p.span.line if p.span else None for p in exc.problems]))
    assert load_outcome(lambda: load_text(text, name)) == load_outcome(lambda: events(text, name))
    return results[0], results[1]


def events(text: str, name: str) -> SourceFile:
    return load_text_with(CParser, text, name, compose=False)


@pytest.mark.parametrize("text", SNIPPETS)
def test_snippets_load_identically(text: str, snap: Snapshot) -> None:
    fast, fallback = both(text, "s.yaml", snap)
    assert fast[0] == "ok"
    assert fast == fallback


@pytest.mark.parametrize("text", BAD_SNIPPETS)
def test_bad_snippets_fail_on_the_same_line(text: str, snap: Snapshot) -> None:
    fast, fallback = both(text, "s.yaml", snap)
    assert fast[0] == fallback[0] == "error"
    assert fast == fallback


def test_repository_yaml_and_json_files_load_identically(snap: Snapshot) -> None:
    files = repo_files()
    assert len(files) > 5
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast, fallback = both(text, path.name, snap)
        assert fast == fallback, path


def _pyyaml_comparable(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _pyyaml_comparable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_pyyaml_comparable(v) for v in value)
    return not isinstance(value, datetime.date | bytes)


@pytest.mark.parametrize("text", SNIPPETS)
def test_data_agrees_with_pyyaml_where_yaml11_and_yaml12_agree(text: str) -> None:
    ours = load_text(text, "s.yaml")
    theirs = [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None]
    if any(d.traps for d in ours.documents) or not _pyyaml_comparable(theirs) or "1e3" in text:
        pytest.skip("YAML 1.1 and 1.2 read this differently (that is the point of the traps)")
    assert json.dumps([to_plain(d.data) for d in ours.documents], sort_keys=True, default=str) == json.dumps(
        theirs, sort_keys=True, default=str
    )


def test_json_files_agree_with_the_json_module() -> None:
    for path in [p for p in repo_files() if p.suffix == ".json"]:
        text = path.read_text(encoding="utf-8")
        (doc,) = load_text(text, path.name).documents
        assert to_plain(doc.data) == json.loads(text), path

