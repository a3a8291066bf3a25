"""Pins the closed-answer rules: Ja/Nei and the attainment scale normalise case, spaces and
trailing punctuation and turn junk into a problem; multi-selects split on ';' or a JSON list,
"Begge disse gruppene" implies both target groups, unknown text is the 'Annet' free text, the
exclusive "Nei, …" of q21 cannot go with a partner; q22 takes one known label or 'Annet' text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from friskliv_pipeline.cleaning.answers import attainment, multi_choice, single_choice, split_multi, yes_no
from friskliv_pipeline.cleaning.issues import IssueLog
from friskliv_pipeline.cleaning.responses import type_responses
from friskliv_pipeline.forms.schema import load_form_schema

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "assets" / "reference"
FORM = load_form_schema(REFERENCE_DIR, 2024)
Q15, Q21, Q22 = FORM.question("q15"), FORM.question("q21"), FORM.question("q22")


def label(question, key: str) -> str:
    return next(o.label for o in question.options if o.key == key)


def ticked(*labels: str) -> str:
    """A multi-select cell as Forms writes it: labels joined by ';' with a trailing ';'."""
    return "".join(f"{text};" for text in labels)


# --- yes_no --------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Ja", "ja", "JA", " Ja ", "Ja.", "Ja!", "Ja\u00a0", "yes"])
def test_yes_variants(text):
    assert yes_no(text) == type(yes_no(text))(True)


@pytest.mark.parametrize("text", ["Nei", "nei", "NEI", "  nei. ", "Nei!", "No"])
def test_no_variants(text):
    answer = yes_no(text)
    assert answer.value is False
    assert answer.problem is None


@pytest.mark.parametrize("text", ["kanskje", "Ja takk", "Ja/Nei", "Delvis"])
def test_yes_no_junk_is_a_problem_without_value(text):
    answer = yes_no(text)
    assert answer.value is None
    assert answer.problem and text in answer.problem


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_yes_no_blank_is_skipped_without_problem(blank):
    assert (yes_no(blank).value, yes_no(blank).problem) == (None, None)


# --- attainment ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ja", "Ja"),
        ("delvis", "Delvis"),
        ("DELVIS.", "Delvis"),
        ("Delvis ", "Delvis"),
        ("Nei!", "Nei"),
        ("ikke aktuelt", "Ikke aktuelt"),
        ("Ikke  aktuelt", "Ikke aktuelt"),
        ("IKKE\u00a0AKTUELT;", "Ikke aktuelt"),
        ("Ikkeaktuelt", "Ikke aktuelt"),
    ],
)
def test_attainment_normalises_to_the_scale(text, expected):
    answer = attainment(text)
    assert answer.value == expected
    assert answer.problem is None


@pytest.mark.parametrize("text", ["litt", "Ja, delvis", "5", "Ikke aktuelt nå"])
def test_attainment_junk_is_a_problem_without_value(text):
    answer = attainment(text)
    assert answer.value is None
    assert answer.problem and text in answer.problem


def test_attainment_blank_is_skipped_without_problem():
    assert attainment("  ") == type(attainment("  "))(None)


# --- split_multi ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("A;B;", ["A", "B"]),
        ("A;;B; ;", ["A", "B"]),
        (" A ; B ", ["A", "B"]),
        ('["A","B"]', ["A", "B"]),
        ('["A", "", " B "]', ["A", "B"]),
        ("A", ["A"]),
        ("[ikke json", ["[ikke json"]),
        ("", []),
        (None, []),
    ],
)
def test_split_multi(text, expected):
    assert split_multi(text) == expected


# --- multi_choice (q15, q21) ---------------------------------------------------------------

def test_q15_both_groups_option_sets_the_same_flags_as_ticking_both():
    both = multi_choice(ticked(label(Q15, "both")), Q15)
    each = multi_choice(ticked(label(Q15, "risk"), label(Q15, "chronic")), Q15)
    assert both.flags["risk"] and both.flags["chronic"]
    assert (both.flags["risk"], both.flags["chronic"]) == (each.flags["risk"], each.flags["chronic"])
    assert both.problems == each.problems == []


def test_q15_json_list_and_semicolons_give_the_same_flags():
    labels = [label(Q15, "risk"), label(Q15, "chronic")]
    json_cell = "[" + ",".join(f'"{text}"' for text in labels) + "]"
    assert multi_choice(json_cell, Q15).flags == multi_choice(ticked(*labels), Q15).flags


def test_q15_labels_match_despite_case_and_punctuation():
    cell = ticked(label(Q15, "risk").upper().rstrip(".") + " .")
    assert multi_choice(cell, Q15).chosen == ["risk"]


def _raw_response(**answers) -> dict:
    return {"grant_year": 2024, "response_id": "r1", "source_file": "export.xlsx", "source_row": 2,
            "completion_time": "2025-01-15 10:00:00", "export_locale": "en", "q01": "Rogaland", **answers}


def test_q15_target_both_column_agrees_however_it_was_answered():
    raw = pd.DataFrame([_raw_response(q15=ticked(label(Q15, "both"))),
                        _raw_response(q15=ticked(label(Q15, "risk"), label(Q15, "chronic")))])
    typed = type_responses(raw, FORM, ["Rogaland"], IssueLog(2024))
    assert typed[["target_risk", "target_chronic", "target_both"]].values.tolist() == [[True, True, True]] * 2


def test_unknown_text_becomes_other_text_with_the_other_flag():
    choice = multi_choice(ticked(label(Q15, "risk"), "Ungdom i videregående skole"), Q15)
    assert choice.flags["other"] is True
    assert choice.flags["risk"] is True
    assert choice.other_text == "Ungdom i videregående skole"
    assert choice.problems == []


def test_annet_label_alone_sets_other_without_text():
    choice = multi_choice(ticked("Annet"), Q15)
    assert choice.flags["other"] is True
    assert choice.other_text is None


def test_q21_no_collaboration_together_with_a_partner_is_a_problem():
    choice = multi_choice(ticked(label(Q21, "frisklivssentral"), label(Q21, "none")), Q21)
    assert choice.problems
    assert label(Q21, "none") in choice.problems[0]


def test_q21_no_collaboration_alone_is_fine():
    choice = multi_choice(ticked(label(Q21, "none")), Q21)
    assert choice.chosen == ["none"]
    assert choice.problems == []


def test_q21_unknown_option_without_annet_is_a_problem_not_a_flag():
    choice = multi_choice(ticked(label(Q21, "private"), "Kirken"), Q21)
    assert choice.chosen == ["private"]
    assert choice.other_text is None
    assert choice.problems and "Kirken" in choice.problems[0]


# --- single_choice (q22) -------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Fastlege", "fastlege.", " FASTLEGE ", "Fastlege;"])
def test_q22_known_label(text):
    assert single_choice(text, Q22) == ("gp", None, None)


def test_q22_unknown_text_is_annet_with_its_text():
    assert single_choice("NAV-kontoret", Q22) == ("other", "NAV-kontoret", None)


def test_q22_annet_label_with_its_text():
    assert single_choice(ticked(label(Q22, "other"), "NAV-kontoret"), Q22) == ("other", "NAV-kontoret", None)


def test_q22_two_known_choices_are_a_problem():
    key, other_text, problem = single_choice(ticked(label(Q22, "gp"), label(Q22, "home_care")), Q22)
    assert (key, other_text) == (None, None)
    assert problem and "one choice expected" in problem


def test_q22_blank_is_skipped():
    assert single_choice("", Q22) == (None, None, None)


@pytest.mark.parametrize("text", [";", "[]", " ; ; ", '[""]'])
def test_q22_cell_without_a_choice_after_splitting_is_unanswered_with_a_problem(text):
    """Found by the fuzz test: ';' or '[]' used to raise IndexError and fail the whole year."""
    key, other_text, problem = single_choice(text, Q22)
    assert (key, other_text) == (None, None)
    assert problem and "no choice" in problem


def test_q22_semicolon_cell_becomes_null_and_a_cleaning_issue_in_the_typed_row():
    log = IssueLog(2024)
    raw = {"grant_year": 2024, "response_id": "r1", "source_file": "x.xlsx", "source_row": 2,
           "completion_time": "2024-03-01 10:00:00", "export_locale": "nb", "q01": "Agder", "q22": ";"}
    typed = type_responses(pd.DataFrame([raw]), FORM, ["Agder"], log)
    assert typed["lead_service"].isna().all()
    assert [(r["question_id"], r["rule"]) for r in log.rows] == [("q22", "q22.single_choice")]
