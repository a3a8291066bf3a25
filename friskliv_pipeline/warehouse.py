"""The SQLAlchemy warehouse: contract tables, and one-transaction partition replacement.

Writing grant year Y of a table deletes that year's rows and inserts the new ones inside one
transaction, so a reader sees the old partition or the new one, never a mix, and writing the
same partition twice leaves identical tables. Values always travel as bound parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

import pandas as pd
import sqlalchemy as sa

from friskliv_pipeline.contract import TABLES, conform

SQL_TYPES = {"text": sa.Text, "int": sa.BigInteger, "bool": sa.Boolean, "datetime": sa.DateTime, "float": sa.Float}


def build_metadata() -> sa.MetaData:
    metadata = sa.MetaData()
    for table in TABLES.values():
        columns = [sa.Column(c.name, SQL_TYPES[c.type](), nullable=c.name != "grant_year", comment=c.description)
                   for c in table.columns]
        sa.Table(table.name, metadata, *columns, sa.Index(f"ix_{table.name}_grant_year", "grant_year"),
                 comment=table.description)
    return metadata


METADATA = build_metadata()


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values (None for every kind of missing), ready for bound parameters."""
    plain = frame.astype(object).where(frame.notna(), None)
    records = plain.to_dict("records")
    for record in records:
        for key, value in record.items():
            if isinstance(value, pd.Timestamp):
                record[key] = value.to_pydatetime()
    return records


class Warehouse:
    """A SQLAlchemy database holding the contract tables (SQLite file by default, or PostgreSQL)."""

    def __init__(self, url: str):
        self.url = url

    @cached_property
    def engine(self) -> sa.Engine:
        if self.url.startswith("sqlite:///"):
            from pathlib import Path

            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return sa.create_engine(self.url)

    def create_tables(self, names: Iterable[str] | None = None) -> None:
        tables = [METADATA.tables[n] for n in names] if names is not None else None
        METADATA.create_all(self.engine, tables=tables)

    def replace_partition(self, name: str, grant_year: int, frame: pd.DataFrame) -> int:
        """Replace grant year ``grant_year`` of table ``name`` with ``frame`` in one transaction."""
        frame = conform(frame, name)
        if (frame["grant_year"] != grant_year).any():
            raise ValueError(f"{name}: rows of another grant year than {grant_year} in the frame")
        table = METADATA.tables[name]
        self.create_tables([name])
        records = _records(frame)
        with self.engine.begin() as conn:
            conn.execute(sa.delete(table).where(table.c.grant_year == grant_year))
            if records:
                conn.execute(sa.insert(table), records)
        return len(records)

    def read(self, name: str, grant_year: int | None = None) -> pd.DataFrame:
        table = METADATA.tables[name]
        query = sa.select(table)
        if grant_year is not None:
            query = query.where(table.c.grant_year == grant_year)
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in table.columns])
        return conform(frame, name)

    def row_counts(self, grant_year: int, extra_tables: Iterable[str] = ()) -> dict[str, int]:
        """Rows of grant year ``grant_year`` in every contract table (and ``extra_tables``) that exists."""
        counts = {}
        inspector = sa.inspect(self.engine)
        names = list(METADATA.tables) + [t for t in extra_tables if t not in METADATA.tables]
        with self.engine.connect() as conn:
            for name in names:
                if inspector.has_table(name):
                    table = sa.table(name, sa.column("grant_year"))
                    counts[name] = conn.execute(sa.select(sa.func.count()).select_from(table)
                                                .where(table.c.grant_year == grant_year)).scalar_one()
        return counts
