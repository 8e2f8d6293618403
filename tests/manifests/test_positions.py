"""Places inside embedded JSON, checked against PyYAML's own emitter in every scalar style."""

from __future__ import annotations

import json
import re

import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kvnet.load import load_text
from kvnet.manifests import read_manifest_files
from kvnet.manifests.positions import TextIndex

keys = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,10}", fullmatch=True)
values = st.one_of(st.integers(-5, 5000), st.booleans(), st.none(),
                   st.from_regex(r"[a-z0-9 ./:-]{0,15}", fullmatch=True))
configs = st.dictionaries(keys, st.one_of(values, st.lists(values, max_size=3)), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(config=configs, style=st.sampled_from(["|", ">", "'", '"', None]), indent=st.sampled_from([None, 1, 2, 4]),
       width=st.sampled_from([20, 80, 200]))
def test_every_config_key_is_placed_on_its_text(config: dict[str, object], style: str | None, indent: int | None,
                                                width: int) -> None:
    text_json = json.dumps(config, indent=indent)
    head = "apiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: n}\n"
    document = head + yaml.dump({"spec": {"config": text_json}}, default_style=style, width=width)
    source = load_text(document, "p.yaml")
    # PyYAML's emitter does not round-trip some folded scalars (trailing blanks); those say nothing about us
    assume(source.documents[0].data["spec"]["config"] == text_json)
    (net,) = read_manifest_files([source]).site.networks
    assert net.config_error == ""
    index = TextIndex(source.text)
    for key in config:
        span = net.spans[f"config.{key}"]
        start, end = index.offset(span.line, span.column), index.offset(span.end_line, span.end_column)
        assert start is not None and end is not None
        written = source.text[start:end]
        # a double-quoted scalar escapes the quotes (\"key\") and may break a key over lines with "\"
        assert re.sub(r"[\s\\]", "", written) == f'"{key}"', (style, key, span, written)


def test_text_index_counts_yaml_line_breaks() -> None:
    index = TextIndex("a\r\nb\rc\nd\u2028e")
    assert index.starts == [0, 3, 5, 7, 9]
    assert index.offset(3, 1) == 5 and index.offset(9, 1) is None and index.offset(1, 0) is None


@given(st.text(alphabet="ab \n\r\x85\u2028\u2029", max_size=30))
def test_text_index_fast_path_agrees_with_the_break_scan(text: str) -> None:
    expected = [0, *(m.end() for m in re.finditer("\r\n|[\n\r\x85\u2028\u2029]", text))]
    assert TextIndex(text).starts == expected


@given(st.one_of(st.text(alphabet="0123456789abcdefABCDEF:- x", max_size=20),
                 st.from_regex(r"[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}", fullmatch=True)))
def test_fast_mac_normalisation_is_the_models(text: str) -> None:
    from kvnet.manifests.addresses import mac
    from kvnet.model import normalize_mac

    assert mac(text) == normalize_mac(text)


def test_source_texts_keeps_few_line_indexes_and_rebuilds_a_dropped_one() -> None:
    from kvnet.manifests.positions import SourceTexts
    from kvnet.span import Span

    texts = SourceTexts({f"f{i}.yaml": "k: |\n  " + "x" * i + "\n" for i in range(1, 11)})
    first = texts.places("x", Span("f1.yaml", 1, 4, 3, 1)).from_value_span(Span("<value>", 1, 1, 1, 2))
    for i in range(2, 11):  # a check reads its files one after the other
        texts.index(f"f{i}.yaml")
    assert len(texts._indexes) < 10  # not one per file read so far
    again = texts.places("x", Span("f1.yaml", 1, 4, 3, 1)).from_value_span(Span("<value>", 1, 1, 1, 2))
    assert again == first == Span("f1.yaml", 2, 3, 2, 4)


@settings(max_examples=150, deadline=None)
@given(lines=st.lists(st.from_regex(r"( {0,3}[a-z0-9:/.-]{0,12}){0,3}", fullmatch=True), min_size=1, max_size=8),
       header=st.sampled_from(["|", "|-", "|+", "|2", "| # note 4", ">"]), indent=st.sampled_from([2, 4, 6]))
def test_literal_blocks_are_placed_the_same_from_the_scalars_offset(lines: list[str], header: str,
                                                                     indent: int) -> None:
    """The offset path (no index of the file's lines) places every character where the index path does."""
    from kvnet.manifests.positions import SourceTexts
    from kvnet.span import Span

    body = "".join((" " * indent + line if line.strip() else line[: indent - 1]) + "\n" for line in lines)
    text = f"kind: x\nspec:\n  nd: {header}\n{body}  after: 1\n"
    try:
        data = load_text(text, "vm.yaml").documents[0].data["spec"]
    except Exception:  # not valid YAML for this header (e.g. |2 with deeper lines): nothing to place
        assume(False)
    value = data["nd"]
    assume(isinstance(value, str) and value.strip())
    offset = data.value_offset("nd")
    span = data.value_span("nd")
    assert offset is not None and text[offset] in "|>"

    class WithoutIndex(SourceTexts):
        def index(self, file: str) -> None:
            raise AssertionError("a plain literal block needs no index of the file's lines")

    texts = WithoutIndex if header in ("|", "|-", "|+") else SourceTexts
    by_offset = texts({"vm.yaml": text}).places(value, span, offset)
    by_index = SourceTexts({"vm.yaml": text}).places(value, span)
    for number, content in enumerate(value.split("\n"), start=1):
        for column in range(1, len(content) + 1):
            inside = Span("<value>", number, column, number, column + 1)
            assert by_offset.from_value_span(inside) == by_index.from_value_span(inside), (number, column)
