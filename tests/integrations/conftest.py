"""Fixtures of the integration tests; the helpers live in integration_support.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_NAME = "kvnet_tests_integration_support"
if _NAME not in sys.modules:  # tests/ is not on sys.path under --import-mode=importlib: load it by path
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).with_name("integration_support.py"))
    assert _spec and _spec.loader
    sys.modules[_NAME] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_NAME])

support = sys.modules[_NAME]


@pytest.fixture
def good_site() -> str:
    text: str = support.good_site_text()
    return text


@pytest.fixture
def bad_site() -> str:
    text: str = support.duplicate_ip_site_text()
    return text
