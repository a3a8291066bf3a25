"""The auditor's package (issue 22): revisjonsgrunnlag_<year>.xlsx and the auditor's edition from one
run, through the real command line. An auditor re-performs from it: every finding's exported value
is the export's own cell (re-read with openpyxl), the SHA-256 on the front sheet is the archived
file's, every rule and every regelverk point has its row, replaced answers show both values, one
status (and one count) everywhere, and the Data Docs never show a rule not evaluated or a
follow-up list as a pass or a failure."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pandas as pd
import pytest
import sqlalchemy as sa

from friskliv_pipeline.forms.export_reader import _cell_text
from friskliv_pipeline.forms.schema import load_form_schema, match_headers, normalize_header
from tests.conftest import DEMO_LANDING, REFERENCE_DIR
from tests.test_cli_and_project import FRISKLIV, _env

pytestmark = pytest.mark.slow
YEAR = 2024


def _plant_a_replaced_amount(landing):
    """Response 999 000 kr first, then the same project again with the amount of the demo: the
    resubmission that would have triggered the 500 000 kr rule (what an auditor must be shown)."""
    from openpyxl import load_workbook

    path = next((landing / "2024").glob("*.xlsx"))
    workbook = load_workbook(path)
    sheet = workbook.active
    headers = [c.value for c in sheet[1]]
    form = load_form_schema(REFERENCE_DIR, YEAR)
    q23 = headers.index(form.question("q23").header) + 1
    q13 = next(i for i, h in enumerate(headers, start=1) if normalize_header(h) == normalize_header("Prosjekttittel"))
    titles = [str(sheet.cell(row, q13).value or "") for row in range(2, sheet.max_row + 1)]
    # the demo re-types a resubmitted title as "  TITLE." (assets/raw/README.md): plant in its first version
    again = next(t for t in titles if t.startswith("  ") and t.endswith("."))
    first = next(i for i, t in enumerate(titles) if t.casefold() == again.strip().rstrip(".").casefold()) + 2
    sheet.cell(first, q23).value = "999 000"
    workbook.save(path)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("auditor")
    landing = tmp / "landing"
    shutil.copytree(DEMO_LANDING, landing, ignore=shutil.ignore_patterns("*.md"))
    _plant_a_replaced_amount(landing)
    proc = subprocess.run([FRISKLIV, "run", "--year", "2023", "--year", "2024"], capture_output=True, text=True,
                          env=_env(tmp, landing), timeout=900)
    assert proc.returncode == 0, proc.stderr
    data = tmp / "data"
    out = {"tmp": tmp, "landing": landing, "data": data, "stdout": proc.stdout,
           "url": f"sqlite:///{data / 'warehouse.sqlite'}"}
    out["book"] = pd.read_excel(data / "reports" / str(YEAR) / f"revisjonsgrunnlag_{YEAR}.xlsx", sheet_name=None,
                                dtype=str, engine="openpyxl")
    out["edition"] = (data / "reports" / str(YEAR) / "revisjon.html").read_text(encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def conn(run):
    engine = sa.create_engine(run["url"])
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def _audit(conn, table: str, year: int = YEAR) -> pd.DataFrame:
    return pd.read_sql_query(sa.text(f"SELECT * FROM {table} WHERE grant_year = :y"), conn, params={"y": year})


def test_the_workbook_has_every_part_in_bokmal(run):
    assert list(run["book"]) == ["Forside", "Filer", "Funn", "Kontroller", "Dekning", "Erstattede svar",
                                 "Per prosjekt", "Avstemming"]
    for name, sheet in run["book"].items():
        assert not [c for c in sheet.columns if re.fullmatch(r"[a-z_]+", str(c)) and "." not in str(c)], name
    funn = run["book"]["Funn"]
    for column in ("Fylke", "Kommunenummer", "Kommune", "Prosjekt", "Forms-ID", "Rad", "Regel", "Regelverkets punkt",
                   "Punktets tekst", "Type", "Virkning", "Verdi som eksportert", "Verdi tolket", "Terskel",
                   "Svartidspunkt", "Frist", "Andre funn på samme prosjekt", "Revisors status", "Revisors kommentar"):
        assert column in funn.columns, column
    assert funn["Revisors status"].isna().all() and funn["Revisors kommentar"].isna().all()


def test_the_front_sheet_names_run_code_and_the_archived_exports_sha256(run, conn):
    front = dict(zip(run["book"]["Forside"]["Hva"], run["book"]["Forside"]["Verdi"]))
    run_id = conn.execute(sa.text("SELECT DISTINCT run_id FROM audit_check_results WHERE grant_year = :y"),
                          {"y": YEAR}).scalar_one()
    assert run_id in front["Kjøring"] and front["Kodeversjon"].startswith("friskliv-pipeline ")
    assert "Demoutgave 2024" in front["Regelverk"] and re.fullmatch(r"[0-9a-f]{64}", front["Regelsettet (SHA-256)"])
    files = run["book"]["Filer"]
    export = next((run["landing"] / "2024").glob("*.xlsx"))
    archived = list((run["data"] / "archive" / "2024").glob("*.xlsx"))
    assert len(archived) == 1
    row = files[files["Fil"] == export.name].iloc[0]
    import hashlib

    assert row["SHA-256"] == hashlib.sha256(archived[0].read_bytes()).hexdigest() == archived[0].stem
    for name in ("counties.csv", "municipalities.csv", "allocations.csv", "grant_totals.csv", "regelverk/2024.md",
                 "forms/form_2024.json", "expectations/projects.json"):
        assert name in set(files["Fil"]), name


def test_each_finding_row_is_the_audit_tables_row_with_the_exports_own_cell(run, conn):
    from openpyxl import load_workbook

    funn = run["book"]["Funn"]
    records = _audit(conn, "audit_findings")
    assert len(funn) == len(records) > 0
    assert sorted(funn["Regel"]) == sorted(records["rule"])
    export = next((run["landing"] / "2024").glob("*.xlsx"))
    sheet = load_workbook(export, read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    headers = [str(h) if h is not None else "" for h in rows[0]]
    columns = match_headers(headers, load_form_schema(REFERENCE_DIR, YEAR), export.name).questions
    checked = 0
    for _, f in funn.dropna(subset=["Spørsmål", "Rad"]).iterrows():
        cell = rows[int(f["Rad"]) - 1][headers.index(columns[f["Spørsmål"]])]
        shown = f["Verdi som eksportert"]
        assert (None if pd.isna(shown) else str(shown)) == _cell_text(cell), (f["Regel"], f["Rad"], f["Spørsmål"])
        checked += 1
    assert checked >= 30
    # the value as judged sits in its own column, not only inside the message
    q37 = funn[funn["Regel"] == "q37.project_report_delivered"]
    assert (q37["Verdi tolket"] == "Nei").all() and (q37["Spørsmål"] == "q37").all()
    assert q37["Frist"].str.startswith("1. april 2025").all()
    assert funn.loc[funn["Regel"] != "q37.project_report_delivered", "Frist"].str.startswith("1. juli 2025").all()
    assert funn["Svartidspunkt"].notna().sum() >= len(q37)
    attestation = funn[funn["Regel"] == "regelverk6.revisor_attestation"]
    assert (attestation["Terskel"] == "200 000 kr eller mer").all() and (attestation["Type"] == "oppfølging").all()
    assert attestation["Regelverkets punkt"].str.startswith("6 Rapportering").all()
    assert attestation["Punktets tekst"].str.contains("revisor").all()


def test_other_findings_of_the_same_project_are_side_by_side(run):
    funn, per_project = run["book"]["Funn"], run["book"]["Per prosjekt"]
    projects = pd.read_sql_query(sa.text("SELECT response_id FROM projects WHERE grant_year = :y"),
                                 sa.create_engine(run["url"]), params={"y": YEAR})
    assert len(per_project) == len(projects) and set(per_project["Forms-ID"]) == set(projects["response_id"])
    both = per_project[per_project["regelverk6.revisor_attestation"].notna()
                       & per_project["q37.project_report_delivered"].notna()]
    assert len(both) > 0  # grants of 200 000 kr or more without a delivered report: one row each
    for rid in both["Forms-ID"]:
        others = funn[(funn["Forms-ID"] == rid) & (funn["Regel"] == "q37.project_report_delivered")]
        assert "regelverk6.revisor_attestation" in others["Andre funn på samme prosjekt"].iloc[0]


def test_every_rule_has_one_row_in_kontroller_with_one_status(run, conn):
    from friskliv_pipeline.checks.suites import all_rules, not_covered

    checks = run["book"]["Kontroller"]
    rules = {(r.suite, r.id) for r in all_rules()}
    shown = {(t, r) for t, r in zip(checks["Tabell"], checks["Regel"]) if isinstance(r, str)}
    assert shown == rules and len(checks.dropna(subset=["Regel"])) == len(rules)
    assert set(checks["Status"]) <= {"bestått", "funn", "ikke vurdert", "ikke dekket"}
    assert (checks["Status"] == "ikke dekket").sum() == len(not_covered())
    audit = _audit(conn, "audit_check_results")
    merged = checks.dropna(subset=["Regel"]).merge(audit, left_on=["Tabell", "Regel"], right_on=["asset", "check_name"])
    assert len(merged) == len(audit)
    status_nb = {"passed": "bestått", "failed": "funn", "not_evaluated": "ikke vurdert"}
    assert (merged["Status"] == merged["status"].map(status_nb)).all()
    # each rule's own query on the published tables (or why it has none), never a read of the findings
    from friskliv_pipeline.checks.reperform import reperformance
    from friskliv_pipeline.checks.suites import suites

    for asset, rule_id, cell in zip(merged["asset"], merged["check_name"], merged["Slik etterprøves kontrollen"]):
        rule = next(r for r in suites()[asset].rules if r.id == rule_id)
        assert cell == reperformance(rule, YEAR) and "audit_findings" not in cell, rule_id
    evaluated = merged[merged["status"] != "not_evaluated"]
    assert evaluated["Populasjon"].notna().all() and merged.loc[merged["status"] == "not_evaluated",
                                                                "Populasjon"].isna().all()


def test_every_regelverk_point_has_a_row_in_dekning(run):
    from friskliv_pipeline.report import regelverk

    coverage = run["book"]["Dekning"]
    document = regelverk.load(REFERENCE_DIR, YEAR)
    assert list(coverage["Punkt"].astype(str)) == [p.number for p in document.points]
    assert set(coverage["Dekning"]) <= {"dekket", "delvis dekket", "ikke vurdert", "ikke dekket"}
    uncovered = coverage[coverage["Dekning"] == "ikke dekket"]
    assert uncovered["Ikke dekket, og hvorfor"].str.len().gt(10).all()
    assert coverage["Begrunnelse"].str.len().gt(10).all()  # every point has a reason
    cap = coverage[coverage["Punkt"].astype(str) == "5B"].iloc[0]
    assert "regelverk5B.competence_cap" in cap["Kontroller som er vurdert"]


def test_dekning_never_counts_a_rule_not_evaluated_as_coverage(run, conn):
    """The allocation rules are not evaluated while the allocations are illustrative: the points they
    cite never count them as coverage, and name them with the reason instead."""
    from friskliv_pipeline.checks.suites import all_rules
    from friskliv_pipeline.report.regelverk import cited_points

    coverage = run["book"]["Dekning"]
    audit = _audit(conn, "audit_check_results")
    skipped = set(audit.loc[audit["status"] == "not_evaluated", "check_name"])
    evaluated = set(audit.loc[audit["status"] != "not_evaluated", "check_name"])
    assert "allocation.over_allocation" in skipped
    rules = {r.id: r for r in all_rules()}
    seen_skipped = 0
    for _, point in coverage.iterrows():
        number = str(point["Punkt"])
        counted = set(str(point["Kontroller som er vurdert"]).split(", ")) if isinstance(
            point["Kontroller som er vurdert"], str) else set()
        assert not counted & skipped, number
        covering = {rid for rid, r in rules.items() if number in cited_points(r.source)}
        assert counted == covering & evaluated, number
        for rid in covering & skipped:
            seen_skipped += 1
            assert rid in point["Kontroller som ikke er vurdert, og hvorfor"], (number, rid)
        if covering and not covering & evaluated:
            assert point["Dekning"] == "ikke vurdert", number
        elif covering & skipped:
            assert point["Dekning"] == "delvis dekket", number
    assert seen_skipped  # the allocation rules cite points 5, 5B, 7 and 10


def test_a_replaced_answer_shows_both_amounts(run, conn):
    replaced = run["book"]["Erstattede svar"]
    superseded = _audit(conn, "superseded_responses")
    assert set(superseded["response_id"]) <= set(replaced["Forms-ID (erstattet)"])
    amount = replaced[(replaced["Spørsmål"] == "q23") & (replaced["Verdi i det erstattede svaret"] == "999 000")]
    assert len(amount) == 1
    kept = amount.iloc[0]
    raw = pd.read_sql_query(sa.text("SELECT q23 FROM raw_responses WHERE grant_year = :y AND response_id = :r"), conn,
                            params={"y": YEAR, "r": kept["Forms-ID (gjeldende)"]})
    assert kept["Verdi i det gjeldende svaret"] == raw["q23"].iloc[0] != "999 000"
    # a county's competence section sent twice is merged, and the merge is shown (2024: Nordland)
    merged = replaced[replaced["Hva"].str.startswith("Kompetansebygging rapportert på nytt")]
    assert "Nordland" in set(merged["Fylke"])
    assert "999 000" in run["edition"]  # the auditor's edition shows it too


def test_reconciliation_national_rows_then_why_no_county_rows_then_the_forms_answers(run, conn):
    sheet = run["book"]["Avstemming"]
    national = sheet[sheet["Del"] == "Landet"]
    mart = _audit(conn, "mart_reconciliation")
    row = mart[mart["scope"] == "national"].iloc[0]
    difference = national[national["Post"].str.startswith("Differanse")].iloc[0]
    assert int(difference["Beløp (kr)"]) == int(row["difference_nok"])
    counties = sheet[sheet["Del"] == "Per fylke"]
    assert len(counties) == 1 and "ikke lagt inn" in counties["Kilde, svar eller merknad"].iloc[0]
    said = sheet[sheet["Del"] == "Skjemaets svar om overføring"]
    assert said["Post"].str.startswith("spm. 4 (fylkeskommunen)").any() and said["Post"].str.startswith("spm. 36").any()


def test_the_front_sheets_sha256_is_the_export_the_package_names(run):
    """The front sheet names the raw zone's archived copy (the export holds personal data, which never
    leaves the raw zone) and its SHA-256 is that file's, as `sha256sum` computes it."""
    front = dict(zip(run["book"]["Forside"]["Hva"], run["book"]["Forside"]["Verdi"]))
    named = re.search(r"arkivert i råsonen som (archive/\S+)", front["Eksporten"]).group(1)
    archived = run["data"] / named
    assert archived.is_file() and f"sha256sum {named}" in front["Eksporten"]
    done = subprocess.run(["sha256sum", str(archived)], capture_output=True, text=True, check=True)
    assert front["Eksportens SHA-256"] == done.stdout.split()[0]
    assert re.fullmatch(r"[0-9a-f]{64}", front["Referansedata (SHA-256)"])
    # nothing of the export is in the report folder; the package's own files are marked the auditor's
    folder = run["data"] / "reports" / str(YEAR)
    assert not [p for p in folder.iterdir() if p.suffix in (".xlsx", ".csv") and p.name not in (
        "tables.xlsx", "indicators.csv", "revisjonsgrunnlag_2024.xlsx")]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    audience = {a["file"]: a["audience"] for a in manifest["artifacts"]}
    assert audience["revisjonsgrunnlag_2024.xlsx"] == audience["revisjon.pdf"] == "auditor"
    assert audience["report.html"] == audience["tables.xlsx"] == "public"


