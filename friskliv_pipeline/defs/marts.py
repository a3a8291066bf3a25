"""Marts layer: one asset per SQL model in dbt_like_sql/models, all run by one step in dependency order.

As dagster-dbt runs a dbt project (``@dbt_assets``), ``sql_marts`` is one multi-asset step that
runs the selected models in the order of their ``ref()``s; each model stays its own asset in the
UI, with its own description, schema, lineage and code references, and can be materialized alone.

Everything an asset shows is read from the model project, never restated here: its upstream
assets are the model's ``ref()``s (a Python-built table's asset or another mart), in the grant
years its SQL reads (the partition's; mart_trends' also the one before: ``grant_years_mapping``), its
description and column schema come from its YAML (models/<name>.yml), its column lineage from the
SQL itself (sqlglot; the YAML's ``meta: lineage`` only where the SQL reads no column), and its code
references point at the .sql file and the YAML. The runner writes the table itself (DELETE +
INSERT … SELECT of the grant year in one transaction), so these assets return a
MaterializeResult instead of a DataFrame for the I/O manager.

Each ``data_tests:`` entry of a model's YAML is a blocking asset check of its asset, run by this
step on the rows it has just written, inside their transaction (dbt's ``dbt build``: a model,
then its tests). When one fails, the transaction is rolled back (the marts keep the previous
run's rows, all of them), the check fails with the model, column, test and failing rows in its
metadata, and the step fails: the report and everything after it do not run.
"""

import warnings

from dagster import (
    AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetDep, AssetExecutionContext, AssetKey, AssetSpec,
    BetaWarning, MaterializeResult, MetadataValue, PreviewWarning, TableColumn, TableColumnDep, TableColumnLineage,
    TableSchema, TimeWindowPartitionMapping, multi_asset,
)

from friskliv_pipeline.defs.automation import REFRESH_AFTER_UPSTREAM
from friskliv_pipeline.defs.metadata import OWNERS, code_references, line_of
from friskliv_pipeline.defs.partitions import grant_year_of, grant_year_partitions
from friskliv_pipeline.defs.resources import FrisklivResource
from friskliv_pipeline.sql_models import Model, SqlProject, load_project
from friskliv_pipeline.sql_models.compile_tests import compile_test
from friskliv_pipeline.sql_models.data_tests import project_tests
from friskliv_pipeline.sql_models.model import DataTest

def grant_years_mapping(model: Model) -> TimeWindowPartitionMapping | None:
    """The grant years of its refs a model's partition Y reads (its YAML's meta: earlier_grant_years, which
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
    """The model's SQL and its YAML (description, columns, data tests, meta)."""
    yml = model.yaml_path
    return code_references((model.path, f"SQL: {model.path.name}", 1),
                           (yml, f"YAML: {yml.name}", line_of(yml, rf"- name: {model.name}\s*$")))


def _test_code_references(model: Model, test: DataTest) -> dict:
    """The test's column in the model's YAML (the model's entry for a model-level test)."""
    pattern = rf"- name: {test.column}\s*$" if test.column else rf"- name: {model.name}\s*$"
    return code_references((model.yaml_path, f"YAML: {model.yaml_path.name}", line_of(model.yaml_path, pattern)))


def _check_specs(project: SqlProject) -> list[AssetCheckSpec]:
    """One blocking check per data test, on its model's asset, partitioned by grant year (``partitions_def``
    on a check is a preview API in Dagster 1.13, whose warning would otherwise print on every load)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)
        return [AssetCheckSpec(test.name, asset=model.name, blocking=True,
                               description=f"{test.title} (data test; its SQL returns the failing rows)",
                               additional_deps=[AssetKey(r) for r in test.refs if r != model.name],
                               partitions_def=grant_year_partitions,
                               metadata={"sql": MetadataValue.md(f"```sql\n{compile_test(test)}\n```"),
                                         **_test_code_references(model, test)})
                for model in project.models.values() for test in model.data_tests]


def _check_result(result) -> AssetCheckResult:
    test = result.test
    metadata = {"model": test.model, "column": test.column or "", "test": test.kind, "rule": test.kind,
                "failing_rows": result.failures, "sql": MetadataValue.md(f"```sql\n{result.sql}\n```")}
    if not result.passed:  # what `friskliv run` prints when the check blocks the year (operations/run_summary.py)
        metadata["blocking_findings"] = MetadataValue.json([result.finding()])
        metadata["failing_rows_sample"] = MetadataValue.json(result.sample)
    return AssetCheckResult(asset_key=test.model, check_name=test.name, passed=result.passed,
                            severity=AssetCheckSeverity.ERROR, metadata=metadata)


def _static_metadata(project: SqlProject, model: Model) -> dict:
    return {"dagster/column_schema": _column_schema(model), "dagster/table_name": model.name,
            "dagster/column_lineage": _column_lineage(project, model),
            "model_file": MetadataValue.path(str(model.path)), **model_code_references(model)}


def _mart_spec(model: Model, metadata: dict) -> AssetSpec:
    """skippable: a run whose data tests fail materializes no mart (its transaction is rolled back)."""
    return AssetSpec(model.name, group_name="marts", kinds={"sql"}, deps=_deps(model), description=model.description,
                     metadata=metadata, owners=OWNERS, automation_condition=REFRESH_AFTER_UPSTREAM, skippable=True)


def _sql_marts(project: SqlProject):
    static = {m.name: _static_metadata(project, m) for m in project.models.values()}  # built once, at load

    @multi_asset(name="sql_marts", specs=[_mart_spec(m, static[m.name]) for m in project.models.values()],
                 check_specs=_check_specs(project), partitions_def=grant_year_partitions, can_subset=True)
    def sql_marts(context: AssetExecutionContext, friskliv: FrisklivResource):
        """Run the selected SQL models for the grant year, in dependency order (DELETE + INSERT … SELECT each),
        then their data tests, all in one transaction: the year's marts are all this run's (every test
        passed) or all the previous run's."""
        from friskliv_pipeline.sql_models.data_tests import run_data_tests
        from friskliv_pipeline.sql_models.materialize import materialize_together

        engine = friskliv.warehouse().engine
        grant_year = grant_year_of(context.partition_key)
        selected = {key.to_user_string() for key in context.selected_asset_keys}
        models = [m for m in project.models.values() if m.name in selected]  # dependency order
        checks = {(key.asset_key.to_user_string(), key.name) for key in context.selected_asset_check_keys}
        tests = [t for t in project_tests(project) if (t.model, t.name) in checks]
        results = []

        def audit(conn) -> bool:
            results.extend(run_data_tests(conn, tests, grant_year))
            return all(r.passed for r in results)

        written = materialize_together(engine, models, grant_year, audit)
        if written is None:
            failed = [r.line() for r in results if not r.passed]
            context.log.error(f"grant year {grant_year}: {len(failed)} data test(s) of the marts failed; the "
                              "marts keep the previous run's rows:\n" + "\n".join(failed))
        for model in models if written is not None else []:
            yield MaterializeResult(asset_key=model.name, metadata={
                "dagster/partition_row_count": written[model.name], "dagster/table_name": model.name,
                "dagster/column_schema": static[model.name]["dagster/column_schema"],
                "dagster/column_lineage": static[model.name]["dagster/column_lineage"],
            })
        for result in results:
            yield _check_result(result)

    return sql_marts


SQL_PROJECT = load_project()
sql_marts = _sql_marts(SQL_PROJECT)
