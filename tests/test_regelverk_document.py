"""The bundled regelverk documents against the regelverk itself (Vedlegg 1 of the 2024 report), the
year each edition says its text is, and the rules' citations of its points. Fast: no pipeline run.

The words looked for in points 3, 5, 6 and 11 are the regelverk's (the specification), not the
bundled file's: each names an obligation, condition or list item an earlier own-words version
dropped (Svalbard, the twelve criteria, the development centres' criteria, the county allocation
under point 5 rather than 5C, the criteria and result targets of the report, stopping payment on
suspicion of misuse).
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.conftest import REFERENCE_DIR
from friskliv_pipeline.checks.suites import all_rules, not_covered, suites
from friskliv_pipeline.report import regelverk
from friskliv_pipeline.report.regelverk import RegelverkError, cited_points

YEARS = sorted(int(p.stem) for p in (REFERENCE_DIR / "regelverk").glob("[0-9]*.md"))


def _plain(text: str) -> str:
    return " ".join(text.replace("*", "").split()).lower()


def _numbered(text: str) -> list[tuple[int, str]]:
    """The items of the point's numbered lists, in order, as (number, the item's text)."""
    items: list[list] = []
    for line in text.splitlines():
        match = re.match(r"^(\d+)\.\s+(.*)$", line)
        if match:
            items.append([int(match.group(1)), match.group(2)])
        elif items and line.startswith(" ") and line.strip():  # the item's next line
            items[-1][1] += " " + line.strip()
    return [(n, _plain(t)) for n, t in items]


@pytest.fixture(scope="module")
def document():
    return regelverk.load(REFERENCE_DIR, 2024)


# --- (a) the 2024 text says what the regelverk says -----------------------------------------------

def test_point_3_names_svalbard(document):
    text = _plain(document.point("3").text)
    assert "svalbard" in text and "helse nord" in text and "universitetssykehuset nord-norge" in text
    assert "kriteriene 1–6 for utviklingssentraler" in text  # who may apply to be a development centre


# Each of the county's twelve criteria (point 5) by words of the regelverk's own criterion.
COUNTY_CRITERIA = {
    1: ["fremdriftsplan", "samarbeidspartnere", "kriteriene 2–12"],
    2: ["forankret i kommunale planer", "kommunestyret", "dokumentasjon"],
    3: ["måloppnåelse", "punkt 1 og 6"],
    4: ["pasientforløp", "tverrsektoriell", "samarbeidsavtaler"],
    5: ["faglig forsvarlige", "kunnskapsbaserte", "veileder for kommunale frisklivssentraler"],
    6: ["kort ventetid", "lett tilgjengelige", "kompetanse"],
    7: ["livsløpsperspektiv", "brukermedvirkning", "likepersonsarbeid"],
    8: ["ordinær drift", "overføringsverdi"],
    9: ["erfaringene", "spres", "oppstart"],
    10: ["mer enn 500 000 kr", "evaluer"],
    11: ["ny kunnskap", "ressursutnyttelse"],
    12: ["delfinansiere", "trapper opp egenfinansieringen", "tilskuddet opphører"],
}
CENTRE_CRITERIA = {
    1: ["helse- og omsorgstjeneste", "planer og budsjett"],
    2: ["tre år", "300 % faste stillinger"],
    3: ["basistilbud", "veileder for kommunale frisklivssentraler"],
    4: ["forsknings- og utviklingsarbeid", "fire årene"],
    5: ["regionalt og nasjonalt"],
    6: ["eget fylke"],
}


def test_point_5_lists_the_twelve_criteria_and_the_development_centres_criteria(document):
    items = _numbered(document.point("5").text)
    assert [n for n, _ in items] == [*range(1, 13), *range(1, 7)], "the twelve criteria, then the six"
    county, centres = items[:12], items[12:]
    for (number, text), words in zip(county, COUNTY_CRITERIA.values()):
        assert [w for w in words if w not in text] == [], f"criterion {number}: {text}"
    for (number, text), words in zip(centres, CENTRE_CRITERIA.values()):
        assert [w for w in words if w not in text] == [], f"development centre criterion {number}: {text}"
    text = _plain(document.point("5").text)
    for said in ("skjønnsmessig vurdering", "høyst tre år", "egenandel", "prioritert", "geografisk",
                 "60 000 kr per år", "tre år om gangen"):
        assert said in text, said


def test_the_county_allocation_is_under_point_5_and_7_not_5c(document):
    five, seven, centres = (_plain(document.point(p).text) for p in ("5", "7", "5C"))
    assert "fordelingen av tilskuddsmidler til fylkeskommunene" in five
    assert "innbyggertallet" in five and "dekningsgraden" in five
    assert "fordeler tilskuddsmidlene til fylkeskommunene" in seven
    assert "fylkeskommunene" not in centres and "innbyggertall" not in centres
    assert "én til to utviklingssentraler i hvert fylke" in centres and "inntil 20" in centres


def test_point_2_lists_the_questionnaires_twelve_attainment_criteria(document):
    """The twelve indicators of point 2 are the criteria the form asks about (q24–q35): each is the
    questionnaire's criterion, or the questionnaire's is it with a word before ("Bedre samhandling")."""
    questionnaire = json.loads((REFERENCE_DIR / "forms" / "questions.json").read_text(encoding="utf-8"))
    criteria = sorted((q["criterion_no"], _plain(q.get("label") or q["header"]))
                      for q in questionnaire["questions"] if q["kind"] == "attainment")
    indicators = _numbered(document.point("2").text)
    assert [n for n, _ in indicators] == [n for n, _ in criteria] == list(range(1, 13))
    for (number, indicator), (_, criterion) in zip(indicators, criteria):
        assert indicator in criterion, (number, indicator, criterion)


def test_point_6_keeps_the_criteria_and_the_result_targets(document):
    text = _plain(document.point("6").text)
    for said in ("1. april", "1. juli", "31. desember", "forenklet regnskapsoppstilling",
                 "vurderingskriteriene", "resultatmålene", "200 000 kr eller mer", "bekreftet av revisor",
                 "avtalte kontrollhandlinger"):
        assert said in text, said
    for criterion in ("forankret i kommunale planer", "strukturert oppfølging", "henvist av lege",
                      "tverrfaglig samarbeid", "relevant for tiltakets målgruppe", "brukermedvirkning"):
        assert criterion in text, criterion
    for target in ("tilbake i arbeid", "bedre fysisk form", "sluttet å røyke eller snuse",
                   "selvopplevd helse og livskvalitet", "selvopplevd mestring"):
        assert target in text, target


def test_point_11_stops_payment_on_suspicion(document):
    text = _plain(document.point("11").text)
    assert "mistanke" in text and "stanse utbetalingen" in text
    assert "dokumentert" in text and "tilbakebetalt" in text and "nekte" in text
    assert "statsforvalteren" in text and "rettslige konsekvenser" in text


# --- (b) each edition prints whose text it is -----------------------------------------------------

def _rendered(template: str, start: str, end: str, **context) -> str:
    """The lines of the real template from ``start`` to ``end``, rendered by the report's own
    environment (its filters), with only what those lines need."""
    from friskliv_pipeline.report.html import _environment

    env = _environment()
    source = env.loader.get_source(env, template)[0]
    part = source[source.index(start):]
    return _plain(re.sub(r"<[^>]+>", " ", env.from_string(part[:part.index(end) + len(end)]).render(**context)))


@pytest.mark.parametrize("year", YEARS)
def test_each_edition_prints_the_year_of_its_text(year):
    document = regelverk.load(REFERENCE_DIR, year)
    public = _rendered("report.html.j2", '<section class="appendix regelverk"', "</section>", regelverk=document)
    auditor = _rendered("revisjon.html.j2", '<p id="regelverk-year"', "</p>", regelverk=document, year=year)
    assert f"hvert punkt i regelverket for {document.text_year} " in auditor
    if document.own_text:
        assert f"gjeldende for tilskuddsåret {year}." in public
        assert "ikke lagt inn" not in public + auditor
    else:
        assert f"tilskuddsåret {year}" not in public and f"hvert punkt i regelverket for {year} " not in auditor
        assert (f"teksten er regelverket for tilskuddsåret {document.text_year}; regelverket for {year} er ikke "
                "lagt inn") in public
        assert f"regelverket for {year} er ikke lagt inn" in auditor
        assert f"regelverket for tilskuddsåret {year} er ikke lagt inn" in _plain(document.source)


def test_2023_prints_the_2024_text_and_says_so():
    """We do not have the 2023 regelverk: 2023's file borrows the 2024 text, point for point."""
    borrowed, own = regelverk.load(REFERENCE_DIR, 2023), regelverk.load(REFERENCE_DIR, 2024)
    assert (borrowed.text_year, borrowed.own_text, own.own_text) == (2024, False, True)
    assert borrowed.points == own.points and borrowed.text_path == own.path


