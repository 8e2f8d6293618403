"""YAML and JSON with positions, read safely.

PyYAML's parser (libyaml's when present) gives the events with their marks; `builder.py` turns them into
plain values itself, so that we keep every position, reject duplicate keys and object-constructing tags,
bound alias expansion and nesting without ever recursing, and resolve plain scalars the YAML 1.2 way (as
Kubernetes reads manifests where text is meant) while noting each scalar a YAML 1.1 reader would have
turned into a number or a boolean (`52:54:00:12:34:56`, `0000:18:00.1`, `on`, `no`, `0755`).
"""

from __future__ import annotations

import gc
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.scanner import Scanner

from kvnet.errors import KvnetInputError
from kvnet.frozen import frozen
from kvnet.load import builder
from kvnet.load.builder import Built, Limits, build_documents
from kvnet.load.composed import Unusual, compose_documents, shallow
from kvnet.load.scalars import resolve_plain, yaml11_reading
from kvnet.span import Span, file_span

__all__ = [
    "C_LOADER",
    "DEFAULT_MAX_BYTES",
    "Document",
    "LoadLimits",
    "PythonParser",
    "SourceFile",
    "Trap",
    "load_file",
    "load_first",
    "load_text",
    "load_text_with",
    "read_text",
    "resolve_plain",
    "yaml11_reading",
]


class PythonParser(Reader, Scanner, Parser):
    """PyYAML's pure-Python event parser: the fallback when PyYAML was built without libyaml."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


try:  # libyaml's parser is several times faster; marks (lines, columns in characters) are the same
    from yaml._yaml import CParser as _FastParser

    C_LOADER = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _FastParser = PythonParser  # type: ignore[misc,assignment]
    C_LOADER = False

DEFAULT_MAX_BYTES = 128 * 1024 * 1024
DEFAULT_MAX_DEPTH = 100
DEFAULT_MAX_DOCUMENTS = 200_000
MAX_BYTES_ENV = "KVNET_MAX_FILE_BYTES"
_FREEZE_FROM_CHARS = 1_000_000
# Composing holds a file's whole node tree at once (~30 MiB for a 1.5 MB site file), for no gain in speed on
# a file that large: only smaller texts (every manifest, in practice) are composed.
_COMPOSE_BELOW_CHARS = 500_000


def _max_bytes_from_env() -> int:
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise KvnetInputError.single(f"{MAX_BYTES_ENV}={raw!r} is not a positive number of bytes")
    return value


@frozen
class LoadLimits:
    """Bounds that keep hostile input from exhausting time or memory."""

    max_bytes: int = field(default_factory=_max_bytes_from_env)
    max_depth: int = DEFAULT_MAX_DEPTH
    max_documents: int = DEFAULT_MAX_DOCUMENTS
    # Values built beyond the source's own size come only from aliases; this bounds "billion laughs".
    max_alias_values: int = 100_000


@frozen
class Trap:
    """A plain scalar that YAML 1.1 readers (PyYAML, go-yaml v2) would not read as the text written."""

    span: Span
    text: str
    yaml11_reading: str


@dataclass(slots=True)
class Document:
    """One YAML document of a file: its data (YMap / YList / scalar) and what the loader noticed.

    `index` is the document's place in the stream (0-based); empty and `null` documents are left out of
    `SourceFile.documents`, so indexes can skip numbers."""

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
    _lines: list[str] | None = field(default=None, repr=False, compare=False)

    @property
    def lines(self) -> list[str]:
        """The text's lines (split once, then kept)."""
        if self._lines is None:
            self._lines = self.text.splitlines()
        return self._lines


def _point(path: str, line: int, column: int) -> Span:
    return Span(path, line, column, line, column)


def _position_of(text: str, offset: int, path: str) -> Span:
    """The 1-based line and column of a character offset."""
    line_start = text.rfind("\n", 0, offset) + 1
    return _point(path, text.count("\n", 0, offset) + 1, offset - line_start + 1)


