"""The pandas helpers several suites' builders share (the builders import this module inside
their functions: see ``checks/frames/__init__.py``)."""

from __future__ import annotations

import pandas as pd

from friskliv_pipeline.checks.frames.common import CONTEXT_COLUMNS


def text(series: pd.Series) -> pd.Series:
    """``series`` as Python objects, NULL as None (what GX and the findings read as "no value")."""
    return series.astype(object).where(series.notna(), None)


def exported_cells(issues: pd.DataFrame, rule_suffix: str) -> dict[tuple[str, str], str]:
    """(response_id, question_id) -> the cell as exported, for cleaning issues of one kind."""
    hits = issues[issues["rule"].str.endswith(rule_suffix, na=False)]
    return {(str(r.response_id), str(r.question_id)): r.value for r in hits.itertuples(index=False)}


def yes_no_observed(values: pd.Series, response_ids: pd.Series, qid: str, exported: dict) -> list:
    """Per answer of yes/no question ``qid``: "Ja"/"Nei", else the cell as exported (``exported``)."""
    out = []
    for value, rid in zip(values, response_ids):
        if pd.notna(value):
            out.append("Ja" if bool(value) else "Nei")
        else:
            out.append(exported.get((str(rid), qid)))
    return out


def with_context(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every finding context column (``CONTEXT_COLUMNS``; None where it has none)."""
    for column in CONTEXT_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame.reset_index(drop=True)


def local_times(series: pd.Series) -> pd.Series:
    """Date-times as Europe/Oslo wall-clock times without a zone (as the export records them)."""
    times = pd.to_datetime(series, errors="coerce")
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert("Europe/Oslo").dt.tz_localize(None)
    return times


def by_response_id(projects: pd.DataFrame) -> pd.DataFrame:
    """Projects indexed by response id (as text) for ``Series.map``; a duplicated project keeps its
    first row (duplicates are the projects suite's finding, not a crash here)."""
    p = projects.set_index(projects["response_id"].astype(str))
    return p[~p.index.duplicated()]


def municipality_of(response_ids: pd.Series, projects: pd.DataFrame) -> pd.Series:
    """The project's register municipality, else the name as reported."""
    register = response_ids.map(projects["municipality"])
    return text(register.where(register.notna(), response_ids.map(projects["municipality_reported"])))

