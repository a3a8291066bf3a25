"""Raw layer: the grant year's Forms export(s), archived unchanged, every cell kept as text (staged).

``staging/raw_responses`` is written by the grant year's staging step (``defs/stage.py``), which
goes on to clean and check what it read without reading it back; this module says what the asset
is and how the exports become its rows.
"""


import shutil
from pathlib import Path

from dagster import AssetSpec, MetadataValue

from friskliv_pipeline.defs.metadata import OWNERS, description, table_metadata
from friskliv_pipeline.core.errors import ExportError
from friskliv_pipeline.forms.export_reader import EXPORT_SUFFIXES, read_export, sha256_of
from friskliv_pipeline.warehouse.staging import staged_key


def raw_spec() -> AssetSpec:
    """The staged raw table's asset (a function: a module-level spec would be loaded as an asset of its own)."""
    return AssetSpec(
        staged_key("raw_responses"), group_name="raw", owners=OWNERS, kinds={"pandas", "excel"},
        description=f"Staged (checked before publication): {description('raw_responses')}",
        metadata=table_metadata("raw_responses"),
    ).with_io_manager_key("warehouse_io_manager")


def export_files(landing_dir: Path, grant_year: int) -> list[Path]:
    """The export files of a grant year: .xlsx/.csv in <landing>/<year>/, Office lock files ignored."""
    folder = Path(landing_dir) / str(grant_year)
    hint = f"put the year's Forms export (.xlsx or .csv) in {folder}/ or set FRISKLIV_LANDING_DIR"
    if not folder.is_dir():
        raise ExportError(f"No export for grant year {grant_year}: the landing folder {folder} does not exist",
                          hint=hint)
    files = sorted(p for p in folder.glob("*") if p.is_file() and p.suffix.lower() in EXPORT_SUFFIXES
                   and not p.name.startswith(("~$", ".")))
    if not files:
        raise ExportError(f"No export for grant year {grant_year}: the landing folder holds no .xlsx or .csv file",
                          file=str(folder), hint=hint)
    return files


def archive(path: Path, data_dir: Path, grant_year: int) -> Path:
    """Copy the export to <data_dir>/archive/<year>/<sha256>.<ext> (once; the raw file is never touched)."""
    target = Path(data_dir) / "archive" / str(grant_year) / f"{sha256_of(path)}{path.suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(target.suffix + ".part")
        shutil.copyfile(path, tmp)
        tmp.replace(target)
    return target


def raw_responses(log, settings, form, grant_year: int):
    """One row per response in <landing>/<year>/*.xlsx|*.csv, every cell as text, e-mail and name
    hashed; returns the frame and the asset's materialization metadata."""
    from friskliv_pipeline.forms.raw_table import build_raw_responses
    from friskliv_pipeline.core.pseudonym import load_key

    files = export_files(settings.landing_dir, grant_year)
    archived = [archive(p, settings.data_dir, grant_year) for p in files]
    exports = [read_export(p) for p in files]
    frame, report = build_raw_responses(exports, form, load_key(settings.data_dir), grant_year)
    for f in report.files:
        if f["extra_columns"]:
            log.warning(f"{f['file']}: columns that match no question are kept in extra_columns: {f['extra_columns']}")
        if f["quiz_columns_ignored"]:
            log.info(f"{f['file']}: quiz columns ignored: {f['quiz_columns_ignored']}")
        if f["personal_columns_hashed"]:
            log.info(f"{f['file']}: personal-data columns kept only as a keyed hash: {f['personal_columns_hashed']}")
    overlaps = report.overlaps
    if overlaps:
        log.info(f"overlapping exports: {overlaps.text()} (see cleaning_issues)")
    return frame, {
        "responses": len(frame),
        "identical_repeats_collapsed": overlaps.identical_repeats_collapsed,
        "differing_versions_replaced": overlaps.differing_versions_replaced,
        "files": MetadataValue.json(report.files),
        "archived_as": MetadataValue.json([str(p) for p in archived]),
        "form_schema": MetadataValue.path(str(form.path)),
    }
