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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from friskliv_pipeline.checks.status import (
    KIND_NB, SEVERITY_EXPLAINED_NB, SEVERITY_HEADER_NB, SEVERITY_NB, STATUS_NB, Tally, tally,
)
from friskliv_pipeline.core.bokmal import grouped
from friskliv_pipeline.core.contract import RAW_QUESTION_COLUMNS
from friskliv_pipeline.forms.export_reader import sha256_of
from friskliv_pipeline.forms.schema import county_level_questions
from friskliv_pipeline.report.language import blank, date

RAW_QUESTIONS = [c.name for c in RAW_QUESTION_COLUMNS]
FINDING_HEADERS = ["Fylke", "Kommunenummer", "Kommune", "Prosjekt", "Forms-ID", "Rad", "Regel", "Regelverkets punkt",
                   "Punktets tekst", "Type", SEVERITY_HEADER_NB, "Spørsmål", "Verdi som eksportert", "Verdi tolket",
                   "Terskel", "Tilskudd (kr)", "Svartidspunkt", "Frist", "Funn", "Andre funn på samme prosjekt",
                   "Revisors status", "Revisors kommentar"]
# Findings listed one by one in the auditor's edition; the rest are counted per rule. All of them
# stay in audit_findings and the auditor's workbook: a document that grows with the data would take
# WeasyPrint minutes to lay out and nobody reads page 400 of a findings table.
MAX_FINDINGS_LISTED = 100
# The part of «Avstemming» that lists the form's answers about money carried over: one row per answer,
# so it grows with the data (the edition lists MAX_FINDINGS_LISTED of them; the workbook all).
CARRY_OVER_PART = "Skjemaets svar om overføring"
RISK_ORDER = ("høy", "middels", "lav", "ingen")
PACKAGE_NOTE = (
    "Eksporten ligger bare i råsonen, fordi den har navn og e-post til dem som svarte: datamappens "
    "archive/<år>/<SHA-256>.<filtype>, byte-lik filen som ble lest. Revisor får den derfra (eller fra "
    "fylkeskommunen) og kontrollerer den med «sha256sum <fil>» mot SHA-256 på forsiden; en fil som er lagret på nytt "
    "med de samme cellene, har en annen SHA-256. Filene revisjon.* og revisjonsgrunnlag_*.xlsx publiseres ikke.")
DATA_DOCS_NOTE = (
    "Great Expectations' Data Docs (validation/gx/uncommitted/data_docs/local_site/index.html) er det tekniske "
    "valideringsloggen, på engelsk. Der står bare reglene som kan gi funn og som ble vurdert, med GX' eget "
    "bestått/feilet. Oppfølgingslister og merknader (som ikke er funn) og regler som ikke ble vurdert, står ikke der. "
    "Det som gjelder for revisjonen, er dette grunnlaget og tabellene audit_check_results og audit_findings: de har "
    "hver regel med status, og hvert funn.")


@dataclass
class AuditPackage:
    grant_year: int
    front: list[tuple[str, str]]  # (what, value): run, code, export, digests, regelverk, when, tally
    exports: list["HeldExport"]  # the exports the run read, each named where the raw zone archived it
    files: pd.DataFrame  # Fil, Hva, SHA-256: every export, reference file and rule file
    checks: pd.DataFrame  # Kontroller
    findings: pd.DataFrame  # Funn (FINDING_HEADERS): the rows the edition reads (all are in finding_chunks)
    coverage: pd.DataFrame  # Dekning
    replaced: pd.DataFrame  # Erstattede svar
    per_project: pd.DataFrame  # Per prosjekt
    reconciliation: pd.DataFrame  # Avstemming: national, per county (official only), the form's answers
    reconciliation_note: str
    tally: Tally
    finding_chunks: Callable[[], Iterator[pd.DataFrame]] | None = None  # every «Funn» row, a chunk at a time

    def sheets(self) -> dict[str, pd.DataFrame | Iterator[pd.DataFrame]]:
        front = pd.DataFrame(self.front, columns=["Hva", "Verdi"])
        note = pd.DataFrame([(SEVERITY_HEADER_NB, SEVERITY_EXPLAINED_NB), ("Tilgang", PACKAGE_NOTE),
                             ("Data Docs", DATA_DOCS_NOTE)], columns=["Hva", "Verdi"])
        recon = self.reconciliation if len(self.reconciliation) else pd.DataFrame(
            [(self.reconciliation_note,)], columns=["Hvorfor arket er tomt"])
        funn = self.finding_chunks() if self.finding_chunks is not None else self.findings
        return {"Forside": pd.concat([front, note], ignore_index=True), "Filer": self.files, "Funn": funn,
                "Kontroller": self.checks, "Dekning": self.coverage, "Erstattede svar": self.replaced,
                "Per prosjekt": self.per_project, "Avstemming": recon}


