"""No site input makes read_site fail with anything but KvnetInputError, and every problem has a place."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kvnet.errors import KvnetInputError
from kvnet.load import load_text
from kvnet.site import read_site

FULL = Path(__file__).resolve().parents[2] / "samples" / "full" / "site.yaml"
ODD: list[Any] = [None, 0, -1, 99999, 1.5, True, "", "x", "Bad_Name", [], {}, [1], {"a": 1}, "10.0.0.0/8",
                  "02:00:00:00:00:01", "a-b", "{1..2}", "1-2", [None], [{}], "-", "fe80::1/64", "9" * 40]


def _paths(node: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _mutants(count: int, seed: int) -> Iterator[str]:
    base = yaml.safe_load(FULL.read_text(encoding="utf-8"))
    paths = [p for p in _paths(base) if p]
    rng = random.Random(20261129 + seed)
    for _ in range(count):
        data = copy.deepcopy(base)
        for _ in range(rng.randint(0, 3)):  # 0: the sample as is, which must build
            *parents, last = rng.choice(paths)
            node: Any = data
            try:
                for step in parents:
                    node = node[step]
                if isinstance(node, dict) and rng.random() < 0.2:
                    last = rng.choice(["extra", "vlan", "name", "type", "ip"])
                node[last] = copy.deepcopy(rng.choice(ODD))
            except (KeyError, IndexError, TypeError):
                continue
        yield json.dumps(data)


@pytest.mark.parametrize("chunk", range(4))
def test_mutated_sites_never_crash(chunk: int) -> None:
    outcomes = {"built": 0, "rejected": 0}
    for text in _mutants(100, chunk):
        try:
            read_site(load_text(text, "m.json").documents[0])
            outcomes["built"] += 1
        except KvnetInputError as exc:
            outcomes["rejected"] += 1
            assert exc.problems
            assert all(p.span is not None and p.span.line >= 1 and p.message for p in exc.problems)
            assert not any("Traceback" in p.message or "is not valid under" in p.message for p in exc.problems)
    assert outcomes["rejected"] > 0 and outcomes["built"] > 0
