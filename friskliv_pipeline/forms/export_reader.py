"""Read one Microsoft Forms response export (.xlsx or .csv) into header + text rows.

Nothing is interpreted here beyond turning every cell into text: the question mapping is
:mod:`friskliv_pipeline.forms.schema`'s job and typing is the cleaning layer's. Every fault
that makes the file unreadable as a whole raises :class:`ExportError` naming the file, and
the row and column where it can.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

from friskliv_pipeline.core.bokmal import grouped
from friskliv_pipeline.core.errors import ExportError
from friskliv_pipeline.forms.schema import METADATA_HEADERS, normalize_header

EXPORT_SUFFIXES = (".xlsx", ".csv")
HEADER_SEARCH_ROWS = 20
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class ExportLimits:
    """What an export may be before any cell of it is parsed. A grant year's Forms export is a few
    hundred rows of ~45 columns (~2 KB a row unpacked); the benchmark's 1000x year is ~119 000 rows,
    ~260 MB unpacked, packed ~10:1. A file past a limit is refused from the zip's directory (or its
    size on disk) and each worksheet's first bytes, in a second, with nothing of it read into a table."""

    max_unpacked_bytes: int = 512 * 1024 ** 2  # the workbook's members unpacked, or the CSV file's size
    max_packing_ratio: int = 100  # unpacked / packed of one member: a zip bomb packs far tighter than text
    max_rows: int = 250_000
    max_columns: int = 1_000


LIMITS = ExportLimits()


@dataclass
class RawExport:
    """The cells of one export as text. ``rows`` holds (sheet row number, cells) pairs."""

    path: Path
    sha256: str
    file_format: str
    headers: list[str]
    header_row: int
    rows: list[tuple[int, list[str | None]]]
    blank_rows: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None  # the worksheet read (the one holding the Forms header)


def sha256_of(path: Path) -> str:
    """The file's SHA-256 (hex): how the archive, the manifest and the auditor's package name a file."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def read_export(path: Path, limits: ExportLimits = LIMITS) -> RawExport:
    """Read ``path`` by its content (not its name): a zip is a workbook, anything else CSV text."""
    from openpyxl.utils import get_column_letter  # openpyxl only when a file is read: the sensor imports this module

    path = Path(path)
    name = str(path)
    data = _read_bytes(path, limits)
    if not data.strip():
        raise ExportError("The file is empty", file=name, hint="export the responses again from Forms")
    if data.startswith(_OLE2_MAGIC):
        raise ExportError(
            "The workbook is password-protected (encrypted) or a legacy .xls file",
            file=name, hint="remove the password in Excel (File → Info → Protect Workbook) and save as .xlsx",
        )
    sha = hashlib.sha256(data).hexdigest()
    sheet = None
    if data[:4] == b"PK\x03\x04":
        _check_workbook_size(data, name, limits)
        (grid, sheet), fmt, encoding, delimiter = _xlsx_grid(data, name), "xlsx", None, None
    elif path.suffix.lower() == ".xlsx":
        raise ExportError("The file is not a real .xlsx workbook (no zip container)", file=name,
                          hint="open it in Excel and save it as an Excel workbook, or export again from Forms")
    else:
        grid, encoding, delimiter = _csv_grid(data, name)
        fmt = "csv"
    _check_grid_size(grid, name, limits)
    header_index = _find_header_row(grid, name)
    headers = [("" if h is None else str(h)).strip() for h in grid[header_index]]
    while headers and headers[-1] == "":
        headers.pop()
    _check_headers(headers, header_index + 1, name)
    rows: list[tuple[int, list[str | None]]] = []
    blank = 0
    width = len(headers)
    for i in range(header_index + 1, len(grid)):
        cells, grid[i] = grid[i], None  # the row's list moves to ``rows``: the grid is not held twice
        sheet_row = i + 1
        if all(c is None or str(c).strip() == "" for c in cells):
            blank += 1
            continue
        overflow = [j for j in range(len(headers), len(cells)) if cells[j] not in (None, "")]
        if overflow:
            raise ExportError(
                "A cell holds a value beyond the last header column",
                file=name, row=sheet_row, column=get_column_letter(overflow[0] + 1),
                hint="remove the stray value or give the column a header",
            )
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        del cells[width:]
        rows.append((sheet_row, cells))
    if not rows:
        raise ExportError("The export has a header row but no responses", file=name, row=header_index + 1,
                          hint="check that the right file was exported (Forms → Responses → Open in Excel)")
    return RawExport(path, sha, fmt, headers, header_index + 1, rows, blank, encoding, delimiter, sheet)


def _read_bytes(path: Path, limits: ExportLimits) -> bytes:
    """The file's bytes, or one ExportError that says why there are none (no OSError trace)."""
    if path.is_dir():
        raise ExportError("This is a folder, not an export file", file=str(path),
                          hint="give the path of the .xlsx or .csv file inside it")
    if not path.exists():
        raise ExportError("The file does not exist", file=str(path),
                          hint="check the path and the file name")
    try:
        size = path.stat().st_size
        if size > limits.max_unpacked_bytes:
            raise ExportError(f"The file is {_mib(size)}, more than the {_mib(limits.max_unpacked_bytes)} an export "
                              "may be", file=str(path), hint=_TOO_BIG_HINT)
        return path.read_bytes()
    except OSError as exc:
        raise ExportError(f"The file cannot be read ({exc.strerror or exc})", file=str(path),
                          hint="check that you may read it and that no other program locks it") from exc


