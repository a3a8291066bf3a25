"""``friskliv check FILE --year Y``: validate one export before it is sent, touching no warehouse.

A county adviser gets the same reading and cleaning rules and the same data-quality checks the
pipeline applies (the GX suites, run in memory on this one file), as a list of findings they can
act on (row, question, what is wrong), without a Dagster instance or database. Rules that need
other counties or earlier years (allocations, three years in a row) see only this file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from friskliv_pipeline.cleaning.clean_tables import clean_partition
from friskliv_pipeline.contract import REFERENCE_TABLES, conform
from friskliv_pipeline.forms.export_reader import read_export
from friskliv_pipeline.forms.raw_table import build_raw_responses
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.reference import read_reference

PREFLIGHT_KEY = b"preflight"  # respondent hashes are computed and thrown away


@dataclass
class Preflight:
    file: Path
    grant_year: int
    tables: dict[str, pd.DataFrame]
    extra_columns: list[str]
    check_findings: pd.DataFrame
    ignored_columns: tuple[str, ...] = ()

    @property
    def findings(self) -> pd.DataFrame:
        return self.tables["cleaning_issues"]

    def summary_lines(self) -> list[str]:
        t = self.tables
        lines = [f"{self.file.name}: grant year {self.grant_year}: {len(t['responses'])} responses → "
                 f"{len(t['projects'])} projects, {len(t['superseded_responses'])} superseded, "
                 f"{len(t['set_aside_responses'])} set aside; competence reports from "
                 f"{len(t['competence_building'])} counties"]
        if self.extra_columns:
            lines.append(f"  columns that match no question (kept, not used): {', '.join(self.extra_columns)}")
        if self.ignored_columns:
            lines.append(f"  quiz columns (ignored): {', '.join(self.ignored_columns)}")
        lines.append("Cleaning notes (cell by cell):" if len(self.findings) else "Cleaning notes: none")
        for f in self.findings.sort_values("source_row").itertuples(index=False):
            lines.append(f"  row {f.source_row} (response {f.response_id}), {f.question_id}: {f.message} [{f.rule}]")
        for kind, title in (("breach", "Data-quality findings"), ("follow_up", "To verify elsewhere (follow-up list)"),
                            ("data_note", "Data notes")):
            records = self.check_findings[self.check_findings["kind"] == kind]
            if kind != "breach" and records.empty:
                continue
            lines.append(f"{title}:" if len(records) else f"{title}: none")
            for f in records.sort_values(["severity", "county", "rule"], na_position="first").itertuples(index=False):
                where = ", ".join(str(x) for x in (f.county, f.municipality, f.project_title) if isinstance(x, str) and x)
                lines.append(f"  {f.severity} {f.rule}: {where + ': ' if where else ''}{f.message}")
        return lines


def preflight(file: Path, grant_year: int, reference_dir: Path) -> Preflight:
    form = load_form_schema(reference_dir, grant_year)
    export = read_export(Path(file))
    raw, report = build_raw_responses([export], form, PREFLIGHT_KEY, grant_year)
    reference = {name: read_reference(reference_dir, name, grant_year) for name in REFERENCE_TABLES}
    tables = clean_partition(raw, form, reference["counties"], reference["municipalities"])
    return Preflight(Path(file), grant_year, tables, report.files[0]["extra_columns"],
                     _check_findings(form, grant_year, {**tables, **reference, "raw_responses": raw}),
                     tuple(report.files[0]["quiz_columns_ignored"]))


def _check_findings(form, grant_year: int, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Run every GX suite in memory on the tables as the warehouse would hold them."""
    from friskliv_pipeline.checks.findings import FINDING_COLUMNS
    from friskliv_pipeline.checks.frames import YearTables
    from friskliv_pipeline.checks.run import check_suite
    from friskliv_pipeline.checks.suites import suites

    typed = {name: conform(frame, name) for name, frame in tables.items()}
    typed["projects_history"], typed["counties_history"] = typed["projects"], typed["counties"]
    year = YearTables(grant_year, form, typed)
    frames = [check_suite(name, year).findings for name in suites()]
    return pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else \
        pd.DataFrame(columns=FINDING_COLUMNS)
