"""Re-performance (checks/reperform.py): each rule's SQL, run on the published tables of a real run,
returns exactly the records the rule listed in audit_findings; on the demo exports, on an export with
planted bad answers, on SQLite and once on PostgreSQL. And every rule has its SQL or says why not."""

from __future__ import annotations

import shutil
import subprocess

import pandas as pd
import pytest
import sqlalchemy as sa

from friskliv_pipeline.checks.reperform import KEY_COLUMNS, ReperformError, reason, render, reperformance
from friskliv_pipeline.checks.suites import all_rules, suites
from friskliv_pipeline.forms.schema import load_form_schema
from tests.conftest import DEMO_LANDING, REFERENCE_DIR
from tests.test_cli_and_project import FRISKLIV, _env


def test_every_rule_has_its_sql_or_says_why_not_and_no_placeholder_is_left():
    for rule in all_rules():
        sql, why = render(rule, 2024), reason(rule)
        assert (sql is None) != (why is None), rule.id  # one or the other, never both
        text = reperformance(rule, 2024)
        assert "{{" not in text and "$PARAMETER" not in text and "audit_findings" not in text, rule.id
        if sql is not None:
            assert "2024" in sql and sql.startswith("/*"), rule.id  # a cell starting with "-" would be a formula
        else:
            assert "SQL" in why and "Etterprøv slik" in why, rule.id


def test_thresholds_come_from_the_rules_own_arguments(monkeypatch):
    """A changed cap changes the SQL: nothing is copied into the template."""
    import dataclasses

    cap = next(r for r in suites()["competence_building"].rules if r.id == "regelverk5B.competence_cap")
    assert f"> {cap.expectations[0].kwargs['max_value']}" in render(cap, 2024)
    moved = dataclasses.replace(cap, expectations=(dataclasses.replace(
        cap.expectations[0], kwargs={**cap.expectations[0].kwargs, "max_value": 123456}),))
    assert "> 123456" in render(moved, 2024)
    counties = next(r for r in suites()["projects"].rules if r.id == "q01.county_in_structure")
    assert "FROM counties" in render(counties, 2024)  # the reference list is read from its table
    broken = dataclasses.replace(counties, suite="projects", id="q01.county_in_structure")
    monkeypatch.setattr("friskliv_pipeline.checks.reperform.sql_path",
                        lambda rule: _template_with(rule, "SELECT 1 WHERE x IN ({{ value_set }})"))
    with pytest.raises(ReperformError, match="suite parameter"):
        render(broken, 2024)


def _template_with(rule, text: str):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / f"{rule.id}.sql"
    path.write_text(text, encoding="utf-8")
    return path


# -- against the findings of real runs ------------------------------------------------------------

YEAR = 2024
PLANTS = {  # question -> the answer planted on one project's row (each a different row)
    "q23": "0",  # q23.grant_positive
    "q37": "Kanskje",  # q37.yes_no (responses)
    "q17": "Tja",  # q17.yes_no
    "q24": "Mye",  # q24_q35.attainment_value
    "q12": "150 000",  # regelverk5B.competence_cap and parts_sum_to_total (a row with a competence section)
}


def _plant_bad_answers(landing):
    """One bad answer per question of ``PLANTS``, each on its own row of the year's export."""
    from openpyxl import load_workbook

    path = next((landing / str(YEAR)).glob("*.xlsx"))
    workbook = load_workbook(path)
    sheet = workbook.active
    headers = [c.value for c in sheet[1]]
    form = load_form_schema(REFERENCE_DIR, YEAR)
    used = set()
    for qid, answer in PLANTS.items():
        column = headers.index(form.question(qid).header) + 1
        row = next(r for r in range(2, sheet.max_row + 1)
                   if r not in used and sheet.cell(r, column).value not in (None, ""))
        sheet.cell(row, column).value = answer
        used.add(row)
    workbook.save(path)


