"""Numbers and month names in bokmål, from babel (CLDR's nb_NO): the one place that knows how a
Norwegian number is grouped and what the months are called. The report's words
(report/language.py), the figures' axes, the auditor's workbook and the export reader's messages
all format through it."""

from __future__ import annotations

import datetime as dt
from functools import cache

LOCALE = "nb_NO"
NBSP = "\u00a0"  # CLDR's nb group separator: "874 037" is never split at a line end


def grouped(value: int, space: str = NBSP) -> str:
    """A whole number with bokmål thousands grouping ("874 037", "-1 234"); ``space`` replaces the
    no-break space where a plain one is wanted (a workbook cell, an operator's message)."""
    from babel.numbers import format_decimal

    text = format_decimal(int(value), locale=LOCALE)
    return text if space == NBSP else text.replace(NBSP, space)


@cache
def months() -> tuple[str, ...]:
    """ "januar" … "desember": the months as a date names them."""
    from babel.dates import get_month_names

    names = get_month_names("wide", locale=LOCALE)
    return tuple(names[m] for m in range(1, 13))


def month_name(month: int) -> str:
    return months()[month - 1]


def listing(items, last: str = "og") -> str:
    """A bokmål list: "a", "a og b", "a, b og c" (CLDR's pattern: no comma before the last word);
    ``last="eller"`` joins with "eller"."""
    from babel.lists import format_list

    items = [str(i) for i in items]
    if not items:
        return ""
    return format_list(items, style="or" if last == "eller" else "standard", locale=LOCALE)


def long_date(value: dt.date) -> str:
    """ "23. november 2026"."""
    from babel.dates import format_date

    return format_date(value, "d. MMMM y", locale=LOCALE)
