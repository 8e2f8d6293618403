"""SARIF 2.1.0, the report GitHub code scanning (github/codeql-action/upload-sarif) and IDE viewers read.

One run; tool.driver lists the rules (the whole catalogue, or the `rules` given, plus a plain descriptor for
any id a finding names that the catalogue lacks) so each result's ruleIndex points at its descriptor.
Locations are relative to the working folder under the `%SRCROOT%` base id, which originalUriBaseIds maps to
that folder's file:// URI; files outside it get an absolute file:// URI. Columns count Unicode code points
(what the YAML loader counts), and endColumn is the column after the last character, as SARIF defines it.

The other places of a conflict are relatedLocations with ids 1..n, and the message links to them with
SARIF's `[text](id)` syntax, because GitHub only shows related locations that the message embeds. Literal
brackets in messages are escaped as the spec requires for messages with links.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from kvnet import __version__
from kvnet.findings import Finding, Severity
from kvnet.report.base import Renderer, absolute, ordered, relative_path, span_end
from kvnet.span import Span

if TYPE_CHECKING:
    from kvnet.rules.registry import Rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
# Where kvnet lives and where docs/rules/<ID>.md is published; SARIF wants absolute URIs here.
INFORMATION_URI = "https://github.com/kvnet/kvnet"
RULE_DOCS_URI = f"{INFORMATION_URI}/blob/main/docs/rules"

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_WHAT_IT_DOES = re.compile(r"^## What it does[ \t]*\n(.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def sarif_level(severity: Severity) -> str:
    return _LEVEL[severity]


def escape_message(text: str) -> str:
    """Literal brackets escaped, so viewers do not read them as an embedded link (SARIF §3.11.6)."""
    return text.replace("[", "\\[").replace("]", "\\]")


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    """A reportingDescriptor for one catalogue rule."""
    doc = rule.doc.strip() or rule.title
    found = _WHAT_IT_DOES.search(doc)
    summary = " ".join(found.group(1).split()) if found else rule.title
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": summary or rule.title},
        "help": {"text": doc, "markdown": doc},
        "helpUri": f"{RULE_DOCS_URI}/{rule.id}.md",
        "defaultConfiguration": {"level": sarif_level(rule.severity)},
        "properties": {"tags": sorted({"kvnet", rule.family})},
    }


def fallback_descriptor(finding: Finding) -> dict[str, Any]:
    """For an id outside the catalogue (a loader or schema finding): what the finding itself tells."""
    title = finding.title or finding.rule_id
    return {
        "id": finding.rule_id,
        "shortDescription": {"text": title},
        "fullDescription": {"text": title},
        "defaultConfiguration": {"level": sarif_level(finding.severity)},
    }


class SarifRenderer(Renderer):
    name = "sarif"

    def render(self, findings: Sequence[Finding]) -> str:
        return json.dumps(self.document(findings), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    def document(self, findings: Sequence[Finding]) -> dict[str, Any]:
        """The SARIF log as plain data (what `render` serialises)."""
        found = ordered(findings)
        descriptors = self._descriptors(found)
        index = {d["id"]: i for i, d in enumerate(descriptors)}
        run = {
            "tool": {
                "driver": {
                    "name": "kvnet",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": descriptors,
                }
            },
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {SRCROOT: {"uri": self._base_uri()}},
            "results": [self._result(f, index[f.rule_id]) for f in found],
        }
        return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}

    def _rules(self) -> Sequence[Rule]:
        if self.options.rules is not None:
            return self.options.rules
        from kvnet.rules.catalogue import all_rules  # lazy: importing every rule family costs start-up time

        return all_rules()

    def _descriptors(self, findings: list[Finding]) -> list[dict[str, Any]]:
        by_id = {r.id: rule_descriptor(r) for r in self._rules()}
        for finding in findings:
            by_id.setdefault(finding.rule_id, fallback_descriptor(finding))
        return [by_id[k] for k in sorted(by_id)]

    def _base_uri(self) -> str:
        uri = self.options.base.absolute().as_uri()
        return uri if uri.endswith("/") else uri + "/"

    def _physical(self, span: Span) -> dict[str, Any]:
        relative = relative_path(span.file, self.options.base)
        artifact = (
            {"uri": quote(relative, safe="/"), "uriBaseId": SRCROOT}
            if relative is not None
            else {"uri": absolute(span.file).as_uri()}
        )
        region = {"startLine": span.line, "startColumn": span.column}
        end = span_end(span)
        if end != (span.line, span.column):
            region.update(endLine=end[0], endColumn=end[1])
        return {"artifactLocation": artifact, "region": region}

    def _message(self, finding: Finding) -> str:
        lines = [escape_message(finding.message)]
        if finding.related:
            links = [
                f"[{escape_message(r.message or 'related location')}]({i})"
                for i, r in enumerate(finding.related, start=1)
            ]
            lines.append("Related: " + ", ".join(links))
        if finding.hint:
            lines.append("Help: " + escape_message(finding.hint))
        return "\n".join(lines)

    def _result(self, finding: Finding, rule_index: int) -> dict[str, Any]:
        result: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "ruleIndex": rule_index,
            "level": sarif_level(finding.severity),
            "message": {"text": self._message(finding)},
            "locations": [{"physicalLocation": self._physical(finding.span)}],
        }
        if finding.related:
            result["relatedLocations"] = [
                {"id": i, "message": {"text": r.message}, "physicalLocation": self._physical(r.span)}
                for i, r in enumerate(finding.related, start=1)
            ]
        return result

