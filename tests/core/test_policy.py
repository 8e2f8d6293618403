"""Policies: the default names every rule; repository policies layer over it and are checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvnet.errors import KvnetInputError
from kvnet.findings import Severity
from kvnet.policy import default_policy, discover_policy, load_policy, render_default_policy
from kvnet.rules.catalogue import all_rules


def test_default_policy_names_every_rule() -> None:
    policy = default_policy()
    assert set(policy.settings) == {r.id for r in all_rules()}
    for rule in all_rules():
        setting = policy.settings[rule.id]
        assert setting.enabled
        assert setting.severity == rule.severity


def test_shipped_default_policy_file_is_generated_from_the_catalogue() -> None:
    shipped = Path(__file__).resolve().parents[2] / "policies" / "default.yaml"
    assert shipped.read_text(encoding="utf-8") == render_default_policy()


def test_repository_policy_changes_severity_and_disables(tmp_path: Path) -> None:
    (tmp_path / ".kvnet.yaml").write_text(
        "rules:\n  YAML-01: {severity: error}\n  SUP-02: {enabled: false}\nignore: ['legacy/**']\n"
    )
    policy = load_policy(tmp_path / ".kvnet.yaml")
    assert policy.settings["YAML-01"].severity is Severity.ERROR
    assert not policy.settings["SUP-02"].enabled
    assert policy.ignores("legacy/old/site.yaml")
    assert not policy.ignores("sites/site.yaml")


def test_shorthand_settings(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("rules:\n  YAML-01: info\n  SUP-01: off\n")
    policy = load_policy(tmp_path / "p.yaml")
    assert policy.settings["YAML-01"].severity is Severity.INFO
    assert not policy.settings["SUP-01"].enabled


def test_unknown_rule_id_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("rules:\n  YAML-01: {severity: warning}\n  MAC-99X: {severity: error}\n")
    with pytest.raises(KvnetInputError) as caught:
        load_policy(tmp_path / "p.yaml")
    problem = caught.value.problems[0]
    assert "MAC-99X" in problem.message
    assert problem.span is not None and problem.span.line == 3


def test_unknown_option_and_bad_severity_are_reported_together(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("rules:\n  YAML-01: {severity: loud, options: {colour: red}}\n")
    with pytest.raises(KvnetInputError) as caught:
        load_policy(tmp_path / "p.yaml")
    messages = " | ".join(p.message for p in caught.value.problems)
    assert "unknown severity 'loud'" in messages
    assert "no option 'colour'" in messages


def test_discovery_stops_at_the_repository_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sites" / "dc1").mkdir(parents=True)
    assert discover_policy(repo / "sites" / "dc1") is None
    (repo / ".kvnet.yaml").write_text("rules: {}\n")
    assert discover_policy(repo / "sites" / "dc1") == (repo / ".kvnet.yaml").resolve()
    (tmp_path / ".kvnet.yaml").write_text("rules: {}\n")  # above the repository: never used
    (repo / ".kvnet.yaml").unlink()
    assert discover_policy(repo / "sites" / "dc1") is None
