"""Argo CD: the Application that syncs a compiled site, and an ApplicationSet for several sites (§15, §16).

The Application points at the folder the site compiles into (`gitops.path`), which kustomize builds.
- automated sync with prune and self-heal; `PruneLast=true` so deletions wait until everything else is healthy;
  the HyperConverged patch and tenant Namespaces carry `Prune=false` themselves;
- no resources finalizer: deleting the Application must not cascade into deleting running VMs;
- ignoreDifferences for what the cluster changes on its own (api-reference §13, §7):
  KubeMacPool writes a MAC into every VM interface Git leaves unpinned, and KubeVirt drops an interface (and
  its network) from the VM spec once its hot-unplug (`state: absent`) completes. Both are listed per VM and
  per interface, so a real change to a pinned MAC still shows as drift.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from kvnet.emit.common import MANAGED_BY, Manifest, dns_name, site_labels
from kvnet.model import GitOps, Site

_IFACES = ".spec.template.spec.domain.devices.interfaces[]"
_NETWORKS = ".spec.template.spec.networks[]"
SYNC_OPTIONS = ("PruneLast=true",)


def _app_namespace(site: Site, gitops: GitOps) -> str:
    if gitops.app_namespace:
        return gitops.app_namespace
    return site.cluster.argocd_namespace if site.cluster else "openshift-gitops"


def vm_ignore_differences(vm_manifest: Manifest) -> dict[str, Any] | None:
    """The ignoreDifferences entry for one emitted VirtualMachine, or None when nothing drifts."""
    expressions: list[str] = []
    interfaces = vm_manifest["spec"]["template"]["spec"]["domain"]["devices"].get("interfaces", [])
    for iface in interfaces:
        name = json.dumps(iface["name"])
        if "macAddress" not in iface:
            expressions.append(f"{_IFACES} | select(.name == {name}) | .macAddress")
        if iface.get("state") == "absent":
            expressions.append(f"{_IFACES} | select(.name == {name})")
            expressions.append(f"{_NETWORKS} | select(.name == {name})")
    if not expressions:
        return None
    meta = vm_manifest["metadata"]
    return {
        "group": "kubevirt.io",
        "kind": "VirtualMachine",
        "name": meta["name"],
        "namespace": meta["namespace"],
        "jqPathExpressions": expressions,
    }


# Fields KubeVirt defaults into every VM (failure-corpus GIT-04); kvnet never writes them.
KUBEVIRT_DEFAULTED = {
    "group": "kubevirt.io",
    "kind": "VirtualMachine",
    "jsonPointers": [
        "/metadata/annotations/kubevirt.io~1pci-topology-version",
        "/spec/template/spec/architecture",
        "/spec/template/spec/domain/firmware",
    ],
}


def _sync_policy() -> dict[str, Any]:
    # Retries cover webhooks that are not serving yet and SR-IOV node states still being discovered
    # (failure-corpus GIT-03): the first sync after an operator install often fails once.
    return {
        "automated": {"prune": True, "selfHeal": True},
        "syncOptions": list(SYNC_OPTIONS),
        "retry": {"limit": 5, "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"}},
    }


def application(site: Site, manifests: Iterable[Manifest]) -> Manifest | None:
    """The site's Application, or None when the site does not say where its Git repository is."""
    gitops = site.gitops
    if gitops is None or not gitops.repo_url:
        return None
    vms = [m for m in manifests if m["kind"] == "VirtualMachine"]
    per_vm = [entry for entry in map(vm_ignore_differences, vms) if entry is not None]
    spec: dict[str, Any] = {
        "project": gitops.project or "default",
        "source": {"repoURL": gitops.repo_url, "targetRevision": gitops.target_revision or "HEAD",
                   "path": gitops.path or "."},
        "destination": {"server": gitops.destination_server},
        "syncPolicy": _sync_policy(),
    }
    if vms:
        ordered = sorted(per_vm, key=lambda e: (e["namespace"], e["name"]))
        spec["ignoreDifferences"] = [KUBEVIRT_DEFAULTED, *ordered]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": dns_name(site.name or "kvnet-site"), "namespace": _app_namespace(site, gitops),
                     "labels": site_labels(site)},
        "spec": spec,
    }


def application_set(name: str, sites: Sequence[Site], namespace: str = "openshift-gitops") -> Manifest:
    """One ApplicationSet generating an Application per site (a list generator, one element per site).

    Per-VM ignoreDifferences cannot be templated per element, so the set ignores unplugged interfaces by
    state (a generic expression) and leaves MAC drift visible: pin MACs in Git for sites synced this way.
    """
    elements = [
        {"name": dns_name(s.name), "repoURL": s.gitops.repo_url, "revision": s.gitops.target_revision or "HEAD",
         "path": s.gitops.path or ".", "server": s.gitops.destination_server, "project": s.gitops.project or "default"}
        for s in sorted(sites, key=lambda s: s.name)
        if s.gitops is not None and s.gitops.repo_url
    ]
    absent = "select(.state == \"absent\")"
    unplugged_networks = (
        "(.spec.template.spec.domain.devices.interfaces // []) as $i | "
        f"{_NETWORKS} | select(.name as $n | $i | any(.name == $n and .state == \"absent\"))"
    )
    template = {
        "metadata": {"name": "{{.name}}", "labels": dict(MANAGED_BY)},
        "spec": {
            "project": "{{.project}}",
            "source": {"repoURL": "{{.repoURL}}", "targetRevision": "{{.revision}}", "path": "{{.path}}"},
            "destination": {"server": "{{.server}}"},
            "syncPolicy": _sync_policy(),
            "ignoreDifferences": [KUBEVIRT_DEFAULTED, {
                "group": "kubevirt.io",
                "kind": "VirtualMachine",
                "jqPathExpressions": [f"{_IFACES} | {absent}", unplugged_networks],
            }],
        },
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": dns_name(name), "namespace": namespace, "labels": dict(MANAGED_BY)},
        "spec": {
            "goTemplate": True,
            "goTemplateOptions": ["missingkey=error"],
            "generators": [{"list": {"elements": elements}}],
            "template": template,
        },
    }
