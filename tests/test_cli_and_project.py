"""The project as a user meets it: the friskliv CLI, the demo data, the contract doc, workspace.yaml."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from friskliv_pipeline.core.contract import MULTI_PREFIX, TABLES
from friskliv_pipeline.forms.export_reader import sha256_of
from friskliv_pipeline.forms.schema import load_form_schema
from tests.conftest import DEMO_LANDING, REFERENCE_DIR, ROOT

FRISKLIV = str(Path(sys.executable).parent / "friskliv")


def _env(tmp_path: Path, landing: Path) -> dict:
    env = dict(os.environ)
    env.update({"FRISKLIV_LANDING_DIR": str(landing), "FRISKLIV_DATA_DIR": str(tmp_path / "data"),
                "DAGSTER_HOME": str(tmp_path / "dagster_home"), "FRISKLIV_PSEUDONYM_KEY": "k"})
    env.pop("FRISKLIV_WAREHOUSE_URL", None)
    return env


@pytest.mark.slow
def test_run_prints_a_summary_and_records_the_run_in_dagster_home(tmp_path):
    proc = subprocess.run([FRISKLIV, "run", "--year", "2024"], capture_output=True, text=True,
                          env=_env(tmp_path, DEMO_LANDING), timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "grant year 2024" in proc.stdout and "projects 115" in proc.stdout
    # a line per finished step (name, seconds, rows), printed as the run goes: before the summary
    steps = proc.stdout.split("succeeded")[0]
    assert re.search(r"^  stage_grant_year: \d+\.\d s, \d+ rows in 13 tables, \d+ checks, \d+ not passed$", steps,
                     re.M), proc.stdout
    assert re.search(r"^  publish_checked_tables: \d+\.\d s, \d+ rows in 13 tables$", steps, re.M), proc.stdout
    assert re.search(r"^  allocations_checks: \d+\.\d s", steps, re.M), proc.stdout
    assert re.search(r"^  grant_totals_checks: \d+\.\d s", steps, re.M), proc.stdout
    assert re.search(r"^  sql_marts: \d+\.\d s, \d+ rows in 10 tables, \d+ checks$", steps, re.M), proc.stdout
    assert (tmp_path / "data" / "warehouse.sqlite").exists()
    from dagster import DagsterInstance

    os.environ["DAGSTER_HOME"], saved = str(tmp_path / "dagster_home"), os.environ.get("DAGSTER_HOME")
    try:
        with DagsterInstance.get() as instance:
            runs = instance.get_runs()
            assert len(runs) == 1 and runs[0].tags.get("dagster/partition") == "2024"
    finally:
        if saved is None:
            del os.environ["DAGSTER_HOME"]
        else:
            os.environ["DAGSTER_HOME"] = saved


@pytest.mark.slow
def test_failed_run_is_one_readable_message_without_traceback(tmp_path):
    landing = tmp_path / "landing"
    (landing / "2024").mkdir(parents=True)
    (landing / "2024" / "eksport.xlsx").write_text("not a workbook", encoding="utf-8")
    proc = subprocess.run([FRISKLIV, "run", "--year", "2024"], capture_output=True, text=True,
                          env=_env(tmp_path, landing), timeout=300)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and 'File "' not in proc.stderr
    # the message, what the run published (nothing: it failed in staging) and where the trace is
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 3 and lines[1].startswith("  nothing of this run was published"), proc.stderr
    assert "eksport.xlsx" in proc.stderr and "not a real .xlsx" in proc.stderr
    assert "What to do" in proc.stderr and "Dagster run" in proc.stderr
    assert "ExportError" not in proc.stderr and "friskliv_pipeline." not in proc.stderr  # no Python class name


def test_demo_data_is_deterministic_and_matches_the_committed_exports(tmp_path):
    proc = subprocess.run([FRISKLIV, "demo-data", "--landing-dir", str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    for year, pattern in ((2023, "*.csv"), (2024, "*.xlsx")):
        committed = next((DEMO_LANDING / str(year)).glob(pattern))
        regenerated = tmp_path / str(year) / committed.name
        assert sha256_of(regenerated) == sha256_of(committed), f"{committed.name} differs from a fresh demo-data run"


@pytest.mark.parametrize("year", [2023, 2024])
def test_contract_flag_columns_follow_the_form_options(year):
    """One flag column per option of each multiple-choice question, named by the option's key and
    described by its label: both read from the questionnaire, never typed in the contract."""
    form = load_form_schema(REFERENCE_DIR, year)
    columns = {c.name: c for c in TABLES["projects"].columns}
    for qid, prefix in MULTI_PREFIX.items():
        options = form.question(qid).options
        assert [c for c in columns if c.startswith(f"{prefix}_") and not c.endswith("_text")] == \
            [f"{prefix}_{o.key}" for o in options]
        for o in options:
            assert columns[f"{prefix}_{o.key}"].description.startswith(f"Ticked: {o.label.rstrip(': ')}")


def test_an_option_label_and_a_question_are_declared_once():
    """grep for an option label: the questionnaire holds it, no code, contract or other form file."""
    import re as regex

    texts = {p: p.read_text(encoding="utf-8") for p in [*ROOT.joinpath("friskliv_pipeline").rglob("*.py"),
                                                         *(REFERENCE_DIR / "forms").glob("*.json"),
                                                         *ROOT.joinpath("dbt_like_sql", "models").glob("*.sql")]}
    for label in ("Andre frivillige organisasjoner", "Innvandrere, asylsøkere og flyktninger",
                  "Fysio- eller ergoterapitjeneste", "Andre anbefalte kurslederkurs"):
        holders = [p.name for p, text in texts.items() if label in text]
        assert holders == ["questions.json"], (label, holders)
    assert not any(regex.search(r"q\{23 \+|range\(1, 39\)|range\(13, 36\)", t) for t in texts.values())


def test_workspace_loads_the_code_location(tmp_path):
    env = dict(os.environ, DAGSTER_HOME=str(tmp_path))
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    proc = subprocess.run([str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-w",
                           "workspace.yaml"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# What the UI, the daemon's sensors and schedules and every run pay for when they load the code
# location: none of them needs a DataFrame, so none of these may be imported at load (nor GX,
# which costs seconds and is only needed by a check step; nor sqlglot, imported when
# dbt_like_sql/column_lineage.json is out of date: 0.2 s to import and ~0.1 s a model to parse).
HEAVY_AT_LOAD = ("pandas", "numpy", "sqlalchemy", "openpyxl", "xlsxwriter", "matplotlib", "great_expectations",
                 "weasyprint", "sqlglot")


def test_loading_the_code_location_imports_no_data_library():
    code = ("import json, sys, friskliv_pipeline.definitions as d; "
            "assert d.defs.resolve_asset_graph().asset_check_keys; "
            "d.defs.resolve_job_def('friskliv_yearly'); "
            f"print(json.dumps([m for m in {HEAVY_AT_LOAD!r} if m in sys.modules]))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    imported = json.loads(proc.stdout.strip().splitlines()[-1])
    assert imported == [], (f"loading friskliv_pipeline.definitions imports {imported}: import them inside the "
                            "asset/check functions (see friskliv_pipeline/defs/__init__.py); "
                            "`python -X importtime -c 'import friskliv_pipeline.definitions'` shows who")


def test_every_partitioned_asset_shares_the_grant_year_partitions():
    from friskliv_pipeline.definitions import defs
    from friskliv_pipeline.defs.partitions import grant_year_partitions

    graph = defs.resolve_asset_graph()
    keys = list(graph.get_all_asset_keys())
    assert keys
    for key in keys:
        assert graph.get(key).partitions_def == grant_year_partitions, key
    assert {"2023", "2024"} <= set(grant_year_partitions.get_partition_keys())


def test_check_preflight_lists_findings_without_touching_any_warehouse(tmp_path):
    """A county adviser's pre-flight: readable findings, no database, no Dagster instance, no files written."""
    env = _env(tmp_path, tmp_path / "landing")
    env["FRISKLIV_WAREHOUSE_URL"] = f"sqlite:///{tmp_path / 'must_not_exist.sqlite'}"
    export = next((DEMO_LANDING / "2023").glob("*.csv"))
    proc = subprocess.run([FRISKLIV, "check", str(export), "--year", "2023", "--strict"], capture_output=True,
                          text=True, env=env, timeout=300, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr  # --strict: findings → exit 1
    out = proc.stdout
    assert "110 responses → 108 projects, 2 superseded" in out
    assert "row 70 (response 69), q23: not an amount: 'ca. 150 000'" in out
    assert "WARN q04.reason_required: Rogaland" in out
    assert "WARN regelverk5B.parts_sum_to_total: Viken" in out
    assert not (tmp_path / "must_not_exist.sqlite").exists() and not (tmp_path / "data").exists()


def test_check_refuses_another_years_form_with_one_message(tmp_path):
    export = next((DEMO_LANDING / "2023").glob("*.csv"))
    proc = subprocess.run([FRISKLIV, "check", str(export), "--year", "2024"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 1 and "2023 form" in proc.stderr and "Traceback" not in proc.stderr


def test_check_speaks_bokmal_with_lang_nb():
    """The county advisers who run the pre-flight read Norwegian: headings, cleaning notes and the
    checks' findings in bokmål, the rule ids kept for reference."""
    export = DEMO_LANDING / "2023" / "friskliv_rapportering_2023.csv"
    proc = subprocess.run([FRISKLIV, "check", str(export), "--year", "2023", "--lang", "nb"], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("friskliv_rapportering_2023.csv: tilskuddsår 2023: 110 svar → 108 prosjekter")
    assert "«ca. 150 000» kan ikke leses som et beløp i hele kroner [q23.money_unparseable]" in out
    assert "Funn i datakontrollen:" in out and "spm. 3 = Nei (ingen kompetansebygging) uten årsak i spm. 4" in out
    assert "not an amount" not in out and "grant year" not in out and "Data-quality findings" not in out
    english = subprocess.run([FRISKLIV, "check", str(export), "--year", "2023"], capture_output=True, text=True,
                             timeout=300).stdout
    assert "not an amount: 'ca. 150 000'" in english and "Data-quality findings:" in english
