"""A broken export must change nothing already in the warehouse (issue 7): the run stops at the
raw layer with one clear message, and every table keeps the previous run's rows."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from friskliv_pipeline.warehouse.database import Warehouse

pytestmark = pytest.mark.slow

FAULTS = {
    "empty": lambda path: path.write_bytes(b""),
    "not_xlsx": lambda path: path.write_text("ID;Navn\n1;x\n", encoding="utf-8"),
    "corrupt_zip": lambda path: path.write_bytes(path.read_bytes()[:500]),
}


def _all_rows(url: str) -> dict[str, pd.DataFrame]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        frames = {t: pd.read_sql_query(sa.text(f'SELECT * FROM "{t}"'), conn)
                  for t in sa.inspect(conn).get_table_names()}
    engine.dispose()
    return frames


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_broken_export_leaves_every_table_as_it_was(fault, demo_copy, run_year, tmp_path):
    url = demo_copy["url"]  # the demo's 2023 and 2024, published
    before = _all_rows(url)
    export = next((tmp_path / "landing" / "2024").glob("*.xlsx"))
    FAULTS[fault](export)
    result = run_year(2024, raise_on_error=False)
    assert not result.success
    failures = [e for e in result.all_events if e.is_step_failure]
    assert [e.step_key for e in failures] == ["stage_grant_year"]
    assert export.name in str(failures[0].event_specific_data.error.cause or failures[0].event_specific_data.error)
    after = _all_rows(url)
    assert before.keys() == after.keys()
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table], obj=table)
    assert Warehouse(url).row_counts(2024)["projects"] == 115
