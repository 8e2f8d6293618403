"""API-* rules: unknown fields, unserved versions, unknown kinds and missing required fields in manifests."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kvnet.check import check_sources
from kvnet.findings import Finding, Severity
from kvnet.load import load_text
from kvnet.manifests.reader import read_manifests
from kvnet.manifests.structure import KINDS, Shape, suggest_field, unknown_kind
from kvnet.policy import default_policy

API_RULES = ("API-01", "API-02", "API-03", "API-04")

VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata:
  name: vm1
  namespace: app
  labels: {app: vm1}
spec:
  runStrategy: Always
  dataVolumeTemplates: []
  template:
    metadata:
      labels: {app: vm1}
      anythingGoesHere: true
    spec:
      evictionStrategy: LiveMigrate
      domain:
        cpu: {cores: 2}
        memory: {guest: 2Gi}
        devices:
          networkInterfaceMultiqueue: true
          disks: [{name: root, disk: {bus: virtio}}]
          interfaces:
          - {name: default, masquerade: {}, ports: [{port: 22}]}
          - {name: vlan101, bridge: {}, macAddress: "02:aa:bb:00:00:10", model: virtio}
      networks:
      - {name: default, pod: {}}
      - {name: vlan101, multus: {networkName: app/br1-vlan101}}
      volumes:
      - {name: root, containerDisk: {image: quay.io/containerdisks/fedora}}
"""


def api_findings(text: str, name: str = "manifests.yaml") -> list[Finding]:
    source = load_text(textwrap.dedent(text), name)
    found = check_sources({name: source}, default_policy()).findings
    return [f for f in found if f.rule_id in API_RULES]


def only(rule_id: str, found: list[Finding]) -> list[Finding]:
    return [f for f in found if f.rule_id == rule_id]


def test_a_complete_vm_has_no_api_finding() -> None:
    assert api_findings(VM) == []


def test_vmi_layout_on_a_vm_is_unknown_and_its_template_missing() -> None:
    vmi_layout = "  domain: {devices: {}}\n  networks: []\n  templat:\n    metadata:"
    text = VM.replace("  template:\n    metadata:", vmi_layout)
    found = api_findings(text)
    unknown = only("API-01", found)
    assert [f.span.line for f in unknown] == [10, 11, 12]
    assert all(f.severity == Severity.ERROR for f in found)
    domain, networks, templat = unknown
    assert "has no field spec.domain" in domain.message and "prunes" in domain.message
    assert domain.hint.startswith("did you mean spec.template.spec.domain?")
    assert "VMI layout" in domain.hint
    assert networks.hint.startswith("did you mean spec.template.spec.networks?")
    assert templat.hint == "did you mean spec.template?"  # a near name beside it
    missing = only("API-04", found)
    assert len(missing) == 1 and "(spec.template)" in missing[0].message
    assert missing[0].span.line == 7  # the `spec:` it belongs under


def test_template_at_the_top_level_and_no_spec() -> None:
    text = VM.replace("spec:\n  runStrategy: Always\n  dataVolumeTemplates: []\n", "")
    text = textwrap.dedent(text.replace("\n  template:", "\ntemplate:").replace("\n    ", "\n  "))
    found = api_findings(text)
    assert [(f.rule_id, f.span.line) for f in found] == [("API-04", 2), ("API-01", 7)]
    assert found[1].hint == "did you mean spec.template?"
    assert "required field 'spec' is missing at the top level" in found[0].message


def test_volumes_one_level_too_high() -> None:
    text = VM.replace("      volumes:\n      - {name: root", "    volumes:\n      - {name: root")
    found = api_findings(text)
    assert [f.rule_id for f in found] == ["API-01"]
    assert found[0].hint.startswith("did you mean spec.template.spec.volumes?")


def test_unknown_key_in_a_list_item_is_named_with_its_index() -> None:
    text = VM.replace('macAddress: "02:aa', 'macAdress: "02:aa')
    (finding,) = api_findings(text)
    assert "spec.template.spec.domain.devices.interfaces[1].macAdress" in finding.message
    assert finding.hint == "did you mean spec.template.spec.domain.devices.interfaces[1].macAddress?"
    assert (finding.span.line, finding.span.column, finding.span.end_column) == (24, 41, 50)  # the key


