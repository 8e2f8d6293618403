"""The checking spine: load → model → graph → rules → findings, one stage at a time.

Input problems (unreadable files, YAML errors, schema violations) are collected across all files of a
stage and raised together as one KvnetInputError before any later stage runs, so users see every input
error in one run and rules never see a broken model.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kvnet.errors import InputProblem, KvnetInputError
from kvnet.findings import Finding, Problem, sort_findings
from kvnet.load import Document, LoadLimits, SourceFile, load_file, load_text, read_text
from kvnet.model import Site
from kvnet.policy import Policy
from kvnet.span import Span, file_span

YAML_SUFFIXES = (".yaml", ".yml", ".json")
SKIP_DIRS = {".git", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache", ".ruff_cache"}


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    sources: dict[str, SourceFile] = field(default_factory=dict)
    sites: list[Site] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for -v: skipped files and documents


def display_name(path: Path, cwd: Path, *, cwd_resolved: Path | None = None) -> str:
    """The name findings use: relative to the working folder when inside it, POSIX separators.
    (`cwd_resolved`: `cwd.resolve()` when the caller already has it; `DisplayNames` names many files.)"""
    try:
        return path.resolve().relative_to(cwd_resolved or cwd.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def kustomize_patches(kustomization: Path) -> set[Path]:
    """Files a kustomization applies as patches: partial objects, not manifests of their own.

    An unreadable kustomization names no patches here; kustomize itself reports it.
    """
    try:
        text = read_text(kustomization)
        # a large repository's kustomization lists thousands of resources: not parsed when no key can be a
        # patch key (the word is not written, and no escape could spell it)
        if "patches" not in text and "\\" not in text:
            return set()
        documents = load_text(text, str(kustomization)).documents
    except KvnetInputError:
        return set()
    data = documents[0].data if documents else None
    if not isinstance(data, dict):
        return set()
    named: list[object] = list(data.get("patchesStrategicMerge") or [])
    for key in ("patches", "patchesJson6902"):
        entries = data.get(key) or []
        named += [e.get("path") for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []
    folder = kustomization.parent
    return {(folder / item).resolve() for item in named if isinstance(item, str) and "\n" not in item}


def _folder_files(folder: Path) -> tuple[list[str], list[str]]:
    """YAML/JSON files (as paths) and kustomization files under `folder`, symlinks and skipped folders left
    out. os.scandir tells files, folders and symlinks apart without a system call per file."""
    files: list[str] = []
    kustomizations: list[str] = []
    pending = [str(folder)]
    while pending:
        current = pending.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError:  # unreadable: as os.walk, pass over it
            continue
        for entry in entries:
            name = entry.name
            try:  # (answered from the listing; a file system without file types asks, and may fail)
                if entry.is_symlink():
                    continue
                is_dir = entry.is_dir()
            except OSError:  # gone since the listing
                continue
            if is_dir:
                if name not in SKIP_DIRS and not name.startswith("."):
                    pending.append(entry.path)
            elif name in KUSTOMIZATIONS:
                kustomizations.append(entry.path)
            elif name.endswith(YAML_SUFFIXES) and name not in (*YAML_SUFFIXES, ".kvnet.yaml", "kvnet.lock.yaml"):
                files.append(entry.path)
    return files, sorted(kustomizations)


def discover(paths: Sequence[Path], policy: Policy, cwd: Path) -> list[Path]:
    """Files to check: files given as such, and YAML/JSON files found recursively in folders (leaving out
    kustomize patches, which are partial objects)."""
    found: list[Path] = []
    patches: set[Path] = set()
    missing: list[InputProblem] = []
    for path in paths:
        if path.is_dir():
            files, kustomizations = _folder_files(path)
            found.extend(map(Path, files))
            for kustomization in kustomizations:
                patches |= kustomize_patches(Path(kustomization))
        elif path.is_file():
            found.append(path)
        else:
            missing.append(InputProblem(f"no such file or folder: {path}", None))
    if missing:
        raise KvnetInputError(missing)
    if patches:
        named = {p for p in paths if p.is_file()}
        found = [p for p in found if p in named or p.resolve() not in patches]
    unique = sorted(dict.fromkeys(found), key=lambda p: p.as_posix())
    if not policy.ignore:
        return unique
    names = DisplayNames(cwd)
    return [p for p in unique if not policy.ignores(names(p))]


class DisplayNames:
    """`display_name` for many files: each folder is resolved, made relative and listed (for its symbolic
    links, which display_name resolves) once."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.root = cwd.resolve()
        self._prefixes: dict[str, str | None] = {}  # folder as written → "relative/folder/" (None: outside)
        self._links: dict[str, frozenset[str] | None] = {}  # folder → names of its symlinks (None: unlisted)

    def _is_link(self, folder: str, name: str, text: str) -> bool:
        if folder not in self._links:
            try:
                with os.scandir(folder or ".") as listing:
                    self._links[folder] = frozenset(e.name for e in listing if e.is_symlink())
            except OSError:
                self._links[folder] = None
        links = self._links[folder]
        return os.path.islink(text) if links is None else name in links

    def __call__(self, path: Path) -> str:
        text = str(path)
        folder, name = os.path.split(text)
        if name in ("", ".", "..") or self._is_link(folder, name, text):
            return display_name(path, self.cwd, cwd_resolved=self.root)
        if folder in self._prefixes:
            prefix = self._prefixes[folder]
        else:
            try:
                relative = Path(folder or ".").resolve().relative_to(self.root).as_posix()
                prefix = "" if relative == "." else relative + "/"
            except ValueError:
                prefix = None
            self._prefixes[folder] = prefix
        return prefix + name if prefix is not None else path.as_posix()


