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


# --- As chapter 4 prints the summary ---------------------------------------------------------------

def test_a_theme_whose_answers_are_one_text_is_one_line():
    summary = summarise("q15", [("A", "Hjemmeboende eldre")] * 6 + [("B", "Gravide"), ("C", "Gravide i arbeid")],
                        [Theme("eldre", "Eldre", ("eldre",)), Theme("gravide", "Gravide", ("gravid",))])
    eldre, gravide = summary.groups
    assert eldre.single is not None and eldre.single.shown == "Hjemmeboende eldre" and eldre.single.count == 6
    assert gravide.single is None  # two texts: the heading and its two lines
    assert summarise("q38", [("A", "x")], []).groups[0].single is None  # "Andre svar" keeps its heading


@pytest.mark.parametrize("written, shown, amounts", [
    ("Nettverkssamling for frisklivssentralene: kr 30.000,-", "Nettverkssamling for frisklivssentralene", [30000]),
    ("Regional fagdag: 50000", "Regional fagdag", [50000]),
    ("To fagmøter på Teams: NOK 43000", "To fagmøter på Teams", [43000]),
    ("Unge i alderen 18-30 som står utenfor skole", "Unge i alderen 18–30 år som står utenfor skole", []),
    ("Barn i 1.-6. trinn", "Barn i 1.–6. trinn", []),
    ("Samling høsten 2024 for 150 deltakere", "Samling høsten 2024 for 150 deltakere", []),
])
def test_an_answer_is_printed_without_raw_amounts_and_with_en_dashes(written, shown, amounts):
    line = collapse([(None, written)])[0]
    assert (line.shown, line.amounts) == (shown, amounts) and line.text == written  # the text as written is kept


def test_a_themes_amounts_are_one_range_in_kroner():
    themes = [Theme("samlinger", "Samlinger", ("samling",)), Theme("fagmoter", "Fagmøter", ("fagmøte",))]
    summary = summarise("q11", [("A", "Samling: kr 47.500,-"), ("B", "Regional samling: 30.000"),
                                ("C", "Nettverkssamling: 92 400"), ("D", "Fagmøte på Teams: NOK 43000")], themes)
    samlinger, fagmoter = summary.groups
    assert samlinger.amount_range == "30\u00a0000–92\u00a0400\u00a0kr"
    assert fagmoter.amount_range == "43\u00a0000\u00a0kr"
    assert summarise("q36", [("A", "Presset økonomi.")], THEMES).groups[0].amount_range == ""


def test_the_bundled_themes_keep_pregnant_women_and_private_actors_apart():
    def theme_of_text(question_id, text):
        group, = summarise(question_id, [(None, text)], load_themes(REFERENCE_DIR, question_id)).groups
        return group.theme

    assert theme_of_text("q15", "Gravide") == "Gravide"
    assert theme_of_text("q15", "Unge i alderen 18-30 som står utenfor skole, utdanning og arbeid") == \
        "Unge 18–30 år utenfor skole, utdanning og arbeid"
    assert "leder" not in theme_of_text("q22", "Privat aktør i samarbeid med avdelingsleder i kommunen").casefold()
