"""Exports as real counties send them (issue 14), as real files through the reader and the cleaning:
re-saved CSVs with the saving PC's date order, quiz-style columns, personal data under header
spellings we did not know, overlapping exports of one form, a synced workbook's sheets."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from friskliv_pipeline.cleaning.clean_tables import clean_partition
from friskliv_pipeline.core.errors import ExportError
from friskliv_pipeline.forms.export_reader import read_export
from friskliv_pipeline.forms.raw_table import build_raw_responses
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.core.reference import read_reference
from tests.conftest import REFERENCE_DIR

FORM = load_form_schema(REFERENCE_DIR, 2024)
EN_META = ["ID", "Start time", "Completion time", "Email", "Name"]
NB_META = ["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-post", "Navn"]


def answers(title: str, grant: str = "100 000", municipality: str = "Arendal") -> list[str | None]:
    given = {"q01": "Agder", "q02": "Ja", "q13": title, "q14": municipality, "q15": "Annet, spesifiser:;",
             "q22": "Frisklivssentral", "q23": grant}
    return [given.get(q.id, "Ja" if q.kind == "attainment" else None) for q in FORM.questions]


def response(rid: str, completed: str, title: str, grant: str = "100 000",
             email: str = "kari@agder.example.no", name: str = "Kari Nordmann") -> list[str | None]:
    return [rid, completed, completed, email, name] + answers(title, grant)


def write_csv(path: Path, rows: list[list], meta=EN_META, extra_headers=(), delimiter=";") -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter)
        writer.writerow(list(meta) + [q.header for q in FORM.questions] + list(extra_headers))
        for r in rows:
            writer.writerow(["" if c is None else c for c in r])
    return path


def clean(*paths: Path) -> dict[str, pd.DataFrame]:
    exports = [read_export(p) for p in paths]
    raw, report = build_raw_responses(exports, FORM, b"test-key", 2024)
    tables = clean_partition(raw, FORM, read_reference(REFERENCE_DIR, "counties", 2024),
                             read_reference(REFERENCE_DIR, "municipalities", 2024))
    return {"raw_responses": raw, **tables, "_report": report}


# --- 3. CSV dates: the order comes from the file's own values ----------------------------------

def test_english_csv_with_day_first_dates_reads_them_day_first_and_the_right_resubmission_wins(tmp_path):
    """Re-saved on a Norwegian PC: English headers, dates 03.04.2024 = 3 April (15.04 decides it)."""
    path = write_csv(tmp_path / "eksport.csv", [
        response("1", "03.04.2024 10:00", "Frisklivsløypa", grant="100 000"),   # 3 April: the later one
        response("2", "04.03.2024 10:00", "Frisklivsløypa", grant="90 000"),    # 4 March (month-first: 3 April)
        response("3", "15.04.2024 09:00", "Mestring"),
    ])
    t = clean(path)
    assert set(t["raw_responses"]["date_order"]) == {"day_first"}
    completed = dict(zip(t["responses"]["response_id"], t["responses"]["completion_time"]))
    assert completed["1"] == pd.Timestamp("2024-04-03 10:00")
    assert completed["2"] == pd.Timestamp("2024-03-04 10:00")
    assert set(t["projects"]["response_id"]) == {"1", "3"}
    assert list(t["superseded_responses"]["response_id"]) == ["2"]


def test_norwegian_csv_with_month_first_dates_reads_them_month_first(tmp_path):
    path = write_csv(tmp_path / "eksport.csv", [
        response("1", "4/3/2024 10:00", "Frisklivsløypa"), response("2", "4/25/2024 10:00", "Mestring"),
    ], meta=NB_META)
    t = clean(path)
    assert set(t["raw_responses"]["date_order"]) == {"month_first"}
    assert t["responses"].set_index("response_id").loc["1", "completion_time"] == pd.Timestamp("2024-04-03 10:00")


def test_an_undecidable_file_where_the_order_picks_the_winner_stops_with_what_to_do(tmp_path):
    path = write_csv(tmp_path / "eksport.csv", [
        response("1", "03.04.2024 10:00", "Frisklivsløypa"), response("2", "04.03.2024 10:00", "Frisklivsløypa"),
    ])
    with pytest.raises(ExportError) as raised:
        clean(path)
    error = raised.value
    assert (error.file, error.row) == ("eksport.csv", 2)
    assert "day-first or month-first" in error.message and "rows 2, 3" in error.message
    assert "yyyy-mm-dd" in error.hint and ".xlsx" in error.hint


def test_an_undecidable_file_where_the_order_changes_nothing_is_read(tmp_path):
    path = write_csv(tmp_path / "eksport.csv", [
        response("1", "03.04.2024 10:00", "Frisklivsløypa"), response("2", "05.04.2024 10:00", "Frisklivsløypa"),
    ])
    t = clean(path)
    assert set(t["raw_responses"]["date_order"]) == {"undecided"}
    assert list(t["projects"]["response_id"]) == ["2"]  # latest both ways


def test_a_file_mixing_both_orders_is_refused_naming_both_cells(tmp_path):
    path = write_csv(tmp_path / "eksport.csv", [
        response("1", "15.04.2024 10:00", "A"), response("2", "4/25/2024 10:00", "B"),
    ])
    with pytest.raises(ExportError) as raised:
        clean(path)
    assert "'15.04.2024 10:00' (row 2" in raised.value.message and "'4/25/2024 10:00' (row 3" in raised.value.message
    assert raised.value.file == str(path)


# --- 4. quiz-style exports ------------------------------------------------------------------

QUIZ_TAIL = ["Total points", "Quiz feedback", "Grade posted time"]


def quiz_workbook(path: Path, drop: str) -> Path:
    """A quiz-style Forms export: each question followed by its Points and Feedback columns; the
    column of question ``drop`` is missing, its Points/Feedback columns are there."""
    headers, cells = list(EN_META), ["1", "2024-04-03 10:00:00", "2024-04-03 10:20:00", "anonymous", None]
    for q, value in zip(FORM.questions, answers("Frisklivsløypa")):
        if q.id != drop:
            headers.append(q.header)
            cells.append(value)
        headers += [f"Points - {q.header}", f"Feedback - {q.header}"]
        cells += ["0", "Godt svar fra Kari"]
    headers += QUIZ_TAIL
    cells += ["0", "Bra", "2024-04-04 08:00:00"]
    wb = Workbook()
    wb.active.append(headers)
    wb.active.append(cells)
    wb.save(path)
    return path


def test_quiz_columns_are_never_matched_to_a_question_and_are_reported_as_ignored(tmp_path):
    t = clean(quiz_workbook(tmp_path / "quiz.xlsx", drop="q10"))  # q10 is optional
    raw = t["raw_responses"]
    assert raw.loc[0, "q10"] is None or pd.isna(raw.loc[0, "q10"])  # not "0" from 'Points - …'
    file = t["_report"].files[0]
    assert "q10" in file["missing_optional_questions"]
    assert set(file["quiz_columns_ignored"]) == {f"{kind} - {q.header}" for q in FORM.questions
                                                 for kind in ("Points", "Feedback")} | set(QUIZ_TAIL)
    assert file["extra_columns"] == [] and pd.isna(raw.loc[0, "extra_columns"])
    assert raw.loc[0, "q13"] == "Frisklivsløypa"


def test_a_required_question_without_its_column_is_an_error_even_with_its_points_column(tmp_path):
    path = quiz_workbook(tmp_path / "quiz.xlsx", drop="q14")
    with pytest.raises(ExportError) as raised:
        clean(path)
    assert "q14" in raised.value.message
    assert not raised.value.column.startswith(("Points", "Feedback"))


# --- 5. personal data under any header ------------------------------------------------------

ADDRESS, NAME, CONTACT = "kari.nordmann@agder.example.no", "Kari Nordmann", "ola@fylke.example.no"


@pytest.mark.parametrize("email_header, name_header", [
    ("Email address", "Name"), ("E-mail", "Full name"), ("E-postadresse", "Namn"), ("Epost", "Fullt namn"),
])
def test_respondent_email_and_name_under_other_header_spellings_are_hashed(tmp_path, email_header, name_header):
    meta = ["ID", "Start time", "Completion time", email_header, name_header]
    path = write_csv(tmp_path / "eksport.csv", [response("1", "2024-04-03 10:00", "A", email=ADDRESS, name=NAME)],
                     meta=meta)
    t = clean(path)
    assert t["raw_responses"].loc[0, "respondent_hash"]
    assert_nowhere(t, ADDRESS, NAME)


def test_numbered_duplicates_and_unknown_columns_holding_addresses_are_hashed_everywhere(tmp_path):
    """An e-mail header we do not know ('Kontaktperson') and Forms' 'Email2'/'Navn1': found, hashed."""
    rows = [response("1", "2024-04-03 10:00", "A", email=ADDRESS, name=NAME) + [CONTACT, ADDRESS, NAME, "merknad"],
            response("2", "2024-04-05 10:00", "B", email=ADDRESS, name=NAME) + [None, None, None, None]]
    path = write_csv(tmp_path / "eksport.csv", rows, meta=NB_META,
                     extra_headers=["Kontaktperson", "Email2", "Navn1", "Merknad"])
    t = clean(path)
    file = t["_report"].files[0]
    assert set(file["personal_columns_hashed"]) == {"Kontaktperson", "Email2", "Navn1"}
    assert file["extra_columns"] == ["Merknad"]
    extra = json.loads(t["raw_responses"].loc[0, "extra_columns"])
    assert extra["Merknad"] == "merknad"
    assert len(extra["Kontaktperson"]) == 16 and extra["Email2"] == t["raw_responses"].loc[0, "respondent_hash"]
    assert_nowhere(t, ADDRESS, NAME, CONTACT)


