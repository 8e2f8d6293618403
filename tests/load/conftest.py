"""Helpers for the loader tests: load by each path (libyaml composing, libyaml events, the pure-Python
parser), and flatten a document for comparison."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from kvnet.errors import InputProblem, KvnetInputError
from kvnet.load import C_LOADER, LoadLimits, SourceFile, load_text
from kvnet.load.yaml_loader import PythonParser, load_text_with
from load_snapshot import source_snapshot

if C_LOADER:  # libyaml's parser (PyYAML's wheels have it); without it the tests that use it skip
    from yaml._yaml import CParser

Loader = Callable[..., SourceFile]


def load_python(text: str, path: str = "f.yaml", limits: LoadLimits | None = None) -> SourceFile:
    """Load with the pure-Python fallback parser, whatever PyYAML was built with."""
    return load_text_with(PythonParser, text, path, limits)


def load_default(text: str, path: str = "f.yaml", limits: LoadLimits | None = None) -> SourceFile:
    return load_text(text, path, limits)


def load_events(text: str, path: str = "f.yaml", limits: LoadLimits | None = None) -> SourceFile:
    """Load with libyaml's events and the builder, never libyaml's composer (the fast path's reference)."""
    return load_text_with(CParser, text, path, limits, compose=False)


LOADERS = {"libyaml": load_default, "libyaml-events": load_events, "python": load_python}


@pytest.fixture(params=list(LOADERS))
def load(request: pytest.FixtureRequest) -> Loader:
    """`load(text, path="f.yaml", limits=None)` by each path in turn (dedenting the text)."""
    if request.param.startswith("libyaml") and not C_LOADER:
        pytest.skip("PyYAML was built without libyaml")
    chosen = LOADERS[request.param]

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
