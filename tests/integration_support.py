"""Helpers of the integration tests (tests/integrations): the repository, the real kvnet command, good and
broken sites."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
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
