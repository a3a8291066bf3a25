"""What the report reads, from the warehouse, for one grant year: the marts, the audit tables,
the free-text answers, and the facts of the method chapter (grant totals, responses received,
replaced and set aside, the collection period). The report reads tables through this module only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from friskliv_pipeline.core.contract import free_text_columns

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd
    import sqlalchemy as sa

from friskliv_pipeline.sql_models.project import loaded_project

# Every mart the SQL project holds (dbt_like_sql: one model per .sql and .yml, the names are the tables').
MARTS = tuple(sorted(loaded_project().models))
FINDING_COLUMNS = ["asset", "rule", "kind", "severity", "county", "municipality", "project_title", "response_id",
                   "sheet_row", "question_id", "value", "message", "message_nb"]
CHECK_COLUMNS = ["asset", "check_name", "kind", "severity", "status", "passed", "observed", "expected", "reason",
                 "reason_nb", "n_records", "n_evaluated"]

# The free-text answers the report summarises: question → (table, column), from the
# questionnaire's free_text flags and the data contract's columns.
FREE_TEXT = free_text_columns()


@dataclass
class MethodFacts:
    """The numbers of chapter 1: nothing in it is typed, all of it is counted from the tables."""

    appropriation_nok: int | None
    development_centres_nok: int | None
    counties_total_nok: int | None
    grant_totals_source: str
    n_responses: int
    n_superseded: int
    n_set_aside: int
    n_projects: int
    n_counties_answered: int
    n_counties: int
    first_start: dt.datetime | None
    last_completion: dt.datetime | None


@dataclass
class ReportData:
    grant_year: int
    marts: dict[str, pd.DataFrame]
    # audit_findings' rows; None where not read: the run's shared data leaves them to the auditor's
    # package, the only reader (report.artifacts.report_data says why)
    findings: pd.DataFrame | None
    free_text: pd.DataFrame  # question_id, county, text: every non-blank free-text answer, escaped on output
    method: MethodFacts | None = None
    check_results: pd.DataFrame | None = None

    @property
    def metrics(self) -> dict[str, int]:
        import pandas as pd

        summary = self.marts["mart_national_summary"]
        return {m: (None if pd.isna(v) else int(v)) for m, v in zip(summary["metric"], summary["value"])}

    @cached_property
    def screened(self) -> tuple[pd.DataFrame, list]:
        """The free text as the public edition prints it (e-mail addresses and phone numbers masked)
        and the answers that were masked (report.screening): screened once per run's data, read by
        the commentary check, both editions and the public tables."""
        from friskliv_pipeline.report.screening import screen

        return screen(self.free_text)

    @property
    def allocations_official(self) -> bool:
        """Whether every county's allocation is an official figure (reference.is_official): only then
        are allocations and what is left of them printed or published."""
        from friskliv_pipeline.core.reference import is_official

        counties = self.marts["mart_county_summary"].dropna(subset=["county"])
        return bool(len(counties)) and bool(counties["allocation_source"].map(is_official).all())

    @property
    def grant_totals_official(self) -> bool:
        """Whether the year's grant totals (appropriation, development centres, counties) are official."""
        from friskliv_pipeline.core.reference import is_official

        return bool(self.method and is_official(self.method.grant_totals_source))

    @property
    def reconciliation(self) -> pd.DataFrame:
        """mart_reconciliation as it may be stated: the national row where the grant totals are
        official, the county rows where every county's allocation is; empty when neither is."""
        recon = self.marts["mart_reconciliation"]
        keep = ((recon["scope"] == "national") & self.grant_totals_official) | \
               ((recon["scope"] == "county") & self.allocations_official)
        return recon[keep].reset_index(drop=True)

    @property
    def has_previous_year(self) -> bool:
        trends = self.marts["mart_trends"]
        return not trends.empty and trends["previous_value"].notna().any()


def _read(conn, table: str, grant_year: int, order: str | None = None) -> pd.DataFrame:
    from friskliv_pipeline.warehouse.database import read_query

    query = f'SELECT * FROM "{table}" WHERE grant_year = :year' + (f" ORDER BY {order}" if order else "")
    return read_query(conn, query, {"year": grant_year})