def test_no_year_holds_another_years_text_as_its_own():
    """A year that prints its own text holds a text no other year holds (a copy must borrow)."""
    texts = {}
    for year in YEARS:
        document = regelverk.load(REFERENCE_DIR, year)
        if document.own_text:
            texts.setdefault(tuple((p.number, _plain(p.text)) for p in document.points), []).append(year)
    assert [years for years in texts.values() if len(years) > 1] == []


def test_a_borrowing_file_with_points_of_its_own_is_refused(tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR / "regelverk", reference / "regelverk")
    path = reference / "regelverk" / "2023.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n## 1 Mål\n\nTekst.\n", encoding="utf-8")
    with pytest.raises(RegelverkError, match="text_of_year"):
        regelverk.load(reference, 2023)


# --- (c) every rule cites a point that says what the rule relies on -------------------------------

def citation_problems(rules: dict, document) -> list[str]:
    """For each rule (id → its declaration in a suite's meta.rules): a cited point the document lacks,
    a cited point without its subject words, or a subject word the point's text does not have."""
    problems = []
    for rid, rule in rules.items():
        cited, subject = cited_points(rule["notes"]), rule.get("subject", {})
        if sorted(subject) != sorted(cited):
            problems.append(f"{rid}: cites {cited}, subject words for {sorted(subject)}")
        for point in cited:
            if not document.has(point):
                problems.append(f"{rid}: point {point} is not in the {document.grant_year} regelverk")
                continue
            text = _plain(document.point(point).text)
            problems += [f"{rid}: point {point} does not say '{word}'" for word in subject.get(point, [])
                         if _plain(word) not in text]
    return problems


