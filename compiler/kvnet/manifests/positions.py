"""Places inside a scalar: from a character of a decoded YAML string back to its line and column.

A NAD's CNI JSON or a VM's cloud-init networkData is a string inside the manifest, written as a literal
(`|`, `|-`, `|2`) or folded (`>`) block, or as a quoted scalar spanning lines. Once decoded, its own line
numbers mean nothing to the user. `ScalarPlaces` walks the decoded value and the source text side by side,
matching every non-blank character to where it was written (skipping indentation, folded line breaks,
quote escapes), so a finding about `"vlan": 350` points at that line and column of the file.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate, repeat
from operator import add

from kvnet.span import Span

_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")
_BREAK_CHARS = "\n\r\x85\u2028\u2029"
_OTHER_BREAKS = re.compile("[\r\x85\u2028\u2029]")
# how many visible characters may stand between two matched ones (quote escapes such as '' or \" are short)
_SEARCH = 8


class TextIndex:
    """Line starts of one text (YAML line breaks), to turn a 1-based line and column into an offset."""

    __slots__ = ("starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        if "\r" not in text and (text.isascii() or _OTHER_BREAKS.search(text) is None):
            # only \n: the lines' lengths give the starts, at C speed
            self.starts = list(accumulate(map(add, map(len, text.split("\n")), repeat(1)), initial=0))[:-1]
        else:
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


def _line_text(index: TextIndex, line: int) -> str | None:
    """The text of a 1-based source line without its line break."""
    if not 1 <= line <= len(index.starts):
        return None
    first = index.starts[line - 1]
    last = index.starts[line] if line < len(index.starts) else len(index.text)
    return index.text[first:last].rstrip("\r\n\x85\u2028\u2029")


def _literal_block(value: str, index: TextIndex, start: int, line: int) -> tuple[int, int] | None:
    """(first content line, indentation) when the scalar is a literal block with detected indentation, whose
    lines are then the value's lines shifted right; None for every other style (or a text that differs)."""
    text = index.text
    if text[start] != "|":
        return None
    header_end = start
    while header_end < len(text) and text[header_end] not in _BREAK_CHARS:
        header_end += 1
    indent = _block_indent(value, text[start:header_end], lambda n: _line_text(index, line + 1 + n))
    return None if indent is None else (line + 1, indent)


def _literal_block_at(value: str, text: str, start: int, line: int) -> tuple[int, int] | None:
    """`_literal_block` for a text whose only line break is "\\n", from the scalar's character offset: no
    index of the whole file's lines is needed (a VM's networkData is read once per file)."""
    if text[start:start + 1] != "|":
        return None
    header_end = text.find("\n", start)
    if header_end < 0:
        return None  # no content
    indent = _block_indent(value, text[start:header_end], lambda n: _nth_line(text, header_end + 1, n))
    return None if indent is None else (line + 1, indent)


def _block_indent(value: str, header: str, block_line: Callable[[int], str | None]) -> int | None:
    """The indentation of a literal block (`header`, then line n of the block is `block_line(n)`) whose lines
    are the value's lines shifted right; None for an explicit indentation indicator or a text that differs."""
    if any(c.isdigit() for c in header.split("#", 1)[0]):
        return None  # an explicit indentation indicator: lines may keep extra spaces
    lines = value.split("\n")
    # the first and last lines with something written (the ones checked against the source below)
    first_written = next((i for i, content in enumerate(lines) if content.strip()), None)
    if first_written is None:
        return None
    last_written = next(i for i in range(len(lines) - 1, -1, -1) if lines[i].strip())
    source = block_line(first_written)
    if source is None:
        return None
    indent = len(source) - len(source.lstrip(" "))
    for i in (first_written, last_written):  # check both ends: a mismatch means another text or style
        source = block_line(i)
        if source is None or source[indent:] != lines[i]:
            return None
    return indent


def _nth_line(text: str, position: int, n: int) -> str | None:
    """Line n (from 0) after the line starting at `position`, without its break, in a text whose only line
    break is "\\n"; None past the end."""
    for _ in range(n):
        position = text.find("\n", position) + 1
        if position == 0:
            return None
    end = text.find("\n", position)
    return text[position:] if end < 0 else text[position:end]


