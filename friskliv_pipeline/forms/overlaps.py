"""Overlapping exports: the same response ID in two files (an early and a late download of one form).

Counties download the responses more than once and leave both files in the landing folder. A
response that is identical in both (same answers, respondent and times) is one response: the
repeat collapses and is counted. The same ID with different content is a response edited between
the downloads: the version with the later modification time (Last modified time, else
Completion time) is kept, and the other is named in ``overlapping_versions`` so the cleaning
records a note: nothing is dropped silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from friskliv_pipeline.forms.date_order import assumed_order, to_datetime

TIME_COLUMNS = ("start_time", "completion_time", "last_modified_time")
_PROVENANCE = {"grant_year", "source_file", "source_sha256", "source_row", "export_locale", "date_order",
               "extra_columns", "overlapping_versions"}


@dataclass
class OverlapCount:
    identical_repeats_collapsed: int = 0
    differing_versions_replaced: int = 0

    def __bool__(self) -> bool:
        return bool(self.identical_repeats_collapsed or self.differing_versions_replaced)

    def text(self, lang: str = "en") -> str:
        """What the run log, the run summary and the pre-flight say of the overlaps, in one wording."""
        same, other = self.identical_repeats_collapsed, self.differing_versions_replaced
        if lang == "nb":
            return f"{same} like gjentatte svar slått sammen, {other} erstattet av en senere versjon av svaret"
        return f"{same} identical repeats collapsed, {other} replaced by a later version"


def _time(record: dict, column: str):
    return to_datetime(record.get(column), assumed_order(record.get("date_order"), record.get("export_locale")))


def _content(record: dict) -> tuple:
    """What makes two rows the same response: answers and respondent as text, times as instants."""
    cells = tuple((k, (v.strip() if isinstance(v, str) else v)) for k, v in sorted(record.items())
                  if k not in _PROVENANCE and k not in TIME_COLUMNS)
    return cells + tuple(_time(record, c) for c in TIME_COLUMNS)


def _modified(record: dict):
    return _time(record, "last_modified_time") or _time(record, "completion_time")


def collapse_overlaps(rows: list[list], columns: list[str]) -> tuple[list[list], OverlapCount]:
    """One row per response ID, in first-seen order; see the module docstring for which one. The
    rows are lists in ``columns`` order; only a repeated ID's two rows are compared as records."""
    count = OverlapCount()
    at = columns.index("response_id")
    kept: dict[str, int] = {}  # response ID -> its row's position in ``out``
    out: list[list] = []
    for row in rows:
        rid = row[at]
        position = kept.get(rid)
        if position is None:
            kept[rid] = len(out)
            out.append(row)
            continue
        first, record = dict(zip(columns, out[position])), dict(zip(columns, row))
        if _content(first) == _content(record):
            count.identical_repeats_collapsed += 1
            continue
        count.differing_versions_replaced += 1
        old, new = (record, first) if _later(first, record) else (first, record)
        versions = [*_versions(new), *_versions(old), _version(old)]
        merged = {**new, "overlapping_versions": json.dumps(versions, ensure_ascii=False)}
        out[position] = [merged[c] for c in columns]
    return out, count


def _later(a: dict, b: dict) -> bool:
    """True when ``a`` was modified after ``b`` (an unreadable time counts as earliest; a tie keeps ``b``,
    the one read later: files are read in name order)."""
    ta, tb = _modified(a), _modified(b)
    if ta is None:
        return False
    return tb is None or ta > tb


def _versions(record: dict) -> list[dict]:
    return json.loads(record.get("overlapping_versions") or "[]")


def _version(record: dict) -> dict:
    return {"file": record["source_file"], "row": record["source_row"],
            "last_modified_time": record.get("last_modified_time"), "completion_time": record.get("completion_time")}
