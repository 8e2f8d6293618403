"""Shared fixtures of the hardening tests: the samples and a small synthetic benchmark site."""

from __future__ import annotations

from pathlib import Path

import pytest
from generate import generate  # benchmarks/generate.py (benchmarks/ is on pytest's pythonpath)

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def bench_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """benchmarks/generate.py at 100 VMs: site/site.yaml (+ kvnet.lock.yaml), manifests/, .kvnet.yaml."""
    out = tmp_path_factory.mktemp("bench")
    generate(100, out)
    return out
