"""Shared fixtures: real warehouses (SQLite file, PostgreSQL schema), a real Dagster instance.

PostgreSQL: the server named by FRISKLIV_TEST_POSTGRES_URL (``make test`` finds or starts the
local one). Each test gets its own schema, dropped afterwards, so tests never see each other's
tables. Without a server the PostgreSQL tests skip with a message, except in CI
(FRISKLIV_REQUIRE_POSTGRES=1), where they fail.
"""

from __future__ import annotations

import contextlib
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
PG_ENV = "FRISKLIV_TEST_POSTGRES_URL"
HOW_TO_ENABLE_PG = (f"no PostgreSQL server: set {PG_ENV}=postgresql+psycopg://USER@HOST:5432/DB "
                    "(`make test` does this when a local server answers)")


def _pg_base_url() -> str | None:
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        if os.environ.get("FRISKLIV_REQUIRE_POSTGRES"):
            pytest.fail(f"FRISKLIV_REQUIRE_POSTGRES is set but {PG_ENV} is not")
        pytest.skip(HOW_TO_ENABLE_PG)
    return url


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


def materialize_years(tmp: Path, years: list[str], prepare_landing=None) -> dict:
    """Run the yearly job for ``years`` on a copy of the demo landing folder under ``tmp``, once.

    For module-scoped fixtures (the report and security tests share one run per module).
    ``prepare_landing(landing)`` may edit the copy first. Returns paths, the URL and the last run.
    """
    from dagster import DagsterInstance

    from friskliv_pipeline.definitions import defs

    landing = tmp / "landing"
    shutil.copytree(DEMO_LANDING, landing, ignore=shutil.ignore_patterns("*.md"))
    if prepare_landing is not None:
        prepare_landing(landing)
    url = f"sqlite:///{tmp / 'data' / 'warehouse.sqlite'}"
    with pytest.MonkeyPatch.context() as mp:
        for key, value in {"FRISKLIV_LANDING_DIR": landing, "FRISKLIV_REFERENCE_DIR": REFERENCE_DIR,
                           "FRISKLIV_DATA_DIR": tmp / "data", "FRISKLIV_WAREHOUSE_URL": url,
                           "FRISKLIV_PSEUDONYM_KEY": "k"}.items():
            mp.setenv(key, str(value))
        job = defs.resolve_job_def("friskliv_yearly")
        with DagsterInstance.ephemeral() as instance:
            for year in years:
                result = job.execute_in_process(partition_key=year, instance=instance)
                assert result.success
            logs = instance.all_logs(result.run_id)
    return {"landing": landing, "data": tmp / "data", "url": url, "run_id": result.run_id, "logs": logs}


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
