"""Pins q14 matching against the real 2024 register: case/space/"kommune"/"bydel" affixes are
ignored, a name is only coded inside the reporting county (else other_county / not_found
problems with no code), lists of municipalities split with the first named as applicant, and a
name that itself contains "og" stays one municipality."""

from __future__ import annotations

from pathlib import Path

import pytest

from friskliv_pipeline.cleaning.municipalities import MunicipalityRegister
from friskliv_pipeline.core.reference import read_reference

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "assets" / "reference"


@pytest.fixture(scope="module")
def register() -> MunicipalityRegister:
    return MunicipalityRegister(read_reference(REFERENCE_DIR, "municipalities", 2024))


def rules(match) -> list[str]:
    return [rule for rule, _message in match.problems]


def parts(match) -> list[tuple[str, str | None]]:
    return [(p["name_reported"], p["municipality_no"]) for p in match.parts]


@pytest.mark.parametrize("text", ["Ålesund kommune", " ålesund ", "ÅLESUND", "Ålesund", "Kommunen Ålesund"])
def test_alesund_variants_match_1508(register, text):
    match = register.match(text, "Møre og Romsdal")
    assert (match.municipality_no, match.municipality) == ("1508", "Ålesund")
    assert match.problems == []


@pytest.mark.parametrize("text", ["Bydel Grünerløkka", "Grünerløkka bydel", "grünerløkka"])
def test_oslo_bydel_matches_in_oslo(register, text):
    match = register.match(text, "Oslo")
    assert (match.municipality_no, match.municipality) == ("030102", "Grünerløkka")
    assert match.problems == []


def test_name_in_another_county_gets_no_code_and_a_problem(register):
    match = register.match("Bodø", "Vestland")
    assert match.municipality_no is None
    assert match.municipality is None
    assert rules(match) == ["q14.municipality_other_county"]
    assert "Nordland" in match.problems[0][1]
    assert match.text == "Bodø"  # kept as written


def test_unknown_name_gets_no_code_and_not_found(register):
    match = register.match("Atlantis", "Vestland")
    assert match.municipality_no is None
    assert rules(match) == ["q14.municipality_not_found"]
    assert parts(match) == [("Atlantis", None)]


def test_several_municipalities_split_and_the_first_is_the_applicant(register):
    match = register.match("Hå, Klepp og Time", "Rogaland")
    assert parts(match) == [("Hå", "1119"), ("Klepp", "1120"), ("Time", "1121")]
    assert [p["position"] for p in match.parts] == [1, 2, 3]
    assert match.municipality_no == "1119"
    assert match.problems == []


def test_unknown_first_part_leaves_the_applicant_uncoded(register):
    match = register.match("Atlantis og Hå", "Rogaland")
    assert match.municipality_no is None
    assert parts(match) == [("Atlantis", None), ("Hå", "1119")]
    assert rules(match) == ["q14.municipality_not_found"]


@pytest.mark.parametrize("text", ["Nore og Uvdal", "Nore og Uvdal kommune"])
def test_name_containing_og_stays_one_municipality(register, text):
    match = register.match(text, "Buskerud")
    assert len(match.parts) == 1
    assert (match.municipality_no, match.municipality) == ("3338", "Nore og Uvdal")
    assert match.problems == []


def test_name_containing_og_stays_one_municipality_inside_a_list(register):
    match = register.match("Nore og Uvdal, Flesberg og Rollag", "Buskerud")
    assert parts(match) == [("Nore og Uvdal", "3338"), ("Flesberg", "3334"), ("Rollag", "3336")]
    assert match.municipality_no == "3338"


@pytest.mark.parametrize(("county", "expected"), [("Møre og Romsdal", "1515"), ("Nordland", "1818")])
def test_heroy_resolves_to_the_one_in_the_reporting_county(register, county, expected):
    match = register.match("Herøy", county)
    assert match.municipality_no == expected
    assert match.problems == []


def test_heroy_in_a_third_county_names_both_other_counties(register):
    match = register.match("Herøy kommune", "Vestland")
    assert match.municipality_no is None
    assert rules(match) == ["q14.municipality_other_county"]
    assert "Møre og Romsdal" in match.problems[0][1] and "Nordland" in match.problems[0][1]


@pytest.mark.parametrize("text", ["Kautokeino", "Guovdageaidnu", "Guovdageaidnu - Kautokeino"])
def test_sami_and_norwegian_names_both_match(register, text):
    assert register.match(text, "Finnmark").municipality_no == "5612"


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_is_no_match_and_no_problem(register, blank):
    match = register.match(blank, "Oslo")
    assert match.municipality_no is None
    assert match.parts == []
    assert match.problems == []


@pytest.mark.parametrize("text, named", [
    ("Voss og nabokommuner", [("Voss", "4621")]),
    ("Voss herad og nabokommunane", [("Voss herad", "4621")]),
    ("Voss, Vaksdal og nabokommuner", [("Voss", "4621"), ("Vaksdal", "4628")]),
    ("Voss med omegn", [("Voss", "4621")]),
    ("Nabokommuner", []),
])
def test_unnamed_neighbours_are_a_marker_not_a_municipality(register, text, named):
    match = register.match(text, "Vestland")
    assert parts(match) == named
    assert match.unnamed_neighbours is True
    assert match.problems == []


@pytest.mark.parametrize("text, named", [
    ("Hå, Klepp og Time", [("Hå", "1119"), ("Klepp", "1120"), ("Time", "1121")]),
    ("Hå/Klepp", [("Hå", "1119"), ("Klepp", "1120")]),
    ("Hå / Klepp / Time", [("Hå", "1119"), ("Klepp", "1120"), ("Time", "1121")]),
])
def test_lists_of_named_municipalities_have_no_neighbour_marker(register, text, named):
    match = register.match(text, "Rogaland")
    assert parts(match) == named
    assert match.unnamed_neighbours is False
    assert match.problems == []


def test_the_marker_reaches_the_projects_table_and_the_bridge_has_only_named_rows():
    import pandas as pd

    from friskliv_pipeline.cleaning.issues import IssueLog
    from friskliv_pipeline.cleaning.projects import build_projects

    kept = pd.DataFrame([
        {"grant_year": 2024, "response_id": "r1", "source_row": 2, "county": "Vestland",
         "municipality_reported": "Voss og nabokommuner"},
        {"grant_year": 2024, "response_id": "r2", "source_row": 3, "county": "Vestland",
         "municipality_reported": "Voss"},
    ])
    log = IssueLog(2024)
    projects, bridge = build_projects(kept, MunicipalityRegister(read_reference(REFERENCE_DIR, "municipalities", 2024)),
                                      {"Vestland": "46"}, log)
    assert list(projects["unnamed_neighbours"]) == [True, False]
    assert list(projects["municipality_no"]) == ["4621", "4621"]
    assert list(bridge["name_reported"]) == ["Voss", "Voss"]
    assert log.rows == []


@pytest.mark.parametrize("text", ["Herøy (Møre og Romsdal) og Sande", "Herøy (Møre og Romsdal), Sande",
                                  "Herøy (Møre og Romsdal)/Sande"])
def test_a_qualified_name_in_a_list_is_not_split_inside_its_parentheses(register, text):
    match = register.match(text, "Møre og Romsdal")
    assert parts(match) == [("Herøy (Møre og Romsdal)", "1515"), ("Sande", "1514")]
    assert match.problems == []
