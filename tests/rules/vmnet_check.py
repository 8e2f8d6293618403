"""Shared helpers of the refs/sriov/kubevirt/migration/nncp/gitops rule tests (imported by name).

Sites are checked in memory; manifests go through a real file in a temporary folder, because the manifests
front end reads a file's text back (by its display name) to place findings inside embedded CNI JSON.
"""

from __future__ import annotations

import contextlib
import tempfile
import textwrap
from pathlib import Path

from kvnet.check import check_paths, check_sources
from kvnet.findings import Finding
from kvnet.load import load_text
from kvnet.policy import Policy, default_policy

ROOT = Path(__file__).resolve().parents[2]
SITE_HEAD = """\
apiVersion: kvnet.dev/v1alpha1
kind: Site
metadata: {name: t}
spec:
  cluster: {name: t, machineNetwork: [192.168.50.0/24]}
  nodeGroups:
    workers:
      selector: {node-role.kubernetes.io/worker: ""}
      nics: {eno1: {role: primary}, eno2: {}, ens5f0: {sriov: {totalVfs: 16, vendor: "8086"}}}
      bridges:
        br-vm: {port: eno2, vlans: ["100-299"]}
  nodes:
    - {name: worker-0, group: workers, ip: 192.168.50.11}
    - {name: worker-1, group: workers, ip: 192.168.50.12}
"""


def site(body: str, head: str = SITE_HEAD) -> str:
    """A small valid site with `body` (YAML under spec) appended."""
    return head + textwrap.indent(textwrap.dedent(body), "  ")


def check_text(text: str, name: str = "site.yaml", policy: Policy | None = None) -> list[Finding]:
    policy = policy or default_policy()
    if "kind: Site" in text:
        return check_sources({name: load_text(text, name)}, policy).findings
    with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
        Path(name).write_text(text)
        return check_paths([Path(name)], policy, cwd=Path(folder)).findings


def findings_of(rule_id: str, text: str, name: str = "site.yaml", policy: Policy | None = None) -> list[Finding]:
    return [f for f in check_text(text, name, policy) if f.rule_id == rule_id]


def lines(rule_id: str, text: str, name: str = "site.yaml") -> list[int]:
    return [f.span.line for f in findings_of(rule_id, text, name)]


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line containing `needle`."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def sample_findings(sample: str, prefix: str) -> list[Finding] | None:
    """Findings of one family on samples/<sample>/site.yaml; None when the sample does not exist."""
    path = ROOT / "samples" / sample / "site.yaml"
    if not path.exists():
        return None
    return [f for f in check_text(path.read_text(), f"{sample}.yaml") if f.rule_id.startswith(prefix)]
