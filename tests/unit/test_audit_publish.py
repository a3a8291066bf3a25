"""write_audit's publication of a run's audit rows, suite by suite (checks/audit.py).

The Dagster runs of tests/test_checks_pipeline.py cover the usual orders; these cover the one
a job never produces but the UI can: a suite that reads a blocked table still runs after the
run's set was published.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from friskliv_pipeline.checks.audit import write_audit
from friskliv_pipeline.checks.findings import RuleResult
from friskliv_pipeline.checks.registry import suites_that_run
from friskliv_pipeline.checks.suites import suites
from friskliv_pipeline.warehouse.database import Warehouse

YEAR = 2024


def _results(suite: str, status: str = "passed") -> list[RuleResult]:
    """Every rule of ``suite`` with ``status`` (an ERROR rule failing when status is 'failed')."""
    results = []
    for rule in suites()[suite].rules:
        failing = status == "failed" and rule.severity == "ERROR"
        results.append(RuleResult(rule, "failed" if failing else "passed", "", "", int(failing), population=1))
    return results


def _published(url: str) -> pd.DataFrame:
    with sa.create_engine(url).connect() as conn:
        return pd.read_sql(sa.text("SELECT run_id, asset, check_name, status FROM audit_check_results "
                                   "WHERE grant_year = :y"), conn, params={"y": YEAR})


def test_a_suite_run_after_its_blocked_input_published_joins_the_set(warehouse_url):
    warehouse = Warehouse(warehouse_url)
    run_suites = sorted(suites())
    # an earlier complete run: every suite's rows published
    for suite in run_suites:
        write_audit(warehouse, YEAR, suite, "run-1", _results(suite), run_suites)
    assert set(_published(warehouse_url)["asset"]) == set(run_suites)

    # run-2: projects blocks, so the set is complete without the suites that read a staged table
    skipped = sorted(set(run_suites) - suites_that_run(run_suites, {"projects"}))
    assert "allocations" in skipped
    completing = [s for s in run_suites if s not in skipped]
    published_at = [write_audit(warehouse, YEAR, s, "run-2", _results(s, "failed" if s == "projects" else "passed"),
                                run_suites) for s in completing]
    assert published_at[-1] and not any(published_at[:-1])
    after_block = _published(warehouse_url)
    assert set(after_block["run_id"]) == {"run-2"} and "allocations" not in set(after_block["asset"])

    # ... and Dagster runs the allocations suite all the same: its rows join run-2's set
    assert write_audit(warehouse, YEAR, "allocations", "run-2", _results("allocations"), run_suites)
    final = _published(warehouse_url)
    assert set(final["run_id"]) == {"run-2"}
    assert set(final["asset"]) == set(completing) | {"allocations"}
    assert len(final[final["asset"] == "allocations"]) == len(suites()["allocations"].rules)
    assert final[final["asset"] == "projects"]["status"].eq("failed").any()
    with warehouse.engine.connect() as conn:  # nothing left behind in staging
        assert conn.execute(sa.text("SELECT count(*) FROM staging_audit_check_results")).scalar_one() == 0