def rule_set_files() -> list[Path]:
    """The files that define the checks: every suite, the list of what no check covers, and each
    rule's re-performance query (or why it has none)."""
    from friskliv_pipeline.checks.reperform import REPERFORM_DIR
    from friskliv_pipeline.checks.suites import EXPECTATIONS_DIR

    return sorted([*EXPECTATIONS_DIR.glob("*.json"), *EXPECTATIONS_DIR.glob("*.yml"),
                   *REPERFORM_DIR.glob("*/*.sql"), *REPERFORM_DIR.glob("*/*.txt")])


def digest(files: list[tuple[str, str]]) -> str:
    """One SHA-256 over (name, SHA-256) pairs: a line "<name> <sha256>" each, in the order given."""
    return hashlib.sha256("".join(f"{name} {sha}\n" for name, sha in files).encode("utf-8")).hexdigest()


def rule_file_name(path: Path) -> str:
    """ "expectations/projects.json", "expectations/reperform/projects/q01.county_required.sql"."""
    from friskliv_pipeline.checks.suites import EXPECTATIONS_DIR

    return path.relative_to(EXPECTATIONS_DIR.parent).as_posix()


def rule_set_digest() -> str:
    """One SHA-256 for the rule set: over each rule file's name and SHA-256, in name order."""
    return digest([(rule_file_name(p), sha256_of(p)) for p in rule_set_files()])


@dataclass(frozen=True)
class HeldExport:
    """An export the run read and the raw zone's archived copy of it (``defs/raw.archive``:
    <data_dir>/archive/<year>/<sha256>.<ext>), the file the front sheet's SHA-256 names. It is not
    copied into the package: it holds respondents' names and e-mails, which never leave the raw zone."""

    file: str  # as it was named in the landing folder
    sha256: str
    archived: Path

    @property
    def held_as(self) -> str:
        """Where the package says the file is: relative to the data folder."""
        return f"archive/{self.archived.parent.name}/{self.archived.name}"


def held_exports(inputs: list[dict], data_dir: Path, grant_year: int) -> list[HeldExport]:
    out = []
    for f in inputs:
        suffix = Path(f["file"]).suffix.lower()
        out.append(HeldExport(f["file"], f["sha256"],
                              Path(data_dir) / "archive" / str(grant_year) / f"{f['sha256']}{suffix}"))
    return out


def _files(exports: list[HeldExport], reference_dir: Path, analyst: list[dict],
           rule_set: str) -> tuple[pd.DataFrame, str]:
    """Every file the package rests on with its SHA-256, and the digest over the reference files."""
    from friskliv_pipeline.forms.schema import questionnaire_path
    from friskliv_pipeline.core.reference import REFERENCE_FILES

    rows = [(e.file, f"eksporten; arkivert i råsonen som {e.held_as} (i datamappen), med SHA-256 som filnavn",
             e.sha256) for e in exports]
    reference = []
    for name in REFERENCE_FILES.values():
        path = Path(reference_dir) / name
        if path.exists():
            reference.append((name, "referansetabell", sha256_of(path)))
    questions = questionnaire_path(reference_dir)
    if questions.exists():
        reference.append((str(questions.relative_to(reference_dir)), "referansetekst (skjemaets spørsmål)",
                          sha256_of(questions)))
    for f in analyst:
        reference.append((f["file"], "referansetekst (skjema, regelverk, kommentar, temaer)", f["sha256"]))
    reference_digest = digest([(name, sha) for name, _what, sha in reference])
    rows += reference
    rows.append(("referansedata samlet", "SHA-256 over hver referansefils navn og SHA-256, i rekkefølgen over",
                 reference_digest))
    for path in rule_set_files():
        rows.append((rule_file_name(path), "regelsettet (kontrollene)", sha256_of(path)))
    rows.append(("regelsettet samlet", "SHA-256 over hver regelfils navn og SHA-256", rule_set))
    return pd.DataFrame(rows, columns=["Fil", "Hva", "SHA-256"]), reference_digest


