"""Two runs of the same grant year at once must not interleave their writes (issue 7)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dagster import DagsterInstance

from friskliv_pipeline.operations.locks import grant_year_lock
from tests.conftest import DEMO_LANDING


def test_lock_makes_a_second_process_wait(tmp_path):
    script = ("import sys; from friskliv_pipeline.operations.locks import grant_year_lock\n"
              "with grant_year_lock(sys.argv[1], '2024', on_wait=print):\n    print('second acquired')\n")
    with grant_year_lock(tmp_path, "2024"):
        proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        time.sleep(1.5)
        assert proc.poll() is None, "the second process must wait while the lock is held"
    out, _ = proc.communicate(timeout=30)
    assert "waiting" in out.splitlines()[0] and out.splitlines()[-1] == "second acquired"


def test_lock_is_reentrant_within_one_process(tmp_path):
    with grant_year_lock(tmp_path, "2024"):
        with grant_year_lock(tmp_path, "2024", on_wait=pytest.fail):
            pass


def test_other_grant_years_do_not_wait(tmp_path):
    with grant_year_lock(tmp_path, "2023"):
        with grant_year_lock(tmp_path, "2024", on_wait=pytest.fail):
            pass


def _steps_window(instance, run_id: str) -> tuple[float, float]:
    """When the run's first step started and its last step ended (seconds since the epoch)."""
    from dagster import DagsterEventType

    stamps = [e.timestamp for e in instance.all_logs(run_id, of_type={DagsterEventType.STEP_START,
                                                                      DagsterEventType.STEP_SUCCESS})]
    return min(stamps), max(stamps)


@pytest.mark.slow
def test_two_concurrent_runs_of_one_partition_run_one_after_the_other(tmp_path):
    env = dict(os.environ, FRISKLIV_LANDING_DIR=str(DEMO_LANDING), FRISKLIV_DATA_DIR=str(tmp_path / "data"),
               DAGSTER_HOME=str(tmp_path / "home"), FRISKLIV_PSEUDONYM_KEY="k")
    env.pop("FRISKLIV_WAREHOUSE_URL", None)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    friskliv = str(Path(sys.executable).parent / "friskliv")
    # An existing instance, as in production: two processes creating a fresh one at once race in
    # Dagster's own schema migration, which is not what this test is about.
    subprocess.run([sys.executable, "-c", "from dagster import DagsterInstance; DagsterInstance.get()"], env=env,
                   check=True, timeout=120)
    procs = [subprocess.Popen([friskliv, "run", "--year", "2024"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    os.environ["DAGSTER_HOME"], saved = env["DAGSTER_HOME"], os.environ.get("DAGSTER_HOME")
    try:
        with DagsterInstance.get() as instance:
            windows = sorted(_steps_window(instance, r.dagster_run.run_id) for r in instance.get_run_records())
    finally:
        os.environ.pop("DAGSTER_HOME") if saved is None else os.environ.__setitem__("DAGSTER_HOME", saved)
    assert len(windows) == 2
    (first_start, first_end), (second_start, second_end) = windows
    # Each run takes the lock when its resources start, before its first step, and lets go after its
    # last: the second run's steps begin only after the first run's steps have all ended. (Whichever
    # run asked first: the run that Dagster started second may get the lock first.)
    assert first_end <= second_start and second_start < second_end
    from friskliv_pipeline.warehouse.database import Warehouse

    counts = Warehouse(f"sqlite:///{tmp_path / 'data' / 'warehouse.sqlite'}").row_counts(2024)
    assert counts["projects"] == 115 and counts["raw_responses"] == 119
