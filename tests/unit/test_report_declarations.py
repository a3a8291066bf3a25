"""Each fact of the report declared once (issue 30): the attainment scale and the free-text headings
in the questionnaire, each figure in one @figure declaration, bokmål numbers and months from babel.
What derives from a declaration is checked against it, not against a second copy typed here."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from friskliv_pipeline.core.bokmal import NBSP, grouped, long_date, months
from friskliv_pipeline.core.errors import ExportError
from friskliv_pipeline.forms.schema import attainment_answers, questionnaire

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "assets" / "reference"


def test_the_attainment_scale_is_the_questionnaires_and_names_the_marts_count_columns():
    from friskliv_pipeline.cleaning.answers import ATTAINMENT_VALUES, attainment
    from friskliv_pipeline.report.labels import answer_columns
    from friskliv_pipeline.report.tables import HEADERS_NB
    from friskliv_pipeline.sql_models.project import load_project

    scale = attainment_answers(REFERENCE_DIR)
    declared = [q["options"] for q in questionnaire(REFERENCE_DIR)["questions"] if q["kind"] == "attainment"]
    assert len(declared) == 12 and all(options == declared[0] for options in declared)
    assert [o.label for o in scale] == [o["label"] for o in declared[0]] == list(ATTAINMENT_VALUES)
    assert all(attainment(o.label.upper()).value == o.label for o in scale)
    mart_columns = {c.name for c in load_project().models["mart_attainment"].columns}
    for column, label in answer_columns():
        assert column in mart_columns and HEADERS_NB[column] == label


def test_attainment_questions_on_two_scales_are_refused(tmp_path):
    declared = questionnaire(REFERENCE_DIR)
    changed = json.loads(json.dumps(declared))
    last = [q for q in changed["questions"] if q["kind"] == "attainment"][-1]
    last["options"] = last["options"][:3]
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "questions.json").write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ExportError, match="2 answer scales"):
        attainment_answers(tmp_path)


def test_every_free_text_question_has_its_heading_beside_it():
    from friskliv_pipeline.report.data import FREE_TEXT
    from friskliv_pipeline.report.document import question_titles

    titles = question_titles(REFERENCE_DIR)
    assert set(titles) == set(FREE_TEXT)
    for q in questionnaire(REFERENCE_DIR)["questions"]:
        if q.get("free_text"):
            assert titles[q["id"]] == f"{q['heading_nb']} (spørsmål {int(q['id'][1:])})"


def test_every_figure_is_one_declaration_the_assets_and_the_document_read():
    from friskliv_pipeline.defs.report import report_figures
    from friskliv_pipeline.report.data import MARTS
    from friskliv_pipeline.report.figures import FIGURES

    assets = {key.path[-1]: spec for key, spec in report_figures.specs_by_key.items()}
    assert set(assets) == set(FIGURES)
    for key, spec in FIGURES.items():
        assert spec.key == key and spec.render is not None and spec.title and spec.about
        assert set(spec.reads) <= set(MARTS), key
        assert {d.asset_key.path[-1] for d in assets[key].deps} == set(spec.reads), key
        assert assets[key].description == spec.about


@pytest.mark.parametrize("n", [0, 7, 999, 1000, 12_345, 874_037, 1_000_000, -1234, -999_999])
def test_babel_groups_thousands_as_the_report_always_has(n):
    assert grouped(n) == f"{n:,}".replace(",", NBSP)
    assert grouped(n, " ") == f"{n:,}".replace(",", " ")


def test_babel_names_the_months_as_the_report_always_has():
    assert months() == ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
                        "oktober", "november", "desember")
    assert long_date(dt.date(2026, 11, 23)) == "23. november 2026"