def test_a_county_level_finding_names_no_municipality_or_project(run):
    """q04 (the county's competence-building reason) is asked once per county: its carry-over finding
    names the county and where the answer is, never the project whose response carried it."""
    funn, per_project = run["book"]["Funn"], run["book"]["Per prosjekt"]
    county_level = funn[funn["Spørsmål"].isin([f"q{i:02d}" for i in range(2, 13)])]
    assert len(county_level) > 0
    assert county_level[["Kommunenummer", "Kommune", "Prosjekt", "Tilskudd (kr)",
                         "Andre funn på samme prosjekt"]].isna().all().all()
    for rid in county_level["Forms-ID"]:
        others = funn[(funn["Forms-ID"] == rid) & funn["Kommune"].notna()]
        for text in others["Andre funn på samme prosjekt"].dropna():
            assert not (set(text.split(", ")) & set(county_level.loc[county_level["Forms-ID"] == rid, "Regel"])
                        - set(others["Regel"]))
        row = per_project[per_project["Forms-ID"] == rid]
        if len(row) and "regelverk9.carry_over" in row:
            assert "spm. 4" not in str(row["regelverk9.carry_over"].iloc[0])
    carry = funn[funn["Regel"] == "regelverk9.carry_over"]
    assert carry["Spørsmål"].notna().all() and carry["Verdi som eksportert"].notna().all()
    assert not carry["Verdi tolket"].str.contains(" says ").any()


