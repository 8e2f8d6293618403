"""Typed, forgiving access to a manifest's fields.

Manifests come from anywhere, so every read checks the type it expects. A value of the wrong type is
skipped and recorded as an InputProblem at its place (never an exception), so one bad field costs only
that field. Values written as nmstate capture templates (`"{{ capture.x }}"`) stand for data filled in
on the node; they are skipped without a problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from kvnet.errors import InputProblem
from kvnet.load import YList, YMap
from kvnet.span import Span


def describe(value: Any) -> str:
    """The type of a value in the user's terms."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__  # pragma: no cover - loaders only produce the types above


def is_template(value: Any) -> bool:
    """A templated value (nmstate capture, Helm left-overs): real data only exists on the cluster."""
    return isinstance(value, str) and "{{" in value


def _accepts_bool(types: type | tuple[type, ...]) -> bool:
    return bool in types if isinstance(types, tuple) else types is bool


@dataclass
class Problems:
    """Where a reader records what it had to skip."""

    items: list[InputProblem] = field(default_factory=list)

    def add(self, message: str, span: Span, hint: str = "") -> None:
        self.items.append(InputProblem(message, span, hint))

    def relocate_since(self, start: int, place: Callable[[Span], Span]) -> None:
        """Move the spans of the problems recorded from `start` on (found inside embedded text)."""
        for i in range(start, len(self.items)):
            problem = self.items[i]
            if problem.span is not None:
                self.items[i] = replace(problem, span=place(problem.span))

    def wrong_type(self, path: str, expected: str, value: Any, span: Span) -> None:
        self.add(f"{path} must be {expected}, not {describe(value)}; kvnet skipped it", span,
                 f"write {path} as {expected}")


class Item(NamedTuple):
    """One entry of a list, with its place; its path (for messages) is made when asked for."""

    value: Any
    span: Span
    owner: Obj  # the mapping holding the list
    key: str  # the list's key in it
    position: int  # the entry's place in the list

    @property
    def path(self) -> str:
        return self.owner.item_path(self.key, self.position)


