"""Markdown tables for the generated docs and the asset checks' metadata: one escaper, one layout.

Not ``DataFrame.to_markdown``/tabulate: both pad every cell to its column's widest, and the rules'
meanings and the columns' descriptions run to 300 characters, so every line of docs/checks.md and
docs/data_contract.md would be as wide as the widest and a one-word change would rewrite every row
of its table in the diff. A GitHub pipe table needs no padding; this writes it unpadded.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def cell(value) -> str:
    """A value as one table cell: empty for None, pipes escaped, on one line."""
    return "" if value is None else " ".join(str(value).replace("|", "\\|").split())


def table(headers: Sequence[str], rows: Iterable[Sequence]) -> list[str]:
    """The lines of a GitHub pipe table: header, rule, one line per row (cells through ``cell``;
    wrap a value in backticks before passing it to show it as code)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines
