"""When the pipeline runs by itself: what starts a grant year's run, and what follows from it.

What starts a run of the yearly job (both stopped until an operator turns them on in the UI):

- The schedule runs the previous grant year on the day after the counties' reporting deadline
  (regelverk point 6): its cron is derived from the deadline as ``core/deadlines.py`` declares it.
- The sensor requests a run of a grant year when its export in <landing>/<year>/ is new or
  changed. It keys on the files' sha256, so an unchanged file never triggers twice, and the run
  key makes a re-evaluation with the same files a no-op even without the cursor.

What follows from a run (declarative automation, evaluated by ``friskliv_automation``, running
by default): every mart and report asset carries ``REFRESH_AFTER_UPSTREAM``, so a partition whose
upstream partitions changed is materialized again once their blocking checks passed. Re-running
grant year Y (a corrected export) thus refreshes Y's marts and report and, through mart_trends'
Y-1 → Y dependency, the trends and report of Y+1. The report's deadline (1 September of Y+1) is
watched by ``defs/freshness.py``.
"""

import hashlib
import json

from dagster import (
    AssetSelection, AutomationCondition, AutomationConditionSensorDefinition, DefaultScheduleStatus,
    DefaultSensorStatus, RunRequest, ScheduleEvaluationContext, SensorEvaluationContext, SensorResult, SkipReason,
    schedule, sensor,
)

from friskliv_pipeline.core.deadlines import COUNTY_REPORTING_DEADLINE, day_after
from friskliv_pipeline.defs.partitions import grant_year_partitions
from friskliv_pipeline.defs.resources import FrisklivResource
from friskliv_pipeline.forms.export_reader import EXPORT_SUFFIXES, sha256_of

YEARLY_JOB_NAME = "friskliv_yearly"
_RUN_MONTH, _RUN_DAY = day_after(COUNTY_REPORTING_DEADLINE)  # the first day a county's report is late
REPORTING_DEADLINE_CRON = f"0 6 {_RUN_DAY} {_RUN_MONTH} *"  # 06:00 that day, Europe/Oslo

# AutomationCondition.eager() with two changes. (1) Without its in_latest_time_window(): eager only
# looks at the latest grant year, but a correction of 2023 must also refresh 2024's trends (the
# latest is the year just ended). (2) A dependency updated while the asset is in progress counts
# as handled: in the yearly job every dependency runs before the asset, in the same run, which
# Dagster cannot see (a job's run has no asset selection), so a tick in the middle of the run
# would otherwise request the asset again. (Not "while a dependency is in progress": that could
# swallow the update of 2023's marts that must refresh 2024's trends.) Gated on the blocking
# checks of every upstream asset.
_HANDLED = (AutomationCondition.newly_requested() | AutomationCondition.newly_updated()
            | AutomationCondition.initial_evaluation() | AutomationCondition.in_progress()).with_label("handled")
REFRESH_AFTER_UPSTREAM = (
    (AutomationCondition.newly_missing() | AutomationCondition.any_deps_updated()).since(_HANDLED)
    & ~AutomationCondition.any_deps_missing()
    & ~AutomationCondition.any_deps_in_progress()
    & ~AutomationCondition.in_progress()
    & AutomationCondition.all_deps_blocking_checks_passed()
).with_label("refresh after upstream changes (any grant year), blocking checks passed")

friskliv_automation = AutomationConditionSensorDefinition(
    "friskliv_automation", target=AssetSelection.all(), default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=60,
    description="Evaluates the marts' and report's automation conditions: refreshes what a re-run made stale.",
)


@schedule(
    job_name=YEARLY_JOB_NAME, cron_schedule=REPORTING_DEADLINE_CRON, execution_timezone="Europe/Oslo",
    default_status=DefaultScheduleStatus.STOPPED,
    description=("Runs the previous grant year at 06:00 on the day after the counties' reporting deadline "
                 f"(regelverk 6; cron {REPORTING_DEADLINE_CRON}, Europe/Oslo)."),
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
