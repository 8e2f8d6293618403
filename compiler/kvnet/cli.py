"""The `kvnet` command: a thin click adapter over the library.

Each command parses options, calls the library, renders, and returns an exit code:
0 clean, 1 findings at or above the fail level, 2 unusable input or usage, 3 an internal error (a bug).
Results go to stdout, messages to stderr. Heavy modules are imported inside the commands, because
pre-commit starts kvnet on every commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from kvnet import __version__
from kvnet.cli_common import EXIT_CLEAN, EXIT_FINDINGS, EXIT_INPUT, emit_report, guarded, keep_to_exit, run_as_program
from kvnet.report import FORMATS


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kvnet")
def main() -> None:
    """kvnet: compile and lint VM networking for OpenShift Virtualization / KubeVirt."""


def program() -> None:
    """The `kvnet` console script and `python -m kvnet`: the click group, as the whole program."""
    run_as_program(main)


def _policy(policy_file: Path | None, paths: Sequence[Path]) -> Any:
    from kvnet.policy import discover_policy, load_policy

    chosen = policy_file or discover_policy(paths[0] if paths else Path.cwd())
    return load_policy(chosen)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="How to print findings.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="error", show_default=True,
              help="Exit 1 when a finding is at or above this severity.")
@click.option("--policy", "policy_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Policy file layered over the default (default: .kvnet.yaml at the repository root).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the report to a file instead of stdout.")
@click.option("--max-file-size", type=int, default=None, help="Refuse files larger than this many bytes.")
@click.option("-v", "--verbose", is_flag=True, help="Say which files and documents were skipped.")
@guarded
def check(paths: tuple[Path, ...], fmt: str, fail_on: str, policy_file: Path | None, output: Path | None,
          max_file_size: int | None, verbose: bool) -> int:
    """Check site files and manifest folders (searched recursively) for conflicts and policy violations."""
    from kvnet.check import check_paths, no_inputs_problem
    from kvnet.findings import Severity
    from kvnet.load import LoadLimits

    targets = list(paths) or [Path(".")]
    limits = LoadLimits(max_bytes=max_file_size) if max_file_size else LoadLimits()
    result = check_paths(targets, _policy(policy_file, targets), limits=limits)
    keep_to_exit(result)
    if not result.sources:
        raise no_inputs_problem()
    if verbose:
        for note in result.notes:
            click.echo(note, err=True)
        click.echo(f"checked {len(result.sources)} file(s), {len(result.sites)} model(s)", err=True)
    sources = {name: src.text for name, src in result.sources.items()}
    emit_report(result.findings, fmt, sources, output)
    threshold = Severity.parse(fail_on)
    return EXIT_FINDINGS if any(f.severity >= threshold for f in result.findings) else EXIT_CLEAN


@main.command()
def schema() -> None:
    """Print the JSON Schema of the site format (for editors and check-jsonschema)."""
    from importlib.resources import files

    click.echo(files("kvnet.schemas").joinpath("site.schema.json").read_text(encoding="utf-8"), nl=False)


@main.command()
@click.argument("rule_id", required=False)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@guarded
def rules(rule_id: str | None, fmt: str) -> int:
    """List the rules, or print one rule's documentation (kvnet rules MAC-01)."""
    import json

    from kvnet.policy import default_policy
    from kvnet.rules.catalogue import all_rules, rule_by_id

    if rule_id:
        rule = rule_by_id(rule_id)
        if rule is None:
            click.echo(f"kvnet: unknown rule {rule_id!r}; `kvnet rules` lists them", err=True)
            return EXIT_INPUT
        click.echo(f"# {rule.id} {rule.name}: {rule.title}\n\nSeverity: {rule.severity}  Family: {rule.family}"
                   f"\n\n{rule.doc}")
        return EXIT_CLEAN
    policy = default_policy()
    if fmt == "json":
        click.echo(json.dumps([{"id": r.id, "name": r.name, "title": r.title, "severity": str(r.severity),
                                "family": r.family, "enabled": bool(policy.setting(r.id) and
                                                                    policy.setting(r.id).enabled)}  # type: ignore[union-attr]
                               for r in all_rules()], indent=2))
        return EXIT_CLEAN
    for r in all_rules():
        click.echo(f"{r.id:<9} {r.severity!s:<8} {r.name:<36} {r.title}")
    return EXIT_CLEAN


def _register_commands() -> None:
    """Commands kept in their own modules, so cli.py stays a short index of what kvnet can do."""
    from kvnet.cli_compile import compile_command
    from kvnet.cli_generate import generate_command
    from kvnet.cli_graph import graph_command
    from kvnet.cli_lock import fix_command, lock_command
    from kvnet.cli_precommit import precommit_command

    main.add_command(compile_command)
    main.add_command(generate_command)
    main.add_command(graph_command)
    main.add_command(lock_command)
    main.add_command(fix_command)
    main.add_command(precommit_command)


_register_commands()
