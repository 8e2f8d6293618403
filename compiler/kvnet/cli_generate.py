"""`kvnet generate`: the Argo CD config management plugin entry.

Argo CD's repo-server (through the CMP sidecar) runs the plugin's generate command in the Application's
source folder and applies whatever it prints. So this command:

- prints only manifests on stdout, and nothing at all when the site has errors (exit 1) or cannot be used
  (exit 2): a broken site must never sync, and an empty stream with auto-prune would delete everything;
- reads the site named by the Application's plugin env `KVNET_SITE` (seen as `ARGOCD_ENV_KVNET_SITE`,
  default `site.yaml`) relative to the working folder, and the policy `KVNET_POLICY` relative to the
  repository root;
- never reads outside the repository: the names must be relative and stay inside the working folder once
  symlinks are resolved (the lock file kvnet.lock.yaml beside the site too); the policy `.kvnet.yaml` is
  searched from the site up to the repository root (known from `ARGOCD_APP_SOURCE_PATH`), or in the working
  folder alone when that root is unknown;
- never allocates: MACs and IPs come from the committed kvnet.lock.yaml (Argo CD cannot write to Git);
- never writes anything: manifests go to stdout, messages to stderr.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import click

from kvnet.cli_common import EXIT_CLEAN, EXIT_FINDINGS, guarded
from kvnet.errors import KvnetInputError

if TYPE_CHECKING:
    from kvnet.cli_compile import Compiled

SITE_ENV = "ARGOCD_ENV_KVNET_SITE"
POLICY_ENV = "ARGOCD_ENV_KVNET_POLICY"
DEFAULT_SITE = "site.yaml"
POLICY_FILE_NAME = ".kvnet.yaml"


def confined_path(name: str, folder: Path, what: str) -> Path:
    """`name` (relative, as given in the plugin env) inside `folder`, symlinks resolved; refuse any escape."""
    hint = f"give {what} as a path relative to the Application's source folder, inside it"
    if not name.strip():
        raise KvnetInputError.single(f"{what} is empty", None, hint)
    pure = PurePosixPath(name)
    if pure.is_absolute() or Path(name).is_absolute():
        raise KvnetInputError.single(f"{what} {name!r} is an absolute path; kvnet reads only inside the "
                                     "repository", None, hint)
    if ".." in pure.parts:
        raise KvnetInputError.single(f"{what} {name!r} leaves the source folder (..)", None, hint)
    root = folder.resolve()
    resolved = (root / name).resolve()
    if not resolved.is_relative_to(root):
        raise KvnetInputError.single(f"{what} {name!r} is a symlink that leads outside the source folder", None,
                                     "replace the symlink by the file itself")
    return resolved


def repository_root(folder: Path) -> Path:
    """The repository root, from ARGOCD_APP_SOURCE_PATH (the source folder's path inside the repository).

    Without it (or when it does not match the working folder) the working folder is the boundary.
    """
    source_path = os.environ.get("ARGOCD_APP_SOURCE_PATH", "").strip("/")
    parts = [p for p in PurePosixPath(source_path).parts if p not in (".", "")] if source_path else []
    if not parts or ".." in parts:
        return folder
    if list(folder.parts[-len(parts):]) != parts:
        return folder
    return folder.parents[len(parts) - 1]


def find_policy(site: Path, root: Path) -> Path | None:
    """`.kvnet.yaml` from the site's folder up to `root`, never above it, never through a symlink out."""
    for candidate in (site.parent, *site.parent.parents):
        if not candidate.is_relative_to(root):
            break
        policy = candidate / POLICY_FILE_NAME
        if policy.is_file():
            return confined_path(str(policy.relative_to(root)), root, "the policy file")
        if candidate == root:
            break
    return None


def confine_lock(site: Path, folder: Path) -> None:
    """The lock file beside the site, when there is one, must not be a symlink leading out of the folder."""
    from kvnet.lockfile import lock_path_for

    lock = lock_path_for(site)
    if lock.is_symlink() or lock.exists():
        confined_path(lock.relative_to(folder.resolve()).as_posix(), folder, f"the lock file {lock.name}")


def generate_manifests(folder: Path) -> tuple[str | None, Compiled]:
    """The manifest stream of the site in `folder` (None when errors block it) and the compilation."""
    from kvnet.check import check_paths
    from kvnet.cli_compile import Compiled
    from kvnet.emit.bundle import compile_site, render_stream
    from kvnet.policy import load_policy

    site = confined_path(os.environ.get(SITE_ENV) or DEFAULT_SITE, folder, "the site file (KVNET_SITE)")
    if not site.is_file():
        raise KvnetInputError.single(
            f"no site file {site.relative_to(folder.resolve()).as_posix()} in the source folder", None,
            "add site.yaml, or name the file in the Application: plugin.env KVNET_SITE")
    confine_lock(site, folder)  # the check reads the lock beside the site: refuse one that leads outside first
    policy_name = os.environ.get(POLICY_ENV)
    root = repository_root(folder.resolve())
    policy_file = (confined_path(policy_name, root, "the policy file (KVNET_POLICY)") if policy_name
                   else find_policy(site, root))
    result = check_paths([site], load_policy(policy_file), cwd=folder)
    sites = [s for s in result.sites if s.origin == "site"]
    if len(sites) != 1:
        raise KvnetInputError.single(f"{site.name} must hold exactly one kvnet Site document "
                                     f"(apiVersion: kvnet.dev/v1alpha1, kind: Site); found {len(sites)}", None)
    compiled = Compiled(sites[0], None, result.findings, {n: s.text for n, s in result.sources.items()})
    if compiled.blocked:
        return None, compiled
    from kvnet.cli_lock import lock_allocations  # the lock is required: Argo CD cannot write one (issue 7)

    compiled.bundle = compile_site(sites[0], allocations=lock_allocations(sites[0], site, required=True))
    return render_stream(compiled.bundle), compiled


@click.command("generate")
@guarded
def generate_command() -> int:
    """Argo CD plugin entry: print the manifests of the site in the working folder (KVNET_SITE, default
    site.yaml). Prints nothing on stdout and exits non-zero when the site has errors."""
    from kvnet.cli_compile import report_blocked

    stream, compiled = generate_manifests(Path.cwd())
    if stream is None:
        report_blocked(compiled)
        return EXIT_FINDINGS
    click.echo(stream, nl=False)
    return EXIT_CLEAN
