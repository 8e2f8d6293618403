"""Strict JSON (RFC 8259, as Go's encoding/json reads CNI configs) into positioned YMap / YList values.

Strings are decoded by the standard library's scanner; the rest is a small recursive descent with a depth
bound. Spans come from a callback that turns offsets of the JSON text into places in the source file,
so values parsed out of a YAML block scalar point into the manifest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from kvnet.load import YList, YMap
from kvnet.span import Span

SpanOf = Callable[[int, int], Span]
# the standard library's (C) string scanner; typeshed does not declare it
scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

_WS = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


class JsonSyntaxError(ValueError):
    """Text that is not JSON: the reason and the offset where reading stopped."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


class _Parser:
    def __init__(self, text: str, span_of: SpanOf, max_depth: int) -> None:
        self.text = text
        self.span_of = span_of
        self.max_depth = max_depth

    def ws(self, i: int) -> int:
        match = _WS.match(self.text, i)
        return match.end() if match else i

    def char(self, i: int) -> str:
        return self.text[i] if i < len(self.text) else ""

    def value(self, i: int, depth: int) -> tuple[Any, int]:
        """The value starting at offset i (no leading blanks) and the offset after it."""
        char = self.char(i)
        if char == "{":
            return self.obj(i, depth + 1)
        if char == "[":
            return self.array(i, depth + 1)
        if char == '"':
            return self.string(i)
        match = _NUMBER.match(self.text, i)
        if match and match.end() > i:
            text = match.group(0)
            return (float(text) if match.group(1) or match.group(2) else int(text)), match.end()
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, i):
                return literal, i + len(word)
        if not char:
            raise JsonSyntaxError("the JSON text ends where a value was expected", i)
        raise JsonSyntaxError(f"unexpected character {char!r} where a value was expected", i)

    def string(self, i: int) -> tuple[str, int]:
        try:
            text, end = scanstring(self.text, i + 1, True)
        except json.JSONDecodeError as exc:
            raise JsonSyntaxError(exc.msg.lower(), exc.pos) from None
        return text, end

    def check_depth(self, i: int, depth: int) -> None:
        if depth > self.max_depth:
            raise JsonSyntaxError(f"nesting deeper than {self.max_depth} levels", i)

    def obj(self, start: int, depth: int) -> tuple[YMap, int]:
        self.check_depth(start, depth)
        result = YMap(self.span_of(start, start + 1))
        i = self.ws(start + 1)
        if self.char(i) == "}":
            result.span = self.span_of(start, i + 1)
            return result, i + 1
        while True:
            if self.char(i) != '"':
                raise JsonSyntaxError("expected a quoted key", i)
            key_start = i
            key, i = self.string(i)
            key_span = self.span_of(key_start, i)
            i = self.ws(i)
            if self.char(i) != ":":
                raise JsonSyntaxError(f"expected ':' after the key {key!r}", i)
            i = self.ws(i + 1)
            value_start = i
            value, i = self.value(i, depth)
            result[key] = value  # a repeated key: the last one wins, as in Go
            result.set_spans(key, key_span, self.span_of(value_start, i))
            i = self.ws(i)
            if self.char(i) == ",":
                i = self.ws(i + 1)
                continue
            if self.char(i) == "}":
                result.span = self.span_of(start, i + 1)
                return result, i + 1
            raise JsonSyntaxError(f"expected ',' or '}}' after the value of {key!r}", i)

    def array(self, start: int, depth: int) -> tuple[YList, int]:
        self.check_depth(start, depth)
        result = YList(self.span_of(start, start + 1))
        i = self.ws(start + 1)
        if self.char(i) == "]":
            result.span = self.span_of(start, i + 1)
            return result, i + 1
        while True:
            item_start = i
            item, i = self.value(i, depth)
            result.append_with_span(item, self.span_of(item_start, i))
            i = self.ws(i)
            if self.char(i) == ",":
                i = self.ws(i + 1)
                continue
            if self.char(i) == "]":
                result.span = self.span_of(start, i + 1)
                return result, i + 1
            raise JsonSyntaxError("expected ',' or ']' after a list item", i)


def parse_json(text: str, span_of: SpanOf, max_depth: int = 64) -> Any:
    """Parse one JSON value with positions. Raises JsonSyntaxError (message, offset) when it is not JSON."""
    parser = _Parser(text, span_of, max_depth)
    i = parser.ws(0)
    value, i = parser.value(i, 0)
    i = parser.ws(i)
    if i < len(text):
        raise JsonSyntaxError(f"unexpected {text[i]!r} after the end of the JSON value", i)
    return value
