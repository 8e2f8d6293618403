"""Rules about how the input itself is written (not about the network it describes).

YAML-01 is raised by the loader's notes rather than by the model: see kvnet.check.
"""

from __future__ import annotations

from collections.abc import Iterator

from kvnet.findings import Problem
from kvnet.rules.registry import RuleContext, rule


@rule("YAML-01", "yaml11-ambiguous-scalar", "Unquoted value that YAML 1.1 readers turn into a number or boolean",
      severity="warning")
def yaml11_ambiguous_scalar(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Flags unquoted scalars such as `52:54:00:12:34:56`, `0000:18:00.1`, `on`, `no` or `0755`.

    ## Why is this bad?
    kvnet, JSON and YAML 1.2 read them as the text written, but YAML 1.1 readers (PyYAML, go-yaml v2, many
    tools in a GitOps pipeline) turn `52:54:00:12:34:56` into the integer 41135085296, `0000:18:00.1` into a
    float and `on`/`no` into booleans. A MAC or PCI address that becomes a number breaks the VM silently.

    ## Example
    ```yaml
    interfaces:
      - {name: prod, network: prod-web, mac: 52:54:00:12:34:56}
    ```

    ## Use instead
    ```yaml
    interfaces:
      - {name: prod, network: prod-web, mac: "52:54:00:12:34:56"}
    ```

    ## How to fix
    Quote the value. `kvnet fix` does it for you.
    """
    # The loader notes these while it reads; kvnet.check turns the notes into findings of this rule.
    return iter(())


@rule("SUP-01", "invalid-suppression", "Suppression comment without a reason or naming an unknown rule",
      severity="warning")
def invalid_suppression(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Checks `# kvnet: ignore[RULE-ID] reason` comments: each must name known rule ids and give a reason.

    ## Why is this bad?
    A silenced finding without a reason cannot be reviewed later, and a misspelt id silences nothing while
    looking as if it did.

    ## Example
    ```yaml
    mac: "02:00:00:00:00:01"  # kvnet: ignore[MAC-01]
    ```

    ## Use instead
    ```yaml
    mac: "02:00:00:00:00:01"  # kvnet: ignore[MAC-01] cloned appliance keeps its licensed MAC
    ```

    ## How to fix
    Name the rule id shown in the finding and say why after the bracket.
    """
    # Raised by the engine while it applies suppressions (kvnet.rules.engine), not from the model.
    return iter(())


@rule("SUP-02", "unused-suppression", "Suppression comment that silences nothing", severity="warning")
def unused_suppression(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports `# kvnet: ignore[...]` comments that no finding matched, on their line or on the object they
    start.

    ## Why is this bad?
    Stale suppressions hide future problems of the same kind and mislead readers.

    ## Example
    ```yaml
    vlan: 110  # kvnet: ignore[VLAN-01] legacy switch   (nothing is wrong with VLAN 110)
    ```

    ## Use instead
    ```yaml
    vlan: 110
    ```

    ## How to fix
    Remove the comment, or move it to the line of the finding it is meant for.
    """
    return iter(())


@rule("INPUT-01", "unusable-input", "A file that cannot be read as YAML/JSON or does not fit the site schema")
def unusable_input(ctx: RuleContext) -> Iterator[Problem]:
    """## What it does
    Reports input kvnet cannot use: malformed YAML or JSON, duplicate keys, object-constructing tags, alias
    bombs, over-deep nesting, files over the size limit, invalid UTF-8, NUL bytes, and site files that do not
    fit `schemas/site.schema.json`. `kvnet check` exits with code 2 when it reports one.

    ## Why is this bad?
    A file that different tools read differently (or not at all) cannot be trusted: duplicate keys are
    silently resolved by the last one, tags can run code in careless readers, and a broken site must never
    sync.

    ## Example
    ```yaml
    networks:
      prod-web: {type: linux-bridge, vlan: 110}
      prod-web: {type: linux-bridge, vlan: 120}
    ```

    ## Use instead
    ```yaml
    networks:
      prod-web: {type: linux-bridge, vlan: 110}
      prod-db: {type: linux-bridge, vlan: 120}
    ```

    ## How to fix
    Follow the message: it names the place and what was expected there.
    """
    # Raised from the loader's and the schema's errors by the CLI, not from the model.
    return iter(())
