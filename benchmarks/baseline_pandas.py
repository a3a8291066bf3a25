"""What an analyst would write instead of the pipeline: one pandas script, no orchestration.

Reads the 2024 export with ``pandas.read_excel``, applies the same cleaning rules (the pure
pandas functions of ``friskliv_pipeline.cleaning`` and the header matching of
``friskliv_pipeline.forms``, so the tables are the same), writes the raw and cleaned tables to
SQLite with ``DataFrame.to_sql``, computes the same marts by running the SQL of
``dbt_like_sql/models`` with ``pandas.read_sql`` and draws the same five figures (figures 1–5 of
the report) with matplotlib. No Dagster, no Great Expectations checks, no HTML/PDF report, no
run history: that is the work the pipeline adds and the benchmark prices.

    python benchmarks/baseline_pandas.py --export X.xlsx --out-dir /tmp/baseline [--year 2024]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pandas as pd  # noqa: E402

MART_ORDER = {"mart_target_groups": "sort_order", "mart_collaboration": "sort_order",
              "mart_lead_service": "sort_order", "mart_attainment": "criterion_no",
              "mart_competence_building": "sort_order", "mart_county_summary": "county",
              "mart_attainment_by_county": "county, criterion_no"}


def cell_text(value):
    """Every cell as text, as the export reader turns them (dates ISO, whole floats as ints)."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    if isinstance(value, bool):
        return "Ja" if value else "Nei"
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def read_raw(path: Path, year: int, form, key: bytes) -> pd.DataFrame:
    from friskliv_pipeline.forms.export_reader import sha256_of
    from friskliv_pipeline.forms.raw_table import NORWEGIAN_COMPLETION_HEADER, raw_columns
    from friskliv_pipeline.forms.schema import match_headers
    from friskliv_pipeline.core.pseudonym import respondent_hash

    sheet = pd.read_excel(path, dtype=object, engine="openpyxl")
    sheet.columns = [str(c).strip() for c in sheet.columns]
    sheet = sheet.map(cell_text).dropna(how="all")
    match = match_headers(list(sheet.columns), form, str(path))
    meta = match.metadata
    col = lambda header: sheet[header] if header else pd.Series(None, index=sheet.index, dtype=object)  # noqa: E731
    raw = pd.DataFrame(index=sheet.index)
    raw["grant_year"] = year
    raw["source_file"] = path.name
    raw["source_sha256"] = sha256_of(path)
    raw["source_row"] = sheet.index + 2
    raw["export_locale"] = "nb" if meta["completion_time"].strip().casefold() == NORWEGIAN_COMPLETION_HEADER else "en"
    for k in ("response_id", "start_time", "completion_time", "last_modified_time"):
        raw[k] = col(meta.get(k))
    raw["response_id"] = raw["response_id"].str.strip()
    raw["respondent_hash"] = [respondent_hash(key, e, n) for e, n in zip(col(meta.get("email")), col(meta.get("name")))]
    for q in form.questions:
        raw[q.id] = col(match.questions.get(q.id))
    raw["date_order"] = None  # real date-time cells: no day/month order to decide
    raw["extra_columns"] = None
    raw["overlapping_versions"] = None
    return raw[raw_columns(form)].reset_index(drop=True)


def run(export: Path, out_dir: Path, year: int = 2024) -> dict[str, int]:
    from friskliv_pipeline.cleaning.clean_tables import clean_partition
    from friskliv_pipeline.core.contract import REFERENCE_TABLES
    from friskliv_pipeline.forms.schema import load_form_schema
    from friskliv_pipeline.core.reference import read_reference
    from friskliv_pipeline.report import figures as fig
    from friskliv_pipeline.report.data import MARTS, ReportData
    from friskliv_pipeline.core.settings import Settings
    from friskliv_pipeline.sql_models import load_project
    from friskliv_pipeline.sql_models.render import render

    reference_dir = Settings.from_env().reference_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    form = load_form_schema(reference_dir, year)
    reference = {t: read_reference(reference_dir, t, year)
                 for t in REFERENCE_TABLES}
    raw = read_raw(Path(export), year, form, key=b"baseline-benchmark-key")
    tables = clean_partition(raw, form, reference["counties"], reference["municipalities"])

    db = out_dir / "baseline.sqlite"
    db.unlink(missing_ok=True)
    con = sqlite3.connect(db)
    counts = {}
    for name, frame in {**reference, "raw_responses": raw, **tables}.items():
        frame.to_sql(name, con, index=False, if_exists="replace", chunksize=10_000)
        counts[name] = len(frame)
    project = load_project()
    for name, model in project.models.items():  # dependency order
        sql = render(model.template, year, ref=lambda n: f'main."{n}"', name=name,
                     earlier_grant_years=model.earlier_grant_years)
        mart = pd.read_sql_query(sql, con)
        mart.to_sql(name, con, index=False, if_exists="replace")
        counts[name] = len(mart)
    con.commit()
    marts = {m: pd.read_sql_query(f'SELECT * FROM "{m}" WHERE grant_year = {year}'
                                  + (f" ORDER BY {MART_ORDER[m]}" if m in MART_ORDER else ""), con) for m in MARTS}
    free_text = pd.read_sql_query(
        "SELECT county, target_other_text, lead_service_other_text, attainment_comment FROM projects "
        f"WHERE grant_year = {year} ORDER BY county, response_id", con)
    con.close()
    data = ReportData(year, marts, pd.DataFrame(), free_text)
    for draw in (fig.figure_1, fig.figure_2, fig.figure_3, fig.figure_4, fig.figure_5):
        draw(data, out_dir / "figures")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args(argv)
    counts = run(Path(args.export), Path(args.out_dir), args.year)
    print("baseline: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
