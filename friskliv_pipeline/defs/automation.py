"""When the pipeline runs by itself: a yearly schedule and a sensor on the landing folder.

- The schedule runs the previous grant year on 2 July, the day after the counties' reporting
  deadline (regelverk point 6: 1 July the year after the grant).
- The sensor requests a run of a grant year when its export in <landing>/<year>/ is new or
  changed. It keys on the files' sha256, so an unchanged file never triggers twice, and the run
  key makes a re-evaluation with the same files a no-op even without the cursor.
"""

import hashlib
import json

from dagster import (
    DefaultScheduleStatus, DefaultSensorStatus, RunRequest, ScheduleEvaluationContext, SensorEvaluationContext,
    SensorResult, SkipReason, schedule, sensor,
)

from friskliv_pipeline.defs.partitions import grant_year_partitions
from friskliv_pipeline.defs.resources import FrisklivResource
from friskliv_pipeline.forms.export_reader import EXPORT_SUFFIXES, sha256_of

YEARLY_JOB_NAME = "friskliv_yearly"
REPORTING_DEADLINE_CRON = "0 6 2 7 *"  # 06:00 on 2 July, Europe/Oslo


@schedule(
    job_name=YEARLY_JOB_NAME, cron_schedule=REPORTING_DEADLINE_CRON, execution_timezone="Europe/Oslo",
    default_status=DefaultScheduleStatus.STOPPED,
    description="Runs the previous grant year on 2 July, after the counties' reporting deadline (1 July).",
)
def yearly_after_reporting_deadline(context: ScheduleEvaluationContext):
    year = context.scheduled_execution_time.year - 1
    key = str(year)
    if key not in grant_year_partitions.get_partition_keys(current_time=context.scheduled_execution_time):
        return SkipReason(f"grant year {year} is not a partition (before the first grant year)")
    return RunRequest(run_key=f"schedule:{key}", partition_key=key, tags={"friskliv/trigger": "schedule"})


def landing_fingerprints(landing_dir) -> dict[str, str]:
    """Grant year → one sha256 over the (name, sha256) of every export file in <landing>/<year>/."""
    fingerprints = {}
    for folder in sorted(p for p in landing_dir.glob("[0-9][0-9][0-9][0-9]") if p.is_dir()):
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES
                       and not p.name.startswith(("~$", ".")))
        if files:
            digest = hashlib.sha256()
            for f in files:
                digest.update(f"{f.name}\0{sha256_of(f)}\n".encode())
            fingerprints[folder.name] = digest.hexdigest()
    return fingerprints


@sensor(
    job_name=YEARLY_JOB_NAME, minimum_interval_seconds=300, default_status=DefaultSensorStatus.STOPPED,
    description="Requests a run for a grant year when an export in <landing>/<year>/ is new or changed.",
)
def new_export_sensor(context: SensorEvaluationContext, friskliv: FrisklivResource):
    landing_dir = friskliv.settings().landing_dir
    seen = json.loads(context.cursor) if context.cursor else {}
    current = landing_fingerprints(landing_dir)
    partitions = set(grant_year_partitions.get_partition_keys())
    requests, skipped = [], []
    for year, fingerprint in current.items():
        if seen.get(year) == fingerprint:
            continue
        if year not in partitions:
            skipped.append(year)
            continue
        requests.append(RunRequest(run_key=f"export:{year}:{fingerprint[:16]}", partition_key=year,
                                   tags={"friskliv/trigger": "new-export", "friskliv/export-fingerprint": fingerprint}))
    cursor = json.dumps({y: f for y, f in current.items() if y in partitions}, sort_keys=True)
    if skipped:
        context.log.info(f"exports for {', '.join(skipped)} wait until the grant year has ended (not a partition yet)")
    if not requests:
        return SensorResult(skip_reason=SkipReason(f"no new or changed export in {landing_dir}"), cursor=cursor)
    return SensorResult(run_requests=requests, cursor=cursor)
