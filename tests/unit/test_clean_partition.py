"""Pins what ``clean_partition`` makes of a small hand-built export, table by table, with the
expected rows written out: money in every notation, "Begge disse gruppene", 'Annet' free text, a
resubmission (superseded), a competence-only response (set aside), an identical and a
conflicting repeat of the competence section, a municipality not in the register, one in another
county, "Voss og nabokommuner", a list of three municipalities, and unreadable cells (NULL and
one ``cleaning_issues`` row each, in the exact rows and order below).

The demo exports are pinned by what ``assets/raw/README.md`` says they hold."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from friskliv_pipeline.cleaning.clean_tables import CLEAN_TABLES, clean_partition
from friskliv_pipeline.cleaning.money import parse_nok
from friskliv_pipeline.core.contract import conform
from friskliv_pipeline.forms.export_reader import read_export
from friskliv_pipeline.forms.raw_table import build_raw_responses, raw_columns
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.core.reference import read_reference
from tests.conftest import DEMO_LANDING, REFERENCE_DIR

FORM = load_form_schema(REFERENCE_DIR, 2024)
COUNTIES = read_reference(REFERENCE_DIR, "counties", 2024)
MUNICIPALITIES = read_reference(REFERENCE_DIR, "municipalities", 2024)

RISK = "Personer med økt risiko for sykdom og behov for støtte til endring av levevaner og mestring"
CHRONIC = ("Personer med kronisk eller langvarig sykdom og behov for støtte til endring av levevaner og mestring av "
           "sykdom og plager")
NO_COLLABORATION = "Nei, det var ikke et samarbeidsprosjekt"
ALL_YES = ["Ja"] * 12
# q24..q35 of the resubmission: every spelling of the scale, one unreadable answer, one skipped
MIXED = ["Ja", "ja", "Delvis.", "NEI", "Ikkeaktuelt", "ikke relevant", "litt", None, "Ja", "Ja", "Ja", "Ja"]
AGDER_COMPETENCE = {"q02": "Nei", "q03": "Ja", "q05": "kr 50.000,-", "q11": "Kurs for ledere 45 000 kr",
                    "q12": "95 000 kr"}


def attainment(answers: list[str | None]) -> dict[str, str | None]:
    return {f"q{24 + i}": answer for i, answer in enumerate(answers)}


RESPONSES = [  # sheet rows 2..9, in this order
    {"response_id": "101", "completion_time": "2025-01-10 09:00:00", "q01": "Agder", **AGDER_COMPETENCE,
     "q13": "Frisklivsløypa", "q14": "Arendal", "q15": "Begge disse gruppene;", "q23": "150 000",
     **attainment(ALL_YES)},
    {"response_id": "102", "completion_time": "2025-01-20 09:00:00", "q01": "Agder", "q02": "Ja",
     "q13": "FRISKLIVSLØYPA ", "q14": " arendal ", "q15": f"{RISK};{CHRONIC};",
     "q16": "Eldre >67;Ungdom i videregående;",
     "q17": "ja", "q20": "Nei", "q21": "Frisklivssentral;Helsestasjon/skolehelsetjeneste;", "q22": "Fastlege",
     "q23": "1 250 000,50", **attainment(MIXED)},
    {"response_id": "103", "completion_time": "2025-01-15 09:00:00", "q01": "agder fylkeskommune",
     **AGDER_COMPETENCE},
    {"response_id": "104", "completion_time": "2025-01-11 09:00:00", "q01": "Vestland", "q02": "Nei", "q03": "Ja",
     "q05": "20 000", "q11": "To kurs: 10 000 kr og 5 000 kr", "q12": "20 000",
     "q13": "Aktiv hverdag", "q14": "Voss og nabokommuner", "q15": f"{RISK};Ungdom i videregående skole;", "q20": "Ja",
     "q21": f"{NO_COLLABORATION};", "q22": "NAV-kontoret", "q23": "95 000 kr", **attainment(ALL_YES)},
    {"response_id": "105", "completion_time": "2025-01-12 09:00:00", "q01": "Vestland", "q02": "Nei", "q03": "Ja",
     "q05": "25 000", "q12": "25 000",
     "q13": "Sterk og stødig", "q14": "Atlantis", "q15": "Annet, spesifiser:;", "q20": "kanskje",
     "q22": "Fastlege;Hjemmetjenesten;", "q23": "ca. 50 000", **attainment(ALL_YES)},
    {"response_id": "106", "completion_time": "2025-01-13 09:00:00", "q01": "Rogaland", "q02": "Ja",
     "q13": "Sunn mat", "q14": "Arendal", "q21": f"Frisklivssentral;{NO_COLLABORATION};", "q23": "NOK 1,250,000",
     "overlapping_versions": json.dumps([{"file": "tidlig.xlsx", "row": 4}]), **attainment(ALL_YES)},
    {"response_id": "107", "completion_time": "2025-01-14 09:00:00", "q01": "Rogaland",
     "q13": "Sammen på Jæren", "q14": "Hå, Klepp og Time", "q20": "Ja", "q23": "kr 200.000,-",
     **attainment(ALL_YES)},
    {"response_id": "108", "completion_time": "ikke en dato", "q01": "Atlantis fylke",
     "q13": "Prosjekt X", "q23": "75000", **attainment(ALL_YES)},
]


def raw_export(responses: list[dict]) -> pd.DataFrame:
    """``raw_responses`` as the raw layer writes it: every cell text, sheet rows from 2."""
    return pd.DataFrame.from_records(
        [{"grant_year": 2024, "source_file": "eksport.xlsx", "source_sha256": "0", "source_row": row,
          "export_locale": "nb", **response} for row, response in enumerate(responses, start=2)],
        columns=raw_columns(FORM))


def table(columns: str, dtypes: str, rows: list[tuple]) -> pd.DataFrame:
    """An expected table: column names and their dtypes (space-separated), then the rows."""
    names, types = columns.split(), dtypes.split()
    assert len(names) == len(types)
    frame = pd.DataFrame.from_records(rows, columns=names)
    return frame.astype(dict(zip(names, types)))


def assert_table(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(actual[list(expected.columns)].reset_index(drop=True), expected, check_exact=True)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    return clean_partition(raw_export(RESPONSES), FORM, COUNTIES, MUNICIPALITIES)


def test_every_clean_table_is_returned_in_order(tables):
    assert list(tables) == list(CLEAN_TABLES)


def test_the_tables_are_what_the_contract_writes(tables):
    """Every table has the contract's columns; amounts land as whole kroner, NULL where unreadable."""
    for name in CLEAN_TABLES:
        conform(tables[name], name)
    written = conform(tables["projects"], "projects")["grant_amount_nok"]
    pd.testing.assert_series_equal(written, pd.Series([1_250_001, 95_000, None, 1_250_000, 200_000, 75_000],
                                                      dtype="Int64", name="grant_amount_nok"))


