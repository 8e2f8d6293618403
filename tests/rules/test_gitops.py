"""GIT-* rules: Argo CD ordering and drift, judged on the metadata of manifests."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import vmnet_check as _h

from kvnet.policy import load_policy

HERE = Path(__file__).resolve().parent


check_text, findings_of, lines, line_of, sample_findings = (
    _h.check_text, _h.findings_of, _h.lines, _h.line_of, _h.sample_findings)

SUBSCRIPTION = """\
apiVersion: operators.coreos.com/v1alpha1
kind: Subscription
metadata:
  name: kubernetes-nmstate-operator
  namespace: openshift-nmstate
  annotations: {argocd.argoproj.io/sync-wave: "-9"}
spec: {name: kubernetes-nmstate-operator, channel: stable}
"""
NNCP = """\
apiVersion: nmstate.io/v1
kind: NodeNetworkConfigurationPolicy
metadata:
  name: br-vm
ANNOTATIONS
spec:
  desiredState:
    interfaces:
    - {name: br1, type: linux-bridge, state: up, bridge: {port: [{name: eth1}]}}
"""
NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata:
  name: br1-vlan101
  namespace: app
  annotations: {argocd.argoproj.io/sync-wave: "WAVE"}
spec:
  config: '{"cniVersion": "0.3.1", "name": "br1-vlan101", "type": "bridge", "bridge": "br1", "vlan": 101}'
"""


def nncp(annotations: dict[str, str]) -> str:
    if not annotations:
        return NNCP.replace("ANNOTATIONS\n", "")
    lines_ = "  annotations:\n" + "".join(f'    {k}: "{v}"\n' for k, v in annotations.items())
    return NNCP.replace("ANNOTATIONS\n", lines_)


def stream(*docs: str) -> str:
    return "---\n".join(docs)


def test_git01_cr_synced_with_its_operator_needs_skip_dry_run() -> None:
    text = stream(SUBSCRIPTION, nncp({"argocd.argoproj.io/sync-wave": "-6"}))
    found = findings_of("GIT-01", text, "all.yaml")
    assert len(found) == 1 and "SkipDryRunOnMissingResource" in found[0].message
    assert found[0].span.line == line_of(text, 'sync-wave: "-6"')  # the NNCP's annotations
    assert found[0].related[0].span.line == 1  # the Subscription
    fixed = stream(SUBSCRIPTION, nncp({"argocd.argoproj.io/sync-wave": "-6",
                                       "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true"}))
    assert findings_of("GIT-01", fixed, "all.yaml") == []


def test_git01_cr_in_the_operators_wave() -> None:
    text = stream(SUBSCRIPTION, nncp({"argocd.argoproj.io/sync-wave": "-9",
                                      "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true"}))
    found = findings_of("GIT-01", text, "all.yaml")
    wave_lines = [i for i, line in enumerate(text.splitlines(), 1) if 'sync-wave: "-9"' in line]
    assert [f.span.line for f in found] == [wave_lines[1]] and "wave -9" in found[0].message


def test_git01_silent_without_operator_in_the_sync() -> None:
    assert findings_of("GIT-01", nncp({"argocd.argoproj.io/sync-wave": "-6"}), "nncp.yaml") == []


def test_git02_nncp_not_before_the_nads() -> None:
    text = stream(nncp({"argocd.argoproj.io/sync-wave": "0"}), NAD.replace("WAVE", "0"))
    found = findings_of("GIT-02", text, "all.yaml")
    assert [f.span.line for f in found] == [line_of(text, 'sync-wave: "0"')] and found[0].related


def test_git02_ordered_but_without_health_check_and_with_it() -> None:
    text = stream(nncp({"argocd.argoproj.io/sync-wave": "-6"}), NAD.replace("WAVE", "-5"))
    found = findings_of("GIT-02", text, "all.yaml")
    assert len(found) == 1 and "health check" in found[0].message
    with tempfile.TemporaryDirectory() as folder:
        policy_file = Path(folder) / ".kvnet.yaml"
        policy_file.write_text("rules:\n  GIT-02: {options: {nncp_health_check: true}}\n")
        told = load_policy(policy_file)
    assert findings_of("GIT-02", text, "all.yaml", told) == []


