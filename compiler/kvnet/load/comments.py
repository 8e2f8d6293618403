"""Where `# kvnet: ...` comments are, and which lines the object starting on a line covers.

The rule engine reads suppressions (`# kvnet: ignore[RULE] reason`) from comments, and a suppression on
an object's first line covers the whole object. A `#` is a comment only outside scalars: the scanner's
tokens tell where quoted strings and block scalars are, so `"a # kvnet: x"` or a `# kvnet:` line inside a
`|` block is never taken for one.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

import yaml
from yaml.reader import Reader
from yaml.scanner import Scanner
from yaml.tokens import ScalarToken, StreamEndToken

from kvnet.load.values import YList, YMap
from kvnet.load.yaml_loader import C_LOADER, Document, SourceFile
from kvnet.span import Span

_MARKER = "kvnet:"
_HASH_AFTER_SPACE = re.compile(r"(?:^|(?<=[ \t]))#")


class _PythonScanner(Reader, Scanner):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)


def _scanner(text: str) -> Any:
    if C_LOADER:
        from yaml._yaml import CParser

        return CParser(text)
    return _PythonScanner(text)  # pragma: no cover - depends on how PyYAML was built


def _candidates(lines: list[str]) -> list[tuple[int, int]]:
    """0-based (line, column) of every `#` that may start a comment on a line mentioning `kvnet:`."""
    found: list[tuple[int, int]] = []
    for number, line in enumerate(lines):
        if _MARKER in line and "#" in line:
            found.extend((number, m.start()) for m in _HASH_AFTER_SPACE.finditer(line) if _MARKER in line[m.start():])
    return found


def _inside_scalars(text: str, candidates: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The candidates that sit inside a scalar (quoted, block or plain), found from the scanner's tokens."""
    inside: set[tuple[int, int]] = set()
    lines = [line for line, _ in candidates]
    scanner = _scanner(text)
    try:
        while True:
            token = scanner.get_token()
            if token is None or isinstance(token, StreamEndToken):
                break
            if not isinstance(token, ScalarToken):
                continue
            start, end = token.start_mark, token.end_mark
            first = bisect.bisect_left(lines, start.line)
            if first == len(lines) or lines[first] > end.line:
                continue
            begin = (start.line, start.column)
            if token.style in ("|", ">"):  # the header line's own comment is a comment
                begin = (start.line + 1, 0)
            for candidate in candidates[first:]:
                if candidate[0] > end.line:
                    break
                if begin <= candidate < (end.line, end.column):
                    inside.add(candidate)
    except yaml.YAMLError:  # past a syntax error nothing is known: keep the candidates as comments
        pass
    return inside


def suppression_comments(source: SourceFile) -> list[tuple[int, int, str]]:
    """(line, column, comment text from `#` on) of every real comment that contains `kvnet:`, 1-based."""
    if _MARKER not in source.text:
        return []
    lines = source.lines  # split at the same line breaks YAML counts (the reader refuses the other ones)
    candidates = _candidates(lines)
    if not candidates:
        return []
    inside = _inside_scalars(source.text, candidates)
    comments: list[tuple[int, int, str]] = []
    taken_lines: set[int] = set()
    for line, column in candidates:
        if (line, column) in inside or line in taken_lines:
            continue
        text = lines[line][column:].rstrip()
        if _MARKER in text:
            comments.append((line + 1, column + 1, text))
            taken_lines.add(line)  # the first real `#` starts the comment; later ones are inside it
    return comments


def _last_line(span: Span) -> int:
    """The last line a span covers (a span ending at column 1 stops on the line before)."""
    if span.end_line <= span.line:
        return span.line
    return span.end_line - 1 if span.end_column <= 1 else span.end_line


def container_line_ranges(document: Document) -> dict[int, int]:
    """For every line where a mapping entry or a sequence item starts, the last line that entry covers
    (the longest, when several start on the same line). The document's root itself is not an entry."""
    ranges: dict[int, int] = {}
    pending: list[Any] = [document.data]
    seen: set[int] = set()  # aliases share containers: visit each once
    while pending:
        value = pending.pop()
        if not isinstance(value, YMap | YList) or id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, YMap):
            entries = [(value.key_span(k), value.value_span(k), v) for k, v in value.items()]
        else:
            entries = [(value.item_span(i), value.item_span(i), v) for i, v in enumerate(value)]
        for start, end, child in entries:
            last = max(_last_line(end), start.line)
            if last > ranges.get(start.line, 0):
                ranges[start.line] = last
            pending.append(child)
    return ranges
