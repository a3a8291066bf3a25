"""The auditor's package of a grant year: what the auditor's edition (revisjon.html/.pdf) shows in
prose and tables and what the workbook ``revisjonsgrunnlag_<year>.xlsx`` holds row by row, built
once from the warehouse so the two never differ.

Everything an auditor re-performs with is here, in bokmål: every check with its population, its
status (one status, counted as ``checks.status`` counts it everywhere), the regelverk point it
enforces and how to re-perform it; every finding with the value as exported (the export's cell,
from ``raw_responses``) and as the rule judged it, the threshold, the answer time against the
deadline and the other findings of the same project; the coverage of every point of the year's
regelverk; every replaced or merged answer; a view per project; the reconciliation per county
when the allocations are official; and where every input and rule came from (SHA-256).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from friskliv_pipeline.checks.status import KIND_NB, SEVERITY_NB, STATUS_NB, Tally, tally
from friskliv_pipeline.contract import RAW_QUESTION_COLUMNS
from friskliv_pipeline.forms.export_reader import sha256_of
from friskliv_pipeline.report.language import blank, date

RAW_QUESTIONS = [c.name for c in RAW_QUESTION_COLUMNS]
FINDING_HEADERS = ["Fylke", "Kommunenummer", "Kommune", "Prosjekt", "Forms-ID", "Rad", "Regel", "Regelverkets punkt",
                   "Punktets tekst", "Type", "Alvorlighet", "Spørsmål", "Verdi som eksportert", "Verdi tolket",
                   "Terskel", "Svartidspunkt", "Frist", "Funn", "Andre funn på samme prosjekt", "Revisors status",
                   "Revisors kommentar"]
DATA_DOCS_NOTE = (
    "Great Expectations' Data Docs (validation/gx/uncommitted/data_docs/local_site/index.html) er det tekniske "
    "valideringsloggen, på engelsk. Der står bare reglene som kan gi funn og som ble vurdert, med GX' eget "
    "bestått/feilet. Oppfølgingslister og merknader (som ikke er funn) og regler som ikke ble vurdert, står ikke der. "
    "Det som gjelder for revisjonen, er dette grunnlaget og tabellene audit_check_results og audit_findings: de har "
    "hver regel med status, og hvert funn.")


@dataclass
class AuditPackage:
    grant_year: int
    front: list[tuple[str, str]]  # (what, value): run, code, regelverk, when, tally
    files: pd.DataFrame  # Fil, Hva, SHA-256: every export, reference file and rule file
    checks: pd.DataFrame  # Kontroller
    findings: pd.DataFrame  # Funn (FINDING_HEADERS)
    coverage: pd.DataFrame  # Dekning
    replaced: pd.DataFrame  # Erstattede svar
    per_project: pd.DataFrame  # Per prosjekt
    reconciliation: pd.DataFrame  # Avstemming per fylke (empty when the allocations are not official)
    reconciliation_note: str
    tally: Tally

    def sheets(self) -> dict[str, pd.DataFrame]:
        front = pd.DataFrame(self.front, columns=["Hva", "Verdi"])
        note = pd.DataFrame([("Data Docs", DATA_DOCS_NOTE)], columns=["Hva", "Verdi"])
        recon = self.reconciliation if len(self.reconciliation) else pd.DataFrame(
            [(self.reconciliation_note,)], columns=["Hvorfor arket er tomt"])
        return {"Forside": pd.concat([front, note], ignore_index=True), "Filer": self.files, "Funn": self.findings,
                "Kontroller": self.checks, "Dekning": self.coverage, "Erstattede svar": self.replaced,
                "Per prosjekt": self.per_project, "Avstemming per fylke": recon}


def rule_set_files() -> list[Path]:
    """The files that define the checks: every suite and the list of what no check covers."""
    from friskliv_pipeline.checks.suites import EXPECTATIONS_DIR

    return sorted([*EXPECTATIONS_DIR.glob("*.json"), *EXPECTATIONS_DIR.glob("*.yml")])


def rule_set_digest() -> str:
    """One SHA-256 for the rule set: over each rule file's name and SHA-256, in name order."""
    lines = "".join(f"{p.name} {sha256_of(p)}\n" for p in rule_set_files())
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _files(inputs: list[dict], data_dir: Path, reference_dir: Path, grant_year: int, analyst: list[dict],
           rule_set: str) -> pd.DataFrame:
    from friskliv_pipeline.reference import REFERENCE_FILES

    rows = []
    for f in inputs:
        suffix = Path(f["file"]).suffix
        rows.append((f["file"], "eksport (arkivert som "
                     f"{Path('archive') / str(grant_year) / (f['sha256'] + suffix)} i datamappen)", f["sha256"]))
    for name in REFERENCE_FILES.values():
        path = Path(reference_dir) / name
        if path.exists():
            rows.append((name, "referansetabell", sha256_of(path)))
    for f in analyst:
        rows.append((f["file"], "referansetekst (skjema, regelverk, kommentar, temaer)", f["sha256"]))
    for path in rule_set_files():
        rows.append((f"expectations/{path.name}", "regelsettet (kontrollene)", sha256_of(path)))
    rows.append(("regelsettet samlet", "SHA-256 over hver regelfils navn og SHA-256", rule_set))
    return pd.DataFrame(rows, columns=["Fil", "Hva", "SHA-256"])