def _declared() -> dict:
    return {f"{name}/{rid}": rule for name, suite in suites().items()
            for rid, rule in suite.document["meta"]["rules"].items()}


@pytest.mark.parametrize("year", YEARS)
def test_every_cited_point_says_what_its_rule_relies_on(year):
    assert citation_problems(_declared(), regelverk.load(REFERENCE_DIR, year)) == []


def test_a_rule_pointed_at_a_point_that_does_not_say_it_is_caught(document):
    """The county allocation is not in 5C (the development centres): citing it there fails."""
    rules = _declared()
    wrong = dict(rules["allocations/allocation.over_allocation"])
    wrong["notes"] = wrong["notes"].replace("regelverk 5, 5B, 7, 10", "regelverk 5C, 5B, 7, 10")
    wrong["subject"] = {("5C" if p == "5" else p): words for p, words in wrong["subject"].items()}
    problems = citation_problems({"allocation.over_allocation": wrong}, document)
    assert problems and all(p.startswith("allocation.over_allocation: point 5C does not say") for p in problems)


def test_every_point_has_a_rule_or_a_reason():
    """Each point of each year's regelverk is cited by a rule or has an entry in not_covered.yml."""
    cited = {p for rule in all_rules() for p in cited_points(rule.source)}
    reasons = {entry.point for entry in not_covered()}
    for year in YEARS:
        points = [p.number for p in regelverk.load(REFERENCE_DIR, year).points]
        assert [p for p in points if p not in cited | reasons] == [], year
