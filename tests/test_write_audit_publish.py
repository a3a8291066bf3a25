"""Write, audit, publish: a grant year's published tables change only when its run passes the
blocking checks, and a killed or disconnected run leaves them entirely old or entirely new.

The published tables are the raw and clean tables the marts and the report read; a run writes
their staged twins (``staging_<table>``), the checks judge those, and ``publish_checked_tables``
copies them in one transaction. Runs here are real: the Dagster job in-process, or ``friskliv
run`` as a subprocess that the test kills (SIGKILL by PID) or cuts off from PostgreSQL
(``pg_terminate_backend``) at a moment it waits for on the database itself, never on a timer.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from friskliv_pipeline.warehouse.staging import STAGED_TABLES
from friskliv_pipeline.warehouse.database import Warehouse
from tests.test_checks_pipeline import _plant_unknown_county

pytestmark = pytest.mark.slow

FRISKLIV = [sys.executable, "-m", "friskliv_pipeline.operations.cli"]
MARTS = ("mart_national_summary", "mart_county_summary", "mart_attainment")


def _published(url: str, year: int) -> dict[str, pd.DataFrame]:
    """Every published table's rows of ``year`` (and three marts), in a stable order."""
    warehouse = Warehouse(url)
    frames = {t: warehouse.read(t, year) for t in STAGED_TABLES}
    with warehouse.engine.connect() as conn:
        for mart in MARTS:
            frames[mart] = pd.read_sql_query(sa.text(f'SELECT * FROM "{mart}" WHERE grant_year = :y'), conn,
                                             params={"y": year})
    warehouse.dispose()
    return {t: f.sort_values(list(f.columns)).reset_index(drop=True) for t, f in frames.items()}


def _assert_same(before: dict, after: dict) -> None:
    assert before.keys() == after.keys()
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)


def _audit(url: str, table: str, year: int) -> pd.DataFrame:
    warehouse = Warehouse(url)
    frame = warehouse.read(table, year)
    warehouse.dispose()
    return frame


def test_a_blocked_run_leaves_every_published_table_as_it_was(published_warehouse, run_year, tmp_path):
    warehouse_url, good_run_id = published_warehouse["url"], published_warehouse["run_id"]
    before = _published(warehouse_url, 2024)
    assert len(before["projects"]) == 115

    _plant_unknown_county(tmp_path / "landing", "Akershus", "Viken")  # a 2023 county: a blocking ERROR
    blocked = run_year(2024, raise_on_error=False)
    assert not blocked.success
    _assert_same(before, _published(warehouse_url, 2024))

    # The rejected export stays inspectable in staging, beside the published rows it did not replace.
    staged = Warehouse(warehouse_url).read("staging_projects", 2024)
    assert (staged["county_reported"] == "Viken").sum() == 1
    assert "Viken" not in set(before["projects"]["county_reported"])
    # The audit tables hold the blocked run's results and name the blocking finding.
    checks = _audit(warehouse_url, "audit_check_results", 2024)
    assert set(checks["run_id"]) == {blocked.run_id} != {good_run_id}
    blocking = checks[(checks["check_name"] == "q01.county_in_structure") & (checks["asset"] == "projects")]
    assert blocking[["severity", "status", "passed"]].values.tolist() == [["ERROR", "failed", False]]
    findings = _audit(warehouse_url, "audit_findings", 2024)
    hit = findings[findings["rule"] == "q01.county_in_structure"]
    assert set(hit["county"]) == {"Viken"} and set(hit["run_id"]) == {blocked.run_id}


# -- runs as the data engineer starts them, killed or disconnected on purpose ----------------------------

