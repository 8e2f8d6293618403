"""Folder discovery: YAML and JSON recursively, no hidden folders, no symlinks, no kustomize patches."""

from __future__ import annotations

from pathlib import Path

from kvnet.check import check_paths, discover
from kvnet.policy import default_policy

VM = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: vm-1, namespace: vms}
spec:
  runStrategy: Always
  template:
    spec:
      domain:
        devices:
          interfaces: [{name: default, masquerade: {}}]
      networks: [{name: default, pod: {}}]
"""
PATCH = """\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: vm-1, namespace: vms}
spec:
  runStrategy: Halted
"""


def test_kustomize_patches_are_not_checked_as_objects(tmp_path: Path) -> None:
    (tmp_path / "vm.yaml").write_text(VM)
    (tmp_path / "stop.yaml").write_text(PATCH)
    (tmp_path / "json.yaml").write_text("- {op: replace, path: /spec/runStrategy, value: Halted}\n")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "smp.yaml").write_text(PATCH)
    without = check_paths([tmp_path], default_policy(), cwd=tmp_path)
    assert any(f.rule_id == "API-04" and f.span.file == "stop.yaml" for f in without.findings)
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [vm.yaml]\n"
        "patches:\n  - path: stop.yaml\n  - path: json.yaml\n    target: {kind: VirtualMachine}\n"
        "patchesStrategicMerge: [more/smp.yaml]\n"
    )
    files = [p.name for p in discover([tmp_path], default_policy(), tmp_path)]
    assert files == ["vm.yaml"]
    with_kustomization = check_paths([tmp_path], default_policy(), cwd=tmp_path)
    assert [f for f in with_kustomization.findings if f.rule_id.startswith("API-")] == []


def test_a_patch_named_on_the_command_line_is_still_checked(tmp_path: Path) -> None:
    (tmp_path / "stop.yaml").write_text(PATCH)
    (tmp_path / "kustomization.yaml").write_text("patches:\n  - path: stop.yaml\n")
    assert [p.name for p in discover([tmp_path / "stop.yaml"], default_policy(), tmp_path)] == ["stop.yaml"]


def test_hidden_folders_and_symlinks_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "vm.yaml").write_text(VM)
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.yaml").write_text(VM)
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text(VM)
    (tmp_path / "link.yaml").symlink_to(outside)
    assert [p.name for p in discover([tmp_path], default_policy(), tmp_path)] == ["vm.yaml"]
