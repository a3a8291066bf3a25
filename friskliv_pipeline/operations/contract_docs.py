"""docs/data_contract.md, generated from the data contract and the SQL models' YAML.

Kept apart from ``contract.py`` because it reads both: the SQL model project depends on the
contract (a ref names a contract table), so the contract itself must not depend on the project.
"""

from __future__ import annotations

from friskliv_pipeline.core.contract import TABLES
from friskliv_pipeline.sql_models.project import load_project
from friskliv_pipeline.core.markdown import table


def markdown() -> str:
    """docs/data_contract.md."""
    lines = ["# Data contract", "",
             "Generated from `friskliv_pipeline/core/contract.py` by `friskliv docs`; do not edit by hand.",
             "Every table carries `grant_year`; partitioned tables are replaced one grant year at a time.",
             "Question ids q01..q38 are the questions of the Forms questionnaire (Vedlegg 2 of the 2024 report);",
             "their wording per year is in `assets/reference/forms/form_<year>.json`.", ""]
    for layer in ("reference", "raw", "clean", "audit"):
        for t in (t for t in TABLES.values() if t.layer == layer):
            lines += [f"## `{t.name}` ({layer})", "", t.description, ""]
            lines += table(("column", "type", "meaning", "source"),
                           ((f"`{c.name}`", c.type, c.description, c.source) for c in t.columns))
            lines.append("")
    return "\n".join(lines + _mart_sections())


def _mart_sections() -> list[str]:
    """The marts, from dbt_like_sql/models/<mart>.yml (their own contract), in dependency order, with
    the data tests their rows must pass before they are published."""
    project = load_project()
    lines = ["## Marts (dbt_like_sql/models)", "",
             "Built by the SQL models from the tables above; each model's YAML beside its SQL "
             "(`dbt_like_sql/models/<mart>.yml`) is their source. A grant year's marts are published only when "
             "every data test passes (blocking checks of `sql_marts`).", ""]
    for model in project.models.values():
        lineage = project.column_lineage(model)
        lines += [f"### `{model.name}` (marts)", "", " ".join(model.description.split()), ""]
        if whole := [t for t in model.data_tests if t.column is None]:
            lines += ["Data tests: " + "; ".join(_test_text(t) for t in whole) + ".", ""]
        lines += table(("column", "type", "meaning", "computed from", "data tests"),
                       ((f"`{c.name}`", c.data_type, c.description,
                         ", ".join(f"{t}.{col}" for t, col in lineage.get(c.name, [])),
                         ", ".join(_test_text(t) for t in model.data_tests if t.column == c.name))
                        for c in model.columns))
        lines.append("")
    return lines


def _test_text(test) -> str:
    """A data test as the table shows it: its kind and arguments (``accepted_range`` 0..100)."""
    arguments = ", ".join(f"{k}: {v}" for k, v in test.arguments.items())
    where = f" where {test.where}" if test.where else ""
    return f"{test.kind} ({arguments}){where}" if arguments else f"{test.kind}{where}"
