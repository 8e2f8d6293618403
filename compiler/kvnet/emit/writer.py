"""Atomic output folders: all of the new files or none of them.

The files are written into a fresh temporary folder beside the target (same file system, so renames are
atomic), then the folders are swapped: target → backup, temporary → target, backup deleted. Any error before
the swap removes the temporary folder and leaves the target untouched.

kvnet records what it wrote in `.kvnet-output` (one relative path per line). A target folder holding any
other file is refused unless `force`: `-o .` or `-o ~` by mistake must not replace someone's work. With
`force`, those foreign files are carried over into the new folder (copied before the swap), so forcing never
deletes a file kvnet did not write; files kvnet wrote earlier and no longer emits are dropped.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from kvnet.errors import KvnetInputError

MARKER = ".kvnet-output"
_MARKER_HEADER = "# Files written by kvnet compile; kvnet replaces this folder on the next compile.\n"


def _listed(out_dir: Path) -> set[str]:
    marker = out_dir / MARKER
    if not marker.is_file():
        return set()
    lines = marker.read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def foreign_files(out_dir: Path) -> list[str]:
    """Files (and symlinks) under `out_dir` that kvnet's marker does not list, as sorted relative paths."""
    if not out_dir.is_dir():
        return []
    listed = _listed(out_dir) | {MARKER}
    found = []
    for path in out_dir.rglob("*"):
        if path.is_symlink() or path.is_file():
            rel = path.relative_to(out_dir).as_posix()
            if rel not in listed:
                found.append(rel)
    return sorted(found)


def _fill(tmp: Path, files: Mapping[str, str], carried: list[str], source: Path) -> None:
    for rel in carried:
        if rel in files:
            continue  # kvnet's new file wins over a foreign file at the same place
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / rel, target, follow_symlinks=False)
    for rel, text in files.items():
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
    (tmp / MARKER).write_text(_MARKER_HEADER + "".join(f"{rel}\n" for rel in sorted(files)), encoding="utf-8")


def _swap(tmp: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.rename(tmp, out_dir)
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.kvnet-old-", dir=out_dir.parent))
    backup.rmdir()  # only the unique name is wanted; rename needs the place free
    os.rename(out_dir, backup)
    try:
        os.rename(tmp, out_dir)
    except BaseException:
        os.rename(backup, out_dir)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def write_files(files: Mapping[str, str], out_dir: Path, force: bool = False) -> None:
    """Replace `out_dir` with exactly `files` (relative POSIX path → text) plus the marker, atomically."""
    out_dir = out_dir.absolute()
    if out_dir.exists() and not out_dir.is_dir():
        raise KvnetInputError.single(f"{out_dir} exists and is not a folder", hint="choose another output folder")
    for rel in files:
        if rel.startswith("/") or ".." in Path(rel).parts:
            raise ValueError(f"bundle path escapes the output folder: {rel}")
    foreign = foreign_files(out_dir)
    if foreign and not force:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise KvnetInputError.single(
            f"{out_dir} holds files kvnet did not write ({shown}); not writing into it",
            hint="choose an empty or new folder, or pass --force to write anyway (those files are kept)",
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.kvnet-new-", dir=out_dir.parent))
    try:
        _fill(tmp, files, foreign, out_dir)
        os.chmod(tmp, _folder_mode(out_dir))
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _folder_mode(out_dir: Path) -> int:
    """Keep the target's permissions; a new folder gets the usual 0o777 minus the umask (mkdtemp gives 0o700)."""
    if out_dir.is_dir():
        return out_dir.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask
