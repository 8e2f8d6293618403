"""A site never pulls anything from outside its repository: no include mechanism, folder discovery does not
follow symlinks, and the lock and policy files found beside a site may not be symlinks leading out."""

from __future__ import annotations

import builtins
import io
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kvnet.site import site_schema
from kvnet_hardening_cli import assert_clean_failure, kvnet

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "samples" / "minimal" / "site.yaml"
BROKEN = "apiVersion: v1\nkind: [unclosed\n"


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    """repo/ (a git repository with site/site.yaml and its lock) and outside/ (broken YAML, a lock, a policy)."""
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    (repo / ".git").mkdir(parents=True)
    (repo / "site").mkdir()
    outside.mkdir()
    shutil.copy(MINIMAL, repo / "site" / "site.yaml")
    assert kvnet("lock", repo / "site" / "site.yaml").code == 0
    shutil.copy(repo / "site" / "kvnet.lock.yaml", outside / "kvnet.lock.yaml")
    (outside / "evil.yaml").write_text(BROKEN)
    (outside / "sub").mkdir()
    (outside / "sub" / "evil.yaml").write_text(BROKEN)
    (outside / ".kvnet.yaml").write_text("rules: {}\n")
    return repo, outside


def test_the_site_format_has_no_include_mechanism() -> None:
    schema = site_schema()
    words = {"include", "includes", "import", "imports", "extends", "$include", "$ref", "file", "files", "from"}
    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("properties",):
                seen.update(node.get(key, {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert not seen & words
    assert schema["additionalProperties"] is False
    assert schema["properties"]["spec"].get("additionalProperties") is False


@pytest.mark.parametrize("where", ["top", "spec", "vm"])
@pytest.mark.parametrize("key", ["include", "$include", "imports"])
def test_an_include_key_is_an_error(where: str, key: str, layout: tuple[Path, Path]) -> None:
    repo, outside = layout
    text = MINIMAL.read_text()
    line = f'"{key}": {outside / "evil.yaml"}'
    if where == "top":
        text = text.replace("kind: Site\n", f"kind: Site\n{line}\n", 1)
    elif where == "spec":
        text = text.replace("spec:\n", f"spec:\n  {line}\n", 1)
    else:
        text = text.replace("    - name: app-1\n", f"    - name: app-1\n      {line}\n", 1)
    site = repo / "site" / "site.yaml"
    site.write_text(text)
    ran = kvnet("check", site, cwd=repo)
    assert_clean_failure(ran, "site.yaml")
    assert key in ran.text
    assert "unclosed" not in ran.text  # the file it names was never read


def _opened_files(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    opened: list[Path] = []
    real_open = io.open

    def recording_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | Path):
            opened.append(Path(file).resolve())  # now: the working folder changes back later
        return real_open(file, *args, **kwargs)

    real_os_open = os.open

    def recording_os_open(file: Any, *args: Any, **kwargs: Any) -> Any:  # the loader reads files this way
        if isinstance(file, str | Path):
            opened.append(Path(file).resolve())
        return real_os_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", recording_open)
    monkeypatch.setattr(io, "open", recording_open)
    monkeypatch.setattr(os, "open", recording_os_open)
    return opened


def _outside_allowed(paths: list[Path], repo: Path) -> Iterator[Path]:
    """The opened files that are neither in the repository nor part of Python or kvnet itself."""
    allowed = [repo.resolve(), Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
               (ROOT / "schemas").resolve(), (ROOT / "policies").resolve(), (ROOT / "compiler").resolve()]
    for path in paths:
        resolved = path.resolve()
        if not any(resolved.is_relative_to(a) for a in allowed):
            yield resolved


@pytest.mark.parametrize("command", ["check", "compile"])
def test_check_and_compile_open_only_files_inside_the_repository(
        command: str, layout: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    repo, _ = layout
    (repo / ".kvnet.yaml").write_text("rules: {}\n")
    opened = _opened_files(monkeypatch)
    args = ("check", "site") if command == "check" else ("compile", "site/site.yaml", "-o", "-")
    ran = kvnet(*args, cwd=repo)
    assert ran.code == 0, ran.text[-2000:]
    names = {p.name for p in opened}
    assert {"site.yaml", "kvnet.lock.yaml", ".kvnet.yaml"} <= names  # the recorder sees the reads
    assert list(_outside_allowed(opened, repo)) == []


def test_folder_discovery_does_not_follow_symlinks(layout: tuple[Path, Path]) -> None:
    repo, outside = layout
    manifests = repo / "manifests"
    manifests.mkdir()
    (manifests / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: lab}\n")
    (manifests / "evil.yaml").symlink_to(outside / "evil.yaml")
    (manifests / "linked").symlink_to(outside / "sub", target_is_directory=True)
    ran = kvnet("check", "-v", "manifests", cwd=repo)
    assert ran.code == 0, ran.text[-2000:]
    assert "evil" not in ran.text and "unclosed" not in ran.text
    assert "checked 1 file(s)" in ran.text


def test_a_symlink_inside_the_repository_is_still_not_followed(layout: tuple[Path, Path]) -> None:
    repo, _ = layout
    manifests = repo / "manifests"
    (manifests / "real").mkdir(parents=True)
    (manifests / "real" / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: lab}\n")
    (manifests / "alias").symlink_to(manifests / "real", target_is_directory=True)
    ran = kvnet("check", "-v", "manifests", cwd=repo)
    assert ran.code == 0 and "checked 1 file(s)" in ran.text  # read once, from the real folder


@pytest.mark.parametrize("command", ["check", "compile", "generate"])
def test_a_lock_file_symlink_leading_out_is_refused(command: str, layout: tuple[Path, Path]) -> None:
    repo, outside = layout
    lock = repo / "site" / "kvnet.lock.yaml"
    lock.unlink()
    lock.symlink_to(outside / "kvnet.lock.yaml")
    out = repo / "out"
    args = {"check": ("check", "site"), "compile": ("compile", "site/site.yaml", "-o", out),
            "generate": ("generate",)}[command]
    ran = kvnet(*args, cwd=repo / "site" if command == "generate" else repo)
    assert_clean_failure(ran, "kvnet.lock.yaml")
    assert "outside" in ran.text
    assert not out.exists()


def test_a_lock_file_symlink_inside_the_repository_is_read(layout: tuple[Path, Path]) -> None:
    repo, _ = layout
    lock = repo / "site" / "kvnet.lock.yaml"
    (repo / "locks").mkdir()
    lock.rename(repo / "locks" / "site.lock.yaml")
    lock.symlink_to(repo / "locks" / "site.lock.yaml")
    ran = kvnet("compile", "site/site.yaml", "-o", "-", "--summary", "none", cwd=repo)
    assert ran.code == 0, ran.text[-2000:]


def test_a_policy_symlink_leading_out_is_refused(layout: tuple[Path, Path]) -> None:
    repo, outside = layout
    (repo / ".kvnet.yaml").symlink_to(outside / ".kvnet.yaml")
    ran = kvnet("check", "site", cwd=repo)
    assert_clean_failure(ran, ".kvnet.yaml")
    assert "outside the repository" in ran.text


def test_the_json_report_of_a_refused_lock_names_it(layout: tuple[Path, Path]) -> None:
    repo, outside = layout
    lock = repo / "site" / "kvnet.lock.yaml"
    lock.unlink()
    lock.symlink_to(outside / "kvnet.lock.yaml")
    ran = kvnet("check", "--format", "json", "site", cwd=repo)
    assert ran.code == 2
    assert "kvnet.lock.yaml" in json.dumps(json.loads(ran.stdout))
