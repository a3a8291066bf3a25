"""Column lineage of a model, read from its SQL with sqlglot (as dagster-dbt does for dbt models).

The lineage of a mart column is every column of a ref'd table its SELECT expression is computed
from, followed through the CTEs; columns used only to filter, join or group are not lineage
(dbt's convention). the model's YAML may declare ``meta: lineage`` for a column whose SELECT reads no
column (``count(*)``, a constant): that is the only place a declaration is used, and
``disagreements`` lists any declaration that differs from what the SQL shows, so a YAML that
drifts from the SQL fails tests/test_sql_lineage.py instead of misleading an analyst.

Reading the SQL with sqlglot costs ~1 s for the nine marts, paid on every load of the code
location (UI, daemon, each run). ``dbt_like_sql/column_lineage.json`` keeps what it derived, each
model under a digest of exactly what the derivation reads (the rendered SQL and the column types
of its refs): a model whose digest matches is not parsed again, one that changed is, so the file
can be out of date without being wrong. ``friskliv docs`` writes it;
a test fails while it is not current.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING

from friskliv_pipeline.core.contract import TABLES
from friskliv_pipeline.sql_models.render import render

if TYPE_CHECKING:
    from friskliv_pipeline.sql_models.model import Model

Lineage = dict[str, list[tuple[str, str]]]  # column → [(upstream table, upstream column)], sorted

_REFS = "refs"  # the schema refs are rendered into, so an import CTE never shadows the table it reads
_SQL_TYPES = {"text": "text", "int": "bigint", "bool": "boolean", "float": "double precision",
              "datetime": "timestamp"}


def _types(table: str, models: dict[str, Model]) -> dict[str, str]:
    if table in models:
        return {c.name: _SQL_TYPES[c.data_type] for c in models[table].columns}
    return {c.name: _SQL_TYPES[c.type] for c in TABLES[table].columns}


def _derivation_input(model: Model, models: dict[str, Model]) -> tuple[str, dict, str]:
    """(rendered SQL, ref schema, digest of both): everything the derivation reads."""
    sql = render(model.template, 0, ref=lambda name: f"{_REFS}.{name}", name=str(model.path),
                 earlier_grant_years=model.earlier_grant_years)
    schema = {_REFS: {ref: _types(ref, models) for ref in sorted(model.refs)}}
    digest = hashlib.sha256(json.dumps([sql, schema], sort_keys=True).encode("utf-8")).hexdigest()
    return sql, schema, digest


def derive_lineage(sql: str, schema: dict) -> Lineage:
    """What the SQL computes each column from, read by sqlglot; empty when sqlglot cannot read it."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.lineage import lineage

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


def lineage_file(model: Model) -> Path:
    return model.path.parent.parent / "column_lineage.json"


@functools.lru_cache(maxsize=4)
def _derived(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def sql_lineage(model: Model, models: dict[str, Model]) -> Lineage:
    """What the model's SQL computes each column from; ``models`` gives the columns of ref'd marts.

    Empty when sqlglot cannot read the SQL (tests/test_sql_lineage.py requires every model to be read).
    """
    sql, schema, digest = _derivation_input(model, models)
    known = _derived(lineage_file(model)).get(model.name, {})
    if known.get("digest") == digest:
        return {column: [tuple(d.split(".", 1)) for d in deps] for column, deps in known["lineage"].items()}
    return derive_lineage(sql, schema)


def derived_file_content(models: dict[str, Model]) -> str:
    """column_lineage.json as it should be: every model's digest and the lineage sqlglot derives."""
    entries = {}
    for name, model in sorted(models.items()):
        sql, schema, digest = _derivation_input(model, models)
        entries[name] = {"digest": digest, "lineage": {column: [".".join(d) for d in deps]
                                                       for column, deps in derive_lineage(sql, schema).items()}}
    return json.dumps(entries, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def column_lineage(model: Model, models: dict[str, Model]) -> Lineage:
    """The SQL's lineage, completed by the YAML's ``meta: lineage`` for columns the SQL traces to nothing."""
    derived = sql_lineage(model, models)
    lineage_of = dict(derived)
    for col in model.columns:
        if col.name not in derived and col.lineage:
            lineage_of[col.name] = sorted(tuple(d.split(".", 1)) for d in col.lineage)
    return {c: lineage_of[c] for c in model.column_names if c in lineage_of}


def disagreements(model: Model, models: dict[str, Model]) -> list[str]:
    """One line per YAML ``meta: lineage`` that the SQL contradicts (the SQL shows other columns)."""
    derived = sql_lineage(model, models)
    lines = []
    for col in model.columns:
        declared = sorted(tuple(d.split(".", 1)) for d in col.lineage)
        if declared and col.name in derived and declared != derived[col.name]:
            shown = ", ".join(".".join(d) for d in derived[col.name])
            lines.append(f"{model.name}.{col.name}: {model.yaml_path.name} declares {', '.join(col.lineage)} but the SQL "
                         f"computes it from {shown}. What to do: delete the `meta: lineage` entry (the SQL is the "
                         "lineage); declare one only for a column the SQL computes from no column")
    return lines


def write_lineage_file(models: dict[str, Model], check: bool = False) -> tuple[Path, bool]:
    """Write dbt_like_sql/column_lineage.json for ``models`` (a loaded project's; ``check``: only
    compare); (path, was it current). The project is passed in: this module is what the project
    loader reads lineage with, so it never imports the loader."""
    path = lineage_file(next(iter(models.values())))
    content = derived_file_content(models)
    current = path.exists() and path.read_text(encoding="utf-8") == content
    if not check and not current:
        path.write_text(content, encoding="utf-8")
        _derived.cache_clear()
    return path, current