def assert_nowhere(tables: dict, *secrets: str) -> None:
    """No cell of any table (raw and clean) holds any of ``secrets``, in any case."""
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            continue
        text = frame.astype(str).to_csv(index=False).casefold()
        for secret in secrets:
            assert secret.casefold() not in text, f"{secret!r} found in {name}"


# --- 7. overlapping exports -----------------------------------------------------------------

def with_modified(rows: list[list], modified: list[str]) -> list[list]:
    return [r[:5] + [m] + r[5:] for r, m in zip(rows, modified)]


MODIFIED_META = NB_META + ["Tidspunkt for siste endring"]
PROVENANCE = ["source_file", "source_sha256", "overlapping_versions"]


def early_and_late(tmp_path: Path, late_grant_2: str = "100 000") -> tuple[Path, Path]:
    """An early download (responses 1-3) and a late one (1-4) of the same form, as .xlsx and .csv."""
    rows = [response(str(i), f"2024-04-0{i} 10:00:00", f"Prosjekt {i}") for i in (1, 2, 3, 4)]
    early = with_modified(rows[:3], ["2024-04-01 10:00:00", "2024-04-02 10:00:00", "2024-04-03 10:00:00"])
    late_rows = [list(r) for r in rows]
    modified_2 = "2024-04-02 10:00:00"
    if late_grant_2 != "100 000":
        late_rows[1][5 + [q.id for q in FORM.questions].index("q23")] = late_grant_2
        modified_2 = "2024-05-20 08:00:00"
    late = with_modified(late_rows, ["2024-04-01 10:00:00", modified_2, "2024-04-03 10:00:00", "2024-04-04 10:00:00"])
    wb = Workbook()
    wb.active.append(MODIFIED_META + [q.header for q in FORM.questions])
    for r in early:
        wb.active.append(r)
    wb.save(tmp_path / "eksport_mars.xlsx")
    return tmp_path / "eksport_mars.xlsx", write_csv(tmp_path / "eksport_mai.csv", late, meta=MODIFIED_META)


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop(columns=[c for c in PROVENANCE if c in frame.columns])
    return frame.sort_values("response_id").reset_index(drop=True) if "response_id" in frame else frame


