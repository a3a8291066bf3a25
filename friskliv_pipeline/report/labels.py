"""The Norwegian names of the marts' coded values (a metric, a scope), read from where the marts
are declared: a column's ``meta: labels_nb`` in ``dbt_like_sql/models/schema.yml``. One source for
the public tables, figure 7 and the sentence of section 4.8 that quotes it."""

from __future__ import annotations

import re
from functools import cache

UNIT = re.compile(r"\s*\([^()]*\)$")  # a label's unit at its end: "Interkommunale prosjekter (%)"


@cache
def value_labels(model: str, column: str) -> dict[str, str]:
    """The coded value → Norwegian name of a mart column, as schema.yml declares them ({} if none)."""
    from friskliv_pipeline.sql_models.project import load_project

    declared = next(c for c in load_project().models[model].columns if c.name == column)
    return {str(k): str(v) for k, v in (declared.meta.get("labels_nb") or {}).items()}


def metric_label(metric: str, unit: bool = False) -> str:
    """A metric of mart_national_summary by its Norwegian name; with ``unit``, as the tables print it
    ("Interkommunale prosjekter (%)"), without as a figure's row or a sentence names it."""
    label = value_labels("mart_national_summary", "metric")[metric]
    return label if unit else UNIT.sub("", label)
