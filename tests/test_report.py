"""The published artifacts of the 2024 demo run (issue 5): numbers traced to marts, real images,
a PDF with the headline, tables, a manifest that proves provenance, and a real browser's view."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
import sqlalchemy as sa
from PIL import Image

from friskliv_pipeline.forms.export_reader import sha256_of
from tests.conftest import artifacts_dir, chromium_page, materialize_years

pytestmark = pytest.mark.slow
HEADLINE = ("I 15 fylker ble det i 2024 gitt tilskudd til totalt 115 prosjekter. 11 % av prosjektene ble oppgitt å "
            "være interkommunale prosjekter.")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Run 2023 then 2024 (so the comparison exists) once for the whole module."""
    run = materialize_years(tmp_path_factory.mktemp("report"), ["2023", "2024"])
    return {**run, "dir": run["data"] / "reports" / "2024"}


class _Numbers(HTMLParser):
    """Collects (data-source, text) of every traced number and every <img> src."""

    def __init__(self):
        super().__init__()
        self.numbers, self.images, self._source, self.text = [], [], None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "span" and "data-source" in attrs:
            self._source = attrs["data-source"]
        if tag == "img":
            self.images.append(attrs.get("src", ""))

    def handle_data(self, data):
        self.text.append(data)
        if self._source is not None:
            self.numbers.append((self._source, data))
            self._source = None


def _mart_value(conn, source: str):
    mart, *key = source.split(":")
    if mart == "mart_national_summary":
        return conn.execute(sa.text("SELECT value FROM mart_national_summary WHERE grant_year = 2024 AND metric = :m"),
                            {"m": key[0]}).scalar_one()
    ident, column = key
    where = {"mart_attainment": "criterion_no = :k", "mart_competence_building": "category = :k",
             "mart_county_summary": "county = :k"}[mart]
    param = int(ident) if mart == "mart_attainment" else ident
    return conn.execute(sa.text(f"SELECT {column} FROM {mart} WHERE grant_year = 2024 AND {where}"),
                        {"k": param}).scalar_one()


def test_every_number_in_the_html_equals_its_mart(published):
    parser = _Numbers()
    parser.feed((published["dir"] / "report.html").read_text(encoding="utf-8"))
    assert len(parser.numbers) > 100
    engine = sa.create_engine(published["url"])
    with engine.connect() as conn:
        for source, text in parser.numbers:
            expected = _mart_value(conn, source)
            shown = None if text == "–" else int(text.replace("\u00a0", "").replace(" ", ""))
            assert shown == (None if expected is None else int(expected)), source


def test_headline_and_published_figures_are_in_the_html(published):
    text = (published["dir"] / "report.html").read_text(encoding="utf-8").replace("\u00a0", " ")
    plain = re.sub(r"<[^>]+>", "", text)
    assert HEADLINE in re.sub(r"\s+", " ", plain)
    for phrase in ("57 % av prosjektene rettet seg mot", "874 037 kr", "11 av 15 fylkeskommuner",
                   "Frisklivssentralen var involvert i 94 % av samarbeidsprosjektene (101 av 108"):
        assert phrase in re.sub(r"\s+", " ", plain), phrase


def test_html_is_self_contained(published):
    html = (published["dir"] / "report.html").read_text(encoding="utf-8")
    parser = _Numbers()
    parser.feed(html)
    assert len(parser.images) >= 7 and all(src.startswith("data:image/png;base64,") for src in parser.images)
    assert not re.search(r'<(link|script)\b', html)
    assert not re.search(r'src="(?!data:)', html)


def test_provenance_footer_names_inputs_run_and_code(published):
    html = (published["dir"] / "report.html").read_text(encoding="utf-8")
    export = next((published["landing"] / "2024").glob("*.xlsx"))
    assert sha256_of(export) in html and export.name in html
    assert published["run_id"] in html


def test_figures_are_real_images_of_the_expected_size(published):
    index = json.loads((published["dir"] / "figures.json").read_text(encoding="utf-8"))
    assert [f["key"] for f in index][:5] == ["figur_1_prosjekter_per_fylke", "figur_2_malgrupper", "figur_3_samarbeid",
                                             "figur_4_maloppnaelse", "figur_5_kompetansebygging"]
    assert "figur_7_endring" in [f["key"] for f in index]  # 2023 exists: the comparison is drawn
    for f in index:
        with Image.open(published["dir"] / f["png"]) as image:
            image.verify()
        with Image.open(published["dir"] / f["png"]) as image:
            assert image.format == "PNG" and image.width >= 1200 and image.height >= 400
            assert round(image.info["dpi"][0]) >= 150
        svg = (published["dir"] / f["svg"]).read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_pdf_holds_the_headline(published):
    from pypdf import PdfReader

    reader = PdfReader(published["dir"] / "report.pdf")
    assert len(reader.pages) >= 3
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages)).replace("\u00a0", " ")
    assert HEADLINE in text
    assert "Møre og Romsdal" in text  # æøå survive


