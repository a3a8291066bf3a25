"""Cell-level faults never crash the parser (issue 7): arbitrary strings, numbers, dates and empties
in every column either clean with findings or stop with a clear ExportError; no row is lost."""

from __future__ import annotations

import csv
import datetime as dt

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from friskliv_pipeline.cleaning.clean_tables import clean_partition
from friskliv_pipeline.core.errors import ExportError
from friskliv_pipeline.forms.export_reader import read_export
from friskliv_pipeline.forms.raw_table import build_raw_responses
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.core.reference import read_reference
from tests.conftest import REFERENCE_DIR

FORM = load_form_schema(REFERENCE_DIR, 2024)
COUNTIES = read_reference(REFERENCE_DIR, "counties", 2024)
MUNICIPALITIES = read_reference(REFERENCE_DIR, "municipalities", 2024)
HEADERS = ["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-post", "Navn"] + [q.header for q in FORM.questions]

plausible = st.sampled_from(["Ja", "Nei", "Delvis", "Ikke aktuelt", "Agder", "Oslo", "Arendal", "150 000",
                             "kr 200.000,-", "Frisklivssentral;", "Begge disse gruppene;", "Annet"])
cell = st.one_of(
    st.none(), st.just(""), st.text(max_size=60), plausible,
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.dates().map(lambda d: d.strftime("%d.%m.%Y")),
    st.datetimes(min_value=dt.datetime(1900, 1, 1)).map(str),
    st.text(alphabet=";,\"'\n\t =+-@<>", max_size=10),
)
row = st.lists(cell, min_size=len(HEADERS) - 1, max_size=len(HEADERS) - 1)


def found_case(**answers: str) -> list[list[str | None]]:
    """One row of a case the search once found (cells after ID), pinned with @example so it runs
    on every CI run: a plausible response with the given question answers."""
    cells: list[str | None] = [None] * (len(HEADERS) - 1)
    cells[1] = "01.03.2024 10:00:00"
    for qid, value in {"q01": "Agder", "q13": "Frisklivsløypa", **answers}.items():
        cells[4 + [q.id for q in FORM.questions].index(qid)] = value
    return [cells]


# Cases the search has found; each one crashed the cleaning before it was fixed (issue 14).
FOUND_CASES = [found_case(q22=";"), found_case(q22="[]"), found_case(q22=" ; ; ")]


def _check_accounting(raw, tables):
    assert len(tables["responses"]) == len(raw)
    assert len(tables["projects"]) + len(tables["superseded_responses"]) + len(tables["set_aside_responses"]) \
        == len(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(row, min_size=1, max_size=6))
@example(rows=FOUND_CASES[0])
@example(rows=FOUND_CASES[1])
@example(rows=FOUND_CASES[2])
def test_arbitrary_cells_clean_with_row_accounting(rows, tmp_path_factory):
    import pandas as pd

    from friskliv_pipeline.forms.raw_table import raw_columns

    records = []
    for i, cells in enumerate(rows, start=1):
        record = {"grant_year": 2024, "source_file": "fuzz.csv", "source_sha256": "0", "source_row": i + 1,
                  "export_locale": "nb", "response_id": str(i), "start_time": cells[0], "completion_time": cells[1],
                  "last_modified_time": None, "respondent_hash": None, "extra_columns": None}
        for q, value in zip(FORM.questions, cells[4:]):
            record[q.id] = value
        records.append(record)
    raw = pd.DataFrame(records, columns=raw_columns(FORM))
    tables = clean_partition(raw, FORM, COUNTIES, MUNICIPALITIES)
    _check_accounting(raw, tables)
    issues = tables["cleaning_issues"]
    assert set(issues["response_id"]) <= set(raw["response_id"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=4))
@example(rows=FOUND_CASES[0])
@example(rows=FOUND_CASES[1])
@example(rows=FOUND_CASES[2])
def test_arbitrary_cells_through_a_real_csv_file(rows, tmp_path):
    path = tmp_path / "fuzz.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(HEADERS)
        for i, cells in enumerate(rows, start=1):
            writer.writerow([str(i)] + ["" if c is None else c for c in cells])
    try:
        export = read_export(path)
        raw, _ = build_raw_responses([export], FORM, b"k", 2024)
    except ExportError as error:
        assert str(path) in str(error)  # a clear, located error is an acceptable outcome
        return
    tables = clean_partition(raw, FORM, COUNTIES, MUNICIPALITIES)
    _check_accounting(raw, tables)
    assert len(raw) == len(export.rows)
