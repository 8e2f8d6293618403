"""Fixtures for the lock tests: lock_sites.py loaded by path, and a folder holding the lab site."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _load_by_path(name: str, path: Path) -> ModuleType:
    """A helper module loaded by path (pytest runs with --import-mode=importlib; tests/ is not on sys.path)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


lock_sites = _load_by_path("kvnet_tests_lock_sites", Path(__file__).resolve().parent / "lock_sites.py")


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder holding the lab site as site.yaml (the folder is the cwd, as in a repository)."""
    (tmp_path / "site.yaml").write_text(lock_sites.SITE_TEXT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path
