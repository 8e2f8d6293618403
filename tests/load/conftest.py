"""Helpers for the loader tests: load with either event parser, and flatten a document for comparison."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from kvnet.errors import InputProblem, KvnetInputError
from kvnet.load import C_LOADER, LoadLimits, SourceFile, YList, YMap, load_text
from kvnet.load.yaml_loader import PythonParser, load_text_with

Loader = Callable[..., SourceFile]


def load_python(text: str, path: str = "f.yaml", limits: LoadLimits | None = None) -> SourceFile:
    """Load with the pure-Python fallback parser, whatever PyYAML was built with."""
    return load_text_with(PythonParser, text, path, limits)


def load_default(text: str, path: str = "f.yaml", limits: LoadLimits | None = None) -> SourceFile:
    return load_text(text, path, limits)


@pytest.fixture(params=["libyaml", "python"])
def load(request: pytest.FixtureRequest) -> Loader:
    """`load(text, path="f.yaml", limits=None)` with each event parser in turn (dedenting the text)."""
    if request.param == "libyaml" and not C_LOADER:
        pytest.skip("PyYAML was built without libyaml")
    chosen = load_default if request.param == "libyaml" else load_python

    def run(text: str, path: str = "f.yaml", limits: LoadLimits | None = None) -> SourceFile:
        return chosen(textwrap.dedent(text), path, limits)

    return run


def problem_of(load: Loader, text: str, path: str = "f.yaml", limits: LoadLimits | None = None) -> InputProblem:
    """The single problem loading `text` reports (fails the test when it loads)."""
    with pytest.raises(KvnetInputError) as caught:
        load(text, path, limits)
    assert len(caught.value.problems) == 1
    problem = caught.value.problems[0]
    assert problem.span is not None and problem.span.file == path
    return problem


def where(problem: InputProblem) -> tuple[int, int]:
    assert problem.span is not None
    return problem.span.line, problem.span.column


def snapshot(value: Any) -> Any:
    """The value with every span it carries, as plain tuples (to compare two loads exactly)."""
    if isinstance(value, YMap):
        return ("map", value.span, [(k, value.key_span(k), value.value_span(k), snapshot(v))
                                    for k, v in value.items()])
    if isinstance(value, YList):
        return ("list", value.span, value.item_spans(), [snapshot(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("nan",)
    return (type(value).__name__, value)


def source_snapshot(source: SourceFile) -> Any:
    return [(d.index, d.span, snapshot(d.data), [(t.span, t.text, t.yaml11_reading) for t in d.traps])
            for d in source.documents]


Failing = Callable[..., InputProblem]


@pytest.fixture
def fail(load: Loader) -> Failing:
    """`fail(text, path="f.yaml", limits=None)`: the one problem loading `text` reports, with each parser."""

    def run(text: str, path: str = "f.yaml", limits: LoadLimits | None = None) -> InputProblem:
        return problem_of(load, text, path, limits)

    return run


@pytest.fixture
def snap() -> Callable[[SourceFile], Any]:
    """Everything a load produced (values, spans, traps) as comparable tuples."""
    return source_snapshot
