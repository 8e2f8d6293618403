"""Fixtures for the site front end tests: the samples, and loading site text from a string."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import toolcheck
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


@pytest.fixture
def require_tool() -> Callable[..., str]:
    """toolcheck.require_tool: the tool's path, or a skip (a failure under CI=true) when it is missing."""
    return toolcheck.require_tool
