"""The report's Norwegian (issue 12, point 6): lists "a, b og c", kroner "874 037 kr", option labels
lower-case inside sentences (names kept), a blank cell blank (never "nan" or "None")."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from friskliv_pipeline.report.language import (
    NBSP, blank, count_word, date, in_sentence, join, kroner, month_period, number, numbers_together,
)


def test_lists_are_joined_the_norwegian_way():
    assert join([]) == "" and join(["Agder"]) == "Agder"
    assert join(["Rogaland", "Østfold"]) == "Rogaland og Østfold"
    assert join(["a", "b", "c"]) == "a, b og c"
    assert join(["a", None, float("nan"), "b"]) == "a og b"


def test_kroner_and_numbers():
    assert kroner(874037) == "874\u00a0037\u00a0kr"
    assert number(22_500_000) == "22\u00a0500\u00a0000" and number(7) == "7"
    assert number(None) == number(float("nan")) == number(pd.NA) == "–"


@pytest.mark.parametrize("value", [None, float("nan"), math.nan, pd.NA, pd.NaT, "", "   "])
def test_a_blank_cell_is_blank(value):
    assert blank(value) == ""


def test_labels_inside_sentences():
    assert in_sentence("Fremme helse og livskvalitet") == "fremme helse og livskvalitet"
    assert in_sentence("Helsedirektoratets kurslederkurs regionalt") == "Helsedirektoratets kurslederkurs regionalt"
    assert in_sentence("KOSTRA-tall") == "KOSTRA-tall"


def test_counts_dates_and_periods():
    assert count_word(0, capital=True) == "Ingen" and count_word(3) == "tre" and count_word(14) == "14"
    assert date(dt.date(2025, 4, 8)) == "8. april 2025"
    assert month_period(dt.datetime(2025, 4, 8), dt.datetime(2025, 7, 1)) == "april–juli 2025"
    assert month_period(dt.datetime(2024, 12, 1), dt.datetime(2025, 2, 1)) == "desember 2024–februar 2025"
    assert month_period(dt.datetime(2025, 5, 1), dt.datetime(2025, 5, 30)) == "mai 2025"


def test_a_quoted_amount_keeps_its_digit_groups_on_one_line():
    """Only the space between digit groups becomes a no-break space: the answer reads as written."""
    assert numbers_together("samling: 92 400") == f"samling: 92{NBSP}400"
    assert numbers_together("1 234 567 kr og 12 000") == f"1{NBSP}234{NBSP}567 kr og 12{NBSP}000"
    for unchanged in ("kr 30.000,-", "61850", "uke 12 1234", "Bra mat 2 ganger"):
        assert numbers_together(unchanged) == unchanged
    assert numbers_together(None) == ""
