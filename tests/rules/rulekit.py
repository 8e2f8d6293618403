"""Helpers shared by the rule tests: the real pipeline on a text, a model from a site, one rule on a model."""

from __future__ import annotations

from typing import Any

from kvnet.check import check_sources
from kvnet.findings import Finding, Problem
from kvnet.graph import SiteGraph
from kvnet.load import load_text
from kvnet.model import Site
from kvnet.policy import default_policy
from kvnet.rules.catalogue import rule_by_id
from kvnet.rules.registry import RuleContext
from kvnet.site import read_site
from kvnet.span import Span

S = Span("m.yaml", 1, 1)  # a span for model objects built directly in a test


def at(line: int) -> Span:
    return Span("m.yaml", line, 1)


def check_text(text: str, name: str = "site.yaml") -> list[Finding]:
    """The real pipeline (as tests/rules/conftest.py runs it), for one file's text."""
    return check_sources({name: load_text(text, name)}, default_policy()).findings


def findings_of(rule_id: str, text: str) -> list[Finding]:
    return [f for f in check_text(text) if f.rule_id == rule_id]


def parse(text: str) -> Site:
    return read_site(load_text(text, "site.yaml").documents[0])


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing `needle`."""
    found = [i for i, line in enumerate(text.splitlines(), 1) if needle in line]
    return found[nth - 1]


def run(rule_id: str, model: Site, graph: SiteGraph | None = None, **options: Any) -> list[Problem]:
    """One rule on a model, with its default options overridden by `options`."""
    rule = rule_by_id(rule_id)
    assert rule is not None
    return list(rule.check(RuleContext(model, graph or SiteGraph(model), {**rule.options, **options})))
