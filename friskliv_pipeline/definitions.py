"""The code location: every asset, job, resource of friskliv-pipeline in one Definitions.

``workspace.yaml`` points ``dagster dev`` here. Layers, in data order: reference → raw → clean.
"""

from dagster import AssetSelection, Definitions, define_asset_job

from friskliv_pipeline.defs.clean import clean_tables
from friskliv_pipeline.defs.raw import raw_responses
from friskliv_pipeline.defs.reference import reference_assets
from friskliv_pipeline.defs.resources import FrisklivResource, WarehouseIOManager

YEARLY_JOB_NAME = "friskliv_yearly"

friskliv_yearly = define_asset_job(
    YEARLY_JOB_NAME, selection=AssetSelection.all(),
    description="Every asset of one grant year: reference rows, raw export, cleaned tables.",
)

_friskliv = FrisklivResource()

defs = Definitions(
    assets=[*reference_assets, raw_responses, clean_tables],
    jobs=[friskliv_yearly],
    resources={"friskliv": _friskliv, "warehouse_io_manager": WarehouseIOManager(friskliv=_friskliv)},
)
