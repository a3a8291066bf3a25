"""Staging: one step reads the grant year's exports, cleans them, stages the tables and checks them.

The raw and clean tables (``defs/raw.py``, ``defs/clean.py``) are each an asset of their own in
the UI, with their schemas and column lineage; one multi-asset step builds them all, the way
dagster-dbt runs a project in one step, so the rows are held in memory once: written to the
staged tables, and judged by the suites of ``expectations/`` on the very frames (``defs/checks.py``),
instead of being read back from the warehouse by a step per suite.

When a blocking (ERROR) check fails, the step still writes every staged table and reports every
check, then fails: Dagster runs nothing after it, so nothing of the grant year is published.

"Execute checks" on a staged table in the UI runs this step for the checks alone: it then
materializes nothing and judges the staged rows in the warehouse. A selection of some staged
tables still reads and cleans the whole year (the tables are one cleaning), writes the selected
tables and judges them on the fresh frames; the others keep their earlier staged rows (a warning
says which).
"""

from dagster import AssetExecutionContext, MaterializeResult, multi_asset

from friskliv_pipeline.checks.registry import columns_read, staged_suites
from friskliv_pipeline.cleaning.clean_tables import CLEAN_TABLES
from friskliv_pipeline.core.contract import conform, typed_columns
from friskliv_pipeline.defs.checks import evaluate, selected_suites, staged_check_specs
from friskliv_pipeline.defs.clean import clean_specs, clean_tables
from friskliv_pipeline.defs.partitions import grant_year_of, grant_year_partitions
from friskliv_pipeline.defs.raw import raw_responses, raw_spec
from friskliv_pipeline.defs.resources import FrisklivResource
from friskliv_pipeline.warehouse.staging import STAGED_TABLES, staged_key


def _written(context: AssetExecutionContext, friskliv: FrisklivResource, table: str, grant_year: int, frame,
             metadata: dict) -> MaterializeResult:
    """Stage ``frame`` as the grant year's rows of ``staging_<table>`` (one transaction)."""
    rows = friskliv.warehouse().replace_partition(f"staging_{table}", grant_year, frame)
    return MaterializeResult(asset_key=staged_key(table), metadata={
        **metadata, "dagster/partition_row_count": rows, "dagster/table_name": f"staging_{table}"})


@multi_asset(
    name="stage_grant_year",
    specs=[raw_spec(), *clean_specs()],
    check_specs=staged_check_specs(),
    partitions_def=grant_year_partitions,
    can_subset=True,
)
def stage_grant_year(context: AssetExecutionContext, friskliv: FrisklivResource):
    """Read the grant year's exports, apply the cleaning rules, stage every table, run the suites on them."""
    from friskliv_pipeline.forms.schema import load_form_schema

    checked = selected_suites(context, staged_suites())
    selected = set(context.selected_asset_keys)
    if not selected:  # "Execute checks" alone: judge the staged rows as the warehouse holds them
        yield from evaluate(context, friskliv, checked)
        return
    left = [t for t in STAGED_TABLES if staged_key(t) not in selected]
    if left:  # Dagster's subset semantics: what is not selected keeps its last materialization
        context.log.warning(f"only some staged tables are selected: {', '.join(left)} keep their staged rows of an "
                            "earlier run, and publish_checked_tables publishes those with the rest")
    settings = friskliv.settings()
    grant_year = grant_year_of(context.partition_key)
    form = load_form_schema(settings.reference_dir, grant_year)
    raw, raw_metadata = raw_responses(context.log, settings, form, grant_year)
    if staged_key("raw_responses") in selected:
        yield _written(context, friskliv, "raw_responses", grant_year, raw, raw_metadata)
    warehouse = friskliv.warehouse()
    tables, metadata = clean_tables(context.log, raw, form, warehouse.read("counties", grant_year),
                                    warehouse.read("municipalities", grant_year))
    # typed as the warehouse holds them, once: the suites judge the values written, as they do when
    # "Execute checks" later judges the staged rows read back from the warehouse
    tables = {name: conform(frame, name) for name, frame in tables.items()}
    for table in CLEAN_TABLES:
        if staged_key(table) in selected:
            yield _written(context, friskliv, table, grant_year, tables[table], metadata[table])
    kept = columns_read("raw_responses")  # the checks count raw rows; the export's cells can go
    staged = {"raw_responses": conform(raw, "raw_responses") if kept is None
              else typed_columns(raw[list(kept)], "raw_responses"), **tables}
    del raw, tables
    yield from evaluate(context, friskliv, checked, staged=staged)
