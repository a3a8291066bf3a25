"""Declarative automation: correcting grant year Y refreshes Y+1's trends (and nothing already fresh).

Real parts: the project's Definitions, a Dagster instance that records the runs, and Dagster's own
automation tick (``evaluate_automation_conditions``, what the ``friskliv_automation`` sensor runs).
"""

from __future__ import annotations

import csv

import pytest
from dagster import AssetKey, DagsterInstance, evaluate_automation_conditions

from friskliv_pipeline.definitions import defs
from friskliv_pipeline.defs.automation import REFRESH_AFTER_UPSTREAM

pytestmark = pytest.mark.slow
INTERCOMMUNAL = "Var prosjektet et interkommunalt samarbeid?"


def _correct_2023_export(landing) -> None:
    """A county corrects one answer (q20) in the 2023 export."""
    [path] = (landing / "2023").glob("*.csv")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    column = rows[0].index(INTERCOMMUNAL)
    row = next(r for r in rows[1:] if r[column] == "Nei")
    row[column] = "Ja"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f, delimiter=";").writerows(rows)


def _requested(result) -> dict[str, set[str]]:
    return {key.to_user_string(): set(result.get_requested_partitions(key))
            for key in defs.resolve_all_asset_keys() if result.get_requested_partitions(key)}


def test_marts_and_report_carry_the_gated_condition():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.group_name in ("marts", "report"):
            assert node.automation_condition == REFRESH_AFTER_UPSTREAM, key
    assert "all_deps_blocking_checks_passed" in str(REFRESH_AFTER_UPSTREAM)


def test_rerunning_2023_requests_2024s_trends(pipeline_env, tmp_path):
    job = defs.resolve_job_def("friskliv_yearly")
    with DagsterInstance.ephemeral() as instance:
        for year in ("2023", "2024"):
            assert job.execute_in_process(partition_key=year, instance=instance).success
        first = evaluate_automation_conditions(defs=defs, instance=instance)
        assert _requested(first) == {}, "everything is fresh after the two runs"

        _correct_2023_export(tmp_path / "landing")
        assert job.execute_in_process(partition_key="2023", instance=instance).success
        tick = evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
        requested = _requested(tick)

    assert requested["mart_trends"] == {"2024"}
    # what reads 2024's trends is refreshed with it; nothing of 2023 (the run just wrote it)
    assert requested["figur_7_endring"] == {"2024"} and requested["report_html"] == {"2024"}
    assert all(partitions == {"2024"} for partitions in requested.values()), requested
    assert "mart_county_summary" not in requested  # 2024's own inputs did not change
