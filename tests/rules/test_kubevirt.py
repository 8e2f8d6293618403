"""KV-* rules: KubeVirt VM specs on sites and manifests, each at the offending line; silent on good input."""

from __future__ import annotations

from pathlib import Path

import pytest
import vmnet_check as _h

HERE = Path(__file__).resolve().parent


check_text, findings_of, lines, line_of, sample_findings = (
    _h.check_text, _h.findings_of, _h.lines, _h.line_of, _h.sample_findings)
site = _h.site

NETS = """\
networks:
  web: {type: linux-bridge, bridge: br-vm, vlan: 110}
"""


def vm_site(interfaces: str, extra: str = "", nets: str = NETS, vm_extra: str = "") -> str:
    """A site with one VM `web-1` in namespace `web` and the given interface lines."""
    body = nets + extra + "vms:\n  - name: web-1\n    namespace: web\n" + vm_extra + "    interfaces:\n"
    body += "".join(f"      - {line}\n" for line in interfaces.strip().splitlines())
    return site(body)


def test_kv01_masquerade_on_secondary_network() -> None:
    text = vm_site("{name: default, network: pod}\n{name: prod, network: web, binding: masquerade}")
    assert lines("KV-01", text) == [line_of(text, "binding: masquerade")]
    assert lines("KV-01", text.replace("binding: masquerade", "binding: bridge")) == []


def test_kv02_bridge_on_pod_network() -> None:
    text = vm_site("{name: default, network: pod, binding: bridge}")
    found = findings_of("KV-02", text)
    assert [f.span.line for f in found] == [line_of(text, "binding: bridge")]
    assert found[0].hint.startswith("use masquerade")
    annotated = vm_site("{name: default, network: pod, binding: bridge}",
                        vm_extra="    annotations: {kubevirt.io/allow-pod-bridge-network-live-migration: \"\"}\n")
    assert lines("KV-02", annotated) == []


VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: vm1, namespace: app}
spec:
  template:
    spec:
      domain:
        devices:
          interfaces:
INTERFACES
      networks:
NETWORKS
"""


def vm_manifest(interfaces: list[str], networks: list[str]) -> str:
    return (VM.replace("INTERFACES", "\n".join(f"          - {i}" for i in interfaces))
            .replace("NETWORKS", "\n".join(f"      - {n}" for n in networks)))


def test_kv03_unpaired_duplicate_and_second_pod_network() -> None:
    text = vm_manifest(
        ["{name: default, masquerade: {}}", "{name: extra, bridge: {}}", "{name: default2, bridge: {}}"],
        ["{name: default, pod: {}}", "{name: default2, pod: {}}", "{name: orphan, multus: {networkName: x}}"])
    found = findings_of("KV-03", text, "vm.yaml")
    messages = " | ".join(f.message for f in found)
    assert "'extra' has no network" in messages
    assert "network 'orphan' has no interface" in messages
    assert "pod network a second time" in messages


def test_kv03_names_kubevirt_rejects_and_non_dns_labels() -> None:
    text = vm_manifest(["{name: default, masquerade: {}}", "{name: Prod_1, bridge: {}}", "{name: 'a.b', bridge: {}}"],
                       ["{name: default, pod: {}}", "{name: Prod_1, multus: {networkName: x}}",
                        "{name: 'a.b', multus: {networkName: y}}"])
    found = findings_of("KV-03", text, "vm.yaml")
    expected = [line_of(text, "{name: Prod_1, bridge"), line_of(text, "{name: 'a.b', bridge")]
    assert [f.span.line for f in found] == expected
    assert "not a DNS label" in found[0].message and "KubeVirt rejects" in found[1].message


def test_kv03_duplicate_interface_names_in_site() -> None:
    text = vm_site("{name: default, network: pod}\n{name: prod, network: web}\n{name: prod, network: web}")
    found = findings_of("KV-03", text)
    assert len(found) >= 1 and found[0].related


def test_kv04_hotplugged_interface_not_virtio() -> None:
    text = vm_site("{name: default, network: pod}\n{name: prod, network: web, hotplug: true, model: e1000e}")
    assert lines("KV-04", text) == [line_of(text, "model: e1000e")]
    assert lines("KV-04", text.replace("model: e1000e", "model: virtio")) == []


def test_kv04_unknown_model_in_manifest() -> None:
    text = vm_manifest(["{name: default, masquerade: {}, model: virtio-net}"], ["{name: default, pod: {}}"])
    assert lines("KV-04", text, "vm.yaml") == [line_of(text, "model: virtio-net")]


def test_kv05_absent_on_pod_network_and_on_sriov_binding() -> None:
    text = vm_site("{name: default, network: pod, state: absent}")
    assert lines("KV-05", text) == [line_of(text, "state: absent")]
    good = vm_site("{name: default, network: pod}\n{name: legacy, network: web, state: absent}")
    assert lines("KV-05", good) == []
    sriov = vm_manifest(["{name: default, masquerade: {}}", "{name: vf, sriov: {}, state: absent}"],
                        ["{name: default, pod: {}}", "{name: vf, multus: {networkName: vf}}"])
    assert lines("KV-05", sriov, "vm.yaml") == [line_of(sriov, "state: absent")]


def test_kv06_more_hotplugged_interfaces_than_free_slots() -> None:
    boot = "".join(f"{{name: n{i}, network: web}}\n" for i in range(5))
    plugged = "".join(f"{{name: h{i}, network: web, hotplug: true}}\n" for i in range(4))
    text = vm_site("{name: default, network: pod}\n" + boot + plugged, vm_extra="    resources: {memory: 2Gi}\n")
    found = findings_of("KV-06", text)
    assert [f.span.line for f in found] == [line_of(text, "name: h3")]
    assert "at most 3 free" in found[0].message
    roomy = text.replace("memory: 2Gi", "memory: 4Gi")
    assert lines("KV-06", roomy) == []  # 16 - 6 = 10 free ports


def test_kv07_hotplug_into_non_migratable_vm() -> None:
    text = vm_site("{name: default, network: pod, binding: bridge}\n{name: prod, network: web, hotplug: true}")
    found = findings_of("KV-07", text)
    assert [f.span.line for f in found] == [line_of(text, "hotplug: true")] and found[0].related
    assert lines("KV-07", text.replace("binding: bridge", "binding: masquerade")) == []


UDN = """\
apiVersion: k8s.ovn.org/v1
kind: UserDefinedNetwork
metadata: {name: tenant-primary, namespace: app}
spec:
  topology: Layer2
  layer2: {role: Primary, subnets: ["10.100.0.0/24"]}
