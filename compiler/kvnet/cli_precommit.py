"""`kvnet precommit FILE...`: check what the staged files belong to (the pre-commit hook's entry).

pre-commit passes the staged YAML/JSON files. Checking them one by one would be wrong for manifests: a VM
in one file refers to a NetworkAttachmentDefinition in another, so a manifest is checked together with its
folder. The targets are:

- a file holding a kvnet Site: that file; a kvnet.lock.yaml: the site files beside it;
- a file holding Kubernetes objects: its manifest folder, the outermost folder above it (inside the
  repository, the root included) that holds a kustomization.yaml, or else the folder the file is in;
- any other YAML (CI config, Helm templates, ...): nothing. A file that does not parse is checked when it
  names kvnet's apiVersion or looks like a manifest (apiVersion and kind, no template braces).

Each target is checked on its own (manifests of two clusters are never merged into one model), and the
findings of all targets make one report. Exit codes are those of `kvnet check`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from kvnet.cli_common import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    EXIT_INPUT,
    FORMATS,
    emit_report,
    guarded,
    input_findings,
    keep_to_exit,
)
from kvnet.errors import KvnetInputError
from kvnet.findings import Finding, Severity, sort_findings
from kvnet.model import Site

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
LOCK_FILE_NAME = "kvnet.lock.yaml"  # kvnet.lockfile.LOCK_NAME, not imported: this module must start fast
_LOOKS_LIKE_MANIFEST = re.compile(r"^\s*apiVersion\s*:.*^\s*kind\s*:|^\s*kind\s*:.*^\s*apiVersion\s*:", re.M | re.S)


def _kinds_in(path: Path) -> tuple[bool, bool]:
    """(holds a kvnet Site, holds Kubernetes objects), judged from the parsed file or, failing that, its text."""
    from kvnet.load import load_file
    from kvnet.site import is_site_document

    try:
        source = load_file(path)
    except KvnetInputError:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False, False
        is_site = "kvnet.dev/" in text
        return is_site, not is_site and "{{" not in text and bool(_LOOKS_LIKE_MANIFEST.search(text))
    site = any(is_site_document(doc.data) for doc in source.documents)
    manifests = any(isinstance(doc.data, dict) and "kind" in doc.data and "apiVersion" in doc.data
                    and not is_site_document(doc.data) for doc in source.documents)
    return site, manifests


def manifest_folder(path: Path, root: Path) -> Path:
    """The outermost folder above `path`, inside `root`, that holds a kustomization; else the file's folder."""
    chosen = path.parent
    for folder in (path.parent, *path.parent.parents):
        if not folder.resolve().is_relative_to(root):
            break
        if any((folder / name).is_file() for name in KUSTOMIZATION_NAMES):
            chosen = folder
    return chosen


def check_targets(files: Iterable[Path], root: Path) -> list[Path]:
    """Site files and manifest folders to check for these staged files, without overlaps, sorted."""
    targets: set[Path] = set()
    for path in files:
        if not path.is_file():
            continue  # deleted or renamed away in this commit
        if path.name == LOCK_FILE_NAME:  # a changed lock is checked against the site(s) beside it
            targets.update(p for p in sorted(path.parent.glob("*.y*ml")) if p.name != LOCK_FILE_NAME
                           and _kinds_in(p)[0])
            continue
        is_site, has_manifests = _kinds_in(path)
        if has_manifests:
            targets.add(manifest_folder(path, root))
        if is_site:
            targets.add(path)
    folders = [t for t in targets if t.is_dir()]

    def covered(target: Path) -> bool:
        resolved = target.resolve()
        return any(f != target and resolved.is_relative_to(f.resolve()) for f in folders)

    return sorted((t for t in targets if not covered(t)), key=lambda p: p.as_posix())


@dataclass
class Combined:
    """The findings of several targets checked one by one, as one result."""

    findings: list[Finding] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    sites: list[Site] = field(default_factory=list)
    unusable: bool = False  # some target's input could not be used (its problems are INPUT-01 findings)


def check_each(targets: Sequence[Path], policy_file: Path | None, cwd: Path) -> Combined:
    """Check every target alone (with its own nearest policy unless one is given) and combine the results."""
    from kvnet.check import check_paths
    from kvnet.policy import discover_policy, load_policy

    combined = Combined()
    findings: set[Finding] = set()
    for target in targets:
        try:
            result = check_paths([target], load_policy(policy_file or discover_policy(target)), cwd=cwd)
        except KvnetInputError as exc:
            combined.unusable = True
            findings.update(input_findings(exc))
            continue
        keep_to_exit(result)
        findings.update(result.findings)
        combined.sources.update({name: src.text for name, src in result.sources.items()})
        combined.sites.extend(result.sites)
    combined.findings = sort_findings(list(findings))
    return combined


@click.command("precommit")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
              help="Exit 1 when a finding is at or above this severity.")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Policy file (default: the .kvnet.yaml nearest to each target).")
@click.option("-v", "--verbose", is_flag=True, help="Say which targets were checked.")
@guarded
def precommit_command(files: tuple[Path, ...], fmt: str, fail_on: str, policy_file: Path | None,
                      verbose: bool) -> int:
    """Check the site files and manifest folders that FILES (staged files) belong to; other YAML is ignored."""
    cwd = Path.cwd()
    targets = check_targets(files, cwd.resolve())
    if verbose:
        click.echo("kvnet: checking " + (", ".join(t.as_posix() for t in targets) or "nothing"), err=True)
    if not targets:
        return EXIT_CLEAN
    result = check_each(targets, policy_file, cwd)
    if result.findings:
        emit_report(result.findings, fmt, result.sources, None)
    if result.unusable:
        return EXIT_INPUT
    threshold = Severity.parse(fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in result.findings) else EXIT_CLEAN
