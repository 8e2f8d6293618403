"""Renderers of findings: text, json, sarif, github. `RENDERERS` is the one list of formats."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kvnet.report.base import Renderer, ReportOptions
from kvnet.report.github import GithubRenderer
from kvnet.report.json import JsonRenderer
from kvnet.report.sarif import SarifRenderer
from kvnet.report.text import TextRenderer

if TYPE_CHECKING:
    from kvnet.findings import Finding
    from kvnet.rules.registry import Rule

RENDERERS: dict[str, type[Renderer]] = {
    "text": TextRenderer,
    "json": JsonRenderer,
    "sarif": SarifRenderer,
    "github": GithubRenderer,
}

FORMATS: tuple[str, ...] = tuple(RENDERERS)


def render(
    findings: Sequence[Finding],
    fmt: str,
    *,
    sources: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    rules: Sequence[Rule] | None = None,
    color: bool = False,
) -> str:
    """The report of `findings` in format `fmt` (one of FORMATS) as one string.

    sources: file name (as in Span.file) → its text, for the source lines of the text report.
    cwd: the folder paths are shown relative to (default: the process's working folder).
    rules: the rule catalogue for SARIF's descriptors (default: kvnet.rules.catalogue.all_rules()).
    color: ANSI colour in the text report.
    """
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r} (use {', '.join(FORMATS)})") from None
    options = ReportOptions(sources=dict(sources or {}), cwd=cwd, rules=rules, color=color)
    return renderer(options).render(findings)


__all__ = ["FORMATS", "RENDERERS", "Renderer", "ReportOptions", "render"]
