"""The kept responses → ``projects`` (q14 matched to the register) and its long tables.

q14 is matched once per distinct (text, county) pair; the long tables are cut from the flag and
attainment columns with numpy indexing instead of one dict per output row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from friskliv_pipeline.cleaning.columns import Distinct, IssueRows, frame_of, object_array, objects
from friskliv_pipeline.cleaning.municipalities import MunicipalityRegister
from friskliv_pipeline.cleaning.responses import MULTI_PREFIX, IssueLog, attainment_column
from friskliv_pipeline.forms.schema import FormSchema

BRIDGE_COLUMNS = ["grant_year", "response_id", "position", "name_reported", "municipality_no", "municipality"]
PART_FIELDS = ["position", "name_reported", "municipality_no", "municipality"]


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
    """Long table of one multi-select: one row per project and ticked option, in project then option
    order; an option standing for others ("Begge disse gruppene") or for none (q21's "Nei, …") is
    no row."""
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
    other_text = f"{prefix}_other_text"
    texts = objects(projects[other_text]) if other_text in projects else np.full(n, None, dtype=object)
    is_other = np.array([o.other for o in options], dtype=bool)[picked]
    columns = {
        "grant_year": objects(projects["grant_year"])[rows], "response_id": objects(projects["response_id"])[rows],
        name: object_array([o.key for o in options])[picked] if options else object_array([]),
        "label": object_array([o.label for o in options])[picked] if options else object_array([]),
        "other_text": np.where(is_other, texts[rows], None).astype(object),
    }
    return frame_of(columns, ["grant_year", "response_id", name, "label", "other_text"])


def project_attainment(projects: pd.DataFrame, form: FormSchema) -> pd.DataFrame:
    """One row per project × criterion 1..12 (q24..q35); answer NULL when unanswered."""
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
        "question_id": per_criterion([q.id for q in questions]),
        "criterion": per_criterion([q.header for q in questions]),
        "answer": answers.ravel(),
    }
    return frame_of(columns, ["grant_year", "response_id", "county", "criterion_no", "question_id", "criterion",
                              "answer"], n_rows=n * k)
