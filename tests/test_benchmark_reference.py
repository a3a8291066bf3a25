"""benchmarks/reference_pandas.py, the benchmark's independent pandas reference, gets the pipeline's numbers.

The pipeline runs the yearly job on the benchmark's generated export (1× and 100× the demo);
the reference script runs in its own process on the same file. Every column of every mart the
script writes must equal the pipeline's 2024 mart rows in the warehouse. The script must not
import the pipeline: then the equality is a check of both, not of the pipeline against itself.
"""

from __future__ import annotations

import ast
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.generate import FILE_NAME, write_export
from tests.conftest import REFERENCE_DIR, materialize_years

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "reference_pandas.py"
MART_KEYS = {
    "mart_national_summary": ["metric"],
    "mart_attainment": ["criterion_no"],
    "mart_attainment_by_county": ["county", "criterion_no"],
    "mart_target_groups": ["question_id", "target_group"],
    "mart_collaboration": ["partner"],
    "mart_lead_service": ["lead_service"],
    "mart_competence_building": ["category"],
    "mart_county_summary": ["county"],
}
FIGURES = ["figur_1_prosjekter_per_fylke.png", "figur_2_malgrupper.png", "figur_3_samarbeid.png",
           "figur_4_maloppnaelse.png", "figur_5_kompetansebygging.png"]
TEXT_COLUMNS = ["county", "county_no", "metric", "label", "criterion", "question_id", "target_group", "partner",
                "lead_service", "category", "allocation_source"]


@pytest.fixture(scope="module", params=[(1, "realistic"), (100, "realistic"), (10, "replica")],
                ids=["x1", "x100", "x10-replica"])
def both(request, tmp_path_factory):
    """(pipeline marts, reference marts, reference output dir, scale) for one generated export (both
    generators: the realistic one and the copies of the earlier figures)."""
    scale, generator = request.param
    tmp = tmp_path_factory.mktemp(f"reference-x{scale}-{generator}")
    run = materialize_years(tmp, ["2024"], prepare_landing=lambda landing: write_export(scale, landing, REFERENCE_DIR,
                                                                                        generator))
    export = run["landing"] / "2024" / FILE_NAME
    out = tmp / "reference"
    done = subprocess.run([sys.executable, str(SCRIPT), "--export", str(export), "--out-dir", str(out)],
                          capture_output=True, text=True, cwd=tmp, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("reference: ") and f"projects {115 * scale}," in done.stdout
    with sqlite3.connect(run["data"] / "warehouse.sqlite") as con:
        pipeline = {m: pd.read_sql_query(f'SELECT * FROM "{m}" WHERE grant_year = 2024', con) for m in MART_KEYS}
    reference = {m: pd.read_csv(out / "marts" / f"{m}.csv", dtype={c: "string" for c in TEXT_COLUMNS})
                 for m in MART_KEYS}
    return pipeline, reference, out, scale


def _normalised(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    """Text as str/None, numbers as float (NULL → NaN), rows in key order."""
    frame = frame[columns].copy()
    for column in columns:
        if column in TEXT_COLUMNS:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
        else:
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame.sort_values(keys, na_position="first").reset_index(drop=True)


@pytest.mark.parametrize("mart", list(MART_KEYS))
def test_reference_numbers_equal_the_marts(both, mart):
    pipeline, reference, _out, scale = both
    ours, theirs = reference[mart], pipeline[mart]
    assert len(theirs) > 0
    assert set(ours.columns) == set(theirs.columns), "the reference computes every column of the mart"
    columns = list(theirs.columns)
    expected = _normalised(theirs, MART_KEYS[mart], columns)
    actual = _normalised(ours, MART_KEYS[mart], columns)
    assert not expected.duplicated(MART_KEYS[mart]).any()
    pd.testing.assert_frame_equal(actual, expected, check_exact=False, rtol=0, atol=1e-9)


def test_the_comparison_covers_the_whole_export(both):
    """Not a vacuous equality: the marts hold every project of the scaled export."""
    pipeline, reference, _out, scale = both
    summary = dict(zip(pipeline["mart_national_summary"]["metric"], pipeline["mart_national_summary"]["value"]))
    assert summary["n_projects"] == 115 * scale
    assert pipeline["mart_county_summary"]["n_projects"].sum() == 115 * scale
    assert pipeline["mart_attainment"]["n_projects"].eq(115 * scale).all()


def test_reference_draws_the_five_figures(both):
    _pipeline, _reference, out, _scale = both
    assert sorted(p.name for p in (out / "figures").iterdir()) == FIGURES
    for name in FIGURES:
        data = (out / "figures" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 1000


def test_reference_does_not_import_the_pipeline():
    tree = ast.parse(SCRIPT.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                "import_module", "__import__"):
            imported.add("<dynamic import>")
    assert imported, "the parse found the script's imports"
    assert not {m for m in imported if m.split(".")[0] in ("friskliv_pipeline", "benchmarks", "<dynamic import>")}
    assert "dbt_like_sql" not in SCRIPT.read_text(encoding="utf-8"), "the marts are computed in pandas, not SQL"
