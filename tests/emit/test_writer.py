"""write_bundle: atomic (all files or none), refuses folders holding files kvnet did not write, --force."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kvnet.emit import writer
from kvnet.emit.bundle import Bundle, compile_site, write_bundle
from kvnet.emit.writer import MARKER
from kvnet.errors import KvnetInputError
from kvnet.model import Site


@pytest.fixture
def bundle(load_sample: Callable[[str], Site]) -> Bundle:
    return compile_site(load_sample("full"))


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".kvnet-" in p.name)


def test_new_folder_gets_every_file_and_the_marker(bundle: Bundle, tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_bundle(bundle, out)
    tree = _tree(out)
    assert set(tree) == {path for path, _ in bundle} | {MARKER}
    listed = [line for line in (out / MARKER).read_text().splitlines() if not line.startswith("#")]
    assert listed == sorted(path for path, _ in bundle)
    assert tree["kustomization.yaml"].startswith(b"apiVersion: kustomize.config.k8s.io/v1beta1\n")
    assert _leftovers(tmp_path) == []
    assert oct(out.stat().st_mode & 0o777) != oct(0o700)  # not mkdtemp's private mode


def test_rewriting_drops_files_kvnet_no_longer_emits(bundle: Bundle, tmp_path: Path,
                                                     load_sample: Callable[[str], Site]) -> None:
    out = tmp_path / "site"
    write_bundle(bundle, out)
    write_bundle(compile_site(load_sample("minimal")), out)  # a kvnet folder: no --force needed
    assert not (out / "argocd").exists()
    assert (out / "50-vms" / "lab" / "app-1.yaml").is_file()
    assert _leftovers(tmp_path) == []


def test_a_folder_with_foreign_files_is_refused_and_left_untouched(bundle: Bundle, tmp_path: Path) -> None:
    out = tmp_path / "repo"
    out.mkdir()
    (out / "README.md").write_text("mine\n")
    with pytest.raises(KvnetInputError) as raised:
        write_bundle(bundle, out)
    assert "README.md" in str(raised.value)
    assert "--force" in raised.value.problems[0].hint
    assert _tree(out) == {"README.md": b"mine\n"}
    assert _leftovers(tmp_path) == []


def test_a_file_added_to_a_kvnet_folder_makes_it_foreign(bundle: Bundle, tmp_path: Path) -> None:
    out = tmp_path / "site"
    write_bundle(bundle, out)
    (out / "20-nads" / "notes.txt").write_text("hand-written\n")
    with pytest.raises(KvnetInputError, match=r"notes\.txt"):
        write_bundle(bundle, out)


def test_force_writes_and_keeps_the_foreign_files(bundle: Bundle, tmp_path: Path) -> None:
    out = tmp_path / "repo"
    (out / "docs").mkdir(parents=True)
    (out / "docs" / "README.md").write_text("mine\n")
    write_bundle(bundle, out, force=True)
    tree = _tree(out)
    assert tree["docs/README.md"] == b"mine\n"
    assert "kustomization.yaml" in tree
    # the marker lists only kvnet's files: the next compile without --force still refuses
    assert "docs/README.md" not in (out / MARKER).read_text()
    with pytest.raises(KvnetInputError):
        write_bundle(bundle, out)


def test_a_failure_while_writing_leaves_the_old_folder_as_it_was(
    bundle: Bundle, tmp_path: Path, load_sample: Callable[[str], Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    write_bundle(compile_site(load_sample("minimal")), out)
    before = _tree(out)
    real_write_text = Path.write_text
    calls = 0

    def failing_write_text(self: Path, *args: object, **kwargs: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 5:
            raise OSError("disk full")
        return real_write_text(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", failing_write_text)
    with pytest.raises(OSError, match="disk full"):
        write_bundle(bundle, out)
    assert _tree(out) == before
    assert _leftovers(tmp_path) == []


def test_a_failure_while_writing_a_new_folder_creates_nothing(
    bundle: Bundle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("boom")

    monkeypatch.setattr(writer, "_fill", fail)
    with pytest.raises(OSError, match="boom"):
        write_bundle(bundle, tmp_path / "new")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_swap_restores_the_old_folder(
    bundle: Bundle, tmp_path: Path, load_sample: Callable[[str], Site], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    write_bundle(compile_site(load_sample("minimal")), out)
    before = _tree(out)
    real_rename = os.rename

    def rename(src: str | Path, dst: str | Path) -> None:
        if Path(dst) == out and Path(src).name.startswith(".site.kvnet-new-"):
            raise OSError("rename refused")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="rename refused"):
        write_bundle(bundle, out)
    assert _tree(out) == before
    assert _leftovers(tmp_path) == []


def test_an_existing_file_as_target_is_refused(bundle: Bundle, tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_text("x")
    with pytest.raises(KvnetInputError, match="not a folder"):
        write_bundle(bundle, target)
