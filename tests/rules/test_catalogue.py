"""Catalogue invariants: ids, names, documentation, generated docs and policy, and that every rule is tested."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kvnet.policy import render_default_policy
from kvnet.rules.catalogue import FAMILIES, all_rules, rule_by_id
from kvnet.rules.docgen import main, render_index, render_rule_doc, write_docs
from kvnet.rules.registry import Rule

ROOT = Path(__file__).resolve().parents[2]
REQUIRED_HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## How to fix")
RULES = all_rules()


def test_ids_are_unique_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Z]+-\d\d", i) for i in ids), [i for i in ids if not re.fullmatch(r"[A-Z]+-\d\d", i)]


def test_names_are_unique_kebab_case_patterns() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    for name in names:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name), name
        assert not name.startswith(("no-", "disallow-")), name


def test_every_family_is_a_listed_module() -> None:
    assert {r.family for r in RULES} <= set(FAMILIES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_doc_has_every_heading(rule: Rule) -> None:
    missing = [h for h in REQUIRED_HEADINGS if h not in rule.doc.splitlines()]
    assert not missing, f"{rule.id} lacks {missing}"
    assert ("## Options" in rule.doc.splitlines()) == bool(rule.options), f"{rule.id}: ## Options iff options"
    assert rule.title and "\n" not in rule.title


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_options_are_named_in_its_doc(rule: Rule) -> None:
    for option in rule.options:
        assert f"`{option}`" in rule.doc, f"{rule.id} does not document option {option}"


def test_rule_page_shows_metadata_then_doc() -> None:
    rule = rule_by_id("MAC-01")
    assert rule is not None
    page = render_rule_doc(rule)
    assert page.startswith(f"# MAC-01: {rule.title}\n")
    assert "| MAC-01 | `duplicate-mac` | error | mac |" in page
    assert page.rstrip().endswith(rule.doc.strip().splitlines()[-1])
    assert "[MAC-01](MAC-01.md)" in render_index([rule])


def test_docs_folder_is_in_step_with_the_rules(tmp_path: Path) -> None:
    write_docs(tmp_path)
    docs = ROOT / "docs" / "rules"
    expected = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.md")}
    actual = {p.name: p.read_text(encoding="utf-8") for p in docs.glob("*.md")}
    assert sorted(actual) == sorted(expected), "run: python -m kvnet.rules.docgen docs/rules"
    stale = [name for name in expected if actual[name] != expected[name]]
    assert not stale, f"stale pages {stale}; run: python -m kvnet.rules.docgen docs/rules"


def test_docgen_main_writes_pages_and_removes_stale_ones(tmp_path: Path) -> None:
    (tmp_path / "ZZZ-99.md").write_text("old", encoding="utf-8")
    (tmp_path / "notes.md").write_text("mine", encoding="utf-8")
    assert main([str(tmp_path)]) == 0
    assert not (tmp_path / "ZZZ-99.md").exists()
    assert (tmp_path / "notes.md").exists()
    assert {f"{r.id}.md" for r in RULES} <= {p.name for p in tmp_path.iterdir()}
    assert main([]) == 2


def test_default_policy_file_is_generated_from_the_catalogue() -> None:
    shipped = (ROOT / "policies" / "default.yaml").read_text(encoding="utf-8")
    assert shipped == render_default_policy(), "run: python -m kvnet.policy > policies/default.yaml"


def test_every_rule_is_tested() -> None:
    # Rule families are tested under tests/rules/; the input family (YAML-01, SUP-*) with the engine in tests/core/.
    here = Path(__file__).resolve()
    texts = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py") if p != here)
    untested = [r.id for r in RULES if r.id not in texts]
    assert not untested, f"rules without a test under tests/: {untested}"
