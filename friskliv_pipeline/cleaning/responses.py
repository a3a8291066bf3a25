"""raw_responses → ``responses``: one typed row per response, and the problems found on the way.

Every raw row yields exactly one typed row (row accounting starts here). A cell that cannot be
read becomes NULL and a row in ``cleaning_issues`` naming the response, sheet row, question
and rule: never a guess, never a dropped row. Each rule (``yes_no``, ``parse_nok`` …) is applied
once per distinct answer and the table is built column by column.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd

from friskliv_pipeline.cleaning.answers import attainment, clean_text, multi_choice, single_choice, yes_no
from friskliv_pipeline.cleaning.columns import Distinct, clean_texts, frame_of, object_array, raw_values
from friskliv_pipeline.cleaning.issues import IssueLog, IssueRows
from friskliv_pipeline.cleaning.money import parse_nok, split_description_and_amount
from friskliv_pipeline.cleaning.place_names import name_parts, place_key
from friskliv_pipeline.forms.date_order import UNDECIDED, assumed_order, to_datetime
from friskliv_pipeline.core.contract import MULTI_PREFIX, column_of
from friskliv_pipeline.forms.schema import FormSchema, all_questions

# Which column holds which question's answer is the data contract's (Column.source); what kind of
# answer a question takes is the questionnaire's (assets/reference/forms/questions.json), and a
# year's form's for a question it adds.
_QUESTIONS = all_questions()
YES_NO_COLUMNS = {q["id"]: column_of(q["id"], kind="bool") for q in _QUESTIONS if q["kind"] == "yes_no"}
TEXT_COLUMNS = {q["id"]: column_of(q["id"], kind="text")
                for q in _QUESTIONS if q["kind"] in ("text", "municipality")}
# A response is about a project when it answers any question from the project's title to the last
# attainment criterion (q13–q35); the comments after them alone do not make a project.
_FIRST = next(i for i, q in enumerate(_QUESTIONS) if q["section"] == "project")
_LAST = max(i for i, q in enumerate(_QUESTIONS) if q["kind"] == "attainment")
PROJECT_QUESTIONS = [q["id"] for q in _QUESTIONS[_FIRST:_LAST + 1]]
# Completion time read in the other day/month order, for files whose values do not decide it
# (working column: split_responses uses it, no table keeps it).
OTHER_ORDER_COMPLETION = "_completion_time_other_order"
_MONEY_COLUMN = {q["id"]: column_of(q["id"], kind="int")
                 for q in _QUESTIONS if q["kind"] == "money" and not q.get("category")}
# The order of a row's problems in cleaning_issues: time, overlapping versions, q01, the yes/no
# questions, then the form's questions in form order.
_RANK_TIME, _RANK_OVERLAP, _RANK_COUNTY, _RANK_YES_NO = 0, 1, 2, 3


def attainment_column(criterion_no: int) -> str:
    return f"attainment_{criterion_no:02d}"


def type_responses(raw: pd.DataFrame, form: FormSchema, counties: list[str] | dict[str, str | None],
                   log: IssueLog) -> pd.DataFrame:
    """``counties``: the year's county names, or a mapping of them to SSB's official names."""
    rid, srow = raw_values(raw, "response_id"), raw_values(raw, "source_row")
    issues = IssueRows(rid, srow)
    cells = {}

    def cell(qid: str) -> np.ndarray:
        if qid not in cells:
            cells[qid] = raw_values(raw, qid)
        return cells[qid]

    cols: dict[str, np.ndarray] = {
        "grant_year": raw_values(raw, "grant_year"), "response_id": rid,
        "source_file": raw_values(raw, "source_file"), "source_row": srow,
    }
    completion, date_order, locale = (raw_values(raw, c) for c in ("completion_time", "date_order", "export_locale"))
    dayfirst = Distinct(assumed_order, date_order, locale).take()
    times = Distinct(read_time, completion, dayfirst)
    cols["completion_time"] = times.take(lambda r: r[0])
    for rule in ("meta.completion_time_missing", "meta.completion_time_unparseable"):
        rows = times.where(lambda r, rule=rule: r[1] is not None and r[1][0] == rule)
        issues.add(rows, _RANK_TIME, 0, "completion_time", rule, times.take(lambda r: r[1] and r[1][1])[rows],
                   completion[rows])
    cols["county_reported"] = Distinct(clean_text, cell("q01")).take()
    undecided = date_order == UNDECIDED
    if undecided.any():  # the other reading, on the undecided rows only (NaN elsewhere)
        other_day = Distinct(lambda loc: not assumed_order(None, loc), locale).take()
        other = Distinct(read_time, completion, other_day).take(lambda r: r[0])
        cols[OTHER_ORDER_COMPLETION] = np.where(undecided, other, np.nan).astype(object)
    _overlaps(raw_values(raw, "overlapping_versions"), rid, issues)
    county = Distinct(lambda v: _county(v, counties), cell("q01"))
    cols["county"] = county.take(lambda r: r[0])
    rows = county.where(lambda r: r[1])
    issues.add(rows, _RANK_COUNTY, 0, "q01", "q01.county_unknown", county.take(lambda r: r[1])[rows], cell("q01")[rows])
    for rank, (qid, column) in enumerate(YES_NO_COLUMNS.items(), start=_RANK_YES_NO):
        answer = Distinct(yes_no, cell(qid))
        cols[column] = answer.take(lambda a: a.value)
        issues.add_problems(answer, rank, qid, f"{qid}.yes_no", lambda a: [a.problem] if a.problem else [], cell(qid))
    for qid, column in TEXT_COLUMNS.items():
        cols[column] = Distinct(clean_texts, cell(qid), on_array=True).take()
    first_rank = _RANK_YES_NO + len(YES_NO_COLUMNS)
    for rank, q in enumerate(form.questions, start=first_rank):
        _question(q, cell(q.id), cols, issues, rank)
    if "target_both" in cols:
        cols["target_both"] = cols["target_risk"].astype(bool) & cols["target_chronic"].astype(bool)
    if "collab_none" in cols:
        partners = [k for k in cols if k.startswith("collab_") and k not in ("collab_none", "collab_other_text")]
        cols["is_collaborative"] = np.logical_or.reduce([cols[k].astype(bool) for k in partners]) if partners \
            else np.zeros(len(raw), dtype=bool)
    cols["has_project"] = np.logical_or.reduce(
        [Distinct(lambda v: clean_texts(v) != None, cell(q), on_array=True).take().astype(bool)  # noqa: E711
         for q in PROJECT_QUESTIONS])
    issues.flush(log)
    return frame_of(cols)


def _overlaps(values: np.ndarray, rid: np.ndarray, issues: IssueRows) -> None:
    versions = Distinct(lambda v: json.loads(v or "[]"), values)
    for j in range(max((len(v) for v in versions.results), default=0)):
        rows = versions.where(lambda v, j=j: len(v) > j)
        found = versions.take(lambda v, j=j: v[j] if len(v) > j else None)[rows]
        messages = [f"response ID {rid[r]} is also in {v['file']} row {v['row']} with other answers; "
                    f"this version, modified later, is kept" for r, v in zip(rows, found)]
        issues.add(rows, _RANK_OVERLAP, j, "response_id", "meta.overlapping_export_version", object_array(messages),
                   np.full(len(rows), None, dtype=object))


def _question(q, values: np.ndarray, cols: dict, issues: IssueRows, rank: int) -> None:
    """One form question's columns and problems, by the kind of question."""
    if q.kind == "money":
        parsed = Distinct(parse_nok, values)
        cols[_MONEY_COLUMN.get(q.id, f"{q.category}_nok")] = parsed.take(lambda m: m.nok)
        issues.add_problems(parsed, rank, q.id, f"{q.id}.money_unparseable",
                            lambda m: [m.problem] if m.problem else [], values)
    elif q.kind == "money_text":
        parsed = Distinct(split_description_and_amount, values)
        cols[f"{q.category}_text"] = parsed.take(lambda p: p.description)
        cols[f"{q.category}_nok"] = parsed.take(lambda p: p.nok)
        issues.add_problems(parsed, rank, q.id, f"{q.id}.amount_in_text",
                            lambda p: [p.problem] if p.problem else [], values)
    elif q.kind == "multi":
        choice = Distinct(lambda v: multi_choice(v, q), values)
        prefix = MULTI_PREFIX[q.id]
        for key in q.option_keys():
            cols[f"{prefix}_{key}"] = choice.take(lambda c, key=key: c.flags[key])
        cols[f"{prefix}_other_text"] = choice.take(lambda c: c.other_text)
        issues.add_problems(choice, rank, q.id, f"{q.id}.multi_choice", lambda c: c.problems, values)
    elif q.kind == "single":
        choice = Distinct(lambda v: single_choice(v, q), values)
        cols["lead_service"] = choice.take(lambda c: c[0])
        cols["lead_service_label"] = choice.take(lambda c: next((o.label for o in q.options if o.key == c[0]), None))
        cols["lead_service_other_text"] = choice.take(lambda c: c[1])
        issues.add_problems(choice, rank, q.id, f"{q.id}.single_choice", lambda c: [c[2]] if c[2] else [], values)
    elif q.kind == "attainment":
        answer = Distinct(attainment, values)
        cols[attainment_column(q.criterion_no)] = answer.take(lambda a: a.value)
        issues.add_problems(answer, rank, q.id, f"{q.id}.attainment_value",
                            lambda a: [a.problem] if a.problem else [], values)


