"""Every official name of SSB's KLASS 131 (municipalities, 2023 and 2024) resolves to its own
code in every form a respondent may write it: whole, parts in the other order, any one part,
with and without SSB's county qualifier, with Sami letters folded. Likewise the official 2024
county names of KLASS 104. The fixture is SSB's own list (assets/reference/ssb/, SOURCES.md)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from friskliv_pipeline.cleaning.municipalities import MunicipalityRegister
from friskliv_pipeline.cleaning.responses import _county
from friskliv_pipeline.core.reference import read_reference

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "assets" / "reference"
SSB_DIR = REFERENCE_DIR / "ssb"
FOLD = str.maketrans("áčđŋšŧžÁČĐŊŠŦŽ", "acdnstzACDNSTZ")


def ssb_names(file: str) -> list[tuple[int, str, str]]:
    with open(SSB_DIR / file, encoding="utf-8", newline="") as handle:
        return [(int(r["year"]), r["code"], r["name"]) for r in csv.DictReader(handle)]


MUNICIPALITY_NAMES = ssb_names("klass131_municipalities.csv")
COUNTY_NAMES = ssb_names("klass104_counties.csv")


def written_forms(official: str) -> set[str]:
    """The ways a respondent may write one official name."""
    bare = official.split(" (")[0]
    qualifier = official[len(bare):]
    parts = bare.split(" - ")
    forms = {official, bare, " - ".join(reversed(parts)), " - ".join(reversed(parts)) + qualifier,
             "-".join(parts), *parts, *(p + qualifier for p in parts), official.upper(), f"{bare} kommune"}
    return forms | {f.translate(FOLD) for f in forms}


@pytest.fixture(scope="module")
def registers() -> dict[int, tuple[MunicipalityRegister, dict[str, str]]]:
    result = {}
    for year in (2023, 2024):
        frame = read_reference(REFERENCE_DIR, "municipalities", year)
        result[year] = MunicipalityRegister(frame), dict(zip(frame["municipality_no"], frame["county"]))
    return result


def test_the_fixture_is_ssbs_full_list():
    counts = {year: sum(1 for y, _c, _n in MUNICIPALITY_NAMES if y == year) for year in (2023, 2024)}
    assert counts == {2023: 356, 2024: 357}
    assert {n for _y, _c, n in MUNICIPALITY_NAMES} >= {"Herøy (Møre og Romsdal)", "Rana - Raane", "Røros - Rosse",
                                                      "Porsanger - Porsángu - Porsanki", "Våler (Østfold)"}


@pytest.mark.parametrize("year", [2023, 2024])
def test_every_official_municipality_name_in_every_form_resolves_to_its_own_code(registers, year):
    register, county_of = registers[year]
    wrong = []
    for _y, code, official in (n for n in MUNICIPALITY_NAMES if n[0] == year):
        for text in sorted(written_forms(official)):
            match = register.match(text, county_of[code])
            if match.municipality_no != code or match.problems or len(match.parts) != 1:
                wrong.append((code, text, match.municipality_no, match.problems))
    assert wrong == []


def test_every_official_name_matches_the_register_row_of_its_own_number(registers):
    """The register is built from SSB's list: same numbers, names without the qualifier."""
    for year in (2023, 2024):
        frame = read_reference(REFERENCE_DIR, "municipalities", year)
        names = dict(zip(frame["municipality_no"], frame["municipality"]))
        for _y, code, official in (n for n in MUNICIPALITY_NAMES if n[0] == year):
            assert names[code] == official.split(" (")[0]


@pytest.mark.parametrize("text, county, code", [
    ("Herøy", "Nordland", "1818"), ("Herøy", "Møre og Romsdal", "1515"),
    ("Våler", "Østfold", "3114"), ("Våler", "Innlandet", "3419"),
    ("Herøy (Møre og Romsdal)", "Møre og Romsdal", "1515"),
])
def test_ambiguous_bare_names_are_settled_by_the_reporting_county(registers, text, county, code):
    register, _ = registers[2024]
    assert register.match(text, county).municipality_no == code


def test_a_qualifier_naming_another_county_is_a_finding_not_a_silent_code(registers):
    register, _ = registers[2024]
    match = register.match("Herøy (Nordland)", "Møre og Romsdal")
    assert match.municipality_no is None
    assert [rule for rule, _m in match.problems] == ["q14.municipality_other_county"]


@pytest.mark.parametrize("year, code, official", COUNTY_NAMES)
def test_official_county_names_resolve_in_every_form(year, code, official):
    frame = read_reference(REFERENCE_DIR, "counties", year)
    counties = dict(zip(frame["county"], frame["county_official"]))
    expected = dict(zip(frame["county_no"], frame["county"]))[code]
    parts = official.split(" - ")
    forms = {official, " - ".join(reversed(parts)), f"{official} fylkeskommune", official.upper(), *parts,
             *(f"{p} fylkeskommune" for p in parts)}
    for text in forms | {f.translate(FOLD) for f in forms}:
        assert _county(text, counties) == (expected, None), text


def test_the_county_register_carries_ssbs_official_names():
    frame = read_reference(REFERENCE_DIR, "counties", 2024)
    assert dict(zip(frame["county_no"], frame["county_official"])) == {c: n for _y, c, n in COUNTY_NAMES}


def test_the_2023_county_in_its_multi_language_form_resolves_in_2023_only():
    text = "Troms og Finnmark - Romsa ja Finnmárku - Tromssa ja Finmarkku"
    assert _county(text, list(read_reference(REFERENCE_DIR, "counties", 2023)["county"])) == ("Troms og Finnmark", None)
    county, problem = _county(text, list(read_reference(REFERENCE_DIR, "counties", 2024)["county"]))
    assert county is None and "not a county of this grant year" in problem