def test_two_identical_overlapping_exports_give_the_same_tables_as_the_later_one_alone(tmp_path):
    early, late = early_and_late(tmp_path)
    both, alone = clean(early, late), clean(late)
    assert both["_report"].overlaps.identical_repeats_collapsed == 3
    assert both["_report"].overlaps.differing_versions_replaced == 0
    for name in ("responses", "projects", "superseded_responses", "set_aside_responses", "project_municipalities",
                 "project_attainment", "competence_building", "cleaning_issues"):
        pd.testing.assert_frame_equal(comparable(both[name]), comparable(alone[name]), check_dtype=False, obj=name)
    assert len(both["raw_responses"]) == 4


def test_a_response_edited_between_downloads_keeps_the_later_version_with_a_cleaning_note(tmp_path):
    early, late = early_and_late(tmp_path, late_grant_2="150 000")
    t = clean(early, late)
    assert t["_report"].overlaps.differing_versions_replaced == 1
    raw = t["raw_responses"].set_index("response_id")
    assert raw.loc["2", "source_file"] == "eksport_mai.csv" and raw.loc["2", "q23"] == "150 000"
    assert json.loads(raw.loc["2", "overlapping_versions"])[0]["file"] == "eksport_mars.xlsx"
    assert t["projects"].set_index("response_id").loc["2", "grant_amount_nok"] == 150_000
    notes = t["cleaning_issues"]
    note = notes[notes["rule"] == "meta.overlapping_export_version"]
    assert list(note["response_id"]) == ["2"] and "eksport_mars.xlsx row 3" in note.iloc[0]["message"]


