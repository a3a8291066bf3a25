"""The benchmark's synthetic exports (benchmarks/generate.py) and its pandas baseline.

Not a timed test: the benchmark itself is `python benchmarks/run.py` (see README, Performance).
"""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from benchmarks.baseline_pandas import run as run_baseline
from benchmarks.generate import write_export
from friskliv_pipeline.cleaning.clean_tables import clean_partition
from friskliv_pipeline.forms.export_reader import read_export
from friskliv_pipeline.forms.raw_table import build_raw_responses
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.core.reference import read_reference
from friskliv_pipeline.core.settings import PROJECT_ROOT

REFERENCE = PROJECT_ROOT / "assets" / "reference"


def _clean(path):
    form = load_form_schema(REFERENCE, 2024)
    raw, _ = build_raw_responses([read_export(path)], form, b"k", 2024)
    return raw, clean_partition(raw, form, read_reference(REFERENCE, "counties", 2024),
                                read_reference(REFERENCE, "municipalities", 2024))


@pytest.mark.parametrize("generator", ["realistic", "replica"])
@pytest.mark.parametrize("scale", [1, 10])
def test_generator_scales_the_demo(tmp_path, scale, generator):
    path = write_export(scale, tmp_path, REFERENCE, generator)
    raw, tables = _clean(path)
    assert len(raw) == 119 * scale
    assert len(tables["projects"]) == 115 * scale
    assert len(tables["superseded_responses"]) == 3 * scale
    assert len(tables["set_aside_responses"]) == 1 * scale
    assert raw["response_id"].is_unique


@pytest.mark.parametrize("generator", ["realistic", "replica"])
def test_one_times_is_the_demo_export(tmp_path, generator):
    path = write_export(1, tmp_path, REFERENCE, generator)
    demo = read_export(PROJECT_ROOT / "assets" / "raw" / "2024" / "friskliv_rapportering_2024.xlsx")
    assert read_export(path).rows == demo.rows


def test_baseline_marts_equal_the_pipeline_rules(tmp_path):
    """The baseline reads with pandas.read_excel but must end with the pipeline's tables and marts."""
    path = write_export(1, tmp_path / "landing", REFERENCE)
    counts = run_baseline(path, tmp_path / "out")
    raw, tables = _clean(path)
    assert counts["raw_responses"] == len(raw) and counts["projects"] == len(tables["projects"])
    with sqlite3.connect(tmp_path / "out" / "baseline.sqlite") as con:
        projects = pd.read_sql_query("select response_id, county, municipality, grant_amount_nok from projects "
                                     "order by response_id", con)
        summary = dict(con.execute("select metric, value from mart_national_summary").fetchall())
    expected = tables["projects"].sort_values("response_id")
    assert projects["response_id"].astype(str).tolist() == expected["response_id"].astype(str).tolist()
    assert projects["grant_amount_nok"].tolist() == expected["grant_amount_nok"].astype(int).tolist()
    assert summary["n_projects"] == 115
    assert sorted(p.name for p in (tmp_path / "out" / "figures").glob("*.png")) == [
        "figur_1_prosjekter_per_fylke.png", "figur_2_malgrupper.png", "figur_3_samarbeid.png",
        "figur_4_maloppnaelse.png", "figur_5_kompetansebygging.png"]
