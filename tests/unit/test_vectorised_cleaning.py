"""The vectorised cleaning (rules once per distinct answer, tables built column by column) gives
exactly the tables of the row-by-row cleaning: same columns, order, dtypes, values and the same
cleaning_issues rows in the same order; on the demo exports and on generated messy responses."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from friskliv_pipeline.cleaning.answers import clean_text, compact_key
from friskliv_pipeline.cleaning.clean_tables import CLEAN_TABLES, clean_partition
from friskliv_pipeline.cleaning.columns import clean_texts, compact_keys, object_array
from friskliv_pipeline.cleaning.responses import PROJECT_QUESTIONS
from friskliv_pipeline.errors import ExportError
from friskliv_pipeline.forms.date_order import DAY_FIRST, MONTH_FIRST, UNDECIDED
from friskliv_pipeline.forms.export_reader import read_export
from friskliv_pipeline.forms.raw_table import build_raw_responses, raw_columns
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.reference import read_reference
from tests.conftest import DEMO_LANDING, REFERENCE_DIR

FORM = load_form_schema(REFERENCE_DIR, 2024)
COUNTIES = read_reference(REFERENCE_DIR, "counties", 2024)
MUNICIPALITIES = read_reference(REFERENCE_DIR, "municipalities", 2024)


def assert_same_tables(raw, form, counties, municipalities) -> dict[str, pd.DataFrame]:
    """Both paths on ``raw``: equal tables, or the same ExportError."""
    try:
        by_row = clean_partition(raw, form, counties, municipalities, vectorised=False)
    except ExportError as error:
        with pytest.raises(ExportError) as raised:
            clean_partition(raw, form, counties, municipalities, vectorised=True)
        assert str(raised.value) == str(error)
        return {}
    by_column = clean_partition(raw, form, counties, municipalities, vectorised=True)
    assert list(by_column) == list(by_row) == list(CLEAN_TABLES)
    for name in CLEAN_TABLES:
        pd.testing.assert_frame_equal(by_column[name], by_row[name], check_exact=True, obj=name)
    return by_row


@pytest.mark.parametrize("year, file", [(2024, "friskliv_rapportering_2024.xlsx"),
                                        (2023, "friskliv_rapportering_2023.csv")])
def test_demo_exports_clean_the_same_both_ways(year, file):
    form = load_form_schema(REFERENCE_DIR, year)
    raw, _ = build_raw_responses([read_export(DEMO_LANDING / str(year) / file)], form, b"k", year)
    tables = assert_same_tables(raw, form, read_reference(REFERENCE_DIR, "counties", year),
                                read_reference(REFERENCE_DIR, "municipalities", year))
    assert len(tables["projects"]) > 50 and len(tables["project_attainment"]) > 500


# --- generated responses: every question kind with plausible, messy and junk cells -----------

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


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@pytest.mark.filterwarnings("ignore:Parsing dates in:UserWarning")
@given(raw=raw_tables())
def test_generated_responses_clean_the_same_both_ways(raw):
    assert_same_tables(raw, FORM, COUNTIES, MUNICIPALITIES)


def test_an_undecided_file_keeps_its_other_reading_only_as_a_working_column():
    """Undecided day/month order adds a working column in both paths; no table keeps it."""
    rows = [{"q01": "Agder", "q13": "Løypa", "q14": "Arendal", "completion_time": t} for t in
            ("01.02.2024 10:00", "03.04.2024 10:00")]
    raw = pd.DataFrame.from_records(
        [{"grant_year": 2024, "source_file": "u.csv", "source_sha256": "0", "source_row": i + 2,
          "export_locale": "nb", "date_order": UNDECIDED, "response_id": str(i), **r} for i, r in enumerate(rows)],
        columns=raw_columns(FORM))
    tables = assert_same_tables(raw, FORM, COUNTIES, MUNICIPALITIES)
    assert not any(c.startswith("_") for t in tables.values() for c in t.columns)


@settings(max_examples=200, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.just(float("nan")), st.text(), junk, missing), max_size=30))
def test_column_text_rules_equal_the_scalar_ones(values):
    """clean_texts and compact_keys (pandas string methods) give clean_text and compact_key per value."""
    array = object_array(values)
    assert list(clean_texts(array)) == [clean_text(v) for v in values]
    assert list(compact_keys(array)) == [compact_key(v) for v in values]
