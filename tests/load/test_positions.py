"""Every key, value and item knows its 1-based line and column, in block and flow style, YAML and JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import yaml

from kvnet.load import C_LOADER, SourceFile, YList, YMap, locate, span_of, to_plain
from kvnet.span import Span, file_span

Loader = Callable[..., SourceFile]


def at(span: Span) -> tuple[int, int]:
    return span.line, span.column


def test_block_mapping_keys_and_values(load: Loader) -> None:
    source = load("""\
        apiVersion: kvnet.dev/v1alpha1
        kind: Site
        metadata:
          name: lab
        """)
    data = source.documents[0].data
    assert isinstance(data, YMap)
    assert data.key_span("kind") == Span("f.yaml", 2, 1, 2, 5)
    assert data.value_span("kind") == Span("f.yaml", 2, 7, 2, 11)
    meta = data["metadata"]
    assert isinstance(meta, YMap)
    assert at(meta.span) == (4, 3)
    assert data.value_span("metadata") == meta.span
    assert at(meta.key_span("name")) == (4, 3)
    assert meta.value_span("name") == Span("f.yaml", 4, 9, 4, 12)
    assert source.documents[0].span == data.span and at(data.span) == (1, 1)


def test_block_sequence_items_and_nested_mappings(load: Loader) -> None:
    data = load("""\
        vms:
          - name: web-01
            mac: "02:00:00:00:00:01"
          - db
          -
            - nested
        """).documents[0].data
    vms = data["vms"]
    assert isinstance(vms, YList)
    assert [at(s) for s in vms.item_spans()] == [(2, 5), (4, 5), (6, 5)]
    first = vms[0]
    assert isinstance(first, YMap)
    assert at(first.value_span("mac")) == (3, 10)
    assert first.value_span("mac").end_column == 29  # the closing quote is part of the value
    # a block container ends where its last value ends, not where the next token starts
    assert (first.span.end_line, first.span.end_column) == (3, 29)
    assert (vms.span.line, vms.span.end_line) == (2, 6)
    inner = vms[2]
    assert isinstance(inner, YList) and at(inner.item_span(0)) == (6, 7)


def test_flow_style_positions(load: Loader) -> None:
    data = load('ports: [22, 80, {name: https, port: 443}]\nlabels: {app: web, "tier": front}\n').documents[0].data
    ports = data["ports"]
    assert [at(s) for s in ports.item_spans()] == [(1, 9), (1, 13), (1, 17)]
    assert ports.span == Span("f.yaml", 1, 8, 1, 42)  # a flow collection ends at its bracket
    assert at(ports[2].value_span("port")) == (1, 37)
    labels = data["labels"]
    assert at(labels.key_span("tier")) == (2, 20) and at(labels.value_span("tier")) == (2, 28)


def test_multi_document_files_keep_lines_and_indexes(load: Loader) -> None:
    source = load("""\
        kind: A
        ---
        ---
        # only a comment
        ---
        kind: B
        list: [1]
        ...
        ---
        null
        ---
        kind: C
        """)
    docs = source.documents
    assert [d.data["kind"] for d in docs] == ["A", "B", "C"]
    assert [d.index for d in docs] == [0, 3, 5]  # empty and null documents are left out, indexes kept
    assert [at(d.data.key_span("kind")) for d in docs] == [(1, 1), (6, 1), (12, 1)]
    assert all(d.file == "f.yaml" for d in docs)


def test_block_scalars_and_multiline_values(load: Loader) -> None:
    data = load("""\
        script: |
          line one
          line two
        folded: >-
          a
          b
        plain: first
          second
        after: x
        """).documents[0].data
    assert data["script"] == "line one\nline two\n"
    assert at(data.value_span("script")) == (1, 9)
    assert data["folded"] == "a b"
    assert at(data.value_span("folded")) == (4, 9)
    assert data["plain"] == "first second"
    assert data.value_span("plain") == Span("f.yaml", 7, 8, 8, 9)
    assert at(data.key_span("after")) == (9, 1)


def test_json_files_have_positions(load: Loader) -> None:
    text = json.dumps({"kind": "List", "items": [{"name": "a", "vlan": 10}, {"name": "b", "on": True}]}, indent=2)
    source = load(text, "m.json")
    data = source.documents[0].data
    assert to_plain(data) == json.loads(text)
    items = data["items"]
    assert at(items.item_span(1)) == (8, 5)
    assert at(items[1].value_span("on")) == (10, 13)
    assert items[1].value_span("on").file == "m.json"


def test_json_with_tab_indentation_and_compact_separators(load: Loader) -> None:
    text = '{\n\t"a": [1,2],\n\t"b": {"c":"x\\ty"}\n}\n'
    data = load(text, "t.json").documents[0].data
    assert to_plain(data) == {"a": [1, 2], "b": {"c": "x\ty"}}
    assert at(data.key_span("b")) == (3, 2)
    assert at(data["b"].value_span("c")) == (3, 12)


def test_columns_count_characters_not_bytes(load: Loader) -> None:
    data = load("é: ü\nkey: 😀x\n").documents[0].data
    assert at(data.value_span("é")) == (1, 4)
    assert data.value_span("key") == Span("f.yaml", 2, 6, 2, 8)


def test_windows_line_endings(load: Loader) -> None:
    data = load("a: 1\r\nb:\r\n  - x\r\n").documents[0].data
    assert at(data["b"].item_span(0)) == (3, 5)


def test_aliases_share_the_anchored_value_and_are_placed_where_written(load: Loader) -> None:
    data = load("""\
        base: &b {mtu: 9000}
        copy: *b
        """).documents[0].data
    assert data["copy"] is data["base"]
    assert at(data.value_span("copy")) == (2, 7)
    assert at(data["copy"].value_span("mtu")) == (1, 16)


def test_merge_keys(load: Loader) -> None:
    data = load("""\
        defaults: &d {mtu: 1500, vlan: 10}
        extra: &e {vlan: 20, bridge: br1}
        net:
          <<: [*d, *e]
          mtu: 9000
          name: storage
        """).documents[0].data
    net = data["net"]
    assert to_plain(net) == {"mtu": 9000, "vlan": 10, "bridge": "br1", "name": "storage"}
    assert at(net.value_span("mtu")) == (5, 8)  # written here: wins over the merged value
    assert at(net.value_span("vlan")) == (1, 32)  # merged: placed at its source
    assert "<<" not in net


def test_explicit_key_before_merge_wins(load: Loader) -> None:
    data = load("a: &a {x: 1, y: 2}\nb:\n  x: 5\n  <<: *a\n").documents[0].data
    assert to_plain(data["b"]) == {"x": 5, "y": 2}


def test_locate_and_span_of(load: Loader) -> None:
    data = load("spec:\n  vms:\n    - name: a\n      nics: [eth0]\n").documents[0].data
    default = file_span("f.yaml")
    assert at(locate(data, ["spec", "vms", 0, "nics", 0], default)) == (4, 14)
    assert at(locate(data, ["spec", "vms", 0, "name"], default, key=True)) == (3, 7)
    assert at(locate(data, ["spec", "vms", 5, "name"], default)) == (3, 5)  # deepest known place
    assert span_of("scalar", default) is default
    assert span_of(data, default) == data.span


def test_scalar_root_documents(load: Loader) -> None:
    docs = load("hello\n---\n[1, 2]\n").documents
    assert docs[0].data == "hello" and at(docs[0].span) == (1, 1)
    assert docs[1].data == [1, 2] and at(docs[1].span) == (3, 1)


def test_values_are_plain_json_types(load: Loader) -> None:
    data: Any = load("a: 1\nb: 1.5\nc: true\nd: null\ne: text\nf: [x]\ng: {h: i}\n").documents[0].data
    assert json.loads(json.dumps(data)) == to_plain(data)
    assert type(to_plain(data)["g"]) is dict and type(to_plain(data)["f"]) is list


def test_source_lines_are_kept(load: Loader) -> None:
    source = load("a: 1\nb: 2\n")
    assert source.lines == ["a: 1", "b: 2"]
    assert source.lines is source.lines


def test_libyaml_is_used_whenever_pyyaml_has_it() -> None:
    from kvnet.load import yaml_loader

    assert yaml.__with_libyaml__ == C_LOADER
    fast_parser = vars(yaml_loader)["_FastParser"]  # a private name: the module does not export it
    assert (fast_parser is not yaml_loader.PythonParser) == C_LOADER