def test_an_export_without_responses_cleans_to_empty_tables():
    """The raw layer refuses such an export; the cleaning on its own still gives every table."""
    empty = clean_partition(raw_export([]), FORM, COUNTIES, MUNICIPALITIES)
    assert list(empty) == list(CLEAN_TABLES)
    for name in CLEAN_TABLES:
        assert conform(empty[name], name).empty


def test_row_accounting(tables):
    assert list(tables["responses"]["response_id"]) == [r["response_id"] for r in RESPONSES]
    assert list(tables["projects"]["response_id"]) == ["102", "104", "105", "106", "107", "108"]
    assert list(tables["superseded_responses"]["response_id"]) == ["101"]
    assert list(tables["set_aside_responses"]["response_id"]) == ["103"]


def test_responses_money_counties_and_yes_no(tables):
    assert_table(tables["responses"], table(
        "response_id county  county_reported      completion_time competence_already_reported intercommunal "
        "course_leader_hdir_nok other_measures_text           other_measures_nok competence_total_nok grant_amount_nok",
        "str         str     str                  datetime64[us]  object                      object        "
        "float64                str                           float64            float64              float64",
        [
            ("101", "Agder", "Agder", pd.Timestamp("2025-01-10 09:00"), False, None,
             50_000.0, "Kurs for ledere 45 000 kr", 45_000.0, 95_000.0, 150_000.0),
            ("102", "Agder", "Agder", pd.Timestamp("2025-01-20 09:00"), True, False,
             None, None, None, None, 1_250_001.0),
            ("103", "Agder", "agder fylkeskommune", pd.Timestamp("2025-01-15 09:00"), False, None,
             50_000.0, "Kurs for ledere 45 000 kr", 45_000.0, 95_000.0, None),
            ("104", "Vestland", "Vestland", pd.Timestamp("2025-01-11 09:00"), False, True,
             20_000.0, "To kurs: 10 000 kr og 5 000 kr", None, 20_000.0, 95_000.0),
            ("105", "Vestland", "Vestland", pd.Timestamp("2025-01-12 09:00"), False, None,
             25_000.0, None, None, 25_000.0, None),
            ("106", "Rogaland", "Rogaland", pd.Timestamp("2025-01-13 09:00"), True, None,
             None, None, None, None, 1_250_000.0),
            ("107", "Rogaland", "Rogaland", pd.Timestamp("2025-01-14 09:00"), None, True,
             None, None, None, None, 200_000.0),
            ("108", None, "Atlantis fylke", None, None, None,
             None, None, None, None, 75_000.0),
        ]))


