"""YAML and JSON with positions, read safely.

PyYAML's composer (the C one when present) builds a node tree with marks; we construct plain values from
it ourselves, so that we keep every position, reject duplicate keys and object-constructing tags, bound
alias expansion and nesting, and resolve plain scalars the YAML 1.2 way (as Kubernetes reads manifests
where text is meant) while noting each scalar a YAML 1.1 reader would have turned into a number or a
boolean (`52:54:00:12:34:56`, `0000:18:00.1`, `on`, `no`, `0755`).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kvnet.errors import KvnetInputError
from kvnet.load.values import YList, YMap
from kvnet.span import Span, file_span

from yaml.composer import Composer
from yaml.constructor import BaseConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

try:  # the C parser is several times faster; positions are the same
    from yaml import CParser as _CParser

    class _Loader(_CParser, BaseConstructor, BaseResolver):  # type: ignore[misc]
        """libyaml parser with no implicit resolvers: every plain scalar keeps the str tag, so explicit
        tags stay visible and we resolve plain scalars ourselves."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            BaseConstructor.__init__(self)
            BaseResolver.__init__(self)

    C_LOADER = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built

    class _Loader(Reader, Scanner, Parser, Composer, BaseConstructor, BaseResolver):  # type: ignore[no-redef,misc]
        """Pure-Python fallback with the same behaviour."""

        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            BaseConstructor.__init__(self)
            BaseResolver.__init__(self)

    C_LOADER = False

DEFAULT_MAX_BYTES = int(os.environ.get("KVNET_MAX_FILE_BYTES", str(128 * 1024 * 1024)))


