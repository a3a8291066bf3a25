"""File-level faults of an export: one clear ExportError naming the file (and row/column where it can)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from friskliv_pipeline.core.errors import ExportError
from friskliv_pipeline.forms.export_reader import read_export
from friskliv_pipeline.forms.raw_table import build_raw_responses
from friskliv_pipeline.forms.schema import load_form_schema
from tests.conftest import DEMO_LANDING, REFERENCE_DIR

FORM_2024 = load_form_schema(REFERENCE_DIR, 2024)
NB_META = ["ID", "Starttidspunkt", "Fullføringstidspunkt", "E-post", "Navn"]


def _row(i: int) -> list:
    answers = {"q01": "Agder", "q02": "Ja", "q13": f"Prosjekt {i}", "q14": "Arendal", "q15": "Annet, spesifiser:;",
               "q22": "Frisklivssentral", "q23": "100 000"}
    cells = [str(i), "2025-04-10 09:00:00", "2025-04-10 09:20:00", "a@b.no", "A B"]
    for q in FORM_2024.questions:
        cells.append(answers.get(q.id, "Ja" if q.kind == "attainment" else None))
    return cells


def _headers() -> list[str]:
    return NB_META + [q.header for q in FORM_2024.questions]


def _xlsx(path: Path, rows: list[list], title_rows: int = 0) -> Path:
    wb = Workbook()
    ws = wb.active
    for t in range(title_rows):
        ws.append([f"Rapportering 2024 (tittel {t + 1})"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _error(path: Path) -> ExportError:
    with pytest.raises(ExportError) as info:
        read_export(path)
    assert str(path) in str(info.value), "the message must name the file"
    return info.value


def test_empty_file(tmp_path):
    path = tmp_path / "tom.xlsx"
    path.write_bytes(b"")
    assert "empty" in _error(path).message


def test_header_only(tmp_path):
    error = _error(_xlsx(tmp_path / "header.xlsx", [_headers()]))
    assert "no responses" in error.message and error.row == 1


def test_text_renamed_to_xlsx(tmp_path):
    path = tmp_path / "renamed.xlsx"
    path.write_text("ID;Navn\n1;x\n", encoding="utf-8")
    assert "not a real .xlsx" in _error(path).message


def test_corrupt_zip(tmp_path):
    good = _xlsx(tmp_path / "good.xlsx", [_headers(), _row(1)])
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(good.read_bytes()[:400])
    error = _error(path)
    assert "cannot be opened" in error.message and "Error" not in error.message  # no Python class name


def test_password_protected_workbook(tmp_path):
    """A real encrypted workbook (ECMA-376 agile encryption, as Excel writes it with a password)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = _xlsx(tmp_path / "plain.xlsx", [_headers(), _row(1)])
    path = tmp_path / "locked.xlsx"
    with open(plain, "rb") as source, open(path, "wb") as target:
        OOXMLFile(source).encrypt("hemmelig", target)
    assert "password-protected" in _error(path).message


def test_title_rows_above_the_header_are_skipped(tmp_path):
    path = _xlsx(tmp_path / "title.xlsx", [_headers(), _row(1), _row(2)], title_rows=2)
    export = read_export(path)
    assert export.header_row == 3
    assert [r[0] for r in export.rows] == [4, 5]  # sheet row numbers, not list positions


def test_duplicated_header_column(tmp_path):
    headers = _headers() + ["Prosjekttittel"]
    error = _error(_xlsx(tmp_path / "dup.xlsx", [headers, _row(1) + ["x"]]))
    assert "appears twice" in error.message and error.column is not None


def test_semicolon_cp1252_csv_with_norwegian_letters(tmp_path):
    lines = [";".join(_headers()), ";".join(c or "" for c in _row(1)).replace("Arendal", "Grimstad kommune – Færvik")]
    path = tmp_path / "resaved.csv"
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    export = read_export(path)
    assert export.encoding == "cp1252" and export.delimiter == ";"
    assert "Fullføringstidspunkt" in export.headers
    assert any("Færvik" in (c or "") for c in export.rows[0][1])


def test_bom_comma_csv_is_read(tmp_path):
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_headers())
    writer.writerow(_row(7))
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    export = read_export(path)
    assert export.encoding == "utf-8-sig" and export.delimiter == "," and export.headers[0] == "ID"


def test_2023_form_in_the_2024_folder_is_detected():
    export = read_export(next((DEMO_LANDING / "2023").glob("*.csv")))
    with pytest.raises(ExportError) as info:
        build_raw_responses([export], FORM_2024, b"k", 2024)
    assert "2023 form" in str(info.value)
    assert "fylkesstruktur 2023" in str(info.value)  # the closest header found


def test_missing_required_question_names_question_and_closest_header(tmp_path):
    headers = _headers()
    index = headers.index(FORM_2024.question("q23").header)
    headers[index] = "Beløp"
    export = read_export(_xlsx(tmp_path / "missing.xlsx", [headers, _row(1)]))
    with pytest.raises(ExportError) as info:
        build_raw_responses([export], FORM_2024, b"k", 2024)
    assert "q23" in str(info.value) and "Tilskuddsbeløp" in str(info.value)


def test_value_beyond_the_last_header_is_an_error_with_row_and_column(tmp_path):
    error = _error(_xlsx(tmp_path / "stray.xlsx", [_headers(), _row(1), _row(2) + [None, "stray"]]))
    assert error.row == 3 and error.column is not None


def test_blank_rows_are_counted_not_kept(tmp_path):
    export = read_export(_xlsx(tmp_path / "blank.xlsx", [_headers(), _row(1), [None] * 5, _row(2)]))
    assert len(export.rows) == 2 and export.blank_rows == 1


def test_identical_response_in_two_files_collapses_to_one_row(tmp_path):
    a = read_export(_xlsx(tmp_path / "a.xlsx", [_headers(), _row(1)]))
    b = read_export(_xlsx(tmp_path / "b.xlsx", [_headers(), _row(1)]))
    raw, report = build_raw_responses([a, b], FORM_2024, b"k", 2024)
    assert list(raw["response_id"]) == ["1"] and list(raw["source_file"]) == ["a.xlsx"]
    assert report.overlaps.identical_repeats_collapsed == 1


def test_raw_file_is_never_modified(tmp_path):
    path = _xlsx(tmp_path / "x.xlsx", [_headers(), _row(1)])
    before = path.read_bytes()
    read_export(path)
    assert path.read_bytes() == before
    assert zipfile.is_zipfile(path)
