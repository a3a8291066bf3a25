"""The allocations suite's frame: one row per county, its allocation against what it spent
(regelverk 5B); judged only against official allocations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from friskliv_pipeline.checks.frames.common import Reason, RecordFrame, suite_rules
from friskliv_pipeline.checks.inputs import reads

if TYPE_CHECKING:
    from friskliv_pipeline.checks.year_tables import YearTables


@reads("allocations", allocations=("county", "allocation_nok", "source"),
       grant_totals=("appropriation_nok", "development_centres_nok", "source"), counties=("county",),
       projects=("county", "grant_amount_nok"), competence_building=("county", "competence_total_nok"))
def allocations_frame(t: YearTables) -> RecordFrame:
    """One row per county: its allocation vs project grants + competence building (regelverk 5B)."""
    import pandas as pd

    from friskliv_pipeline.checks.frames.helpers import with_context

    structure = list(t["counties"]["county"])
    allocations = dict(zip(t["allocations"]["county"], t["allocations"]["allocation_nok"]))
    projects = t["projects"][t["projects"]["county"].notna()]
    competence = t["competence_building"][t["competence_building"]["county"].notna()]
    counties = list(dict.fromkeys([*structure, *allocations, *projects["county"], *competence["county"]]))
    grants = projects.groupby("county")["grant_amount_nok"]
    known = grants.sum(min_count=1)
    unknown = grants.apply(lambda s: int(s.isna().sum()))
    n_projects = grants.size()
    comp = competence.set_index("county")["competence_total_nok"]
    rows = []
    for county in counties:
        allocation = allocations.get(county)
        project_grants = int(known.get(county)) if pd.notna(known.get(county, None)) else 0
        competence_total = int(comp.get(county)) if pd.notna(comp.get(county, None)) else 0
        missing = int(unknown.get(county, 0))
        spent_known = project_grants + competence_total
        spent = spent_known if missing == 0 else None
        diff = None if spent is None or allocation is None or pd.isna(allocation) else int(allocation) - spent
        rows.append({
            "grant_year": t.grant_year, "county": county, "n_projects": int(n_projects.get(county, 0)),
            "allocation_nok": None if allocation is None or pd.isna(allocation) else int(allocation),
            "project_grants_nok": project_grants, "competence_total_nok": competence_total,
            "grants_unknown": missing, "spent_known_nok": spent_known, "spent_nok": spent,
            "unspent_nok": diff if diff is not None and diff > 0 else None,
            "over_nok": -diff if diff is not None and diff < 0 else None,
        })
    frame = pd.DataFrame(rows)
    for column in ["allocation_nok", "spent_nok", "unspent_nok", "over_nok", "project_grants_nok",
                   "competence_total_nok", "spent_known_nok"]:
        frame[column] = pd.array(frame[column].astype(object).where(frame[column].notna(), None), dtype="Int64")
    totals = t["grant_totals"].iloc[0]
    appropriation, centres = int(totals["appropriation_nok"]), int(totals["development_centres_nok"])
    parameters = {"counties_total_nok": appropriation - centres, "appropriation_nok": appropriation,
                  "development_centres_nok": centres}
    return RecordFrame(with_context(frame), parameters, allocation_provenance(t))


def allocation_provenance(t: YearTables) -> dict[str, Reason]:
    """Rule id -> reason, for the allocation rules that cannot be judged: allocations (or the grant
    totals they are summed against) that are missing or not official (see assets/reference/SOURCES.md)."""
    from friskliv_pipeline.core.reference import is_official

    allocations, totals, year = t["allocations"], t["grant_totals"], t.grant_year
    if allocations.empty:
        reason = Reason(f"no allocations for {year} are loaded (assets/reference/allocations.csv)",
                        f"Helsedirektoratets fordeling av tilskuddet per fylke for {year} er ikke lagt inn")
    elif not all(is_official(s) for s in allocations["source"]):
        sources = "; ".join(sorted({str(s) for s in allocations["source"] if not is_official(s)}))
        reason = Reason(f"the {year} allocations are not Helsedirektoratet's official figures (source: {sources})",
                        f"Helsedirektoratets fordeling av tilskuddet per fylke for {year} var ikke lagt inn da "
                        f"rapporten ble laget")
    elif totals.empty or not is_official(totals.iloc[0]["source"]):
        source = totals.iloc[0]["source"] if len(totals) else "none"
        reason = Reason(f"the {year} grant totals are not official (source: {source})",
                        f"Helsedirektoratets bevilgning for {year} var ikke lagt inn da rapporten ble laget")
    else:
        return {}
    return {rule.id: reason for rule in suite_rules("allocations")}