_TOO_BIG_HINT = ("check that this is the Forms export of one grant year (Forms → Responses → Open in Excel); "
                 "the file was not read and is left as it is")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+\d+(?::([A-Z]+)(\d+))?"')


def _mib(n: int) -> str:
    """ "891 MiB", "252 KiB": a size as the refusal states it."""
    return f"{n / 1024 ** 2:.0f} MiB" if n >= 1024 ** 2 else f"{n / 1024:.0f} KiB"


def _grouped(n: int) -> str:
    return grouped(n, " ")


def _check_workbook_size(data: bytes, name: str, limits: ExportLimits) -> None:
    """Refuse a workbook past the limits from its zip directory and its worksheets' dimension tags,
    before any cell is parsed (an unreadable zip is left to the reader, which says so)."""
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_unpacked_bytes:
        raise ExportError(f"The workbook unpacks to {_mib(unpacked)}, more than the {_mib(limits.max_unpacked_bytes)} "
                          "an export may be", file=name, hint=_TOO_BIG_HINT)
    for member in members:
        if member.file_size > 1024 ** 2 and member.file_size > limits.max_packing_ratio * max(member.compress_size, 1):
            raise ExportError(f"The workbook's part {member.filename} unpacks {member.file_size // max(member.compress_size, 1)} "
                              f"times its packed size (at most {limits.max_packing_ratio} times in an export): it is "
                              "not a Forms export", file=name, hint=_TOO_BIG_HINT)
    for member in members:
        if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
            with archive.open(member) as sheet:
                found = _DIMENSION.search(sheet.read(4096))
            if found and found.group(2):
                rows, columns = int(found.group(2)), _column_number(found.group(1).decode())
                _check_extent(rows, columns, name, limits)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _check_extent(rows: int, columns: int, name: str, limits: ExportLimits) -> None:
    if rows > limits.max_rows:
        raise ExportError(f"The export has {_grouped(rows)} rows, more than the {_grouped(limits.max_rows)} an "
                          "export may have", file=name, hint=_TOO_BIG_HINT)
    if columns > limits.max_columns:
        raise ExportError(f"The export has {_grouped(columns)} columns, more than the {_grouped(limits.max_columns)} "
                          "an export may have", file=name, hint=_TOO_BIG_HINT)


def _check_grid_size(grid: list[list], name: str, limits: ExportLimits) -> None:
    """The same limits on what was read (a CSV, or a workbook whose dimension tag understated it)."""
    _check_extent(len(grid), max((len(row) for row in grid), default=0), name, limits)


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "Ja" if value else "Nei"
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _xlsx_grid(data: bytes, name: str) -> tuple[list[list[str | None]], str]:
    """The worksheet that holds the Forms header row, as text cells (row i of the list = sheet
    row i + 1, from A1), and its name.

    Forms' own synced workbooks call it "Form1", and a county may have added sheets before it
    (notes, a pivot table): the first sheet with the header row is read, not blindly the first.
    With no such sheet, the first one is returned and the header search names what is missing.

    Read with python-calamine (Rust): ~6× faster than openpyxl's reader on a large export,
    same cell values (both report the cached value of a formula cell; an Excel error cell
    such as #N/A, which Forms never writes, reads as empty; a date-only cell reads as
    "2024-03-01", where openpyxl gave "2024-03-01 00:00:00").
    """
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise ExportError("The workbook has no worksheet", file=name,
                              hint="export the responses again from Forms")
        first = None
        for sheet in workbook.sheet_names:
            grid = _sheet_grid(workbook.get_sheet_by_name(sheet))
            if _header_index(grid) is not None:
                return grid, sheet
            first = first or (grid, sheet)
    except CalamineError as exc:
        raise ExportError(f"The workbook cannot be opened ({exc})", file=name,
                          hint="the file is damaged or not an Excel workbook: export it again from Forms") from exc
    return first


