"""The renderer registry and the `render` entry point."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kvnet.report import FORMATS, RENDERERS, render
from kvnet.report.base import Renderer, relative_path, span_end
from kvnet.span import Span
from report_sample import Sample

if TYPE_CHECKING:
    from kvnet.rules.registry import Rule


def test_the_four_formats_are_registered() -> None:
    assert FORMATS == ("text", "json", "sarif", "github")
    for name, cls in RENDERERS.items():
        assert issubclass(cls, Renderer)
        assert cls.name == name


def test_the_cli_offers_exactly_these_formats() -> None:
    from kvnet.cli_common import FORMATS as CLI_FORMATS

    assert tuple(CLI_FORMATS) == FORMATS


def test_unknown_format_is_a_clear_error(sample: Sample) -> None:
    with pytest.raises(ValueError, match=r"unknown report format 'xml' \(use text, json, sarif, github\)"):
        render(sample.findings, "xml")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_names_every_finding(
    fmt: str, sample: Sample, rules: list[Rule], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    out = render(sample.findings, fmt, sources=sample.sources, cwd=sample.cwd, rules=rules)
    assert out.endswith("\n")
    for finding in sample.findings:
        assert finding.rule_id in out
        assert finding.message in out
    assert str(sample.cwd) + "/" not in out.replace(sample.cwd.as_uri(), "")  # paths are relative


@pytest.mark.parametrize(
    ("span", "end"),
    [
        (Span("f", 3, 4, 3, 9), (3, 9)),
        (Span("f", 3, 4), (3, 4)),  # unknown end
        (Span("f", 3, 4, 2, 1), (3, 4)),  # end before start
        (Span("f", 3, 4, 3, 2), (3, 4)),
        (Span("f", 3, 4, 5, 1), (5, 1)),
    ],
)
def test_span_end(span: Span, end: tuple[int, int]) -> None:
    assert span_end(span) == end


def test_relative_path(tmp_path: Path) -> None:
    assert relative_path(str(tmp_path / "a" / "b.yaml"), tmp_path) == "a/b.yaml"
    assert relative_path(str(tmp_path / "a" / ".." / "c.yaml"), tmp_path) == "c.yaml"
    assert relative_path(str(tmp_path.parent / "x.yaml"), tmp_path) is None


def test_relative_path_through_a_symlinked_working_folder(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    assert relative_path(str(real / "site.yaml"), link) == "site.yaml"
