"""The renderer tests' sample (tests/report/conftest.py builds it): a working folder and findings about it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kvnet.findings import Finding


@dataclass(frozen=True)
class Sample:
    """A working folder holding site.yaml and groups/nodes.yaml, and findings about them."""

    cwd: Path
    site: str  # absolute path, as Span.file holds it
    nodes: str
    sources: dict[str, str]
    findings: list[Finding]
