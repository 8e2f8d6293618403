"""Rule metadata and the `@rule` decorator.

A rule is one small function `check(ctx) -> Iterable[Problem]` in a family module (mac.py, vlan.py, ...),
decorated with its id, name, default severity, title and options; its docstring is its documentation
(the headings of docs/rules/<ID>.md). The decorator only attaches metadata; kvnet.rules.catalogue lists
the family modules explicitly, so "which rules exist" is one file.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any

from kvnet.findings import Problem, Severity
from kvnet.frozen import frozen

if TYPE_CHECKING:
    from kvnet.graph import SiteGraph
    from kvnet.model import Site


@frozen
class RuleContext:
    """What a rule sees: the model, its graph and the rule's options (defaults merged with the policy)."""

    site: Site
    graph: SiteGraph
    options: Mapping[str, Any] = field(default_factory=dict)


Check = Callable[[RuleContext], Iterable[Problem]]


@frozen
class Rule:
    id: str  # stable, from the failure corpus (MAC-01 ...); never reused
    name: str  # kebab-case pattern name, reads well after "allow": duplicate-mac
    title: str  # one line
    severity: Severity  # default; a policy may change it
    family: str
    check: Check = field(compare=False, repr=False)
    options: Mapping[str, Any] = field(default_factory=dict)
    doc: str = ""  # markdown: What it does / Why is this bad? / Example / Use instead / How to fix ...
    status: str = "stable"  # preview | stable | deprecated


_ATTR = "__kvnet_rule__"


def rule(
    id: str,
    name: str,
    title: str,
    severity: Severity | str = Severity.ERROR,
    options: Mapping[str, Any] | None = None,
    status: str = "stable",
) -> Callable[[Check], Check]:
    """Mark a function as a rule. The family is the module's last name; the doc is the docstring."""

    def mark(check: Check) -> Check:
        module = check.__module__.rsplit(".", 1)[-1]
        sev = severity if isinstance(severity, Severity) else Severity.parse(severity)
        meta = Rule(
            id=id,
            name=name,
            title=title,
            severity=sev,
            family=module,
            check=check,
            options=dict(options or {}),
            doc=inspect.cleandoc(check.__doc__ or ""),
            status=status,
        )
        setattr(check, _ATTR, meta)
        return check

    return mark


def rules_in(module: object) -> list[Rule]:
    """The rules a family module defines, in source order."""
    found = [getattr(v, _ATTR) for v in vars(module).values() if callable(v) and hasattr(v, _ATTR)]
    return [r for r in found if r.check.__module__ == getattr(module, "__name__", "")]