def test_responses_multi_and_single_choices(tables):
    """"Begge disse gruppene" sets both groups (as ticking both does); unknown text is 'Annet' with
    its text; the exclusive "Nei, …" of q21 beside a partner keeps the flags (and is an issue)."""
    assert_table(tables["responses"], table(
        "response_id target_risk target_chronic target_both target_other target_other_text "
        "user_elderly user_other user_other_text       collab_frisklivssentral collab_none is_collaborative "
        "lead_service lead_service_other_text has_project",
        "str         bool        bool           bool        bool         str "
        "bool         bool       str                   bool                    bool        bool "
        "str          str                     bool",
        [
            ("101", True, True, True, False, None, False, False, None, False, False, False, None, None, True),
            ("102", True, True, True, False, None, True, True, "Ungdom i videregående", True, False, True,
             "gp", None, True),
            ("103", False, False, False, False, None, False, False, None, False, False, False, None, None, False),
            ("104", True, False, False, True, "Ungdom i videregående skole", False, False, None, False, True, False,
             "other", "NAV-kontoret", True),
            ("105", False, False, False, True, None, False, False, None, False, False, False, None, None, True),
            ("106", False, False, False, False, None, False, False, None, True, True, True, None, None, True),
            ("107", False, False, False, False, None, False, False, None, False, False, False, None, None, True),
            ("108", False, False, False, False, None, False, False, None, False, False, False, None, None, True),
        ]))


def test_responses_attainment_scale(tables):
    answers = tables["responses"].set_index("response_id").loc["102", [f"attainment_{i:02d}" for i in range(1, 13)]]
    assert [None if pd.isna(a) else a for a in answers] == [
        "Ja", "Ja", "Delvis", "Nei", "Ikke aktuelt", "Ikke aktuelt", None, None, "Ja", "Ja", "Ja", "Ja"]


