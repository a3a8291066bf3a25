"""The projects suite's frame: one row per project of the grant year, with the per-project results
of the cross-table rules (years in a row, possible duplicates, municipalities, carry-over)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from friskliv_pipeline.checks.frames.common import ISSUE_COLUMNS, ROWS_ONLY, Reason, RecordFrame, deadline_parameters
from friskliv_pipeline.checks.inputs import reads

if TYPE_CHECKING:
    import pandas as pd

    from friskliv_pipeline.checks.year_tables import YearTables


@reads("projects", projects=None, cleaning_issues=ISSUE_COLUMNS, counties=("county",), municipalities=None,
       project_attainment=("response_id", "criterion_no", "answer"),
       project_municipalities=("response_id", "position", "name_reported", "municipality_no"),
       raw_responses=ROWS_ONLY, superseded_responses=ROWS_ONLY, set_aside_responses=ROWS_ONLY,
       projects_history=("grant_year", "county", "municipality", "municipality_reported", "project_title"),
       counties_history=("grant_year", "county", "county_2023"))
def projects_frame(t: YearTables) -> RecordFrame:
    """One row per project of the grant year."""
    import pandas as pd

    from friskliv_pipeline.checks.frames.carry_over import carry_over_quotes
    from friskliv_pipeline.checks.frames.duplicates import possible_duplicates
    from friskliv_pipeline.checks.frames.helpers import exported_cells, text, with_context, yes_no_observed
    from friskliv_pipeline.checks.frames.history import consecutive_grant_years, history_coverage, max_years_in_a_row

    p = t["projects"].reset_index(drop=True)
    issues = t["cleaning_issues"]
    counties = list(t["counties"]["county"])
    attainment = t["project_attainment"]
    partial = attainment[attainment["answer"].isin(["Delvis", "Nei"])].sort_values("criterion_no", kind="stable")
    partial_criteria = partial["criterion_no"].astype(int).astype(str).groupby(partial["response_id"]).agg(", ".join)
    money = exported_cells(issues, "q23.money_unparseable")
    single = exported_cells(issues, "q22.single_choice")
    rids = p["response_id"].astype(str)
    grant_exported = [money.get((rid, "q23")) for rid in rids]
    report_exported = exported_cells(issues, ".yes_no")
    not_found, other, other_in = _municipality_problems(p, t["project_municipalities"], t["municipalities"], counties)
    runs, firsts = consecutive_grant_years(p, t["projects_history"], t["counties_history"], t.grant_year)
    duplicate_of, duplicate_of_nb = possible_duplicates(p)
    carry_over, carry_over_nb, carry_over_question = carry_over_quotes(p, "projects", t.grant_year)
    frame = pd.DataFrame({
        "grant_year": p["grant_year"],
        "response_id": text(p["response_id"]),
        "sheet_row": p["source_row"],
        "county": text(p["county"].fillna(p["county_reported"])),
        "county_observed": text(p["county"].fillna(p["county_reported"])),
        "municipality": text(p["municipality"].fillna(p["municipality_reported"])),
        "municipality_reported": text(p["municipality_reported"]),
        "unnamed_neighbours": p["unnamed_neighbours"].fillna(False).astype(bool).to_numpy(),
        "project_title": text(p["project_title"]),
        "lead_service_observed": [k if pd.notna(k) else single.get((rid, "q22")) for k, rid in zip(p["lead_service"], rids)],
        "grant_amount_nok": p["grant_amount_nok"],
        "grant_problem": [None if pd.notna(g) else (f"unreadable: {e!r}" if e else "empty")
                          for g, e in zip(p["grant_amount_nok"], grant_exported)],
        "grant_problem_nb": [None if pd.notna(g) else (f"uleselig: «{e}»" if e else "tomt")
                             for g, e in zip(p["grant_amount_nok"], grant_exported)],
        "project_report_observed": yes_no_observed(p["project_report_delivered"], p["response_id"], "q37",
                                                    report_exported),
        "attainment_comment": text(p["attainment_comment"]),
        "has_partial_attainment": rids.isin(partial_criteria.index.astype(str)).to_numpy(),
        "partial_criteria": [partial_criteria.get(rid) for rid in p["response_id"]],
        "municipality_not_in_register": not_found,
        "municipality_other_county": other,
        "municipality_other_county_in": other_in,
        "consecutive_grant_years": pd.array(runs, dtype="Int64"),
        "first_grant_year": firsts,
        "possible_duplicate_of": duplicate_of,
        "possible_duplicate_of_nb": duplicate_of_nb,
        "carry_over_quote": carry_over,
        "carry_over_quote_nb": carry_over_nb,
        "carry_over_quote_question": carry_over_question,
    })
    raw, superseded, set_aside = len(t["raw_responses"]), len(t["superseded_responses"]), len(t["set_aside_responses"])
    parameters = {
        "counties": counties,
        "lead_service_options": t.form.question("q22").option_keys(),
        "projects_expected": raw - superseded - set_aside,
        "raw_responses": raw, "superseded": superseded, "set_aside": set_aside, "projects": len(p),
        **deadline_parameters(t.grant_year),  # q37: the municipality's deadline (regelverk 6)
    }
    present, absent = history_coverage(t["projects_history"], t.grant_year)
    not_evaluated, compared = {}, {}
    if absent:
        needed = sorted(present + absent)
        at_most = max_years_in_a_row()
        not_evaluated["regelverk5.max_three_years"] = Reason(
            f"more than {at_most} grant years in a row can only be found with {_years(needed)} in the warehouse; "
            f"{_years(absent)} {'is' if len(absent) == 1 else 'are'} not there (present: {_years(present)})",
            f"flere enn {at_most} tilskuddsår på rad kan bare påvises når rapporteringen for "
            f"{_years(needed, and_=' og ')} er med i grunnlaget; {_years(absent, and_=' og ')} mangler")
    else:
        compared["regelverk5.max_three_years"] = f"grant years compared: {present[0]}–{t.grant_year}"
    return RecordFrame(with_context(frame), parameters, not_evaluated, compared)



def _municipality_problems(projects: pd.DataFrame, bridge: pd.DataFrame, register: pd.DataFrame,
                           counties: list[str]) -> tuple[list, list, list]:
    """Per project: q14 names not in the register; names found only in another county, and where."""
    import pandas as pd

    from friskliv_pipeline.cleaning.municipalities import MunicipalityRegister

    lookup = MunicipalityRegister(register)
    unmatched = bridge[bridge["municipality_no"].isna()].sort_values("position", kind="stable")
    homes = {name: " / ".join(c for c in counties if lookup.match(name, c).municipality_no is not None)
             for name in pd.unique(unmatched["name_reported"])}  # once per distinct name
    rid = unmatched["response_id"].astype(str)
    home = unmatched["name_reported"].map(homes)
    found = home != ""
    names = unmatched["name_reported"]
    joined = [part[mask].groupby(rid[mask], sort=False).agg("; ".join)
              for part, mask in ((names, ~found), (names, found), (home, found))]
    project_ids = projects["response_id"].astype(str)
    return tuple([found.get(r) for r in project_ids] for found in (j.to_dict() for j in joined))



def _years(years: list[int], and_: str = ", ") -> str:
    if not years:
        return "none"
    return ", ".join(str(y) for y in years[:-1]) + and_ + str(years[-1]) if len(years) > 1 else str(years[0])

