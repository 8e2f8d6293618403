"""A compiled yes/no check of a JSON Schema, for the common case: a site that is valid.

jsonschema takes a third of kvnet's start-up to import and most of a large site's check time to walk (it builds
an error-tracking validator per keyword and value). Valid sites need none of that: `compile_schema` turns the
schema into nested closures that only answer "valid or not". When the answer is "not valid", the caller asks
jsonschema for the errors and words them for people (messages.py), so what users see never depends on this
module: a wrong "invalid" costs time only, and tests/hardening/test_fast_schema.py holds the two answers equal
over sweeps of mutated sites.

Only the keywords the site schema uses are compiled (with Draft 2020-12 semantics, as jsonschema implements
them); any other keyword makes `compile_schema` raise `Unsupported`, and the caller then always uses jsonschema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Check = Callable[[Any], bool]

ANNOTATIONS = frozenset({"title", "description", "examples", "default", "$comment", "$schema", "$id", "$defs",
                         "markdownDescription", "deprecated", "readOnly", "writeOnly"})


class Unsupported(Exception):
    """The schema uses a keyword this module does not compile."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TYPES: dict[str, Check] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float)
                                                                             and v.is_integer()),
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def equal(one: Any, two: Any) -> bool:
    """JSON equality as jsonschema judges it: booleans are not numbers, containers compare item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return one.keys() == two.keys() and all(equal(one[k], two[k]) for k in one)
    if isinstance(one, bool) or isinstance(two, bool):
        return isinstance(one, bool) and isinstance(two, bool) and one == two
    return bool(one == two)


def _unique(items: list[Any]) -> bool:
    if all(isinstance(item, str) for item in items):
        return len(set(items)) == len(items)
    return not any(equal(a, b) for i, a in enumerate(items) for b in items[i + 1:])


class _Compiler:
    def __init__(self, root: dict[str, Any], formats: Mapping[str, Callable[[str], object]]) -> None:
        self.root = root
        self.formats = formats
        self.refs: dict[str, Check] = {}

    def ref(self, pointer: str) -> Check:
        if pointer not in self.refs:
            if not pointer.startswith("#/"):
                raise Unsupported(f"$ref {pointer}")
            target: Any = self.root
            for part in pointer[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            holder: list[Check] = []
            self.refs[pointer] = lambda v: holder[0](v)  # resolved below; recursion goes through the holder
            holder.append(self.compile(target))
        return self.refs[pointer]

    def compile(self, schema: Any) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported(repr(schema))
        checks = [self.keyword(key, arg, schema) for key, arg in schema.items()
                  if key not in ANNOTATIONS and key not in ("then", "else")]
        checks = [c for c in checks if c is not _always]
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]
        every = tuple(checks)
        return lambda v: all(c(v) for c in every)

    def keyword(self, key: str, arg: Any, schema: dict[str, Any]) -> Check:
        if key == "type":
            return _type(arg)
        if key == "$ref":
            return self.ref(arg)
        if key == "const":
            return lambda v: equal(v, arg)
        if key == "enum":
            return _enum(arg)
        if key == "required":
            return _object(lambda v: all(k in v for k in arg))
        if key == "properties":
            properties = {name: self.compile(sub) for name, sub in arg.items()}
            return _object(lambda v: all(check(v[name]) for name, check in properties.items() if name in v))
        if key == "additionalProperties":
            if "patternProperties" in schema:
                raise Unsupported("patternProperties")
            known = frozenset(schema.get("properties", {}))
            extra = self.compile(arg)
            return _object(lambda v: all(extra(v[name]) for name in v if name not in known))
        if key == "propertyNames":
            names = self.compile(arg)
            return _object(lambda v: all(names(name) for name in v))
        if key == "items":
            item = self.compile(arg)
            return _array(lambda v: all(item(x) for x in v))
        if key == "minItems":
            return _array(lambda v: len(v) >= arg)
        if key == "maxItems":
            return _array(lambda v: len(v) <= arg)
        if key == "uniqueItems":
            return _array(_unique) if arg else _always
        if key == "minLength":
            return _string(lambda v: len(v) >= arg)
        if key == "maxLength":
            return _string(lambda v: len(v) <= arg)
        if key == "pattern":
            search = re.compile(arg).search
            return _string(lambda v: search(v) is not None)
        if key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            return _bound(key, arg)
        if key == "format":
            if arg not in self.formats:
                raise Unsupported(f"format {arg}")
            return _string(_parses(self.formats[arg]))
        if key in ("anyOf", "allOf", "oneOf"):
            subs = tuple(self.compile(sub) for sub in arg)
            if key == "anyOf":
                return lambda v: any(c(v) for c in subs)
            if key == "allOf":
                return lambda v: all(c(v) for c in subs)
            return lambda v: sum(1 for c in subs if c(v)) == 1
        if key == "not":
            sub = self.compile(arg)
            return lambda v: not sub(v)
        if key == "if":
            condition = self.compile(arg)
            then = self.compile(schema.get("then", True))
            otherwise = self.compile(schema.get("else", True))
            return lambda v: then(v) if condition(v) else otherwise(v)
        raise Unsupported(key)


def _always(value: Any) -> bool:
    return True


def _never(value: Any) -> bool:
    return False


def _type(names: str | list[str]) -> Check:
    tests = tuple(_TYPES[t] for t in ([names] if isinstance(names, str) else names))
    return lambda v: any(t(v) for t in tests)


def _enum(options: list[Any]) -> Check:
    if all(isinstance(e, str) for e in options):
        texts = frozenset(options)
        return lambda v: isinstance(v, str) and v in texts
    return lambda v: any(equal(v, e) for e in options)


# Keywords about one JSON type pass every instance of another type.
def _object(check: Check) -> Check:
    return lambda v: not isinstance(v, dict) or check(v)


def _array(check: Check) -> Check:
    return lambda v: not isinstance(v, list) or check(v)


def _string(check: Check) -> Check:
    return lambda v: not isinstance(v, str) or check(v)


def _bound(key: str, limit: float) -> Check:
    """A bound on numbers, failing exactly where jsonschema's comparison fails (NaN fails none)."""
    fails: Callable[[Any], bool] = {
        "minimum": lambda v: v < limit,
        "maximum": lambda v: v > limit,
        "exclusiveMinimum": lambda v: v <= limit,
        "exclusiveMaximum": lambda v: v >= limit,
    }[key]
    return lambda v: not _is_number(v) or not fails(v)


def _parses(parse: Callable[[str], object]) -> Check:
    def check(value: str) -> bool:
        try:
            parse(value)
        except Exception:  # any failure: let jsonschema judge (and word) it
            return False
        return True

    return check


def compile_schema(schema: dict[str, Any], formats: Mapping[str, Callable[[str], object]]) -> Check:
    """A function telling whether an instance is valid against `schema` (raises Unsupported when the schema
    uses a keyword not compiled here). `formats` maps format names to parsers that raise on bad text."""
    return _Compiler(schema, formats).compile(schema)
