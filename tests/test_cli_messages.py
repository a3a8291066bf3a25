"""What a user sees when they get something wrong: exactly one readable line naming the file (or
folder, or year) and what to do, never a traceback or a Python class name (issue 14)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from friskliv_pipeline.operations.run_summary import without_class_name as _without_class_name
from friskliv_pipeline.defs.partitions import grant_year_partitions
from tests.conftest import DEMO_LANDING, REFERENCE_DIR

FRISKLIV = str(Path(sys.executable).parent / "friskliv")
CLASS_NAME = re.compile(r"\b\w*(Error|Exception)\b:|friskliv_pipeline\.")


def friskliv(*args: str, env: dict | None = None, tmp_path: Path) -> subprocess.CompletedProcess:
    import os

    environment = dict(os.environ)
    environment.update({"FRISKLIV_DATA_DIR": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path / "dagster_home"),
                        "FRISKLIV_PSEUDONYM_KEY": "k", "FRISKLIV_REFERENCE_DIR": str(REFERENCE_DIR)})
    environment.pop("FRISKLIV_WAREHOUSE_URL", None)
    environment.update(env or {})
    return subprocess.run([FRISKLIV, *args], capture_output=True, text=True, env=environment, timeout=300,
                          cwd=tmp_path)


def one_line(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr and 'File "' not in proc.stderr, proc.stderr
    assert not CLASS_NAME.search(proc.stderr), proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_check_a_missing_file(tmp_path):
    proc = friskliv("check", str(tmp_path / "eksport.xlsx"), "--year", "2024", tmp_path=tmp_path)
    assert proc.returncode == 1
    assert one_line(proc) == (f"friskliv: file {tmp_path / 'eksport.xlsx'}: The file does not exist. "
                              "What to do: check the path and the file name")


def test_check_a_folder_instead_of_a_file(tmp_path):
    proc = friskliv("check", str(DEMO_LANDING / "2024"), "--year", "2024", tmp_path=tmp_path)
    assert proc.returncode == 1
    assert one_line(proc) == (f"friskliv: file {DEMO_LANDING / '2024'}: This is a folder, not an export file. "
                              "What to do: give the path of the .xlsx or .csv file inside it")


def test_check_a_year_without_a_form_names_the_years_there_are(tmp_path):
    export = next((DEMO_LANDING / "2024").glob("*.xlsx"))
    proc = friskliv("check", str(export), "--year", "2021", tmp_path=tmp_path)
    assert proc.returncode == 1
    assert one_line(proc) == (f"friskliv: file {REFERENCE_DIR / 'forms' / 'form_2021.json'}: No form schema for "
                              "grant year 2021 (there are schemas for 2023, 2024). What to do: check the year, or create it "
                              "with `friskliv new-year 2021`")


def test_run_a_year_that_is_not_a_partition_names_the_years_that_are(tmp_path):
    proc = friskliv("run", "--year", "2019", env={"FRISKLIV_LANDING_DIR": str(DEMO_LANDING)}, tmp_path=tmp_path)
    assert proc.returncode == 2
    years = ", ".join(grant_year_partitions.get_partition_keys())
    assert one_line(proc) == (f"friskliv: grant year 2019 is not a partition of the pipeline (the grant years are "
                              f"{years}; a year becomes one on 1 January after it ends). What to do: run one of "
                              "those years")
    assert not (tmp_path / "dagster_home").exists()  # refused before any run started


def test_run_a_year_without_a_landing_folder_says_there_is_no_export(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    proc = friskliv("run", "--year", "2023", env={"FRISKLIV_LANDING_DIR": str(landing)}, tmp_path=tmp_path)
    assert proc.returncode == 2
    assert one_line(proc) == (f"friskliv: No export for grant year 2023: the landing folder {landing / '2023'} does "
                              f"not exist. What to do: put the year's Forms export (.xlsx or .csv) in "
                              f"{landing / '2023'}/ or set FRISKLIV_LANDING_DIR")


def test_run_a_landing_folder_without_an_export(tmp_path):
    (tmp_path / "landing" / "2023").mkdir(parents=True)
    (tmp_path / "landing" / "2023" / "notat.txt").write_text("x", encoding="utf-8")
    folder = tmp_path / "landing" / "2023"
    proc = friskliv("run", "--year", "2023", env={"FRISKLIV_LANDING_DIR": str(tmp_path / "landing")},
                    tmp_path=tmp_path)
    assert proc.returncode == 2
    assert one_line(proc) == (f"friskliv: file {folder}: No export for grant year 2023: the landing folder holds no "
                              f".xlsx or .csv file. What to do: put the year's Forms export (.xlsx or .csv) in "
                              f"{folder}/ or set FRISKLIV_LANDING_DIR")


@pytest.mark.parametrize("message, cls_name, expected", [
    ("friskliv_pipeline.core.errors.ExportError: file x.xlsx: bad", "ExportError", "file x.xlsx: bad"),
    ("ExportError: file x.xlsx: bad", "ExportError", "file x.xlsx: bad"),
    ("file x.xlsx: bad", "ExportError", "file x.xlsx: bad"),
])
def test_a_failed_steps_message_loses_the_class_name_dagster_puts_in_front(message, cls_name, expected):
    assert _without_class_name(message, cls_name) == expected


@pytest.mark.slow
def test_run_with_an_early_and_a_late_download_of_the_same_form_counts_the_overlap(tmp_path):
    """Two identical exports of 2024 in one landing folder: one set of tables, the overlap counted."""
    import shutil

    landing = tmp_path / "landing"
    (landing / "2024").mkdir(parents=True)
    export = next((DEMO_LANDING / "2024").glob("*.xlsx"))
    shutil.copy(export, landing / "2024" / "eksport_tidlig.xlsx")
    shutil.copy(export, landing / "2024" / "eksport_sen.xlsx")
    proc = friskliv("run", "--year", "2024", env={"FRISKLIV_LANDING_DIR": str(landing)}, tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "raw_responses 119, responses 119, projects 115" in proc.stdout
    assert "  overlapping exports: 119 identical repeats collapsed, 0 replaced by a later version" in proc.stdout
