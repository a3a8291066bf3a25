"""Glue between the warehouse and the report files: provenance inputs, the two editions' HTML
and the manifest."""

from __future__ import annotations

import gc
from pathlib import Path

import sqlalchemy as sa

from friskliv_pipeline.operations.memory import release_memory
from friskliv_pipeline.report.data import MARTS, load_report_data, read_findings
from friskliv_pipeline.report.figures import read_index
from friskliv_pipeline.report.html import Provenance, render_auditor_html, render_html
from friskliv_pipeline.report.manifest import code_version, utc_now, write_manifest

ARTIFACT_SUFFIXES = (".png", ".svg", ".html", ".pdf", ".xlsx", ".csv", ".json")


def input_files(engine: sa.Engine, grant_year: int) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT DISTINCT source_file, source_sha256 FROM raw_responses "
                                    "WHERE grant_year = :y ORDER BY source_file"), {"y": grant_year}).all()
    return [{"file": f, "sha256": s} for f, s in rows]


def analyst_files(reference_dir: Path, grant_year: int) -> list[dict]:
    """The texts the report was written from besides the data (commentary, publication date, theme
    lists, the year's regelverk (and the file whose text it borrows) and form), with sha256."""
    from friskliv_pipeline.forms.export_reader import sha256_of
    from friskliv_pipeline.report import regelverk

    reference_dir = Path(reference_dir)
    year_file = regelverk.path_of(reference_dir, grant_year)
    text_file = regelverk.load(reference_dir, grant_year).text_path if year_file.exists() else year_file
    paths = [*sorted((reference_dir / "commentary" / str(grant_year)).glob("*.*")),
             *sorted((reference_dir / "themes").glob("*.yml")), *dict.fromkeys([year_file, text_file]),
             reference_dir / "forms" / f"form_{grant_year}.json"]
    return [{"file": str(p.relative_to(reference_dir)), "sha256": sha256_of(p)} for p in paths if p.exists()]


_LOADED: dict[tuple, object] = {}  # one slot: the report data of the run being published


def report_data(friskliv, grant_year: int, run_id: str):
    """The grant year's report data, read from the warehouse once per run: the figures, the tables
    and the HTML steps of one in-process run share it (the marts do not change after they are built
    in a run; a new run id reads again). A multiprocess run reads it once per step process.

    Without the audit findings (``findings`` is None): the auditor's package, their only reader,
    reads them for the time of :func:`publish_html`. Held here they would live to the run's end, and
    at the benchmark's 1000× (113 000 findings, ~250 MiB) the PDF step's WeasyPrint ran beside them
    at the run's peak."""
    key = (friskliv.warehouse().url, grant_year, run_id)
    if key not in _LOADED:
        _LOADED.clear()
        data = load_report_data(friskliv.warehouse().engine, grant_year, findings=False)
        _LOADED[key] = data
    return _LOADED[key]


PUBLIC_HTML, AUDITOR_HTML, DRAFT_HTML = "report.html", "revisjon.html", "utkast.html"


def workbook_name(grant_year: int) -> str:
    return f"revisjonsgrunnlag_{grant_year}.xlsx"


def publish_html(friskliv, grant_year: int, run_id: str, out_dir: Path) -> tuple[Path, Path, Path]:
    """Both editions of one run, and the auditor's workbook: report.html, revisjon.html and
    revisjonsgrunnlag_<year>.xlsx (the edition and the workbook from one auditor's package). When a
    claim of the commentary does not hold, the public edition is the analyst's draft, utkast.html
    (UTKAST on every page, each failing claim in place), and no report.html is written.

    The findings are read for this step alone, and what it built is handed back to the operating
    system before the PDF step (at 1000× the run's peak memory was WeasyPrint's beside them)."""
    engine = friskliv.warehouse().engine
    settings = friskliv.settings()
    data = report_data(friskliv, grant_year, run_id)
    provenance = Provenance(utc_now(), code_version(), run_id, input_files(engine, grant_year),
                            analyst_files(settings.reference_dir, grant_year))
    with engine.connect() as conn:
        data.findings = read_findings(conn, grant_year)
    try:
        return _publish_html(data, provenance, settings, engine, grant_year, out_dir)
    finally:
        data.findings = None
        gc.collect()  # frames held only in reference cycles go now, not at some later collection...
        release_memory()  # ...and glibc returns the freed pages


