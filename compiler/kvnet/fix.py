"""`kvnet fix`: safe, mechanical fixes to a site file that keep everything else byte for byte.

Fixes (a table of small planners, each yielding text edits at exact source spans):
- quote unquoted MAC and PCI addresses, and every other unquoted value that YAML 1.1 readers misread
  (the loader's `Trap`s, e.g. `on`, `no`, `1_000`) when kvnet reads it as text;
- normalise VLAN lists (`vlans` of a bridge, `vlanTrunk` of a network): sorted, overlapping and adjacent
  ids merged into ranges;
- fill a field a rule asks for when there is exactly one right value: `copyMacFrom: <port>` on a bridge
  that takes the node's address by DHCP (NNCP-04).

Why text edits rather than a ruamel.yaml dump: a ruamel round trip of a real site re-indents sequences and
moves end-of-line comments to other columns, i.e. it changes lines the fix never meant to touch. Every edit
here replaces or inserts text at a span the positioned loader reports, so comments, order, quoting and
spacing of everything else stay exactly as written; a fixed file is read back to prove it still loads to
the intended values, and ruamel.yaml's round-trip reader (an independent parser that keeps comments)
proves that every comment of the original is still there. A fix that is not certain (a list with comments
inside it, an unparsable VLAN item) is left alone. Applying the fixes to their own output changes nothing.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kvnet.frozen import frozen
from kvnet.load import Document, SourceFile, YList, YMap, load_text, yaml11_reading
from kvnet.load.scalars import resolve_plain
from kvnet.span import Span

MAC_TEXT = re.compile(r"[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}")
PCI_TEXT = re.compile(r"(?:[0-9A-Fa-f]{4}:)?[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7]")
_LINE_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")  # what YAML counts as a line break


@frozen
class Edit:
    """Replace the text from `start` to `end` (character offsets; equal for an insertion) with `text`."""

    start: int
    end: int
    text: str
    why: str
    span: Span


@frozen
class FixResult:
    path: str
    before: str
    after: str
    edits: tuple[Edit, ...]

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        return "".join(difflib.unified_diff(self.before.splitlines(keepends=True),
                                            self.after.splitlines(keepends=True),
                                            f"a/{self.path}", f"b/{self.path}"))


class Text:
    """The source text with 1-based (line, column) → offset, as the loader counts them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
        first = _LINE_BREAK.search(text)
        self.newline = first.group() if first else "\n"  # keep the file's own line breaks

    def offset(self, line: int, column: int) -> int:
        return self.starts[line - 1] + column - 1 if 0 < line <= len(self.starts) else len(self.text)

    def bounds(self, span: Span) -> tuple[int, int]:
        return self.offset(span.line, span.column), self.offset(span.end_line, span.end_column)

    def at(self, span: Span) -> str:
        start, end = self.bounds(span)
        return self.text[start:end]

    def line_end(self, offset: int) -> int:
        """The offset of the line break that ends the line holding `offset`."""
        found = _LINE_BREAK.search(self.text, offset)
        return found.start() if found else len(self.text)


Planner = Callable[[Text, Document], Iterator[Edit]]


# ---------------------------------------------------------------------------------------------- quoting


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _string_scalars(value: Any) -> Iterator[tuple[str, Span]]:
    """Every string value (not key) of a document, with its span."""
    if isinstance(value, YMap):
        for key, item in value.items():
            if isinstance(item, str):
                yield item, value.value_span(key)
            else:
                yield from _string_scalars(item)
    elif isinstance(value, YList):
        for i, item in enumerate(value):
            if isinstance(item, str):
                yield item, value.item_span(i)
            else:
                yield from _string_scalars(item)


def quote_addresses(source: Text, doc: Document) -> Iterator[Edit]:
    """Quote unquoted MAC and PCI addresses (YAML 1.1 reads some as base-60 numbers)."""
    for value, span in _string_scalars(doc.data):
        if (MAC_TEXT.fullmatch(value) or PCI_TEXT.fullmatch(value)) and source.at(span) == value:
            start, end = source.bounds(span)
            yield Edit(start, end, _quoted(value), f"quote {value}", span)


def quote_traps(source: Text, doc: Document) -> Iterator[Edit]:
    """Quote the loader's YAML 1.1 traps that kvnet reads as text (never one it reads as a number)."""
    for trap in doc.traps:
        if isinstance(resolve_plain(trap.text), str) and source.at(trap.span) == trap.text:
            start, end = source.bounds(trap.span)
            yield Edit(start, end, _quoted(trap.text), f"quote {trap.text} (YAML 1.1 reads {trap.yaml11_reading})",
                       trap.span)


