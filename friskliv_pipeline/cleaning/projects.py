"""Typed responses → ``projects`` and its bridge tables, after setting aside and superseding.

Row accounting: every response ends in exactly one of ``projects``, ``superseded_responses``
or ``set_aside_responses``.

- Set aside: a response whose project section (q13–q35) is entirely empty, e.g. one sent only
  to report competence building. Its competence answers still count.
- Superseded: the same county + municipality + project title again (compared normalised); the
  latest completion time wins (ties: the later sheet row), the other is kept with the reason.
"""

from __future__ import annotations

import pandas as pd

from friskliv_pipeline.cleaning.columns import compact_keys, map_distinct
from friskliv_pipeline.cleaning.municipalities import MunicipalityRegister
from friskliv_pipeline.cleaning.responses import MULTI_PREFIX, OTHER_ORDER_COMPLETION, IssueLog, attainment_column
from friskliv_pipeline.errors import ExportError
from friskliv_pipeline.forms.schema import FormSchema

SET_ASIDE_REASON = "no project answers (q13–q35 empty)"
RESUBMISSION_KEY = ["_county_key", "_municipality_key", "_title_key"]


def split_responses(responses: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(project candidates after resubmission, superseded_responses, set_aside_responses)."""
    has_project = responses["has_project"].astype(bool)
    set_aside = responses.loc[~has_project, ["grant_year", "response_id", "source_row", "county",
                                             "completion_time"]].copy()
    set_aside["reason"] = SET_ASIDE_REASON

    candidates = responses.loc[has_project].copy()
    # keyed once per distinct text: the same name recurs on thousands of rows
    candidates["_title_key"] = map_distinct(candidates["project_title"], compact_keys, on_array=True)
    candidates["_municipality_key"] = map_distinct(candidates["municipality_reported"], compact_keys, on_array=True)
    candidates["_county_key"] = map_distinct(candidates["county"].fillna(candidates["county_reported"]), compact_keys,
                                               on_array=True)
    latest = _latest(candidates, "completion_time")
    _refuse_if_date_order_decides(candidates, latest)
    keyed = candidates["_title_key"] != ""
    winners = latest.set_index(RESUBMISSION_KEY)["response_id"]
    older = candidates[keyed & ~candidates.index.isin(latest.index)].sort_values(
        ["completion_time", "source_row"], na_position="first", kind="stable")
    superseded = older[["grant_year", "response_id", "source_row", "county", "municipality_reported",
                        "project_title", "completion_time"]].copy()
    superseded["superseded_by"] = [winners.loc[tuple(k)] for k in older[RESUBMISSION_KEY].itertuples(index=False)]
    superseded["reason"] = "resubmission: same county, municipality and project title; the latest completion time wins"
    kept = candidates[~candidates.index.isin(older.index)].drop(columns=RESUBMISSION_KEY)
    return kept.sort_values("source_row").reset_index(drop=True), superseded.reset_index(drop=True), \
        set_aside.reset_index(drop=True)


def _latest(candidates: pd.DataFrame, time_column: str) -> pd.DataFrame:
    """The row that counts per project key: latest ``time_column``, ties to the later sheet row."""
    ordered = candidates.sort_values([time_column, "source_row"], na_position="first", kind="stable")
    return ordered[ordered["_title_key"] != ""].groupby(RESUBMISSION_KEY, sort=False).tail(1)


def _refuse_if_date_order_decides(candidates: pd.DataFrame, latest: pd.DataFrame) -> None:
    """A CSV whose dates read both ways (no day above 12) must not pick a resubmission's winner by guess."""
    if OTHER_ORDER_COMPLETION not in candidates or candidates[OTHER_ORDER_COMPLETION].isna().all():
        return
    other = candidates.assign(_other=candidates[OTHER_ORDER_COMPLETION].fillna(candidates["completion_time"]))
    changed = set(latest["response_id"]) ^ set(_latest(other, "_other")["response_id"])
    if not changed:
        return
    rows = candidates[candidates["response_id"].isin(changed)].sort_values("source_row")
    first = rows.iloc[0]
    group = candidates[(candidates[RESUBMISSION_KEY] == first[RESUBMISSION_KEY]).all(axis=1)].sort_values("source_row")
    raise ExportError(
        f"The completion times can be read day-first or month-first (no day above 12 in the file), and the two "
        f"readings disagree on which response of project {first['project_title']!r} is the latest "
        f"(rows {', '.join(str(r) for r in group['source_row'])})",
        file=str(first["source_file"]), row=int(first["source_row"]), column="Completion time",
        hint="send the Forms export as .xlsx (real date cells), or save the CSV with dates as yyyy-mm-dd",
    )


def build_projects(kept: pd.DataFrame, register: MunicipalityRegister, county_numbers: dict[str, str],
                   log: IssueLog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(projects, project_municipalities). The municipality code is NULL when q14 did not match."""
    projects = kept.copy()
    numbers, names, counts, neighbours, bridge = [], [], [], [], []
    for row in kept.itertuples(index=False):
        match = register.match(row.municipality_reported, row.county)
        for rule, message in match.problems:
            log.add(row.response_id, row.source_row, "q14", rule, message, row.municipality_reported)
        numbers.append(match.municipality_no)
        names.append(match.municipality)
        counts.append(len(match.parts))
        neighbours.append(match.unnamed_neighbours)
        for part in match.parts:
            bridge.append({"grant_year": row.grant_year, "response_id": row.response_id, **part})
    projects["municipality_no"] = numbers
    projects["municipality"] = names
    projects["n_municipalities_named"] = counts
    projects["unnamed_neighbours"] = neighbours
    projects["county_no"] = projects["county"].map(county_numbers)
    bridge_frame = pd.DataFrame(bridge, columns=["grant_year", "response_id", "position", "name_reported",
                                                 "municipality_no", "municipality"])
    return projects, bridge_frame


def bridge_multi(projects: pd.DataFrame, form: FormSchema, qid: str, name: str) -> pd.DataFrame:
    """Long table of one multi-select: one row per project and ticked option (not 'none')."""
    question = form.question(qid)
    prefix = MULTI_PREFIX[qid]
    rows = []
    for row in projects.to_dict("records"):
        for option in question.options:
            if option.exclusive or option.implies or not row.get(f"{prefix}_{option.key}"):
                continue
            rows.append({"grant_year": row["grant_year"], "response_id": row["response_id"], name: option.key,
                         "label": option.label,
                         "other_text": row.get(f"{prefix}_other_text") if option.other else None})
    return pd.DataFrame(rows, columns=["grant_year", "response_id", name, "label", "other_text"])


def project_attainment(projects: pd.DataFrame, form: FormSchema) -> pd.DataFrame:
    """One row per project × criterion 1..12 (q24..q35); answer NULL when unanswered."""
    rows = []
    questions = form.attainment_questions
    for row in projects.to_dict("records"):
        for q in questions:
            rows.append({"grant_year": row["grant_year"], "response_id": row["response_id"],
                         "county": row["county"], "criterion_no": q.criterion_no, "question_id": q.id,
                         "criterion": q.header, "answer": row[attainment_column(q.criterion_no)]})
    return pd.DataFrame(rows, columns=["grant_year", "response_id", "county", "criterion_no", "question_id",
                                       "criterion", "answer"])
