"""Exports → the ``raw_responses`` table: every row and cell as text, nothing interpreted.

The respondent's e-mail and name are replaced by a keyed hash here, at the edge of the raw
zone: under every header spelling we know, in Forms' numbered duplicates, and in any unmatched
column that holds an e-mail address (its cells are kept hashed in ``extra_columns``). Other
columns that match no question are kept as JSON in ``extra_columns``; quiz columns are not read.
All of them are reported.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import pandas as pd

from friskliv_pipeline.core.errors import ExportError
from friskliv_pipeline.forms.date_order import decide_date_order
from friskliv_pipeline.forms.export_reader import RawExport
from friskliv_pipeline.forms.overlaps import OverlapCount, collapse_overlaps
from friskliv_pipeline.forms.schema import FormSchema, HeaderMatch, match_headers
from friskliv_pipeline.core.pseudonym import respondent_hash

EMAIL = re.compile(r"[^@\s;,<>()]+@[^@\s;,<>()]+\.[a-z]{2,}", re.IGNORECASE)
METADATA_COLUMNS = ["response_id", "start_time", "completion_time", "last_modified_time"]
NORWEGIAN_COMPLETION_HEADER = "fullføringstidspunkt"


def raw_columns(form: FormSchema) -> list[str]:
    return (["grant_year", "source_file", "source_sha256", "source_row", "export_locale", "date_order"] + METADATA_COLUMNS
            + ["respondent_hash"] + [q.id for q in form.questions] + ["extra_columns", "overlapping_versions"])


@dataclass
class RawReport:
    """What an operator wants to know about the files read (shown as asset metadata)."""

    files: list[dict] = field(default_factory=list)
    overlaps: OverlapCount = field(default_factory=OverlapCount)


def build_raw_responses(exports: list[RawExport], form: FormSchema, key: bytes,
                        grant_year: int) -> tuple[pd.DataFrame, RawReport]:
    columns = raw_columns(form)
    rows: list[list] = []  # a list per response in ``columns`` order: a dict per row cost ~1 KB more each
    report = RawReport()
    for export in exports:
        name = export.path.name
        match = match_headers(export.headers, form, str(export.path))
        position = {h: i for i, h in enumerate(export.headers)}
        _set_aside_columns_holding_emails(export, match, position)
        report.files.append(_file_report(export, match))
        locale = "nb" if match.metadata["completion_time"].strip().casefold() == NORWEGIAN_COMPLETION_HEADER else "en"
        date_order = _date_order(export, match, position)
        report.files[-1]["date_order"] = date_order
        # where each column's cell is in the export's row (None: the export has no such column)
        metadata_at = [position.get(match.metadata.get(k)) for k in METADATA_COLUMNS]
        question_at = [position.get(match.questions.get(q.id)) for q in form.questions]
        id_at, email_at, name_at = (position.get(match.metadata.get(k)) for k in ("response_id", "email", "name"))
        extra_at = [(h, position[h]) for h in match.extra]
        personal_at = [(h, position[h]) for h in match.personal]
        for sheet_row, cells in export.rows:
            response_id = None if id_at is None else cells[id_at]
            if response_id is None:
                raise ExportError("The response has no ID", file=str(export.path), row=sheet_row,
                                  column=match.metadata["response_id"],
                                  hint="do not edit the ID column of the export")
            response_id = str(response_id).strip()
            if not (response_id.isascii() and response_id.isdigit() and int(response_id) > 0):
                raise ExportError(f"The response ID {response_id!r} is not a Forms ID (a positive whole number)",
                                  file=str(export.path), row=sheet_row, column=match.metadata["response_id"],
                                  hint="do not edit the ID column of the export: export the responses again "
                                       "from Forms")
            metadata = [None if i is None else cells[i] for i in metadata_at]
            metadata[0] = response_id  # METADATA_COLUMNS[0]: the ID as read, stripped
            extra = {h: cells[i] for h, i in extra_at if cells[i] is not None}
            extra |= {h: respondent_hash(key, cells[i], None) for h, i in personal_at if cells[i] is not None}
            rows.append([grant_year, name, export.sha256, sheet_row, locale, date_order, *metadata,
                         respondent_hash(key, None if email_at is None else cells[email_at],
                                         None if name_at is None else cells[name_at]),
                         *(None if i is None else cells[i] for i in question_at),
                         json.dumps(extra, ensure_ascii=False) if extra else None, None])
    rows, report.overlaps = collapse_overlaps(rows, columns)
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return frame, report


def _set_aside_columns_holding_emails(export: RawExport, match: HeaderMatch, position: dict[str, int]) -> None:
    """An unmatched column with an e-mail address in any cell is personal data, whatever its header."""
    for h in list(match.extra):
        if any(EMAIL.search(str(cells[position[h]])) for _row, cells in export.rows if cells[position[h]]):
            match.extra.remove(h)
            match.personal.append(h)


def _date_order(export: RawExport, match: HeaderMatch, position: dict[str, int]) -> str | None:
    """The day/month order of the file's Start, Completion and Last modified times."""
    columns = [match.metadata[k] for k in ("start_time", "completion_time", "last_modified_time") if k in match.metadata]
    values = ((row, h, cells[position[h]]) for row, cells in export.rows for h in columns)
    return decide_date_order(values, str(export.path))


def _file_report(export: RawExport, match: HeaderMatch) -> dict:
    return {
        "file": export.path.name,
        "sha256": export.sha256,
        "format": export.file_format,
        "sheet": export.sheet,
        "encoding": export.encoding,
        "delimiter": export.delimiter,
        "header_row": export.header_row,
        "responses": len(export.rows),
        "blank_rows_skipped": export.blank_rows,
        "extra_columns": match.extra,
        "quiz_columns_ignored": match.ignored,
        "personal_columns_hashed": match.personal,
        "missing_optional_questions": match.missing_optional,
        "headers_matched_by_similarity": match.fuzzy,
    }
