"""The checks in the real Dagster job, on SQLite and PostgreSQL: audit trail, blocking, Data Docs.

The checks judge the run's staged tables (``staging/<table>``); the audit tables hold the last
run whose checks completed; the GX project under ``<data_dir>/validation/gx`` keeps every run.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from dagster import (
    AssetCheckKey, AssetIn, AssetKey, AssetSelection, Definitions, MaterializeResult, asset, define_asset_job,
)

from friskliv_pipeline.checks.audit import counties_over_competence_cap
from friskliv_pipeline.checks.gx_runner import STORED_ROWS
from friskliv_pipeline.checks.registry import declared_inputs
from friskliv_pipeline.checks.suites import all_rules, suites
from friskliv_pipeline.defs.partitions import grant_year_partitions
from friskliv_pipeline.warehouse.staging import staged_key, table_key
from friskliv_pipeline.forms.schema import load_form_schema, normalize_header
from friskliv_pipeline.warehouse.database import Warehouse
from tests.conftest import REFERENCE_DIR, check_evaluations
from tests.test_checks_rules import FOLLOW_UP_RULES, PLANTED_FINDINGS, _is_allocation_rule

pytestmark = pytest.mark.slow

N_RULES = len(all_rules())
ERROR_RULES = {"q01.county_required", "q01.county_in_structure", "accounting.row_accounting"}


def _audit(url: str, table: str, grant_year: int) -> pd.DataFrame:
    warehouse = Warehouse(url)
    frame = warehouse.read(table, grant_year)
    warehouse.engine.dispose()
    return frame


def _planted(year: int, projects: pd.DataFrame) -> tuple[set, set]:
    """(rule, county) of the planted breaches a run with illustrative allocations finds, and
    (rule, county, response) of every follow-up entry for revisor attestation."""
    big = projects[projects["grant_amount_nok"].fillna(0) >= 200_000]
    attestation = {("regelverk6.revisor_attestation", c, r) for c, r in zip(big["county"], big["response_id"])}
    planted = {f for f in set().union(*PLANTED_FINDINGS[year].values())
               if f[0] not in FOLLOW_UP_RULES and not _is_allocation_rule(f[0])}
    return planted, attestation


def test_each_check_depends_on_every_table_its_suite_reads():
    """In the UI a check's upstream assets are the tables its suite's frame reads (its builder's
    @reads): the guarded table staged, the others staged or published as the run reads them."""
    from friskliv_pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    for suite, inputs in declared_inputs().items():
        expected = {table_key(suite), *(table_key(t) for t in inputs.depends_on)}
        for rule in suites()[suite].rules:
            assert graph.get(AssetCheckKey(table_key(suite), rule.check_name)).parent_entity_keys == expected, rule
    projects = graph.get(AssetCheckKey(staged_key("projects"), "q01_county_required")).parent_entity_keys
    assert projects == {AssetKey("counties"), AssetKey("municipalities"), *map(staged_key, (
        "projects", "cleaning_issues", "project_attainment", "project_municipalities", "raw_responses",
        "superseded_responses", "set_aside_responses"))}
    # the staged tables' suites run in the step that stages them; the allocations suite after it
    stage = defs.resolve_assets_def(staged_key("projects"))
    assert stage.node_def.name == "stage_grant_year"
    later = {"allocations", "grant_totals"}  # reference tables judged against the year's staged spending
    assert {key.asset_key for key in stage.check_keys} == {table_key(s) for s in suites() if s not in later}
    steps = {n.name for n in defs.resolve_job_def("friskliv_yearly").nodes if n.name.endswith("_checks")}
    assert steps == {f"{s}_checks" for s in later}
    # every check is partitioned by grant year, as the table it guards
    for key in graph.asset_check_keys:
        if key.asset_key.path[0] == "staging" or key.asset_key in {AssetKey(s) for s in later}:
            assert graph.get(key).partitions_def == graph.get(key.asset_key).partitions_def, key


def test_demo_runs_audit_only_the_planted_findings(demo_warehouse):
    warehouse_url, run_ids = demo_warehouse["url"], demo_warehouse["run_ids"]  # both runs succeeded
    for year, run_id in run_ids.items():
        checks = _audit(warehouse_url, "audit_check_results", year)
        assert len(checks) == N_RULES and set(checks["run_id"]) == {run_id}
        errors = checks[checks["severity"] == "ERROR"]
        assert set(errors["check_name"]) == ERROR_RULES and errors["passed"].all()
        records = _audit(warehouse_url, "audit_findings", year)
        assert set(records["run_id"]) == {run_id}
        findings = records[records["kind"] == "breach"]
        projects = Warehouse(warehouse_url).read("projects", year)
        planted, attestation = _planted(year, projects)
        others = findings[findings["rule"] != "q37.project_report_delivered"]
        assert set(zip(others["rule"], others["county"])) == planted
        assert (findings["severity"] == "WARN").all()
        q37 = findings[findings["rule"] == "q37.project_report_delivered"]
        assert len(q37) == int(projects["project_report_delivered"].eq(False).sum()) > 0
        follow_up = records[records["kind"] == "follow_up"]
        got = follow_up[follow_up["rule"] == "regelverk6.revisor_attestation"]
        assert set(zip(got["rule"], got["county"], got["response_id"])) == attestation
        assert (follow_up["severity"] == "INFO").all() and follow_up["sheet_row"].notna().all()
        failed = set(checks.loc[checks["passed"].eq(False).fillna(False).astype(bool), "check_name"])
        assert failed == set(findings["rule"]) == set(checks.loc[checks["status"] == "failed", "check_name"])
        # illustrative allocations and a missing history: not evaluated, with the reason, no findings
        not_evaluated = checks[checks["status"] == "not_evaluated"]
        illustrative = {r.id for r in suites()["allocations"].rules} | {"regelverk5.max_three_years"}
        if year == 2023:  # the 2023 grant totals are illustrative too: the national reconciliation is not judged
            illustrative |= {r.id for r in suites()["grant_totals"].rules}
        assert set(not_evaluated["check_name"]) == illustrative
        # neither passed nor failed: `WHERE passed = 0` and `WHERE passed = 1` both leave them out
        assert not_evaluated["reason"].str.len().gt(20).all() and not_evaluated["passed"].isna().all()
        assert not_evaluated["n_evaluated"].isna().all() and checks.loc[checks["status"] != "not_evaluated",
                                                                          "n_evaluated"].notna().all()
        assert not set(not_evaluated["check_name"]) & set(records["rule"])

    # What the auditor sees in the Dagster UI for one follow-up check and one breach.
    evaluations = {e.check_name: e for e in check_evaluations(demo_warehouse["instance"], run_ids[2024])}
    evaluation = evaluations["regelverk5_evaluation_plan"]
    assert evaluation.passed and evaluation.asset_key == staged_key("projects")
    md = evaluation.metadata
    assert (md["kind"].value, md["severity"].value, md["status"].value) == ("follow_up", "INFO", "passed")
    assert md["observed"].value == "1 of 115 rows: 540 000"
    assert md["expected"].value == "grant_amount_nok ≤ 500 000"
    assert md["records"].value == 1
    assert "grant 540 000 kr (over 500 000 kr): verify the evaluation plan" in md["follow_up_records"].value
    q37 = evaluations["q37_project_report_delivered"]
    assert not q37.passed and q37.severity.value == "WARN" and q37.metadata["kind"].value == "breach"
    # a rule not evaluated emits no result: Dagster shows the check as skipped, neither passed nor failed
    assert "allocation_over_allocation" not in evaluations and "regelverk5_max_three_years" not in evaluations
    # One GX project for every run and year: its results store and one Data Docs site.
    project = demo_warehouse["data"] / "validation"
    assert Path(md["data_docs"].value) == project / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    result_path = Path(md["gx_result"].value)
    assert result_path.is_relative_to(project / "gx" / "uncommitted" / "validations" / "projects" / run_ids[2024])
    result_json = json.loads(result_path.read_text(encoding="utf-8"))
    assert result_json["meta"]["run_id"]["run_name"] == run_ids[2024]
    # The store keeps GX's counts and the first rows (SUMMARY); the audit tables keep every row.
    stored = {r["expectation_config"]["meta"]["rule"]: r["result"] for r in result_json["results"]}
    q37_stored = stored["q37.project_report_delivered"]
    assert q37_stored["unexpected_count"] == q37.metadata["records"].value
    assert "unexpected_index_list" not in q37_stored
    assert 0 < len(q37_stored["partial_unexpected_index_list"]) <= STORED_ROWS
    index = Path(md["data_docs"].value).read_text(encoding="utf-8")
    for suite in suites():  # every suite with a breach rule evaluated; allocations' are all not evaluated
        for year in (2023, 2024):  # and the reconciliation is not judged against 2023's illustrative totals
            shown = suite != "allocations" and not (suite == "grant_totals" and year == 2023)
            assert (f"validations/{suite}/{run_ids[year]}/" in index) == shown, (suite, year)
    _assert_no_empty_success(project)
    assert not list(project.rglob("results/*.json")), "no second copy of the results beside GX's store"


def _site_pages(project: Path) -> dict[str, str]:
    """The Data Docs' validation result pages, as the auditor reads them (text, tags removed)."""
    import re

    site = project / "gx" / "uncommitted" / "data_docs" / "local_site"
    pages = {}
    for page in site.glob("validations/**/*.html"):
        html = re.sub(r"<(style|script)\b.*?</\1>", " ", page.read_text(encoding="utf-8"), flags=re.S)
        pages[str(page.relative_to(site))] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return pages