class ScalarPlaces:
    """Maps offsets in a scalar's decoded value to spans in the file; coarse (the scalar) without source.

    Literal blocks (`|`, `|-`, `|+`: nearly every NAD config and networkData) map by arithmetic, their
    lines being the value's lines indented; other styles are aligned character by character.
    """

    __slots__ = ("_block", "_places", "_value_index", "file", "scalar", "value")

    def __init__(self, value: str, scalar: Span, index: TextIndex | None,
                 block: tuple[int, int] | None = None) -> None:
        self.value = value
        self.scalar = scalar
        self.file = scalar.file
        self._value_index: TextIndex | None = None
        self._block: tuple[int, int] | None = block  # (first content line, indentation) of a literal block
        self._places: list[tuple[int, int]] | None = None
        if block is not None:
            return
        start = index.offset(scalar.line, scalar.column) if index is not None else None
        if index is None or start is None or start >= len(index.text):
            return
        self._block = _literal_block(value, index, start, scalar.line)
        if self._block is None:
            stop = index.offset(scalar.end_line, scalar.end_column) if scalar.end_line else None
            self._places = _align(value, index.text, start, stop if stop is not None else len(index.text),
                                  scalar.line, scalar.column)

    @property
    def exact(self) -> bool:
        return self._block is not None or self._places is not None

    def _lines(self) -> TextIndex:
        if self._value_index is None:
            self._value_index = TextIndex(self.value)
        return self._value_index

    def _place(self, offset: int) -> tuple[int, int]:
        """(line, column) in the file of the value's character at `offset` (clamped to the value)."""
        if self._block is not None:
            starts = self._lines().starts
            line = bisect_right(starts, offset)
            first_line, indent = self._block
            return first_line + line - 1, indent + offset - starts[line - 1] + 1
        assert self._places is not None
        return self._places[min(max(offset, 0), len(self._places) - 1)]

    def span(self, start: int, end: int) -> Span:
        """The span of value[start:end] in the file."""
        if not self.exact or not self.value:
            return self.scalar
        start = min(max(start, 0), len(self.value) - 1)
        last = min(max(end - 1, start), len(self.value) - 1)
        (line, column), (end_line, end_column) = self._place(start), self._place(last)
        return Span(self.file, line, column, end_line, end_column + 1)

    def point(self, offset: int) -> Span:
        return self.span(offset, offset + 1)

    def from_value_span(self, span: Span) -> Span:
        """A span computed inside the value (1-based line/column of the value text) → a span in the file."""
        if self._block is not None:
            first_line, indent = self._block
            return Span(self.file, first_line + span.line - 1, indent + span.column,
                        first_line + span.end_line - 1 if span.end_line else 0,
                        indent + span.end_column if span.end_line else 0)
        start = self._lines().offset(span.line, span.column)
        if start is None or not self.exact:
            return self.scalar
        stop = self._lines().offset(span.end_line, span.end_column) if span.end_line else None
        return self.span(start, stop if stop is not None and stop > start else start + 1)


# Line indexes kept at once: a check reads its files one after the other, and an index per file kept to the
# end would be a list of line starts for each of thousands of files (a fifth of a 10k-VM check's memory).
_KEEP_INDEXES = 4


class SourceTexts:
    """The text of each manifest file (given by the caller, else read back from disk), indexed lazily."""

    __slots__ = ("_given", "_indexes")

    def __init__(self, given: dict[str, str] | None = None) -> None:
        self._given = dict(given or {})
        self._indexes: dict[str, TextIndex | None] = {}

    def add(self, file: str, text: str) -> None:
        self._given[file] = text

    def index(self, file: str) -> TextIndex | None:
        indexes = self._indexes
        if file in indexes:
            return indexes[file]
        text = self._given.get(file)
        if text is None:
            text = _read_back(file)
        if len(indexes) >= _KEEP_INDEXES:  # readers go file by file: the oldest is done with
            del indexes[next(iter(indexes))]
        found = indexes[file] = TextIndex(text) if text is not None else None
        return found

    def places(self, value: str, scalar: Span, offset: int | None = None) -> ScalarPlaces:
        """The places of `value`, written at `scalar` (which starts at character `offset`, when known)."""
        if offset is not None:
            text = self._given.get(scalar.file)
            # (ASCII without "\r": "\n" is its only line break, which is what the arithmetic below counts)
            if text is not None and offset < len(text) and "\r" not in text and text.isascii():
                block = _literal_block_at(value, text, offset, scalar.line)
                if block is not None:
                    return ScalarPlaces(value, scalar, None, block)
        return ScalarPlaces(value, scalar, self.index(scalar.file))


def _read_back(file: str) -> str | None:
    """The file as the loader read it (UTF-8, BOM dropped); None when it cannot be read."""
    try:
        with open(file, encoding="utf-8-sig", newline="") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError, ValueError):
        return None
