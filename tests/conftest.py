"""Shared fixtures: real warehouses (SQLite file, PostgreSQL schema), a real Dagster instance, and
the standard demo run every reading test shares.

PostgreSQL: the server named by FRISKLIV_TEST_POSTGRES_URL (``make test`` finds or starts the
local one). Each test gets its own schema, dropped afterwards, so tests never see each other's
tables; under pytest-xdist each worker has a database of its own too (``<db>_gw0``, …), so a test
that watches or terminates the database's backends sees only its own worker's. Without a server
the PostgreSQL tests skip with a message, except in CI (FRISKLIV_REQUIRE_POSTGRES=1), where they fail.

pytest-xdist (``make test`` runs ``-n auto --dist loadfile``): each test file runs on one worker, so
a module-scoped fixture (a module's own run of the job) is built once, not once per worker. The
demo run of 2023 and 2024 that many tests only read is built once per session for all workers
(:func:`demo_run`, and :func:`demo_run_postgres` on PostgreSQL); a test that runs the job again on
top of it works on a copy (:func:`demo_copy`). Both keep the Dagster instance that ran them, so a
test that asserts on a run's events (check evaluations, engine events) reads them there
(:func:`demo_instance`, :func:`check_evaluations`) instead of running the job for its result object.
(``--dist loadgroup`` would spread a file's tests too, but pytest-xdist 3.8 cannot tag the groups
on pytest 9.2, whose node ids are no longer a plain attribute: every test went anywhere.)
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings

# Property-based tests are deterministic everywhere (same examples on every run, no example
# database), so CI cannot turn red or green by chance; every case they ever found is pinned with
# @example. HYPOTHESIS_PROFILE=explore searches randomly, to look for new cases locally.
hypothesis_settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False, database=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = ROOT / "assets" / "reference"
DEMO_LANDING = ROOT / "assets" / "raw"
DEMO_KEY = "k"  # the pseudonym key of materialize_years and the shared demo run
PG_ENV = "FRISKLIV_TEST_POSTGRES_URL"
HOW_TO_ENABLE_PG = (f"no PostgreSQL server: set {PG_ENV}=postgresql+psycopg://USER@HOST:5432/DB "
                    "(`make test` does this when a local server answers)")


def _pg_base_url() -> str | None:
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        if os.environ.get("FRISKLIV_REQUIRE_POSTGRES"):
            pytest.fail(f"FRISKLIV_REQUIRE_POSTGRES is set but {PG_ENV} is not")
        pytest.skip(HOW_TO_ENABLE_PG)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    try:
        return _worker_database(url, worker)
    except sa.exc.OperationalError as exc:
        if os.environ.get("FRISKLIV_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"{HOW_TO_ENABLE_PG} ({exc.__class__.__name__})")


@functools.cache
def _worker_database(base: str, worker: str) -> str:
    """The URL of ``<db>_<worker>`` on the same server, created on first use and kept for the next
    session: what test_run_messages terminates (the backends of its ``current_database()``) can
    then never be another worker's connection."""
    url = sa.engine.make_url(base)
    name = f"{url.database}_{worker}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is None:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def pg_url():
    """A PostgreSQL URL whose search_path is a fresh schema of this test's own."""
    base = _pg_base_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        if os.environ.get("FRISKLIV_REQUIRE_POSTGRES"):
            raise
        pytest.skip(f"{HOW_TO_ENABLE_PG} ({exc.__class__.__name__})")
    url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def warehouse_url(request, tmp_path):
    """Each test using this runs twice: on a SQLite file and on a PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def pipeline_env(tmp_path, monkeypatch):
    """Point the pipeline at a temporary data dir and a copy of the demo landing folder.

    Returns a function to set the warehouse URL; the landing copy is at ``tmp_path / 'landing'``.
    """
    landing = tmp_path / "landing"
    shutil.copytree(DEMO_LANDING, landing, ignore=shutil.ignore_patterns("*.md"))
    data = tmp_path / "data"
    monkeypatch.setenv("FRISKLIV_LANDING_DIR", str(landing))
    monkeypatch.setenv("FRISKLIV_REFERENCE_DIR", str(REFERENCE_DIR))
    monkeypatch.setenv("FRISKLIV_DATA_DIR", str(data))
    monkeypatch.setenv("FRISKLIV_PSEUDONYM_KEY", "test-key")
    monkeypatch.delenv("FRISKLIV_WAREHOUSE_URL", raising=False)

    def use_warehouse(url: str) -> None:
        monkeypatch.setenv("FRISKLIV_WAREHOUSE_URL", url)

    use_warehouse(f"sqlite:///{data / 'warehouse.sqlite'}")
    return use_warehouse


@pytest.fixture
def dagster_instance():
    from dagster import DagsterInstance

    with DagsterInstance.ephemeral() as instance:
        yield instance


@pytest.fixture
def run_year(dagster_instance):
    """Materialize the yearly job for one grant year in-process; returns the Dagster result."""
    from friskliv_pipeline.definitions import YEARLY_JOB_NAME, defs

    job = defs.resolve_job_def(YEARLY_JOB_NAME)

    def run(year: int, raise_on_error: bool = True):
        return job.execute_in_process(partition_key=str(year), instance=dagster_instance,
                                      raise_on_error=raise_on_error)

    return run


def materialize_years(tmp: Path, years: list[str], prepare_landing=None, dagster_home: Path | None = None,
                      url: str | None = None) -> dict:
    """Run the yearly job for ``years`` on a copy of the demo landing folder under ``tmp``, once.

    For module-scoped fixtures (the report and security tests share one run per module).
    ``prepare_landing(landing)`` may edit the copy first. The Dagster instance is ephemeral, or the
    persistent one in ``dagster_home`` (a test reads the runs' events later with
    :func:`demo_instance`). The warehouse is a SQLite file under ``tmp``, or ``url``. Returns paths,
    the URL and the last run.
    """
    from dagster import DagsterInstance

    from friskliv_pipeline.definitions import defs

    landing = tmp / "landing"
    shutil.copytree(DEMO_LANDING, landing, ignore=shutil.ignore_patterns("*.md"))
    if prepare_landing is not None:
        prepare_landing(landing)
    url = url or f"sqlite:///{tmp / 'data' / 'warehouse.sqlite'}"
    run_ids = {}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {"FRISKLIV_LANDING_DIR": landing, "FRISKLIV_REFERENCE_DIR": REFERENCE_DIR,
                           "FRISKLIV_DATA_DIR": tmp / "data", "FRISKLIV_WAREHOUSE_URL": url,
                           "FRISKLIV_PSEUDONYM_KEY": DEMO_KEY}.items():
            mp.setenv(key, str(value))
        job = defs.resolve_job_def("friskliv_yearly")
        if dagster_home is not None:
            dagster_home.mkdir(parents=True, exist_ok=True)
            (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        with (DagsterInstance.ephemeral() if dagster_home is None
              else DagsterInstance.from_config(str(dagster_home))) as instance:
            for year in years:
                result = job.execute_in_process(partition_key=year, instance=instance)
                assert result.success
                run_ids[int(year)] = result.run_id
            logs = instance.all_logs(result.run_id)
    return {"landing": landing, "data": tmp / "data", "url": url, "run_id": result.run_id, "run_ids": run_ids,
            "logs": logs}


def _session_dir(tmp_path_factory) -> Path:
    """A folder all xdist workers of this session share (without xdist: the session's own)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> dict:
    """The standard demo run, once per session: 2023 then 2024 (so 2024's comparison exists) through
    the yearly job on a copy of the demo landing folder, into SQLite, as :func:`materialize_years`.

    Every test that only reads a demo run's outputs (warehouse, reports, archive) reads this one:
    the first xdist worker to ask builds it under a file lock, the others wait and reuse it. READ
    ONLY: a test that runs the job again or changes a file takes :func:`demo_copy`. Holds
    ``landing``, ``data``, ``url``, ``run_id`` (2024's), ``run_ids`` (per year) and
    ``dagster_home``, the persistent Dagster instance that ran them (read it with
    :func:`demo_instance`: the runs' events, e.g. their asset check evaluations).
    """
    from filelock import FileLock

    root = _session_dir(tmp_path_factory) / "demo_run"
    record = _session_dir(tmp_path_factory) / "demo_run.json"
    with FileLock(f"{root}.lock"):
        if not record.exists():
            shutil.rmtree(root, ignore_errors=True)  # a build cut short by an earlier failure
            root.mkdir()
            with pytest.MonkeyPatch.context() as mp:  # the standard run, whatever the asking test has set
                for key in [k for k in os.environ if k.startswith("FRISKLIV_")]:
                    mp.delenv(key)
                run = materialize_years(root, ["2023", "2024"], dagster_home=root / "dagster_home")
            record.write_text(json.dumps({"run_id": run["run_id"], "run_ids": run["run_ids"]}), encoding="utf-8")
    ids = json.loads(record.read_text(encoding="utf-8"))
    return {"landing": root / "landing", "data": root / "data",
            "url": f"sqlite:///{root / 'data' / 'warehouse.sqlite'}", "run_id": ids["run_id"],
            "run_ids": {int(year): run_id for year, run_id in ids["run_ids"].items()},
            "dagster_home": root / "dagster_home"}


@contextlib.contextmanager
def demo_instance(run: dict):
    """The Dagster instance that ran :func:`demo_run` (``run`` is its dict), to read its runs' events."""
    from dagster import DagsterInstance

    with DagsterInstance.from_config(str(run["dagster_home"])) as instance:
        yield instance


def check_evaluations(instance, run_id: str) -> list:
    """The asset check evaluations of a run, as ``result.get_asset_check_evaluations()`` lists them,
    read from the instance's event log (for a run whose result object is gone)."""
    from dagster import DagsterEventType

    return [record.dagster_event.event_specific_data
            for record in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION)]


