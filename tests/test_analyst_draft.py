"""The analyst's draft (issue 29): when claims of the commentary do not hold, the run publishes the
checked data, writes a draft of the public edition (UTKAST on every page, each failing claim in
place with its condition and values), names every failing claim in one message and writes no final
public edition; `friskliv preview` renders the draft from the published warehouse and, with
--watch, again when a commentary file is saved."""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import DEMO_LANDING, REFERENCE_DIR
from tests.test_cli_messages import CLASS_NAME

pytestmark = pytest.mark.slow
FRISKLIV = str(Path(sys.executable).parent / "friskliv")
FAILING = {  # slot file → a claim appended to it that the demo's 2024 numbers contradict
    "4.2.md": "{% claim pct_target_other > 90 %}\nNesten alle prosjektene ({{ pct_target_other }} %) hadde "
              "målgruppe «annet».\n{% endclaim %}\n",
    "4.3.md": "{% claim pct_collaborative < 50 %}\nUnder halvparten av prosjektene ({{ pct_collaborative }} %) var "
              "samarbeidsprosjekter.\n{% endclaim %}\n",
}


def _env(tmp: Path, reference: Path) -> dict:
    env = dict(os.environ)
    env.update({"FRISKLIV_DATA_DIR": str(tmp / "data"), "DAGSTER_HOME": str(tmp / "dagster_home"),
                "FRISKLIV_LANDING_DIR": str(tmp / "landing"), "FRISKLIV_REFERENCE_DIR": str(reference),
                "FRISKLIV_PSEUDONYM_KEY": "k"})
    env.pop("FRISKLIV_WAREHOUSE_URL", None)
    return env


@pytest.fixture(scope="module")
def drafted(tmp_path_factory, demo_run):
    """A good run of 2024 (a copy of the shared demo run's data folder: 2023 and 2024 published with
    the same pseudonym key), then a run of 2024 with two claims the data contradict."""
    tmp = tmp_path_factory.mktemp("draft")
    shutil.copytree(DEMO_LANDING / "2024", tmp / "landing" / "2024", ignore=shutil.ignore_patterns("*.md"))
    reference = tmp / "reference"
    shutil.copytree(REFERENCE_DIR, reference)
    shutil.copytree(demo_run["data"], tmp / "data")
    assert (tmp / "data" / "reports" / "2024" / "report.pdf").exists()
    lines = {}
    for name, claim in FAILING.items():
        path = reference / "commentary" / "2024" / name
        lines[name] = len(path.read_text(encoding="utf-8").splitlines()) + 2  # after the blank line added
        path.write_text(path.read_text(encoding="utf-8") + "\n" + claim, encoding="utf-8")
    second = subprocess.run([FRISKLIV, "run", "--year", "2024"], env=_env(tmp, reference), capture_output=True,
                            text=True, timeout=600, cwd=tmp)
    return {"tmp": tmp, "reference": reference, "second": second, "lines": lines}


def test_one_message_names_every_failing_claim_and_what_was_published(drafted):
    proc, reference = drafted["second"], drafted["reference"]
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and not CLASS_NAME.search(proc.stderr), proc.stderr
    failure = [line for line in proc.stderr.splitlines() if line.startswith("friskliv: grant year 2024 failed")]
    assert len(failure) == 1, proc.stderr
    line = failure[0]
    assert line.startswith("friskliv: grant year 2024 failed in step report_manifest: 2 claim(s) of the commentary "
                           "do not hold for 2024, so the final public edition was not written")
    for name, no in drafted["lines"].items():
        assert f"{reference / 'commentary' / '2024' / name}:{no}: «" in line, name
    assert "(pct_target_other = 16)" in line and "(pct_collaborative = 94)" in line
    draft = drafted["tmp"] / "data" / "reports" / "utkast" / "2024" / "utkast.html"
    assert f"the draft with each of them marked in place: {draft}" in line
    assert ("  published: this run's checked tables were published; the marts were rebuilt from them; the report "
            "folder (reports/2024) still holds the previous run's complete report") in proc.stderr


def test_the_draft_marks_each_failing_claim_in_place_and_no_final_edition_is_written(drafted):
    data = drafted["tmp"] / "data"
    folder = data / "reports" / "utkast" / "2024"
    html = (folder / "utkast.html").read_text(encoding="utf-8")
    assert not (folder / "report.html").exists() and not (folder / "report.pdf").exists()
    assert 'id="utkast"' in html and "UTKAST – ikke til publisering" in html
    boxes = re.findall(r'<div class="claim-failed" data-claim="([^"]+)">(.*?)</div>', html, flags=re.S)
    assert sorted(where for where, _ in boxes) == sorted(f"{n}:{no}" for n, no in drafted["lines"].items())
    for where, body in boxes:  # each box holds its condition, the values seen, and the sentence itself
        assert "Påstanden holder ikke for 2024" in body
    assert "Nesten alle prosjektene" in dict(boxes)[f"4.2.md:{drafted['lines']['4.2.md']}"]
    # every page of the PDF says UTKAST
    from pypdf import PdfReader

    pages = PdfReader(folder / "utkast.pdf").pages
    assert len(pages) > 10 and all("UTKAST" in page.extract_text() for page in pages)
    # the published report is the first run's, complete; the data of the second run are published
    published = data / "reports" / "2024"
    assert (published / "report.html").exists() and (published / "report.pdf").exists()
    assert 'class="claim-failed"' not in (published / "report.html").read_text(encoding="utf-8")
    engine = sa.create_engine(f"sqlite:///{data / 'warehouse.sqlite'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM mart_national_summary WHERE grant_year = 2024")).scalar()
    engine.dispose()


def test_preview_renders_from_the_warehouse_and_again_when_a_file_is_saved(drafted):
    tmp, reference = drafted["tmp"], drafted["reference"]
    once = subprocess.run([FRISKLIV, "preview", "--year", "2024"], env=_env(tmp, reference), capture_output=True,
                          text=True, timeout=120, cwd=tmp)
    assert once.returncode == 1  # claims do not hold
    target = tmp / "data" / "reports" / "preview" / "2024" / "utkast.html"
    assert once.stdout.startswith(f"{target} (") and "2 claim(s) do not hold" in once.stdout
    watcher = subprocess.Popen([FRISKLIV, "preview", "--year", "2024", "--watch"], env=_env(tmp, reference),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp)
    printed: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [printed.put(line) for line in watcher.stdout], daemon=True).start()
    stopped = None
    try:
        first = printed.get(timeout=60)
        assert "2 claim(s) do not hold" in first, first
        time.sleep(1.5)  # the watcher starts listening once the first draft is written
        path = reference / "commentary" / "2024" / "4.3.md"  # the analyst fixes one claim and saves
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("{% claim pct_collaborative < 50 %}", "{% claim pct_collaborative > 50 %}")
                        .replace("Under halvparten", "Over halvparten"), encoding="utf-8")
        second = printed.get(timeout=60)
        assert "1 claim(s) do not hold" in second and "4.2.md" in second and "4.3.md" not in second, second
        html = target.read_text(encoding="utf-8")
        assert "Over halvparten av prosjektene" in html and html.count('class="claim-failed"') == 1
    finally:
        watcher.send_signal(signal.SIGINT)  # how the analyst stops it: Ctrl-C
        try:
            stopped = watcher.wait(timeout=60)
        except subprocess.TimeoutExpired:  # no process outlives the test, whatever failed above
            watcher.kill()
            watcher.wait()
    assert stopped == 0, "Ctrl-C ends the watcher within a minute, quietly (exit 0)"
    assert "Traceback" not in watcher.stderr.read()
