"""Asset metadata built from the data contract: what an analyst reads in the Dagster UI."""


from dagster import TableColumn, TableSchema

from friskliv_pipeline.contract import TABLES

OWNERS = ["team:friskliv-data"]


def column_schema(table: str) -> TableSchema:
    return TableSchema(columns=[
        TableColumn(c.name, c.type, description=f"{c.description}" + (f" (source: {c.source})" if c.source else ""))
        for c in TABLES[table].columns
    ])


def table_metadata(table: str) -> dict:
    return {"dagster/column_schema": column_schema(table), "dagster/table_name": table}


def description(table: str) -> str:
    return TABLES[table].description
