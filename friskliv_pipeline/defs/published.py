"""Published layer: the checked tables of a grant year, released in one transaction.

``publish_checked_tables`` runs only when every blocking (ERROR) check on the staged tables
passed: Dagster holds back assets downstream of a failed blocking check. It replaces the grant
year's rows of every published table with the staged rows in ONE database transaction
(``Warehouse.publish``), so a reader, the marts and the report see either the previous
validated run or this one, never a mix. A blocked, failed or killed run leaves the published
tables as they were; its staged rows stay in ``staging_<table>`` until the next run of the year.
"""

from dagster import (
    AssetExecutionContext, AssetSpec, MaterializeResult, TableColumnDep, TableColumnLineage, multi_asset,
)

from friskliv_pipeline.core.contract import TABLES
from friskliv_pipeline.defs.metadata import OWNERS, description, table_metadata
from friskliv_pipeline.defs.partitions import grant_year_of, grant_year_partitions
from friskliv_pipeline.defs.resources import FrisklivResource
from friskliv_pipeline.warehouse.staging import STAGED_TABLES, staged_key


def _same_as_staged(table: str) -> TableColumnLineage:
    """Each published column is its staged column, copied."""
    return TableColumnLineage(deps_by_column={
        c.name: [TableColumnDep(asset_key=staged_key(table), column_name=c.name)] for c in TABLES[table].columns})


@multi_asset(
    # The warehouse I/O manager loads a published table for any Python asset downstream (AssetIn).
    specs=[AssetSpec(t, group_name="published", deps=[staged_key(t)], description=description(t),
                     metadata={**table_metadata(t), "dagster/column_lineage": _same_as_staged(t)}, kinds={"sql"},
                     owners=OWNERS).with_io_manager_key("warehouse_io_manager")
           for t in STAGED_TABLES],
    partitions_def=grant_year_partitions, can_subset=False,
)
def publish_checked_tables(context: AssetExecutionContext, friskliv: FrisklivResource):
    """Replace the grant year's rows of every published table with the checked, staged rows (one transaction)."""
    grant_year = grant_year_of(context.partition_key)
    counts = friskliv.warehouse().publish(STAGED_TABLES, grant_year)
    context.log.info(f"grant year {grant_year}: published {sum(counts.values())} rows in {len(counts)} tables")
    for table in STAGED_TABLES:
        yield MaterializeResult(asset_key=table, metadata={
            "dagster/partition_row_count": counts[table], "dagster/table_name": table,
            "dagster/column_lineage": _same_as_staged(table)})
