"""``friskliv preview --year Y [--watch]``: the analyst's draft of the public edition, rendered from
the published warehouse and the year's published figures, without running the pipeline.

The analyst writes the commentary against the real page: the draft (UTKAST on every page) shows each
claim that does not hold in place, with its condition and the values it saw, and lists them all at
the top. With ``--watch`` it is rendered again each time a file under the year's commentary folder
(or the regelverk, the theme lists or the form) is saved; an error in a file (a malformed block, an
unknown name) is printed as one line and the previous draft stays. HTML only: a PDF costs seconds
and the run prints it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from friskliv_pipeline.core.errors import FrisklivError
from friskliv_pipeline.core.settings import Settings


@dataclass(frozen=True)
class Preview:
    path: Path
    failed: list  # commentary.FailedClaim
    seconds: float

    def line(self) -> str:
        claims = (f"{len(self.failed)} claim(s) do not hold: " + "; ".join(c.text() for c in self.failed)
                  if self.failed else "every claim holds")
        return f"{self.path} ({self.seconds:.1f} s): {claims}"


def preview_path(data_dir: Path, grant_year: int) -> Path:
    from friskliv_pipeline.report.artifacts import DRAFT_HTML
    from friskliv_pipeline.report.folder import reports_root

    return reports_root(data_dir) / "preview" / str(grant_year) / DRAFT_HTML


def _figures(data_dir: Path, grant_year: int):
    """The year's figures as last drawn: the published folder's, else the last draft's."""
    from friskliv_pipeline.report.figures import read_index
    from friskliv_pipeline.report.folder import draft_dir, published_dir, reports_root

    for folder in (published_dir(data_dir, grant_year), draft_dir(data_dir, grant_year)):
        if (folder / "figures.json").exists():
            return read_index(folder)
    raise FrisklivError(f"grant year {grant_year} has no report in {reports_root(data_dir)} yet. What to do: "
                        f"run `friskliv run --year {grant_year}` once; the preview renders from what it published")


def render_preview(settings: Settings, grant_year: int) -> Preview:
    """The draft of ``grant_year`` from the warehouse as published, written to ``preview_path``."""
    from friskliv_pipeline.report.data import load_report_data
    from friskliv_pipeline.report.html import render_draft
    from friskliv_pipeline.warehouse.database import Warehouse

    started = time.monotonic()
    figures = _figures(settings.data_dir, grant_year)
    warehouse = Warehouse(settings.warehouse_url)
    try:
        data = load_report_data(warehouse.engine, grant_year)
    finally:
        warehouse.dispose()
    if data.marts["mart_national_summary"].empty:
        raise FrisklivError(f"the warehouse has no marts for grant year {grant_year}. What to do: run "
                            f"`friskliv run --year {grant_year}` first")
    html, failed = render_draft(data, figures, settings.reference_dir)
    target = preview_path(settings.data_dir, grant_year)
    target.parent.mkdir(parents=True, exist_ok=True)
    written = target.with_suffix(".tmp")
    written.write_text(html, encoding="utf-8")
    written.replace(target)  # a browser reloading mid-write never sees half a page
    return Preview(target, failed, time.monotonic() - started)


def watched(reference_dir: Path, grant_year: int) -> list[Path]:
    """What the draft is written from besides the warehouse: the year's commentary, the regelverk,
    the theme lists and the forms."""
    reference_dir = Path(reference_dir)
    return [p for p in (reference_dir / "commentary" / str(grant_year), reference_dir / "regelverk",
                        reference_dir / "themes", reference_dir / "forms") if p.exists()]


def watch(settings: Settings, grant_year: int, say: Callable[[str], None] = print,
          changes: Iterable | None = None) -> None:
    """Render, then render again after every saved change (``changes``: watchfiles' stream by default)."""
    from watchfiles import watch as file_changes

    def render() -> None:
        try:
            say(render_preview(settings, grant_year).line())
        except FrisklivError as error:
            say(f"friskliv: {error}")

    render()
    for _changed in changes if changes is not None else file_changes(*watched(settings.reference_dir, grant_year)):
        render()
