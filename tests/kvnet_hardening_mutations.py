"""Mutations of loaded documents for the sweeps: every value replaced by a value of each other JSON type."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from kvnet.load import to_plain

Path = tuple[str | int, ...]

REPLACEMENTS: tuple[Any, ...] = ([], ["x", 1], {}, {"k": "v"}, 0, -1, 4096, 1.5, "", "text", True, None)


def paths(value: Any, prefix: Path = ()) -> Iterator[Path]:
    """Every path to a value (containers included) below the root."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield (*prefix, i)
            yield from paths(item, (*prefix, i))


def replaced(root: Any, path: Path, new: Any) -> Any:
    """A plain deep copy of `root` with the value at `path` replaced by `new`."""
    data = to_plain(root)
    target = data
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = copy.deepcopy(new)
    return data


def mutations(root: Any, replacements: tuple[Any, ...] = REPLACEMENTS) -> Iterator[tuple[Path, Any, Any]]:
    """(path, replacement, mutated document) for every path and every replacement of another kind."""
    for path in paths(root):
        original = _at(root, path)
        for new in replacements:
            if not (type(new) is type(original) and new == original):
                yield path, new, replaced(root, path, new)


def _at(root: Any, path: Path) -> Any:
    for step in path:
        root = root[step]
    return root
