"""The grant_totals suite's frame: the national reconciliation, one row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from friskliv_pipeline.checks.frames.common import Reason, RecordFrame, suite_rules
from friskliv_pipeline.checks.inputs import reads

if TYPE_CHECKING:
    from friskliv_pipeline.checks.year_tables import YearTables


@reads("grant_totals", grant_totals=("counties_total_nok", "source"), counties=("county",),
       projects=("county", "grant_amount_nok"), competence_building=("county", "competence_total_nok"))
def grant_totals_frame(t: YearTables) -> RecordFrame:
    """One row: the sum distributed to the counties against what they report as used, summed over the
    counties of the year's structure as mart_reconciliation's national row sums them (unreadable
    grant amounts left out). Judged only against official grant totals."""
    import pandas as pd

    from friskliv_pipeline.checks.frames.helpers import with_context
    from friskliv_pipeline.core.reference import is_official

    structure = set(t["counties"]["county"])
    granted = t["projects"].loc[t["projects"]["county"].isin(structure), "grant_amount_nok"]
    competence = t["competence_building"].loc[t["competence_building"]["county"].isin(structure),
                                              "competence_total_nok"]
    totals, year = t["grant_totals"], t.grant_year
    distributed = int(totals.iloc[0]["counties_total_nok"]) if len(totals) else None
    used = int(granted.sum()) + int(competence.sum())
    difference = None if distributed is None else distributed - used
    share = None if not distributed else int(abs(difference) * 200 + distributed) // (2 * distributed)
    row = {"grant_year": year, "distributed_nok": distributed, "granted_nok": int(granted.sum()),
           "competence_nok": int(competence.sum()), "reported_used_nok": used, "difference_nok": difference,
           # whole percent rounded half away from zero, as mart_reconciliation's pct_difference
           "pct_difference": None if share is None else (share if difference >= 0 else -share),
           "n_grant_amount_missing": int(granted.isna().sum())}
    frame = pd.DataFrame([row])
    for column in ("distributed_nok", "difference_nok", "pct_difference"):
        frame[column] = pd.array(frame[column].astype(object).where(frame[column].notna(), None), dtype="Int64")
    if totals.empty or not is_official(totals.iloc[0]["source"]):
        source = totals.iloc[0]["source"] if len(totals) else "none"
        reason = Reason(f"the {year} grant totals are not official (source: {source})",
                        f"beløpet som ble fordelt til fylkeskommunene i {year}, er ikke et offisielt tall "
                        f"(kilde: {source})")
        not_evaluated = {rule.id: reason for rule in suite_rules("grant_totals")}
    else:
        not_evaluated = {}
    return RecordFrame(with_context(frame), {}, not_evaluated)