def test_projects_and_their_municipalities(tables):
    assert_table(tables["projects"], table(
        "response_id county   county_no project_title       municipality_reported municipality_no municipality "
        "n_municipalities_named unnamed_neighbours grant_amount_nok",
        "str         str      str       str                 str                   str             str "
        "int64                  bool               float64",
        [
            ("102", "Agder", "42", "FRISKLIVSLØYPA", "arendal", "4203", "Arendal", 1, False, 1_250_001.0),
            ("104", "Vestland", "46", "Aktiv hverdag", "Voss og nabokommuner", "4621", "Voss", 1, True, 95_000.0),
            ("105", "Vestland", "46", "Sterk og stødig", "Atlantis", None, None, 1, False, None),
            ("106", "Rogaland", "11", "Sunn mat", "Arendal", None, None, 1, False, 1_250_000.0),
            ("107", "Rogaland", "11", "Sammen på Jæren", "Hå, Klepp og Time", "1119", "Hå", 3, False, 200_000.0),
            ("108", None, None, "Prosjekt X", None, None, None, 0, False, 75_000.0),
        ]))
    assert_table(tables["project_municipalities"], table(
        "grant_year response_id position name_reported municipality_no municipality",
        "int64      str         int64    str           str             str",
        [
            (2024, "102", 1, "arendal", "4203", "Arendal"),
            (2024, "104", 1, "Voss", "4621", "Voss"),
            (2024, "105", 1, "Atlantis", None, None),
            (2024, "106", 1, "Arendal", None, None),
            (2024, "107", 1, "Hå", "1119", "Hå"),
            (2024, "107", 2, "Klepp", "1120", "Klepp"),
            (2024, "107", 3, "Time", "1121", "Time"),
        ]))


def test_superseded_and_set_aside_responses(tables):
    assert_table(tables["superseded_responses"], table(
        "grant_year response_id source_row county municipality_reported project_title  completion_time "
        "superseded_by reason",
        "int64      str         int64      str    str                   str            datetime64[us] "
        "str           str",
        [(2024, "101", 2, "Agder", "Arendal", "Frisklivsløypa", pd.Timestamp("2025-01-10 09:00"), "102",
          "resubmission: same county, municipality and project title; the latest completion time wins")]))
    assert_table(tables["set_aside_responses"], table(
        "grant_year response_id source_row county completion_time reason",
        "int64      str         int64      str    datetime64[us]  str",
        [(2024, "103", 4, "Agder", pd.Timestamp("2025-01-15 09:00"), "no project answers (q13–q35 empty)")]))


def test_competence_building_collapses_identical_repeats_and_sets_conflicting_ones_aside(tables):
    """Agder: the first report (on a response later superseded) and the competence-only response
    are identical, one row; Vestland: two different reports, the later kept, never summed."""
    assert_table(tables["competence_building"], table(
        "grant_year county   county_no response_id competence_used course_leader_hdir_nok other_measures_text "
        "other_measures_nok competence_total_nok n_reports n_distinct_reports parts_sum_nok",
        "int64      str      str       str         bool            float64                str "
        "float64            float64              int64     int64              Int64",
        [
            (2024, "Agder", "42", "103", True, 50_000.0, "Kurs for ledere 45 000 kr", 45_000.0, 95_000.0, 2, 1, 95_000),
            (2024, "Vestland", "46", "105", True, 25_000.0, None, None, 25_000.0, 2, 2, 25_000),
        ]))
    assert_table(tables["competence_building_conflicts"], table(
        "grant_year county   response_id kept_response_id reason",
        "int64      str      str         str              str",
        [(2024, "Vestland", "104", "105", "conflicting repeat of the competence-building report; the latest is kept")]))


