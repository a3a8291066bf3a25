"""`dg` knows the project: pyproject's [tool.dg] and the defs/ folder (run as CI would, in subprocesses)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_LANDING, ROOT

DG = str(Path(sys.executable).parent / "dg")


def _env(tmp_path: Path) -> dict:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env = dict(os.environ, DAGSTER_HOME=str(home), PYTHONPATH=str(ROOT), NO_COLOR="1")
    env.pop("FRISKLIV_WAREHOUSE_URL", None)
    return env


def test_dg_check_defs(tmp_path):
    proc = subprocess.run([DG, "check", "defs"], capture_output=True, text=True, cwd=ROOT, env=_env(tmp_path),
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All definitions loaded successfully" in proc.stdout + proc.stderr


def test_dg_list_defs_lists_the_project(tmp_path):
    proc = subprocess.run([DG, "list", "defs", "--json"], capture_output=True, text=True, cwd=ROOT,
                          env=_env(tmp_path), timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    listed = json.loads(proc.stdout)
    from friskliv_pipeline.definitions import defs

    assert {a["asset_key"] for a in listed["assets"]} == {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {j["name"] for j in listed["jobs"]} >= {"friskliv_yearly"}
    assert {s["name"] for s in listed["sensors"]} == {"new_export_sensor", "friskliv_automation",
                                                       "report_freshness_sensor"}
    assert [s["name"] for s in listed["schedules"]] == ["yearly_after_reporting_deadline"]
    checks = {c["key"]: c for c in listed["asset_checks"]}
    assert "report_manifest:freshness_check" in checks
    # code references: dg shows the first one as the definition's source
    sources = {a["asset_key"]: a["source"] for a in listed["assets"]}
    assert sources["mart_attainment"] == "dbt_like_sql/models/mart_attainment.sql:1"
    assert sources["projects"].startswith("friskliv_pipeline/core/contract.py:")
    assert sources["staging/projects"] == sources["projects"]  # the staged twin follows the same contract entry
    assert sources["report_html"].startswith("friskliv_pipeline/defs/report.py:")
    rule_line = checks["staging/projects:q23_grant_required"]["source"]  # the checks judge the staged table
    path, line = rule_line.split(":")
    assert path == "expectations/projects.json"
    assert '"rule": "q23.grant_required"' in (ROOT / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]


@pytest.mark.slow
def test_dg_launch_runs_one_grant_year(tmp_path):
    env = _env(tmp_path) | {"FRISKLIV_LANDING_DIR": str(DEMO_LANDING), "FRISKLIV_DATA_DIR": str(tmp_path / "data"),
                            "FRISKLIV_PSEUDONYM_KEY": "k"}
    proc = subprocess.run([DG, "launch", "--job", "friskliv_yearly", "--partition", "2024"], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=900)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    from friskliv_pipeline.warehouse.database import Warehouse

    counts = Warehouse(f"sqlite:///{tmp_path / 'data' / 'warehouse.sqlite'}").row_counts(2024)
    assert counts["projects"] == 115
