"""Deterministic demo exports for grant years 2023 and 2024 (``friskliv demo-data``).

The 2024 export is built to reproduce the published figures of the 2024 report's section 4
(115 projects in 15 counties, 11 % inter-municipal, 57 % aimed at both target groups, …),
with the messiness real exports have: Norwegian and English locales, money written every
which way, municipality names in any case, "Begge disse gruppene" next to ticking both
groups, resubmitted projects, repeated competence reports. The findings the checks should
raise are planted on purpose and listed in ``assets/raw/README.md`` (``PLANTED``).

No personal data is real: respondents are invented names at invented addresses.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from friskliv_pipeline.forms.schema import FormSchema, attainment_answers, load_form_schema
from friskliv_pipeline.core.reference import read_reference
from friskliv_pipeline.core.bokmal import grouped

SEED = 20240
NB_METADATA = ["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-post", "Navn", "Tidspunkt for siste endring"]
EN_METADATA = ["ID", "Start time", "Completion time", "Email", "Name"]

# Published 2024 figures (report section 4) the demo reproduces.
PROJECTS_2024 = {"Møre og Romsdal": 17, "Rogaland": 3, "Østfold": 3, "Akershus": 9, "Oslo": 8, "Innlandet": 10,
                 "Buskerud": 6, "Vestfold": 5, "Telemark": 7, "Agder": 8, "Vestland": 11, "Trøndelag": 10,
                 "Nordland": 7, "Troms": 6, "Finnmark": 5}
PROJECTS_2023 = {"Oslo": 9, "Rogaland": 6, "Møre og Romsdal": 12, "Nordland": 8, "Viken": 19, "Innlandet": 9,
                 "Vestfold og Telemark": 10, "Agder": 8, "Vestland": 11, "Trøndelag": 9, "Troms og Finnmark": 7}


@dataclass(frozen=True)
class YearTargets:
    """Counts that fix the published percentages (of all projects unless noted)."""

    projects: dict[str, int]
    intercommunal: int
    target_both: int
    target_other: int
    diagnosis_specific: int
    not_collaborative: int
    collab_frisklivssentral: int  # of collaborative projects
    collab_other_municipal: int
    collab_user_or_volunteer: int
    lead: dict[str, int]
    with_goal: dict[int, int]  # criterion_no -> projects whose answer is not 'Ikke aktuelt'
    competence: dict[str, dict[str, int | str]]  # county -> category -> amount (q11: (text, amount))
    competence_not_used: dict[str, str]


TARGETS_2024 = YearTargets(
    projects=PROJECTS_2024, intercommunal=13, target_both=66, target_other=18, diagnosis_specific=16,
    not_collaborative=7, collab_frisklivssentral=101, collab_other_municipal=82, collab_user_or_volunteer=29,
    lead={"frisklivssentral": 93, "physio_ergo": 12, "mental_health": 1, "gp": 1, "other": 8},
    with_goal={1: 25, 2: 44, 3: 84, 4: 61, 5: 106, 6: 102, 7: 92, 8: 37, 9: 96, 10: 88, 11: 83, 12: 71},
    competence={
        "Akershus": {"course_leader_other": 38000, "other_measures": ("Nettverkssamling for alle fylkets frisklivssentraler, i samarbeid med utviklingssentraler og Statsforvalter", 61850)},
        "Oslo": {"method_courses": 52000, "other_measures": ("To fagmøter på Teams: Bruk av tolk og Friskus-prosjektet", 43000)},
        "Innlandet": {"other_measures": ("To dagers kompetansehevende samling etter kartlegging av behov i kommunene", 92400)},
        "Buskerud": {"external_courses": 24000, "other_measures": ("Fire kursdager: kommunikasjon og markedsføring, kognitiv terapi, utmattelse, smerte", 64000)},
        "Telemark": {"method_courses": 81287},
        "Agder": {"course_leader_other": 41000, "other_measures": ("To dagers samling om frisklivssentraler og interkommunalt samarbeid", 44000)},
        "Vestland": {"health_communication": 72000},
        "Møre og Romsdal": {"other_measures": ("To fagdager: Bra mat med nye kostråd; erfaringer fra tverrfaglige kurs om utmattelse", 78500)},
        "Trøndelag": {"method_courses": 35000, "external_courses": 20000, "other_measures": ("Nettverkssamling for frisklivssentralene", 30000)},
        "Nordland": {"other_measures": ("To dagers samling: Fysisk aktivitet i behandling, PED-t teori og praksis, søvnkurs", 47000)},
        "Troms": {"other_measures": ("Regional fagdag for frisklivssentralene", 50000)},
    },
    competence_not_used={
        "Østfold": "Har brukt fylkeskommunale midler til samlinger og prioritert å bevilge alle tilskuddsmidlene til kommunene.",
        "Vestfold": "Har heller benyttet fylkeskommunale midler. Har søkt om overføring av tilskuddsmidlene til 2025.",
        "Rogaland": "Fylkeskommunen hadde ikke kapasitet i form av tid eller ansatteressurser.",
        "Finnmark": "Det er ikke et prioritert område for fylkeskommunen.",
    },
)

TARGETS_2023 = YearTargets(
    projects=PROJECTS_2023, intercommunal=15, target_both=52, target_other=14, diagnosis_specific=19,
    not_collaborative=9, collab_frisklivssentral=88, collab_other_municipal=70, collab_user_or_volunteer=31,
    lead={"frisklivssentral": 84, "physio_ergo": 9, "mental_health": 3, "gp": 2, "other": 10},
    with_goal={1: 29, 2: 41, 3: 80, 4: 55, 5: 99, 6: 95, 7: 86, 8: 34, 9: 90, 10: 85, 11: 77, 12: 66},
    competence={
        "Oslo": {"method_courses": 48000, "other_measures": ("Fagdag om brukermedvirkning", 25000)},
        "Viken": {"course_leader_hdir": 60000, "external_courses": 35000},
        "Innlandet": {"other_measures": ("Nettverkssamling for frisklivssentralene i Innlandet", 88000)},
        "Vestfold og Telemark": {"course_leader_other": 45000, "other_measures": ("Regional samling", 40000)},
        "Agder": {"health_communication": 64000},
        "Vestland": {"method_courses": 70000, "user_involvement": 20000},
        "Trøndelag": {"other_measures": ("To fagdager for ansatte i kommunene", 57000)},
        "Troms og Finnmark": {"external_courses": 42000},
    },
    competence_not_used={
        "Rogaland": "Alle midlene ble fordelt til kommunene.",
        "Møre og Romsdal": "Kompetansebygging ble finansiert av andre midler.",
        "Nordland": "Manglende kapasitet i fylkeskommunen.",
    },
)

# Findings the demo data plants on purpose, per year (documented in assets/raw/README.md).
TARGETS = {2023: TARGETS_2023, 2024: TARGETS_2024}  # the demo's grant years and what each reproduces
DEMO_YEARS = tuple(TARGETS)

PLANTED = {
    2024: [
        "Finnmark leaves 35 000 kr of its allocation unspent (totals vs allocations)",
        "Oslo gives one project 540 000 kr (> 500 000 kr: evaluation plan required; ≥ 200 000 kr: revisor attestation)",
        "one Trøndelag project answers 'Delvis' without the q36 comment",
        "one Vestland project names 'Voss herad og Vaksdal' (two municipalities, inter-municipal)",
        "one Nordland project names 'Bodø sentrum', a place that is not a municipality",
        "one project's q38 comment gives a contact's e-mail address and phone number (masked in the public report)",
    ],
    2023: [
        "Viken reports its competence building twice with different amounts (conflicting repeat)",
        "one Agder project's grant is written 'ca. 150 000' (unparseable amount)",
        "one Vestland project names 'Ålesund', a municipality of Møre og Romsdal",
        "Rogaland's q04 reason is missing although q03 = Nei",
    ],
}

TOPICS = ["søvnkurs", "kurs i bedre psykisk helse", "frisklivsresept for unge voksne", "KOLS-skole",
          "diabetes type 2-kurs", "mestringskurs for kronisk smerte", "bra mat-kurs", "snus- og røykesluttkurs",
          "aktivitetstilbud for eldre", "familiebasert livsstilstilbud", "utmattelseskurs", "hverdagsrehabilitering",
          "lærings- og mestringstilbud for innvandrere", "samisk frisklivstilbud", "friskliv for gravide",
          "tankevirus-kurs", "KiD-kurs", "digitale frisklivstilbud", "lavterskel treningstilbud",
          "likepersonsarbeid i friskliv", "Hverdagsglede-kurs", "kurs for pårørende"]
TITLE_PREFIX = ["Etablering av", "Videreutvikling av", "Styrking av", "Prosjekt", "Utprøving av"]
FIRST_NAMES = ["Kari", "Ola", "Ingrid", "Per", "Silje", "Lars", "Marte", "Jon", "Hanne", "Erik", "Tone", "Nils",
               "Anne", "Geir", "Liv"]
LAST_NAMES = ["Nordmann", "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Berg", "Haugen", "Lie", "Dahl",
              "Moen", "Lund", "Strand", "Eide", "Solberg"]
LEAD_OTHER = ["Tjenesteleder for helse-, lærings- og mestringssenter",
              "Privat aktør i samarbeid med avdelingsleder i kommunen", "Kommunalsjef",
              "Prosjektgruppe med helsesjef, fysioterapeut, helsesøster og økonomisjef",
              "Senter for migrasjonshelse", "Tverrfaglig samarbeid mellom kommune og universitet",
              "Kommunal rehabiliteringsinstitusjon og NAV", "Folkehelsekoordinator"]
TARGET_OTHER = ["Gravide", "Unge i alderen 18-30 som står utenfor skole, utdanning og arbeid", "Hjemmeboende eldre",
                "Barn i 1.-6. trinn som ikke finner seg til rette i ordinære aktivitetstilbud",
                "Foreldre til barn i barnehage- og barneskolealder", "Personer med mild til moderat angst, stress og depresjon",
                "Befolkningen generelt"]
COMMENTS = ["Presset økonomi og nedskjæringer i kommunen.",
            "Prosjektet har kommet i gang, men må videreføres i neste år da det ikke er fullført.",
            "Oppnådd noen, men ikke alle delmål for prosjektet.",
            "Brukermedvirkning og likepersonsarbeid er et utviklingsområde.",
            "Vanskelig å gjennomføre prosjektet grunnet store omorganiseringer i kommunen.",
            "Vanskelig å måle når prosjektet kun har pågått i noen få måneder."]


def _spread(rng: random.Random, n: int, k: int) -> list[bool]:
    """Exactly k True among n, in random positions."""
    flags = [True] * k + [False] * (n - k)
    rng.shuffle(flags)
    return flags


def _money_text(rng: random.Random, amount: int) -> str:
    s = grouped(amount, " ")
    styles = [s, f"kr {s.replace(' ', '.')},-", f"{s} kr", str(amount), f"{s}\u00a0kr", f"NOK {amount}"]
    return rng.choice(styles)


def _name_variant(rng: random.Random, name: str) -> str:
    return rng.choice([name, name, f"{name} kommune", f" {name.lower()} ", name.upper(), f"{name} kommune."])


@dataclass
class _Project:
    county: str
    municipality: str
    title: str
    grant: int
    fields: dict = field(default_factory=dict)


class DemoBuilder:
    """Builds one grant year's responses as header → cell dictionaries."""

    def __init__(self, year: int, reference_dir: Path, targets: YearTargets):
        self.year = year
        self.rng = random.Random(SEED + year)
        self.form: FormSchema = load_form_schema(reference_dir, year)
        self.targets = targets
        self.allocations = dict(read_reference(reference_dir, "allocations", year)[["county", "allocation_nok"]]
                                .itertuples(index=False))
        register = read_reference(reference_dir, "municipalities", year)
        self.municipalities = {c: list(g.loc[g["kind"] == "kommune", "municipality"])
                               for c, g in register.groupby("county")}
        self.bydeler = list(register.loc[register["kind"] == "bydel", "municipality"])
        self.h = {q.id: q.header for q in self.form.questions}

    # -- projects -------------------------------------------------------------------------
    def projects(self) -> list[_Project]:
        t, rng = self.targets, self.rng
        projects: list[_Project] = []
        for county, n in t.projects.items():
            pool = list(self.bydeler) if county == "Oslo" else list(self.municipalities[county])
            rng.shuffle(pool)
            used_titles = set()
            for i in range(n):
                municipality = pool[i % len(pool)]
                while True:
                    title = f"{rng.choice(TITLE_PREFIX)} {rng.choice(TOPICS)}"
                    if title not in used_titles:
                        used_titles.add(title)
                        break
                projects.append(_Project(county, municipality, title, 0))
        total = len(projects)
        both = _spread(rng, total, t.target_both)
        other = _spread(rng, total, t.target_other)
        specific = _spread(rng, total, t.diagnosis_specific)
        intercommunal = _spread(rng, total, t.intercommunal)
        not_collab = _spread(rng, total, t.not_collaborative)
        collab_idx = [i for i in range(total) if not not_collab[i]]
        fls = set(rng.sample(collab_idx, t.collab_frisklivssentral))
        other_mun = set(rng.sample(collab_idx, t.collab_other_municipal))
        org = set(rng.sample(collab_idx, t.collab_user_or_volunteer))
        leads = [k for k, v in t.lead.items() for _ in range(v)]
        rng.shuffle(leads)
        goal = {c: _spread(rng, total, k) for c, k in t.with_goal.items()}
        for i, p in enumerate(projects):
            f = p.fields
            f["q15"] = self._targets(both[i], other[i])
            f["q16"] = self._users()
            f["q17"] = "Nei" if specific[i] else "Ja"
            f["q18"] = "Ja" if specific[i] else "Nei"
            f["q20"] = "Ja" if intercommunal[i] else "Nei"
            f["q21"] = self._partners(i in fls, i in other_mun, i in org, not_collab[i])
            f["q22"] = self._lead(leads[i])
            partial = False
            *with_goal, not_relevant = [o.label for o in attainment_answers()]  # Ja, Delvis, Nei | Ikke aktuelt
            for q in self.form.attainment_questions:
                if goal[q.criterion_no][i]:
                    answer = rng.choices(with_goal, weights=[80, 17, 3])[0]
                    partial = partial or answer != with_goal[0]
                else:
                    answer = not_relevant
                f[q.id] = rng.choice([answer, answer, answer.lower(), f"{answer} "])
            f["q36"] = rng.choice(COMMENTS) if partial else None
            f["q37"] = rng.choice(["Ja", "Ja", "Ja", "Nei"])
            f["q38"] = rng.choice([None, None, None, "Prosjektet videreføres i ordinær drift."])
            f["_partial"] = partial
        self._grants(projects)
        return projects

    def _targets(self, both: bool, other: bool) -> str:
        risk, chronic, both_label, other_label = [o.label for o in self.form.question("q15").options]
        rng = self.rng
        if both:
            parts = rng.choice([[both_label], [risk, chronic], [risk, chronic, both_label]])
        else:
            parts = [rng.choice([risk, chronic])]
        if other:
            parts = (parts if both or rng.random() < 0.5 else []) + [rng.choice(TARGET_OTHER)]
        return ";".join(parts) + rng.choice([";", ";", ""])

    def _users(self) -> str:
        labels = [o.label for o in self.form.question("q16").options if not o.other]
        return ";".join(self.rng.sample(labels, self.rng.randint(1, 3))) + ";"

    def _partners(self, fls: bool, other_mun: bool, org: bool, none: bool) -> str:
        o = {x.key: x.label for x in self.form.question("q21").options}
        if none:
            return o["none"] + ";"
        parts = []
        if fls:
            parts.append(o["frisklivssentral"])
        if self.rng.random() < 0.4:
            parts.append(o["health_station"])
        if other_mun:
            parts.append(o["other_municipal"])
        if org:
            parts.append(o[self.rng.choice(["user_org", "volunteer_org"])])
        if self.rng.random() < 0.15:
            parts.append(o["private"])
        if self.rng.random() < 0.2 or not parts:
            parts.append(o["specialist"])
        return ";".join(parts) + ";"

    def _lead(self, key: str) -> str:
        if key == "other":
            return self.rng.choice(LEAD_OTHER)
        return next(o.label for o in self.form.question("q22").options if o.key == key)

    def _grants(self, projects: list[_Project]) -> None:
        """Project grants + competence = allocation per county (but for planted findings)."""
        rng = self.rng
        for county in self.targets.projects:
            mine = [p for p in projects if p.county == county]
            budget = self.allocations[county] - self.competence_total(county) - self.unspent(county)
            if self.year == 2024 and county == "Oslo":
                mine[0].grant = 540_000
                budget -= 540_000
                mine = mine[1:]
            weights = [rng.uniform(0.5, 1.5) for _ in mine]
            raw = [budget * w / sum(weights) for w in weights]
            grants = [int(round(x / 5000) * 5000) for x in raw]
            grants[-1] = budget - sum(grants[:-1])
            for p, g in zip(mine, grants):
                p.grant = g

    def unspent(self, county: str) -> int:
        return 35_000 if (self.year, county) == (2024, "Finnmark") else 0

    def competence_total(self, county: str) -> int:
        parts = self.targets.competence.get(county, {})
        return sum(v[1] if isinstance(v, tuple) else v for v in parts.values())

    # -- responses ----------------------------------------------------------------------
    def competence_cells(self, county: str) -> dict:
        h = self.h
        cells = {h["q02"]: "Nei"}
        parts = self.targets.competence.get(county)
        if not parts:
            cells[h["q03"]] = "Nei"
            planted_missing_reason = (self.year, county) == (2023, "Rogaland")
            cells[h["q04"]] = None if planted_missing_reason else self.targets.competence_not_used.get(county)
            return cells
        cells[h["q03"]] = "Ja"
        for q in self.form.questions:
            if q.section == "competence" and q.category in parts:
                value = parts[q.category]
                if isinstance(value, tuple):
                    cells[h[q.id]] = f"{value[0]}: {_money_text(self.rng, value[1])}"
                else:
                    cells[h[q.id]] = _money_text(self.rng, value)
            elif q.section == "competence" and q.kind == "money" and q.category:
                cells[h[q.id]] = "0"
        cells[h["q12"]] = _money_text(self.rng, self.competence_total(county))
        return cells

    def project_cells(self, p: _Project) -> dict:
        h, f = self.h, p.fields
        cells = {h["q02"]: "Ja", h["q13"]: p.title, h["q14"]: _name_variant(self.rng, p.municipality),
                 h["q23"]: _money_text(self.rng, p.grant)}
        for qid in ["q15", "q16", "q17", "q18", "q20", "q21", "q22", "q36", "q37", "q38"]:
            cells[h[qid]] = f.get(qid)
        for q in self.form.attainment_questions:
            cells[h[q.id]] = f[q.id]
        return cells

    def responses(self) -> list[dict]:
        rng, h, year = self.rng, self.h, self.year
        projects = self.projects()
        self._plant(projects)
        start = dt.datetime(year + 1, 4, 8, 8, 30)
        rows: list[dict] = []
        clock = [start]

        def stamp() -> tuple[dt.datetime, dt.datetime]:
            clock[0] += dt.timedelta(minutes=rng.randint(20, 900), seconds=rng.randint(0, 59))
            begun = clock[0] - dt.timedelta(minutes=rng.randint(4, 40), seconds=rng.randint(0, 59))
            return begun, clock[0]

        counties = list(self.targets.projects)
        rng.shuffle(counties)
        for county in counties:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            person = {"email": f"{first.lower()}.{last.lower()}@{county.split()[0].lower()}fk.example.no",
                      "name": f"{first} {last}"}
            mine = [p for p in projects if p.county == county]
            competence_first = self.competence_cells(county)
            if (year, county) == (2024, "Agder"):
                # A first response that only reports competence building: set aside, not a project.
                rows.append(self._row(county, person, stamp(), competence_first))
                competence_first = None
            for i, p in enumerate(mine):
                cells = self.project_cells(p)
                if competence_first is not None:
                    cells.update(competence_first)
                    competence_first = None
                if (year, county, i) in ((2024, "Nordland", 1), (2023, "Viken", 2)):
                    again = self.competence_cells(county)  # reported twice
                    if year == 2023:
                        again[h["q05"]] = "45000"  # conflicting repeat (planted)
                    cells.update(again)
                if p.fields.get("_resubmit"):
                    earlier = dict(cells)
                    earlier[h["q23"]] = _money_text(rng, p.grant + 25_000)
                    rows.append(self._row(county, person, stamp(), earlier))
                    cells[h["q13"]] = f"  {p.title.upper()}."  # same title, other case and spacing
                rows.append(self._row(county, person, stamp(), cells))
        rows.sort(key=lambda r: r["_completed"])
        for i, r in enumerate(rows, start=1):
            r["ID"] = i
        return rows

    def _plant(self, projects: list[_Project]) -> None:
        by_county: dict[str, list[_Project]] = {}
        for p in projects:
            by_county.setdefault(p.county, []).append(p)
        for county, i in (("Møre og Romsdal", 3), ("Akershus", 0), ("Trøndelag", 4)) if self.year == 2024 else (
                ("Viken", 5), ("Oslo", 2)):
            by_county[county][i].fields["_resubmit"] = True
        if self.year == 2024:
            missing = next(p for p in by_county["Trøndelag"] if p.fields["_partial"])
            missing.fields["q36"] = None
            by_county["Vestland"][2].municipality = "Voss herad og Vaksdal"
            by_county["Nordland"][3].municipality = "Bodø sentrum"
            commented = next(p for p in projects if p.fields["q38"])
            commented.fields["q38"] += " Kontaktperson: prosjektleder@example.no, tlf. 912 34 567."
            for p in projects:  # every other partial answer carries its comment
                if p.fields["_partial"] and p is not missing and not p.fields["q36"]:
                    p.fields["q36"] = COMMENTS[0]
        else:
            by_county["Vestland"][0].municipality = "Ålesund"

    def _row(self, county: str, person: dict, stamps, cells: dict) -> dict:
        begun, completed = stamps
        row = {"_completed": completed, "_started": begun, **person, self.h["q01"]: county}
        row.update(cells)
        return row