def test_the_later_modification_wins_whichever_file_is_read_first(tmp_path):
    """The early download's name sorts last: its older version still loses."""
    early, late = early_and_late(tmp_path, late_grant_2="150 000")
    renamed = early.rename(tmp_path / "zz_eksport.xlsx")
    t = clean(late, renamed)
    assert t["raw_responses"].set_index("response_id").loc["2", "q23"] == "150 000"


# --- 6. the sheet that holds the Forms header -------------------------------------------------

def test_the_sheet_holding_the_forms_header_is_read_not_the_first_one(tmp_path):
    """A synced workbook: the county put a notes sheet first; Forms' own sheet is 'Form1'."""
    wb = Workbook()
    notes = wb.active
    notes.title = "Notater"
    notes.append(["Rapportering 2024", "sendt 1. mars"])
    notes.append(["ID", "kommentar"])
    form1 = wb.create_sheet("Form1")
    form1.append(EN_META + [q.header for q in FORM.questions])
    form1.append(response("7", "2024-04-03 10:00:00", "Frisklivsløypa"))
    wb.create_sheet("Pivot").append(["Fylke", "Antall"])
    wb.save(tmp_path / "synkronisert.xlsx")
    export = read_export(tmp_path / "synkronisert.xlsx")
    assert export.sheet == "Form1"
    t = clean(tmp_path / "synkronisert.xlsx")
    assert list(t["projects"]["project_title"]) == ["Frisklivsløypa"]
    assert t["_report"].files[0]["sheet"] == "Form1"


def test_a_workbook_without_any_forms_header_says_so(tmp_path):
    wb = Workbook()
    wb.active.append(["Fylke", "Antall"])
    wb.create_sheet("Ark2").append(["x"])
    wb.save(tmp_path / "feil.xlsx")
    with pytest.raises(ExportError) as raised:
        read_export(tmp_path / "feil.xlsx")
    assert "No header row with 'ID'" in raised.value.message and raised.value.file == str(tmp_path / "feil.xlsx")


# --- 2. intercommunal phrasing ----------------------------------------------------------------

def test_a_project_for_a_municipality_and_its_neighbours_has_no_finding_for_the_phrase(tmp_path):
    """Through the pre-flight (cleaning + every GX suite): 'Voss og nabokommuner' is Voss plus a marker."""
    from friskliv_pipeline.operations.preflight import preflight

    row = response("1", "2024-04-03 10:00:00", "Frisklivsløypa")
    row[5 + [q.id for q in FORM.questions].index("q01")] = "Vestland"
    row[5 + [q.id for q in FORM.questions].index("q14")] = "Voss og nabokommuner"
    result = preflight(write_csv(tmp_path / "eksport.csv", [row]), 2024, REFERENCE_DIR)
    projects = result.tables["projects"]
    assert list(projects["municipality_no"]) == ["4621"] and list(projects["unnamed_neighbours"]) == [True]
    assert list(result.tables["project_municipalities"]["name_reported"]) == ["Voss"]
    assert not result.findings["question_id"].eq("q14").any()
    records = result.check_findings
    breaches = records[records["kind"] == "breach"]
    assert not breaches["message"].str.contains("nabokommuner").any()  # no finding for the phrase
    notes = records[records["kind"] == "data_note"]  # an intercommunal project, noted as such
    assert list(notes["rule"]) == ["q14.intercommunal_unnamed_neighbours"] and list(notes["county"]) == ["Vestland"]
