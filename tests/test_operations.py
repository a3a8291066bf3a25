"""Operations: the yearly schedule, the new-export sensor, the executor switch, backfills and a
PostgreSQL-backed Dagster instance (issue 6)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from dagster import DagsterInstance, RunRequest, build_schedule_context, build_sensor_context

from friskliv_pipeline.defs.automation import new_export_sensor, yearly_after_reporting_deadline
from friskliv_pipeline.defs.resources import FrisklivResource
from tests.conftest import DEMO_LANDING, ROOT, demo_instance


def _run_requests(result) -> list[RunRequest]:
    return list(result.run_requests or [])


@pytest.mark.parametrize("when, year", [(dt.datetime(2025, 7, 2, 6, 0), 2024), (dt.datetime(2026, 7, 2, 6, 0), 2025)])
def test_schedule_runs_the_previous_grant_year_after_the_deadline(when, year):
    context = build_schedule_context(scheduled_execution_time=when)
    request = yearly_after_reporting_deadline(context)
    assert isinstance(request, RunRequest) and request.partition_key == str(year)
    assert yearly_after_reporting_deadline.cron_schedule == "0 6 2 7 *"  # 2 July, derived from the 1 July deadline


def test_schedule_skips_years_before_the_first_partition():
    context = build_schedule_context(scheduled_execution_time=dt.datetime(2023, 7, 2, 6, 0))
    result = yearly_after_reporting_deadline(context)
    assert not isinstance(result, RunRequest) and "not a partition" in result.skip_message


def _sensor(landing: Path, cursor: str | None):
    with DagsterInstance.ephemeral() as instance:
        with build_sensor_context(instance=instance, cursor=cursor,
                                  resources={"friskliv": FrisklivResource(landing_dir=str(landing))}) as context:
            return new_export_sensor(context)


def test_sensor_requests_each_new_export_once_and_again_when_it_changes(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(DEMO_LANDING, landing, ignore=shutil.ignore_patterns("*.md"))
    first = _sensor(landing, None)
    assert sorted(r.partition_key for r in first.run_requests) == ["2023", "2024"]

    unchanged = _sensor(landing, first.cursor)
    assert not unchanged.run_requests, "an unchanged export must never trigger again"

    export = next((landing / "2024").glob("*.xlsx"))
    export.write_bytes(export.read_bytes() + b"\0")  # a new version of the file
    changed = _sensor(landing, unchanged.cursor)
    assert [r.partition_key for r in changed.run_requests] == ["2024"]
    assert changed.run_requests[0].run_key != first.run_requests[1].run_key


def test_sensor_waits_for_a_year_that_is_not_a_partition_yet(tmp_path):
    landing = tmp_path / "landing"
    current = dt.date.today().year
    (landing / str(current)).mkdir(parents=True)
    shutil.copy(next((DEMO_LANDING / "2024").glob("*.xlsx")), landing / str(current) / "eksport.xlsx")
    result = _sensor(landing, None)
    assert not result.run_requests


def test_a_new_grant_year_folder_appears_without_code_change(tmp_path):
    """2025 is a partition (the year has ended); its folder is picked up by the sensor."""
    landing = tmp_path / "landing"
    (landing / "2025").mkdir(parents=True)
    shutil.copy(next((DEMO_LANDING / "2024").glob("*.xlsx")), landing / "2025" / "eksport.xlsx")
    result = _sensor(landing, None)
    assert [r.partition_key for r in result.run_requests] == ["2025"]


def test_executor_is_in_process_by_default_and_multiprocess_by_config(pipeline_env, demo_run, tmp_path):
    from friskliv_pipeline.warehouse.database import Warehouse

    # the shared demo run is the job's execute_in_process of 2024 (conftest.materialize_years): its events
    with demo_instance(demo_run) as instance:
        run = instance.get_run_by_id(demo_run["run_ids"][2024])
        assert run.is_success and run.job_name == "friskliv_yearly"
        engine_events = [r.dagster_event.message for r in instance.all_logs(run.run_id)
                         if r.is_dagster_event and r.dagster_event.event_type_value == "ENGINE_EVENT"]
        assert any("in process" in (m or "") for m in engine_events)
    # multiprocess needs a persistent instance: run it through a temporary DAGSTER_HOME
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with DagsterInstance.from_config(str(home)) as instance:
        from dagster import execute_job, reconstructable

        from friskliv_pipeline.definitions import yearly_job

        with execute_job(reconstructable(yearly_job), instance=instance,
                         run_config={"execution": {"config": {"multiprocess": {"max_concurrent": 2}}}},
                         tags={"dagster/partition": "2023"}) as mp_result:
            assert mp_result.success
            messages = [e.message or "" for e in mp_result.all_events]
            assert any("Multiprocess executor" in m for m in messages)
    assert Warehouse(os.environ["FRISKLIV_WAREHOUSE_URL"]).row_counts(2023)["projects"] == 108


@pytest.mark.slow
def test_backfill_of_every_grant_year_in_one_command(tmp_path):
    """`friskliv run` without --year materializes every grant year of the landing folder."""
    env = dict(os.environ, FRISKLIV_LANDING_DIR=str(DEMO_LANDING), FRISKLIV_DATA_DIR=str(tmp_path / "data"),
               DAGSTER_HOME=str(tmp_path / "home"), FRISKLIV_PSEUDONYM_KEY="k")
    env.pop("FRISKLIV_WAREHOUSE_URL", None)
    proc = subprocess.run([str(Path(sys.executable).parent / "friskliv"), "run"], capture_output=True, text=True,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    os.environ["DAGSTER_HOME"], saved = env["DAGSTER_HOME"], os.environ.get("DAGSTER_HOME")
    try:
        with DagsterInstance.get() as instance:
            partitions = sorted(r.tags["dagster/partition"] for r in instance.get_runs())
    finally:
        os.environ.pop("DAGSTER_HOME") if saved is None else os.environ.__setitem__("DAGSTER_HOME", saved)
    assert partitions == ["2023", "2024"]


@pytest.fixture
def pg_database():
    """A fresh PostgreSQL database for a Dagster instance's storage, dropped afterwards."""
    from tests.conftest import _pg_base_url

    base = sa.engine.make_url(_pg_base_url())
    name = f"dagster_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_pipeline_on_a_postgres_dagster_instance_and_warehouse(pipeline_env, pg_url, pg_database, tmp_path,
                                                                 monkeypatch):
    """deploy/dagster.yaml as shipped, pointed at a real local PostgreSQL; the warehouse there too."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_PG_HOST", pg_database.host or "127.0.0.1")
    monkeypatch.setenv("DAGSTER_PG_PORT", str(pg_database.port or 5432))
    monkeypatch.setenv("DAGSTER_PG_USER", pg_database.username or "postgres")
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", pg_database.password or "")
    monkeypatch.setenv("DAGSTER_PG_DB", pg_database.database)
    pipeline_env(pg_url)
    from friskliv_pipeline.definitions import defs

    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = defs.resolve_job_def("friskliv_yearly").execute_in_process(partition_key="2024", instance=instance)
        assert result.success
    engine = sa.create_engine(pg_database.set(drivername="postgresql+psycopg"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM runs")).scalar_one() == 1
    engine.dispose()
    from friskliv_pipeline.warehouse.database import Warehouse

    assert Warehouse(pg_url).row_counts(2024)["projects"] == 115