def _county_key(text: str) -> str:
    key = place_key(text)
    for prefix in ("fylkeskommune ", "fylke "):
        key = key.removeprefix(prefix)
    for suffix in (" fylkeskommune", " fylke"):
        key = key.removesuffix(suffix)
    return key


def _county_index(counties: list[str] | dict[str, str | None]) -> dict[str, str]:
    """Key → county: the short name, and SSB's official name whole and by part when ``counties``
    maps each county to it ("Romsa" → "Troms"). A part two counties share is left out."""
    official = counties if isinstance(counties, dict) else dict.fromkeys(counties)
    return _cached_county_index(tuple((c, n if isinstance(n, str) else None) for c, n in official.items()))


@functools.lru_cache(maxsize=64)  # one index per grant year, not one per response
def _cached_county_index(official: tuple[tuple[str, str | None], ...]) -> dict[str, str]:
    index = {place_key(c): c for c, _name in official}
    by_part: dict[str, set[str]] = {}
    for county, name in official:
        if isinstance(name, str) and name.strip():
            for key in {place_key(name), *(place_key(p) for p in name_parts(name))}:
                by_part.setdefault(key, set()).add(county)
    index |= {key: next(iter(found)) for key, found in by_part.items() if len(found) == 1 and key not in index}
    return index


def _county(value: str | None, counties: list[str] | dict[str, str | None]) -> tuple[str | None, str | None]:
    """The county of q01, also from an official multi-language form written in any order
    ("Troms - Romsa - Tromssa", "Romsa - Troms fylkeskommune", "Romsa"). ``counties``: the year's
    county names, or a mapping of them to SSB's official names."""
    text = clean_text(value)
    if text is None:
        return None, "q01 is empty"
    index = _county_index(counties)
    key = _county_key(text)
    if key in index:
        return index[key], None
    found = {index[k] for k in (_county_key(p) for p in name_parts(text)) if k in index}
    if len(found) == 1:
        return found.pop(), None
    return None, f"{text[:60]!r} is not a county of this grant year ({', '.join(counties)})"


def read_time(value, dayfirst: bool):
    """(parsed, None) or (None, (rule, message)) for one completion time."""
    if value is None:
        return None, ("meta.completion_time_missing", "the response has no completion time")
    parsed = to_datetime(value, dayfirst)
    if parsed is None:
        return None, ("meta.completion_time_unparseable",
                      f"completion time {str(value).strip()[:40]!r} is not a date-time")
    return parsed, None
