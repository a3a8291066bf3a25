"""Norwegian report language in one place: lists joined "a, b og c", kroner as "874 037 kr",
dates as "23. november 2026", a blank cell as blank (never "nan" or "None"). How a number is
grouped and what the months are called is babel's (core/bokmal.py).

Jinja filters of the report are these functions, so every number and list in the document is
written the same way."""

from __future__ import annotations

import datetime as dt
import math
import re

from friskliv_pipeline.core.bokmal import NBSP, grouped, listing, long_date, month_name

# Names that keep their capital inside a sentence.
PROPER_NOUNS = ("Helsedirektorat", "Statsforvalter", "Frisklivssentralen i", "Sov godt", "Bra mat")
# Counts at the start of a sentence read better as words ("Tre fylkeskommuner har …").
WORDS = ("ingen", "én", "to", "tre", "fire", "fem", "seks", "sju", "åtte", "ni", "ti", "elleve", "tolv")


def is_blank(value) -> bool:
    """None, NaN, pandas' NA/NaT and whitespace-only text are all 'no value'."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError, ImportError):
        return False


def blank(value) -> str:
    """The value as text, or '' for a missing one."""
    return "" if is_blank(value) else str(value)


def number(value) -> str:
    """A whole number with Norwegian thousands grouping ("874 037"); missing is a dash."""
    if is_blank(value):
        return "–"
    return grouped(value)


def kroner(value) -> str:
    """ "874 037 kr"; missing is a dash."""
    return "–" if is_blank(value) else f"{number(value)}{NBSP}kr"


def join(items, last: str = "og") -> str:
    """Norwegian list: "a", "a og b", "a, b og c" (no comma before "og"; blanks left out)."""
    return listing([i for i in items if not is_blank(i)], last)


def in_sentence(label: str) -> str:
    """An option label inside a sentence: first letter lower-case unless the label starts with a
    name or abbreviation (two capitals, e.g. "KOSTRA", or one of PROPER_NOUNS)."""
    label = blank(label).strip()
    if (len(label) > 1 and label[1].isupper()) or label.startswith(PROPER_NOUNS):
        return label
    return label[:1].lower() + label[1:]


def count_word(n, capital: bool = False) -> str:
    """0..12 as a word ("ingen", "tre"), larger numbers as digits; capitalised to open a sentence."""
    if is_blank(n):
        return "–"
    n = int(n)
    word = WORDS[n] if 0 <= n < len(WORDS) else number(n)
    return word[:1].upper() + word[1:] if capital else word


def date(value) -> str:
    """ "23. november 2026" from a date, datetime or ISO text."""
    if is_blank(value):
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return long_date(value)


def month_period(first, last) -> str:
    """ "april–juli 2025", "desember 2024–februar 2025", "mai 2025"."""
    if is_blank(first) or is_blank(last):
        return ""
    a, b = month_name(first.month), month_name(last.month)
    if (first.year, first.month) == (last.year, last.month):
        return f"{a} {first.year}"
    if first.year == last.year:
        return f"{a}–{b} {last.year}"
    return f"{a} {first.year}–{b} {last.year}"


def typography(text) -> str:
    """A title as the Directorate prints it: a spaced hyphen between words is an en dash
    ("i 2025 - tilskuddsåret 2024" → "i 2025 – tilskuddsåret 2024")."""
    return blank(text).replace(" - ", " – ")


def answers(n) -> str:
    """ "1 svar", "7 svar": how a count of free-text answers is written."""
    return f"{number(n)}{NBSP}svar"


def numbers_together(text) -> str:
    """An answer as written, but a number's digit groups kept on one line ("92 400", "47 000"):
    the space between groups becomes a no-break space, nothing else changes."""
    return re.sub(r"(?<=\d) (?=\d{3}(?!\d))", NBSP, blank(text))


RANGE = re.compile(r"\d+\u2013\d+")  # "2024–2027", "2022–2023": a range of years or numbers
TAG = re.compile(r"(<[^>]*>)")


def ranges_together(html) -> "Markup":
    """A range such as "(2024–2027)" never split after its en dash (a line may break after an en dash):
    each is wrapped in <span class="range"> (white-space: nowrap in the layout's CSS), in the text
    between tags only. Plain text is escaped first; copied text stays exactly as written."""
    from markupsafe import Markup, escape

    parts = TAG.split(str(escape(html)))
    return Markup("".join(part if part.startswith("<") else
                          RANGE.sub(lambda m: f'<span class="range">{m.group(0)}</span>', part) for part in parts))


def breakable(identifier) -> "Markup":
    """A rule id such as regelverk6.revisor_attestation may wrap after '.' and '_' in a narrow
    column (<wbr>: a break opportunity, not a character, so a copied id stays exact; the PDF prints
    it as U+200B, which is what WeasyPrint makes of <wbr> anyway: report/pdf.py)."""
    from markupsafe import Markup, escape

    return Markup(str(escape(blank(identifier))).replace(".", ".<wbr>").replace("_", "_<wbr>"))


FILTERS = {"nok": number, "number": number, "kr": kroner, "join_no": join, "in_sentence": in_sentence,
           "blank": blank, "count_word": count_word, "date_no": date,
           "breakable": breakable, "typography": typography, "answers": answers,
           "numbers_together": numbers_together, "ranges_together": ranges_together}
