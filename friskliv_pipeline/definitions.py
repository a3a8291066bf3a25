"""The code location: every asset, check, job, schedule, sensor and resource of friskliv-pipeline.

The assets, checks, schedule and sensors are the Dagster objects of the modules in ``defs/``
(loaded as ``dg`` projects load their defs folder: layers in data order reference → raw
→ clean → checks → published → marts → report, plus automation and freshness); what is global is added
here: the yearly job, the executor, the resources, the step-progress logger, and a code
reference from each asset to the Python that builds it. ``workspace.yaml`` (``dagster dev``) and
``pyproject.toml``'s ``[tool.dg]`` (``dg dev``, ``dg check defs``, ``dg launch``) both point here.
"""

import gc
import warnings
from pathlib import Path

from dagster import (
    AssetSelection, BetaWarning, ComponentTree, Definitions, PreviewWarning, default_loggers, define_asset_job,
    with_source_code_references,
)

import friskliv_pipeline.defs as defs_module
from friskliv_pipeline.defs.automation import YEARLY_JOB_NAME
from friskliv_pipeline.defs.executor import in_process_by_default_executor
from friskliv_pipeline.defs.freshness import report_freshness_checks
from friskliv_pipeline.defs.resources import FrisklivResource, WarehouseIOManager
from friskliv_pipeline.operations.progress import STEP_PROGRESS_LOGGER, step_progress_logger

friskliv_yearly = define_asset_job(
    YEARLY_JOB_NAME, selection=AssetSelection.all() - AssetSelection.checks(*report_freshness_checks),
    description="Every asset of one grant year: reference rows, raw export, cleaned tables, checks, marts, report.",
)


def _definitions() -> Definitions:
    # The tree of the defs module itself: `load_from_defs_folder` finds the same module through
    # pyproject.toml's [tool.dg], which an installed wheel does not have. Loading runs preview APIs
    # and code references are beta in Dagster 1.13 (`load_from_defs_folder` silences the same warnings).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        warnings.simplefilter("ignore", PreviewWarning)
        folder = ComponentTree.from_module(defs_module, project_root=Path(__file__).resolve().parents[1]).build_defs()
        assets = with_source_code_references(list(folder.assets or []))
    friskliv = FrisklivResource()
    return Definitions(
        assets=assets,
        asset_checks=folder.asset_checks,
        schedules=folder.schedules,
        sensors=folder.sensors,
        jobs=[friskliv_yearly],
        executor=in_process_by_default_executor,
        resources={"friskliv": friskliv, "warehouse_io_manager": WarehouseIOManager(friskliv=friskliv)},
        loggers={**default_loggers(), STEP_PROGRESS_LOGGER: step_progress_logger},
        component_tree=folder.component_tree,
    )


defs = _definitions()

# What loading made (Dagster's modules and classes, this project's definitions: ~130 000 objects)
# lives as long as the process: move it out of the cycle collector's sight (gc.freeze). Full
# collections during a run no longer walk it, and the interpreter's shutdown no longer takes it
# apart cycle by cycle, which was ~0.4 s of every `python -c 'import friskliv_pipeline.definitions'`
# (median wall of 9: 1.36 s -> 0.98 s on 2 CPUs shared with other work) and of every process that
# loads the code location and exits (a run, a step process, `dagster definitions validate`).
# Reference counting still frees these objects; only a cycle among them would now never be freed.
# Everything made after loading is collected as before.
gc.freeze()


def yearly_job():
    """The yearly job, for ``dagster.execute_job(reconstructable(yearly_job), …)``: what
    ``friskliv run`` executes. (``JobDefinition.execute_in_process`` is the testing API: it keeps
    every step's output in memory for the whole run, a gigabyte and more at 1000× the 2024 export.)"""
    return defs.resolve_job_def(YEARLY_JOB_NAME)
