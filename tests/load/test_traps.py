"""YAML 1.1 traps: unquoted values read as the text written (YAML 1.2 core), each noted with its place."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from kvnet.load import SourceFile, yaml11_reading
from kvnet.load.scalars import resolve_plain

Loader = Callable[..., SourceFile]


def single_value(load: Loader, written: str) -> tuple[Any, list[tuple[int, int, str, str]]]:
    doc = load(f"key: {written}\n").documents[0]
    traps = [(t.span.line, t.span.column, t.text, t.yaml11_reading) for t in doc.traps]
    return doc.data["key"], traps


@pytest.mark.parametrize(
    ("written", "reading"),
    [
        ("52:54:00:12:34:56", "a base-60 integer"),
        ("12:30", "a base-60 integer"),
        ("0000:18:00.1", "a base-60 float"),
        ("on", "a boolean (true)"),
        ("On", "a boolean (true)"),
        ("yes", "a boolean (true)"),
        ("y", "a boolean (true)"),
        ("Y", "a boolean (true)"),
        ("no", "a boolean (false)"),
        ("NO", "a boolean (false)"),
        ("off", "a boolean (false)"),
        ("n", "a boolean (false)"),
        ("1_000", "a number (underscores dropped)"),
        ("1_000.5", "a number (underscores dropped)"),
        ("1__", "a number (underscores dropped)"),
        ("0b1010", "a binary integer"),
    ],
)
def test_text_that_yaml11_reads_as_a_number_or_boolean(load: Loader, written: str, reading: str) -> None:
    value, traps = single_value(load, written)
    assert value == written  # the text the author wrote, as YAML 1.2 and Kubernetes read it
    assert traps == [(1, 6, written, reading)]


def test_what_pyyaml_would_have_read() -> None:
    """The traps are real: PyYAML's safe loader reads these as numbers and booleans."""
    read = yaml.safe_load("mac: 52:54:00:12:34:56\npci: 0000:18:00.1\na: on\nb: no\nc: 0755\nd: 1_000\n")
    assert read == {"mac": 41135085296, "pci": pytest.approx(1080.1), "a": True, "b": False,
                    "c": 493, "d": 1000}


def test_leading_zero_octal_is_a_decimal_number_with_a_note(load: Loader) -> None:
    value, traps = single_value(load, "0755")
    assert value == 755  # YAML 1.2 core: decimal; YAML 1.1 would say 493
    assert traps == [(1, 6, "0755", "an octal integer")]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("true", True), ("True", True), ("FALSE", False), ("null", None), ("~", None), ("", None),
        ("123", 123), ("-7", -7), ("+3", 3), ("1.5", 1.5), ("-.5", -0.5), ("1e3", 1000.0), ("0x1F", 31),
        ("0o17", 15), (".inf", math.inf), ("-.Inf", -math.inf), ("0", 0), ("00", 0),
        ("02:00:00:aa:bb:cc", "02:00:00:aa:bb:cc"), ("00:11:22:33:44:55", "00:11:22:33:44:55"),
        ("2024-01-01", "2024-01-01"), ("1.2.3", "1.2.3"), ("10.0.0.1/24", "10.0.0.1/24"), ("v1", "v1"),
        ("nope", "nope"), ("onion", "onion"), ("_1", "_1"),
    ],
)
def test_yaml12_core_resolution_without_traps(load: Loader, written: str, expected: Any) -> None:
    value, traps = single_value(load, written)
    assert value == expected and type(value) is type(expected)
    assert traps == []


def test_nan(load: Loader) -> None:
    value, traps = single_value(load, ".nan")
    assert math.isnan(value) and traps == []


@pytest.mark.parametrize("quote", ["'", '"'])
def test_quoted_values_give_no_trap(load: Loader, quote: str) -> None:
    for written in ("52:54:00:12:34:56", "on", "no", "0755", "1_000", "0000:18:00.1", "123", "true"):
        value, traps = single_value(load, f"{quote}{written}{quote}")
        assert value == written and traps == []


def test_block_scalars_give_no_trap(load: Loader) -> None:
    doc = load("a: |-\n  on\nb: >-\n  no\n").documents[0]
    assert doc.data == {"a": "on", "b": "no"} and doc.traps == []


def test_keys_never_give_traps_and_stay_text(load: Loader) -> None:
    doc = load("on: 1\nno: 2\n0755: 3\n12:30: 4\ntrue: 5\n123: 6\nnull: 7\n").documents[0]
    assert list(doc.data) == ["on", "no", "0755", "12:30", "true", "123", "null"]
    assert doc.traps == []


def test_traps_in_sequences_flow_and_nested_places(load: Loader) -> None:
    doc = load("""\
        vms:
          - name: a
            enabled: yes
            ports: [22, on, "off"]
        """).documents[0]
    assert [(t.span.line, t.span.column, t.text) for t in doc.traps] == [(3, 14, "yes"), (4, 17, "on")]
    assert doc.data["vms"][0]["ports"] == [22, "on", "off"]


def test_traps_are_per_document(load: Loader) -> None:
    docs = load("a: on\n---\nb: off\n---\nc: x\n").documents
    assert [[t.text for t in d.traps] for d in docs] == [["on"], ["off"], []]


def test_trap_span_is_the_value_span(load: Loader) -> None:
    doc = load("spec:\n  mac: 52:54:00:12:34:56\n").documents[0]
    assert doc.traps[0].span == doc.data["spec"].value_span("mac")


def test_a_scalar_document_can_be_a_trap(load: Loader) -> None:
    assert [t.text for t in load("yes\n").documents[0].traps] == ["yes"]


def test_yaml11_reading_and_resolve_plain_directly() -> None:
    assert yaml11_reading("text") is None
    assert yaml11_reading("0") is None and yaml11_reading("+0") is None
    assert yaml11_reading("-1_0") == "a number (underscores dropped)"
    assert resolve_plain("1" * 5000) == "1" * 5000  # too long for int(): kept as written
