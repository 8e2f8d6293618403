"""NAD-* rules: each fires on a minimal bad site or manifest stream at the offending line; silent on good input."""

from __future__ import annotations

from pathlib import Path

import pytest
import vmnet_check as _h

HERE = Path(__file__).resolve().parent


check_text, findings_of, lines, line_of, sample_findings = (
    _h.check_text, _h.findings_of, _h.lines, _h.line_of, _h.sample_findings)
SITE_HEAD = _h.SITE_HEAD.replace("""        br-vm: {port: eno2, vlans: ["100-299"]}
""", """        br-vm: {port: eno2, vlans: ["100-299"]}
      ovnBridgeMappings: {physnet-prod: br-ex}
""")


def site(body: str) -> str:
    return _h.site(body, SITE_HEAD)


# ------------------------------------------------------------------------------------------------ NAD-01


def test_nad01_site_network_not_offered_in_vm_namespace() -> None:
    text = site("""\
        networks:
          web: {type: linux-bridge, bridge: br-vm, vlan: 110, namespaces: [web]}
        vms:
          - name: db-1
            namespace: db
            interfaces:
              - {name: default, network: pod}
              - {name: prod, network: web}
        """)
    found = findings_of("NAD-01", text)
    assert [f.span.line for f in found] == [line_of(text, "network: web}")]
    assert "not offered in namespace db" in found[0].message
    assert found[0].related and found[0].hint.startswith("add db")


MANIFEST_NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: br1-vlan101, namespace: app}
spec:
  config: '{"cniVersion": "0.3.1", "name": "br1-vlan101", "type": "bridge", "bridge": "br1", "vlan": 101}'
"""
MANIFEST_VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: vm1, namespace: app}
spec:
  template:
    spec:
      domain:
        devices:
          interfaces:
          - {name: default, masquerade: {}}
          - {name: sec, bridge: {}}
      networks:
      - {name: default, pod: {}}
      - name: sec
        multus: {networkName: NETWORK}
"""


def test_nad01_manifest_vm_names_missing_nad_across_files() -> None:
    text = MANIFEST_NAD + "---\n" + MANIFEST_VM.replace("NETWORK", "br1-vlan102")
    found = findings_of("NAD-01", text, name="all.yaml")
    assert [f.span.line for f in found] == [line_of(text, "br1-vlan102")]
    assert "app/br1-vlan102" in found[0].message


def test_nad01_silent_when_unqualified_name_resolves_in_vm_namespace() -> None:
    text = MANIFEST_NAD + "---\n" + MANIFEST_VM.replace("NETWORK", "br1-vlan101")
    assert findings_of("NAD-01", text, name="all.yaml") == []


def test_nad01_silent_when_no_nad_is_in_the_checked_files() -> None:
    # a VM file alone: its NADs are managed elsewhere, a missing one proves nothing
    assert findings_of("NAD-01", MANIFEST_VM.replace("NETWORK", "elsewhere"), name="vm.yaml") == []


# ------------------------------------------------------------------------------------------------ NAD-02


def test_nad02_cross_namespace_reference_on_openshift() -> None:
    text = site("""\
        networks:
          web: {type: linux-bridge, bridge: br-vm, vlan: 110, namespaces: [web, db]}
        vms:
          - name: db-1
            namespace: db
            interfaces:
              - {name: default, network: pod}
              - {name: prod, network: web/web}
        """)
    assert lines("NAD-02", text) == [line_of(text, "network: web/web")]


def test_nad02_silent_for_default_namespace_and_upstream_kubevirt() -> None:
    text = site("""\
        networks:
          web: {type: linux-bridge, bridge: br-vm, vlan: 110, namespaces: [default, db]}
        vms:
          - name: db-1
            namespace: db
            interfaces:
              - {name: prod, network: default/web}
        """)
    assert lines("NAD-02", text) == []
    upstream = text.replace("cluster: {name: t,", "cluster: {name: t, distribution: kubevirt,").replace(
        "default/web", "web/web").replace("[default, db]", "[web, db]")
    assert lines("NAD-02", upstream) == []


# ------------------------------------------------------------------------------------------------ NAD-03


def test_nad03_invalid_json_and_missing_keys() -> None:
    broken = MANIFEST_NAD.replace('"vlan": 101}', '"vlan": 101,}')
    assert lines("NAD-03", broken, "nad.yaml") == [5]
    missing = MANIFEST_NAD.replace('"cniVersion": "0.3.1", ', "")
    found = findings_of("NAD-03", missing, name="nad.yaml")
    assert [f.span.line for f in found] == [5] and "cniVersion" in found[0].message
    assert findings_of("NAD-03", MANIFEST_NAD, name="nad.yaml") == []


def test_nad03_ovn_ipam_key() -> None:
    text = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: l2, namespace: app}
spec:
  config: |
    {"cniVersion": "0.3.1", "name": "l2", "type": "ovn-k8s-cni-overlay", "topology": "layer2",
     "netAttachDefName": "app/l2",
     "ipam": {"type": "whereabouts", "range": "10.1.0.0/24"}}
