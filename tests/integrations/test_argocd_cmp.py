"""The Argo CD config management plugin: `kvnet generate` run the way the CMP sidecar runs it.

The repo-server hands the sidecar a copy of the repository and runs the plugin's generate command in the
Application's source folder, with the build environment (ARGOCD_APP_*) and the plugin env (ARGOCD_ENV_*).
"""

from __future__ import annotations

import hashlib
import os
import resource
import shlex
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from integration_support import REPO, line_of, run_kvnet

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


def test_lock_file_is_required_and_confined(repo: Path, good_site: str) -> None:
    app = repo / APP_SOURCE_PATH
    unpinned = good_site.replace("        - {name: lab, network: lab-net, ip: 10.20.0.12/24}",
                                 "        - {name: lab, network: lab-net}")
    assert unpinned != good_site
    (app / "site.yaml").write_text(unpinned, encoding="utf-8")
    without_lock = _generate(app)  # app-2 needs an address: generate never allocates one
    assert without_lock.returncode == 2 and without_lock.stdout == ""
    assert "kvnet lock" in without_lock.stderr
    assert run_kvnet(["lock", "site.yaml"], cwd=app).returncode == 0
    assert _generate(app).returncode == 0
    # the same lock, reached through a symlink that leads out of the repository: refused before it is read
    outside = repo.parent.parent / "outside"
    outside.mkdir()
    (app / "kvnet.lock.yaml").rename(outside / "kvnet.lock.yaml")
    (app / "kvnet.lock.yaml").symlink_to(outside / "kvnet.lock.yaml")
    refused = _generate(app)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "lock file" in refused.stderr and "outside" in refused.stderr


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
    locked = run_kvnet(["lock", "site.yaml"], cwd=app)  # the lock is committed with the site; generate reads it
    assert locked.returncode == 0, locked.stderr[-2000:]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    result = _generate(app)
    elapsed = time.monotonic() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("\nkind: VirtualMachine\n") == 10_000
    # CPU time is what kvnet costs (wall time also counts a busy machine); both well inside Argo CD's 90 s
    assert cpu < 45, f"{cpu:.1f}s of CPU: Argo CD's exec timeout is 90 s by default"
    assert elapsed < 90, f"{elapsed:.1f}s: over Argo CD's default exec timeout of 90 s"


UPSTREAM_REPO_SERVER = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: argocd-repo-server}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: argocd-repo-server}}
  template:
    metadata: {labels: {app.kubernetes.io/name: argocd-repo-server}}
    spec:
      containers:
        - name: argocd-repo-server
          image: quay.io/argoproj/argocd:v3.1.0
          volumeMounts:
            - {name: var-files, mountPath: /var/run/argocd}
            - {name: plugins, mountPath: /home/argocd/cmp-server/plugins}
      volumes:
        - {name: var-files, emptyDir: {}}
        - {name: plugins, emptyDir: {}}
"""


@pytest.mark.tool
def test_sidecar_patch_builds_with_kustomize(tmp_path: Path) -> None:
    from toolcheck import require_tool

    kustomize = require_tool("kustomize", "go install sigs.k8s.io/kustomize/kustomize/v5@v5.7.1")
    (tmp_path / "repo-server.yaml").write_text(UPSTREAM_REPO_SERVER, encoding="utf-8")
    patch = (REPO / "deploy" / "argocd-cmp" / "repo-server-patch.yaml").read_text(encoding="utf-8")
    (tmp_path / "patch.yaml").write_text(patch, encoding="utf-8")
    (tmp_path / "kustomization.yaml").write_text(
        "resources: [repo-server.yaml]\npatches:\n  - path: patch.yaml\n", encoding="utf-8")
    built = subprocess.run([kustomize, "build", str(tmp_path)], capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    pod = yaml.safe_load(built.stdout)["spec"]["template"]["spec"]
    containers = {c["name"]: c for c in pod["containers"]}
    assert set(containers) == {"argocd-repo-server", "kvnet"}, "the sidecar is added, the repo-server kept"
    sidecar = containers["kvnet"]
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    assert sidecar["securityContext"]["runAsUser"] == 999
    volumes = {v["name"] for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in sidecar["volumeMounts"]}
    assert set(mounts.values()) <= volumes
    assert mounts["/var/run/argocd"] == "var-files" and mounts["/home/argocd/cmp-server/plugins"] == "plugins"
    assert mounts["/tmp"] not in {m["name"] for m in containers["argocd-repo-server"].get("volumeMounts", [])}


def test_application_and_openshift_gitops_examples_match_the_plugin() -> None:
    folder = REPO / "deploy" / "argocd-cmp"
    plugin = yaml.safe_load((folder / "plugin.yaml").read_text(encoding="utf-8"))
    app = yaml.safe_load((folder / "application.yaml").read_text(encoding="utf-8"))
    assert app["kind"] == "Application"
    assert app["spec"]["source"]["plugin"]["name"] == plugin["metadata"]["name"]
    assert {"name": "KVNET_SITE", "value": "site.yaml"} in app["spec"]["source"]["plugin"]["env"]
    cr = yaml.safe_load((folder / "argocd-cr-sidecar.yaml").read_text(encoding="utf-8"))
    (sidecar,) = cr["spec"]["repo"]["sidecarContainers"]
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    assert {m["mountPath"] for m in sidecar["volumeMounts"]} >= {"/var/run/argocd", "/home/argocd/cmp-server/plugins",
                                                                 "/tmp"}