def test_free_form_levels_are_not_looked_into() -> None:
    nncp = """\
    apiVersion: nmstate.io/v1
    kind: NodeNetworkConfigurationPolicy
    metadata: {name: br1}
    spec:
      nodeSelector: {node-role.kubernetes.io/worker: ""}
      maxUnavailable: 1
      desiredState:
        interfaces:
        - {name: bond0, type: bond, state: up, link-aggregation: {mode: active-backup, slaves: [eth1, eth2]}}
    """
    assert api_findings(nncp) == []


SRIOV_POLICY = """\
apiVersion: sriovnetwork.openshift.io/v1
kind: SriovNetworkNodePolicy
metadata: {name: intel, namespace: openshift-sriov-network-operator}
spec:
  resourceName: intelnics
  nodeSelector: {feature.node.kubernetes.io/network-sriov.capable: "true"}
  numVfs: 4
  nicSelector: {vendor: "8086", pfName: [ens1f0]}
"""


def test_misspelled_sriov_fields() -> None:
    (finding,) = api_findings(SRIOV_POLICY)
    assert finding.rule_id == "API-01" and finding.span.line == 8
    assert finding.hint == "did you mean spec.nicSelector.pfNames?"
    network = """\
    apiVersion: sriovnetwork.openshift.io/v1
    kind: SriovNetwork
    metadata: {name: net, namespace: openshift-sriov-network-operator}
    spec:
      resourceName: intelnics
      metaPluginsConfig: '{"type": "tuning"}'
    """
    (finding,) = api_findings(network)
    assert finding.hint == "did you mean spec.metaPlugins?"
    assert "SriovNetwork openshift-sriov-network-operator/net has no field spec.metaPluginsConfig" in finding.message


def test_required_sriov_fields() -> None:
    text = SRIOV_POLICY.replace("  numVfs: 4\n", "").replace("pfName", "pfNames")
    (finding,) = api_findings(text)
    assert finding.rule_id == "API-04" and "(spec.numVfs)" in finding.message and finding.span.line == 4


def test_built_in_kinds_are_refused_not_pruned() -> None:
    service = """\
    apiVersion: v1
    kind: Service
    metadata: {name: ssh, namespace: app}
    spec:
      type: NodePort
      selectors: {app: vm1}
      ports: [{nodePort: 30022, targetPort: 22}]
    """
    (unknown,) = only("API-01", api_findings(service))
    (missing,) = only("API-04", api_findings(service))
    assert (unknown.span.line, missing.span.line) == (6, 7)
    assert "strict field validation refuses the object" in unknown.message
    assert unknown.hint == "did you mean spec.selector?"
    assert "(spec.ports[0].port)" in missing.message


def test_hyperconverged_layout_follows_its_version() -> None:
    v1 = """\
    apiVersion: hco.kubevirt.io/v1
    kind: HyperConverged
    metadata: {name: kubevirt-hyperconverged, namespace: openshift-cnv}
    spec:
      virtualization: {liveMigrationConfig: {network: migration}}
    """
    assert api_findings(v1) == []
    (finding,) = api_findings(v1.replace("hco.kubevirt.io/v1", "hco.kubevirt.io/v1beta1"))
    assert finding.rule_id == "API-01" and "spec.virtualization" in finding.message
    beta = v1.replace("hco.kubevirt.io/v1", "hco.kubevirt.io/v1beta1").replace(
        "virtualization: {liveMigrationConfig: {network: migration}}", "liveMigrationConfig: {netwrok: migration}")
    (finding,) = api_findings(beta)
    assert finding.hint == "did you mean spec.liveMigrationConfig.network?"


def test_items_of_a_list_are_checked() -> None:
    item = textwrap.indent(SRIOV_POLICY, "  ").replace("  apiVersion", "- apiVersion", 1)
    listed = "apiVersion: v1\nkind: List\nitems:\n" + item
    assert [f.rule_id for f in api_findings(listed)] == ["API-01"]


@pytest.mark.parametrize(("api_version", "kind", "served"), [
    ("nmstate.io/v1alpha1", "NodeNetworkConfigurationPolicy", False),
    ("nmstate.io/v1beta1", "NodeNetworkConfigurationPolicy", True),
    ("nmstate.io/v1", "NodeNetworkConfigurationPolicy", True),
    ("kubevirt.io/v1alpha3", "VirtualMachine", True),
    ("kubevirt.io/v1alpha2", "VirtualMachine", False),
    ("hco.kubevirt.io/v1alpha1", "HyperConverged", False),
    ("metallb.io/v1beta2", "IPAddressPool", False),
    ("metallb.io/v1beta2", "BGPPeer", True),  # not a kind kvnet knows the versions of
    ("example.com/v9", "Widget", True),
])
def test_served_versions(api_version: str, kind: str, served: bool) -> None:
    text = f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x}}\n"
    found = only("API-02", api_findings(text))
    assert (found == []) == served
    if not served:
        assert found[0].span.line == 1 and found[0].span.column == 13
        assert found[0].hint.startswith(f"use apiVersion: {api_version.split('/')[0]}/")


