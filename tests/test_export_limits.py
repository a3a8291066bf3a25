"""Guards before reading (issue 29): an absurd workbook is refused from its zip directory and its
worksheets' first bytes, before a cell is parsed, with one line; it stays in the landing folder as
it was. Forms IDs are positive whole numbers; the pre-flight names rows repeated in the file."""

from __future__ import annotations

import shutil
import time
import zipfile

import pytest

from friskliv_pipeline.core.errors import ExportError
from friskliv_pipeline.forms.export_reader import LIMITS, ExportLimits, read_export, sha256_of
from tests.conftest import DEMO_LANDING, REFERENCE_DIR
from tests.test_cli_messages import friskliv, one_line

DEMO_2024 = next((DEMO_LANDING / "2024").glob("*.xlsx"))


def _with_sheet(target, sheet_xml: bytes | None = None, dimension: str | None = None) -> None:
    """The demo workbook with its worksheet replaced (``sheet_xml``) or its dimension tag rewritten."""
    with zipfile.ZipFile(DEMO_2024) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                if sheet_xml is not None:
                    data = sheet_xml
                if dimension is not None:
                    start = data.index(b"<dimension ref=\"")
                    end = data.index(b"\"", start + len(b"<dimension ref=\""))
                    data = data[:start] + f"<dimension ref=\"{dimension}".encode() + data[end:]
            out.writestr(item, data)


def test_a_zip_bomb_is_refused_from_the_directory_with_one_line_and_left_untouched(tmp_path):
    """A worksheet of 200 MB of blanks packs to ~200 KB: refused by its packing ratio, unread."""
    bomb = tmp_path / "landing" / "2024" / "eksport.xlsx"
    bomb.parent.mkdir(parents=True)
    with zipfile.ZipFile(DEMO_2024) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, source.read(item))
        with out.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b" " * (1024 * 1024)
            for _ in range(200):
                sheet.write(block)
    before = sha256_of(bomb)
    started = time.monotonic()
    proc = friskliv("check", str(bomb), "--year", "2024", tmp_path=tmp_path)
    seconds = time.monotonic() - started  # printed for the record, not asserted (benchmarks/ measure speed)
    assert proc.returncode == 1
    line = one_line(proc)
    assert line.startswith(f"friskliv: file {bomb}: The workbook's part xl/worksheets/sheet1.xml unpacks ")
    assert "times its packed size (at most 100 times in an export)" in line and "left as it is" in line
    assert sha256_of(bomb) == before
    print(f"zip bomb refused in {seconds:.1f} s")


def test_a_workbook_too_big_unpacked_or_too_long_is_refused_before_parsing(tmp_path):
    workbook = tmp_path / "eksport.xlsx"
    _with_sheet(workbook)
    with zipfile.ZipFile(workbook) as z:
        unpacked = sum(i.file_size for i in z.infolist())
    with pytest.raises(ExportError, match=r"The workbook unpacks to \d+ KiB, more than the \d+ KiB an export may be"):
        read_export(workbook, ExportLimits(max_unpacked_bytes=unpacked - 1))
    # the worksheet says it holds 400 000 rows: refused from its first bytes
    _with_sheet(workbook, dimension="A1:AR400000")
    with pytest.raises(ExportError, match="The export has 400 000 rows, more than the 250 000 an export may have"):
        read_export(workbook)
    _with_sheet(workbook, dimension="A1:AMK3")  # column 1025
    with pytest.raises(ExportError, match="The export has 1 025 columns, more than the 1 000"):
        read_export(workbook)
    # a dimension tag that understates the sheet (Forms' own exports can) is caught on what was read
    _with_sheet(workbook, dimension="A1")
    with pytest.raises(ExportError, match="The export has 120 rows, more than the 100 an export may have"):
        read_export(workbook, ExportLimits(max_rows=100))
    assert len(read_export(workbook).rows) == 119  # within the limits the demo reads as ever


def test_a_csv_larger_than_an_export_may_be_is_not_read(tmp_path):
    csv = tmp_path / "eksport.csv"
    shutil.copy(next((DEMO_LANDING / "2023").glob("*.csv")), csv)
    with pytest.raises(ExportError, match=r"The file is \d+ KiB, more than the \d+ KiB an export may be"):
        read_export(csv, ExportLimits(max_unpacked_bytes=csv.stat().st_size - 1))
    assert LIMITS.max_unpacked_bytes >= 512 * 1024 ** 2  # the benchmark's 1000x year (~260 MB) stays readable


@pytest.mark.parametrize("bad_id", ["x", "0", "-3", "1.5", "٣"])
def test_an_id_that_is_not_a_forms_id_is_refused_with_its_row(tmp_path, bad_id):
    from openpyxl import load_workbook

    workbook = tmp_path / "eksport.xlsx"
    book = load_workbook(DEMO_2024)
    sheet = book.worksheets[0]
    header_row = next(r for r in range(1, 21) if sheet.cell(r, 1).value == "ID")
    sheet.cell(header_row + 5, 1).value = bad_id
    book.save(workbook)
    proc = friskliv("check", str(workbook), "--year", "2024", tmp_path=tmp_path)
    assert proc.returncode == 1
    assert one_line(proc) == (f"friskliv: file {workbook}, row {header_row + 5}, column 'ID': The response ID "
                              f"{bad_id!r} is not a Forms ID (a positive whole number). What to do: do not edit the "
                              "ID column of the export: export the responses again from Forms")


def test_the_preflight_names_rows_repeated_in_the_file(tmp_path):
    """The same response twice in one file collapses in the run; the pre-flight says so, in both languages."""
    from openpyxl import load_workbook

    workbook = tmp_path / "eksport.xlsx"
    book = load_workbook(DEMO_2024)
    sheet = book.worksheets[0]
    header_row = next(r for r in range(1, 21) if sheet.cell(r, 1).value == "ID")
    for repeat in (header_row + 1, header_row + 2):
        sheet.append([c.value for c in sheet[repeat]])
    book.save(workbook)
    proc = friskliv("check", str(workbook), "--year", "2024", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "  rows repeated in the file (one kept per Forms ID): 2 identical repeats collapsed, 0 replaced by a " \
           "later version" in proc.stdout
    assert "119 responses" in proc.stdout
    proc = friskliv("check", str(workbook), "--year", "2024", "--lang", "nb", tmp_path=tmp_path)
    assert "  rader som står flere ganger i filen (én beholdt per Forms-ID): 2 like gjentatte svar slått sammen, " \
           "0 erstattet av en senere versjon av svaret" in proc.stdout
    assert REFERENCE_DIR.is_dir()
