"""What every model builder shares: the document, the spans of what was written, and parse problems.

The schema has already rejected values of the wrong shape; the parsers here still report (rather than
raise) what they cannot read, so one run shows every problem and the builder never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from kvnet.errors import InputProblem
from kvnet.load import Document, YList, YMap
from kvnet.model import IPAddress, IPInterface, IPNetwork
from kvnet.site import values
from kvnet.span import Span

T = TypeVar("T")

EMPTY = YMap(Span("", 0, 0))


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def field_spans(data: Any, aliases: Mapping[str, str] | None = None) -> dict[str, Span]:
    """Span of each value written in a mapping, under its YAML key and its model field name.

    Items of scalar lists are added as `key[i]`. `aliases` adds more names (`subnet` → `subnets`).
    """
    if not isinstance(data, YMap):
        return {}
    spans: dict[str, Span] = {}
    for key in data:
        span = data.value_span(key)
        for name in (key, _snake(key), (aliases or {}).get(key)):
            if name:
                spans.setdefault(name, span)
        items = data[key]
        if isinstance(items, YList):
            for i in range(len(items)):
                spans.setdefault(f"{key}[{i}]", items.item_span(i))
    return spans


def entry_span(parent: YMap, key: str) -> Span:
    """A named entry from its key to the end of its value (`prod-web:` … last line of its body)."""
    k, v = parent.key_span(key), parent.value_span(key)
    return Span(k.file, k.line, k.column, v.end_line or k.end_line, v.end_column or k.end_column)


def mapping(value: Any) -> YMap:
    """The value if it is a mapping, else an empty one (the schema has reported the wrong type)."""
    return value if isinstance(value, YMap) else EMPTY


def items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def text_map(value: Any) -> dict[str, str]:
    """A labels/selector mapping as str → str, keys sorted."""
    if not isinstance(value, dict):
        return {}
    return {str(k): "" if v is None else str(v) for k, v in sorted(value.items())}


@dataclass
class Context:
    """The document being read and the problems found while reading it."""

    doc: Document
    problems: list[InputProblem] = field(default_factory=list)

    @property
    def file(self) -> str:
        return self.doc.file

    def parse(self, parser: Callable[[Any], T], value: Any, span: Span, what: str) -> T | None:
        """Parse a value; on failure record a problem at its place and return None."""
        if value is None:
            return None
        try:
            return parser(value)
        except (ValueError, TypeError) as exc:
            self.problems.append(InputProblem(f"{what} is not valid: {value!r} ({exc})", span))
            return None

    def cidr(self, m: YMap, key: str, what: str) -> IPNetwork | None:
        return self.parse(values.parse_cidr, _str(m.get(key)), m.value_span(key), what)

    def cidrs(self, m: YMap, key: str, what: str) -> tuple[IPNetwork, ...]:
        return tuple(n for n in self._each(values.parse_cidr, m, key, what) if n is not None)

    def ip(self, m: YMap, key: str, what: str) -> IPAddress | None:
        return self.parse(values.parse_ip, _str(m.get(key)), m.value_span(key), what)

    def interface(self, value: Any, span: Span, what: str) -> IPInterface | None:
        return self.parse(values.parse_interface, _str(value), span, what)

    def _each(self, parser: Callable[[str], T], m: YMap, key: str, what: str) -> list[T | None]:
        seq = m.get(key)
        if not isinstance(seq, YList):
            return []
        return [self.parse(parser, _str(v), seq.item_span(i), what) for i, v in enumerate(seq)]


def _str(value: Any) -> Any:
    """Only strings are parsed; the schema reports other types, so they read as missing here."""
    return value if isinstance(value, str) else None