def _reader_error(exc: ReaderError, text: str, path: str, byte_offsets: bool) -> KvnetInputError:
    offset = exc.position
    if byte_offsets:  # libyaml counts bytes of the UTF-8 encoding
        offset = len(text.encode("utf-8", "surrogatepass")[:offset].decode("utf-8", "ignore"))
    char = exc.character
    shown = f"#x{char:04x}" if isinstance(char, int) else repr(char)
    return KvnetInputError.single(
        f"invalid YAML: character {shown} is not allowed ({exc.reason})",
        _position_of(text, offset, path),
        "remove the character; YAML files hold printable text only",
    )


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, path: str) -> KvnetInputError:
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or "malformed YAML"
    context = exc.context or ""
    if context and exc.context_mark is not None and mark is not None and \
            (exc.context_mark.line, exc.context_mark.column) != (mark.line, mark.column):
        context += f" started at line {exc.context_mark.line + 1} column {exc.context_mark.column + 1}"
    message = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
    if mark is None:
        return KvnetInputError.single(message, file_span(path))
    lines = text.split("\n", mark.line + 1)  # the offending line, to recognise tab indentation
    line = lines[mark.line] if mark.line < len(lines) else ""
    indent = line[: len(line) - len(line.lstrip(" \t"))]
    tabs = "\t" in problem or "tab" in problem or "\t" in indent or line[mark.column:mark.column + 1] == "\t"
    hint = "indent with spaces; YAML does not allow tabs for indentation" if tabs else ""
    if "nesting depth" in problem:  # libyaml >= 0.2.6 stops deep nesting itself, before our own limit
        message, hint = "nesting deeper than the YAML parser allows (invalid YAML)", "flatten the document"
    return KvnetInputError.single(message, _point(path, mark.line + 1, mark.column + 1), hint)


def _check_size(size: int, limit: int, path: str) -> None:
    if size > limit:
        raise KvnetInputError.single(
            f"the file is {size} bytes, over the limit of {limit}",
            file_span(path),
            f"split it, or raise the limit with --max-file-size / {MAX_BYTES_ENV}",
        )


def load_text_with(parser_class: Any, text: str, path: str, limits: LoadLimits | None = None, *,
                   compose: bool = True) -> SourceFile:
    """`load_text` with a chosen event parser class (`PythonParser` forces the pure-Python fallback);
    `compose=False` reads even ordinary documents event by event (the reference the fast path is tested
    against)."""
    limits = limits or LoadLimits()
    if len(text) > limits.max_bytes // 4:  # only then can the UTF-8 size be over the limit
        _check_size(len(text.encode("utf-8", "surrogatepass")), limits.max_bytes, path)
    # In valid JSON every raw tab is whitespace between tokens, which PyYAML's scanner refuses: make it a
    # space (same length, so every position stays right).
    parse_text = text.replace("\t", " ") if path.endswith(".json") and "\t" in text else text
    bounds = Limits(limits.max_depth, limits.max_documents, len(text) + limits.max_alias_values)
    # The builder makes no reference cycles, yet its millions of small objects would set off the cyclic
    # garbage collector over and over (half the load time): pause it while building.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        built = _composed(parse_text, path, limits) if compose and parser_class is _FastParser else None
        if built is None:  # not an ordinary document: the builder reads it (and words any error)
            parser = parser_class(parse_text)
            built = build_documents(parser.get_event, path, bounds)
            del parser  # libyaml's parser holds no cycles: freed here, not frozen below
    except ReaderError as exc:
        raise _reader_error(exc, text, path, parser_class is not PythonParser) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, path) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error we know of carries a mark
        raise KvnetInputError.single(f"invalid YAML: {exc}", file_span(path)) from None
    except RecursionError:  # pragma: no cover - only composed.py recurses, max_depth levels: a last guard
        raise KvnetInputError.single("nesting too deep to read", file_span(path)) from None
    else:
        if gc_was_enabled and C_LOADER and parser_class is _FastParser and len(text) >= _FREEZE_FROM_CHARS:
            # Left in the collector's youngest generation, the millions of values just built would all be
            # traversed by its next pass (as long as the whole build again). They hold no cycles, so move
            # them out of its sight (and anything else alive now: small, long-lived things in a CLI run).
            # Not with the Python parser: its objects form cycles that would then never be collected.
            gc.freeze()
    finally:
        if gc_was_enabled:
            gc.enable()
    documents = [
        Document(path, b.index, b.data, b.span, [Trap(*t) for t in b.traps]) for b in built
    ]
    return SourceFile(path, text, documents)


