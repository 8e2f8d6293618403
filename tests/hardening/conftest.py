"""Shared fixtures of the hardening tests: the samples and a small synthetic benchmark site."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def bench_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """benchmarks/generate.py at 100 VMs: site/site.yaml (+ kvnet.lock.yaml), manifests/, .kvnet.yaml."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    out = tmp_path_factory.mktemp("bench")
    generate(100, out)
    return out


sys.path.insert(0, str(Path(__file__).resolve().parent))  # kvnet_hardening_mutations (a helper module)
