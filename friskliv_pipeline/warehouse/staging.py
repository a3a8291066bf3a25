"""Write, audit, publish: which tables a run stages, and their asset keys.

A run writes the grant year's raw and clean tables as STAGED assets (``staging/<table>``,
warehouse tables ``staging_<table>``); the GX suites check those; ``publish_checked_tables``
(defs/published.py) then copies them to the published tables (``<table>``) that the marts and
the report read, only when no blocking check failed.
"""

from dagster import AssetKey

from friskliv_pipeline.cleaning.clean_tables import STAGED_TABLES


def staged_key(table: str) -> AssetKey:
    return AssetKey(["staging", table])


def table_key(table: str) -> AssetKey:
    """The asset a check or a cleaning step reads for ``table``: the staged one where it is staged."""
    return staged_key(table) if table in STAGED_TABLES else AssetKey(table)
