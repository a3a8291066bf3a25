"""Jinja2 rendering of a model: ``{{ ref('x') }}``, ``{{ grant_year }}``, ``{{ first_grant_year_read }}``
and the macros of ``dbt_like_sql/macros`` (as dbt loads its ``macros/``).

The macros are SQL, declared once in their ``.sql`` files: ``pct`` (percent rounded half-up, as
the report prints it, the same on SQLite and PostgreSQL) and the generic data tests
(``test_<kind>``) the models' YAML names under ``data_tests:``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import jinja2

from friskliv_pipeline.core.project_files import SQL_PROJECT_DIR

MACROS_DIR = SQL_PROJECT_DIR / "macros"
_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)


@cache
def macros() -> dict[str, jinja2.runtime.Macro]:
    """Every macro of ``dbt_like_sql/macros/*.sql`` by name (a name declared twice stops loading)."""
    found: dict[str, jinja2.runtime.Macro] = {}
    for path in sorted(MACROS_DIR.glob("*.sql")):
        module = _ENV.from_string(path.read_text(encoding="utf-8")).module
        for name in dir(module):
            macro = getattr(module, name)
            if isinstance(macro, jinja2.runtime.Macro):
                if name in found:
                    raise ValueError(f"{path}: macro {name!r} is declared twice in {MACROS_DIR}")
                found[name] = macro
    return found


def render(template: str, grant_year: int, ref: Callable[[str], str] = str, name: str = "model",
           earlier_grant_years: int = 0) -> str:
    """The model's SQL for one grant year; ``ref`` maps a ref name to the table it reads.
    ``first_grant_year_read`` is the first grant year the model reads (its ``earlier_grant_years``)."""
    try:
        return _ENV.from_string(template).render(grant_year=int(grant_year), ref=ref, **macros(),
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
