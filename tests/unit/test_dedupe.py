"""Pins resubmission handling and row accounting: the same county + municipality + title
(compared normalised) keeps only the latest completion time, empty titles never merge, responses
without project answers are set aside, every response lands in exactly one place; and the
competence-building section collapses identical repeats and keeps conflicting ones aside,
never summing them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from friskliv_pipeline.cleaning.competence import build_competence, competence_columns
from friskliv_pipeline.cleaning.projects import SET_ASIDE_REASON, split_responses
from friskliv_pipeline.cleaning.issues import IssueLog
from friskliv_pipeline.cleaning.responses import type_responses
from friskliv_pipeline.forms.schema import load_form_schema

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "assets" / "reference"
FORM = load_form_schema(REFERENCE_DIR, 2024)
COMPETENCE = competence_columns(FORM)
COUNTY_NUMBERS = {"Møre og Romsdal": "15", "Rogaland": "11"}


def response(response_id: str, source_row: int, completed: str | None, *, title: str | None = "Frisklivsløypa",
             municipality: str | None = "Ålesund", county: str | None = "Møre og Romsdal",
             has_project: bool = True, already_reported: bool | None = True, **competence) -> dict:
    """One typed response row with the columns split_responses and build_competence read."""
    unknown = set(competence) - set(COMPETENCE)
    assert not unknown, unknown
    return {
        "grant_year": 2024, "response_id": response_id, "source_row": source_row,
        "completion_time": None if completed is None else pd.Timestamp(completed),
        "county": county, "county_reported": county, "municipality_reported": municipality,
        "project_title": title, "has_project": has_project,
        "competence_already_reported": already_reported,
        **{column: competence.get(column) for column in COMPETENCE},
    }


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def ids(table: pd.DataFrame) -> list[str]:
    return sorted(table["response_id"])


# --- split_responses -----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("first_title", "resubmitted_title"),
    [
        ("Frisklivsløypa", "Frisklivsløypa"),
        ("Frisklivsløypa", "FRISKLIVSLØYPA"),
        ("Frisklivsløypa", "  frisklivsløypa "),
        ("Frisklivsløypa", "Frisklivsløypa."),
        ("Frisklivsløypa", "«Frisklivsløypa»"),
        ("Aktiv hverdag – for alle", "aktiv  hverdag, for alle!"),
        ("Aktiv-hverdag", "Aktiv hverdag"),
    ],
)
def test_resubmission_keeps_the_latest_and_supersedes_the_older(first_title, resubmitted_title):
    older = response("r1", 2, "2025-01-10 09:00", title=first_title)
    newer = response("r2", 3, "2025-01-20 09:00", title=resubmitted_title, municipality=" ålesund ")
    kept, superseded, set_aside = split_responses(frame(older, newer))
    assert ids(kept) == ["r2"]
    assert ids(superseded) == ["r1"]
    assert superseded.loc[0, "superseded_by"] == "r2"
    assert "resubmission" in superseded.loc[0, "reason"]
    assert set_aside.empty


@pytest.mark.parametrize(
    ("first_title", "resubmitted_title"),
    [("Frisklivsløypa", "Frisklivs-løypa"), ("Frisklivsløypa", "Frisklivs løypa")],
)
def test_resubmission_with_spacing_or_punctuation_inside_a_word(first_title, resubmitted_title):
    older = response("r1", 2, "2025-01-10 09:00", title=first_title)
    newer = response("r2", 3, "2025-01-20 09:00", title=resubmitted_title)
    kept, superseded, _ = split_responses(frame(older, newer))
    assert ids(kept) == ["r2"]
    assert ids(superseded) == ["r1"]


def test_latest_completion_time_wins_even_when_it_is_the_earlier_sheet_row():
    newer_on_top = response("r1", 2, "2025-02-01 12:00")
    older_below = response("r2", 3, "2025-01-05 12:00")
    kept, superseded, _ = split_responses(frame(newer_on_top, older_below))
    assert ids(kept) == ["r1"]
    assert superseded.set_index("response_id")["superseded_by"].to_dict() == {"r2": "r1"}


def test_equal_completion_times_keep_the_later_sheet_row():
    first = response("r1", 2, "2025-01-10 09:00")
    second = response("r2", 3, "2025-01-10 09:00")
    kept, superseded, _ = split_responses(frame(second, first))
    assert ids(kept) == ["r2"]
    assert ids(superseded) == ["r1"]


def test_three_submissions_all_point_at_the_latest():
    rows = [response(f"r{i}", i + 1, f"2025-01-0{i} 10:00") for i in (1, 2, 3)]
    kept, superseded, _ = split_responses(frame(*rows))
    assert ids(kept) == ["r3"]
    assert superseded.set_index("response_id")["superseded_by"].to_dict() == {"r1": "r3", "r2": "r3"}


@pytest.mark.parametrize(
    "difference",
    [{"title": "Frisklivsløypa 2"}, {"municipality": "Giske"}, {"county": "Rogaland"}],
    ids=["other-title", "other-municipality", "other-county"],
)
def test_different_project_key_is_not_a_resubmission(difference):
    a = response("r1", 2, "2025-01-10 09:00")
    b = response("r2", 3, "2025-01-20 09:00", **difference)
    kept, superseded, _ = split_responses(frame(a, b))
    assert ids(kept) == ["r1", "r2"]
    assert superseded.empty


@pytest.mark.parametrize("empty_title", [None, "", "  ", "-"])
def test_responses_with_an_empty_title_are_never_merged(empty_title):
    rows = [response(f"r{i}", i + 1, f"2025-01-0{i} 10:00", title=empty_title) for i in (1, 2, 3)]
    kept, superseded, _ = split_responses(frame(*rows))
    assert ids(kept) == ["r1", "r2", "r3"]
    assert superseded.empty


@pytest.mark.parametrize("empty", [{"title": None}, {"municipality": None}], ids=["no-title", "no-municipality"])
def test_an_empty_answer_next_to_filled_ones_is_never_merged(empty):
    titled = response("r1", 2, "2025-01-10 09:00")
    other = response("r2", 3, "2025-01-11 09:00", **empty)
    kept, superseded, _ = split_responses(frame(titled, other))
    assert ids(kept) == ["r1", "r2"]
    assert superseded.empty


def test_typed_responses_with_one_untitled_project_split_without_error():
    answers = dict(grant_year=2024, source_file="export.xlsx", export_locale="en", q01="Rogaland", q14="Hå",
                   q23="100 000", completion_time="2025-01-10 10:00:00")
    raw = pd.DataFrame([dict(answers, response_id="r1", source_row=2, q13="Sunn mat"),
                        dict(answers, response_id="r2", source_row=3, q13=None)])
    typed = type_responses(raw, FORM, ["Rogaland"], IssueLog(2024))
    kept, superseded, set_aside = split_responses(typed)
    assert ids(kept) == ["r1", "r2"]


def test_response_without_project_answers_is_set_aside():
    competence_only = response("r1", 2, "2025-01-10 09:00", title=None, municipality=None, has_project=False,
                               already_reported=False, course_leader_hdir_nok=50_000)
    project = response("r2", 3, "2025-01-11 09:00")
    kept, superseded, set_aside = split_responses(frame(competence_only, project))
    assert ids(set_aside) == ["r1"]
    assert set_aside.loc[0, "reason"] == SET_ASIDE_REASON
    assert ids(kept) == ["r2"]
    assert superseded.empty


def test_set_aside_responses_are_not_matched_as_resubmissions():
    # Same key as the project, but no project answers: set aside, not a newer submission.
    project = response("r1", 2, "2025-01-10 09:00")
    later_without_project = response("r2", 3, "2025-01-20 09:00", has_project=False)
    kept, superseded, set_aside = split_responses(frame(project, later_without_project))
    assert ids(kept) == ["r1"]
    assert ids(set_aside) == ["r2"]
    assert superseded.empty


def test_every_response_lands_in_exactly_one_table():
    rows = frame(
        response("r1", 2, "2025-01-10 09:00", title="Aktiv hverdag"),
        response("r2", 3, "2025-01-12 09:00", title="aktiv hverdag"),  # supersedes r1
        response("r3", 4, "2025-01-13 09:00", title="Aktiv  Hverdag!"),  # supersedes r2
        response("r4", 5, "2025-01-13 10:00", title=""),  # empty titles: never merged
        response("r5", 6, "2025-01-13 11:00", title=""),
        response("r6", 7, "2025-01-14 09:00", has_project=False, title=None, municipality=None),
        response("r7", 8, "2025-01-15 09:00", title="Sunn mat", county="Rogaland", municipality="Hå"),
        response("r8", 9, None, title="Sunn mat", county="Rogaland", municipality="Hå"),  # no time: loses
    )
    kept, superseded, set_aside = split_responses(rows)
    assert len(kept) + len(superseded) + len(set_aside) == len(rows)
    assert sorted(ids(kept) + ids(superseded) + ids(set_aside)) == ids(rows)
    assert ids(kept) == ["r3", "r4", "r5", "r7"]
    assert superseded.set_index("response_id")["superseded_by"].to_dict() == {"r1": "r3", "r2": "r3", "r8": "r7"}
    assert ids(set_aside) == ["r6"]
    assert list(kept["source_row"]) == sorted(kept["source_row"])  # data order kept


# --- build_competence ----------------------------------------------------------------------

def _competence(responses: pd.DataFrame):
    log = IssueLog(2024)
    table, conflicts = build_competence(responses, FORM, COUNTY_NUMBERS, log)
    return table, conflicts, log.frame()


def test_identical_repeats_collapse_to_one_row():
    report = dict(competence_used=True, course_leader_hdir_nok=50_000, method_courses_nok=25_000,
                  competence_total_nok=75_000)
    first = response("r1", 2, "2025-01-10 09:00", already_reported=False, **report)
    repeat = response("r2", 3, "2025-01-20 09:00", already_reported=False, **report)
    table, conflicts, issues = _competence(frame(first, repeat))
    assert len(table) == 1
    row = table.iloc[0]
    assert (row["n_reports"], row["n_distinct_reports"]) == (2, 1)
    assert row["course_leader_hdir_nok"] == 50_000  # not doubled
    assert row["competence_total_nok"] == 75_000
    assert row["parts_sum_nok"] == 75_000
    assert row["county_no"] == "15"
    assert conflicts.empty
    assert issues.empty


def test_conflicting_repeats_keep_the_latest_and_set_the_other_aside_never_summed():
    first = response("r1", 2, "2025-01-10 09:00", already_reported=False, competence_used=True,
                     course_leader_hdir_nok=50_000, competence_total_nok=50_000)
    corrected = response("r2", 3, "2025-01-20 09:00", already_reported=False, competence_used=True,
                         course_leader_hdir_nok=60_000, competence_total_nok=60_000)
    table, conflicts, issues = _competence(frame(first, corrected))
    assert len(table) == 1
    row = table.iloc[0]
    assert row["response_id"] == "r2"
    assert row["course_leader_hdir_nok"] == 60_000  # the latest, not 110 000
    assert row["competence_total_nok"] == 60_000
    assert row["parts_sum_nok"] == 60_000
    assert (row["n_reports"], row["n_distinct_reports"]) == (2, 2)
    assert conflicts[["response_id", "kept_response_id"]].values.tolist() == [["r1", "r2"]]
    assert list(issues["rule"]) == ["q02.competence_conflict"]
    assert list(issues["response_id"]) == ["r1"]


def test_later_response_that_skips_the_section_is_not_a_report():
    first = response("r1", 2, "2025-01-10 09:00", already_reported=False, competence_used=True,
                     course_leader_hdir_nok=50_000, competence_total_nok=50_000)
    later_project = response("r2", 3, "2025-01-20 09:00", already_reported=True, title="Annet prosjekt")
    table, conflicts, _ = _competence(frame(first, later_project))
    assert table["response_id"].tolist() == ["r1"]
    assert table.iloc[0]["n_reports"] == 1
    assert table.iloc[0]["course_leader_hdir_nok"] == 50_000
    assert conflicts.empty


def test_competence_is_one_row_per_county():
    more = response("r1", 2, "2025-01-10 09:00", already_reported=False, course_leader_hdir_nok=10_000)
    roga = response("r2", 3, "2025-01-11 09:00", county="Rogaland", municipality="Hå", already_reported=False,
                    course_leader_hdir_nok=20_000)
    table, conflicts, _ = _competence(frame(more, roga))
    assert table.set_index("county")["course_leader_hdir_nok"].to_dict() == {"Møre og Romsdal": 10_000,
                                                                              "Rogaland": 20_000}
    assert conflicts.empty