def _point_texts(regelverk, points: list[str], rule=None) -> tuple[str, str]:
    """The cited points as "5B Kompetansebygging" and their text; a point the year's regelverk has
    no heading for stops the report: a rule must cite what the regelverk says."""
    from friskliv_pipeline.errors import FrisklivError

    shown, texts = [], []
    for p in points:
        if not regelverk.has(p):
            raise FrisklivError(f"file {regelverk.path}: the rule {rule.id if rule else '?'} cites point {p}, which "
                                "the regelverk has no heading for. What to do: correct the rule's notes in "
                                f"expectations/{rule.suite if rule else '<table>'}.json or the regelverk's headings")
        point = regelverk.point(p)
        shown.append(f"{p} {point.title}")
        texts.append(f"{p}: " + " ".join(point.text.split()))
    return "; ".join(shown), "\n".join(texts)


def _deadlines(grant_year: int) -> dict[str, dt.date]:
    from friskliv_pipeline.checks.frames import (
        COUNTY_REPORTING_DEADLINE, MUNICIPALITY_REPORTING_DEADLINE, reporting_deadline,
    )

    return {"county": reporting_deadline(grant_year, COUNTY_REPORTING_DEADLINE),
            "municipality": reporting_deadline(grant_year, MUNICIPALITY_REPORTING_DEADLINE)}


class _Cells:
    """The export's cells by Forms ID, looked up in dicts (a finding or a replaced answer each asks
    for a few: ``DataFrame.loc`` per lookup made the 1000× workbook's findings sheet take ~20 s).
    A Forms ID on several rows answers with its first, as ``.loc[id].iloc[0]`` did."""

    def __init__(self, raw: pd.DataFrame):
        first = raw.drop_duplicates("response_id") if len(raw) else raw
        self.position = {rid: i for i, rid in enumerate(first["response_id"])} if len(first) else {}
        self.columns = {c: first[c].tolist() for c in first.columns} if len(first) else {}

    def __contains__(self, response_id) -> bool:
        return response_id in self.position

    def get(self, response_id, column):
        return self.columns[column][self.position[response_id]]

    def row_of(self, response_id) -> int | None:
        return int(self.get(response_id, "source_row")) if response_id in self.position else None