def build_year(year: int, reference_dir: Path) -> tuple[list[dict], DemoBuilder]:
    targets = TARGETS[year]
    builder = DemoBuilder(year, reference_dir, targets)
    rows = builder.responses()
    if year == 2023:  # the planted unparseable amount
        title_col = builder.h["q13"]
        agder = [r for r in rows if r[builder.h["q01"]] == "Agder" and r.get(title_col)]
        agder[1][builder.h["q23"]] = "ca. 150 000"
    return rows, builder


def write_xlsx(path: Path, headers: list[str], matrix: list[list]) -> None:
    """Write a workbook whose bytes depend only on its content (fixed zip and document dates)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(headers)
    for row in matrix:
        ws.append(row)
    fixed = dt.datetime(2025, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "friskliv demo-data"
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    deterministic_copy(buffer, path)


def deterministic_copy(workbook, path: Path) -> None:
    """Copy a saved workbook (a path or a file object) to ``path`` with fixed zip entry dates, entry
    order and document dates, so its bytes depend only on its cells."""
    with zipfile.ZipFile(workbook) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fix_core_dates(data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)


def _fix_core_dates(xml: bytes) -> bytes:
    import re

    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>2025-01-01T00:00:00Z\g<2>", xml)


def generate(year: int, reference_dir: Path, landing_dir: Path) -> Path:
    """Write grant year ``year``'s demo export into ``<landing_dir>/<year>/`` and return its path."""
    rows, builder = build_year(year, reference_dir)
    questions = [q.header for q in builder.form.questions]
    out_dir = Path(landing_dir) / str(year)
    out_dir.mkdir(parents=True, exist_ok=True)
    if year == 2024:
        # Norwegian locale workbook; one header carries a non-breaking space and a trailing blank.
        shown = [h.replace("Prosjekttittel", "Prosjekttittel\u00a0 ") for h in questions]
        headers = NB_METADATA + shown
        matrix = [[r["ID"], r["_started"], r["_completed"], r["email"], r["name"], r["_completed"]]
                  + [r.get(h) for h in questions] for r in rows]
        path = out_dir / "friskliv_rapportering_2024.xlsx"
        write_xlsx(path, headers, matrix)
    else:
        # English locale, re-saved from Excel as ';'-separated UTF-8 CSV with BOM, plus an extra column.
        headers = EN_METADATA + questions + ["Merknad fra Helsedirektoratet"]
        path = out_dir / "friskliv_rapportering_2023.csv"
        fmt = "%-m/%-d/%Y %-H:%M:%S"
        with open(path, "w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f, delimiter=";", lineterminator="\r\n")
            writer.writerow(headers)
            for r in rows:
                writer.writerow([r["ID"], r["_started"].strftime(fmt), r["_completed"].strftime(fmt), r["email"],
                                 r["name"]] + [r.get(h) for h in questions]
                                + ["sjekket" if r["ID"] % 17 == 0 else None])
    return path


def expected_counts(year: int, reference_dir: Path) -> dict[str, int]:
    """What the generator planted, for tests: raw rows, projects, superseded, set aside."""
    rows, builder = build_year(year, reference_dir)
    projects = sum(builder.targets.projects.values())
    set_aside = 1 if year == 2024 else 0
    return {"raw": len(rows), "projects": projects, "set_aside": set_aside,
            "superseded": len(rows) - projects - set_aside}
