"""The site schema (schemas/site.schema.json, shipped as kvnet.schemas) and validation against it.

Validation reports every violation at once, each at the place of the offending value and in plain words
(see messages.py); custom formats (cidr, ip-address, ...) use the same parsers as the model builder.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources
from typing import Any

from kvnet.errors import InputProblem
from kvnet.load import Document
from kvnet.site import values

SCHEMA_FILE = "site.schema.json"
API_GROUP = "kvnet.dev/"
API_VERSION = "kvnet.dev/v1alpha1"
KIND = "Site"


@cache
def _schema_text() -> str:
    return resources.files("kvnet.schemas").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def site_schema() -> dict[str, Any]:
    """The JSON Schema of the site format (a fresh copy each call)."""
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


def is_site_document(data: Any) -> bool:
    """A kvnet Site: a mapping with `kind: Site` and an apiVersion in the kvnet.dev group."""
    return (
        isinstance(data, dict)
        and data.get("kind") == KIND
        and isinstance(data.get("apiVersion"), str)
        and data["apiVersion"].startswith(API_GROUP)
    )


def _string_check(parser: Any) -> Any:
    """A format check: strings must parse (the ValueError's text becomes the reason); others pass."""

    def check(instance: object) -> bool:
        if isinstance(instance, str):
            parser(instance)
        return True

    return check


_FORMATS = {
    "cidr": values.parse_cidr,
    "ip-address": values.parse_ip,
    "ip-interface": values.parse_interface,
    "ip-range": values.parse_ip_range,
    "vlan-range": values.parse_vlan_range,
}


@cache
def _validator() -> Any:
    # Imported here: jsonschema is heavy and `kvnet check` on a clean tree should start fast.
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker()
    for name, parser in _FORMATS.items():
        checker.checks(name, raises=ValueError)(_string_check(parser))
    return Draft202012Validator(site_schema(), format_checker=checker)


@cache
def _fast_check() -> Callable[[Any], bool] | None:
    """The schema compiled to a yes/no check (fastschema.py), or None when it uses a keyword not compiled."""
    from kvnet.site.fastschema import Unsupported, compile_schema

    try:
        return compile_schema(site_schema(), _FORMATS)
    except Unsupported:  # pragma: no cover - the schema only uses compiled keywords (a test checks it)
        return None


def validate_site(doc: Document) -> list[InputProblem]:
    """Every schema violation of a site document, in source order, worded for people."""
    fast = _fast_check()
    if fast is not None and fast(doc.data):
        return []  # valid: jsonschema (slow to import and to run) is only needed to find and word errors
    from kvnet.site.messages import problems_from_errors

    errors = list(_validator().iter_errors(doc.data))
    return problems_from_errors(errors, doc)
