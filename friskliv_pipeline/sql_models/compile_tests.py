"""The generic data tests compiled to SQL (dbt's ``data_tests:``): a test's macro from
``dbt_like_sql/macros/data_tests.sql`` rendered to a SELECT of the failing rows.

Kept apart from running them (data_tests.py) because the project compiles every test when it
loads, so a typo stops loading, and running needs the project: one module each way, no cycle.
"""

from __future__ import annotations

from collections.abc import Callable

from friskliv_pipeline.sql_models.model import DataTest
from friskliv_pipeline.sql_models.render import macros


def compile_test(test: DataTest, ref: Callable[[str], str] = str) -> str:
    """The test's SQL: the failing rows of ``ref(test.model)`` (the rows ``where`` selects)."""
    macro = macros().get(f"test_{test.kind}")
    if macro is None:
        known = sorted(n.removeprefix("test_") for n in macros() if n.startswith("test_"))
        raise ValueError(f"{test.title}: no generic test {test.kind!r} (known: {known})")
    model = ref(test.model)
    if test.where:
        model = f"(select * from {model} where {test.where}) as tested_rows"
    arguments = {k: ref(ref_name(v)) if ref_name(v) else v for k, v in test.arguments.items()}
    if test.column is not None:
        arguments["column_name"] = test.column
    try:
        return str(macro(model=model, **arguments))
    except TypeError as exc:  # an argument the macro does not take, or one it needs missing
        raise ValueError(f"{test.title}: {exc}") from None


def ref_name(value) -> str | None:
    """``ref('counties')`` → ``counties`` (a test argument naming a table, dbt's spelling); None otherwise."""
    if isinstance(value, str) and value.startswith("ref(") and value.endswith(")"):
        return value[4:-1].strip().strip("'\"")
    return None
