"""Hostile free text and personal data through every artifact (issue 7).

The export is typed by people in 15 county offices; the outputs go to auditors and the public.
Free text with HTML, script, Markdown, spreadsheet formulas, SQL metacharacters and very long
strings must arrive as inert text everywhere; respondent e-mail and name must appear nowhere
outside the raw zone (the archived export)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from friskliv_pipeline.demo.exports import build_year
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.warehouse.database import Warehouse
from tests.conftest import REFERENCE_DIR, materialize_years

pytestmark = pytest.mark.slow

SCRIPT = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil.example","klikk")'
SQL = "'); DROP TABLE projects; --"
MARKDOWN = "**fet** [lenke](http://evil.example)"
LONG = "Lang tekst " * 600
FORMULA_STARTS = ("=", "+", "-", "@")


def _hostile_export(landing: Path) -> dict[str, str]:
    """Rewrite one project of the 2024 demo export with hostile free text (a copy; the demo stays)."""
    form = load_form_schema(REFERENCE_DIR, 2024)
    path = next((landing / "2024").glob("*.xlsx"))
    wb = load_workbook(path)
    ws = wb.active
    headers = [c.value for c in ws[1]]
    column = {q.id: headers.index(next(h for h in headers if h and h.strip() == q.header.strip())) + 1
              for q in form.questions if q.id in ("q13", "q15", "q22", "q23", "q36", "q38")}
    values = {"q13": f"{SCRIPT} {SQL}", "q15": f"{FORMULA};{IMG};", "q22": "-2+3 " + MARKDOWN,
              "q23": "250 000", "q36": f"@SUM(A1) {SCRIPT}", "q38": LONG}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, column["q13"]).value)
    for qid, value in values.items():
        ws.cell(row, column[qid]).value = value
        ws.cell(row, column[qid]).data_type = "s"  # stored as text, as Forms exports it, not as a formula
    wb.save(path)
    return values


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    values = {}
    run = materialize_years(tmp_path_factory.mktemp("hostile"), ["2024"],
                            prepare_landing=lambda landing: values.update(_hostile_export(landing)))
    return {**run, "values": values}


def test_sql_metacharacters_are_stored_as_text(hostile_run):
    projects = Warehouse(hostile_run["url"]).read("projects", 2024)
    assert len(projects) == 115  # DROP TABLE did not run
    assert hostile_run["values"]["q13"] in set(projects["project_title"])
    assert (projects["other_comments"].str.len() > 5000).any()  # the long string survived whole


def test_html_escapes_every_hostile_string(hostile_run):
    html = (hostile_run["data"] / "reports" / "2024" / "report.html").read_text(encoding="utf-8")
    assert SCRIPT not in html and IMG not in html and "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or "&lt;script&gt;alert(&quot;x&quot;)" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<strong>fet</strong>" not in html and 'href="http://evil.example"' not in html


def test_pdf_shows_hostile_text_as_text(hostile_run):
    from pypdf import PdfReader

    text = " ".join(p.extract_text() for p in PdfReader(hostile_run["data"] / "reports" / "2024" / "report.pdf").pages)
    assert "onerror=alert(1)" in text  # printed literally, not interpreted


def _text_cells(path: Path):
    wb = load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                yield cell


def test_xlsx_and_csv_neutralize_formulas(hostile_run):
    out = hostile_run["data"] / "reports" / "2024"
    cells = list(_text_cells(out / "tables.xlsx"))
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no cell may be a formula"
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    assert any(SCRIPT in t for t in texts), "the hostile title is in the findings sheet, as text"
    frame = pd.read_csv(out / "indicators.csv", dtype=str, keep_default_na=False)
    assert not [v for v in frame.to_numpy().ravel() if v.startswith(FORMULA_STARTS)]


def test_personal_data_appears_in_no_table_artifact_log_or_metadata(hostile_run):
    rows, _ = build_year(2024, REFERENCE_DIR)
    secrets = {r["email"] for r in rows} | {r["name"] for r in rows}
    engine = sa.create_engine(hostile_run["url"])
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                assert not [s for s in secrets if s in " ".join(map(str, row))], table
    data = hostile_run["data"]
    for path in data.rglob("*"):
        if path.is_file() and "archive" not in path.relative_to(data).parts and path.suffix != ".sqlite":
            content = path.read_bytes()
            if path.suffix in (".xlsx",):
                content = " ".join(str(c.value) for c in _text_cells(path)).encode()
            leaked = [s for s in secrets if s.encode("utf-8") in content]
            assert not leaked, f"{path} holds personal data: {leaked[:2]}"
    for record in hostile_run["logs"]:
        text = record.user_message + " " + str(record.dagster_event.event_specific_data if record.dagster_event else "")
        assert not [s for s in secrets if s in text], "a Dagster log record or metadata holds personal data"
    archived = next((data / "archive" / "2024").glob("*.xlsx"))
    assert archived.exists()  # the raw zone keeps the export as it came
