"""Properties of ``clean_partition`` on generated messy exports (every question kind with
plausible, mis-typed, missing and junk cells; resubmissions, repeated competence reports,
competence-only responses; every day/month order):

- row accounting: every raw response is one ``responses`` row and lands in exactly one of
  ``projects``, ``superseded_responses`` and ``set_aside_responses``;
- every cell is what its rule (the one definition for one value: ``yes_no``, ``parse_nok``, …)
  makes of it, and a cell the rule cannot read is NULL with exactly one ``cleaning_issues`` row;
  ``cleaning_issues`` holds those rows and nothing else;
- one competence row per county, conflicts pointing at the kept report; bridges cut from the
  projects' own columns.

Deterministic (the ``deterministic`` profile of tests/conftest.py)."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from friskliv_pipeline.cleaning.answers import (
    attainment, clean_text, compact_key, multi_choice, single_choice, yes_no,
)
from friskliv_pipeline.cleaning.clean_tables import clean_partition
from friskliv_pipeline.cleaning.columns import clean_texts, compact_keys, object_array
from friskliv_pipeline.cleaning.money import parse_nok, split_description_and_amount
from friskliv_pipeline.cleaning.municipalities import MunicipalityRegister
from friskliv_pipeline.cleaning.responses import (
    MULTI_PREFIX, PROJECT_QUESTIONS, YES_NO_COLUMNS, _county, attainment_column, read_time,
)
from friskliv_pipeline.core.errors import ExportError
from friskliv_pipeline.forms.date_order import DAY_FIRST, MONTH_FIRST, UNDECIDED, assumed_order
from friskliv_pipeline.forms.raw_table import raw_columns
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.core.reference import read_reference
from tests.conftest import REFERENCE_DIR

FORM = load_form_schema(REFERENCE_DIR, 2024)
COUNTIES = read_reference(REFERENCE_DIR, "counties", 2024)
MUNICIPALITIES = read_reference(REFERENCE_DIR, "municipalities", 2024)
OFFICIAL_COUNTY_NAMES = dict(zip(COUNTIES["county"], COUNTIES["county_official"]))
REGISTER = MunicipalityRegister(MUNICIPALITIES)
MONEY_COLUMN = {"q12": "competence_total_nok", "q23": "grant_amount_nok"}


# --- generated exports -----------------------------------------------------------------------

def _labels(qid: str) -> list[str]:
    return [o.label for o in FORM.question(qid).options]


junk = st.one_of(st.text(max_size=25), st.text(alphabet=" ;,.-\u00a0\t[]\"'0123456789kr", max_size=12))
missing = st.sampled_from([None, "", "  ", "\u00a0"])


def messy(*plausible: str):
    """A cell: mostly one of the plausible answers (in any case, padded), sometimes missing or junk."""
    shaped = st.tuples(st.sampled_from(plausible), st.sampled_from([str, str.upper, str.lower]),
                       st.sampled_from(["", " ", "\u00a0", ".", ";"])).map(lambda t: t[1](t[0]) + t[2])
    return st.one_of(shaped, shaped, missing, junk)


def multi_cell(qid: str):
    labels = _labels(qid) + ["Annet", "noe helt annet", "Begge disse gruppene"]
    picked = st.lists(st.sampled_from(labels), max_size=4)
    as_forms = picked.map(lambda ls: "".join(f"{label};" for label in ls))
    as_json = picked.map(lambda ls: json.dumps(ls, ensure_ascii=False))
    return st.one_of(as_forms, as_forms, as_json, missing, junk)


COUNTY_NAMES = list(COUNTIES["county"]) + ["Troms - Romsa - Tromssa", "Romsa", "Vestfold fylkeskommune", "Oslo"]
MUNICIPALITY_NAMES = list(MUNICIPALITIES["municipality"].head(40)) + [
    "Herøy", "Våler", "Hå, Klepp og Time", "Hå/Klepp", "Ålesund kommune", "Arendal og nabokommuner",
    "Nore og Uvdal", "Rosse - Røros", "Atlantis"]
MONEY = ["150 000", "kr 200.000,-", "95 000 kr", "75000", "1 250 000,50", "NOK 1,250,000", "ca. 50 000",
         "1,5 mill", "-20 000", "0", "150 00"]
MONEY_TEXT = ["Kurs for ledere 45 000 kr", "To kurs: 10 000 kr og 5 000 kr", "Kurs", "-", "0", "ingen",
              "Samling høsten 2024, kr 12 500,-", "30 000"]
TIMES = st.one_of(
    st.datetimes(min_value=pd.Timestamp("2023-01-01").to_pydatetime(),
                 max_value=pd.Timestamp("2025-12-31").to_pydatetime()).flatmap(
        lambda d: st.sampled_from([d.strftime("%d.%m.%Y %H:%M:%S"), d.strftime("%m/%d/%Y %H:%M"),
                                   d.strftime("%Y-%m-%dT%H:%M:%S"), d.strftime("%d.%m.%Y")])),
    st.sampled_from(["01.02.2024 10:00:00", "02.01.2024 10:00:00", "03.04.2024 09:00"]),
    missing, junk)


def cell_for(q):
    if q.id == "q01":
        return messy(*COUNTY_NAMES)
    if q.id == "q13":
        return messy("Frisklivsløypa", "Frisklivs-løypa", "Aktiv hverdag", "Sterk og stødig")
    if q.id == "q14":
        return messy(*MUNICIPALITY_NAMES)
    kinds = {
        "yes_no": lambda: messy("Ja", "Nei", "yes", "no", "Ja!", "Delvis"),
        "attainment": lambda: messy("Ja", "Delvis", "Nei", "Ikke aktuelt", "Ikkeaktuelt", "ikke relevant", "litt"),
        "money": lambda: messy(*MONEY),
        "money_text": lambda: messy(*MONEY_TEXT),
        "multi": lambda: multi_cell(q.id),
        "single": lambda: messy(*_labels(q.id), "Annet;noe annet", "Annet", "Frisklivssentral;Annet;", ";", "[]"),
    }
    if q.kind in kinds:
        return kinds[q.kind]()
    return st.one_of(messy("Tekst", "Mer  tekst\u00a0her"), missing, junk)


def response():
    questions = {q.id: cell_for(q) for q in FORM.questions}
    return st.fixed_dictionaries({
        "completion_time": TIMES,
        "export_locale": st.sampled_from(["nb", "en"]),
        "overlapping_versions": st.one_of(st.none(), st.just(json.dumps([{"file": "a.xlsx", "row": 3}])),
                                          st.just(json.dumps([{"file": "a.xlsx", "row": 3},
                                                              {"file": "b.csv", "row": 9}]))),
        **questions,
    })


@st.composite
def raw_tables(draw):
    rows = draw(st.lists(response(), min_size=1, max_size=8))
    if draw(st.booleans()):  # resubmissions and repeated competence reports: copies with other times
        rows += [dict(r, completion_time=draw(TIMES)) for r in draw(st.lists(st.sampled_from(rows), max_size=4))]
    if draw(st.booleans()):  # a competence-only response: no project answers, set aside
        rows[-1] = dict(rows[-1], **{q: None for q in PROJECT_QUESTIONS if q in rows[-1]})
    date_order = draw(st.sampled_from([None, DAY_FIRST, MONTH_FIRST, UNDECIDED]))
    records = []
    for i, cells in enumerate(rows, start=2):
        records.append({"grant_year": 2024, "source_file": "gen.csv", "source_sha256": "0", "source_row": i,
                        "date_order": date_order, "response_id": str(1000 + i), "start_time": None,
                        "last_modified_time": None, "respondent_hash": None, "extra_columns": None, **cells})
    return pd.DataFrame.from_records(records, columns=raw_columns(FORM))


def clean_or_refuse(raw: pd.DataFrame) -> dict[str, pd.DataFrame] | None:
    """The tables, or None when the file's day/month order is undecided and would pick a winner."""
    try:
        return clean_partition(raw, FORM, COUNTIES, MUNICIPALITIES)
    except ExportError as error:
        assert set(raw["date_order"]) == {UNDECIDED} and "day-first or month-first" in error.message
        return None


