"""VirtualMachine / VirtualMachineInstance → Vm: interfaces paired with networks, MACs, cloud-init addresses."""

from __future__ import annotations

import base64
import ipaddress
from collections.abc import Callable
from typing import Any

VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: web-1
  namespace: app
spec:
  runStrategy: RerunOnFailure
  template:
    metadata:
      labels: {app: web, tier: front}
      annotations: {sidecar.istio.io/inject: "true"}
    spec:
      accessCredentials:
      - sshPublicKey:
          source: {secret: {secretName: web-keys}}
          propagationMethod: {qemuGuestAgent: {users: [cloud-user]}}
      domain:
        cpu: {cores: 4, dedicatedCpuPlacement: true}
        memory: {guest: 8Gi, hugepages: {pageSize: 1Gi}}
        devices:
          interfaces:
          - {name: default, masquerade: {}}
          - name: prod
            bridge: {}
            model: e1000e
            macAddress: "02:AA:BB:00:00:10"
          - {name: storage, sriov: {}, state: down}
          - {name: passt-net, binding: {name: passt}}
          - {name: lonely, bridge: {}}
      networks:
      - {name: default, pod: {}}
      - {name: prod, multus: {networkName: prod-vlan10}}
      - {name: storage, multus: {networkName: sriov/storage-net}}
      - {name: passt-net, pod: {}}
      - {name: orphan, multus: {networkName: nowhere}}
      volumes:
      - {name: disk, containerDisk: {image: quay.io/containerdisks/fedora:40}}
      - name: cloudinit
        cloudInitNoCloud:
          networkData: |
            version: 2
            ethernets:
              prodnic:
                match: {macaddress: "02:aa:bb:00:00:10"}
                set-name: prodnic
                addresses:
                - 192.168.10.14/24
                - fd00:10::14/64
              eth2:
                addresses: [10.20.0.5/16]
              other:
                match: {macaddress: "02:ff:ff:ff:ff:ff"}
                addresses: [10.99.0.1/24]
"""


def test_interfaces_pair_with_networks(read_yaml: Callable[..., Any]) -> None:
    reading = read_yaml(VM)
    assert reading.read.problems == []
    (vm,) = reading.read.site.vms
    assert (vm.name, vm.namespace, vm.kind, vm.origin, vm.run_strategy) == ("web-1", "app", "VirtualMachine",
                                                                           "manifest", "RerunOnFailure")
    by_name = {i.name: i for i in vm.interfaces}
    assert list(by_name) == ["default", "prod", "storage", "passt-net", "lonely", "orphan"]
    assert (by_name["default"].network, by_name["default"].binding) == ("pod", "masquerade")
    prod = by_name["prod"]
    assert (prod.network, prod.binding, prod.model, prod.mac, prod.network_name) == (
        "prod-vlan10", "bridge", "e1000e", "02:aa:bb:00:00:10", "prod")
    assert reading.text_at(prod.at("mac")) == '"02:AA:BB:00:00:10"'
    assert reading.text_at(prod.at("network")) == "prod-vlan10"
    assert (by_name["storage"].network, by_name["storage"].binding, by_name["storage"].state) == (
        "sriov/storage-net", "sriov", "down")
    assert (by_name["passt-net"].binding, by_name["passt-net"].binding_plugin) == ("passt", "passt")
    assert not by_name["lonely"].paired and by_name["lonely"].network == ""
    assert not by_name["orphan"].paired and by_name["orphan"].network == "nowhere"
    assert all(i.paired for n, i in by_name.items() if n not in ("lonely", "orphan"))


def test_metadata_resources_and_ssh(read_yaml: Callable[..., Any]) -> None:
    (vm,) = read_yaml(VM).read.site.vms
    assert vm.labels == {"app": "web", "tier": "front"} and vm.service_mesh
    assert vm.resources is not None
    assert (vm.resources.cores, vm.resources.dedicated_cpus, vm.resources.memory, vm.resources.hugepages) == (
        4, True, "8Gi", "1Gi")
    assert vm.ssh is not None and (vm.ssh.secret_name, vm.ssh.user) == ("web-keys", "cloud-user")
    assert vm.image == "quay.io/containerdisks/fedora:40"
    assert vm.cloud_init_network


def test_cloud_init_addresses_match_by_mac_and_by_eth_index(read_yaml: Callable[..., Any]) -> None:
    reading = read_yaml(VM)
    (vm,) = reading.read.site.vms
    by_name = {i.name: i for i in vm.interfaces}
    assert by_name["prod"].ips == (ipaddress.ip_interface("192.168.10.14/24"), ipaddress.ip_interface("fd00:10::14/64"))
    # eth2 is the third interface in the guest
    assert by_name["storage"].ips == (ipaddress.ip_interface("10.20.0.5/16"),)
    # an entry whose MAC no interface has configures nothing kvnet knows
    assert all(ipaddress.ip_interface("10.99.0.1/24") not in i.ips for i in vm.interfaces)
    # places point inside the networkData block
    assert reading.text_at(by_name["prod"].at("ips")) == "192.168.10.14/24"
    assert reading.text_at(by_name["prod"].at("ips[1]")) == "fd00:10::14/64"
    assert reading.line_of(by_name["storage"].at("ips")).strip() == "addresses: [10.20.0.5/16]"


def test_running_false_and_missing_binding(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: v}
spec:
  running: false
  template:
    spec:
      domain: {devices: {interfaces: [{name: a}, {name: b}]}}
      networks: [{name: a, pod: {}}, {name: b, multus: {networkName: ns2/nad}}]
"""
    (vm,) = read_yaml(text).read.site.vms
    assert vm.namespace == "default" and vm.run_strategy == "Halted"
    a, b = vm.interfaces
    assert (a.binding, b.binding, b.network) == ("masquerade", "bridge", "ns2/nad")
    assert "binding" not in a.spans  # KubeVirt's default, not written


