"""The audit trail: ``audit_check_results`` and ``audit_findings`` in the warehouse.

Several checks write one grant year's rows during one run, so a check replaces only its own
rows: in one transaction it deletes the rows of (grant_year, asset, its rules) and inserts the
new ones. Rerunning a partition's checks therefore replaces exactly what they wrote before;
other checks' rows stay. Which counties exceeded the competence cap in 2024 is then::

    SELECT DISTINCT county FROM audit_findings
    WHERE grant_year = 2024 AND rule = 'regelverk5B.competence_cap' ORDER BY county
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from friskliv_pipeline.checks.findings import FINDING_COLUMNS, RuleResult
from friskliv_pipeline.contract import conform
from friskliv_pipeline.warehouse import METADATA, Warehouse

AUDIT_TABLES = ("audit_check_results", "audit_findings")
CAP_QUERY = sa.text(
    "SELECT DISTINCT county FROM audit_findings "
    "WHERE grant_year = :grant_year AND rule = 'regelverk5B.competence_cap' ORDER BY county"
)


def result_rows(results: list[RuleResult], grant_year: int, asset: str, run_id: str,
                checked_at: dt.datetime) -> pd.DataFrame:
    return pd.DataFrame([{
        "grant_year": grant_year, "run_id": run_id, "asset": asset, "check_name": r.rule.id,
        "severity": r.rule.severity, "passed": r.passed, "observed": r.observed, "expected": r.expected,
        "checked_at": checked_at,
    } for r in results])


def finding_rows(results: list[RuleResult], run_id: str) -> pd.DataFrame:
    frame = pd.DataFrame([f for r in results for f in r.findings], columns=FINDING_COLUMNS)
    frame["run_id"] = run_id
    return frame


def write_audit(warehouse: Warehouse, grant_year: int, asset: str, run_id: str, results: list[RuleResult],
                checked_at: dt.datetime | None = None) -> tuple[int, int]:
    """Replace this asset's check rows for ``grant_year`` (the rules in ``results``); returns (results, findings)."""
    checked_at = checked_at or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    rules = [r.rule.id for r in results]
    checks = conform(result_rows(results, grant_year, asset, run_id, checked_at), "audit_check_results")
    findings = conform(finding_rows(results, run_id), "audit_findings")
    warehouse.create_tables(AUDIT_TABLES)
    check_table, finding_table = METADATA.tables["audit_check_results"], METADATA.tables["audit_findings"]
    with warehouse.engine.begin() as conn:
        conn.execute(sa.delete(check_table).where(check_table.c.grant_year == grant_year,
                                                  check_table.c.asset == asset, check_table.c.check_name.in_(rules)))
        conn.execute(sa.delete(finding_table).where(finding_table.c.grant_year == grant_year,
                                                    finding_table.c.asset == asset, finding_table.c.rule.in_(rules)))
        Warehouse.insert_rows(conn, "audit_check_results", checks)
        Warehouse.insert_rows(conn, "audit_findings", findings)
    return len(checks), len(findings)


def counties_over_competence_cap(warehouse: Warehouse, grant_year: int) -> list[str]:
    """The auditor's question, answered by one SQL query on the audit trail."""
    with warehouse.engine.connect() as conn:
        return [row.county for row in conn.execute(CAP_QUERY, {"grant_year": grant_year})]
