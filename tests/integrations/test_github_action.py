"""The GitHub Action: action.yml is valid, the example workflow lints, and its steps really run."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from action_runner import ActionRun, CompositeRunner, parse_github_output
from integration_support import REPO, line_of
from toolcheck import require_tool

SITE = "clusters/lab/site.yaml"


def test_action_metadata_matches_the_schema() -> None:
    checker = require_tool("check-jsonschema", "pip install check-jsonschema")
    done = subprocess.run([checker, "--builtin-schema", "vendor.github-actions", str(REPO / "action.yml")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_example_workflow_passes_actionlint() -> None:
    actionlint = require_tool("actionlint", "go install github.com/rhysd/actionlint/cmd/actionlint@v1.7.12")
    done = subprocess.run([actionlint, "-no-color", str(REPO / "docs" / "examples" / "kvnet-workflow.yml")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_inputs_and_outputs_are_documented() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    docs = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    for kind in ("inputs", "outputs"):
        for name, spec in action[kind].items():
            assert spec.get("description"), f"{kind}.{name} has no description"
            assert f"`{name}`" in docs, f"{kind}.{name} is not in docs/integrations.md"


def test_github_output_parser_reads_both_forms() -> None:
    assert parse_github_output("a=1\nb<<EOF\nx\ny\nEOF\nc=d=e\n") == {"a": "1", "b": "x\ny", "c": "d=e"}


# ------------------------------------------------------------------------------------------ running the steps


@pytest.fixture(scope="module")
def runner_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RUNNER_TEMP for the module, so the venv the install step makes is reused by later runs."""
    return tmp_path_factory.mktemp("runner-temp")


def _run_action(workspace: Path, runner_temp: Path, **inputs: str) -> ActionRun:
    base_env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PIP_INDEX_URL")}
    base_env.update({"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/network",
                     "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567"})
    inputs = {"python-version": "", **inputs}
    run = CompositeRunner(REPO, workspace, runner_temp, inputs, base_env).run()
    install = run.step("Install kvnet")
    assert install.outcome == "success", install.stdout + install.stderr
    return run


def _workspace(tmp_path: Path, site_text: str) -> Path:
    workspace = tmp_path / "workspace"
    (workspace / "clusters" / "lab").mkdir(parents=True)
    (workspace / SITE).write_text(site_text, encoding="utf-8")
    return workspace


@pytest.mark.slow
def test_clean_site_compiles_uploads_and_draws(tmp_path: Path, runner_temp: Path, good_site: str) -> None:
    workspace = _workspace(tmp_path, good_site)
    run = _run_action(workspace, runner_temp, path="clusters/lab", compile="true", **{"output-dir": "out"})
    assert not run.failed, [(s.name, s.outcome, s.stderr) for s in run.steps]
    assert run.outputs["exit-code"] == "0" and run.outputs["errors"] == "0"
    assert run.outputs["sarif-file"] == "kvnet.sarif"
    sarif = json.loads((workspace / "kvnet.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "kvnet"
    assert not [r for r in sarif["runs"][0]["results"] if r["level"] == "error"]
    # compiled, and the upload would get that folder
    assert run.outputs["manifests-dir"] == "out"
    manifests = sorted(p for p in (workspace / "out").rglob("*.yaml"))
    assert any(yaml.safe_load(p.read_text(encoding="utf-8")).get("kind") == "VirtualMachine" for p in manifests
               if p.name != "kustomization.yaml")
    upload = run.step("Upload manifests")
    assert upload.outcome == "not-run" and upload.uses.startswith("actions/upload-artifact@")
    assert upload.with_["path"] == "out" and upload.with_["name"] == "kvnet-manifests"
    assert run.step("Fail on findings").outcome == "skipped"
    # the job summary: findings section, the site as Mermaid, the compiled manifests
    assert "## kvnet check" in run.summary
    mermaid = run.summary.split("```mermaid\n", 1)[1].split("```", 1)[0]
    assert mermaid.startswith("flowchart LR") and "lab-net" in mermaid and "lab/app-1" in mermaid
    assert "### Compiled manifests" in run.summary and "`out`" in run.summary


@pytest.mark.slow
def test_conflict_annotates_fails_and_skips_compile(tmp_path: Path, runner_temp: Path, bad_site: str) -> None:
    workspace = _workspace(tmp_path, bad_site)
    line = line_of(bad_site, "ip: 10.20.0.11/24", 2)
    run = _run_action(workspace, runner_temp, path=SITE, compile="true", **{"sarif-file": "reports/kvnet.sarif"})
    assert run.failed and run.step("Fail on findings").outcome == "failure"
    assert run.outputs["exit-code"] == "1" and int(run.outputs["errors"]) >= 1
    # annotations on the changed line
    check = run.step("check")
    assert f"::error file={SITE},line={line}," in check.stdout and "IP-05" in check.stdout
    # SARIF for code scanning
    assert run.outputs["sarif-file"] == "reports/kvnet.sarif"
    sarif = json.loads((workspace / "reports" / "kvnet.sarif").read_text(encoding="utf-8"))
    results = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "IP-05"]
    assert results, sarif
    location = results[0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == SITE and location["region"]["startLine"] == line
    # nothing compiled, nothing uploaded
    assert run.step("compile").outcome == "skipped" and run.outputs["manifests-dir"] == ""
    assert run.step("Upload manifests").outcome == "skipped"
    assert not (workspace / "kvnet-manifests").exists()
    # the summary's table links to the line
    row = next(ln for ln in run.summary.splitlines() if "`IP-05`" in ln)
    assert f"/acme/network/blob/0123456789abcdef0123456789abcdef01234567/{SITE}#L{line}" in row
    assert "```mermaid" in run.summary


@pytest.mark.slow
def test_unusable_input_is_exit_2_and_fails(tmp_path: Path, runner_temp: Path, good_site: str) -> None:
    workspace = _workspace(tmp_path, good_site.replace("vlan: 20\n", "vlan: twenty\n"))
    run = _run_action(workspace, runner_temp, path=f"{SITE} clusters/missing", summary="false",
                      annotations="true")
    assert run.failed and run.outputs["exit-code"] == "2"
    check = run.step("check")
    assert f"::error file={SITE},line={line_of(good_site, 'vlan: 20')}," in check.stdout
    assert "clusters/missing" in check.stdout
    assert run.summary == ""
