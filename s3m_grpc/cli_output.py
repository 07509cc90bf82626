"""What ``s3m`` prints: tables (rich) or JSON on stdout, errors on stderr, and its exit codes."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

EXIT_OK, EXIT_JOB_FAILED, EXIT_USAGE, EXIT_S3M, EXIT_TIMEOUT, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130


class Output:
    """Tables on a terminal (rich), or JSON; errors always to stderr."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def json(self, value: Any) -> None:
        """Print a value as indented JSON."""
        import orjson

        sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")

    def table(self, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Print a titled table (rich is imported only here: it costs start-up time)."""
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, title_justify="left", box=None, header_style="bold")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        Console().print(table)

    def views(
        self, items: Sequence[Any], title: str, columns: Sequence[str], row: Callable[[Any], Sequence[Any]]
    ) -> None:
        """A listing: each view's whole document as JSON, or a table of `row(view)` for each."""
        if self.as_json:
            self.json([item.to_dict() for item in items])
        else:
            self.table(title, columns, [row(item) for item in items])

    def line(self, text: str) -> None:
        """Print one line."""
        print(text, flush=True)

    def error(self, text: str) -> None:
        """Print an error to stderr, prefixed like other Unix tools."""
        print(f"s3m: {text}", file=sys.stderr, flush=True)


def elapsed(seconds: float) -> str:
    """``H:MM:SS``, as squeue's TIME column."""
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


__all__ = [
    "EXIT_INTERRUPTED",
    "EXIT_JOB_FAILED",
    "EXIT_OK",
    "EXIT_S3M",
    "EXIT_TIMEOUT",
    "EXIT_USAGE",
    "Output",
    "elapsed",
]
