"""docs/site-format.md is generated from the schema and must match it; the schema itself is valid."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kvnet.site import site_schema
from kvnet.site.docgen import generate

REPO = Path(__file__).resolve().parents[2]


def _properties(node: Any, defs: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every (name, property schema) in the schema, following $defs."""
    found: list[tuple[str, dict[str, Any]]] = []
    stack = [node, *defs.values()]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            for name, prop in current.get("properties", {}).items():
                found.append((name, prop))
            stack.extend(v for k, v in current.items() if k not in ("properties", "if"))  # `if` only tests
            stack.extend(current.get("properties", {}).values())
        elif isinstance(current, list):
            stack.extend(current)
    return found


def test_committed_doc_matches_the_schema() -> None:
    committed = (REPO / "docs" / "site-format.md").read_text(encoding="utf-8")
    assert committed == generate(), "regenerate: python -m kvnet.site.docgen > docs/site-format.md"


def test_every_property_has_a_description_and_is_documented() -> None:
    schema = site_schema()
    doc = generate(schema)
    props = _properties(schema, schema["$defs"])
    assert len(props) > 100
    for name, prop in props:
        assert prop.get("description"), f"property {name!r} has no description"
        assert f"| `{name}`" in doc, f"property {name!r} is missing from the generated doc"


def test_doc_explains_editor_setup() -> None:
    doc = generate()
    assert "# yaml-language-server: $schema=" in doc
    assert '"yaml.schemas"' in doc


def test_docgen_runs_as_a_module() -> None:
    out = subprocess.run([sys.executable, "-m", "kvnet.site.docgen"], capture_output=True, text=True, check=True)
    assert out.stdout == generate()


def test_schema_is_valid_against_its_metaschema(require_tool: Callable[..., str]) -> None:
    tool = require_tool("check-jsonschema", "pip install check-jsonschema")
    out = subprocess.run([tool, "--check-metaschema", str(REPO / "schemas" / "site.schema.json")],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_samples_pass_check_jsonschema(require_tool: Callable[..., str]) -> None:
    """An independent validator agrees the samples fit the schema (custom formats aside)."""
    tool = require_tool("check-jsonschema", "pip install check-jsonschema")
    samples = sorted(str(p) for p in (REPO / "samples").glob("*/site.yaml"))
    out = subprocess.run([tool, "--schemafile", str(REPO / "schemas" / "site.schema.json"), *samples],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
