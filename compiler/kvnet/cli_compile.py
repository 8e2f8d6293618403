"""`kvnet compile`: a checked site → manifests (`kvnet generate`, the Argo CD entry, is in cli_generate.py).

A site with error-level findings does not compile: the findings go to stderr and the exit code is 1.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from kvnet.cli_common import EXIT_CLEAN, EXIT_FINDINGS, guarded
from kvnet.findings import Finding, Severity


@dataclass
class Compiled:
    site: Any
    bundle: Any
    findings: list[Finding]
    sources: dict[str, str]

    @property
    def blocked(self) -> bool:
        return any(f.severity >= Severity.ERROR for f in self.findings)


def compile_checked(site_path: Path, policy_file: Path | None = None) -> Compiled:
    """Check the site (one Site document) and, when it has no errors, compile it."""
    from kvnet.check import check_paths
    from kvnet.cli_common import keep_to_exit
    from kvnet.errors import KvnetInputError
    from kvnet.policy import discover_policy, load_policy

    if not site_path.is_file():
        raise KvnetInputError.single(f"no such site file: {site_path}", None)
    policy = load_policy(policy_file or discover_policy(site_path))
    result = check_paths([site_path], policy)
    keep_to_exit(result)
    sources = {name: src.text for name, src in result.sources.items()}
    sites = [s for s in result.sites if s.origin == "site"]
    if len(sites) != 1:
        raise KvnetInputError.single(
            f"{site_path} must hold exactly one kvnet Site document (apiVersion: kvnet.dev/v1alpha1, kind: Site); "
            f"found {len(sites)}", None)
    compiled = Compiled(sites[0], None, result.findings, sources)
    if not compiled.blocked:
        from kvnet.cli_lock import lock_allocations
        from kvnet.emit.bundle import compile_site

        compiled.bundle = compile_site(sites[0], allocations=lock_allocations(sites[0], site_path))
    return compiled


def report_blocked(compiled: Compiled) -> None:
    from kvnet.report import render

    errors = [f for f in compiled.findings if f.severity >= Severity.ERROR]
    click.echo(render(errors, "text", sources=compiled.sources, cwd=Path.cwd()), err=True)
    click.echo(f"kvnet: not compiled: the site has {len(errors)} error(s)", err=True)


@click.command("compile")
@click.argument("sites", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", "output", default="-", show_default=True,
              help="Folder to write the manifests to, or - for one YAML stream on stdout (one site only).")
@click.option("--force", is_flag=True, help="Write into a folder that holds files kvnet did not write.")
@click.option("--summary", type=click.Choice(["text", "json", "none"]), default="text", show_default=True,
              help="Print a summary of what was compiled on stderr.")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path, dir_okay=False))
@guarded
def compile_command(sites: tuple[Path, ...], output: str, force: bool, summary: str, policy_file: Path | None) -> int:
    """Compile site files into the manifests Argo CD syncs.

    One site gives one folder with an Argo CD Application; several give a folder per site and one
    ApplicationSet (argocd/applicationset.yaml) generating an Application per site.
    """
    from kvnet.emit.bundle import combine_sites, render_stream, write_bundle
    from kvnet.emit.summary import summarize, summary_text
    from kvnet.errors import KvnetInputError

    if output == "-" and len(sites) > 1:
        raise KvnetInputError.single("several sites need an output folder (-o DIR), not a stream", None)
    compiled = [compile_checked(site, policy_file) for site in sites]
    blocked = [c for c in compiled if c.blocked]
    for one in blocked:
        report_blocked(one)
    if blocked:
        return EXIT_FINDINGS
    names = [c.site.name for c in compiled]
    if len(set(names)) != len(names):
        raise KvnetInputError.single(f"two sites share a name ({', '.join(sorted(names))}): each needs its own "
                                     "metadata.name", None)
    if len(compiled) == 1:
        bundle = compiled[0].bundle
    else:
        bundle = combine_sites([c.bundle for c in compiled], [c.site for c in compiled])
    if output == "-":
        click.echo(render_stream(bundle), nl=False)
    else:
        write_bundle(bundle, Path(output), force=force)
    if summary != "none":
        for one in compiled:
            facts = summarize(one.site, one.bundle)
            text = json.dumps(facts, indent=2, sort_keys=True) + "\n" if summary == "json" else summary_text(facts)
            click.echo(text, err=True, nl=False)
    return EXIT_CLEAN
