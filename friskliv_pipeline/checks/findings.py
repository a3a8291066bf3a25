"""A GX validation → one result per rule and one record per row the rule lists.

GX decides which rows an expectation lists and hands back, per row, the record's identifying
and message columns (``unexpected_index_column_names``, see ``index_columns``); this module only
words each record with the expectation's message templates (English and bokmål). Amounts
(columns named ``*_nok``) are written with spaces between thousands.

A rule's result has one of three statuses: ``passed``, ``failed`` (a breach: its records are
findings) or ``not_evaluated`` (its inputs are not official or not there, with the reason).
A follow-up or data-note rule (GX severity ``info``) never fails: the rows it lists are its
records, kept apart from the findings by their ``kind``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

import pandas as pd

from friskliv_pipeline.checks.frames.common import CONTEXT_COLUMNS, question_for
from friskliv_pipeline.checks.gx_runner import ExpectationOutcome, Validation
from friskliv_pipeline.checks.suites import Expectation, Rule, Suite
from friskliv_pipeline.core.bokmal import grouped
from friskliv_pipeline.forms.schema import county_level_questions

FINDING_COLUMNS = ["grant_year", "asset", "rule", "kind", "severity", *CONTEXT_COLUMNS, "question_id", "value",
                   "message", "message_nb"]
_SHOWN_VALUES = 5
STATUSES = ("passed", "failed", "not_evaluated")


@dataclass
class RuleResult:
    rule: Rule
    status: str  # passed, failed or not_evaluated
    observed: str
    expected: str
    unexpected_count: int
    frame: pd.DataFrame | None = None  # breaches, or the follow-up / data-note records: FINDING_COLUMNS
    errors: list[str] = field(default_factory=list)
    reason: str | None = None  # why the rule was not evaluated
    reason_nb: str | None = None  # the same in bokmål, for the report
    population: int | None = None  # records the rule judged; None when not evaluated

    @property
    def findings(self) -> list[dict]:
        """The records as dicts (for the console and tests; the audit writes ``frame``)."""
        return self.head(None)

    def head(self, n: int | None) -> list[dict]:
        """The first ``n`` records as dicts (all with None): what a sample needs, without a dict for
        every record (113 000 for q14.possible_duplicate on the benchmark's 1000× copies)."""
        if self.frame is None:
            return []
        rows = self.frame if n is None else self.frame.head(n)
        return rows.astype(object).where(rows.notna(), None).to_dict("records")

    @property
    def n_findings(self) -> int:
        return 0 if self.frame is None else len(self.frame)

    @property
    def passed(self) -> bool | None:
        """False for a breach found, True for a rule evaluated without one (a follow-up list and a data
        note pass: what they list are not findings), None for a rule not evaluated: it neither passed
        nor failed, and ``WHERE passed = 0`` must not hide it behind a pass."""
        return None if self.status == "not_evaluated" else self.status != "failed"

    def where(self, finding: dict) -> str:
        """'row 10, response 9' for the console: where the record is in the export."""
        parts = [f"row {finding['sheet_row']}" if finding.get("sheet_row") else None,
                 f"response {finding['response_id']}" if finding.get("response_id") else None]
        return ", ".join(p for p in parts if p)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, (list, tuple, dict)) and bool(pd.isna(value)))


def amount(value) -> str:
    return grouped(value, " ")


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


class _Shown(dict):
    """The values a template quotes, each shown when it is quoted (a finding carries every record
    column; a message quotes two or three); an unknown name stays as written."""

    def __init__(self, values: dict):
        super().__init__()
        self.values = values

    def __missing__(self, key):
        return show(key, self.values[key]) if key in self.values else f"{{{key}}}"


def render(template: str, values: dict) -> str:
    return template.format_map(_Shown(values))


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


def _template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def index_columns(suite: Suite, frame: pd.DataFrame) -> list[str]:
    """The record columns each listed row carries (GX names the row by its ``record`` index and
    gx_runner joins these on): where the row is (``CONTEXT_COLUMNS``) and what the messages and
    the observed value read."""
    wanted = [*CONTEXT_COLUMNS, "question_id"]
    for e in suite.expectations:
        used = _template_fields(e.meta["message"]) | _template_fields(e.meta["message_nb"])
        judged = {e.kwargs.get(k) for k in ("column", "column_A", "column_B") if e.kwargs.get(k)}
        used |= judged | {f"{c}{twin}" for c in judged for twin in ("_nb", "_question")}
        wanted += sorted(used)
    return [c for c in dict.fromkeys(wanted) if c in frame.columns]


