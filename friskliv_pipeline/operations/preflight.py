"""``friskliv check FILE --year Y``: validate one export before it is sent, touching no warehouse.

A county adviser gets the same reading and cleaning rules and the same data-quality checks the
pipeline applies (the GX suites, run in memory on this one file), as a list of findings they can
act on (row, question, what is wrong), without a Dagster instance or database. Rules that need
other counties or earlier years (allocations, three years in a row) see only this file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from friskliv_pipeline.cleaning.clean_tables import clean_partition
from friskliv_pipeline.cleaning.issues import message_nb
from friskliv_pipeline.core.contract import REFERENCE_TABLES, conform
from friskliv_pipeline.forms.export_reader import read_export
from friskliv_pipeline.forms.overlaps import OverlapCount
from friskliv_pipeline.forms.raw_table import build_raw_responses
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.core.reference import read_reference

PREFLIGHT_KEY = b"preflight"  # respondent hashes are computed and thrown away
WORDS_EN = {"head": "{file}: grant year {year}: {responses} responses → {projects} projects, {superseded} superseded, "
                    "{set_aside} set aside; competence reports from {counties} counties",
            "extra": "columns that match no question (kept, not used)", "quiz": "quiz columns (ignored)",
            "overlaps": "rows repeated in the file (one kept per Forms ID)",
            "notes": "Cleaning notes (cell by cell)", "none": "none", "row": "row", "response": "response",
            "breach": "Data-quality findings", "follow_up": "To verify elsewhere (follow-up list)",
            "data_note": "Data notes"}
WORDS_NB = {"head": "{file}: tilskuddsår {year}: {responses} svar → {projects} prosjekter, {superseded} erstattet, "
                    "{set_aside} holdt utenfor; rapport om kompetansebygging fra {counties} fylker",
            "extra": "kolonner som ikke svarer til noe spørsmål (beholdt, ikke brukt)", "quiz": "quizkolonner (oversett)",
            "overlaps": "rader som står flere ganger i filen (én beholdt per Forms-ID)",
            "notes": "Merknader til cellene", "none": "ingen", "row": "rad", "response": "svar",
            "breach": "Funn i datakontrollen", "follow_up": "Kontrolleres andre steder (oppfølging)",
            "data_note": "Merknader"}


@dataclass
class Preflight:
    file: Path
    grant_year: int
    tables: dict[str, pd.DataFrame]
    extra_columns: list[str]
    check_findings: pd.DataFrame
    ignored_columns: tuple[str, ...] = ()
    overlaps: OverlapCount = field(default_factory=OverlapCount)

    @property
    def findings(self) -> pd.DataFrame:
        return self.tables["cleaning_issues"]

    def summary_lines(self, lang: str = "en") -> Iterator[str]:
        """The pre-flight's report, in English or (``lang="nb"``) bokmål, as county advisers read it:
        a line at a time (a large year's 200 000 findings are printed, never held as one text)."""
        nb = lang == "nb"
        words = WORDS_NB if nb else WORDS_EN
        t = self.tables
        yield words["head"].format(file=self.file.name, year=self.grant_year, responses=len(t["responses"]),
                                   projects=len(t["projects"]), superseded=len(t["superseded_responses"]),
                                   set_aside=len(t["set_aside_responses"]), counties=len(t["competence_building"]))
        if self.extra_columns:
            yield f"  {words['extra']}: {', '.join(self.extra_columns)}"
        if self.ignored_columns:
            yield f"  {words['quiz']}: {', '.join(self.ignored_columns)}"
        if self.overlaps:
            yield f"  {words['overlaps']}: {self.overlaps.text(lang)}"
        yield f"{words['notes']}:" if len(self.findings) else f"{words['notes']}: {words['none']}"
        for f in self.findings.sort_values("source_row").itertuples(index=False):
            message = message_nb(f.rule, f.message, f.value) if nb else f.message
            yield (f"  {words['row']} {f.source_row} ({words['response']} {f.response_id}), {f.question_id}: "
                   f"{message} [{f.rule}]")
        for kind in ("breach", "follow_up", "data_note"):
            records = self.check_findings[self.check_findings["kind"] == kind]
            if kind != "breach" and records.empty:
                continue
            yield f"{words[kind]}:" if len(records) else f"{words[kind]}: {words['none']}"
            for f in records.sort_values(["severity", "county", "rule"], na_position="first").itertuples(index=False):
                where = ", ".join(str(x) for x in (f.county, f.municipality, f.project_title) if isinstance(x, str) and x)
                yield f"  {f.severity} {f.rule}: {where + ': ' if where else ''}{f.message_nb if nb else f.message}"


def preflight(file: Path, grant_year: int, reference_dir: Path) -> Preflight:
    form = load_form_schema(reference_dir, grant_year)
    # the export read is not kept beside the tables built from it (~330 MiB at 1000× the demo)
    raw, report = build_raw_responses([read_export(Path(file))], form, PREFLIGHT_KEY, grant_year)
    reference = {name: read_reference(reference_dir, name, grant_year) for name in REFERENCE_TABLES}
    tables = clean_partition(raw, form, reference["counties"], reference["municipalities"])
    return Preflight(Path(file), grant_year, tables, report.files[0]["extra_columns"],
                     _check_findings(form, grant_year, {**tables, **reference, "raw_responses": raw}),
                     tuple(report.files[0]["quiz_columns_ignored"]), report.overlaps)


def _check_findings(form, grant_year: int, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Run every GX suite in memory on the tables as the warehouse would hold them."""
    from friskliv_pipeline.checks.findings import FINDING_COLUMNS
    from friskliv_pipeline.checks.year_tables import YearTables
    from friskliv_pipeline.checks.run import check_suite
    from friskliv_pipeline.checks.suites import suites

    typed = {name: conform(frame, name) for name, frame in tables.items()}
    typed["projects_history"], typed["counties_history"] = typed["projects"], typed["counties"]
    year = YearTables(grant_year, form, typed)
    frames = [check_suite(name, year).findings for name in suites()]
    return pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else \
        pd.DataFrame(columns=FINDING_COLUMNS)
