"""The two editions as HTML: report.html (the public report, front page to appendices) and
revisjon.html (the auditor's edition). Each is self-contained (figures as inline SVG data, CSS
inline) so it can be e-mailed, and laid out for print: WeasyPrint turns the same HTML into
report.pdf / revisjon.pdf (A4, page numbers, bookmarks, a tagged PDF/UA file; report/pdf.py).

Jinja2 autoescapes every value: free text from the export is shown, never interpreted. Every number
is wrapped in ``<span data-source="mart:key:column">`` so a test (and a curious auditor) can trace
it to its table."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from friskliv_pipeline.report import document
from friskliv_pipeline.report.data import ReportData
from friskliv_pipeline.report.figures import Figure
from friskliv_pipeline.report.language import FILTERS
from friskliv_pipeline.core.settings import Settings


@dataclass
class Provenance:
    generated_at: str
    code_version: str
    run_id: str
    inputs: list[dict]
    analyst_files: list[dict] = field(default_factory=list)  # commentary and theme lists used


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("friskliv_pipeline.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters.update(FILTERS)
    env.globals["svg_data"] = _svg_data
    return env


def _svg_data(figure: Figure) -> Markup:
    """The figure's SVG as a data URI: vector in the PDF, sharp on screen, no file beside the HTML."""
    return Markup("data:image/svg+xml;base64," + base64.b64encode(figure.svg.read_bytes()).decode("ascii"))


def render_html(data: ReportData, figures: list[Figure], reference_dir: Path | None = None, notes=None,
                run_date=None, draft: bool = False) -> str:
    """The public edition, or (``draft``) the analyst's draft of it: UTKAST on every page, each claim
    that does not hold shown in place."""
    context = document.build(data, figures, Path(reference_dir or Settings.from_env().reference_dir), notes, run_date, draft)
    return _environment().get_template("report.html.j2").render(**context)


def render_draft(data: ReportData, figures: list[Figure], reference_dir: Path | None = None) -> tuple[str, list]:
    """The analyst's draft of the public edition and the claims that do not hold in it
    (commentary.FailedClaim), for ``friskliv preview``."""
    context = document.build(data, figures, Path(reference_dir or Settings.from_env().reference_dir), draft=True)
    return _environment().get_template("report.html.j2").render(**context), context["failed_claims"]


def render_auditor_html(data: ReportData, provenance: Provenance, package, reference_dir: Path | None = None) -> str:
    """The auditor's edition (``package``: report.auditor.AuditPackage)."""
    context = document.build_auditor(data, provenance, Path(reference_dir or Settings.from_env().reference_dir), package)
    return _environment().get_template("revisjon.html.j2").render(**context)
