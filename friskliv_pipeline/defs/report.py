"""Publish layer: the grant year's report artifacts under <data_dir>/reports/<year>/.

Each artifact is an asset downstream of the marts, so it is not materialized when a blocking
(ERROR) check fails upstream: figures are never published from data that fails a structural check.
The steps write into the run's own folder and the last one, ``report_manifest``, puts it in place
of the year's folder as a whole (report/folder.py): a step that fails leaves the previous complete set.
"""

import base64
import io
from pathlib import Path

from dagster import (
    AssetExecutionContext, AssetKey, AssetSpec, MaterializeResult, MetadataValue, asset, multi_asset,
)

from friskliv_pipeline.defs.automation import REFRESH_AFTER_UPSTREAM
from friskliv_pipeline.defs.metadata import OWNERS
from friskliv_pipeline.defs.partitions import grant_year_of, grant_year_partitions
from friskliv_pipeline.defs.resources import FrisklivResource
from friskliv_pipeline.report.data import MARTS
from friskliv_pipeline.report.figures import FIGURES  # one @figure declaration per figure: its asset here

REPORT = dict(group_name="report", partitions_def=grant_year_partitions, owners=OWNERS,
               automation_condition=REFRESH_AFTER_UPSTREAM)


def report_dir(friskliv: FrisklivResource, context: AssetExecutionContext) -> Path:
    """The run's folder for the year's report files (published as a whole by report_manifest)."""
    from friskliv_pipeline.report.folder import staging_dir

    return staging_dir(friskliv.settings().data_dir, context.partition_key, context.run.run_id)


def _preview(png: Path) -> MetadataValue:
    from PIL import Image

    with Image.open(png) as image:
        image.thumbnail((640, 640))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
    return MetadataValue.md(f"![preview](data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()})")


@multi_asset(
    specs=[AssetSpec(key, description=spec.about, deps=[AssetKey(m) for m in spec.reads], kinds={"matplotlib"},
                     **REPORT) for key, spec in FIGURES.items()],
    partitions_def=grant_year_partitions, can_subset=False,
)
def report_figures(context: AssetExecutionContext, friskliv: FrisklivResource):
    """Check the analyst's commentary against the marts, then draw the report's figures as PNG
    (200 dpi) and SVG (the SVG is what report.html and report.pdf embed)."""
    from friskliv_pipeline.report import figures as fig
    from friskliv_pipeline.report.artifacts import check_commentary, report_data

    data = report_data(friskliv, grant_year_of(context.partition_key), context.run.run_id)
    check_commentary(friskliv, data)  # the first report step: a malformed commentary file stops it here
    out = report_dir(friskliv, context)
    for previous in out.glob("figur_*"):  # a figure not drawn this time (no comparison year) must not linger
        previous.unlink()
    drawn = {f.key: f for f in fig.draw_all(data, out)}
    for key, spec in FIGURES.items():
        figure = drawn.get(key)
        if figure is None:  # left out this year: the declaration says when and why
            yield MaterializeResult(asset_key=key, metadata={"note": spec.dropped})
            continue
        yield MaterializeResult(asset_key=key, metadata={
            "png": MetadataValue.path(str(figure.png)), "svg": MetadataValue.path(str(figure.svg)),
            "preview": _preview(figure.png)})


EDITIONS = {  # HTML asset -> (PDF asset, file stem, what it is)
    "report_html": ("report_pdf", "report", "the public edition Helsedirektoratet publishes: front page, summary, "
                    "background, method, results 4.x, Vedlegg 1 (the year's regelverk), 2 (the form's questions) and "
                    "3 (free text verbatim, e-mail addresses and phone numbers masked); nothing internal"),
    "auditor_html": ("auditor_pdf", "revisjon", "the auditor's edition, not for publication: every rule with its "
                     "regelverk point, findings with Forms ID and sheet row, the follow-up list, data notes, rules "
                     "not evaluated, masked free text as written, provenance"),
}


WORKBOOK = "auditor_workbook"
WORKBOOK_DESCRIPTION = ("revisjonsgrunnlag_<year>.xlsx, the auditor's workbook (bokmål): Forside (run, code version, "
                 "regelverk, rule set SHA-256), Filer (SHA-256 of every export, reference and rule file), Funn (one "
                 "row per finding: value as exported and as judged, threshold, answer time and deadline, empty "
                 "columns for the auditor), Kontroller (every rule: population, status, how to re-perform), Dekning "
                 "(every regelverk point), Erstattede svar, Per prosjekt, Avstemming; the export copy held beside it.")


