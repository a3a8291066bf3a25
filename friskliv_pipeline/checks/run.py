"""One suite, one grant year: load the tables, build the record frame, validate, word the results, audit.

``check_suite`` is pure (frames in, results out) so tests feed it hand-broken tables;
``run_checks`` is what the Dagster asset checks call: it takes the run's staged tables as the
staging step holds them (or reads them from the warehouse, for "Execute checks" in the UI), the
registers and the published earlier years from the warehouse, validates in the data directory's
GX project and stages the audit rows; the suite that completes the run's set publishes them and
builds the Data Docs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from friskliv_pipeline.checks.audit import write_audit
from friskliv_pipeline.checks.findings import RuleResult, findings_frame, index_columns, rule_results
from friskliv_pipeline.checks.frames import BUILDERS, build_frame
from friskliv_pipeline.checks.gx_runner import Validation, build_data_docs, project_dir, validate
from friskliv_pipeline.checks.inputs import HISTORY, Inputs, table_of
from friskliv_pipeline.checks.suites import Suite, suites
from friskliv_pipeline.checks.year_tables import YearTables
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.warehouse.database import METADATA, Warehouse, staging_name


@dataclass
class SuiteRun:
    suite: Suite
    grant_year: int
    frame: pd.DataFrame
    validation: Validation
    results: list[RuleResult]
    audit_published: bool = False  # this suite completed the run's set: the audit tables hold this run

    @property
    def findings(self) -> pd.DataFrame:
        """Every record the rules list (breaches, follow-up entries, data notes: see ``kind``)."""
        return findings_frame(self.results)

    @property
    def breaches(self) -> pd.DataFrame:
        findings = self.findings
        return findings[findings["kind"] == "breach"].reset_index(drop=True)

    def result(self, rule_id: str) -> RuleResult:
        return next(r for r in self.results if r.rule.id == rule_id)


def _stored(name: str, staged: bool) -> str:
    """The warehouse table to read: the run's staged twin where there is one."""
    return staging_name(name) if staged and staging_name(name) in METADATA.tables else name


def load_year_tables(warehouse: Warehouse, reference_dir: Path, grant_year: int, inputs: Inputs,
                     staged: bool = False, frames: Mapping[str, pd.DataFrame] | None = None) -> YearTables:
    """The grant year's rows of the tables (and columns) ``inputs`` declares; a ``<table>_history``:
    every year up to it.

    With ``staged``, the grant year's raw and clean rows are the run's staged rows (earlier years:
    the published ones): taken from ``frames`` (the staging step's own frames) where given, else
    read from the staged tables."""
    frames = frames or {}

    def this_year(name: str, columns) -> pd.DataFrame:
        if staged and name in frames:
            frame = frames[name]
            return frame if columns is None else frame[list(columns)]
        return warehouse.read(_stored(name, staged), grant_year, columns=columns)

    tables = {}
    for name, columns in inputs.tables.items():
        if name.endswith(HISTORY):
            base = table_of(name)
            earlier = warehouse.read(base, columns=columns)
            earlier = earlier[earlier["grant_year"] < grant_year]
            current = this_year(base, columns)
            tables[name] = pd.concat([earlier, current], ignore_index=True) if len(earlier) else current
        else:
            tables[name] = this_year(name, columns)
    return YearTables(grant_year, load_form_schema(reference_dir, grant_year), tables)


def check_suite(name: str, tables: YearTables, project: Path | None = None, run_name: str | None = None) -> SuiteRun:
    suite = suites()[name]
    record = build_frame(name, tables)
    validation = validate(suite, record.frame, record.parameters, index_columns(suite, record.frame), project,
                          tables.grant_year, run_name, frozenset(record.not_evaluated))
    results = rule_results(suite, record.parameters, validation, tables.grant_year, record.not_evaluated,
                           record.compared, len(record.frame))
    for outcome in validation.outcomes:  # the listed rows are the results' frames now: not held twice
        outcome.listed = None
    return SuiteRun(suite, tables.grant_year, record.frame, validation, results)


def run_checks(names: Iterable[str], warehouse: Warehouse, reference_dir: Path, data_dir: Path, grant_year: int,
               run_id: str, suites_in_run: Iterable[str] | None = None,
               frames: Mapping[str, pd.DataFrame] | None = None) -> Iterator[SuiteRun]:
    """Check the suites ``names`` on the run's staged tables (``frames`` where the caller holds them:
    a table leaves ``frames`` once no later suite reads it, so hand over a dict of your own),
    yielding each suite's run as it completes (one suite's record frame in memory at a time);
    ``suites_in_run``: every suite this run checks (default: all), the set whose completion publishes
    the run's audit rows."""
    warehouse.create_tables()  # a first run has no published tables yet (history reads them)
    project = project_dir(data_dir)
    in_run = list(suites_in_run) if suites_in_run is not None else list(suites())
    names = list(names)
    for i, name in enumerate(names):
        tables = load_year_tables(warehouse, reference_dir, grant_year, BUILDERS[name][1], staged=True, frames=frames)
        _let_go(frames, names[i + 1:])
        run = check_suite(name, tables, project, run_id)
        del tables
        run.audit_published = write_audit(warehouse, grant_year, name, run_id, run.results, in_run)
        if run.audit_published:
            build_data_docs(project, run_id, grant_year, in_run)
        yield run


def _let_go(frames, later: list[str]) -> None:
    """Drop from ``frames`` the tables no suite in ``later`` reads: the projects suite, judged near
    the end, then runs without project_attainment's 1.4 million rows beside it at the benchmark's
    1000×."""
    if not isinstance(frames, dict):
        return
    needed = {table_of(t) for name in later for t in BUILDERS[name][1].tables}  # projects_history: projects
    for table in [t for t in frames if t not in needed]:
        del frames[table]
