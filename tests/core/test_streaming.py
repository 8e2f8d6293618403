"""A folder check reads each object as its file loads and lets the positioned tree go (memory), with the
same findings as a check of the same files loaded first."""

from __future__ import annotations

from pathlib import Path

from kvnet.check import check_paths, check_sources, load_sources
from kvnet.findings import Finding
from kvnet.load import LoadLimits
from kvnet.policy import default_policy


def _vm(name: str, mac: str, comment: str = "") -> str:
    return f"""\
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {{name: {name}, namespace: vms}}
spec:
  runStrategy: Always
  template:
    spec:
      domain:
        devices:
          interfaces:
          - name: default
            masquerade: {{}}
            macAddress: "{mac}"{comment}
      networks: [{{name: default, pod: {{}}}}]
"""


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / "a").mkdir(parents=True)
    (repo / "a" / "vm-1.yaml").write_text(_vm("vm-1", "02:00:00:00:00:01"))
    (repo / "a" / "vm-2.yaml").write_text(_vm("vm-2", "02:00:00:00:00:01"))  # the same MAC: MAC-01
    (repo / "vm-3.yaml").write_text(_vm("vm-3", "02:00:00:00:00:03", "  # kvnet: ignore[MAC-09] kept on purpose"))
    (repo / "notes.yaml").write_text("just: data\n")
    return repo


def _keys(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    return [(f.rule_id, f.span.file, f.span.line, f.span.column) for f in findings]


def test_folder_check_finds_what_a_preloaded_check_finds(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    streamed = check_paths([repo], default_policy(), cwd=tmp_path)
    files = sorted(repo.rglob("*.yaml"))
    preloaded = check_sources(load_sources(files, LoadLimits(), tmp_path), default_policy())
    assert _keys(streamed.findings) == _keys(preloaded.findings)
    assert any(f.rule_id == "MAC-01" for f in streamed.findings)
    assert [vm.name for vm in streamed.sites[0].vms] == ["vm-1", "vm-2", "vm-3"]


def test_trees_are_let_go_except_where_suppressions_need_them(tmp_path: Path) -> None:
    result = check_paths([_repo(tmp_path)], default_policy(), cwd=tmp_path)
    data = {name: [doc.data for doc in source.documents] for name, source in result.sources.items()}
    assert data["repo/a/vm-1.yaml"] == [None] and data["repo/a/vm-2.yaml"] == [None]
    assert data["repo/vm-3.yaml"][0]["kind"] == "VirtualMachine"  # `# kvnet:` comment: kept
    assert data["repo/notes.yaml"] == [{"just": "data"}]  # not an object: never read, kept as loaded
    assert result.sources["repo/a/vm-1.yaml"].text.startswith("apiVersion")  # texts stay, for reports
