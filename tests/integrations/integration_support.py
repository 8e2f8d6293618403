"""Helpers of the integration tests: the repository, the real kvnet command, good and broken sites.

conftest.py registers this module as `kvnet_tests_integration_support` (tests/ is not on sys.path under
--import-mode=importlib), so test modules import from that name.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MINIMAL_SITE = REPO / "samples" / "minimal" / "site.yaml"


def kvnet_command() -> str:
    """The installed `kvnet` console script (the one pre-commit, the Action and Argo CD run)."""
    found = shutil.which("kvnet") or str(Path(sys.executable).parent / "kvnet")
    if not Path(found).exists():
        pytest.fail("the kvnet console script is not installed (pip install -e .)")
    return found


def run_kvnet(args: list[str], cwd: Path, env: Mapping[str, str] | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the real kvnet command in `cwd` with exactly `env` (plus PATH/HOME), capturing both streams."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "SYSTEMROOT")}
    return subprocess.run([kvnet_command(), *args], cwd=cwd, env={**base, **(env or {})}, capture_output=True,
                          text=True, timeout=timeout, check=False)


def good_site_text() -> str:
    return MINIMAL_SITE.read_text(encoding="utf-8")


def duplicate_ip_site_text() -> str:
    """The minimal site with app-2 given app-1's address: an error-level conflict (IP-05)."""
    text = good_site_text()
    assert "ip: 10.20.0.12/24" in text, "samples/minimal/site.yaml changed: update this helper"
    return text.replace("ip: 10.20.0.12/24", "ip: 10.20.0.11/24")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line number of the `occurrence`-th line containing `needle`."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def require_tool(name: str, how: str = "") -> str:
    """tests/toolcheck.py's require_tool: the tool's path, or a skip (a failure under CI=true)."""
    import importlib.util

    module_name = "kvnet_tests_toolcheck"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, REPO / "tests" / "toolcheck.py")
        assert spec and spec.loader
        sys.modules[module_name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[module_name])
    found: str = sys.modules[module_name].require_tool(name, how)
    return found
