"""Golden text of representative failures: the exact words, places, carets and hints users see.

Each `errors/<case>.yaml` is a broken copy of samples/minimal; `errors/<case>.txt` holds the exit code and
what `kvnet check` prints (stdout, then stderr). Regenerate with KVNET_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from kvnet.cli import main

HERE = Path(__file__).resolve().parent
CASES = sorted(p.stem for p in (HERE / "errors").glob("*.yaml"))


def render_case(case: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(HERE)
    result = CliRunner().invoke(main, ["check", f"errors/{case}.yaml"], catch_exceptions=False)
    return f"exit {result.exit_code}\n--- stdout\n{result.stdout}--- stderr\n{result.stderr}"


@pytest.mark.parametrize("case", CASES)
def test_error_text(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    actual = render_case(case, monkeypatch)
    golden = HERE / "errors" / f"{case}.txt"
    if os.environ.get("KVNET_UPDATE_GOLDEN"):
        golden.write_text(actual, encoding="utf-8")
    assert actual == golden.read_text(encoding="utf-8")


def test_every_case_fails() -> None:
    assert len(CASES) >= 5
    for case in CASES:
        text = (HERE / "errors" / f"{case}.txt").read_text(encoding="utf-8")
        assert not text.startswith("exit 0\n") or "warning[" in text, case
