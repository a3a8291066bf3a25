"""Freshness: grant year Y's report is due by 1 September of Y+1 (Europe/Oslo).

A time-partition freshness check on ``report_manifest`` (written last, so its partition means the
year's report is complete): from 1 September of Y+1 it fails, red in the UI, until partition Y
has been materialized; before that date it asks for Y-1. Its sensor runs the check when a
deadline passes (running by default, so a missed deadline shows without anyone asking).
Dagster 1.13 marks these builders as superseded by ``FreshnessPolicy``, which judges when an
asset was last updated, not whether a grant year's partition exists: the partition is the point.
"""

import warnings

from dagster import (
    AssetCheckSeverity, AssetKey, DefaultSensorStatus, build_sensor_for_freshness_checks, build_time_partition_freshness_checks,
)

REPORT_ASSET = AssetKey("report_manifest")
REPORT_DEADLINE_CRON = "0 0 1 9 *"  # 00:00 on 1 September
REPORT_DEADLINE_TIMEZONE = "Europe/Oslo"

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # SupersessionWarning, see above
    report_freshness_checks = build_time_partition_freshness_checks(
        assets=[REPORT_ASSET], deadline_cron=REPORT_DEADLINE_CRON, timezone=REPORT_DEADLINE_TIMEZONE,
        severity=AssetCheckSeverity.ERROR)  # red, not yellow, when missed
    report_freshness_sensor = build_sensor_for_freshness_checks(
        freshness_checks=report_freshness_checks, name="report_freshness_sensor",
        default_status=DefaultSensorStatus.RUNNING)
