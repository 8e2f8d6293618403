"""What each emitter writes, field by field, on model sites built in emit_sites.py (no site front end)."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
from typing import Any

import pytest

import emit_sites
from kvnet.emit.bundle import Bundle, compile_site, render_stream
from kvnet.emit.cloudinit import INLINE_LIMIT
from kvnet.emit.common import Addresses
from kvnet.errors import KvnetInputError
from kvnet.model import Interface, Network, Site, Vm


def find(bundle: Bundle, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    for _, m in bundle:
        meta = m["metadata"]
        if m["kind"] == kind and meta["name"] == name and (namespace is None or meta.get("namespace") == namespace):
            return m
    raise AssertionError(f"no {kind} {namespace}/{name} in {[p for p, _ in bundle]}")


def wave(m: dict[str, Any]) -> int:
    return int(m["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])


@pytest.fixture(scope="module")
def full() -> Bundle:
    return compile_site(emit_sites.full_site())


def test_nncp_has_bond_trunked_bridge_vlan_interface_mtus_and_bridge_mappings(full: Bundle) -> None:
    nncp = find(full, "NodeNetworkConfigurationPolicy", "workers")
    assert nncp["spec"]["nodeSelector"] == {"node-role.kubernetes.io/worker": ""}
    state = nncp["spec"]["desiredState"]
    by_name = {i["name"]: i for i in state["interfaces"]}
    assert "eno1" not in by_name  # the primary NIC is never touched
    assert by_name["ens3f0"] == {"name": "ens3f0", "type": "ethernet", "state": "up", "mtu": 9000}
    bond = by_name["bond1"]
    assert bond["link-aggregation"] == {"mode": "802.3ad", "port": ["ens3f0", "ens3f1"], "options": {"miimon": "100"}}
    assert bond["mtu"] == 9000
    assert by_name["bond1.500"]["vlan"] == {"base-iface": "bond1", "id": 500}
    bridge = by_name["br-vm"]
    assert bridge["type"] == "linux-bridge" and bridge["mtu"] == 9000
    assert bridge["bridge"]["port"] == [{
        "name": "bond1",
        "vlan": {"mode": "trunk", "trunk-tags": [{"id-range": {"min": 100, "max": 299}}, {"id": 400}]},
    }]
    assert state["ovn"]["bridge-mappings"] == [{"localnet": "physnet-prod", "bridge": "br-ex", "state": "present"}]
    # ports come before what is built on them
    names = [i["name"] for i in state["interfaces"]]
    assert names.index("ens3f0") < names.index("bond1") < names.index("br-vm")


def test_bridge_nad_carries_vlan_preserve_default_vlan_mtu_macspoofchk_and_resource_annotation(full: Bundle) -> None:
    nad = find(full, "NetworkAttachmentDefinition", "prod-web", "web")
    config = json.loads(nad["spec"]["config"])
    assert config["type"] == "cnv-bridge"
    assert config["bridge"] == "br-vm" and config["vlan"] == 110 and config["mtu"] == 9000
    assert config["preserveDefaultVlan"] is False and config["macspoofchk"] is True
    assert config["name"] == "prod-web" and "ipam" not in config
    assert nad["metadata"]["annotations"]["k8s.v1.cni.cncf.io/resourceName"] == "bridge.network.kubevirt.io/br-vm"
    # one NAD per namespace the network lists
    assert find(full, "NetworkAttachmentDefinition", "prod-web", "db")


def test_ovn_nads_name_themselves_namespace_slash_name(full: Bundle) -> None:
    layer2 = json.loads(find(full, "NetworkAttachmentDefinition", "tenant-l2", "web")["spec"]["config"])
    assert layer2 == {
        "cniVersion": "0.3.1", "name": "tenant-l2", "type": "ovn-k8s-cni-overlay", "topology": "layer2",
        "netAttachDefName": "web/tenant-l2", "subnets": "10.200.0.0/16", "excludeSubnets": "10.200.0.0/30",
        "mtu": 1400,
    }
    localnet = json.loads(find(full, "NetworkAttachmentDefinition", "prod-localnet", "web")["spec"]["config"])
    assert localnet["topology"] == "localnet" and localnet["netAttachDefName"] == "web/prod-localnet"
    assert localnet["physicalNetworkName"] == "physnet-prod" and localnet["vlanID"] == 300
    assert "ipam" not in localnet


def test_migration_nad_lives_in_the_cnv_namespace_with_whereabouts(full: Bundle) -> None:
    nad = find(full, "NetworkAttachmentDefinition", "migration", "openshift-cnv")
    config = json.loads(nad["spec"]["config"])
    assert config["ipam"] == {"type": "whereabouts", "range": "10.250.0.0/24"}
    assert config["vlan"] == 250
    hco = find(full, "HyperConverged", "kubevirt-hyperconverged", "openshift-cnv")
    assert hco["spec"]["liveMigrationConfig"] == {"network": "migration"}


def test_sriov_policy_and_network_live_in_the_operator_namespace(full: Bundle) -> None:
    policy = find(full, "SriovNetworkNodePolicy", "dpdk-fast")
    assert policy["metadata"]["namespace"] == "openshift-sriov-network-operator"
    assert policy["spec"]["deviceType"] == "vfio-pci"
    assert policy["spec"]["nicSelector"] == {"pfNames": ["ens5f0#8-15"], "vendor": "8086", "deviceID": "158b"}
    assert policy["spec"]["resourceName"] == "dpdk_fast"
    network = find(full, "SriovNetwork", "storage")
    assert network["metadata"]["namespace"] == "openshift-sriov-network-operator"
    assert network["spec"] == {"resourceName": "storage", "networkNamespace": "db", "vlan": 400,
                               "spoofChk": "on", "trust": "off"}
    assert "ipam" not in network["spec"]  # VM VFs: the guest configures the VF
    assert 'spoofChk: "on"' in render_stream(full)  # a string, never the YAML 1.1 boolean


def test_metallb_pool_and_an_advertisement_naming_it(full: Bundle) -> None:
    pool = find(full, "IPAddressPool", "public", "metallb-system")
    assert pool["spec"] == {"addresses": ["203.0.113.10-203.0.113.60"], "autoAssign": True}
    adv = find(full, "L2Advertisement", "public-l2", "metallb-system")
    assert adv["spec"] == {"ipAddressPools": ["public"]}


def test_hyperconverged_is_a_partial_server_side_apply_patch(full: Bundle) -> None:
    hco = find(full, "HyperConverged", "kubevirt-hyperconverged", "openshift-cnv")
    assert set(hco["spec"]) == {"liveMigrationConfig", "featureGates", "kubeSecondaryDNSNameServerIP"}
    assert hco["spec"]["featureGates"] == {"deployKubeSecondaryDNS": True}
    assert hco["spec"]["kubeSecondaryDNSNameServerIP"] == "203.0.113.53"
    options = hco["metadata"]["annotations"]["argocd.argoproj.io/sync-options"].split(",")
    assert {"ServerSideApply=true", "Prune=false", "Delete=false", "SkipDryRunOnMissingResource=true"} <= set(options)
    assert "labels" not in hco["metadata"]


def test_no_hyperconverged_when_the_site_needs_nothing_from_it() -> None:
    bundle = compile_site(emit_sites.minimal_site())
    assert not [m for _, m in bundle if m["kind"] == "HyperConverged"]


def test_vm_bindings_macs_states_and_networks(full: Bundle) -> None:
    vm = find(full, "VirtualMachine", "web-01", "web")
    spec = vm["spec"]["template"]["spec"]
    interfaces = {i["name"]: i for i in spec["domain"]["devices"]["interfaces"]}
    assert interfaces["default"] == {"name": "default", "masquerade": {}, "model": "virtio",
                                     "macAddress": "02:a0:00:00:00:11"}
    assert interfaces["prod"]["bridge"] == {} and interfaces["prod"]["macAddress"] == "02:a0:00:00:01:01"
    assert "macAddress" not in interfaces["tenant"]
    assert interfaces["legacy"]["state"] == "absent"
    assert [n["name"] for n in spec["networks"]] == ["default", "prod", "tenant", "legacy"]
    assert spec["networks"][0] == {"name": "default", "pod": {}}
    assert spec["networks"][1] == {"name": "prod", "multus": {"networkName": "prod-web"}}
    db = find(full, "VirtualMachine", "db-1", "db")["spec"]["template"]["spec"]
    storage = next(i for i in db["domain"]["devices"]["interfaces"] if i["name"] == "storage")
    assert storage == {"name": "storage", "sriov": {}, "macAddress": "02:00:00:10:00:01"}
    assert {"name": "storage", "multus": {"networkName": "storage"}} in db["networks"]


def test_cloud_init_network_data_matches_static_ips_by_mac(full: Bundle) -> None:
    import yaml

    vm = find(full, "VirtualMachine", "web-01", "web")["spec"]["template"]["spec"]
    volume = next(v for v in vm["volumes"] if v["name"] == "cloudinitdisk")["cloudInitNoCloud"]
    data = yaml.safe_load(volume["networkData"])
    assert data["version"] == 2
    assert data["ethernets"]["prod"] == {"match": {"macaddress": "02:a0:00:00:01:01"}, "set-name": "prod",
                                         "dhcp4": False, "addresses": ["10.110.0.11/24"]}
    # the pod interface keeps DHCP (its MAC is pinned), and keeps the default route
    assert data["ethernets"]["default"]["dhcp4"] is True
    assert "routes" not in data["ethernets"]["prod"]
    assert "legacy" not in data["ethernets"] and "tenant" not in data["ethernets"]


def _vm_with_many_static_interfaces(count: int) -> Site:
    site: Site = emit_sites.full_site()
    interfaces = tuple(
        Interface(emit_sites.S, name=f"nic{i:02d}", network="prod-web", binding="bridge",
                  mac=f"02:b0:00:00:00:{i:02x}", ips=(ipaddress.IPv4Interface(f"10.110.0.{100 + i}/24"),))
        for i in range(count)
    )
    big = Vm(emit_sites.S, name="big", namespace="web", interfaces=interfaces)
    return dataclasses.replace(site, vms=(big,))


def test_network_data_beyond_2048_bytes_goes_into_a_secret() -> None:
    small = compile_site(_vm_with_many_static_interfaces(2))
    volume = find(small, "VirtualMachine", "big", "web")["spec"]["template"]["spec"]["volumes"][0]
    assert "networkData" in volume["cloudInitNoCloud"]
    assert len(volume["cloudInitNoCloud"]["networkData"].encode()) <= INLINE_LIMIT

    bundle = compile_site(_vm_with_many_static_interfaces(20))
    volume = find(bundle, "VirtualMachine", "big", "web")["spec"]["template"]["spec"]["volumes"][0]
    assert "networkData" not in volume["cloudInitNoCloud"]
    assert volume["cloudInitNoCloud"]["networkDataSecretRef"] == {"name": "big-cloud-init"}
    secret = find(bundle, "Secret", "big-cloud-init", "web")
    assert len(secret["stringData"]["networkdata"].encode()) > INLINE_LIMIT
    assert wave(secret) < wave(find(bundle, "VirtualMachine", "big", "web"))


def test_without_a_pod_interface_the_first_gateway_becomes_the_default_route() -> None:
    site = _vm_with_many_static_interfaces(2)
    vm = find(compile_site(site), "VirtualMachine", "big", "web")["spec"]["template"]["spec"]
    import yaml

    data = yaml.safe_load(vm["volumes"][0]["cloudInitNoCloud"]["networkData"])
    assert data["ethernets"]["nic00"]["routes"] == [{"to": "0.0.0.0/0", "via": "10.110.0.1"}]
    assert "routes" not in data["ethernets"]["nic01"]


def test_ssh_keys_secret_and_access_credentials(full: Bundle) -> None:
    secret = find(full, "Secret", "web-01-ssh-keys", "web")
    assert secret["stringData"] == {"key1": "ssh-ed25519 AAAAC3Nza ops@example.com"}
    vm = find(full, "VirtualMachine", "web-01", "web")["spec"]["template"]["spec"]
    assert vm["accessCredentials"] == [{"sshPublicKey": {
        "source": {"secret": {"secretName": "web-01-ssh-keys"}}, "propagationMethod": {"noCloud": {}}}}]


def test_service_mesh_annotation_is_on_the_template(full: Bundle) -> None:
    vm = find(full, "VirtualMachine", "web-01", "web")
    assert vm["spec"]["template"]["metadata"]["annotations"]["sidecar.istio.io/inject"] == "true"
    assert "sidecar.istio.io/inject" not in vm["metadata"]["annotations"]  # on the VM it would do nothing
    assert find(full, "Namespace", "web")["metadata"]["labels"]["istio-injection"] == "enabled"


def test_dpdk_vm_gets_dedicated_cpus_hugepages_and_crio_annotations(full: Bundle) -> None:
    vm = find(full, "VirtualMachine", "vnf-1", "nfv")["spec"]["template"]
    domain = vm["spec"]["domain"]
    assert domain["cpu"] == {"cores": 8, "sockets": 1, "threads": 1, "dedicatedCpuPlacement": True,
                             "isolateEmulatorThread": True}
    assert domain["memory"] == {"guest": "8Gi", "hugepages": {"pageSize": "1Gi"}}
    assert domain["devices"]["networkInterfaceMultiqueue"] is True
    assert vm["metadata"]["annotations"]["cpu-quota.crio.io"] == "disable"
    assert {"name": "fast0", "multus": {"networkName": "dpdk-fast"}} in vm["spec"]["networks"]


def test_services_select_template_labels_and_request_pool_and_ip(full: Bundle) -> None:
    svc = find(full, "Service", "web-01-https", "web")
    assert svc["spec"]["type"] == "LoadBalancer"
    assert svc["spec"]["selector"] == {"kubevirt.io/domain": "web-01"}
    vm = find(full, "VirtualMachine", "web-01", "web")
    assert vm["spec"]["template"]["metadata"]["labels"]["kubevirt.io/domain"] == "web-01"
    notes = svc["metadata"]["annotations"]
    assert notes["metallb.io/address-pool"] == "public"
    assert notes["metallb.io/loadBalancerIPs"] == "203.0.113.21"
    assert "loadBalancerIP" not in svc["spec"]
    ssh = find(full, "Service", "db-1-ssh", "db")
    assert ssh["spec"]["type"] == "NodePort" and ssh["spec"]["ports"][0]["port"] == 22


def test_secondary_dns_gets_its_load_balancer(full: Bundle) -> None:
    svc = find(full, "Service", "dns-lb", "openshift-cnv")
    assert svc["spec"]["selector"] == {"k8s-app": "secondary-dns"}
    assert svc["spec"]["ports"] == [{"name": "dns", "port": 53, "targetPort": 5353, "protocol": "UDP"}]
    assert svc["metadata"]["annotations"]["metallb.io/loadBalancerIPs"] == "203.0.113.53"


def test_sync_waves_follow_dependencies(full: Bundle) -> None:
    waves: dict[str, set[int]] = {}
    for m in full.resources():
        waves.setdefault(m["kind"], set()).add(wave(m))
    one = {kind: w.pop() for kind, w in waves.items() if len(w) == 1}
    assert len(one) == len(waves), "every kind sits in exactly one wave"
    assert one["Namespace"] < one["NodeNetworkConfigurationPolicy"] < one["NetworkAttachmentDefinition"]
    assert one["SriovNetworkNodePolicy"] < one["SriovNetwork"]
    assert one["IPAddressPool"] <= one["L2Advertisement"] < one["Service"]
    # the HyperConverged names the migration NAD, so it follows the NADs; VMs come last
    assert one["NetworkAttachmentDefinition"] < one["HyperConverged"] < one["VirtualMachine"]
    assert one["Service"] < one["VirtualMachine"] and one["Secret"] < one["VirtualMachine"]


def test_operator_crs_skip_dry_run_but_core_objects_do_not(full: Bundle) -> None:
    for _, m in full:
        if m["kind"] in ("Kustomization", "Application"):
            continue
        options = m["metadata"]["annotations"].get("argocd.argoproj.io/sync-options", "")
        core = m["apiVersion"] == "v1"
        assert ("SkipDryRunOnMissingResource=true" in options) != core, m["kind"]


def test_application_ignores_injected_macs_and_unplugged_interfaces(full: Bundle) -> None:
    app = find(full, "Application", "dc1-prod")
    spec = app["spec"]
    assert spec["source"] == {"repoURL": "https://git.example.com/infra/dc1.git", "targetRevision": "main",
                              "path": "clusters/dc1-prod"}
    assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    web = next(e for e in spec["ignoreDifferences"] if e.get("name") == "web-01")
    expressions = web["jqPathExpressions"]
    iface = ".spec.template.spec.domain.devices.interfaces[]"
    assert f'{iface} | select(.name == "tenant") | .macAddress' in expressions  # unpinned: KubeMacPool's
    assert f'{iface} | select(.name == "prod") | .macAddress' not in expressions  # pinned: drift must show
    assert f'{iface} | select(.name == "legacy")' in expressions
    assert '.spec.template.spec.networks[] | select(.name == "legacy")' in expressions
    assert "Application" not in render_stream(full)


def test_namespaces_skip_operator_namespaces(full: Bundle) -> None:
    names = {m["metadata"]["name"] for _, m in full if m["kind"] == "Namespace"}
    assert names == {"web", "db", "nfv"}
    for name in names:
        assert "Prune=false" in find(full, "Namespace", name)["metadata"]["annotations"][
            "argocd.argoproj.io/sync-options"]


def test_allocations_override_the_site_macs_and_ips() -> None:
    site = emit_sites.full_site()
    allocations = {("web", "web-01", "tenant"): Addresses("02:a0:00:00:09:09", (ipaddress.IPv4Interface(
        "10.200.0.9/16"),))}
    bundle = compile_site(site, allocations)
    vm = find(bundle, "VirtualMachine", "web-01", "web")["spec"]["template"]["spec"]
    tenant = next(i for i in vm["domain"]["devices"]["interfaces"] if i["name"] == "tenant")
    assert tenant["macAddress"] == "02:a0:00:00:09:09"
    assert '"02:a0:00:00:09:09"' in vm["volumes"][1]["cloudInitNoCloud"]["networkData"]
    untouched = find(bundle, "VirtualMachine", "web-02", "web")["spec"]["template"]["spec"]
    assert "macAddress" not in next(i for i in untouched["domain"]["devices"]["interfaces"] if i["name"] == "tenant")


def test_two_objects_at_one_path_are_an_input_error() -> None:
    site = emit_sites.full_site()
    twin = Network(emit_sites.S, name="prod-web", type="linux-bridge", namespaces=("web",), bridge="br-vm", vlan=999)
    with pytest.raises(KvnetInputError, match="NetworkAttachmentDefinition web/prod-web twice"):
        compile_site(dataclasses.replace(site, networks=(*site.networks, twin)))


def test_output_does_not_depend_on_the_order_of_site_collections() -> None:
    site = emit_sites.full_site()
    shuffled = dataclasses.replace(
        site, vms=tuple(reversed(site.vms)), networks=tuple(reversed(site.networks)),
        node_groups=tuple(reversed(site.node_groups)), pools=tuple(reversed(site.pools)),
    )
    assert render_stream(compile_site(shuffled)) == render_stream(compile_site(site))
