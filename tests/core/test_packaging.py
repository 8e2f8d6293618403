"""`pip install .` (not editable) gives a kvnet that finds its schemas and policies from any folder."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT / "compiler").parts)
        for init in (ROOT / "compiler" / "kvnet").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add to pyproject.toml [tool.setuptools] packages: {sorted(on_disk - listed)}"
    assert {"kvnet.schemas", "kvnet.policies"} <= listed


@pytest.mark.slow
def test_installed_wheel_runs_from_another_folder(tmp_path: Path) -> None:
    target = tmp_path / "site-packages"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--target", str(target), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    assert (target / "kvnet" / "schemas" / "site.schema.json").is_file()
    assert (target / "kvnet" / "policies" / "default.yaml").is_file()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    schema = subprocess.run([sys.executable, "-m", "kvnet", "schema"], cwd=elsewhere, env=env,
                            capture_output=True, text=True)
    assert schema.returncode == 0, schema.stderr
    assert '"kvnet.dev/v1alpha1"' in schema.stdout or "kvnet.dev" in schema.stdout
    rules = subprocess.run([sys.executable, "-m", "kvnet", "rules"], cwd=elsewhere, env=env,
                           capture_output=True, text=True)
    assert rules.returncode == 0, rules.stderr
    assert "YAML-01" in rules.stdout
    # the import came from the installed copy, not from the source tree
    where = subprocess.run([sys.executable, "-c", "import kvnet; print(kvnet.__file__)"], cwd=elsewhere, env=env,
                           capture_output=True, text=True)
    assert str(target) in where.stdout
