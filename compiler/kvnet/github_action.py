"""The steps of kvnet's GitHub Action (action.yml), kept here rather than in shell.

    python -m kvnet.github_action check    # annotations, SARIF, JSON report, outputs, job summary
    python -m kvnet.github_action compile  # manifests of the checked sites, outputs, summary section

Settings come from the environment the composite action sets from its inputs (KVNET_*), plus the runner's
GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. The check step never fails the job by itself (exit 0 after a
clean run of kvnet): it records `exit-code`, and the action's last step fails the job, so that the SARIF
upload and the summary still happen when the site has findings. The check step keeps what the compile step
needs (the site files it found) in KVNET_STATE_DIR.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from kvnet.findings import Finding, Severity
from kvnet.model import Site

# Mermaid's defaults on GitHub: larger diagrams are refused with an error box, so we say so instead.
MERMAID_MAX_EDGES = 500
MERMAID_MAX_TEXT = 50_000
TABLE_MAX_ROWS = 200


# ------------------------------------------------------------------------------------------ runner files


def set_outputs(values: Mapping[str, object], env: Mapping[str, str]) -> None:
    """Append step outputs (single-line values) to $GITHUB_OUTPUT; print them when not on a runner."""
    lines = "".join(f"{key}={value}\n" for key, value in values.items())
    target = env.get("GITHUB_OUTPUT")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(lines)
    else:
        sys.stderr.write(lines)


def append_summary(markdown: str, env: Mapping[str, str]) -> None:
    target = env.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(markdown)


def _words(value: str) -> list[str]:
    """A space-separated input (quotes allowed for names with spaces)."""
    return shlex.split(value) if value.strip() else []


# ------------------------------------------------------------------------------------------ markdown


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def _file_link(finding: Finding, env: Mapping[str, str]) -> str:
    place = f"{finding.span.file}:{finding.span.line}"
    server, repo, sha = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"), env.get("GITHUB_SHA")
    if server and repo and sha and not finding.span.file.startswith(("/", "<")):
        return f"[{_cell(place)}]({server}/{repo}/blob/{sha}/{finding.span.file}#L{finding.span.line})"
    return f"`{_cell(place)}`"


_ICON = {Severity.ERROR: "🔴 error", Severity.WARNING: "🟡 warning", Severity.INFO: "🔵 info"}


def findings_markdown(findings: Sequence[Finding], env: Mapping[str, str]) -> str:
    """The summary's findings section: counts, then a table (capped; the annotations and SARIF have all)."""
    counts = {sev: sum(1 for f in findings if f.severity == sev) for sev in Severity}
    head = (f"**{counts[Severity.ERROR]} error(s), {counts[Severity.WARNING]} warning(s), "
            f"{counts[Severity.INFO]} info**\n\n")
    if not findings:
        return "No findings. ✅\n\n"
    rows = ["| Severity | Rule | Where | Message |", "| --- | --- | --- | --- |"]
    for finding in findings[:TABLE_MAX_ROWS]:
        message = finding.message + (f" — {finding.hint}" if finding.hint else "")
        rows.append(f"| {_ICON[finding.severity]} | `{finding.rule_id}` | {_file_link(finding, env)} | "
                    f"{_cell(message)} |")
    more = len(findings) - TABLE_MAX_ROWS
    tail = f"\n… and {more} more (see the annotations or the SARIF file)\n" if more > 0 else "\n"
    return head + "\n".join(rows) + "\n" + tail + "\n"


def diagram_markdown(model: Site) -> str:
    """A site's drawing as a Mermaid block, or a note when it is too large for GitHub to render."""
    from kvnet.graph import SiteGraph
    from kvnet.graph_export import build_drawing, to_mermaid

    drawing = build_drawing(SiteGraph(model))
    title = model.name or ", ".join(model.files) or "site"
    text = to_mermaid(drawing)
    if len(drawing.lines) > MERMAID_MAX_EDGES or len(text) > MERMAID_MAX_TEXT:
        return (f"#### {_cell(title)}\n\nThe drawing has {len(drawing.boxes)} boxes and {len(drawing.lines)} "
                "edges, too many for GitHub to render; run `kvnet graph` locally (Mermaid, DOT or JSON).\n\n")
    return f"#### {_cell(title)}\n\n```mermaid\n{text}```\n\n"


# ------------------------------------------------------------------------------------------ steps


