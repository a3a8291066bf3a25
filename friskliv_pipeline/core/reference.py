"""Reference tables shipped in ``assets/reference/`` (see its SOURCES.md): read, per grant year.

A new grant year needs rows here and a form schema, not code.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from friskliv_pipeline.core.errors import ExportError

ILLUSTRATIVE = "illustrative"  # how a reference row's ``source`` marks figures that are not official

REFERENCE_FILES = {
    "counties": "counties.csv",
    "municipalities": "municipalities.csv",
    "allocations": "allocations.csv",
    "grant_totals": "grant_totals.csv",
}
_TEXT_COLUMNS = {"county_no", "municipality_no", "parent_municipality_no"}


def register_name(official: str) -> str:
    """SSB's municipality name without its county qualifier: "Herøy (Nordland)" → "Herøy" (the register
    has its own county column; assets/reference/build_municipalities.py does the same)."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", official)


def is_official(source) -> bool:
    """A reference row is official unless its ``source`` says it is illustrative (or says nothing):
    checks judge against official rows only, and the report prints only those as fact."""
    return isinstance(source, str) and bool(source.strip()) and not source.strip().lower().startswith(ILLUSTRATIVE)


FORM_TABLES = ("form_questions", "form_options")  # built from the year's form, not read from a CSV


def form_table(reference_dir: Path, table: str, grant_year: int) -> pd.DataFrame:
    """``form_questions`` or ``form_options`` of ``grant_year``, from its form (forms.schema)."""
    from friskliv_pipeline.forms.schema import load_form_schema

    form = load_form_schema(reference_dir, grant_year)
    if table == "form_questions":
        rows = [{"grant_year": grant_year, "question_id": q.id, "number": int(q.id[1:]), "header": q.header,
                 "kind": q.kind, "criterion_no": q.criterion_no, "category": q.category, "label": q.label}
                for q in form.questions]
    else:
        rows = [{"grant_year": grant_year, "question_id": q.id, "option_key": o.key, "sort_order": i, "label": o.label}
                for q in form.questions for i, o in enumerate(q.options, start=1)]
    return pd.DataFrame(rows)


def read_reference(reference_dir: Path, table: str, grant_year: int | None = None) -> pd.DataFrame:
    """Read one reference CSV, optionally only ``grant_year``'s rows; codes stay text ("0301").
    The form's tables are built from the year's form."""
    if table in FORM_TABLES:
        return form_table(reference_dir, table, int(grant_year))
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
