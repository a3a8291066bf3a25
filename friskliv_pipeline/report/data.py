"""What the report reads: the marts and the audit findings of one grant year, from the warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import sqlalchemy as sa

MARTS = ("mart_national_summary", "mart_county_summary", "mart_target_groups", "mart_collaboration",
         "mart_lead_service", "mart_attainment", "mart_attainment_by_county", "mart_competence_building",
         "mart_trends")


@dataclass
class ReportData:
    grant_year: int
    marts: dict[str, pd.DataFrame]
    findings: pd.DataFrame
    free_text: pd.DataFrame  # export free text the report quotes ("annet" answers), escaped on output

    @property
    def metrics(self) -> dict[str, int]:
        import pandas as pd

        summary = self.marts["mart_national_summary"]
        return {m: (None if pd.isna(v) else int(v)) for m, v in zip(summary["metric"], summary["value"])}

    @property
    def has_previous_year(self) -> bool:
        trends = self.marts["mart_trends"]
        return not trends.empty and trends["previous_value"].notna().any()


def _read(conn, table: str, grant_year: int, order: str | None = None) -> pd.DataFrame:
    import pandas as pd
    import sqlalchemy as sa

    query = f'SELECT * FROM "{table}" WHERE grant_year = :year' + (f" ORDER BY {order}" if order else "")
    return pd.read_sql_query(sa.text(query), conn, params={"year": grant_year})


def load_report_data(engine: sa.Engine, grant_year: int) -> ReportData:
    import pandas as pd
    import sqlalchemy as sa

    order = {"mart_target_groups": "sort_order", "mart_collaboration": "sort_order", "mart_lead_service": "sort_order",
             "mart_attainment": "criterion_no", "mart_competence_building": "sort_order",
             "mart_county_summary": "county", "mart_attainment_by_county": "county, criterion_no"}
    with engine.connect() as conn:
        marts = {m: _read(conn, m, grant_year, order.get(m)) for m in MARTS}
        inspector = sa.inspect(conn)
        findings = (_read(conn, "audit_findings", grant_year, "severity, county, rule")
                    if inspector.has_table("audit_findings") else pd.DataFrame(
                        columns=["rule", "severity", "county", "municipality", "project_title", "response_id", "message"]))
        free_text = pd.read_sql_query(sa.text(
            "SELECT county, target_other_text, lead_service_other_text, attainment_comment FROM projects "
            "WHERE grant_year = :year ORDER BY county, response_id"), conn, params={"year": grant_year})
    return ReportData(grant_year, marts, findings, free_text)
