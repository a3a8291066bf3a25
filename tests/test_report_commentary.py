"""The analyst's commentary files (issues 12 and 21): values by name, filled from the marts and
traced; a value only inside a claim whose condition makes its words true; a claim whose condition
fails, an unknown name or a file that is no place in the report is an error naming file and line;
and a run with such a file fails before anything of the grant year is published, also when last
year's sentences meet this year's numbers."""

from __future__ import annotations

import re

import shutil

import pandas as pd
import pytest

from friskliv_pipeline.report.commentary import SLOTS, CommentaryError, load, values
from friskliv_pipeline.report.data import ReportData
from tests.conftest import REFERENCE_DIR


def _data(year: int = 2024, first_goal: int = 22) -> ReportData:
    marts = {
        "mart_national_summary": pd.DataFrame({"metric": ["n_projects", "competence_total_nok", "pct_collaborative"],
                                               "value": [115, 874037, 94]}),
        "mart_attainment": pd.DataFrame({"criterion_no": [1, 2], "criterion": ["A", "B"],
                                         "pct_with_goal": [first_goal, 38]}),
    }
    checks = pd.DataFrame({"check_name": ["allocation.unspent", "regelverk5B.competence_cap"],
                           "status": ["not_evaluated", "failed"], "n_records": [0, 2]})
    return ReportData(year, marts, pd.DataFrame(), pd.DataFrame(columns=["question_id", "county", "text"]),
                      check_results=checks)


FEW = ("{% claim mart_attainment.1.pct_with_goal < 30 %}\n"
       "Få prosjekter har hatt som mål å etablere en frisklivssentral ({{ mart_attainment.1.pct_with_goal }} %).\n"
       "{% endclaim %}\n")


def _write(tmp_path, name: str, text: str, year: int = 2024):
    folder = tmp_path / "commentary" / str(year)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_names_are_filled_and_traced(tmp_path):
    _write(tmp_path, "4.4.md", "{% claim n_projects > 0 %}\nFå prosjekter ({{ mart_attainment.1.pct_with_goal }} %) "
                               "av {{n_projects}}.\n\nTil sammen {{ competence_total_nok }} i {{ year }}.\n{% endclaim %}\n")
    html = str(load(tmp_path, _data())["4.4"].html)
    assert '<span class="n" data-source="mart_attainment:1:pct_with_goal">22</span>\u00a0%' in html
    assert '<span class="n" data-source="mart_national_summary:n_projects">115</span>' in html
    assert '<span class="n" data-source="mart_national_summary:competence_total_nok">874\u00a0037</span>\u00a0kr' in html
    assert ">2024</span>" in html and "{{" not in html


def test_an_unknown_name_names_the_file_and_line(tmp_path):
    path = _write(tmp_path, "4.2.md", "Første linje.\n{% claim n_projects > 0 %}\nAndel: {{ pct_collaborative }} %.\n"
                                      "Feil: {{ pct_colaborative }}\n{% endclaim %}\n")
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


def test_values_cover_the_national_summary_row_marts_and_checks():
    known = values(_data())
    assert {"n_projects", "competence_total_nok", "mart_attainment.2.pct_with_goal", "year",
            "check.allocation.unspent.evaluated", "check.regelverk5B.competence_cap.records"} <= set(known)
    assert known["check.allocation.unspent.evaluated"].number == 0
    assert known["check.regelverk5B.competence_cap.records"].number == 2


# --- Claims: the word around a number is bound to the data -----------------------------------------

def test_a_claim_whose_condition_holds_is_published(tmp_path):
    _write(tmp_path, "4.4.md", FEW)
    html = str(load(tmp_path, _data(first_goal=22))["4.4"].html)
    assert "Få prosjekter" in html and ">22</span>" in html and "claim" not in html


