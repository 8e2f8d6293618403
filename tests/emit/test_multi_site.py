"""Several sites in one compile: a folder per site and one ApplicationSet instead of per-site Applications."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from kvnet.cli import main

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "samples" / "minimal" / "site.yaml"
FULL = ROOT / "samples" / "full" / "site.yaml"


def compile_(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["compile", "--summary", "none", *args], catch_exceptions=False)
    return result.exit_code, result.stderr


def test_two_sites_give_a_folder_each_and_one_application_set(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, err = compile_(str(MINIMAL), str(FULL), "-o", str(out))
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["argocd", "dc1-prod", "lab"]
    assert not list(out.glob("*/argocd/*.yaml")), "per-site Applications are replaced by the ApplicationSet"
    appset = yaml.safe_load((out / "argocd" / "applicationset.yaml").read_text())
    assert appset["kind"] == "ApplicationSet"
    elements = appset["spec"]["generators"][0]["list"]["elements"]
    assert [e["name"] for e in elements] == ["dc1-prod"]  # the minimal sample names no Git repository
    assert elements[0]["path"] == "clusters/dc1-prod"
    single = tmp_path / "single"
    assert compile_(str(FULL), "-o", str(single))[0] == 0
    for path in single.rglob("*.yaml"):
        relative = path.relative_to(single)
        if relative.parts[0] != "argocd":
            assert (out / "dc1-prod" / relative).read_bytes() == path.read_bytes(), relative


def test_several_sites_need_a_folder(tmp_path: Path) -> None:
    code, err = compile_(str(MINIMAL), str(FULL), "-o", "-")
    assert code == 2
    assert "output folder" in err


def test_two_sites_with_one_name_are_refused(tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text(MINIMAL.read_text())
    code, err = compile_(str(MINIMAL), str(copy), "-o", str(tmp_path / "out"))
    assert code == 2
    assert "share a name" in err
    assert not (tmp_path / "out").exists()