def _point_texts(regelverk, points: list[str], rule=None) -> tuple[str, str]:
    """The cited points as "5B Kompetansebygging" and their text; a point the year's regelverk has
    no heading for stops the report: a rule must cite what the regelverk says."""
    from friskliv_pipeline.core.errors import FrisklivError

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
    from friskliv_pipeline.core.deadlines import (
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


def on_project(records: pd.DataFrame) -> pd.Series:
    """Per finding: is it about a project (its record names a municipality or a project)? A finding
    on the county's own answers (``checks.findings``: q02-q12) names neither: it is never
    attributed to the project whose response happened to carry the county's answers."""
    if records.empty:
        return pd.Series(False, index=records.index)
    return (records["municipality"].notna() | records["project_title"].notna()) & records["response_id"].notna()


class _FindingRows:
    """The «Funn» rows of a year's findings, a chunk of records at a time: what every row looks up
    (the export's cells, the projects' numbers and grants, each project's rules, each rule's point
    and threshold) is gathered once, so the sheet's rows never all exist at once."""

    def __init__(self, records: pd.DataFrame, raw: pd.DataFrame, projects: pd.DataFrame, rules: dict, regelverk,
                 grant_year: int):
        deadlines = _deadlines(grant_year)
        whose = {"municipality": "kommunens prosjektrapport", "county": "fylkeskommunens rapportering"}
        self.deadline_text = {kind: f"{date(day)} ({whose[kind]})" for kind, day in deadlines.items()}
        self.cells = _Cells(raw)
        self.numbers = dict(zip(projects["response_id"], projects["municipality_no"])) if len(projects) else {}
        self.grants = dict(zip(projects["response_id"], projects["grant_amount_nok"])) if len(projects) else {}
        about_project = on_project(records)
        self.rules_of = records[about_project].groupby("response_id")["rule"].apply(set).to_dict() \
            if len(records) else {}
        self.rules, self.regelverk = rules, regelverk
        self.described = {}  # (asset, rule) -> point, point text, threshold: once per rule, not per finding

    def _describe(self, asset, rule_id):
        from friskliv_pipeline.report.appendices import threshold_text
        from friskliv_pipeline.report.regelverk import cited_points

        if (asset, rule_id) not in self.described:
            rule = self.rules.get((asset, rule_id)) or self.rules.get((None, rule_id))
            point, text = _point_texts(self.regelverk, cited_points(rule.source) if rule else [], rule)
            self.described[asset, rule_id] = (point, text,
                                              threshold_text(rule).replace("\u00a0", " ") if rule else "")
        return self.described[asset, rule_id]

    def frame(self, records: pd.DataFrame) -> pd.DataFrame:
        cells, numbers, grants = self.cells, self.numbers, self.grants
        rows = []
        for f, project_level in zip(records.itertuples(index=False), on_project(records)):
            point, text, threshold = self._describe(f.asset, f.rule)
            rid = None if pd.isna(f.response_id) else str(f.response_id)
            exported = answered = None
            if rid is not None and rid in cells:
                if isinstance(f.question_id, str) and f.question_id in cells.columns:
                    exported = cells.get(rid, f.question_id)
                answered = cells.get(rid, "completion_time")
            deadline = self.deadline_text["municipality" if f.rule == "q37.project_report_delivered" else "county"]
            others = sorted(self.rules_of.get(rid, set()) - {f.rule}) if rid and project_level else []
            grant = grants.get(rid) if project_level else None
            rows.append([blank(f.county), blank(numbers.get(rid)) if project_level else "", blank(f.municipality),
                         blank(f.project_title), blank(rid), None if pd.isna(f.sheet_row) else int(f.sheet_row),
                         f.rule, point, text, KIND_NB[f.kind], SEVERITY_NB[f.severity], blank(f.question_id),
                         blank(exported), blank(f.value), threshold,
                         None if grant is None or pd.isna(grant) else int(grant), blank(answered), deadline,
                         f.message_nb, ", ".join(others), "", ""])
        return pd.DataFrame(rows, columns=FINDING_HEADERS)

    def chunks(self, records: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
        """The «Funn» sheet ``size`` records at a time (at least one frame, maybe empty)."""
        for start in range(0, max(len(records), 1), size):
            yield self.frame(records.iloc[start:start + size])


FINDING_CHUNK_ROWS = 20_000  # «Funn» rows built and written at a time


def _findings(records: pd.DataFrame, raw: pd.DataFrame, projects: pd.DataFrame, rules: dict, regelverk,
              grant_year: int) -> pd.DataFrame:
    return _FindingRows(records, raw, projects, rules, regelverk, grant_year).frame(records)


def _edition_records(data, records: pd.DataFrame) -> pd.DataFrame:
    """The records whose «Funn» row the edition reads (document._with_details: by Forms-ID and rule,
    for the records its appendix lists), in the sheet's order: the edition never needs the whole sheet."""
    from friskliv_pipeline.report.data import auditor_appendix

    if records.empty:
        return records
    appendix = auditor_appendix(data, MAX_FINDINGS_LISTED)
    keys = {(r.get("response_id", ""), r["rule"]) for section in (appendix.breaches, appendix.follow_up,
                                                                 appendix.data_notes) for r in section.listed}
    forms_id = [blank(None if pd.isna(v) else str(v)) for v in records["response_id"]]
    return records[[(i, rule) in keys for i, rule in zip(forms_id, records["rule"])]]


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
    return pd.DataFrame(rows, columns=["Tabell", "Regel", "Type", SEVERITY_HEADER_NB, "Regelverkets punkt",
                                       "Hva kontrolleres", "Populasjon", "Funn", "Status", "Grunn",
                                       "Slik etterprøves kontrollen"])


COVERAGE_HEADERS = ["Punkt", "Tittel", "Dekning", "Kontroller som er vurdert", "Kontroller som ikke er vurdert, og hvorfor",
                    "Ikke dekket, og hvorfor", "Begrunnelse"]


def _coverage(regelverk, rules: dict, not_covered, check_results: pd.DataFrame) -> pd.DataFrame:
    """Every point of the year's regelverk: covered only by the rules that were evaluated this year.
    A point whose rules were all not evaluated is «ikke vurdert» (which rules, and why); every point
    has a reason in «Begrunnelse»."""
    from friskliv_pipeline.report.regelverk import cited_points

    reasons: dict[str, list[str]] = {}  # rule id -> why not evaluated (one per suite where it was not)
    evaluated: set[str] = set()
    for c in check_results.itertuples(index=False):
        if c.status == "not_evaluated":
            reasons.setdefault(c.check_name, []).append(blank(c.reason_nb) or "ingen grunn oppgitt")
        else:
            evaluated.add(c.check_name)
    rows = []
    for point in regelverk.points:
        covering = sorted({r.id for r in rules.values() if point.number in cited_points(r.source)})
        judged = [r for r in covering if r in evaluated]
        skipped = [r for r in covering if r not in evaluated]
        gaps = [n for n in not_covered if n.point == point.number]
        if judged:
            status = "dekket" if not gaps and not skipped else "delvis dekket"
        else:
            status = "ikke vurdert" if skipped else "ikke dekket"
        why_skipped = "; ".join(
            f"{r}: {' / '.join(dict.fromkeys(reasons.get(r) or ['ingen resultat i audit_check_results for året']))}"
            for r in skipped)
        why_gap = "; ".join(f"{n.requirement}: {n.reason}" for n in gaps)
        if not covering and not gaps:
            why_gap = "Ingen kontroll viser til punktet, og ingen grunn er oppgitt i expectations/not_covered.yml."
        because = {
            "dekket": f"Vurdert for {regelverk.grant_year} av {', '.join(judged)}.",
            "delvis dekket": f"Vurdert for {regelverk.grant_year} av {', '.join(judged)}, men ikke alt punktet krever: "
                             "se kolonnene til venstre.",
            "ikke vurdert": f"Kontrollene som dekker punktet ({', '.join(skipped)}) ble ikke vurdert for "
                            f"{regelverk.grant_year}: {why_skipped}",
            "ikke dekket": why_gap,
        }[status]
        rows.append([point.number, point.title, status, ", ".join(judged), why_skipped, why_gap, because])
    return pd.DataFrame(rows, columns=COVERAGE_HEADERS)


@dataclass(frozen=True)
class Threshold:
    """A limit a rule lists a project's grant by (regelverk6.revisor_attestation: 200 000 kr or more),
    read from the rule's own expectation (``expect_column_values_to_be_between`` on the amount)."""

    rule: str
    column: str
    limit: float
    strict: bool  # True: the limit itself is listed ("or more"); False: only above it
    text: str  # "200 000 kr eller mer"

    def lists(self, value) -> bool:
        return value is not None and (value >= self.limit if self.strict else value > self.limit)


def amount_thresholds(rules, column: str = "grant_amount_nok") -> list[Threshold]:
    """The upper limits the rules judge ``column`` by, highest first, each from its expectation's
    kwargs (``max_value``, ``strict_max``): no threshold is written twice."""
    from friskliv_pipeline.report.appendices import threshold_text

    out = {}
    for rule in rules:
        for e in rule.expectations:
            if e.type == "expect_column_values_to_be_between" and e.column == column \
                    and isinstance(e.kwargs.get("max_value"), (int, float)):
                out[rule.id] = Threshold(rule.id, column, e.kwargs["max_value"], bool(e.kwargs.get("strict_max")),
                                         threshold_text(rule).replace("\u00a0", " "))
    return sorted(out.values(), key=lambda t: -t.limit)


def crossed(old_text, new_text, thresholds: list[Threshold]) -> str:
    """The limits an amount crossed when one answer replaced another ("500 000 kr", "200 000 kr"): a rule
    would list one amount and not the other."""
    from friskliv_pipeline.cleaning.money import parse_nok

    old, new = parse_nok(old_text).nok, parse_nok(new_text).nok
    if old is None or new is None:
        return ""
    hits = [t for t in thresholds if t.lists(old) != t.lists(new)]
    return "; ".join(f"{t.text} ({t.rule}): {'det erstattede svaret' if t.lists(old) else 'det gjeldende svaret'} "
                     "ville blitt listet" for t in hits)


REPLACED_HEADERS = ["Hva", "Fylke", "Kommune", "Prosjekt", "Forms-ID (erstattet)", "Rad (erstattet)",
                    "Forms-ID (gjeldende)", "Rad (gjeldende)", "Spørsmål", "Verdi i det erstattede svaret",
                    "Verdi i det gjeldende svaret", "Terskel krysset", "Grunn"]


def _replaced(raw: pd.DataFrame, superseded: pd.DataFrame, responses: pd.DataFrame, competence: pd.DataFrame,
              conflicts: pd.DataFrame, thresholds: list[Threshold]) -> pd.DataFrame:
    """Every superseded or merged answer: the values that differ between the replaced and the kept
    response, and the grant limits a replaced amount crossed (the replaced answer would have been
    listed by a rule the kept one escapes, or the other way round)."""
    from friskliv_pipeline.checks.frames import question_for
    from friskliv_pipeline.cleaning.projects import REASONS_NB

    amount_question = question_for("projects", "grant_amount_nok")
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
                         cells.row_of(s.superseded_by), q, old, new,
                         (crossed(old, new, thresholds) or "ingen") if q == amount_question else "",
                         REASONS_NB.get(s.reason, blank(s.reason))])
    competence_questions = sorted(county_level_questions())
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
                             c.response_id, cells.row_of(c.response_id), q, old, new, "",
                             "den gjeldende rapporten er den seneste"])
    for r in raw.dropna(subset=["overlapping_versions"]).itertuples(index=False):
        for version in json.loads(r.overlapping_versions or "[]"):
            rows.append(["Samme Forms-ID i en annen eksport, endret senere", "", "", "", r.response_id,
                         version.get("row"), r.response_id, r.source_row, "", f"{version.get('file')}",
                         r.source_file, "", "den senest endrede versjonen gjelder"])
    return pd.DataFrame(rows, columns=REPLACED_HEADERS)