def load_sources(files: Iterable[Path], limits: LoadLimits, cwd: Path,
                 on_load: Callable[[SourceFile], None] | None = None) -> dict[str, SourceFile]:
    """Load every file; raise one KvnetInputError holding every file's problem. `on_load` sees each file
    as soon as it is loaded."""
    sources: dict[str, SourceFile] = {}
    problems: list[InputProblem] = []
    names = DisplayNames(cwd)
    for path in files:
        name = names(path)
        try:
            source = sources[name] = load_file(path, limits, display=name)
        except KvnetInputError as exc:
            problems.extend(exc.problems)
            continue
        if on_load is not None:
            on_load(source)
    if problems:
        raise KvnetInputError(problems)
    return sources


def yaml11_findings(sources: Iterable[SourceFile], policy: Policy) -> list[Finding]:
    """YAML-01 from the loader's notes of scalars YAML 1.1 readers misread."""
    from kvnet.rules.catalogue import rule_by_id
    from kvnet.rules.engine import stamp

    rule = rule_by_id("YAML-01")
    setting = policy.setting("YAML-01")
    if rule is None or setting is None or not setting.enabled:
        return []
    found = []
    for source in sources:
        for doc in source.documents:
            for trap in doc.traps:
                problem = Problem(
                    f"unquoted {trap.text!r} is read as text here, but YAML 1.1 readers make it {trap.yaml11_reading}",
                    trap.span,
                    f'quote it: "{trap.text}"',
                )
                found.append(stamp(rule, setting.severity, problem))
    return found


