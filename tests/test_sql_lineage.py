"""Column lineage of the marts is read from their SQL; schema.yml may only fill in what the SQL cannot show."""

from __future__ import annotations

import pytest

from friskliv_pipeline.sql_models import load_project
from friskliv_pipeline.sql_models.lineage import disagreements, sql_lineage
from tests.test_sql_runner import GOOD_SCHEMA, PER_COUNTY, write_project

PROJECT = load_project()


@pytest.mark.parametrize("name", list(PROJECT.models))
def test_declared_lineage_agrees_with_the_sql(name):
    """The test the issue asks for: fails when schema.yml's `lineage:` and the SQL disagree."""
    model = PROJECT.models[name]
    assert sql_lineage(model, PROJECT.models), f"sqlglot could not read {model.path}"
    assert disagreements(model, PROJECT.models) == []


def test_a_declaration_that_contradicts_the_sql_is_reported(tmp_path):
    wrong = GOOD_SCHEMA.format(name="mart_per_county").replace(
        "      - name: county\n", "      - name: county\n        lineage: [projects.municipality]\n")
    project = load_project(write_project(tmp_path, {"mart_per_county": PER_COUNTY}, wrong))
    model = project.models["mart_per_county"]
    [line] = disagreements(model, project.models)
    assert "mart_per_county.county" in line and "projects.municipality" in line and "projects.county" in line


def test_lineage_follows_expressions_through_ctes_not_filters():
    """mart_collaboration.pct_of_collaborative reads the q21 flags (through a CASE in a CTE) and
    is_collaborative (the base); the hand-kept YAML used to declare nothing for it."""
    lineage = PROJECT.column_lineage(PROJECT.models["mart_collaboration"])
    assert ("projects", "is_collaborative") in lineage["pct_of_collaborative"]
    assert {c for t, c in lineage["pct_of_collaborative"] if c.startswith("collab_")} == {
        "collab_frisklivssentral", "collab_health_station", "collab_other_municipal", "collab_user_org",
        "collab_volunteer_org", "collab_private", "collab_specialist"}
    # grant_year filters every input but is no input of n_projects
    assert ("projects", "grant_year") not in lineage["n_projects"]


def test_percentages_trace_to_both_counts():
    lineage = PROJECT.column_lineage(PROJECT.models["mart_attainment"])
    assert lineage["pct_with_goal"] == [("mart_attainment_by_county", "n_projects"),
                                        ("mart_attainment_by_county", "n_with_goal")]


def test_yaml_fills_in_only_columns_the_sql_traces_to_nothing():
    model = PROJECT.models["mart_county_summary"]
    assert "n_projects" not in sql_lineage(model, PROJECT.models)  # count(*) reads no column
    assert PROJECT.column_lineage(model)["n_projects"] == [("projects", "response_id")]