# --- what each cell should become -------------------------------------------------------------

def value(v):
    """A cell or table value as the rules see it: every kind of missing is None."""
    return None if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT else v


def logged(v) -> str | None:
    """The raw value as ``cleaning_issues.value`` holds it."""
    return None if value(v) is None else str(v)[:200]


class Expected:
    """Each cell's rule applied to it: the typed values and the issues it must give."""

    def __init__(self):
        self.issues: Counter = Counter()
        self.mismatches: list[tuple] = []

    def problem(self, row, question_id: str, rule: str, raw_value) -> None:
        self.issues[(row["response_id"], row["source_row"], question_id, rule, logged(raw_value))] += 1

    def equal(self, row, typed, column: str, expected) -> None:
        if value(typed[column]) != expected:
            self.mismatches.append((row["response_id"], column, typed[column], expected))


def check_response(raw_row, typed, expected: Expected) -> None:
    cell = {k: value(v) for k, v in raw_row.items()}
    dayfirst = assumed_order(cell["date_order"], cell["export_locale"])
    parsed, time_problem = read_time(cell["completion_time"], dayfirst)
    expected.equal(raw_row, typed, "completion_time", parsed)
    if time_problem:
        expected.problem(raw_row, "completion_time", time_problem[0], cell["completion_time"])
    for _version in json.loads(cell["overlapping_versions"] or "[]"):
        expected.problem(raw_row, "response_id", "meta.overlapping_export_version", None)
    county, county_problem = _county(cell["q01"], OFFICIAL_COUNTY_NAMES)
    expected.equal(raw_row, typed, "county", county)
    if county_problem:
        expected.problem(raw_row, "q01", "q01.county_unknown", cell["q01"])
    for qid, column in YES_NO_COLUMNS.items():
        answer = yes_no(cell[qid])
        expected.equal(raw_row, typed, column, answer.value)
        if answer.problem:
            expected.problem(raw_row, qid, f"{qid}.yes_no", cell[qid])
    for q in FORM.questions:
        check_question(q, cell[q.id], raw_row, typed, expected)