def test_vmi_reads_its_own_labels_and_cloud_init_v1_and_base64(read_yaml: Callable[..., Any]) -> None:
    v1 = "version: 1\nconfig:\n- {type: physical, name: eth1, subnets: [{type: static, address: 10.5.0.9, " \
         "netmask: 255.255.255.0}]}\n"
    text = f"""\
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: vmi
  labels: {{special: yes-please}}
spec:
  domain: {{devices: {{interfaces: [{{name: default, masquerade: {{}}}}, {{name: sec, bridge: {{}}}}]}}}}
  networks: [{{name: default, pod: {{}}}}, {{name: sec, multus: {{networkName: br}}}}]
  volumes:
  - name: ci
    cloudInitConfigDrive:
      networkDataBase64: {base64.b64encode(v1.encode()).decode()}
"""
    reading = read_yaml(text)
    (vm,) = reading.read.site.vms
    assert vm.kind == "VirtualMachineInstance" and vm.labels == {"special": "yes-please"}
    assert vm.interfaces[1].ips == (ipaddress.ip_interface("10.5.0.9/24"),)
    # decoded text has no place of its own: the base64 field's place stands for it
    assert reading.line_of(vm.interfaces[1].at("ips")).strip().startswith("networkDataBase64:")


def test_openstack_network_data_matches_by_link_mac(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: v}
spec:
  template:
    spec:
      domain: {devices: {interfaces: [{name: sec, bridge: {}, macAddress: "02:00:00:00:00:07"}]}}
      networks: [{name: sec, multus: {networkName: br}}]
      volumes:
      - name: ci
        cloudInitConfigDrive:
          networkData: |
            {"links": [{"id": "l0", "ethernet_mac_address": "02:00:00:00:00:07"}],
             "networks": [{"link": "l0", "type": "ipv4", "ip_address": "10.7.0.7", "netmask": "255.255.0.0"}]}
"""
    reading = read_yaml(text)
    (vm,) = reading.read.site.vms
    assert vm.interfaces[0].ips == (ipaddress.ip_interface("10.7.0.7/16"),)
    assert reading.text_at(vm.interfaces[0].at("ips")) == '"10.7.0.7"'


def test_broken_network_data_is_a_problem_inside_the_block(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: v}
spec:
  template:
    spec:
      volumes:
      - name: ci
        cloudInitNoCloud:
          networkData: |
            version: 2
            ethernets:
              eth0: {addresses: [10.0.0.1/24]
"""
    reading = read_yaml(text)
    (problem,) = reading.read.problems
    assert "networkData cannot be read" in problem.message and "line 3" not in problem.message
    assert problem.span.line >= 11  # inside the block, not at `networkData:`
    assert reading.read.site.vms[0].cloud_init_network


def test_wrong_types_inside_network_data_are_placed_inside_the_block(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: v}
spec:
  template:
    spec:
      domain: {devices: {interfaces: [{name: a, bridge: {}}]}}
      networks: [{name: a, multus: {networkName: br}}]
      volumes:
      - name: ci
        cloudInitNoCloud:
          networkData: |
            version: 2
            ethernets:
              eth0:
                addresses: 10.0.0.1/24
"""
    reading = read_yaml(text)
    (problem,) = reading.read.problems
    assert problem.message.startswith(
        "spec.template.spec.volumes[0].cloudInitNoCloud.networkData.ethernets.eth0.addresses must")
    assert reading.text_at(problem.span) == "10.0.0.1/24" and problem.span.line == 16
    assert reading.read.site.vms[0].interfaces[0].ips == ()


def test_a_vm_without_interfaces_gets_the_implicit_pod_interface(read_yaml: Callable[..., Any]) -> None:
    text = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: plain}
spec:
  template:
    spec:
      domain: {devices: {disks: []}}
---
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: isolated}
spec:
  template:
    spec:
      domain: {devices: {autoattachPodInterface: false}}
"""
    plain, isolated = read_yaml(text).read.site.vms
    (default,) = plain.interfaces
    assert (default.name, default.network, default.binding, default.paired) == ("default", "pod", "masquerade", True)
    assert default.spans == {}
    assert isolated.interfaces == ()