def test_a_blocking_failure_prints_each_finding_with_its_row(pipeline_env, tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    pipeline_env(url)
    _plant_unknown_county(tmp_path / "landing", "Akershus", "Viken")
    proc = _start_run(tmp_path)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    staged = Warehouse(url).read("staging_projects", 2024)
    viken = staged[staged["county_reported"] == "Viken"].iloc[0]
    where = f"(row {viken['source_row']}, response {viken['response_id']})"
    lines = err.splitlines()
    assert (f"friskliv: grant year 2024 not published, a blocking check failed: projects q01.county_in_structure: "
            f"'Viken' is not a county of the 2024 county structure {where}") in lines
    assert any(line.startswith("friskliv: grant year 2024 not published, a blocking check failed: project_attainment "
                               "q01.county_in_structure: 'Viken' is not a county of the 2024 county structure "
                               "(criterion 1) " + where) for line in lines)
    assert "nothing of this grant year was published" in err and "What to do: correct the export" in err
    assert "Traceback" not in err and not re.search(r"\b\w+(Error|Exception):", err), err
    assert "q01_county_in_structure" not in err  # the rule id as in docs/checks.md, not the check's name


def test_a_lost_sqlite_database_is_named_as_such():
    """SQLite has no server to lose; its driver's words for a database gone away get the same line."""
    import sqlite3

    from dagster._utils.error import serializable_error_info_from_exc_info

    from friskliv_pipeline.operations.run_summary import failure_line as _failure_line

    try:
        sqlite3.connect("file:/nonexistent/dir/w.sqlite?mode=rw", uri=True).execute("SELECT 1")
    except sqlite3.OperationalError:
        error = serializable_error_info_from_exc_info(sys.exc_info())
    line = _failure_line(2024, "staging__projects", error, "sqlite:////nonexistent/dir/w.sqlite")
    assert line == ("friskliv: grant year 2024 failed in step staging/projects: the database connection was lost "
                    "or refused (unable to open database file). What to do: check that the "
                    "warehouse at sqlite:////nonexistent/dir/w.sqlite is up and reachable, then run "
                    "`friskliv run --year 2024` again")

def _start_run(tmp_path: Path, year: int = 2024) -> subprocess.Popen:
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "dagster_home")}
    return subprocess.Popen([*FRISKLIV, "run", "--year", str(year)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for(condition, what: str, proc: subprocess.Popen | None = None, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the run ended before {what}: {proc.communicate()}")
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def _staged_audit_runs(engine: sa.Engine, year: int) -> set[str]:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("staging_audit_check_results"):
            return set()
        return set(conn.execute(sa.text("SELECT DISTINCT run_id FROM staging_audit_check_results "
                                        "WHERE grant_year = :y"), {"y": year}).scalars())


def test_a_run_killed_between_two_suites_keeps_the_previous_audit(demo_copy, run_year, tmp_path):
    url, good_run_id = demo_copy["url"], demo_copy["run_ids"][2024]  # the demo's 2023 and 2024, published
    checks_before = _audit(url, "audit_check_results", 2024)
    findings_before = _audit(url, "audit_findings", 2024)
    engine = sa.create_engine(url)

    proc = _start_run(tmp_path)
    staged_run = _wait_for(lambda: _staged_audit_runs(engine, 2024) - {good_run_id}, "a suite's staged audit rows", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    with engine.connect() as conn:
        suites_staged = conn.execute(sa.text("SELECT COUNT(DISTINCT asset) FROM staging_audit_check_results "
                                             "WHERE run_id = :r"), {"r": next(iter(staged_run))}).scalar_one()
    assert 1 <= suites_staged < 8, "killed between two suites' audit writes"
    pd.testing.assert_frame_equal(checks_before, _audit(url, "audit_check_results", 2024))
    pd.testing.assert_frame_equal(findings_before, _audit(url, "audit_findings", 2024))
    assert set(_audit(url, "audit_check_results", 2024)["run_id"]) == {good_run_id}

    rerun = run_year(2024)  # the next complete run replaces them, and clears the orphaned staging rows
    assert set(_audit(url, "audit_check_results", 2024)["run_id"]) == {rerun.run_id}
    assert _staged_audit_runs(engine, 2024) == set()
    engine.dispose()


def _backends(engine: sa.Engine, application: str, waiting_on_lock: bool = False) -> list[int]:
    query = "SELECT pid FROM pg_stat_activity WHERE application_name = :app"
    if waiting_on_lock:
        query += " AND wait_event_type = 'Lock'"
    with engine.connect() as conn:
        return list(conn.execute(sa.text(query), {"app": application}).scalars())


def _with_application_name(url: str, name: str) -> str:
    return sa.engine.make_url(url).update_query_dict({"application_name": name}).render_as_string(hide_password=False)


@pytest.mark.postgres
def test_a_run_killed_during_publish_leaves_the_year_entirely_old(pipeline_env, pg_url, run_year, tmp_path):
    pipeline_env(pg_url)
    run_year(2024)
    before = _published(pg_url, 2024)
    app = f"friskliv_publish_{tmp_path.name}"[:60]
    pipeline_env(_with_application_name(pg_url, app))
    engine = sa.create_engine(pg_url)

    # Hold the published 2024 project rows: publish deletes raw_responses and responses rows in its
    # transaction, then waits here. The run is killed while its transaction is open.
    holder = engine.connect()
    transaction = holder.begin()
    holder.execute(sa.text("SELECT response_id FROM projects WHERE grant_year = 2024 FOR SHARE")).all()
    proc = _start_run(tmp_path)
    blocked = _wait_for(lambda: _backends(engine, app, waiting_on_lock=True), "publish to wait on the held rows", proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    transaction.rollback()
    holder.close()
    _wait_for(lambda: not set(blocked) & set(_backends(engine, app)), "the killed run's backend to end")

    _assert_same(before, _published(pg_url, 2024))
    rerun = run_year(2024)  # and the next run publishes
    assert rerun.success
    staged = Warehouse(pg_url).read("staging_projects", 2024)
    assert len(_published(pg_url, 2024)["projects"]) == len(staged) == 115
    engine.dispose()


@pytest.mark.postgres
def test_a_lost_connection_during_the_checks_is_one_line_and_says_what_was_published(pipeline_env, pg_url, run_year,
                                                                                      tmp_path):
    pipeline_env(pg_url)
    good = run_year(2024)
    before = _published(pg_url, 2024)
    app = f"friskliv_lost_{tmp_path.name}"[:60]
    pipeline_env(_with_application_name(pg_url, app))
    engine = sa.create_engine(pg_url)

    proc = _start_run(tmp_path)
    # Once the checks are under way, make every later suite wait on a staged table it reads, then
    # terminate the run's waiting connection as a server restart would.
    _wait_for(lambda: _staged_audit_runs(engine, 2024) - {good.run_id}, "the checks to start", proc)
    holder = engine.connect()
    transaction = holder.begin()
    for table in ("staging_projects", "staging_responses", "staging_cleaning_issues"):
        holder.execute(sa.text(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE'))
    waiting = _wait_for(lambda: _backends(engine, app, waiting_on_lock=True), "a check to wait on a staged table", proc)
    with engine.connect() as admin:
        for pid in waiting:
            admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    transaction.rollback()
    holder.close()
    out, err = proc.communicate(timeout=300)

    assert proc.returncode == 1
    assert "Traceback" not in out + err and "Exception during reset" not in err
    lines = [line for line in err.splitlines() if line.startswith("friskliv:")]
    assert len(lines) == 1, err
    assert lines[0].startswith("friskliv: grant year 2024 failed in step ")
    assert "_checks: the database connection was lost or refused (" in lines[0]
    assert "What to do: check that the warehouse at postgresql+psycopg://" in lines[0]
    # allocations_checks is a check step that never blocks (WARN): the publishing steps ran without it,
    # and the message says so, as the report folder's manifest shows (it used to say nothing was published)
    import json

    run_id = re.search(r"Dagster run ([0-9a-f-]{36})", err).group(1)
    manifest = json.loads((tmp_path / "data" / "reports" / "2024" / "manifest.json").read_text(encoding="utf-8"))
    said = [line for line in err.splitlines() if line.startswith(("  published: ", "  nothing of this run"))]
    assert len(said) == 1, err
    assert ("the report folder holds this run's report" in said[0]) == (manifest["run_id"] == run_id), said[0]
    assert said[0].startswith("  published: this run's checked tables were published; the marts were rebuilt")
    assert "OperationalError" not in lines[0]
    _assert_same(before, _published(pg_url, 2024))
    engine.dispose()

    assert run_year(2024).success  # once the database is back, the next run publishes
