"""Clean layer: typed responses, projects after resubmissions, competence building, bridges.

One multi-asset runs the cleaning rules once per grant year; each table is its own asset in the
UI so an analyst can follow a column from raw_responses to the marts. The tables are STAGED
(``staging/<table>``): the checks judge them, and only a run that passes its blocking checks
publishes them (defs/published.py).
"""


from dagster import AssetExecutionContext, AssetIn, AssetOut, MetadataValue, Output, multi_asset

from friskliv_pipeline.cleaning.clean_tables import CLEAN_TABLES, clean_partition
from friskliv_pipeline.asset_metadata import OWNERS, clean_table_metadata, description
from friskliv_pipeline.defs.partitions import grant_year_of, grant_year_partitions
from friskliv_pipeline.defs.resources import FrisklivResource
from friskliv_pipeline.staging import staged_key
from friskliv_pipeline.forms.schema import load_form_schema


@multi_asset(
    name="clean_tables",
    outs={t: AssetOut(key=staged_key(t), group_name="clean", io_manager_key="warehouse_io_manager",
                      description=f"Staged (checked before publication): {description(t)}",
                      metadata=clean_table_metadata(t, staged_key("raw_responses")), kinds={"pandas"}, owners=OWNERS)
          for t in CLEAN_TABLES},
    ins={"raw_responses": AssetIn(key=staged_key("raw_responses")), "counties": AssetIn(),
         "municipalities": AssetIn()},
    partitions_def=grant_year_partitions,
)
def clean_tables(context: AssetExecutionContext, friskliv: FrisklivResource, raw_responses, counties, municipalities):
    """Apply the cleaning rules of friskliv_pipeline.cleaning to one grant year (staged, not yet published)."""
    grant_year = grant_year_of(context.partition_key)
    form = load_form_schema(friskliv.settings().reference_dir, grant_year)
    tables = clean_partition(raw_responses, form, counties, municipalities)
    issues = tables["cleaning_issues"]
    if len(issues):
        context.log.info(f"{len(issues)} cleaning issues: " + ", ".join(
            f"{rule} ×{n}" for rule, n in issues["rule"].value_counts().items()))
    for name in CLEAN_TABLES:
        frame = tables[name]
        metadata = {"rows": len(frame)}
        if name == "cleaning_issues":
            metadata["issues_by_rule"] = MetadataValue.json(issues["rule"].value_counts().to_dict())
        if name == "projects":
            metadata["row_accounting"] = MetadataValue.json({
                "raw_responses": len(raw_responses), "projects": len(frame),
                "superseded": len(tables["superseded_responses"]), "set_aside": len(tables["set_aside_responses"]),
            })
        yield Output(frame, output_name=name, metadata=metadata)
