"""The SQLAlchemy warehouse: contract tables, their staging twins, one-transaction replacement.

Writing grant year Y of a table deletes that year's rows and inserts the new ones inside one
transaction, so a reader sees the old partition or the new one, never a mix, and writing the
same partition twice leaves identical tables. Values always travel as bound parameters.

Write, audit, publish: a run writes the raw and clean tables to their staging twins
(``staging_<table>``, same columns), the checks read the staged rows, and only a run whose
blocking checks passed copies them to the published tables, every table of the year in one
transaction (``publish``). A blocked, failed or killed run leaves the published tables as they
were; its staged rows stay until the next run of the year replaces them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cached_property

import pandas as pd
import sqlalchemy as sa

from friskliv_pipeline.core.contract import TABLES, conform, typed_columns

SQL_TYPES = {"text": sa.Text, "int": sa.BigInteger, "bool": sa.Boolean, "datetime": sa.DateTime, "float": sa.Float}
STAGING_PREFIX = "staging_"
STAGED_LAYERS = ("raw", "clean", "audit")  # layers whose tables have a staging twin


def staging_name(table: str) -> str:
    return STAGING_PREFIX + table


def contract_name(name: str) -> str:
    """The contract table a warehouse table follows (a staging twin follows its published table)."""
    return name.removeprefix(STAGING_PREFIX)


QUERY_CHUNK_ROWS = 20_000  # read_query: 1000× audit_findings held 415 MiB of RSS in chunks of 100 000 rows, 244 in 20 000


def read_query(conn, sql: str, params: dict | None = None, chunk_rows: int = QUERY_CHUNK_ROWS) -> pd.DataFrame:
    """``pd.read_sql_query`` as the report reads (object columns, None for missing), fetched
    ``chunk_rows`` at a time with every text held once across the chunks: the database hands over
    a new string per cell, and the auditor's package reads 200 000 findings and 119 000 responses at
    the benchmark's 1000× whose counties, rules, messages and answers repeat (audit_findings alone:
    345 MiB deep as one read, 154 MiB of distinct objects). Values, dtypes and order are those of one read."""
    held: dict[str, str] = {}
    parts = []
    for part in pd.read_sql_query(sa.text(sql), conn, params=params or {}, chunksize=chunk_rows):
        for name in part.columns:
            values = part[name]
            if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
                part[name] = pd.Series([held.setdefault(v, v) if type(v) is str else v for v in values],
                                       index=values.index, dtype=values.dtype)
        parts.append(part)
    if len(parts) == 1:  # an empty result reads as object columns, as one read_sql_query gives them
        return parts[0].astype(object) if parts[0].empty else parts[0]
    frame = pd.concat(parts, ignore_index=True)
    mixed = [c for c in frame.columns if len({str(p[c].dtype) for p in parts}) > 1]  # e.g. a chunk of NULLs only
    return frame.astype({c: frame[c].infer_objects().dtype for c in mixed}) if mixed else frame


def build_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    for table in TABLES.values():
        names = [table.name] + ([staging_name(table.name)] if table.layer in STAGED_LAYERS else [])
        for name in names:
            columns = [sa.Column(c.name, SQL_TYPES[c.type](), nullable=c.name != "grant_year", comment=c.description)
                       for c in table.columns]
            comment = table.description if name == table.name else f"Staged rows of {table.name} (the last run of each grant year)"
            sa.Table(name, metadata, *columns, sa.Index(f"ix_{name}_grant_year", "grant_year"), comment=comment)
    return metadata


METADATA = build_metadata()
INSERT_CHUNK_ROWS = 50_000
READ_CHUNK_ROWS = 100_000


def _columns_as_python(frame: pd.DataFrame) -> list[list]:
    """Each column as a list of plain Python values (None for every kind of missing).

    Column-wise and vectorised: ``tolist()`` of an object array hands back Python ints, floats,
    bools, strings and datetimes, which every DBAPI driver binds.
    """
    columns = []
    for name in frame.columns:
        series = frame[name]
        values = series.astype(object).where(series.notna(), None).tolist()
        if series.dtype.kind == "M":  # datetime64: Python datetimes, not pandas Timestamps
            values = [None if v is None else v.to_pydatetime() for v in values]
        columns.append(values)
    return columns


class Warehouse:
    """A SQLAlchemy database holding the contract tables (SQLite file by default, or PostgreSQL)."""

    def __init__(self, url: str):
        self.url = url

    @cached_property
    def engine(self) -> sa.Engine:
        if self.url.startswith("sqlite:///"):
            from pathlib import Path

            folder = Path(self.url.removeprefix("sqlite:///")).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                from friskliv_pipeline.core.errors import FrisklivError

                raise FrisklivError(f"the SQLite warehouse's folder {folder} cannot be created ({exc.strerror}). "
                                    "What to do: set FRISKLIV_WAREHOUSE_URL (or FRISKLIV_DATA_DIR) to a folder "
                                    "you can write to") from None
        # A dropped connection is reported once, as the step's error (see errors.py); the pool's own
        # "Exception during reset" traceback on the way out would only repeat it.
        logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
        return sa.create_engine(self.url, pool_pre_ping=True)

    def dispose(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    def create_tables(self, names: Iterable[str] | None = None) -> None:
        tables = [METADATA.tables[n] for n in names] if names is not None else None
        METADATA.create_all(self.engine, tables=tables)

    def upgrade(self) -> list[str]:
        """Bring the tables of an existing warehouse to the contract's shape, losing no row: a table
        that lacks a contract column gets it (NULL in the rows already there: a later run of their
        grant year fills it); a table with a column the contract no longer has is rebuilt with the
        contract's columns, every row and every kept column copied. Returns one phrase per table
        changed ("audit_findings: +question_id, +value"); nothing when the warehouse is current.
        Tables not yet created are left to the run that writes them."""
        inspector = sa.inspect(self.engine)
        existing_tables = set(inspector.get_table_names())
        changes = []
        for name, table in METADATA.tables.items():
            if name not in existing_tables:
                continue
            have = [c["name"] for c in inspector.get_columns(name)]
            added = [c for c in table.columns if c.name not in have]
            dropped = [c for c in have if c not in table.columns]
            if not added and not dropped:
                continue
            if dropped:
                self._rebuild(table, [c for c in have if c in table.columns])
            else:
                self._add_columns(table, added)
            changes.append(f"{name}: " + ", ".join([*(f"+{c.name}" for c in added), *(f"-{c}" for c in dropped)]))
        return changes

    def _add_columns(self, table: sa.Table, columns: list[sa.Column]) -> None:
        with self.engine.begin() as conn:
            quote = conn.dialect.identifier_preparer.quote
            present = {c["name"] for c in sa.inspect(conn).get_columns(table.name)}  # another run may have added it
            for column in columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=conn.dialect)
                    guard = "IF NOT EXISTS " if conn.dialect.name == "postgresql" else ""  # a concurrent run's upgrade
                    conn.execute(sa.text(f"ALTER TABLE {quote(table.name)} ADD COLUMN {guard}{quote(column.name)} {kind}"))

    def _rebuild(self, table: sa.Table, kept: list[str]) -> None:
        """``table`` anew with the contract's columns and its rows copied (``kept`` columns), in one transaction."""
        temporary = sa.Table(f"{table.name}__upgrade", sa.MetaData(),
                             *(sa.Column(c.name, c.type, nullable=c.nullable) for c in table.columns))
        with self.engine.begin() as conn:
            quote = conn.dialect.identifier_preparer.quote
            temporary.create(conn)
            columns = ", ".join(quote(c) for c in kept)
            conn.execute(sa.text(f"INSERT INTO {quote(temporary.name)} ({columns}) SELECT {columns} "
                                 f"FROM {quote(table.name)}"))
            conn.execute(sa.text(f"DROP TABLE {quote(table.name)}"))
            conn.execute(sa.text(f"ALTER TABLE {quote(temporary.name)} RENAME TO {quote(table.name)}"))
            for index in table.indexes:
                index.create(conn)

    def replace_partition(self, name: str, grant_year: int, frame: pd.DataFrame) -> int:
        """Replace grant year ``grant_year`` of table ``name`` with ``frame`` in one transaction."""
        frame = conform(frame, contract_name(name))
        if (frame["grant_year"] != grant_year).any():
            raise ValueError(f"{name}: rows of another grant year than {grant_year} in the frame")
        self.create_tables([name])
        with self.engine.begin() as conn:
            table = METADATA.tables[name]
            conn.execute(sa.delete(table).where(table.c.grant_year == grant_year))
            self.insert_rows(conn, name, frame)
        return len(frame)

    @staticmethod
    def insert_rows(conn: sa.Connection, name: str, frame: pd.DataFrame) -> None:
        """Append ``frame`` (already conformed) to table ``name`` inside the caller's transaction.

        The bulk path: the INSERT is compiled once for the dialect and the rows go to the DBAPI
        driver's ``executemany`` (tuples; dicts for named paramstyles), each column passed through its type's
        bind processor (so values are stored exactly as ``conn.execute(insert(table), rows)``
        would store them), skipping SQLAlchemy's per-row parameter handling.
        """
        if frame.empty:
            return
        table = METADATA.tables[name]
        dialect = conn.dialect
        statement = sa.insert(table).compile(dialect=dialect)
        names = statement.positiontup  # positional paramstyles (sqlite: ?) name the order here
        position = {c: i for i, c in enumerate(frame.columns)}
        processors = [None if isinstance(column.type, sa.Boolean) else column.type.bind_processor(dialect)
                      for column in table.columns]
        for start in range(0, len(frame), INSERT_CHUNK_ROWS):  # bounded memory: one chunk of tuples at a time
            columns = _columns_as_python(frame.iloc[start:start + INSERT_CHUNK_ROWS])
            for i, process in enumerate(processors):
                # Python bools bind natively (sqlite3 stores them as 1/0, psycopg as boolean): what
                # the Boolean processor would send, without a Python call per value.
                if process is not None:
                    columns[i] = [None if v is None else process(v) for v in columns[i]]
            if names is None:  # named/pyformat paramstyles (psycopg: %(name)s): rows as dicts
                rows = [dict(zip(frame.columns, values)) for values in zip(*columns)]
            else:
                rows = list(zip(*(columns[position[n]] for n in names)))
            conn.exec_driver_sql(str(statement), rows)

    def read(self, name: str, grant_year: int | None = None, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Table ``name`` (one grant year, or all; all columns or ``columns``) typed as the contract says.

        Rows come straight from the DBAPI cursor as plain tuples and ``typed_columns`` types whole
        columns (SQLite's stored datetime text and 0/1 booleans included): no per-row result
        processing, which costs more than the query itself on a million rows.
        """
        table = METADATA.tables[name]
        selected = [table.c[c] for c in columns] if columns is not None else list(table.columns)
        query = sa.select(*selected)
        if grant_year is not None:
            query = query.where(table.c.grant_year == sa.literal(int(grant_year), literal_execute=True))
        names = [c.name for c in selected]
        chunks = []
        with self.engine.connect() as conn:
            sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                cursor.execute(sql)
                while rows := cursor.fetchmany(READ_CHUNK_ROWS):  # bounded memory: tuples of one chunk at a time
                    # typed chunk by chunk: a chunk's repeated texts become one string object each
                    # (contract._typed) before the next chunk is fetched
                    chunks.append(typed_columns(pd.DataFrame.from_records(rows, columns=names, coerce_float=False),
                                                contract_name(name), share_texts=True))
            finally:
                cursor.close()
        if not chunks:
            return typed_columns(pd.DataFrame(columns=names), contract_name(name))
        return pd.concat(chunks, ignore_index=True)  # the selected columns, in the contract's order when all

    def publish(self, names: Iterable[str], grant_year: int) -> dict[str, int]:
        """Replace grant year ``grant_year`` of every table in ``names`` with its staged rows, all in
        one transaction; returns the rows published per table. The staged rows stay (inspectable)."""
        names = list(names)
        self.create_tables([*names, *(staging_name(n) for n in names)])
        counts = {}
        with self.engine.begin() as conn:
            for name in names:
                target, staged = METADATA.tables[name], METADATA.tables[staging_name(name)]
                columns = [c.name for c in target.columns]
                conn.execute(sa.delete(target).where(target.c.grant_year == grant_year))
                conn.execute(sa.insert(target).from_select(columns, sa.select(*(staged.c[c] for c in columns))
                                                           .where(staged.c.grant_year == grant_year)))
                counts[name] = conn.execute(sa.select(sa.func.count()).select_from(target)
                                            .where(target.c.grant_year == grant_year)).scalar_one()
        return counts

    def row_counts(self, grant_year: int, extra_tables: Iterable[str] = ()) -> dict[str, int]:
        """Rows of grant year ``grant_year`` in every contract table (and ``extra_tables``) that exists."""
        counts = {}
        inspector = sa.inspect(self.engine)
        names = [n for n in METADATA.tables if n == contract_name(n)] + [t for t in extra_tables if t not in METADATA.tables]
        with self.engine.connect() as conn:
            for name in names:
                if inspector.has_table(name):
                    table = sa.table(name, sa.column("grant_year"))
                    counts[name] = conn.execute(sa.select(sa.func.count()).select_from(table)
                                                .where(table.c.grant_year == grant_year)).scalar_one()
        return counts