def _scalar(conn, sql: str, grant_year: int):
    import sqlalchemy as sa

    return conn.execute(sa.text(sql), {"year": grant_year}).scalar()


def _free_text(conn, grant_year: int) -> pd.DataFrame:
    """One row per non-blank free-text answer: question_id, county, text (stripped, as written)."""
    import pandas as pd
    import sqlalchemy as sa

    frames = []
    for qid, (table, column) in FREE_TEXT.items():
        rows = pd.read_sql_query(sa.text(
            f'SELECT county, {column} AS text FROM "{table}" WHERE grant_year = :year AND {column} IS NOT NULL '
            "ORDER BY county, response_id"), conn, params={"year": grant_year})
        rows["text"] = rows["text"].astype(str).str.strip()
        frames.append(rows[rows["text"] != ""].assign(question_id=qid))
    return pd.concat(frames, ignore_index=True)[["question_id", "county", "text"]]


def _parse_times(values: pd.Series, locales: pd.Series) -> pd.Series:
    """Forms times as exported: ISO as is, else month first in English exports and day first in
    Norwegian ones (the rule the cleaning applies to completion_time). Parsed a column at a time:
    ISO text (what a workbook's date cells become) in one pass, the rest by their locale's order."""
    import pandas as pd

    text = values.astype("string").reset_index(drop=True)
    locales = locales.astype("string").reset_index(drop=True)
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    present = text.notna() & (text != "")
    iso = present & text.str.match(r"\s*\d{4}-").fillna(False).astype(bool)
    english = locales.eq("en").fillna(False).astype(bool)
    for rows, options in ((iso, {"format": "ISO8601"}),
                          (present & ~iso & english, {"format": "mixed", "dayfirst": False}),
                          (present & ~iso & ~english, {"format": "mixed", "dayfirst": True})):
        if rows.any():
            found = pd.to_datetime(text[rows].str.strip(), errors="coerce", **options)
            parsed[rows] = found.dt.tz_localize(None) if found.dt.tz is not None else found
    return parsed


def _method(conn, grant_year: int) -> MethodFacts:
    import pandas as pd
    import sqlalchemy as sa

    totals = _read(conn, "grant_totals", grant_year)
    total = totals.iloc[0] if len(totals) else None
    times = pd.read_sql_query(sa.text("SELECT start_time, completion_time, export_locale FROM raw_responses "
                                      "WHERE grant_year = :year"), conn, params={"year": grant_year})
    starts = _parse_times(times["start_time"], times["export_locale"]).dropna()
    ends = _parse_times(times["completion_time"], times["export_locale"]).dropna()
    answered = _scalar(conn, "SELECT COUNT(DISTINCT county) FROM (SELECT county FROM projects WHERE grant_year = :year "
                             "UNION SELECT county FROM competence_building WHERE grant_year = :year) answered "
                             "WHERE county IS NOT NULL", grant_year)
    return MethodFacts(
        appropriation_nok=None if total is None else int(total["appropriation_nok"]),
        development_centres_nok=None if total is None else int(total["development_centres_nok"]),
        counties_total_nok=None if total is None else int(total["counties_total_nok"]),
        grant_totals_source="" if total is None else str(total["source"] or ""),
        n_responses=_scalar(conn, "SELECT COUNT(*) FROM raw_responses WHERE grant_year = :year", grant_year),
        n_superseded=_scalar(conn, "SELECT COUNT(*) FROM superseded_responses WHERE grant_year = :year", grant_year),
        n_set_aside=_scalar(conn, "SELECT COUNT(*) FROM set_aside_responses WHERE grant_year = :year", grant_year),
        n_projects=_scalar(conn, "SELECT COUNT(*) FROM projects WHERE grant_year = :year", grant_year),
        n_counties_answered=int(answered or 0),
        n_counties=_scalar(conn, "SELECT COUNT(*) FROM counties WHERE grant_year = :year", grant_year),
        first_start=starts.min().to_pydatetime() if len(starts) else None,
        last_completion=ends.max().to_pydatetime() if len(ends) else None,
    )