def _assert_no_empty_success(project: Path) -> None:
    """No result page says "Succeeded" over no evaluated expectation, and none is stored."""
    import re

    pages = _site_pages(project)
    assert pages
    for name, text in pages.items():
        evaluated = int(re.search(r"Evaluated Expectations (\d+)", text).group(1))
        assert evaluated > 0, name
    for path in (project / "gx" / "uncommitted" / "validations").rglob("*.json"):
        stored = json.loads(path.read_text(encoding="utf-8"))
        assert stored["results"] and stored["statistics"]["evaluated_expectations"] > 0, path


def _recheck_job(defs: Definitions, asset_key):
    """A job that runs only the checks of one table (as 'Execute checks' does in the UI)."""
    job = define_asset_job("recheck", selection=AssetSelection.checks_for_assets(asset_key))
    return Definitions(assets=list(defs.assets), asset_checks=list(defs.asset_checks), jobs=[job],
                       resources=defs.resources, executor=defs.executor).resolve_job_def("recheck")


def test_which_counties_exceeded_the_cap_is_one_query(published_warehouse, dagster_instance):
    from friskliv_pipeline.definitions import defs

    warehouse_url, first_run_id = published_warehouse["url"], published_warehouse["run_id"]
    warehouse = Warehouse(warehouse_url)
    assert counties_over_competence_cap(warehouse, 2024) == []

    competence = warehouse.read("staging_competence_building", 2024)
    for county, extra in (("Oslo", 25_000), ("Vestland", 40_000)):
        i = competence.index[competence["county"] == county][0]
        competence.loc[i, "external_courses_nok"] = extra
        competence.loc[i, "parts_sum_nok"] += extra
        competence.loc[i, "competence_total_nok"] += extra
    warehouse.replace_partition("staging_competence_building", 2024, competence)
    # A checks-only job has no asset to take its partitioning from: the run carries the partition tag.
    recheck = _recheck_job(defs, staged_key("competence_building")).execute_in_process(
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
    # Only the rechecked suite's rows were replaced (all at once); the other suites keep the first run's rows.
    checks = _audit(warehouse_url, "audit_check_results", 2024)
    assert len(checks) == N_RULES
    by_asset = checks.groupby("asset")["run_id"].agg(set)
    assert by_asset["competence_building"] == {recheck.run_id}
    assert all(ids == {first_run_id} for asset_, ids in by_asset.items() if asset_ != "competence_building")
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
    # the stand-ins, all they read, every staged and reference table (with their checks)
    job = define_asset_job("with_marts", selection=(marts.upstream() | AssetSelection.groups("reference", "raw", "clean"))
                           .required_multi_asset_neighbors())
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
    assert {"staging/projects", "staging/project_attainment"} <= materialized(blocked)
    assert not (stand_ins | {"projects", "project_attainment"}) & materialized(blocked)  # nothing published
    failed = {(e.asset_key.to_user_string(), e.check_name, e.severity.value)
              for e in blocked.get_asset_check_evaluations() if not e.passed}
    assert {("staging/projects", "q01_county_in_structure", "ERROR"),
            ("staging/project_attainment", "q01_county_in_structure", "ERROR")} <= failed
    # every staged table's suite was evaluated by the staging step; the allocations suite, which reads
    # staged tables, was skipped after it failed, as registry.suites_that_run says
    checked = {e.asset_key.to_user_string() for e in blocked.get_asset_check_evaluations()}
    assert checked == {f"staging/{s}" for s in suites() if s not in ("allocations", "grant_totals")}
    findings = _audit(url, "audit_findings", 2024)
    hit = findings[(findings["rule"] == "q01.county_in_structure") & (findings["asset"] == "projects")]
    staged = Warehouse(url).read("staging_projects", 2024)
    viken = staged[staged["county_reported"] == "Viken"]
    assert list(zip(hit["kind"], hit["severity"], hit["county"], hit["response_id"], hit["sheet_row"], hit["message"],
                    hit["message_nb"])) == [
        ("breach", "ERROR", "Viken", viken["response_id"].item(), viken["source_row"].item(),
         "'Viken' is not a county of the 2024 county structure",
         "«Viken» er ikke et fylke i fylkesstrukturen for 2024")]
    # The WARN rules of the same run were still recorded.
    checks = _audit(url, "audit_check_results", 2024)
    assert set(checks.loc[checks["asset"] == "projects", "run_id"]) == {blocked.run_id}


def test_rerun_replaces_the_years_audit_rows(demo_copy, run_year, tmp_path):
    url = demo_copy["url"]
    first_2023_run_id = demo_copy["run_ids"][2023]
    before = _audit(url, "audit_findings", 2024)
    second = run_year(2024)
    after = _audit(url, "audit_findings", 2024)
    checks = _audit(url, "audit_check_results", 2024)
    assert len(checks) == N_RULES and set(checks["run_id"]) == {second.run_id}
    columns = ["asset", "rule", "kind", "severity", "county", "municipality", "project_title", "response_id",
               "sheet_row", "message", "message_nb"]
    pd.testing.assert_frame_equal(before[columns].sort_values(columns).reset_index(drop=True),
                                  after[columns].sort_values(columns).reset_index(drop=True))
    assert set(after["run_id"]) == {second.run_id}
    assert set(_audit(url, "audit_check_results", 2023)["run_id"]) == {first_2023_run_id}
    # One Data Docs site, one run per grant year: the second run of 2024 (the one in the audit tables
    # and on the auditor's front sheet) replaced the first's results and pages; 2023's are kept.
    project = tmp_path / "data" / "validation"
    results = project / "gx" / "uncommitted" / "validations"
    index = (project / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html").read_text(encoding="utf-8")
    first = set(before["run_id"])
    assert first and second.run_id not in first
    for suite in suites():
        if suite == "allocations":  # no breach rule evaluated (illustrative allocations): nothing stored or shown
            assert not list(results.glob(f"{suite}/**/*.json")) and f"validations/{suite}/" not in index
            continue
        runs_2024 = [p.parent.parent.name for p in results.glob(f"{suite}/*/*/friskliv_2024-{suite}.json")]
        assert runs_2024 == [second.run_id], suite
        assert f"validations/{suite}/{second.run_id}/" in index
        # the 2023 grant totals are illustrative: the reconciliation was not judged, so not shown for 2023
        assert (f"validations/{suite}/{first_2023_run_id}/" in index) == (suite != "grant_totals"), suite
        assert not any(f"validations/{suite}/{run}/" in index for run in first), suite
    pages = _site_pages(project)
    assert not [name for name in pages if any(run in name for run in first)]
    assert any(second.run_id in name for name in pages) and any(first_2023_run_id in name for name in pages)
    _assert_no_empty_success(project)
