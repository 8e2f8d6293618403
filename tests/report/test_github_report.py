"""GitHub workflow commands: shape, severities, escaping (checked by parsing the output back the way the
runner does), paths relative to GITHUB_WORKSPACE."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kvnet.findings import Finding, Related, Severity
from kvnet.report import render
from kvnet.report.github import escape_data, escape_property
from kvnet.span import Span
from report_sample import Sample

_COMMAND = re.compile(r"^::(?P<name>[a-z]+) (?P<props>[^:]*)::(?P<message>.*)$")


def _unescape(text: str) -> str:
    # The runner's order: the escapes of special characters first, %25 last.
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    """Split a workflow command as the runner does: name, `key=value` pairs split on `,`, then the message."""
    found = _COMMAND.match(line)
    assert found, f"not a workflow command: {line!r}"
    props = dict(pair.split("=", 1) for pair in found["props"].split(","))
    return found["name"], {k: _unescape(v) for k, v in props.items()}, _unescape(found["message"])


@pytest.fixture(autouse=True)
def _no_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("plain text", "plain text", "plain text"),
        ("100%", "100%25", "100%25"),
        ("a\nb", "a%0Ab", "a%0Ab"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("key: value, more", "key: value, more", "key%3A value%2C more"),
        ("%0A", "%250A", "%250A"),  # an escape written by the user is not an escape
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
    ],
)
def test_escaping(raw: str, data: str, prop: str) -> None:
    assert escape_data(raw) == data
    assert escape_property(raw) == prop


def test_one_command_per_finding_with_position_and_title(sample: Sample) -> None:
    lines = render(sample.findings, "github", cwd=sample.cwd).splitlines()
    assert lines[2] == (
        "::error file=site.yaml,line=12,col=46,endLine=12,endColumn=65,title=kvnet MAC-01::"
        "MAC 52:54:00:12:34:56 is used by web-02/prod and web-01/prod"
        "%0Anote: first used here: site.yaml:9:46"
        "%0Ahelp: give each interface its own MAC, or drop `mac` and let kvnet allocate one"
    )
    assert [parse_command(line)[0] for line in lines] == ["notice", "warning", "error"]


def test_multi_line_span_sends_lines_but_no_columns(sample: Sample) -> None:
    info = render(sample.findings[2:], "github", cwd=sample.cwd)
    _, props, _ = parse_command(info.rstrip("\n"))
    assert props == {"file": "groups/nodes.yaml", "line": "4", "endLine": "5", "title": "kvnet NET-02"}


def test_point_span_sends_no_end(tmp_path: Path) -> None:
    out = render([Finding(Span("a.yaml", 3, 5), "X-01", Severity.ERROR, "m")], "github", cwd=tmp_path)
    assert out == "::error file=a.yaml,line=3,col=5,title=kvnet X-01::m\n"


def test_hostile_text_round_trips_and_stays_on_one_line(tmp_path: Path) -> None:
    weird = tmp_path / "odd, name: here%.yaml"
    message = "50% of\r\nthe MACs ::error::injected"
    finding = Finding(
        Span(str(weird), 1, 1, 1, 4), "X-01", Severity.WARNING, message, hint="quote: it, now",
        related=(Related(Span(str(weird), 2, 1), "see"),),
    )
    out = render([finding], "github", cwd=tmp_path)
    assert out.count("\n") == 1 and "\r" not in out
    name, props, text = parse_command(out.rstrip("\n"))
    assert name == "warning"
    assert props["file"] == "odd, name: here%.yaml"
    assert text == f"{message}\nnote: see: odd, name: here%.yaml:2:1\nhelp: quote: it, now"


def test_paths_relative_to_github_workspace(sample: Sample, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(sample.cwd))
    # The step ran in a sub-folder; annotations still need repository paths.
    out = render(sample.findings[:1], "github", cwd=sample.cwd / "groups")
    assert parse_command(out.rstrip("\n"))[1]["file"] == "site.yaml"


def test_without_workspace_paths_are_relative_to_cwd(sample: Sample) -> None:
    out = render(sample.findings[2:], "github", cwd=sample.cwd / "groups")
    assert parse_command(out.rstrip("\n"))[1]["file"] == "nodes.yaml"


def test_no_findings_no_output(tmp_path: Path) -> None:
    assert render([], "github", cwd=tmp_path) == ""
