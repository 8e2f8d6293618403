"""A small emulation of GitHub's runner for composite actions: enough to run kvnet's action.yml for real.

Each `run:` step runs with bash (as `shell: bash` does on a runner: `bash --noprofile --norc -eo pipefail`),
with `${{ ... }}` expressions substituted from the inputs, `github.action_path`, `runner.temp` and earlier
steps' outputs, and with GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH and GITHUB_WORKSPACE emulated.
`uses:` steps are not run: they are recorded with their `with:` values so tests can check them. `if:`
conditions are evaluated for the small grammar action.yml uses (clauses `a == b` / `a != b` joined by &&);
anything else fails loudly rather than being guessed.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class StepRun:
    id: str
    name: str
    outcome: str  # success | failure | skipped | not-run (a `uses:` step that would have run)
    outputs: dict[str, str] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    with_: dict[str, str] = field(default_factory=dict)
    uses: str = ""


@dataclass
class ActionRun:
    steps: list[StepRun]
    outputs: dict[str, str]
    summary: str
    failed: bool

    def step(self, step_id_or_name: str) -> StepRun:
        return next(s for s in self.steps if step_id_or_name in (s.id, s.name))


def parse_github_output(text: str) -> dict[str, str]:
    """`name=value` lines and `name<<DELIMITER` blocks, as the runner reads them."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            block = []
            i += 1
            while lines[i] != delimiter:
                block.append(lines[i])
                i += 1
            values[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
        i += 1
    return values


class CompositeRunner:
    def __init__(self, action_dir: Path, workspace: Path, runner_temp: Path, inputs: dict[str, str],
                 base_env: dict[str, str]) -> None:
        self.action_dir = action_dir
        self.action = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
        self.workspace = workspace
        self.runner_temp = runner_temp
        unknown = set(inputs) - set(self.action["inputs"])
        if unknown:
            raise ValueError(f"inputs action.yml does not declare: {sorted(unknown)}")
        self.inputs = {name: str(spec.get("default", "")) for name, spec in self.action["inputs"].items()}
        self.inputs.update(inputs)
        self.base_env = base_env
        self.steps: dict[str, StepRun] = {}
        self.path_prepend: list[str] = []

    # ---------------------------------------------------------------------------------------- expressions

    def value(self, expr: str) -> str:
        expr = expr.strip()
        if len(expr) >= 2 and expr[0] == expr[-1] == "'":
            return expr[1:-1].replace("''", "'")
        parts = expr.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return self.inputs[parts[1]]
        if expr == "github.action_path":
            return str(self.action_dir)
        if expr == "runner.temp":
            return str(self.runner_temp)
        if parts[0] == "steps" and len(parts) >= 3:
            step = self.steps.get(parts[1])
            if step is None:
                return ""
            if parts[2] == "outputs":
                return step.outputs.get(".".join(parts[3:]), "")
            if parts[2] in ("outcome", "conclusion"):
                return step.outcome
        raise ValueError(f"expression not emulated: {expr!r}")

    def condition(self, expr: str) -> bool:
        expr = _EXPR.sub(r"\1", expr).strip()
        result = True
        for clause in expr.split("&&"):
            match = re.fullmatch(r"\s*(.+?)\s*(==|!=)\s*(.+?)\s*", clause)
            if not match:
                raise ValueError(f"condition not emulated: {clause!r}")
            left, op, right = self.value(match.group(1)), match.group(2), self.value(match.group(3))
            result = result and ((left == right) if op == "==" else (left != right))
        return result

    def substitute(self, text: Any) -> str:
        return _EXPR.sub(lambda m: self.value(m.group(1)), str(text))

    # ---------------------------------------------------------------------------------------- running

    def run(self) -> ActionRun:
        summary_file = self.runner_temp / "step-summary.md"
        summary_file.write_text("", encoding="utf-8")
        runs: list[StepRun] = []
        failed = False
        for index, spec in enumerate(self.action["runs"]["steps"]):
            step_id = spec.get("id", f"__step{index}")
            step = StepRun(step_id, spec.get("name", step_id), "skipped")
            runs.append(step)
            self.steps[step_id] = step
            condition = spec.get("if")
            if failed or (condition is not None and not self.condition(str(condition))):
                continue
            if "uses" in spec:
                step.outcome, step.uses = "not-run", spec["uses"]
                step.with_ = {k: self.substitute(v) for k, v in (spec.get("with") or {}).items()}
                continue
            assert spec.get("shell") == "bash", "every run step says shell: bash"
            self._run_step(spec, step, index, summary_file)
            failed = step.outcome == "failure"
        outputs = {name: self.substitute(out["value"]) for name, out in self.action["outputs"].items()}
        return ActionRun(runs, outputs, summary_file.read_text(encoding="utf-8"), failed)

    def _run_step(self, spec: dict[str, Any], step: StepRun, index: int, summary_file: Path) -> None:
        output_file = self.runner_temp / f"output-{index}"
        path_file = self.runner_temp / f"path-{index}"
        output_file.write_text("", encoding="utf-8")
        path_file.write_text("", encoding="utf-8")
        script = self.runner_temp / f"step-{index}.sh"
        script.write_text(self.substitute(spec["run"]), encoding="utf-8")
        env = dict(self.base_env)
        env["PATH"] = os.pathsep.join([*self.path_prepend, env.get("PATH", "")])
        env.update({
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_STEP_SUMMARY": str(summary_file),
            "GITHUB_PATH": str(path_file),
            "GITHUB_WORKSPACE": str(self.workspace),
            "GITHUB_ACTION_PATH": str(self.action_dir),
            "RUNNER_TEMP": str(self.runner_temp),
            "GITHUB_ACTIONS": "true",
            "CI": "true",
        })
        env.update({name: self.substitute(value) for name, value in (spec.get("env") or {}).items()})
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                              cwd=self.workspace, env=env, capture_output=True, text=True, timeout=900, check=False)
        step.stdout, step.stderr = done.stdout, done.stderr
        step.outcome = "success" if done.returncode == 0 else "failure"
        step.outputs = parse_github_output(output_file.read_text(encoding="utf-8"))
        added = [ln for ln in path_file.read_text(encoding="utf-8").splitlines() if ln.strip()]
        self.path_prepend = [*reversed(added), *self.path_prepend]