def check_question(q, text, raw_row, typed, expected: Expected) -> None:
    if q.kind == "money":
        money = parse_nok(text)
        expected.equal(raw_row, typed, MONEY_COLUMN.get(q.id, f"{q.category}_nok"), money.nok)
        problems = [(f"{q.id}.money_unparseable", money.problem)]
    elif q.kind == "money_text":
        parsed = split_description_and_amount(text)
        expected.equal(raw_row, typed, f"{q.category}_text", parsed.description)
        expected.equal(raw_row, typed, f"{q.category}_nok", parsed.nok)
        problems = [(f"{q.id}.amount_in_text", parsed.problem)]
    elif q.kind == "multi":
        choice = multi_choice(text, q)
        prefix = MULTI_PREFIX[q.id]
        for key, flag in choice.flags.items():
            if key != "both":  # target_both: both groups, however they were ticked (below)
                expected.equal(raw_row, typed, f"{prefix}_{key}", flag)
        expected.equal(raw_row, typed, f"{prefix}_other_text", choice.other_text)
        problems = [(f"{q.id}.multi_choice", p) for p in choice.problems]
    elif q.kind == "single":
        key, other_text, problem = single_choice(text, q)
        expected.equal(raw_row, typed, "lead_service", key)
        expected.equal(raw_row, typed, "lead_service_other_text", other_text)
        problems = [(f"{q.id}.single_choice", problem)]
    elif q.kind == "attainment":
        answer = attainment(text)
        expected.equal(raw_row, typed, attainment_column(q.criterion_no), answer.value)
        problems = [(f"{q.id}.attainment_value", answer.problem)]
    else:
        problems = []
    for rule, problem in problems:
        if problem:
            expected.problem(raw_row, q.id, rule, text)


def actual_issues(tables) -> Counter:
    issues = tables["cleaning_issues"]
    return Counter((r.response_id, r.source_row, r.question_id, r.rule, logged(r.value))
                   for r in issues.itertuples(index=False))


# --- the properties ---------------------------------------------------------------------------

def check_row_accounting(raw, tables):
    """Every raw response is one typed row and lands in exactly one of the three tables."""
    raw_ids = list(raw["response_id"])
    assert list(tables["responses"]["response_id"]) == raw_ids
    projects, superseded, set_aside = (list(tables[t]["response_id"]) for t in
                                       ("projects", "superseded_responses", "set_aside_responses"))
    assert len(projects) + len(superseded) + len(set_aside) == len(raw)
    assert sorted(projects + superseded + set_aside) == sorted(raw_ids)
    blank = [rid for rid, (_, row) in zip(raw_ids, raw.iterrows())
             if all(clean_text(value(row[q])) is None for q in PROJECT_QUESTIONS)]
    assert set_aside == blank  # set aside: every project answer blank, in data order
    assert set(tables["superseded_responses"]["superseded_by"]) <= set(projects)
    assert list(tables["projects"]["source_row"]) == sorted(tables["projects"]["source_row"])


