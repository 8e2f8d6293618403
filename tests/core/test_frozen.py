"""`@frozen` classes: frozen dataclasses to the type checker, slotted dataclasses with a field hash at run time."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from kvnet.frozen import frozen
from kvnet.model import Interface
from kvnet.span import Span

ROOT = Path(__file__).resolve().parents[2]
HERE = Span("site.yaml", 3, 5, 3, 9)


@frozen(order=True)
class Version:
    major: int
    minor: int = 0
    note: str = dataclasses.field(default="", compare=False)


def test_a_frozen_class_compares_hashes_and_orders_by_its_fields() -> None:
    assert Version(1, 2) == Version(1, 2, note="other")  # compare=False fields are left out, as with frozen=True
    assert hash(Version(1, 2)) == hash(Version(1, 2, note="other"))
    assert len({Version(1, 2), Version(1, 2), Version(1, 3)}) == 2
    assert sorted([Version(2), Version(1, 5), Version(1, 2)]) == [Version(1, 2), Version(1, 5), Version(2)]
    assert dataclasses.replace(Version(1, 2), minor=7) == Version(1, 7)
    assert vars(Version)["__slots__"] == ("major", "minor", "note")
    with pytest.raises(AttributeError):
        Version(1).patch = 3  # type: ignore[attr-defined]  # slots: no other attribute can be added


def test_model_objects_keep_the_hash_and_equality_of_their_fields() -> None:
    first = Interface(HERE, name="net0", network="prod", mac="02:00:00:00:00:01")
    same = Interface(HERE, name="net0", network="prod", mac="02:00:00:00:00:01", spans={"mac": HERE})
    assert first == same and hash(first) == hash(same)  # spans are not compared, as before
    assert first != dataclasses.replace(first, mac="02:00:00:00:00:02")
    assert {first: 1}[same] == 1


def _mypy(tmp_path: Path, code: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "snippet.py").write_text(code, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "--cache-dir", str(tmp_path / "cache"),
         "snippet.py"],
        cwd=tmp_path, env={"MYPYPATH": str(ROOT / "compiler"), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=600, check=False,
    )


def test_the_type_checker_refuses_assigning_a_field(tmp_path: Path) -> None:
    made = """\
from kvnet.frozen import frozen
from kvnet.model import Interface
from kvnet.span import Span


@frozen
class Point:
    x: int


point = Point(1)
iface = Interface(Span("a.yaml", 1, 1, 1, 2), name="net0")
"""
    clean = _mypy(tmp_path, made)
    assert clean.returncode == 0, clean.stdout + clean.stderr  # the snippet itself is well typed
    assigned = _mypy(tmp_path, made + 'point.x = 2\niface.name = "net1"\n')
    assert assigned.returncode == 1, assigned.stdout + assigned.stderr
    errors = assigned.stdout.splitlines()
    assert [line.split(":")[1] for line in errors] == ["13", "14"]  # the two assignments
    assert all("read-only" in line for line in errors), errors
