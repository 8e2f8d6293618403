"""Deterministic YAML for emitted manifests.

Every consumer downstream (kubectl, Argo CD, kustomize, Go's yaml.v2/v3, PyYAML) must read back exactly the
strings kvnet wrote. YAML 1.1 parsers turn some plain scalars into other types: `on`/`no`/`y` into booleans,
`52:54:00:12:34:56` into a base-60 integer, `4.18` into a float, `0755` into an octal number. PyYAML's safe
dumper already quotes what *its* resolver would misread; the extra predicate here also quotes what other
parsers would (`y`/`n`, every MAC-like colon group, every number-looking string), so the output means the same
to all of them.

Key order: `apiVersion`, `kind`, `metadata`, `spec` first at the top of a manifest, the other keys sorted;
inside, `name` and `namespace` first and the rest sorted. Multi-line strings (embedded CNI JSON, cloud-init)
are literal blocks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

_TOP_ORDER = ("apiVersion", "kind", "metadata", "spec")

# Strings some YAML 1.1 parser reads as something else than a string.
_BOOL_LIKE = {
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
}
_NUMBER_LIKE = re.compile(
    r"""^[-+]?(
        [0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?   # 1, 08, 4.18, 1e3, 1_000
      | \.[0-9]+([eE][-+]?[0-9]+)?                    # .5
      | 0[xX][0-9a-fA-F_]+ | 0[oO]?[0-7_]+ | 0[bB][01_]+
      | \.(inf|Inf|INF|nan|NaN|NAN)
    )$""",
    re.VERBOSE,
)
# Colon groups of hex digits: MACs, and anything a base-60 (sexagesimal) integer reader could take.
_COLON_GROUPS = re.compile(
    r"^[-+]?[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2})+$"  # 52:54:00:12:34:56, 1:30
    r"|^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$"  # 190:20:30.15 (YAML 1.1 base-60 float)
)


def needs_quotes(text: str) -> bool:
    """True when a plain scalar `text` would not be read back as this string by some YAML 1.1 parser."""
    return (
        text.lower() in _BOOL_LIKE
        or bool(_NUMBER_LIKE.match(text))
        or bool(_COLON_GROUPS.match(text))
        or text != text.strip()
    )


class ManifestDumper(yaml.SafeDumper):
    """A safe dumper with kvnet's quoting and block style; never emits tags or anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data and not any(line != line.rstrip() for line in data.splitlines()):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    if needs_quotes(data):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _represent_dict(dumper: yaml.SafeDumper, data: Mapping[str, Any]) -> yaml.MappingNode:
    # Keys arrive already ordered (see ordered()); keep that order instead of PyYAML's sorting.
    return dumper.represent_mapping("tag:yaml.org,2002:map", list(data.items()), flow_style=False)


ManifestDumper.add_representer(str, _represent_str)
ManifestDumper.add_representer(dict, _represent_dict)

# libyaml's emitter is about four times faster than PyYAML's pure-Python one (a 50k-VM compile spends most of
# its time emitting) and writes the same text, except that it escapes characters outside the Basic
# Multilingual Plane ("\U0001F600"), writes an empty key as `'':` rather than `? ''`, and folds long scalars
# differently. Text with a backslash or an empty key, and data with a string that might be folded, is therefore
# emitted by the Python emitter, the reference. tests/hardening/test_emitter_parity.py holds the two to the
# same output.
_FastBase: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class FastManifestDumper(_FastBase):  # type: ignore[valid-type,misc]
    def ignore_aliases(self, data: Any) -> bool:
        return True


FastManifestDumper.add_representer(str, _represent_str)
FastManifestDumper.add_representer(dict, _represent_dict)


def _longest_string(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return max((max(len(str(k)), _longest_string(v)) for k, v in value.items()), default=0)
    if isinstance(value, list | tuple):
        return max((_longest_string(v) for v in value), default=0)
    return 0


def dump_yaml(data: Any, **options: Any) -> str:
    """`yaml.dump(data, Dumper=ManifestDumper, **options)`, computed with libyaml's emitter when that gives the
    same text."""
    if _longest_string(data) * 2 >= options.get("width", 80):  # a scalar the emitters might fold
        reference: str = yaml.dump(data, Dumper=ManifestDumper, **options)
        return reference
    text: str = yaml.dump(data, Dumper=FastManifestDumper, **options)
    if "\\" in text or "'':" in text or "+\n" in text or "...\n" in text:  # escapes, empty keys, |+ blocks
        text = yaml.dump(data, Dumper=ManifestDumper, **options)
    return text


_NESTED_FIRST = ("name", "namespace")


def _nested_key(key: str) -> tuple[int, str]:
    return (_NESTED_FIRST.index(key), "") if key in _NESTED_FIRST else (len(_NESTED_FIRST), key)


def _top_key(key: str) -> tuple[int, str]:
    return (_TOP_ORDER.index(key), "") if key in _TOP_ORDER else (len(_TOP_ORDER), key)


def ordered(value: Any, top: bool = False) -> Any:
    """A copy of `value` with every mapping's keys in kvnet's order (see the module docstring)."""
    if isinstance(value, Mapping):
        order = _top_key if top else _nested_key
        return {str(k): ordered(value[k]) for k in sorted(value, key=lambda k: order(str(k)))}
    if isinstance(value, list | tuple):
        return [ordered(item) for item in value]
    return value


def dump_document(manifest: Mapping[str, Any]) -> str:
    """One manifest as YAML text, ending with a newline."""
    return dump_yaml(
        ordered(manifest, top=True),
        default_flow_style=False,
        allow_unicode=True,
        width=4096,
        sort_keys=False,
        indent=2,
    )


def dump_stream(manifests: Sequence[Mapping[str, Any]]) -> str:
    """Several manifests as one `---`-separated stream."""
    return "".join(f"---\n{dump_document(m)}" for m in manifests)
