"""Plain JSON-like values that remember their source positions.

A loaded document is made of `YMap` (a dict), `YList` (a list) and plain scalars (str, int, float, bool,
None). Containers carry the span of the container itself and of each key, value and item, so a scalar's
place is found through its parent. Being real dicts and lists, the values go straight into jsonschema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kvnet.span import Span


class YMap(dict[str, Any]):
    """A mapping with the span of itself, of every key and of every value."""

    __slots__ = ("key_spans", "span", "value_spans")

    def __init__(self, span: Span) -> None:
        super().__init__()
        self.span = span
        self.key_spans: dict[str, Span] = {}
        self.value_spans: dict[str, Span] = {}

    def key_span(self, key: str) -> Span:
        return self.key_spans.get(key, self.span)

    def value_span(self, key: str) -> Span:
        return self.value_spans.get(key, self.key_spans.get(key, self.span))


class YList(list[Any]):
    """A sequence with the span of itself and of every item."""

    __slots__ = ("item_spans", "span")

    def __init__(self, span: Span) -> None:
        super().__init__()
        self.span = span
        self.item_spans: list[Span] = []

    def item_span(self, index: int) -> Span:
        if 0 <= index < len(self.item_spans):
            return self.item_spans[index]
        return self.span


def span_of(value: Any, default: Span) -> Span:
    """The span of a container value, or `default` for scalars (which do not carry one)."""
    if isinstance(value, YMap | YList):
        return value.span
    return default


def locate(root: Any, path: Sequence[str | int], default: Span, *, key: bool = False) -> Span:
    """The span of the value at `path` inside `root` (the deepest one known when the path runs out).

    With `key=True` and a path ending in a mapping key, the key's span is returned instead of its value's.
    """
    current: Any = root
    best = span_of(root, default)
    for i, step in enumerate(path):
        last = i == len(path) - 1
        if isinstance(current, YMap) and isinstance(step, str) and step in current:
            best = current.key_span(step) if (key and last) else current.value_span(step)
            current = current[step]
        elif isinstance(current, YList) and isinstance(step, int) and 0 <= step < len(current):
            best = current.item_span(step)
            current = current[step]
        else:
            break
    return best


def to_plain(value: Any) -> Any:
    """A deep copy as builtin dicts and lists (for output where positions do not matter)."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    return value
