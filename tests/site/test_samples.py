"""The bundled samples are valid sites and build into a model."""

from __future__ import annotations

from pathlib import Path

import pytest

from kvnet.load import load_file
from kvnet.site import is_site_document, read_site, validate_site

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*/site.yaml"))


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.parent.name)
def test_sample_is_valid_and_builds(path: Path) -> None:
    doc = load_file(path).documents[0]
    assert is_site_document(doc.data)
    assert validate_site(doc) == []
    site = read_site(doc)
    assert site.vms
    assert site.files == (str(path),)