def _sheet_grid(sheet) -> list[list[str | None]]:
    """A worksheet's cells as text from A1, a row at a time (``iter_rows``, not ``to_python``: the
    sheet's Python values never all exist at once), each distinct text held once.

    An export repeats a few texts in every row (the county, the answer options, "Ja", a header's
    worth of choices), so one ``str`` per distinct text instead of one per cell: at the benchmark's
    1000× (119 000 rows × 45 columns) the read export holds 328 MiB instead of 657 (peak 570, was
    750), and the raw table built from it 252 instead of 579. calamine
    yields the used range: rows from row 1 (or from the first used one; both are handled),
    columns from the first used column, which is padded back to A."""
    start = sheet.start
    if start is None:  # an empty sheet
        return []
    first_row, first_column = start
    lead: list[str | None] = [None] * first_column
    held: dict[str, str] = {}
    grid: list[list[str | None]] = []
    for row in sheet.iter_rows():
        cells = [_cell_text(v) for v in row]
        grid.append(lead + [c if c is None else held.setdefault(c, c) for c in cells])
    if len(grid) == sheet.end[0] + 1 - first_row:  # calamine started at the first used row: pad back to row 1
        grid[:0] = [[] for _ in range(first_row)]
    return grid


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _csv_grid(data: bytes, name: str) -> tuple[list[list[str | None]], str, str]:
    text, encoding = _decode(data)
    if "\x00" in text:
        raise ExportError("The file is binary, neither an .xlsx workbook nor CSV text", file=name,
                          hint="export the responses again from Forms as .xlsx")
    first_lines = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    counts = {d: first_lines.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        raise ExportError("The file has no columns: no ';', ',' or tab separators found", file=name, row=1,
                          hint="save the workbook as .xlsx or as CSV from Excel")
    try:
        held: dict[str, str] = {}  # each distinct text once, as _sheet_grid does
        grid = [[held.setdefault(c, c) if c.strip() else None for c in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise ExportError(f"The CSV cannot be parsed ({exc})", file=name,
                          hint="save the workbook again as CSV from Excel, or send the .xlsx") from exc
    return grid, encoding, delimiter


def _header_index(grid: list[list[str | None]]) -> int | None:
    """Index of the first row holding both 'ID' and a completion-time column, if any."""
    id_names = {normalize_header(n) for n in METADATA_HEADERS["response_id"]}
    done_names = {normalize_header(n) for n in METADATA_HEADERS["completion_time"]}
    for i, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        cells = {normalize_header(c) for c in row if c is not None}
        if cells & id_names and cells & done_names:
            return i
    return None


def _find_header_row(grid: list[list[str | None]], name: str) -> int:
    index = _header_index(grid)
    if index is None:
        raise ExportError(
            f"No header row with 'ID' and 'Completion time' (or 'Fullføringstidspunkt') in the first {HEADER_SEARCH_ROWS} rows",
            file=name, hint="export the responses from Forms without editing the header row",
        )
    return index


def _check_headers(headers: list[str], sheet_row: int, name: str) -> None:
    from openpyxl.utils import get_column_letter

    seen: dict[str, int] = {}
    for j, h in enumerate(headers):
        if not h:
            raise ExportError("A column has no header", file=name, row=sheet_row, column=get_column_letter(j + 1),
                              hint="give the column a header or delete it")
        key = normalize_header(h)
        if key in seen:
            raise ExportError(
                f"The header {h!r} appears twice (columns {get_column_letter(seen[key] + 1)} and {get_column_letter(j + 1)})",
                file=name, row=sheet_row, column=get_column_letter(j + 1),
                hint="delete the duplicated column; Forms itself numbers repeated titles",
            )
        seen[key] = j
