"""Namespaces for the tenants of a site (VMs, their NADs, their Services), with the labels the design needs.

Operator namespaces (openshift-cnv, the SR-IOV and MetalLB namespaces, openshift-nmstate, Argo CD's) and
`default`/`openshift-*`/`kube-*` are never emitted: OLM and the platform own them, and an Argo CD prune of such
a Namespace would delete an operator. Tenant namespaces carry `Prune=false`, so deleting a line in Git never
deletes a namespace full of VMs.

Labels:
- `istio-injection: enabled` where a VM asks for the service mesh (the sidecar is injected only in a mesh
  namespace; with OpenShift Service Mesh 2 the namespace must also be in the ServiceMeshMemberRoll);
- `k8s.ovn.org/primary-user-defined-network` where a primary UDN lives: OVN-Kubernetes reads it only at
  namespace creation, so it must be there from the first sync.
"""

from __future__ import annotations

from kvnet.emit.common import WAVE_NAMESPACE, Manifest, metadata, network_namespaces
from kvnet.model import Site

PRIMARY_UDN_LABEL = "k8s.ovn.org/primary-user-defined-network"
MESH_LABEL = "istio-injection"


def _platform_owned(site: Site, name: str) -> bool:
    cluster = site.cluster
    operator_namespaces = (
        {
            cluster.cnv_namespace,
            cluster.sriov_namespace,
            cluster.metallb_namespace,
            cluster.nmstate_namespace,
            cluster.argocd_namespace,
        }
        if cluster
        else {"openshift-cnv", "openshift-sriov-network-operator", "metallb-system", "openshift-nmstate"}
    )
    if site.gitops:
        operator_namespaces.add(site.gitops.app_namespace)
    return name in operator_namespaces or name == "default" or name.startswith(("openshift-", "kube-"))


def tenant_namespaces(site: Site) -> dict[str, dict[str, str]]:
    """Every tenant namespace the site uses → the labels it needs (sorted by name)."""
    wanted: dict[str, dict[str, str]] = {}

    def need(name: str, labels: dict[str, str] | None = None) -> None:
        if name and not _platform_owned(site, name):
            wanted.setdefault(name, {}).update(labels or {})

    for ns in site.namespaces:
        need(ns.name, dict(ns.labels))
    for vm in site.vms:
        need(vm.namespace, {MESH_LABEL: "enabled"} if vm.service_mesh else None)
    for net in site.networks:
        if net.purpose == "live-migration" or (net.type == "pod" and net.role != "primary"):
            continue
        for namespace in network_namespaces(site, net):
            need(namespace, {PRIMARY_UDN_LABEL: ""} if net.role == "primary" else None)
    for svc in site.services:
        need(svc.namespace)
    return dict(sorted(wanted.items()))


def namespace_manifests(site: Site) -> list[Manifest]:
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": metadata(site, name, None, WAVE_NAMESPACE, extra_options=("Prune=false",), labels=labels),
        }
        for name, labels in tenant_namespaces(site).items()
    ]
