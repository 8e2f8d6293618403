"""docs/site-format.md, generated from the schema's descriptions: `python -m kvnet.site.docgen > docs/site-format.md`.

Every field of the site format gets a row (name, type, description); objects get a section each, in the
order the schema lists them. tests/site/test_docgen.py keeps the committed file in step with the schema.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from kvnet.site.schema import site_schema

SCHEMA_URL = "https://kvnet.dev/schemas/site/v1alpha1.json"

_EDITOR = """\
## Editor support

The schema is `schemas/site.schema.json` in the repository (`kvnet schema` prints it). Editors that use
[yaml-language-server](https://github.com/redhat-developer/yaml-language-server) (the VS Code YAML
extension, Neovim, Helix, ...) then complete field names, show these descriptions on hover and underline
typos. Either put a modeline at the top of the site file (a path relative to the file, or a URL):

```yaml
# yaml-language-server: $schema=../../schemas/site.schema.json
apiVersion: kvnet.dev/v1alpha1
kind: Site
```

or map the schema to your site files in the VS Code settings (`.vscode/settings.json`):

```json
{
  "yaml.schemas": {
    "./schemas/site.schema.json": ["**/site.yaml", "sites/*.yaml"]
  }
}
```

`kvnet check` validates against the same schema and reports every problem at once, at its line and column.
"""


class DocWriter:
    """Walks the schema, writing one table per object."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.defs: dict[str, Any] = schema.get("$defs", {})
        self.sections: list[str] = []

    def resolve(self, node: Any) -> dict[str, Any]:
        """Follow a local $ref, keeping the referring node's own description."""
        if isinstance(node, dict) and "$ref" in node:
            target = dict(self.defs[node["$ref"].rsplit("/", 1)[-1]])
            extra = {k: v for k, v in node.items() if k != "$ref"}
            return {**target, **extra}
        return node if isinstance(node, dict) else {}

    def type_of(self, node: Any) -> str:
        raw = node if isinstance(node, dict) else {}
        s = self.resolve(node)
        if "const" in s:
            return f"`{s['const']}`"
        if "enum" in s:
            return " \\| ".join(f"`{v}`" for v in s["enum"])
        if "$ref" in raw:
            target = self.defs.get(raw["$ref"].rsplit("/", 1)[-1], {})
            return str(target.get("title") or target.get("type", "value"))
        if "anyOf" in s:
            return str(s.get("title") or " or ".join(self.type_of(b) for b in s["anyOf"]))
        kind = s.get("type")
        if kind == "array":
            return f"list of {self.type_of(s.get('items', {}))}"
        if kind == "object":
            if s.get("properties"):
                return "object"
            values = s.get("additionalProperties")
            if isinstance(values, dict):
                key = self.resolve(s.get("propertyNames", {})).get("title", "name")
                return f"map of {key} → {self.type_of(values)}"
            return "object"
        if kind == "string" and (s.get("format") or s.get("pattern")) and s.get("title"):
            return str(s["title"])
        if kind == "string" and s.get("format"):
            return str(s["format"])
        words = {"string": "text", "integer": "integer", "boolean": "boolean", "number": "number"}
        if isinstance(kind, list):
            return " or ".join(words.get(str(k), str(k)) for k in kind)
        return words.get(str(kind), str(s.get("title", "value")))

    def describe(self, node: Any) -> str:
        s = self.resolve(node)
        text = " ".join(str(s.get("description", "")).split())
        if "default" in s and not re.search(r"\bdefault\b", text, re.IGNORECASE):
            text += f" Default: `{s['default']}`."
        return text.replace("|", "\\|")

    def walk(self, path: str, node: Any) -> None:
        s = self.resolve(node)
        props: dict[str, Any] = s.get("properties", {})
        if props:
            required = set(s.get("required", []))
            rows = [f"## `{path}`", ""]
            if s.get("description") and path != "(top level)":
                rows += [" ".join(str(s["description"]).split()), ""]
            rows += ["| Field | Type | Description |", "| --- | --- | --- |"]
            for name, prop in props.items():
                mark = " (required)" if name in required else ""
                rows.append(f"| `{name}`{mark} | {self.type_of(prop)} | {self.describe(prop)} |")
            self.sections.append("\n".join(rows) + "\n")
            for name, prop in props.items():
                self.walk_child(f"{path}.{name}" if path != "(top level)" else name, prop)

    def walk_child(self, path: str, node: Any) -> None:
        s = self.resolve(node)
        if s.get("properties"):
            self.walk(path, node)
        elif s.get("type") == "array":
            self.walk_child(f"{path}[]", s.get("items", {}))
        elif s.get("type") == "object" and isinstance(s.get("additionalProperties"), dict):
            self.walk_child(f"{path}.<name>", s["additionalProperties"])


def generate(schema: dict[str, Any] | None = None) -> str:
    schema = schema or site_schema()
    writer = DocWriter(schema)
    writer.walk("(top level)", schema)
    version = schema["properties"]["apiVersion"]["const"]
    head = [
        "<!-- Generated by `python -m kvnet.site.docgen > docs/site-format.md` from schemas/site.schema.json."
        " Do not edit by hand. -->",
        "",
        "# The kvnet site format",
        "",
        " ".join(str(schema.get("description", "")).split()),
        "",
        f"A site file is YAML (or JSON) with `apiVersion: {version}` and `kind: Site`. Its schema id is "
        f"`{schema.get('$id', SCHEMA_URL)}`. Unknown fields are errors, so typos are caught. Quote MAC "
        "addresses, PCI ids and versions: YAML 1.1 tools read `52:54:00:12:34:56` as a number.",
        "",
        "See `samples/minimal/site.yaml` for a small site and `samples/full/site.yaml` for every feature.",
        "",
        _EDITOR,
        "# Fields",
        "",
        "`<name>` stands for a key you choose (a network name, a NIC name, ...); `[]` for an item of a list.",
        "",
    ]
    return "\n".join(head) + "\n".join(writer.sections)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--json":  # handy when debugging the walk
        sys.stdout.write(json.dumps(site_schema(), indent=2) + "\n")
        return
    sys.stdout.write(generate())


if __name__ == "__main__":
    main()
