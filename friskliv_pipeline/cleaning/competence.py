"""q02–q12 → ``competence_building``: one row per county and grant year (regelverk 5B).

The section is answered on a county's first response (q02 "Har du allerede rapportert…" = Nei)
and skipped on later ones. Identical repeats collapse to one row. Conflicting repeats are never
summed twice: the latest is kept and the others go to ``competence_building_conflicts`` with
both response ids.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from friskliv_pipeline.cleaning.issues import IssueLog
from friskliv_pipeline.forms.schema import FormSchema


def competence_columns(form: FormSchema) -> list[str]:
    columns = ["competence_used", "competence_not_used_reason"]
    for q in form.questions:
        if q.kind == "money" and q.section == "competence" and q.category:
            columns.append(f"{q.category}_nok")
        elif q.kind == "money_text":
            columns += [f"{q.category}_text", f"{q.category}_nok"]
    return columns + ["competence_total_nok"]


def part_columns(form: FormSchema) -> list[str]:
    return [c for c in competence_columns(form) if c.endswith("_nok") and c != "competence_total_nok"]


CONFLICT_REASON = "conflicting repeat of the competence-building report; the latest is kept"


def _reports(responses: pd.DataFrame, values: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """The responses that report competence building, oldest first, and the county each reports for."""
    answered = responses[values].notna().any(axis=1)
    reports = responses[(responses["competence_already_reported"] == False) | answered]  # noqa: E712
    reports = reports.sort_values(["completion_time", "source_row"], na_position="first", kind="stable")
    return reports, reports["county"].fillna(reports["county_reported"]).fillna("")


def build_competence(responses: pd.DataFrame, form: FormSchema, county_numbers: dict[str, str],
                     log: IssueLog) -> tuple[pd.DataFrame, pd.DataFrame]:
    values = competence_columns(form)
    reports, counties = _reports(responses, values)
    kept_rows, conflicts = _keep_latest(reports, counties, values, county_numbers, log)
    frame = pd.DataFrame(kept_rows, columns=["grant_year", "county", "county_no", "response_id", *values,
                                             "n_reports", "n_distinct_reports"])
    parts = part_columns(form)
    frame["parts_sum_nok"] = frame[parts].astype("Float64").sum(axis=1, min_count=1).astype("Int64")
    conflict_frame = pd.DataFrame(conflicts, columns=["grant_year", "county", "response_id", "kept_response_id",
                                                      "reason"])
    return frame, conflict_frame


def _kept(latest: dict, values: list[str], county_numbers: dict[str, str], n_reports, n_distinct) -> dict:
    return {"grant_year": latest["grant_year"], "county": latest["county"],
            "county_no": county_numbers.get(latest["county"]), "response_id": latest["response_id"],
            **{c: latest[c] for c in values}, "n_reports": n_reports, "n_distinct_reports": n_distinct}


def _conflict(other: dict, latest: dict, county: str, log: IssueLog) -> dict:
    log.add(other["response_id"], other["source_row"], "q02", "q02.competence_conflict",
            f"competence-building report for {county} differs from response {latest['response_id']}, "
            f"which is kept")
    return {"grant_year": latest["grant_year"], "county": latest["county"], "response_id": other["response_id"],
            "kept_response_id": latest["response_id"], "reason": CONFLICT_REASON}


def _keep_latest(reports, counties, values, county_numbers, log) -> tuple[list[dict], list[dict]]:
    """Per county (in name order): the latest report is kept, with its number of reports and of
    distinct ones; each earlier report whose values differ from it is a conflict (oldest first).
    Reports are compared by a code of their values: only the kept and the conflicting ones become dicts."""
    if len(reports) == 0:
        return [], []
    signature = np.zeros(len(reports), dtype=np.int64)
    for c in values:  # equal codes ⇔ equal values, every kind of missing value alike
        codes, uniques = pd.factorize(reports[c])
        signature, _ = pd.factorize(signature * (len(uniques) + 1) + codes + 1)
    groups = reports.groupby(counties, sort=True)
    group_no = groups.ngroup().to_numpy()
    position = groups.cumcount().to_numpy()
    size = np.bincount(group_no)[group_no]
    last = np.flatnonzero(position == size - 1)
    last = last[np.argsort(group_no[last], kind="stable")]  # one per group, in group order
    latest_signature = np.empty(group_no.max() + 1, dtype=np.int64)
    latest_signature[group_no[last]] = signature[last]
    n_distinct = pd.Series(signature).groupby(group_no).nunique().to_numpy()
    differing = np.flatnonzero((position < size - 1) & (signature != latest_signature[group_no]))
    differing = differing[np.lexsort((position[differing], group_no[differing]))]
    latest = reports.iloc[last].to_dict("records")
    names = list(counties.iloc[last])  # each group's key: the county, else the text reported
    conflicts = [_conflict(other, latest[group_no[i]], names[group_no[i]], log)
                 for i, other in zip(differing, reports.iloc[differing].to_dict("records"))]
    kept_rows = [_kept(row, values, county_numbers, int(size[i]), int(n_distinct[g]))
                 for g, (i, row) in enumerate(zip(last, latest))]
    return kept_rows, conflicts
