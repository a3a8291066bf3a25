"""Each rule re-performed in SQL on the published clean tables, for the auditor's workbook.

A rule is declared once, in its suite (``expectations/<suite>.json``); beside it,
``expectations/reperform/<suite>/<rule id>.sql`` is the query that recomputes the rule's
population from the published tables (projects, responses, competence_building,
project_attainment, counties, form_options, allocations, grant_totals, cleaning_issues, …: see
``friskliv_pipeline/core/contract.py``) and returns exactly the records the rule lists: one column,
``response_id`` (a suite of projects, responses or answers) or ``county`` (competence_building,
allocations), NULL for a finding about a whole table. It never reads ``audit_findings``.

A template has placeholders, ``{{ name }}``, filled in from one source each:

- ``{{ grant_year }}``: the grant year re-performed;
- ``{{ <argument> }}``: an argument of the rule's own expectations (``max_value``,
  ``min_value``, ``value_set``; the first expectation of the rule that has it), so a threshold
  is written once, in the suite; a list becomes a list of SQL literals (for ``IN (…)``);
- the rule's dates, derived from ``core/deadlines.py`` (``county_deadline``,
  ``day_after_county_deadline``).

A reference list GX receives as a suite parameter (``{'$PARAMETER': 'counties'}``) is not a
placeholder: the query reads it from its table (``counties``, ``form_options``), as the
pipeline does; only a parameter no table holds (``attainment_values``, the cleaning's constant)
is filled in from the code. An unknown or unresolved placeholder is an error, not an empty string.

The queries use only SQL that SQLite 3.40 and PostgreSQL 15 both run the same way (no
engine-specific functions; booleans compared with ``TRUE``/``FALSE``; dates as ISO text). Each
opens with a ``/* … */`` comment saying what it lists (not ``--``: the workbook writes a cell that
starts with ``-`` as text behind an apostrophe, which would break the pasted query).
A rule that cannot be written so has ``<rule id>.txt`` instead: why, in bokmål, and how to
re-perform it by hand; the workbook prints that.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from friskliv_pipeline.checks.suites import EXPECTATIONS_DIR, Rule

REPERFORM_DIR = EXPECTATIONS_DIR / "reperform"
KEY_COLUMNS = ("response_id", "county")  # what a query returns: the record a finding names
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


class ReperformError(ValueError):
    pass


def sql_path(rule: Rule) -> Path:
    return REPERFORM_DIR / rule.suite / f"{rule.id}.sql"


def reason_path(rule: Rule) -> Path:
    return REPERFORM_DIR / rule.suite / f"{rule.id}.txt"


def _literal(value) -> str:
    """A value as SQL that both engines read alike."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (list, tuple)):
        return ", ".join(_literal(v) for v in value)
    raise ReperformError(f"{value!r} has no SQL literal (a suite parameter is read from its table in the query)")


def _constants() -> dict:
    """Suite parameters that are the code's constants, not a table's rows (no table holds them)."""
    from friskliv_pipeline.cleaning.answers import ATTAINMENT_VALUES

    return {"attainment_values": list(ATTAINMENT_VALUES)}


def _dates(grant_year: int) -> dict[str, str]:
    from friskliv_pipeline.core.deadlines import COUNTY_REPORTING_DEADLINE, reporting_deadline

    deadline = reporting_deadline(grant_year, COUNTY_REPORTING_DEADLINE)
    return {"county_deadline": deadline.isoformat(),
            "day_after_county_deadline": (deadline + dt.timedelta(days=1)).isoformat()}


def _value(rule: Rule, name: str, grant_year: int) -> str:
    if name == "grant_year":
        return str(int(grant_year))
    for expectation in rule.expectations:
        if name in expectation.kwargs:
            value = expectation.kwargs[name]
            if isinstance(value, dict) and value.get("$PARAMETER") in _constants():
                return _literal(_constants()[value["$PARAMETER"]])
            if isinstance(value, dict):
                raise ReperformError(f"{sql_path(rule)}: {{{{ {name} }}}} is a suite parameter ({value}); "
                                     "read it from its table in the query")
            return _literal(value)
    dates = _dates(grant_year)
    if name in dates:
        return _literal(dates[name])[1:-1]  # inside the template's own quotes
    raise ReperformError(f"{sql_path(rule)}: {{{{ {name} }}}} is neither the grant year, an argument of the "
                         f"rule's expectations nor one of {sorted(dates)}")


def render(rule: Rule, grant_year: int) -> str | None:
    """The rule's query for ``grant_year``, placeholders filled in; None when it has none (``reason``)."""
    path = sql_path(rule)
    if not path.exists():
        return None
    template = path.read_text(encoding="utf-8")
    return _PLACEHOLDER.sub(lambda m: _value(rule, m.group(1), grant_year), template).strip()


def reason(rule: Rule) -> str | None:
    """Why the rule has no query, in bokmål (None when it has one)."""
    path = reason_path(rule)
    return " ".join(path.read_text(encoding="utf-8").split()) if path.exists() else None


def reperformance(rule: Rule, grant_year: int) -> str:
    """What the workbook's «Slik etterprøves» says: the query, or why there is none."""
    sql = render(rule, grant_year)
    if sql is not None:
        return sql
    why = reason(rule)
    if why is None:
        raise ReperformError(f"rule {rule.id} of {rule.suite} has neither {sql_path(rule).name} nor "
                             f"{reason_path(rule).name} in {REPERFORM_DIR}")
    return why
