"""The text report, laid out like a compiler's diagnostics so editors and terminals can jump to the place:

    samples/full/site.yaml:12:12: error[MAC-01] MAC 52:54:00:12:34:56 is used by two interfaces
       |
    12 |     mac: "52:54:00:12:34:56"
       |          ^^^^^^^^^^^^^^^^^^^
       = note: first used here: samples/full/site.yaml:8:12
       = help: give each interface its own MAC

    1 error in 1 file

The source line appears when the caller passed the file's text in `sources`; the underline covers the span
when it sits on one line and is a single caret otherwise. Colour (ANSI) only when asked for.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from kvnet.findings import Finding, Severity
from kvnet.report.base import Renderer, ReportOptions, display_path, ordered, single_line_width, summarize, summary_line
from kvnet.span import Span

_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"
_SEVERITY_STYLE = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.INFO: "\x1b[1;36m",
}
_GUTTER_STYLE = "\x1b[1;34m"


def char_width(char: str) -> int:
    """Terminal columns a character takes, so carets stay under wide (CJK) and combining characters."""
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def caret_line(source_line: str, span: Span) -> str:
    """Blanks up to the span's column, then `^` under its width (one `^` for a point or multi-line span).

    Tabs before the span are copied as tabs so the carets land where the terminal drew the text.
    """
    start = max(span.column - 1, 0)
    lead = "".join("\t" if ch == "\t" else " " * char_width(ch) for ch in source_line[:start])
    width = single_line_width(span)
    covered = source_line[start : start + width] if width else ""
    carets = sum(char_width(ch) for ch in covered)
    return lead + "^" * max(carets, 1)


MAX_SHOWN = 160  # source lines longer than this are shown as a window around the span


def clip(source_line: str, span: Span) -> tuple[str, Span]:
    """A window of a long source line around the span, with the span moved to match (a minified JSON or a
    100k-character line must not flood the terminal)."""
    if len(source_line) <= MAX_SHOWN:
        return source_line, span
    start = max(span.column - 1, 0)
    left = max(0, start - 40)
    right = min(len(source_line), left + MAX_SHOWN)
    shown = ("…" if left else "") + source_line[left:right] + ("…" if right < len(source_line) else "")
    column = start - left + 1 + (1 if left else 0)
    width = min(single_line_width(span), max(right - start, 1))
    return shown, span._replace(column=column, end_line=span.line, end_column=column + width)


class TextRenderer(Renderer):
    name = "text"

    def __init__(self, options: ReportOptions | None = None) -> None:
        super().__init__(options)
        self._split_sources: dict[str, list[str]] = {}


    def render(self, findings: Sequence[Finding]) -> str:
        blocks = [self._finding(f) for f in ordered(findings)]
        blocks.append(self._paint(summary_line(summarize(findings)), _BOLD))
        return "\n\n".join(blocks) + "\n"

    def _paint(self, text: str, style: str) -> str:
        return f"{style}{text}{_RESET}" if self.options.color else text

    def _where(self, span: Span) -> str:
        return f"{display_path(span.file, self.options.base)}:{span.line}:{span.column}"

    def _source_line(self, span: Span) -> str | None:
        cache = self._split_sources
        if span.file not in cache:
            text = self.options.sources.get(span.file)
            if text is None:
                return None
            cache[span.file] = text.splitlines()  # once per file, not once per finding
        lines = cache[span.file]
        return lines[span.line - 1] if 1 <= span.line <= len(lines) else None

    def _finding(self, finding: Finding) -> str:
        style = _SEVERITY_STYLE[finding.severity]
        label = self._paint(f"{finding.severity}[{finding.rule_id}]", style)
        lines = [f"{self._paint(self._where(finding.span) + ':', _BOLD)} {label} {finding.message}"]

        source = self._source_line(finding.span)
        span = finding.span
        if source is not None:
            source, span = clip(source, span)
        gutter_width = len(str(finding.span.line)) if source is not None else 1
        pad = " " * gutter_width
        if source is not None:
            bar = self._paint("|", _GUTTER_STYLE)
            number = self._paint(str(finding.span.line), _GUTTER_STYLE)
            lines.append(f"{pad} {bar}")
            lines.append(f"{number} {bar} {source}".rstrip())
            carets = caret_line(source, span)
            lead, marks = carets[: carets.index("^")], carets[carets.index("^") :]
            lines.append(f"{pad} {bar} {lead}{self._paint(marks, style)}")

        for related in finding.related:
            what = related.message or "related"
            lines.append(f"{pad} = {self._paint('note', _BOLD)}: {what}: {self._where(related.span)}")
        if finding.hint:
            hint = finding.hint.replace("\n", "\n" + pad + "         ")
            lines.append(f"{pad} = {self._paint('help', _BOLD)}: {hint}")
        return "\n".join(lines)