class FrontEnds:
    """Hands each loaded file's documents to the front end that reads them.

    Kubernetes objects are read by the manifests front end at once; site documents are kept, and read by
    the site front end at the end (`models`). With `release`, an object's positioned tree is let go as soon
    as it is read, unless its file has `kvnet:` comments (suppressions need the tree): for a repository of
    thousands of manifests, that is most of the memory a check would otherwise hold to the end.
    """

    def __init__(self, *, release: bool = False) -> None:
        self.release = release
        self.site_docs: list[Document] = []
        self.used_files: set[str] = set()  # files holding a Site or a Kubernetes object
        self.notes: list[str] = []  # for -v: what was skipped
        self._manifests: Any = None  # the ManifestReader, made when the first object comes

    def take(self, source: SourceFile) -> None:
        from kvnet.site import is_site_document

        keep = not self.release or "kvnet:" in source.text
        for doc in source.documents:
            data = doc.data
            if is_site_document(data):
                self.site_docs.append(doc)
            elif isinstance(data, dict) and "kind" in data and "apiVersion" in data:
                if self._manifests is None:
                    from kvnet.manifests import ManifestReader

                    self._manifests = ManifestReader()
                self._manifests.add_text(source.path, source.text)
                self._manifests.read(doc)
                if not keep:
                    doc.data = None  # read: the model holds what the rules need
            else:
                self.notes.append(f"{doc.span}: skipped: not a kvnet Site nor a Kubernetes object")
                continue
            self.used_files.add(doc.file)

    def models(self) -> tuple[list[Site], list[str]]:
        """Models from the site documents (one each) and from all objects together (one), with notes; raises
        one KvnetInputError holding every input problem found."""
        from kvnet.site import read_site

        models: list[Site] = []
        problems: list[InputProblem] = []
        for doc in self.site_docs:
            try:
                models.append(read_site(doc))
            except KvnetInputError as exc:
                problems.extend(exc.problems)
        notes: list[str] = []
        if self._manifests is not None:
            read = self._manifests.result()
            models.append(read.site)
            notes.extend(f"{span}: skipped: {why}" for span, why in read.skipped)
            problems.extend(read.problems)
        if problems:
            raise KvnetInputError(problems)
        return models, self.notes + notes


def check_paths(paths: Sequence[Path], policy: Policy, *, limits: LoadLimits | None = None,
                cwd: Path | None = None) -> CheckResult:
    """Check site files and manifest folders: the whole spine."""
    from kvnet.perf import paused_gc

    cwd = cwd or Path.cwd()
    with paused_gc():  # millions of acyclic objects: the cyclic collector would only slow the run
        files = discover(paths, policy, cwd)  # what to read
        front = FrontEnds(release=True)  # objects are read as their files load, then let go
        sources = load_sources(files, limits or LoadLimits(), cwd, front.take)  # YAML with positions
        named = {display_name(p, cwd) for p in paths if p.is_file()}
        return check_sources(sources, policy, named, front)


def check_sources(sources: dict[str, SourceFile], policy: Policy, named: Iterable[str] = (),
                  front: FrontEnds | None = None) -> CheckResult:
    """Check already loaded files (the spine after loading); `front`: the front ends that already took them.

    A file in `named` (given by name rather than found in a folder) must hold a Site or a Kubernetes
    object: checking it would otherwise silently say nothing about it.
    """
    from kvnet.graph import SiteGraph
    from kvnet.rules.engine import apply_suppressions, run_rules
    from kvnet.rules.lock import lock_findings_beside

    if front is None:
        front = FrontEnds()
        for source in sources.values():
            front.take(source)  # which front end reads what
    _require_content(named, sources, front.used_files)
    models, notes = front.models()  # typed models (schema checked)
    findings = yaml11_findings(sources.values(), policy)  # YAML 1.1 traps noted while loading
    for model in models:
        findings.extend(run_rules(model, SiteGraph(model), policy))  # rules over model and graph
    findings.extend(lock_findings_beside(models, policy))  # the MAC/IP lock beside each site file
    findings = apply_suppressions(findings, sources, policy)  # inline `# kvnet: ignore[...]`
    return CheckResult(sort_findings(findings), sources, models, notes)


def _require_content(named: Iterable[str], sources: dict[str, SourceFile], with_content: set[str]) -> None:
    empty = sorted((set(named) & set(sources)) - with_content)  # policy-ignored files were never loaded
    if empty:
        raise KvnetInputError([
            InputProblem("neither a kvnet Site (apiVersion: kvnet.dev/v1alpha1, kind: Site) nor a Kubernetes object "
                         "(apiVersion and kind)", sources[name].documents[0].span if name in sources and
                         sources[name].documents else file_span(name),
                         "add apiVersion and kind, or leave the file out") for name in empty])


def no_inputs_problem() -> KvnetInputError:
    return KvnetInputError([InputProblem("no site or manifest files found in the given paths", None,
                                         "pass a site file (kind: Site) or a folder of manifests")])


__all__ = ["CheckResult", "Span", "check_paths", "discover", "display_name", "file_span", "no_inputs_problem"]
