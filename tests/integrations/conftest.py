"""Fixtures of the integration tests; the helpers live in tests/integration_support.py and tests/action_runner.py."""

from __future__ import annotations

import pytest

from integration_support import duplicate_ip_site_text, good_site_text


@pytest.fixture
def good_site() -> str:
    return good_site_text()


@pytest.fixture
def bad_site() -> str:
    return duplicate_ip_site_text()