def test_every_project_says_whether_its_report_was_delivered_and_its_risk(run):
    per_project = run["book"]["Per prosjekt"]
    assert set(per_project["Prosjektrapport levert"]) <= {"Ja", "Nei", "ikke besvart"}
    assert per_project["Prosjektrapport levert"].notna().all()
    funn = run["book"]["Funn"]
    q37 = set(funn.loc[funn["Regel"] == "q37.project_report_delivered", "Forms-ID"])
    assert set(per_project.loc[per_project["Prosjektrapport levert"] == "Nei", "Forms-ID"]) == q37
    # large grants without a report first (the limit: the revisor rule's own max_value)
    from friskliv_pipeline.checks.suites import rule

    limit = rule("regelverk6.revisor_attestation", "projects").expectations[0].kwargs["max_value"]
    amount = per_project["Tilskudd (kr)"].astype(float)
    first = (amount >= limit) & (per_project["Prosjektrapport levert"] != "Ja")
    assert first.sum() > 0 and first.iloc[:first.sum()].all()
    assert (per_project.loc[first, "Risiko"] == "høy").all()


def test_no_column_is_blank_but_the_auditors_own(run):
    for name, sheet in run["book"].items():
        for column in sheet.columns:
            if column in ("Revisors status", "Revisors kommentar"):
                continue
            assert sheet[column].notna().any(), (name, column)


