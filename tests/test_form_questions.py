"""The year's form is the contract's source (issue 29): a question a year's form adds gets its columns
(raw, and by kind clean), its lineage, its Vedlegg 2 entry, and the years that did not ask it hold
NULL; an existing warehouse gets the columns on the next run. What FRISKLIV_REFERENCE_DIR points at
is what runs, not the checkout's assets/."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import DEMO_LANDING, REFERENCE_DIR

pytestmark = pytest.mark.slow
FRISKLIV = str(Path(sys.executable).parent / "friskliv")
HEADER = "Ble prosjektet evaluert av en ekstern part?"
NEW = {"header": HEADER, "kind": "yes_no", "section": "project", "required": False, "options": ["Ja", "Nei"]}


def _env(tmp: Path, reference: Path, landing: Path) -> dict:
    return {**os.environ, "FRISKLIV_REFERENCE_DIR": str(reference), "FRISKLIV_DATA_DIR": str(tmp / "data"),
            "DAGSTER_HOME": str(tmp / "dagster_home"), "FRISKLIV_LANDING_DIR": str(landing),
            "FRISKLIV_PSEUDONYM_KEY": "k", "FRISKLIV_WAREHOUSE_URL": f"sqlite:///{tmp / 'data' / 'w.sqlite'}"}


def _export_with_the_new_question(landing: Path) -> dict[str, str]:
    """The demo's 2024 export with a column for the new question; returns response id → answer."""
    from openpyxl import load_workbook

    book = load_workbook(next((DEMO_LANDING / "2024").glob("*.xlsx")))
    sheet = book.worksheets[0]
    top = next(r for r in range(1, 21) if sheet.cell(r, 1).value == "ID")
    column = sheet.max_column + 1
    sheet.cell(top, column).value = HEADER
    rng, answers = random.Random(3), {}
    for row in range(top + 1, sheet.max_row + 1):
        if sheet.cell(row, 1).value is not None:
            answers[str(sheet.cell(row, 1).value)] = sheet.cell(row, column).value = rng.choice(["Ja", "Nei"])
    (landing / "2024").mkdir(parents=True)
    book.save(landing / "2024" / "eksport.xlsx")
    return answers


def test_a_question_the_years_form_adds_keeps_every_answer_with_its_lineage(tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    form = reference / "forms" / "form_2024.json"
    document = json.loads(form.read_text(encoding="utf-8"))
    document["questions"]["q39"] = NEW  # as docs/data-engineers.md says: the year's change, in the year's form
    form.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    landing = tmp_path / "landing"
    answers = _export_with_the_new_question(landing)
    shutil.copytree(DEMO_LANDING / "2023", landing / "2023", ignore=shutil.ignore_patterns("*.md"))
    # 2023 first, by a version that knows nothing of q39; then 2024 with the year's form on the same warehouse
    first = subprocess.run([FRISKLIV, "run", "--year", "2023"], env=_env(tmp_path, REFERENCE_DIR, landing),
                           capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    proc = subprocess.run([FRISKLIV, "run", "--year", "2024"], env=_env(tmp_path, reference, landing),
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "warehouse upgraded to this version's tables, no row lost: raw_responses: +q39" in proc.stdout
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'w.sqlite'}")
    with engine.connect() as conn:
        raw = dict(conn.execute(sa.text("SELECT response_id, q39 FROM raw_responses WHERE grant_year = 2024")).all())
        projects = dict(conn.execute(sa.text("SELECT response_id, q39 FROM projects WHERE grant_year = 2024")).all())
        before = conn.execute(sa.text("SELECT COUNT(*), COUNT(q39) FROM projects WHERE grant_year = 2023")).one()
        extra = conn.execute(sa.text("SELECT COUNT(*) FROM raw_responses WHERE grant_year = 2024 AND extra_columns "
                                     "LIKE :h"), {"h": f"%{HEADER}%"}).scalar()
        listed = conn.execute(sa.text("SELECT header FROM form_questions WHERE grant_year = 2024 AND question_id = "
                                      "'q39'")).scalar()
    engine.dispose()
    assert raw == answers  # every answer, as exported
    assert projects and all(bool(v) == (answers[rid] == "Ja") for rid, v in projects.items())  # typed: Ja → true
    assert before[0] > 0 and before[1] == 0  # the year that did not ask it: NULL, not a failure
    assert extra == 0 and listed == HEADER
    assert HEADER in (tmp_path / "data" / "reports" / "2024" / "report.html").read_text(encoding="utf-8")  # Vedlegg 2
    lineage = subprocess.run([sys.executable, "-c", (
        "from friskliv_pipeline.defs.metadata import clean_table_lineage;"
        "print([(d.asset_key.to_user_string(), d.column_name) for d in "
        "clean_table_lineage('projects').deps_by_column['q39']])")],
        env=_env(tmp_path, reference, landing), capture_output=True, text=True, timeout=120)
    assert lineage.stdout.strip() == "[('raw_responses', 'q39')]", lineage.stderr


def test_the_configured_reference_folders_questionnaire_is_the_one_that_runs(tmp_path):
    """The copy's questionnaire knows the new question, the checkout's does not: the pre-flight reads
    the copy's (the column is a question, not an unknown one)."""
    landing = tmp_path / "landing"
    _export_with_the_new_question(landing)
    export = landing / "2024" / "eksport.xlsx"
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    path = reference / "forms" / "questions.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["questions"].append({"id": "q39", **NEW})
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert "q39" not in (REFERENCE_DIR / "forms" / "questions.json").read_text(encoding="utf-8")

    def check(ref: Path) -> subprocess.CompletedProcess:
        return subprocess.run([FRISKLIV, "check", str(export), "--year", "2024"], env=_env(tmp_path, ref, landing),
                              capture_output=True, text=True, timeout=300, cwd=tmp_path)

    unknown = f"columns that match no question (kept, not used): {HEADER}"
    checkout, copy = check(REFERENCE_DIR), check(reference)
    assert checkout.returncode == copy.returncode == 0, (checkout.stderr, copy.stderr)
    assert unknown in checkout.stdout and unknown not in copy.stdout
