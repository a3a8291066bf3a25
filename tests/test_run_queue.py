"""The run queue of deploy/dagster.yaml (written by `friskliv run` into the instances it creates):
two runs of one grant year submitted through Dagster's queue run one after the other.

Real parts: `dagster job launch` submits to the queue (QueuedRunCoordinator) and `dagster-daemon`
dequeues and launches them, as in production. (`execute_in_process` and `execute_job` bypass the queue.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

from friskliv_pipeline.operations.instance import instance_yaml
from tests.conftest import DEMO_LANDING, ROOT

BIN = Path(sys.executable).parent
FINISHED = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}


def test_the_instance_of_friskliv_run_has_the_deployed_limits():
    deployed = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text(encoding="utf-8"))
    local = yaml.safe_load(instance_yaml())
    assert local["concurrency"] == deployed["concurrency"]
    [limit] = local["concurrency"]["runs"]["tag_concurrency_limits"]
    assert limit == {"key": "dagster/partition", "value": {"applyLimitPerUniqueValue": True}, "limit": 1}


@pytest.mark.slow
def test_a_second_run_of_the_same_grant_year_waits_in_the_queue(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(instance_yaml(), encoding="utf-8")
    env = dict(os.environ, DAGSTER_HOME=str(home), PYTHONPATH=str(ROOT), FRISKLIV_LANDING_DIR=str(DEMO_LANDING),
               FRISKLIV_DATA_DIR=str(tmp_path / "data"), FRISKLIV_PSEUDONYM_KEY="k")
    env.pop("FRISKLIV_WAREHOUSE_URL", None)
    for _ in range(2):
        subprocess.run([str(BIN / "dagster"), "job", "launch", "-w", "workspace.yaml", "-j", "friskliv_yearly",
                        "--tags", json.dumps({"dagster/partition": "2024"})], cwd=ROOT, env=env, check=True,
                       capture_output=True, timeout=300)
    with DagsterInstance.from_config(str(home)) as instance:
        def runs():
            return instance.get_run_records(RunsFilter(job_name="friskliv_yearly", tags={"dagster/partition": "2024"}),
                                            ascending=True)

        assert [r.dagster_run.status for r in runs()] == [DagsterRunStatus.QUEUED] * 2
        daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            seen_waiting = False
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline:
                statuses = [r.dagster_run.status for r in runs()]
                started = [s for s in statuses if s not in (DagsterRunStatus.QUEUED, *FINISHED)]
                assert len(started) <= 1, f"two runs of 2024 at once: {statuses}"
                seen_waiting |= len(started) == 1 and DagsterRunStatus.QUEUED in statuses
                if all(s in FINISHED for s in statuses):
                    break
                time.sleep(1)
            else:
                pytest.fail(f"the runs did not finish: {statuses}")
            while any(r.dagster_run.status not in FINISHED for r in instance.get_run_records()):
                time.sleep(1)  # e.g. a freshness-check run of the sensor: let it end before the daemon
        finally:
            daemon.terminate()
            daemon.wait(timeout=60)
        first, second = runs()
    assert seen_waiting, "the second run never waited in the queue while the first ran"
    assert first.dagster_run.status == second.dagster_run.status == DagsterRunStatus.SUCCESS
    assert second.start_time >= first.end_time
