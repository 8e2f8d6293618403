"""Services (v1) that reach VMs, api-reference §3.

They select VM *template* labels (copied to the virt-launcher pod), never `kubevirt.io/created-by`, which
changes with every VMI. A LoadBalancer names its MetalLB pool with `metallb.io/address-pool` and a requested
address with `metallb.io/loadBalancerIPs` (not `spec.loadBalancerIP`: MetalLB rejects both together).

Sources, in order: the site's Services (the site front end builds them from `expose`); Services for VM
exposures no site Service covers (`<vm>-<port name>`, selecting that one VM); an SSH Service `<vm>-ssh` when
`ssh.via` asks for `service` (ClusterIP) or `nodeport` and nothing exposes port 22 yet; and, with
KubeSecondaryDNS on and a name-server IP given, the `dns-lb` LoadBalancer in front of the secondary DNS
server (UDP 53 → 5353) that the enterprise DNS delegates `vm.<baseDomain>` to (§10).
"""

from __future__ import annotations

from typing import Any

from kvnet.emit.common import WAVE_ACCESS, Manifest, dns_name, metadata
from kvnet.emit.metallb import pool_containing
from kvnet.emit.vm import pod_labels
from kvnet.model import IPAddress, Service, ServicePort, Site, Vm

POOL_ANNOTATION = "metallb.io/address-pool"
IPS_ANNOTATION = "metallb.io/loadBalancerIPs"
SECONDARY_DNS_SELECTOR = {"k8s-app": "secondary-dns"}  # CNAO's secondary-dns Deployment


def _selects(service: Service, vm: Vm) -> bool:
    if f"{vm.namespace}/{vm.name}" in service.target_vms:
        return True
    labels = pod_labels(vm)
    return (
        service.namespace == vm.namespace
        and bool(service.selector)
        and all(labels.get(k) == v for k, v in service.selector.items())
    )


def _exposes(services: list[Service], vm: Vm, port: int) -> bool:
    return any(_selects(s, vm) and any(p.port == port for p in s.ports) for s in services)


class _Selecting:
    """The services emitted so far, indexed so that finding those that may select a VM does not scan them all
    (a site with 50k VMs has thousands of Services): by target VM, and by the first label of the selector —
    a Service whose selector matches carries that label among the VM's. Candidates are then judged by
    `_selects`, so the answers are those of `_exposes`."""

    def __init__(self, services: list[Service]) -> None:
        self.by_target: dict[str, list[Service]] = {}
        self.by_label: dict[tuple[str, str, Any], list[Service]] = {}
        self.unindexed: list[Service] = []  # selectors with a value that cannot be a dictionary key
        for service in services:
            self.add(service)

    def add(self, service: Service) -> None:
        for target in service.target_vms:
            self.by_target.setdefault(target, []).append(service)
        if service.selector:
            key, value = next(iter(service.selector.items()))
            try:
                self.by_label.setdefault((service.namespace, key, value), []).append(service)
            except TypeError:
                self.unindexed.append(service)

    def exposes(self, vm: Vm, port: int) -> bool:
        candidates = list(self.by_target.get(f"{vm.namespace}/{vm.name}", ()))
        for key, value in pod_labels(vm).items():
            try:
                candidates += self.by_label.get((vm.namespace, key, value), ())
            except TypeError:
                candidates = [s for group in self.by_label.values() for s in group]
                break
        return _exposes(candidates + self.unindexed, vm, port)


def _vm_service(vm: Vm, name: str, kind: str, port: ServicePort,
                pool: str | None = None, ip: IPAddress | None = None) -> Service:
    return Service(
        vm.span, name=dns_name(name), namespace=vm.namespace, type=kind, selector={"kubevirt.io/domain": vm.name},
        ports=(port,), load_balancer_ips=(ip,) if ip is not None else (), pool=pool,
        target_vms=(f"{vm.namespace}/{vm.name}",),
    )


def services(site: Site) -> list[Service]:
    """Every Service kvnet emits for the site's VMs (see the module docstring), sorted by namespace and name."""
    result = [s for s in site.services if s.origin == "site"]
    selecting = _Selecting(result)
    for vm in site.vms:
        for exp in vm.expose:
            if not selecting.exposes(vm, exp.port):
                port = ServicePort(exp.span, name=exp.name, port=exp.port, target_port=exp.target_port,
                                   protocol=exp.protocol, node_port=exp.node_port)
                result.append(_vm_service(vm, f"{vm.name}-{exp.name}", exp.type, port, exp.pool, exp.ip))
                selecting.add(result[-1])
        via = set(vm.ssh.via) if vm.ssh else set()
        wanted = "NodePort" if "nodeport" in via else "ClusterIP" if "service" in via else None
        if wanted and not selecting.exposes(vm, 22):
            port = ServicePort(vm.span, name="ssh", port=22, target_port=22)
            result.append(_vm_service(vm, f"{vm.name}-ssh", wanted, port))
            selecting.add(result[-1])
    return sorted(result, key=lambda s: (s.namespace, s.name))


def _port(port: ServicePort) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": port.name, "port": port.port, "protocol": port.protocol or "TCP"}
    entry["targetPort"] = port.target_port if port.target_port is not None else port.port
    if port.node_port is not None:
        entry["nodePort"] = port.node_port
    if not port.name:
        del entry["name"]
    return entry


def service_manifest(site: Site, service: Service) -> Manifest:
    notes: dict[str, str] = {}
    if service.type == "LoadBalancer":
        if service.pool:
            notes[POOL_ANNOTATION] = service.pool
        if service.load_balancer_ips:
            notes[IPS_ANNOTATION] = ",".join(str(ip) for ip in service.load_balancer_ips)
    spec: dict[str, Any] = {
        "type": service.type,
        "selector": dict(sorted(service.selector.items())),
        "ports": [_port(p) for p in service.ports],
    }
    if service.ip_families:
        spec["ipFamilies"] = list(service.ip_families)
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(site, service.name, service.namespace, WAVE_ACCESS, annotations=notes),
        "spec": spec,
    }


def secondary_dns_service(site: Site) -> Manifest | None:
    dns = site.secondary_dns
    if dns is None or not dns.enabled or dns.name_server_ip is None:
        return None
    namespace = site.cluster.cnv_namespace if site.cluster else "openshift-cnv"
    pool = pool_containing(site, dns.name_server_ip)
    service = Service(
        dns.span, name="dns-lb", namespace=namespace, type="LoadBalancer", selector=SECONDARY_DNS_SELECTOR,
        ports=(ServicePort(dns.span, name="dns", port=53, target_port=5353, protocol="UDP"),),
        load_balancer_ips=(dns.name_server_ip,), pool=pool.name if pool else None,
    )
    return service_manifest(site, service)


def service_manifests(site: Site) -> list[Manifest]:
    manifests = [service_manifest(site, s) for s in services(site)]
    dns = secondary_dns_service(site)
    return manifests + ([dns] if dns else [])