"""
    assert lines("NAD-03", text, "nad.yaml") == [8]


# ------------------------------------------------------------------------------------------------ NAD-04


def test_nad04_bridge_no_node_group_creates() -> None:
    text = site("""\
        networks:
          web: {type: linux-bridge, bridge: br-mv, vlan: 110}
        """)
    found = findings_of("NAD-04", text)
    assert [f.span.line for f in found] == [line_of(text, "br-mv")]
    assert "br-vm" in found[0].message  # names the bridges that exist


def test_nad04_bridge_without_uplink() -> None:
    text = site("""\
        networks:
          web: {type: linux-bridge, bridge: br-vm, vlan: 110}
        """).replace("br-vm: {port: eno2, vlans: [\"100-299\"]}", "br-vm: {vlans: [\"100-299\"]}")
    found = findings_of("NAD-04", text)
    assert len(found) == 1 and "no uplink" in found[0].message


def test_nad04_manifest_nad_without_bridge_uses_cni0() -> None:
    nncp = """\
apiVersion: nmstate.io/v1
kind: NodeNetworkConfigurationPolicy
metadata: {name: br1}
spec:
  desiredState:
    interfaces:
    - {name: br1, type: linux-bridge, state: up, bridge: {port: [{name: eth1}]}}
---
"""
    nad = MANIFEST_NAD.replace(', "bridge": "br1"', "")
    found = findings_of("NAD-04", nncp + nad, name="all.yaml")
    assert len(found) == 1 and "'cni0'" in found[0].message
    assert findings_of("NAD-04", nncp + MANIFEST_NAD, name="all.yaml") == []


# ------------------------------------------------------------------------------------------------ NAD-05


def test_nad05_node_group_selects_no_node() -> None:
    text = site("""\
        networks: {}
        """).replace("  nodes:\n", """\
    storage:
      selector: {node-role.kubernetes.io/storage: ""}
      nics: {ens4: {}}
  nodes:
""")
    found = findings_of("NAD-05", text)
    assert [f.span.line for f in found] == [line_of(text, "node-role.kubernetes.io/storage")]


# ------------------------------------------------------------------------------------------------ NAD-06 / NAD-07


OVN_NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: NAME, namespace: NS}
spec:
  config: |
    {"cniVersion": "0.3.1", "name": "tenant", "type": "ovn-k8s-cni-overlay", "topology": "layer2",
     "netAttachDefName": "NADNAME", "mtu": MTU}
"""


def ovn_nad(name: str, ns: str, nad_name: str, mtu: int = 1400) -> str:
    return (OVN_NAD.replace("NADNAME", nad_name).replace("NAME", name).replace("NS", ns)
            .replace("MTU", str(mtu)))


def test_nad06_net_attach_def_name_reversed() -> None:
    text = ovn_nad("l2-net", "app", "l2-net/app")
    found = findings_of("NAD-06", text, name="nad.yaml")
    assert [f.span.line for f in found] == [7] and "app/l2-net" in found[0].hint
    assert findings_of("NAD-06", ovn_nad("l2-net", "app", "app/l2-net"), name="nad.yaml") == []


def test_nad07_same_network_name_different_mtu() -> None:
    text = ovn_nad("a", "app-a", "app-a/a") + "---\n" + ovn_nad("b", "app-b", "app-b/b", mtu=9000)
    found = findings_of("NAD-07", text, name="nads.yaml")
    assert [f.span.line for f in found] == [15]
    assert "mtu" in found[0].message and found[0].related[0].span.line == 1
    same = ovn_nad("a", "app-a", "app-a/a") + "---\n" + ovn_nad("b", "app-b", "app-b/b")
    assert findings_of("NAD-07", same, name="nads.yaml") == []


# ------------------------------------------------------------------------------------------------ NAD-08


def test_nad08_localnet_without_mapping() -> None:
    text = site("""\
        networks:
          prod-localnet: {type: ovn-localnet, physicalNetwork: physnet-db, vlan: 300}
        """)
    assert lines("NAD-08", text) == [line_of(text, "physnet-db")]
    good = text.replace("physnet-db", "physnet-prod")
    assert lines("NAD-08", good) == []


# ------------------------------------------------------------------------------------------------ NAD-09


SRIOV_NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: storage
  namespace: db
  annotations: {k8s.v1.cni.cncf.io/resourceName: RESOURCE}
spec:
  config: '{"cniVersion": "0.3.1", "name": "storage", "type": "sriov", "vlan": 400}'
"""


def test_nad09_sriov_nad_resource_without_prefix() -> None:
    found = findings_of("NAD-09", SRIOV_NAD.replace("RESOURCE", "storage_vfs"), name="nad.yaml")
    assert [f.span.line for f in found] == [6] and "openshift.io/storage_vfs" in found[0].hint
    assert findings_of("NAD-09", SRIOV_NAD.replace("RESOURCE", "openshift.io/storage_vfs"), name="nad.yaml") == []


def test_nad09_sriov_nad_without_annotation() -> None:
    text = SRIOV_NAD.replace("  annotations: {k8s.v1.cni.cncf.io/resourceName: RESOURCE}\n", "")
    assert len(findings_of("NAD-09", text, name="nad.yaml")) == 1


# ------------------------------------------------------------------------------------------------ samples


@pytest.mark.parametrize("sample", ["minimal", "full"])
def test_refs_rules_silent_on_samples(sample: str) -> None:
    found = sample_findings(sample, "NAD-")
    if found is None:
        pytest.skip(f"samples/{sample}/site.yaml not written yet")
    assert found == []
