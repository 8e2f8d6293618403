"""The one list of rule families. A rule exists when its family module is listed here.

Keep ids unique and stable (tests/test_catalogue.py checks ids, docs, policy and tests agree).
"""

from __future__ import annotations

import importlib
from functools import cache

from kvnet.rules.registry import Rule

FAMILIES: tuple[str, ...] = (
    "input",  # YAML-01, SUP-01, SUP-02: how the input is written
    "mac",  # MAC-*
    "vlan",  # VLAN-*
    "ip",  # IP-*
    "mtu",  # MTU-*
    "metallb",  # LB-*
    "refs",  # NAD-*: references between networks, NADs, bridges and VMs
    "sriov",  # SRIOV-*
    "kubevirt",  # KV-*
    "migration",  # LM-*
    "nncp",  # NNCP-*
    "gitops",  # GIT-*
    "api",  # API-*: fields, versions and kinds the Kubernetes API does not have
    "lock",  # LOCK-*: the MAC/IP lock file beside a site (checked by kvnet.rules.lock.lock_findings)
)


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, sorted by id."""
    from kvnet.rules.registry import rules_in

    found: list[Rule] = []
    for family in FAMILIES:
        found.extend(rules_in(importlib.import_module(f"kvnet.rules.{family}")))
    return tuple(sorted(found, key=lambda r: r.id))


def rule_by_id(rule_id: str) -> Rule | None:
    key = rule_id.strip().upper()
    return next((r for r in all_rules() if r.id == key or r.name == rule_id.strip().lower()), None)
