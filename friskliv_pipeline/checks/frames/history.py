"""q13 / regelverk5.max_three_years: how many grant years in a row each project has been funded,
and which earlier grant years that needs in the warehouse."""

from __future__ import annotations

import numpy as np
import pandas as pd

from friskliv_pipeline.cleaning.columns import map_distinct
from friskliv_pipeline.cleaning.answers import match_key

MAX_YEARS_RULE = "regelverk5.max_three_years"


def max_years_in_a_row() -> int:
    """regelverk 5: the most grant years in a row the same purpose is funded. Declared once, as the
    rule's threshold (``max_value`` in ``expectations/projects.json``), which GX judges."""
    from friskliv_pipeline.checks.suites import rule

    return int(next(e.kwargs["max_value"] for e in rule(MAX_YEARS_RULE, "projects").expectations
                    if "max_value" in e.kwargs))


def _county_2023(counties_history: pd.DataFrame) -> dict[tuple[int, str], str]:
    return {(int(r.grant_year), r.county): r.county_2023 for r in counties_history.itertuples(index=False)}


def _project_keys(frame: pd.DataFrame, years, to_2023: dict[tuple[int, str], str]) -> pd.Series:
    """The same-project key: county on the 2023 structure, municipality (else as reported), title."""
    county = pd.Series([to_2023.get((int(y), c), c) for y, c in zip(years, frame["county"])],
                       index=frame.index, dtype=object)
    municipality = frame["municipality"].where(frame["municipality"].notna(), frame["municipality_reported"])
    keys = [map_distinct(part, match_key).astype(object)  # object also when empty (no earlier year)
            for part in (county, municipality, frame["project_title"])]
    return keys[0] + "\x1f" + keys[1] + "\x1f" + keys[2]


def consecutive_grant_years(projects: pd.DataFrame, history: pd.DataFrame, counties_history: pd.DataFrame,
                            grant_year: int) -> tuple[list[int], list[int]]:
    """Per project of ``grant_year``: grant years in a row it has been funded (ending this year), and the first.

    The same project is the same county (on the 2023 county structure, so Viken's projects
    continue in Akershus, Buskerud or Østfold), municipality name and title, compared normalised.
    Walked a year at a time back from ``grant_year``: a project's run ends at its first gap.
    """
    to_2023 = _county_2023(counties_history)
    earlier = history[history["grant_year"] < grant_year]
    funded = pd.DataFrame({"key": _project_keys(earlier, earlier["grant_year"], to_2023),
                           "year": earlier["grant_year"].astype(int)})
    keys = _project_keys(projects, [grant_year] * len(projects), to_2023)
    runs = np.ones(len(projects), dtype=int)
    running = np.ones(len(projects), dtype=bool)
    for year in range(grant_year - 1, int(funded["year"].min()) - 1 if len(funded) else grant_year - 1, -1):
        running &= keys.isin(set(funded.loc[funded["year"] == year, "key"])).to_numpy()
        if not running.any():
            break
        runs += running
    return runs.tolist(), (grant_year - runs + 1).tolist()



def history_coverage(history: pd.DataFrame, grant_year: int) -> tuple[list[int], list[int]]:
    """The earlier grant years one year in a row too many would need (present, absent in the warehouse)."""
    needed = list(range(grant_year - max_years_in_a_row(), grant_year))
    years = set(int(y) for y in history["grant_year"].unique())
    return [y for y in needed if y in years], [y for y in needed if y not in years]