def _composed(text: str, path: str, limits: LoadLimits | None) -> list[Built] | None:
    """The documents of an ordinary text, composed by libyaml in C (composed.py); None when the text has
    anchors (aliases must be shared and counted), may nest deeply, is large, or is anything but plain data."""
    if not C_LOADER or len(text) >= _COMPOSE_BELOW_CHARS or "&" in text or not shallow(text):
        return None
    try:
        return compose_documents(text, path, limits.max_depth if limits else DEFAULT_MAX_DEPTH,
                                 limits.max_documents if limits else DEFAULT_MAX_DOCUMENTS,
                                 builder.PLAIN_READINGS, builder.PLAIN_READINGS_MAX)
    except Unusual:
        return None


def load_text(text: str, path: str, limits: LoadLimits | None = None) -> SourceFile:
    """Load YAML or JSON text (every document) with positions. Raises KvnetInputError on bad input."""
    return load_text_with(_FastParser, text, path, limits)


def load_first(text: str, path: str, limits: LoadLimits | None = None) -> Any:
    """The data of the first document `load_text` would give (None when there is none), without a
    SourceFile's bookkeeping: for YAML written inside a field, such as every VM's cloud-init networkData."""
    built = _composed(text, path, limits) if not path.endswith(".json") else None  # (JSON's tabs: load_text)
    if built is not None:
        return built[0].data if built else None
    documents = load_text(text, path, limits).documents
    return documents[0].data if documents else None


def _decode(raw: bytes, path: str) -> str:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise KvnetInputError.single("the file is UTF-16 text", file_span(path), "save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise KvnetInputError.single(
            "the file holds a NUL byte: it is binary, not YAML or JSON", _byte_position(raw, nul, path)
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KvnetInputError.single(
            f"invalid UTF-8 (byte 0x{raw[exc.start]:02x})", _byte_position(raw, exc.start, path),
            "save the file as UTF-8",
        ) from None


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)


def _not_regular(name: str) -> KvnetInputError:
    return KvnetInputError.single("not a regular file", file_span(name), "give the path of a YAML or JSON file")


def _read_regular_file(path: str | Path, limit: int, name: str) -> bytes:
    """The bytes of a file, never more than `limit` + 1 (to tell it is over). With os-level calls: a check
    reads thousands of small files, and a Python file object per file costs more than reading it."""
    fd = os.open(path, _OPEN_FLAGS)  # (not blocking: a file swapped for a FIFO since the stat is not waited on)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):  # swapped since the stat
            raise _not_regular(name)
        _check_size(info.st_size, limit, name)
        # asking one byte more than its size: a regular file reads whole, so fewer bytes means the end was
        # reached, and more means it grew since, then it is read on (never past the limit)
        raw = os.read(fd, info.st_size + 1)
        if len(raw) > info.st_size:
            parts = [raw]
            total = len(raw)
            while total <= limit:
                chunk = os.read(fd, min(1 << 20, limit + 1 - total))
                if not chunk:
                    break
                parts.append(chunk)
                total += len(chunk)
            raw = b"".join(parts)
        _check_size(len(raw), limit, name)
        return raw
    finally:
        os.close(fd)


def _byte_position(raw: bytes, offset: int, path: str) -> Span:
    """Line and column (in characters, as editors count) of a byte; the bytes before it are valid UTF-8."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", "replace").removeprefix("\ufeff")) + 1
    return _point(path, raw.count(b"\n", 0, offset) + 1, column)


def read_text(path: str | Path, limits: LoadLimits | None = None, display: str | None = None) -> str:
    """A file's text as `load_file` reads it (regular files only, within the size limit, UTF-8)."""
    limits = limits or LoadLimits()
    name = display or str(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block, a device never end: never opened
            raise _not_regular(name)
        raw = _read_regular_file(path, limits.max_bytes, name)
    except OSError as exc:
        raise KvnetInputError.single(f"cannot read the file: {exc.strerror or exc}", file_span(name)) from None
    return _decode(raw, name)


def load_file(path: str | Path, limits: LoadLimits | None = None, display: str | None = None) -> SourceFile:
    """Read and load a file. `display` is the name findings use (defaults to the path as given)."""
    limits = limits or LoadLimits()
    name = display or str(path)
    return load_text(read_text(path, limits, name), name, limits)
