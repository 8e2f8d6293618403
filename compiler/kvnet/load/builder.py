"""Parser events → positioned plain values, in one loop with an explicit stack.

PyYAML's composers (the C one too) recurse once per nesting level, so hostile nesting crashes them (the C
one with a segfault). The builder never composes: it reads the parser's events and builds `YMap` / `YList` /
scalars directly. Nothing recurses, so depth is checked as it grows, and aliases share the value their
anchor built while the values they stand for are counted against a budget ("billion laughs"). Ordinary,
provably shallow documents take a faster path first (composed.py); the builder is the reference.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from kvnet.errors import KvnetInputError
from kvnet.load.scalars import SPECIAL_FIRST, resolve_plain, yaml11_reading
from kvnet.load.values import Place, YList, YMap, make_span, place_span
from kvnet.span import Span

_STR = "tag:yaml.org,2002:str"
_SCALAR_TAGS = frozenset({None, "!", _STR} | {f"tag:yaml.org,2002:{k}" for k in ("int", "float", "bool", "null")})
_MAP_TAGS = frozenset({None, "!", "tag:yaml.org,2002:map"})
_SEQ_TAGS = frozenset({None, "!", "tag:yaml.org,2002:seq"})
_SURROGATE = re.compile("[\ud800-\udfff]")
_MERGE = object()  # the pending "key" of a `<<:` entry
# bound once: the loop below runs once per parser event (millions for a large repository)
_span = make_span
_intern = sys.intern
_new_map = YMap.__new__
_new_list = YList.__new__
# plain scalar text → (value, YAML 1.1 reading), for texts that may not read as text; shared by every file
# read (the values are immutable) and bounded
PLAIN_READINGS: dict[str, tuple[Any, str | None]] = {}
PLAIN_READINGS_MAX = 65536


class Limits:
    """The bounds the builder enforces (filled from LoadLimits)."""

    __slots__ = ("max_depth", "max_documents", "max_values")

    def __init__(self, max_depth: int, max_documents: int, max_values: int) -> None:
        self.max_depth = max_depth
        self.max_documents = max_documents
        self.max_values = max_values


class Built:
    """One document as built: stream index, root value, its span and the YAML 1.1 traps noticed."""

    __slots__ = ("data", "index", "span", "traps")

    def __init__(self, index: int, data: Any, span: Span, traps: list[tuple[Span, str, str]]) -> None:
        self.index = index
        self.data = data
        self.span = span
        self.traps = traps


def _fail(message: str, span: Span, hint: str = "", related: tuple[tuple[Span, str], ...] = ()) -> KvnetInputError:
    return KvnetInputError.single(message, span, hint, related)


def _explicit_scalar(value: str, tag: str, span: Span) -> Any:
    """A scalar with an explicit standard tag such as `!!int 5`."""
    kind = tag.rsplit(":", 1)[-1]
    try:
        if kind == "int":
            return int(value.replace("_", ""), 0)
        if kind == "float":
            return float(value.replace("_", ""))
        if kind == "bool":
            return {"true": True, "false": False}[value.lower()]
        if kind == "null":
            if value not in ("", "~", "null", "Null", "NULL"):
                raise ValueError(value)
            return None
    except (ValueError, KeyError):
        raise _fail(f"{value[:80]!r} is not a valid !!{kind}", span, "remove the tag or fix the value") from None
    return value


def _as_span(file: str, place: Span | Place) -> Span:
    # (a Span is a named tuple too: a place is a plain one)
    return place_span(file, place) if place.__class__ is tuple else place  # type: ignore[arg-type,return-value]


def build_documents(get_event: Callable[[], Any], file: str, limits: Limits) -> list[Built]:
    """Read every event of a stream and build its documents (empty and null documents are left out).

    Scalars, keys and items get a `Place` tuple (cheap; made into a Span when asked for); containers and
    document roots get a Span.
    """
    documents: list[Built] = []
    # per open collection: [container, pending key, key place, merged keys, values before it, anchor, flow,
    # place of the last value attached]
    stack: list[list[Any]] = []
    anchors: dict[str, tuple[Any, int, str | None]] = {}  # name → (value, values it stands for, scalar text)
    traps: list[tuple[Span, str, str]] = []
    root: Any = None
    root_span: Span | None = None
    index = -1
    values = 0  # values built so far in the file, counting each alias as the values it stands for
    max_depth = limits.max_depth
    cache = PLAIN_READINGS
    where: Span | Place

    while True:
        event = get_event()
        cls = event.__class__
        if cls is ScalarEvent:
            s, e = event.start_mark, event.end_mark
            values += 1
            if stack:
                frame = stack[-1]
                if frame[1] is None and frame[0].__class__ is YMap and event.tag is None and event.anchor is None \
                        and event.style != '"':
                    # A mapping key (half of all scalars), the common way: no tag, no anchor, no escapes to check.
                    # Keys are names: the text written (`on:` stays "on", `1:` is "1"), never a YAML 1.1 note;
                    # interned, as the same few names repeat in every object (one copy each).
                    text = event.value
                    frame[1] = _MERGE if (text == "<<" and not event.style) else _intern(text)
                    frame[2] = (s.line, s.column, e.line, e.column)
                    continue
            where = (s.line, s.column, e.line, e.column)
            text = event.value
            tag = event.tag
            if tag is None and not event.style:  # plain: YAML 1.2 reading, YAML 1.1 trap noted (not for keys)
                value: Any = text
                if text == "" or text[0] in SPECIAL_FIRST:
                    hit = cache.get(text)
                    if hit is None:
                        hit = (resolve_plain(text), yaml11_reading(text))
                        if len(cache) < PLAIN_READINGS_MAX:  # the common ones (true, 0, 443, ...) repeat
                            cache[text] = hit
                    value = hit[0]
                    if hit[1] is not None and (not stack or stack[-1][1] is not None
                                               or stack[-1][0].__class__ is YList):
                        traps.append((place_span(file, where), text, hit[1]))
            elif tag in (None, "!", _STR):
                value = text
                if event.style == '"' and not text.isascii() and _SURROGATE.search(text):
                    raise _fail("invalid Unicode escape (a lone UTF-16 surrogate)", place_span(file, where),
                                "write the character itself")
            elif tag in _SCALAR_TAGS:
                value = _explicit_scalar(text, tag, place_span(file, where))
            else:
                raise _fail(f"tag {tag!r} is not allowed: kvnet reads plain data and never constructs objects",
                            place_span(file, where), "remove the tag")
            if event.anchor is not None:
                anchors[event.anchor] = (value, 1, text)
        elif cls is MappingStartEvent or cls is SequenceStartEvent:
            s, e = event.start_mark, event.end_mark
            start = (s.line, s.column, e.line, e.column)
            is_map = cls is MappingStartEvent
            if event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
                raise _fail(f"tag {event.tag!r} is not allowed: kvnet reads plain data and never constructs "
                            "objects", place_span(file, start), "remove the tag")
            if len(stack) >= max_depth:
                raise _fail(f"nesting deeper than {max_depth} levels", place_span(file, start), "flatten the document")
            if stack and stack[-1][1] is None and stack[-1][0].__class__ is YMap:
                raise _fail("a mapping key must be a plain value, not a list or mapping", place_span(file, start))
            values += 1
            # the constructors without their Python-level __init__ (thousands of containers per second)
            container: YMap | YList
            if is_map:
                container = _new_map(YMap)
                container.key_places = {}
                container.value_places = {}
            else:
                container = _new_list(YList)
                container.item_places = []
            # its span is set when it ends (where it ends is known then)
            stack.append([container, None, None, None, values, event.anchor, event.flow_style, None, start])
            continue
        elif cls is MappingEndEvent or cls is SequenceEndEvent:
            frame = stack.pop()
            value = frame[0]
            start = frame[8]
            last = frame[7]
            if frame[6]:  # flow: ends at the bracket
                e = event.end_mark
                span = _span(file, start[0] + 1, start[1] + 1, e.line + 1, e.column + 1)
            elif last is None:  # nothing inside (an empty document's null root, say): the start token
                span = place_span(file, start)
            elif last.__class__ is tuple:  # block: ends where its last value ends, not at the next token
                span = _span(file, start[0] + 1, start[1] + 1, last[2] + 1, last[3] + 1)
            else:
                span = _span(file, start[0] + 1, start[1] + 1, last.end_line, last.end_column)
            value.span = where = span
            if frame[5] is not None:
                anchors[frame[5]] = (value, values - frame[4] + 1, None)
        elif cls is AliasEvent:
            s, e = event.start_mark, event.end_mark
            where = (s.line, s.column, e.line, e.column)
            found = anchors.get(event.anchor)
            if found is None:
                raise _fail(f"alias *{event.anchor} has no anchor &{event.anchor} before it", place_span(file, where),
                            "define the anchor first (an anchor cannot refer to itself)")
            value, size, anchor_text = found
            values += size
            if values > limits.max_values:
                raise _fail("too many values: alias expansion exceeds the limit (a 'billion laughs' document?)",
                            place_span(file, where), "remove the nested aliases (*name) or write the values out")
            if stack and stack[-1][1] is None and stack[-1][0].__class__ is YMap:
                if anchor_text is None:
                    raise _fail("a mapping key must be a plain value, not a list or mapping", place_span(file, where))
                value = anchor_text  # an aliased key is the text written at its anchor
        elif cls is DocumentStartEvent:
            index += 1
            if index >= limits.max_documents:
                raise _fail(f"more than {limits.max_documents} documents in one file",
                            _span(file, event.start_mark.line + 1, 1, event.start_mark.line + 1, 1), "split the file")
            anchors = {}
            traps = []
            root = root_span = None
            continue
        elif cls is DocumentEndEvent:
            if root is not None and root_span is not None:
                documents.append(Built(index, root, root_span, traps))
            continue
        elif cls is StreamEndEvent:
            return documents
        else:  # StreamStartEvent
            continue

        # A value is complete: attach it to the open collection, or make it the document's root.
        if not stack:
            root, root_span = value, _as_span(file, where)
            continue
        frame = stack[-1]
        parent = frame[0]
        if parent.__class__ is YList:
            frame[7] = where
            parent.append(value)
            parent.item_places.append(where)
            continue
        key = frame[1]
        if key is None:  # this value is a key
            if cls is ScalarEvent:  # a key with a tag, an anchor or double quotes (the others are read above)
                frame[1] = _MERGE if (text == "<<" and not event.style and event.tag is None) else _intern(text)
            else:
                frame[1] = value
            frame[2] = where
            continue
        frame[1] = None
        frame[7] = where
        if key is _MERGE:
            _merge(parent, value, _as_span(file, where), frame)
            continue
        if key in parent.key_places and (frame[3] is None or key not in frame[3]):
            first = _as_span(file, parent.key_places[key])
            second = _as_span(file, frame[2])
            raise _fail(
                f"duplicate key {key!r}: first at line {first.line} column {first.column}, "
                f"again at line {second.line} column {second.column}",
                second,
                "remove one of the two entries; YAML readers silently keep only the last",
                ((first, f"first definition of {key!r}"),),
            )
        if frame[3] is not None:
            frame[3].discard(key)
        parent[key] = value
        parent.key_places[key] = frame[2]
        parent.value_places[key] = where


def _merge(target: YMap, value: Any, span: Span, frame: list[Any]) -> None:
    """YAML 1.1 merge keys (`<<: *base`, `<<: [*a, *b]`), as Kubernetes accepts them: keys written in the
    mapping win over merged ones, and earlier sources win over later ones."""
    sources = value if isinstance(value, YList) else [value]
    for i, source in enumerate(sources):
        if not isinstance(source, YMap):
            where = value.item_span(i) if isinstance(value, YList) else span
            raise _fail("a merge key (<<) needs a mapping or a list of mappings", where)
        merged: set[str] = frame[3] if frame[3] is not None else set()
        frame[3] = merged
        for k, v in source.items():
            if k not in target:
                target[k] = v
                target.set_spans(k, source.key_span(k), source.value_span(k))
                merged.add(k)