def test_a_replaced_amount_that_crossed_a_limit_is_flagged(run):
    replaced = run["book"]["Erstattede svar"]
    planted = replaced[(replaced["Spørsmål"] == "q23") & (replaced["Verdi i det erstattede svaret"] == "999 000")]
    flag = planted["Terskel krysset"].iloc[0]
    assert "regelverk5.evaluation_plan" in flag and "500 000" in flag
    other = replaced[(replaced["Spørsmål"] == "q23") & (replaced["Verdi i det erstattede svaret"] != "999 000")]
    assert not other["Terskel krysset"].str.contains("regelverk5.evaluation_plan").any()


def test_one_status_and_one_count_everywhere(run, conn):
    """A rule not evaluated has no pass or fail in the audit tables, the command line, the auditor's
    edition or the workbook, and all four count the same checks."""
    from friskliv_pipeline.checks.status import tally

    audit = _audit(conn, "audit_check_results")
    skipped = audit[audit["status"] == "not_evaluated"]
    assert len(skipped) > 0 and skipped["passed"].isna().all()  # WHERE passed = 0 cannot hide them behind a pass
    counted = tally(audit)
    year_lines = re.split(r"grant year 2024: run \S+ succeeded", run["stdout"])[1].splitlines()
    assert f"  checks: {counted.text()}" in year_lines  # the same count, the rules not evaluated named
    assert all(rule in counted.text() for rule in skipped["check_name"])
    assert counted.text("nb") in re.sub(r"\s+", " ", run["edition"])
    front = dict(zip(run["book"]["Forside"]["Hva"], run["book"]["Forside"]["Verdi"]))
    assert front["Kontroller"] == counted.text("nb")
    checks = run["book"]["Kontroller"].dropna(subset=["Regel"])
    assert (checks["Status"] == "ikke vurdert").sum() == counted.n_not_evaluated
    assert (checks["Status"] == "funn").sum() == counted.n_failed
    assert (checks["Status"] == "bestått").sum() == counted.passed


