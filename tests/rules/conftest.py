"""Helpers for rule tests: check a small site (or manifest) text and look at one rule's findings."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from kvnet.check import check_sources
from kvnet.findings import Finding
from kvnet.load import load_text
from kvnet.policy import Policy, default_policy


def check_text(text: str, name: str = "site.yaml", policy: Policy | None = None) -> list[Finding]:
    """All findings for one file's text (a site, or a multi-document manifest stream)."""
    source = load_text(textwrap.dedent(text), name)
    return check_sources({name: source}, policy or default_policy()).findings


def findings_of(rule_id: str, text: str, name: str = "site.yaml", policy: Policy | None = None) -> list[Finding]:
    return [f for f in check_text(text, name, policy) if f.rule_id == rule_id]


@pytest.fixture
def rule_findings() -> Callable[..., list[Finding]]:
    return findings_of
