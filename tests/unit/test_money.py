"""Pins the money rules: Norwegian-written amounts parse to whole kroner (øre rounded half up),
approximations/ranges/words/bad grouping are refused with a problem and no value, blank is a
skipped question (no problem), and q11 free text yields its one amount or a problem."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from friskliv_pipeline.cleaning.money import parse_nok, split_description_and_amount

NBSP = "\u00a0"
NARROW_NBSP = "\u202f"
THIN_SPACE = "\u2009"


def _grouped(n: int, separator: str) -> str:
    return f"{n:,}".replace(",", separator)


# --- parse_nok: accepted forms ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("150 000", 150_000),
        ("kr 200.000,-", 200_000),
        ("95 000 kr", 95_000),
        ("75000", 75_000),
        ("1 250 000,50", 1_250_001),  # øre: half rounds up
        ("1 250 000,49", 1_250_000),  # below half rounds down
        ("NOK 1,250,000", 1_250_000),  # English thousands separators
        ("kr. 150 000", 150_000),
        ("150 000 kroner", 150_000),
        ("1.250.000 kr", 1_250_000),
        ("0", 0),
    ],
)
def test_parse_nok_accepts_norwegian_amounts(text, expected):
    money = parse_nok(text)
    assert money.nok == expected
    assert money.problem is None


@pytest.mark.parametrize("space", [NBSP, NARROW_NBSP, THIN_SPACE])
def test_parse_nok_accepts_non_breaking_and_thin_space_grouping(space):
    money = parse_nok(f"1{space}250{space}000")
    assert money.nok == 1_250_000
    assert money.problem is None


def test_parse_nok_result_is_a_plain_int():
    assert type(parse_nok("1 250 000,50").nok) is int


# --- parse_nok: refusals -------------------------------------------------------------------

@pytest.mark.parametrize(
    "text",
    [
        "ca. 50 000",  # approximation
        "1,5 mill",  # words
        "50-60 000",  # range
        "150 00",  # a space that does not group thousands
        "1 50",
        "femti tusen kroner",  # free words
        "se vedlegg",
        "kr",
    ],
)
def test_parse_nok_refuses_with_problem_and_no_value(text):
    money = parse_nok(text)
    assert money.nok is None
    assert money.problem
    assert text.strip() in money.problem  # the problem quotes what was written


@pytest.mark.parametrize("blank", [None, "", "   ", f" {NBSP} ", "\t\n"])
def test_parse_nok_blank_is_a_skipped_question_without_problem(blank):
    money = parse_nok(blank)
    assert money.nok is None
    assert money.problem is None


def test_parse_nok_never_raises_on_a_very_long_digit_string():
    money = parse_nok("1" * 29)
    assert (money.nok is None) == (money.problem is not None)


# --- parse_nok: properties -----------------------------------------------------------------

FORMATS = [
    lambda n: _grouped(n, " "),
    lambda n: _grouped(n, NBSP),
    lambda n: _grouped(n, ".") + ",-",
    lambda n: "kr " + _grouped(n, " "),
    lambda n: _grouped(n, " ") + " kr",
    lambda n: "kr " + _grouped(n, ".") + ",-",
    lambda n: _grouped(n, ".") + ",- kr",
    lambda n: "NOK " + _grouped(n, ","),
    lambda n: str(n),
]


@given(n=st.integers(min_value=0, max_value=10**9), fmt=st.sampled_from(FORMATS))
def test_norwegian_formatted_amount_parses_back(n, fmt):
    text = fmt(n)
    money = parse_nok(text)
    assert money == type(money)(n), text


@given(text=st.text())
def test_parse_nok_never_raises_and_gives_value_xor_problem(text):
    money = parse_nok(text)
    if not text.strip():
        assert money.nok is None and money.problem is None
    else:
        assert isinstance(money.nok, int) or money.problem, repr(text)
        assert (money.nok is None) == (money.problem is not None), repr(text)


@given(text=st.text(alphabet=st.sampled_from(list("0123456789 .,-kKrRnNoO") + [NBSP]), max_size=40))
def test_parse_nok_on_money_like_text_gives_value_xor_problem(text):
    money = parse_nok(text)
    if text.strip():
        assert (money.nok is None) == (money.problem is not None), repr(text)


# --- split_description_and_amount (q11) -----------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fagdag om motivasjon, 45 000 kr", 45_000),
        ("Kurs i helsepedagogikk kr 12.500,-", 12_500),
        ("Nettverkssamling for frisklivsansatte: 80000", 80_000),
    ],
)
def test_q11_one_amount_is_kept_with_the_whole_text(text, expected):
    result = split_description_and_amount(text)
    assert result.nok == expected
    assert result.description == text
    assert result.problem is None


def test_q11_two_amounts_give_no_amount_and_a_problem():
    text = "Fagdag 20 000 og kurs 30 000"
    result = split_description_and_amount(text)
    assert result.nok is None
    assert result.problem and "2 amounts" in result.problem
    assert result.description == text  # the text is kept for a person to read


def test_q11_no_amount_gives_no_amount_and_a_problem():
    text = "Fagdag for ansatte i kommunene"
    result = split_description_and_amount(text)
    assert result.nok is None
    assert result.problem
    assert result.description == text


@pytest.mark.parametrize(("text", "expected"), [("50 000", 50_000), ("kr 12.500,-", 12_500), ("0", 0)])
def test_q11_text_that_is_just_one_amount_is_that_amount(text, expected):
    result = split_description_and_amount(text)
    assert result.nok == expected
    assert result.problem is None


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_q11_blank_is_skipped_without_problem(blank):
    result = split_description_and_amount(blank)
    assert (result.description, result.nok, result.problem) == (None, None, None)


def test_q11_dash_means_nothing_and_records_no_problem():
    result = split_description_and_amount("-")
    assert result.nok is None
    assert result.problem is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fagdag høsten 2024", None),  # no amount given: must not silently become 2024 kr
        ("Kurs i 2024: 45 000 kr", 45_000),  # one amount; the year is not an amount
    ],
)
def test_q11_a_year_is_not_an_amount(text, expected):
    result = split_description_and_amount(text)
    assert result.nok == expected
