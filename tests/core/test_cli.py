"""The kvnet command end to end, in-process: exit codes, streams, and no tracebacks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kvnet.cli import main

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "samples" / "minimal" / "site.yaml"
FULL = ROOT / "samples" / "full" / "site.yaml"


def run(*args: str, cwd: Path | None = None) -> Result:
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args), catch_exceptions=False)
    with runner.isolated_filesystem(temp_dir=cwd):
        return runner.invoke(main, list(args), catch_exceptions=False)


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert "Traceback" not in (result.stderr or "")


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert "kvnet, version" in result.output


def test_rules_list_and_doc() -> None:
    listing = run("rules")
    assert listing.exit_code == 0
    assert "YAML-01" in listing.stdout and "INPUT-01" in listing.stdout
    doc = run("rules", "YAML-01")
    assert doc.exit_code == 0
    assert "## Why is this bad?" in doc.stdout
    unknown = run("rules", "NOPE-99")
    assert unknown.exit_code == 2
    assert "unknown rule" in unknown.stderr


def test_usage_error_is_exit_2() -> None:
    result = run("check", "--format", "xml", str(MINIMAL))
    assert result.exit_code == 2


def test_missing_path_is_exit_2(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr
    assert_no_traceback(result)


def test_empty_folder_is_exit_2(tmp_path: Path) -> None:
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert "no site or manifest files" in result.stderr


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("apiVersion: kvnet.dev/v1alpha1\nkind: Site\nspec: [1, 2\n", 4, "invalid YAML"),
        ("apiVersion: kvnet.dev/v1alpha1\nkind: Site\nkind: Site\n", 3, "duplicate key 'kind'"),
        ("apiVersion: kvnet.dev/v1alpha1\nkind: !!python/object/apply:os.system [ls]\n", 2, "not allowed"),
    ],
)
def test_bad_yaml_is_exit_2_with_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    result = run("check", str(bad))
    assert result.exit_code == 2
    assert f"bad.yaml:{line}:" in result.stderr
    assert words in result.stderr
    assert_no_traceback(result)


def test_bad_yaml_in_machine_format_goes_to_stdout(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: 1\na: 2\n")
    result = run("check", "--format", "json", str(bad))
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert [f["rule"] for f in report["findings"]] == ["INPUT-01"]
    assert report["findings"][0]["line"] == 2


def test_binary_file_is_exit_2(tmp_path: Path) -> None:
    blob = tmp_path / "blob.yaml"
    blob.write_bytes(b"\x7fELF\x00\x01\x02")
    result = run("check", str(blob))
    assert result.exit_code == 2
    assert "NUL byte" in result.stderr


def test_samples_are_clean() -> None:
    for sample in (MINIMAL, FULL):
        result = run("check", str(sample))
        assert result.exit_code == 0, result.output


def test_yaml11_trap_is_a_warning_and_fail_on_warning_turns_it_into_exit_1(tmp_path: Path) -> None:
    text = MINIMAL.read_text()
    site = tmp_path / "site.yaml"
    site.write_text(text.replace("metadata:", "metadata:\n  annotations: {enabled: on}", 1))
    relaxed = run("check", str(site))
    assert relaxed.exit_code == 0, relaxed.output
    assert "YAML-01" in relaxed.stdout
    strict = run("check", "--fail-on", "warning", str(site))
    assert strict.exit_code == 1


def test_internal_error_is_exit_3_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import kvnet.check

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(kvnet.check, "check_sources", explode)
    result = run("check", str(MINIMAL))
    assert result.exit_code == 3
    assert "internal error" in result.stderr
    assert_no_traceback(result)


def test_a_named_file_without_site_or_object_is_refused_but_skipped_in_a_folder(tmp_path: Path) -> None:
    other = tmp_path / "values.yaml"
    other.write_text("replicas: 3\n")
    named = run("check", str(other))
    assert named.exit_code == 2
    assert "neither a kvnet Site" in named.stderr
    shutil.copy(MINIMAL, tmp_path / "site.yaml")
    folder = run("check", "-v", str(tmp_path))
    assert folder.exit_code == 0, folder.output
    assert "values.yaml:1:1: skipped" in folder.stderr
