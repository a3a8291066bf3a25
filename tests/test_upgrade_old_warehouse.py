"""A warehouse built by the version before this one keeps working: the next run upgrades it, losing no year.

The fixture is the SQLite warehouse the landed main of 2026-11-23 (commit c388e73) built from the
demo exports, 2023 and 2024 (tests/fixtures/README.md); on PostgreSQL the test copies its tables,
as they are, into a fresh schema. Then today's ``friskliv run --year 2024`` runs on it.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from friskliv_pipeline.core.contract import TABLES
from friskliv_pipeline.warehouse.database import METADATA
from friskliv_pipeline.forms.schema import load_form_schema
from tests.conftest import DEMO_LANDING, REFERENCE_DIR
from tests.test_cli_and_project import FRISKLIV, _env

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "fixtures" / "warehouse_c388e73.sqlite.gz"
# the tables this version reshaped: the criterion's wording and the option labels are the form's now
RESHAPED = {"project_attainment": ["question_id", "criterion"], "project_target_groups": ["label", "other_text"],
            "project_user_groups": ["label", "other_text"], "project_collaborators": ["label", "other_text"]}
UNCHANGED_MARTS = {"mart_attainment_by_county": ["county", "criterion_no"], "mart_attainment": ["criterion_no"],
                   "mart_target_groups": ["question_id", "target_group"], "mart_collaboration": ["partner"]}


def _old_warehouse(tmp_path: Path, url: str) -> None:
    """The fixture's tables, columns and rows at ``url``."""
    old = tmp_path / "old.sqlite"
    with gzip.open(FIXTURE) as source, old.open("wb") as target:
        shutil.copyfileobj(source, target)
    if url.startswith("sqlite"):
        shutil.copyfile(old, sa.engine.make_url(url).database)
        return
    source, target = sa.create_engine(f"sqlite:///{old}"), sa.create_engine(url)
    tables = sa.MetaData()
    tables.reflect(source)
    with source.connect() as read, target.begin() as write:
        for table in tables.sorted_tables:
            for column in table.columns:  # SQLite's DATETIME is PostgreSQL's TIMESTAMP, as the contract's types map
                column.type = column.type.as_generic()
            table.create(write)
            rows = [dict(r._mapping) for r in read.execute(sa.select(table))]
            if rows:
                write.execute(table.insert(), rows)
    source.dispose()
    target.dispose()


def _read(engine: sa.Engine, table: str) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql_query(sa.text(f"SELECT * FROM {table}"), conn)


def test_the_next_run_upgrades_a_warehouse_of_the_previous_version_and_loses_no_year(warehouse_url, tmp_path):
    _old_warehouse(tmp_path, warehouse_url)
    engine = sa.create_engine(warehouse_url)
    inspector = sa.inspect(engine)
    old_tables = set(inspector.get_table_names())
    for table, dropped in RESHAPED.items():  # the fixture is of the old shape
        assert set(dropped) <= {c["name"] for c in inspector.get_columns(table)}
    counts_2023 = {t: len(_read(engine, t).query("grant_year == 2023")) for t in old_tables}
    marts_before = {m: _read(engine, m) for m in UNCHANGED_MARTS}

    env = {**_env(tmp_path, DEMO_LANDING), "FRISKLIV_WAREHOUSE_URL": warehouse_url}
    proc = subprocess.run([FRISKLIV, "run", "--year", "2024"], capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr

    # one line says what was upgraded
    upgraded = [line for line in proc.stdout.splitlines() if line.startswith("warehouse upgraded")]
    assert len(upgraded) == 1, proc.stdout
    for table, dropped in RESHAPED.items():
        for name in (table, f"staging_{table}"):
            assert f"{name}: " + ", ".join(f"-{c}" for c in dropped) in upgraded[0], upgraded[0]
    # every table has this version's columns now, its staged twin too (an added column comes last)
    inspector = sa.inspect(engine)
    for name in old_tables & set(METADATA.tables):
        assert {c["name"] for c in inspector.get_columns(name)} == {c.name for c in METADATA.tables[name].columns}, name
    # no 2023 row lost, in any table the old warehouse had
    for table, n in counts_2023.items():
        assert len(_read(engine, table).query("grant_year == 2023")) == n, table
    # the marts that read the reshaped tables say the same as before, for both years, but for what this
    # version changed on purpose: the rewritten 2024 marts name a criterion by the questionnaire's corrected
    # label where it has one ("lærings- og", not the form's "læring- og")
    criteria = {q.criterion_no: q.label or q.header for q in load_form_schema(REFERENCE_DIR, 2024).attainment_questions}
    for mart, key in UNCHANGED_MARTS.items():
        after = _read(engine, mart)
        before = marts_before[mart][after.columns]
        if "criterion" in after.columns:
            renamed = before["grant_year"] == 2024
            before.loc[renamed, "criterion"] = before.loc[renamed, "criterion_no"].map(criteria)
        for year in (2023, 2024):
            pd.testing.assert_frame_equal(
                before[before["grant_year"] == year].sort_values(key).reset_index(drop=True),
                after[after["grant_year"] == year].sort_values(key).reset_index(drop=True),
                check_dtype=False, obj=f"{mart} {year}")
    # the 2024 run itself went through: published, checked, reported
    projects = _read(engine, "projects")
    assert (projects["grant_year"] == 2024).sum() == 115 and (projects["grant_year"] == 2023).sum() == 108
    assert set(TABLES["project_attainment"].column_names) == set(_read(engine, "project_attainment").columns)
    assert (tmp_path / "data" / "reports" / "2024" / "report.pdf").exists()
    engine.dispose()
