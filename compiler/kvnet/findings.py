"""Findings: what a rule (or the loader) reports, as data. Renderers in kvnet.report turn them into text."""

from __future__ import annotations

from dataclasses import field
from enum import IntEnum

from kvnet.frozen import frozen
from kvnet.span import Span


class Severity(IntEnum):
    """Ordered so that `finding.severity >= fail_level` decides the exit code."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (use error, warning or info)") from None

    def __str__(self) -> str:
        return self.name.lower()


@frozen
class Related:
    """Another place involved in a finding ("first defined here")."""

    span: Span
    message: str


@frozen
class Problem:
    """What a rule yields. The engine stamps the rule id and severity, so they cannot disagree with the
    catalogue."""

    message: str
    span: Span
    hint: str = ""
    related: tuple[Related, ...] = ()


@frozen(order=True)
class Finding:
    """A problem with its rule id and severity, ready for a report."""

    span: Span
    rule_id: str
    severity: Severity = field(compare=False)
    message: str = field(compare=False)
    hint: str = field(default="", compare=False)
    related: tuple[Related, ...] = field(default=(), compare=False)
    title: str = field(default="", compare=False)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Stable report order: by file, line, column, then rule id and message."""
    return sorted(findings, key=lambda f: (f.span.file, f.span.line, f.span.column, f.rule_id, f.message))
