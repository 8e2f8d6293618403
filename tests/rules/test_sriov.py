"""SRIOV-* rules: policies, SR-IOV networks and the VMs using them, on sites and manifests."""

from __future__ import annotations

from pathlib import Path

import pytest
import vmnet_check as _h

from kvnet.policy import load_policy

HERE = Path(__file__).resolve().parent


check_text, findings_of, lines, line_of, sample_findings = (
    _h.check_text, _h.findings_of, _h.lines, _h.line_of, _h.sample_findings)
site = _h.site

POLICY = """\
apiVersion: sriovnetwork.openshift.io/v1
kind: SriovNetworkNodePolicy
metadata: {name: NAME, namespace: openshift-sriov-network-operator}
spec:
  resourceName: RESOURCE
  nodeSelector: {feature.node.kubernetes.io/network-sriov.capable: "true"}
  numVfs: 8
  nicSelector: {pfNames: ["PFNAME"]}
  deviceType: DEVICE
"""
NETWORK = """\
apiVersion: sriovnetwork.openshift.io/v1
kind: SriovNetwork
metadata: {name: storage, namespace: NAMESPACE}
spec: {resourceName: RESOURCE, networkNamespace: db, ipam: '{}'}
"""
VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: db-1, namespace: db}
spec:
  template:
    spec:
      domain:
        devices:
          interfaces:
          - {name: default, masquerade: {}}
          - {name: storage, BINDING: {}}
      networks:
      - {name: default, pod: {}}
      - {name: storage, multus: {networkName: storage}}