def _with_value(row: dict, e: Expectation) -> dict:
    """The listed row as GX returned it, plus ``value``: the value the expectation judged, in the
    report's words where the record words it (a column ``<column>_nb`` beside it, e.g. the quote
    of a carry-over answer): the value an auditor reads in the workbook is never English."""
    row = dict(row)
    if e.column:
        worded = row.get(f"{e.column}_nb")
        row["value"] = show(e.column, worded if not _missing(worded) else row.get(e.column))
    elif "column_A" in e.kwargs:
        row["value"] = f"{row.get(e.kwargs['column_A'])} vs {row.get(e.kwargs['column_B'])}"
    return row


def _finding(suite: Suite, rule: Rule, grant_year: int, values: dict, e: Expectation | None = None,
             message: str | None = None) -> dict:
    finding = {"grant_year": grant_year, "asset": suite.name, "rule": rule.id, "kind": rule.kind,
               "severity": rule.severity,
               "message": message if message is not None else render(e.meta["message"], values),
               "message_nb": message if message is not None else render(e.meta["message_nb"], values)}
    for column in CONTEXT_COLUMNS:
        value = values.get(column)
        if _missing(value):
            finding[column] = None
        else:
            finding[column] = int(value) if column == "sheet_row" else str(value)
    judged = e.column or e.kwargs.get("column_A") if e is not None else None
    # the question: the record's own, else the one its judged column names per record
    # (``<column>_question``: the carry-over answer that said it), else the column's
    question = values.get("question_id")
    if _missing(question) and judged:
        question = values.get(f"{judged}_question")
    finding["question_id"] = str(question) if not _missing(question) else question_for(suite.name, judged)
    finding["value"] = values.get("value") if "value" in values and judged else None
    if finding["question_id"] in county_level_questions():
        # the county council's own answer (asked once per county): it names the county, and where the
        # answer is in the export (response, sheet row), but no municipality or project
        finding["municipality"] = finding["project_title"] = None
    return finding


def _shown_column(key: str, values: list) -> list[str]:
    """``show`` of each value, worked out once per distinct value (a rule lists many rows that quote
    the same county or amount)."""
    cache: dict = {}
    out = []
    for v in values:
        try:
            text = cache[(type(v), v)]
        except (KeyError, TypeError):
            text = show(key, v)
            try:
                cache[(type(v), v)] = text
            except TypeError:  # a list or dict: not cached
                pass
        out.append(text)
    return out


def render_column(template: str, columns: dict[str, list], constants: dict, n: int) -> list[str]:
    """``render(template, values)`` for ``n`` rows at once: the template is parsed once per rule, each
    quoted name shown once per distinct value, and only the parts that vary are joined per row.
    ``columns``: name -> the rows' values; ``constants``: the rest (the suite's parameters)."""
    parts: list = []  # str (the same in every row) or list[str] (one per row)
    for literal, name, spec, conversion in string.Formatter().parse(template):
        if literal:
            parts.append(literal)
        if name is None:
            continue
        if spec or conversion:  # not in the rule files today: word it as render() would, row by row
            return [render(template, {**constants, **{k: c[i] for k, c in columns.items()}}) for i in range(n)]
        if name in columns:
            parts.append(_shown_column(name, columns[name]))
        elif name in constants:
            parts.append(show(name, constants[name]))
        else:
            parts.append(f"{{{name}}}")
    varying = [p for p in parts if not isinstance(p, str)]
    if not varying:
        return ["".join(parts)] * n
    return ["".join(p if isinstance(p, str) else p[i] for p in parts) for i in range(n)]


