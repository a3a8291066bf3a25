"""Reference layer: that grant year's rows of the tables shipped in assets/reference/."""


from dagster import AssetExecutionContext, asset

from friskliv_pipeline.contract import REFERENCE_TABLES
from friskliv_pipeline.asset_metadata import OWNERS, description, table_metadata
from friskliv_pipeline.defs.partitions import grant_year_of, grant_year_partitions
from friskliv_pipeline.defs.resources import FrisklivResource


def _reference_asset(table: str):
    @asset(
        name=table, group_name="reference", partitions_def=grant_year_partitions, io_manager_key="warehouse_io_manager",
        description=description(table), metadata=table_metadata(table), kinds={"pandas", "csv"}, owners=OWNERS,
    )
    def _asset(context: AssetExecutionContext, friskliv: FrisklivResource):
        from friskliv_pipeline.reference import read_reference

        settings = friskliv.settings()
        return read_reference(settings.reference_dir, table, grant_year_of(context.partition_key))

    return _asset


reference_assets = [_reference_asset(t) for t in REFERENCE_TABLES]
