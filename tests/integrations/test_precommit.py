"""The pre-commit hook: `kvnet precommit` target selection, and the real pre-commit running the hook."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from integration_support import REPO, line_of, run_kvnet
from kvnet.cli_precommit import check_targets
from toolcheck import require_tool

HELM_TEMPLATE = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  {{- if .x }}\n"


@pytest.fixture
def workdir(tmp_path: Path, good_site: str) -> Path:
    """A repository with a site and that site's compiled manifests (a kustomization at their root)."""
    lab = tmp_path / "clusters" / "lab"
    lab.mkdir(parents=True)
    (lab / "site.yaml").write_text(good_site, encoding="utf-8")
    compiled = run_kvnet(["compile", "clusters/lab/site.yaml", "-o", "clusters/lab/manifests", "--summary", "none"],
                         cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stderr
    assert (lab / "manifests" / "kustomization.yaml").is_file()
    (tmp_path / "ci.yaml").write_text("on: push\njobs: {}\n", encoding="utf-8")
    (tmp_path / "chart" / "templates").mkdir(parents=True)
    (tmp_path / "chart" / "templates" / "cm.yaml").write_text(HELM_TEMPLATE, encoding="utf-8")
    return tmp_path


def _vm_file(workdir: Path) -> Path:
    return next((workdir / "clusters" / "lab" / "manifests").rglob("app-1.yaml")).relative_to(workdir)


def test_targets_are_sites_and_manifest_folders(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)
    vm = _vm_file(workdir)
    staged = [Path("clusters/lab/site.yaml"), vm, Path("ci.yaml"), Path("chart/templates/cm.yaml"),
              Path("deleted.yaml")]
    assert check_targets(staged, workdir.resolve()) == [Path("clusters/lab/manifests"),
                                                        Path("clusters/lab/site.yaml")]


def test_a_staged_lock_file_checks_the_site_beside_it(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kvnet.lockfile import LOCK_NAME

    monkeypatch.chdir(workdir)
    assert run_kvnet(["lock", "clusters/lab/site.yaml"], cwd=workdir).returncode == 0
    lock = Path("clusters/lab") / LOCK_NAME
    assert lock.is_file()
    assert check_targets([lock], workdir.resolve()) == [Path("clusters/lab/site.yaml")]


def test_manifest_folder_without_kustomization_is_the_files_folder(workdir: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)
    vm = _vm_file(workdir)
    (workdir / "clusters" / "lab" / "manifests" / "kustomization.yaml").unlink()
    assert check_targets([vm], workdir.resolve()) == [vm.parent]


def test_a_staged_manifest_is_checked_with_its_folder(workdir: Path) -> None:
    vm = _vm_file(workdir).as_posix()
    hooked = run_kvnet(["precommit", "-v", vm], cwd=workdir)
    assert hooked.returncode == 0, hooked.stdout + hooked.stderr
    assert "checking clusters/lab/manifests" in hooked.stderr
    # a broken file that was not staged, in the same folder, is seen: the folder was checked, not the file
    nad = next((workdir / "clusters" / "lab" / "manifests").rglob("lab-net.yaml"))
    nad.write_text(nad.read_text(encoding="utf-8") + "spec: [\n", encoding="utf-8")
    broken = run_kvnet(["precommit", vm], cwd=workdir)
    assert broken.returncode == 2
    assert nad.relative_to(workdir).as_posix() + ":" in broken.stdout + broken.stderr


def test_other_yaml_is_left_alone(workdir: Path) -> None:
    result = run_kvnet(["precommit", "-v", "ci.yaml", "chart/templates/cm.yaml"], cwd=workdir)
    assert result.returncode == 0 and result.stdout == ""
    assert "checking nothing" in result.stderr


def test_conflict_in_a_staged_site_fails_with_file_and_line(workdir: Path, bad_site: str) -> None:
    (workdir / "clusters" / "lab" / "site.yaml").write_text(bad_site, encoding="utf-8")
    result = run_kvnet(["precommit", "clusters/lab/site.yaml", "ci.yaml"], cwd=workdir)
    assert result.returncode == 1
    assert f"clusters/lab/site.yaml:{line_of(bad_site, 'ip: 10.20.0.11/24', 2)}:" in result.stdout
    assert "IP-05" in result.stdout


def test_unparsable_site_is_reported_not_skipped(workdir: Path, good_site: str) -> None:
    site = workdir / "clusters" / "lab" / "site.yaml"
    site.write_text(good_site.replace("  nodes:\n", "  nodes: [\n"), encoding="utf-8")
    result = run_kvnet(["precommit", "clusters/lab/site.yaml"], cwd=workdir)
    assert result.returncode == 2
    assert "clusters/lab/site.yaml:" in result.stdout + result.stderr


def test_hook_definition() -> None:
    pre_commit = require_tool("pre-commit", "pip install pre-commit")
    valid = subprocess.run([pre_commit, "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
                           capture_output=True, text=True, check=False)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "kvnet" and hook["language"] == "python"
    assert hook["entry"] == "kvnet precommit" and hook["pass_filenames"] is True


# ------------------------------------------------------------------------------------------ real pre-commit


def _git(args: list[str], cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.mark.tool
@pytest.mark.slow
def test_pre_commit_try_repo(tmp_path: Path, good_site: str, bad_site: str) -> None:
    """pre-commit installs kvnet from this repository (HEAD) into its own venv and runs the hook."""
    pre_commit = require_tool("pre-commit", "pip install pre-commit")
    if _git(["status", "--porcelain", "--", ".pre-commit-hooks.yaml"], REPO):
        pytest.fail(".pre-commit-hooks.yaml has uncommitted changes: try-repo would test the committed one")
    head = _git(["rev-parse", "HEAD"], REPO)
    broken_site = good_site.replace("vlan: 20\n", "vlan: twenty\n")  # a schema error: exit 2
    user = tmp_path / "user-repo"
    for name, text in (("good", good_site), ("bad", bad_site), ("broken", broken_site)):
        (user / "clusters" / name).mkdir(parents=True)
        (user / "clusters" / name / "site.yaml").write_text(text, encoding="utf-8")
    _git(["init", "-q"], user)
    _git(["add", "."], user)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}

    def hook(*sites: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([pre_commit, "try-repo", str(REPO), "kvnet", "--ref", head, "--verbose",
                               "--files", *sites], cwd=user, env=env, capture_output=True, text=True,
                              timeout=900, check=False)

    # two runs only: each try-repo installs kvnet (with its dependencies from PyPI) into a fresh venv
    passed = hook("clusters/good/site.yaml")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "kvnet" in passed.stdout and "Passed" in passed.stdout
    failed = hook("clusters/good/site.yaml", "clusters/bad/site.yaml", "clusters/broken/site.yaml")
    assert failed.returncode == 1 and "Failed" in failed.stdout, failed.stdout + failed.stderr
    assert f"clusters/broken/site.yaml:{line_of(good_site, 'vlan: 20')}:" in failed.stdout
    assert f"clusters/bad/site.yaml:{line_of(bad_site, 'ip: 10.20.0.11/24', 2)}:" in failed.stdout
    assert "IP-05" in failed.stdout
    assert "clusters/good/" not in failed.stdout, "the good site has no finding"
