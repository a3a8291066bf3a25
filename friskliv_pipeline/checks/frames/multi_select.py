"""The frames of the three multi-select suites (project_target_groups, project_user_groups,
project_collaborators): one builder, as the three bridge tables have one shape."""

from __future__ import annotations

from typing import TYPE_CHECKING

from friskliv_pipeline.checks.frames.common import ISSUE_COLUMNS, MULTI_SELECT, PROJECT_CONTEXT, RecordFrame
from friskliv_pipeline.checks.inputs import reads

if TYPE_CHECKING:
    from friskliv_pipeline.checks.year_tables import YearTables


@reads("project_target_groups", project_target_groups=("grant_year", "response_id", "target_group"),
       projects=PROJECT_CONTEXT, cleaning_issues=ISSUE_COLUMNS)
@reads("project_user_groups", project_user_groups=("grant_year", "response_id", "user_group"),
       projects=PROJECT_CONTEXT, cleaning_issues=ISSUE_COLUMNS)
@reads("project_collaborators", project_collaborators=("grant_year", "response_id", "partner"),
       projects=PROJECT_CONTEXT, cleaning_issues=ISSUE_COLUMNS)
def multi_select_frame(t: YearTables) -> RecordFrame:
    """One row per project and ticked item of one multi-select (the bridge table ``t.suite``): the
    option key, or the text as exported when it matches no option (from ``cleaning_issues``)."""
    import pandas as pd

    from friskliv_pipeline.checks.frames.helpers import by_response_id, municipality_of, text, with_context
    from friskliv_pipeline.cleaning.answers import multi_choice, split_multi

    table = t.suite
    qid, column = MULTI_SELECT[table]
    question = t.form.question(qid)
    bridge = t[table]
    ticked = pd.DataFrame({"grant_year": bridge["grant_year"].to_numpy(),
                           "response_id": bridge["response_id"].astype(str).to_numpy(),
                           "option": text(bridge[column]).to_numpy()})
    rows = []
    issues = t["cleaning_issues"]
    project_ids = set(t["projects"]["response_id"].astype(str))
    for r in issues[issues["rule"] == f"{qid}.multi_choice"].itertuples(index=False):
        if str(r.response_id) not in project_ids:
            continue
        for piece in split_multi(r.value):
            if any(m.startswith("unknown option") for m in multi_choice(piece, question).problems):
                rows.append({"grant_year": r.grant_year, "response_id": str(r.response_id), "option": piece})
    unknown = pd.DataFrame(rows, columns=["grant_year", "response_id", "option"])
    frame = pd.concat([ticked, unknown], ignore_index=True) if rows else ticked
    p = by_response_id(t["projects"])
    rids = frame["response_id"]
    frame["county"] = text(rids.map(p["county"]))
    frame["municipality"] = municipality_of(rids, p)
    frame["project_title"] = text(rids.map(p["project_title"]))
    frame["sheet_row"] = rids.map(p["source_row"])
    return RecordFrame(with_context(frame), {"options": question.option_keys(), "question": qid})

