"""SARIF 2.1.0: valid against the official OASIS schema, with rule descriptors, levels, relative URIs and
related locations that the message links to."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import jsonschema
import pytest

from kvnet.findings import Finding, Related, Severity
from kvnet.report import render
from kvnet.span import Span
from report_sample import Sample

if TYPE_CHECKING:
    from kvnet.rules.registry import Rule


def sarif(findings: list[Finding], cwd: Path, rules: list[Rule] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render(findings, "sarif", cwd=cwd, rules=rules))
    return document


def assert_valid(document: dict[str, Any], schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_valid_against_the_official_schema(sample: Sample, rules: list[Rule], sarif_schema: dict[str, Any]) -> None:
    assert_valid(sarif(sample.findings, sample.cwd, rules), sarif_schema)


def test_valid_with_the_real_catalogue(sample: Sample, sarif_schema: dict[str, Any]) -> None:
    """rules=None takes kvnet's own catalogue; the findings' ids not in it get plain descriptors."""
    from kvnet.rules.catalogue import all_rules

    document = sarif(sample.findings, sample.cwd)
    assert_valid(document, sarif_schema)
    ids = [d["id"] for d in document["runs"][0]["tool"]["driver"]["rules"]]
    assert set(ids) >= {r.id for r in all_rules()} | {"MAC-01", "VLAN-01", "NET-02"}


def test_valid_when_empty(tmp_path: Path, rules: list[Rule], sarif_schema: dict[str, Any]) -> None:
    document = sarif([], tmp_path, rules)
    assert_valid(document, sarif_schema)
    assert document["runs"][0]["results"] == []


def test_schema_check_has_teeth(sample: Sample, rules: list[Rule], sarif_schema: dict[str, Any]) -> None:
    document = sarif(sample.findings, sample.cwd, rules)
    document["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(AssertionError):
        assert_valid(document, sarif_schema)


def test_log_header_and_driver(sample: Sample, rules: list[Rule]) -> None:
    from kvnet import __version__

    document = sarif(sample.findings, sample.cwd, rules)
    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("sarif-schema-2.1.0.json")
    driver = document["runs"][0]["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("kvnet", __version__)
    assert driver["informationUri"].startswith("https://")
    mac = driver["rules"][0]
    assert mac["id"] == "MAC-01"
    assert mac["name"] == "duplicate-mac"
    assert mac["shortDescription"] == {"text": "Two interfaces with the same MAC"}
    assert mac["fullDescription"] == {"text": "Flags two interfaces with the same mac."}
    assert mac["help"]["markdown"].startswith("## What it does")
    assert mac["helpUri"].endswith("docs/rules/MAC-01.md")
    assert mac["defaultConfiguration"] == {"level": "error"}


def test_results_point_at_their_rule_and_level(sample: Sample, rules: list[Rule]) -> None:
    run = sarif(sample.findings, sample.cwd, rules)["runs"][0]
    descriptors = run["tool"]["driver"]["rules"]
    got = [(r["ruleId"], r["level"]) for r in run["results"]]
    assert got == [("NET-02", "note"), ("VLAN-01", "warning"), ("MAC-01", "error")]
    for result in run["results"]:
        assert descriptors[result["ruleIndex"]]["id"] == result["ruleId"]


def test_locations_are_relative_to_the_working_folder(sample: Sample, rules: list[Rule]) -> None:
    run = sarif(sample.findings, sample.cwd, rules)["runs"][0]
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.endswith("/") and Path(unquote(urlparse(base).path)) == sample.cwd
    mac = run["results"][2]
    (location,) = mac["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "site.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 12, "startColumn": 46, "endLine": 12, "endColumn": 65},
    }
    info = run["results"][0]["locations"][0]["physicalLocation"]
    assert info["artifactLocation"]["uri"] == "groups/nodes.yaml"
    assert info["region"] == {"startLine": 4, "startColumn": 9, "endLine": 5, "endColumn": 22}


def test_related_locations_have_ids_messages_and_links(sample: Sample, rules: list[Rule]) -> None:
    vlan = sarif(sample.findings, sample.cwd, rules)["runs"][0]["results"][1]
    related = vlan["relatedLocations"]
    assert [(r["id"], r["message"]["text"]) for r in related] == [
        (1, "prod-web uses it here"), (2, "on bridge br-prod")
    ]
    assert related[1]["physicalLocation"]["artifactLocation"]["uri"] == "groups/nodes.yaml"
    assert related[0]["physicalLocation"]["region"]["startLine"] == 4
    # GitHub only shows related locations that the message embeds as [text](id).
    assert vlan["message"]["text"] == (
        "VLAN 110 carries both prod-db and prod-web\n"
        "Related: [prod-web uses it here](1), [on bridge br-prod](2)\n"
        "Help: give prod-db its own VLAN"
    )


def test_results_without_related_places_have_no_related_locations(sample: Sample, rules: list[Rule]) -> None:
    info = sarif(sample.findings, sample.cwd, rules)["runs"][0]["results"][0]
    assert "relatedLocations" not in info
    assert info["message"]["text"] == "bridge br-prod has no uplink"


def test_brackets_in_messages_are_escaped(tmp_path: Path, rules: list[Rule]) -> None:
    finding = Finding(Span("a.yaml", 1, 1), "MAC-01", Severity.ERROR, "address [fe80::1] clashes",
                      related=(Related(Span("a.yaml", 2, 1), "see [x]"),))
    text = sarif([finding], tmp_path, rules)["runs"][0]["results"][0]["message"]["text"]
    assert text == "address \\[fe80::1\\] clashes\nRelated: [see \\[x\\]](1)"


def test_files_outside_the_working_folder_get_absolute_uris(tmp_path: Path, rules: list[Rule]) -> None:
    inside = tmp_path / "repo"
    inside.mkdir()
    outside = tmp_path / "other dir" / "site.yaml"
    finding = Finding(Span(str(outside), 1, 1), "MAC-01", Severity.ERROR, "m")
    artifact = sarif([finding], inside, rules)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert artifact["artifactLocation"] == {"uri": outside.as_uri()}
    assert "%20" in artifact["artifactLocation"]["uri"]
    assert artifact["region"] == {"startLine": 1, "startColumn": 1}  # a point: no end


def test_relative_uris_are_percent_encoded(tmp_path: Path, rules: list[Rule]) -> None:
    finding = Finding(Span(str(tmp_path / "my site#1.yaml"), 1, 1), "MAC-01", Severity.ERROR, "m")
    artifact = sarif([finding], tmp_path, rules)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert artifact["artifactLocation"]["uri"] == "my%20site%231.yaml"


def test_unknown_rule_id_gets_a_descriptor_from_the_finding(tmp_path: Path, rules: list[Rule]) -> None:
    finding = Finding(Span("a.yaml", 1, 1), "INPUT-01", Severity.ERROR, "bad", title="Unusable input")
    run = sarif([finding], tmp_path, rules)["runs"][0]
    descriptor = run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]
    assert descriptor["id"] == "INPUT-01"
    assert descriptor["shortDescription"] == {"text": "Unusable input"}
    assert [d["id"] for d in run["tool"]["driver"]["rules"]] == ["INPUT-01", "MAC-01", "NET-02", "VLAN-01"]


def test_deterministic(sample: Sample, rules: list[Rule]) -> None:
    forward = render(sample.findings, "sarif", cwd=sample.cwd, rules=rules)
    backward = render(list(reversed(sample.findings)), "sarif", cwd=sample.cwd, rules=list(reversed(rules)))
    assert forward == backward


def test_uris_that_sarif_wants_absolute_are_absolute(sample: Sample, rules: list[Rule]) -> None:
    """The schema's `format: uri` is only checked when rfc3987 is installed, so check it here."""
    run = sarif(sample.findings, sample.cwd, rules)["runs"][0]
    driver = run["tool"]["driver"]
    absolute = [driver["informationUri"], run["originalUriBaseIds"]["%SRCROOT%"]["uri"]]
    absolute += [d["helpUri"] for d in driver["rules"]]
    for uri in absolute:
        parsed = urlparse(uri)
        assert parsed.scheme in ("https", "file") and parsed.path.startswith("/"), uri