@multi_asset(
    specs=[*(AssetSpec(key, description=f"{stem}.html: {what}. Figures inline as SVG.", kinds={"html"},
                       deps=[AssetKey(k) for k in FIGURES] + [AssetKey(m) for m in MARTS], **REPORT)
             for key, (_pdf, stem, what) in EDITIONS.items()),
           AssetSpec(WORKBOOK, kinds={"excel"}, deps=[AssetKey(m) for m in MARTS], description=WORKBOOK_DESCRIPTION,
                     **REPORT)],
    partitions_def=grant_year_partitions, can_subset=False,
)
def report_html(context: AssetExecutionContext, friskliv: FrisklivResource):
    """Both editions of the year and the auditor's workbook, from one read of the warehouse."""
    from friskliv_pipeline.report.artifacts import publish_html

    paths = publish_html(friskliv, grant_year_of(context.partition_key), context.run.run_id,
                         report_dir(friskliv, context))
    for key, path in zip([*EDITIONS, WORKBOOK], paths):
        yield MaterializeResult(asset_key=key, metadata={"path": MetadataValue.path(str(path)),
                                                         "bytes": path.stat().st_size})


@multi_asset(
    specs=[AssetSpec(pdf, description=f"{stem}.pdf: {stem}.html printed by WeasyPrint: A4, page numbers, bookmarks, "
                     "tagged PDF/UA-1.", kinds={"pdf"}, deps=[AssetKey(html)], **REPORT)
           for html, (pdf, stem, _what) in EDITIONS.items()],
    partitions_def=grant_year_partitions, can_subset=False,
)
def report_pdf(context: AssetExecutionContext, friskliv: FrisklivResource):
    """Both editions printed (at the same time when there is more than one CPU: report/pdf.py)."""
    from friskliv_pipeline.report.pdf import render_pdfs

    from friskliv_pipeline.report.artifacts import DRAFT_HTML

    out = report_dir(friskliv, context)
    stems = [stem for _pdf, stem, _what in EDITIONS.values()]
    if (out / DRAFT_HTML).exists():  # the analyst's draft stands in for the public edition
        stems = [Path(DRAFT_HTML).stem if stem == "report" else stem for stem in stems]
    paths = render_pdfs([(out / f"{stem}.html", out / f"{stem}.pdf") for stem in stems])
    for (pdf, _stem, _what), path in zip(EDITIONS.values(), paths):
        yield MaterializeResult(asset_key=pdf, metadata={"path": MetadataValue.path(str(path)),
                                                         "bytes": path.stat().st_size})


@asset(deps=[AssetKey(m) for m in MARTS], kinds={"excel", "csv"},
       description=("tables.xlsx (the public tables: one sheet per mart with Norwegian headers, the free text as the "
                    "report shows it, no money from allocations that are not official) and indicators.csv; "
                    "formula-like text neutralized."),
       **REPORT)
def report_tables(context: AssetExecutionContext, friskliv: FrisklivResource) -> MaterializeResult:
    from friskliv_pipeline.report.artifacts import check_commentary, report_data
    from friskliv_pipeline.report.tables import write_csv, write_xlsx

    data = report_data(friskliv, grant_year_of(context.partition_key), context.run.run_id)
    check_commentary(friskliv, data)  # a malformed commentary file stops the report here, before any file
    out = report_dir(friskliv, context)
    xlsx = write_xlsx(data, out / "tables.xlsx", data.screened[0])
    csv = write_csv(data, out / "indicators.csv")
    return MaterializeResult(metadata={"xlsx": MetadataValue.path(str(xlsx)), "csv": MetadataValue.path(str(csv))})


@asset(deps=[*(AssetKey(k) for k in EDITIONS), *(AssetKey(p) for p, _s, _w in EDITIONS.values()), report_tables,
             AssetKey(WORKBOOK)],
       kinds={"json"},
       description=("manifest.json: every artifact and input with its sha256, row counts, run id, code version; "
                    "then the run's report folder replaces the year's as a whole."),
       **REPORT)
def report_manifest(context: AssetExecutionContext, friskliv: FrisklivResource) -> MaterializeResult:
    from friskliv_pipeline.report.artifacts import publish_report

    folder = publish_report(friskliv, grant_year_of(context.partition_key), context.run.run_id,
                            report_dir(friskliv, context))
    return MaterializeResult(metadata={"path": MetadataValue.path(str(folder / "manifest.json")),
                                       "folder": MetadataValue.path(str(folder))})


publish_assets = [report_figures, report_html, report_pdf, report_tables, report_manifest]
