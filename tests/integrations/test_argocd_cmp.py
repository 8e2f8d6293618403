"""The Argo CD config management plugin: `kvnet generate` run the way the CMP sidecar runs it.

The repo-server hands the sidecar a copy of the repository and runs the plugin's generate command in the
Application's source folder, with the build environment (ARGOCD_APP_*) and the plugin env (ARGOCD_ENV_*).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from kvnet_tests_integration_support import REPO, line_of, run_kvnet

APP_SOURCE_PATH = "clusters/lab"


def _argocd_env(**plugin_env: str) -> dict[str, str]:
    env = {
        "ARGOCD_APP_NAME": "lab-network",
        "ARGOCD_APP_NAMESPACE": "openshift-gitops",
        "ARGOCD_APP_PROJECT_NAME": "default",
        "ARGOCD_APP_REVISION": "0123456789abcdef0123456789abcdef01234567",
        "ARGOCD_APP_SOURCE_PATH": APP_SOURCE_PATH,
        "ARGOCD_APP_SOURCE_REPO_URL": "https://git.example.com/infra/network.git",
        "ARGOCD_APP_SOURCE_TARGET_REVISION": "main",
        "KUBE_VERSION": "1.31",
    }
    env.update({f"ARGOCD_ENV_{name}": value for name, value in plugin_env.items()})
    return env


@pytest.fixture
def repo(tmp_path: Path, good_site: str) -> Path:
    """A copy of a GitOps repository (inside a parent folder the plugin must never look at)."""
    root = tmp_path / "checkout" / "repo"
    app = root / APP_SOURCE_PATH
    app.mkdir(parents=True)
    (app / "site.yaml").write_text(good_site, encoding="utf-8")
    (root / "README.md").write_text("network repo\n", encoding="utf-8")
    return root


def _generate(app: Path, **plugin_env: str) -> subprocess.CompletedProcess[str]:
    return run_kvnet(["generate"], cwd=app, env=_argocd_env(**plugin_env))


def _snapshot(folder: Path) -> dict[str, str]:
    """Every entry under `folder` with a digest of its content (symlinks by target)."""
    state = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        if path.is_symlink():
            state[key] = "link:" + os.readlink(path)
        elif path.is_file():
            state[key] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            state[key] = "dir"
    return state


def test_stdout_is_exactly_the_compiled_manifests(repo: Path) -> None:
    app = repo / APP_SOURCE_PATH
    before = _snapshot(repo.parent)
    generated = _generate(app)
    assert generated.returncode == 0, generated.stderr
    assert generated.stderr == ""
    compiled = run_kvnet(["compile", "site.yaml", "-o", "-", "--summary", "none"], cwd=app)
    assert compiled.returncode == 0, compiled.stderr
    assert generated.stdout == compiled.stdout
    objects = [d for d in yaml.safe_load_all(generated.stdout) if d is not None]
    assert objects, "some manifests are generated"
    assert all({"apiVersion", "kind", "metadata"} <= set(o) for o in objects)
    assert {"NodeNetworkConfigurationPolicy", "NetworkAttachmentDefinition", "VirtualMachine"} <= \
        {o["kind"] for o in objects}
    assert _snapshot(repo.parent) == before, "generate wrote into the repository (or next to it)"


def test_site_named_by_the_plugin_env(repo: Path, good_site: str) -> None:
    app = repo / APP_SOURCE_PATH
    (app / "site.yaml").unlink()
    (app / "sites").mkdir()
    (app / "sites" / "lab.yaml").write_text(good_site, encoding="utf-8")
    result = _generate(app, KVNET_SITE="sites/lab.yaml")
    assert result.returncode == 0, result.stderr
    assert any(d and d["kind"] == "VirtualMachine" for d in yaml.safe_load_all(result.stdout))


def test_site_with_errors_never_reaches_stdout(repo: Path, bad_site: str) -> None:
    app = repo / APP_SOURCE_PATH
    (app / "site.yaml").write_text(bad_site, encoding="utf-8")
    before = _snapshot(repo.parent)
    result = _generate(app)
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"site.yaml:{line_of(bad_site, 'ip: 10.20.0.11/24', 2)}:" in result.stderr
    assert "IP-05" in result.stderr and "not compiled" in result.stderr
    assert _snapshot(repo.parent) == before


def test_unusable_site_is_exit_2_with_the_place(repo: Path, good_site: str) -> None:
    app = repo / APP_SOURCE_PATH
    (app / "site.yaml").write_text(good_site.replace("vlan: 20\n", "vlan: twenty\n"), encoding="utf-8")
    result = _generate(app)
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"site.yaml:{line_of(good_site, 'vlan: 20')}:" in result.stderr


def test_missing_site_says_how_to_name_it(repo: Path) -> None:
    app = repo / APP_SOURCE_PATH
    result = _generate(app, KVNET_SITE="nothere.yaml")
    assert result.returncode == 2 and result.stdout == ""
    assert "nothere.yaml" in result.stderr and "KVNET_SITE" in result.stderr


@pytest.mark.parametrize("name, why", [
    ("{outside}", "absolute path"),
    ("../../../outside/site.yaml", "leaves the source folder"),
    ("sub/../../site.yaml", "leaves the source folder"),
])
def test_site_names_that_escape_are_refused(repo: Path, good_site: str, name: str, why: str) -> None:
    outside = repo.parent.parent / "outside"
    outside.mkdir()
    (outside / "site.yaml").write_text(good_site, encoding="utf-8")
    app = repo / APP_SOURCE_PATH
    result = _generate(app, KVNET_SITE=name.format(outside=outside / "site.yaml"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert why in result.stderr


@pytest.mark.parametrize("link", ["site.yaml", "linked/site.yaml"])
def test_symlinks_that_lead_outside_are_refused(repo: Path, good_site: str, link: str) -> None:
    outside = repo.parent.parent / "outside"
    outside.mkdir()
    (outside / "site.yaml").write_text(good_site, encoding="utf-8")
    app = repo / APP_SOURCE_PATH
    (app / "site.yaml").unlink()
    if link == "site.yaml":
        (app / "site.yaml").symlink_to(outside / "site.yaml")
    else:
        (app / "linked").symlink_to(outside, target_is_directory=True)
    result = _generate(app, KVNET_SITE=link)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "symlink" in result.stderr and "outside" in result.stderr


def test_symlink_inside_the_repository_is_fine(repo: Path, good_site: str) -> None:
    app = repo / APP_SOURCE_PATH
    (app / "site.yaml").rename(app / "real.yaml")
    (app / "site.yaml").symlink_to("real.yaml")
    result = _generate(app)
    assert result.returncode == 0, result.stderr


def test_policy_comes_from_the_repository_only(repo: Path, bad_site: str) -> None:
    app = repo / APP_SOURCE_PATH
    (app / "site.yaml").write_text(bad_site, encoding="utf-8")
    silence = "rules:\n  IP-05: {enabled: false}\n"
    # above the repository root (known from ARGOCD_APP_SOURCE_PATH): never read
    (repo.parent / ".kvnet.yaml").write_text(silence, encoding="utf-8")
    assert _generate(app).returncode == 1
    # at the repository root: the repository's own policy applies
    (repo / ".kvnet.yaml").write_text(silence, encoding="utf-8")
    result = _generate(app)
    assert result.returncode == 0, result.stderr
    # named in the plugin env, but leading out of the repository: refused
    refused = _generate(app, KVNET_POLICY="../.kvnet.yaml")
    assert refused.returncode == 2 and refused.stdout == ""


def test_discovery_command_matches_kvnet_sites_only(tmp_path: Path, good_site: str) -> None:
    plugin = yaml.safe_load((REPO / "deploy" / "argocd-cmp" / "plugin.yaml").read_text(encoding="utf-8"))
    command = plugin["spec"]["discover"]["find"]["command"]

    def discover(folder: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)

    kvnet_app, other_app, empty_app = (tmp_path / n for n in ("kvnet", "other", "empty"))
    for folder in (kvnet_app, other_app, empty_app):
        folder.mkdir()
    (kvnet_app / "site.yaml").write_text(good_site.replace("apiVersion: kvnet.dev/v1alpha1",
                                                           'apiVersion: "kvnet.dev/v1alpha1"'), encoding="utf-8")
    (other_app / "site.yaml").write_text("title: my blog\ntheme: hugo\n", encoding="utf-8")
    found = discover(kvnet_app)
    assert found.returncode == 0 and found.stdout.strip(), shlex.join(command)
    assert discover(other_app).returncode != 0 or not discover(other_app).stdout.strip()
    assert discover(empty_app).returncode != 0 or not discover(empty_app).stdout.strip()


def test_plugin_config_is_a_v2_cmp_running_generate() -> None:
    plugin = yaml.safe_load((REPO / "deploy" / "argocd-cmp" / "plugin.yaml").read_text(encoding="utf-8"))
    assert plugin["apiVersion"] == "argoproj.io/v1alpha1" and plugin["kind"] == "ConfigManagementPlugin"
    assert plugin["metadata"]["name"] == "kvnet" and "version" not in plugin["spec"]
    assert plugin["spec"]["generate"]["command"] == ["kvnet", "generate"]
    assert len(plugin["spec"]["discover"]) == 1, "Argo CD evaluates only one discovery method"


def test_sidecar_image_runs_as_999_with_the_plugin_config() -> None:
    dockerfile = (REPO / "deploy" / "argocd-cmp" / "Dockerfile").read_text(encoding="utf-8")
    instructions = [ln.strip() for ln in dockerfile.splitlines() if ln.strip() and not ln.startswith("#")]
    assert [ln for ln in instructions if ln.startswith("USER ")][-1] == "USER 999"
    assert "COPY deploy/argocd-cmp/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml" in instructions
    for line in instructions:  # every file copied from the build context exists (context = repo root)
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (REPO / source).exists(), f"{source} is copied by the Dockerfile but missing"


@pytest.mark.slow
def test_ten_thousand_vms_generate_well_inside_the_argocd_timeout(repo: Path, good_site: str) -> None:
    app = repo / APP_SOURCE_PATH
    text = good_site.replace("subnet: 10.20.0.0/24", "subnet: 10.20.0.0/16")
    groups = "".join(
        f"    - name: vm{g}-{{0001..2500}}\n      namespace: lab\n      interfaces:\n"
        "        - {name: default, network: pod}\n        - {name: lab, network: lab-net}\n"
        for g in range(4))
    (app / "site.yaml").write_text(text[: text.index("  vms:")] + "  vms:\n" + groups, encoding="utf-8")
    started = time.monotonic()
    result = _generate(app)
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("\nkind: VirtualMachine\n") == 10_000
    assert elapsed < 45, f"{elapsed:.1f}s: Argo CD's exec timeout is 90 s by default"
