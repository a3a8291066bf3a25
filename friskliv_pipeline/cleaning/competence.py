"""q02–q12 → ``competence_building``: one row per county and grant year (regelverk 5B).

The section is answered on a county's first response (q02 "Har du allerede rapportert…" = Nei)
and skipped on later ones. Identical repeats collapse to one row. Conflicting repeats are never
summed twice: the latest is kept and the others go to ``competence_building_conflicts`` with
both response ids.
"""

from __future__ import annotations

import pandas as pd

from friskliv_pipeline.cleaning.responses import IssueLog
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


def build_competence(responses: pd.DataFrame, form: FormSchema, county_numbers: dict[str, str],
                     log: IssueLog) -> tuple[pd.DataFrame, pd.DataFrame]:
    values = competence_columns(form)
    answered = responses[values].notna().any(axis=1)
    reports = responses[(responses["competence_already_reported"] == False) | answered]  # noqa: E712
    reports = reports.sort_values(["completion_time", "source_row"], na_position="first", kind="stable")
    kept_rows, conflicts = [], []
    for county, group in reports.groupby(reports["county"].fillna(reports["county_reported"]).fillna(""),
                                         sort=True):
        group = group.to_dict("records")
        latest = group[-1]
        signature = _signature(latest, values)
        distinct = {_signature(r, values) for r in group}
        for other in group[:-1]:
            if _signature(other, values) != signature:
                conflicts.append({
                    "grant_year": latest["grant_year"], "county": latest["county"],
                    "response_id": other["response_id"], "kept_response_id": latest["response_id"],
                    "reason": "conflicting repeat of the competence-building report; the latest is kept",
                })
                log.add(other["response_id"], other["source_row"], "q02", "q02.competence_conflict",
                        f"competence-building report for {county} differs from response {latest['response_id']}, "
                        f"which is kept")
        kept = {"grant_year": latest["grant_year"], "county": latest["county"],
                "county_no": county_numbers.get(latest["county"]), "response_id": latest["response_id"],
                **{c: latest[c] for c in values}, "n_reports": len(group), "n_distinct_reports": len(distinct)}
        kept_rows.append(kept)
    frame = pd.DataFrame(kept_rows, columns=["grant_year", "county", "county_no", "response_id", *values,
                                             "n_reports", "n_distinct_reports"])
    parts = part_columns(form)
    frame["parts_sum_nok"] = frame[parts].astype("Float64").sum(axis=1, min_count=1).astype("Int64")
    conflict_frame = pd.DataFrame(conflicts, columns=["grant_year", "county", "response_id", "kept_response_id",
                                                      "reason"])
    return frame, conflict_frame


def _signature(row: dict, columns: list[str]) -> tuple:
    return tuple(None if pd.isna(row[c]) else row[c] for c in columns)
