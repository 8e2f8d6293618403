"""Documents written inside a string field: the CNI JSON of a NAD, SR-IOV `ipam`, cloud-init networkData.

They are parsed with positions mapped back into the manifest, so findings point at the line inside the
block scalar. A string that does not parse is not a crash: the reason and its place come back as data.
"""

from __future__ import annotations

import re
from typing import Any

from kvnet.errors import KvnetInputError
from kvnet.frozen import frozen
from kvnet.load import YMap, load_first
from kvnet.manifests.fields import Obj
from kvnet.manifests.jsonpos import JsonSyntaxError, parse_json
from kvnet.manifests.positions import ScalarPlaces, SourceTexts
from kvnet.span import Span

_INNER_PLACE = re.compile(r" at line [0-9]+,? column [0-9]+")


@frozen
class Embedded:
    """A parsed embedded document, or why it could not be read (then `data` is None)."""

    data: Any
    span: Span  # of the string in the manifest
    error: str = ""
    error_span: Span | None = None


def read_json_field(obj: Obj, key: str, texts: SourceTexts) -> Embedded | None:
    """The JSON held in `obj[key]`: None when absent; `error` set when it is not a JSON object.

    A mapping written in place of the string (`config: {"type": ...}` unquoted is YAML flow) is what the
    API server rejects, but its content is still readable: it is returned with the error.
    """
    raw = obj.raw(key)
    span = obj.at(key)
    path = obj.sub(key)
    if raw is None:
        return None
    if isinstance(raw, YMap):
        return Embedded(raw, span, f"{path} must be a string holding JSON, not a YAML mapping", span)
    if not isinstance(raw, str):
        return Embedded(None, span, f"{path} must be a string holding JSON, not {type(raw).__name__}", span)
    places = texts.places(raw, span)
    try:
        data = parse_json(raw, places.span)
    except JsonSyntaxError as exc:
        return Embedded(None, span, f"{path} is not valid JSON: {exc.message}", places.point(exc.offset))
    if not isinstance(data, YMap):
        return Embedded(None, span, f"{path} must hold a JSON object", span)
    return Embedded(data, span)


def read_yaml_string(source: Obj, key: str, value: str, texts: SourceTexts | None) -> tuple[Obj, ScalarPlaces] | None:
    """YAML written inside the string `value` of `source[key]` (cloud-init networkData, or its base64
    decoded): its first document as an Obj whose path is the field's, or None if there is none or it is
    unreadable (a problem is recorded).

    The data keeps spans inside the string: `places.from_value_span` turns the few that are used into
    places in the manifest (relocating every span of every VM's networkData would cost more than reading
    it). Without `texts` (text not written as such, e.g. decoded base64) every place is the field's.
    """
    offset = source.data.value_offset(key)  # (before its span is asked for, which drops the offset)
    span = source.at(key)
    places = texts.places(value, span, offset) if texts is not None else ScalarPlaces(value, span, None)
    try:
        data = load_first(value, span.file)
    except KvnetInputError as exc:
        first = exc.problems[0] if exc.problems else None
        where = places.from_value_span(first.span) if first and first.span else span
        # the loader's "at line N column M" counts inside the string; the span already says where
        message = _INNER_PLACE.sub("", first.message if first else str(exc))
        source.problems.add(f"{source.sub(key)} cannot be read: {message}", where,
                            "fix the embedded YAML; kvnet skipped it")
        return None
    if not isinstance(data, YMap):
        return None
    return source.embedded(key, data), places
