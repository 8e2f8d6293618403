"""The fast path for ordinary documents: libyaml composes the node tree in C, we copy it into positioned values.

`builder.py` reads the parser's events one by one in Python; that is the reference, and it handles every
document. Most manifests use none of what needs its care (anchors and aliases, tags, merge keys), and for
those libyaml's own composer does the tree-building in C: only the values, their places and the YAML 1.1
notes are left for Python. The result is the same, value for value and place for place (tests compare the
two paths on every YAML file they can find, and on random ones).

Anything out of the ordinary gives up (`Unusual`) and the caller reads the text with the builder, which also
words every error: this path never reports a problem of its own.

libyaml's composer recurses in C once per nesting level and, before libyaml 0.2.6, without a bound: a
hostile `[[[[...` crashes the process. So a text is composed only when its nesting is provably shallow
(`shallow`); the rest goes to the builder, which never recurses.
"""

from __future__ import annotations

import operator
import re
import sys
from typing import Any

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from kvnet.load.builder import Built
from kvnet.load.scalars import SPECIAL_FIRST, resolve_plain, yaml11_reading
from kvnet.load.values import YList, YMap, make_span, node_span

try:
    from yaml._yaml import CParser

    HAVE_LIBYAML = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    HAVE_LIBYAML = False

# The deepest nesting composed in C (a few hundred bytes of C stack a level); the builder's own limit
# (LoadLimits.max_depth) is far below it, so no document the builder accepts is refused for depth here.
_MAX_C_DEPTH = 600
_SURROGATE = re.compile("[\ud800-\udfff]")
_PLAIN = object()  # the "tag" our resolver gives an untagged plain scalar (no text a tag could be)
_intern = sys.intern
_new_map = YMap.__new__
_new_list = YList.__new__


class Unusual(Exception):
    """The text needs the builder: something this path does not read (or an error it does not word)."""


def shallow(text: str) -> bool:
    """True when no nesting in `text` can be deeper than _MAX_C_DEPTH, without parsing it.

    Each flow level opens a bracket. A block collection nested in another starts further right, except a
    sequence written at its parent key's indentation, so at most two block levels share a column; a node
    starts before its line ends. Lines are split at "\\n" only: libyaml's other line breaks would make its
    lines shorter, never longer, so the bound holds.
    """
    flow = text.count("[") + text.count("{")
    if flow > _MAX_C_DEPTH:
        return False
    longest = max(map(len, text.split("\n")))
    return flow + 2 * (longest + 1) <= _MAX_C_DEPTH