def run_check(env: Mapping[str, str]) -> int:
    """Check every path on its own; annotations on stdout; SARIF, JSON, outputs and summary to files."""
    from kvnet.cli_precommit import check_each
    from kvnet.report import render

    cwd = Path.cwd()
    paths = [Path(p) for p in _words(env.get("KVNET_PATH", "."))] or [Path(".")]
    policy_file = Path(env["KVNET_POLICY"]) if env.get("KVNET_POLICY") else None
    result = check_each(paths, policy_file, cwd)  # each path alone: two clusters' manifests never merge
    ordered, sources, models = result.findings, result.sources, result.sites

    if env.get("KVNET_ANNOTATIONS", "true") == "true":
        sys.stdout.write(render(ordered, "github", sources=sources, cwd=cwd))
    sarif_file = Path(env.get("KVNET_SARIF_FILE") or "kvnet.sarif")
    sarif_file.parent.mkdir(parents=True, exist_ok=True)
    sarif_file.write_text(render(ordered, "sarif", sources=sources, cwd=cwd), encoding="utf-8")
    state = Path(env.get("KVNET_STATE_DIR") or cwd / ".kvnet-action")
    state.mkdir(parents=True, exist_ok=True)
    (state / "report.json").write_text(render(ordered, "json", sources=sources, cwd=cwd), encoding="utf-8")
    site_files = sorted({f for m in models if m.origin == "site" for f in m.files})
    (state / "sites.json").write_text(json.dumps(site_files), encoding="utf-8")

    threshold = Severity.parse(env.get("KVNET_FAIL_ON") or "error")
    code = 2 if result.unusable else 1 if any(f.severity >= threshold for f in ordered) else 0
    set_outputs({
        "exit-code": code,
        "findings": len(ordered),
        "errors": sum(1 for f in ordered if f.severity == Severity.ERROR),
        "warnings": sum(1 for f in ordered if f.severity == Severity.WARNING),
        "sarif-file": sarif_file.as_posix(),
    }, env)
    if env.get("KVNET_SUMMARY", "true") == "true":
        summary = "## kvnet check\n\n" + findings_markdown(ordered, env)
        if models:
            summary += "### Site\n\n" + "".join(diagram_markdown(m) for m in models)
        append_summary(summary, env)
    return 0


def run_compile(env: Mapping[str, str]) -> int:
    """Compile the sites (input `site`, else every site the check found) into KVNET_OUTPUT_DIR."""
    from kvnet.cli_compile import compile_checked, report_blocked
    from kvnet.emit.bundle import write_bundle

    state = Path(env.get("KVNET_STATE_DIR") or Path.cwd() / ".kvnet-action")
    sites = _words(env.get("KVNET_SITE", ""))
    if not sites and (state / "sites.json").is_file():
        sites = json.loads((state / "sites.json").read_text(encoding="utf-8"))
    if not sites:
        print("kvnet: no site file to compile (set the `site` input)", file=sys.stderr)
        return 2
    output = Path(env.get("KVNET_OUTPUT_DIR") or "kvnet-manifests")
    policy_file = Path(env["KVNET_POLICY"]) if env.get("KVNET_POLICY") else None
    written: list[str] = []
    for site in sites:
        compiled = compile_checked(Path(site), policy_file)
        if compiled.blocked:
            report_blocked(compiled)
            return 1
        # one site: straight into the folder; several: one sub-folder each, named after the site
        target = output if len(sites) == 1 else output / (compiled.site.name or Path(site).stem)
        write_bundle(compiled.bundle, target)
        count = sum(1 for p in target.rglob("*") if p.is_file())
        written.append(f"| `{_cell(site)}` | `{_cell(target.as_posix())}` | {count} |")
    set_outputs({"manifests-dir": output.as_posix()}, env)
    if env.get("KVNET_SUMMARY", "true") == "true":
        append_summary("### Compiled manifests\n\n| Site | Folder | Files |\n| --- | --- | --- |\n"
                       + "\n".join(written) + "\n\n", env)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from kvnet.errors import KvnetInputError

    args = list(sys.argv[1:] if argv is None else argv)
    steps = {"check": run_check, "compile": run_compile}
    if len(args) != 1 or args[0] not in steps:
        print(f"usage: python -m kvnet.github_action {{{'|'.join(steps)}}}", file=sys.stderr)
        return 2
    try:
        return steps[args[0]](os.environ)
    except KvnetInputError as exc:
        print(f"kvnet: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
