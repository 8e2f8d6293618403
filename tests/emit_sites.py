"""Model sites built directly (no site front end), covering every emitter, for unit tests."""

from __future__ import annotations

import ipaddress

from kvnet.model import (
    AddressPool,
    AddressRange,
    Bond,
    Bridge,
    Cluster,
    Exposure,
    GitOps,
    Interface,
    Network,
    Nic,
    Node,
    NodeGroup,
    OvnBridgeMapping,
    Resources,
    SecondaryDns,
    Site,
    SriovCapability,
    SshAccess,
    VlanInterface,
    VlanRange,
    Vm,
)
from kvnet.span import Span

S = Span("site.yaml", 1, 1)


def iface(addr: str) -> ipaddress.IPv4Interface:
    return ipaddress.IPv4Interface(addr)


def full_site() -> Site:
    """Every seed feature: bonds, trunked bridge, VLAN interface, localnet, layer2, SR-IOV, DPDK, migration,
    MetalLB, secondary DNS, service mesh, hot plug/unplug, SSH, Argo CD."""
    workers = NodeGroup(
        S,
        name="workers",
        selector={"node-role.kubernetes.io/worker": ""},
        nics=(
            Nic(S, name="eno1", role="primary"),
            Nic(S, name="ens3f0", mtu=9000),
            Nic(S, name="ens3f1", mtu=9000),
            Nic(S, name="ens5f0", sriov=SriovCapability(S, total_vfs=64, vendor="8086", device_id="158b")),
        ),
        bonds=(Bond(S, name="bond1", mode="802.3ad", ports=("ens3f0", "ens3f1"), mtu=9000,
                    options={"miimon": "100"}),),
        bridges=(Bridge(S, name="br-vm", port="bond1", vlans=(VlanRange(S, low=100, high=299),
                                                               VlanRange(S, low=400, high=400)), mtu=9000),),
        vlan_interfaces=(VlanInterface(S, name="bond1.500", base="bond1", vlan_id=500, mtu=9000),),
        ovn_bridge_mappings=(OvnBridgeMapping(S, localnet="physnet-prod", bridge="br-ex"),),
    )
    networks = (
        Network(S, name="prod-web", type="linux-bridge", namespaces=("web", "db"), bridge="br-vm", vlan=110,
                subnets=(ipaddress.ip_network("10.110.0.0/24"),), gateway=ipaddress.ip_address("10.110.0.1"),
                ipam="static", mtu=9000),
        Network(S, name="tenant-l2", type="ovn-layer2", namespaces=("web",),
                subnets=(ipaddress.ip_network("10.200.0.0/16"),),
                exclude_subnets=(ipaddress.ip_network("10.200.0.0/30"),), mtu=1400),
        Network(S, name="prod-localnet", type="ovn-localnet", namespaces=("web",), vlan=300,
                physical_network="physnet-prod", subnets=(ipaddress.ip_network("10.30.0.0/24"),), mtu=1500),
        Network(S, name="storage", type="sriov", namespaces=("db",), pf="ens5f0", num_vfs=8, vlan=400,
                spoof_check=True, trust=False, resource_name="storage"),
        Network(S, name="dpdk-fast", type="sriov", namespaces=("nfv",), pf="ens5f0", vf_range=(8, 15),
                dpdk=True, resource_name="dpdk_fast"),
        Network(S, name="migration", type="linux-bridge", bridge="br-vm", vlan=250, purpose="live-migration",
                subnets=(ipaddress.ip_network("10.250.0.0/24"),), ipam="whereabouts"),
    )
    pool = AddressPool(S, name="public", ranges=(
        AddressRange(S, start=ipaddress.ip_address("203.0.113.10"), end=ipaddress.ip_address("203.0.113.60")),),
        advertise=("l2",))
    ssh = SshAccess(S, authorized_keys=("ssh-ed25519 AAAAC3Nza ops@example.com",), via=("service", "virtctl"),
                    user="cloud-user")
    web = [
        Vm(S, name=f"web-0{i}", namespace="web", labels={"app": "web"}, service_mesh=True,
           image="quay.io/containerdisks/fedora:41",
           interfaces=(
               Interface(S, name="default", network="pod", binding="masquerade", mac=f"02:a0:00:00:00:1{i}"),
               Interface(S, name="prod", network="prod-web", binding="bridge", hotplug=True,
                         mac=f"02:a0:00:00:01:0{i}", ips=(iface(f"10.110.0.1{i}/24"),)),
               Interface(S, name="tenant", network="tenant-l2", binding="bridge"),
               Interface(S, name="legacy", network="prod-web", binding="bridge", state="absent",
                         mac=f"02:a0:00:00:02:0{i}"),
           ),
           ssh=ssh,
           expose=(Exposure(S, name="https", port=443, type="LoadBalancer", pool="public",
                            ip=ipaddress.ip_address(f"203.0.113.2{i}")),))
        for i in (1, 2)
    ]
    db = Vm(S, name="db-1", namespace="db", image="quay.io/containerdisks/centos-stream:9",
            interfaces=(
                Interface(S, name="default", network="pod", binding="masquerade"),
                Interface(S, name="storage", network="storage", binding="sriov", mac="02:00:00:10:00:01"),
                Interface(S, name="prod", network="prod-web", binding="bridge", mac="52:54:00:12:34:56",
                          ips=(iface("10.110.0.50/24"),)),
            ),
            ssh=SshAccess(S, authorized_keys=("ssh-ed25519 AAAAC3Nzb db@example.com",), via=("nodeport",)))
    vnf = Vm(S, name="vnf-1", namespace="nfv", resources=Resources(S, cores=8, memory="8Gi", hugepages="1Gi"),
             interfaces=(
                 Interface(S, name="default", network="pod", binding="masquerade"),
                 Interface(S, name="fast0", network="dpdk-fast", binding="sriov"),
             ))
    return Site(
        S,
        name="dc1-prod",
        cluster=Cluster(S, name="ocp-prod-1", version="4.18", base_domain="example.com"),
        gitops=GitOps(S, repo_url="https://git.example.com/infra/dc1.git", path="clusters/dc1-prod",
                      target_revision="main", project="virt-network"),
        node_groups=(workers,),
        nodes=(Node(S, name="worker-0", group="workers", ip=ipaddress.ip_address("192.168.10.21")),),
        networks=networks,
        pools=(pool,),
        secondary_dns=SecondaryDns(S, enabled=True, name_server_ip=ipaddress.ip_address("203.0.113.53")),
        vms=(*web, db, vnf),
    )


def minimal_site() -> Site:
    """One VM on the pod network, nothing else."""
    return Site(S, name="lab", cluster=Cluster(S),
                vms=(Vm(S, name="vm1", namespace="lab",
                        interfaces=(Interface(S, name="default", network="pod", binding="masquerade"),)),))