"""
NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: app
LABELS"""


def test_kv08_primary_udn_needs_l2bridge() -> None:
    vm = vm_manifest(["{name: default, masquerade: {}}"], ["{name: default, pod: {}}"])
    text = UDN + "---\n" + vm
    assert lines("KV-08", text, "all.yaml") == [line_of(text, "masquerade: {}")]
    good = UDN + "---\n" + vm.replace("masquerade: {}", "binding: {name: l2bridge}")
    assert lines("KV-08", good, "all.yaml") == []


def test_kv09_primary_udn_namespace_label() -> None:
    unlabeled = NAMESPACE.replace("LABELS", "") + "---\n" + UDN
    assert len(findings_of("KV-09", unlabeled, "all.yaml")) == 1
    labeled = NAMESPACE.replace("LABELS", "  labels: {k8s.ovn.org/primary-user-defined-network: \"\"}\n")
    assert findings_of("KV-09", labeled + "---\n" + UDN, "all.yaml") == []
    label_without_udn = findings_of("KV-09", labeled, "ns.yaml")
    assert len(label_without_udn) == 1 and "no primary UDN" in label_without_udn[0].message


def test_kv10_single_stack_ipv6_openshift() -> None:
    text = vm_site("{name: default, network: pod}").replace(
        "cluster: {name: t,", "cluster: {name: t, ipFamilies: [IPv6],")
    assert lines("KV-10", text) == [line_of(text, "ipFamilies")]
    dual = text.replace("ipFamilies: [IPv6]", "ipFamilies: [IPv4, IPv6]")
    assert lines("KV-10", dual) == []


SERVICE = """\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: app}
spec:
  selector: SELECTOR
  ports: [{port: 80}]
"""


def test_kv11_service_selects_labels_of_the_vm_object_not_its_template() -> None:
    vm = vm_manifest(["{name: default, masquerade: {}}"], ["{name: default, pod: {}}"]).replace(
        "metadata: {name: vm1, namespace: app}", "metadata: {name: vm1, namespace: app, labels: {app: web}}")
    text = vm + "---\n" + SERVICE.replace("SELECTOR", "{app: web}")
    found = findings_of("KV-11", text, "all.yaml")
    assert [f.span.line for f in found] == [line_of(text, "selector: {app: web}")]
    assert "not on its template" in found[0].message and found[0].related


def test_kv11_service_selecting_a_vm_without_pod_network_and_derived_labels() -> None:
    vm = vm_manifest(["{name: sec, bridge: {}}"], ["{name: sec, multus: {networkName: x}}"]).replace(
        "    spec:\n      domain", "    metadata: {labels: {app: web}}\n    spec:\n      domain")
    text = vm + "---\n" + SERVICE.replace("SELECTOR", "{app: web}")
    found = findings_of("KV-11", text, "all.yaml")
    assert len(found) == 1 and "no pod network" in found[0].message
    derived = SERVICE.replace("SELECTOR", "{kubevirt.io/created-by: abc}")
    assert any("derives" in f.message for f in findings_of("KV-11", derived, "svc.yaml"))


