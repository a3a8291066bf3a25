"""The marts' data tests (each model's ``data_tests:``, dbt's semantics): every generic kind catches the
rows it is about on a real warehouse, a failing test blocks ``sql_marts`` and keeps the previous
marts, and the marts' YAML declares what the report relies on (shares between 0 and 100)."""

from __future__ import annotations

import textwrap

import pytest
import sqlalchemy as sa
from dagster import AssetKey, asset, materialize

from friskliv_pipeline.defs.resources import FrisklivResource
from friskliv_pipeline.sql_models import load_project
from friskliv_pipeline.sql_models.data_tests import project_tests, run_data_tests
from tests.test_marts import build_marts

# One doctored row per generic kind (grant year 2024 of the hand-computed dataset of test_marts.py):
# the SQL that breaks it, and the test (model, name) that must then fail, on exactly that many rows.
DOCTORED = {
    "accepted_range": ("update mart_attainment set pct_with_goal = 101 where grant_year = 2024 and criterion_no = 1",
                       "mart_attainment", "accepted_range_pct_with_goal", 1),
    "not_null": ("update mart_collaboration set label = null where grant_year = 2024 and partner = 'private'",
                 "mart_collaboration", "not_null_label", 1),
    "unique": ("update mart_lead_service set lead_service = 'gp' where grant_year = 2024 and lead_service = 'other'",
               "mart_lead_service", "unique_lead_service", 1),
    "accepted_values": ("update mart_reconciliation set scope = 'regional' where grant_year = 2024 and county = 'Oslo'",
                        "mart_reconciliation", "accepted_values_scope", 1),
    "relationships": ("update mart_county_summary set county = 'Atlantis' where grant_year = 2024 and county = 'Oslo'",
                      "mart_county_summary", "relationships_county", 1),
    "expression_is_true": ("update mart_national_summary set value = 150 where grant_year = 2024 "
                           "and metric = 'pct_intercommunal'", "mart_national_summary", "expression_is_true", 1),
    "unique_combination_of_columns": (
        "insert into mart_target_groups select * from mart_target_groups where grant_year = 2024 and "
        "question_id = 'q15' and target_group = 'risk'", "mart_target_groups", "unique_combination_of_columns", 1),
    "sums_match": ("update mart_attainment set n_ja = n_ja + 1 where grant_year = 2024 and criterion_no = 2",
                   "mart_attainment", "sums_match_n_ja", 1),
}


@pytest.fixture
def hand_marts(warehouse_url):
    build_marts(warehouse_url)
    engine = sa.create_engine(warehouse_url)
    yield engine
    engine.dispose()


def test_the_hand_computed_marts_pass_every_data_test(hand_marts):
    tests = project_tests(load_project())
    assert {t.kind for t in tests} >= set(DOCTORED), "a generic kind the marts declare no test of"
    with hand_marts.connect() as conn:
        for year in (2023, 2024):
            failed = [r.line() for r in run_data_tests(conn, tests, year) if not r.passed]
            assert not failed, failed


@pytest.mark.parametrize("kind", sorted(DOCTORED))
def test_each_generic_test_fails_on_the_row_it_is_about(hand_marts, kind):
    """The one the issue asks for among them: a mart share out of range (accepted_range) fails."""
    doctor, model, name, n_failing = DOCTORED[kind]
    tests = project_tests(load_project())
    with hand_marts.connect() as conn, conn.begin() as transaction:
        conn.execute(sa.text(doctor))
        results = run_data_tests(conn, tests, 2024)
        transaction.rollback()
    failed = {(r.test.model, r.test.name): r for r in results if not r.passed}
    assert (model, name) in failed, f"{model} {name} did not catch: {doctor}"
    result = failed[(model, name)]
    assert result.failures == n_failing and result.sample
    assert result.line().startswith(f"{model} {kind}: ")
    assert result.test.column is None or f"column {result.test.column}: {n_failing} row" in result.line()
    # the doctored row breaks nothing else of another kind than the one meant (the sum a share is part of aside)
    assert {r.test.kind for r in failed.values()} <= {kind, "sums_match"}, [r.line() for r in failed.values()]


