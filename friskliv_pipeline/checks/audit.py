"""The audit trail: ``audit_check_results`` and ``audit_findings`` in the warehouse, one run at a time.

For a grant year these tables always hold exactly the results of the last run whose checks all
completed. Each suite's check stages its rows (``staging_audit_*``, keyed by run id); the suite
that completes the run's set then replaces the year's audit rows of the run's suites with the
run's staged rows, in the same transaction, and clears the year's staging. A run killed between
two suites leaves its partial rows in staging only: the audit tables keep the previous complete
set. A run that checks only some tables (the UI's "Execute checks" on one asset) replaces the
rows of those tables' suites, again all at once. When a blocking check of the staging step fails,
Dagster skips the later check steps that read a staged table (the allocations suite;
``registry.suites_that_run``): the run's set is then complete without them, and their previous
rows go with the rest; should Dagster run such a suite all the same (a checks-only run from the
UI), its rows join the published set of the run when it finishes. Which counties exceeded the
competence cap in 2024 is then::

    SELECT DISTINCT county FROM audit_findings
    WHERE grant_year = 2024 AND rule = 'regelverk5B.competence_cap' ORDER BY county

(``kind = 'breach'`` selects findings; follow-up entries and data notes have their own kinds).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import pandas as pd
import sqlalchemy as sa

from friskliv_pipeline.checks.findings import RuleResult, findings_frame
from friskliv_pipeline.checks.registry import suites_that_run
from friskliv_pipeline.core.contract import conform
from friskliv_pipeline.warehouse.database import METADATA, Warehouse, staging_name

AUDIT_TABLES = ("audit_check_results", "audit_findings")
CAP_QUERY = sa.text(
    "SELECT DISTINCT county FROM audit_findings "
    "WHERE grant_year = :grant_year AND rule = 'regelverk5B.competence_cap' ORDER BY county"
)


def result_rows(results: list[RuleResult], grant_year: int, asset: str, run_id: str,
                checked_at: dt.datetime) -> pd.DataFrame:
    return pd.DataFrame([{
        "grant_year": grant_year, "run_id": run_id, "asset": asset, "check_name": r.rule.id, "kind": r.rule.kind,
        "severity": r.rule.severity, "status": r.status, "passed": r.passed, "observed": r.observed,
        "expected": r.expected, "reason": r.reason, "reason_nb": r.reason_nb, "n_records": r.n_findings,
        "n_evaluated": r.population,
        "checked_at": checked_at,
    } for r in results])


def finding_rows(results: list[RuleResult], run_id: str) -> pd.DataFrame:
    """The suite's findings as the rules built them, column by column (``findings_frame``), with the run."""
    return findings_frame(results).assign(run_id=run_id)  # a new frame: a rule's own is not touched


def finding_parts(results: list[RuleResult], run_id: str) -> Iterator[pd.DataFrame]:
    """``finding_rows`` a rule at a time, in the same order: what ``write_audit`` inserts. One frame
    of a suite's findings, typed once more for the warehouse, was two copies of every message (the
    projects suite of the benchmark's 1000× copies: 202 000 findings, ~280 MiB of text)."""
    for result in results:
        if result.frame is not None and len(result.frame):
            yield finding_rows([result], run_id)


def _serialise(conn, table: sa.Table) -> None:
    """Make concurrent suites of one run take turns (SQLite's first write already does)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f'LOCK TABLE "{table.name}" IN SHARE ROW EXCLUSIVE MODE'))


def write_audit(warehouse: Warehouse, grant_year: int, asset: str, run_id: str, results: list[RuleResult],
                suites_in_run: Iterable[str], checked_at: dt.datetime | None = None) -> bool:
    """Stage one suite's results of run ``run_id``; once every suite of ``suites_in_run`` has staged,
    publish the run's results as the year's audit rows of those suites (one transaction).
    Returns True when this call published."""
    suites_in_run = sorted(set(suites_in_run))
    checked_at = checked_at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    checked = conform(result_rows(results, grant_year, asset, run_id, checked_at), "audit_check_results")
    names = [*AUDIT_TABLES, *(staging_name(t) for t in AUDIT_TABLES)]
    warehouse.create_tables(names)
    stage = {t: METADATA.tables[staging_name(t)] for t in AUDIT_TABLES}
    with warehouse.engine.begin() as conn:
        _serialise(conn, stage["audit_check_results"])
        for name, table in stage.items():
            conn.execute(sa.delete(table).where(table.c.grant_year == grant_year, table.c.run_id == run_id,
                                                table.c.asset == asset))
        Warehouse.insert_rows(conn, stage["audit_check_results"].name, checked)
        for rows in finding_parts(results, run_id):  # a rule's records at a time, never the suite's all at once
            Warehouse.insert_rows(conn, stage["audit_findings"].name, conform(rows, "audit_findings"))
        checks = stage["audit_check_results"]
        of_run = (checks.c.grant_year == grant_year, checks.c.run_id == run_id)
        done = set(conn.execute(sa.select(checks.c.asset).distinct().where(*of_run)).scalars())
        blocked = set(conn.execute(sa.select(checks.c.asset).distinct().where(
            *of_run, checks.c.severity == "ERROR", checks.c.status == "failed")).scalars())
        published = METADATA.tables["audit_check_results"]
        late = conn.execute(sa.select(sa.func.count()).select_from(published).where(
            published.c.grant_year == grant_year, published.c.run_id == run_id)).scalar_one()
        # late: the run's set was published already (a suite Dagster ran although one it reads had
        # blocked, as in a checks-only run from the UI): this suite's rows join the set on their own
        if not late and not suites_that_run(suites_in_run, blocked) <= done:
            return False
        replaced = sorted(done) if late else suites_in_run
        for name, table in stage.items():
            target = METADATA.tables[name]
            columns = [c.name for c in target.columns]
            conn.execute(sa.delete(target).where(target.c.grant_year == grant_year, target.c.asset.in_(replaced)))
            conn.execute(sa.insert(target).from_select(columns, sa.select(*(table.c[c] for c in columns)).where(
                table.c.grant_year == grant_year, table.c.run_id == run_id)))
            conn.execute(sa.delete(table).where(table.c.grant_year == grant_year))
    return True


def counties_over_competence_cap(warehouse: Warehouse, grant_year: int) -> list[str]:
    """The auditor's question, answered by one SQL query on the audit trail."""
    with warehouse.engine.connect() as conn:
        return [row.county for row in conn.execute(CAP_QUERY, {"grant_year": grant_year})]
