"""What the suites' frames read, over the whole registry: every builder registered (``checks.frames``
imported), asked per suite or per table, and which step evaluates which suite.

Apart from ``inputs.py`` (the ``@reads`` declaration each builder imports) so that the builders'
package and the questions about all of them import downhill: inputs ← frames ← registry.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from friskliv_pipeline.checks.frames import BUILDERS
from friskliv_pipeline.checks.inputs import Inputs, table_of


@cache
def declared_inputs() -> dict[str, Inputs]:
    """Suite -> what its builder reads (``checks.frames`` imported: every builder registered)."""
    return {suite: inputs for suite, (_, inputs) in BUILDERS.items()}


def depends_on(suite: str) -> tuple[str, ...]:
    return declared_inputs()[suite].depends_on


def columns_read(table: str) -> tuple[str, ...] | None:
    """Every column of ``table`` (or of its history) that any suite's frame reads; None: all of them."""
    columns: list[str] = []
    for inputs in declared_inputs().values():
        for name, declared in inputs.tables.items():
            if table_of(name) == table:
                if declared is None:
                    return None
                columns += declared
    return tuple(dict.fromkeys(columns))


# -- what follows for Dagster: which step evaluates which suite ---------------------------------

def _staged_tables() -> set[str]:
    from friskliv_pipeline.cleaning.clean_tables import STAGED_TABLES

    return set(STAGED_TABLES)


def staged_suites() -> tuple[str, ...]:
    """The suites of the tables a run stages: the staging step evaluates them on the frames it built."""
    from friskliv_pipeline.checks.suites import suites

    return tuple(name for name in suites() if name in _staged_tables())


def later_suites() -> tuple[str, ...]:
    """The suites of other tables (a reference table judged against the year's spending): each its own
    check step after staging, reading the warehouse."""
    from friskliv_pipeline.checks.suites import suites

    return tuple(name for name in suites() if name not in _staged_tables())


def suites_that_run(suites_in_run: Iterable[str], blocked: set[str]) -> set[str]:
    """The suites of a run that Dagster evaluates when the suites in ``blocked`` had a blocking check
    fail: a blocking failure in the staging step fails that step, so a later check step that reads a
    staged table does not run (a later suite's own blocking failure stops nothing of the others)."""
    suites_in_run = set(suites_in_run)
    if not blocked & suites_in_run & set(staged_suites()):
        return suites_in_run
    staged = _staged_tables()
    return {name for name in suites_in_run
            if name in staged or not any(table in staged for table in depends_on(name))}
