"""Every default the site format applies, in one place (the schema descriptions state the same values).

Cluster facts default to what OpenShift installs when the site is silent (domain/api-reference.md §1 and the
OpenShift installer defaults); upstream KubeVirt clusters have no fixed pod/service ranges, so only the
namespaces change and the ranges stay unknown.
"""

from __future__ import annotations

import ipaddress

from kvnet.frozen import frozen
from kvnet.model import Binding, IpamKind, IPNetwork, NetworkType


@frozen
class OperatorNamespaces:
    virtualization: str
    sriov: str
    metallb: str
    nmstate: str
    gitops: str


NAMESPACES = {
    "openshift": OperatorNamespaces(
        virtualization="openshift-cnv",
        sriov="openshift-sriov-network-operator",
        metallb="metallb-system",
        nmstate="openshift-nmstate",
        gitops="openshift-gitops",
    ),
    "kubevirt": OperatorNamespaces(
        virtualization="kubevirt-hyperconverged",
        sriov="sriov-network-operator",
        metallb="metallb-system",
        nmstate="nmstate",
        gitops="argocd",
    ),
}

# OpenShift install defaults (install-config networking) and OVN-Kubernetes internal subnets.
OPENSHIFT_CLUSTER_NETWORKS: tuple[IPNetwork, ...] = (ipaddress.ip_network("10.128.0.0/14"),)
OPENSHIFT_SERVICE_NETWORKS: tuple[IPNetwork, ...] = (ipaddress.ip_network("172.30.0.0/16"),)
OVN_INTERNAL_DEFAULTS: tuple[tuple[str, IPNetwork], ...] = (
    ("join", ipaddress.ip_network("100.64.0.0/16")),
    ("transit", ipaddress.ip_network("100.88.0.0/16")),
    ("masquerade", ipaddress.ip_network("169.254.0.0/17")),
)
OVN_INTERNAL_KEYS = {"join": "joinSubnet", "transit": "transitSubnet", "masquerade": "masqueradeSubnet"}

CLUSTER_DOMAIN = "cluster.local"
IP_FAMILIES = ("IPv4",)
VM_NAMESPACE = "default"
RUN_STRATEGY = "Always"
NIC_MODEL = "virtio"
SSH_USER = "cloud-user"
GITOPS_REVISION = "HEAD"
GITOPS_PROJECT = "default"
GITOPS_SERVER = "https://kubernetes.default.svc"
POD_NETWORK = "pod"
HYPERCONVERGED_NAME = "kubevirt-hyperconverged"
BOND_MODE = "active-backup"
# Labels kvnet adds so that Services can select the VMs of a group written without labels.
GROUP_LABEL = "kvnet.dev/vm-group"
MESH_NAMESPACE_LABELS = {"istio-injection": "enabled"}

CNI_TYPES: dict[str, str] = {
    "linux-bridge": "bridge",  # OpenShift docs moved from cnv-bridge to bridge
    "ovn-layer2": "ovn-k8s-cni-overlay",
    "ovn-localnet": "ovn-k8s-cni-overlay",
    "sriov": "sriov",
    "pod": "",
}
TOPOLOGIES = {"ovn-layer2": "layer2", "ovn-localnet": "localnet"}


def default_binding(network_type: NetworkType | None, network_name: str) -> Binding:
    """masquerade on the pod network, sriov on SR-IOV networks, bridge otherwise (also for unknown names)."""
    if network_name == POD_NETWORK or network_type == "pod":
        return "masquerade"
    if network_type == "sriov":
        return "sriov"
    return "bridge"


def default_ipam(network_type: NetworkType, has_subnet: bool) -> IpamKind:
    """OVN networks with a subnet use OVN's IPAM; others are static (kvnet-managed) with a subnet, else none."""
    if network_type in ("ovn-layer2", "ovn-localnet"):
        return "ovn" if has_subnet else "none"
    if network_type == "pod":
        return "none"
    return "static" if has_subnet else "none"


def default_resource_name(network_name: str) -> str:
    """SR-IOV resource names allow only letters, digits and '_'."""
    return "".join(c if c.isalnum() else "_" for c in network_name)
