"""The project_attainment suite's frame: one row per project and attainment criterion (q24..q35)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from friskliv_pipeline.checks.frames.common import ISSUE_COLUMNS, PROJECT_CONTEXT, RecordFrame
from friskliv_pipeline.checks.inputs import reads

if TYPE_CHECKING:
    from friskliv_pipeline.checks.year_tables import YearTables


@reads("project_attainment", project_attainment=None, projects=PROJECT_CONTEXT, cleaning_issues=ISSUE_COLUMNS,
       counties=("county",))
def project_attainment_frame(t: YearTables) -> RecordFrame:
    """One row per project × attainment criterion 1..12 (q24..q35)."""
    import pandas as pd

    from friskliv_pipeline.checks.frames.helpers import (
        by_response_id, exported_cells, municipality_of, text, with_context,
    )
    from friskliv_pipeline.cleaning.answers import ATTAINMENT_VALUES

    a = t["project_attainment"].reset_index(drop=True)
    exported = exported_cells(t["cleaning_issues"], ".attainment_value")
    p = by_response_id(t["projects"])
    rids = a["response_id"].astype(str)
    question_id = a["criterion_no"].map({q.criterion_no: q.id for q in t.form.attainment_questions})
    answer = text(a["answer"])
    unanswered = answer.isna()
    answer[unanswered] = [exported.get((rid, q)) for rid, q in zip(rids[unanswered], question_id[unanswered])]
    frame = pd.DataFrame({
        "grant_year": a["grant_year"],
        "response_id": text(a["response_id"]),
        "county": text(a["county"]),
        "county_observed": text(a["county"].where(a["county"].notna(), rids.map(p["county_reported"]))),
        "municipality": municipality_of(rids, p),
        "project_title": text(rids.map(p["project_title"])),
        "sheet_row": rids.map(p["source_row"]),
        "criterion_no": a["criterion_no"],
        "question_id": text(question_id),
        "answer_observed": answer,
    })
    frame["county"] = frame["county"].where(frame["county"].notna(), frame["county_observed"])
    criteria, projects = len(t.form.attainment_questions), len(t["projects"])
    parameters = {"attainment_values": list(ATTAINMENT_VALUES), "counties": list(t["counties"]["county"]),
                  "rows_expected": criteria * projects, "criteria": criteria, "projects": projects}
    return RecordFrame(with_context(frame), parameters)

