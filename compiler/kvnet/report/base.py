"""What every renderer shares: the options it is built with, the base class, and the small helpers that turn
spans into what a reader sees (paths relative to the working folder, a well-formed end, counts per severity).

Renderers never print and never read files: they turn a list of findings into one string, so the CLI decides
where it goes and tests compare strings.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, ClassVar

from kvnet.findings import Finding, Severity, sort_findings
from kvnet.frozen import frozen
from kvnet.span import Span

if TYPE_CHECKING:
    from kvnet.rules.registry import Rule


@frozen
class ReportOptions:
    """How to render: the source texts (file name as in Span.file → text), the folder paths are shown relative
    to, the rule catalogue (for SARIF's rule descriptors) and whether to colour the text report."""

    sources: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    rules: Sequence[Rule] | None = None
    color: bool = False

    @property
    def base(self) -> Path:
        """The folder paths are made relative to (the process's working folder when none was given)."""
        return self.cwd if self.cwd is not None else Path.cwd()


class Renderer(ABC):
    """One output format. Subclasses set `name` and implement `render`."""

    name: ClassVar[str]

    def __init__(self, options: ReportOptions | None = None) -> None:
        self.options = options or ReportOptions()

    @abstractmethod
    def render(self, findings: Sequence[Finding]) -> str:
        """The whole report as one string (ending with a newline unless it is empty)."""


def ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Report order, independent of the order rules ran in."""
    return sort_findings(list(findings))


def absolute(file: str) -> Path:
    """The file as an absolute path; a relative Span.file is relative to the process's working folder."""
    path = Path(file)
    return path if path.is_absolute() else Path.cwd() / path


def relative_path(file: str, base: Path) -> str | None:
    """`file` relative to `base` in POSIX form, or None when it lies outside `base`.

    Tried first on the paths as written (normalised, so `a/../b` works) and then with symlinks resolved,
    because a working folder reached through a symlink should still match.
    """
    target = absolute(file)
    candidates = [
        (PurePath(os.path.normpath(target)), PurePath(os.path.normpath(base.absolute()))),
        (target.resolve(), base.resolve()),
    ]
    for path, root in candidates:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            continue
    return None


def display_path(file: str, base: Path) -> str:
    """What a person reads: relative to `base` when inside it, else the path as the finding names it."""
    return relative_path(file, base) or file


def span_end(span: Span) -> tuple[int, int]:
    """(end_line, end_column) of a span, never before its start; an unknown end (0) is the start."""
    if span.end_line <= 0 or span.end_line < span.line:
        return span.line, span.column
    if span.end_line == span.line and span.end_column < span.column:
        return span.line, span.column
    return span.end_line, max(span.end_column, 1)


def single_line_width(span: Span) -> int:
    """How many columns the span covers when it sits on one line (0 for a point or a multi-line span)."""
    end_line, end_column = span_end(span)
    return end_column - span.column if end_line == span.line else 0


@frozen
class Summary:
    """Counts for a report's closing line and the JSON summary."""

    errors: int
    warnings: int
    info: int
    files: int

    @property
    def total(self) -> int:
        return self.errors + self.warnings + self.info


def summarize(findings: Sequence[Finding]) -> Summary:
    def count(level: Severity) -> int:
        return sum(1 for f in findings if f.severity == level)

    return Summary(
        errors=count(Severity.ERROR),
        warnings=count(Severity.WARNING),
        info=count(Severity.INFO),
        files=len({f.span.file for f in findings}),
    )


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_line(summary: Summary) -> str:
    """`2 errors, 1 warning in 3 files`, or `no problems found`."""
    if summary.total == 0:
        return "no problems found"
    parts = []
    if summary.errors:
        parts.append(plural(summary.errors, "error"))
    if summary.warnings:
        parts.append(plural(summary.warnings, "warning"))
    if summary.info:
        parts.append(f"{summary.info} info")
    return f"{', '.join(parts)} in {plural(summary.files, 'file')}"
