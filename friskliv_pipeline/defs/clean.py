"""Clean layer: typed responses, projects after resubmissions, competence building, bridges.

The cleaning rules run once per grant year in the staging step (``defs/stage.py``) on the raw
frame it has just read; each table is its own asset in the UI so an analyst can follow a column
from raw_responses to the marts. The tables are STAGED (``staging/<table>``): the checks judge
them, and only a run that passes its blocking checks publishes them (defs/published.py).
"""


from dagster import AssetSpec, MetadataValue

from friskliv_pipeline.defs.metadata import OWNERS, clean_table_metadata, description
from friskliv_pipeline.cleaning.clean_tables import CLEAN_TABLES
from friskliv_pipeline.warehouse.staging import staged_key


def clean_specs() -> list[AssetSpec]:
    """One asset per clean table, downstream of the staged raw table and the registers it is matched against."""
    return [AssetSpec(staged_key(t), group_name="clean", deps=[staged_key("raw_responses"), "counties", "municipalities"],
                      owners=OWNERS,
                      kinds={"pandas"}, description=f"Staged (checked before publication): {description(t)}",
                      metadata=clean_table_metadata(t, staged_key("raw_responses"))
                      ).with_io_manager_key("warehouse_io_manager")
            for t in CLEAN_TABLES]


def clean_tables(log, raw, form, counties, municipalities):
    """Apply the cleaning rules of friskliv_pipeline.cleaning to one grant year; returns the tables
    and each table's materialization metadata."""
    from friskliv_pipeline.cleaning.clean_tables import clean_partition

    tables = clean_partition(raw, form, counties, municipalities)
    issues = tables["cleaning_issues"]
    if len(issues):
        log.info(f"{len(issues)} cleaning issues: " + ", ".join(
            f"{rule} ×{n}" for rule, n in issues["rule"].value_counts().items()))
    metadata = {name: {"rows": len(tables[name])} for name in CLEAN_TABLES}
    metadata["cleaning_issues"]["issues_by_rule"] = MetadataValue.json(issues["rule"].value_counts().to_dict())
    metadata["projects"]["row_accounting"] = MetadataValue.json({
        "raw_responses": len(raw), "projects": len(tables["projects"]),
        "superseded": len(tables["superseded_responses"]), "set_aside": len(tables["set_aside_responses"]),
    })
    return tables, metadata