def load_report_data(engine: sa.Engine, grant_year: int, findings: bool = True) -> ReportData:
    """The grant year's marts, check results, free text and method facts; its audit findings too
    unless ``findings`` is false (then ``ReportData.findings`` is None: see :func:`read_findings`)."""
    import sqlalchemy as sa

    order = {"mart_target_groups": "sort_order", "mart_collaboration": "sort_order", "mart_lead_service": "sort_order",
             "mart_attainment": "criterion_no", "mart_competence_building": "sort_order",
             "mart_county_summary": "county", "mart_attainment_by_county": "county, criterion_no",
             "mart_reconciliation": "scope desc, county_no"}
    with engine.connect() as conn:
        marts = {m: _read(conn, m, grant_year, order.get(m)) for m in MARTS}
        checks = (_read(conn, "audit_check_results", grant_year, "severity, check_name")
                  if sa.inspect(conn).has_table("audit_check_results") else _empty_frame(CHECK_COLUMNS))
        free_text = _free_text(conn, grant_year)
        method = _method(conn, grant_year)
        audit = read_findings(conn, grant_year) if findings else None
    return ReportData(grant_year, marts, audit, free_text, method, checks)


def read_findings(conn: sa.Connection, grant_year: int) -> pd.DataFrame:
    """audit_findings' rows of the grant year (ERROR first, then by county and rule); none before
    the checks have ever run."""
    import sqlalchemy as sa

    if not sa.inspect(conn).has_table("audit_findings"):
        return _empty_frame(FINDING_COLUMNS)
    return _read(conn, "audit_findings", grant_year, "severity, county, rule")


# --- The auditor appendix ("Funn for revisor") --------------------------------------------------
# One place: the data below and the template partial templates/_auditor.html.j2. The three kinds
# of result of the checks stay apart here too: breaches (findings), the follow-up list and data
# notes; rules that could not be judged are listed with the reason.

@dataclass
class AuditorSection:
    n: int  # records of this kind
    rules: list[dict]  # rule, severity, n (records per rule, ERROR first)
    listed: list[dict]  # county, municipality, project_title, response_id, sheet_row, rule, severity, message_nb


@dataclass
class AuditorAppendix:
    breaches: AuditorSection
    follow_up: AuditorSection
    data_notes: AuditorSection
    not_evaluated: list[dict]  # rule, reason_nb, reason

    @property
    def n_findings(self) -> int:
        return self.breaches.n


def _section(records: pd.DataFrame, max_listed: int) -> AuditorSection:
    from friskliv_pipeline.report.language import blank

    if records.empty:
        return AuditorSection(0, [], [])
    counts = records.groupby(["rule", "severity"]).size().reset_index(name="n")
    counts = counts.sort_values(["severity", "n", "rule"], ascending=[True, False, True])
    ordered = records.assign(_error=(records["severity"] != "ERROR")).sort_values(
        ["_error", "county", "municipality", "project_title", "rule"], na_position="first", kind="stable")
    listed = [{k: blank(v) for k, v in row.items() if k in FINDING_COLUMNS}
              for row in ordered.head(max_listed).to_dict("records")]
    return AuditorSection(len(records), counts.to_dict("records"), listed)


def auditor_appendix(data: ReportData, max_listed: int) -> AuditorAppendix:
    """Per kind of result: records counted per rule, and the first ``max_listed`` one by one (ERROR
    first, then by county, municipality and project). Every record stays in tables.xlsx and
    audit_findings."""
    from friskliv_pipeline.report.language import blank

    records = data.findings
    checks = data.check_results if data.check_results is not None else _empty_frame(CHECK_COLUMNS)
    of_kind = {kind: _section(records[records["kind"] == kind], max_listed)
               for kind in ("breach", "follow_up", "data_note")}
    skipped = checks[checks["status"] == "not_evaluated"].drop_duplicates("check_name")
    not_evaluated = [{"rule": r["check_name"], "reason_nb": blank(r["reason_nb"]), "reason": blank(r["reason"])}
                     for r in skipped.to_dict("records")]
    return AuditorAppendix(of_kind["breach"], of_kind["follow_up"], of_kind["data_note"], not_evaluated)


def _empty_frame(columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=columns)
