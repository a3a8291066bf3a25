"""End to end: the demo exports of 2023 and 2024 through the Dagster job into SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from friskliv_pipeline.core.contract import TABLES
from friskliv_pipeline.demo.exports import expected_counts
from friskliv_pipeline.warehouse.database import Warehouse
from tests.conftest import DEMO_LANDING, REFERENCE_DIR

pytestmark = pytest.mark.slow


def _snapshot(url: str) -> dict[str, pd.DataFrame]:
    warehouse = Warehouse(url)
    inspector = sa.inspect(warehouse.engine)
    frames = {}
    for name, spec in TABLES.items():
        if inspector.has_table(name):
            # which run checked, and when, legitimately differs between runs; everything else must not
            frame = warehouse.read(name).drop(columns=["run_id", "checked_at"], errors="ignore")
            frames[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    warehouse.engine.dispose()
    return frames


def test_both_years_materialize_with_row_accounting(demo_warehouse):
    warehouse = Warehouse(demo_warehouse["url"])
    for year in (2023, 2024):
        expected = expected_counts(year, REFERENCE_DIR)
        counts = warehouse.row_counts(year)
        assert counts["raw_responses"] == expected["raw"]
        assert counts["responses"] == expected["raw"]
        assert counts["projects"] == expected["projects"]
        assert counts["superseded_responses"] == expected["superseded"]
        assert counts.get("set_aside_responses", 0) == expected["set_aside"]
        assert counts["projects"] + counts["superseded_responses"] + counts.get("set_aside_responses", 0) \
            == counts["raw_responses"]
        assert counts["project_attainment"] == 12 * counts["projects"]
    projects = warehouse.read("projects", 2024)
    assert projects["county"].nunique() == 15 and len(projects) == 115
    assert int(projects["intercommunal"].sum()) == 13
    competence = warehouse.read("competence_building", 2024)
    assert len(competence) == 15 and int(competence["competence_total_nok"].sum()) == 874_037
    warehouse.engine.dispose()


def test_rerun_of_a_partition_leaves_identical_tables(published_warehouse, run_year, request):
    """On SQLite the warehouse holds 2023 too (a copy of the demo run): re-running 2024 leaves 2023's
    projects exactly as they were (formerly test_rerunning_one_year_leaves_the_other_untouched, which
    ran 2024 once more on a copy of its own)."""
    first = _snapshot(published_warehouse["url"])
    before_2023 = Warehouse(published_warehouse["url"]).read("projects", 2023)
    assert run_year(2024).success
    second = _snapshot(published_warehouse["url"])
    assert first.keys() == second.keys()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)
    if request.node.callspec.params["published_warehouse"] == "sqlite":
        assert len(before_2023) == expected_counts(2023, REFERENCE_DIR)["projects"]
        pd.testing.assert_frame_equal(before_2023, Warehouse(published_warehouse["url"]).read("projects", 2023))


def test_personal_data_stays_out_of_the_warehouse(demo_run):
    """The demo respondents' e-mails and names must not appear in any table, only their hash."""
    from friskliv_pipeline.demo.exports import build_year

    url = demo_run["url"]
    rows, _ = build_year(2024, REFERENCE_DIR)
    secrets = {r["email"] for r in rows} | {r["name"] for r in rows}
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                text = " ".join(str(v) for v in row)
                leaked = [s for s in secrets if s in text]
                assert not leaked, f"{table} holds personal data: {leaked[:2]}"
    raw = Warehouse(url).read("raw_responses", 2024)
    assert raw["respondent_hash"].notna().all()
    assert raw["respondent_hash"].nunique() == 15  # one adviser per county


def test_raw_export_is_archived_unchanged(demo_run):
    from friskliv_pipeline.forms.export_reader import sha256_of

    source = next((demo_run["landing"] / "2024").glob("*.xlsx"))
    before = (DEMO_LANDING / "2024" / source.name).read_bytes()  # the export as delivered, before the run
    digest = sha256_of(source)
    archived = demo_run["data"] / "archive" / "2024" / f"{digest}.xlsx"
    assert archived.read_bytes() == before == source.read_bytes()