def test_the_data_docs_show_only_evaluated_breach_rules(run):
    """GX knows pass and fail only: what it stores (and its Data Docs render) holds the breach rules
    that were evaluated, never a follow-up list, a data note or a rule not evaluated."""
    from friskliv_pipeline.checks.suites import suites

    results = sorted((run["data"] / "validation" / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert results
    kinds = {r.id: r.kind for s in suites().values() for r in s.rules}
    seen = set()
    for path in results:
        stored = json.loads(path.read_text(encoding="utf-8"))
        for r in stored["results"]:
            rule = r["expectation_config"]["meta"]["rule"]
            seen.add(rule)
            assert kinds[rule] == "breach", (path.name, rule)
            assert not rule.startswith("allocation.") and rule != "regelverk5.max_three_years", (path.name, rule)
    assert "q37.project_report_delivered" in seen and "regelverk6.revisor_attestation" not in seen
    site = run["data"] / "validation" / "gx" / "uncommitted" / "data_docs" / "local_site"
    pages = " ".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "revisor_attestation" not in pages and "over_allocation" not in pages
    assert "Data asset: None" not in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", pages))
    assert f"friskliv_{YEAR}.projects" in pages  # each result names its year's data source and table
    from friskliv_pipeline.checks.gx_runner import FOOTER_CSS

    for page in site.glob("validations/**/*.html"):  # a result's link to its suite's page leads somewhere
        html = page.read_text(encoding="utf-8")
        links = re.findall(r'href="((?:\.\./)+expectations/[^"]+\.html)"', html)
        assert links and all((page.parent / link).resolve().exists() for link in links), (page, links)
        assert FOOTER_CSS.strip() in html  # GX's newsletter footer hidden by the site's stylesheet
    assert "Data Docs" in run["edition"] and "ikke der" in run["edition"]


def test_no_illustrative_money_in_any_published_file(run):
    folder = run["data"] / "reports" / str(YEAR)
    sheets = pd.read_excel(folder / "tables.xlsx", sheet_name=None, engine="openpyxl")
    for name, sheet in sheets.items():
        assert not {"Fordelt til fylket (kr)", "Ikke brukt (kr)", "Kilde for fordelingen"} & set(sheet.columns), name
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert ":allocation_nok" not in html and ":unspent_nok" not in html  # no traced allocation figure
    indicators = pd.read_csv(folder / "indicators.csv")
    assert not indicators["indicator"].str.contains("allocation|unspent").any()


def test_an_older_warehouse_is_upgraded_on_the_next_run_and_loses_no_year(run, tmp_path):
    """A warehouse as the previous version left it (audit tables without the new columns, a mart of
    another shape), 2023 and 2024 in it: the next `friskliv run --year 2024` says in one line what it
    upgraded, and every 2023 row is still there."""
    data = tmp_path / "data"
    shutil.copytree(run["data"], data, ignore=shutil.ignore_patterns("dagster_home", "locks"))
    engine = sa.create_engine(f"sqlite:///{data / 'warehouse.sqlite'}")
    with engine.begin() as conn:
        for table in ("audit_findings", "staging_audit_findings"):
            conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN question_id"))
            conn.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN value"))
        conn.execute(sa.text("ALTER TABLE audit_check_results DROP COLUMN n_evaluated"))
        conn.execute(sa.text("ALTER TABLE mart_lead_service ADD COLUMN retired_column TEXT"))
        before = {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t} WHERE grant_year = 2023")).scalar_one()
                  for t in ("audit_findings", "audit_check_results", "mart_lead_service", "projects")}
    env = _env(tmp_path, run["landing"])
    proc = subprocess.run([FRISKLIV, "run", "--year", "2024"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr
    upgraded = [line for line in proc.stdout.splitlines() if line.startswith("warehouse upgraded")]
    assert len(upgraded) == 1 and "audit_findings: +question_id, +value" in upgraded[0]
    assert "audit_check_results: +n_evaluated" in upgraded[0]
    with engine.connect() as conn:
        after = {t: conn.execute(sa.text(f"SELECT COUNT(*) FROM {t} WHERE grant_year = 2023")).scalar_one()
                 for t in before}
        columns = [c["name"] for c in sa.inspect(conn).get_columns("mart_lead_service")]
        filled = conn.execute(sa.text("SELECT COUNT(*) FROM audit_findings WHERE grant_year = 2024 "
                                      "AND question_id IS NOT NULL")).scalar_one()
    assert after == before  # no 2023 row lost (the 2023 mart rebuilt from the published tables)
    assert "retired_column" not in columns and filled > 0
    engine.dispose()


def test_the_edition_lists_the_forms_carry_over_answers_up_to_its_limit_and_counts_them_all(run, monkeypatch,
                                                                                              tmp_path):
    """«Avstemming» in the edition: every money row, the form's answers about carrying money over up to
    MAX_FINDINGS_LISTED (one row per answer grows with the data: ~14 000 rows at 1000 times the demo,
    which WeasyPrint takes gigabytes to lay out), their number always; the workbook keeps them all."""
    import html as html_lib

    from friskliv_pipeline.defs.resources import FrisklivResource
    from friskliv_pipeline.report import artifacts, auditor
    from friskliv_pipeline.report.data import read_findings

    sheet = run["book"]["Avstemming"]
    n_said = int((sheet["Del"] == auditor.CARRY_OVER_PART).sum())
    n_money = len(sheet) - n_said
    assert n_said >= 2 and n_money >= 2

    def listed(edition: str) -> tuple[int, int]:
        section = html_lib.unescape(edition).split('id="avstemming"', 1)[1].split("</section>", 1)[0]
        return section.count(f"<tr><td>{auditor.CARRY_OVER_PART}</td>"), section.count("<tr><td>")  # header: <th>

    assert listed(run["edition"]) == (n_said, len(sheet))
    assert f"fortsetter ({n_said} svar)." in html_lib.unescape(run["edition"])

    monkeypatch.setattr(auditor, "MAX_FINDINGS_LISTED", 1)
    out = tmp_path / "reports"
    shutil.copytree(run["data"] / "reports" / str(YEAR), out)
    run_id = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["run_id"]
    monkeypatch.setenv("FRISKLIV_WAREHOUSE_URL", run["url"])
    friskliv = FrisklivResource(landing_dir=str(run["landing"]), reference_dir=str(REFERENCE_DIR),
                                data_dir=str(run["data"]), warehouse_url=run["url"])
    _public, edition, workbook = artifacts.publish_html(friskliv, YEAR, run_id, out)
    capped = edition.read_text(encoding="utf-8")
    said_rows, all_rows = listed(capped)
    assert said_rows == 1 and all_rows == n_money + 1
    assert f"Tabellen viser de 1 første av dem; alle står i arket Avstemming i revisjonsgrunnlag_{YEAR}.xlsx" \
        in html_lib.unescape(capped)
    book = pd.read_excel(workbook, sheet_name="Avstemming", dtype=str, engine="openpyxl")
    assert int((book["Del"] == auditor.CARRY_OVER_PART).sum()) == n_said
    # The findings were read for that step alone: the run's shared report data does not keep them
    # (at 1000× they were the PDF step's ~250 MiB beside WeasyPrint), yet the workbook lists them all.
    assert artifacts.report_data(friskliv, YEAR, run_id).findings is None
    with friskliv.warehouse().engine.connect() as conn:
        findings = read_findings(conn, YEAR)
    assert len(findings) and len(pd.read_excel(workbook, sheet_name="Funn", engine="openpyxl")) == len(findings)
