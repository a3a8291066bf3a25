"""Marts layer: one asset per SQL model in dbt_like_sql/models, all run by one step in dependency order.

As dagster-dbt runs a dbt project (``@dbt_assets``), ``sql_marts`` is one multi-asset step that
runs the selected models in the order of their ``ref()``s; each model stays its own asset in the
UI, with its own description, schema, lineage and code references, and can be materialized alone.

Everything an asset shows is read from the model project, never restated here: its upstream
assets are the model's ``ref()``s (a Python-built table's asset or another mart), in the grant
years its SQL reads (the partition's; mart_trends' also the one before: ``grant_years_mapping``), its
description and column schema come from schema.yml, its column lineage from the SQL itself
(sqlglot; schema.yml's ``lineage`` only where the SQL reads no column), and its code references
point at the .sql file and the model's entry in schema.yml. The runner writes the table itself
(DELETE + INSERT … SELECT of the grant year in one transaction), so these assets return a
MaterializeResult instead of a DataFrame for the I/O manager.
"""

import warnings

from dagster import (
    AssetDep, AssetExecutionContext, AssetKey, AssetSpec, BetaWarning, MaterializeResult, MetadataValue, TableColumn,
    TableColumnDep, TableColumnLineage, TableSchema, TimeWindowPartitionMapping, multi_asset,
)

from friskliv_pipeline.defs.automation import REFRESH_AFTER_UPSTREAM
from friskliv_pipeline.defs.metadata import OWNERS, code_references, line_of
from friskliv_pipeline.defs.partitions import grant_year_of, grant_year_partitions
from friskliv_pipeline.defs.resources import FrisklivResource
from friskliv_pipeline.sql_models import Model, SqlProject, load_project
from friskliv_pipeline.sql_models.project import SCHEMA_FILE

def grant_years_mapping(model: Model) -> TimeWindowPartitionMapping | None:
    """The grant years of its refs a model's partition Y reads (schema.yml's earlier_grant_years, which
    is also all the runner lets its SQL see): Y alone (Dagster's default mapping), or Y-n .. Y
    (mart_trends: Y-1 and Y; nothing before the first grant year, hence allow_nonexistent, a beta flag
    in Dagster 1.13 whose warning would otherwise print on every load of the code location)."""
    if not model.earlier_grant_years:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        return TimeWindowPartitionMapping(start_offset=-model.earlier_grant_years, end_offset=0,
                                          allow_nonexistent_upstream_partitions=True)


def _deps(model: Model) -> list[AssetDep]:
    return [AssetDep(AssetKey(ref), partition_mapping=grant_years_mapping(model)) for ref in model.refs]


def _column_schema(model: Model) -> TableSchema:
    return TableSchema(columns=[TableColumn(c.name, c.data_type, description=c.description) for c in model.columns])


def _column_lineage(project: SqlProject, model: Model) -> TableColumnLineage:
    return TableColumnLineage(deps_by_column={
        column: [TableColumnDep(asset_key=AssetKey(table), column_name=upstream) for table, upstream in deps]
        for column, deps in project.column_lineage(model).items()})


def model_code_references(model: Model) -> dict:
    """The model's SQL and its entry in schema.yml (description, columns, lineage overrides)."""
    schema = model.path.parent / SCHEMA_FILE
    return code_references((model.path, f"SQL: {model.path.name}", 1),
                           (schema, f"schema.yml: {model.name}", line_of(schema, rf"- name: {model.name}\s*$")))


def _static_metadata(project: SqlProject, model: Model) -> dict:
    return {"dagster/column_schema": _column_schema(model), "dagster/table_name": model.name,
            "dagster/column_lineage": _column_lineage(project, model),
            "model_file": MetadataValue.path(str(model.path)), **model_code_references(model)}


def _mart_spec(model: Model, metadata: dict) -> AssetSpec:
    return AssetSpec(model.name, group_name="marts", kinds={"sql"}, deps=_deps(model), description=model.description,
                     metadata=metadata, owners=OWNERS, automation_condition=REFRESH_AFTER_UPSTREAM)


def _sql_marts(project: SqlProject):
    static = {m.name: _static_metadata(project, m) for m in project.models.values()}  # built once, at load

    @multi_asset(name="sql_marts", specs=[_mart_spec(m, static[m.name]) for m in project.models.values()],
                 partitions_def=grant_year_partitions, can_subset=True)
    def sql_marts(context: AssetExecutionContext, friskliv: FrisklivResource):
        """Run the selected SQL models for the grant year, in dependency order (DELETE + INSERT … SELECT each),
        all in one transaction: the year's marts are all this run's or all the previous run's."""
        from friskliv_pipeline.sql_models.materialize import materialize_together

        engine = friskliv.warehouse().engine
        grant_year = grant_year_of(context.partition_key)
        selected = {key.to_user_string() for key in context.selected_asset_keys}
        models = [m for m in project.models.values() if m.name in selected]  # dependency order
        written = materialize_together(engine, models, grant_year)
        for model in models:
            yield MaterializeResult(asset_key=model.name, metadata={
                "dagster/partition_row_count": written[model.name], "dagster/table_name": model.name,
                "dagster/column_schema": static[model.name]["dagster/column_schema"],
                "dagster/column_lineage": static[model.name]["dagster/column_lineage"],
            })

    return sql_marts


SQL_PROJECT = load_project()
sql_marts = _sql_marts(SQL_PROJECT)
