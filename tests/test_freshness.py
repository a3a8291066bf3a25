"""Freshness: grant year Y's report is due by 1 September of Y+1, Europe/Oslo (frozen clock)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from dagster import AssetMaterialization, AssetSelection, DagsterInstance, Definitions, define_asset_job
from dagster._core.test_utils import freeze_time  # Dagster's own clock for tests of time-based checks

from friskliv_pipeline.definitions import defs
from friskliv_pipeline.defs.freshness import REPORT_ASSET, report_freshness_checks

OSLO = ZoneInfo("Europe/Oslo")
JUST_BEFORE = dt.datetime(2025, 8, 31, 23, 59, tzinfo=OSLO)
JUST_AFTER = dt.datetime(2025, 9, 1, 0, 1, tzinfo=OSLO)


def _evaluate(instance: DagsterInstance, now: dt.datetime):
    job = define_asset_job("report_freshness", selection=AssetSelection.checks(*report_freshness_checks))
    with freeze_time(now):
        result = Definitions.merge(defs, Definitions(jobs=[job])).resolve_job_def("report_freshness") \
            .execute_in_process(instance=instance)
    [evaluation] = result.get_asset_check_evaluations()
    assert evaluation.asset_key == REPORT_ASSET
    return evaluation


@pytest.fixture
def instance():
    with DagsterInstance.ephemeral() as instance:
        instance.report_runless_asset_event(AssetMaterialization(REPORT_ASSET, partition="2023"))
        yield instance


def test_before_the_deadline_the_previous_years_report_is_enough(instance):
    evaluation = _evaluate(instance, JUST_BEFORE)
    assert evaluation.passed, evaluation.description


def test_after_the_deadline_a_missing_report_fails_until_it_is_published(instance):
    late = _evaluate(instance, JUST_AFTER)
    assert not late.passed and "2024" in late.description
    assert late.severity.value == "ERROR"  # red in the UI

    instance.report_runless_asset_event(AssetMaterialization(REPORT_ASSET, partition="2024"))
    assert _evaluate(instance, JUST_AFTER).passed


def test_the_deadline_is_oslo_time_not_utc(instance):
    # 1 September 00:30 in Oslo is still 31 August in UTC: the deadline has passed all the same
    assert JUST_AFTER.astimezone(dt.timezone.utc).day == 31
    assert not _evaluate(instance, JUST_AFTER).passed


def test_the_yearly_job_leaves_the_freshness_check_to_its_sensor():
    """The check is not partitioned: a grant year's run does not evaluate it, its sensor does."""
    job = defs.resolve_job_def("friskliv_yearly")
    assert [n.name for n in job.nodes if n.name.startswith("freshness_check")] == []
    # the GX checks are in the job: in the staging step and a step of their own
    assert {"stage_grant_year", "allocations_checks"} <= {n.name for n in job.nodes}
    assert defs.resolve_sensor_def("report_freshness_sensor").default_status.value == "RUNNING"
