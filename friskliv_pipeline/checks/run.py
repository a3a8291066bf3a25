"""One suite, one grant year: load the tables, build the record frame, validate, word the findings, audit.

``check_suite`` is pure (frames in, results out) so tests feed it hand-broken tables;
``run_checks`` is what the Dagster asset checks call: it reads the warehouse, writes the Data
Docs under ``<data_dir>/validation/<grant_year>/<run_id>/`` and the audit tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from friskliv_pipeline.checks.audit import write_audit
from friskliv_pipeline.checks.findings import RuleResult, findings_frame, rule_results
from friskliv_pipeline.checks.frames import COLUMNS, NEEDS, YearTables, build_frame
from friskliv_pipeline.checks.gx_runner import Validation, validate
from friskliv_pipeline.checks.suites import Suite, suites
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.warehouse import Warehouse


@dataclass
class SuiteRun:
    suite: Suite
    grant_year: int
    frame: pd.DataFrame
    validation: Validation
    results: list[RuleResult]

    @property
    def findings(self) -> pd.DataFrame:
        return findings_frame(self.results)

    def result(self, rule_id: str) -> RuleResult:
        return next(r for r in self.results if r.rule.id == rule_id)


def validation_dir(data_dir: Path, grant_year: int, run_id: str) -> Path:
    """Where one run's GX context, results (``results/<suite>.json``) and Data Docs site live."""
    return Path(data_dir) / "validation" / str(grant_year) / run_id


def load_year_tables(warehouse: Warehouse, reference_dir: Path, grant_year: int, names,
                     suite: str | None = None) -> YearTables:
    """The grant year's rows of ``names``; ``projects_history``/``counties_history``: every year up to it.

    With ``suite``, only the columns its frame uses of the big tables (``frames.COLUMNS``)."""
    tables = {}
    for name in names:
        columns = COLUMNS.get((suite, name))
        if name.endswith("_history"):
            frame = warehouse.read(name.removesuffix("_history"), columns=columns)
            tables[name] = frame[frame["grant_year"] <= grant_year].reset_index(drop=True)
        else:
            tables[name] = warehouse.read(name, grant_year, columns=columns)
    return YearTables(grant_year, load_form_schema(reference_dir, grant_year), tables)


def check_suite(name: str, tables: YearTables, run_dir: Path | None = None, run_name: str | None = None) -> SuiteRun:
    suite = suites()[name]
    record = build_frame(name, tables)
    validation = validate(suite, record.frame, record.parameters, run_dir, run_name)
    results = rule_results(suite, record.frame, record.parameters, validation, tables.grant_year)
    return SuiteRun(suite, tables.grant_year, record.frame, validation, results)


def run_checks(name: str, warehouse: Warehouse, reference_dir: Path, data_dir: Path, grant_year: int,
               run_id: str) -> SuiteRun:
    tables = load_year_tables(warehouse, reference_dir, grant_year, NEEDS[name], suite=name)
    run = check_suite(name, tables, validation_dir(data_dir, grant_year, run_id), run_id)
    write_audit(warehouse, grant_year, name, run_id, run.results)
    return run
