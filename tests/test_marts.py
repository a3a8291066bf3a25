"""Every mart computed by hand on a small dataset, on SQLite and PostgreSQL.

Two grant years: 2023 with Oslo and Viken, 2024 with Oslo, Østfold and Akershus (Østfold and
Akershus fold back into Viken). 2024 has 8 projects so that k/8 lands on .5 % for odd k: the
marts must print 12.5 % as 13 % and 62.5 % as 63 % (half-up, as the report).
"""

from __future__ import annotations


import pandas as pd
import pytest
import sqlalchemy as sa

from friskliv_pipeline.core.contract import COMPETENCE_PARTS, TABLES, conform
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.core.reference import FORM_TABLES, form_table
from friskliv_pipeline.sql_models import load_project
from friskliv_pipeline.sql_models.materialize import run_models
from friskliv_pipeline.warehouse.database import Warehouse
from tests.conftest import REFERENCE_DIR

COUNTIES = {2023: [("03", "Oslo", "Oslo"), ("30", "Viken", "Viken")],
            2024: [("03", "Oslo", "Oslo"), ("31", "Østfold", "Viken"), ("32", "Akershus", "Viken")]}
ALLOCATIONS = {2023: {"Oslo": 450_000, "Viken": 650_000},
               2024: {"Oslo": 500_000, "Østfold": 300_000, "Akershus": 400_000}}
# counties_total_nok, source: 2023 distributes less than is reported used (an overspend), 2024 more
GRANT_TOTALS = {2023: (900_000, "published: test"), 2024: (1_200_000, "published: test")}
# county: (used, total, {part column: kroner})
COMPETENCE = {2023: {"Oslo": (False, None, {}), "Viken": (True, 70_000, {"other_measures_nok": 70_000})},
              2024: {"Oslo": (True, 60_000, {"method_courses_nok": 40_000, "other_measures_nok": 20_000}),
                     "Østfold": (False, None, {}),
                     "Akershus": (True, 45_001, {"course_leader_other_nok": 45_001})}}
# id, county, intercommunal, (risk, chronic, both, other), (diagnosis independent, specific),
# q21 partners, lead service, grant, criterion 1 answer
PROJECTS = {
    2023: [("q1", "Oslo", False, (1, 0, 0, 0), (True, False), {"frisklivssentral"}, "frisklivssentral", 200_000, "Ja"),
           ("q2", "Oslo", False, (0, 1, 0, 0), (True, False), {"none"}, "frisklivssentral", 250_000, "Ikke aktuelt"),
           ("q3", "Viken", True, (1, 1, 1, 0), (False, True), {"frisklivssentral", "user_org"}, "physio_ergo", 300_000, "Ja"),
           ("q4", "Viken", False, (0, 0, 0, 1), (True, False), {"other_municipal"}, "other", 150_000, "Ja"),
           ("q5", "Viken", False, (1, 0, 0, 0), (True, False), {"frisklivssentral"}, "frisklivssentral", 100_000, "Nei")],
    2024: [("p1", "Oslo", True, (1, 1, 1, 0), (True, False), {"frisklivssentral", "other_municipal"}, "frisklivssentral", 100_000, "Ja"),
           ("p2", "Oslo", False, (1, 0, 0, 0), (True, True), {"user_org"}, "physio_ergo", 200_000, "Delvis"),
           ("p3", "Oslo", False, (0, 0, 0, 1), (True, False), {"none"}, "frisklivssentral", 50_000, "Nei"),
           ("p4", "Østfold", True, (1, 1, 1, 0), (False, True), {"frisklivssentral", "volunteer_org", "user_org"}, "other", None, "Ikke aktuelt"),
           ("p5", "Akershus", False, (1, 0, 0, 0), (True, False), {"frisklivssentral"}, "frisklivssentral", 150_000, "Ja"),
           ("p6", "Akershus", True, (0, 1, 0, 1), (True, False), {"frisklivssentral", "specialist"}, "gp", 25_000, None),
           ("p7", "Akershus", False, (1, 1, 1, 0), (None, None), {"other_municipal", "health_station"}, "frisklivssentral", 75_000, "Ikke aktuelt"),
           ("p8", "Akershus", False, (0, 1, 0, 0), (False, True), {"none"}, "mental_health", 80_000, "Ja")],
}
PARTNERS = ["frisklivssentral", "health_station", "other_municipal", "user_org", "volunteer_org", "private",
            "specialist", "none"]


def frame(table: str, rows: list[dict]) -> pd.DataFrame:
    return conform(pd.DataFrame(rows, columns=TABLES[table].column_names), table)


