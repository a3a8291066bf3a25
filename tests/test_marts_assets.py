"""The mart assets in Dagster: one per model, lineage from the refs, docs from the YAML."""

from __future__ import annotations

from dagster import AssetKey, TimeWindowPartitionMapping

from friskliv_pipeline.definitions import defs
from friskliv_pipeline.defs.marts import SQL_PROJECT
from friskliv_pipeline.defs.partitions import grant_year_partitions

MARTS = {"mart_attainment", "mart_attainment_by_county", "mart_county_summary", "mart_target_groups",
         "mart_collaboration", "mart_lead_service", "mart_competence_building", "mart_national_summary", "mart_trends",
         "mart_reconciliation"}


def test_one_asset_per_model_with_deps_from_the_refs():
    graph = defs.resolve_asset_graph()
    assert set(SQL_PROJECT.models) == MARTS
    for name, model in SQL_PROJECT.models.items():
        node = graph.get(AssetKey(name))
        assert node.group_name == "marts"
        assert node.partitions_def == grant_year_partitions
        assert node.kinds == {"sql"}
        assert node.parent_keys == {AssetKey(ref) for ref in model.refs}
        assert all(graph.has(AssetKey(ref)) for ref in model.refs), f"{name} refs a table no asset writes"
        assert node.description == model.description
        schema = node.metadata["dagster/column_schema"]
        assert [(c.name, c.type) for c in schema.columns] == [(c.name, c.data_type) for c in model.columns]
        assert all(c.description for c in schema.columns), f"{name}: undocumented column"


def test_lineage_reaches_from_the_raw_export_to_every_mart():
    graph = defs.resolve_asset_graph()
    raw = AssetKey(["staging", "raw_responses"])  # the export as read, before it is checked and published
    for name in MARTS:
        assert raw in graph.get_ancestor_asset_keys(AssetKey(name)), name


def test_trends_depend_on_the_previous_grant_year_too():
    trends = defs.get_assets_def("mart_trends")
    mapping = trends.get_partition_mapping(AssetKey("mart_national_summary"))
    assert isinstance(mapping, TimeWindowPartitionMapping) and mapping.start_offset == -1
    # every other mart reads its own grant year only (Dagster's default, same-partition mapping)
    assert defs.get_assets_def("mart_national_summary").get_partition_mapping(AssetKey("projects")) is None
