"""Random and mutated YAML: the loader either loads it or raises KvnetInputError, nothing else, by every path;
whatever loads carries spans inside the text; libyaml's fast path and its events agree exactly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kvnet.errors import KvnetInputError
from kvnet.load import C_LOADER, LoadLimits, SourceFile, YList, YMap, load_file, load_text, to_plain
from kvnet.load.yaml_loader import PythonParser, load_text_with
from load_snapshot import load_outcome


def _fast_parser() -> type[Any]:
    """The parser the loader's fast path reads with: libyaml's when PyYAML has it, else the pure-Python one."""
    if C_LOADER:
        from yaml._yaml import CParser

        return CParser
    return PythonParser


CParser = _fast_parser()

SEED = """\
# kvnet: ignore[MAC-01] shared on purpose
apiVersion: kvnet.dev/v1alpha1
kind: Site
metadata: {name: lab, labels: {"env": prod}}
spec:
  defaults: &defaults {mtu: 9000, vlan: 20}
  networks:
    storage:
      <<: *defaults
      subnet: 10.20.0.0/24
      mac: 52:54:00:12:34:56
      enabled: on
  vms:
    - name: web-{01..03}
      interfaces:
        - {network: storage, mac: "02:00:00:00:00:01"}
      cloudInit: |
        #cloud-config
        users: [core]
    - name: 'db'
      pci: 0000:18:00.1
---
kind: Second
list: [1, 2.5, true, null, ~, 0x1F, 0755, 1_000]
"""

# the same without anchors, aliases and merge keys: what libyaml's composer is given (the fast path)
PLAIN_SEED = SEED.replace("&defaults ", "").replace("<<: *defaults", "mtu: 1500")

SMALL = LoadLimits(max_bytes=1_000_000, max_depth=30, max_documents=50, max_alias_values=2_000)
YAML_ALPHABET = st.sampled_from(list("abc019:-#&*!|>'\"{}[],?<%@` \t\n\\~.\u00e9\x00\x01\ufeff"))


def load_fallback(text: str, path: str, limits: LoadLimits) -> SourceFile:
    return load_text_with(PythonParser, text, path, limits)


def outcome(text: str, *, compose: bool) -> Any:
    return load_outcome(lambda: load_text_with(CParser, text, "fuzz.yaml", SMALL, compose=compose))


def check(text: str) -> None:
    assert outcome(text, compose=True) == outcome(text, compose=False)
    for load in (load_text, load_fallback):
        try:
            source = load(text, "fuzz.yaml", SMALL)
        except KvnetInputError as exc:
            assert exc.problems
            for problem in exc.problems:
                assert problem.message
                assert problem.span is not None and problem.span.file == "fuzz.yaml"
                assert problem.span.line >= 1 and problem.span.column >= 1
            continue
        spans_are_inside(source, text)


def spans_are_inside(source: SourceFile, text: str) -> None:
    last_line = text.count("\n") + text.count("\r") + 2
    pending: list[Any] = [d.data for d in source.documents]
    seen: set[int] = set()
    while pending:
        value = pending.pop()
        if not isinstance(value, YMap | YList) or id(value) in seen:
            continue
        seen.add(id(value))
        spans = [value.span, *(s for k in value for s in (value.key_span(k), value.value_span(k)))] \
            if isinstance(value, YMap) else [value.span, *value.item_spans()]
        assert all(1 <= s.line <= last_line and s.column >= 1 for s in spans)
        pending.extend(value.values() if isinstance(value, YMap) else value)
    for doc in source.documents:
        to_plain(doc.data)


@st.composite
def mutated(draw: st.DrawFn, seed: str = SEED) -> str:
    """The seed with a few line- and character-level edits."""
    lines = seed.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["drop", "dup", "indent", "dedent", "tab", "chars", "cut", "swap", "nest"]))
        line = lines[i]
        if kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, line)
        elif kind == "indent":
            lines[i] = " " * draw(st.integers(1, 4)) + line
        elif kind == "dedent":
            lines[i] = line.lstrip(" ")
        elif kind == "tab":
            lines[i] = "\t" + line
        elif kind == "chars":
            at = draw(st.integers(0, len(line)))
            lines[i] = line[:at] + draw(st.text(YAML_ALPHABET, max_size=4)) + line[at:]
        elif kind == "cut":
            lines[i] = line[: draw(st.integers(0, len(line)))]
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], line
        else:
            lines[i] = line + " " + "[" * draw(st.integers(1, 40))
        if not lines:
            break
    return "\n".join(lines)


FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(YAML_ALPHABET, max_size=120))
def test_random_text(text: str) -> None:
    check(text)


@FUZZ
@given(mutated())
def test_mutated_documents(text: str) -> None:
    check(text)


@FUZZ
@given(mutated(PLAIN_SEED))
def test_mutated_documents_without_anchors(text: str) -> None:
    check(text)


@FUZZ
@given(st.binary(max_size=64), st.integers(0, len(SEED)))
def test_random_bytes_in_a_file(tmp_path_factory: Any, blob: bytes, at: int) -> None:
    raw = SEED.encode()[:at] + blob + SEED.encode()[at:]
    path = Path(tmp_path_factory.getbasetemp()) / "fuzz.yaml"
    path.write_bytes(raw)
    try:
        source = load_file(path, SMALL, display="fuzz.yaml")
    except KvnetInputError as exc:
        assert all(p.span is not None and p.span.file == "fuzz.yaml" for p in exc.problems)
        return
    spans_are_inside(source, source.text)


def test_the_seed_itself_loads() -> None:
    source = load_text(SEED, "seed.yaml", SMALL)
    assert [d.index for d in source.documents] == [0, 1]
    assert source.documents[0].data["spec"]["networks"]["storage"]["mtu"] == 9000
