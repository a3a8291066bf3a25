"""Every message true (issue 29): what `friskliv run` prints after a failure says what was and was
not published, and that is what the warehouse and the report folder then hold.

A first run publishes the demo; the second run's export differs by one grant amount (+1 000 kr), so
the published projects, the marts and the report's manifest each say which run they come from. The
second run is made to fail:

- before any step: the warehouse refuses the connection (SQLite: a file where its folder should be;
  PostgreSQL: a closed port);
- in a step, with the connection dropped (PostgreSQL): the test holds a lock on the table the step
  writes first and terminates the run's backend as soon as it waits for it;
- with the disk full (a 12 MiB tmpfs holding the data folder and a SQLite warehouse).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import DEMO_LANDING, REFERENCE_DIR
from tests.test_cli_messages import CLASS_NAME

pytestmark = pytest.mark.slow
FRISKLIV = str(Path(sys.executable).parent / "friskliv")
RAISED_BY = 1_000


def _env(tmp: Path, url: str, landing: Path) -> dict:
    env = dict(os.environ)
    env.update({"FRISKLIV_DATA_DIR": str(tmp / "data"), "DAGSTER_HOME": str(tmp / "dagster_home"),
                "FRISKLIV_LANDING_DIR": str(landing), "FRISKLIV_REFERENCE_DIR": str(REFERENCE_DIR),
                "FRISKLIV_WAREHOUSE_URL": url, "FRISKLIV_PSEUDONYM_KEY": "k"})
    return env


def _raise_one_grant(landing: Path) -> None:
    """The 2024 export with the first readable grant amount (q23) raised by RAISED_BY kroner."""
    from openpyxl import load_workbook

    from friskliv_pipeline.forms.schema import load_form_schema

    header = load_form_schema(REFERENCE_DIR, 2024).question("q23").header
    export = next((landing / "2024").glob("*.xlsx"))
    book = load_workbook(export)
    sheet = book.worksheets[0]
    top = next(r for r in range(1, 21) if sheet.cell(r, 1).value == "ID")
    column = next(c for c in range(1, sheet.max_column + 1) if str(sheet.cell(top, c).value or "").strip() == header)
    row = next(r for r in range(top + 1, sheet.max_row + 1) if str(sheet.cell(r, column).value or "").isdigit())
    sheet.cell(row, column).value = str(int(sheet.cell(row, column).value) + RAISED_BY)
    book.save(export)


def _landing(tmp: Path) -> Path:
    landing = tmp / "landing"
    shutil.copytree(DEMO_LANDING / "2024", landing / "2024", ignore=shutil.ignore_patterns("*.md"))
    return landing


def _state(url: str, data: Path) -> dict:
    """Which run each public part comes from: the sum of the published grants, the marts' sum, the
    report folder's run."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        published = conn.execute(sa.text("SELECT SUM(grant_amount_nok) FROM projects WHERE grant_year = 2024")).scalar()
        marts = conn.execute(sa.text("SELECT granted_nok FROM mart_reconciliation WHERE grant_year = 2024 AND "
                                     "scope = 'national'")).scalar()
    engine.dispose()
    manifest = json.loads((data / "reports" / "2024" / "manifest.json").read_text(encoding="utf-8"))
    return {"tables": int(published), "marts": int(marts), "report_run": manifest["run_id"]}


def _one_failure(stderr: str) -> tuple[str, str]:
    """The failure line and the publication line, and nothing a user cannot read."""
    assert "Traceback" not in stderr and 'File "' not in stderr, stderr
    assert not CLASS_NAME.search(stderr), stderr
    lines = stderr.strip().splitlines()
    failure = [line for line in lines if line.startswith("friskliv: grant year 2024 failed")]
    published = [line for line in lines if line.startswith(("  nothing of this run was published", "  published: "))]
    assert len(failure) == 1 and len(published) == 1, stderr
    return failure[0], published[0]


def _assert_message_matches(published_line: str, before: dict, after: dict, run_id: str) -> None:
    """The publication line's three statements, each against what the warehouse and folder hold."""
    new_tables = after["tables"] == before["tables"] + RAISED_BY
    new_marts = after["marts"] == before["marts"] + RAISED_BY
    new_report = after["report_run"] != before["report_run"]
    assert after["tables"] in (before["tables"], before["tables"] + RAISED_BY)
    if published_line.startswith("  nothing of this run was published"):
        assert not (new_tables or new_marts or new_report), (published_line, before, after)
        return
    assert ("this run's checked tables were published" in published_line) == new_tables, published_line
    assert ("the marts were rebuilt from them" in published_line) == new_marts, published_line
    assert ("still the previous run's" in published_line) == (not new_marts), published_line
    assert ("the report folder holds this run's report" in published_line) == new_report, published_line
    assert new_report or after["report_run"] == before["report_run"] != run_id


