"""raw_responses → ``responses``: one typed row per response, and the problems found on the way.

Every raw row yields exactly one typed row (row accounting starts here). A cell that cannot be
read becomes NULL and a row in ``cleaning_issues`` naming the response, sheet row, question
and rule: never a guess, never a dropped row.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field

import pandas as pd

from friskliv_pipeline.cleaning.answers import (
    attainment, clean_text, multi_choice, single_choice, yes_no,
)
from friskliv_pipeline.cleaning.money import parse_nok, split_description_and_amount
from friskliv_pipeline.cleaning.place_names import name_parts, place_key
from friskliv_pipeline.forms.date_order import UNDECIDED, assumed_order, to_datetime
from friskliv_pipeline.forms.schema import FormSchema, Question

# Multi-select questions → prefix of their flag columns.
MULTI_PREFIX = {"q15": "target", "q16": "user", "q21": "collab"}
YES_NO_COLUMNS = {
    "q02": "competence_already_reported",
    "q03": "competence_used",
    "q17": "diagnosis_independent",
    "q18": "diagnosis_specific",
    "q20": "intercommunal",
    "q37": "project_report_delivered",
}
TEXT_COLUMNS = {
    "q04": "competence_not_used_reason",
    "q13": "project_title",
    "q14": "municipality_reported",
    "q19": "other_offer_text",
    "q36": "attainment_comment",
    "q38": "other_comments",
}
PROJECT_QUESTIONS = [f"q{i:02d}" for i in range(13, 36)]
# Completion time read in the other day/month order, for files whose values do not decide it
# (working column: split_responses uses it, no table keeps it).
OTHER_ORDER_COMPLETION = "_completion_time_other_order"


def attainment_column(criterion_no: int) -> str:
    return f"attainment_{criterion_no:02d}"


@dataclass
class IssueLog:
    """Collects cleaning problems as rows of ``cleaning_issues``."""

    grant_year: int
    rows: list[dict] = field(default_factory=list)

    def add(self, response_id, source_row, question_id, rule, message, value=None):
        self.rows.append({
            "grant_year": self.grant_year, "response_id": response_id, "source_row": source_row,
            "question_id": question_id, "rule": rule, "message": message,
            "value": None if value is None else str(value)[:200],
        })

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["grant_year", "response_id", "source_row", "question_id",
                                                "rule", "message", "value"])


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


def type_response(raw: dict, form: FormSchema, counties: list[str] | dict[str, str | None], log: IssueLog) -> dict:
    rid, srow = raw["response_id"], raw["source_row"]

    def problem(qid, rule, message):
        log.add(rid, srow, qid, rule, message, raw.get(qid))

    row = {
        "grant_year": raw["grant_year"], "response_id": rid, "source_file": raw["source_file"],
        "source_row": srow,
        "completion_time": _timestamp(raw.get("completion_time"), assumed_order(raw.get("date_order"), raw.get("export_locale")),
                                      log, rid, srow),
        "county_reported": clean_text(raw.get("q01")),
    }
    if raw.get("date_order") == UNDECIDED:  # the other reading, to see whether it changes a resubmission's winner
        row[OTHER_ORDER_COMPLETION] = _timestamp(raw.get("completion_time"),
                                                 not assumed_order(None, raw.get("export_locale")), None, rid, srow)
    for version in json.loads(raw.get("overlapping_versions") or "[]"):
        log.add(rid, srow, "response_id", "meta.overlapping_export_version",
                f"response ID {rid} is also in {version['file']} row {version['row']} with other answers; "
                f"this version, modified later, is kept", None)
    row["county"], county_problem = _county(raw.get("q01"), counties)
    if county_problem:
        problem("q01", "q01.county_unknown", county_problem)
    for qid, column in YES_NO_COLUMNS.items():
        answer = yes_no(raw.get(qid))
        row[column] = answer.value
        if answer.problem:
            problem(qid, f"{qid}.yes_no", answer.problem)
    for qid, column in TEXT_COLUMNS.items():
        row[column] = clean_text(raw.get(qid))
    for q in form.questions:
        if q.kind == "money":
            _money(q, raw, row, problem)
        elif q.kind == "money_text":
            parsed = split_description_and_amount(raw.get(q.id))
            row[f"{q.category}_text"] = parsed.description
            row[f"{q.category}_nok"] = parsed.nok
            if parsed.problem:
                problem(q.id, f"{q.id}.amount_in_text", parsed.problem)
        elif q.kind == "multi":
            choice = multi_choice(raw.get(q.id), q)
            prefix = MULTI_PREFIX[q.id]
            for key, flag in choice.flags.items():
                row[f"{prefix}_{key}"] = flag
            row[f"{prefix}_other_text"] = choice.other_text
            for message in choice.problems:
                problem(q.id, f"{q.id}.multi_choice", message)
        elif q.kind == "single":
            key, other_text, message = single_choice(raw.get(q.id), q)
            row["lead_service"] = key
            row["lead_service_label"] = next((o.label for o in q.options if o.key == key), None)
            row["lead_service_other_text"] = other_text
            if message:
                problem(q.id, f"{q.id}.single_choice", message)
        elif q.kind == "attainment":
            answer = attainment(raw.get(q.id))
            row[attainment_column(q.criterion_no)] = answer.value
            if answer.problem:
                problem(q.id, f"{q.id}.attainment_value", answer.problem)
    if "target_both" in row:
        row["target_both"] = bool(row["target_risk"] and row["target_chronic"])
    if "collab_none" in row:
        partners = [k for k in row if k.startswith("collab_") and k not in ("collab_none", "collab_other_text")]
        row["is_collaborative"] = any(row[k] for k in partners)
    row["has_project"] = any(clean_text(raw.get(q)) is not None for q in PROJECT_QUESTIONS)
    return row


def _money(q: Question, raw: dict, row: dict, problem) -> None:
    column = {"q12": "competence_total_nok", "q23": "grant_amount_nok"}.get(q.id, f"{q.category}_nok")
    parsed = parse_nok(raw.get(q.id))
    row[column] = parsed.nok
    if parsed.problem:
        problem(q.id, f"{q.id}.money_unparseable", parsed.problem)


def read_time(value, dayfirst: bool):
    """(parsed, None) or (None, (rule, message)) for one completion time."""
    if value is None:
        return None, ("meta.completion_time_missing", "the response has no completion time")
    parsed = to_datetime(value, dayfirst)
    if parsed is None:
        return None, ("meta.completion_time_unparseable",
                      f"completion time {str(value).strip()[:40]!r} is not a date-time")
    return parsed, None


def _timestamp(value, dayfirst: bool, log: IssueLog | None, rid, srow):
    """ISO text (from a workbook's real date-time cells) or d/m/y text in the given order."""
    parsed, problem = read_time(value, dayfirst)
    if problem and log is not None:
        log.add(rid, srow, "completion_time", *problem, value)
    return parsed


def type_responses(raw: pd.DataFrame, form: FormSchema, counties: list[str] | dict[str, str | None],
                   log: IssueLog) -> pd.DataFrame:
    """``counties``: the year's county names, or a mapping of them to SSB's official names."""
    records = raw.astype(object).where(raw.notna(), None).to_dict("records")
    return pd.DataFrame([type_response(r, form, counties, log) for r in records])
