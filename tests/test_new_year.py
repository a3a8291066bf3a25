"""A new grant year from one command (issue 23): `friskliv new-year 2025` on a copy of the reference
folder writes the year's form, reference rows, regelverk copy and commentary folder; a 2025 export
(the demo's 2024 one, its headers moved on a year) then runs through the whole pipeline."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess

import pytest

from tests.conftest import DEMO_LANDING, REFERENCE_DIR
from tests.test_cli_and_project import FRISKLIV, _env


def _new_year(reference, *args):
    env = _env(reference.parent, DEMO_LANDING) | {"FRISKLIV_REFERENCE_DIR": str(reference)}
    return subprocess.run([FRISKLIV, "new-year", *args], capture_output=True, text=True, env=env, timeout=120)


def _export_of_2025(landing, rename=None, drop=None):
    """The demo's 2024 workbook with the year in its headers moved on (what Forms writes for 2025)."""
    from openpyxl import load_workbook

    path = landing / "2025" / "friskliv_rapportering_2025.xlsx"
    path.parent.mkdir(parents=True)
    workbook = load_workbook(next((DEMO_LANDING / "2024").glob("*.xlsx")))
    sheet = workbook.active
    for cell in sheet[1]:
        if isinstance(cell.value, str):
            cell.value = cell.value.replace("2024", "2025")
            if rename and cell.value.startswith(rename[0]):
                cell.value = rename[1]
    if drop:
        column = next(c.column for c in sheet[1] if isinstance(c.value, str) and c.value.startswith(drop))
        sheet.delete_cols(column)
    workbook.save(path)
    return path


@pytest.fixture
def reference(tmp_path):
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    return copy


def test_new_year_writes_the_years_files_from_the_previous_years(reference):
    proc = _new_year(reference, "2025")
    assert proc.returncode == 0, proc.stderr
    form = json.loads((reference / "forms" / "form_2025.json").read_text(encoding="utf-8"))
    previous = json.loads((reference / "forms" / "form_2024.json").read_text(encoding="utf-8"))
    assert form["grant_year"] == 2025 and form["questions"] == previous["questions"]
    assert form["collection"]["opened"] == "2026-04-07" and form["collection"]["closed"] == "2026-07-01"

    def rows(name, year):
        with open(reference / name, encoding="utf-8", newline="") as handle:
            return [r for r in csv.DictReader(handle) if r["grant_year"] == str(year)]

    assert [r["county"] for r in rows("counties.csv", 2025)] == [r["county"] for r in rows("counties.csv", 2024)]
    assert len(rows("municipalities.csv", 2025)) == len(rows("municipalities.csv", 2024))
    allocations = rows("allocations.csv", 2025)
    assert len(allocations) == 15 and all(r["source"].startswith("illustrative: copied from 2024") for r in allocations)
    assert rows("grant_totals.csv", 2025)[0]["source"].startswith("illustrative:")
    from friskliv_pipeline.report import regelverk

    borrowed = regelverk.load(reference, 2025)  # the 2024 text, said to be 2024's, never labelled 2025's
    assert (borrowed.grant_year, borrowed.text_year, borrowed.own_text) == (2025, 2024, False)
    assert borrowed.points == regelverk.load(reference, 2024).points
    assert "regelverket for 2025 er ikke lagt inn" in borrowed.edition
    assert (reference / "commentary" / "2025").is_dir()
    assert "warning: SSB's county list" in proc.stdout  # the SSB copy has no 2025: said, not hidden
    again = _new_year(reference, "2025")
    assert again.returncode == 2 and "never overwrites" in again.stderr and "Traceback" not in again.stderr


def test_a_new_county_number_stops_new_year_before_it_writes_and_hand_written_rows_are_kept(reference):
    """SSB's 2025 county list with a number 2024 did not have: refused with nothing written; after the
    data engineer writes the 2025 county rows by hand, the same command keeps them and writes the rest."""
    ssb = reference / "ssb" / "klass104_counties.csv"
    with open(ssb, encoding="utf-8", newline="") as handle:
        counties_2024 = [r for r in csv.DictReader(handle) if r["year"] == "2024"]
    split = [*counties_2024, {"year": "2025", "code": "99", "name": "Nytt fylke"}]
    with open(ssb, "a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=["year", "code", "name"], lineterminator="\n").writerows(
            [{**r, "year": "2025"} for r in split])
    before = {p: p.read_bytes() for p in reference.rglob("*") if p.is_file()}
    refused = _new_year(reference, "2025")
    assert refused.returncode == 2 and "['99']" in refused.stderr and "Traceback" not in refused.stderr
    assert {p: p.read_bytes() for p in reference.rglob("*") if p.is_file()} == before  # nothing written

    counties = reference / "counties.csv"
    with open(counties, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header, rows = reader.fieldnames, list(reader)
    by_hand = [{**r, "grant_year": "2025"} for r in rows if r["grant_year"] == "2024"]
    by_hand.append({"grant_year": "2025", "county_no": "99", "county": "Nytt fylke", "county_2023": "Viken",
                    "county_official": "Nytt fylke"})
    with open(counties, "a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=header, lineterminator="\n").writerows(by_hand)
    proc = _new_year(reference, "2025")
    assert proc.returncode == 0, proc.stderr
    assert "its 2025 rows kept as written" in proc.stdout
    with open(counties, encoding="utf-8", newline="") as handle:
        kept = [r for r in csv.DictReader(handle) if r["grant_year"] == "2025"]
    assert sorted(r["county_no"] for r in kept) == sorted(r["county_no"] for r in by_hand)  # not doubled
    with open(reference / "allocations.csv", encoding="utf-8", newline="") as handle:
        allocations = [r for r in csv.DictReader(handle) if r["grant_year"] == "2025"]
    assert "Nytt fylke" in {r["county"] for r in allocations}
    assert (reference / "forms" / "form_2025.json").exists()


def test_new_year_lists_what_an_export_does_not_match(reference, tmp_path):
    export = _export_of_2025(tmp_path / "landing", rename=("Har du andre kommentarer", "Andre innspill"),
                             drop="Dersom det var et annet tilbud")
    proc = _new_year(reference, "2025", "--export", str(export))
    assert proc.returncode == 0, proc.stderr
    assert "header the form does not know: 'Andre innspill'" in proc.stdout
    assert "question the export lacks: q19" in proc.stdout and "question the export lacks: q38" in proc.stdout


@pytest.mark.slow
def test_a_new_grant_year_runs_end_to_end(reference, tmp_path):
    assert _new_year(reference, "2025").returncode == 0
    landing = tmp_path / "landing"
    _export_of_2025(landing)
    env = _env(tmp_path, landing) | {"FRISKLIV_REFERENCE_DIR": str(reference)}
    proc = subprocess.run([FRISKLIV, "run", "--year", "2025"], capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert "grant year 2025: run" in proc.stdout and "projects 115" in proc.stdout
    report = (tmp_path / "data" / "reports" / "2025" / "report.html").read_text(encoding="utf-8")
    assert "tilskuddsåret 2025" in report and "Vedlegg 1: Regelverket for tilskuddsordningen" in report
    assert "allocation.over_allocation" in proc.stdout.split("not evaluated", 1)[1]  # copied money is not official
