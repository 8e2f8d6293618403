"""Reading unquoted scalars: the YAML 1.2 core schema, and what a YAML 1.1 reader would make of them instead.

Kubernetes and JSON agree with the YAML 1.2 core schema, so that is how kvnet reads plain scalars; the
YAML 1.1 readings (PyYAML, go-yaml v2, Ansible, ...) are what make `52:54:00:12:34:56` an integer and `no`
a boolean, so the loader notes them as traps. Every pattern here is linear: none can backtrack
quadratically on a long hostile scalar.
"""

from __future__ import annotations

import math
import re
from typing import Any

# YAML 1.2 core schema
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT_DEC = re.compile(r"[-+]?[0-9]+")
_INT_OCT = re.compile(r"0o[0-7]+")
_INT_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_INF = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf}
_NAN = frozenset({".nan", ".NaN", ".NAN"})

# YAML 1.1 readings that differ from the core schema (after PyYAML's resolver, go-yaml v2 and yamllint)
_Y11_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "on", "On", "ON"})
_Y11_FALSE = frozenset({"n", "N", "no", "No", "NO", "off", "Off", "OFF"})
_Y11_SEXAGESIMAL_INT = re.compile(r"[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+")
_Y11_SEXAGESIMAL_FLOAT = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*")
_Y11_OCTAL = re.compile(r"[-+]?0[0-7_]+")
_Y11_BINARY = re.compile(r"[-+]?0b[01_]+")
_Y11_NUMBER_WITH_UNDERSCORES = re.compile(r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?")

# Only scalars starting with one of these can be anything but a string, under either schema.
SPECIAL_FIRST = frozenset("0123456789+-.~yYnNoOtTfF")


def yaml11_reading(text: str) -> str | None:
    """What a YAML 1.1 reader makes of an unquoted scalar, when that differs from the text; else None."""
    if text in _Y11_TRUE:
        return "a boolean (true)"
    if text in _Y11_FALSE:
        return "a boolean (false)"
    if not text or text[0] not in "0123456789+-":
        return None
    if _Y11_SEXAGESIMAL_INT.fullmatch(text):
        return "a base-60 integer"
    if _Y11_SEXAGESIMAL_FLOAT.fullmatch(text):
        return "a base-60 float"
    if _Y11_OCTAL.fullmatch(text) and text.strip("+-_0"):
        return "an octal integer"
    if _Y11_BINARY.fullmatch(text):
        return "a binary integer"
    if "_" in text and _Y11_NUMBER_WITH_UNDERSCORES.fullmatch(text) and text.strip("+-_."):
        return "a number (underscores dropped)"
    return None


def resolve_plain(text: str) -> Any:
    """Resolve an unquoted scalar by the YAML 1.2 core schema."""
    if text in _NULL:
        return None
    if text in _BOOL:
        return _BOOL[text]
    if _INT_DEC.fullmatch(text):
        return int(text) if len(text) < 4000 else text  # int() refuses huge digit strings (CVE-2020-10735)
    if _INT_OCT.fullmatch(text):
        return int(text[2:], 8)
    if _INT_HEX.fullmatch(text):
        return int(text[2:], 16)
    if _FLOAT.fullmatch(text):
        return float(text)
    if text in _INF or (text[0] in "+-" and text[1:] in _INF):
        return -math.inf if text[0] == "-" else math.inf
    if text in _NAN:
        return math.nan
    return text
