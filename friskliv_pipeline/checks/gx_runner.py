"""Validate a record frame against its suite with Great Expectations 1.x — imported here, lazily.

GX is imported on the first validation, never when the code location loads (the import alone
costs ~3 s). Usage statistics are off (``GX_ANALYTICS_ENABLED=false``; there is no network
here) and so are GX's progress bars.

Without ``project_dir`` the validation runs in an ephemeral context (tests, pre-flight). With
it, it runs in the one GX project of the data directory (``<data_dir>/validation/gx``), kept
across runs and grant years: its validation results store accumulates every run (run name = the
Dagster run id; data source ``friskliv_<grant_year>``, one data asset per suite), and its one
Data Docs site shows them. The site is built once per run, when the run's last suite has been
validated and the run's audit rows published (``build_data_docs``), so it exists also when a
blocking check stopped the run; it then drops the year's earlier runs (``_prune``): per grant year
and suite the store and site hold the run in the audit tables, the run the auditor's package names. A file lock keeps checks that run in parallel processes from writing the project at
the same time.

GX itself identifies each failing row (COMPLETE result format): the record frame's rows carry a
named index, ``record``, which GX returns for every listed row with the judged values; the
runner joins the record's columns on (response id, county, municipality, project, sheet row and
the columns the messages quote). GX's own lookup of named index columns works row by row and
column by column (minutes for a large year); the join is one lookup per expectation. The
complete result is taken from the batch (``Batch.validate``); the project's results store and
Data Docs keep the same result cut to GX's SUMMARY (counts and the first rows by record), stored
directly (``_store``): each suite is validated once per run, not a second time by a Checkpoint.

What the Data Docs show is GX's own verdict, and GX knows only pass and fail: so the result it
stores holds the breach rules that were evaluated, and nothing else. A follow-up list or a data
note (which pass and list records) and a rule not evaluated (which neither passed nor failed)
are left out of it, so the Data Docs can never show them as a failure or a pass; the audit tables
and the auditor's workbook hold every rule with its status. A suite none of whose breach rules was
evaluated stores no result at all: GX renders a result of no expectations as "Succeeded".

Why not GX's own ``ValidationDefinition`` + ``Checkpoint`` with ``UpdateDataDocsAction`` (tried
with GX 1.24.1, a file project, a pandas data source per grant year and a data asset per suite;
measured on this machine, 2026-12). It carries the partitions (a validation definition per grant
year and suite, run with ``batch_parameters={"dataframe": ...}`` and the suite parameters) and the
severities (each expectation keeps its ``severity``), but not the rest:

- one ``result_format`` serves both the result the run returns and the one it stores. The audit
  tables need every failing row (COMPLETE); stored, that is slow: 100 000 rows, one expectation
  failing on half of them: ``batch.validate`` 1.2 s, the same through a Checkpoint 11.8 s (a
  4.1 MB result written to the store). A SUMMARY Checkpoint plus a COMPLETE validation would
  validate every suite twice.
- the stored result holds every expectation of the suite, and GX judges the suite by plain pass
  and fail: a follow-up list (severity ``info``) that lists records makes the suite's result
  ``success: False`` (``get_max_severity_failure()`` says INFO, but the Data Docs page only shows
  "Failed" and renders no severity), and a rule not evaluated would show as a pass or a failure.
  Showing only the evaluated breach rules would again mean a second suite, validated a second time.
- the Data Docs read "Data asset: None" for a DataFrame batch either way (``_named_batch_spec``).

So the runner validates once (``Batch.validate``) and stores GX's own result object, cut to
SUMMARY and to the evaluated breach rules, under GX's own identifier (``_store``); the site is
GX's site builder (``context.build_data_docs``). GX's footer (a newsletter invitation,
``templates/cloud-footer.j2``) has no setting, and a custom view cannot replace it (GX's package
templates come first in its template loader): the site's custom stylesheet, which is GX's way to
restyle Data Docs, hides it.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from filelock import FileLock

from friskliv_pipeline.checks.suites import Suite

DOCS_INDEX = Path("gx") / "uncommitted" / "data_docs" / "local_site" / "index.html"
RESULTS_DIR = Path("gx") / "uncommitted" / "validations"
# GX lists each failing row by the record frame's named index (its row number); the runner joins
# the record's context columns on (_listed_rows).
RECORD = "record"
STORED_ROWS = 20  # failing rows per expectation kept in the GX results store (all are in the audit tables)
FULL_LISTS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")  # COMPLETE only: not stored


@dataclass
class ExpectationOutcome:
    index: int  # position in suite.expectations
    success: bool
    observed_value: object = None
    element_count: int | None = None
    unexpected_count: int | None = None
    listed: pd.DataFrame | None = None  # one row per listed row: the record's index columns and GX's judged values
    partial_unexpected_list: tuple = ()
    exception: str | None = None


@dataclass
class Validation:
    success: bool
    outcomes: list[ExpectationOutcome]
    result_path: Path | None = None  # the result in the GX project's validation results store
    data_docs_index: Path | None = None


def _import_gx():
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    return gx


def project_dir(data_dir: Path) -> Path:
    """The data directory's GX project: ``<data_dir>/validation`` (GX keeps it under ``gx/``)."""
    return Path(data_dir) / "validation"


