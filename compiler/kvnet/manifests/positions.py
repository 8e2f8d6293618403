"""Places inside a scalar: from a character of a decoded YAML string back to its line and column.

A NAD's CNI JSON or a VM's cloud-init networkData is a string inside the manifest, written as a literal
(`|`, `|-`, `|2`) or folded (`>`) block, or as a quoted scalar spanning lines. Once decoded, its own line
numbers mean nothing to the user. `ScalarPlaces` walks the decoded value and the source text side by side,
matching every non-blank character to where it was written (skipping indentation, folded line breaks,
quote escapes), so a finding about `"vlan": 350` points at that line and column of the file.
"""

from __future__ import annotations

import re
from typing import Any

from kvnet.load import YList, YMap
from kvnet.span import Span

_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")
_BREAK_CHARS = "\n\r\x85\u2028\u2029"
# how many visible characters may stand between two matched ones (quote escapes such as '' or \" are short)
_SEARCH = 8


class TextIndex:
    """Line starts of one text (YAML line breaks), to turn a 1-based line and column into an offset."""

    __slots__ = ("starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]

    def offset(self, line: int, column: int) -> int | None:
        if not 1 <= line <= len(self.starts) or column < 1:
            return None
        offset = self.starts[line - 1] + column - 1
        return offset if offset <= len(self.text) else None


class _Cursor:
    """A position in the source text that knows its line and column."""

    __slots__ = ("column", "line", "offset", "text")

    def __init__(self, text: str, offset: int, line: int, column: int) -> None:
        self.text, self.offset, self.line, self.column = text, offset, line, column

    def step(self) -> None:
        char = self.text[self.offset]
        self.offset += 1
        if char == "\r" and self.offset < len(self.text) and self.text[self.offset] == "\n":
            return  # CR LF is one break, counted at the LF
        if char in _BREAK_CHARS:
            self.line += 1
            self.column = 1
        else:
            self.column += 1


def _find_near(text: str, char: str, start: int, end: int) -> int:
    """Where `char` is written next, passing at most _SEARCH other visible characters (quote escapes, line
    continuations) and any blanks; -1 when it is not there."""
    if start < end and text[start] == char:
        return start
    passed = 0
    for offset in range(start, end):
        current = text[offset]
        if current == char:
            return offset
        if not current.isspace():
            passed += 1
            if passed > _SEARCH:
                break
    return -1


def _align(value: str, text: str, start: int, end: int, line: int, column: int) -> list[tuple[int, int]] | None:
    """(line, column) of each character of `value` inside text[start:end], or None when they do not match."""
    cur = _Cursor(text, start, line, column)
    end = min(end, len(text))
    if start < end and text[start] in "|>":  # block scalar: the content starts after the header line
        while cur.offset < end and text[cur.offset] not in _BREAK_CHARS:
            cur.step()
        if cur.offset < end:
            cur.step()
    elif start < end and text[start] in "'\"":
        cur.step()
    places: list[tuple[int, int]] = []
    misses = matched = 0
    for char in value:
        if char.isspace():
            places.append((cur.line, cur.column))
            continue
        while cur.offset < end and text[cur.offset].isspace():
            cur.step()
        found = _find_near(text, char, cur.offset, end)
        if found < 0:
            misses += 1  # an escape the decoder expanded (\u0041): keep the place, do not advance
            places.append((cur.line, cur.column))
            continue
        while cur.offset < found:
            cur.step()
        places.append((cur.line, cur.column))
        cur.step()
        matched += 1
    if misses > matched // 10 + 2:
        return None  # the text is not what the value was read from
    return places


class ScalarPlaces:
    """Maps offsets in a scalar's decoded value to spans in the file; coarse (the scalar) without source."""

    __slots__ = ("_places", "_value_index", "file", "scalar", "value")

    def __init__(self, value: str, scalar: Span, index: TextIndex | None) -> None:
        self.value = value
        self.scalar = scalar
        self.file = scalar.file
        self._value_index: TextIndex | None = None
        self._places: list[tuple[int, int]] | None = None
        start = index.offset(scalar.line, scalar.column) if index is not None else None
        if index is not None and start is not None:
            stop = index.offset(scalar.end_line, scalar.end_column) if scalar.end_line else None
            self._places = _align(value, index.text, start, stop if stop is not None else len(index.text),
                                  scalar.line, scalar.column)

    @property
    def exact(self) -> bool:
        return self._places is not None

    def span(self, start: int, end: int) -> Span:
        """The span of value[start:end] in the file."""
        places = self._places
        if not places:
            return self.scalar
        start = min(max(start, 0), len(places) - 1)
        last = min(max(end - 1, start), len(places) - 1)
        (line, column), (end_line, end_column) = places[start], places[last]
        return Span(self.file, line, column, end_line, end_column + 1)

    def point(self, offset: int) -> Span:
        return self.span(offset, offset + 1)

    def from_value_span(self, span: Span) -> Span:
        """A span computed inside the value (1-based line/column of the value text) → a span in the file."""
        if self._value_index is None:
            self._value_index = TextIndex(self.value)
        start = self._value_index.offset(span.line, span.column)
        if start is None or not self._places:
            return self.scalar
        stop = self._value_index.offset(span.end_line, span.end_column) if span.end_line else None
        return self.span(start, stop if stop is not None and stop > start else start + 1)

    def relocate(self, data: Any) -> None:
        """Rewrite, in place, every span of values loaded from the value text to spans in the file."""
        if isinstance(data, YMap):
            data.span = self.from_value_span(data.span)
            for key in data.key_spans:
                data.key_spans[key] = self.from_value_span(data.key_spans[key])
            for key in data.value_spans:
                data.value_spans[key] = self.from_value_span(data.value_spans[key])
            for child in data.values():
                self.relocate(child)
        elif isinstance(data, YList):
            data.span = self.from_value_span(data.span)
            data.item_spans = [self.from_value_span(s) for s in data.item_spans]
            for child in data:
                self.relocate(child)


class SourceTexts:
    """The text of each manifest file (given by the caller, else read back from disk), indexed lazily."""

    __slots__ = ("_given", "_indexes")

    def __init__(self, given: dict[str, str] | None = None) -> None:
        self._given = dict(given or {})
        self._indexes: dict[str, TextIndex | None] = {}

    def index(self, file: str) -> TextIndex | None:
        if file not in self._indexes:
            text = self._given.get(file)
            if text is None:
                text = _read_back(file)
            self._indexes[file] = TextIndex(text) if text is not None else None
        return self._indexes[file]

    def places(self, value: str, scalar: Span) -> ScalarPlaces:
        return ScalarPlaces(value, scalar, self.index(scalar.file))


def _read_back(file: str) -> str | None:
    """The file as the loader read it (UTF-8, BOM dropped); None when it cannot be read."""
    try:
        with open(file, encoding="utf-8-sig", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError, ValueError):
        return None