def test_bridge_tables_of_the_multi_selects(tables):
    """Bridges list the projects' ticked option keys (not superseded or set-aside responses);
    'Begge disse gruppene' and the exclusive "Nei, …" are flags, never bridge rows. The labels are
    the form's (form_options) and the 'Annet' text stays on the project."""
    columns, dtypes = "grant_year response_id {}", "int64 str {}"
    assert_table(tables["project_target_groups"], table(columns.format("target_group"), dtypes.format("str"), [
        (2024, "102", "risk"), (2024, "102", "chronic"), (2024, "104", "risk"), (2024, "104", "other"),
        (2024, "105", "other"),
    ]))
    assert_table(tables["project_user_groups"], table(columns.format("user_group"), dtypes.format("str"), [
        (2024, "102", "elderly"), (2024, "102", "other"),
    ]))
    assert_table(tables["project_collaborators"], table(columns.format("partner"), dtypes.format("str"), [
        (2024, "102", "frisklivssentral"), (2024, "102", "health_station"), (2024, "106", "frisklivssentral"),
    ]))
    projects = tables["projects"].set_index("response_id")
    assert projects.loc["104", "target_other_text"] == "Ungdom i videregående skole"
    assert pd.isna(projects.loc["105", "target_other_text"])
    assert projects.loc["102", "user_other_text"] == "Ungdom i videregående"


def test_project_attainment_is_long_with_every_criterion(tables):
    """One row per project and criterion, keyed by the criterion's number (its wording is the form's)."""
    attainment_table = tables["project_attainment"]
    assert len(attainment_table) == 12 * 6
    assert [q.criterion_no for q in FORM.attainment_questions] == list(range(1, 13))
    assert_table(attainment_table.head(12), table(
        "grant_year response_id county criterion_no answer",
        "int64      str         str    int64        str",
        [(2024, "102", "Agder", i + 1, answer) for i, answer in enumerate(
            ["Ja", "Ja", "Delvis", "Nei", "Ikke aktuelt", "Ikke aktuelt", None, None, "Ja", "Ja", "Ja", "Ja"])]))
    assert list(attainment_table["response_id"].iloc[::12]) == ["102", "104", "105", "106", "107", "108"]


COUNTY_LIST = ("Oslo, Rogaland, Møre og Romsdal, Nordland, Østfold, Akershus, Buskerud, Innlandet, Vestfold, "
               "Telemark, Agder, Vestland, Trøndelag, Troms, Finnmark")


def test_cleaning_issues_name_each_unreadable_cell_once(tables):
    """Typing problems by sheet row, then in the order of the row's questions; then q14 per
    project; then conflicting competence reports."""
    assert_table(tables["cleaning_issues"], table(
        "grant_year response_id source_row question_id rule message value",
        "int64      str         int64      str         str  str     str",
        [
            (2024, "102", 3, "q30", "q30.attainment_value",
             "expected one of Ja, Delvis, Nei, Ikke aktuelt, got 'litt'", "litt"),
            (2024, "104", 5, "q11", "q11.amount_in_text",
             "2 amounts found in 'To kurs: 10 000 kr og 5 000 kr'; give one total", "To kurs: 10 000 kr og 5 000 kr"),
            (2024, "105", 6, "q20", "q20.yes_no", "expected Ja or Nei, got 'kanskje'", "kanskje"),
            (2024, "105", 6, "q22", "q22.single_choice",
             "one choice expected, got 2: 'Fastlege;Hjemmetjenesten;'", "Fastlege;Hjemmetjenesten;"),
            (2024, "105", 6, "q23", "q23.money_unparseable", "not an amount: 'ca. 50 000'", "ca. 50 000"),
            (2024, "106", 7, "response_id", "meta.overlapping_export_version",
             "response ID 106 is also in tidlig.xlsx row 4 with other answers; this version, modified later, is kept",
             None),
            (2024, "106", 7, "q21", "q21.multi_choice",
             f"'{NO_COLLABORATION}' ticked together with other options", f"Frisklivssentral;{NO_COLLABORATION};"),
            (2024, "108", 9, "completion_time", "meta.completion_time_unparseable",
             "completion time 'ikke en dato' is not a date-time", "ikke en dato"),
            (2024, "108", 9, "q01", "q01.county_unknown",
             f"'Atlantis fylke' is not a county of this grant year ({COUNTY_LIST})", "Atlantis fylke"),
            (2024, "105", 6, "q14", "q14.municipality_not_found", "'Atlantis' is not in the municipality register",
             "Atlantis"),
            (2024, "106", 7, "q14", "q14.municipality_other_county",
             "'Arendal' is a municipality in Agder, not in Rogaland", "Arendal"),
            (2024, "104", 5, "q02", "q02.competence_conflict",
             "competence-building report for Vestland differs from response 105, which is kept", None),
        ]))


