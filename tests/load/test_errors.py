"""Unusable input: one KvnetInputError with file:line:col and a clear message, never a traceback."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kvnet.errors import InputProblem
from kvnet.load import LoadLimits, SourceFile

Failing = Callable[..., InputProblem]


def at(problem: InputProblem) -> tuple[int, int]:
    assert problem.span is not None
    return problem.span.line, problem.span.column


def test_malformed_yaml_points_at_the_problem(fail: Failing) -> None:
    problem = fail("a: [1, 2\nb: 3\n")
    assert problem.message.startswith("invalid YAML: ")
    assert "flow sequence started at line 1 column 4" in problem.message
    assert at(problem) == (2, 2)


def test_bad_indentation(fail: Failing) -> None:
    problem = fail("a:\n  b: 1\n c: 2\n")
    assert problem.message.startswith("invalid YAML")
    assert at(problem)[0] == 3


def test_duplicate_keys_name_both_places(fail: Failing) -> None:
    problem = fail("name: a\nvlan: 10\nname: b\n")
    assert problem.message == "duplicate key 'name': first at line 1 column 1, again at line 3 column 1"
    assert at(problem) == (3, 1)
    assert [(s.line, s.column) for s, _ in problem.related] == [(1, 1)]
    assert "first definition" in problem.related[0][1]


def test_duplicate_keys_in_flow_and_nested(fail: Failing) -> None:
    problem = fail("spec:\n  nets: {a: 1, b: 2, a: 3}\n")
    assert at(problem) == (2, 22)
    assert [(s.line, s.column) for s, _ in problem.related] == [(2, 10)]


def test_quoted_and_plain_spellings_of_a_key_are_the_same_key(fail: Failing) -> None:
    assert "duplicate key 'on'" in fail("on: 1\n'on': 2\n").message


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("x: !!python/object/apply:os.system ['echo pwned']\n", 4),
        ("x: !!python/name:os.system\n", 4),
        ("x: !!python/object:__main__.Thing {a: 1}\n", 4),
        ("x: !foo bar\n", 4),
        ("x: !foo [1]\n", 4),
        ("x: !foo {a: 1}\n", 4),
        ("!foo k: v\n", 1),
        ("? !!python/tuple [a, b]\n: v\n", 3),
        ("x: !!binary aGVsbG8=\n", 4),
        ("x: !!timestamp 2024-01-01\n", 4),
        ("x: !!set {a: null}\n", 4),
        ("x: !!omap [{a: 1}]\n", 4),
        ("x: !!str [1]\n", 4),
        ("x: !!map [1]\n", 4),
    ],
)
def test_object_constructing_and_unknown_tags_are_refused(fail: Failing, text: str, column: int) -> None:
    problem = fail(text)
    assert "is not allowed" in problem.message and "tag" in problem.message
    assert at(problem) == (text.count("\n", 0, text.index("!")) + 1, column)
    assert problem.hint == "remove the tag"


def test_standard_tags_are_fine(load: Callable[..., SourceFile]) -> None:
    source = load("a: !!str 0755\nb: !!int '12'\nc: !!float 1\nd: !!bool 'true'\ne: !!null ''\nf: ! 12\n")
    assert source.documents[0].data == {"a": "0755", "b": 12, "c": 1.0, "d": True, "e": None, "f": "12"}
    assert source.documents[0].traps == []


def test_a_standard_tag_with_a_wrong_value(fail: Failing) -> None:
    problem = fail("a: !!int twelve\n")
    assert problem.message == "'twelve' is not a valid !!int" and at(problem) == (1, 4)


def test_mapping_keys_must_be_scalars(fail: Failing) -> None:
    assert "mapping key must be a plain value" in fail("? [a, b]\n: c\n").message
    assert "mapping key must be a plain value" in fail("{[a]: b}\n").message
    assert "mapping key must be a plain value" in fail("x: &l [1]\ny: {*l : 2}\n").message


def test_undefined_and_self_referencing_aliases(fail: Failing) -> None:
    assert at(fail("a: *nowhere\n")) == (1, 4)
    problem = fail("a: &x [1, *x]\n")
    assert "no anchor &x before it" in problem.message and at(problem) == (1, 11)


def test_merge_key_needs_mappings(fail: Failing) -> None:
    assert "merge key" in fail("a: &a [1]\nb:\n  <<: *a\n").message
    assert at(fail("a: &a {x: 1}\nb:\n  <<: [*a, 3]\n")) == (3, 12)


def test_tab_indentation_gets_a_hint(fail: Failing) -> None:
    for text in ("a:\n\tb: 1\n", "a:\n  b: 1\n\tc: 2\n", "list:\n- a\n\t- b\n"):
        problem = fail(text)
        assert problem.message.startswith("invalid YAML")
        assert "indent with spaces" in problem.hint, text
        assert at(problem)[0] == text.count("\n", 0, text.index("\t")) + 1


def test_control_characters(fail: Failing) -> None:
    problem = fail("a: ok\nb: x\x01y\n")
    assert "#x0001" in problem.message and at(problem) == (2, 5)
    # the position is in characters even after multi-byte ones on the line
    assert at(fail("é: ü😀\x07\n")) == (1, 6)


def test_long_implicit_key(fail: Failing) -> None:
    assert fail("k" * 2000 + ": 1\n").message.startswith("invalid YAML")


def test_lone_surrogate_escapes_are_refused(fail: Failing) -> None:
    problem = fail('a: "\\ud83d"\n')  # libyaml refuses it while scanning, the fallback when building
    assert "nicode" in problem.message and at(problem)[0] == 1


def test_limits_are_configurable(fail: Failing) -> None:
    problem = fail("a: [[[1]]]\n", limits=LoadLimits(max_depth=2))
    assert problem.message == "nesting deeper than 2 levels" and at(problem) == (1, 5)
    problem = fail("a: 1\n---\nb: 2\n---\nc: 3\n", limits=LoadLimits(max_documents=2))
    assert problem.message == "more than 2 documents in one file" and at(problem) == (4, 1)
    problem = fail("a: " + "x" * 200 + "\n", limits=LoadLimits(max_bytes=100))
    assert "over the limit of 100" in problem.message and "KVNET_MAX_FILE_BYTES" in problem.hint
