"""tables.xlsx (one sheet per mart, plus the findings and the free-text answers) and indicators.csv.

Spreadsheet programs run a cell that begins with =, +, - or @ as a formula (CSV/formula
injection): such text cells are prefixed with an apostrophe, which shows the text as typed.
Numbers stay numbers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from friskliv_pipeline.report.data import ReportData

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].astype(object).map(neutralize)
    return out


def write_xlsx(data: ReportData, target: Path) -> Path:
    """One sheet per mart and the findings, written in openpyxl's streaming (write-only) mode:
    the findings sheet grows with the data and cell-by-cell styling buys nothing here."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheets = {name.removeprefix("mart_")[:31]: frame for name, frame in data.marts.items()}
    sheets["findings"] = data.findings
    sheets["free_text"] = data.free_text  # every free-text answer as written (Vedlegg 3 of the report)
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(name)
        sheet.append([str(c) for c in frame.columns])
        plain = neutralize_frame(frame).astype(object)
        for row in plain.where(plain.notna(), None).itertuples(index=False, name=None):
            sheet.append(row)
    workbook.save(target)
    return target


def indicators(data: ReportData) -> pd.DataFrame:
    """The twelve attainment indicators and the headline metrics, long: one row per indicator."""
    attainment = data.marts["mart_attainment"]
    rows = [{"grant_year": data.grant_year, "indicator": f"criterion_{r.criterion_no:02d}_pct_with_goal",
             "label": r.criterion, "value": r.pct_with_goal, "n": r.n_with_goal, "base": r.n_projects}
            for r in attainment.itertuples(index=False)]
    rows += [{"grant_year": data.grant_year, "indicator": metric, "label": metric, "value": value, "n": None,
              "base": None} for metric, value in data.metrics.items()]
    return pd.DataFrame(rows)


def write_csv(data: ReportData, target: Path) -> Path:
    neutralize_frame(indicators(data)).to_csv(target, index=False, encoding="utf-8")
    return target