SHARE_MODEL = """
select grant_year, {share} * count(*) as pct_of_projects
from {{{{ ref('projects') }}}}
where grant_year = {{{{ grant_year }}}}
group by grant_year
"""
SHARE_YAML = """
version: 2
models:
  - name: mart_share
    description: A share of the projects.
    columns:
      - {name: grant_year, data_type: int, description: Grant year}
      - name: pct_of_projects
        data_type: int
        description: A share
        meta: {lineage: [projects.response_id]}
        data_tests:
          - {accepted_range: {min_value: 0, max_value: 100}}
"""


def _share_project(path, share: int):
    path.mkdir(parents=True)
    (path / "mart_share.sql").write_text(SHARE_MODEL.format(share=share), encoding="utf-8")
    (path / "mart_share.yml").write_text(textwrap.dedent(SHARE_YAML), encoding="utf-8")
    return load_project(path)


def test_a_share_out_of_range_blocks_the_marts_step_and_keeps_the_previous_marts(tmp_path):
    """In Dagster: the data test is a blocking check of sql_marts; when it fails the marts' transaction is
    rolled back (the previous run's rows stay), the step fails naming model, column, test and rows, and
    an asset downstream of the mart (as the report is) does not run."""
    from friskliv_pipeline.defs.marts import _sql_marts
    from tests.test_marts import load_dataset

    url = f"sqlite:///{tmp_path / 'warehouse.sqlite'}"
    load_dataset(url)  # 8 projects in 2024
    resources = {"friskliv": FrisklivResource(warehouse_url=url, data_dir=str(tmp_path / "data"))}
    ran = []

    @asset(deps=[AssetKey("mart_share")], partitions_def=_sql_marts(_share_project(tmp_path / "good", 10)).partitions_def)
    def report_like():
        ran.append(True)

    good = materialize([_sql_marts(_share_project(tmp_path / "good2", 10)), report_like], partition_key="2024",
                       resources=resources)
    assert good.success and ran == [True]
    bad = materialize([_sql_marts(_share_project(tmp_path / "bad", 101)), report_like], partition_key="2024",
                      resources=resources, raise_on_error=False)
    assert not bad.success and ran == [True], "the asset downstream ran on a mart that failed its data test"
    check = next(e for e in bad.get_asset_check_evaluations() if not e.passed)
    assert (check.asset_key, check.check_name) == (AssetKey("mart_share"), "accepted_range_pct_of_projects")
    metadata = {k: getattr(v, "value", v) for k, v in check.metadata.items()}
    assert metadata["failing_rows"] == 1 and metadata["column"] == "pct_of_projects"
    assert metadata["blocking_findings"] == ["column pct_of_projects: 1 row fails (e.g. [{'grant_year': 2024, "
                                             "'pct_of_projects': 808}])"]
    failure = next(e for e in bad.all_events if e.is_step_failure and e.step_key == "sql_marts")
    assert failure.event_specific_data.error.cls_name == "DagsterAssetCheckFailedError"
    assert not [e for e in bad.all_events if e.is_step_materialization and e.step_key == "sql_marts"]
    with sa.create_engine(url).connect() as conn:  # the previous run's rows, not the failing run's
        assert conn.execute(sa.text("select pct_of_projects from mart_share")).scalars().all() == [80]


def test_every_share_is_tested_to_lie_between_0_and_100():
    """Every pct_ column of a mart (the shares the report prints) has accepted_range 0..100, but the
    reconciliation's signed difference; pct_ metrics of the long marts are an expression test."""
    project = load_project()
    for model in project.models.values():
        for column in model.columns:
            if not column.name.startswith("pct_") or column.name == "pct_difference":
                continue
            ranges = [t.arguments for t in model.data_tests if t.column == column.name and t.kind == "accepted_range"]
            assert {"min_value": 0, "max_value": 100} in ranges, f"{model.name}.{column.name}"
        if "metric" in model.column_names and "value" in model.column_names:
            assert any(t.kind == "expression_is_true" and t.where == "metric like 'pct%'"
                       and t.arguments == {"expression": "value between 0 and 100"} for t in model.data_tests), model.name


def test_every_data_test_is_a_blocking_check_of_its_mart():
    from friskliv_pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    project = load_project()
    for test in project_tests(project):
        spec = graph.get_check_spec(next(k for k in graph.asset_check_keys
                                         if k.asset_key == AssetKey(test.model) and k.name == test.name))
        assert spec.blocking, test.title
