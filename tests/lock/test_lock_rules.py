"""LOCK-01 (missing entries), LOCK-02 (disagreement) and LOCK-03 (stale entries) through `check_paths`, as
`kvnet check` and pre-commit see them: the lock beside the site file is read and compared with the site."""

from __future__ import annotations

from pathlib import Path

from kvnet.check import check_paths
from kvnet.cli_lock import read_site_file
from kvnet.findings import Finding, Severity
from kvnet.lockfile import read_lock, write_lock
from kvnet.policy import Policy, RuleSetting, default_policy
from kvnet.rules.lock import lock_findings


def lock_site(folder: Path) -> None:
    from kvnet.allocate import allocate

    write_lock(allocate(read_site_file(folder / "site.yaml")), folder / "kvnet.lock.yaml")


def lock_ids(folder: Path, policy: Policy | None = None) -> list[Finding]:
    result = check_paths([folder / "site.yaml"], policy or default_policy(), cwd=folder)
    return [f for f in result.findings if f.rule_id.startswith("LOCK-")]


def edit_site(folder: Path, old: str, new: str) -> None:
    path = folder / "site.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_no_lock_no_lock_findings(lab: Path) -> None:
    assert lock_ids(lab) == []


def test_fresh_lock_is_clean(lab: Path) -> None:
    lock_site(lab)
    assert lock_ids(lab) == []


def test_lock01_a_new_vm_has_no_entry(lab: Path) -> None:
    lock_site(lab)
    edit_site(lab, "web-{1..3}", "web-{1..4}")
    found = lock_ids(lab)
    assert [(f.rule_id, f.severity) for f in found] == [("LOCK-01", Severity.ERROR)] * 2
    assert {f.message for f in found} == {"web/web-4/prod has no entry in kvnet.lock.yaml",
                                          "web/web-4/tenant has no entry in kvnet.lock.yaml"}
    assert [(f.span.file, f.span.line) for f in found] == [("site.yaml", 34), ("site.yaml", 35)]  # the networks
    assert "kvnet lock site.yaml" in found[0].hint


def test_lock01_interfaces_whose_values_the_site_writes_need_no_entry(lab: Path) -> None:
    lock_site(lab)
    lock = read_lock(lab / "kvnet.lock.yaml")
    write_lock(type(lock)(lock.site, {k: v for k, v in lock.entries.items() if k[1] != "db"}), lab / "kvnet.lock.yaml")
    assert lock_ids(lab) == []  # db writes its MAC and IP itself


def test_lock02_site_writes_another_mac(lab: Path) -> None:
    lock_site(lab)
    edit_site(lab, 'mac: "02:a0:00:00:00:00"', 'mac: "02:a0:00:00:00:99"')
    found = lock_ids(lab)
    assert [f.rule_id for f in found] == ["LOCK-02"]
    assert found[0].message == "web/db/prod has MAC 02:a0:00:00:00:99 in the site, but the lock holds 02:a0:00:00:00:00"
    assert found[0].related[0].span.file == "kvnet.lock.yaml"


def test_lock02_locked_address_became_the_gateway(lab: Path) -> None:
    lock_site(lab)
    held = read_lock(lab / "kvnet.lock.yaml").entries["web", "web-1", "prod"].ips[0]
    edit_site(lab, "gateway: 10.110.0.1", f"gateway: {held.ip}")
    found = lock_ids(lab)
    assert [f.rule_id for f in found] == ["LOCK-02"]
    assert f"the lock's address {held} for web/web-1/prod is not free" in found[0].message


def test_lock02_interface_moved_to_another_network(lab: Path) -> None:
    lock_site(lab)
    edit_site(lab, "- {name: tenant, network: tenant}", "- {name: tenant, network: prod}")
    found = lock_ids(lab)
    assert {f.rule_id for f in found} == {"LOCK-01", "LOCK-02"}  # wrong network, and no address on prod yet
    assert any("is for network tenant, but the site attaches it to prod" in f.message for f in found)


def test_lock03_stale_entry_is_a_warning_in_the_lock_file(lab: Path) -> None:
    lock_site(lab)
    edit_site(lab, "web-{1..3}", "web-{1..2}")
    found = lock_ids(lab)
    assert [(f.rule_id, f.severity) for f in found] == [("LOCK-03", Severity.WARNING)] * 2
    assert all(f.span.file == "kvnet.lock.yaml" for f in found)


def test_lock_rules_follow_the_policy(lab: Path) -> None:
    lock_site(lab)
    edit_site(lab, "web-{1..3}", "web-{1..4}")
    base = default_policy()
    off = Policy({**base.settings, "LOCK-01": RuleSetting(False, Severity.ERROR)}, base.ignore)
    assert lock_ids(lab, off) == []
    site = read_site_file(lab / "site.yaml")
    assert {f.rule_id for f in lock_findings(site, lab / "kvnet.lock.yaml")} == {"LOCK-01"}


def test_inline_suppression_silences_a_lock_finding(lab: Path) -> None:
    lock_site(lab)
    edit_site(lab, "web-{1..3}", "web-{1..4}")
    edit_site(lab, "- {name: prod, network: prod}   # pinned by kvnet lock",
              "- {name: prod, network: prod}   # kvnet: ignore[LOCK-01] web-4 is staged in a later change")
    assert [f.message for f in lock_ids(lab)] == ["web/web-4/tenant has no entry in kvnet.lock.yaml"]


def test_lock02_a_lock_of_another_site_is_not_compared_entry_by_entry(lab: Path) -> None:
    lock_site(lab)
    edit_site(lab, "metadata:\n  name: lab", "metadata:\n  name: lab-2")
    found = lock_ids(lab)
    assert [(f.rule_id, f.message) for f in found] == [
        ("LOCK-02", "kvnet.lock.yaml beside this file is the lock of site lab, not of lab-2")]
