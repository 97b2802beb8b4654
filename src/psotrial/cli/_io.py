"""JSON in, JSON or a readable table out: the CLI's shared input and output."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from psotrial.errors import DataEntryError
from psotrial.jsoncodec import to_json

__all__ = ["console", "print_json", "print_table", "read_json", "to_json"]

# Piped output (tests, files) gets a fixed, wide layout rather than rich's 80 columns.
console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def read_json(source: str) -> Any:
    """Read one JSON document from a file path, or from standard input for ``-``.

    Decimals stay exact (``74.9`` is ``Decimal("74.9")``); NaN and Infinity are refused.

    Raises:
        DataEntryError: unreadable file or invalid JSON, naming the place.
    """
    where = "standard input" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataEntryError(f"cannot read {where}: {exc}") from None
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise DataEntryError(
            f"{where} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None


def _refuse_constant(name: str) -> Any:
    raise DataEntryError(f"{name} is not a number psotrial accepts")


def print_json(value: Any) -> None:
    """Print ``value`` as indented JSON on standard output."""
    sys.stdout.write(json.dumps(to_json(value), indent=2, ensure_ascii=False) + "\n")


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a readable table."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(table)
