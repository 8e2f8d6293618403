"""Fixtures for the site front end tests: the samples, and loading site text from a string."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from kvnet.load import Document, load_file, load_text

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sample_doc() -> Callable[[str], Document]:
    def load(name: str) -> Document:
        return load_file(REPO / "samples" / name / "site.yaml").documents[0]

    return load


@pytest.fixture
def site_doc() -> Callable[[str], Document]:
    def load(text: str, path: str = "site.yaml") -> Document:
        return load_text(text, path).documents[0]

    return load


def _toolcheck() -> ModuleType:
    """tests/toolcheck.py, loaded by path (pytest runs with --import-mode=importlib, so tests/ is not on sys.path)."""
    name = "kvnet_tests_toolcheck"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "toolcheck.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def require_tool() -> Callable[..., str]:
    """toolcheck.require_tool: the tool's path, or a skip (a failure under CI=true) when it is missing."""
    found: Callable[..., str] = _toolcheck().require_tool
    return found
