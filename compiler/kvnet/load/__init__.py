"""Loading: YAML and JSON files into positioned plain values (see values.py and yaml_loader.py)."""

from __future__ import annotations

from kvnet.load.values import YList, YMap, locate, span_of, to_plain
from kvnet.load.yaml_loader import (
    C_LOADER,
    Document,
    LoadLimits,
    SourceFile,
    Trap,
    load_file,
    load_first,
    load_text,
    read_text,
    yaml11_reading,
)

__all__ = [
    "C_LOADER",
    "Document",
    "LoadLimits",
    "SourceFile",
    "Trap",
    "YList",
    "YMap",
    "load_file",
    "load_first",
    "load_text",
    "locate",
    "read_text",
    "span_of",
    "to_plain",
    "yaml11_reading",
]
