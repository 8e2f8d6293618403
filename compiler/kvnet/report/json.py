"""The JSON report: a stable, documented shape for scripts (version 1).

    {
      "version": 1,
      "findings": [
        {"rule": "MAC-01", "severity": "error", "title": "...", "message": "...", "hint": "...",
         "file": "samples/full/site.yaml", "line": 12, "column": 12, "endLine": 12, "endColumn": 31,
         "related": [{"message": "first used here", "file": "...", "line": 8, "column": 12,
                      "endLine": 8, "endColumn": 31}]}
      ],
      "summary": {"errors": 1, "warnings": 0, "info": 0, "total": 1, "files": 1}
    }

Lines and columns are 1-based; endColumn is the column just after the last character (as in SARIF); an
unknown end is reported as the start. `file` is relative to the working folder when inside it. Findings are
sorted by file, line, column, rule; keys are sorted; `hint` and `title` are "" when absent.
JSON_REPORT_SCHEMA below is the contract (a JSON Schema); a change that breaks it bumps `version`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from kvnet.findings import Finding
from kvnet.report.base import Renderer, display_path, ordered, span_end, summarize
from kvnet.span import Span

FORMAT_VERSION = 1

_POSITION = {
    "file": {"type": "string"},
    "line": {"type": "integer", "minimum": 1},
    "column": {"type": "integer", "minimum": 1},
    "endLine": {"type": "integer", "minimum": 1},
    "endColumn": {"type": "integer", "minimum": 1},
}
_COUNT = {"type": "integer", "minimum": 0}

JSON_REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "kvnet JSON report",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "findings", "summary"],
    "properties": {
        "version": {"const": FORMAT_VERSION},
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["rule", "severity", "title", "message", "hint", *_POSITION, "related"],
                "properties": {
                    "rule": {"type": "string", "minLength": 1},
                    "severity": {"enum": ["error", "warning", "info"]},
                    "title": {"type": "string"},
                    "message": {"type": "string"},
                    "hint": {"type": "string"},
                    **_POSITION,
                    "related": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["message", *_POSITION],
                            "properties": {"message": {"type": "string"}, **_POSITION},
                        },
                    },
                },
            },
        },
        "summary": {
            "type": "object",
            "additionalProperties": False,
            "required": ["errors", "warnings", "info", "total", "files"],
            "properties": {k: _COUNT for k in ("errors", "warnings", "info", "total", "files")},
        },
    },
}


class JsonRenderer(Renderer):
    name = "json"

    def render(self, findings: Sequence[Finding]) -> str:
        return json.dumps(self.document(findings), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def document(self, findings: Sequence[Finding]) -> dict[str, Any]:
        """The report as plain data (what `render` serialises)."""
        summary = summarize(findings)
        return {
            "version": FORMAT_VERSION,
            "findings": [self._finding(f) for f in ordered(findings)],
            "summary": {
                "errors": summary.errors,
                "warnings": summary.warnings,
                "info": summary.info,
                "total": summary.total,
                "files": summary.files,
            },
        }

    def _position(self, span: Span) -> dict[str, Any]:
        end_line, end_column = span_end(span)
        return {
            "file": display_path(span.file, self.options.base),
            "line": span.line,
            "column": span.column,
            "endLine": end_line,
            "endColumn": end_column,
        }

    def _finding(self, finding: Finding) -> dict[str, Any]:
        return {
            "rule": finding.rule_id,
            "severity": str(finding.severity),
            "title": finding.title,
            "message": finding.message,
            "hint": finding.hint,
            **self._position(finding.span),
            "related": [{"message": r.message, **self._position(r.span)} for r in finding.related],
        }
