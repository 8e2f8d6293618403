"""GitHub Actions workflow commands: one annotation per finding, which GitHub pins to the file and line.

    ::error file=samples/full/site.yaml,line=12,col=12,endLine=12,endColumn=31,title=kvnet MAC-01::MAC ...

Escaping follows the runner's parser (actions/toolkit, packages/core/src/command.ts): in the message `%`, CR
and LF become %25, %0D, %0A; property values additionally escape `:` and `,` (%3A, %2C), which would
otherwise end the property. `%` goes first so the escapes themselves are not escaped again. The message may
hold several lines (the related places and the hint), which GitHub shows in the annotation.

Paths are relative to GITHUB_WORKSPACE when it is set (annotations only land on files of the checked-out
repository, whatever folder the step ran in), else to the working folder. Columns are sent only for a span
on one line: GitHub rejects start and end columns when the lines differ.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from kvnet.findings import Finding, Severity
from kvnet.report.base import Renderer, display_path, ordered, span_end
from kvnet.span import Span

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (file, title ...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubRenderer(Renderer):
    name = "github"

    def render(self, findings: Sequence[Finding]) -> str:
        return "".join(self.command(f) + "\n" for f in ordered(findings))

    @property
    def workspace(self) -> Path:
        env = os.environ.get("GITHUB_WORKSPACE", "")
        return Path(env) if env else self.options.base

    def _where(self, span: Span) -> str:
        return f"{display_path(span.file, self.workspace)}:{span.line}:{span.column}"

    def command(self, finding: Finding) -> str:
        """The one-line workflow command for a finding."""
        span = finding.span
        end_line, end_column = span_end(span)
        props: list[tuple[str, str]] = [
            ("file", display_path(span.file, self.workspace)),
            ("line", str(span.line)),
        ]
        if end_line == span.line:
            props.append(("col", str(span.column)))
            if end_column > span.column:
                props += [("endLine", str(end_line)), ("endColumn", str(end_column))]
        else:
            props.append(("endLine", str(end_line)))
        props.append(("title", f"kvnet {finding.rule_id}"))

        lines = [finding.message]
        lines += [f"note: {r.message or 'related'}: {self._where(r.span)}" for r in finding.related]
        if finding.hint:
            lines.append(f"help: {finding.hint}")

        properties = ",".join(f"{key}={escape_property(value)}" for key, value in props)
        message = escape_data("\n".join(lines))
        return f"::{_COMMAND[finding.severity]} {properties}::{message}"
