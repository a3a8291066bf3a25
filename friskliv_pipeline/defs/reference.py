"""Reference layer: that grant year's rows of the tables shipped in assets/reference/ and of the year's form.

One step writes them all (they are small and read together); each table is its own asset, and
any one of them can be refreshed alone.
"""


from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, multi_asset

from friskliv_pipeline.defs.metadata import OWNERS, description, table_metadata
from friskliv_pipeline.core.contract import REFERENCE_TABLES
from friskliv_pipeline.defs.partitions import grant_year_of, grant_year_partitions
from friskliv_pipeline.defs.resources import FrisklivResource


@multi_asset(
    name="reference_tables",
    specs=[AssetSpec(t, group_name="reference", description=description(t), metadata=table_metadata(t),
                     kinds={"pandas", "csv"}, owners=OWNERS).with_io_manager_key("warehouse_io_manager")
           for t in REFERENCE_TABLES],
    partitions_def=grant_year_partitions, can_subset=True,
)
def reference_tables(context: AssetExecutionContext, friskliv: FrisklivResource):
    """Replace the grant year's rows of each selected reference table with the shipped file's (or the form's)."""
    from friskliv_pipeline.core.reference import read_reference

    settings = friskliv.settings()
    grant_year = grant_year_of(context.partition_key)
    selected = {key.to_user_string() for key in context.selected_asset_keys}
    for table in REFERENCE_TABLES:
        if table in selected:
            frame = read_reference(settings.reference_dir, table, grant_year)
            rows = friskliv.warehouse().replace_partition(table, grant_year, frame)
            yield MaterializeResult(asset_key=table, metadata={"dagster/partition_row_count": rows,
                                                               "dagster/table_name": table})
