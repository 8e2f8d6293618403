"""Source positions. Every value kvnet reads remembers where it came from, 1-based like editors show."""

from __future__ import annotations

from typing import NamedTuple


class Span(NamedTuple):
    """A place in a source file: start line and column, 1-based; end is where the value ends.

    A named tuple rather than a dataclass: a large check makes a million of them, and a tuple is made at C
    speed. Spans compare and sort by file, then position."""

    file: str
    line: int
    column: int
    end_line: int = 0
    end_column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def file_span(file: str) -> Span:
    """A span for a whole file (line 1, column 1), used when nothing more precise is known."""
    return Span(file, 1, 1, 1, 1)