@dataclass(frozen=True, slots=True)
class LoadLimits:
    """Bounds that keep hostile input from exhausting time or memory."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_depth: int = 100
    max_documents: int = 200_000
    # Values built beyond the source's own size come only from aliases; this bounds "billion laughs".
    max_alias_values: int = 100_000


@dataclass(frozen=True, slots=True)
class Trap:
    """A plain scalar that YAML 1.1 readers (PyYAML, go-yaml v2) would not read as the text written."""

    span: Span
    text: str
    yaml11_reading: str


@dataclass(slots=True)
class Document:
    """One YAML document of a file: its data (YMap / YList / scalar) and what the loader noticed."""

    file: str
    index: int
    data: Any
    span: Span
    traps: list[Trap] = field(default_factory=list)


@dataclass(slots=True)
class SourceFile:
    """A loaded file: its text (for rendering source lines and reading comments) and its documents."""

    path: str
    text: str
    documents: list[Document]

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}

# YAML 1.2 core schema (what Kubernetes readers and JSON agree on)
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT_DEC = re.compile(r"^[-+]?[0-9]+$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")

# YAML 1.1 readings that differ from the 1.2 core schema (after PyYAML's resolver and yamllint's rules)
_Y11_BOOL = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_Y11_SEXAGESIMAL_INT = re.compile(r"^[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$")
_Y11_SEXAGESIMAL_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$")
_Y11_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")
_Y11_BINARY = re.compile(r"^[-+]?0b[0-1_]+$")
_Y11_UNDERSCORE_NUMBER = re.compile(r"^[-+]?(?:[0-9][0-9_]*_[0-9_]*)(?:\.[0-9_]*)?$")


def yaml11_reading(text: str) -> str | None:
    """What a YAML 1.1 reader makes of an unquoted scalar, when that differs from the text; else None."""
    if _Y11_BOOL.match(text):
        return "a boolean (" + ("true" if text[0] in "yYoO" and text.lower() != "off" else "false") + ")"
    if _Y11_SEXAGESIMAL_INT.match(text):
        return "a base-60 integer"
    if _Y11_SEXAGESIMAL_FLOAT.match(text):
        return "a base-60 float"
    if _Y11_OCTAL.match(text) and text.lstrip("+-") not in {"0"}:
        return "an octal integer"
    if _Y11_BINARY.match(text):
        return "a binary integer"
    if _Y11_UNDERSCORE_NUMBER.match(text):
        return "a number (underscores dropped)"
    return None


def resolve_plain(text: str) -> Any:
    """Resolve an unquoted scalar by the YAML 1.2 core schema."""
    if _NULL.match(text):
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT_DEC.match(text):
        return int(text)
    if _INT_OCT.match(text):
        return int(text[2:], 8)
    if _INT_HEX.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


class _Builder:
    """Turns one composed node tree into positioned plain values."""

    def __init__(self, file: str, limits: LoadLimits, source_size: int) -> None:
        self.file = file
        self.limits = limits
        self.budget = source_size + limits.max_alias_values
        self.built = 0
        self.traps: list[Trap] = []

    def span(self, node: yaml.Node) -> Span:
        s, e = node.start_mark, node.end_mark
        return Span(self.file, s.line + 1, s.column + 1, e.line + 1, e.column + 1)

    def build(self, node: yaml.Node, depth: int = 0) -> Any:
        self.built += 1
        if self.built > self.budget:
            raise KvnetInputError.single(
                "too many values: alias expansion exceeds the limit (a 'billion laughs' document?)",
                self.span(node),
                "remove the nested aliases (*name) or write the values out",
            )
        if depth > self.limits.max_depth:
            raise KvnetInputError.single(
                f"nesting deeper than {self.limits.max_depth} levels", self.span(node), "flatten the document"
            )
        tag = node.tag
        if tag not in _STANDARD_TAGS:
            raise KvnetInputError.single(
                f"tag {tag!r} is not allowed: kvnet reads plain data and never constructs objects",
                self.span(node),
                "remove the tag",
            )
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            seq = YList(self.span(node))
            for item in node.value:
                seq.append(self.build(item, depth + 1))
                seq.item_spans.append(self.span(item))
            return seq
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        raise KvnetInputError.single("unsupported YAML node", self.span(node))  # pragma: no cover

    def scalar(self, node: yaml.ScalarNode) -> Any:
        text: str = node.value
        tag = node.tag
        if tag != "tag:yaml.org,2002:str":
            return self.explicit(node)
        if not node.style:  # plain (unquoted): resolve by YAML 1.2, note YAML 1.1 surprises
            reading = yaml11_reading(text)
            if reading is not None:
                self.traps.append(Trap(self.span(node), text, reading))
            return resolve_plain(text)
        return text

    def explicit(self, node: yaml.ScalarNode) -> Any:
        """A scalar with an explicit standard tag such as !!int."""
        text: str = node.value
        kind = node.tag.rsplit(":", 1)[-1]
        try:
            if kind == "int":
                return int(text.replace("_", ""), 0)
            if kind == "float":
                return float(text)
            if kind == "bool":
                return {"true": True, "false": False}[text.lower()]
            if kind == "null":
                return None
        except (ValueError, KeyError):
            raise KvnetInputError.single(f"{text!r} is not a valid !!{kind}", self.span(node)) from None
        return text

    def mapping(self, node: yaml.MappingNode, depth: int) -> YMap:
        result = YMap(self.span(node))
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == "<<" and not key_node.style:
                self.merge(result, value_node, depth)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise KvnetInputError.single(
                    "a mapping key must be a plain value, not a list or mapping", self.span(key_node)
                )
            if key_node.tag not in _STANDARD_TAGS:
                raise KvnetInputError.single(
                    f"tag {key_node.tag!r} is not allowed on a key", self.span(key_node), "remove the tag"
                )
            # Keys are names: read them as the text written (no YAML 1.1 notes; `on:` stays "on").
            key: str = key_node.value
            if key in result.key_spans:
                first = result.key_spans[key]
                raise KvnetInputError.single(
                    f"duplicate key {key!r} (first defined at line {first.line})",
                    self.span(key_node),
                    "remove one of the two entries; YAML readers silently keep only the last",
                    ((first, "first definition"),),
                )
            result[key] = self.build(value_node, depth + 1)
            result.key_spans[key] = self.span(key_node)
            result.value_spans[key] = self.span(value_node)
        return result

    def merge(self, result: YMap, value_node: yaml.Node, depth: int) -> None:
        """YAML 1.1 merge keys (`<<: *base`), as Kubernetes accepts them; explicit keys win."""
        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            merged = self.build(source, depth + 1)
            if not isinstance(merged, YMap):
                raise KvnetInputError.single("a merge key (<<) needs a mapping", self.span(source))
            for k, v in merged.items():
                if k not in result:
                    result[k] = v
                    result.key_spans[k] = merged.key_span(k)
                    result.value_spans[k] = merged.value_span(k)


def _decode(raw: bytes, path: str) -> str:
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        raise KvnetInputError.single(
            "the file holds a NUL byte: it is binary, not YAML or JSON", Span(path, line, 1, line, 1)
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise KvnetInputError.single(
            f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})",
            Span(path, line, column, line, column),
            "save the file as UTF-8",
        ) from None
    return text


def _deep_nesting_suspected(text: str, limit: int) -> bool:
    """Cheap screen: only text with many brackets or very long lines can nest past the limit."""
    return text.count("[") + text.count("{") > limit or any(len(line) > 4 * limit for line in text.splitlines())


def _check_depth(text: str, path: str, limit: int) -> None:
    """Walk parser events (no recursion) so that the recursive composer never sees hostile nesting."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > limit:
                m = event.start_mark
                raise KvnetInputError.single(
                    f"nesting deeper than {limit} levels",
                    Span(path, m.line + 1, m.column + 1, m.line + 1, m.column + 1),
                    "flatten the document",
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _syntax_error(exc: yaml.YAMLError, path: str) -> KvnetInputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    hint = ""
    if "\t" in problem or "\\t" in problem or "tab" in problem.lower():
        hint = "indent with spaces; YAML does not allow tabs for indentation"
    span = Span(path, mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 1) if mark else file_span(path)
    return KvnetInputError.single(message, span, hint)


def load_text(text: str, path: str, limits: LoadLimits | None = None) -> SourceFile:
    """Load YAML or JSON text (every document) with positions. Raises KvnetInputError on bad input."""
    limits = limits or LoadLimits()
    try:
        if _deep_nesting_suspected(text, limits.max_depth):
            _check_depth(text, path, limits.max_depth)
        documents: list[Document] = []
        for index, node in enumerate(yaml.compose_all(text, Loader=_Loader)):
            if index >= limits.max_documents:
                raise KvnetInputError.single(
                    f"more than {limits.max_documents} documents in one file", file_span(path), "split the file"
                )
            if node is None:
                continue
            builder = _Builder(path, limits, len(text))
            data = builder.build(node)
            documents.append(Document(path, index, data, builder.span(node), builder.traps))
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, path) from None
    except RecursionError:
        raise KvnetInputError.single(f"nesting too deep to read in {path}", file_span(path)) from None
    return SourceFile(path, text, documents)


def load_file(path: str | Path, limits: LoadLimits | None = None, display: str | None = None) -> SourceFile:
    """Read and load a file. `display` is the name findings use (defaults to the path as given)."""
    limits = limits or LoadLimits()
    name = display or str(path)
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > limits.max_bytes:
            raise KvnetInputError.single(
                f"the file is {size} bytes, over the limit of {limits.max_bytes}",
                file_span(name),
                "split it, or raise the limit with --max-file-size / KVNET_MAX_FILE_BYTES",
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise KvnetInputError.single(f"cannot read the file: {exc.strerror or exc}", file_span(name)) from None
    return load_text(_decode(raw, name), name, limits)
