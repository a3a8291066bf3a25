"""What every suite's frame shares: the record frame, the finding context, the columns several
builders read, and the question behind a frame column.

No pandas at import (see ``checks/frames/__init__.py``): the code location imports the builders'
declarations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from friskliv_pipeline.core.contract import COMPETENCE_PARTS, TABLES
from friskliv_pipeline.core.deadlines import (
    COUNTY_REPORTING_DEADLINE, MUNICIPALITY_REPORTING_DEADLINE, reporting_deadline, spelled,
)

if TYPE_CHECKING:
    import pandas as pd

CONTEXT_COLUMNS = ("county", "municipality", "project_title", "response_id", "sheet_row")
# The question whose answer a frame column judges: the export column an auditor re-reads a finding
# in. A clean-table column says it in the data contract (Column.source); these columns are the
# frames' own. A record may also carry it itself (project_attainment: one row per question).
QUESTION_OF = {"county_observed": "q01", "reported": "q01", "municipality_not_in_register": "q14",
               "municipality_other_county": "q14", "unnamed_neighbours": "q14", "lead_service_observed": "q22",
               "project_report_observed": "q37", "consecutive_grant_years": "q13", "parts_sum_compared_nok": "q12",
               "n_distinct_reports": "q12", **{f"{q}_observed": q for q in ("q02", "q03", "q17", "q18", "q20", "q37")}}
PART_COLUMNS = [name for name, _, _ in COMPETENCE_PARTS]
# A multiple-choice bridge table (its suite) → (its question, its option column): the contract's.
MULTI_SELECT = {table: next((c.source, c.name) for c in TABLES[table].columns if re.fullmatch(r"q\d\d", c.source))
                for table in ("project_target_groups", "project_user_groups", "project_collaborators")}


# Columns several builders read (literals: see the package docstring).
ISSUE_COLUMNS = ("grant_year", "response_id", "question_id", "rule", "value")  # cleaning_issues: the cell as exported
PROJECT_CONTEXT = ("response_id", "source_row", "county", "county_reported", "municipality", "municipality_reported",
                   "project_title")  # projects: a finding's context in another table's frame
ROWS_ONLY = ("response_id",)  # a table only counted


def question_for(suite: str, column: str | None) -> str | None:
    """The form question behind ``column`` of ``suite``'s record frame (None: a table-level figure)."""
    if suite in MULTI_SELECT:
        return MULTI_SELECT[suite][0]
    if column in QUESTION_OF:
        return QUESTION_OF[column]
    for table in (suite, "projects", "responses", "competence_building"):
        spec = TABLES.get(table)
        source = next((c.source for c in spec.columns if c.name == column), "") if spec else ""
        if match := re.fullmatch(r"q\d\d", source):
            return match.group(0)
    return None


@dataclass(frozen=True)
class Reason:
    """Why a rule cannot be judged, for the audit tables (English) and the report (bokmål)."""

    en: str
    nb: str


@dataclass
class RecordFrame:
    frame: pd.DataFrame
    parameters: dict  # GX suite parameters ($PARAMETER) and extra values for table-level messages
    not_evaluated: dict[str, Reason] = field(default_factory=dict)  # rule id -> why it cannot be judged
    compared: dict[str, str] = field(default_factory=dict)  # rule id -> what it was judged against


def deadline_parameters(grant_year: int) -> dict:
    """Both regelverk 6 deadlines of ``grant_year``, as suite parameters (ISO date, English, bokmål)."""
    out = {}
    for name, month_day in (("county_deadline", COUNTY_REPORTING_DEADLINE),
                            ("municipality_deadline", MUNICIPALITY_REPORTING_DEADLINE)):
        day = reporting_deadline(grant_year, month_day)
        out.update({name: day.isoformat(), f"{name}_en": spelled(day, "en"), f"{name}_nb": spelled(day, "nb")})
    return out


def suite_rules(suite: str):
    """The rules of ``suite`` (read from its JSON when first asked, not at import)."""
    from friskliv_pipeline.checks.suites import suites

    return suites()[suite].rules
