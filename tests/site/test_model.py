"""The model read_site builds: groups expanded, defaults applied once, derived objects present."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import pytest

from kvnet.load import Document
from kvnet.model import Site, Vm, mac_to_int
from kvnet.site import read_site


@pytest.fixture(scope="module")
def full() -> Site:
    from pathlib import Path

    from kvnet.load import load_file

    path = Path(__file__).resolve().parents[2] / "samples" / "full" / "site.yaml"
    return read_site(load_file(path).documents[0])


def vm(site: Site, name: str) -> Vm:
    return next(v for v in site.vms if v.name == name)


def test_group_is_expanded_with_addresses_counting_up(full: Site) -> None:
    web = [v for v in full.vms if v.group == "web-{01..03}"]
    assert [v.name for v in web] == ["web-01", "web-02", "web-03"]
    prods = [next(i for i in v.interfaces if i.name == "prod") for v in web]
    assert [i.mac for i in prods] == ["02:a0:00:00:01:01", "02:a0:00:00:01:02", "02:a0:00:00:01:03"]
    assert [str(i.ips[0]) for i in prods] == ["10.110.0.11/24", "10.110.0.12/24", "10.110.0.13/24"]
    assert all(v.namespace == "web" and v.labels == {"app": "web"} and v.service_mesh for v in web)
    assert all(v.span == web[0].span for v in web)  # members point at their entry


def test_interface_defaults(full: Site) -> None:
    db = vm(full, "db-1")
    bindings = {i.name: (i.binding, i.model, i.state) for i in db.interfaces}
    assert bindings == {
        "default": ("masquerade", "virtio", "up"),
        "storage": ("sriov", "virtio", "up"),
        "prod": ("bridge", "virtio", "up"),
    }
    legacy = next(i for i in vm(full, "web-02").interfaces if i.name == "legacy")
    assert legacy.state == "absent" and legacy.binding == "bridge"
    assert next(i for i in vm(full, "web-01").interfaces if i.name == "prod").hotplug
    assert vm(full, "web-01").cloud_init_network and not vm(full, "edge-1").cloud_init_network


def test_cluster_defaults_and_facts(full: Site) -> None:
    c = full.cluster
    assert c is not None
    assert c.cnv_namespace == "openshift-cnv" and c.sriov_namespace == "openshift-sriov-network-operator"
    assert dict(c.ovn_internal_networks) == {
        "join": ipaddress.ip_network("100.64.0.0/16"),
        "transit": ipaddress.ip_network("100.88.0.0/16"),
        "masquerade": ipaddress.ip_network("169.254.0.0/17"),
    }
    assert c.machine_networks == (ipaddress.ip_network("192.168.10.0/24"),)
    assert full.gitops is not None and full.gitops.app_namespace == "openshift-gitops"
    assert full.gitops.target_revision == "main"
    assert full.mac_pool is not None and full.mac_pool.start == mac_to_int("02:a0:00:00:00:00")
    assert full.kube_mac_pool is not None and full.kube_mac_pool.size == 2**24


def test_networks(full: Site) -> None:
    nets = {n.name: n for n in full.networks}
    assert nets["migration"].namespaces == ("openshift-cnv",)
    assert nets["migration"].ipam == "whereabouts"
    (dynamic,) = nets["migration"].dynamic_ranges
    assert (str(dynamic.start), str(dynamic.end)) == ("10.250.0.1", "10.250.0.254")
    assert nets["tenant-l2"].ipam == "ovn" and nets["tenant-l2"].topology == "layer2"
    assert nets["tenant-l2"].exclude_subnets == (ipaddress.ip_network("10.200.0.0/29"),)
    assert nets["prod-localnet"].physical_network == "physnet-prod" and nets["prod-localnet"].vlan == 300
    assert nets["prod-web"].preserve_default_vlan is False and nets["prod-web"].cni_type == "bridge"
    assert nets["dpdk-fast"].resource_name == "dpdk_fast" and nets["dpdk-fast"].vf_range == (8, 15)
    assert full.migration_network is nets["migration"]
    # spans point at what was written
    assert nets["prod-web"].at("vlan").line == nets["prod-web"].span.line + 3
    assert nets["prod-web"].at("subnets") == nets["prod-web"].at("subnet")


def test_sriov_policies(full: Site) -> None:
    policies = {p.name: p for p in full.sriov_policies}
    assert set(policies) == {"storage-workers", "dpdk-fast-workers"}
    for p in policies.values():
        assert p.device_type == "vfio-pci" and p.pf_names == ("ens5f0",) and p.num_vfs == 16
        assert p.node_selector == {"node-role.kubernetes.io/worker": ""} and p.vendor == "8086"
    assert policies["storage-workers"].vf_range == (0, 7)
    assert policies["dpdk-fast-workers"].resource_name == "dpdk_fast"


def test_services(full: Site) -> None:
    services = {s.name: s for s in full.services}
    assert set(services) == {"web-https", "web-http", "web-ssh", "db-1-postgres", "db-1-ssh-nodeport"}
    https = services["web-https"]
    assert (https.type, https.pool, https.namespace) == ("LoadBalancer", "public", "web")
    assert https.selector == {"app": "web"}
    assert https.target_vms == ("web/web-01", "web/web-02", "web/web-03")
    assert (https.ports[0].port, https.ports[0].target_port, https.ports[0].protocol) == (443, 443, "TCP")
    assert services["db-1-ssh-nodeport"].type == "NodePort" and services["db-1-ssh-nodeport"].ports[0].port == 22
    assert services["web-ssh"].type == "ClusterIP"


def test_metallb_dns_hyperconverged_namespaces(full: Site) -> None:
    assert [(p.name, p.auto_assign, p.namespace) for p in full.pools] == [
        ("public", True, "metallb-system"), ("dns", False, "metallb-system")]
    assert [(a.name, a.kind, a.pools) for a in full.advertisements] == [
        ("public-l2", "L2Advertisement", ("public",)), ("dns-l2", "L2Advertisement", ("dns",))]
    assert full.secondary_dns is not None and full.secondary_dns.domain == "vm.example.com"
    hc = full.hyperconverged
    assert hc is not None
    assert (hc.namespace, hc.live_migration_network, hc.deploy_kube_secondary_dns) == (
        "openshift-cnv", "migration", True)
    assert hc.kube_secondary_dns_name_server_ip == "203.0.113.53"
    assert hc.feature_gates == {"deployKubeSecondaryDNS": True}
    assert [(n.name, dict(n.labels)) for n in full.namespaces] == [
        ("db", {}), ("nfv", {}), ("web", {"istio-injection": "enabled"})]


def test_node_hardware(full: Site) -> None:
    (group,) = full.node_groups
    bond = group.bond("bond1")
    assert bond is not None and bond.mode == "802.3ad" and bond.options == {"miimon": "100"}
    bridge = group.bridge("br-vm")
    assert bridge is not None and bridge.vlan_filtering
    assert [(r.low, r.high) for r in bridge.vlans] == [(100, 299)]
    nic = group.nic("ens5f0")
    assert nic is not None and nic.sriov is not None and nic.sriov.total_vfs == 64
    assert [(m.localnet, m.bridge) for m in group.ovn_bridge_mappings] == [("physnet-prod", "br-ex")]
    assert [str(n.ip) for n in full.nodes] == ["192.168.10.21", "192.168.10.22", "192.168.10.23"]


HEAD = "apiVersion: kvnet.dev/v1alpha1\nkind: Site\nmetadata: {name: t}\nspec:\n"


def test_small_site_defaults(site_doc: Callable[[str, str], Document]) -> None:
    text = HEAD + (
        "  cluster: {distribution: kubevirt}\n"
        "  networks:\n"
        "    lan: {type: linux-bridge, bridge: br1, subnet: 10.9.0.0/24}\n"
        "  vms:\n"
        "    - name: n{1..3}\n"
        "      expose: [{port: 80}]\n"
        "      interfaces: [{name: lan, network: lan, ip: 10.9.0.10}, {name: x, network: nowhere}]\n"
        "    - name: solo\n"
        "      expose: [{port: 22, type: NodePort}]\n"
    )
    site = read_site(site_doc(text, "t.yaml"))
    assert site.cluster is not None
    assert site.cluster.cnv_namespace == "kubevirt-hyperconverged" and site.cluster.cluster_networks == ()
    assert site.cluster.ovn_internal_networks == ()
    assert [v.name for v in site.vms] == ["n1", "n2", "n3", "solo"]
    n2 = site.vms[1]
    assert n2.namespace == "default"
    assert [str(ip) for ip in n2.interfaces[0].ips] == ["10.9.0.11/24"]  # prefix from the subnet
    assert (n2.interfaces[1].network, n2.interfaces[1].binding) == ("nowhere", "bridge")  # kept for the rules
    assert n2.labels == {"kvnet.dev/vm-group": "n"}
    solo = site.vms[3]
    assert [(i.name, i.network, i.binding) for i in solo.interfaces] == [("default", "pod", "masquerade")]
    services = {s.name: s for s in site.services}
    assert services["n-tcp-80"].selector == {"kvnet.dev/vm-group": "n"}
    assert services["solo-tcp-22"].selector == {"vm.kubevirt.io/name": "solo"}
    assert site.networks[0].ipam == "static" and site.networks[0].namespaces == ("default",)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("web-{01..03}", ["web-01", "web-02", "web-03"]), ("db{8..10}", ["db8", "db9", "db10"]),
     ("{098..100}-x", ["098-x", "099-x", "100-x"])],
)
def test_group_names(site_doc: Callable[[str, str], Document], name: str, expected: list[str]) -> None:
    site = read_site(site_doc(HEAD + f'  vms:\n    - name: "{name}"\n', "t.yaml"))
    assert [v.name for v in site.vms] == expected
