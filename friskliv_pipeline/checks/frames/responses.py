"""The responses suite's frame: one row per response, its yes/no answers and when it was completed
(regelverk 6: the county's reporting deadline)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from friskliv_pipeline.checks.frames.common import ISSUE_COLUMNS, Reason, RecordFrame, deadline_parameters, suite_rules
from friskliv_pipeline.checks.inputs import reads
from friskliv_pipeline.core.deadlines import COUNTY_REPORTING_DEADLINE, reporting_deadline

if TYPE_CHECKING:
    from friskliv_pipeline.checks.year_tables import YearTables


@reads("responses", responses=("grant_year", "response_id", "source_row", "county", "county_reported",
                              "municipality_reported", "project_title", "completion_time",
                              "competence_already_reported", "competence_used", "diagnosis_independent",
                              "diagnosis_specific", "intercommunal", "project_report_delivered"),  # q02..q37: Ja/Nei
       cleaning_issues=ISSUE_COLUMNS)
def responses_frame(t: YearTables) -> RecordFrame:
    """One row per response (projects, resubmissions and set-aside rows alike)."""
    import pandas as pd

    from friskliv_pipeline.checks.frames.helpers import exported_cells, local_times, text, with_context, yes_no_observed
    from friskliv_pipeline.cleaning.responses import YES_NO_COLUMNS

    r = t["responses"].reset_index(drop=True)
    exported = exported_cells(t["cleaning_issues"], ".yes_no")
    frame = pd.DataFrame({
        "grant_year": r["grant_year"],
        "response_id": text(r["response_id"]),
        "county": text(r["county"].fillna(r["county_reported"])),
        "municipality": text(r["municipality_reported"]),
        "project_title": text(r["project_title"]),
        "sheet_row": r["source_row"],
    })
    judged = {e.column for rule in suite_rules("responses") for e in rule.expectations}
    for qid, column in YES_NO_COLUMNS.items():
        if f"{qid}_observed" in judged:  # a question added to the form has no rule of the suite (yet)
            frame[f"{qid}_observed"] = yes_no_observed(r[column], r["response_id"], qid, exported)
    # regelverk 6: the county's deadline. Late = completed after the end of the deadline day; a response
    # without a completion time is neither late nor on time: NULL, which GX leaves out of the rows it
    # judges (a column-map expectation skips NULLs), so neither `mostly` (that would forgive late
    # responses) nor a row condition is needed.
    completed = local_times(r["completion_time"]) if "completion_time" in r else pd.Series(pd.NaT, index=r.index)
    deadline = reporting_deadline(t.grant_year, COUNTY_REPORTING_DEADLINE)
    late = completed >= pd.Timestamp(deadline) + pd.Timedelta(days=1)
    frame["completed_at"] = text(completed.dt.strftime("%Y-%m-%d %H:%M"))
    frame["completed_at_nb"] = text(completed.dt.strftime("%d.%m.%Y kl. %H.%M"))
    frame["after_county_deadline"] = late.astype(object).where(completed.notna(), None).to_numpy()
    parameters = {"yes_no": ["Ja", "Nei"], **deadline_parameters(t.grant_year)}
    not_evaluated = {}
    if not completed.notna().any():
        not_evaluated["regelverk6.county_reporting_deadline"] = Reason(
            f"no response of {t.grant_year} has a completion time (the export's Completion time is empty or "
            f"unreadable): whether the counties reported by {parameters['county_deadline_en']} cannot be judged",
            f"Det er ikke registrert når svarene for {t.grant_year} ble sendt inn, så det kan ikke vurderes om "
            f"fylkeskommunene rapporterte innen fristen {parameters['county_deadline_nb']}")
    return RecordFrame(with_context(frame), parameters, not_evaluated)

