"""Validate a record frame against its suite with Great Expectations 1.x — imported here, lazily.

GX is imported on the first validation, never when the code location loads (the import alone
costs ~3 s). Usage statistics are off (``GX_ANALYTICS_ENABLED=false``; there is no network
here) and so are GX's progress bars.

Without ``run_dir`` the validation runs in an ephemeral context (tests, pre-flight). With it,
it runs in the file context ``<run_dir>/gx`` shared by every check of one run: the suite as
run, the validation results and the Data Docs site ``<run_dir>/data_docs/index.html``, which
each check rebuilds with every result of the run so far. A file lock keeps checks that run in
parallel processes from writing the context at the same time.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from friskliv_pipeline.checks.suites import Suite

DOCS_SITE = "run_data_docs"
RESULT_FORMAT = {"result_format": "COMPLETE"}


@dataclass
class ExpectationOutcome:
    index: int  # position in suite.expectations
    success: bool
    observed_value: object = None
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_index_list: tuple = ()
    partial_unexpected_list: tuple = ()
    exception: str | None = None


@dataclass
class Validation:
    success: bool
    outcomes: list[ExpectationOutcome]
    result_path: Path | None = None
    data_docs_index: Path | None = None


def _import_gx():
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    import great_expectations as gx

    return gx


@contextmanager
def _locked(run_dir: Path):
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / ".gx.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


_FILE_CONTEXTS: dict[str, object] = {}


def _context(gx, run_dir: Path | None):
    """An ephemeral context, or the run's file context: opened once per process and run
    directory (opening one reads its config and stores from disk, ~0.1 s per suite)."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    if run_dir is not None and str(run_dir) in _FILE_CONTEXTS:
        return _FILE_CONTEXTS[str(run_dir)]
    if run_dir is None:
        context = gx.get_context(mode="ephemeral")
    else:
        context = gx.get_context(mode="file", project_root_dir=str(run_dir))
        if DOCS_SITE not in (context.variables.data_docs_sites or {}):
            context.add_data_docs_site(site_name=DOCS_SITE, site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                                  "base_directory": str((run_dir / "data_docs").resolve())},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            })
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    if run_dir is not None:
        _FILE_CONTEXTS[str(run_dir)] = context
    return context


def _batch_definition(context, name: str):
    """A fresh pandas data source per suite: GX ties a stored one to the context object that made it."""
    source = context.data_sources.add_or_update_pandas(f"{name}_frame")
    return source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole_frame")


def _outcomes(result, index_by_id: dict[str, int]) -> list[ExpectationOutcome]:
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
            unexpected_index_list=tuple(details.get("unexpected_index_list") or ()),
            partial_unexpected_list=tuple(details.get("partial_unexpected_list") or ()),
            exception=info.get("exception_message") if raised else None,
        ))
    return sorted(outcomes, key=lambda o: o.index)


def validate(suite: Suite, frame: pd.DataFrame, parameters: dict, run_dir: Path | None = None,
             run_name: str | None = None) -> Validation:
    """Run ``suite`` on ``frame`` with the suite parameters ``parameters``; the frame's index is the row id."""
    gx = _import_gx()
    if run_dir is None:
        return _validate(gx, suite, frame, parameters, None, run_name)
    run_dir = Path(run_dir)
    with _locked(run_dir):
        return _validate(gx, suite, frame, parameters, run_dir, run_name)


def _validate(gx, suite: Suite, frame: pd.DataFrame, parameters: dict, run_dir: Path | None,
              run_name: str | None) -> Validation:
    context = _context(gx, run_dir)
    gx_suite = gx.ExpectationSuite(**copy.deepcopy(suite.document))
    if len(gx_suite.expectations) != len(suite.expectations):
        raise ValueError(f"{suite.path}: GX loaded {len(gx_suite.expectations)} of {len(suite.expectations)} "
                         "expectations; an expectation type is misspelt (GX drops it silently)")
    gx_suite = context.suites.add_or_update(gx_suite)
    index_by_id = {e.id: i for i, e in enumerate(gx_suite.expectations)}
    batch = _batch_definition(context, suite.name)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite))
    batch_parameters = {"dataframe": frame}
    if run_dir is None:
        result = definition.run(batch_parameters=batch_parameters, expectation_parameters=parameters,
                                result_format=RESULT_FORMAT)
        return Validation(bool(result.success), _outcomes(result, index_by_id))
    checkpoint = context.checkpoints.add_or_update(gx.Checkpoint(
        name=suite.name, validation_definitions=[definition], result_format=RESULT_FORMAT,
        actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=[DOCS_SITE])],
    ))
    run = checkpoint.run(batch_parameters=batch_parameters, expectation_parameters=parameters,
                         run_id=gx.RunIdentifier(run_name=run_name or "adhoc"))
    result = next(iter(run.run_results.values()))
    result_path = run_dir / "results" / f"{suite.name}.json"
    result_path.parent.mkdir(parents=True, exist_ok=True)
    result_path.write_text(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=1, default=str),
                           encoding="utf-8")
    return Validation(bool(result.success), _outcomes(result, index_by_id), result_path,
                      run_dir / "data_docs" / "index.html")
