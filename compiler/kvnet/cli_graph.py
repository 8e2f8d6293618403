"""`kvnet graph`: draw a site (or a folder of manifests) as Mermaid, DOT or JSON.

The drawing needs a usable model, not a clean one: rules do not run, so a site with conflicts can still be
drawn (its dangling references show as "?" boxes). Unusable input exits 2 like every command.
"""

from __future__ import annotations

from pathlib import Path

import click

from kvnet.cli_common import EXIT_CLEAN, guarded
from kvnet.errors import KvnetInputError
from kvnet.model import Site


def read_models(path: Path) -> list[Site]:
    """The models in a site file or manifest folder, read the way `kvnet check` reads them (without rules)."""
    from kvnet.check import FrontEnds, discover, load_sources, no_inputs_problem
    from kvnet.load import LoadLimits
    from kvnet.policy import discover_policy, load_policy

    cwd = Path.cwd()
    policy = load_policy(discover_policy(path))
    front = FrontEnds(release=True)
    if not load_sources(discover([path], policy, cwd), LoadLimits(), cwd, front.take):
        raise no_inputs_problem()
    models, _ = front.models()
    return models


def draw(models: list[Site], fmt: str, *, expand: bool = False) -> str:
    """One drawing per model (for Mermaid and DOT, one diagram each; JSON: a list when there are several)."""
    import json

    from kvnet.graph import SiteGraph
    from kvnet.graph_export import export_graph

    drawings = [export_graph(SiteGraph(model), fmt, expand=expand) for model in models]
    if fmt == "json" and len(drawings) > 1:
        return json.dumps([json.loads(d) for d in drawings], indent=2, sort_keys=True) + "\n"
    return "\n".join(drawings)


@click.command("graph")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "drawing_format", type=click.Choice(["mermaid", "dot", "json"]), default="mermaid",
              show_default=True, help="Mermaid flowchart, Graphviz DOT, or JSON nodes and edges.")
@click.option("--expand", is_flag=True, help="Draw every VM of a VM group instead of one box per group.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the drawing to a file instead of stdout.")
@guarded
def graph_command(path: Path, drawing_format: str, expand: bool, output: Path | None) -> int:
    """Draw a site: node groups → NICs/bonds → bridges → networks → VMs, Services and MetalLB pools.

    PATH is a site file or a folder (site files and manifests, searched recursively).
    """
    # The option is not called `fmt`: the shared error guard would take it for a findings report format.
    models = read_models(path)
    if not models:
        raise KvnetInputError.single(f"{path} holds no kvnet Site and no Kubernetes objects kvnet reads", None)
    text = draw(models, drawing_format, expand=expand)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
    return EXIT_CLEAN
