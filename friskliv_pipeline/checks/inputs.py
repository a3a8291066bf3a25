"""What each suite's record frame reads: declared once, beside its builder, with ``@reads``.

A builder in ``checks/frames/<suite>.py`` states the tables (and the columns of each) it is built from::

    @reads("responses", responses=["grant_year", "response_id", ...], cleaning_issues=ISSUE_COLUMNS)
    def responses_frame(t: YearTables) -> RecordFrame: ...

``None`` for a table means every column; ``<table>_history`` means every grant year of ``<table>``
up to the checked one (earlier years published, this year's staged). Everything else follows
from these declarations:

- what ``checks.run`` loads from the warehouse for the suite (those tables, those columns);
- what the builder may touch: ``YearTables`` hands it only the declared tables and columns, and
  reading anything else fails, naming the builder, the table or column, where it is declared
  (file:line) and what to do;
- the suite's dependencies (``Inputs.depends_on``: the tables other than the one it guards), which
  are the Dagster asset checks' ``additional_deps``;
- which suites run when a blocking check fails (``suites_that_run``): a suite that reads a staged
  table runs only after the staging step succeeded.

The declarations are read by importing the builders (``checks.frames.BUILDERS``), which the code
location can afford: the suite modules import pandas only inside their functions.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from friskliv_pipeline.core.contract import TABLES
from friskliv_pipeline.core.errors import FrisklivError

FRAMES_DIR = Path(__file__).with_name("frames")
HISTORY = "_history"  # "<table>_history": every grant year of <table> up to the checked one


def table_of(name: str) -> str:
    """The warehouse table a declared name reads: ``projects_history`` reads ``projects``."""
    return name.removesuffix(HISTORY)


@dataclass(frozen=True)
class Inputs:
    """What one suite's builder reads: declared name -> the columns it reads (None: every column)."""

    suite: str
    builder: str  # the builder function's name, for messages
    tables: dict[str, tuple[str, ...] | None]
    where: str = field(default="", compare=False)  # the builder's file:line, for messages

    @property
    def depends_on(self) -> tuple[str, ...]:
        """The tables besides the guarded one that the suite's frame is built from. A history counts as
        its table (this year's rows, staged): the earlier years are the published table, which Dagster
        has downstream of these checks, so it cannot be their dependency too."""
        return tuple(dict.fromkeys(t for t in map(table_of, self.tables) if t != self.suite))

    def columns(self, name: str) -> tuple[str, ...] | None:
        return self.tables[name]


class UndeclaredInput(FrisklivError, KeyError):
    """A builder read a table or column its ``@reads`` declaration does not list."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def undeclared(inputs: Inputs, table: str, column: str | None = None) -> UndeclaredInput:
    where = inputs.where or f"{FRAMES_DIR.relative_to(FRAMES_DIR.parents[2])}/<suite>.py"
    if column is None:
        what = f"table {table!r}"
        fix = f"add {table}=[<the columns it reads>] (or {table}=None for every column)"
    else:
        what = f"column {column!r} of table {table!r}"
        known = TABLES.get(table_of(table))
        if known is not None and column not in known.column_names:
            what += f" (not a column of {table_of(table)} in the data contract)"
        fix = f"add {column!r} to {table}=[...]"
    return UndeclaredInput(
        f"{inputs.builder} (the {inputs.suite} suite's frame) reads {what}, which its @reads declaration does not "
        f"list. What to do: {fix} in the @reads(\"{inputs.suite}\", ...) above {inputs.builder} in {where}; the "
        f"suite's Dagster checks then depend on it, and the pipeline loads it for them")


# -- the declaration, as the builders make it ------------------------------------------------

_REGISTERED: dict[str, tuple[Callable, Inputs]] = {}


def reads(suite: str, **tables: Iterable[str] | None) -> Callable[[Callable], Callable]:
    """Register the decorated function as the builder of ``suite``'s record frame, reading ``tables``
    (table name -> the columns it reads, None for every column). Stack it to build several suites'
    frames with one function (``YearTables.suite`` says which)."""
    declared = {name: None if columns is None else tuple(columns) for name, columns in tables.items()}

    def register(function: Callable) -> Callable:
        if suite in _REGISTERED:
            raise ValueError(f"two builders declare the {suite} suite's frame: {_REGISTERED[suite][0].__name__} "
                             f"and {function.__name__}")
        _REGISTERED[suite] = (function, Inputs(suite, function.__name__, declared, _where(function)))
        return function

    return register


def _where(function: Callable) -> str:
    """``function``'s file (from the project root) and the line its decorators start on."""
    path = Path(inspect.getsourcefile(function))
    root = FRAMES_DIR.parents[2]
    shown = path.relative_to(root) if path.is_relative_to(root) else path
    return f"{shown}:{function.__code__.co_firstlineno}"


def registered() -> dict[str, tuple[Callable, Inputs]]:
    """Suite -> (builder, what it reads), as the builders imported so far registered themselves
    (``frames.BUILDERS`` once ``frames`` is imported)."""
    return dict(_REGISTERED)
