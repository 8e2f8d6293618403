"""`kvnet` as the whole program ends at once after a command (cli_common.end): its output must still be whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

VM = """apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {{name: {name}, namespace: apps}}
spec:
  template:
    spec:
      domain:
        devices:
          interfaces:
          - {{name: default, masquerade: {{}}, macAddress: "02:00:00:00:00:01"}}
      networks:
      - {{name: default, pod: {{}}}}
"""

# Runs the console script's entry point with an exit handler that would speak if the interpreter shut down
# as usual; with the quick end it never runs.
PROGRAM = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("interpreter shutdown\\n"))
sys.argv = ["kvnet", *sys.argv[1:]]
from kvnet.cli import program
program()
"""


def _kvnet(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROGRAM, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def _two_vms_one_mac(folder: Path) -> None:
    for name in ("a", "b"):
        (folder / f"{name}.yaml").write_text(VM.format(name=name), encoding="utf-8")


def test_the_program_ends_at_once_with_its_whole_report_and_exit_code(tmp_path: Path) -> None:
    _two_vms_one_mac(tmp_path)
    done = _kvnet("check", ".", "--format", "json", cwd=tmp_path)
    assert done.returncode == 1, done.stderr  # findings at error level
    report = json.loads(done.stdout)  # the buffered report was flushed whole before the end
    assert any(f["rule"] == "MAC-01" for f in report["findings"])
    assert "interpreter shutdown" not in done.stderr


def test_the_program_ends_at_once_after_unusable_input_too(tmp_path: Path) -> None:
    done = _kvnet("check", "missing-folder", cwd=tmp_path)
    assert done.returncode == 2
    assert "missing-folder" in done.stderr and "Traceback" not in done.stderr
    assert "interpreter shutdown" not in done.stderr


def test_an_in_process_caller_keeps_its_process(tmp_path: Path) -> None:
    """Click's test runner (or any caller of the click group) gets SystemExit, never a vanished process."""
    _two_vms_one_mac(tmp_path)
    code = ("import sys\nfrom click.testing import CliRunner\nfrom kvnet.cli import main\n"
            "result = CliRunner().invoke(main, ['check', '.'])\n"
            "print('caller still here, exit', result.exit_code)\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "caller still here, exit 1" in done.stdout


def test_under_a_profiler_the_interpreter_shuts_down_as_usual(tmp_path: Path) -> None:
    """`python -m cProfile -m kvnet` must still get to write its profile."""
    _two_vms_one_mac(tmp_path)
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", "kvnet.prof", "-m", "kvnet", "check", "."],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert "MAC-01" in done.stdout, done.stderr  # (cProfile swallows the exit code: it runs the code itself)
    assert (tmp_path / "kvnet.prof").stat().st_size > 0
