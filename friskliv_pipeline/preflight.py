"""``friskliv check FILE --year Y``: validate one export before it is sent, touching no warehouse.

A county adviser gets the same reading and cleaning rules the pipeline applies, as a list of
findings they can act on (row, question, what is wrong), without a Dagster instance or database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from friskliv_pipeline.cleaning.clean_tables import clean_partition
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
        if self.findings.empty:
            lines.append("  no findings")
        for f in self.findings.itertuples(index=False):
            lines.append(f"  row {f.source_row} (response {f.response_id}), {f.question_id}: {f.message} [{f.rule}]")
        return lines


def preflight(file: Path, grant_year: int, reference_dir: Path) -> Preflight:
    form = load_form_schema(reference_dir, grant_year)
    export = read_export(Path(file))
    raw, report = build_raw_responses([export], form, PREFLIGHT_KEY, grant_year)
    tables = clean_partition(raw, form, read_reference(reference_dir, "counties", grant_year),
                             read_reference(reference_dir, "municipalities", grant_year))
    return Preflight(Path(file), grant_year, tables, report.files[0]["extra_columns"])
