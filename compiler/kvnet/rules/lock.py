"""Rules about the lock file (kvnet.lock.yaml) beside a site file: is it complete, and does it agree?

The rules need the lock, which the model does not hold, so their checks yield nothing from the model:
`lock_findings` (called by kvnet.check for every site file that has a lock beside it) compares the lock with
what `kvnet lock` would keep of it (kvnet.allocate.kept_entries) and stamps the problems with these rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from kvnet.findings import Finding, Problem, Related, sort_findings
from kvnet.lockfile import LOCK_NAME, Lock, LockEntry, key_text, lock_path_for, read_lock
from kvnet.model import Site
from kvnet.rules.registry import RuleContext, rule
from kvnet.span import Span

if TYPE_CHECKING:
    from kvnet.allocate import Need
    from kvnet.policy import Policy


@rule("LOCK-01", "unlocked-interface", "VM interface without its pinned MAC or IP in the lock file")
def unlocked_interface(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    When a site file has a `kvnet.lock.yaml` beside it, checks that the lock holds a MAC for every VM
    interface on a layer-2 secondary network (when the site names a `macPool`, or the network has static
    IPAM) and an address for each subnet of a `ipam: static` network.

    ## Why is this bad?
    `kvnet compile` and `kvnet generate` never allocate: they take MACs and IPs from the lock. An interface
    without an entry gets a MAC from KubeMacPool at run time, which Git never knows, and no static address;
    cloud-init matches the guest's NIC by MAC, so static addressing breaks. Argo CD cannot write the lock.

    ## Example
    A VM added to the site after the last `kvnet lock`:
    ```yaml
    vms:
      - {name: web-04, namespace: web, interfaces: [{name: prod, network: prod-web}]}
    ```

    ## Use instead
    ```yaml
    # kvnet.lock.yaml, after `kvnet lock site.yaml`
    interfaces:
      web/web-04/prod:
        network: prod-web
        mac: "02:a0:00:00:00:07"
        ip: 10.110.0.5/24
    ```

    ## How to fix
    Run `kvnet lock SITE` and commit kvnet.lock.yaml with the site.

    ## References
    - docs/lock-file.md
    """
    return iter(())  # needs the lock: see lock_findings