@pytest.fixture
def demo_copy(pipeline_env, demo_run, tmp_path, monkeypatch) -> dict:
    """:func:`pipeline_env` whose data folder already holds a copy of the shared demo run (2023 and
    2024 published), for a test that runs the job again on top of it instead of running it first.
    The pseudonym key is the demo run's, so a re-run writes the same hashes."""
    shutil.copytree(demo_run["data"], tmp_path / "data")
    monkeypatch.setenv("FRISKLIV_PSEUDONYM_KEY", DEMO_KEY)
    return {**demo_run, "landing": tmp_path / "landing", "data": tmp_path / "data",
            "url": f"sqlite:///{tmp_path / 'data' / 'warehouse.sqlite'}"}


PG_DEMO_RECORD = "demo_run_postgres.json"


@pytest.fixture(scope="session")
def demo_run_postgres(tmp_path_factory) -> dict:
    """The standard demo run as :func:`demo_run`, into PostgreSQL: once per session for all workers,
    in a schema of its own in the base database of FRISKLIV_TEST_POSTGRES_URL (not a worker's, whose
    backends test_run_messages terminates); :func:`pytest_sessionfinish` drops the schema. READ ONLY."""
    from filelock import FileLock

    base = os.environ.get(PG_ENV, "").strip()
    _pg_base_url()  # skips (or fails in CI) without a server, as every PostgreSQL test
    root = _session_dir(tmp_path_factory) / "demo_run_postgres"
    record = _session_dir(tmp_path_factory) / PG_DEMO_RECORD
    with FileLock(f"{root}.lock"):
        if not record.exists():
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            schema = f"demo_{uuid.uuid4().hex[:12]}"
            admin = sa.create_engine(base)
            with admin.begin() as conn:
                conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            admin.dispose()
            url = sa.engine.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
            url = url.render_as_string(hide_password=False)
            with pytest.MonkeyPatch.context() as mp:
                for key in [k for k in os.environ if k.startswith("FRISKLIV_") and k != PG_ENV]:
                    mp.delenv(key)
                try:
                    run = materialize_years(root, ["2023", "2024"], dagster_home=root / "dagster_home", url=url)
                except BaseException:
                    _drop_schema(base, schema)
                    raise
            record.write_text(json.dumps({"base": base, "schema": schema, "url": url, "run_ids": run["run_ids"]}),
                              encoding="utf-8")
    ids = json.loads(record.read_text(encoding="utf-8"))
    return {"landing": root / "landing", "data": root / "data", "url": ids["url"],
            "run_ids": {int(year): run_id for year, run_id in ids["run_ids"].items()},
            "dagster_home": root / "dagster_home"}


