"""The HyperConverged settings kvnet manages, as a *partial* object applied with server-side apply.

The HyperConverged CR (`kubevirt-hyperconverged` in openshift-cnv) is created by the operator install and
holds dozens of settings kvnet knows nothing about. Replacing it would reset them to CRD defaults, so kvnet
emits only the fields it owns —

    spec.liveMigrationConfig.network                  (the migration NAD name, resolved in openshift-cnv)
    spec.featureGates.deployKubeSecondaryDNS
    spec.kubeSecondaryDNSNameServerIP

— and asks Argo CD to apply it with `ServerSideApply=true`: the API server merges these fields into the live
object and records kvnet's field manager as their owner; everything else stays as it is. `Prune=false` and
`Delete=false` keep Argo CD from ever deleting the CR (removing the file, or the Application, must not
uninstall OpenShift Virtualization). docs/compile.md explains this for users.
"""

from __future__ import annotations

from typing import Any

from kvnet.emit.common import WAVE_HYPERCONVERGED, Manifest, metadata
from kvnet.model import HyperConverged, Site

SSA_OPTIONS = ("ServerSideApply=true", "Prune=false", "Delete=false")


def managed_settings(site: Site) -> HyperConverged | None:
    """What kvnet sets on the HyperConverged: the site's explicit settings, else what its networks imply."""
    explicit = site.hyperconverged if site.hyperconverged and site.hyperconverged.origin == "site" else None
    migration = site.migration_network
    dns = site.secondary_dns
    cnv_namespace = site.cluster.cnv_namespace if site.cluster else "openshift-cnv"
    network = (explicit.live_migration_network if explicit else None) or (migration.name if migration else None)
    deploy_dns = explicit.deploy_kube_secondary_dns if explicit else None
    if deploy_dns is None and dns is not None and dns.enabled:
        deploy_dns = True
    name_server = (explicit.kube_secondary_dns_name_server_ip if explicit else None) or (
        str(dns.name_server_ip) if dns and dns.enabled and dns.name_server_ip else None
    )
    if network is None and deploy_dns is None and name_server is None:
        return None
    return HyperConverged(
        explicit.span if explicit else site.span,
        name=explicit.name if explicit else "kubevirt-hyperconverged",
        namespace=explicit.namespace if explicit else cnv_namespace,
        live_migration_network=network,
        deploy_kube_secondary_dns=deploy_dns,
        kube_secondary_dns_name_server_ip=name_server,
    )


def hyperconverged_manifests(site: Site) -> list[Manifest]:
    settings = managed_settings(site)
    if settings is None:
        return []
    spec: dict[str, Any] = {}
    if settings.live_migration_network:
        spec["liveMigrationConfig"] = {"network": settings.live_migration_network}
    if settings.deploy_kube_secondary_dns is not None:
        spec["featureGates"] = {"deployKubeSecondaryDNS": settings.deploy_kube_secondary_dns}
    if settings.kube_secondary_dns_name_server_ip:
        spec["kubeSecondaryDNSNameServerIP"] = settings.kube_secondary_dns_name_server_ip
    return [{
        "apiVersion": "hco.kubevirt.io/v1beta1",
        "kind": "HyperConverged",
        # No kvnet labels: SSA would make kvnet their owner on an object the operator install created.
        "metadata": metadata(
            site, settings.name, settings.namespace, WAVE_HYPERCONVERGED,
            custom_resource=True, extra_options=SSA_OPTIONS, with_site_labels=False,
        ),
        "spec": spec,
    }]
