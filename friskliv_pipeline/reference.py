"""Reference tables shipped in ``assets/reference/`` (see its SOURCES.md): read, per grant year.

A new grant year needs rows here and a form schema, not code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from friskliv_pipeline.errors import ExportError

ILLUSTRATIVE = "illustrative"  # how a reference row's ``source`` marks figures that are not official

REFERENCE_FILES = {
    "counties": "counties.csv",
    "municipalities": "municipalities.csv",
    "allocations": "allocations.csv",
    "grant_totals": "grant_totals.csv",
}
_TEXT_COLUMNS = {"county_no", "municipality_no", "parent_municipality_no"}


def is_official(source) -> bool:
    """A reference row is official unless its ``source`` says it is illustrative (or says nothing):
    checks judge against official rows only, and the report prints only those as fact."""
    return isinstance(source, str) and bool(source.strip()) and not source.strip().lower().startswith(ILLUSTRATIVE)


def read_reference(reference_dir: Path, table: str, grant_year: int | None = None) -> pd.DataFrame:
    """Read one reference CSV, optionally only ``grant_year``'s rows; codes stay text ("0301")."""
    path = Path(reference_dir) / REFERENCE_FILES[table]
    if not path.exists():
        raise ExportError(f"Reference table {table!r} is missing", file=str(path),
                          hint="restore it from the repository or point FRISKLIV_REFERENCE_DIR at the right folder")
    header = pd.read_csv(path, nrows=0).columns
    frame = pd.read_csv(path, dtype={c: "string" for c in header if c in _TEXT_COLUMNS}, keep_default_na=False,
                        na_values=[""])
    if grant_year is not None:
        frame = frame[frame["grant_year"] == int(grant_year)].reset_index(drop=True)
        if frame.empty:
            raise ExportError(f"Reference table {table!r} has no rows for grant year {grant_year}", file=str(path),
                              hint=f"add the {grant_year} rows (a new grant year needs reference rows, not code)")
    return frame
