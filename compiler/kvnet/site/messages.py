"""jsonschema errors → InputProblems a person understands, each at the place of the offending value.

`unknown field "vlna" in network "prod-web" (did you mean "vlan"?)` rather than
`Additional properties are not allowed ('vlna' was unexpected)`. Unknown fields point at the key, missing
fields at the object that lacks them, everything else at the value.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from typing import Any

from kvnet.errors import InputProblem
from kvnet.load import Document, Trap, YMap, locate
from kvnet.site.wording import describe, entity_name, quoted, type_word, value_word
from kvnet.span import Span

Path = Sequence[str | int]


def problems_from_errors(errors: Iterable[Any], doc: Document) -> list[InputProblem]:
    """Translate every error; one problem per place and kind, in source order."""
    seen: set[tuple[object, ...]] = set()
    problems: list[InputProblem] = []
    for error in errors:
        for key, problem in _translate(error, doc):
            if key not in seen:
                seen.add(key)
                problems.append(problem)
    problems.sort(key=lambda p: (p.span.line, p.span.column) if p.span else (0, 0))
    return problems


def _translate(error: Any, doc: Document) -> list[tuple[tuple[object, ...], InputProblem]]:
    path: list[str | int] = list(error.absolute_path)
    kind = error.validator
    if "propertyNames" in error.absolute_schema_path:
        return [_bad_name(error, doc, path)]
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        return _unknown_fields(error, doc, path)
    if kind == "required":
        return [_missing_field(error, doc, path)]
    if kind in ("anyOf", "oneOf") and error.context:
        return _alternatives(error, doc, path)
    message, hint = _value_message(error, path, doc)
    span = locate(doc.data, path, doc.span)
    return [((tuple(path), "value"), InputProblem(message, span, hint or _trap_hint(doc, span, error)))]


# ------------------------------------------------------------------------------------------- fields


def _unknown_fields(error: Any, doc: Document, path: list[str | int]) -> list[tuple[tuple[object, ...], InputProblem]]:
    known = sorted(error.schema.get("properties", {}))
    patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
    out: list[tuple[tuple[object, ...], InputProblem]] = []
    owner = _place(doc, path)
    for key in error.instance:
        if key in known or any(p.search(key) for p in patterns):
            continue
        span = locate(doc.data, [*path, key], doc.span, key=True)
        where = f" {owner}"
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if not close:
            close = [k for k in known if k.lower() == key.lower()]
        suggestion = f" (did you mean {quoted(close[0])}?)" if close else ""
        hint = "known fields: " + ", ".join(known) if known else "this mapping takes no fields"
        out.append(((tuple(path), "unknown", key), InputProblem(f"unknown field {quoted(key)}{where}{suggestion}", span,
                                                               hint)))
    return out


def _missing_field(error: Any, doc: Document, path: list[str | int]) -> tuple[tuple[object, ...], InputProblem]:
    match = re.match(r"^'(.*)' is a required property$", error.message)
    field = match.group(1) if match else str(error.validator_value)
    where = f" {_place(doc, path)}"
    reason = ""
    description = _property_description(error.schema, field)
    if "then" in error.absolute_schema_path and isinstance(error.instance, dict):
        reason = f" (a {error.instance.get('type')} network needs it)"
        description = _property_description(_network_schema(), field)
    # Point at the entry's name for named entries, else at the object itself.
    span = locate(doc.data, path, doc.span, key=bool(path) and isinstance(path[-1], str))
    return ((tuple(path), "missing", field),
            InputProblem(f"missing field {quoted(field)}{where}{reason}", span, description))


def _bad_name(error: Any, doc: Document, path: list[str | int]) -> tuple[tuple[object, ...], InputProblem]:
    """A key of a named mapping (a network name, a NIC name) that is not a valid name."""
    key = error.instance
    span = locate(doc.data, path, doc.span)
    parent = _value_at(doc.data, path)
    if isinstance(parent, YMap) and isinstance(key, str):
        span = parent.key_span(key)
    _, owner = describe(doc.data, path)
    entity = entity_name(path[-1]) if path and isinstance(path[-1], str) else None
    what = f"{entity} name" if entity else "name"
    where = f" in {owner}" if owner else ""
    title = error.schema.get("title", "name")
    example = _example(error.schema)
    message = f"{what} {quoted(str(key))}{where} is not a valid {title}{_constraint(error)}"
    hint = error.schema.get("description", "") + (f" Example: {example}." if example else "")
    return ((tuple(path), "name", key), InputProblem(message, span, hint.strip()))


# ------------------------------------------------------------------------------------------- values


def _place(doc: Document, path: Path) -> str:
    """Where a field lives: `in network "prod-web"`, `in "cluster.ovn"`, `at the top of the document`."""
    field, owner = describe(doc.data, path)
    if field and owner:
        return f"in {quoted(field)} of {owner}"
    if owner or field:
        return f"in {owner or quoted(field)}"
    return 'in "spec"' if list(path) == ["spec"] else "at the top of the document"


def _subject(doc: Document, path: Path) -> str:
    field, owner = describe(doc.data, path)
    if field and owner:
        return f"{quoted(field)} of {owner}"
    return quoted(field) if field else (owner or "the document")


def _value_message(error: Any, path: Path, doc: Document) -> tuple[str, str]:
    """(message, hint) for an error about one value."""
    subject = _subject(doc, path)
    value = error.instance
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind == "type":
        expected = error.validator_value
        words = " or ".join(type_word(t) for t in (expected if isinstance(expected, list) else [expected]))
        hint = ""
        if expected == "string" and isinstance(value, int | float) and not isinstance(value, bool):
            hint = "put it in quotes so that it stays text (unquoted, YAML reads it as a number)"
        return f"{subject} must be {words}, not {value_word(value)}", hint
    if kind == "enum":
        options = [str(o) for o in error.validator_value]
        close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6) if isinstance(value, str) else []
        suggestion = f" (did you mean {quoted(close[0])}?)" if close else ""
        found = value_word(value, bare=True)
        return f"{subject}: expected one of {', '.join(options)} but found {found}{suggestion}", ""
    if kind == "const":
        if path == ["apiVersion"]:
            return (f"unsupported apiVersion {value_word(value, bare=True)}: this kvnet reads "
                    f"{error.validator_value}", "set apiVersion: " + str(error.validator_value))
        return f"{subject} must be {quoted(str(error.validator_value))}, not {value_word(value, bare=True)}", ""
    if kind in ("pattern", "format"):
        title = schema.get("title") or _parent_key(error, "title") or "value of the expected form"
        reason = f" ({error.cause})" if kind == "format" and error.cause else ""
        example = _example(schema) or _example({"examples": _parent_key(error, "examples")})
        hint = schema.get("description", "") or _parent_key(error, "description")
        if example:
            hint = (hint + f" Example: {example}.").strip()
        return f"{subject} is not a valid {title}: {value_word(value, bare=True)}{reason}", hint
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than",
                 "exclusiveMaximum": "less than"}[kind]
        return f"{subject} must be {bound} {error.validator_value}, not {value}", ""
    if kind in ("minItems", "maxItems"):
        n = error.validator_value
        more = "at least" if kind == "minItems" else "at most"
        return f"{subject} needs {more} {n} item{'s' if n != 1 else ''}", ""
    if kind == "uniqueItems":
        dupes = _duplicates(value)
        return f"{subject} lists {', '.join(dupes) or 'an item'} more than once", "remove the repeated entries"
    if kind in ("minLength", "maxLength"):
        if kind == "minLength":
            return f"{subject} must not be empty", ""
        return f"{subject} is longer than {error.validator_value} characters", ""
    return f"{subject} is not valid ({_plain(error.message)})", ""


def _alternatives(error: Any, doc: Document, path: list[str | int]) -> list[tuple[tuple[object, ...], InputProblem]]:
    """anyOf/oneOf: report the branch the value was meant for, or say which shapes would do."""
    branches: dict[int, list[Any]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [errs for errs in branches.values()
               if not any(e.validator == "type" and not list(e.relative_path) for e in errs)]
    if fitting:
        best = max(fitting, key=lambda errs: max(len(list(e.relative_path)) for e in errs))
        out = []
        for sub in best:
            out.extend(_translate(sub, doc))
        return out
    schema = error.schema if isinstance(error.schema, dict) else {}
    shapes = schema.get("title") or " or ".join(_shape(b) for b in error.validator_value)
    example = _example(schema)
    span = locate(doc.data, path, doc.span)
    message = f"{_subject(doc, path)} must be {_article(shapes)}{f' (such as {example})' if example else ''}, " \
              f"not {value_word(error.instance)}"
    return [((tuple(path), "value"), InputProblem(message, span, _trap_hint(doc, span, error)))]


# ------------------------------------------------------------------------------------------- helpers


def _trap_hint(doc: Document, span: Span, error: Any) -> str:
    """When the value was an unquoted YAML 1.1 trap (`no`, `on`, `0755`, `1:30`), say so."""
    trap = _trap_at(doc.traps, span)
    if trap is None:
        return ""
    if error.validator == "type" and error.validator_value == "boolean" and "boolean" in trap.yaml11_reading:
        return (f"write true or false: an unquoted {trap.text} is text for YAML 1.2 readers (kvnet, Kubernetes) "
                f"but {trap.yaml11_reading} for YAML 1.1 readers")
    return (f"unquoted, {trap.text} is text for kvnet and Kubernetes but {trap.yaml11_reading} for YAML 1.1 "
            f"tools; quote it")


def _trap_at(traps: list[Trap], span: Span) -> Trap | None:
    return next((t for t in traps if (t.span.line, t.span.column) == (span.line, span.column)), None)


def _value_at(root: Any, path: Path) -> Any:
    node = root
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _property_description(schema: Any, field: str) -> str:
    if isinstance(schema, dict):
        prop = schema.get("properties", {}).get(field)
        if isinstance(prop, dict):
            return str(prop.get("description", ""))
    return ""


def _network_schema() -> Any:
    """The network definition (conditional requirements by type live in it)."""
    from kvnet.site.schema import site_schema

    return site_schema()["$defs"]["network"]


def _parent_key(error: Any, key: str) -> Any:
    """A keyword (title, description, examples) of the nearest enclosing schema that has it."""
    parent = error.parent
    while parent is not None:
        if isinstance(parent.schema, dict) and parent.schema.get(key):
            return parent.schema[key]
        parent = parent.parent
    return ""


def _example(schema: Any) -> str:
    examples = schema.get("examples") if isinstance(schema, dict) else None
    return ", ".join(quoted(str(e)) if isinstance(e, str) else str(e) for e in examples) if examples else ""


def _constraint(error: Any) -> str:
    if error.validator == "maxLength":
        return f" (longer than {error.validator_value} characters)"
    return ""


def _shape(branch: Any) -> str:
    if not isinstance(branch, dict):
        return "a value"
    if "enum" in branch:
        return "one of " + ", ".join(str(o) for o in branch["enum"])
    if "title" in branch:
        return str(branch["title"])
    kind = branch.get("type")
    if kind == "array" and isinstance(branch.get("items"), dict) and "enum" in branch["items"]:
        return "a list of " + ", ".join(str(o) for o in branch["items"]["enum"])
    return type_word(kind) if isinstance(kind, str) else "a value"


def _article(text: str) -> str:
    if text.startswith(("a ", "an ", "one of", "text", "true")):
        return text
    return ("an " if text[:1].lower() in "aeiou" else "a ") + text


def _duplicates(items: Any) -> list[str]:
    seen: list[Any] = []
    dupes: list[str] = []
    for item in items if isinstance(items, list) else []:
        if item in seen and quoted(str(item)) not in dupes:
            dupes.append(quoted(str(item)))
        seen.append(item)
    return dupes


def _plain(message: str) -> str:
    """Last resort: jsonschema's text, shortened."""
    return message if len(message) < 120 else message[:117] + "..."
