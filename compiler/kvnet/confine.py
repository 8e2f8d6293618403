"""A site never pulls anything from outside its repository.

The site format has no include mechanism (unknown fields are schema errors, YAML tags such as `!include` are
refused by the loader), and folder discovery does not follow symlinks. The files kvnet finds by name beside a
site — its `kvnet.lock.yaml` and the `.kvnet.yaml` policy — could still be symlinks to anywhere: those are
refused when they lead out of the repository (the nearest folder holding `.git`; without one, the folder
of the file itself).
"""

from __future__ import annotations

from pathlib import Path

from kvnet.errors import KvnetInputError


def repository_root(folder: Path) -> Path:
    """The nearest folder from `folder` up that holds `.git`, or `folder` itself (resolved)."""
    resolved = folder.resolve()
    return next((p for p in (resolved, *resolved.parents) if (p / ".git").exists()), resolved)


def require_inside_repository(path: Path, display: str, what: str) -> None:
    """Raise KvnetInputError when `path` is a symlink whose target is outside its repository."""
    if not path.is_symlink():
        return
    root = repository_root(path.parent)
    if not path.resolve().is_relative_to(root):
        raise KvnetInputError.single(
            f"{what} {display} is a symlink leading outside the repository ({root}); kvnet reads only files "
            "inside it",
            None,  # no place: showing a line of the file would show what lies outside
            "replace the symlink by the file itself",
        )
