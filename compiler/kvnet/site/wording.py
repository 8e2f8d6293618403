"""Words for places and values in a site: `interface "prod" of VM "db-1"`, `the text "abc"`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# Mappings whose keys name entities: the key under which they sit → what one entry is called.
_NAMED = {
    "nodeGroups": "node group",
    "nics": "NIC",
    "bonds": "bond",
    "bridges": "bridge",
    "vlanInterfaces": "VLAN interface",
    "networks": "network",
    "pools": "address pool",
}
# Lists whose items are entities: the key → what one item is called.
_LISTED = {"nodes": "node", "vms": "VM", "interfaces": "interface", "expose": "exposure"}

_TYPE_WORDS = {
    "integer": "a whole number",
    "number": "a number",
    "string": "text",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "empty",
}


def entity_name(collection: str) -> str | None:
    """What one entry of a named mapping is called: "networks" → "network"."""
    return _NAMED.get(collection)


def quoted(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def type_word(kind: str) -> str:
    return _TYPE_WORDS.get(kind, kind)


def value_word(value: Any, bare: bool = False) -> str:
    """`the text "abc"`, `the number 5`, `a list`; with bare=True scalars are just shown (`"abc"`, `5`)."""
    if isinstance(value, bool):
        return ("true" if value else "false") if bare else f"the boolean {'true' if value else 'false'}"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, int | float):
        return str(value) if bare else f"the number {value}"
    if isinstance(value, str):
        return quoted(value) if bare else f"the text {quoted(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def describe(root: Any, path: Sequence[str | int]) -> tuple[str, str]:
    """(field, owner) for a JSON path: ("vlan", 'network "prod-web"'), ("mac", 'interface "x" of VM "y"').

    The owner is the innermost named thing (with its parent when nested); the field is the rest of the path.
    """
    owners: list[str] = []
    field_start = 0
    node: Any = root
    previous: str | int | None = None
    for index, step in enumerate(path):
        child = _child(node, step)
        label = None
        if isinstance(step, str) and isinstance(previous, str) and previous in _NAMED:
            label = f"{_NAMED[previous]} {quoted(step)}"
        elif isinstance(step, int) and isinstance(previous, str) and previous in _LISTED:
            label = f"{_LISTED[previous]} {quoted(_item_name(child, step))}"
        if label:
            owners.append(label)
            field_start = index + 1
        node = child
        previous = step
    field = _join(path[field_start:])
    if not owners and path and path[0] == "spec":
        field = _join(path[1:])
    owner = " of ".join(reversed(owners[-2:]))
    return field, owner


def _child(node: Any, step: str | int) -> Any:
    try:
        return node[step]
    except (KeyError, IndexError, TypeError):
        return None


def _item_name(item: Any, index: int) -> str:
    if isinstance(item, dict):
        for key in ("name", "port"):
            if isinstance(item.get(key), str | int) and not isinstance(item.get(key), bool):
                return str(item[key])
    return f"#{index + 1}"


def _join(steps: Sequence[str | int]) -> str:
    text = ""
    for step in steps:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text
