"""The marts' Norwegian names, read from where the marts are declared (``dbt_like_sql/models/<mart>.yml``):
a column's header (``meta: header_nb``), its coded values' names (``meta: labels_nb``: a metric, a
scope) and a mart's sheet in tables.xlsx (``meta: sheet_nb``, ``sheet_order``). One source for the
public tables, figure 7 and the sentence of section 4.8 that quotes it. The attainment answers'
names (and so the headers of mart_attainment's count columns) are the questionnaire's."""

from __future__ import annotations

import re
from functools import cache

UNIT = re.compile(r"\s*\([^()]*\)$")  # a label's unit at its end: "Interkommunale prosjekter (%)"


@cache
def value_labels(model: str, column: str) -> dict[str, str]:
    """The coded value → Norwegian name of a mart column, as its YAML declares them ({} if none)."""
    from friskliv_pipeline.sql_models.project import loaded_project

    declared = next(c for c in loaded_project().models[model].columns if c.name == column)
    return {str(k): str(v) for k, v in (declared.meta.get("labels_nb") or {}).items()}


def metric_label(metric: str, unit: bool = False) -> str:
    """A metric of mart_national_summary by its Norwegian name; with ``unit``, as the tables print it
    ("Interkommunale prosjekter (%)"), without as a figure's row or a sentence names it."""
    label = value_labels("mart_national_summary", "metric")[metric]
    return label if unit else UNIT.sub("", label)


@cache
def column_headers() -> dict[str, str]:
    """Every mart column's Norwegian header (``meta: header_nb``; an attainment answer's count column:
    the answer's label in the questionnaire), by column name: a name means the same
    in every mart (tests/test_marts_assets.py requires one header per name, and one for every column)."""
    from friskliv_pipeline.sql_models.project import loaded_project

    declared = {c.name: str(c.meta["header_nb"]) for m in loaded_project().models.values() for c in m.columns
                if "header_nb" in c.meta}
    return {**declared, **dict(answer_columns())}


@cache
def mart_sheets() -> dict[str, str]:
    """Mart → its sheet in tables.xlsx (``meta: sheet_nb``), in the report's order (``sheet_order``)."""
    from friskliv_pipeline.sql_models.project import loaded_project

    models = sorted(loaded_project().models.values(), key=lambda m: m.meta.get("sheet_order", 0))
    return {m.name: str(m.meta["sheet_nb"]) for m in models if "sheet_nb" in m.meta}


def answer_columns() -> list[tuple[str, str]]:
    """mart_attainment's count column of each attainment answer with the answer's label, in the
    form's order: ("n_ja", "Ja") … ("n_ikke_aktuelt", "Ikke aktuelt"), from the questionnaire's keys
    (forms.schema.attainment_answers) — figure 4, Tabell 2 and the tables' headers name them so."""
    from friskliv_pipeline.forms.schema import attainment_answers

    return [(f"n_{o.key}", o.label) for o in attainment_answers()]
