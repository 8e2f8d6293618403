"""LM-01: the dedicated live-migration network, on sites and on HyperConverged + NAD manifests."""

from __future__ import annotations

from pathlib import Path

import pytest
import vmnet_check as _h

HERE = Path(__file__).resolve().parent


check_text, findings_of, lines, line_of, sample_findings = (
    _h.check_text, _h.findings_of, _h.lines, _h.line_of, _h.sample_findings)
site = _h.site


def migration_site(network: str, vms: str = "") -> str:
    return site("networks:\n  migration: " + network + "\n" + vms)


def test_lm01_migration_network_without_ipam() -> None:
    text = migration_site("{type: linux-bridge, bridge: br-vm, vlan: 250, purpose: live-migration, "
                          "subnet: 10.250.0.0/24, ipam: static}")
    found = findings_of("LM-01", text)
    assert [f.span.line for f in found] == [line_of(text, "ipam: static")]
    good = text.replace("ipam: static", "ipam: whereabouts")
    assert lines("LM-01", good) == []


def test_lm01_vm_on_the_migration_network() -> None:
    text = migration_site("{type: linux-bridge, bridge: br-vm, vlan: 250, purpose: live-migration, "
                          "subnet: 10.250.0.0/24, ipam: whereabouts, namespaces: [openshift-cnv, web]}",
                          "vms:\n  - {name: a, namespace: web, interfaces: [{name: m, network: migration}]}\n")
    found = findings_of("LM-01", text)
    assert [f.span.line for f in found] == [line_of(text, "network: migration}")] and found[0].related


def test_lm01_bridge_missing_on_a_node_group() -> None:
    text = migration_site("{type: linux-bridge, bridge: br-vm, vlan: 250, purpose: live-migration, "
                          "subnet: 10.250.0.0/24, ipam: whereabouts}").replace("  nodes:\n", """\
    storage:
      selector: {node-role.kubernetes.io/storage: ""}
      nics: {ens4: {}}
  nodes:
    - {name: storage-0, group: storage, ip: 192.168.50.21}
""")
    found = findings_of("LM-01", text)
    assert len(found) == 1 and "storage" in found[0].message


HCO = """\
apiVersion: hco.kubevirt.io/v1beta1
kind: HyperConverged
metadata: {name: kubevirt-hyperconverged, namespace: openshift-cnv}
spec:
  liveMigrationConfig:
    network: migration-net
"""
NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: migration-net, namespace: NAMESPACE}
spec:
  config: '{"cniVersion": "0.3.1", "name": "migration-bridge", "type": "macvlan", "master": "eth1",
    "ipam": {"type": "whereabouts", "range": "10.200.5.0/24"}}'
"""


def test_lm01_migration_nad_missing_from_openshift_cnv() -> None:
    text = HCO + "---\n" + NAD.replace("NAMESPACE", "default")
    found = findings_of("LM-01", text, "all.yaml")
    assert [f.span.line for f in found] == [line_of(text, "network: migration-net")]
    assert "openshift-cnv/migration-net" in found[0].message and found[0].related
    assert findings_of("LM-01", HCO + "---\n" + NAD.replace("NAMESPACE", "openshift-cnv"), "all.yaml") == []


def test_lm01_hco_alone_is_not_judged() -> None:
    assert findings_of("LM-01", HCO, "hco.yaml") == []


@pytest.mark.parametrize("sample", ["minimal", "full"])
def test_migration_rule_silent_on_samples(sample: str) -> None:
    found = sample_findings(sample, "LM-")
    if found is None:
        pytest.skip(f"samples/{sample}/site.yaml not written yet")
    assert found == []