PER_PROJECT_RISK = {
    "høy": "stopper publisering, eller tilskudd på {limit} uten levert prosjektrapport",
    "middels": "brudd på regelverket eller skjemaet, eller tilskudd på {limit} til oppfølging",
    "lav": "bare oppfølgingspunkter eller merknader",
    "ingen": "ingen funn, oppfølgingspunkter eller merknader",
}


def _yes_no(values: pd.Series) -> pd.Series:
    """A Ja/Nei column as read from SQLite (0/1) or PostgreSQL (bool): Ja, Nei or «ikke besvart»."""
    return values.map(lambda v: "ikke besvart" if v is None or pd.isna(v) else ("Ja" if bool(v) else "Nei"))


def _per_project(projects: pd.DataFrame, records: pd.DataFrame, thresholds: list[Threshold]) -> pd.DataFrame:
    """One row per project: the grant at stake, whether the project report was delivered (q37), a risk
    that combines its findings, and each rule that listed something for it in a column of its own;
    riskiest first, then by amount. The revisor limit (the lowest amount threshold of the rules)
    decides which grants are large."""
    limit = thresholds[-1] if thresholds else None
    base = pd.DataFrame({
        "Fylke": projects["county"], "Kommunenummer": projects["municipality_no"],
        "Kommune": projects["municipality"].fillna(projects["municipality_reported"]),
        "Prosjekt": projects["project_title"], "Forms-ID": projects["response_id"], "Rad": projects["source_row"],
        "Tilskudd (kr)": projects["grant_amount_nok"],
        "Prosjektrapport levert": _yes_no(projects["project_report_delivered"]),
    })
    listed = records[on_project(records)]
    listed = listed[listed["response_id"].isin(set(projects["response_id"]))]
    for kind, header in (("breach", "Funn"), ("follow_up", "Til oppfølging"), ("data_note", "Merknader")):
        base[header] = base["Forms-ID"].map(listed[listed["kind"] == kind].groupby("response_id").size()).fillna(0) \
            .astype(int)
    blocking = base["Forms-ID"].isin(set(listed.loc[listed["severity"] == "ERROR", "response_id"]))
    large = base["Tilskudd (kr)"].map(lambda v: bool(limit and limit.lists(None if pd.isna(v) else v)))
    no_report = base["Prosjektrapport levert"] != "Ja"
    risk = pd.Series("ingen", index=base.index)
    risk[(base["Til oppfølging"] + base["Merknader"]) > 0] = "lav"
    risk[(base["Funn"] > 0) | (large & (base["Til oppfølging"] > 0))] = "middels"
    risk[blocking | (large & no_report)] = "høy"
    limit_text = limit.text if limit else ""
    base["Risiko"] = risk
    base["Hvorfor"] = risk.map(lambda r: PER_PROJECT_RISK[r].format(limit=limit_text))
    for rule in sorted(set(listed["rule"])):
        of_rule = listed[listed["rule"] == rule].groupby("response_id")["message_nb"].apply(" | ".join)
        base[rule] = base["Forms-ID"].map(of_rule)
    base["_risk"] = base["Risiko"].map(RISK_ORDER.index)
    base["_amount"] = -base["Tilskudd (kr)"].fillna(-1)
    return base.sort_values(["_risk", "_amount", "Fylke", "Kommune", "Prosjekt"], na_position="first") \
        .drop(columns=["_risk", "_amount"]).reset_index(drop=True)


