"""kvnet emits YAML with libyaml's emitter when it can (fast); the text must equal PyYAML's pure-Python
emitter's, the reference (`ManifestDumper`), for any data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from kvnet.emit import yamlout
from kvnet.emit.bundle import compile_site
from kvnet.load import load_file
from kvnet.site import read_site

ROOT = Path(__file__).resolve().parents[2]
MANIFEST_OPTIONS: dict[str, Any] = {"default_flow_style": False, "allow_unicode": True, "width": 4096, "indent": 2}
NARROW_OPTIONS: dict[str, Any] = {"default_flow_style": False, "width": 60}


def reference(value: Any, **options: Any) -> str:
    text: str = yaml.dump(value, Dumper=yamlout.ManifestDumper, sort_keys=False, **options)
    return text


texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["on", "no", "y", "4.18", "0755", "52:54:00:12:34:56", "1:30", " lead", "trail ", "- x",
                     "a: b", "#c", "{x}", "[y]", "*z", "&w", "!t", "|", ">", "'q'", '"d"', "", "~", "null",
                     "line\nbreak\n", "trailing space \nline", "\t", "é ü 日本", "\u2028", "\ufeff", "😀",
                     "C:\\Users", "kept\n\n", "...", "x" * 200, "y " * 100, "z " * 2100]),
)
scalars = st.one_of(texts, st.integers(), st.booleans(), st.none(), st.floats(allow_nan=False))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(texts, inner, max_size=4)), max_leaves=25)


def test_libyaml_emitter_is_in_use() -> None:
    if not hasattr(yaml, "CSafeDumper"):
        pytest.skip("PyYAML was built without libyaml")
    assert issubclass(yamlout.FastManifestDumper, yaml.CSafeDumper)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(texts, values, max_size=6))
def test_random_documents_dump_the_same(document: dict[str, Any]) -> None:
    data = yamlout.ordered(document, top=True)
    assert yamlout.dump_yaml(data, sort_keys=False, **MANIFEST_OPTIONS) == reference(data, **MANIFEST_OPTIONS)
    assert yamlout.dump_yaml(data, sort_keys=False, **NARROW_OPTIONS) == reference(data, **NARROW_OPTIONS)


@pytest.mark.parametrize("text", ["😀", "", "C:\\Users", "y " * 2100])
def test_the_known_differences_fall_back_to_the_reference(text: str) -> None:
    data = {text: [text], "k": text}
    assert yamlout.dump_yaml(data, sort_keys=False, **MANIFEST_OPTIONS) == reference(data, **MANIFEST_OPTIONS)


@pytest.mark.parametrize("sample", ["minimal", "full"])
def test_sample_bundles_dump_the_same(sample: str) -> None:
    source = load_file(ROOT / "samples" / sample / "site.yaml")
    bundle = compile_site(read_site(source.documents[0]))
    for path, manifest in bundle:
        assert yamlout.dump_document(manifest) == reference(yamlout.ordered(manifest, top=True),
                                                            **MANIFEST_OPTIONS), path
