"""SR-IOV, Service, MetalLB, HyperConverged, Namespace and UDN/CUDN manifests → the model."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

ip = ipaddress.ip_address


def test_sriov_policy_and_network(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: sriovnetwork.openshift.io/v1
kind: SriovNetworkNodePolicy
metadata: {name: vm-nics, namespace: openshift-sriov-network-operator}
spec:
  resourceName: vmnics
  nodeSelector: {feature.node.kubernetes.io/network-sriov.capable: "true"}
  numVfs: 8
  mtu: 9000
  deviceType: vfio-pci
  isRdma: false
  nicSelector: {vendor: "8086", deviceID: "158b", pfNames: ["ens5f0#0-3", "ens5f1"]}
---
apiVersion: sriovnetwork.openshift.io/v1
kind: SriovNetwork
metadata: {name: vmnet-v200, namespace: openshift-sriov-network-operator}
spec:
  resourceName: vmnics
  networkNamespace: app
  vlan: 200
  spoofChk: "on"
  trust: "off"
  ipam: |
    {"type": "host-local", "subnet": "10.56.217.0/24",
     "rangeStart": "10.56.217.171", "rangeEnd": "10.56.217.181"}
"""
    reading = read_yaml(text)
    assert reading.read.problems == []
    (policy,) = reading.read.site.sriov_policies
    assert (policy.name, policy.resource_name, policy.num_vfs, policy.mtu, policy.device_type) == (
        "vm-nics", "vmnics", 8, 9000, "vfio-pci")
    assert (policy.pf_names, policy.vf_range, policy.vendor, policy.device_id) == (
        ("ens5f0", "ens5f1"), (0, 3), "8086", "158b")
    assert policy.node_selector == {"feature.node.kubernetes.io/network-sriov.capable": "true"}
    assert reading.text_at(policy.at("vf_range")) == '"ens5f0#0-3"'
    (net,) = reading.read.site.networks
    assert (net.name, net.type, net.namespaces, net.resource_name, net.vlan) == (
        "vmnet-v200", "sriov", ("app",), "vmnics", 200)
    assert (net.spoof_check, net.trust, net.ipam, net.source_kind) == (True, False, "host-local", "SriovNetwork")
    assert (net.dynamic_ranges[0].start, net.dynamic_ranges[0].end) == (ip("10.56.217.171"), ip("10.56.217.181"))
    assert reading.text_at(net.at("namespaces")) == "app"
    assert reading.text_at(net.dynamic_ranges[0].at("end")) == '"10.56.217.181"'


def test_sriov_network_without_target_namespace_uses_its_own(read_yaml: Callable[..., Any]) -> None:
    text = ("apiVersion: sriovnetwork.openshift.io/v1\nkind: SriovNetwork\nmetadata: {name: n, namespace: x}\n"
            "spec: {resourceName: r, spoofChk: maybe}\n")
    reading = read_yaml(text)
    (net,) = reading.read.site.networks
    assert net.namespaces == ("x",) and net.spoof_check is None
    (problem,) = reading.read.problems
    assert 'must be "on" or "off"' in problem.message


def test_service_lb_requests_from_spec_and_both_annotation_prefixes(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: app
  annotations:
    metallb.universe.tf/loadBalancerIPs: 192.168.50.10, fd00:50::10
    metallb.io/address-pool: vm-pool
spec:
  type: LoadBalancer
  loadBalancerIP: 192.168.50.11
  ipFamilies: [IPv4, IPv6]
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080, protocol: TCP}
  - {name: ssh, port: 22, targetPort: ssh, nodePort: 30022}
---
apiVersion: v1
kind: Service
metadata:
  name: web2
  namespace: app
  annotations: {metallb.io/loadBalancerIPs: 192.168.50.12}
spec: {type: LoadBalancer}
"""
    reading = read_yaml(text)
    assert reading.read.problems == []
    web, web2 = reading.read.site.services
    assert (web.name, web.namespace, web.type, web.selector, web.pool) == ("web", "app", "LoadBalancer",
                                                                         {"app": "web"}, "vm-pool")
    assert web.load_balancer_ips == (ip("192.168.50.11"), ip("192.168.50.10"), ip("fd00:50::10"))
    assert web.ip_families == ("IPv4", "IPv6")
    assert [(p.name, p.port, p.target_port, p.node_port) for p in web.ports] == [
        ("http", 80, 8080, None), ("ssh", 22, "ssh", 30022)]
    assert {"spec.loadBalancerIP", "annotation.loadBalancerIPs"} <= set(web.spans)
    assert reading.text_at(web.at("load_balancer_ips")) == "192.168.50.11"
    assert reading.text_at(web.at("load_balancer_ips[1]")) == "192.168.50.10, fd00:50::10"
    assert reading.text_at(web.at("pool")) == "vm-pool"
    assert web2.load_balancer_ips == (ip("192.168.50.12"),) and web2.selector == {}


def test_metallb_pools_and_advertisements(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: vm-pool, namespace: metallb-system}
spec:
  addresses:
  - 192.168.50.0/28
  - 192.168.60.10-192.168.60.20
  - fd00:50::/126
  autoAssign: false
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: l2, namespace: metallb-system}
spec: {ipAddressPools: [vm-pool]}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: empty, namespace: metallb-system}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: by-label}
spec: {ipAddressPoolSelectors: [{matchLabels: {zone: a}}]}
"""
    reading = read_yaml(text)
    (pool,) = reading.read.site.pools
    assert not pool.auto_assign and pool.namespace == "metallb-system"
    assert [(r.start, r.end) for r in pool.ranges] == [
        (ip("192.168.50.0"), ip("192.168.50.15")), (ip("192.168.60.10"), ip("192.168.60.20")),
        (ip("fd00:50::"), ip("fd00:50::3"))]
    assert reading.text_at(pool.ranges[1].span) == "192.168.60.10-192.168.60.20"
    l2, bgp, by_label = reading.read.site.advertisements
    assert (l2.kind, l2.pools, l2.pool_selectors) == ("L2Advertisement", ("vm-pool",), False)
    assert (bgp.kind, bgp.pools, bgp.pool_selectors) == ("BGPAdvertisement", (), False)
    assert by_label.pool_selectors and "namespace" not in by_label.spans