def project_row(year, pid, county, intercommunal, targets, diagnosis, partners, lead, grant, _answer):
    row = {"grant_year": year, "response_id": pid, "county": county, "intercommunal": intercommunal,
           "diagnosis_independent": diagnosis[0], "diagnosis_specific": diagnosis[1], "lead_service": lead,
           "grant_amount_nok": grant, "is_collaborative": bool(partners - {"none"}),
           "user_all_ages": pid in ("p1", "p2"),
           # q37: p2 and p6 answered Nei, p7 left it blank (not counted as missing a report)
           "project_report_delivered": {"p2": False, "p6": False, "p7": None}.get(pid, True)}
    row.update({f"target_{k}": bool(v) for k, v in zip(("risk", "chronic", "both", "other"), targets)})
    row.update({f"collab_{p}": p in partners for p in PARTNERS})
    return row


def attainment_rows(year, pid, county, *_, answer_1):
    criteria = load_form_schema(REFERENCE_DIR, year).attainment_questions
    answers = {1: answer_1, 2: "Ja" if pid in ("p1",) else ("Ikke aktuelt" if year == 2024 else "Ja")}
    return [{"grant_year": year, "response_id": pid, "county": county, "criterion_no": q.criterion_no,
             "question_id": q.id, "criterion": q.header, "answer": answers.get(q.criterion_no, "Ja")}
            for q in criteria]


def load_dataset(url: str) -> None:
    warehouse = Warehouse(url)
    for year in (2023, 2024):
        warehouse.replace_partition("counties", year, frame("counties", [
            {"grant_year": year, "county_no": no, "county": c, "county_2023": c23} for no, c, c23 in COUNTIES[year]]))
        warehouse.replace_partition("allocations", year, frame("allocations", [
            {"grant_year": year, "county": c, "allocation_nok": n} for c, n in ALLOCATIONS[year].items()]))
        warehouse.replace_partition("grant_totals", year, frame("grant_totals", [
            {"grant_year": year, "appropriation_nok": GRANT_TOTALS[year][0] + 100_000, "development_centres_nok": 100_000,
             "counties_total_nok": GRANT_TOTALS[year][0], "source": GRANT_TOTALS[year][1]}]))
        warehouse.replace_partition("competence_building", year, frame("competence_building", [
            {"grant_year": year, "county": c, "competence_used": used, "competence_total_nok": total, **parts}
            for c, (used, total, parts) in COMPETENCE[year].items()]))
        projects = PROJECTS[year]
        warehouse.replace_partition("projects", year, frame("projects", [project_row(year, *p) for p in projects]))
        warehouse.replace_partition("project_attainment", year, frame("project_attainment", [
            row for p in projects for row in attainment_rows(year, *p[:2], answer_1=p[-1])]))
        for table in FORM_TABLES:  # the year's form as tables: the labels the marts print
            warehouse.replace_partition(table, year, form_table(REFERENCE_DIR, table, year))
    warehouse.engine.dispose()


def build_marts(url: str) -> dict[str, pd.DataFrame]:
    """Load the dataset, run every model for 2023 then 2024, read every mart back (sorted)."""
    load_dataset(url)
    project = load_project()
    engine = sa.create_engine(url)
    for year in (2023, 2024):
        run_models(engine, project, year)
    marts = {}
    with engine.connect() as conn:
        for name, model in project.models.items():
            keys = [c for c in model.column_names if c not in ("value", "previous_value", "change")][:6]
            marts[name] = pd.read_sql(sa.text(f"select * from {name}"), conn).sort_values(
                keys, na_position="first").reset_index(drop=True)
    engine.dispose()
    return marts


@pytest.fixture
def marts(warehouse_url):
    return build_marts(warehouse_url)


def rows(mart: pd.DataFrame, year: int, key: str, columns: list[str]) -> dict:
    """{key value: (columns…)} for one grant year, NULLs as None."""
    part = mart[mart["grant_year"] == year].astype(object).where(mart.notna(), None)
    return {r[key]: tuple(r[c] for c in columns) for r in part.to_dict("records")}


def test_mart_attainment(marts):
    columns = ["n_projects", "n_with_goal", "pct_with_goal", "n_ja", "n_delvis", "n_nei", "n_ikke_aktuelt",
               "n_unanswered", "pct_ja_of_goal"]
    got = rows(marts["mart_attainment"], 2024, "criterion_no", columns)
    assert got[1] == (8, 5, 63, 3, 1, 1, 2, 1, 60)  # 5/8 = 62.5 % → 63
    assert got[2] == (8, 1, 13, 1, 0, 0, 7, 0, 100)  # 1/8 = 12.5 % → 13
    assert all(got[c] == (8, 8, 100, 8, 0, 0, 0, 0, 100) for c in range(3, 13))
    labels = rows(marts["mart_attainment"], 2024, "criterion_no", ["criterion"])
    assert labels[5] == ("Fremme helse og livskvalitet",)