# --- the demo exports: what assets/raw/README.md says they hold ---------------------------------

def clean_demo(year: int, file: str) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    form = load_form_schema(REFERENCE_DIR, year)
    raw, _ = build_raw_responses([read_export(DEMO_LANDING / str(year) / file)], form, b"k", year)
    return raw, clean_partition(raw, form, read_reference(REFERENCE_DIR, "counties", year),
                                read_reference(REFERENCE_DIR, "municipalities", year))


def issue_list(tables) -> list[tuple]:
    """(question, rule, raw value) of each cleaning issue, in order."""
    issues = tables["cleaning_issues"]
    return [(q, rule, None if pd.isna(value) else value)
            for q, rule, value in zip(issues["question_id"], issues["rule"], issues["value"])]


@pytest.mark.parametrize("year, file, counts", [
    (2024, "friskliv_rapportering_2024.xlsx", (119, 115, 3, 1)),
    (2023, "friskliv_rapportering_2023.csv", (110, 108, 2, 0)),
])
def test_demo_export_row_accounting_and_grant_amounts(year, file, counts):
    """raw = projects + superseded + set aside, with the README's counts; every project's grant is
    the money rule's reading of its own q23 cell; superseded responses point at a kept project."""
    raw, tables = clean_demo(year, file)
    projects = tables["projects"]
    assert (len(raw), len(projects), len(tables["superseded_responses"]), len(tables["set_aside_responses"])) == counts
    assert len(tables["responses"]) == len(raw)
    q23 = raw.set_index("response_id")["q23"]
    for response_id, amount in zip(projects["response_id"], projects["grant_amount_nok"]):
        cell = q23[response_id]
        expected = parse_nok(None if pd.isna(cell) else cell).nok
        assert (None if pd.isna(amount) else amount) == expected, (response_id, cell)
    assert set(tables["superseded_responses"]["superseded_by"]) <= set(projects["response_id"])
    assert len(tables["project_attainment"]) == 12 * len(projects)


def test_demo_export_2024_planted_cases():
    _, tables = clean_demo(2024, "friskliv_rapportering_2024.xlsx")
    projects = tables["projects"]
    assert projects["county"].nunique() == 15
    assert int(projects["intercommunal"].eq(True).sum()) == 13
    assert list(tables["set_aside_responses"]["county"]) == ["Agder"]
    competence = tables["competence_building"].set_index("county")
    assert tuple(competence.loc["Nordland", ["n_reports", "n_distinct_reports"]]) == (2, 1)  # identical repeat
    used = competence[competence["competence_used"].eq(True)]
    assert (len(used), used["competence_total_nok"].sum()) == (11, 874_037)
    assert tables["competence_building_conflicts"].empty
    named = tables["project_municipalities"]
    two_named = named[named["response_id"].isin(named.loc[named["position"] == 2, "response_id"])]
    assert list(two_named["municipality"]) == ["Voss", "Vaksdal"]  # "Voss herad og Vaksdal": the only list
    assert issue_list(tables) == [("q14", "q14.municipality_not_found", "BODØ SENTRUM")]


def test_demo_export_2023_planted_cases():
    _, tables = clean_demo(2023, "friskliv_rapportering_2023.csv")
    assert list(tables["competence_building_conflicts"]["county"]) == ["Viken"]
    viken = tables["competence_building"].set_index("county").loc["Viken"]
    assert (viken["n_reports"], viken["n_distinct_reports"]) == (2, 2)
    assert issue_list(tables) == [("q23", "q23.money_unparseable", "ca. 150 000"),
                                  ("q14", "q14.municipality_other_county", "Ålesund"),
                                  ("q02", "q02.competence_conflict", None)]