class Obj:
    """A mapping of a manifest with typed getters that record wrong types instead of raising."""

    # `path` (for messages) is made only when asked for: readers open hundreds of thousands of levels
    __slots__ = ("_parent", "_path", "_step", "data", "problems")

    def __init__(self, data: YMap, path: str, problems: Problems) -> None:
        self.data = data
        self._path: str | None = path
        self._parent: Obj | None = None
        self._step: str | tuple[str, int] = ""
        self.problems = problems

    def _child(self, data: YMap, step: str | tuple[str, int]) -> Obj:
        child: Obj = _new_obj(Obj)
        child.data = data
        child._path = None
        child._parent = self
        child._step = step
        child.problems = self.problems
        return child

    def embedded(self, key: str, data: YMap) -> Obj:
        """The mapping read from the string at `key` (YAML inside a field): its path is the field's."""
        return self._child(data, key)

    @property
    def path(self) -> str:
        """Where this mapping is in the object, as messages name it (`spec.template.spec.networks[1]`)."""
        if self._path is None:
            assert self._parent is not None
            step = self._step
            self._path = self._parent.sub(step) if isinstance(step, str) else self._parent.item_path(*step)
        return self._path

    # ------------------------------------------------------------------------------------------ places

    @property
    def span(self) -> Span:
        return self.data.span

    def at(self, key: str) -> Span:
        """The span of a key's value (of the mapping when the key is absent)."""
        return self.data.value_span(key)

    def key_at(self, key: str) -> Span:
        return self.data.key_span(key)

    def sub(self, key: str) -> str:
        path = self.path
        return f"{path}.{key}" if path else key

    def item_path(self, key: str, index: int) -> str:
        """The path of entry `index` of the list under `key`: `spec.networks[1]`."""
        return f"{self.sub(key)}[{index}]"

    def spans_of(self, **fields: str) -> dict[str, Span]:
        """`spans_of(vlan_id="id")` → {"vlan_id": place of the `id` value}, for the keys that were written."""
        return {name: self.at(key) for name, key in fields.items() if self.has(key)}

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str) -> Any:
        return self.data.get(key)

    # ------------------------------------------------------------------------------------------ getters

    def _typed(self, key: str, types: type | tuple[type, ...], expected: str) -> Any:
        value = self.data.get(key)
        if value is None:
            return None
        # bool is an int to Python, never to Kubernetes
        if isinstance(value, types) and (value.__class__ is not bool or _accepts_bool(types)):
            return value
        if not is_template(value):
            self.problems.wrong_type(self.sub(key), expected, value, self.at(key))
        return None

    def mapping(self, key: str) -> Obj | None:
        value = self.data.get(key)
        if value.__class__ is YMap:  # the common case first, without the generic check
            return self._child(value, key)
        value = self._typed(key, YMap, "a mapping")
        return self._child(value, key) if value is not None else None

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value.__class__ is str:
            return value
        text: str | None = self._typed(key, str, "a string")
        return text

    def integer(self, key: str) -> int | None:
        value: int | None = self._typed(key, int, "an integer")
        return value

    def flag(self, key: str) -> bool | None:
        value: bool | None = self._typed(key, bool, "true or false")
        return value

    def text_or_int(self, key: str) -> str | int | None:
        value: str | int | None = self._typed(key, (str, int), "a string or an integer")
        return value

    def sequence(self, key: str) -> YList | None:
        """The list under `key` itself, for readers that index it (None when absent or not a list)."""
        value: YList | None = self._typed(key, YList, "a list")
        return value

    def items(self, key: str) -> list[Item]:
        """The entries of a list (empty when absent or not a list)."""
        value = self.sequence(key)
        if value is None:
            return []
        return [Item(v, value.item_span(i), self, key, i) for i, v in enumerate(value)]

    def maps(self, key: str) -> list[Obj]:
        """The mapping entries of a list; other entries are recorded and skipped."""
        value = self._typed(key, YList, "a list")
        if value is None:
            return []
        found = []
        for i, item in enumerate(value):
            if item.__class__ is YMap:
                found.append(self._child(item, (key, i)))
            elif item is not None and not is_template(item):
                self.problems.wrong_type(self.item_path(key, i), "a mapping", item, value.item_span(i))
        return found

    def strs(self, key: str) -> list[tuple[str, Span]]:
        """The string entries of a list, each with its place; other entries are recorded and skipped."""
        found = []
        for item in self.items(key):
            if isinstance(item.value, str):
                found.append((item.value, item.span))
            elif item.value is not None:
                self.problems.wrong_type(item.path, "a string", item.value, item.span)
        return found

    def str_map(self, key: str) -> dict[str, str]:
        """A map of strings (labels, selectors, annotations); non-string values are recorded and skipped."""
        value = self.mapping(key)
        return value.string_values() if value is not None else {}

    def string_values(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for k, v in self.data.items():
            if isinstance(v, str):
                found[k] = v
            elif v is None:  # `key:` with no value reads as "" in Go's map[string]string
                found[k] = ""
            else:
                self.problems.wrong_type(self.sub(k), "a string", v, self.at(k))
        return found

    def maps_in(self) -> Iterator[tuple[str, Obj]]:
        """The mapping values of this mapping, by key (netplan `ethernets`, for instance)."""
        for k, v in self.data.items():
            if isinstance(v, YMap):
                yield k, self._child(v, k)
            elif v is not None and not is_template(v):
                self.problems.wrong_type(self.sub(k), "a mapping", v, self.at(k))


_new_obj = Obj.__new__


class Collected:
    """Network keyword arguments being collected, with the span of each."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.spans: dict[str, Span] = {}

    def set(self, field: str, value: Any, span: Span) -> None:
        if value is not None:
            self.values[field] = value
            self.spans[field] = span

    def append(self, field: str, value: Any, span: Span) -> None:
        """Add to a tuple field; the field's span is its first entry's, each entry has `field[i]`."""
        current: tuple[Any, ...] = self.values.get(field, ())
        self.spans.setdefault(field, span)
        self.spans[f"{field}[{len(current)}]"] = span
        self.values[field] = (*current, value)
