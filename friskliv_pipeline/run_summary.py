"""What `friskliv run` prints about a run: one line per failure (what, where, what to do; never a
traceback or a Python class name), the checks counted as the audit tables count them, the
overlapping exports it collapsed. The command line only prints these lines.
"""

from __future__ import annotations

import re

from friskliv_pipeline.forms.overlaps import OverlapCount

# What a database driver says when the connection to the warehouse went away mid-run.
CONNECTION_LOST = ("terminating connection", "server closed the connection", "connection already closed",
                   "the connection is closed", "connection is lost", "consuming input failed",
                   "could not receive data", "connection refused", "unable to open database file",
                   "disk i/o error")


def _chain(error) -> list:
    errors = [error]
    while errors[-1].cause is not None:
        errors.append(errors[-1].cause)
    return errors


def _root_cause(error) -> str:
    """The user's exception message inside Dagster's wrapping errors, without the Python class
    name Dagster puts in front of it ("friskliv_pipeline.errors.ExportError: file …")."""
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


def failure_line(year: int, step: str, error, warehouse_url: str) -> str:
    from friskliv_pipeline.progress import step_name

    step = step_name(step)
    lost = _connection_lost(error)
    if lost is None:
        return f"friskliv: grant year {year} failed in step {step}: {_root_cause(error)}"
    return (f"friskliv: grant year {year} failed in step {step}: the database connection was lost ({lost}). "
            f"Nothing of this run was published. What to do: check that the warehouse at {safe_url(warehouse_url)} "
            f"is up and reachable, then run `friskliv run --year {year}` again")


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