def _first_run(tmp: Path, url: str) -> tuple[dict, Path]:
    landing = _landing(tmp)
    proc = subprocess.run([FRISKLIV, "run", "--year", "2024"], env=_env(tmp, url, landing), capture_output=True,
                          text=True, timeout=600, cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    _raise_one_grant(landing)
    return _state(url, tmp / "data"), landing


@pytest.mark.parametrize("engine", ["sqlite", "postgres"])
def test_a_warehouse_that_refuses_the_connection_is_named_before_any_step(tmp_path, engine, request):
    if engine == "sqlite":
        (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
        url = f"sqlite:///{tmp_path / 'a-file' / 'w.sqlite'}"  # its folder cannot exist
    else:
        base = sa.engine.make_url(request.getfixturevalue("pg_url"))
        url = base.set(port=1).render_as_string(hide_password=False)
    proc = subprocess.run([FRISKLIV, "run", "--year", "2024"], env=_env(tmp_path, url, _landing(tmp_path)),
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 1
    failure, published = _one_failure(proc.stderr)
    if engine == "sqlite":
        assert failure.startswith(f"friskliv: grant year 2024 failed before any step ran: the SQLite warehouse's "
                                  f"folder {tmp_path / 'a-file'} cannot be created (File exists). What to do: set "
                                  "FRISKLIV_WAREHOUSE_URL (or FRISKLIV_DATA_DIR) to a folder you can write to")
    else:
        assert failure.startswith("friskliv: grant year 2024 failed before any step ran: the database connection "
                                  "was lost or refused (connection failed: ")
        assert "What to do: check that the warehouse at" in failure and "then run `friskliv run --year 2024` again" \
            in failure
    assert published == ("  nothing of this run was published: grant year 2024's published tables, marts and "
                         "report are the previous run's")


# the table a step writes first → the step whose connection is dropped while it waits for it
DROPPED_IN = [("raw_responses", "publish_checked_tables"), ("competence_building", "publish_checked_tables"),
              ("mart_national_summary", "sql_marts"), ("mart_reconciliation", "sql_marts")]


@pytest.mark.parametrize("table, step", DROPPED_IN)
def test_a_connection_dropped_in_a_step_says_what_was_published(tmp_path, pg_url, table, step):
    before, landing = _first_run(tmp_path, pg_url)
    admin = sa.create_engine(pg_url)
    holder = admin.connect()
    hold = holder.begin()
    holder.execute(sa.text(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE'))
    proc = subprocess.Popen([FRISKLIV, "run", "--year", "2024"], env=_env(tmp_path, pg_url, landing),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    terminated = None
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as watch:
            deadline = time.monotonic() + 300
            while terminated is None and proc.poll() is None and time.monotonic() < deadline:
                waiting = watch.execute(sa.text(
                    "SELECT pid, query FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND pid <> pg_backend_pid() AND datname = current_database()")).first()
                if waiting is not None:
                    watch.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": waiting.pid})
                    terminated = waiting.query
                time.sleep(0.05)
    finally:
        hold.rollback()
        holder.close()
    _out, err = proc.communicate(timeout=600)
    assert terminated is not None and table in terminated, terminated
    assert proc.returncode == 1
    failure, published = _one_failure(err)
    assert failure.startswith(f"friskliv: grant year 2024 failed in step {step}: the database connection was lost "
                              "or refused (terminating connection due to administrator command)")
    after = _state(pg_url, tmp_path / "data")
    admin.dispose()
    _assert_message_matches(published, before, after, run_id="")
    if step == "sql_marts":  # the marts are replaced together: none of this run's, all the previous run's
        assert after == {**before, "tables": before["tables"] + RAISED_BY}


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None,
                    reason="a size-limited file system needs root and unshare (CI runs as root)")
def test_a_full_disk_says_so_and_leaves_every_part_whole(tmp_path):
    """The data folder and the warehouse on a 12 MiB file system: the first run fits, then the disk
    is filled to its last few hundred KiB and the second run fails where it first cannot write."""
    disk = tmp_path / "disk"
    disk.mkdir()
    landing = _landing(tmp_path)
    raised = _landing(tmp_path / "second")  # the second run's landing folder: one grant raised
    _raise_one_grant(raised)
    script = textwrap.dedent(f"""\
        set -u
        mount -t tmpfs -o size=12m none {disk} || exit 97
        export FRISKLIV_DATA_DIR={disk}/data DAGSTER_HOME={tmp_path}/dagster_home
        export FRISKLIV_LANDING_DIR={landing} FRISKLIV_REFERENCE_DIR={REFERENCE_DIR} FRISKLIV_PSEUDONYM_KEY=k
        export FRISKLIV_WAREHOUSE_URL=sqlite:///{disk}/data/warehouse.sqlite
        {FRISKLIV} run --year 2024 > {tmp_path}/first.out 2> {tmp_path}/first.err || exit 98
        cp {disk}/data/warehouse.sqlite {tmp_path}/before.sqlite
        cp {disk}/data/reports/2024/manifest.json {tmp_path}/before.json
        export FRISKLIV_LANDING_DIR={raised}
        free=$(df --output=avail -B1 {disk} | tail -1)
        head -c $((free - 400*1024)) /dev/zero > {disk}/filler 2>/dev/null
        {FRISKLIV} run --year 2024 > {tmp_path}/second.out 2> {tmp_path}/second.err
        echo $? > {tmp_path}/second.rc
        cp {disk}/data/warehouse.sqlite {tmp_path}/after.sqlite
        cp {disk}/data/reports/2024/manifest.json {tmp_path}/after.json
        ls -a {disk}/data/reports/2024 > {tmp_path}/after.ls
    """)
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=900)
    if done.returncode == 97:
        pytest.skip("cannot mount a tmpfs here")
    assert done.returncode == 0, (done.stdout, done.stderr, (tmp_path / "first.err").read_text())
    assert (tmp_path / "second.rc").read_text().strip() == "1"
    err = (tmp_path / "second.err").read_text()
    failure, published = _one_failure(err)
    assert "the disk is full (" in failure and "What to do: free space on the disk" in failure, failure

    def state(name: str) -> dict:
        data = tmp_path / f"{name}-data"
        (data / "reports" / "2024").mkdir(parents=True)
        shutil.copy(tmp_path / f"{name}.json", data / "reports" / "2024" / "manifest.json")
        return _state(f"sqlite:///{tmp_path / f'{name}.sqlite'}", data)

    _assert_message_matches(published, state("before"), state("after"), run_id="")
    listed = set((tmp_path / "after.ls").read_text().split())
    assert {"report.html", "report.pdf", "manifest.json", "tables.xlsx"} <= listed  # the folder is whole
