"""What every emitter shares: manifest metadata, Argo CD sync waves and options, names, address lookups.

Sync waves follow api-reference §16 (lower first; Argo CD waits for a wave to be healthy before the next):

    -10 Namespaces
     -6 NodeNetworkConfigurationPolicies, SriovNetworkNodePolicies   (node plumbing; may drain nodes)
     -5 NetworkAttachmentDefinitions, SriovNetworks, MetalLB pools and advertisements
     -4 the HyperConverged patch (liveMigrationConfig.network names the migration NAD, so it follows it)
     -3 Secrets (SSH keys, cloud-init) and Services (LoadBalancers wait for MetalLB)
      0 VirtualMachines (a stopped VM reports Suspended and would hold back any later wave)
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from kvnet.frozen import frozen
from kvnet.model import Interface, IPAddress, IPInterface, Network, Site, Vm

Manifest = dict[str, Any]

WAVE_NAMESPACE = -10
WAVE_NODE = -6
WAVE_NETWORK = -5
WAVE_HYPERCONVERGED = -4
WAVE_ACCESS = -3
WAVE_VM = 0

MANAGED_BY = {"app.kubernetes.io/managed-by": "kvnet"}
SITE_LABEL = "kvnet.dev/site"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
SYNC_OPTIONS = "argocd.argoproj.io/sync-options"
# CRDs installed by operators (OLM) are never part of the sync; without this a first sync fails its dry run.
SKIP_DRY_RUN = "SkipDryRunOnMissingResource=true"
# The per-VM template label Services and kvnet's own lookups select on (KubeVirt examples use the same key).
VM_LABEL = "kubevirt.io/domain"


def site_labels(site: Site) -> dict[str, str]:
    labels = dict(MANAGED_BY)
    if site.name:
        labels[SITE_LABEL] = site.name
    return labels


def metadata(
    site: Site,
    name: str,
    namespace: str | None,
    wave: int,
    *,
    custom_resource: bool = False,
    extra_options: tuple[str, ...] = (),
    labels: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
    with_site_labels: bool = True,
) -> dict[str, Any]:
    """ObjectMeta with kvnet's labels, the sync wave and, for operator CRs, SkipDryRunOnMissingResource."""
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    all_labels = {**(site_labels(site) if with_site_labels else {}), **(labels or {})}
    if all_labels:
        meta["labels"] = all_labels
    options = ((SKIP_DRY_RUN,) if custom_resource else ()) + extra_options
    notes: dict[str, str] = {SYNC_WAVE: str(wave), **(annotations or {})}
    if options:
        notes[SYNC_OPTIONS] = ",".join(options)
    meta["annotations"] = notes
    return meta


_DNS_LABEL_BAD = re.compile(r"[^a-z0-9-]+")


def dns_name(text: str) -> str:
    """`text` as an RFC 1123 label (lower case, `-` for anything else), for derived object names."""
    cleaned = _DNS_LABEL_BAD.sub("-", text.lower()).strip("-")
    return cleaned[:63].rstrip("-") or "x"


def resource_name(text: str) -> str:
    """An SR-IOV resourceName (`^[a-zA-Z0-9_]+$`) derived from a network name."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", text)


# ------------------------------------------------------------------------------------- networks per namespace


def network_namespaces(site: Site, net: Network) -> tuple[str, ...]:
    """Namespaces that get this network's NAD: the ones the site lists, else those of the VMs using it."""
    if net.namespaces:
        return tuple(sorted(set(net.namespaces)))
    used = {
        vm.namespace for vm in site.vms for iface in vm.interfaces
        if site.network(iface.network, vm.namespace) is net
    }
    return tuple(sorted(used))


def sriov_network_name(site: Site, net: Network, namespace: str) -> str:
    """The SriovNetwork (and generated NAD) name: the network's, suffixed by namespace when it spans several."""
    if len(network_namespaces(site, net)) > 1:
        return dns_name(f"{net.name}-{namespace}")
    return net.name


def is_pod_network(site: Site, vm: Vm, iface: Interface) -> bool:
    """True for the interface on the pod network (masquerade, passt, or l2bridge on a primary UDN)."""
    if iface.network == "pod":
        return True
    net = site.network(iface.network, vm.namespace)
    if net is not None:
        return net.type == "pod"
    return iface.binding in ("masquerade", "passt", "l2bridge")


# ------------------------------------------------------------------------------------- allocation seam


@frozen
class Addresses:
    """The MAC and IPs of one VM interface, as pinned in Git."""

    mac: str | None = None
    ips: tuple[IPInterface, ...] = ()


# The single seam for the MAC/IP lock file (issue 7): (namespace, vm, interface) → allocated addresses.
# Entries override what the site wrote; interfaces without an entry keep the site's MAC and IPs.
Allocations = Mapping[tuple[str, str, str], Addresses]


def addresses(vm: Vm, iface: Interface, allocations: Allocations) -> Addresses:
    allocated = allocations.get((vm.namespace, vm.name, iface.name))
    if allocated is None:
        return Addresses(iface.mac, iface.ips)
    return Addresses(allocated.mac or iface.mac, allocated.ips or iface.ips)


def address_text(ip: IPInterface) -> str:
    return ip.with_prefixlen


def range_text(start: IPAddress, end: IPAddress) -> str:
    """A range as one CIDR when it is exactly one, else `start-end` (the form MetalLB and whereabouts take)."""
    nets: list[ipaddress.IPv4Network] | list[ipaddress.IPv6Network] = []
    if isinstance(start, ipaddress.IPv4Address) and isinstance(end, ipaddress.IPv4Address) and start <= end:
        nets = list(ipaddress.summarize_address_range(start, end))
    if isinstance(start, ipaddress.IPv6Address) and isinstance(end, ipaddress.IPv6Address) and start <= end:
        nets = list(ipaddress.summarize_address_range(start, end))
    return str(nets[0]) if len(nets) == 1 else f"{start}-{end}"
