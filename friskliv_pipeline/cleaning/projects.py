"""Typed responses → the project candidates, after setting aside and superseding.

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
from friskliv_pipeline.cleaning.responses import OTHER_ORDER_COMPLETION
from friskliv_pipeline.errors import ExportError

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