def _findings(records: pd.DataFrame, raw: pd.DataFrame, projects: pd.DataFrame, rules: dict, regelverk,
              grant_year: int) -> pd.DataFrame:
    from friskliv_pipeline.report.appendices import threshold_text
    from friskliv_pipeline.report.regelverk import cited_points

    deadlines = _deadlines(grant_year)
    whose = {"municipality": "kommunens prosjektrapport", "county": "fylkeskommunens rapportering"}
    deadline_text = {kind: f"{date(day)} ({whose[kind]})" for kind, day in deadlines.items()}
    cells = _Cells(raw)
    numbers = dict(zip(projects["response_id"], projects["municipality_no"])) if len(projects) else {}
    rules_of = records.dropna(subset=["response_id"]).groupby("response_id")["rule"].apply(set).to_dict() \
        if len(records) else {}
    described = {}  # (asset, rule) -> rule, point, point text, threshold: once per rule, not per finding
    rows = []
    for f in records.itertuples(index=False):
        if (f.asset, f.rule) not in described:
            rule = rules.get((f.asset, f.rule)) or rules.get((None, f.rule))
            point, text = _point_texts(regelverk, cited_points(rule.source) if rule else [], rule)
            described[f.asset, f.rule] = (point, text, threshold_text(rule).replace("\u00a0", " ") if rule else "")
        point, text, threshold = described[f.asset, f.rule]
        rid = None if pd.isna(f.response_id) else str(f.response_id)
        exported = answered = None
        if rid is not None and rid in cells:
            if isinstance(f.question_id, str) and f.question_id in cells.columns:
                exported = cells.get(rid, f.question_id)
            answered = cells.get(rid, "completion_time")
        deadline = deadline_text["municipality" if f.rule == "q37.project_report_delivered" else "county"]
        others = sorted(rules_of.get(rid, set()) - {f.rule}) if rid else []
        rows.append([blank(f.county), blank(numbers.get(rid)), blank(f.municipality), blank(f.project_title),
                     blank(rid), None if pd.isna(f.sheet_row) else int(f.sheet_row), f.rule, point, text,
                     KIND_NB[f.kind], SEVERITY_NB[f.severity], blank(f.question_id), blank(exported), blank(f.value),
                     threshold, blank(answered), deadline, f.message_nb, ", ".join(others), "", ""])
    return pd.DataFrame(rows, columns=FINDING_HEADERS)


def _reperform(rule, grant_year: int) -> str:
    """The rule's own query on the published tables, for the grant year (checks/reperform.py), or why
    it has none, in bokmål."""
    from friskliv_pipeline.checks.reperform import reperformance

    return reperformance(rule, grant_year)


def _checks(check_results: pd.DataFrame, rules: dict, regelverk, grant_year: int, not_covered) -> pd.DataFrame:
    from friskliv_pipeline.report.regelverk import cited_points

    rows = []
    for c in check_results.sort_values(["asset", "check_name"]).itertuples(index=False):
        rule = rules.get((c.asset, c.check_name))
        point, _text = _point_texts(regelverk, cited_points(rule.source) if rule else [], rule)
        rows.append([c.asset, c.check_name, KIND_NB.get(c.kind, c.kind), SEVERITY_NB.get(c.severity, c.severity),
                     point, rule.meaning_nb if rule else "",
                     None if pd.isna(c.n_evaluated) else int(c.n_evaluated), int(c.n_records or 0),
                     STATUS_NB[c.status], blank(c.reason_nb), _reperform(rule, grant_year) if rule else ""])
    for item in not_covered:
        point, _text = _point_texts(regelverk, [item.point])
        rows.append(["", "", "", "", point, item.requirement, None, 0, STATUS_NB["not_covered"], item.reason, ""])
    return pd.DataFrame(rows, columns=["Tabell", "Regel", "Type", "Alvorlighet", "Regelverkets punkt",
                                       "Hva kontrolleres", "Populasjon", "Funn", "Status", "Grunn",
                                       "Slik etterprøves kontrollen"])


def _coverage(regelverk, rules: dict, not_covered) -> pd.DataFrame:
    from friskliv_pipeline.report.regelverk import cited_points

    rows = []
    for point in regelverk.points:
        covering = sorted({r.id for r in rules.values() if point.number in cited_points(r.source)})
        gaps = [n for n in not_covered if n.point == point.number]
        if covering and not gaps:
            status = "dekket"
        elif covering:
            status = "delvis dekket"
        else:
            status = "ikke dekket"
        why = "; ".join(f"{n.requirement}: {n.reason}" for n in gaps)
        if not covering and not gaps:
            why = "Ingen kontroll viser til punktet, og ingen grunn er oppgitt i expectations/not_covered.yml."
        rows.append([point.number, point.title, status, ", ".join(covering), why])
    return pd.DataFrame(rows, columns=["Punkt", "Tittel", "Dekning", "Kontroller", "Ikke dekket, og hvorfor"])


