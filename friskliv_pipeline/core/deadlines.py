"""The reporting deadlines of regelverk point 6, declared once.

The grant recipient reports to its county by 1 April of the year after the grant year (q37 asks
whether it did); the county reports to Helsedirektoratet by 1 July of that year (the form's
completion time). The deadline day itself is on time: a report is late only after the end of that
day (Europe/Oslo local time, which is what the form's export records, without a zone).

The checks date each grant year's deadlines from here (``checks/frames``, ``checks/reperform``)
and the yearly schedule (``defs/automation.py``) runs on the day after the county's deadline. No
pandas here: the code location imports this module.
"""

from __future__ import annotations

import datetime as dt

# (month, day) of the year after the grant year
MUNICIPALITY_REPORTING_DEADLINE = (4, 1)  # the grant recipient reports to the county
COUNTY_REPORTING_DEADLINE = (7, 1)  # the county reports to Helsedirektoratet


def reporting_deadline(grant_year: int, month_day: tuple[int, int]) -> dt.date:
    """The day a report on ``grant_year`` is due (regelverk 6): ``month_day`` of the year after."""
    return dt.date(grant_year + 1, *month_day)


def day_after(month_day: tuple[int, int]) -> tuple[int, int]:
    """(month, day) of the first day a report due on ``month_day`` is late (the same in every year:
    no deadline here is on 28 February)."""
    first_late = dt.date(2001, *month_day) + dt.timedelta(days=1)
    return first_late.month, first_late.day


def spelled(day: dt.date, language: str) -> str:
    """``day`` written out in ``language`` ("en": "1 July 2025", "nb": "1. juli 2025"), by babel's
    CLDR month names (bokmål through core/bokmal.py, as the report writes dates)."""
    if language == "nb":
        from friskliv_pipeline.core.bokmal import long_date

        return long_date(day)
    from babel.dates import format_date

    return format_date(day, "d MMMM y", locale="en")
