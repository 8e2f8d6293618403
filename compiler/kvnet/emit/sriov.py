"""SR-IOV: SriovNetworkNodePolicy and SriovNetwork (sriovnetwork.openshift.io/v1), api-reference §5.

Both live in the operator namespace: a policy elsewhere is ignored with only a warning, and the network
controller reconciles SriovNetworks only there. A SriovNetwork names the VM namespace in `networkNamespace`;
the operator renders the NAD there (kvnet never writes that NAD). VM VFs use `deviceType: vfio-pci` and no
IPAM: the guest owns the VF and configures it (cloud-init). `spoofChk`/`trust` are the strings "on"/"off"
(the CRD's enum; an unquoted `on` would be a boolean and rejected).

When the site gives SR-IOV networks but no matching policy (same resourceName), one policy per node group
whose NIC is the network's PF is derived here.
"""

from __future__ import annotations

from typing import Any

from kvnet.emit.common import (
    WAVE_NETWORK,
    WAVE_NODE,
    Manifest,
    dns_name,
    metadata,
    network_namespaces,
    resource_name,
    sriov_network_name,
)
from kvnet.model import Network, Site, SriovPolicy


def network_resource(net: Network) -> str:
    """The device-plugin resourceName a network's VFs are published under."""
    return net.resource_name or resource_name(net.name)


def _derived_policies(site: Site, known: set[str]) -> list[SriovPolicy]:
    derived: list[SriovPolicy] = []
    for net in site.networks:
        if net.type != "sriov" or net.origin != "site" or not net.pf or network_resource(net) in known:
            continue
        groups = [g for g in site.node_groups if g.nic(net.pf) is not None]
        for group in groups:
            nic = group.nic(net.pf)
            capability = nic.sriov if nic else None
            total = capability.total_vfs if capability else 0
            num_vfs = net.num_vfs or (net.vf_range[1] + 1 if net.vf_range else 0) or total or 1
            derived.append(SriovPolicy(
                net.span,
                name=net.name if len(groups) == 1 else dns_name(f"{net.name}-{group.name}"),
                resource_name=network_resource(net),
                pf_names=(net.pf,),
                vf_range=net.vf_range,
                num_vfs=num_vfs,
                device_type="vfio-pci",
                node_selector=group.selector,
                mtu=net.mtu,
                vendor=capability.vendor if capability else "",
                device_id=capability.device_id if capability else "",
                node_group=group.name,
            ))
    return derived


def policies(site: Site) -> list[SriovPolicy]:
    """The site's policies plus the derived ones, sorted by name."""
    own = [p for p in site.sriov_policies if p.origin == "site"]
    known = {p.resource_name for p in own}
    return sorted(own + _derived_policies(site, known), key=lambda p: p.name)


def _policy(site: Site, policy: SriovPolicy, namespace: str) -> Manifest:
    pf_names = [
        f"{pf}#{policy.vf_range[0]}-{policy.vf_range[1]}" if policy.vf_range else pf for pf in policy.pf_names
    ]
    nic_selector: dict[str, Any] = {"pfNames": pf_names}
    if policy.vendor:
        nic_selector["vendor"] = policy.vendor
    if policy.device_id:
        nic_selector["deviceID"] = policy.device_id
    spec: dict[str, Any] = {
        "resourceName": policy.resource_name,
        "nodeSelector": dict(sorted(policy.node_selector.items())),
        "numVfs": policy.num_vfs,
        "nicSelector": nic_selector,
        "deviceType": policy.device_type,
    }
    if policy.mtu is not None:
        spec["mtu"] = policy.mtu
    if policy.is_rdma:
        spec["isRdma"] = True
    return {
        "apiVersion": "sriovnetwork.openshift.io/v1",
        "kind": "SriovNetworkNodePolicy",
        "metadata": metadata(site, policy.name, namespace, WAVE_NODE, custom_resource=True),
        "spec": spec,
    }


def _on_off(flag: bool) -> str:
    return "on" if flag else "off"


def _network(site: Site, net: Network, target: str, namespace: str) -> Manifest:
    spec: dict[str, Any] = {"resourceName": network_resource(net), "networkNamespace": target}
    if net.vlan is not None:
        spec["vlan"] = net.vlan
    if net.spoof_check is not None:
        spec["spoofChk"] = _on_off(net.spoof_check)
    if net.trust is not None:
        spec["trust"] = _on_off(net.trust)
    return {
        "apiVersion": "sriovnetwork.openshift.io/v1",
        "kind": "SriovNetwork",
        "metadata": metadata(
            site, sriov_network_name(site, net, target), namespace, WAVE_NETWORK, custom_resource=True
        ),
        "spec": spec,
    }


def sriov_policy_manifests(site: Site) -> list[Manifest]:
    namespace = site.cluster.sriov_namespace if site.cluster else "openshift-sriov-network-operator"
    return [_policy(site, p, namespace) for p in policies(site)]


def sriov_network_manifests(site: Site) -> list[Manifest]:
    namespace = site.cluster.sriov_namespace if site.cluster else "openshift-sriov-network-operator"
    manifests: list[Manifest] = []
    for net in sorted(site.networks, key=lambda n: n.name):
        if net.type == "sriov" and net.origin == "site":
            manifests += [_network(site, net, target, namespace) for target in network_namespaces(site, net)]
    return manifests
