"""`kvnet lock`, `kvnet fix`, and `kvnet check` / `compile` / `generate` with a lock, run in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from kvnet.cli import main
from kvnet.lockfile import read_lock


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False, env=env)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_lock_writes_then_leaves_the_lock_alone(lab: Path) -> None:
    first = run("lock", "site.yaml")
    assert first.exit_code == 0, first.output
    assert "wrote kvnet.lock.yaml: 7 interface(s), 7 new, 0 changed, 0 released" in first.stderr
    text = (lab / "kvnet.lock.yaml").read_text(encoding="utf-8")
    second = run("lock", "site.yaml")
    assert second.exit_code == 0 and "unchanged: kvnet.lock.yaml" in second.stderr
    assert (lab / "kvnet.lock.yaml").read_text(encoding="utf-8") == text
    entries = read_lock(lab / "kvnet.lock.yaml").entries
    assert entries["web", "db", "prod"].mac == "02:a0:00:00:00:00"  # written in the site: recorded
    assert str(entries["web", "web-1", "prod"].ips[0]) == "10.110.0.3/24"  # .1 gateway, .2 db's


def test_lock_check_mode_writes_nothing_and_fails_when_stale(lab: Path) -> None:
    assert run("lock", "--check", "site.yaml").exit_code == 1
    assert not (lab / "kvnet.lock.yaml").exists()
    run("lock", "site.yaml")
    assert run("lock", "--check", "site.yaml").exit_code == 0
    edit(lab / "site.yaml", "web-{1..3}", "web-{1..4}")
    assert run("lock", "--check", "site.yaml").exit_code == 1


def test_removed_vm_is_released_and_reuse_is_explicit(lab: Path) -> None:
    run("lock", "site.yaml")
    gone = read_lock(lab / "kvnet.lock.yaml").entries["web", "web-3", "prod"]
    edit(lab / "site.yaml", "web-{1..3}", "web-{1..2}")
    assert "2 released" in run("lock", "site.yaml").stderr
    with (lab / "site.yaml").open("a", encoding="utf-8") as site:  # vms is the last list of the file
        site.write("    - {name: new, namespace: web, interfaces: [{name: prod, network: prod}]}\n")
    assert run("lock", "site.yaml").exit_code == 0
    assert read_lock(lab / "kvnet.lock.yaml").entries["web", "new", "prod"].mac != gone.mac
    run("lock", "--reuse-released", "site.yaml")
    lock = read_lock(lab / "kvnet.lock.yaml")
    assert lock.released == () and lock.entries["web", "new", "prod"].mac != gone.mac  # it keeps what it has


def test_exhausted_pool_is_exit_2_naming_the_pool(lab: Path) -> None:
    edit(lab / "site.yaml", 'end: "02:a0:00:00:00:ff"', 'end: "02:a0:00:00:00:02"')
    result = run("lock", "site.yaml")
    assert result.exit_code == 2
    assert "macPool 02:a0:00:00:00:00–02:a0:00:00:00:02 (3 addresses) has no free address left for 4 interface(s)"\
        in result.stderr
    assert "site.yaml:8:" in result.stderr  # at the macPool line
    assert not (lab / "kvnet.lock.yaml").exists()


def test_check_reports_a_lock_that_lacks_entries(lab: Path) -> None:
    run("lock", "site.yaml")
    assert run("check", "site.yaml").exit_code == 0
    edit(lab / "site.yaml", "web-{1..3}", "web-{1..4}")
    result = run("check", "site.yaml", "--format", "json")
    assert result.exit_code == 1
    import json

    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["message"]) for f in findings] == [
        ("LOCK-01", "web/web-4/prod has no entry in kvnet.lock.yaml"),
        ("LOCK-01", "web/web-4/tenant has no entry in kvnet.lock.yaml")]


def _vm_interfaces(stream: str) -> dict[tuple[str, str], dict[str, object]]:
    found = {}
    for doc in yaml.safe_load_all(stream):
        if doc and doc.get("kind") == "VirtualMachine":
            for iface in doc["spec"]["template"]["spec"]["domain"]["devices"]["interfaces"]:
                found[doc["metadata"]["name"], iface["name"]] = iface
    return found


def test_compile_pins_what_the_lock_says(lab: Path) -> None:
    without = run("compile", "site.yaml", "-o", "-", "--summary", "none")
    assert without.exit_code == 0, without.stderr
    assert "macAddress" not in str(_vm_interfaces(without.stdout)["web-1", "prod"])
    run("lock", "site.yaml")
    lock = read_lock(lab / "kvnet.lock.yaml")
    result = run("compile", "site.yaml", "-o", "-", "--summary", "none")
    assert result.exit_code == 0, result.stderr
    interfaces = _vm_interfaces(result.stdout)
    for (namespace, vm, name), entry in lock.entries.items():
        assert interfaces[vm, name]["macAddress"] == entry.mac, (namespace, vm, name)
    assert "10.110.0.3/24" in result.stdout  # web-1's locked address, in its cloud-init network data


def test_compile_refuses_a_lock_that_lacks_entries(lab: Path) -> None:
    run("lock", "site.yaml")
    edit(lab / "site.yaml", "web-{1..3}", "web-{1..4}")
    result = run("compile", "site.yaml", "-o", "-")
    assert result.exit_code == 1 and result.stdout == ""
    assert "LOCK-01" in result.stderr


@pytest.mark.parametrize("with_lock", [False, True])
def test_generate_needs_a_complete_lock(lab: Path, with_lock: bool) -> None:
    env = {"ARGOCD_ENV_KVNET_SITE": "site.yaml"}
    if with_lock:
        run("lock", "site.yaml")
        result = run("generate", env=env)
        assert result.exit_code == 0, result.stderr
        assert '"02:a0:00:00:00:01"' in result.stdout or "02:a0:00:00:00:01" in result.stdout
        return
    result = run("generate", env=env)
    assert result.exit_code == 2 and result.stdout == ""
    assert "run `kvnet lock site.yaml` and commit kvnet.lock.yaml" in result.stderr


def test_fix_diff_writes_nothing_and_fix_keeps_comments(lab: Path) -> None:
    site = lab / "site.yaml"
    edit(site, 'vlans: ["100-199"]', 'vlans: [150, "100-149", 200]')
    edit(site, 'mac: "02:a0:00:00:00:00"', "mac: 02:a0:00:00:00:00")
    before = site.read_text(encoding="utf-8")
    diff = run("fix", "site.yaml", "--diff")
    assert diff.exit_code == 0 and site.read_text(encoding="utf-8") == before
    assert '+        br-vm: {port: ens3f0, vlans: ["100-150", 200], mtu: 9000}' in diff.stdout
    assert '+        - {name: prod, network: prod, mac: "02:a0:00:00:00:00", ip: 10.110.0.2/24}' in diff.stdout
    applied = run("fix", "site.yaml")
    assert applied.exit_code == 0 and "fixed 2 place(s) in site.yaml" in applied.stderr
    after = site.read_text(encoding="utf-8")
    assert "# A small lab site for the lock and fix commands." in after and "# pinned by kvnet lock" in after
    assert len(after.splitlines()) == len(before.splitlines())
    again = run("fix", "site.yaml")
    assert "nothing to fix in site.yaml" in again.stderr and site.read_text(encoding="utf-8") == after
    assert run("fix", "site.yaml", "--diff").stdout == ""


def test_fix_and_lock_report_a_missing_file_as_input_error(lab: Path) -> None:
    assert run("fix", "nope.yaml").exit_code == 2
    assert run("lock", "nope.yaml").exit_code == 2


def test_lock_refuses_to_overwrite_the_lock_of_another_site(lab: Path) -> None:
    run("lock", "site.yaml")
    before = (lab / "kvnet.lock.yaml").read_text(encoding="utf-8")
    edit(lab / "site.yaml", "metadata:\n  name: lab", "metadata:\n  name: other")
    result = run("lock", "site.yaml")
    assert result.exit_code == 2 and "is the lock of site lab, not of other" in result.stderr
    assert (lab / "kvnet.lock.yaml").read_text(encoding="utf-8") == before