def test_git02_silent_without_argo_cd_in_sight() -> None:
    text = stream(nncp({}), NAD.replace('  annotations: {argocd.argoproj.io/sync-wave: "WAVE"}\n', ""))
    assert findings_of("GIT-02", text, "all.yaml") == []


METALLB = """\
apiVersion: metallb.io/v1beta1
kind: MetalLB
metadata: {name: metallb, namespace: metallb-system, annotations: {argocd.argoproj.io/sync-wave: "-8"}}
"""
POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: public
  namespace: metallb-system
  annotations: {argocd.argoproj.io/sync-wave: "WAVE"}
spec: {addresses: [203.0.113.10-203.0.113.50]}
"""


def test_git03_pool_synced_with_the_metallb_cr() -> None:
    text = stream(METALLB, POOL.replace("WAVE", "-8"))
    found = findings_of("GIT-03", text, "all.yaml")
    assert [f.span.line for f in found] == [line_of(text, "kind: IPAddressPool") + 4]
    assert findings_of("GIT-03", stream(METALLB, POOL.replace("WAVE", "-5")), "all.yaml") == []


VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: vm1, namespace: app, annotations: {argocd.argoproj.io/sync-wave: "0"}}
spec:
  template:
    spec:
      domain:
        devices:
          interfaces:
          - {name: default, masquerade: {}MAC}
      networks:
      - {name: default, pod: {}}
"""


def test_git04_vm_without_pinned_mac_drifts() -> None:
    text = VM.replace("MAC", "")
    assert lines("GIT-04", text, "vm.yaml") == [line_of(text, "masquerade: {}")]
    pinned = VM.replace("MAC", ', macAddress: "02:a0:00:00:00:10"')
    assert lines("GIT-04", pinned, "vm.yaml") == []
    opted_out = ("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: app\n"
                 "  labels: {mutatevirtualmachines.kubemacpool.io: ignore}\n---\n" + text)
    assert lines("GIT-04", opted_out, "all.yaml") == []


TWO_NIC_VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: vm1, namespace: app, annotations: {argocd.argoproj.io/sync-wave: "0"}}
spec:
  template:
    spec:
      domain:
        devices:
          interfaces:
          - {name: default, masquerade: {}}
          - {name: prod, bridge: {}}
      networks:
      - {name: default, pod: {}}
      - {name: prod, multus: {networkName: prod}}
"""
APPLICATION = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: site, namespace: openshift-gitops}
spec:
  ignoreDifferences:
  - {group: GROUP, kind: VirtualMachine, NAMEPATHS}
"""


def application(paths: str, group: str = "kubevirt.io") -> str:
    return APPLICATION.replace("GROUP", group).replace("NAMEPATHS", paths)


@pytest.mark.parametrize(("paths", "still_drifting"), [
    # what kvnet compile writes: one jq path per VM and interface
    ('name: vm1, namespace: app, jqPathExpressions: [\'.spec.template.spec.domain.devices.interfaces[] | '
     'select(.name == "default") | .macAddress\']', ["prod"]),
    ("jsonPointers: [/spec/template/spec/domain/devices/interfaces]", []),
    ("jsonPointers: [/spec/template/spec/domain/devices/interfaces/1/macAddress]", ["default"]),
    ("jqPathExpressions: ['.spec.template.spec.domain.devices.interfaces[].macAddress']", []),
    ("jqPathExpressions: ['.spec.template.spec.domain.devices.interfaces[0]']", ["prod"]),
    ("jqPathExpressions: ['.spec.template']", []),
    # entries for another VM, another field, or an expression kvnet does not read ignore nothing here
    ("name: vm2, jsonPointers: [/spec/template/spec/domain/devices/interfaces]", ["default", "prod"]),
    ("jsonPointers: [/spec/template/spec/domain/firmware]", ["default", "prod"]),
    ("jqPathExpressions: ['.spec.template.spec.domain.devices.interfaces | map(.macAddress)']", ["default", "prod"]),
])
def test_git04_macs_the_application_ignores_do_not_drift(paths: str, still_drifting: list[str]) -> None:
    text = stream(application(paths), TWO_NIC_VM)
    found = findings_of("GIT-04", text, "all.yaml")
    if not still_drifting:
        assert found == []
        return
    assert len(found) == 1
    assert found[0].message.split(" interfaces ")[1].split(" have ")[0] == ", ".join(
        repr(n) for n in still_drifting)


