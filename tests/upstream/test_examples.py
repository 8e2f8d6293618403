"""Issue 5 item 4: the real pipeline on the upstream examples (../shared/upstream-examples).

Each file has a status in index.json (see the README there):
- valid / fixed: the API accepts them, so kvnet gives no error, one file at a time and with the whole folder;
- partial / xref: accepted alone; a cross-file check may flag the missing or mismatched companion;
- suspect: real mistakes, caught where a rule can see them (counted; docs/upstream-examples.md has the count);
- _broken/: verbatim upstream text that must be refused as input (exit 2), never a traceback.

The tables below are the whole truth about what kvnet reports on these files: a finding that appears or
disappears fails a test, so a rule change that touches the examples has to be explained here.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kvnet.check import CheckResult, check_paths
from kvnet.cli import main
from kvnet.findings import Severity
from kvnet.policy import default_policy

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
EXAMPLES = SHARED / "upstream-examples"
DOC = Path(__file__).resolve().parents[2] / "docs" / "upstream-examples.md"


def _index() -> dict[str, dict[str, Any]]:
    path = EXAMPLES / "index.json"
    if not path.is_file():
        return {}
    index: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return index


INDEX = _index()
MISSING = "<upstream examples not found>"
BROKEN = sorted(p.name for p in (EXAMPLES / "_broken").glob("*.txt")) if INDEX else []

# ------------------------------------------------------------------------------------------------ one by one

# Every finding (rule id, severity) a single file gets when checked alone; files not listed get none.
# None is an error: cross-file rules (NAD-01, NAD-04, NAD-08, SRIOV-01, LB-03 ...) only judge a reference
# when the checked files manage that kind of object at all, and a lone partial or xref file holds none.
ONE_BY_ONE: dict[str, set[tuple[str, str]]] = {
    # xref (README item 27): `rootDevices: - 0000:18:00.1` unquoted. Kubernetes (go-yaml, YAML 1.2 here) reads
    # the string, so no type error; YAML 1.1 tools (PyYAML, yamllint's default) read the float 1080.1, which
    # is worth a warning to quote it.
    "sriovnetworknodepolicy/sriovop-quickstart-policy-1.yaml": {("YAML-01", "warning")},
    # valid: bridge CNI `vlan` without "preserveDefaultVlan": false keeps the port in the untagged default
    # VLAN too (default true before containernetworking/plugins#1181; corpus VLAN-04: warning, error on OCP).
    "networkattachmentdefinition/ug-bridge-vlan10.yaml": {("VLAN-04", "warning")},
    "networkattachmentdefinition/ug-bridge-vlan20.yaml": {("VLAN-04", "warning")},
    # valid: a Linux bridge taking the node's DHCP address without copy-mac-from its port (corpus NNCP-04).
    "nodenetworkconfigurationpolicy/knmstate-linux-bridge-maxunavailable.yaml": {("NNCP-04", "warning")},
    "nodenetworkconfigurationpolicy/knmstate-linux-bridge-vlan-trunk.yaml": {("NNCP-04", "warning")},
    "nodenetworkconfigurationpolicy/osd-linux-bridge-dhcp-nodeselector.yaml": {("NNCP-04", "warning")},
    # valid: SSH keys from Secret my-pub-key, which the example does not ship.
    "virtualmachine/ug-ssh-accesscredentials-guest-agent.yaml": {("KV-14", "warning")},
    "virtualmachine/ug-ssh-accesscredentials-nocloud.yaml": {("KV-14", "warning")},
    # partial (its index note): a fragment without template.spec.domain, and a volume without name, which
    # the VM schema requires - the API server refuses the object as written.
    "virtualmachine/osd-cloudinit-static-ip-eth1.yaml": {("API-04", "error")},
    # suspects: see CAUGHT_SUSPECTS
    "kubevirt/ug-migrations-dedicated-network.yaml": {("API-03", "error")},
    "networkattachmentdefinition/whereabouts-fast-ipam-node-slice.yaml": {("IP-04", "error")},
    # the bond's ports under `slaves` (a warning: some nmstate releases reject it, later ones accept it)
    "nodenetworkconfigurationpolicy/osd-bond-active-backup-v1alpha1-slaves.yaml": {
        ("API-02", "error"), ("NNCP-07", "warning")},
    "nodenetworkconfigurationpolicy/osd-ovs-bridge-static-host-ip-per-node.yaml": {("NNCP-06", "error")},
    "sriovnetwork/sriovop-meta-plugins-tuning-vrf.yaml": {("API-01", "error")},
    "sriovnetworknodepolicy/sriovop-intel-netdevice-pfname-typo.yaml": {("API-01", "error")},
    "virtualmachine/osd-sriov-vm-spec-at-wrong-level.yaml": {("API-01", "error"), ("API-04", "error")},
    "virtualmachine/ug-hotplug-add-bridge-iface.yaml": {("API-01", "error"), ("API-04", "error")},
    "virtualmachine/ug-hotplug-add-sriov-iface.yaml": {("API-01", "error"), ("API-04", "error")},
    "virtualmachine/ug-hotplug-unplug-state-absent.yaml": {("API-01", "error"), ("API-04", "error")},
    "virtualmachine/ug-masquerade-ipv6-cloudinit-networkdata.yaml": {("API-01", "error")},
    "virtualmachine/osd-istio-sidecar-vm.yaml": {("KV-15", "error")},
    # suspect, not an error: Argo CD reads spec.sourceHydrator and ignores spec.source (whose four tool blocks
    # it would refuse) and spec.sources; the API stores all three
    "application/argocd-reference-application-kitchen-sink.yaml": {("GIT-06", "warning")},
}

# Valid files that a rule flags with an error because the example itself is wrong. Empty: every error
# reported on a valid example turned out to be a rule judging without its context and was narrowed
# (SRIOV-02 resourceName pattern, SRIOV-03 namespaced SriovNetworks; see docs/upstream-examples.md).
VALID_BUT_FLAGGED: dict[str, set[str]] = {}

# Partial files (deliberate fragments) with errors, checked alone: only the missing-required-field findings
# their index note names (README status legend: "report only the missing-required-field findings named in
# the notes").
PARTIAL_FLAGGED: dict[str, set[str]] = {
    # note: "no domain, disks or networks, and the cloudInitNoCloud volume has no name - a strict schema check
    # (template.spec.domain required, volumes[].name required) flags it"
    "virtualmachine/osd-cloudinit-static-ip-eth1.yaml": {"API-04"},
}

# Suspect files (real mistakes) → the rule ids that catch them, checked alone. A suspect not listed is not
# caught (see docs/upstream-examples.md for what would catch it).
CAUGHT_SUSPECTS: dict[str, set[str]] = {
    # README item 14: `kind: Kubevirt`, the registered kind is KubeVirt
    "kubevirt/ug-migrations-dedicated-network.yaml": {"API-03"},
    # index note: node_slice_size /22 is larger than the /24 range, so no per-node slice can be cut from it
    "networkattachmentdefinition/whereabouts-fast-ipam-node-slice.yaml": {"IP-04"},
    # README item 7: nmstate.io/v1alpha1 is no longer served (`slaves:`, nmstate's old name for `port`, is
    # rejected by some nmstate releases and accepted with a deprecation warning by others: NNCP-07, a warning)
    "nodenetworkconfigurationpolicy/osd-bond-active-backup-v1alpha1-slaves.yaml": {"API-02"},
    # index note: ipv4 on the `type: ovs-bridge` entry, which nmstate drops; the host IP belongs on the
    # ovs-interface (both documents, one NNCP per node)
    "nodenetworkconfigurationpolicy/osd-ovs-bridge-static-host-ip-per-node.yaml": {"NNCP-06"},
    # README item 19: spec.metaPluginsConfig is pruned; the JSON field is metaPlugins
    "sriovnetwork/sriovop-meta-plugins-tuning-vrf.yaml": {"API-01"},
    # README item 18: nicSelector.pfName is pruned; the field is pfNames
    "sriovnetworknodepolicy/sriovop-intel-netdevice-pfname-typo.yaml": {"API-01"},
    # README item 1: spec.domain / spec.networks (VMI layout, pruned) and no spec.template (required)
    "virtualmachine/osd-sriov-vm-spec-at-wrong-level.yaml": {"API-01", "API-04"},
    # README item 15: `template` at the top level (pruned) and no spec (required)
    "virtualmachine/ug-hotplug-add-bridge-iface.yaml": {"API-01", "API-04"},
    "virtualmachine/ug-hotplug-add-sriov-iface.yaml": {"API-01", "API-04"},
    "virtualmachine/ug-hotplug-unplug-state-absent.yaml": {"API-01", "API-04"},
    # README item 13: volumes under spec.template instead of spec.template.spec (pruned)
    "virtualmachine/ug-masquerade-ipv6-cloudinit-networkdata.yaml": {"API-01"},
    # index note: disk cloudinitdisk has no volume (only containerdisk): KubeVirt's webhook refuses the VM
    "virtualmachine/osd-istio-sidecar-vm.yaml": {"KV-15"},
}

# ------------------------------------------------------------------------------------------------ whole folder

# Error findings of the whole-folder run: (file, rule id) → why. All are between examples that were never
# meant to be applied together (different projects and pages), or the documented xref mismatches.
WHOLE_FOLDER_ERRORS: dict[tuple[str, str], str] = {
    # MetalLB pools of unrelated pages reuse the same documentation ranges; together they overlap.
    ("ipaddresspool/osd-doc-example-bgp-adv-dualstack.yaml", "LB-01"):
        "fc00:f853:ccd:e799::/124 is also metallb configsamples' pool 'example'",
    ("ipaddresspool/osd-pool1-dualstack-ranges.yaml", "LB-01"):
        "4.4.4.100-4.4.4.200 lies in 4.4.4.0/24 of another openshift-docs module's pool doc-example-l2",
    ("l2advertisement/metallb-simple-pool-adv-l2.yaml", "LB-01"):
        "the other side of the first overlap (pool 'example' vs doc-example-bgp-adv)",
    # Linux-bridge NADs of user-guide / openshift-docs pages judged against NNCPs of other pages: the folder
    # has NNCPs (creating br1 only), so a NAD's bridge is expected to come from one of them.
    ("networkattachmentdefinition/osd-cnv-bridge-vlan100.yaml", "NAD-04"): "bridge-interface: no NNCP here",
    ("networkattachmentdefinition/ug-bridge-macspoofchk.yaml", "NAD-04"): "br10: no NNCP here",
    ("networkattachmentdefinition/ug-bridge-vlan20.yaml", "NAD-04"): "br2: no NNCP here",
    ("networkattachmentdefinition/ug-hotplug-new-fancy-net.yaml", "NAD-04"):
        "no `bridge` key: the CNI default cni0, which no NNCP creates",
    ("networkattachmentdefinition/ug-linux-bridge-net-ipam.yaml", "NAD-04"): "br10: no NNCP here",
    # ... and a user-guide VLAN NAD on br1 meets the nmstate example's br1, which trunks 100-101, 200-500.
    ("networkattachmentdefinition/ug-bridge-vlan10.yaml", "VLAN-03"):
        "VLAN 10 is not in the trunk of the unrelated nmstate example's br1",
    # ... and the user-guide host-local NAD on br1 (used by the user-guide VM) becomes a multi-node segment
    # once the nmstate examples give br1 an uplink: host-local then hands out the same addresses per node.
    ("networkattachmentdefinition/ug-bridge-host-local-ipam.yaml", "IP-01"):
        "br1 gets an uplink from an unrelated NNCP; alone the bridge has none and IP-01 does not judge",
    # OVN localnet NADs of ovn-kubernetes docs vs the one bridge mapping (provider-network) of openshift-docs.
    ("networkattachmentdefinition/ovnk-localnet-physnet-two-vlans.yaml", "NAD-08"):
        "physnet is mapped on the ovn-kubernetes page's nodes, not by any NNCP here (reported for both NADs)",
    ("networkattachmentdefinition/ovnk-localnet-vlan33-subnets.yaml", "NAD-08"):
        "localnet-network: same, no NNCP here maps it",
    # SR-IOV: the DPDK policy of doc/basic-examples.md was not collected, only its pfName example.
    ("sriovnetwork/sriovop-no-ipam-dpdk.yaml", "SRIOV-01"): "intel_sriov_dpdk: its policy is not in the folder",
    # NAD references: the documented xref / partial companions, and NADs the kubevirt examples do not ship.
    ("virtualmachine/osd-bridge-secondary-network.yaml", "NAD-01"):
        "xref (README item 3): a-bridge-network vs the NAD module's bridge-network",
    ("virtualmachine/osd-ovn-layer2-secondary-vm-server.yaml", "NAD-01"):
        "partial: no namespace, so default; l2-network exists only in my-namespace and ns1",
    ("virtualmachine/ug-sriov-secondary.yaml", "NAD-01"): "partial: sriov-net is defined nowhere on the page",
    ("virtualmachineinstance/kv-vmi-multus-multiple-net.yaml", "NAD-01"):
        "README item 26: examples/ does not ship NAD ptp-conf (alone: no NAD in the file, not judged)",
    ("virtualmachineinstance/kv-vmi-sriov.yaml", "NAD-01"): "README item 26: sriov/sriov-network is not shipped",
    # Upstream KubeVirt example judged as OpenShift: the folder holds openshift-* namespaces, and OpenShift's
    # Multus only lets a VM use NADs of its own namespace, default and the global ones (corpus NAD-02).
    ("virtualmachineinstance/kv-vmi-sriov.yaml", "NAD-02"):
        "sriov/sriov-network from namespace sriov; alone the file shows no OpenShift and NAD-02 does not judge",
    # The files' own structural errors, the same as alone (CAUGHT_SUSPECTS, PARTIAL_FLAGGED).
    ("kubevirt/ug-migrations-dedicated-network.yaml", "API-03"): "suspect: kind Kubevirt",
    ("networkattachmentdefinition/whereabouts-fast-ipam-node-slice.yaml", "IP-04"):
        "suspect: node_slice_size /22 larger than the /24 range",
    ("nodenetworkconfigurationpolicy/osd-bond-active-backup-v1alpha1-slaves.yaml", "API-02"):
        "suspect: nmstate.io/v1alpha1",
    ("nodenetworkconfigurationpolicy/osd-ovs-bridge-static-host-ip-per-node.yaml", "NNCP-06"):
        "suspect: ipv4 on a type: ovs-bridge entry",
    ("sriovnetwork/sriovop-meta-plugins-tuning-vrf.yaml", "API-01"): "suspect: metaPluginsConfig",
    ("sriovnetworknodepolicy/sriovop-intel-netdevice-pfname-typo.yaml", "API-01"): "suspect: nicSelector.pfName",
    ("virtualmachine/osd-sriov-vm-spec-at-wrong-level.yaml", "API-01"): "suspect: spec.domain, spec.networks",
    ("virtualmachine/osd-sriov-vm-spec-at-wrong-level.yaml", "API-04"): "suspect: no spec.template",
    ("virtualmachine/ug-hotplug-add-bridge-iface.yaml", "API-01"): "suspect: top-level template",
    ("virtualmachine/ug-hotplug-add-bridge-iface.yaml", "API-04"): "suspect: no spec",
    ("virtualmachine/ug-hotplug-add-sriov-iface.yaml", "API-01"): "suspect: top-level template",
    ("virtualmachine/ug-hotplug-add-sriov-iface.yaml", "API-04"): "suspect: no spec",
    ("virtualmachine/ug-hotplug-unplug-state-absent.yaml", "API-01"): "suspect: top-level template",
    ("virtualmachine/ug-hotplug-unplug-state-absent.yaml", "API-04"): "suspect: no spec",
    ("virtualmachine/ug-masquerade-ipv6-cloudinit-networkdata.yaml", "API-01"): "suspect: spec.template.volumes",
    ("virtualmachine/osd-istio-sidecar-vm.yaml", "KV-15"): "suspect: disk cloudinitdisk without a volume",
    ("virtualmachine/osd-cloudinit-static-ip-eth1.yaml", "API-04"):
        "partial: no template.spec.domain, a volume without name (its index note)",
}


@pytest.fixture(scope="module")
def examples() -> Path:
    if not INDEX:
        if os.environ.get("CI") == "true":
            pytest.fail(f"upstream examples not found at {EXAMPLES} (required under CI)")
        pytest.skip(f"upstream examples not found at {EXAMPLES}")
    return EXAMPLES


def _check(paths: list[Path]) -> CheckResult:
    return check_paths(paths, default_policy(), cwd=EXAMPLES)


def _findings(result: CheckResult) -> set[tuple[str, str]]:
    return {(f.rule_id, str(f.severity)) for f in result.findings}


def _errors(result: CheckResult) -> set[str]:
    return {f.rule_id for f in result.findings if f.severity >= Severity.ERROR}


@pytest.mark.parametrize("name", sorted(INDEX) or [MISSING])
def test_each_example_alone(examples: Path, name: str) -> None:
    result = _check([examples / name])
    assert result.sites, f"{name}: no model built"
    status = INDEX[name]["status"]
    assert _findings(result) == ONE_BY_ONE.get(name, set()), name
    if status in ("valid", "fixed"):
        assert _errors(result) == VALID_BUT_FLAGGED.get(name, set()), name
    elif status == "suspect":
        assert _errors(result) == CAUGHT_SUSPECTS.get(name, set()), name
    else:  # partial, xref: accepted alone, but for the missing required fields a partial's note names
        assert _errors(result) == PARTIAL_FLAGGED.get(name, set()), name


def test_tables_name_existing_files_of_the_right_status(examples: Path) -> None:
    assert len(INDEX) == 119
    assert all(name in INDEX for name in ONE_BY_ONE)
    assert all(INDEX[name]["status"] in ("valid", "fixed") for name in VALID_BUT_FLAGGED)
    assert all(INDEX[name]["status"] == "suspect" for name in CAUGHT_SUSPECTS)
    assert all(INDEX[name]["status"] == "partial" for name in PARTIAL_FLAGGED)
    assert all(name in INDEX for name, _rule in WHOLE_FOLDER_ERRORS)


@pytest.fixture(scope="module")
def whole_folder(examples: Path) -> CheckResult:
    return _check([examples])


def test_whole_folder_errors_are_exactly_the_expected_ones(whole_folder: CheckResult) -> None:
    found = {(f.span.file, f.rule_id) for f in whole_folder.findings if f.severity >= Severity.ERROR}
    assert found == set(WHOLE_FOLDER_ERRORS)


def test_whole_folder_reads_every_example_into_one_model(whole_folder: CheckResult) -> None:
    assert len(whole_folder.sites) == 1
    assert set(whole_folder.sites[0].files) == set(INDEX)


def test_valid_examples_together_have_no_unexplained_error(whole_folder: CheckResult) -> None:
    for finding in whole_folder.findings:
        status = INDEX.get(finding.span.file, {}).get("status")
        if finding.severity >= Severity.ERROR and status in ("valid", "fixed"):
            assert (finding.span.file, finding.rule_id) in WHOLE_FOLDER_ERRORS, finding


def suspect_count() -> tuple[int, int]:
    suspects = [name for name, info in INDEX.items() if info["status"] == "suspect"]
    return len([name for name in suspects if CAUGHT_SUSPECTS.get(name)]), len(suspects)


def test_suspect_count_is_the_one_documented(examples: Path) -> None:
    caught, total = suspect_count()
    assert total == 13
    text = DOC.read_text(encoding="utf-8")
    assert f"**{caught}/{total}**" in text, "docs/upstream-examples.md must state the suspect count"


@pytest.mark.parametrize("name", BROKEN or [MISSING])
def test_broken_text_is_refused_as_input(examples: Path, name: str) -> None:
    path = examples / "_broken" / name
    result = CliRunner().invoke(main, ["check", str(path)])
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    if name == "osd-whereabouts-dualstack-network-cr.txt":
        # parses as YAML, but has no apiVersion: named on the command line it is refused (in a folder it
        # would be skipped, and `-v` says so)
        assert result.exit_code == 2, result.output
        assert "neither a kvnet Site nor" in result.output.replace(" (apiVersion: kvnet.dev/v1alpha1, kind: Site)", "")
        return
    assert result.exit_code == 2, result.output
    assert "INPUT-01" in result.output and "invalid YAML" in result.output
    assert re.search(rf"{re.escape(name)}:[0-9]+:[0-9]+: error\[INPUT-01\]", result.output)


def test_object_without_api_version_is_refused(examples: Path) -> None:
    path = examples / "_broken" / "osd-whereabouts-dualstack-network-cr.txt"
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2
