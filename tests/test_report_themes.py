"""Free text summarised without dropping anything (issues 12 and 21): only answers that are the same
text (case and spacing aside) collapse, with a count that equals the number of identical answers;
lines group under the analyst's themes, unmatched answers are listed under "Andre svar", and the
count shown always equals the count received."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from friskliv_pipeline.report.data import FREE_TEXT
from friskliv_pipeline.report.themes import (
    UNMATCHED, Theme, ThemeListError, collapse, load_themes, normalise, summarise,
)
from tests.conftest import REFERENCE_DIR

THEMES = [Theme("okonomi", "Økonomi", ("økonomi", "nedskjær")), Theme("tid", "Tid", ("få måneder", "kort tid"))]


def test_normalise_ignores_case_and_spacing_only():
    assert normalise("  Presset  ØKONOMI i kommunen. ") == normalise("presset økonomi i kommunen.") == \
        "presset økonomi i kommunen."
    assert normalise("Presset økonomi.") != normalise("Presset økonomi")
    assert normalise("«Gravide»") != normalise("Gravide")


def test_only_the_same_text_collapses_and_its_count_is_the_number_of_identical_answers():
    lines = collapse([("Agder", "Presset økonomi og nedskjæringer i kommunen."),
                      ("Oslo", "presset  økonomi og nedskjæringer i kommunen."),  # case and spacing: the same
                      ("Troms", "Presset økonomi og nedskjæringer i kommunene."),  # one letter more: another answer
                      ("Agder", "Vanskelig å måle når prosjektet kun har pågått i noen få måneder.")])
    assert [(line.text, line.count) for line in lines] == [
        ("Presset økonomi og nedskjæringer i kommunen.", 2),
        ("Presset økonomi og nedskjæringer i kommunene.", 1),
        ("Vanskelig å måle når prosjektet kun har pågått i noen få måneder.", 1)]
    assert lines[0].counties == ["Agder", "Oslo"]


def test_answers_that_differ_in_a_digit_are_different_answers():
    """The fault a reader found: nine different amounts shown as one answer "(×9)"."""
    texts = ["Nettverkssamling og fagdag for frisklivssentralene: 50000",
             "Nettverkssamling og fagdag for frisklivssentralene: 50 000",
             "Nettverkssamling og fagdag for frisklivssentralene: 30000",
             "Nettverkssamling og fagdag for frisklivssentralene: 72500",
             "Nettverkssamling og fagdag for frisklivssentralene: 50000"]
    lines = collapse([(None, t) for t in texts])
    assert [(line.text, line.count) for line in lines] == [(texts[0], 2), (texts[1], 1), (texts[2], 1),
                                                           (texts[3], 1)]


def test_different_answers_stay_apart():
    lines = collapse([(None, "Gravide"), (None, "Eldre"), (None, "Befolkningen generelt")])
    assert [line.count for line in lines] == [1, 1, 1]


def test_answers_group_under_the_first_matching_theme_and_the_rest_are_listed_unmatched():
    summary = summarise("q36", [("A", "Presset økonomi."), ("B", "Prosjektet har bare gått i noen få måneder."),
                                ("C", "Presset økonomi"), ("D", "Noe helt annet")], THEMES)
    assert [(g.theme, g.count) for g in summary.groups] == [("Økonomi", 2), ("Tid", 1), (UNMATCHED, 1)]
    assert summary.unmatched.answers[0].text == "Noe helt annet"
    assert summary.n_shown == summary.n_received == 4


def test_without_a_theme_list_every_answer_is_listed_as_unmatched():
    summary = summarise("q38", [("A", "x"), ("B", "y")], [])
    assert [g.theme for g in summary.groups] == [UNMATCHED] and summary.n_shown == 2


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["Agder", "Oslo", None]),
                          st.text(alphabet="abcøå .,ØkonmiTd", min_size=1, max_size=25)), max_size=40))
def test_the_count_shown_always_equals_the_count_received(answers):
    summary = summarise("q36", answers, THEMES)
    assert summary.n_shown == summary.n_received == len(answers)
    assert sum(len(line.counties) > 0 for g in summary.groups for line in g.answers) <= len(answers)


@pytest.mark.parametrize("question_id", sorted(FREE_TEXT))
def test_every_free_text_question_has_a_theme_list(question_id):
    themes = load_themes(REFERENCE_DIR, question_id)
    assert themes and all(t.keywords for t in themes)


def test_a_broken_theme_list_names_the_file(tmp_path):
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "q36.yml").write_text("themes:\n  - theme: Økonomi\n", encoding="utf-8")
    with pytest.raises(ThemeListError, match=r"q36\.yml, theme 1: .*'id'.*keywords"):
        load_themes(tmp_path, "q36")


def test_a_theme_count_is_read_by_its_id():
    summary = summarise("q36", [("A", "Presset økonomi."), ("B", "Presset økonomi."), ("C", "Noe annet")], THEMES)
    assert summary.count_of("okonomi") == 2 and summary.count_of("tid") == 0
    assert summary.theme_ids == ("okonomi", "tid") and UNMATCHED == "Andre svar"


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(["Presset økonomi.", "presset  ØKONOMI.", "Presset økonomi", "Kort tid: 3 mnd",
                                 "Kort tid: 4 mnd", "Noe annet"]), max_size=30))
def test_each_line_counts_exactly_the_answers_with_its_text(texts):
    for line in collapse([(None, t) for t in texts]):
        assert line.count == sum(normalise(t) == normalise(line.text) for t in texts)
