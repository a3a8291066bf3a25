"""The code location: every asset, job, resource of friskliv-pipeline in one Definitions.

``workspace.yaml`` points ``dagster dev`` here. Layers, in data order:
reference → raw → clean (both staged) → checks → published → marts → publish (the report).
"""

from dagster import AssetSelection, Definitions, define_asset_job

from friskliv_pipeline.defs.automation import YEARLY_JOB_NAME, new_export_sensor, yearly_after_reporting_deadline
from friskliv_pipeline.defs.checks import asset_checks
from friskliv_pipeline.defs.clean import clean_tables
from friskliv_pipeline.defs.executor import in_process_by_default_executor
from friskliv_pipeline.defs.marts import mart_assets
from friskliv_pipeline.defs.publish import publish_assets
from friskliv_pipeline.defs.published import publish_checked_tables
from friskliv_pipeline.defs.raw import raw_responses
from friskliv_pipeline.defs.reference import reference_assets
from friskliv_pipeline.defs.resources import FrisklivResource, WarehouseIOManager

friskliv_yearly = define_asset_job(
    YEARLY_JOB_NAME, selection=AssetSelection.all(),
    description="Every asset of one grant year: reference rows, raw export, cleaned tables, checks, marts, report.",
)

_friskliv = FrisklivResource()

defs = Definitions(
    assets=[*reference_assets, raw_responses, clean_tables, publish_checked_tables, *mart_assets, *publish_assets],
    asset_checks=asset_checks,
    jobs=[friskliv_yearly],
    schedules=[yearly_after_reporting_deadline],
    sensors=[new_export_sensor],
    executor=in_process_by_default_executor,
    resources={"friskliv": _friskliv, "warehouse_io_manager": WarehouseIOManager(friskliv=_friskliv)},
)


def yearly_job():
    """The yearly job, for ``dagster.execute_job(reconstructable(yearly_job), …)``: what
    ``friskliv run`` executes. (``JobDefinition.execute_in_process`` is the testing API: it keeps
    every step's output in memory for the whole run, a gigabyte and more at 1000× the 2024 export.)"""
    return defs.resolve_job_def(YEARLY_JOB_NAME)
