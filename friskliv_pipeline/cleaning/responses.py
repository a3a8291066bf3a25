"""What typing raw_responses into ``responses`` rests on: the columns each question fills, the
``cleaning_issues`` log, and the rules for q01 (county) and the completion time.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import pandas as pd

from friskliv_pipeline.cleaning.answers import clean_text
from friskliv_pipeline.cleaning.place_names import name_parts, place_key
from friskliv_pipeline.forms.date_order import to_datetime

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


def read_time(value, dayfirst: bool):
    """(parsed, None) or (None, (rule, message)) for one completion time."""
    if value is None:
        return None, ("meta.completion_time_missing", "the response has no completion time")
    parsed = to_datetime(value, dayfirst)
    if parsed is None:
        return None, ("meta.completion_time_unparseable",
                      f"completion time {str(value).strip()[:40]!r} is not a date-time")
    return parsed, None
