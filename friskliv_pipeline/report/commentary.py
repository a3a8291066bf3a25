"""The analyst's commentary: per grant year, Markdown files in
``<reference_dir>/commentary/<year>/<slot>.md`` rendered in place in the report.

What the form cannot say lives here: the "Kommentar" paragraphs, the conclusions, the background
of the scheme and figures from other sources (e.g. KOSTRA shares). A file may quote any mart value
by name, ``{{ n_projects }}`` or ``{{ mart_attainment.1.pct_with_goal }}``; the value is filled in
from the marts of the run and traced like every other number. A name the marts do not have, or a
file whose name is not a slot of the report, fails the run before anything is published, with a
message naming the file and line.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape

from friskliv_pipeline.errors import FrisklivError
from friskliv_pipeline.report.data import ReportData
from friskliv_pipeline.report.language import number

# The places in the document that take commentary, in document order.
SLOTS = {
    "bakgrunn": "1 Bakgrunn: the scheme, its goals and the strategies it serves",
    "4.1": "after 4.1 Antall prosjekter",
    "4.2": "Kommentar to 4.2 Målgrupper",
    "4.3": "Kommentar to 4.3 Samarbeid",
    "4.4": "Kommentar to 4.4 Måloppnåelse (e.g. KOSTRA shares)",
    "4.4.1": "after the summary of the reasons for partial attainment",
    "4.5": "Kommentar to 4.5 Kompetansebygging",
    "oppsummering": "the conclusions at the end of Oppsummering",
}
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
# mart → the column that names a row, for "mart.key.column" names
ROW_KEYS = {"mart_attainment": "criterion_no", "mart_county_summary": "county",
            "mart_competence_building": "category", "mart_collaboration": "partner",
            "mart_lead_service": "lead_service", "mart_target_groups": "target_group"}


class CommentaryError(FrisklivError):
    def __init__(self, file: Path, line: int | None, message: str, hint: str):
        self.file, self.line = file, line
        where = f"file {file}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}. What to do: {hint}")


@dataclass(frozen=True)
class Value:
    text: str
    source: str
    unit: str = ""  # "kr" after amounts in kroner, outside the traced number


def values(data: ReportData) -> dict[str, Value]:
    """Every name a commentary file may use, with its formatted value and its data-source."""
    out = {"year": Value(str(data.grant_year), "grant_year")}
    for metric, value in data.metrics.items():
        out[metric] = Value(number(value), f"mart_national_summary:{metric}", "kr" if metric.endswith("_nok") else "")
    for mart, key in ROW_KEYS.items():
        frame = data.marts.get(mart)
        if frame is None or key not in frame:
            continue
        for row in frame.to_dict("records"):
            for column, value in row.items():
                if column in ("grant_year", key) or isinstance(value, str) or value is None:
                    continue
                name = f"{mart}.{row[key]}.{column}"
                out[name] = Value(number(value), f"{mart}:{row[key]}:{column}", "kr" if column.endswith("_nok") else "")
    return out


@dataclass(frozen=True)
class Commentary:
    slot: str
    file: Path
    html: Markup


def _markdown(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False, "typographer": False}).render(text)


def load(reference_dir: Path, data: ReportData) -> dict[str, Commentary]:
    """The grant year's commentary by slot, every placeholder checked and filled. No folder: none."""
    folder = Path(reference_dir) / "commentary" / str(data.grant_year)
    known = values(data)
    out: dict[str, Commentary] = {}
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        slot = path.stem
        if slot not in SLOTS:
            raise CommentaryError(path, None, f"{path.name!r} is not a place in the report",
                                  f"rename it to one of {', '.join(s + '.md' for s in SLOTS)}")
        text = path.read_text(encoding="utf-8")
        for line_no, line in enumerate(text.splitlines(), start=1):
            for name in PLACEHOLDER.findall(line):
                if name not in known:
                    close = difflib.get_close_matches(name, list(known), n=5, cutoff=0.6) or sorted(known)[:5]
                    raise CommentaryError(
                        path, line_no, f"unknown name {{{{ {name} }}}}",
                        f"use a metric of mart_national_summary or mart.key.column, e.g. {', '.join(close)}")
        html = _markdown(text)

        def fill(match: re.Match) -> str:
            value = known[match.group(1)]
            unit = f"\u00a0{value.unit}" if value.unit else ""
            return f'<span class="n" data-source="{escape(value.source)}">{escape(value.text)}</span>{unit}'

        filled = PLACEHOLDER.sub(fill, html).replace("</span> %", "</span>\u00a0%")  # "22 %" never wraps
        out[slot] = Commentary(slot, path, Markup(filled))
    return out
