"""The text report: compiler-style locations, source line with carets, notes, help, summary, colour."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from kvnet.findings import Finding, Related, Severity
from kvnet.report import render
from kvnet.report.text import caret_line
from kvnet.span import Span
from report_sample import Sample

GOLDEN = Path(__file__).parent / "golden" / "text-representative.txt"


def test_representative_report_matches_golden(sample: Sample) -> None:
    """Regenerate with KVNET_REGEN_GOLDEN=1 and review the diff."""
    out = render(sample.findings, "text", sources=sample.sources, cwd=sample.cwd)
    if os.environ.get("KVNET_REGEN_GOLDEN") == "1":
        GOLDEN.write_text(out, encoding="utf-8")
    assert out == GOLDEN.read_text(encoding="utf-8")


def test_first_line_is_path_line_column_severity_rule_message(sample: Sample) -> None:
    out = render(sample.findings, "text", sources=sample.sources, cwd=sample.cwd)
    assert "site.yaml:12:46: error[MAC-01] MAC 52:54:00:12:34:56 is used by" in out
    assert "site.yaml:5:39: warning[VLAN-01] VLAN 110" in out
    assert "groups/nodes.yaml:4:9: info[NET-02] bridge br-prod has no uplink" in out
    assert str(sample.cwd) not in out  # every path shown relative to the working folder


def test_caret_underlines_the_value_under_its_columns(sample: Sample) -> None:
    lines = render(sample.findings[:1], "text", sources=sample.sources, cwd=sample.cwd).splitlines()
    source_row = next(i for i, line in enumerate(lines) if line.startswith("12 | "))
    source, carets = lines[source_row], lines[source_row + 1]
    start = source.index('"52:54')
    assert carets.index("^") == start
    assert carets[start:] == "^" * len('"52:54:00:12:34:56"')


def test_related_places_and_hint_follow_in_order(sample: Sample) -> None:
    out = render(sample.findings[1:2], "text", sources=sample.sources, cwd=sample.cwd)
    notes = [line.strip() for line in out.splitlines() if line.lstrip().startswith("=")]
    assert notes == [
        "= note: prod-web uses it here: site.yaml:4:40",
        "= note: on bridge br-prod: groups/nodes.yaml:4:15",
        "= help: give prod-db its own VLAN",
    ]


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ([], "no problems found"),
        ([Severity.ERROR], "1 error in 1 file"),
        ([Severity.ERROR, Severity.ERROR, Severity.WARNING], "2 errors, 1 warning in 1 file"),
        ([Severity.WARNING, Severity.WARNING, Severity.INFO], "2 warnings, 1 info in 1 file"),
    ],
)
def test_summary_line(severities: list[Severity], expected: str, tmp_path: Path) -> None:
    findings = [Finding(Span("a.yaml", i + 1, 1), "X-01", s, "m") for i, s in enumerate(severities)]
    assert render(findings, "text", cwd=tmp_path).splitlines()[-1] == expected


def test_summary_counts_files(sample: Sample) -> None:
    last = render(sample.findings, "text", cwd=sample.cwd).splitlines()[-1]
    assert last == "1 error, 1 warning, 1 info in 2 files"


def test_without_source_text_there_is_no_snippet(sample: Sample) -> None:
    out = render(sample.findings[:1], "text", cwd=sample.cwd)
    assert "|" not in out and "^" not in out
    assert "  = note: first used here: site.yaml:9:46" in out


def test_multi_line_span_gets_a_single_caret(sample: Sample) -> None:
    out = render(sample.findings[2:], "text", sources=sample.sources, cwd=sample.cwd)
    caret_rows = [line for line in out.splitlines() if "^" in line]
    assert caret_rows == ["  |         ^"]


def test_path_outside_the_working_folder_is_shown_as_given(sample: Sample, tmp_path: Path) -> None:
    elsewhere = tmp_path.parent / "elsewhere.yaml"
    finding = Finding(Span(str(elsewhere), 3, 2), "X-01", Severity.ERROR, "m")
    assert render([finding], "text", cwd=sample.cwd).startswith(f"{elsewhere}:3:2: error[X-01] m")


def test_relative_span_file_is_resolved_against_the_process_folder(
    sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(sample.cwd / "groups")
    finding = Finding(Span("nodes.yaml", 1, 1), "X-01", Severity.ERROR, "m")
    assert render([finding], "text", cwd=sample.cwd).startswith("groups/nodes.yaml:1:1:")


def test_colour_only_when_asked(sample: Sample) -> None:
    plain = render(sample.findings, "text", sources=sample.sources, cwd=sample.cwd)
    coloured = render(sample.findings, "text", sources=sample.sources, cwd=sample.cwd, color=True)
    assert "\x1b[" not in plain
    assert "\x1b[1;31merror[MAC-01]\x1b[0m" in coloured
    assert "\x1b[1;33mwarning[VLAN-01]\x1b[0m" in coloured
    # Colour adds escapes and nothing else.
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_report_order_does_not_depend_on_input_order(sample: Sample) -> None:
    forward = render(sample.findings, "text", sources=sample.sources, cwd=sample.cwd)
    backward = render(list(reversed(sample.findings)), "text", sources=sample.sources, cwd=sample.cwd)
    assert forward == backward


def test_multi_line_hint_stays_aligned(tmp_path: Path) -> None:
    finding = Finding(Span("a.yaml", 1, 1), "X-01", Severity.ERROR, "m", hint="first\nsecond")
    lines = render([finding], "text", cwd=tmp_path).splitlines()
    help_row = next(i for i, line in enumerate(lines) if "= help:" in line)
    assert lines[help_row + 1].index("second") == lines[help_row].index("first")


@pytest.mark.parametrize(
    ("source", "span", "expected"),
    [
        ("mac: abc", Span("f", 1, 6, 1, 9), "     ^^^"),
        ("\tkey: v", Span("f", 1, 7, 1, 8), "\t     ^"),  # tabs copied so the caret lands under the value
        ("名前: x", Span("f", 1, 5, 1, 6), "      ^"),  # wide characters take two columns
        ("name: 名前", Span("f", 1, 7, 1, 9), "      ^^^^"),
        ("k: v", Span("f", 1, 4, 1, 4), "   ^"),  # a point still gets one caret
        ("k: v", Span("f", 1, 4, 3, 1), "   ^"),  # so does a span over several lines
    ],
)
def test_caret_line(source: str, span: Span, expected: str) -> None:
    assert caret_line(source, span) == expected


def test_related_without_message_still_names_the_place(tmp_path: Path) -> None:
    finding = Finding(
        Span("a.yaml", 2, 1), "X-01", Severity.ERROR, "m", related=(Related(Span("a.yaml", 1, 1), ""),)
    )
    assert "= note: related: a.yaml:1:1" in render([finding], "text", cwd=tmp_path)
