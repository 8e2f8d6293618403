"""Wrong types anywhere: every value of the full sample site, and of one compiled object of each kind, replaced
in turn by a list, a mapping, a number and a string, checked (and compiled) by the real CLI. Each run ends in
exit 0, 1 (findings) or 2 (naming the file), never a traceback; a compile that fails leaves no output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kvnet.emit.bundle import compile_site
from kvnet.load import load_file, to_plain
from kvnet.site import read_site
from kvnet_hardening_cli import assert_clean_failure, kvnet
from kvnet_hardening_mutations import mutations

ROOT = Path(__file__).resolve().parents[2]
FULL = ROOT / "samples" / "full" / "site.yaml"
KINDS_OF_TYPE: tuple[Any, ...] = (["x", 2], {"k": "v"}, 7, "text")
CHUNKS = 4


def site_mutations() -> list[tuple[tuple[str | int, ...], Any, Any]]:
    return list(mutations(load_file(FULL).documents[0].data, KINDS_OF_TYPE))


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_site_value_replaced_by_every_type(chunk: int, tmp_path: Path) -> None:
    found = {0: 0, 1: 0, 2: 0}
    for n, (path, new, data) in enumerate(site_mutations()):
        if n % CHUNKS != chunk:
            continue
        site = tmp_path / "site.yaml"
        site.write_text(yaml.safe_dump(data, sort_keys=False))
        ran = kvnet("check", site, cwd=tmp_path)
        assert_clean_failure(ran, "site.yaml", codes=(0, 1, 2))
        found[ran.code] += 1
        if n % (CHUNKS * 5) == chunk:  # compile a fifth of them too
            out = tmp_path / f"out-{n}"
            compiled = kvnet("compile", site, "-o", out, "--summary", "none", cwd=tmp_path)
            assert_clean_failure(compiled, "site.yaml", codes=(0, 1, 2))
            assert out.exists() == (compiled.code == 0), (path, new, compiled.text[-2000:])
            if compiled.code == 0:
                assert (out / "kustomization.yaml").is_file()
    assert found[2] > 50, found  # most wrong types are input errors, at their place


def manifest_stream() -> list[dict[str, Any]]:
    bundle = compile_site(read_site(load_file(FULL).documents[0]))
    return [to_plain(m) for m in bundle.resources()]


def first_of_each_kind(objects: list[dict[str, Any]]) -> list[int]:
    seen: dict[str, int] = {}
    for i, obj in enumerate(objects):
        seen.setdefault(obj["kind"], i)
    return sorted(seen.values())


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_value_of_each_kind_of_manifest_replaced_by_every_type(chunk: int, tmp_path: Path) -> None:
    objects = manifest_stream()
    folder = tmp_path / "manifests"
    folder.mkdir()
    runs = 0
    codes: set[int] = set()
    for index in first_of_each_kind(objects):
        for n, (_, _, mutated) in enumerate(mutations(objects[index], KINDS_OF_TYPE)):
            if n % CHUNKS != chunk:
                continue
            stream = [*objects[:index], mutated, *objects[index + 1:]]
            (folder / "all.yaml").write_text(yaml.safe_dump_all(stream, sort_keys=False))
            ran = kvnet("check", folder, cwd=tmp_path)
            assert_clean_failure(ran, "all.yaml", codes=(0, 1, 2))
            codes.add(ran.code)
            runs += 1
    assert runs > 100
    assert codes >= {1, 2} or codes >= {0, 2}, codes