def test_mart_attainment_by_county(marts):
    mart = marts["mart_attainment_by_county"]
    first = mart[(mart["grant_year"] == 2024) & (mart["criterion_no"] == 1)]
    columns = ["n_projects", "n_with_goal", "pct_with_goal", "n_ja", "n_delvis", "n_nei", "n_ikke_aktuelt",
               "n_unanswered", "pct_ja_of_goal"]
    assert rows(first, 2024, "county", columns) == {
        "Oslo": (3, 3, 100, 1, 1, 1, 0, 0, 33),
        "Østfold": (1, 0, 0, 0, 0, 0, 1, 0, None),  # no project had the goal: no share of Ja
        "Akershus": (4, 2, 50, 2, 0, 0, 1, 1, 100),
    }
    assert len(mart[mart["grant_year"] == 2024]) == 3 * 12


def test_mart_county_summary(marts):
    columns = ["county_no", "n_projects", "n_intercommunal", "granted_nok", "n_grant_amount_missing", "competence_nok",
               "allocation_nok", "unspent_nok"]
    assert rows(marts["mart_county_summary"], 2024, "county", columns) == {
        "Oslo": ("03", 3, 1, 350_000, 0, 60_000, 500_000, 90_000),
        "Østfold": ("31", 1, 1, 0, 1, 0, 300_000, 300_000),
        "Akershus": ("32", 4, 1, 330_000, 0, 45_001, 400_000, 24_999),
    }


def test_mart_target_groups(marts):
    mart = marts["mart_target_groups"]
    got = {(r["question_id"], r["target_group"]): (r["n_projects"], r["n_total_projects"], r["pct_of_projects"])
           for r in mart[mart["grant_year"] == 2024].to_dict("records")}
    assert got[("q15", "risk")] == (5, 8, 63)
    assert got[("q15", "chronic")] == (5, 8, 63)
    assert got[("q15", "both")] == (3, 8, 38)
    assert got[("q15", "other")] == (2, 8, 25)
    assert got[("q16", "all_ages")] == (2, 8, 25)
    assert got[("q16", "elderly")] == (0, 8, 0)
    assert got[("q17", "diagnosis_independent")] == (5, 8, 63)
    assert got[("q18", "diagnosis_specific")] == (3, 8, 38)
    assert len(got) == 14


def test_mart_collaboration(marts):
    columns = ["n_projects", "n_collaborative", "pct_of_collaborative", "n_all_projects", "pct_of_all_projects"]
    assert rows(marts["mart_collaboration"], 2024, "partner", columns) == {
        "frisklivssentral": (4, 6, 67, 8, 50),
        "health_station": (1, 6, 17, 8, 13),
        "other_municipal": (2, 6, 33, 8, 25),
        "user_org": (2, 6, 33, 8, 25),
        "volunteer_org": (1, 6, 17, 8, 13),
        "private": (0, 6, 0, 8, 0),
        "specialist": (1, 6, 17, 8, 13),
    }


def test_mart_lead_service(marts):
    assert rows(marts["mart_lead_service"], 2024, "lead_service", ["n_projects", "pct_of_projects"]) == {
        "frisklivssentral": (4, 50), "health_station": (0, 0), "physio_ergo": (1, 13), "mental_health": (1, 13),
        "rehab_institution": (0, 0), "gp": (1, 13), "home_care": (0, 0), "other": (1, 13),
    }


def test_mart_competence_building(marts):
    assert rows(marts["mart_competence_building"], 2024, "category", ["question_id", "n_counties", "amount_nok"]) == {
        "course_leader_hdir": ("q05", 0, 0), "course_leader_other": ("q06", 1, 45_001),
        "method_courses": ("q07", 1, 40_000), "health_communication": ("q08", 0, 0),
        "user_involvement": ("q09", 0, 0), "external_courses": ("q10", 0, 0), "other_measures": ("q11", 1, 20_000),
    }


