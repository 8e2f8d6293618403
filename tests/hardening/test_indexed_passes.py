"""Passes made linear for large sites give the answers of the straightforward passes they replaced."""

from __future__ import annotations

import dataclasses
import ipaddress
from pathlib import Path
from typing import Any

import pytest

from kvnet.allocate_pools import written_addresses
from kvnet.emit.bundle import compile_site
from kvnet.emit.summary import _Index, _ssh, _vm_manifest, summarize
from kvnet.load import load_file
from kvnet.model import AddressRange, Site
from kvnet.site import read_site

ROOT = Path(__file__).resolve().parents[2]

SSH_SITE = """\
apiVersion: kvnet.dev/v1alpha1
kind: Site
metadata: {name: ssh}
spec:
  nodeGroups:
    workers: {nics: {eno1: {role: primary}}}
  nodes: [{name: w0, group: workers, ip: 192.168.1.10}]
  vms:
    - name: web-{1..4}
      namespace: a
      labels: {app: web}
      ssh: {authorizedKeys: ["ssh-ed25519 AAAA k"], via: [service, nodeport, virtctl]}
    - name: db
      namespace: a
      ssh: {authorizedKeys: ["ssh-ed25519 AAAA k"], via: [service]}
    - name: db
      namespace: b
      labels: {app: web}
      ssh: {authorizedKeys: ["ssh-ed25519 AAAA k"], via: [nodeport]}
"""


def sites(tmp_path: Path, bench_site: Path) -> list[Site]:
    ssh = tmp_path / "ssh.yaml"
    ssh.write_text(SSH_SITE)
    paths = [ROOT / "samples" / "full" / "site.yaml", ROOT / "samples" / "minimal" / "site.yaml", ssh,
             bench_site / "site" / "site.yaml"]
    return [read_site(load_file(p).documents[0]) for p in paths]


def reference_points(site: Site) -> tuple[dict[int, set[int]], dict[int, list[tuple[int, int]]]]:
    points: dict[int, set[int]] = {4: set(), 6: set()}
    ranges: dict[int, list[tuple[int, int]]] = {4: [], 6: []}

    def walk(value: Any) -> None:
        if isinstance(value, AddressRange):
            if value.start.version == value.end.version:
                ranges[value.start.version].append((int(value.start), int(value.end)))
        elif isinstance(value, tuple):
            for item in value:
                walk(item)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                if f.name not in ("dynamic_ranges", "span", "spans"):
                    walk(getattr(value, f.name))
        elif isinstance(value, ipaddress.IPv4Interface | ipaddress.IPv6Interface):
            points[value.version].add(int(value.ip))
        elif isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
            points[value.version].add(int(value))

    walk(site)
    for net in site.networks:
        if "dynamic_ranges" in net.spans or "ranges" in net.spans:
            for rng in net.dynamic_ranges:
                ranges[rng.start.version].append((int(rng.start), int(rng.end)))
    return points, ranges


def test_written_addresses_are_every_address_in_the_model(tmp_path: Path, bench_site: Path) -> None:
    total = 0
    for site in sites(tmp_path, bench_site):
        written = written_addresses(site)
        points, ranges = reference_points(site)
        assert written.points == points
        assert written.ranges == ranges
        total += len(points[4])
    assert total >= 20


def test_summary_lookups_match_the_scans(tmp_path: Path, bench_site: Path) -> None:
    shared = 0
    for site in sites(tmp_path, bench_site):
        bundle = compile_site(site)
        index = _Index(site, bundle)
        for vm in site.vms:
            assert index.vm_manifests.get((vm.namespace, vm.name)) is _vm_manifest(bundle, vm)
            ways = _ssh(site, bundle, vm, index)
            assert ways == _ssh(site, bundle, vm)
            shared += sum("load-balanced" in w for w in ways)
        assert summarize(site, bundle)["vms"]
    assert shared >= 4  # web-1..4 share their ssh Service


@pytest.mark.parametrize("vms", [2000])
def test_summary_of_many_ssh_vms_is_quick(vms: int, tmp_path: Path) -> None:
    import time

    text = SSH_SITE.replace("web-{1..4}", f"web-{{1..{vms}}}").replace("via: [service, nodeport, virtctl]",
                                                                     "via: [service]")
    site = read_site(load_file(_write(tmp_path / "many.yaml", text)).documents[0])
    bundle = compile_site(site)
    started = time.process_time()
    summary = summarize(site, bundle)
    assert len(summary["vms"]) == vms + 2
    assert time.process_time() - started < 10  # the former scan was vms x objects: minutes at 50k


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def reference_services(site: Site) -> list[Any]:
    """emit.services.services as it was: each VM's exposures judged against every Service so far."""
    from kvnet.emit.services import _exposes, _vm_service
    from kvnet.model import ServicePort

    result = [s for s in site.services if s.origin == "site"]
    for vm in site.vms:
        for exp in vm.expose:
            if not _exposes(result, vm, exp.port):
                port = ServicePort(exp.span, name=exp.name, port=exp.port, target_port=exp.target_port,
                                   protocol=exp.protocol, node_port=exp.node_port)
                result.append(_vm_service(vm, f"{vm.name}-{exp.name}", exp.type, port, exp.pool, exp.ip))
        via = set(vm.ssh.via) if vm.ssh else set()
        wanted = "NodePort" if "nodeport" in via else "ClusterIP" if "service" in via else None
        if wanted and not _exposes(result, vm, 22):
            port = ServicePort(vm.span, name="ssh", port=22, target_port=22)
            result.append(_vm_service(vm, f"{vm.name}-ssh", wanted, port))
    return sorted(result, key=lambda s: (s.namespace, s.name))


def test_emitted_services_match_the_scan(tmp_path: Path, bench_site: Path) -> None:
    from kvnet.emit.services import services

    total = 0
    for site in sites(tmp_path, bench_site):
        assert services(site) == reference_services(site)
        total += len(services(site))
    assert total > 20
