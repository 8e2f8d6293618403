"""What a compile produced, for people (stderr) and for tools (`--summary json`).

Per VM: each interface with its network, binding, MAC (None = KubeMacPool assigns one at creation) and IPs;
with KubeSecondaryDNS on, the FQDN of each secondary interface, `<iface>.<vm>.<namespace>.vm.<base domain>`
(KubeSecondaryDNS serves the first IPv4 of interfaces other than the pod network, §10); and the commands
that reach the VM over SSH (virtctl, or the Services that expose port 22).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from kvnet.emit.bundle import Bundle
from kvnet.emit.common import Manifest, addresses, is_pod_network
from kvnet.emit.vm import pod_labels
from kvnet.model import Site, Vm

DEFAULT_SSH_USER = "cloud-user"


def _dns_domain(site: Site) -> str | None:
    dns = site.secondary_dns
    if dns is None or not dns.enabled:
        return None
    if dns.domain:
        return dns.domain
    base = site.cluster.base_domain if site.cluster else ""
    return f"vm.{base}" if base else None


def _vm_manifest(bundle: Bundle, vm: Vm) -> Manifest | None:
    return next(
        (m for m in bundle.resources()
         if m["kind"] == "VirtualMachine"
         and m["metadata"]["name"] == vm.name and m["metadata"]["namespace"] == vm.namespace),
        None,
    )


class _Index:
    """Lookups summarize makes per VM, built once so that a summary stays linear in the site's size:
    the first VirtualMachine manifest of each (namespace, name), and the SSH Services (port 22) selecting
    each VM, in bundle order, with the number of VMs each one selects."""

    def __init__(self, site: Site, bundle: Bundle) -> None:
        resources = bundle.resources()
        self.vm_manifests: dict[tuple[str, str], Manifest] = {}
        for m in resources:
            if m["kind"] == "VirtualMachine":
                self.vm_manifests.setdefault((m["metadata"]["namespace"], m["metadata"]["name"]), m)
        by_label: dict[tuple[str, str, Any], list[Vm]] = {}
        for vm in site.vms:
            for k, v in pod_labels(vm).items():
                by_label.setdefault((vm.namespace, k, v), []).append(vm)
        self.ssh_services: dict[tuple[str, str], list[Manifest]] = {}
        self.selected_count: dict[int, int] = {}
        for m in resources:
            if m["kind"] != "Service" or not any(p.get("targetPort", p["port"]) == 22 for p in m["spec"]["ports"]):
                continue
            selector = m["spec"].get("selector") or {}
            if not selector:
                continue
            k, v = next(iter(selector.items()))  # every selected VM carries this label
            chosen = [vm for vm in by_label.get((m["metadata"]["namespace"], k, v), []) if _selected(m, vm)]
            self.selected_count[id(m)] = len(chosen)
            for vm in chosen:
                self.ssh_services.setdefault((vm.namespace, vm.name), []).append(m)


def _interfaces(site: Site, bundle: Bundle, vm: Vm, manifest: Manifest | None) -> list[dict[str, Any]]:
    emitted: dict[str, dict[str, Any]] = {}
    if manifest is not None:
        for entry in manifest["spec"]["template"]["spec"]["domain"]["devices"].get("interfaces", []):
            emitted[entry["name"]] = entry
    domain = _dns_domain(site)
    rows = []
    for iface in vm.interfaces:
        found = addresses(vm, iface, bundle.allocations)
        row: dict[str, Any] = {
            "name": iface.name,
            "network": iface.network,
            "binding": iface.binding,
            "state": iface.state,
            "mac": emitted.get(iface.name, {}).get("macAddress"),
            "ips": [ip.with_prefixlen for ip in found.ips],
        }
        net = site.network(iface.network, vm.namespace)
        dpdk = net is not None and net.dpdk  # the guest binds the VF to vfio-pci: no IP, no record
        if domain and iface.state != "absent" and not dpdk and not is_pod_network(site, vm, iface):
            row["fqdn"] = f"{iface.name}.{vm.name}.{vm.namespace}.{domain}"
        rows.append(row)
    return rows


def _selected(service: Manifest, vm: Vm) -> bool:
    selector = service["spec"].get("selector") or {}
    labels = pod_labels(vm)
    return (
        service["metadata"]["namespace"] == vm.namespace
        and bool(selector)
        and all(labels.get(k) == v for k, v in selector.items())
    )


def _ssh_services(bundle: Bundle, vm: Vm) -> list[Manifest]:
    return [
        m for m in bundle.resources()
        if m["kind"] == "Service" and _selected(m, vm)
        and any(p.get("targetPort", p["port"]) == 22 for p in m["spec"]["ports"])
    ]


def _ssh(site: Site, bundle: Bundle, vm: Vm, index: _Index | None = None) -> list[str]:
    if vm.ssh is None:
        return []
    user = vm.ssh.user or DEFAULT_SSH_USER
    ways = []
    if "virtctl" in vm.ssh.via or not vm.ssh.via:
        ways.append(f"virtctl ssh {user}@vm/{vm.name} -n {vm.namespace}")
    node_ip = next((str(n.ip) for n in site.nodes if n.ip is not None), "<node-ip>")
    services = _ssh_services(bundle, vm) if index is None else index.ssh_services.get((vm.namespace, vm.name), [])
    for svc in services:
        name, kind = svc["metadata"]["name"], svc["spec"]["type"]
        if index is None:
            shared = sum(1 for other in site.vms if _selected(svc, other)) > 1
        else:
            shared = index.selected_count[id(svc)] > 1
        note = "  # load-balanced over every VM the Service selects" if shared else ""
        port = next(p for p in svc["spec"]["ports"] if p.get("targetPort", p["port"]) == 22)
        where = f"service {vm.namespace}/{name}"
        if kind == "NodePort":
            node_port = port.get("nodePort", f"<node port of {where}>")
            ways.append(f"ssh -p {node_port} {user}@{node_ip}{note}")
        elif kind == "LoadBalancer":
            ip = svc["metadata"].get("annotations", {}).get("metallb.io/loadBalancerIPs", f"<external IP of {where}>")
            ways.append(f"ssh -p {port['port']} {user}@{ip.split(',')[0]}{note}")
        else:
            inside = note or "  #"
            ways.append(f"ssh -p {port['port']} {user}@{name}.{vm.namespace}.svc{inside} (from inside the cluster)")
    return ways


def _warnings(site: Site, bundle: Bundle) -> list[str]:
    """What the compile could not do for the site as written."""
    found = []
    for vm in sorted(site.vms, key=lambda v: (v.namespace, v.name)):
        for iface in vm.interfaces:
            got = addresses(vm, iface, bundle.allocations)
            if got.ips and not got.mac and iface.state != "absent" and not is_pod_network(site, vm, iface):
                found.append(
                    f"{vm.namespace}/{vm.name} interface {iface.name}: static IP "
                    f"{', '.join(ip.with_prefixlen for ip in got.ips)} not written to cloud-init, "
                    "because the interface has no MAC to match it by (pin `mac` in the site)"
                )
    if site.gitops is None or not site.gitops.repo_url:
        found.append("no Argo CD Application: the site has no `gitops.repoURL`")
    return found


def summarize(site: Site, bundle: Bundle) -> dict[str, Any]:
    """Counts per kind, and per VM its interfaces (MAC, IPs, FQDNs) and SSH commands. JSON-serialisable."""
    kinds = Counter(m["kind"] for _, m in bundle if m["kind"] != "Kustomization")
    vms = []
    index = _Index(site, bundle)
    for vm in sorted(site.vms, key=lambda v: (v.namespace, v.name)):
        manifest = index.vm_manifests.get((vm.namespace, vm.name))
        vms.append({
            "name": vm.name,
            "namespace": vm.namespace,
            "runStrategy": vm.run_strategy,
            "interfaces": _interfaces(site, bundle, vm, manifest),
            "ssh": _ssh(site, bundle, vm, index),
        })
    return {
        "site": site.name,
        "files": len(bundle),
        "objects": len(bundle.resources()),
        "counts": dict(sorted(kinds.items())),
        "secondaryDnsDomain": _dns_domain(site),
        "vms": vms,
        "warnings": _warnings(site, bundle),
    }


def summary_text(summary: dict[str, Any]) -> str:
    """The summary for a terminal."""
    lines = [f"kvnet: compiled site {summary['site']}: {summary['objects']} objects, {summary['files']} files"]
    lines += [f"  {kind:<32} {count}" for kind, count in summary["counts"].items()]
    for vm in summary["vms"]:
        lines.append(f"VM {vm['namespace']}/{vm['name']} ({vm['runStrategy']})")
        for row in vm["interfaces"]:
            mac = row["mac"] or "(KubeMacPool)"
            ips = ",".join(row["ips"]) or "-"
            state = "" if row["state"] == "up" else f" [{row['state']}]"
            fqdn = f"  {row['fqdn']}" if row.get("fqdn") else ""
            lines.append(f"  {row['name']:<12} {row['network']:<16} {row['binding']:<10} {mac:<17} {ips}{fqdn}{state}")
        lines += [f"  ssh: {way}" for way in vm["ssh"]]
    lines += [f"warning: {text}" for text in summary["warnings"]]
    return "\n".join(lines) + "\n"
