"""Runs the catalogue over a model and applies the policy and inline suppressions.

The engine, not the rule, stamps each finding with the rule id and the severity the policy gives, so a
finding cannot disagree with the catalogue. Suppressions are YAML comments:

    mac: "02:00:00:00:00:01"   # kvnet: ignore[MAC-01] cloned appliance, MAC fixed by licence

on the offending line, or on the first line of the object (mapping or list item) that holds it. A
suppression without a reason, naming an unknown rule, or silencing nothing is itself a finding (SUP-01,
SUP-02).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kvnet.findings import Finding, Problem, Related, Severity, sort_findings
from kvnet.graph import SiteGraph
from kvnet.load import SourceFile
from kvnet.model import Site
from kvnet.policy import Policy
from kvnet.rules.catalogue import all_rules, rule_by_id
from kvnet.rules.registry import Rule, RuleContext
from kvnet.span import Span


class RuleCrash(Exception):
    """A rule raised: a bug in kvnet, reported with the rule id (the CLI exits 3)."""

    def __init__(self, rule_id: str, error: BaseException) -> None:
        super().__init__(f"rule {rule_id} failed: {type(error).__name__}: {error}")
        self.rule_id = rule_id


def stamp(rule: Rule, severity: Severity, problem: Problem) -> Finding:
    return Finding(problem.span, rule.id, severity, problem.message, problem.hint, problem.related, rule.title)


def run_rules(site: Site, graph: SiteGraph, policy: Policy, only: Iterable[str] | None = None) -> list[Finding]:
    """Every enabled rule's findings, in report order."""
    wanted = set(only) if only is not None else None
    findings: list[Finding] = []
    for rule in all_rules():
        setting = policy.setting(rule.id)
        if setting is None or not setting.enabled or (wanted is not None and rule.id not in wanted):
            continue
        ctx = RuleContext(site, graph, setting.options)
        try:
            findings.extend(stamp(rule, setting.severity, p) for p in rule.check(ctx))
        except Exception as exc:  # a crashing rule is a kvnet bug: say which rule
            raise RuleCrash(rule.id, exc) from exc
    return sort_findings(findings)


# ------------------------------------------------------------------------------------------------ suppressions

_DIRECTIVE = re.compile(r"kvnet:\s*ignore\[(?P<ids>[^\]]*)\](?P<reason>.*)$")


@dataclass
class Suppression:
    span: Span
    ids: tuple[str, ...]
    reason: str
    first_line: int
    last_line: int
    used: bool = False


def _suppressions(source: SourceFile) -> list[Suppression]:
    from kvnet.load.comments import container_line_ranges, suppression_comments

    found: list[Suppression] = []
    ranges: dict[int, int] = {}
    for doc in source.documents:
        ranges.update(container_line_ranges(doc))
    for line, column, text in suppression_comments(source):
        match = _DIRECTIVE.search(text)
        if not match:
            continue
        ids = tuple(i.strip().upper() for i in match["ids"].split(",") if i.strip())
        reason = match["reason"].strip()
        found.append(
            Suppression(Span(source.path, line, column, line, column + len(text)), ids, reason, line,
                        ranges.get(line, line))
        )
    return found


def _suppression_rule(rule_id: str) -> Rule:
    rule = rule_by_id(rule_id)
    assert rule is not None, rule_id
    return rule


def apply_suppressions(
    findings: list[Finding], sources: Mapping[str, SourceFile], policy: Policy
) -> list[Finding]:
    """Drop suppressed findings; add findings for bad or unused suppressions."""
    by_file: dict[str, list[Suppression]] = {}
    for name, source in sources.items():
        if "kvnet:" in source.text:
            sups = _suppressions(source)
            if sups:
                by_file[name] = sups
    if not by_file:
        return findings
    kept: list[Finding] = []
    for finding in findings:
        silenced = False
        for sup in by_file.get(finding.span.file, []):
            if finding.rule_id in sup.ids and sup.reason and sup.first_line <= finding.span.line <= sup.last_line:
                sup.used = True
                silenced = True
        if not silenced:
            kept.append(finding)
    meta: list[Finding] = []
    for sups in by_file.values():
        for sup in sups:
            meta.extend(_suppression_findings(sup, policy))
    return sort_findings(kept + meta)


def _suppression_findings(sup: Suppression, policy: Policy) -> Iterable[Finding]:
    invalid, unused = _suppression_rule("SUP-01"), _suppression_rule("SUP-02")
    inv_setting, unused_setting = policy.setting("SUP-01"), policy.setting("SUP-02")
    unknown = [i for i in sup.ids if rule_by_id(i) is None]
    if inv_setting and inv_setting.enabled:
        if not sup.ids:
            yield stamp(invalid, inv_setting.severity, Problem(
                "suppression names no rule", sup.span, "write `# kvnet: ignore[RULE-ID] reason`"))
        for rule_id in unknown:
            yield stamp(invalid, inv_setting.severity, Problem(
                f"suppression names unknown rule {rule_id!r}", sup.span, "run `kvnet rules` for the ids"))
        if not sup.reason:
            yield stamp(invalid, inv_setting.severity, Problem(
                f"suppression of {', '.join(sup.ids) or 'nothing'} gives no reason (it silences nothing until "
                "it does)", sup.span, "say why after the bracket: `# kvnet: ignore[MAC-01] cloned appliance`"))
    if unused_setting and unused_setting.enabled and sup.reason and sup.ids and not unknown and not sup.used:
        yield stamp(unused, unused_setting.severity, Problem(
            f"suppression of {', '.join(sup.ids)} silences nothing here", sup.span,
            "remove the comment, or move it to the line (or object) of the finding",
            (Related(sup.span, "the suppression"),)))
