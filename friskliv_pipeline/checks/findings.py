"""A GX validation → one result per rule and one finding per offending record.

GX decides which rows break an expectation (``unexpected_index_list``); this module only looks
those rows up in the record frame and words the finding with the expectation's message
template. Amounts (columns named ``*_nok``) are written with spaces between thousands.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from friskliv_pipeline.checks.frames import CONTEXT_COLUMNS
from friskliv_pipeline.checks.gx_runner import ExpectationOutcome, Validation
from friskliv_pipeline.checks.suites import Expectation, Rule, Suite

FINDING_COLUMNS = ["grant_year", "asset", "rule", "severity", *CONTEXT_COLUMNS, "message"]
_SHOWN_VALUES = 5


@dataclass
class RuleResult:
    rule: Rule
    passed: bool
    observed: str
    expected: str
    unexpected_count: int
    findings: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value)))


def amount(value) -> str:
    return f"{int(value):,}".replace(",", " ")


def show(key: str, value) -> str:
    if _missing(value):
        return "(empty)"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if key.endswith("_nok") and isinstance(value, (int,)) and not isinstance(value, bool):
        return amount(value)
    if hasattr(value, "item") and not isinstance(value, (list, tuple)):  # numpy scalars
        return show(key, value.item())
    return str(value)


class _Values(dict):
    def __missing__(self, key):
        return f"{{{key}}}"


def render(template: str, values: dict) -> str:
    return template.format_map(_Values({k: show(k, v) for k, v in values.items()}))


def _resolve(kwargs: dict, parameters: dict) -> dict:
    return {k: parameters.get(v["$PARAMETER"]) if isinstance(v, dict) and "$PARAMETER" in v else v
            for k, v in kwargs.items()}


def expected_text(e: Expectation, parameters: dict) -> str:
    """What the expectation asks for, in a line an auditor can read."""
    k = _resolve(e.kwargs, parameters)
    col, a, b = k.get("column"), k.get("column_A"), k.get("column_B")

    def num(name, v):
        return show(name or "", v)

    if e.type == "expect_column_values_to_not_be_null":
        text = f"{col} present"
    elif e.type == "expect_column_values_to_be_null":
        text = f"{col} empty"
    elif e.type == "expect_column_values_to_be_in_set":
        values = list(k.get("value_set") or [])
        shown = ", ".join(repr(v) for v in values[:16]) + (", …" if len(values) > 16 else "")
        text = f"{col} in {{{shown}}}"
    elif e.type == "expect_column_values_to_be_between":
        lo, hi = k.get("min_value"), k.get("max_value")
        parts = []
        if lo is not None:
            parts.append(f"{num(col, lo)} {'<' if k.get('strict_min') else '≤'} ")
        parts.append(col)
        if hi is not None:
            parts.append(f" {'<' if k.get('strict_max') else '≤'} {num(col, hi)}")
        text = "".join(parts)
    elif e.type == "expect_column_values_to_be_unique":
        text = f"{col} unique"
    elif e.type == "expect_compound_columns_to_be_unique":
        text = f"({', '.join(k.get('column_list') or [])}) unique"
    elif e.type == "expect_table_row_count_to_equal":
        text = f"row count = {k.get('value')}"
    elif e.type == "expect_column_sum_to_be_between":
        lo, hi = k.get("min_value"), k.get("max_value")
        text = f"sum of {col} = {num(col, lo)}" if lo == hi else f"{num(col, lo)} ≤ sum of {col} ≤ {num(col, hi)}"
    elif e.type == "expect_column_pair_values_to_be_equal":
        text = f"{a} = {b}"
    elif e.type == "expect_column_pair_values_a_to_be_greater_than_b":
        text = f"{a} {'≥' if k.get('or_equal') else '>'} {b}"
    else:
        text = f"{e.type} {k}"
    condition = k.get("row_condition")
    if isinstance(condition, dict) and condition.get("type") == "comparison":
        value = {True: "true", False: "false"}.get(condition.get("parameter"), condition.get("parameter"))
        text += f" where {condition['column']['name']} {condition['operator']} {value}"
    elif condition:
        text += f" where {condition}"
    return text


def _observed_text(e: Expectation, o: ExpectationOutcome) -> str:
    if o.exception:
        return f"could not run: {o.exception}"
    if e.is_table_level or o.element_count is None:
        return show(e.column or "", o.observed_value) if e.column else show("", o.observed_value)
    if not o.unexpected_count:
        return f"0 of {o.element_count} rows"
    values = []
    for v in o.partial_unexpected_list:
        text = show(e.column or "", v) if not isinstance(v, (list, tuple)) else \
            " vs ".join(show(e.kwargs.get("column_A", ""), x) for x in v)
        if text not in values:
            values.append(text)
    listed = ", ".join(values[:_SHOWN_VALUES]) + (", …" if len(values) > _SHOWN_VALUES else "")
    return f"{o.unexpected_count} of {o.element_count} rows: {listed}"


def _rows_values(frame: pd.DataFrame, indexes, e: Expectation) -> list[dict]:
    """The record of each offending row (one ``frame.loc`` for all of them), with its ``value``."""
    rows = frame.loc[list(indexes)].to_dict("records")
    for row in rows:
        if e.column:
            row["value"] = show(e.column, row.get(e.column))
        elif "column_A" in e.kwargs:
            row["value"] = f"{row.get(e.kwargs['column_A'])} vs {row.get(e.kwargs['column_B'])}"
    return rows


def _finding(suite: Suite, rule: Rule, grant_year: int, context: dict, message: str) -> dict:
    finding = {"grant_year": grant_year, "asset": suite.name, "rule": rule.id, "severity": rule.severity,
               "message": message}
    for column in CONTEXT_COLUMNS:
        value = context.get(column)
        finding[column] = None if _missing(value) else str(value)
    return finding


def rule_results(suite: Suite, frame: pd.DataFrame, parameters: dict, validation: Validation,
                 grant_year: int) -> list[RuleResult]:
    by_index = {o.index: o for o in validation.outcomes}
    results = []
    position = {id(e): i for i, e in enumerate(suite.expectations)}
    for rule in suite.rules:
        findings, errors, observed, expected, unexpected = [], [], [], [], 0
        passed = True
        for e in rule.expectations:
            o = by_index.get(position[id(e)])
            if o is None:
                o = ExpectationOutcome(position[id(e)], False, exception="GX returned no result")
            expected.append(expected_text(e, parameters))
            observed.append(_observed_text(e, o))
            if o.success:
                continue
            passed = False
            if o.exception:
                errors.append(o.exception)
                findings.append(_finding(suite, rule, grant_year, {}, f"the check could not run: {o.exception}"))
                unexpected += 1
            elif e.is_table_level or not o.unexpected_index_list:
                values = {**parameters, "grant_year": grant_year, "observed": o.observed_value,
                          "observed_nok": o.observed_value}
                findings.append(_finding(suite, rule, grant_year, {}, render(e.meta["message"], values)))
                unexpected += o.unexpected_count or 1
            else:
                for row in _rows_values(frame, o.unexpected_index_list, e):
                    values = {**parameters, **row}
                    findings.append(_finding(suite, rule, grant_year, values, render(e.meta["message"], values)))
                unexpected += o.unexpected_count or len(o.unexpected_index_list)
        results.append(RuleResult(rule, passed, "; ".join(observed), "; ".join(expected), unexpected, findings, errors))
    return results


def findings_frame(results: list[RuleResult]) -> pd.DataFrame:
    return pd.DataFrame([f for r in results for f in r.findings], columns=FINDING_COLUMNS)
