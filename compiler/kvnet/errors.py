"""One exception family for the user's mistakes; the CLI's single handler turns them into exit code 2."""

from __future__ import annotations

from dataclasses import dataclass, field

from kvnet.frozen import frozen
from kvnet.span import Span


@frozen
class InputProblem:
    """One reason an input cannot be used, at its place."""

    message: str
    span: Span | None = None
    hint: str = ""
    related: tuple[tuple[Span, str], ...] = ()


@dataclass
class KvnetInputError(Exception):
    """Input kvnet cannot use (malformed YAML, schema violations, unreadable files). Exit code 2."""

    problems: list[InputProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{p.span}: {p.message}" if p.span else p.message for p in self.problems)

    @classmethod
    def single(
        cls,
        message: str,
        span: Span | None = None,
        hint: str = "",
        related: tuple[tuple[Span, str], ...] = (),
    ) -> KvnetInputError:
        return cls([InputProblem(message, span, hint, related)])