def test_mart_national_summary(marts):
    got = {m: v for m, (v,) in rows(marts["mart_national_summary"], 2024, "metric", ["value"]).items()}
    assert got == {
        "n_counties": 3, "n_projects": 8, "min_projects_per_county": 1, "max_projects_per_county": 4,
        "avg_projects_per_county": 3,  # 8 / 3 = 2.67, rounded half up
        "n_not_collaborative": 2, "pct_not_collaborative": 25,  # p3 and p8 answered "Nei" in q21
        "n_counties_competence_not_used": 1,  # Østfold
        "n_intercommunal": 3, "pct_intercommunal": 38, "pct_target_both": 38, "pct_target_other": 25,
        "pct_diagnosis_independent": 63, "pct_diagnosis_specific": 38, "n_collaborative": 6, "pct_collaborative": 75,
        "n_collab_frisklivssentral": 4, "pct_collab_frisklivssentral": 67, "pct_collab_other_municipal": 33,
        "pct_collab_user_or_volunteer_org": 33,  # p2 (user org) and p4 (both kinds) count once each: 2 of 6
        "pct_lead_frisklivssentral": 50, "pct_lead_physio_ergo": 13, "pct_lead_mental_health": 13, "pct_lead_gp": 13,
        "pct_lead_other": 13, "n_counties_competence_used": 2, "competence_total_nok": 105_001,
        "n_report_not_delivered": 2, "pct_report_not_delivered": 25,  # p2 and p6 of 8 (p7 left q37 blank)
        # only p1 answered every criterion with Ja/Delvis/Nei (criterion 2 is "Ikke aktuelt" for the others)
        "n_projects_all_goals": 1, "n_projects_no_goal": 0,
    }


def test_mart_reconciliation(marts):
    """The money distributed against what the counties report as used: nationally from the grant
    totals, per county from the allocations; the national use is the counties' sum (Tabell 1)."""
    columns = ["distributed_nok", "n_projects", "granted_nok", "competence_nok", "reported_used_nok", "difference_nok",
               "pct_difference", "n_grant_amount_missing"]
    recon = marts["mart_reconciliation"]
    national = recon[recon["scope"] == "national"]
    assert rows(national, 2024, "scope", columns + ["appropriation_nok"]) == {
        # 680 000 granted (p4's amount unreadable) + 105 001 competence of 1 200 000: 414 999 (34.6 %) not reported
        "national": (1_200_000, 8, 680_000, 105_001, 785_001, 414_999, 35, 1, 1_300_000)}
    # 2023: 1 000 000 granted + 70 000 competence against 900 000: 170 000 more (18.9 %) than distributed
    assert rows(national, 2023, "scope", columns) == {
        "national": (900_000, 5, 1_000_000, 70_000, 1_070_000, -170_000, -19, 0)}
    county = recon[recon["scope"] == "county"]
    assert rows(county, 2024, "county", ["distributed_nok", "reported_used_nok", "difference_nok", "pct_difference"]) == {
        "Oslo": (500_000, 410_000, 90_000, 18), "Østfold": (300_000, 0, 300_000, 100),
        "Akershus": (400_000, 375_001, 24_999, 6)}
    county_sums = county[county["grant_year"] == 2024][["n_projects", "granted_nok", "competence_nok"]].sum()
    assert national[national["grant_year"] == 2024][["n_projects", "granted_nok", "competence_nok"]].iloc[0].tolist() \
        == county_sums.tolist()


def test_mart_trends_on_the_2023_county_basis(marts):
    trends = marts["mart_trends"]
    this_year = trends[trends["grant_year"] == 2024]
    assert set(this_year["previous_grant_year"]) == {2023}
    assert set(this_year["county_2023"].dropna()) == {"Oslo", "Viken"}  # Østfold + Akershus → Viken

    def trend(scope, metric, county=None, criterion=None):
        match = this_year[(this_year["scope"] == scope) & (this_year["metric"] == metric)
                          & (this_year["county_2023"].isna() if county is None else this_year["county_2023"] == county)
                          & (this_year["criterion_no"].isna() if criterion is None
                             else this_year["criterion_no"] == criterion)]
        assert len(match) == 1, (scope, metric, county, criterion)
        return tuple(None if pd.isna(v) else int(v) for v in match[["value", "previous_value", "change"]].iloc[0])

    assert trend("county", "n_projects", "Viken") == (5, 3, 2)
    assert trend("county", "n_projects", "Oslo") == (3, 2, 1)
    assert trend("county", "n_intercommunal", "Viken") == (2, 1, 1)
    assert trend("county", "granted_nok", "Viken") == (330_000, 550_000, -220_000)
    assert trend("county", "competence_nok", "Viken") == (45_001, 70_000, -24_999)
    assert trend("county", "allocation_nok", "Viken") == (700_000, 650_000, 50_000)
    assert trend("county", "unspent_nok", "Viken") == (324_999, 30_000, 294_999)
    # criterion 1, Viken: 2024 Østfold (0 of 1 with the goal) + Akershus (2 of 4) = 2 of 5; 2023: 3 of 3
    assert trend("county", "pct_with_goal", "Viken", 1) == (40, 100, -60)
    assert trend("county", "pct_ja_of_goal", "Viken", 1) == (100, 67, 33)
    # national: county-structure metrics count 2023 counties in both years
    assert trend("national", "n_counties") == (2, 2, 0)
    assert trend("national", "min_projects_per_county") == (3, 2, 1)
    assert trend("national", "max_projects_per_county") == (5, 3, 2)
    assert trend("national", "n_counties_competence_used") == (2, 1, 1)
    assert trend("national", "n_projects") == (8, 5, 3)
    assert trend("national", "pct_intercommunal") == (38, 20, 18)
    assert trend("national", "pct_with_goal", criterion=1) == (63, 80, -17)
    first_year = trends[trends["grant_year"] == 2023]
    assert first_year["previous_grant_year"].isna().all() and first_year["change"].isna().all()
    assert len(first_year) == 2 * (6 + 12 * 4) + (29 + 12 * 4)  # 29 national metrics (two on project reports, two on goals per project)
    assert len(this_year) == len(first_year)