def test_bad_pool_entry_is_a_problem(read_yaml: Callable[..., Any]) -> None:
    text = ("apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: p}\n"
            "spec: {addresses: [10.0.0.9-10.0.0.1, 10.1.0.0/24]}\n")
    reading = read_yaml(text)
    assert len(reading.read.site.pools[0].ranges) == 1
    (problem,) = reading.read.problems
    assert "neither a CIDR nor a first-last range" in problem.message and problem.span.line == 4


def test_hyperconverged_marks_the_migration_network(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: hco.kubevirt.io/v1beta1
kind: HyperConverged
metadata: {name: kubevirt-hyperconverged, namespace: openshift-cnv}
spec:
  liveMigrationConfig: {network: migration-net}
  featureGates: {deployKubeSecondaryDNS: true, somethingElse: false}
  kubeSecondaryDNSNameServerIP: 192.168.50.53
---
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: migration-net, namespace: openshift-cnv}
spec:
  config: '{"cniVersion": "0.3.1", "name": "m", "type": "macvlan", "master": "eth1",
    "ipam": {"type": "whereabouts", "range": "10.200.5.0/24"}}'
---
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: migration-net, namespace: app}
"""
    reading = read_yaml(text)
    site = reading.read.site
    assert site.hyperconverged is not None
    hco = site.hyperconverged
    assert (hco.live_migration_network, hco.deploy_kube_secondary_dns, hco.kube_secondary_dns_name_server_ip) == (
        "migration-net", True, "192.168.50.53")
    assert hco.feature_gates == {"deployKubeSecondaryDNS": True, "somethingElse": False}
    assert site.migration_network is not None and site.migration_network.namespaces == ("openshift-cnv",)
    assert [n.purpose for n in site.networks] == ["live-migration", ""]
    assert site.migration_network.type == "macvlan"


def test_namespace_and_user_defined_networks(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: v1
kind: Namespace
metadata: {name: tenant-a, labels: {k8s.ovn.org/primary-user-defined-network: ""}}
---
apiVersion: k8s.ovn.org/v1
kind: UserDefinedNetwork
metadata: {name: primary, namespace: tenant-a}
spec:
  topology: Layer2
  layer2: {role: Primary, subnets: [10.100.0.0/24]}
---
apiVersion: k8s.ovn.org/v1
kind: ClusterUserDefinedNetwork
metadata: {name: cudn-localnet}
spec:
  namespaceSelector:
    matchExpressions:
    - {key: kubernetes.io/metadata.name, operator: In, values: [app, app2]}
  network:
    topology: Localnet
    localnet:
      role: Secondary
      physicalNetworkName: physnet1
      vlan: {mode: Access, access: {id: 30}}
      ipam: {mode: Disabled}
      mtu: 1500
---
apiVersion: k8s.ovn.org/v1
kind: ClusterUserDefinedNetwork
metadata: {name: by-team}
spec:
  namespaceSelector: {matchLabels: {team: blue}}
  network: {topology: Layer3, layer3: {role: Primary, subnets: [{cidr: 10.150.0.0/16, hostSubnet: 24}]}}
"""
    reading = read_yaml(text)
    assert reading.read.problems == []
    site = reading.read.site
    (ns,) = site.namespaces
    assert ns.name == "tenant-a" and "k8s.ovn.org/primary-user-defined-network" in ns.labels
    udn, localnet, layer3 = site.networks
    assert (udn.type, udn.role, udn.namespaces, udn.ipam) == ("ovn-layer2", "primary", ("tenant-a",), "ovn")
    assert udn.subnets == (ipaddress.ip_network("10.100.0.0/24"),)
    assert (localnet.type, localnet.namespaces, localnet.physical_network, localnet.vlan, localnet.mtu) == (
        "ovn-localnet", ("app", "app2"), "physnet1", 30, 1500)
    assert localnet.ipam == "none" and localnet.source_kind == "ClusterUserDefinedNetwork"
    assert reading.text_at(localnet.at("physical_network")) == "physnet1"
    assert (layer3.type, layer3.topology, layer3.namespaces) == ("other", "layer3", ())
    assert layer3.subnets == (ipaddress.ip_network("10.150.0.0/16"),)
