"""The checks in the real Dagster job, on SQLite and PostgreSQL: audit trail, blocking, Data Docs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from dagster import AssetIn, AssetSelection, Definitions, MaterializeResult, asset, define_asset_job

from friskliv_pipeline.checks.audit import counties_over_competence_cap
from friskliv_pipeline.checks.suites import all_rules
from friskliv_pipeline.defs.partitions import grant_year_partitions
from friskliv_pipeline.forms.schema import load_form_schema, normalize_header
from friskliv_pipeline.warehouse import Warehouse
from tests.conftest import REFERENCE_DIR
from tests.test_checks_rules import PLANTED_FINDINGS

pytestmark = pytest.mark.slow

N_RULES = len(all_rules())
ERROR_RULES = {"q01.county_required", "q01.county_in_structure", "accounting.row_accounting"}


def _audit(url: str, table: str, grant_year: int) -> pd.DataFrame:
    warehouse = Warehouse(url)
    frame = warehouse.read(table, grant_year)
    warehouse.engine.dispose()
    return frame


def _planted(year: int, projects: pd.DataFrame) -> set[tuple]:
    """(rule, county) of the planted findings, and (rule, county, response) of every attestation."""
    big = projects[projects["grant_amount_nok"].fillna(0) >= 200_000]
    attestation = {("regelverk6.revisor_attestation", c, r) for c, r in zip(big["county"], big["response_id"])}
    return set().union(*PLANTED_FINDINGS[year].values()), attestation


def test_demo_runs_audit_only_the_planted_findings(pipeline_env, warehouse_url, run_year, tmp_path):
    pipeline_env(warehouse_url)
    runs = {year: run_year(year) for year in (2023, 2024)}
    for year, result in runs.items():
        assert result.success
        checks = _audit(warehouse_url, "audit_check_results", year)
        assert len(checks) == N_RULES and set(checks["run_id"]) == {result.run_id}
        errors = checks[checks["severity"] == "ERROR"]
        assert set(errors["check_name"]) == ERROR_RULES and errors["passed"].all()
        findings = _audit(warehouse_url, "audit_findings", year)
        projects = Warehouse(warehouse_url).read("projects", year)
        planted, attestation = _planted(year, projects)
        others = findings[findings["rule"] != "regelverk6.revisor_attestation"]
        assert set(zip(others["rule"], others["county"])) == planted - {("regelverk6.revisor_attestation", "Oslo")}
        got = findings[findings["rule"] == "regelverk6.revisor_attestation"]
        assert set(zip(got["rule"], got["county"], got["response_id"])) == attestation
        assert (findings["severity"] == "WARN").all() and set(findings["run_id"]) == {result.run_id}
        failed = set(checks.loc[~checks["passed"], "check_name"])
        assert failed == set(findings["rule"])

    # What the auditor sees in the Dagster UI for one check.
    evaluation = next(e for e in runs[2024].get_asset_check_evaluations()
                      if e.check_name == "regelverk5_evaluation_plan")
    assert not evaluation.passed and evaluation.severity.value == "WARN"
    md = evaluation.metadata
    assert md["observed"].value == "1 of 115 rows: 540 000"
    assert md["expected"].value == "grant_amount_nok ≤ 500 000"
    assert md["unexpected_count"].value == 1
    assert "evaluation plan required: grant 540 000 kr > 500 000 kr" in md["offending_records"].value
    run_dir = tmp_path / "data" / "validation" / "2024" / runs[2024].run_id
    assert Path(md["data_docs"].value) == run_dir / "data_docs" / "index.html"
    assert Path(md["full_result"].value) == run_dir / "results" / "projects.json"
    index = (run_dir / "data_docs" / "index.html").read_text(encoding="utf-8")
    for suite in ("projects", "competence_building", "allocations", "responses", "project_attainment"):
        assert f"validations/{suite}/" in index
    result_json = json.loads((run_dir / "results" / "projects.json").read_text(encoding="utf-8"))
    assert result_json["meta"]["run_id"]["run_name"] == runs[2024].run_id


def _recheck_job(defs: Definitions, asset_key: str):
    """A job that runs only the checks of one table (as 'Execute checks' does in the UI)."""
    job = define_asset_job("recheck", selection=AssetSelection.checks_for_assets(asset_key))
    return Definitions(assets=list(defs.assets), asset_checks=list(defs.asset_checks), jobs=[job],
                       resources=defs.resources, executor=defs.executor).resolve_job_def("recheck")


def test_which_counties_exceeded_the_cap_is_one_query(pipeline_env, warehouse_url, run_year, dagster_instance):
    from friskliv_pipeline.definitions import defs

    pipeline_env(warehouse_url)
    first = run_year(2024)
    warehouse = Warehouse(warehouse_url)
    assert counties_over_competence_cap(warehouse, 2024) == []

    competence = warehouse.read("competence_building", 2024)
    for county, extra in (("Oslo", 25_000), ("Vestland", 40_000)):
        i = competence.index[competence["county"] == county][0]
        competence.loc[i, "external_courses_nok"] = extra
        competence.loc[i, "parts_sum_nok"] += extra
        competence.loc[i, "competence_total_nok"] += extra
    warehouse.replace_partition("competence_building", 2024, competence)
    # A checks-only job has no asset to take its partitioning from: the run carries the partition tag.
    recheck = _recheck_job(defs, "competence_building").execute_in_process(
        tags={"dagster/partition": "2024"}, instance=dagster_instance)
    assert recheck.success  # a cap breach is a WARN: recorded, never a failed run

    assert counties_over_competence_cap(warehouse, 2024) == ["Oslo", "Vestland"]
    with warehouse.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT county, message FROM audit_findings WHERE grant_year = 2024 "
            "AND rule = 'regelverk5B.competence_cap' ORDER BY county")).all()
    assert [tuple(r) for r in rows] == [
        ("Oslo", "Oslo used 120 000 kr on competence building, above the 100 000 kr cap"),
        ("Vestland", "Vestland used 112 000 kr on competence building, above the 100 000 kr cap")]
    # Only the rechecked table's rows were replaced; the other checks keep the first run's rows.
    checks = _audit(warehouse_url, "audit_check_results", 2024)
    assert len(checks) == N_RULES
    by_asset = checks.groupby("asset")["run_id"].agg(set)
    assert by_asset["competence_building"] == {recheck.run_id}
    assert all(ids == {first.run_id} for asset_, ids in by_asset.items() if asset_ != "competence_building")
    warehouse.engine.dispose()


def _plant_unknown_county(landing: Path, county_from: str, county_to: str) -> None:
    """Rewrite one project's q01 in the 2024 demo workbook (a county that is not in 2024's structure)."""
    from openpyxl import load_workbook

    form = load_form_schema(REFERENCE_DIR, 2024)
    path = next((landing / "2024").glob("*.xlsx"))
    wb = load_workbook(path)
    ws = wb.active
    headers = [normalize_header(c.value or "") for c in ws[1]]
    q01 = headers.index(normalize_header(form.question("q01").header)) + 1
    q02 = headers.index(normalize_header(form.question("q02").header)) + 1
    q13 = next(i for i, h in enumerate(headers, 1) if h.startswith(normalize_header("Prosjekttittel")))
    rows = [r for r in range(2, ws.max_row + 1) if ws.cell(r, q01).value == county_from and ws.cell(r, q13).value]
    titles = [str(ws.cell(r, q13).value).strip(" .").casefold() for r in rows]
    # A project response without the competence section (q02 = Ja) and not resubmitted.
    row = next(r for r, t in zip(rows, titles) if titles.count(t) == 1 and ws.cell(r, q02).value == "Ja")
    ws.cell(row, q01).value = county_to
    wb.save(path)


def test_an_error_blocks_downstream_assets_and_a_warn_does_not(pipeline_env, dagster_instance, tmp_path):
    from friskliv_pipeline.definitions import defs

    @asset(partitions_def=grant_year_partitions, ins={"projects": AssetIn()})
    def projects_per_county(projects: pd.DataFrame) -> MaterializeResult:
        """A stand-in for a mart downstream of projects."""
        return MaterializeResult(metadata={"counties": int(projects["county"].nunique())})

    @asset(partitions_def=grant_year_partitions, ins={"project_attainment": AssetIn()})
    def attainment_per_county(project_attainment: pd.DataFrame) -> MaterializeResult:
        """A stand-in for a mart downstream of project_attainment."""
        return MaterializeResult(metadata={"rows": len(project_attainment)})

    marts = AssetSelection.assets(projects_per_county, attainment_per_county)
    job = define_asset_job("with_marts", selection=marts.upstream().required_multi_asset_neighbors())
    with_marts = Definitions(assets=[*defs.assets, projects_per_county, attainment_per_county],
                             asset_checks=list(defs.asset_checks), jobs=[job], resources=defs.resources,
                             executor=defs.executor)
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    pipeline_env(url)
    stand_ins = {"projects_per_county", "attainment_per_county"}

    def materialized(result) -> set[str]:
        return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}

    warn_only = with_marts.resolve_job_def("with_marts").execute_in_process(partition_key="2024",
                                                                            instance=dagster_instance)
    assert warn_only.success and stand_ins <= materialized(warn_only)
    assert any(not e.passed for e in warn_only.get_asset_check_evaluations())  # the planted WARN findings

    _plant_unknown_county(tmp_path / "landing", "Akershus", "Viken")
    blocked = with_marts.resolve_job_def("with_marts").execute_in_process(
        partition_key="2024", instance=dagster_instance, raise_on_error=False)
    assert not blocked.success
    assert {"projects", "project_attainment"} <= materialized(blocked)
    assert not stand_ins & materialized(blocked)
    failed = {(e.asset_key.to_user_string(), e.check_name, e.severity.value)
              for e in blocked.get_asset_check_evaluations() if not e.passed}
    assert {("projects", "q01_county_in_structure", "ERROR"),
            ("project_attainment", "q01_county_in_structure", "ERROR")} <= failed
    findings = _audit(url, "audit_findings", 2024)
    hit = findings[(findings["rule"] == "q01.county_in_structure") & (findings["asset"] == "projects")]
    assert list(zip(hit["severity"], hit["county"], hit["message"])) == [
        ("ERROR", "Viken", "'Viken' is not a county of the 2024 county structure")]
    # The WARN rules of the same run were still recorded.
    checks = _audit(url, "audit_check_results", 2024)
    assert set(checks.loc[checks["asset"] == "projects", "run_id"]) == {blocked.run_id}


def test_rerun_replaces_the_years_audit_rows(pipeline_env, run_year, tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    pipeline_env(url)
    first_2023 = run_year(2023)
    run_year(2024)
    before = _audit(url, "audit_findings", 2024)
    second = run_year(2024)
    after = _audit(url, "audit_findings", 2024)
    checks = _audit(url, "audit_check_results", 2024)
    assert len(checks) == N_RULES and set(checks["run_id"]) == {second.run_id}
    columns = ["asset", "rule", "severity", "county", "municipality", "project_title", "response_id", "message"]
    pd.testing.assert_frame_equal(before[columns].sort_values(columns).reset_index(drop=True),
                                  after[columns].sort_values(columns).reset_index(drop=True))
    assert set(after["run_id"]) == {second.run_id}
    assert set(_audit(url, "audit_check_results", 2023)["run_id"]) == {first_2023.run_id}