def _listed_frame(suite: Suite, rule: Rule, grant_year: int, parameters: dict, rows: pd.DataFrame,
                  e: Expectation) -> pd.DataFrame:
    """The findings of the rows one expectation lists, column by column (what ``_finding`` makes of one
    row, for all of them): the messages worded by ``render_column``, never a dict per finding."""
    n = len(rows)
    columns = {k: rows[k].tolist() for k in rows.columns}
    if e.column:
        worded = columns.get(f"{e.column}_nb", [None] * n)
        own = columns.get(e.column, [None] * n)
        columns["value"] = [show(e.column, w if not _missing(w) else v) for w, v in zip(worded, own)]
    elif "column_A" in e.kwargs:
        a, b = (columns.get(e.kwargs[k], [None] * n) for k in ("column_A", "column_B"))
        columns["value"] = [f"{x} vs {y}" for x, y in zip(a, b)]
    constants = {k: v for k, v in {**parameters}.items() if k not in columns}

    def column(name: str) -> list:
        return columns[name] if name in columns else [constants.get(name)] * n

    frame = {"grant_year": [grant_year] * n, "asset": [suite.name] * n, "rule": [rule.id] * n,
             "kind": [rule.kind] * n, "severity": [rule.severity] * n}
    for name in CONTEXT_COLUMNS:
        frame[name] = [None if _missing(v) else (int(v) if name == "sheet_row" else str(v)) for v in column(name)]
    judged = e.column or e.kwargs.get("column_A")
    fallback = question_for(suite.name, judged)
    said = column(f"{judged}_question") if judged else [None] * n
    questions = []
    for own, carried in zip(column("question_id"), said):
        question = carried if _missing(own) and judged else own
        questions.append(str(question) if not _missing(question) else fallback)
    frame["question_id"] = questions
    frame["value"] = column("value") if "value" in columns and judged else [None] * n
    frame["message"] = render_column(e.meta["message"], columns, constants, n)
    frame["message_nb"] = render_column(e.meta["message_nb"], columns, constants, n)
    county_level = county_level_questions()
    on_county = [q in county_level for q in questions]
    if any(on_county):  # the county council's own answer: no municipality or project (see _finding)
        for name in ("municipality", "project_title"):
            frame[name] = [None if c else v for c, v in zip(on_county, frame[name])]
    return _typed(pd.DataFrame(frame, columns=FINDING_COLUMNS))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Findings columns as stored: the row number as a nullable integer, the rule's fields (the same
    in all of a rule's rows) categorical."""
    frame["sheet_row"] = frame["sheet_row"].astype("Int64")
    for name in ("asset", "rule", "kind", "severity"):
        frame[name] = frame[name].astype("category")
    return frame


def _frame_of(findings: list[dict]) -> pd.DataFrame:
    return _typed(pd.DataFrame(findings, columns=FINDING_COLUMNS))


def rule_results(suite: Suite, parameters: dict, validation: Validation, grant_year: int,
                 not_evaluated: dict | None = None, compared: dict[str, str] | None = None,
                 n_records: int | None = None) -> list[RuleResult]:
    """One result per rule of ``suite``; ``not_evaluated``: rule id -> why its inputs do not allow
    judging; ``compared``: rule id -> what it was judged against (added to what it observed);
    ``n_records``: the record frame's rows (the population of a rule judging the whole table)."""
    by_index = {o.index: o for o in validation.outcomes}
    not_evaluated, compared = not_evaluated or {}, compared or {}
    results = []
    position = {id(e): i for i, e in enumerate(suite.expectations)}
    for rule in suite.rules:
        expected = [expected_text(e, parameters) for e in rule.expectations]
        if rule.id in not_evaluated:
            reason = not_evaluated[rule.id]  # a frames.Reason
            results.append(RuleResult(rule, "not_evaluated", f"not evaluated: {reason.en}", "; ".join(expected), 0,
                                      reason=reason.en, reason_nb=reason.nb))
            continue
        findings, pieces, errors, observed, unexpected = [], [], [], [], 0
        listed, population = False, []
        for e in rule.expectations:
            o = by_index.get(position[id(e)])
            if o is None:
                o = ExpectationOutcome(position[id(e)], False, exception="GX returned no result")
            observed.append(_observed_text(e, o))
            population.append(o.element_count if o.element_count is not None else n_records)
            if o.success:
                continue
            listed = True
            if o.exception:
                errors.append(o.exception)
                findings.append(_finding(suite, rule, grant_year, {}, message=f"the check could not run: {o.exception}"))
                unexpected += 1
            elif e.is_table_level or o.listed is None or o.listed.empty:
                values = {**parameters, "grant_year": grant_year, "observed": o.observed_value,
                          "observed_nok": o.observed_value}
                findings.append(_finding(suite, rule, grant_year, values, e))
                unexpected += o.unexpected_count or 1
            else:
                if findings:
                    pieces.append(_frame_of(findings))
                    findings = []
                pieces.append(_listed_frame(suite, rule, grant_year, parameters, o.listed, e))
                unexpected += o.unexpected_count or len(o.listed)
        status = "failed" if listed and (rule.is_breach or errors) else "passed"
        if rule.id in compared:
            observed.append(compared[rule.id])
        judged = [p for p in population if p is not None]
        if findings:
            pieces.append(_frame_of(findings))
        frame = _concat(pieces) if pieces else None
        results.append(RuleResult(rule, status, "; ".join(observed), "; ".join(expected), unexpected, frame, errors,
                                  population=max(judged) if judged else None))
    return results


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if len(frames) == 1:
        return frames[0]
    return _typed(pd.concat([f.astype({c: object for c in ("asset", "rule", "kind", "severity")}) for f in frames],
                            ignore_index=True))


def findings_frame(results: list[RuleResult]) -> pd.DataFrame:
    """Every record the rules list, one column per field (rule, kind, severity and suite categorical)."""
    frames = [r.frame for r in results if r.frame is not None and len(r.frame)]
    return _concat(frames) if frames else _frame_of([])
