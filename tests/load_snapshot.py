"""A loaded file flattened, with every span and note, to compare two loads exactly (loader tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kvnet.errors import KvnetInputError
from kvnet.load import SourceFile, YList, YMap


def snapshot(value: Any) -> Any:
    """The value with every span it carries, as plain tuples (to compare two loads exactly)."""
    if isinstance(value, YMap):
        return ("map", value.span, [(k, value.key_span(k), value.value_span(k), snapshot(v))
                                    for k, v in value.items()])
    if isinstance(value, YList):
        return ("list", value.span, value.item_spans(), [snapshot(v) for v in value])
    if isinstance(value, float) and value != value:
        return ("nan",)
    return (type(value).__name__, value)


def source_snapshot(source: SourceFile) -> Any:
    return [(d.index, d.span, snapshot(d.data), [(t.span, t.text, t.yaml11_reading) for t in d.traps])
            for d in source.documents]


def load_outcome(load: Callable[[], SourceFile]) -> Any:
    """Everything a load gives: ("ok", its snapshot), or ("error", each problem in full)."""
    try:
        return "ok", source_snapshot(load())
    except KvnetInputError as exc:
        return "error", [(p.message, p.span, p.hint, p.related) for p in exc.problems]
