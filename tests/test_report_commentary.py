"""The analyst's commentary files (issue 12, point 4): values by name, filled from the marts and
traced; an unknown name or a file that is no place in the report is an error naming file and line;
and a run with such a file fails before anything of the grant year is published."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from friskliv_pipeline.report.commentary import SLOTS, CommentaryError, load, values
from friskliv_pipeline.report.data import ReportData
from tests.conftest import REFERENCE_DIR


def _data(year: int = 2024) -> ReportData:
    marts = {
        "mart_national_summary": pd.DataFrame({"metric": ["n_projects", "competence_total_nok", "pct_collaborative"],
                                               "value": [115, 874037, 94]}),
        "mart_attainment": pd.DataFrame({"criterion_no": [1, 2], "criterion": ["A", "B"], "pct_with_goal": [22, 38]}),
    }
    return ReportData(year, marts, pd.DataFrame(), pd.DataFrame(columns=["question_id", "county", "text"]))


def _write(tmp_path, name: str, text: str, year: int = 2024):
    folder = tmp_path / "commentary" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_names_are_filled_and_traced(tmp_path):
    _write(tmp_path, "4.4.md", "Få prosjekter ({{ mart_attainment.1.pct_with_goal }} %) av {{n_projects}}.\n\n"
                               "Til sammen {{ competence_total_nok }} i {{ year }}.\n")
    html = str(load(tmp_path, _data())["4.4"].html)
    assert '<span class="n" data-source="mart_attainment:1:pct_with_goal">22</span>\u00a0%' in html
    assert '<span class="n" data-source="mart_national_summary:n_projects">115</span>' in html
    assert '<span class="n" data-source="mart_national_summary:competence_total_nok">874\u00a0037</span>\u00a0kr' in html
    assert ">2024</span>" in html and "{{" not in html


def test_an_unknown_name_names_the_file_and_line(tmp_path):
    path = _write(tmp_path, "4.2.md", "Første linje.\n\nAndel: {{ pct_collaborative }} %.\nFeil: {{ pct_colaborative }}\n")
    with pytest.raises(CommentaryError) as error:
        load(tmp_path, _data())
    message = str(error.value)
    assert f"file {path}, line 4" in message and "pct_colaborative" in message
    assert "pct_collaborative" in message.split("What to do", 1)[1]  # the close name is suggested
    assert "Traceback" not in message


def test_a_file_that_is_no_place_in_the_report_is_refused(tmp_path):
    path = _write(tmp_path, "4.9.md", "Tekst.\n")
    with pytest.raises(CommentaryError, match="not a place in the report") as error:
        load(tmp_path, _data())
    assert str(path) in str(error.value) and "oppsummering.md" in str(error.value)


def test_html_in_commentary_is_not_passed_through(tmp_path):
    _write(tmp_path, "4.3.md", "<script>alert(1)</script> og **uthevet**\n")
    html = str(load(tmp_path, _data())["4.3"].html)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<strong>uthevet</strong>" in html


def test_no_folder_means_no_commentary(tmp_path):
    assert load(tmp_path, _data(2031)) == {}


@pytest.mark.parametrize("year", [2023, 2024])
def test_the_bundled_commentary_files_are_places_in_the_report(year):
    """(Their names are checked against the real marts by the end-to-end report tests.)"""
    folder = REFERENCE_DIR / "commentary" / str(year)
    assert {"4.2", "4.3", "4.4", "oppsummering", "bakgrunn"} <= {p.stem for p in folder.glob("*.md")} <= set(SLOTS)


def test_values_cover_the_national_summary_and_row_marts():
    known = values(_data())
    assert {"n_projects", "competence_total_nok", "mart_attainment.2.pct_with_goal", "year"} <= set(known)


@pytest.mark.slow
def test_a_bad_commentary_file_fails_the_run_before_anything_is_published(pipeline_env, run_year, tmp_path,
                                                                          monkeypatch):
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    bad = reference / "commentary" / "2024" / "4.2.md"
    bad.write_text("Kommentar.\n\nHele {{ pct_target_bth }} % av prosjektene.\n", encoding="utf-8")
    monkeypatch.setenv("FRISKLIV_REFERENCE_DIR", str(reference))
    result = run_year(2024, raise_on_error=False)
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert failures and {e.step_key for e in failures} <= {"report_figures", "report_tables"}
    for failure in failures:
        error = failure.event_specific_data.error
        while error.cause is not None:
            error = error.cause
        assert f"file {bad}, line 3" in error.message and "pct_target_bth" in error.message
    report_dir = tmp_path / "data" / "reports" / "2024"
    published = [p.name for p in report_dir.iterdir()] if report_dir.exists() else []
    assert published == []  # no figure, no report, no tables
