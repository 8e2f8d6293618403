"""Fixtures for the manifests front end: read YAML text into a Site and look at what a span points to."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from kvnet.load import SourceFile, load_text
from kvnet.manifests import ManifestRead, read_manifest_files
from kvnet.span import Span


@dataclass
class Reading:
    """A ManifestRead plus the file it came from, to check what spans point at."""

    read: ManifestRead
    source: SourceFile

    def text_at(self, span: Span) -> str:
        """The source text from the span's start to its end (on the start line when it spans lines)."""
        assert span.file == self.source.path, f"span in {span.file}, not {self.source.path}"
        line = self.source.text.splitlines()[span.line - 1]
        end = span.end_column - 1 if span.end_line == span.line else len(line)
        return line[span.column - 1 : end]

    def line_of(self, span: Span) -> str:
        return self.source.text.splitlines()[span.line - 1]


@pytest.fixture
def read_yaml() -> Callable[..., Reading]:
    """read_yaml(text, path="m.yaml") → Reading (texts passed explicitly, as the CLI does)."""

    def read(text: str, path: str = "m.yaml") -> Reading:
        source = load_text(text, path)
        return Reading(read_manifest_files([source]), source)

    return read


def shared_dir() -> Path | None:
    """../shared next to the checkout; skip when absent, but fail under CI=true."""
    shared = Path(__file__).resolve().parents[2].parent / "shared"
    if shared.is_dir():
        return shared
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{shared} is missing; CI must have the shared upstream examples")
    pytest.skip(f"{shared} is not present")


@pytest.fixture
def upstream_examples() -> Path:
    shared = shared_dir()
    assert shared is not None
    folder = shared / "upstream-examples"
    if not (folder / "index.json").is_file():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{folder}/index.json is missing")
        pytest.skip(f"{folder} has no index.json")
    return folder