@rule("LOCK-02", "lock-disagrees", "Lock file entry that disagrees with the site")
def lock_disagrees(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Compares each entry of the lock with the site: a MAC or IP written in the site must be the lock's; the
    entry must be for the network the interface is on; a locked MAC must not lie in the KubeMacPool range
    or be held twice; a locked IP must be a host address of the network's subnet and not reserved by the
    site (gateway, `excludeSubnets`, written `ranges`, or an address written elsewhere).

    ## Why is this bad?
    The compiler pins what the lock says. A lock that disagrees with the site either overrides what the
    site says or hands out an address that is not free.

    ## Example
    ```yaml
    interfaces:
      - {name: prod, network: prod-web, mac: "02:a0:00:00:00:99"}   # the lock holds 02:a0:00:00:00:01
    ```

    ## Use instead
    Run `kvnet lock SITE`: values written in the site win, and the lock's old value is released.

    ## How to fix
    Run `kvnet lock SITE` and commit kvnet.lock.yaml; never edit the lock by hand.

    ## References
    - docs/lock-file.md
    """
    return iter(())  # needs the lock: see lock_findings


@rule("LOCK-03", "stale-lock-entry", "Lock file entry for an interface the site no longer has", severity="warning")
def stale_lock_entry(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports lock entries whose `namespace/vm/interface` is not in the site (or no longer needs a pinned
    address).

    ## Why is this bad?
    Harmless for the compiler, but the lock no longer describes the site: the addresses should move to
    `released`, so that reviewers see them freed and kvnet does not hand them out again too soon.

    ## Example
    An entry `web/web-04/prod` after VM web-04 was removed from the site.

    ## Use instead
    The entry listed under `released:` after `kvnet lock`.

    ## How to fix
    Run `kvnet lock SITE` and commit kvnet.lock.yaml.

    ## References
    - docs/lock-file.md
    """
    return iter(())  # needs the lock: see lock_findings


def lock_problems(site: Site, lock: Lock) -> dict[str, list[Problem]]:
    """The lock's problems against the site, by rule id."""
    fix = f"run `kvnet lock {site.span.file}` and commit {LOCK_NAME}"
    found: dict[str, list[Problem]] = {"LOCK-01": [], "LOCK-02": [], "LOCK-03": []}
    if lock.site and site.name and lock.site != site.name:  # one site per folder: the lock is someone else's
        found["LOCK-02"].append(Problem(f"{LOCK_NAME} beside this file is the lock of site {lock.site}, not of "
                                        f"{site.name}", site.at("name"), "keep each site file in its own folder"))
        return found
    from kvnet.allocate import kept_entries  # here: only a site with a lock needs the allocator

    wanted, kept = kept_entries(site, lock)
    for need in wanted:
        entry = lock.entries.get(need.key)
        if entry is None:
            if not need.optional and need.unwritten():  # the site writes everything else itself
                found["LOCK-01"].append(Problem(f"{key_text(need.key)} has no entry in {LOCK_NAME}", need.span, fix))
            continue
        missing, disagreements = _compare(need, entry, kept[need.key], lock.path)
        found["LOCK-01"].extend(Problem(m, need.span, fix) for m in missing)
        found["LOCK-02"].extend(Problem(m, span, fix, related) for m, span, related in disagreements)
    keys = {need.key for need in wanted}
    for key, entry in sorted(lock.entries.items()):
        if key not in keys:
            found["LOCK-03"].append(Problem(f"{LOCK_NAME} holds addresses for {key_text(key)}, which the site no "
                                            "longer has (or which no longer needs them)",
                                            entry.span or Span(lock.path, 1, 1), fix))
    return found


def _compare(need: Need, entry: LockEntry, kept: LockEntry,
             lock_file: str) -> tuple[list[str], list[tuple[str, Span, tuple[Related, ...]]]]:
    """What the entry lacks, and where it disagrees with what `kvnet lock` would keep."""
    name = key_text(need.key)
    missing: list[str] = []
    wrong: list[tuple[str, Span, tuple[Related, ...]]] = []

    def related(field: str) -> tuple[Related, ...]:
        span = entry.at(field)
        return (Related(span, "the lock's value"),) if span is not None else ()

    if entry.network != need.network:
        wrong.append((f"the lock's entry for {name} is for network {entry.network}, but the site attaches it to "
                      f"{need.network}", need.iface.at("network"), related("network")))
    if entry.mac != kept.mac:
        if need.site_mac is not None:
            wrong.append((f"{name} has MAC {need.site_mac} in the site, but the lock holds {entry.mac or 'none'}",
                          need.iface.at("mac"), related("mac")))
        elif entry.mac is None:
            if need.mac and not need.optional:
                missing.append(f"the lock's entry for {name} has no MAC")
        else:
            wrong.append((f"the lock's MAC {entry.mac} for {name} is no longer free: it lies in the KubeMacPool "
                          "range, or the site or another entry uses it", need.span, related("mac")))
    if need.subnets and need.iface.ips and not set(need.iface.ips) <= set(entry.ips):
        shown = ", ".join(ip.with_prefixlen for ip in entry.ips) or "none"
        wrong.append((f"{name} has {', '.join(ip.with_prefixlen for ip in need.iface.ips)} in the site, but "
                      f"the lock holds {shown}", need.iface.at("ips") if "ips" in need.iface.spans
                      else need.iface.at("ip"), related("ip")))
    elif need.subnets:
        for ip in entry.ips:
            if ip not in kept.ips:
                wrong.append((f"the lock's address {ip.with_prefixlen} for {name} is not free on network "
                              f"{need.network}: outside its static subnets, reserved by the site (gateway, excluded "
                              "or dynamic range, an address written elsewhere, the interface's own address in that "
                              "subnet) or held by another entry", need.span, related("ip")))
        written = need.written_subnets()
        for subnet in need.subnets if not need.optional else ():
            if subnet not in written and not any(ip.network == subnet for ip in entry.ips):
                missing.append(f"the lock's entry for {name} has no address in subnet {subnet}")
    return missing, wrong


def lock_findings(site: Site, lock_path: str | Path, policy: Policy | None = None) -> list[Finding]:
    """Findings of LOCK-01/02/03 for one site and its lock file (raises KvnetInputError for a broken lock)."""
    from kvnet.policy import default_policy
    from kvnet.rules.catalogue import rule_by_id
    from kvnet.rules.engine import stamp

    policy = policy or default_policy()
    lock = read_lock(lock_path, Path(lock_path).as_posix())
    findings: list[Finding] = []
    for rule_id, problems in lock_problems(site, lock).items():
        meta, setting = rule_by_id(rule_id), policy.setting(rule_id)
        if meta is not None and setting is not None and setting.enabled:
            findings.extend(stamp(meta, setting.severity, p) for p in problems)
    return sort_findings(findings)


def lock_findings_beside(models: Iterable[Site], policy: Policy) -> list[Finding]:
    """lock_findings for every site model read from a file that has kvnet.lock.yaml beside it."""
    findings: list[Finding] = []
    for site in models:
        if site.origin == "site" and site.span.file and lock_path_for(site.span.file).is_file():
            findings.extend(lock_findings(site, lock_path_for(site.span.file), policy))
    return findings