def test_a_claim_whose_condition_fails_stops_with_file_line_value_and_condition(tmp_path):
    """2023's 83 % must never be published as "Få prosjekter … (83 %)"."""
    from friskliv_pipeline.report.commentary import ClaimsFailed

    path = _write(tmp_path, "4.4.md", "Innledning.\n\n" + FEW, year=2023)
    with pytest.raises(ClaimsFailed) as error:
        load(tmp_path, _data(2023, first_goal=83))
    message = str(error.value)
    assert f"{path}:3: «mart_attainment.1.pct_with_goal < 30" in message
    assert "(mart_attainment.1.pct_with_goal = 83" in message
    assert "do not hold for 2023" in message and "What to do" in message
    # the draft's way: the same claim listed, not raised, and kept in place with its condition
    failed = []
    html = str(load(tmp_path, _data(2023, first_goal=83), failed=failed)["4.4"].html)
    assert [(f.file, f.line) for f in failed] == [(path, 3)]
    assert 'class="claim-failed" data-claim="4.4.md:3"' in html and "Få prosjekter" in html


def test_a_value_outside_a_claim_is_refused(tmp_path):
    path = _write(tmp_path, "4.3.md", "Hele {{ pct_collaborative }} % samarbeidet.\n")
    with pytest.raises(CommentaryError, match="outside a claim") as error:
        load(tmp_path, _data())
    assert f"file {path}, line 1" in str(error.value)


def test_if_else_chooses_the_wording_from_the_data(tmp_path):
    text = ("{% if check.allocation.unspent.evaluated == 1 %}\nMidlene er brukt i tråd med regelverket.\n"
            "{% elif check.regelverk5B.competence_cap.records > 0 %}\nKontrollen fant {{ check.regelverk5B.competence_cap.records }} avvik.\n"
            "{% else %}\nIkke vurdert.\n{% endif %}\n")
    _write(tmp_path, "oppsummering.md", text)
    html = str(load(tmp_path, _data())["oppsummering"].html)
    assert "Kontrollen fant" in html and ">2</span>" in html
    assert "i tråd med regelverket" not in html and "Ikke vurdert" not in html


@pytest.mark.parametrize("text, problem", [
    ("{% claim %}\nx\n{% endclaim %}\n", "without a condition"),
    ("{% claim n_projects > 0 %}\nx\n", "never closed"),
    ("{% endif %}\n", "closes no"),
    ("Tekst {% claim n_projects > 0 %} inni.\n", "stand alone"),
    ("{% claim n_projects > __import__('os') %}\nx\n{% endclaim %}\n", "cannot be judged"),
    ("{% claim n_prosjekter > 1 %}\nx\n{% endclaim %}\n", "unknown name"),
])
def test_malformed_blocks_name_the_file_and_line(tmp_path, text, problem):
    path = _write(tmp_path, "4.1.md", text)
    with pytest.raises(CommentaryError, match=problem) as error:
        load(tmp_path, _data())
    assert f"file {path}, line" in str(error.value)


@pytest.mark.slow
def test_a_bad_commentary_file_fails_the_run_before_anything_is_published(pipeline_env, run_year, tmp_path,
                                                                          monkeypatch):
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    bad = reference / "commentary" / "2024" / "4.2.md"
    bad.write_text("Kommentar.\n{% claim n_projects > 0 %}\nHele {{ pct_target_bth }} % av prosjektene.\n"
                   "{% endclaim %}\n", encoding="utf-8")
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


@pytest.mark.slow
def test_the_2023_report_with_the_2024_commentary_fails_loudly(pipeline_env, run_year, tmp_path, monkeypatch):
    """Last year's sentences with this year's numbers: the 2024 files' claims do not hold for 2023,
    and the run says which, instead of publishing them."""
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    shutil.rmtree(reference / "commentary" / "2023")
    shutil.copytree(REFERENCE_DIR / "commentary" / "2024", reference / "commentary" / "2023")
    monkeypatch.setenv("FRISKLIV_REFERENCE_DIR", str(reference))
    result = run_year(2023, raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.event_type_value == "STEP_FAILURE")
    error = failure.event_specific_data.error
    while error.cause is not None:
        error = error.cause
    assert "commentary/2023/" in error.message and "do not hold for 2023" in error.message
    assert re.search(r"commentary/2023/[\w.]+\.md:\d+: «", error.message) and " = " in error.message  # line, value
    assert not (tmp_path / "data" / "reports" / "2023" / "report.html").exists()
    assert (tmp_path / "data" / "reports" / "utkast" / "2023" / "utkast.html").exists()  # the analyst's draft
