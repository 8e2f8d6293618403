"""Folder discovery: YAML and JSON recursively, no hidden folders, no symlinks, no kustomize patches."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvnet.check import DisplayNames, check_paths, discover, display_name
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


def test_found_files_are_sorted_and_other_files_left_out(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "c.json", "notes.txt", ".yaml", ".kvnet.yaml", "kvnet.lock.yaml"):
        (tmp_path / name).write_text("{}\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.yaml").write_text("{}\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.yaml").write_text("{}\n")
    found = discover([tmp_path], default_policy(), tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["a.yml", "b.yaml", "c.json", "sub/a.yaml"]


def test_display_names_match_display_name_inside_and_outside_the_working_folder(tmp_path: Path) -> None:
    work = tmp_path / "work"
    (work / "deep" / "er").mkdir(parents=True)
    inside = work / "deep" / "er" / "vm.yaml"
    outside = tmp_path / "elsewhere.yaml"
    for path in (inside, outside):
        path.write_text(VM)
    (work / "link.yaml").symlink_to(outside)
    names = DisplayNames(work)
    for path in (inside, outside, work / "link.yaml", work / "deep" / ".." / "deep" / "er" / "vm.yaml"):
        assert names(path) == display_name(path, work)
    assert names(inside) == "deep/er/vm.yaml"
    assert names(outside) == outside.as_posix()  # outside the working folder: as given


def test_a_patch_key_spelt_with_an_escape_still_counts(tmp_path: Path) -> None:
    (tmp_path / "vm.yaml").write_text(VM)
    (tmp_path / "stop.yaml").write_text(PATCH)
    (tmp_path / "kustomization.yaml").write_text('"p\\x61tches": [{path: stop.yaml}]\n')
    assert [p.name for p in discover([tmp_path], default_policy(), tmp_path)] == ["vm.yaml"]


def test_a_kustomization_naming_no_patches_is_not_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kvnet.check

    def refuse(*_: object) -> None:
        raise AssertionError("parsed a kustomization that cannot name patches")

    monkeypatch.setattr(kvnet.check, "load_text", refuse)
    (tmp_path / "vm.yaml").write_text(VM)
    (tmp_path / "stop.yaml").write_text(PATCH)
    (tmp_path / "kustomization.yaml").write_text("resources: [vm.yaml, stop.yaml]\n")
    assert [p.name for p in discover([tmp_path], default_policy(), tmp_path)] == ["stop.yaml", "vm.yaml"]