"""


def policy(name: str = "vmnics", resource: str = "vmnics", pf: str = "ens5f0", device: str = "vfio-pci") -> str:
    return (POLICY.replace("PFNAME", pf).replace("NAME", name).replace("RESOURCE", resource)
            .replace("DEVICE", device))


def network(resource: str = "vmnics", namespace: str = "openshift-sriov-network-operator") -> str:
    return NETWORK.replace("RESOURCE", resource).replace("NAMESPACE", namespace)


def stream(*docs: str) -> str:
    return "---\n".join(docs)


def test_sriov01_resource_no_policy_provides() -> None:
    text = stream(policy(), network(resource="vm_nics"))
    found = findings_of("SRIOV-01", text, "sriov.yaml")
    assert [f.span.line for f in found] == [line_of(text, "resourceName: vm_nics")]
    assert "vmnics" in found[0].message  # names what the policies do provide
    assert findings_of("SRIOV-01", stream(policy(), network()), "sriov.yaml") == []


def test_sriov01_more_vm_interfaces_than_vfs() -> None:
    text = site("""\
        networks:
          storage: {type: sriov, pf: ens5f0, vfRange: "0-0"}
        vms:
          - name: db-{1..3}
            namespace: db
            interfaces:
              - {name: default, network: pod}
              - {name: storage, network: storage}
        """)
    found = findings_of("SRIOV-01", text)
    assert len(found) == 1 and "3 VM interfaces" in found[0].message and "only 2 VFs" in found[0].message


def test_sriov01_site_pf_on_no_node_group() -> None:
    text = site("""\
        networks:
          storage: {type: sriov, pf: ens9, numVfs: 4}
        """)
    found = findings_of("SRIOV-01", text)
    assert [f.span.line for f in found] == [line_of(text, "pf: ens9")]


def test_sriov02_site_pf_not_sriov_capable() -> None:
    text = site("""\
        networks:
          storage: {type: sriov, pf: eno2, numVfs: 4}
        """)
    found = findings_of("SRIOV-02", text)
    assert [f.span.line for f in found] == [line_of(text, "pf: eno2")] and found[0].related


def test_sriov02_policy_rules_of_the_webhook() -> None:
    bad_name = policy(resource="vm.nics")
    assert lines("SRIOV-02", bad_name, "p.yaml") == [line_of(bad_name, "resourceName: vm.nics")]
    edge_dash = policy(resource="vmnics-")
    assert lines("SRIOV-02", edge_dash, "p.yaml") == [line_of(edge_dash, "resourceName: vmnics-")]
    reversed_range = policy(pf="ens5f0#6-2")
    assert len(findings_of("SRIOV-02", reversed_range, "p.yaml")) == 1
    past_num_vfs = policy(pf="ens5f0#4-9")
    found = findings_of("SRIOV-02", past_num_vfs, "p.yaml")
    assert len(found) == 1 and "numVfs 8" in found[0].message
    rdma = policy().replace("deviceType: vfio-pci", "deviceType: vfio-pci\n  isRdma: true")
    assert len(findings_of("SRIOV-02", rdma, "p.yaml")) == 1
    assert findings_of("SRIOV-02", policy(), "p.yaml") == []


def test_sriov02_num_vfs_above_total_vfs() -> None:
    text = site("""\
        networks:
          storage: {type: sriov, pf: ens5f0, numVfs: 32}
        """)
    found = findings_of("SRIOV-02", text)
    assert len(found) == 1 and "exceeds the 16 VFs" in found[0].message
    assert found[0].span.line == line_of(text, "numVfs: 32")


def test_sriov02_overlapping_vf_ranges_swept_per_pf() -> None:
    text = site("""\
        networks:
          storage: {type: sriov, pf: ens5f0, vfRange: "0-11"}
          dpdk-fast: {type: sriov, pf: ens5f0, vfRange: "8-15", dpdk: true}
          more: {type: sriov, pf: ens5f0, vfRange: "12-13"}
        """)
    found = findings_of("SRIOV-02", text)
    # dpdk-fast overlaps storage (8-11); "more" overlaps dpdk-fast (12-13), reported against the range
    # reaching furthest so far
    assert sorted(f.span.line for f in found) == [line_of(text, '"8-15"'), line_of(text, '"12-13"')]
    assert all(f.related for f in found)
    good = text.replace('"0-11"', '"0-7"').replace('"12-13"', '"0-0"').replace("more:", "more-x:")
    assert len(findings_of("SRIOV-02", good)) == 1  # 0-0 still overlaps 0-7: sweep sees it


def test_sriov02_inner_dash_accepted_by_default_and_refused_by_the_old_pattern(tmp_path: Path) -> None:
    # the upstream example doc/api/node-policies-api.md uses `external-intelnics`; the current webhook allows
    # inner dashes (sriov-network-operator#1120), older operators only ^[a-zA-Z0-9_]+$
    dashed = policy(resource="external-intelnics")
    assert findings_of("SRIOV-02", dashed, "p.yaml") == []
    policy_file = tmp_path / ".kvnet.yaml"
    policy_file.write_text("rules:\n  SRIOV-02: {options: {resource_name_pattern: '^[a-zA-Z0-9_]+$'}}\n")
    found = findings_of("SRIOV-02", dashed, "p.yaml", load_policy(policy_file))
    assert [f.span.line for f in found] == [line_of(dashed, "resourceName: external-intelnics")]


def test_sriov03_objects_outside_operator_namespace() -> None:
    policy_elsewhere = policy().replace("namespace: openshift-sriov-network-operator", "namespace: db")
    found = findings_of("SRIOV-03", policy_elsewhere, "sriov.yaml")
    assert [f.span.line for f in found] == [line_of(policy_elsewhere, "namespace: db}")]
    # a network outside the operator namespace may not name another namespace for its NAD
    text = stream(policy(), network(namespace="db"))
    found = findings_of("SRIOV-03", text, "sriov.yaml")
    assert [f.span.line for f in found] == [line_of(text, "networkNamespace: db")]
    assert "drop networkNamespace" in found[0].hint


def test_sriov03_namespaced_network_judged_only_for_older_operators(tmp_path: Path) -> None:
    # since sriov-network-operator#894 (OpenShift 4.20) a SriovNetwork in an application namespace gets its NAD
    # there; the upstream examples put them in `default` without networkNamespace
    text = stream(policy(), network(namespace="db").replace("networkNamespace: db, ", ""))
    assert findings_of("SRIOV-03", text, "sriov.yaml") == []
    policy_file = tmp_path / ".kvnet.yaml"
    policy_file.write_text("rules:\n  SRIOV-03: {options: {namespaced_networks: false}}\n")
    found = findings_of("SRIOV-03", text, "sriov.yaml", load_policy(policy_file))
    assert [f.span.line for f in found] == [line_of(text, "name: storage, namespace: db")]
    assert "networkNamespace: db" in found[0].hint


def test_sriov04_netdevice_vfs_and_wrong_binding_for_vm() -> None:
    text = stream(policy(device="netdevice"), network(), VM.replace("BINDING", "bridge"))
    found = findings_of("SRIOV-04", text, "all.yaml")
    messages = " | ".join(f.message for f in found)
    assert len(found) == 2 and "bridge binding" in messages and "netdevice" in messages
    assert findings_of("SRIOV-04", stream(policy(), network(), VM.replace("BINDING", "sriov")), "all.yaml") == []


def test_sriov04_ipam_on_vm_vf_network() -> None:
    text = stream(policy(), network().replace("ipam: '{}'", "ipam: '{\"type\": \"whereabouts\", "
                                                "\"range\": \"10.9.0.0/24\"}'"), VM.replace("BINDING", "sriov"))
    found = findings_of("SRIOV-04", text, "all.yaml")
    assert len(found) == 1 and "IPAM" in found[0].message


def test_sriov05_hotplugged_sriov_interface() -> None:
    text = site("""\
        networks:
          storage: {type: sriov, pf: ens5f0, numVfs: 8}
        vms:
          - name: db-1
            namespace: db
            interfaces:
              - {name: default, network: pod}
              - {name: storage, network: storage, hotplug: true}
        """)
    assert lines("SRIOV-05", text) == [line_of(text, "hotplug: true")]
    assert lines("SRIOV-05", text.replace(", hotplug: true", "")) == []


@pytest.mark.parametrize("sample", ["minimal", "full"])
def test_sriov_rules_silent_on_samples(sample: str) -> None:
    found = sample_findings(sample, "SRIOV-")
    if found is None:
        pytest.skip(f"samples/{sample}/site.yaml not written yet")
    assert found == []
