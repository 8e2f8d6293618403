"""What every kvnet command shares: exit codes, the error guard and report output."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from kvnet.errors import KvnetInputError
    from kvnet.findings import Finding
    from kvnet.load import SourceFile

EXIT_CLEAN, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
FORMATS = ("text", "json", "sarif", "github")

F = TypeVar("F", bound=Callable[..., Any])

# True when the process is kvnet's alone (the console script, `python -m kvnet`), not a test's or a caller's
# that invokes the click commands itself: only then may a command end the process at once (`end`).
_OWN_PROCESS = False
_kept_to_exit: list[object] = []


def run_as_program(command: Callable[[], Any]) -> None:
    """Run the click group as the whole program (the console script's entry point)."""
    global _OWN_PROCESS
    _OWN_PROCESS = True
    command()


def keep_to_exit(value: object) -> None:
    """Keep a command's large result alive to the end of the process, so that `end` lets the OS reclaim its
    memory at once instead of Python freeing it object by object (4% of a 10k-VM manifests check)."""
    if _OWN_PROCESS:
        _kept_to_exit.append(value)


def end(code: int) -> NoReturn:
    """Exit with `code`. As the whole program, end at once after flushing the output, the way mypy does
    (mypy.util.hard_exit): no object is freed one by one, no cyclic collection runs over what is left.
    Nothing of kvnet's needs the interpreter's shutdown: files are written and closed, temporary folders
    removed, before a command returns. Under a profiler or tracer (`python -m cProfile`, coverage, a
    debugger) the interpreter shuts down as usual, so that they can write what they gathered."""
    if _OWN_PROCESS and sys.gettrace() is None and sys.getprofile() is None:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`): its exit code says enough
            pass
        os._exit(code)
    sys.exit(code)


def input_findings(error: KvnetInputError) -> list[Finding]:
    """Input problems as INPUT-01 findings, so machine formats carry them too."""
    from kvnet.findings import Finding, Related, Severity
    from kvnet.span import Span

    found = []
    for problem in error.problems:
        span = problem.span or Span("<input>", 1, 1, 1, 1)
        related = tuple(Related(s, m) for s, m in problem.related)
        found.append(Finding(span, "INPUT-01", Severity.ERROR, problem.message, problem.hint, related,
                             "Unusable input"))
    return found


def _read_sources(findings: Sequence[Finding], known: dict[str, SourceFile] | None = None) -> dict[str, str]:
    """File texts for the source lines of the text report (best effort: unreadable files show no line)."""
    texts: dict[str, str] = {name: src.text for name, src in (known or {}).items()}
    for finding in findings:
        for name in (finding.span.file, *(r.span.file for r in finding.related)):
            if name not in texts:
                try:
                    texts[name] = Path(name).read_text(encoding="utf-8", errors="replace")
                except OSError:
                    texts[name] = ""
    return texts


def emit_report(findings: Sequence[Finding], fmt: str, sources: dict[str, str], out: Path | None) -> None:
    from kvnet.report import render

    text = render(list(findings), fmt, sources=sources, cwd=Path.cwd(), color=out is None and sys.stdout.isatty()
                  and fmt == "text" and not os.environ.get("NO_COLOR"))
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        out.write_text(text, encoding="utf-8")


def guarded(command: F) -> F:
    """Turn the user's input errors into exit 2 and kvnet's own bugs into exit 3 — never a traceback."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> int:
        from kvnet.errors import KvnetInputError

        try:
            code: int = command(*args, **kwargs)
        except KvnetInputError as exc:
            fmt = kwargs.get("fmt") or "text"
            findings = input_findings(exc)
            if fmt == "text" or kwargs.get("stdout_is_manifests"):
                from kvnet.report import render

                text = render(findings, "text", sources=_read_sources(findings), cwd=Path.cwd())
                click.echo(text, err=True, nl=not text.endswith("\n"))
            else:
                emit_report(findings, fmt, {}, kwargs.get("output"))
            code = EXIT_INPUT
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except KeyboardInterrupt:
            click.echo("kvnet: interrupted", err=True)
            code = 130
        except Exception as exc:  # a bug: say so briefly; KVNET_DEBUG=1 shows the traceback
            if os.environ.get("KVNET_DEBUG"):
                raise
            click.echo(f"kvnet: internal error: {type(exc).__name__}: {exc}\n"
                       "kvnet: this is a bug in kvnet; rerun with KVNET_DEBUG=1 and report it", err=True)
            code = EXIT_INTERNAL
        end(code)

    return run  # type: ignore[return-value]
