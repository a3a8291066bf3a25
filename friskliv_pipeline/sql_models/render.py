"""Jinja2 rendering of a model: ``{{ ref('x') }}``, ``{{ grant_year }}``, ``{{ first_grant_year_read }}``
and the ``pct`` macro.

The only macro is ``pct`` because the one rule every model shares, "percent rounded half-up to a
whole number, as the report prints it", must read the same on SQLite and PostgreSQL: ROUND and
CAST-of-a-fraction differ between them, integer arithmetic does not.
"""

from __future__ import annotations

from collections.abc import Callable

import jinja2

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


def pct(numerator: str, denominator: str) -> str:
    """SQL for round_half_up(100 * n / d) on counts n, d; NULL when d is 0.

    floor((200n + d) / 2d) = floor(100n/d + 1/2). The casts only make PostgreSQL divide as
    integers when a count arrives as NUMERIC (its SUM of a BIGINT column); counts are whole
    numbers, so the casts never round anything.
    """
    n, d = f"cast({numerator} as bigint)", f"cast({denominator} as bigint)"
    return f"case when {d} > 0 then (200 * {n} + {d}) / (2 * {d}) end"


def render(template: str, grant_year: int, ref: Callable[[str], str] = str, name: str = "model",
           earlier_grant_years: int = 0) -> str:
    """The model's SQL for one grant year; ``ref`` maps a ref name to the table it reads.
    ``first_grant_year_read`` is the first grant year the model reads (its ``earlier_grant_years``)."""
    try:
        return _ENV.from_string(template).render(grant_year=int(grant_year), ref=ref, pct=pct,
                                                 first_grant_year_read=int(grant_year) - earlier_grant_years)
    except jinja2.TemplateError as exc:
        raise ValueError(f"{name}: cannot render the SQL template: {exc}") from exc


def refs_of(template: str, name: str = "model") -> tuple[str, ...]:
    """The names the template passes to ``ref()``, in first-use order (rendering records them)."""
    seen: list[str] = []

    def record(ref_name: str) -> str:
        if ref_name not in seen:
            seen.append(ref_name)
        return ref_name

    render(template, 0, ref=record, name=name)
    return tuple(seen)
