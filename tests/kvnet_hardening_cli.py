"""Running the real kvnet CLI in-process for the hardening tests, with bounds on time and memory."""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from kvnet.cli import main

# KVNET_DEBUG makes kvnet's own bugs raise instead of becoming exit 3, so that with catch_exceptions=False a
# crash fails the test with its traceback.
ENV = {"KVNET_DEBUG": "1", "NO_COLOR": "1"}


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str
    seconds: float
    grew_mib: float  # how much the process's peak RSS grew during the run

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def kvnet(*args: str | Path, cwd: Path | None = None) -> Ran:
    """Run `kvnet ARGS` in-process; exceptions propagate (no exit 3 hides a crash)."""
    runner = CliRunner()
    before = peak_mib()
    started = time.perf_counter()
    if cwd is None:
        result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False, env=ENV)
    else:
        import os

        old = Path.cwd()
        os.chdir(cwd)
        try:
            result = runner.invoke(main, [str(a) for a in args], catch_exceptions=False, env=ENV)
        finally:
            os.chdir(old)
    return Ran(result.exit_code, result.stdout, result.stderr, time.perf_counter() - started, peak_mib() - before)


def assert_clean_failure(ran: Ran, name: str, *, codes: tuple[int, ...] = (2,)) -> None:
    """Exit code as expected, the file named, no traceback, no internal error."""
    assert ran.code in codes, (ran.code, ran.text[-3000:])
    assert "Traceback" not in ran.text
    assert "internal error" not in ran.text
    if ran.code == 2:
        assert name in ran.text, ran.text[-3000:]