def _run_planted(tmp) -> str:
    landing = tmp / "landing"
    shutil.copytree(DEMO_LANDING, landing, ignore=shutil.ignore_patterns("*.md"))
    _plant_bad_answers(landing)
    proc = subprocess.run([FRISKLIV, "run", "--year", str(YEAR)], capture_output=True, text=True,
                          env=_env(tmp, landing), timeout=900)
    assert proc.returncode == 0, proc.stderr
    return f"sqlite:///{tmp / 'data' / 'warehouse.sqlite'}"


@pytest.fixture(scope="module")
def demo_url(demo_run):
    return demo_run["url"]


@pytest.fixture(scope="module")
def planted_url(tmp_path_factory):
    return _run_planted(tmp_path_factory.mktemp("reperform_planted"))


def _keys(values) -> set:
    return {None if pd.isna(v) else str(v) for v in values}


def _compare(findings_url: str, query_url: str | None = None) -> dict[tuple[int, str, str], int]:
    """For every rule with SQL and every grant year in the warehouse: the SQL's records (run on
    ``query_url``'s copy of the tables, default the same warehouse) equal the rule's findings.
    Returns (year, suite, rule) -> records, for the rules that were evaluated."""
    engine = sa.create_engine(findings_url)
    query_engine = sa.create_engine(query_url) if query_url else engine
    with engine.connect() as conn:
        findings = pd.read_sql_query(sa.text("SELECT * FROM audit_findings"), conn)
        checks = pd.read_sql_query(sa.text("SELECT * FROM audit_check_results"), conn)
    compared = {}
    with query_engine.connect() as conn:
        for c in checks.itertuples(index=False):
            rule = next(r for r in suites()[c.asset].rules if r.id == c.check_name)
            sql = render(rule, c.grant_year)
            if sql is None or c.status == "not_evaluated":  # not evaluated: the rule lists nothing
                continue
            got = pd.read_sql_query(sa.text(sql), conn)
            assert list(got.columns) in ([k] for k in KEY_COLUMNS), (rule.id, list(got.columns))
            key = got.columns[0]
            listed = findings[(findings["grant_year"] == c.grant_year) & (findings["asset"] == c.asset)
                              & (findings["rule"] == c.check_name)]
            assert _keys(got[key]) == _keys(listed[key]), (c.grant_year, c.asset, c.check_name)
            compared[c.grant_year, c.asset, c.check_name] = len(_keys(listed[key]))
    engine.dispose()
    query_engine.dispose()
    return compared


@pytest.mark.slow
def test_each_rules_sql_returns_its_findings_on_the_demo(demo_url):
    compared = _compare(demo_url)
    assert {y for y, _, _ in compared} == {2023, YEAR}
    with_findings = {rule for (_, _, rule), n in compared.items() if n}
    assert {"q37.project_report_delivered", "regelverk6.revisor_attestation", "q36.comment_required",
            "q14.municipality_in_register", "regelverk5B.parts_sum_to_total"} <= with_findings


@pytest.mark.slow
def test_each_rules_sql_returns_its_findings_on_a_planted_export(planted_url):
    compared = _compare(planted_url)
    with_findings = {rule for (_, _, rule), n in compared.items() if n}
    assert {"q23.grant_positive", "q37.yes_no", "q17.yes_no", "q24_q35.attainment_value",
            "regelverk5B.competence_cap"} <= with_findings


@pytest.mark.slow
def test_the_same_sql_runs_on_postgresql(planted_url, pg_url):
    """The published tables copied into PostgreSQL with the contract's types: the same SQL, the same records."""
    from friskliv_pipeline.warehouse.database import METADATA, Warehouse

    Warehouse(pg_url).create_tables()
    source, target = sa.create_engine(planted_url), sa.create_engine(pg_url)
    with source.connect() as read, target.begin() as write:
        for table in METADATA.sorted_tables:
            if table.name.startswith(("audit_", "staging_", "mart_")):
                continue
            rows = [dict(r) for r in read.execute(sa.select(table)).mappings()]
            if rows:
                write.execute(sa.insert(table), rows)
    source.dispose()
    target.dispose()
    assert _compare(planted_url, pg_url)