def test_kv11_silent_for_services_of_other_workloads() -> None:
    deployment = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: app}
spec: {}
"""
    vm = vm_manifest(["{name: default, masquerade: {}}"], ["{name: default, pod: {}}"])
    text = deployment + "---\n" + vm + "---\n" + SERVICE.replace("SELECTOR", "{app: pods}")
    assert findings_of("KV-11", text, "all.yaml") == []


def test_kv12_secondary_dns_prerequisites() -> None:
    extra = "secondaryDNS: {enabled: true}\n"
    text = vm_site("{name: default, network: pod}\n{name: prod, network: web}", extra=extra,
                   vm_extra="    guestAgent: false\n")
    messages = " | ".join(f.message for f in findings_of("KV-12", text))
    assert "no guest agent" in messages and "base domain" in messages and "nameServerIP" in messages
    good = vm_site("{name: default, network: pod}\n{name: prod, network: web}",
                   extra="secondaryDNS: {enabled: true, nameServerIP: 203.0.113.53}\n").replace(
        "cluster: {name: t,", "cluster: {name: t, baseDomain: example.com,")
    assert lines("KV-12", good) == []


def test_kv13_service_mesh_needs_masquerade() -> None:
    text = vm_site("{name: default, network: pod, binding: bridge}", vm_extra="    serviceMesh: true\n")
    assert lines("KV-13", text) == [line_of(text, "binding: bridge")]
    assert lines("KV-13", text.replace("binding: bridge", "binding: masquerade")) == []
    no_pod = vm_site("{name: prod, network: web}", vm_extra="    serviceMesh: true\n")
    assert lines("KV-13", no_pod) == [line_of(no_pod, "serviceMesh")]


def test_kv14_ssh_without_keys_or_way_in() -> None:
    text = vm_site("{name: prod, network: web}",
                   vm_extra="    ssh: {authorizedKeys: [\"ssh-ed25519 AAAAC3Nza ops@x\"], via: [virtctl]}\n")
    found = findings_of("KV-14", text)
    assert len(found) == 1 and "pod-network interface" in found[0].message
    good = vm_site("{name: default, network: pod}\n{name: prod, network: web}",
                   vm_extra="    ssh: {authorizedKeys: [\"ssh-ed25519 AAAAC3Nza ops@x\"], via: [virtctl]}\n")
    assert lines("KV-14", good) == []


def test_kv14_manifest_secret_missing_from_files() -> None:
    vm = vm_manifest(["{name: default, masquerade: {}}"], ["{name: default, pod: {}}"]).replace(
        "      domain:", """\
      accessCredentials:
      - sshPublicKey:
          source: {secret: {secretName: keys}}
          propagationMethod: {noCloud: {}}
      domain:""")
    other = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: app}\n"
    assert lines("KV-14", vm + "---\n" + other, "all.yaml") == [line_of(vm, "secretName: keys")]
    secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: keys, namespace: app}\n"
    assert lines("KV-14", vm + "---\n" + secret, "all.yaml") == []


@pytest.mark.parametrize("sample", ["minimal", "full"])
def test_kubevirt_rules_silent_on_samples(sample: str) -> None:
    found = sample_findings(sample, "KV-")
    if found is None:
        pytest.skip(f"samples/{sample}/site.yaml not written yet")
    assert found == []


DISKS_VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: vm1, namespace: app}
spec:
  runStrategy: Always
  template:
    spec:
      domain:
        devices:
          disks:
          - {name: containerdisk, disk: {bus: virtio}}
          - {name: cloudinitdisk, disk: {bus: virtio}}
          - {name: installer, cdrom: {bus: sata}}
          interfaces: [{name: default, masquerade: {}}]
      networks: [{name: default, pod: {}}]
      volumes:
      - {name: containerdisk, containerDisk: {image: quay.io/containerdisks/fedora:40}}
"""


def test_kv15_disk_without_a_volume_but_not_an_empty_cdrom() -> None:
    found = findings_of("KV-15", DISKS_VM, "vm.yaml")
    assert [(f.span.line, f.span.column) for f in found] == [(line_of(DISKS_VM, "cloudinitdisk"), 20)]
    assert "'cloudinitdisk'" in found[0].message and "containerdisk" in found[0].message
    fixed = DISKS_VM + "      - {name: cloudinitdisk, cloudInitNoCloud: {userData: '#cloud-config'}}\n"
    assert lines("KV-15", fixed, "vm.yaml") == []