def _drop_schema(base: str, schema: str) -> None:
    admin = sa.create_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


def pytest_sessionfinish(session):
    """Drop the schema of :func:`demo_run_postgres` once every worker is done: in the xdist controller
    (whose temporary folder is the workers' shared one), or in the only process without xdist."""
    if hasattr(session.config, "workerinput"):
        return  # a worker: the controller drops it after all workers
    record = session.config._tmp_path_factory.getbasetemp() / PG_DEMO_RECORD
    if record.exists():
        made = json.loads(record.read_text(encoding="utf-8"))
        _drop_schema(made["base"], made["schema"])
        record.unlink()


@pytest.fixture(params=["sqlite", "postgres"])
def demo_warehouse(request):
    """The standard demo run (2023 then 2024) on each warehouse, for a test that only reads it: the
    shared SQLite run (:func:`demo_run`) or the shared PostgreSQL run (:func:`demo_run_postgres`).
    Holds ``url``, ``run_ids`` (per year), ``data`` (the data folder: reports, Data Docs) and
    ``instance``, the Dagster instance that ran them (their events); every run succeeded."""
    run = request.getfixturevalue("demo_run" if request.param == "sqlite" else "demo_run_postgres")
    with demo_instance(run) as instance:
        yield {**run, "instance": instance}


@pytest.fixture(params=["sqlite", "postgres"])
def published_warehouse(request) -> dict:
    """A warehouse where 2024 is published, for a test that runs the job again on top of it: on
    SQLite a copy of the shared demo run (:func:`demo_copy`, 2023 too), on PostgreSQL a run of 2024
    into a fresh schema. Holds ``url`` and ``run_id`` (the 2024 run's); the landing folder, a copy
    of the demo's, is at ``tmp_path / 'landing'``."""
    if request.param == "sqlite":
        copy = request.getfixturevalue("demo_copy")
        return {"url": copy["url"], "run_id": copy["run_ids"][2024]}
    url = request.getfixturevalue("pg_url")
    request.getfixturevalue("pipeline_env")(url)
    result = request.getfixturevalue("run_year")(2024)
    assert result.success
    return {"url": url, "run_id": result.run_id}


@contextlib.contextmanager
def chromium_page(width: int, height: int):
    """A page in Debian's headless Chromium (driven by Playwright). Skips without chromium, fails in CI."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing in CI: scripts/test.sh installs Debian's chromium")
        pytest.skip("no chromium: `apt-get install chromium` to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


def artifacts_dir() -> Path:
    """Screenshots kept after a test run (ignored by git)."""
    path = ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
