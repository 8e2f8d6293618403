"""Address facts the ip and metallb rules share: dynamic pools, special addresses, cluster-internal ranges.

A network's dynamic pool is where an IPAM plugin hands out addresses: `Network.dynamic_ranges` when the
front end knows them, else (for whereabouts, host-local and OVN-Kubernetes IPAM) the whole subnet without
its network and broadcast addresses, which those allocators skip.
"""

from __future__ import annotations

import ipaddress

from kvnet.frozen import frozen
from kvnet.model import AddressRange, Cluster, IPAddress, IPNetwork, Network, Site
from kvnet.rules.netfacts import first_span
from kvnet.span import Span

POOL_ALLOCATORS = ("whereabouts", "host-local", "ovn")
CNI_IPAM = ("whereabouts", "host-local", "dhcp")  # IPAM plugins run per launcher pod

# OVN-Kubernetes' own defaults, used only when a model has no Cluster at all (manifests without cluster
# facts). The pod and service networks have no default worth guessing there: they differ per distribution.
_DEFAULTS: tuple[tuple[str, str], ...] = (
    ("OVN join subnet", "100.64.0.0/16"),
    ("OVN transit switch subnet", "100.88.0.0/16"),
    ("OVN masquerade subnet", "169.254.0.0/17"),
)
# KubeVirt's masquerade binding puts the guest on these (pod side); a secondary subnet overlapping them
# breaks routing inside guests that also have a masquerade pod interface.
MASQUERADE_GUEST_NETS: tuple[IPNetwork, ...] = (ipaddress.IPv4Network("10.0.2.0/24"),
                                                 ipaddress.IPv6Network("fd10:0:2::/120"))


@frozen
class Reserved:
    """A range owned by the cluster (or the policy), with the place it was written."""

    label: str
    net: IPNetwork
    span: Span | None


def dynamic_pools(net: Network) -> tuple[AddressRange, ...]:
    if net.dynamic_ranges:
        return net.dynamic_ranges
    if net.ipam not in POOL_ALLOCATORS:
        return ()
    pools = []
    for sub in net.subnets:
        if sub.num_addresses >= 4:
            last = sub.broadcast_address - (1 if sub.version == 4 else 0)
            pools.append(AddressRange(net.at("subnets"), start=sub.network_address + 1, end=last))
    return tuple(pools)


def is_excluded(net: Network, ip: IPAddress) -> bool:
    return any(ip.version == ex.version and ip in ex for ex in net.exclude_subnets)


def subnet_of(net: Network, ip: IPAddress) -> IPNetwork | None:
    return next((s for s in net.subnets if s.version == ip.version and ip in s), None)


def special_address(sub: IPNetwork, ip: IPAddress, gateway: IPAddress | None) -> str | None:
    """'the network address', 'the broadcast address' or 'the gateway' when `ip` is one of them in `sub`."""
    if ip == gateway:
        return "the gateway"
    if sub.version == 4 and sub.prefixlen <= 30:
        if ip == sub.network_address:
            return "the network address"
        if ip == sub.broadcast_address:
            return "the broadcast address"
    return None


def cluster_reserved(site: Site) -> list[Reserved]:
    """Cluster, service, machine and OVN-internal networks, with the places they were written."""
    cluster = site.cluster
    if cluster is None:
        return [Reserved(label + " (OVN-Kubernetes default)", ipaddress.ip_network(cidr), None)
                for label, cidr in _DEFAULTS]
    cluster_span = first_span(cluster, "cluster_networks", "clusterNetwork")
    service_span = first_span(cluster, "service_networks", "serviceNetwork")
    found = [Reserved("cluster network", n, cluster_span) for n in cluster.cluster_networks]
    found += [Reserved("service network", n, service_span) for n in cluster.service_networks]
    found += [Reserved(f"OVN {name} subnet", n, _ovn_span(cluster, name)) for name, n in cluster.ovn_internal_networks]
    return found


def machine_reserved(site: Site) -> list[Reserved]:
    cluster = site.cluster
    if cluster is None:
        return []
    span = first_span(cluster, "machine_networks", "machineNetwork")
    return [Reserved("machine network", n, span) for n in cluster.machine_networks]


def _ovn_span(cluster: Cluster, name: str) -> Span:
    return first_span(cluster, name, f"ovn.{name}Subnet", "ovn_internal_networks", "ovn")

