"""Write one grant year of a model: DELETE that year, INSERT … SELECT, in one transaction.

Each ``ref()`` reads only the grant years the model declares (its partition's, and with
``meta: earlier_grant_years: n`` in its YAML the n before it): what Dagster's partition mapping
says the model depends on is all its SQL can see.

A reader sees the old partition or the new one, never a mix; a model that fails halfway (bad
SQL at run time, a NOT NULL violation, rows of another grant year) leaves the previous rows
in place, and writing the same partition twice leaves identical tables. The table itself is
created from the YAML column types, so its DDL is the documented schema.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from friskliv_pipeline.sql_models.project import Model, SqlModelError, SqlProject
from friskliv_pipeline.sql_models.render import render
from friskliv_pipeline.warehouse.database import SQL_TYPES


def table_of(model: Model) -> sa.Table:
    columns = [sa.Column(c.name, SQL_TYPES[c.data_type](), nullable=c.name != "grant_year", comment=c.description)
               for c in model.columns]
    return sa.Table(model.name, sa.MetaData(), *columns, sa.Index(f"ix_{model.name}_grant_year", "grant_year"),
                    comment=model.description)


def ensure_table(engine: sa.Engine, model: Model) -> tuple[sa.Table, list[int]]:
    """Create the table if absent. A table whose columns differ from the YAML (a mart an older
    version built) is created anew; the grant years it held are returned, to be materialized
    again from the published tables: a mart is derived, so rebuilding it loses nothing."""
    table = table_of(model)
    with engine.begin() as conn:
        inspector = sa.inspect(conn)
        if not inspector.has_table(model.name):
            table.create(conn)
            return table, []
        existing = [c["name"] for c in inspector.get_columns(model.name)]
        if existing == model.column_names:
            return table, []
        years = [int(y) for y in conn.execute(sa.text(f'SELECT DISTINCT grant_year FROM "{model.name}"')).scalars()]
        conn.execute(sa.text(f'DROP TABLE "{model.name}"'))
        table.create(conn)
    return table, sorted(years)


def _check_columns(conn: sa.Connection, model: Model, sql: str) -> None:
    produced = list(conn.execute(sa.text(f"select * from ({sql}) as model_rows where 1 = 0")).keys())
    if sorted(produced) != sorted(model.column_names):
        missing = [c for c in model.column_names if c not in produced]
        extra = [c for c in produced if c not in model.column_names]
        raise SqlModelError(f"{model.path}: the SELECT's columns differ from {model.yaml_path.name} (missing {missing}, "
                            f"undocumented {extra}). What to do: make the final SELECT and the YAML agree")


def qualifier(conn: sa.Connection):
    """ref('x') → <default schema>.x, as dbt renders refs: an import CTE may then share the
    table's name (``with projects as (select * from main.projects)``), which SQLite otherwise
    rejects as a circular reference. The schema is the connection's: ``main`` on SQLite,
    ``current_schema()`` (the search_path) on PostgreSQL."""
    quote = conn.dialect.identifier_preparer.quote
    schema = sa.inspect(conn).default_schema_name
    return lambda name: f"{quote(schema)}.{quote(name)}" if schema else quote(name)


def grant_years_of(conn: sa.Connection, first: int, last: int):
    """ref('x') → the rows of x in grant years ``first`` .. ``last``, as a subquery named x."""
    table = qualifier(conn)
    quote = conn.dialect.identifier_preparer.quote
    return lambda name: (f"(select * from {table(name)} where grant_year between {int(first)} and {int(last)}) "
                         f"as {quote(name)}")


def grant_years_read(conn: sa.Connection, model: Model, grant_year: int):
    """ref('x') → the rows of x in the grant years the model declares it reads (``earlier_grant_years``
    before ``grant_year``, up to it): the SQL cannot read a year its partition mapping in Dagster
    does not name."""
    return grant_years_of(conn, int(grant_year) - model.earlier_grant_years, grant_year)


def materialize(engine: sa.Engine, model: Model, grant_year: int) -> int:
    """Replace grant year ``grant_year`` of ``model``'s table with its SELECT; returns the row count.
    A table of an older shape is rebuilt first, with every grant year it held."""
    table, rebuilt = ensure_table(engine, model)
    for year in rebuilt:
        if year != grant_year:
            _replace(engine, model, table, year)
    return _replace(engine, model, table, grant_year)


def materialize_together(engine: sa.Engine, models: list[Model], grant_year: int,
                         audit: Callable[[sa.Connection], bool] | None = None) -> dict[str, int] | None:
    """Replace grant year ``grant_year`` of every model in ``models`` (dependency order) in ONE
    transaction: the marts a report reads are all this run's or all the previous run's, never a mix
    (a lost connection mid-way rolls every one back). ``audit(conn)`` then judges the rows written,
    inside the transaction (the data tests): when it returns False the transaction is rolled back
    and None returned. Returns rows per model."""
    tables = {}
    for model in models:
        table, rebuilt = ensure_table(engine, model)  # an older shape is rebuilt first, every year it held
        for year in rebuilt:
            if year != grant_year:
                _replace(engine, model, table, year)
        tables[model.name] = table
    with engine.connect() as conn:
        with conn.begin() as transaction:
            written = {model.name: _replace_in(conn, model, tables[model.name], grant_year) for model in models}
            if audit is not None and not audit(conn):
                transaction.rollback()
                return None
    return written


def _replace(engine: sa.Engine, model: Model, table: sa.Table, grant_year: int) -> int:
    with engine.begin() as conn:
        return _replace_in(conn, model, table, grant_year)


def _replace_in(conn: sa.Connection, model: Model, table: sa.Table, grant_year: int) -> int:
    columns = ", ".join(model.column_names)
    sql = render(model.template, grant_year, ref=grant_years_read(conn, model, grant_year), name=str(model.path),
                 earlier_grant_years=model.earlier_grant_years)
    _check_columns(conn, model, sql)
    conn.execute(sa.delete(table).where(table.c.grant_year == grant_year))
    inserted = conn.execute(sa.text(
        f"insert into {model.name} ({columns}) select {columns} from ({sql}) as model_rows")).rowcount
    in_year = conn.execute(sa.select(sa.func.count()).select_from(table)
                           .where(table.c.grant_year == grant_year)).scalar_one()
    if in_year != inserted:
        raise SqlModelError(f"{model.path}: {inserted - in_year} of {inserted} rows are not of grant year "
                            f"{grant_year}; nothing was written. What to do: filter every input on "
                            "grant_year = {{ grant_year }} (or select only that year's rows in `final`)")
    return inserted


def run_models(engine: sa.Engine, project: SqlProject, grant_year: int,
               select: list[str] | None = None) -> dict[str, int]:
    """Materialize the models (all, or ``select``) in dependency order; returns rows per model."""
    models = [m for n, m in project.models.items() if select is None or n in select]
    return materialize_together(engine, models, grant_year)