def _replaced(raw: pd.DataFrame, superseded: pd.DataFrame, responses: pd.DataFrame, competence: pd.DataFrame,
              conflicts: pd.DataFrame) -> pd.DataFrame:
    """Every superseded or merged answer: the values that differ between the replaced and the kept response."""
    headers = ["Hva", "Fylke", "Kommune", "Prosjekt", "Forms-ID (erstattet)", "Rad (erstattet)", "Forms-ID (gjeldende)",
               "Rad (gjeldende)", "Spørsmål", "Verdi i det erstattede svaret", "Verdi i det gjeldende svaret", "Grunn"]
    cells = _Cells(raw)
    rows = []

    def differing(old_id, new_id, questions):
        if old_id not in cells or new_id not in cells:
            return []
        pairs = [(q, blank(cells.get(old_id, q)), blank(cells.get(new_id, q))) for q in questions]
        return [(q, old, new) for q, old, new in pairs if old != new]

    for s in superseded.itertuples(index=False):
        changes = differing(s.response_id, s.superseded_by, RAW_QUESTIONS) or [("", "(ingen forskjell)", "")]
        for q, old, new in changes:
            rows.append(["Erstattet av et senere svar", blank(s.county), blank(s.municipality_reported),
                         blank(s.project_title), s.response_id, s.source_row, s.superseded_by,
                         cells.row_of(s.superseded_by), q, old, new, blank(s.reason)])
    competence_questions = [f"q{i:02d}" for i in range(2, 13)]
    for c in competence[competence["n_reports"].fillna(0) > 1].itertuples(index=False):
        carrying = responses[(responses["county"] == c.county) & responses["competence_used"].notna()
                             & (responses["response_id"] != c.response_id)]
        aside = set(conflicts.loc[conflicts["county"] == c.county, "response_id"]) if len(conflicts) else set()
        for r in carrying.itertuples(index=False):
            kind = ("Kompetansebygging rapportert på nytt, med andre tall (holdt utenfor)" if r.response_id in aside
                    else "Kompetansebygging rapportert på nytt, likt (slått sammen)")
            changes = differing(r.response_id, c.response_id, competence_questions) or [("", "(ingen forskjell)", "")]
            for q, old, new in changes:
                rows.append([kind, blank(c.county), "", "", r.response_id, cells.row_of(r.response_id),
                             c.response_id, cells.row_of(c.response_id), q, old, new,
                             "den gjeldende rapporten er den seneste"])
    for r in raw.dropna(subset=["overlapping_versions"]).itertuples(index=False):
        for version in json.loads(r.overlapping_versions or "[]"):
            rows.append(["Samme Forms-ID i en annen eksport, endret senere", "", "", "", r.response_id,
                         version.get("row"), r.response_id, r.source_row, "", f"{version.get('file')}",
                         r.source_file, "den senest endrede versjonen gjelder"])
    return pd.DataFrame(rows, columns=headers)


