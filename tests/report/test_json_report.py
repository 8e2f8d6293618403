"""The JSON report: the documented shape (checked against its own JSON Schema), values, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from kvnet.findings import Finding, Severity
from kvnet.report import render
from kvnet.report.json import JSON_REPORT_SCHEMA
from kvnet.span import Span
from report_sample import Sample


def test_report_fits_the_documented_schema(sample: Sample) -> None:
    document = json.loads(render(sample.findings, "json", cwd=sample.cwd))
    jsonschema.Draft202012Validator.check_schema(JSON_REPORT_SCHEMA)
    jsonschema.Draft202012Validator(JSON_REPORT_SCHEMA).validate(document)


def test_schema_rejects_a_report_missing_a_field(sample: Sample) -> None:
    """The contract has teeth: a finding without `rule` is not a version-1 report."""
    document = json.loads(render(sample.findings, "json", cwd=sample.cwd))
    del document["findings"][0]["rule"]
    assert not jsonschema.Draft202012Validator(JSON_REPORT_SCHEMA).is_valid(document)


def test_finding_values(sample: Sample) -> None:
    document = json.loads(render(sample.findings, "json", cwd=sample.cwd))
    mac = next(f for f in document["findings"] if f["rule"] == "MAC-01")
    assert mac == {
        "rule": "MAC-01",
        "severity": "error",
        "title": "Two interfaces with the same MAC",
        "message": "MAC 52:54:00:12:34:56 is used by web-02/prod and web-01/prod",
        "hint": "give each interface its own MAC, or drop `mac` and let kvnet allocate one",
        "file": "site.yaml",
        "line": 12,
        "column": 46,
        "endLine": 12,
        "endColumn": 65,
        "related": [
            {"message": "first used here", "file": "site.yaml", "line": 9, "column": 46, "endLine": 9,
             "endColumn": 65},
        ],
    }
    vlan = next(f for f in document["findings"] if f["rule"] == "VLAN-01")
    assert [(r["file"], r["line"]) for r in vlan["related"]] == [("site.yaml", 4), ("groups/nodes.yaml", 4)]


def test_summary_and_order(sample: Sample) -> None:
    document = json.loads(render(sample.findings, "json", cwd=sample.cwd))
    assert document["version"] == 1
    assert document["summary"] == {"errors": 1, "warnings": 1, "info": 1, "total": 3, "files": 2}
    assert [(f["file"], f["line"]) for f in document["findings"]] == [
        ("groups/nodes.yaml", 4), ("site.yaml", 5), ("site.yaml", 12)
    ]


def test_output_is_deterministic_with_sorted_keys(sample: Sample) -> None:
    forward = render(sample.findings, "json", cwd=sample.cwd)
    backward = render(list(reversed(sample.findings)), "json", cwd=sample.cwd)
    assert forward == backward
    assert forward.endswith("}\n")
    assert forward == json.dumps(json.loads(forward), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_unknown_end_is_reported_as_the_start(tmp_path: Path) -> None:
    finding = Finding(Span("a.yaml", 7, 3), "X-01", Severity.WARNING, "m")
    (entry,) = json.loads(render([finding], "json", cwd=tmp_path))["findings"]
    assert (entry["line"], entry["column"], entry["endLine"], entry["endColumn"]) == (7, 3, 7, 3)


def test_empty_report(tmp_path: Path) -> None:
    document = json.loads(render([], "json", cwd=tmp_path))
    assert document == {
        "version": 1,
        "findings": [],
        "summary": {"errors": 0, "warnings": 0, "info": 0, "total": 0, "files": 0},
    }
    jsonschema.Draft202012Validator(JSON_REPORT_SCHEMA).validate(document)
