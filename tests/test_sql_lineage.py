"""Column lineage of the marts is read from their SQL; the model's YAML (meta: lineage) may only fill in what the SQL cannot show."""

from __future__ import annotations

import dataclasses
import json

import pytest

from friskliv_pipeline.sql_models import load_project
from friskliv_pipeline.sql_models.lineage import (
    derived_file_content, disagreements, lineage_file, sql_lineage, write_lineage_file,
)
from tests.test_sql_runner import GOOD_SCHEMA, PER_COUNTY, write_project

PROJECT = load_project()


@pytest.mark.parametrize("name", list(PROJECT.models))
def test_declared_lineage_agrees_with_the_sql(name):
    """The test the issue asks for: fails when the YAML's `meta: lineage` and the SQL disagree."""
    model = PROJECT.models[name]
    assert sql_lineage(model, PROJECT.models), f"sqlglot could not read {model.path}"
    assert disagreements(model, PROJECT.models) == []


def test_a_declaration_that_contradicts_the_sql_is_reported(tmp_path):
    wrong = GOOD_SCHEMA.format(name="mart_per_county").replace(
        "      - name: county\n", "      - name: county\n        meta: {lineage: [projects.municipality]}\n")
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


def test_the_stored_lineage_is_what_sqlglot_derives_now():
    """dbt_like_sql/column_lineage.json (read when the code location loads) equals a fresh
    derivation of every model's SQL: `friskliv docs` regenerates it."""
    path, current = write_lineage_file(load_project().models, check=True)
    assert current, f"{path} is out of date: run `friskliv docs`"
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert set(stored) == set(PROJECT.models)


def test_a_changed_model_is_read_again_not_taken_from_the_stored_file():
    model = PROJECT.models["mart_collaboration"]
    stored = json.loads(lineage_file(model).read_text(encoding="utf-8"))[model.name]["lineage"]
    assert "projects.collab_private" in stored["pct_of_collaborative"]
    # the same file, the SQL edited: the private partner no longer counts
    edited = dataclasses.replace(model, template=model.template.replace(
        "when 'private' then collab_private", "when 'private' then false"))
    lineage = sql_lineage(edited, PROJECT.models)
    assert ("projects", "collab_private") not in lineage["pct_of_collaborative"]
    assert ("projects", "collab_specialist") in lineage["pct_of_collaborative"]


def test_the_stored_file_is_generated_from_the_models(tmp_path):
    project = load_project(write_project(tmp_path, {"mart_per_county": PER_COUNTY},
                                         GOOD_SCHEMA.format(name="mart_per_county")))
    entry = json.loads(derived_file_content(project.models))["mart_per_county"]
    assert len(entry["digest"]) == 64
    assert entry["lineage"]["county"] == ["projects.county"]
