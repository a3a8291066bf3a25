"""What `friskliv run` prints about a run: one line per failure (what, where, what to do; never a
traceback or a Python class name), the checks counted as the audit tables count them, the
overlapping exports it collapsed. The command line only prints these lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from friskliv_pipeline.forms.overlaps import OverlapCount

# What a database driver says when the connection to the warehouse went away mid-run.
CONNECTION_LOST = ("terminating connection", "server closed the connection", "connection already closed",
                   "the connection is closed", "connection is lost", "consuming input failed",
                   "could not receive data", "connection refused", "unable to open database file",
                   "disk i/o error")


# What the operating system or a database says when the disk is full.
DISK_FULL = ("no space left on device", "database or disk is full", "could not extend file", "disk full")


def _chain(error) -> list:
    errors = [error]
    while errors[-1].cause is not None:
        errors.append(errors[-1].cause)
    return errors


def _root_cause(error) -> str:
    """The user's exception message inside Dagster's wrapping errors, without the Python class
    name Dagster puts in front of it ("friskliv_pipeline.core.errors.ExportError: file …")."""
    error = _chain(error)[-1]
    return without_class_name(error.message.strip(), error.cls_name)


def without_class_name(message: str, cls_name: str | None) -> str:
    if cls_name:
        head, sep, rest = message.partition(": ")
        if sep and head.split(".")[-1] == cls_name:
            return rest.strip()
    return message


def _connection_lost(error) -> str | None:
    """The driver's words when the step failed because the warehouse connection was lost, else None."""
    for e in _chain(error):
        first = e.message.strip().split("\n")[0]
        if any(p in first.lower() for p in CONNECTION_LOST):
            # the driver's words only: no "psycopg.errors.AdminShutdown: " or "(sqlite3.OperationalError) "
            return re.sub(r"^(\([\w.]+\) |[\w.]+: )+", "", first)
    return None


def failure_line(year: int, step: str | None, error, warehouse_url: str) -> str:
    """One line: where the run failed and why (``step`` None: before any step ran), and what to do when
    the cause is the warehouse connection. What the run did publish is ``publication_line``'s to say."""
    from friskliv_pipeline.operations.progress import step_name

    where = f"failed in step {step_name(step)}" if step else "failed before any step ran"
    lost = _connection_lost(error)
    if lost is None:
        cause = _root_cause(error)
        if any(p in cause.lower() for p in DISK_FULL):
            return (f"friskliv: grant year {year} {where}: the disk is full ({cause}). What to do: free space on "
                    f"the disk that holds the data folder and the warehouse, then run `friskliv run --year {year}` "
                    "again")
        return f"friskliv: grant year {year} {where}: {cause}"
    return (f"friskliv: grant year {year} {where}: the database connection was lost or refused ({lost}). "
            f"What to do: check that the warehouse at {safe_url(warehouse_url)} is up and reachable, then run "
            f"`friskliv run --year {year}` again")


def failure_cause(error) -> str:
    """The cause in a few words: the driver's when the connection was lost, else the root message."""
    return _connection_lost(error) or _root_cause(error)


def run_failure(events):
    """Why a run failed when no step did: the run failure's own error, or its message."""
    for event in events:
        if event.event_type_value == "PIPELINE_FAILURE":
            data = event.event_specific_data
            if getattr(data, "error", None) is not None:
                return data.error
            return RaisedError(event.message or "the run failed without an error of its own; see its event log",
                               "")
    return RaisedError("the run ended without a step failing and without a failure of its own; see its event log", "")


# The steps that publish, in the order a run takes them, and what each makes public.
PUBLISHING_STEPS = ("publish_checked_tables", "sql_marts", "report_manifest")


def succeeded_steps(events) -> set[str]:
    return {e.step_key for e in events if e.event_type_value == "STEP_SUCCESS"}


def publication_line(year: int, succeeded: set[str]) -> str:
    """What a failed run left public, read from which publishing steps succeeded: the year's
    published tables (publish_checked_tables), the marts (sql_marts) and the report folder, which
    report_manifest replaces as a whole (report/folder.py)."""
    tables, marts, report = (step in succeeded for step in PUBLISHING_STEPS)
    if not (tables or marts or report):
        return (f"  nothing of this run was published: grant year {year}'s published tables, marts and report are "
                "the previous run's")
    said = ["this run's checked tables were published" if tables else
            "the published tables are the previous run's",
            "the marts were rebuilt from them" if marts else "the marts are still the previous run's",
            "the report folder holds this run's report" if report else
            f"the report folder (reports/{year}) still holds the previous run's complete report"]
    behind = [part for part, new in (("the marts", marts), ("the report", report)) if not new]
    goal = f"to bring {' and '.join(behind)} up to date" if behind else "to redo what the failed step did not"
    return (f"  published: {'; '.join(said)}. What to do: once the failure above is dealt with, run "
            f"`friskliv run --year {year}` again {goal}")


@dataclass(frozen=True)
class RaisedError:
    """A live exception in the shape of the errors Dagster's step failures carry (message, class
    name, cause), so the lines above read both the same way."""

    message: str
    cls_name: str
    cause: RaisedError | None = None

    @classmethod
    def of(cls, exc: BaseException) -> RaisedError:
        cause = exc.__cause__ if exc.__cause__ is not None else (None if exc.__suppress_context__ else exc.__context__)
        return cls(str(exc), type(exc).__name__, None if cause is None else cls.of(cause))


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _evaluations(events) -> list:
    return [e.event_specific_data for e in events if e.event_type_value == "ASSET_CHECK_EVALUATION"]


def check_summary(warehouse, year: int) -> str:
    """'44 checks: 35 passed, 3 with findings (rule ids), 6 not evaluated (rule ids)', counted from the
    audit tables the run has just written, as the auditor's edition and workbook count them."""
    import pandas as pd
    import sqlalchemy as sa

    from friskliv_pipeline.checks.status import tally

    with warehouse.engine.connect() as conn:
        rows = pd.read_sql_query(sa.text("SELECT check_name, status FROM audit_check_results WHERE grant_year = :y"),
                                 conn, params={"y": year})
    return tally(rows).text()


def _meta(evaluation, key: str):
    value = evaluation.metadata.get(key)
    return getattr(value, "value", value)


def blocked(step_failure) -> bool:
    """The step failed because a blocking check failed (its lines say which), not because of an error."""
    error = step_failure.event_specific_data.error
    return error is not None and error.cls_name == "DagsterAssetCheckFailedError"


def blocking_lines(events) -> list[str]:
    """One line per finding of each failed blocking check: the value, the sheet row, the response."""
    lines = []
    for ev in _evaluations(events):
        if ev.passed or ev.severity.value != "ERROR":
            continue
        rule, table = _meta(ev, "rule") or ev.check_name, ev.asset_key.path[-1]
        for finding in _meta(ev, "blocking_findings") or ["(no record: see the check's metadata)"]:
            lines.append(f"{table} {rule}: {finding}")
    return lines


def overlap_summary(events) -> list[str]:
    """'  overlapping exports: …' when the landing folder held the same responses more than once."""
    for event in events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            if materialization.asset_key.path[-1] == "raw_responses":
                meta = {k: getattr(v, "value", v) for k, v in materialization.metadata.items()}
                overlaps = OverlapCount(meta.get("identical_repeats_collapsed", 0),
                                        meta.get("differing_versions_replaced", 0))
                if overlaps:
                    return [f"  overlapping exports: {overlaps.text()} (cleaning_issues: meta.overlapping_export_version)"]
    return []
