"""The mart assets in Dagster: one per model, lineage from the refs, docs from the YAML."""

from __future__ import annotations

from dagster import AssetKey, TimeWindowPartitionMapping

from friskliv_pipeline.definitions import defs
from friskliv_pipeline.defs.marts import SQL_PROJECT
from friskliv_pipeline.defs.partitions import grant_year_partitions

from friskliv_pipeline.report.data import MARTS
from friskliv_pipeline.report.labels import answer_columns, column_headers, mart_sheets
from friskliv_pipeline.sql_models.project import MODELS_DIR

# The marts are the SQL project's models; one that silently vanished (its .sql or .yml gone or
# unreadable) would leave a .sql or a .yml on disk that the project does not list.
ON_DISK = {p.stem for p in MODELS_DIR.glob("*.sql")} | {p.stem for p in MODELS_DIR.glob("*.yml")}


def test_one_asset_per_model_with_deps_from_the_refs():
    graph = defs.resolve_asset_graph()
    assert set(SQL_PROJECT.models) == set(MARTS) == ON_DISK
    assert len(MARTS) >= 10  # the ten marts of the 2024 report at least
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


def test_one_yaml_per_model_and_norwegian_names_beside_the_declarations():
    """dbt's layout: models/<name>.yml declares <name> alone; every column has its Norwegian header
    (one per column name: a name means the same in every mart) and every mart its sheet. An attainment
    answer's count column is named by the questionnaire's label of the answer, never in the YAML too."""
    answers = dict(answer_columns())
    headers: dict[str, set[str]] = {}
    for name, model in SQL_PROJECT.models.items():
        assert model.yaml_path == MODELS_DIR / f"{name}.yml"
        for column in model.columns:
            if column.name in answers:
                assert "header_nb" not in column.meta, f"{name}.{column.name}: the questionnaire names it"
                headers.setdefault(column.name, set()).add(answers[column.name])
                continue
            assert column.meta.get("header_nb"), f"{name}.{column.name}: no meta: header_nb"
            headers.setdefault(column.name, set()).add(column.meta["header_nb"])
    assert {c: h for c, h in headers.items() if len(h) > 1} == {}
    assert set(column_headers()) == set(headers)
    assert {column_headers()[c] for c in answers} == {"Ja", "Delvis", "Nei", "Ikke aktuelt"}
    assert list(mart_sheets()) and set(mart_sheets()) == set(MARTS)