def test_unserved_nncp_names_the_current_version() -> None:
    text = "apiVersion: nmstate.io/v1alpha1\nkind: NodeNetworkConfigurationPolicy\nmetadata: {name: b}\n"
    (finding,) = api_findings(text)
    assert finding.hint == "use apiVersion: nmstate.io/v1" and "served as v1, v1beta1" in finding.message


@pytest.mark.parametrize(("api_version", "kind", "meant"), [
    ("kubevirt.io/v1", "Kubevirt", "KubeVirt"),
    ("kubevirt.io/v1", "VirtualMachines", "VirtualMachine"),
    ("kubevirt.io/v1", "Gadget", None),
    ("sriovnetwork.openshift.io/v1", "SriovNetworkPolicy", "SriovNetworkNodePolicy"),
    ("metallb.io/v1beta1", "IpAddressPool", "IPAddressPool"),
])
def test_unknown_kinds(api_version: str, kind: str, meant: str | None) -> None:
    text = f"apiVersion: {api_version}\nkind: {kind}\nmetadata: {{name: x}}\n"
    (finding,) = only("API-03", api_findings(text))
    assert finding.span.line == 2
    assert finding.hint == (f"did you mean kind: {meant}?" if meant else f"use a kind of {api_version.split('/')[0]}")


@pytest.mark.parametrize(("api_version", "kind"), [
    ("kubevirt.io/v1", "VirtualMachineInstanceMigration"),
    ("metallb.io/v1beta1", "FRRNewThing"),  # MetalLB's kind list is open: only letter case is judged
    ("k8s.cni.cncf.io/v1beta1", "MultiNetworkPolicy"),
    ("argoproj.io/v1alpha1", "ConfigManagementPlugin"),
])
def test_known_or_unjudged_kinds_pass(api_version: str, kind: str) -> None:
    assert unknown_kind(api_version, kind) == (False, None)


def test_suggestion_prefers_the_single_closest_place_of_the_same_name() -> None:
    # too low: metadata exists at the top and under spec.template; the latter shares more of the path
    assert suggest_field("kubevirt.io/v1", "VirtualMachine", "spec.template.spec.metadata") == "spec.template.metadata"
    # too low inside a list item: the written item index is kept
    assert suggest_field("kubevirt.io/v1", "VirtualMachine",
                         "spec.template.spec.networks[2].interfaces") == "spec.template.spec.domain.devices.interfaces"
    assert suggest_field("kubevirt.io/v1", "VirtualMachine", "spec.template.spec.networks[2].multu") == \
        "spec.template.spec.networks[2].multus"
    # `name` sits equally close under interfaces[], networks[] and volumes[]: no place wins, a similar name does
    assert suggest_field("kubevirt.io/v1", "VirtualMachine", "spec.template.spec.name") == "spec.template.spec.hostname"
    assert suggest_field("example.com/v1", "Widget", "spec.x") is None
    assert suggest_field("kubevirt.io/v1", "VirtualMachine", "spec.template.spec.zzz") is None
    assert suggest_field("kubevirt.io/v1", "VirtualMachine", "spec.template.metadata.zzz") is None


def test_objects_record_unknown_and_missing_fields() -> None:
    source = load_text(SRIOV_POLICY.replace("  numVfs: 4\n", ""), "p.yaml")
    (ref,) = read_manifests(source.documents).site.objects
    assert [(p, s.line) for p, s in ref.unknown_fields] == [("spec.nicSelector.pfName", 7)]
    assert [(p, s.line) for p, s in ref.missing_fields] == [("spec.numVfs", 4)]
    source = load_text(VM, "vm.yaml")
    (ref,) = read_manifests(source.documents).site.objects
    assert ref.unknown_fields == () and ref.missing_fields == ()


def test_site_files_give_no_api_findings(rule_findings: Callable[..., list[Finding]]) -> None:
    site = """\
    apiVersion: kvnet.dev/v1alpha1
    kind: Site
    metadata: {name: t}
    spec:
      cluster: {name: t}
    """
    for rule_id in API_RULES:
        assert rule_findings(rule_id, site) == []


