"""The marts' Norwegian names, read from where the marts are declared (``dbt_like_sql/models/<mart>.yml``):
a column's header (``meta: header_nb``), its coded values' names (``meta: labels_nb``: a metric, a
scope) and a mart's sheet in tables.xlsx (``meta: sheet_nb``, ``sheet_order``). One source for the
public tables, figure 7 and the sentence of section 4.8 that quotes it."""

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
    """Every mart column's Norwegian header (``meta: header_nb``), by column name: a name means the same
    in every mart (tests/test_marts_assets.py requires one header per name, and one for every column)."""
    from friskliv_pipeline.sql_models.project import loaded_project

    return {c.name: str(c.meta["header_nb"]) for m in loaded_project().models.values() for c in m.columns
            if "header_nb" in c.meta}


@cache
def mart_sheets() -> dict[str, str]:
    """Mart → its sheet in tables.xlsx (``meta: sheet_nb``), in the report's order (``sheet_order``)."""
    from friskliv_pipeline.sql_models.project import loaded_project

    models = sorted(loaded_project().models.values(), key=lambda m: m.meta.get("sheet_order", 0))
    return {m.name: str(m.meta["sheet_nb"]) for m in models if "sheet_nb" in m.meta}
