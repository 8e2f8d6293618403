"""Fixtures for the lock tests: a folder holding the lab site (tests/lock_sites.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lock_sites import SITE_TEXT


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding the lab site as site.yaml (the folder is the cwd, as in a repository)."""
    (tmp_path / "site.yaml").write_text(SITE_TEXT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path