# ------------------------------------------------------------------------------------------------ the tables
# Cross-check of kvnet's field tables against the upstream JSON schemas in ../shared/upstream-schemas (read,
# not shipped): every field a schema has at a level kvnet looks into must be known to kvnet (else API-01
# would flag a valid field), and every field kvnet requires must be required by the schema.

SCHEMAS = Path(__file__).resolve().parents[3] / "shared" / "upstream-schemas"
SCHEMA_FILES = {
    ("kubevirt.io", "VirtualMachine", "v1"): "kubevirt.io/virtualmachine_v1.json",
    ("kubevirt.io", "VirtualMachineInstance", "v1"): "kubevirt.io/virtualmachineinstance_v1.json",
    ("nmstate.io", "NodeNetworkConfigurationPolicy", "v1"): "nmstate.io/nodenetworkconfigurationpolicy_v1.json",
    ("k8s.cni.cncf.io", "NetworkAttachmentDefinition", "v1"): "k8s.cni.cncf.io/networkattachmentdefinition_v1.json",
    ("sriovnetwork.openshift.io", "SriovNetworkNodePolicy", "v1"):
        "sriovnetwork.openshift.io/sriovnetworknodepolicy_v1.json",
    ("sriovnetwork.openshift.io", "SriovNetwork", "v1"): "sriovnetwork.openshift.io/sriovnetwork_v1.json",
    ("metallb.io", "IPAddressPool", "v1beta1"): "metallb.io/ipaddresspool_v1beta1.json",
    ("metallb.io", "L2Advertisement", "v1beta1"): "metallb.io/l2advertisement_v1beta1.json",
    ("metallb.io", "BGPAdvertisement", "v1beta1"): "metallb.io/bgpadvertisement_v1beta1.json",
    ("hco.kubevirt.io", "HyperConverged", "v1beta1"): "hco.kubevirt.io/hyperconverged_v1beta1.json",
    ("hco.kubevirt.io", "HyperConverged", "v1"): "hco.kubevirt.io/hyperconverged_v1.json",
    ("k8s.ovn.org", "UserDefinedNetwork", "v1"): "k8s.ovn.org/userdefinednetwork_v1.json",
    ("k8s.ovn.org", "ClusterUserDefinedNetwork", "v1"): "k8s.ovn.org/clusteruserdefinednetwork_v1.json",
    ("", "Service", "v1"): "core/service-v1.json",
}
# Fields kvnet knows beyond the schema read: still served by releases older than it.
OLDER_FIELDS = {"ipamLifecycle"}


def _schema_level(schema: dict[str, Any]) -> dict[str, Any]:
    return schema.get("items", schema) if schema.get("type") == "array" else schema


def _compare(level: Shape, schema: dict[str, Any], path: str, problems: list[str]) -> None:
    schema = _schema_level(schema)
    props: dict[str, Any] = schema.get("properties", {})
    if not props:
        return  # an open level (ObjectMeta of a CR, preserve-unknown-fields): nothing to compare
    unknown_to_kvnet = sorted(set(props) - set(level.names))
    if unknown_to_kvnet:
        problems.append(f"{path or '<top>'}: kvnet lacks {unknown_to_kvnet}")
    extra = sorted(set(level.names) - set(props) - OLDER_FIELDS)
    if extra and path != "metadata":  # a CRD may constrain a few ObjectMeta fields; the rest still exist
        problems.append(f"{path or '<top>'}: no schema field {extra}")
    not_required = sorted(set(level.required) - set(schema.get("required", [])))
    if not_required:
        problems.append(f"{path or '<top>'}: schema does not require {not_required}")
    for name, child in level.children.items():
        if name in props:
            _compare(child, props[name], f"{path}.{name}" if path else name, problems)


@pytest.mark.parametrize("key", sorted(SCHEMA_FILES), ids=lambda k: f"{k[1]}-{k[2]}")
def test_field_tables_agree_with_the_upstream_schemas(key: tuple[str, str, str]) -> None:
    path = SCHEMAS / SCHEMA_FILES[key]
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"upstream schemas not found at {SCHEMAS} (required under CI)")
        pytest.skip(f"upstream schemas not found at {SCHEMAS}")
    group, kind, version = key
    api = KINDS[(group, kind)]
    problems: list[str] = []
    _compare(api.shape_for(version), json.loads(path.read_text(encoding="utf-8")), "", problems)
    assert problems == []


def test_every_kind_with_a_table_is_cross_checked() -> None:
    assert {(group, kind) for group, kind, _version in SCHEMA_FILES} | {("kubevirt.io", "KubeVirt")} == set(KINDS)
