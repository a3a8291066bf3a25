"""The public tables: tables.xlsx (one sheet per mart, the free-text answers as the public report
shows them, and a sheet that says what the tables are) and indicators.csv.

They are published beside the report, so they hold what the report may say: Norwegian headers
and Norwegian values (a metric by its name in the mart's YAML, a goal by the report's name for it, a
question by its number; an English key column beside a Norwegian label is left out), no findings (those are the auditor's, in ``revisjonsgrunnlag_<year>.xlsx``: ``report.auditor``), and no money from
reference figures that are not official (a county's allocation and what is left of it, while
the year's allocations are illustrative): those columns and rows are left out and the sheet
"Om tabellene" says why. The sheet of changes from the year before is there only when the
warehouse has the year before.

Spreadsheet programs run a cell that begins with =, +, - or @ as a formula (CSV/formula
injection): such text cells are prefixed with an apostrophe, which shows the text as typed
(report/xlsx.py, which also writes the workbook; indicators.csv the same way). Numbers stay numbers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from friskliv_pipeline.report.data import ReportData
from friskliv_pipeline.report.labels import column_headers, mart_sheets, metric_label, value_labels
from friskliv_pipeline.report.xlsx import neutralize_frame, write_sheets

# Sheet per mart, in the report's order, and the Norwegian header of every mart column (a name means the
# same in every mart): declared beside the marts, in their YAML (report/labels.py reads them).
SHEETS = mart_sheets()
HEADERS_NB = {**column_headers(), "text": "Svar", "n": "Antall", "base": "Grunnlag", "indicator": "Indikator"}
FREE_TEXT_HEADERS = {"question_id": "Spørsmål", "county": "Fylke", "text": "Svar"}
ALLOCATION_MONEY = ("allocation_nok", "unspent_nok", "allocation_source")
# Code columns whose row also carries the form's Norwegian label (the label column): left out.
KEY_COLUMNS = ("target_group", "partner", "lead_service", "category")
TRENDS = "mart_trends"


def public_marts(data: ReportData) -> dict[str, pd.DataFrame]:
    """The marts as published: the reconciliation only where its distributed sums are official (and
    left out when none is), no allocation money while the year's allocations are not official."""
    out = dict(data.marts)
    reconciliation = data.reconciliation
    if reconciliation.empty:
        del out["mart_reconciliation"]
    else:
        out["mart_reconciliation"] = reconciliation.drop(columns=["distributed_source"])
    if data.allocations_official:
        return out
    out["mart_county_summary"] = data.marts["mart_county_summary"].drop(columns=list(ALLOCATION_MONEY))
    trends = data.marts["mart_trends"]
    out["mart_trends"] = trends[~trends["metric"].isin(ALLOCATION_MONEY)].reset_index(drop=True)
    return out


def table_metric_label(metric: str) -> str:
    """A metric as the tables name it: mart_national_summary's label (its YAML), else the header of
    the mart column it is named after (mart_trends' county and criterion metrics: granted_nok, n_ja, …)."""
    named = value_labels("mart_national_summary", "metric")
    return metric_label(metric, unit=True) if metric in named else HEADERS_NB[metric]


def question_number(question_id) -> int:
    """ "q04" → 4: a question as the report and Vedlegg 2 number it."""
    return int(str(question_id).lstrip("q"))


def in_norwegian(frame: pd.DataFrame, model: str = TRENDS) -> pd.DataFrame:
    """A mart's rows with their coded values in the report's words (the columns keep their names);
    ``model`` declares the names of its coded values (its YAML)."""
    frame = frame.drop(columns=[c for c in KEY_COLUMNS if c in frame.columns])
    coded = {
        "metric": table_metric_label,
        "question_id": question_number,
        "scope": lambda scope: value_labels(model, "scope")[scope],
    }
    out = frame.copy()
    for column, name_of in coded.items():
        if column in out.columns:
            out[column] = out[column].map(lambda v, f=name_of: v if pd.isna(v) else f(v))
    return out


def about(data: ReportData) -> pd.DataFrame:
    """The sheet "Om tabellene": what the tables are and what is left out, in the report's words."""
    rows = [("Innhold", f"Tallene bak rapporten om tilskuddsåret {data.grant_year}: ett ark per tabell, og "
                        "fritekstsvarene slik rapporten viser dem (e-postadresser og telefonnumre fjernet)."),
            ("Prosent", "Prosentene er hele prosent, avrundet; grunnlaget står i kolonnen ved siden av.")]
    return pd.DataFrame(rows, columns=["Om", "Forklaring"])


def norwegian(frame: pd.DataFrame, headers: dict[str, str] = HEADERS_NB) -> pd.DataFrame:
    return frame.rename(columns={c: headers[c] for c in frame.columns})


def write_xlsx(data: ReportData, target: Path, free_text: pd.DataFrame | None = None) -> Path:
    """One sheet per mart (the changes only when there is a year before), the free-text answers and
    "Om tabellene" (report/xlsx.py writes them)."""
    marts = public_marts(data)
    if not data.has_previous_year:
        marts.pop(TRENDS)
    sheets = {"Om tabellene": about(data)}
    sheets |= {SHEETS[name]: norwegian(in_norwegian(frame, name)) for name, frame in marts.items()}
    answers = free_text if free_text is not None else data.free_text
    sheets["Fritekst"] = norwegian(in_norwegian(answers), FREE_TEXT_HEADERS)
    return write_sheets(target, sheets)


def indicators(data: ReportData) -> pd.DataFrame:
    """The twelve attainment indicators and the headline metrics, long: one row per indicator (its
    stable id, and its name in the report's words)."""
    attainment = data.marts["mart_attainment"]
    rows = [{"grant_year": data.grant_year, "indicator": f"criterion_{r.criterion_no:02d}_pct_with_goal",
             "label": r.criterion, "value": r.pct_with_goal, "n": r.n_with_goal,
             "base": r.n_projects} for r in attainment.itertuples(index=False)]
    rows += [{"grant_year": data.grant_year, "indicator": metric, "label": table_metric_label(metric), "value": value,
              "n": None, "base": None} for metric, value in data.metrics.items()]
    return pd.DataFrame(rows)


def write_csv(data: ReportData, target: Path) -> Path:
    neutralize_frame(indicators(data)).to_csv(target, index=False, encoding="utf-8")
    return target
