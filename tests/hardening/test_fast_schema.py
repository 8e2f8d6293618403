"""The compiled yes/no schema check (kvnet.site.fastschema) must agree with jsonschema on every document:
a site it calls valid skips jsonschema, so a wrong "valid" would hide errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kvnet.load import load_file, to_plain
from kvnet.site import schema as site_schema_module
from kvnet.site.fastschema import Unsupported, compile_schema, equal
from kvnet_hardening_mutations import mutations, paths

ROOT = Path(__file__).resolve().parents[2]


def fast() -> Any:
    check = site_schema_module._fast_check()
    assert check is not None, "the site schema must compile (a keyword is not supported?)"
    return check


def slow_valid(data: Any) -> bool:
    return not any(True for _ in site_schema_module._validator().iter_errors(data))


def sample(name: str) -> Any:
    return load_file(ROOT / "samples" / name / "site.yaml").documents[0].data


def test_the_site_schema_compiles_and_the_samples_are_valid() -> None:
    for name in ("minimal", "full"):
        assert fast()(sample(name)) and slow_valid(sample(name))


@pytest.mark.parametrize("name", ["minimal", "full"])
def test_every_value_replaced_by_every_other_type(name: str) -> None:
    disagreements = []
    invalid = 0
    for path, new, data in mutations(sample(name)):
        expected = slow_valid(data)
        invalid += not expected
        if fast()(data) != expected:
            disagreements.append((path, new, expected))
    assert not disagreements, disagreements[:10]
    assert invalid > 200  # the sweep is not vacuous


@pytest.mark.parametrize("name", ["minimal", "full"])
def test_every_key_removed_or_misspelt(name: str) -> None:
    root = sample(name)
    checked = 0
    for path in paths(root):
        data = to_plain(root)
        parent = data
        for step in path[:-1]:
            parent = parent[step]
        if not isinstance(parent, dict):
            continue
        value = parent.pop(path[-1])
        assert fast()(data) == slow_valid(data), ("removed", path)
        parent[f"{path[-1]}x"] = value
        assert fast()(data) == slow_valid(data), ("renamed", path)
        checked += 1
    assert checked > 50


def test_the_benchmark_site_is_valid_both_ways(bench_site: Path) -> None:
    data = load_file(bench_site / "site" / "site.yaml").documents[0].data
    assert fast()(data) and slow_valid(data)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5000, 5000), st.floats(allow_nan=True),
              st.sampled_from(["", "x", "pod", "linux-bridge", "sriov", "10.0.0.0/24", "10.0.0.1", "100-200",
                               "02:00:00:00:00:01", "web-{01..03}", "l2", "bgp", "IPv4", "a" * 300])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_random_replacements_anywhere(data: st.DataObject) -> None:
    root = to_plain(sample("full"))
    all_paths = list(paths(root))
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(all_paths))
        target = root
        try:
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = data.draw(json_values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this place
    assert fast()(root) == slow_valid(root)


def test_unknown_keywords_are_refused() -> None:
    with pytest.raises(Unsupported):
        compile_schema({"type": "object", "patternProperties": {"^x": {}}, "additionalProperties": False}, {})
    with pytest.raises(Unsupported):
        compile_schema({"format": "email"}, {})
    with pytest.raises(Unsupported):
        compile_schema({"unevaluatedProperties": False}, {})


@pytest.mark.parametrize(("one", "two", "same"), [
    (1, True, False), (0, False, False), (1, 1.0, True), ([1], [True], False), ({"a": [1]}, {"a": [1]}, True),
    ("1", 1, False), (None, None, True), ([], {}, False),
])
def test_equal_is_json_equality(one: Any, two: Any, same: bool) -> None:
    assert equal(one, two) is same