def _findings_table_rows(html: str) -> list[str]:
    """The <tr> rows of the per-finding table (the one headed Fylke … Funn)."""
    table = html.split("<th>Funn</th>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)


def test_every_demo_finding_is_listed_in_the_html(published):
    html = (published["dir"] / "report.html").read_text(encoding="utf-8")
    with sa.create_engine(published["url"]).connect() as conn:
        n = conn.execute(sa.text("SELECT COUNT(*) FROM audit_findings WHERE grant_year = 2024")).scalar_one()
    assert 0 < n <= 100
    assert len(_findings_table_rows(html)) == n
    assert "første funnene" not in html


def test_a_long_findings_list_is_capped_and_counted_per_rule(published):
    """Thousands of findings: the report lists the first 100 (ERROR first) and counts every rule."""
    from friskliv_pipeline.report.data import load_report_data
    from friskliv_pipeline.report.figures import read_index
    from friskliv_pipeline.report.html import MAX_FINDINGS_LISTED, Provenance, render_html

    data = load_report_data(sa.create_engine(published["url"]), 2024)
    error = data.findings.iloc[[0]].assign(severity="ERROR", rule="test.error_rule", message="the error finding")
    data.findings = pd.concat([data.findings] * 60 + [error], ignore_index=True).sort_values(
        ["severity", "county", "rule"], na_position="first", kind="stable")
    html = render_html(data, read_index(published["dir"]), Provenance("now", "test", "run", []))
    rows = _findings_table_rows(html)
    assert len(rows) == MAX_FINDINGS_LISTED < len(data.findings)
    assert "the error finding" in rows[0]
    summary = html.split('class="rule-summary"', 1)[1].split("</table>", 1)[0]
    for (rule, severity), n in data.findings.groupby(["rule", "severity"]).size().items():
        assert re.search(rf"<td>{re.escape(rule)}</td><td[^>]*>{severity}</td><td>{n:,}</td>".replace(",", "\u00a0"),
                         summary), rule
    assert f"alle {len(data.findings):,}".replace(",", "\u00a0") in html


def test_tables_and_indicators(published):
    sheets = pd.read_excel(published["dir"] / "tables.xlsx", sheet_name=None)
    assert {"national_summary", "attainment", "county_summary", "findings"} <= set(sheets)
    assert len(sheets["attainment"]) == 12
    indicators = pd.read_csv(published["dir"] / "indicators.csv")
    value = indicators.set_index("indicator").loc["criterion_05_pct_with_goal", "value"]
    assert value == 92


def test_manifest_proves_which_export_made_which_report(published):
    manifest = json.loads((published["dir"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["grant_year"] == 2024 and manifest["run_id"] == published["run_id"]
    export = next((published["landing"] / "2024").glob("*.xlsx"))
    assert manifest["inputs"] == [{"file": export.name, "sha256": sha256_of(export)}]
    names = {a["file"] for a in manifest["artifacts"]}
    assert {"report.html", "report.pdf", "tables.xlsx", "indicators.csv"} <= names
    for artifact in manifest["artifacts"]:
        assert sha256_of(published["dir"] / artifact["file"]) == artifact["sha256"], artifact["file"]
    assert manifest["row_counts"]["projects"] == 115 and manifest["row_counts"]["mart_attainment"] == 12


def test_browser_opens_the_report_from_disk(published):
    """Headless Chromium (Debian's package) loads report.html: every image decoded, headline visible."""
    with chromium_page(1200, 900) as page:
        page.goto((published["dir"] / "report.html").as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
        assert len(images) >= 7 and all(done and width > 0 for done, width in images)
        headline = page.locator("#headline")
        assert headline.is_visible()
        assert re.sub(r"\s+", " ", headline.inner_text()) == HEADLINE
        page.screenshot(path=str(artifacts_dir() / "report_2024.png"), full_page=True)
    with Image.open(artifacts_dir() / "report_2024.png") as shot:
        assert shot.width >= 1200 and shot.height > 3000