def data_docs_index(project: Path) -> Path:
    return Path(project) / DOCS_INDEX


def _lock(project: Path) -> FileLock:
    project.mkdir(parents=True, exist_ok=True)
    return FileLock(str(project / ".gx.lock"), is_singleton=True)


_FILE_CONTEXTS: dict[str, object] = {}


# GX prints a newsletter invitation at the foot of every Data Docs page (templates/cloud-footer.j2, no
# setting turns it off); the site's own stylesheet, which GX includes in every page, hides it.
FOOTER_CSS = "\n/* friskliv: the auditor's pages carry no vendor newsletter footer */\nbody > footer { display: none; }\n"


def _hide_vendor_footer(project: Path) -> None:
    styles = project / "gx" / "plugins" / "custom_data_docs" / "styles" / "data_docs_custom_styles.css"
    text = styles.read_text(encoding="utf-8") if styles.exists() else ""
    if FOOTER_CSS not in text:
        styles.parent.mkdir(parents=True, exist_ok=True)
        styles.write_text(text + FOOTER_CSS, encoding="utf-8")


def _context(gx, project: Path | None):
    """An ephemeral context, or the project's file context: opened once per process (opening one
    reads its config and stores from disk, ~0.1 s per suite)."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if project is not None and str(project) in _FILE_CONTEXTS:
        return _FILE_CONTEXTS[str(project)]
    context = (gx.get_context(mode="ephemeral") if project is None
               else gx.get_context(mode="file", project_root_dir=str(project)))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if project is not None:
        _hide_vendor_footer(Path(project))
        _FILE_CONTEXTS[str(project)] = context
    return context


def _listed_rows(listed: list, records: pd.DataFrame, index_columns: list[str]) -> pd.DataFrame | None:
    """GX's listed rows (each names its ``record``, the frame's named index, and the judged columns'
    values) as one frame, the record's ``index_columns`` joined on and GX's values over them where
    both name a column; missing values are None. One lookup per expectation, where GX's own per-row
    lookup of named columns costs minutes on a large year; a frame, not a dict per row: at the
    benchmark's 1000× the projects suite lists 200 000 rows, ~1 KB each as dicts."""
    if not listed or not isinstance(listed[0], dict) or RECORD not in listed[0]:
        return None
    judged = pd.DataFrame.from_records(listed)
    frame = records.loc[judged[RECORD].to_numpy(), index_columns].reset_index(drop=True)
    for column in judged.columns.drop(RECORD):
        frame[column] = judged[column].to_numpy()
    return frame.astype(object).where(frame.notna(), None)