if HAVE_LIBYAML:

    class _Composer(CParser):
        """libyaml's composer with a resolver that only tells untagged plain scalars from the rest (we
        resolve those ourselves, the YAML 1.2 way); PyYAML's regex resolver would be most of its time."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> object | None:
            return _PLAIN if kind is ScalarNode and implicit[0] else None

        # The composer calls these two around every node, for path-based resolvers we do not have, and ignores
        # what they return: C functions taking the same arguments cost less than Python ones (2.2% of the
        # instructions of a 1k-VM manifests check).
        descend_resolver = staticmethod(operator.is_)  # (parent node, index or key node)
        ascend_resolver = staticmethod(tuple)  # ()


def compose_documents(text: str, file: str, max_depth: int, max_documents: int,
                      cache: dict[str, tuple[Any, str | None]], cache_max: int) -> list[Built]:
    """Each document that is not empty or null, as the builder gives them.

    Raises Unusual (for the caller to use the builder) on anything but plain data; the caller has checked
    that the text has no anchors and is `shallow`.
    """
    if not HAVE_LIBYAML:  # pragma: no cover - depends on how PyYAML was built
        raise Unusual
    walker = _Walker(file, max_depth, cache, cache_max)
    documents: list[Built] = []
    parser = _Composer(text)
    try:
        index = -1
        while parser.check_node():
            index += 1
            if index >= max_documents:
                raise Unusual
            node = parser.get_node()
            walker.traps = []
            data, where = walker.value(node, 0)
            if data is not None:
                span = node_span(file, where) if where.__class__ is ScalarNode else where
                documents.append(Built(index, data, span, walker.traps))
    except Unusual:
        raise
    except Exception as exc:  # any YAML error: the builder reads the text again and words it
        raise Unusual from exc
    finally:
        parser.dispose()
    return documents


class _Walker:
    """Copies composed nodes into YMap / YList / scalars with the builder's places and YAML 1.1 notes."""

    __slots__ = ("cache", "cache_max", "file", "max_depth", "traps")

    def __init__(self, file: str, max_depth: int, cache: dict[str, tuple[Any, str | None]], cache_max: int) -> None:
        self.file = file
        self.max_depth = max_depth
        self.cache = cache
        self.cache_max = cache_max
        self.traps: list[tuple[Any, str, str]] = []

    def value(self, node: Any, depth: int) -> tuple[Any, Any]:
        """(value, place): a scalar's place is its node (values.MarkedNode), a container's its span."""
        cls = node.__class__
        if cls is ScalarNode:
            return self.scalar(node), node
        if depth >= self.max_depth or node.tag is not None:
            raise Unusual  # too deep, or an explicit tag (the builder checks both and words the error)
        if cls is MappingNode:
            built: YMap | YList = self.mapping(node, depth + 1)
        elif cls is SequenceNode:
            built = self.sequence(node, depth + 1)
        else:  # pragma: no cover - libyaml composes only these three
            raise Unusual
        return built, built.span

    def scalar(self, node: Any) -> Any:
        text = node.value
        tag = node.tag
        if tag is _PLAIN:
            if text == "" or text[0] in SPECIAL_FIRST:
                hit = self.cache.get(text)
                if hit is None:
                    hit = (resolve_plain(text), yaml11_reading(text))
                    if len(self.cache) < self.cache_max:
                        self.cache[text] = hit
                if hit[1] is not None:
                    self.traps.append((node_span(self.file, node), text, hit[1]))
                return hit[0]
            return text
        if tag is not None:  # an explicit tag: the builder checks and applies it
            raise Unusual
        if node.style == '"' and not text.isascii() and _SURROGATE.search(text):
            raise Unusual
        return text

    def mapping(self, node: Any, depth: int) -> YMap:
        built = _new_map(YMap)
        key_places: dict[str, Any] = {}
        value_places: dict[str, Any] = {}
        built.key_places = key_places
        built.value_places = value_places
        last: Any = None
        for key_node, value_node in node.value:
            key = key_node.value
            tag = key_node.tag
            if tag is _PLAIN:  # (only scalars are given that tag)
                if key == "<<":
                    raise Unusual  # a merge key
            elif tag is not None or key_node.__class__ is not ScalarNode or (
                    key_node.style == '"' and not key.isascii() and _SURROGATE.search(key)):
                raise Unusual  # a tagged key, a collection as key, a lone surrogate
            if key in key_places:
                raise Unusual  # a duplicate key: the builder words it
            key = _intern(key)
            key_places[key] = key_node
            built[key], last = self.value(value_node, depth)
            value_places[key] = last
        built.span = self._span(node, last)
        return built

    def sequence(self, node: Any, depth: int) -> YList:
        built = _new_list(YList)
        places: list[Any] = []
        built.item_places = places
        last: Any = None
        for item in node.value:
            value, last = self.value(item, depth)
            built.append(value)
            places.append(last)
        built.span = self._span(node, last)
        return built

    def _span(self, node: Any, last: Any) -> Any:
        """As the builder: a flow collection ends at its bracket, a block one where its last value ends."""
        s = node.start_mark
        if node.flow_style or last is None:
            e = node.end_mark
        elif last.__class__ is ScalarNode:
            e = last.end_mark
        else:  # a collection: its span says where it ends
            return make_span(self.file, s.line + 1, s.column + 1, last.end_line, last.end_column)
        return make_span(self.file, s.line + 1, s.column + 1, e.line + 1, e.column + 1)
