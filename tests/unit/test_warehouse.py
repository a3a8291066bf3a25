"""The warehouse's bulk write and read paths store and return exactly what the contract says,
on SQLite and PostgreSQL: every column type, every kind of missing, hostile text."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from friskliv_pipeline.core.contract import TABLES, conform
from friskliv_pipeline.warehouse.database import METADATA, Warehouse

HOSTILE = "'); DROP TABLE projects; -- æøå \"x\" %(grant_year)s ?"


def _audit_results(n: int, grant_year: int = 2024) -> pd.DataFrame:
    """audit_check_results has text, bool and datetime columns; ints come from grant_year."""
    return pd.DataFrame({
        "grant_year": [grant_year] * n,
        "run_id": [f"run-{i}" for i in range(n)],
        "asset": ["projects"] * n,
        "check_name": [HOSTILE if i == 0 else f"rule.{i}" for i in range(n)],
        "kind": ["breach"] * n,
        "severity": ["ERROR", "WARN"] * (n // 2) + ["WARN"] * (n % 2),
        "status": [("passed", "failed", None)[i % 3] for i in range(n)],
        "passed": [(True, False, None)[i % 3] for i in range(n)],
        "observed": [None if i % 4 == 0 else str(i) for i in range(n)],
        "expected": [np.nan if i % 5 == 0 else "≤ 20 %" for i in range(n)],
        "reason": [None] * n,
        "reason_nb": [None] * n,
        "n_records": [i if i % 2 else None for i in range(n)],
        "n_evaluated": [None if i % 3 == 2 else 100 + i for i in range(n)],
        "checked_at": [dt.datetime(2024, 7, 2, 6, 0, 1, 123456) + dt.timedelta(seconds=i) for i in range(n)],
    })


def _stored_by_sqlalchemy(url: str, name: str, frame: pd.DataFrame) -> list[tuple]:
    """What SQLAlchemy's own ORM-free insert path stores for the same rows (the reference)."""
    engine = sa.create_engine(url)
    table = METADATA.tables[name]
    METADATA.create_all(engine, tables=[table])
    records = conform(frame, name).astype(object).where(lambda f: f.notna(), None).to_dict("records")
    for r in records:
        r["checked_at"] = r["checked_at"].to_pydatetime() if r["checked_at"] is not None else None
    with engine.begin() as conn:
        conn.execute(sa.delete(table))
        conn.execute(sa.insert(table), records)
        raw = conn.exec_driver_sql(f"SELECT * FROM {name} ORDER BY run_id").fetchall()
        conn.execute(sa.delete(table))
    engine.dispose()
    return [tuple(r) for r in raw]


def test_bulk_insert_stores_what_sqlalchemy_would(warehouse_url):
    frame = _audit_results(7)
    reference = _stored_by_sqlalchemy(warehouse_url, "audit_check_results", frame)
    warehouse = Warehouse(warehouse_url)
    assert warehouse.replace_partition("audit_check_results", 2024, frame) == 7
    with warehouse.engine.connect() as conn:
        stored = [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM audit_check_results ORDER BY run_id")]
    assert stored == reference


def test_read_returns_the_contract_types_and_values(warehouse_url):
    frame = _audit_results(6)
    warehouse = Warehouse(warehouse_url)
    warehouse.replace_partition("audit_check_results", 2024, frame)
    back = warehouse.read("audit_check_results", 2024).sort_values("run_id").reset_index(drop=True)
    expected = conform(frame, "audit_check_results")
    assert [str(t) for t in back.dtypes] == [str(t) for t in expected.dtypes]
    pd.testing.assert_frame_equal(back, expected)
    assert back.loc[0, "check_name"] == HOSTILE
    assert back["passed"].isna().sum() == 2 and back["observed"].isna().sum() == 2


def test_replace_partition_keeps_other_years_and_empties_on_an_empty_frame(warehouse_url):
    warehouse = Warehouse(warehouse_url)
    warehouse.replace_partition("audit_check_results", 2023, _audit_results(3, 2023))
    warehouse.replace_partition("audit_check_results", 2024, _audit_results(4))
    warehouse.replace_partition("audit_check_results", 2024, _audit_results(0))
    assert len(warehouse.read("audit_check_results", 2024)) == 0
    assert len(warehouse.read("audit_check_results", 2023)) == 3


@pytest.mark.parametrize("name", ["projects", "raw_responses", "project_attainment"])
def test_every_contract_table_round_trips_an_all_null_row(warehouse_url, name):
    columns = TABLES[name].column_names
    frame = pd.DataFrame({c: [2024 if c == "grant_year" else None] for c in columns})
    warehouse = Warehouse(warehouse_url)
    warehouse.replace_partition(name, 2024, frame)
    back = warehouse.read(name, 2024)
    assert len(back) == 1 and back.drop(columns="grant_year").isna().all(axis=None)


def test_read_of_some_columns_types_them_and_reads_all_rows_in_chunks(warehouse_url, monkeypatch):
    import friskliv_pipeline.warehouse.database as wh

    monkeypatch.setattr(wh, "READ_CHUNK_ROWS", 4)  # several fetchmany chunks for 11 rows
    monkeypatch.setattr(wh, "INSERT_CHUNK_ROWS", 3)  # several executemany chunks
    frame = _audit_results(11)
    warehouse = Warehouse(warehouse_url)
    warehouse.replace_partition("audit_check_results", 2024, frame)
    back = warehouse.read("audit_check_results", 2024, columns=["checked_at", "run_id", "passed"])
    assert list(back.columns) == ["checked_at", "run_id", "passed"]
    assert str(back["checked_at"].dtype) == "datetime64[us]" and str(back["passed"].dtype) == "boolean"
    expected = conform(frame, "audit_check_results")[["checked_at", "run_id", "passed"]]
    pd.testing.assert_frame_equal(back.sort_values("run_id").reset_index(drop=True),
                                  expected.sort_values("run_id").reset_index(drop=True))