def _outcomes(result, index_by_id: dict[str, int], records: pd.DataFrame,
              index_columns: list[str]) -> list[ExpectationOutcome]:
    outcomes = []
    for r in result.results:
        details = r.result or {}
        info = r.exception_info or {}
        raised = info.get("raised_exception") if isinstance(info, dict) else False
        outcomes.append(ExpectationOutcome(
            index=index_by_id[r.expectation_config.id],
            success=bool(r.success),
            observed_value=details.get("observed_value"),
            element_count=details.get("element_count"),
            unexpected_count=details.get("unexpected_count"),
            listed=_listed_rows(details.get("unexpected_index_list"), records, index_columns),
            partial_unexpected_list=tuple(details.get("partial_unexpected_list") or ()),
            exception=info.get("exception_message") if raised else None,
        ))
    return sorted(outcomes, key=lambda o: o.index)


def validate(suite: Suite, frame: pd.DataFrame, parameters: dict, index_columns: list[str],
             project: Path | None = None, grant_year: int | None = None, run_name: str | None = None,
             not_evaluated: frozenset[str] = frozenset()) -> Validation:
    """Run ``suite`` on ``frame`` with the suite parameters ``parameters``; each listed row comes back
    as a dict of its ``index_columns``. ``not_evaluated``: rule ids left out of the stored result."""
    gx = _import_gx()
    records = frame.reset_index(drop=True).rename_axis(RECORD)
    if project is None:
        return _validate(gx, suite, records, parameters, list(index_columns), None, grant_year, run_name, not_evaluated)
    project = Path(project)
    with _lock(project):
        return _validate(gx, suite, records, parameters, list(index_columns), project, grant_year, run_name,
                         not_evaluated)


