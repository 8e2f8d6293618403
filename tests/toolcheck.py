"""External tools in tests: skip with a visible reason when one is missing, fail instead under CI=true."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

_EXTRA_PATHS = [Path.home() / "go" / "bin", Path("/root/go/bin"), Path("/usr/local/go/bin")]


def find_tool(name: str) -> str | None:
    """The tool's path on PATH or in the usual Go bin folders."""
    found = shutil.which(name)
    if found:
        return found
    for folder in _EXTRA_PATHS:
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def require_tool(name: str, how: str = "") -> str:
    """Return the tool's path, or skip (fail under CI=true) with the reason and how to install it."""
    path = find_tool(name)
    if path:
        return path
    reason = f"{name} is not installed" + (f" (install: {how})" if how else "")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must have it")
    pytest.skip(reason)
