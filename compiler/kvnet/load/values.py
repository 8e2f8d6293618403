"""Plain JSON-like values that remember their source positions.

A loaded document is made of `YMap` (a dict), `YList` (a list) and plain scalars (str, int, float, bool,
None). Containers carry the span of the container itself and of each key, value and item, so a scalar's
place is found through its parent. Being real dicts and lists, the values go straight into jsonschema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from kvnet.span import Span

# Where a key, value or item was written, as the parser's marks give it (0-based start line, column, end
# line, column). The builder stores these plain tuples — millions of them for a large repository — and a
# `Span` is made only when someone asks for the place; every reader goes through the methods below.
Place = tuple[int, int, int, int]


class MarkedNode(Protocol):
    """A scalar node libyaml composed (composed.py keeps it as the place of its key or value: its marks are
    already there, and copying them into a tuple would cost more than the rare Span made from them)."""

    start_mark: Any
    end_mark: Any


_tuple_new = tuple.__new__


def make_span(file: str, line: int, column: int, end_line: int, end_column: int) -> Span:
    """`Span(...)` without the named tuple's Python-level __new__ (for the loader's hot loop)."""
    span: Span = _tuple_new(Span, (file, line, column, end_line, end_column))
    return span


def place_span(file: str, place: Place) -> Span:
    """The 1-based span of a 0-based place."""
    return make_span(file, place[0] + 1, place[1] + 1, place[2] + 1, place[3] + 1)


def node_span(file: str, node: MarkedNode) -> Span:
    """The 1-based span of a composed scalar node."""
    s, e = node.start_mark, node.end_mark
    return make_span(file, s.line + 1, s.column + 1, e.line + 1, e.column + 1)


def _as_span(file: str, place: Place | MarkedNode) -> Span:
    return place_span(file, place) if place.__class__ is tuple else node_span(file, place)  # type: ignore[arg-type]


class YMap(dict[str, Any]):
    """A mapping with the span of itself, of every key and of every value."""

    __slots__ = ("key_places", "span", "value_places")

    def __init__(self, span: Span) -> None:
        super().__init__()
        self.span = span
        self.key_places: dict[str, Span | Place | MarkedNode] = {}
        self.value_places: dict[str, Span | Place | MarkedNode] = {}

    def key_span(self, key: str) -> Span:
        """Where `key` is written (the mapping's span when it is not)."""
        place = self.key_places.get(key)
        if place is None:
            return self.span
        if place.__class__ is not Span:
            place = self.key_places[key] = _as_span(self.span.file, place)  # type: ignore[arg-type]
        return place

    def value_span(self, key: str) -> Span:
        """Where the value of `key` is written (its key's, or the mapping's, when unknown)."""
        place = self.value_places.get(key)
        if place is None:
            return self.key_span(key)
        if place.__class__ is not Span:
            place = self.value_places[key] = _as_span(self.span.file, place)  # type: ignore[arg-type]
        return place

    def value_offset(self, key: str) -> int | None:
        """The character offset in the file's text where the value of `key` starts, when the loader kept it:
        the composed path keeps it for scalars until their span is asked for (the Span made then replaces
        the node). None otherwise."""
        mark = getattr(self.value_places.get(key), "start_mark", None)
        return None if mark is None else int(mark.index)

    def set_spans(self, key: str, key_span: Span, value_span: Span) -> None:
        """Record the places of an entry added by code rather than by the loader."""
        self.key_places[key] = key_span
        self.value_places[key] = value_span


class YList(list[Any]):
    """A sequence with the span of itself and of every item."""

    __slots__ = ("item_places", "span")

    def __init__(self, span: Span) -> None:
        super().__init__()
        self.span = span
        self.item_places: list[Span | Place | MarkedNode] = []

    def item_span(self, index: int) -> Span:
        """Where item `index` is written (the list's span for an index out of range)."""
        if 0 <= index < len(self.item_places):
            place = self.item_places[index]
            if place.__class__ is not Span:
                place = self.item_places[index] = _as_span(self.span.file, place)  # type: ignore[arg-type]
            return place
        return self.span

    def item_spans(self) -> list[Span]:
        return [self.item_span(i) for i in range(len(self.item_places))]

    def append_with_span(self, value: Any, span: Span) -> None:
        """Add an item made by code rather than by the loader, with its place."""
        self.append(value)
        self.item_places.append(span)


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
