"""The compile summary: counts per kind, per-VM interfaces with MACs/IPs/FQDNs, SSH commands, warnings."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

import emit_sites
from kvnet.emit.bundle import compile_site
from kvnet.emit.summary import summarize, summary_text
from kvnet.model import Site


@pytest.fixture(scope="module")
def summary() -> dict[str, Any]:
    site = emit_sites.full_site()
    return summarize(site, compile_site(site))


def vm(summary: dict[str, Any], namespace: str, name: str) -> dict[str, Any]:
    return next(v for v in summary["vms"] if (v["namespace"], v["name"]) == (namespace, name))


def test_counts_every_kind_emitted(summary: dict[str, Any]) -> None:
    site = emit_sites.full_site()
    kinds = Counter(m["kind"] for _, m in compile_site(site) if m["kind"] != "Kustomization")
    assert summary["counts"] == dict(kinds)
    assert summary["counts"]["VirtualMachine"] == 4 and summary["counts"]["Application"] == 1
    assert json.loads(json.dumps(summary)) == summary  # what --summary json prints


def test_interfaces_with_macs_ips_and_fqdns(summary: dict[str, Any]) -> None:
    rows = {r["name"]: r for r in vm(summary, "web", "web-01")["interfaces"]}
    assert rows["prod"]["mac"] == "02:a0:00:00:01:01" and rows["prod"]["ips"] == ["10.110.0.11/24"]
    assert rows["prod"]["fqdn"] == "prod.web-01.web.vm.example.com"
    assert "fqdn" not in rows["default"]  # KubeSecondaryDNS skips the pod network
    assert "fqdn" not in rows["legacy"] and rows["legacy"]["state"] == "absent"
    assert rows["tenant"]["mac"] is None  # KubeMacPool assigns it
    dpdk = {r["name"]: r for r in vm(summary, "nfv", "vnf-1")["interfaces"]}
    assert "fqdn" not in dpdk["fast0"]


def test_no_fqdns_without_secondary_dns() -> None:
    site = emit_sites.minimal_site()
    rows = summarize(site, compile_site(site))["vms"][0]["interfaces"]
    assert all("fqdn" not in r for r in rows)


def test_ssh_commands(summary: dict[str, Any]) -> None:
    web = vm(summary, "web", "web-01")["ssh"]
    assert "virtctl ssh cloud-user@vm/web-01 -n web" in web
    assert any("web-01-ssh.web.svc" in way for way in web)
    db = vm(summary, "db", "db-1")["ssh"]
    assert db == ["ssh -p <node port of service db/db-1-ssh> cloud-user@192.168.10.21"]
    assert vm(summary, "nfv", "vnf-1")["ssh"] == []


def test_group_ssh_service_is_flagged_as_shared(load_sample: Callable[[str], Site]) -> None:
    site = load_sample("full")
    result = summarize(site, compile_site(site))
    ways = vm(result, "web", "web-01")["ssh"]
    assert any("load-balanced" in way for way in ways), ways


def test_static_ip_without_mac_is_a_warning() -> None:
    site = emit_sites.minimal_site()
    import dataclasses
    import ipaddress

    from kvnet.model import Interface, Network

    net = Network(emit_sites.S, name="lab-net", type="linux-bridge", bridge="br0", namespaces=("lab",))
    iface = Interface(emit_sites.S, name="lab", network="lab-net", ips=(ipaddress.IPv4Interface("10.0.0.5/24"),))
    one = dataclasses.replace(site.vms[0], interfaces=(*site.vms[0].interfaces, iface))
    site = dataclasses.replace(site, networks=(net,), vms=(one,))
    warnings = summarize(site, compile_site(site))["warnings"]
    assert any("lab/vm1 interface lab: static IP 10.0.0.5/24 not written" in w for w in warnings)
    assert any("no Argo CD Application" in w for w in warnings)


def test_summary_text_lists_vms_interfaces_and_ssh(summary: dict[str, Any]) -> None:
    text = summary_text(summary)
    assert text.startswith("kvnet: compiled site dc1-prod: ")
    assert "VM web/web-01 (Always)" in text
    assert "prod.web-01.web.vm.example.com" in text
    assert "ssh: virtctl ssh cloud-user@vm/web-01 -n web" in text
    assert text.endswith("\n")