def test_git04_ignore_entry_for_another_group_or_a_wildcard() -> None:
    everything = "jsonPointers: [/spec/template/spec/domain/devices/interfaces]"
    assert len(findings_of("GIT-04", stream(application(everything, group="apps"), TWO_NIC_VM), "all.yaml")) == 1
    assert findings_of("GIT-04", stream(application(everything, group='"*"'), TWO_NIC_VM), "all.yaml") == []


def test_git_rules_do_not_judge_site_files() -> None:
    path = _h.ROOT / "samples" / "full" / "site.yaml"
    if not path.exists():
        pytest.skip("samples/full/site.yaml not written yet")
    found = [f for f in check_text(path.read_text(), "full.yaml") if f.rule_id.startswith("GIT-")]
    assert found == []


APP_SOURCES = """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: vm-network, namespace: openshift-gitops}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc}
SOURCES
"""


def app_with(sources: str) -> str:
    return APP_SOURCES.replace("SOURCES", sources.rstrip("\n"))


def test_git05_a_source_with_two_tools_is_refused() -> None:
    text = app_with("""\
  source:
    repoURL: https://git.example.com/vm-network.git
    path: clusters/prod
    kustomize: {namePrefix: prod-}
    directory: {recurse: true}
""")
    found = findings_of("GIT-05", text, "app.yaml")
    assert [f.span.line for f in found] == [line_of(text, "directory:")]
    assert "kustomize, directory" in found[0].message
    assert [r.span.line for r in found[0].related] == [line_of(text, "kustomize:")]
    assert lines("GIT-05", text.replace("    directory: {recurse: true}\n", ""), "app.yaml") == []


def test_git05_judges_each_of_several_sources_and_the_hydrators_dry_source() -> None:
    text = app_with("""\
  sources:
  - {repoURL: https://git.example.com/a.git, path: a, helm: {}}
  - {repoURL: https://git.example.com/b.git, path: b, helm: {}, plugin: {name: x}}
""")
    assert lines("GIT-05", text, "app.yaml") == [line_of(text, "plugin:")]
    hydrated = app_with("""\
  sourceHydrator:
    drySource: {repoURL: https://git.example.com/a.git, path: a, kustomize: {}, helm: {}}
    syncSource: {targetBranch: env/prod, path: a}
""")
    assert lines("GIT-05", hydrated, "app.yaml") == [line_of(hydrated, "drySource")]


def test_git06_fields_argo_cd_ignores_and_git05_stays_silent_on_them() -> None:
    text = app_with("""\
  source:
    repoURL: https://git.example.com/vm-network.git
    path: clusters/old
    kustomize: {}
    directory: {}
  sources:
  - {repoURL: https://git.example.com/vm-network.git, path: clusters/prod}
""")
    found = findings_of("GIT-06", text, "app.yaml")
    assert [(f.span.line, str(f.severity)) for f in found] == [(line_of(text, "  source:"), "warning")]
    assert "spec.source is ignored, Argo CD reads spec.sources" in found[0].message
    assert "kustomize, directory blocks would be refused" in found[0].message
    assert [r.span.line for r in found[0].related] == [line_of(text, "  sources:")]
    assert lines("GIT-05", text, "app.yaml") == []  # the two tools are in the source Argo CD ignores
    hydrated = text + "  sourceHydrator:\n    drySource: {repoURL: https://git.example.com/a.git, path: a}\n"
    assert lines("GIT-06", hydrated, "app.yaml") == [line_of(text, "  source:"), line_of(text, "  sources:")]
    assert lines("GIT-06", app_with("  sources: []\n  source: {repoURL: r, path: p}\n"), "app.yaml") == []
