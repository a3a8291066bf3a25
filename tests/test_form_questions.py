"""The year's form and the questionnaire as the configured reference folder holds them (issue 29):
a question the data contract has no column for is refused in one line, never read and then lost;
what FRISKLIV_REFERENCE_DIR points at is what runs, not the checkout's assets/."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import DEMO_LANDING, REFERENCE_DIR
from tests.test_cli_messages import one_line

FRISKLIV = str(Path(sys.executable).parent / "friskliv")
EXPORT = next((DEMO_LANDING / "2024").glob("*.xlsx"))
NEW = {"header": "Ble prosjektet evaluert av en ekstern part?", "kind": "yes_no", "section": "project",
       "required": False, "options": ["Ja", "Nei"]}


def _check(tmp_path: Path, reference: Path) -> subprocess.CompletedProcess:
    import os

    env = {**os.environ, "FRISKLIV_REFERENCE_DIR": str(reference), "FRISKLIV_DATA_DIR": str(tmp_path / "data")}
    return subprocess.run([FRISKLIV, "check", str(EXPORT), "--year", "2024"], capture_output=True, text=True,
                          env=env, timeout=300, cwd=tmp_path)


@pytest.fixture
def reference(tmp_path) -> Path:
    copy = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, copy)
    return copy


def test_a_question_only_the_years_form_adds_is_refused_in_one_line(tmp_path, reference):
    form = reference / "forms" / "form_2024.json"
    document = json.loads(form.read_text(encoding="utf-8"))
    document["questions"]["q39"] = NEW
    form.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    proc = _check(tmp_path, reference)
    assert proc.returncode == 1
    line = one_line(proc)
    assert line.startswith(f"friskliv: file {form}: question q39 is new in this year's form; the data contract has "
                           "no column for its answers, so they would be read and then lost. What to do: ")
    assert "take q39 out of the year's form" in line


def test_the_configured_reference_folders_questionnaire_is_the_one_that_runs(tmp_path, reference):
    """The copy's questionnaire declares q39, the checkout's does not: the refusal names the copy."""
    path = reference / "forms" / "questions.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["questions"].append({"id": "q39", **NEW})
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert "q39" not in (REFERENCE_DIR / "forms" / "questions.json").read_text(encoding="utf-8")
    proc = _check(tmp_path, reference)
    assert proc.returncode == 1
    assert one_line(proc) == (
        f"friskliv: file {path}: question q39 has no column of type bool in the data contract's table responses, so "
        "its answers cannot be cleaned. What to do: a new question needs its columns in the data contract "
        "(friskliv_pipeline/contract.py), a change of this version: ask its maintainers; until then take q39 out of "
        "the questionnaire (its answers stay in the archived export)")
    # the unchanged copy runs as the checkout's does
    shutil.copy(REFERENCE_DIR / "forms" / "questions.json", path)
    assert _check(tmp_path, reference).returncode == 0
