"""Emitted YAML reads back as exactly the same data, in YAML 1.1 parsers too, with a stable key order."""

from __future__ import annotations

import pytest
import yaml

from kvnet.emit.bundle import Bundle
from kvnet.emit.yamlout import dump_document, needs_quotes
from kvnet.model import Site

TRAPS = ["52:54:00:12:34:56", "02:00:00:10:00:01", "1:30", "on", "off", "On", "yes", "no", "y", "n", "true",
         "null", "~", "4.18", "4.20", "0755", "08", "1e3", "0x1F", ".inf", "8086", "-10", "", " padded "]


@pytest.mark.parametrize("text", TRAPS)
def test_trap_strings_are_quoted_and_read_back_as_strings(text: str) -> None:
    assert needs_quotes(text) or text == ""
    out = dump_document({"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": text}})
    assert yaml.safe_load(out)["data"]["k"] == text  # PyYAML resolves the YAML 1.1 way
    line = next(line for line in out.splitlines() if line.strip().startswith("k:"))
    assert line.strip() != f"k: {text}" or text == ""


@pytest.mark.parametrize("text", ["br-vm", "ssh-ed25519 AAAA ops@example.com", "158b", "kubevirt.io/domain",
                                  "https://git.example.com/infra/dc1.git", "1Gi", "ens5f0#8-15"])
def test_ordinary_strings_stay_plain(text: str) -> None:
    assert not needs_quotes(text)
    assert f"k: {text}\n" in dump_document({"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": text}})


def test_every_emitted_document_round_trips(sample: tuple[str, Site, Bundle]) -> None:
    _, _, bundle = sample
    for path, manifest in bundle:
        assert yaml.safe_load(dump_document(manifest)) == manifest, path


def test_top_level_order_then_name_first_then_sorted() -> None:
    out = dump_document({"spec": {"b": 1, "a": 2, "name": "x"}, "type": "t", "metadata": {"z": 1, "name": "m"},
                         "kind": "K", "apiVersion": "v1", "data": {}})
    assert [line.split(":")[0] for line in out.splitlines() if not line.startswith(" ")] == [
        "apiVersion", "kind", "metadata", "spec", "data", "type"]
    assert out.index("  name: x") < out.index("  a: 2") < out.index("  b: 1")
    assert out.index("  name: m") < out.index("  z: 1")


def test_multiline_strings_are_literal_blocks() -> None:
    out = dump_document({"apiVersion": "v1", "kind": "ConfigMap", "data": {"config": '{\n  "a": 1\n}\n'}})
    assert "config: |\n    {\n      \"a\": 1\n    }\n" in out
