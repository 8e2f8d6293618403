"""Fixtures for the emitter tests: the compiled samples, the shared upstream schemas, external tools."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import emit_sites
import toolcheck
from kvnet.emit.bundle import Bundle, compile_site
from kvnet.load import load_file
from kvnet.model import Site
from kvnet.site import read_site

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SCHEMAS = SHARED / "upstream-schemas"
GOLDEN = Path(__file__).resolve().parent / "golden"


def sample_site(name: str) -> Site:
    """A sample by name: `minimal`/`full` are the site files in samples/; `model-*` are built in emit_sites.py."""
    if name == "model-full":
        return emit_sites.full_site()
    if name == "model-minimal":
        return emit_sites.minimal_site()
    return read_site(load_file(REPO / "samples" / name / "site.yaml").documents[0])


# Every sample that gets golden output; the file samples first.
SAMPLES = ("minimal", "full", "model-full")


@pytest.fixture(params=SAMPLES)
def sample(request: pytest.FixtureRequest) -> tuple[str, Site, Bundle]:
    """(name, site, bundle) for each sample."""
    name: str = request.param
    site = sample_site(name)
    return name, site, compile_site(site)


@pytest.fixture
def load_sample() -> Callable[[str], Site]:
    """sample_site: read (or build) a sample afresh."""
    return sample_site


@pytest.fixture
def require_tool() -> Callable[..., str]:
    """toolcheck.require_tool: the tool's path, or a skip (a failure under CI=true) when it is missing."""
    return toolcheck.require_tool


@pytest.fixture
def schemas_dir() -> Path:
    """../shared/upstream-schemas beside the checkout; skipped when absent, a failure under CI=true."""
    if SCHEMAS.is_dir():
        return SCHEMAS
    reason = f"{SCHEMAS} is not there (the shared reference folder sits beside the checkout in CI)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)
