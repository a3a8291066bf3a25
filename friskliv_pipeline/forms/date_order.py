"""Day/month order of an export's date-time text, decided by the file's own values.

A workbook holds real date-time cells (read as ISO text, no order to decide). A CSV holds text
written in the regional settings of the PC that saved it, whatever the language of the headers:
an English-header CSV re-saved on a Norwegian PC says ``03.04.2024`` for 3 April. So the order is
read from the values: a first field above 12 can only be a day, a second field above 12 only a
day in month-first order. A file where no value decides is ``undecided``; the cleaning then
refuses it only when the order would change which resubmission of a project counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from friskliv_pipeline.core.errors import ExportError

DAY_FIRST, MONTH_FIRST, UNDECIDED = "day_first", "month_first", "undecided"
_DATE = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-]\d{2,4}(?!\d)")


def decide_date_order(values: Iterable[tuple[int, str, str | None]], file: str) -> str | None:
    """``day_first`` or ``month_first`` when some value decides, ``undecided`` when none does,
    None when no value is a d/m/y date (ISO text from a workbook). ``values``: (sheet row,
    column header, cell text). Values that decide both ways are an ExportError."""
    evidence: dict[str, tuple[int, str, str]] = {}
    seen = False
    for row, column, text in values:
        found = _DATE.match(text or "")
        if not found:
            continue
        seen = True
        first, second = int(found[1]), int(found[2])
        if first > 12 >= second:
            evidence.setdefault(DAY_FIRST, (row, column, text))
        elif second > 12 >= first:
            evidence.setdefault(MONTH_FIRST, (row, column, text))
    if len(evidence) == 2:
        (r1, c1, t1), (r2, c2, t2) = evidence[DAY_FIRST], evidence[MONTH_FIRST]
        raise ExportError(
            f"The dates mix day-first and month-first order: {t1.strip()!r} (row {r1}, column {c1!r}) "
            f"is day-first, {t2.strip()!r} (row {r2}, column {c2!r}) is month-first",
            file=file, row=r2, column=c2,
            hint="export the responses again from Forms as .xlsx, or correct the dates so that they follow one order",
        )
    if evidence:
        return next(iter(evidence))
    return UNDECIDED if seen else None


def assumed_order(date_order: str | None, export_locale: str | None) -> bool:
    """dayfirst for pandas: the decided order, or for an undecided file the header language's."""
    if date_order in (DAY_FIRST, MONTH_FIRST):
        return date_order == DAY_FIRST
    return export_locale != "en"


def to_datetime(value, dayfirst: bool):
    """A naive datetime from ISO text (a workbook's date-time cells) or d/m/y text in the given
    order; None when empty or not a date-time."""
    import pandas as pd

    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    iso = text[:4].isdigit()
    parsed = pd.to_datetime(text, errors="coerce", dayfirst=not iso and dayfirst, format="ISO8601" if iso else None)
    return None if pd.isna(parsed) else parsed.to_pydatetime().replace(tzinfo=None)