def test_mart_trends_reads_only_the_year_before(warehouse_url):
    """Partition Y reads Y-1 and Y, as its Dagster mapping says: with 2023 moved to 2022 in every
    table it reads, 2024 is compared with nothing (it used to read every year up to Y)."""
    build_marts(warehouse_url)
    engine = sa.create_engine(warehouse_url)
    project = load_project()
    with engine.begin() as conn:
        for table in project.models["mart_trends"].refs:
            conn.execute(sa.text(f"update {table} set grant_year = 2022 where grant_year = 2023"))
    run_models(engine, project, 2024, select=["mart_trends"])
    with engine.connect() as conn:
        compared = conn.execute(sa.text("select count(*), count(previous_grant_year), count(previous_value) "
                                        "from mart_trends where grant_year = 2024")).one()
    engine.dispose()
    assert compared[0] > 0 and compared[1:] == (0, 0)


def test_every_mart_is_the_same_on_sqlite_and_postgresql(tmp_path, pg_url):
    on_sqlite = build_marts(f"sqlite:///{tmp_path / 'w.sqlite'}")
    on_postgres = build_marts(pg_url)
    assert on_sqlite.keys() == on_postgres.keys()
    for name in on_sqlite:
        pd.testing.assert_frame_equal(on_sqlite[name], on_postgres[name], check_dtype=False, obj=name)


def test_labels_are_the_forms_and_the_contracts(tmp_path):
    """Option labels in the SQL are the form's words; competence categories the contract's (its Norwegian part)."""
    marts = build_marts(f"sqlite:///{tmp_path / 'w.sqlite'}")

    def labels(mart, *keys):
        return {tuple(r[k] for k in keys): r["label"] for r in marts[mart].to_dict("records")}

    for year in (2023, 2024):
        schema = load_form_schema(REFERENCE_DIR, year)
        options = {(qid, o.key): o.label for qid in ("q15", "q16", "q21", "q22")
                   for o in schema.question(qid).options}
        options |= {("q17", "diagnosis_independent"): schema.question("q17").header,
                    ("q18", "diagnosis_specific"): schema.question("q18").header}
        assert labels("mart_target_groups", "question_id", "target_group") == {
            k: v for k, v in options.items() if k[0] in ("q15", "q16", "q17", "q18")}
        assert labels("mart_collaboration", "partner") == {
            (k,): v for (qid, k), v in options.items() if qid == "q21" and k != "none"}
        assert labels("mart_lead_service", "lead_service") == {(k,): v for (qid, k), v in options.items() if qid == "q22"}
        # a criterion by the questionnaire's corrected label where it has one (the report's name), else the header
        criteria = {(year, q.criterion_no): q.label or q.header
                    for q in schema.attainment_questions}
        for mart in ("mart_attainment", "mart_attainment_by_county"):
            part = marts[mart][marts[mart]["grant_year"] == year]
            assert {(year, r["criterion_no"]): r["criterion"] for r in part.to_dict("records")} == criteria, mart
        assert any(q.label and q.label != q.header for q in schema.attainment_questions)
    assert labels("mart_competence_building", "category", "question_id") == {
        (name.removesuffix("_nok"), qid): label.split(" (")[0] for name, qid, label in COMPETENCE_PARTS}
