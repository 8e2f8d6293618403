"""Policies: which rules run, at what severity, with which options.

`policies/default.yaml` (shipped as package data) names every rule. A repository may add `.kvnet.yaml` at its
root (or pass `--policy FILE`) with the same shape; it is layered over the default:

    rules:
      MAC-01: {severity: warning}
      VLAN-05: {enabled: false}
      VLAN-01: {options: {allowed: ["100-299"]}}
    ignore: ["legacy/**"]        # paths (globs) never checked

Unknown rule ids, unknown options and options of the wrong type are input errors naming the id.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import field, replace
from importlib.resources import files
from pathlib import Path
from typing import Any

from kvnet.errors import InputProblem, KvnetInputError
from kvnet.findings import Severity
from kvnet.frozen import frozen
from kvnet.load import YList, YMap, load_file, load_text
from kvnet.span import Span, file_span

POLICY_FILE_NAME = ".kvnet.yaml"


@frozen
class RuleSetting:
    enabled: bool
    severity: Severity
    options: Mapping[str, Any] = field(default_factory=dict)


@frozen
class Policy:
    settings: Mapping[str, RuleSetting]
    ignore: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    def setting(self, rule_id: str) -> RuleSetting | None:
        return self.settings.get(rule_id)

    def ignores(self, path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in self.ignore)


def _defaults_from_catalogue() -> dict[str, RuleSetting]:
    from kvnet.rules.catalogue import all_rules

    return {r.id: RuleSetting(True, r.severity, dict(r.options)) for r in all_rules()}


def _option_type_ok(default: Any, value: Any) -> bool:
    if default is None:
        return True
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple)
    if isinstance(default, dict):
        return isinstance(value, dict)
    return isinstance(value, type(default))


def _layer(base: dict[str, RuleSetting], data: Any, where: Span) -> tuple[dict[str, RuleSetting], list[str]]:
    """Apply one policy document over `base`; raise on unknown ids, options or wrong types."""
    problems: list[InputProblem] = []
    if not isinstance(data, dict):
        raise KvnetInputError.single("a policy must be a mapping with `rules:`", where)
    unknown_top = sorted(set(data) - {"rules", "ignore", "extends"})
    for key in unknown_top:
        span = data.key_span(key) if isinstance(data, YMap) else where
        problems.append(InputProblem(f"unknown policy field {key!r}", span, "use rules, ignore or extends"))
    result = dict(base)
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        problems.append(InputProblem("`rules` must be a mapping of rule id → settings", where))
        rules = {}
    from kvnet.rules.catalogue import rule_by_id

    for key, value in rules.items():
        kspan = rules.key_span(key) if isinstance(rules, YMap) else where
        rule = rule_by_id(str(key))
        if rule is None or rule.id not in result:
            problems.append(InputProblem(f"unknown rule id {key!r} in policy", kspan, "run `kvnet rules` for the list"))
            continue
        current = result[rule.id]
        if isinstance(value, str):  # shorthand: MAC-01: warning | off
            value = {"enabled": False} if value in ("off", "disabled") else {"severity": value}
        if value is False:
            value = {"enabled": False}
        if not isinstance(value, dict):
            problems.append(InputProblem(f"settings of {rule.id} must be a mapping", kspan))
            continue
        enabled, severity, options = current.enabled, current.severity, dict(current.options)
        for field_name, field_value in value.items():
            vspan = value.value_span(field_name) if isinstance(value, YMap) else kspan
            if field_name == "enabled" and isinstance(field_value, bool):
                enabled = field_value
            elif field_name == "severity" and isinstance(field_value, str):
                try:
                    severity = Severity.parse(field_value)
                except ValueError as exc:
                    problems.append(InputProblem(str(exc), vspan))
            elif field_name == "options" and isinstance(field_value, dict):
                for opt, opt_value in field_value.items():
                    ospan = field_value.value_span(opt) if isinstance(field_value, YMap) else vspan
                    if opt not in rule.options:
                        known = ", ".join(sorted(rule.options)) or "none"
                        problems.append(InputProblem(f"{rule.id} has no option {opt!r} (options: {known})", ospan))
                    elif not _option_type_ok(rule.options[opt], opt_value):
                        problems.append(
                            InputProblem(
                                f"option {opt!r} of {rule.id} must be like {rule.options[opt]!r}, "
                                f"not {opt_value!r}",
                                ospan,
                            )
                        )
                    else:
                        options[opt] = opt_value
            else:
                problems.append(
                    InputProblem(f"invalid setting {field_name!r} for {rule.id}", vspan,
                                 "use enabled: true|false, severity: error|warning|info, options: {...}")
                )
        result[rule.id] = RuleSetting(enabled, severity, options)
    ignore = data.get("ignore") or []
    if not isinstance(ignore, list | YList) or not all(isinstance(i, str) for i in ignore):
        problems.append(InputProblem("`ignore` must be a list of path globs", where))
        ignore = []
    if problems:
        raise KvnetInputError(problems)
    return result, list(ignore)


def default_policy() -> Policy:
    """The shipped default policy (policies/default.yaml), checked against the catalogue."""
    text = files("kvnet.policies").joinpath("default.yaml").read_text(encoding="utf-8")
    source = load_text(text, "kvnet/policies/default.yaml")
    data = source.documents[0].data if source.documents else {}
    settings, ignore = _layer(_defaults_from_catalogue(), data, file_span("kvnet/policies/default.yaml"))
    return Policy(settings, tuple(ignore), ("default",))


def load_policy(path: Path | None, base: Policy | None = None) -> Policy:
    """The default policy with the file at `path` layered over it (None: the default alone)."""
    policy = base or default_policy()
    if path is None:
        return policy
    from kvnet.confine import require_inside_repository

    require_inside_repository(Path(path), str(path), "policy file")
    source = load_file(path)
    if not source.documents:
        return policy
    settings, ignore = _layer(dict(policy.settings), source.documents[0].data, file_span(str(path)))
    return replace(policy, settings=settings, ignore=policy.ignore + tuple(ignore),
                   sources=(*policy.sources, str(path)))


def discover_policy(start: Path) -> Path | None:
    """`.kvnet.yaml` in `start` or the nearest parent up to the repository root (the folder holding .git)."""
    folder = start.resolve()
    if folder.is_file():
        folder = folder.parent
    for candidate in (folder, *folder.parents):
        policy_file = candidate / POLICY_FILE_NAME
        if policy_file.is_file():
            return policy_file
        if (candidate / ".git").exists():
            return None
    return None


def render_default_policy() -> str:
    """The text of policies/default.yaml, generated from the catalogue (a test keeps the file in step)."""
    from kvnet.rules.catalogue import all_rules

    lines = [
        "# kvnet default policy: every rule with its default severity and options.",
        "# Generated by `python -m kvnet.policy > policies/default.yaml`; tests/test_catalogue.py checks it.",
        "# A repository's .kvnet.yaml (or --policy FILE) is layered over this file.",
        "rules:",
    ]
    for r in all_rules():
        lines.append(f"  # {r.title}")
        entry = f"  {r.id}: {{enabled: true, severity: {r.severity}"
        if r.options:
            import json

            opts = ", ".join(f"{k}: {json.dumps(v)}" for k, v in sorted(r.options.items()))
            entry += f", options: {{{opts}}}"
        lines.append(entry + "}")
    lines.append("ignore: []")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(render_default_policy(), end="")