def check_cells_and_issues(raw, tables):
    """Each cell is its rule's reading; each problem a rule reports is one issue row, and there are no others."""
    expected = Expected()
    responses = tables["responses"]
    for (_, raw_row), (_, typed) in zip(raw.iterrows(), responses.iterrows()):
        check_response(raw_row, typed, expected)
        assert typed["target_both"] == (typed["target_risk"] and typed["target_chronic"])
    for _, project in tables["projects"].iterrows():
        match = REGISTER.match(value(project["municipality_reported"]), value(project["county"]))
        expected.equal(project, project, "municipality_no", match.municipality_no)
        expected.equal(project, project, "unnamed_neighbours", match.unnamed_neighbours)
        for rule, _message in match.problems:
            expected.problem(project, "q14", rule, project["municipality_reported"])
    rows = dict(zip(responses["response_id"], responses["source_row"]))
    for rid in tables["competence_building_conflicts"]["response_id"]:
        expected.problem({"response_id": rid, "source_row": rows[rid]}, "q02", "q02.competence_conflict", None)
    assert expected.mismatches == []
    assert actual_issues(tables) == expected.issues
    # in data order: the typing problems by sheet row, then q14's by project, then the competence conflicts
    issues = tables["cleaning_issues"]
    phase = issues["rule"].map(lambda rule: 1 if rule.startswith("q14.") else 2 if rule == "q02.competence_conflict"
                               else 0)
    assert phase.is_monotonic_increasing
    for p in (0, 1):
        assert issues.loc[phase == p, "source_row"].is_monotonic_increasing


def check_competence_and_bridges(tables):
    """One competence row per county, a conflict points at its county's kept report; the long
    tables are cut from the projects' own columns."""
    competence = tables["competence_building"]  # a county q01 did not match: one row per text reported
    assert competence["county"].dropna().is_unique
    assert (competence["n_reports"] >= competence["n_distinct_reports"]).all()
    assert (competence["n_distinct_reports"] >= 1).all()
    conflicts = tables["competence_building_conflicts"]
    assert set(conflicts["kept_response_id"]) <= set(competence["response_id"])
    per_kept = conflicts["kept_response_id"].value_counts()
    for kept_id, n_reports, n_distinct in competence[["response_id", "n_reports", "n_distinct_reports"]].itertuples(
            index=False):
        assert n_distinct - 1 <= per_kept.get(kept_id, 0) <= n_reports - 1

    projects = tables["projects"]
    answers = tables["project_attainment"]
    assert len(answers) == 12 * len(projects)
    wide = projects[[attainment_column(i) for i in range(1, 13)]].to_numpy().ravel()
    assert [value(a) for a in answers["answer"]] == [value(a) for a in wide]
    for qid, name in (("q15", "project_target_groups"), ("q16", "project_user_groups"),
                      ("q21", "project_collaborators")):
        listed = [o.key for o in FORM.question(qid).options if not (o.exclusive or o.implies)]
        flags = projects[[f"{MULTI_PREFIX[qid]}_{key}" for key in listed]]
        assert len(tables[name]) == int(flags.to_numpy().sum())
        assert set(tables[name]["response_id"]) <= set(projects["response_id"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@pytest.mark.filterwarnings("ignore:Parsing dates in:UserWarning")
@given(raw=raw_tables())
def test_generated_exports_keep_row_accounting_and_read_each_cell_by_its_rule(raw):
    tables = clean_or_refuse(raw)
    if tables is not None:
        check_row_accounting(raw, tables)
        check_cells_and_issues(raw, tables)
        check_competence_and_bridges(tables)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.just(float("nan")), st.text(), junk, missing), max_size=30))
def test_column_text_rules_equal_the_scalar_ones(values):
    """clean_texts and compact_keys (pandas string methods) give clean_text and compact_key per value."""
    array = object_array(values)
    assert list(clean_texts(array)) == [clean_text(v) for v in values]
    assert list(compact_keys(array)) == [compact_key(v) for v in values]
