"""Fixtures of the integration tests; the helpers live in integration_support.py and action_runner.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

# tests/ is not on sys.path under --import-mode=importlib: the helper modules are loaded by path, under
# names no other test folder uses.
for _name, _file in (("kvnet_tests_integration_support", "integration_support.py"),
                     ("kvnet_tests_action_runner", "action_runner.py")):
    if _name not in sys.modules:
        _spec = importlib.util.spec_from_file_location(_name, Path(__file__).with_name(_file))
        assert _spec and _spec.loader
        sys.modules[_name] = importlib.util.module_from_spec(_spec)
        _spec.loader.exec_module(sys.modules[_name])

support = sys.modules["kvnet_tests_integration_support"]


@pytest.fixture
def good_site() -> str:
    text: str = support.good_site_text()
    return text


@pytest.fixture
def bad_site() -> str:
    text: str = support.duplicate_ip_site_text()
    return text
