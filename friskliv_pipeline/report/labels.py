"""The Norwegian names of the marts' coded values (a metric, a scope), read from where the marts
are declared: a column's ``meta: labels_nb`` in ``dbt_like_sql/models/schema.yml``. One source for
the public tables, figure 7 and the sentence of section 4.8 that quotes it. The attainment answers'
names (and so the names of mart_attainment's count columns) are the questionnaire's."""

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


def answer_columns() -> list[tuple[str, str]]:
    """mart_attainment's count column of each attainment answer with the answer's label, in the
    form's order: ("n_ja", "Ja") … ("n_ikke_aktuelt", "Ikke aktuelt"), from the questionnaire's keys
    (forms.schema.attainment_answers) — figure 4, Tabell 2 and the tables' headers name them so."""
    from friskliv_pipeline.forms.schema import attainment_answers

    return [(f"n_{o.key}", o.label) for o in attainment_answers()]
