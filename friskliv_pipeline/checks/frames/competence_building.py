"""The competence_building suite's frame: one row per county of the year's structure, plus one per
report from a county outside it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from friskliv_pipeline.checks.frames.common import PART_COLUMNS, RecordFrame
from friskliv_pipeline.checks.inputs import reads

if TYPE_CHECKING:
    from friskliv_pipeline.checks.year_tables import YearTables


@reads("competence_building", competence_building=None,
       competence_building_conflicts=("response_id", "kept_response_id"), counties=("county",),
       responses=("response_id", "source_row", "county_reported"))
def competence_frame(t: YearTables) -> RecordFrame:
    """One row per county of the year's structure, plus one per report from a county outside it."""
    import pandas as pd

    from friskliv_pipeline.checks.frames.carry_over import carry_over_quotes
    from friskliv_pipeline.checks.frames.helpers import with_context

    c = t["competence_building"].reset_index(drop=True)
    structure = list(t["counties"]["county"])
    reported_as = dict(zip(t["responses"]["response_id"].astype(str), t["responses"]["county_reported"]))
    sheet_row = dict(zip(t["responses"]["response_id"].astype(str), t["responses"]["source_row"]))
    conflicts = t["competence_building_conflicts"]
    conflicting = conflicts.groupby(conflicts["kept_response_id"].astype(str))["response_id"].apply(
        lambda s: ", ".join(str(x) for x in s))
    rows = []
    for r in c.to_dict("records"):
        observed = r["county"] if pd.notna(r["county"]) else reported_as.get(str(r["response_id"]))
        rows.append({**r, "county": observed, "county_observed": observed, "reported": True,
                     "sheet_row": sheet_row.get(str(r["response_id"])),
                     "conflicting_response_ids": conflicting.get(str(r["response_id"]))})
    seen = {r["county"] for r in rows}
    for county in structure:
        if county not in seen:
            rows.append({"grant_year": t.grant_year, "county": county, "county_observed": county, "reported": False})
    columns = ["grant_year", "county", "county_observed", "response_id", "sheet_row", "reported", "n_distinct_reports",
               "conflicting_response_ids", "competence_used", "competence_not_used_reason", *PART_COLUMNS,
               "competence_total_nok", "parts_sum_nok"]
    frame = pd.DataFrame(rows).reindex(columns=columns)
    for column in [*PART_COLUMNS, "competence_total_nok", "parts_sum_nok", "n_distinct_reports", "sheet_row"]:
        frame[column] = pd.array(frame[column].astype(object).where(frame[column].notna(), None), dtype="Int64")
    frame["reported"] = frame["reported"].astype(bool)
    # q03 = Nei: the q04 reason is expected (plain bool for the row condition).
    frame["competence_not_used"] = [False if pd.isna(v) else not bool(v) for v in frame["competence_used"]]
    # Parts vs total: an unanswered part counts 0 once either side is given.
    either = frame["parts_sum_nok"].notna() | frame["competence_total_nok"].notna()
    frame["parts_sum_compared_nok"] = frame["parts_sum_nok"].where(~either, frame["parts_sum_nok"].fillna(0))
    frame["total_compared_nok"] = frame["competence_total_nok"].where(~either, frame["competence_total_nok"].fillna(0))
    frame["carry_over_quote"], frame["carry_over_quote_nb"], frame["carry_over_quote_question"] = carry_over_quotes(
        frame.reset_index(drop=True), "competence_building", t.grant_year)
    frame = frame.sort_values("county", key=lambda s: s.map(lambda v: (v is None or pd.isna(v), str(v))))
    parameters = {"counties": structure, "n_counties": len(structure),
                  "n_reported": int(frame.loc[frame["county_observed"].isin(structure), "reported"].sum())}
    return RecordFrame(with_context(frame), parameters)