def _publish_html(data, provenance: Provenance, settings, engine: sa.Engine, grant_year: int,
                  out_dir: Path) -> tuple[Path, Path, Path]:
    from friskliv_pipeline.report.commentary import ClaimsFailed
    from friskliv_pipeline.report import auditor

    package = auditor.build(data, engine, provenance, settings.reference_dir, settings.data_dir)
    public, edition = out_dir / PUBLIC_HTML, out_dir / AUDITOR_HTML
    try:
        text = render_html(data, read_index(out_dir), settings.reference_dir)
        (out_dir / DRAFT_HTML).unlink(missing_ok=True)
    except ClaimsFailed:
        text = render_html(data, read_index(out_dir), settings.reference_dir, draft=True)
        for final in (public, public.with_suffix(".pdf")):  # the previous run's final edition is not this run's
            final.unlink(missing_ok=True)
        public = out_dir / DRAFT_HTML
    public.write_text(text, encoding="utf-8")
    edition.write_text(render_auditor_html(data, provenance, package, settings.reference_dir), encoding="utf-8")
    workbook = auditor.write_workbook(package, out_dir / workbook_name(grant_year))
    return public, edition, workbook


def check_commentary(friskliv, data) -> list:
    """Fail before anything of the grant year's report is written when a commentary file names a
    value the marts do not have or is malformed (the error names the file and line), or when the
    year's regelverk cannot be read. Returns the claims that do not hold (commentary.FailedClaim):
    those make the public edition a draft (publish_html) and stop the report's publication at its
    manifest (publish_report), all named at once."""
    from friskliv_pipeline.report import regelverk
    from friskliv_pipeline.report.commentary import load
    from friskliv_pipeline.report.document import free_text_summaries

    import datetime as dt

    from friskliv_pipeline.report.document import publication_date

    reference_dir = friskliv.settings().reference_dir
    regelverk.load(reference_dir, data.grant_year)
    publication_date(reference_dir, data.grant_year, dt.date.today())
    failed = []  # claims that do not hold make a draft (report_html), not a stop here
    load(reference_dir, data, free_text_summaries(data.screened[0], reference_dir), failed)
    return failed


def publish_report(friskliv, grant_year: int, run_id: str, out_dir: Path) -> Path:
    """The manifest, then the run's folder in place of the year's (report/folder.py). A draft (a
    claim did not hold) is never published as the year's report: its folder goes to
    reports/utkast/<year>/, the year's folder keeps the previous complete report, and the step fails
    naming every claim that does not hold."""
    from friskliv_pipeline.report.commentary import ClaimsFailed
    from friskliv_pipeline.report.folder import publish, publish_draft

    publish_manifest(friskliv, grant_year, run_id, out_dir)
    data_dir = friskliv.settings().data_dir
    if (out_dir / DRAFT_HTML).exists():
        draft = publish_draft(data_dir, grant_year, run_id)
        failed = check_commentary(friskliv, report_data(friskliv, grant_year, run_id))
        raise ClaimsFailed(grant_year, failed, draft / DRAFT_HTML)
    return publish(data_dir, grant_year, run_id)


def publish_manifest(friskliv, grant_year: int, run_id: str, out_dir: Path) -> Path:
    warehouse = friskliv.warehouse()
    counts = warehouse.row_counts(grant_year, extra_tables=MARTS)
    artifacts = [p for p in out_dir.iterdir() if p.suffix in ARTIFACT_SUFFIXES and p.name != "manifest.json"]
    return write_manifest(out_dir / "manifest.json", grant_year, run_id, artifacts,
                          input_files(warehouse.engine, grant_year), counts,
                          analyst_files(friskliv.settings().reference_dir, grant_year),
                          auditor_only=auditor_files(grant_year, [p.name for p in artifacts]))


def auditor_files(grant_year: int, names: list[str]) -> frozenset[str]:
    """The auditor's package among the report folder's files: revisjon.html/.pdf and the workbook,
    never to be published or linked from the public files."""
    package = {AUDITOR_HTML, Path(AUDITOR_HTML).with_suffix(".pdf").name, workbook_name(grant_year)}
    return frozenset(n for n in names if n in package)
