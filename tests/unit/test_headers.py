"""Pins tolerant header matching: both Forms locales' metadata columns, case/space/non-breaking
space/trailing punctuation/"til skudd" differences, column order, Forms' numbered duplicates and
extra columns all map by text; a missing required question or another year's form is an
ExportError that says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from friskliv_pipeline.core.errors import ExportError
from friskliv_pipeline.forms.schema import load_form_schema, match_headers, normalize_header

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "assets" / "reference"

ENGLISH_METADATA = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time"]
NORWEGIAN_METADATA = ["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-post", "Navn",
                      "Tidspunkt for siste endring"]

FORM_2023 = load_form_schema(REFERENCE_DIR, 2023)
FORM_2024 = load_form_schema(REFERENCE_DIR, 2024)


def question_headers(form, change=lambda header: header) -> list[str]:
    return [change(q.header) for q in form.questions]


def export_headers(form, metadata=ENGLISH_METADATA, change=lambda header: header) -> list[str]:
    return list(metadata) + question_headers(form, change)


def expected_mapping(form, change=lambda header: header) -> dict[str, str]:
    return {q.id: change(q.header) for q in form.questions}


def test_schema_question_ids_run_q01_to_q38():
    assert [q.id for q in FORM_2024.questions] == [f"q{i:02d}" for i in range(1, 39)]


@pytest.mark.parametrize(
    "metadata",
    [ENGLISH_METADATA, NORWEGIAN_METADATA, ENGLISH_METADATA[:-1], NORWEGIAN_METADATA[:-1]],
    ids=["english", "norwegian", "english-without-last-modified", "norwegian-without-last-modified"],
)
def test_both_locales_metadata_headers_match(metadata):
    match = match_headers(export_headers(FORM_2024, metadata), FORM_2024, "export.xlsx")
    keys = ["response_id", "start_time", "completion_time", "email", "name", "last_modified_time"]
    assert match.metadata == dict(zip(keys, metadata))
    assert match.questions == expected_mapping(FORM_2024)
    assert match.extra == []
    assert match.fuzzy == {}


@pytest.mark.parametrize(
    "change",
    [
        str.upper,
        str.lower,
        lambda h: h.replace(" ", "\u00a0"),
        lambda h: h + " ",
        lambda h: "  " + h + "  ",
        lambda h: h + ":",
        lambda h: h.rstrip(":?."),
        lambda h: h + " ?",
        lambda h: h.replace(" ", "  "),
    ],
    ids=["upper", "lower", "non-breaking-spaces", "trailing-space", "padded", "trailing-colon",
         "trailing-punctuation-dropped", "trailing-space-question-mark", "double-spaces"],
)
def test_header_variants_match_exactly_not_fuzzily(change):
    match = match_headers(export_headers(FORM_2024, change=change), FORM_2024, "export.xlsx")
    assert match.questions == expected_mapping(FORM_2024, change)
    assert match.fuzzy == {}
    assert match.extra == []


def test_tilskudd_matches_the_forms_typo_til_skudd():
    assert "til skudd" in FORM_2024.question("q03").header
    fixed = lambda h: h.replace("til skudd", "tilskudd")  # noqa: E731
    match = match_headers(export_headers(FORM_2024, change=fixed), FORM_2024, "export.xlsx")
    assert match.questions["q03"] == fixed(FORM_2024.question("q03").header)
    assert "q03" not in match.fuzzy
    assert match.missing_optional == []


def test_normalize_header_ignores_case_spacing_and_trailing_punctuation():
    assert normalize_header("Prosjekt\u00a0Tittel :") == normalize_header("prosjekttittel")
    assert normalize_header("til skudd") == normalize_header("tilskudd")
    assert normalize_header("Prosjekttittel") != normalize_header("Prosjekttittel 2023")


@settings(max_examples=50, deadline=None)
@given(st.permutations(export_headers(FORM_2024)))
def test_column_order_does_not_matter(shuffled):
    match = match_headers(list(shuffled), FORM_2024, "export.xlsx")
    assert match.questions == expected_mapping(FORM_2024)
    assert match.metadata["completion_time"] == "Completion time"
    assert match.metadata["response_id"] == "ID"


def test_unknown_extra_column_lands_in_extra():
    headers = export_headers(FORM_2024) + ["Kommentar fra saksbehandler"]
    match = match_headers(headers, FORM_2024, "export.xlsx")
    assert match.extra == ["Kommentar fra saksbehandler"]
    assert "Kommentar fra saksbehandler" not in match.questions.values()
    assert match.questions == expected_mapping(FORM_2024)


def test_missing_required_question_names_its_id_and_the_closest_header():
    renamed = lambda h: "Prosjektnavn" if h == "Prosjekttittel" else h  # noqa: E731
    with pytest.raises(ExportError) as raised:
        match_headers(export_headers(FORM_2024, change=renamed), FORM_2024, "export.xlsx")
    error = raised.value
    assert "q13" in str(error)
    assert "closest header: 'Prosjektnavn'" in str(error)
    assert error.column == "Prosjektnavn"
    assert error.file == "export.xlsx"


def test_missing_optional_question_is_listed_not_raised():
    headers = [h for h in export_headers(FORM_2024) if h != FORM_2024.question("q38").header]
    match = match_headers(headers, FORM_2024, "export.xlsx")
    assert match.missing_optional == ["q38"]
    assert "q38" not in match.questions


def test_missing_completion_time_raises():
    headers = [h for h in export_headers(FORM_2024) if h != "Completion time"]
    with pytest.raises(ExportError, match="Completion time"):
        match_headers(headers, FORM_2024, "export.xlsx")


def test_2023_form_against_2024_schema_says_it_looks_like_the_2023_form():
    with pytest.raises(ExportError) as raised:
        match_headers(export_headers(FORM_2023), FORM_2024, "2024/export.xlsx")
    error = raised.value
    assert "looks like the 2023 form" in str(error)
    assert "q01" in str(error)  # "fylkesstruktur 2023" must never pass for 2024's q01


def test_2024_form_against_2023_schema_says_it_looks_like_the_2024_form():
    with pytest.raises(ExportError, match="looks like the 2024 form"):
        match_headers(export_headers(FORM_2024), FORM_2023, "2023/export.xlsx")


def test_forms_numbered_duplicate_header_still_maps():
    numbered = lambda h: "Prosjekttittel2" if h == "Prosjekttittel" else h  # noqa: E731
    match = match_headers(export_headers(FORM_2024, change=numbered), FORM_2024, "export.xlsx")
    assert match.questions["q13"] == "Prosjekttittel2"
    assert match.questions == expected_mapping(FORM_2024, numbered)


def test_exact_header_wins_over_its_numbered_duplicate():
    headers = export_headers(FORM_2024) + ["Prosjekttittel2"]
    match = match_headers(headers, FORM_2024, "export.xlsx")
    assert match.questions["q13"] == "Prosjekttittel"
    assert match.extra == ["Prosjekttittel2"]


def test_small_typo_matches_by_similarity_and_is_reported_as_fuzzy():
    typo = "Videre utvikling av kommunal frisklivsentral"  # one 's' dropped
    changed = lambda h: typo if h == FORM_2024.question("q26").header else h  # noqa: E731
    match = match_headers(export_headers(FORM_2024, change=changed), FORM_2024, "export.xlsx")
    assert match.questions["q26"] == typo
    assert match.fuzzy == {"q26": typo}


@pytest.mark.parametrize("metadata", [ENGLISH_METADATA, NORWEGIAN_METADATA])
def test_closest_header_hint_for_a_missing_question_is_never_a_metadata_column(metadata):
    """The grant amount (q23) column deleted: the hint used to say 'Starttidspunkt'."""
    grant = FORM_2024.question("q23").header
    headers = [h for h in export_headers(FORM_2024, metadata) if h != grant]
    with pytest.raises(ExportError) as raised:
        match_headers(headers, FORM_2024, "export.xlsx")
    assert "q23" in str(raised.value)
    assert raised.value.column not in metadata
    assert raised.value.column in question_headers(FORM_2024)


def test_closest_header_hint_prefers_a_column_no_question_took():
    grant = FORM_2024.question("q23").header
    headers = [("Tilskudd (kr)" if h == grant else h) for h in export_headers(FORM_2024, NORWEGIAN_METADATA)]
    with pytest.raises(ExportError) as raised:
        match_headers(headers, FORM_2024, "export.xlsx")
    assert raised.value.column == "Tilskudd (kr)"