def _with_ids(document: dict, suite: Suite) -> dict:
    """The suite's document with a stable id per expectation (its place in the suite file), so a result
    names its expectation without the suite first being saved to a store."""
    document = copy.deepcopy(document)
    for i, expectation in enumerate(document["expectations"]):
        expectation["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"friskliv/{suite.name}/{i}"))
    return document


def documented(suite: Suite, not_evaluated: frozenset[str]) -> dict:
    """The suite as the Data Docs show it: its breach rules that were evaluated (see the module's note)."""
    document = _with_ids(suite.document, suite)
    document["expectations"] = [e for e in document["expectations"]
                                if e["meta"]["kind"] == "breach" and e["meta"]["rule"] not in not_evaluated]
    return document


def _batch_definition(context, grant_year: int | None, asset: str):
    """The data source of the grant year, the suite's data asset and its whole-frame batch: made once
    and kept in the project (a file project keeps them across runs; nothing is rewritten)."""
    name = f"friskliv_{grant_year or 'adhoc'}"
    try:
        source = context.data_sources.get(name)
    except (KeyError, ValueError, LookupError):
        source = context.data_sources.add_pandas(name)
    try:
        data_asset = source.get_asset(asset)
    except LookupError:
        data_asset = source.add_dataframe_asset(asset)
    try:
        return data_asset.get_batch_definition("whole_frame")
    except (KeyError, LookupError):
        return data_asset.add_batch_definition_whole_dataframe("whole_frame")


def _forget_batch(batch) -> None:
    """Let go of the records frame once GX has judged it. GX's pandas engine keeps each batch's
    DataFrame in its batch manager, and the data source (one per grant year, in a context kept for
    the process: ``_context``) keeps the engine: every suite's record frame stayed alive to the end
    of the process, and the engine's metric cache every value an expectation listed. At the
    benchmark's 1000× that was 740 MiB for ``project_attainment``'s 1.4 million rows alone, the
    floor under every later step of an in-process run (938 MiB after staging; 620 with the frames
    let go, 452 with the metrics too)."""
    data = getattr(batch, "data", None)
    engine = getattr(data, "execution_engine", None)
    manager = getattr(engine, "batch_manager", None)
    if manager is not None:
        manager.batch_data_cache.pop(batch.id, None)
        manager.batch_cache.pop(batch.id, None)
        manager.reset_batch_cache()
    cache = getattr(engine, "_metric_cache", None)  # the metrics computed on it (the listed values among them)
    if isinstance(cache, dict):
        cache.clear()
    for holder in (getattr(batch, "batch_request", None), getattr(batch, "_batch_request", None)):
        options = getattr(holder, "options", None)
        if isinstance(options, dict):
            options.pop("dataframe", None)


def _summary(result) -> dict:
    """A COMPLETE expectation result cut to GX's SUMMARY: counts and the first rows by record."""
    details = {k: v for k, v in (result.result or {}).items() if k not in FULL_LISTS}
    for key in ("partial_unexpected_list", "partial_unexpected_index_list", "partial_unexpected_counts"):
        if key in details:
            details[key] = list(details[key])[:STORED_ROWS]
    return details


def _named_batch_spec(meta: dict) -> dict:
    """The batch spec with the data asset's name (``friskliv_2024.projects``): GX's Data Docs take
    "Data asset" and the page title from the batch spec, which a DataFrame batch leaves unnamed
    (the page would read "Data asset: None")."""
    spec = dict(meta.get("batch_spec") or {})
    active = meta.get("active_batch_definition") or {}
    name = getattr(active, "data_asset_name", None) or (active.get("data_asset_name") if isinstance(active, dict) else None)
    source = getattr(active, "datasource_name", None) or (active.get("datasource_name") if isinstance(active, dict) else None)
    if name and not spec.get("data_asset_name"):
        spec["data_asset_name"] = f"{source}.{name}" if source else name
    return spec


def _store(gx, context, complete, docs_suite: dict, batch_id: str, run_name: str | None) -> Path | None:
    """Store the run's result of ``docs_suite``'s expectations, cut to SUMMARY, in the project's
    validation results store (where the Data Docs read it): taken from the one validation, not
    validated a second time. Nothing is stored when none of them was evaluated (None): GX would
    render a result of no expectations as "Succeeded"."""
    from great_expectations.core import ExpectationSuiteValidationResult, ExpectationValidationResult
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier, ValidationResultIdentifier,
    )

    # the ids of the document itself: GX's first ``suites.add`` of a suite answers with ids of its own
    # (a first run in a new project then matched none of its results and stored an empty "success")
    shown = {e["id"] for e in docs_suite["expectations"]}
    results = [ExpectationValidationResult(success=r.success, expectation_config=r.expectation_config,
                                           result=_summary(r), meta=r.meta, exception_info=r.exception_info)
               for r in complete.results if r.expectation_config.id in shown]
    if not results:
        return None
    succeeded = sum(bool(r.success) for r in results)
    run_id = gx.RunIdentifier(run_name=run_name or "adhoc",
                              run_time=dt.datetime.now(dt.timezone.utc))
    meta = {**complete.meta, "run_id": run_id, "validation_time": run_id.run_time,
            "batch_spec": _named_batch_spec(complete.meta)}
    stored = ExpectationSuiteValidationResult(
        success=succeeded == len(results), results=results, suite_name=docs_suite["name"],
        suite_parameters=complete.suite_parameters, meta=meta,
        statistics={"evaluated_expectations": len(results), "successful_expectations": succeeded,
                    "unsuccessful_expectations": len(results) - succeeded,
                    "success_percent": 100.0 * succeeded / len(results)})
    key = ValidationResultIdentifier(ExpectationSuiteIdentifier(docs_suite["name"]), run_id, batch_id)
    context.validation_results_store.set(key, stored)
    return Path(*key.to_tuple()).with_suffix(".json")


