"""Typed responses → ``projects`` and its long tables, after setting aside and superseding.

Row accounting: every response ends in exactly one of ``projects``, ``superseded_responses``
or ``set_aside_responses``.

- Set aside: a response whose project section (q13–q35) is entirely empty, e.g. one sent only
  to report competence building. Its competence answers still count.
- Superseded: the same county + municipality + project title again (compared normalised); the
  latest completion time wins (ties: the later sheet row), the other is kept with the reason.

q14 is matched once per distinct (text, county) pair; the long tables are cut from the flag and
attainment columns with numpy indexing instead of one dict per output row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from friskliv_pipeline.cleaning.columns import Distinct, compact_keys, frame_of, map_distinct, object_array, objects
from friskliv_pipeline.cleaning.issues import IssueLog, IssueRows
from friskliv_pipeline.cleaning.municipalities import MunicipalityRegister
from friskliv_pipeline.cleaning.responses import MULTI_PREFIX, OTHER_ORDER_COMPLETION, attainment_column
from friskliv_pipeline.core.errors import ExportError
from friskliv_pipeline.forms.schema import FormSchema

SET_ASIDE_REASON = "no project answers (q13–q35 empty)"
RESUBMISSION_REASON = "resubmission: same county, municipality and project title; the latest completion time wins"
# the same, as the auditor's workbook shows it (superseded_responses.reason -> bokmål)
REASONS_NB = {RESUBMISSION_REASON: "sendt på nytt: samme fylke, kommune og prosjekttittel; det senest fullførte "
                                   "svaret gjelder",
              SET_ASIDE_REASON: "ingen svar om prosjekt (spørsmål 13–35 er tomme)"}
RESUBMISSION_KEY = ["_county_key", "_municipality_key", "_title_key"]
BRIDGE_COLUMNS = ["grant_year", "response_id", "position", "name_reported", "municipality_no", "municipality"]
PART_FIELDS = ["position", "name_reported", "municipality_no", "municipality"]


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
    superseded["reason"] = RESUBMISSION_REASON
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
    projects = kept.copy(deep=False)  # copy-on-write: adding columns leaves ``kept`` as it is
    reported = objects(kept["municipality_reported"])
    rid, srow = objects(kept["response_id"]), objects(kept["source_row"])
    match = Distinct(register.match, reported, objects(kept["county"]))
    issues = IssueRows(rid, srow)
    issues.add_problems(match, 0, "q14", None, lambda m: m.problems, reported)
    issues.flush(log)
    projects["municipality_no"] = match.take(lambda m: m.municipality_no).tolist()
    projects["municipality"] = match.take(lambda m: m.municipality).tolist()
    projects["n_municipalities_named"] = match.take(lambda m: len(m.parts)).tolist()
    projects["unnamed_neighbours"] = match.take(lambda m: m.unnamed_neighbours).tolist()
    projects["county_no"] = projects["county"].map(county_numbers)
    # one bridge row per part: row i of kept repeats once per part of its match
    counts = np.array([len(m.parts) for m in match.results], dtype=np.intp)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
    per_row = counts[match.codes]
    rows = np.repeat(np.arange(len(kept)), per_row)
    out_start = np.repeat(np.cumsum(per_row) - per_row, per_row)
    part = np.repeat(starts[match.codes], per_row) + np.arange(len(rows)) - out_start
    parts = [p for m in match.results for p in m.parts]
    columns = {"grant_year": objects(kept["grant_year"])[rows], "response_id": rid[rows]}
    for name in PART_FIELDS:
        columns[name] = object_array([p[name] for p in parts])[part] if parts else object_array([])
    return projects, frame_of(columns, BRIDGE_COLUMNS)


def bridge_multi(projects: pd.DataFrame, form: FormSchema, qid: str, name: str) -> pd.DataFrame:
    """Long table of one multi-select: one row per project and ticked option key, in project then option
    order; an option standing for others ("Begge disse gruppene") or for none (q21's "Nei, …") is
    no row. The option's label is the form's (form_options), the 'Annet' text the project's."""
    question = form.question(qid)
    prefix = MULTI_PREFIX[qid]
    options = [o for o in question.options if not (o.exclusive or o.implies)]
    n = len(projects)
    ticked = np.zeros((n, len(options)), dtype=bool)
    for k, option in enumerate(options):
        column = f"{prefix}_{option.key}"
        if column in projects:
            series = projects[column]
            ticked[:, k] = series.to_numpy() if series.dtype == bool else [bool(v) for v in objects(series)]
    rows, picked = np.nonzero(ticked)  # row-major: each project's options in form order
    columns = {
        "grant_year": objects(projects["grant_year"])[rows], "response_id": objects(projects["response_id"])[rows],
        name: object_array([o.key for o in options])[picked] if options else object_array([]),
    }
    return frame_of(columns, ["grant_year", "response_id", name])


def project_attainment(projects: pd.DataFrame, form: FormSchema) -> pd.DataFrame:
    """One row per project × criterion 1..12 (q24..q35), keyed by the criterion's number; answer NULL
    when unanswered."""
    questions = form.attainment_questions
    n, k = len(projects), len(questions)
    rows = np.repeat(np.arange(n), k)
    criterion = np.tile(np.arange(k), n)
    answers = np.empty((n, k), dtype=object)
    for j, q in enumerate(questions):
        answers[:, j] = objects(projects[attainment_column(q.criterion_no)])

    def repeated(column: str):
        return lambda: objects(projects[column])[rows]

    def per_criterion(values: list):
        return lambda: object_array(values)[criterion]

    columns = {
        "grant_year": repeated("grant_year"), "response_id": repeated("response_id"), "county": repeated("county"),
        "criterion_no": per_criterion([q.criterion_no for q in questions]),
        "answer": answers.ravel(),
    }
    return frame_of(columns, ["grant_year", "response_id", "county", "criterion_no", "answer"], n_rows=n * k)
