"""Column lineage of a model, read from its SQL with sqlglot (as dagster-dbt does for dbt models).

The lineage of a mart column is every column of a ref'd table its SELECT expression is computed
from, followed through the CTEs; columns used only to filter, join or group are not lineage
(dbt's convention). ``schema.yml`` may declare ``lineage:`` for a column whose SELECT reads no
column (``count(*)``, a constant): that is the only place a declaration is used, and
``disagreements`` lists any declaration that differs from what the SQL shows, so a YAML that
drifts from the SQL fails tests/test_sql_lineage.py instead of misleading an analyst.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlglot
from sqlglot import exp
from sqlglot.lineage import lineage

from friskliv_pipeline.contract import TABLES
from friskliv_pipeline.sql_models.render import render

if TYPE_CHECKING:
    from friskliv_pipeline.sql_models.project import Model

Lineage = dict[str, list[tuple[str, str]]]  # column → [(upstream table, upstream column)], sorted

_REFS = "refs"  # the schema refs are rendered into, so an import CTE never shadows the table it reads
_SQL_TYPES = {"text": "text", "int": "bigint", "bool": "boolean", "float": "double precision",
              "datetime": "timestamp"}


def _types(table: str, models: dict[str, Model]) -> dict[str, str]:
    if table in models:
        return {c.name: _SQL_TYPES[c.data_type] for c in models[table].columns}
    return {c.name: _SQL_TYPES[c.type] for c in TABLES[table].columns}


def sql_lineage(model: Model, models: dict[str, Model]) -> Lineage:
    """What the model's SQL computes each column from; ``models`` gives the columns of ref'd marts.

    Empty when sqlglot cannot read the SQL (tests/test_sql_lineage.py requires every model to be read).
    """
    sql = render(model.template, 0, ref=lambda name: f"{_REFS}.{name}", name=str(model.path))
    schema = {_REFS: {ref: _types(ref, models) for ref in model.refs}}
    try:
        nodes = lineage(None, sql, schema=schema, dialect="postgres")
    except sqlglot.errors.SqlglotError:
        return {}
    result = {}
    for column, node in nodes.items():
        deps = {(n.source.name, n.name.split(".")[-1]) for n in node.walk()
                if isinstance(n.source, exp.Table) and n.source.db == _REFS}
        if deps:
            result[column] = sorted(deps)
    return result


def column_lineage(model: Model, models: dict[str, Model]) -> Lineage:
    """The SQL's lineage, completed by schema.yml's ``lineage:`` for columns the SQL traces to nothing."""
    derived = sql_lineage(model, models)
    lineage_of = dict(derived)
    for col in model.columns:
        if col.name not in derived and col.lineage:
            lineage_of[col.name] = sorted(tuple(d.split(".", 1)) for d in col.lineage)
    return {c: lineage_of[c] for c in model.column_names if c in lineage_of}


def disagreements(model: Model, models: dict[str, Model]) -> list[str]:
    """One line per schema.yml ``lineage:`` that the SQL contradicts (the SQL shows other columns)."""
    derived = sql_lineage(model, models)
    lines = []
    for col in model.columns:
        declared = sorted(tuple(d.split(".", 1)) for d in col.lineage)
        if declared and col.name in derived and declared != derived[col.name]:
            shown = ", ".join(".".join(d) for d in derived[col.name])
            lines.append(f"{model.name}.{col.name}: schema.yml declares {', '.join(col.lineage)} but the SQL "
                         f"computes it from {shown}. What to do: delete the `lineage:` entry (the SQL is the "
                         "lineage); declare one only for a column the SQL computes from no column")
    return lines