# ---------------------------------------------------------------------------------------------- VLAN lists


def _vlan_ranges(items: Iterable[Any]) -> list[tuple[int, int]] | None:
    """The list's ranges, or None when an item is not a VLAN id (1–4094) or an ascending `low-high` range."""
    found = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            low = high = item
        elif isinstance(item, str) and re.fullmatch(r"\s*\d{1,4}\s*(-\s*\d{1,4}\s*)?", item):
            parts = [int(p) for p in item.split("-")]
            low, high = parts[0], parts[-1]
        else:
            return None
        if not 1 <= low <= high <= 4094:
            return None
        found.append((low, high))
    return found


def normal_vlans(items: Iterable[Any]) -> list[int | str] | None:
    """Sorted, merged: [300, "100-199", 200] → ["100-200", 300]; None when the list cannot be read."""
    ranges = _vlan_ranges(items)
    if ranges is None:
        return None
    merged: list[list[int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return [low if low == high else f"{low}-{high}" for low, high in merged]


def _vlan_lists(data: Any) -> Iterator[tuple[YList, str]]:
    spec = data.get("spec") if isinstance(data, YMap) else None
    if not isinstance(spec, YMap):
        return
    groups = spec.get("nodeGroups")
    for group in groups.values() if isinstance(groups, YMap) else ():
        bridges = group.get("bridges") if isinstance(group, YMap) else None
        for name, bridge in bridges.items() if isinstance(bridges, YMap) else ():
            if isinstance(bridge, YMap) and isinstance(bridge.get("vlans"), YList):
                yield bridge["vlans"], f"bridge {name}"
    networks = spec.get("networks")
    for name, net in networks.items() if isinstance(networks, YMap) else ():
        if isinstance(net, YMap) and isinstance(net.get("vlanTrunk"), YList):
            yield net["vlanTrunk"], f"network {name}"


def normalise_vlan_lists(source: Text, doc: Document) -> Iterator[Edit]:
    for seq, owner in _vlan_lists(doc.data):
        wanted = normal_vlans(seq)
        if wanted is None or not seq or wanted == list(seq):
            continue
        start = source.offset(seq.span.line, seq.span.column)
        end = source.bounds(seq.item_span(len(seq) - 1))[1]
        region = source.text[start:end]
        rendered = [str(v) if isinstance(v, int) else _quoted(v) for v in wanted]
        if region.startswith("["):  # flow: the closing bracket is after the last item
            end = source.text.index("]", end) + 1
            region, text = source.text[start:end], "[" + ", ".join(rendered) + "]"
        else:  # block: one `- item` line each, at the dash's column
            text = (source.newline + " " * (seq.span.column - 1)).join(f"- {item}" for item in rendered)
        if "#" in region:
            continue  # a comment inside the list: not certain to keep it where it belongs
        yield Edit(start, end, text, f"normalise VLAN list of {owner}", seq.span)


# ---------------------------------------------------------------------------------------------- fields a rule asks for


def _content_end(source: Text, value: Any, span: Span) -> Span:
    """Where a value's own text ends. A block collection's span runs on to the next token (maybe a line
    further, past comments), so follow its last entry down to a scalar or a flow collection."""
    flow = source.text.startswith(("{", "["), source.offset(span.line, span.column))
    if isinstance(value, YMap) and value and not flow:
        last = list(value)[-1]
        return _content_end(source, value[last], value.value_span(last))
    if isinstance(value, YList) and value and not flow:
        return _content_end(source, value[-1], value.item_span(len(value) - 1))
    return span


def _insert_field(source: Text, mapping: YMap, key: str, value: str, why: str) -> Edit | None:
    """Add `key: value` as the last entry of a flow or block mapping, keeping trailing comments in place."""
    if not mapping:
        return None
    flow = source.text.startswith("{", source.offset(mapping.span.line, mapping.span.column))
    last = list(mapping)[-1]
    end = _content_end(source, mapping[last], mapping.value_span(last))
    last_end = source.bounds(end)[1]
    if flow:
        close = source.text.find("}", last_end)
        if close < 0 or "#" in source.text[last_end:close]:
            return None
        return Edit(last_end, last_end, f", {key}: {value}", why, mapping.span)
    indent = " " * (mapping.key_span(next(iter(mapping))).column - 1)
    if end.end_column == 1:  # a block scalar ends with its last line break
        return Edit(last_end, last_end, f"{indent}{key}: {value}{source.newline}", why, mapping.span)
    at = source.line_end(last_end)  # after the value's line, and after its comment
    return Edit(at, at, f"{source.newline}{indent}{key}: {value}", why, mapping.span)


def _plain_or_quoted(text: str) -> str:
    plain = re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", text) and yaml11_reading(text) is None
    return text if plain and isinstance(resolve_plain(text), str) else _quoted(text)


def copy_mac_for_dhcp_bridges(source: Text, doc: Document) -> Iterator[Edit]:
    """NNCP-04: a bridge that takes the node's address by DHCP from its port copies the port's MAC."""
    spec = doc.data.get("spec") if isinstance(doc.data, YMap) else None
    groups = spec.get("nodeGroups") if isinstance(spec, YMap) else None
    for group in groups.values() if isinstance(groups, YMap) else ():
        bridges = group.get("bridges") if isinstance(group, YMap) else None
        for name, bridge in bridges.items() if isinstance(bridges, YMap) else ():
            if (isinstance(bridge, YMap) and bridge.get("dhcp") is True and isinstance(bridge.get("port"), str)
                    and "copyMacFrom" not in bridge):
                edit = _insert_field(source, bridge, "copyMacFrom", _plain_or_quoted(bridge["port"]),
                                     f"set copyMacFrom: {bridge['port']} on bridge {name} (NNCP-04)")
                if edit is not None:
                    yield edit


# ---------------------------------------------------------------------------------------------- applying

ANY_DOCUMENT: tuple[Planner, ...] = (quote_addresses, quote_traps)
SITE_DOCUMENT: tuple[Planner, ...] = (normalise_vlan_lists, copy_mac_for_dhcp_bridges)


def plan_fixes(source: SourceFile) -> list[Edit]:
    """Every fix for a loaded file, without overlaps (an edit inside a larger one is covered by it)."""
    from kvnet.site import is_site_document

    text = Text(source.text)
    edits: list[Edit] = []
    for doc in source.documents:
        planners = ANY_DOCUMENT + (SITE_DOCUMENT if is_site_document(doc.data) else ())
        for planner in planners:
            edits.extend(planner(text, doc))
    kept: list[Edit] = []
    for edit in sorted(set(edits), key=lambda e: (e.start, -e.end, e.text)):
        outer = kept[-1] if kept else None
        if outer is not None and edit.start < outer.end and edit.end <= outer.end:
            continue  # inside an edit that rewrites the whole region (a VLAN list renders its own items)
        if outer is not None and (edit.start, edit.end) == (outer.start, outer.end):
            continue  # the same value found by two planners (a MAC is also a trap)
        kept.append(edit)
    return kept


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """The text with the edits applied, from the last to the first so that offsets stay right."""
    for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end:]
    return text


def ruamel_comments(text: str) -> Counter[str]:
    """Every comment line ruamel.yaml's round-trip reader attaches to the documents, counted."""
    from ruamel.yaml import YAML

    found: Counter[str] = Counter()

    def tokens(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                tokens(item)
        elif isinstance(getattr(value, "value", None), str):
            found.update(line.strip() for line in value.value.splitlines() if line.strip().startswith("#"))

    def walk(node: Any) -> None:
        annotations = getattr(node, "ca", None)
        if annotations is not None:
            tokens(annotations.comment)
            for item in annotations.items.values():
                tokens(item)
            tokens(getattr(annotations, "end", None))
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        for child in children:
            walk(child)

    for document in YAML(typ="rt").load_all(text):
        walk(document)
    return found


def fix_text(text: str, path: str) -> FixResult:
    """Fix a file's text. Raises KvnetInputError when it is not YAML kvnet can read."""
    source = load_text(text, path)
    edits = plan_fixes(source)
    fixed = apply_edits(text, edits)
    if edits:
        load_text(fixed, path)  # proof the result is still YAML kvnet reads (a failure here is a kvnet bug)
        if ruamel_comments(fixed) != ruamel_comments(text):
            raise RuntimeError(f"kvnet fix would lose or change comments in {path}; nothing was written")
    return FixResult(path, text, fixed, tuple(edits))