RECONCILIATION_HEADERS = ["Del", "Fylke", "Post", "Beløp (kr)", "Andel av fordelt (%)", "Kilde, svar eller merknad"]


def _kr(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _source_text(source) -> str:
    from friskliv_pipeline.core.reference import is_official

    return blank(source) if is_official(source) else f"illustrativ, ikke Helsedirektoratets tall ({blank(source)})"


def _carry_over_said(projects: pd.DataFrame, competence: pd.DataFrame, grant_year: int) -> list[list]:
    """What the form says about the difference: each answer the carry-over rule
    (``checks.frames.CARRY_OVER_QUESTIONS``) reads as money carried over or a project going on, per
    county, with an amount where the answer names one (else the project's grant)."""
    from friskliv_pipeline.checks.frames.carry_over import CARRY_OVER_QUESTIONS, carry_over_answers
    from friskliv_pipeline.cleaning.money import split_description_and_amount
    from friskliv_pipeline.core.contract import column_of

    rows = []
    for suite, table in (("competence_building", competence), ("projects", projects)):
        if table.empty:
            continue
        for qid in CARRY_OVER_QUESTIONS[suite]:
            answers = table[column_of(qid, suite)]
            said = table[carry_over_answers(answers, grant_year).to_numpy()]
            for r, text in zip(said.to_dict("records"), answers[carry_over_answers(answers, grant_year).to_numpy()]):
                named = split_description_and_amount(text).nok
                if suite == "competence_building":
                    post = f"spm. {int(qid[1:])} (fylkeskommunen), Forms-ID {blank(r.get('response_id'))}"
                    amount, what = named, "beløp i svaret" if named is not None else ""
                else:
                    place = blank(r.get("municipality")) or blank(r.get("municipality_reported"))
                    post = (f"spm. {int(qid[1:])}, {place}: «{blank(r.get('project_title'))}», "
                            f"Forms-ID {blank(r.get('response_id'))}")
                    amount = named if named is not None else _kr(r.get("grant_amount_nok"))
                    what = "beløp i svaret" if named is not None else "prosjektets tilskudd"
                rows.append([CARRY_OVER_PART, blank(r.get("county")), post, amount, None,
                             f"«{' '.join(str(text).split())}»" + (f" ({what})" if what else "")])
    return sorted(rows, key=lambda row: (row[1], row[2]))


def _reconciliation(data, projects: pd.DataFrame, competence: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """«Avstemming» from mart_reconciliation: the national distribution against what the counties
    report as used (always, its source named), per county where the allocations are official (else
    one line saying why not), then what the form's answers say about the difference."""
    recon = data.marts.get("mart_reconciliation")
    rows = []
    if recon is not None and len(recon):
        n = recon[recon["scope"] == "national"]
        if len(n):
            r = n.iloc[0]
            source = _source_text(r["distributed_source"])
            missing = int(r["n_grant_amount_missing"] or 0)
            rows += [
                ["Landet", "", "Bevilgning", _kr(r["appropriation_nok"]), None, source],
                ["Landet", "", "Til utviklingssentraler", _kr(r["development_centres_nok"]), None, source],
                ["Landet", "", "Fordelt til fylkene", _kr(r["distributed_nok"]), 100 if _kr(r["distributed_nok"]) else None,
                 source],
                ["Landet", "", "Rapportert: tilskudd til prosjekter", _kr(r["granted_nok"]), None,
                 f"{missing} prosjekter uten lesbart beløp" if missing else "fylkeskommunenes svar (spm. 23)"],
                ["Landet", "", "Rapportert: kompetansebygging", _kr(r["competence_nok"]), None,
                 "fylkeskommunenes svar (spm. 5–12)"],
                ["Landet", "", "Differanse (fordelt − rapportert brukt)", _kr(r["difference_nok"]),
                 _kr(r["pct_difference"]), "øvre grense: noen beløp mangler" if missing else "ikke rapportert som brukt"],
            ]
        counties = recon[recon["scope"] == "county"]
        if data.allocations_official and len(counties):
            for r in counties.to_dict("records"):
                rows += [["Per fylke", r["county"], "Fordelt", _kr(r["distributed_nok"]), 100, _source_text(r["distributed_source"])],
                         ["Per fylke", r["county"], "Rapportert brukt (prosjekter og kompetansebygging)",
                          _kr(r["reported_used_nok"]), None,
                          f"prosjekter {grouped(_kr(r['granted_nok']) or 0, ' ')} kr, "
                          f"kompetansebygging {grouped(_kr(r['competence_nok']) or 0, ' ')} kr"],
                         ["Per fylke", r["county"], "Differanse", _kr(r["difference_nok"]), _kr(r["pct_difference"]), ""]]
        else:
            rows.append(["Per fylke", "", "Fordelingen per fylke", None, None,
                         f"Helsedirektoratets fordeling per fylke for {data.grant_year} er ikke lagt inn "
                         "(allocations.csv har ikke en offisiell kilde for året); se docs/auditors.md"])
    rows += _carry_over_said(projects, competence, data.grant_year)
    frame = pd.DataFrame(rows, columns=RECONCILIATION_HEADERS)
    for column in ("Beløp (kr)", "Andel av fordelt (%)"):
        frame[column] = pd.array([None if v is None or pd.isna(v) else int(v) for v in frame[column]], dtype="Int64")
    note = "" if len(frame) else f"mart_reconciliation har ingen rader for {data.grant_year}"
    return frame, note


def _read(conn, table: str, year: int, columns: str = "*") -> pd.DataFrame:
    if not sa.inspect(conn).has_table(table):
        return pd.DataFrame()
    from friskliv_pipeline.warehouse.database import read_query

    return read_query(conn, f'SELECT {columns} FROM "{table}" WHERE grant_year = :y', {"y": year})


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
    exports = held_exports(provenance.inputs, data_dir, year)
    files, reference_digest = _files(exports, reference_dir, provenance.analyst_files, rule_set)
    several = len(exports) > 1
    export_rows = [row for i, e in enumerate(exports, start=1) for row in (
        (f"Eksport {i}" if several else "Eksporten", f"{e.file}, arkivert i råsonen som {e.held_as} (i datamappen; "
                                                     f"kontroller med «sha256sum {e.held_as}»)"),
        (f"Eksport {i}: SHA-256" if several else "Eksportens SHA-256", e.sha256))]
    front = [("Tilskuddsår", str(year)), ("Kjøring", f"Dagster-kjøring {provenance.run_id}"),
             ("Kodeversjon", f"friskliv-pipeline {provenance.code_version}"), ("Laget", provenance.generated_at),
             *export_rows,
             ("Regelverk", regelverk.edition), ("Regelverkets kilde", regelverk.source),
             ("Regelsettet (SHA-256)", rule_set), ("Referansedata (SHA-256)", reference_digest),
             ("Kontroller", counted.text("nb")),
             ("Ikke vurdert", ", ".join(counted.not_evaluated) or "ingen")]
    thresholds = amount_thresholds(r for r in every if r.suite == "projects")
    recon, recon_note = _reconciliation(data, projects, competence)
    finding_rows = _FindingRows(data.findings, raw, projects, rules, regelverk, year)
    return AuditPackage(
        grant_year=year, front=front, exports=exports, files=files,
        checks=_checks(checks, rules, regelverk, year, not_covered()),
        findings=finding_rows.frame(_edition_records(data, data.findings)),
        finding_chunks=lambda: finding_rows.chunks(data.findings, FINDING_CHUNK_ROWS),
        coverage=_coverage(regelverk, {k: v for k, v in rules.items() if k[0] is not None}, not_covered(), checks),
        replaced=_replaced(raw, superseded, responses, competence, conflicts, thresholds),
        per_project=_per_project(projects, data.findings, thresholds),
        reconciliation=recon, reconciliation_note=recon_note, tally=counted)


def write_workbook(package: AuditPackage, target: Path) -> Path:
    """revisjonsgrunnlag_<year>.xlsx: one sheet per part, bokmål headers, a bold frozen header row and
    column widths to read by; text that looks like a formula is shown as typed (report/xlsx.py)."""
    from friskliv_pipeline.report.xlsx import write_sheets

    return write_sheets(target, {name[:31]: frame for name, frame in package.sheets().items()})