def _validate(gx, suite: Suite, records: pd.DataFrame, parameters: dict, index_columns: list[str],
              project: Path | None, grant_year: int | None, run_name: str | None,
              not_evaluated: frozenset[str] = frozenset()) -> Validation:
    context = _context(gx, project)
    gx_suite = gx.ExpectationSuite(**_with_ids(suite.document, suite))
    if len(gx_suite.expectations) != len(suite.expectations):
        raise ValueError(f"{suite.path}: GX loaded {len(gx_suite.expectations)} of {len(suite.expectations)} "
                         "expectations; an expectation type is misspelt (GX drops it silently)")
    index_by_id = {e.id: i for i, e in enumerate(gx_suite.expectations)}
    # One data source per grant year, one data asset per suite: Data Docs list each year's results apart.
    batch = _batch_definition(context, grant_year, suite.name).get_batch(batch_parameters={"dataframe": records})
    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": [RECORD]}
    # Every failing row, as GX lists it (COMPLETE), straight from the batch: a result that is not
    # stored is not serialised, and serialising one with every row listed is what made a large
    # year slow (deep copies of the lists in GX's result schema, ~100 s for the projects suite at
    # 119 000 responses).
    try:
        complete = batch.validate(gx_suite, result_format=result_format, expectation_parameters=parameters)
    finally:
        _forget_batch(batch)
    outcomes = _outcomes(complete, index_by_id, records, index_columns)
    if project is None:
        return Validation(bool(complete.success), outcomes)
    # The project's results store and Data Docs keep the counts and the first rows of each
    # expectation (SUMMARY) of the same validation; the audit tables keep every row (checks/audit.py).
    docs_suite = documented(suite, not_evaluated)
    context.suites.add_or_update(gx.ExpectationSuite(**docs_suite))
    stored = _store(gx, context, complete, docs_suite, batch.id, run_name)
    return Validation(bool(complete.success), outcomes, project / RESULTS_DIR / stored if stored else None,
                      data_docs_index(project))


def year_of(key) -> int | None:
    """The grant year of a stored result: its batch is ``friskliv_<year>-<table>`` (``_batch_definition``)."""
    match = re.match(r"friskliv_(\d{4})-", str(key.batch_identifier))
    return int(match.group(1)) if match else None


def _prune(context, run_name: str, grant_year: int | None, suite_names) -> list:
    """Remove from the results store what the site must not show: the results of ``suite_names`` of
    every other run of ``grant_year`` (superseded: the audit tables, and the auditor's package, hold
    run ``run_name``'s), and any result of no evaluated expectation (an earlier version stored them;
    GX renders one as "Succeeded"). GX's site builder then drops their pages and index rows.
    Returns the keys removed."""
    store = context.validation_results_store
    removed = []
    for key in store.list_keys():
        superseded = (grant_year is not None and year_of(key) == grant_year and key.run_id.run_name != run_name
                      and key.expectation_suite_identifier.name in suite_names)
        if superseded or not store.get(key).results:
            store.remove_key(key)
            removed.append(key)
    return removed


def build_data_docs(project: Path, run_name: str, grant_year: int | None = None, suite_names=()) -> Path:
    """Add run ``run_name``'s results to the project's Data Docs site. With ``grant_year``, run
    ``run_name`` is the one whose audit rows of ``suite_names`` were just published: those suites'
    results of the year's other runs are removed from the results store and the site (``_prune``),
    so the site shows one run per grant year and suite: the run in the audit tables, which the
    auditor's package names (its front sheet's «Kjøring»)."""
    gx = _import_gx()
    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

    project = Path(project)
    with _lock(project):
        context = _context(gx, project)
        _prune(context, run_name, grant_year, set(suite_names))
        results = project / RESULTS_DIR
        ids = [ValidationResultIdentifier.from_tuple(p.relative_to(results).with_suffix("").parts)
               for p in sorted(results.glob(f"*/{run_name}/*/*.json"))]
        # and the pages of the suites they ran, which each result page links to
        suites = list(dict.fromkeys(i.expectation_suite_identifier for i in ids))
        context.build_data_docs(resource_identifiers=[*ids, *suites] or None)
    return data_docs_index(project)