def _per_project(projects: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """One row per project, each rule that listed something for it in a column of its own."""
    base = pd.DataFrame({
        "Fylke": projects["county"], "Kommunenummer": projects["municipality_no"],
        "Kommune": projects["municipality"].fillna(projects["municipality_reported"]),
        "Prosjekt": projects["project_title"], "Forms-ID": projects["response_id"], "Rad": projects["source_row"],
        "Tilskudd (kr)": projects["grant_amount_nok"],
        "Prosjektrapport levert": projects["project_report_delivered"].map({True: "Ja", False: "Nei"}),
    })
    listed = records.dropna(subset=["response_id"])
    listed = listed[listed["response_id"].isin(set(projects["response_id"]))]
    for kind, header in (("breach", "Funn"), ("follow_up", "Til oppfølging"), ("data_note", "Merknader")):
        base[header] = base["Forms-ID"].map(listed[listed["kind"] == kind].groupby("response_id").size()).fillna(0) \
            .astype(int)
    for rule in sorted(set(listed["rule"])):
        of_rule = listed[listed["rule"] == rule].groupby("response_id")["message_nb"].apply(" | ".join)
        base[rule] = base["Forms-ID"].map(of_rule)
    return base.sort_values(["Fylke", "Kommune", "Prosjekt"], na_position="first").reset_index(drop=True)


def _reconciliation(data) -> tuple[pd.DataFrame, str]:
    counties = data.marts["mart_county_summary"].dropna(subset=["county"])
    if not data.allocations_official:
        return pd.DataFrame(), (f"Helsedirektoratets fordeling per fylke for {data.grant_year} er ikke lagt inn "
                                "(allocations.csv har ikke en offisiell kilde for året), så bruken er ikke avstemt "
                                "mot fordelingen. Se docs/auditors.md: Loading the official allocations of a year.")
    frame = pd.DataFrame({"Fylke": counties["county"], "Fordelt (kr)": counties["allocation_nok"],
                          "Tilskudd til prosjekter (kr)": counties["granted_nok"],
                          "Prosjekter uten oppgitt beløp": counties["n_grant_amount_missing"],
                          "Kompetansebygging (kr)": counties["competence_nok"],
                          "Ikke brukt (kr)": counties["unspent_nok"], "Kilde": counties["allocation_source"]})
    return frame.reset_index(drop=True), ""


def _read(conn, table: str, year: int, columns: str = "*") -> pd.DataFrame:
    if not sa.inspect(conn).has_table(table):
        return pd.DataFrame()
    return pd.read_sql_query(sa.text(f'SELECT {columns} FROM "{table}" WHERE grant_year = :y'), conn,
                             params={"y": year})


def build(data, engine: sa.Engine, provenance, reference_dir: Path, data_dir: Path) -> AuditPackage:
    from friskliv_pipeline.checks.suites import all_rules, not_covered
    from friskliv_pipeline.report import regelverk as regelverk_doc
    from friskliv_pipeline.report.data import CHECK_COLUMNS

    year = data.grant_year
    regelverk = regelverk_doc.load(reference_dir, year)
    raw_columns = ", ".join(["response_id", "source_file", "source_row", "completion_time", "overlapping_versions",
                             *RAW_QUESTIONS])
    with engine.connect() as conn:
        raw = _read(conn, "raw_responses", year, raw_columns)
        projects = _read(conn, "projects", year)
        superseded = _read(conn, "superseded_responses", year)
        responses = _read(conn, "responses", year, "response_id, county, competence_used")
        competence = _read(conn, "competence_building", year)
        conflicts = _read(conn, "competence_building_conflicts", year)
    every = all_rules()
    rules = {(r.suite, r.id): r for r in every} | {(None, r.id): r for r in every}
    checks = data.check_results if data.check_results is not None else pd.DataFrame(columns=CHECK_COLUMNS)
    counted = tally(checks)
    rule_set = rule_set_digest()
    front = [("Tilskuddsår", str(year)), ("Kjøring", f"Dagster-kjøring {provenance.run_id}"),
             ("Kodeversjon", f"friskliv-pipeline {provenance.code_version}"), ("Laget", provenance.generated_at),
             ("Regelverk", regelverk.edition), ("Regelverkets kilde", regelverk.source),
             ("Regelsettet (SHA-256)", rule_set), ("Kontroller", counted.text("nb")),
             ("Ikke vurdert", ", ".join(counted.not_evaluated) or "ingen")]
    recon, recon_note = _reconciliation(data)
    return AuditPackage(
        grant_year=year, front=front,
        files=_files(provenance.inputs, data_dir, reference_dir, year, provenance.analyst_files, rule_set),
        checks=_checks(checks, rules, regelverk, year, not_covered()),
        findings=_findings(data.findings, raw, projects, rules, regelverk, year),
        coverage=_coverage(regelverk, {k: v for k, v in rules.items() if k[0] is not None}, not_covered()),
        replaced=_replaced(raw, superseded, responses, competence, conflicts),
        per_project=_per_project(projects, data.findings),
        reconciliation=recon, reconciliation_note=recon_note, tally=counted)


def write_workbook(package: AuditPackage, target: Path) -> Path:
    """revisjonsgrunnlag_<year>.xlsx: one sheet per part, bokmål headers, a bold frozen header row and
    column widths to read by; text that looks like a formula is shown as typed (report/xlsx.py)."""
    from friskliv_pipeline.report.xlsx import write_sheets

    return write_sheets(target, {name[:31]: frame for name, frame in package.sheets().items()})
