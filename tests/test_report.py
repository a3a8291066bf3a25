"""The published report of the 2024 demo run (issues 5 and 12): the whole document in the official
report's order, every number traced to its mart or table, each statement family of the official
report found with the mart's value, the method chapter from the tables, the appendices generated
from the form and the checks, free text counted, a printable tagged PDF, a real browser's view."""

from __future__ import annotations

import html as html_lib

import json
import re
import subprocess
from html.parser import HTMLParser

import pandas as pd
import pytest
import sqlalchemy as sa
from PIL import Image

from friskliv_pipeline.forms.export_reader import sha256_of
from friskliv_pipeline.forms.schema import load_form_schema
from tests.conftest import REFERENCE_DIR, artifacts_dir, chromium_page, materialize_years

pytestmark = pytest.mark.slow
YEAR = 2024


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Run 2023 then 2024 (so the comparison exists) once for the whole module."""
    run = materialize_years(tmp_path_factory.mktemp("report"), ["2023", "2024"])
    html = (run["data"] / "reports" / "2024" / "report.html").read_text(encoding="utf-8")
    return {**run, "dir": run["data"] / "reports" / "2024", "html": html, "text": _plain(html)}


@pytest.fixture(scope="module")
def conn(published):
    engine = sa.create_engine(published["url"])
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def _plain(html: str) -> str:
    """The visible text, one space between words, non-breaking spaces as spaces."""
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", "", body)
    for entity, char in (("&nbsp;", " "), ("&shy;", ""), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"),
                         ("&#34;", '"'), ("&#39;", "'"), ("&quot;", '"')):
        text = text.replace(entity, char)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def _section(html: str, element_id: str) -> str:
    """The plain text of the element with that id (up to its closing tag of the same name)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>(.*?)</\1>', html, flags=re.S)
    assert match, element_id
    return _plain(match.group(2))


def _metric(conn, metric: str):
    return conn.execute(sa.text("SELECT value FROM mart_national_summary WHERE grant_year = :y AND metric = :m"),
                        {"y": YEAR, "m": metric}).scalar_one()


def _fmt(value) -> str:
    return f"{int(value):,}".replace(",", " ")


class _Numbers(HTMLParser):
    """Collects (data-source, data-value, text) of every traced number and every <img> src."""

    def __init__(self):
        super().__init__()
        self.numbers, self.images, self._open = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "span" and "data-source" in attrs:
            self._open = (attrs["data-source"], attrs.get("data-value"))
        if tag == "img":
            self.images.append(attrs.get("src", ""))

    def handle_data(self, data):
        if self._open is not None:
            self.numbers.append((*self._open, data))
            self._open = None


METHOD_SQL = {
    "n_responses": "SELECT COUNT(*) FROM raw_responses WHERE grant_year = :y",
    "n_superseded": "SELECT COUNT(*) FROM superseded_responses WHERE grant_year = :y",
    "n_set_aside": "SELECT COUNT(*) FROM set_aside_responses WHERE grant_year = :y",
    "n_projects": "SELECT COUNT(*) FROM projects WHERE grant_year = :y",
    "n_counties": "SELECT COUNT(*) FROM counties WHERE grant_year = :y",
    "n_counties_answered": "SELECT COUNT(DISTINCT county) FROM (SELECT county FROM projects WHERE grant_year = :y "
                           "UNION SELECT county FROM competence_building WHERE grant_year = :y) a",
    "appropriation_nok": "SELECT appropriation_nok FROM grant_totals WHERE grant_year = :y",
    "development_centres_nok": "SELECT development_centres_nok FROM grant_totals WHERE grant_year = :y",
    "counties_total_nok": "SELECT counties_total_nok FROM grant_totals WHERE grant_year = :y",
}


def _source_value(conn, source: str):
    kind, *key = source.split(":")
    if kind == "mart_national_summary":
        return _metric(conn, key[0])
    if kind == "grant_year":
        return YEAR
    if kind == "method":
        return conn.execute(sa.text(METHOD_SQL[key[0]]), {"y": YEAR}).scalar_one()
    ident, column = key
    where = {"mart_attainment": "criterion_no = :k", "mart_competence_building": "category = :k",
             "mart_county_summary": "county = :k", "mart_lead_service": "lead_service = :k",
             "mart_collaboration": "partner = :k", "mart_target_groups": "target_group = :k"}[kind]
    param = int(ident) if kind == "mart_attainment" else ident
    return conn.execute(sa.text(f"SELECT {column} FROM {kind} WHERE grant_year = :y AND {where}"),
                        {"y": YEAR, "k": param}).scalar_one()


# --- Every number, and the document's order -------------------------------------------------------

def test_every_number_in_the_html_equals_its_table(published, conn):
    parser = _Numbers()
    parser.feed(published["html"])
    assert len(parser.numbers) > 150
    kinds = {source.split(":")[0] for source, _, _ in parser.numbers}
    assert {"mart_national_summary", "method", "mart_attainment", "mart_county_summary",
            "mart_competence_building", "mart_lead_service"} <= kinds
    for source, value, text in parser.numbers:
        expected = _source_value(conn, source)
        shown_text = value if value is not None else text  # number words carry their value in data-value
        shown = None if shown_text == "–" else int(shown_text.replace("\u00a0", "").replace(" ", ""))
        assert shown == (None if expected is None else int(expected)), source


def test_the_document_follows_the_official_order(published):
    headings = re.findall(r"<h([1-4])[^>]*>(.*?)</h\1>", published["html"], flags=re.S)
    titles = [_plain(t).strip() for _, t in headings]
    expected = ["Innhold", "Oppsummering", "1 Bakgrunn", "2 Formål", "3 Metode", "4 Resultater", "4.1 Antall prosjekter",
                "4.2 Målgrupper", "4.3 Samarbeid", "4.4 I hvilken grad", "4.4.1 Fylkeskommunens begrunnelse",
                "4.5 Tilskuddsmidler til kompetansebygging", "4.5.1 Kompetansebyggende tiltak", "4.6 Andre kommentarer",
                "4.7 Målene per fylke", "4.8 Endring fra 2023", "Vedlegg 1", "Vedlegg 2", "Vedlegg 3", "Vedlegg 4: Funn for revisor"]
    positions = [next(i for i, t in enumerate(titles) if t.startswith(e)) for e in expected]
    assert positions == sorted(positions), titles
    front = _section(published["html"], "forside")
    assert "Tilskudd til etablering og utvikling av kommunale frisklivs-, lærings- og mestringstilbud" in front
    assert "tilskuddsåret 2024" in front and "Helsedirektoratet" in front
    assert re.search(r"Dato\s*\d{1,2}\. (januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|"
                     r"desember) \d{4}", front)
    toc_targets = re.findall(r'<a href="#([^"]+)"', published["html"].split('id="innhold"', 1)[1].split("</nav>", 1)[0])
    for target in toc_targets:  # every contents entry points at a heading that exists
        assert f'id="{target}"' in published["html"], target


def test_no_nan_or_none_anywhere(published):
    words = set(published["text"].split())
    assert not words & {"nan", "NaN", "None", "NaT", "null"}


# --- The method chapter, from the tables -------------------------------------------------------

def test_method_chapter_counts_come_from_the_tables(published, conn):
    counts = {k: conn.execute(sa.text(sql), {"y": YEAR}).scalar_one() for k, sql in METHOD_SQL.items()}
    assert counts["n_responses"] == counts["n_projects"] + counts["n_superseded"] + counts["n_set_aside"]
    method = _section(published["html"], "method-responses")
    assert (f"Det kom inn {counts['n_responses']} svar. Av dem ble {counts['n_superseded']} erstattet av et senere "
            "svar om samme prosjekt") in method
    assert (f"og {counts['n_set_aside']} ble holdt utenfor" if counts["n_set_aside"]
            else "og ingen ble holdt utenfor (0 svar") in method
    assert f"Det gir {counts['n_projects']} prosjekter. {counts['n_counties_answered']} av {counts['n_counties']} " \
           "fylkeskommuner svarte." in method
    grant = _section(published["html"], "appropriation")
    for key in ("appropriation_nok", "development_centres_nok", "counties_total_nok"):
        assert f"{_fmt(counts[key])} kr" in grant, key


def test_method_chapter_states_the_collection_period_from_the_times(published, conn):
    from friskliv_pipeline.report.language import MONTHS, date

    times = pd.read_sql_query(sa.text("SELECT start_time, completion_time FROM raw_responses WHERE grant_year = :y"),
                              conn, params={"y": YEAR})
    first, last = pd.to_datetime(times["start_time"]).min(), pd.to_datetime(times["completion_time"]).max()
    text = _section(published["html"], "method-collection")
    assert f"påbegynt {date(first)} og det siste fullført {date(last)}" in text
    assert MONTHS[first.month - 1] in text and str(last.year) in text


# --- Statement families of the official report, with the mart's values ----------------------------

def test_41_projects_average_and_extremes(published, conn):
    counties = pd.read_sql_query(sa.text("SELECT county, n_projects FROM mart_county_summary WHERE grant_year = :y"),
                                 conn, params={"y": YEAR})
    m = {k: _metric(conn, k) for k in ("n_counties", "n_projects", "pct_intercommunal", "avg_projects_per_county",
                                       "min_projects_per_county", "max_projects_per_county")}
    assert m["avg_projects_per_county"] == int(m["n_projects"] / m["n_counties"] + 0.5)
    assert (f"I {m['n_counties']} fylker ble det i 2024 gitt tilskudd til totalt {m['n_projects']} prosjekter. "
            f"{m['pct_intercommunal']} % av prosjektene ble oppgitt å være interkommunale prosjekter.") \
        in _section(published["html"], "headline")
    average = _section(published["html"], "average")
    assert f"Gjennomsnittlig er det gitt tilskudd til {m['avg_projects_per_county']} prosjekter per fylke." in average
    assert f"varierer fra {m['min_projects_per_county']} til {m['max_projects_per_county']}" in average
    most = sorted(counties.loc[counties["n_projects"] == counties["n_projects"].max(), "county"])
    fewest = sorted(counties.loc[counties["n_projects"] == counties["n_projects"].min(), "county"])
    joined = lambda xs: xs[0] if len(xs) == 1 else f"{', '.join(xs[:-1])} og {xs[-1]}"  # noqa: E731
    assert f"flest prosjekter i {joined(most)} og færrest i {joined(fewest)}" in average


def test_42_target_groups(published, conn):
    m = {k: _metric(conn, k) for k in ("pct_target_both", "pct_target_other", "pct_diagnosis_independent",
                                       "pct_diagnosis_specific")}
    assert f"{m['pct_target_both']} % av prosjektene rettet seg mot personer med både økt risiko" \
        in _section(published["html"], "target-both")
    assert f"I {m['pct_target_other']} % av prosjektene var målgruppen klassifisert som «annet»." \
        in _section(published["html"], "target-other")
    assert (f"{m['pct_diagnosis_independent']} % av prosjektene gjaldt etablering eller utvikling av "
            f"diagnoseuavhengige") in _section(published["html"], "diagnosis")
    assert f"og {m['pct_diagnosis_specific']} % gjaldt diagnosespesifikke tilbud" in published["text"]


def test_43_collaboration_and_lead_services(published, conn):
    m = {k: _metric(conn, k) for k in ("pct_collaborative", "n_collaborative", "pct_not_collaborative",
                                       "n_not_collaborative", "pct_collab_frisklivssentral", "n_collab_frisklivssentral",
                                       "pct_collab_other_municipal", "pct_collab_user_or_volunteer_org",
                                       "pct_lead_frisklivssentral")}
    collaboration = _section(published["html"], "collaboration")
    assert f"{m['pct_collaborative']} % av prosjektene var samarbeidsprosjekter" in collaboration
    assert (f"{m['pct_not_collaborative']} % av prosjektene ({m['n_not_collaborative']}) ble oppgitt å ikke være et "
            "samarbeidsprosjekt") in collaboration
    partners = _section(published["html"], "partners")
    assert (f"Frisklivssentralen var involvert i {m['pct_collab_frisklivssentral']} % av samarbeidsprosjektene "
            f"({m['n_collab_frisklivssentral']} av {m['n_collaborative']} samarbeidsprosjekter)") in partners
    assert f"Andre kommunale tjenester var involvert i {m['pct_collab_other_municipal']} %" in partners
    assert f"totalt involvert i {m['pct_collab_user_or_volunteer_org']} %" in partners
    lead = _section(published["html"], "lead-service")
    assert f"Flertallet av prosjektene, {m['pct_lead_frisklivssentral']} %, har vært ledet av frisklivssentraler." in lead
    services = pd.read_sql_query(sa.text("SELECT lead_service, label, pct_of_projects FROM mart_lead_service "
                                         "WHERE grant_year = :y AND n_projects > 0 AND lead_service <> 'frisklivssentral'"),
                                 conn, params={"y": YEAR})
    for row in services.itertuples():
        name = "«annet»" if row.lead_service == "other" else row.label[0].lower() + row.label[1:]
        assert f"{row.pct_of_projects} % ledet av {name}" in lead, row.lead_service
    assert "Annet, spesifiser" not in _section(published["html"], "resultater")  # (Vedlegg 2 quotes the form)


def test_44_goals_most_and_fewest(published, conn):
    attainment = pd.read_sql_query(sa.text("SELECT criterion_no, criterion, pct_with_goal FROM mart_attainment "
                                           "WHERE grant_year = :y"), conn, params={"y": YEAR})
    ranked = attainment.sort_values(["pct_with_goal", "criterion_no"], ascending=[False, True])
    goals = _section(published["html"], "goals")
    assert f"en stor andel av de {_metric(conn, 'n_projects')} prosjektene har hatt mål om" in goals
    fewest = goals.split("Færrest", 1)[1]
    for row in ranked.head(3).itertuples():
        label = row.criterion[0].lower() + row.criterion[1:]
        assert f"«{label}» ({row.pct_with_goal} %)" in goals.split("Færrest", 1)[0]
    for row in ranked.tail(2).itertuples():
        label = row.criterion[0].lower() + row.criterion[1:]
        assert f"«{label}» ({row.pct_with_goal} %)" in fewest


def test_45_competence_building(published, conn):
    used, total, not_used = (_metric(conn, k) for k in ("n_counties_competence_used", "competence_total_nok",
                                                         "n_counties_competence_not_used"))
    n_counties = _metric(conn, "n_counties")
    text = _section(published["html"], "competence-used")
    assert f"{used} av {n_counties} fylkeskommuner har brukt tilskudd til kompetansebygging" in text
    words = ["Ingen", "Én", "To", "Tre", "Fire", "Fem", "Seks", "Sju", "Åtte", "Ni", "Ti"]
    assert f"{words[not_used]} fylkeskommuner oppga at de ikke brukte midler" in text
    assert f"benyttet {_fmt(total)} kr på kompetansehevende tiltak" in _section(published["html"], "competence-total")
    measures = _section(published["html"], "competence-measures")
    rows = pd.read_sql_query(sa.text("SELECT label, n_counties, amount_nok FROM mart_competence_building "
                                     "WHERE grant_year = :y ORDER BY sort_order"), conn, params={"y": YEAR})
    for row in rows.itertuples():
        start = f"{words[row.n_counties]} fylkeskommune{'' if row.n_counties == 1 else 'r'} har brukt midler på"
        assert start in measures, row.label
        if row.n_counties:
            assert f"til sammen {_fmt(row.amount_nok)} kr" in measures
    assert "Helsedirektoratets kurslederkurs" in measures  # a name keeps its capital inside the sentence


def test_summary_repeats_the_headline_numbers(published, conn):
    summary = _section(published["html"], "oppsummering")
    m = {k: _metric(conn, k) for k in ("n_counties", "n_projects", "avg_projects_per_county", "pct_collaborative",
                                       "pct_collab_frisklivssentral", "n_intercommunal", "n_counties_competence_used",
                                       "competence_total_nok")}
    assert f"I 2024 ga {m['n_counties']} fylkeskommuner tilskudd til til sammen {m['n_projects']} prosjekter, " \
           f"i gjennomsnitt {m['avg_projects_per_county']} per fylke" in summary
    assert f"{m['n_intercommunal']} i alt" in summary
    assert f"{m['pct_collaborative']} % av prosjektene var samarbeidsprosjekter" in summary
    assert f"{m['n_counties_competence_used']} av {m['n_counties']} fylkeskommuner brukte tilskudd til " \
           f"kompetansebygging for ansatte i kommunene, til sammen {_fmt(m['competence_total_nok'])} kr" in summary
    # the analyst's conclusions (commentary/2024/oppsummering.md) are rendered in the summary
    assert "i all hovedsak brukt i tråd med målsettingen" in summary
    assert "i hovedsak brukt i tråd med regelverket" in summary


def test_commentary_is_rendered_in_place_with_traced_values(published, conn):
    html = published["html"]
    for slot, section in (("4.2", "h-4-2"), ("4.3", "h-4-3"), ("4.4", "h-4-4"), ("4.5", "h-4-5")):
        assert html.index(f'id="{section}"') < html.index(f'data-commentary="{slot}"'), slot
    kommentar = html.split('data-commentary="4.4"', 1)[1].split("</div>", 1)[0]
    assert 'data-source="mart_attainment:1:pct_with_goal"' in kommentar
    assert "KOSTRA" in kommentar  # a figure that does not come from the form


# --- Appendices -----------------------------------------------------------------------------------

def test_appendix_2_lists_exactly_the_form_questions(published):
    form = load_form_schema(REFERENCE_DIR, YEAR)
    rows = re.findall(r'<tr data-question="(q\d\d)"><td>(\d+)</td><td>(.*?)</td>', published["html"], flags=re.S)
    assert [r[0] for r in rows] == [q.id for q in form.questions]
    assert [_plain(r[2]) for r in rows] == [re.sub(r"\s+", " ", q.header) for q in form.questions]
    assert form.title in published["text"]


def test_appendix_1_lists_the_regelverk_rules_of_the_checks(published):
    from friskliv_pipeline.checks.suites import all_rules

    table = published["html"].split('class="rules"', 1)[1].split("</table>", 1)[0]
    shown = [c.replace("<wbr>", "") for c in re.findall(r'<td class="code">(.*?)</td>', table)]
    expected = {r.id for r in all_rules() if re.search(r"regelverk\s+\d", r.source)}
    assert set(shown) == expected and len(shown) == len(expected)
    table = table.replace("<wbr>", "")
    cap = table.split("regelverk5B.competence_cap", 1)[1].split("</tr>", 1)[0]
    assert "5B" in table and "over 100 000 kr" in _plain(cap)
    revisor = table.split("regelverk6.revisor_attestation", 1)[1].split("</tr>", 1)[0]
    assert "200 000 kr eller mer" in _plain(revisor)  # the regelverk: 200 000 kr or more needs attestation


def test_free_text_shown_equals_received_and_verbatim_lists_everything(published, conn):
    from friskliv_pipeline.report.data import FREE_TEXT

    html = published["html"]
    for qid, (table, column) in FREE_TEXT.items():
        answers = pd.read_sql_query(sa.text(f"SELECT {column} AS t FROM {table} WHERE grant_year = :y "
                                            f"AND {column} IS NOT NULL"), conn, params={"y": YEAR})["t"].str.strip()
        answers = answers[answers != ""]
        block = re.search(rf'<div class="free-text" data-question="{qid}" data-received="(\d+)">(.*?)</div>', html,
                          flags=re.S)
        if answers.empty:
            assert block is None, qid
        else:
            assert int(block.group(1)) == len(answers), qid
            shown = sum(int(n) for n in re.findall(r'data-count="(\d+)"', block.group(2)))
            assert shown == len(answers), qid
        verbatim = re.search(rf'<ul class="verbatim" data-question="{qid}">(.*?)</ul>', html, flags=re.S)
        listed = [] if verbatim is None else re.findall(r'data-count="(\d+)"', verbatim.group(1))
        assert sum(int(n) for n in listed) == len(answers), qid
        for text in set(answers):
            assert re.sub(r"\s+", " ", text) in _plain(verbatim.group(1)), (qid, text)
    assert "MAX_LISTED" not in open(__import__("friskliv_pipeline.report.html", fromlist=["x"]).__file__).read()


def _appendix_rows(appendix: str, caption: str) -> list[tuple]:
    """(county, municipality, project, rule, text) of the appendix table captioned ``caption``."""
    table = appendix.split(f"<caption>{caption}", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td[^>]*>(.*?)</td><td>(.*?)</td></tr>", table,
                      flags=re.S)
    return [(a, b, c, d.replace("<wbr>", ""), e) for a, b, c, d, e in rows]


def test_auditor_appendix_keeps_the_three_kinds_apart_by_county_municipality_project(published, conn):
    from friskliv_pipeline.report.document import MAX_FINDINGS_LISTED

    appendix = published["html"].split('id="vedlegg-revisor"', 1)[1]
    records = pd.read_sql_query(sa.text("SELECT * FROM audit_findings WHERE grant_year = :y"), conn,
                                params={"y": YEAR})
    checks = pd.read_sql_query(sa.text("SELECT * FROM audit_check_results WHERE grant_year = :y"), conn,
                               params={"y": YEAR})
    breaches, follow_up = records[records["kind"] == "breach"], records[records["kind"] == "follow_up"]
    assert 0 < len(breaches) <= MAX_FINDINGS_LISTED and 0 < len(follow_up) <= MAX_FINDINGS_LISTED
    for kind, caption in (("breach", "Tabell V4.2"), ("follow_up", "Tabell V4.3")):
        rows = _appendix_rows(appendix, caption)
        of_kind = records[records["kind"] == kind]
        assert len(rows) == len(of_kind), kind
        assert {r[3] for r in rows} == set(of_kind["rule"])
        # in bokmål, as the check worded it; blank cells blank, never nan/None
        assert sorted(html_lib.unescape(r[4]) for r in rows) == sorted(of_kind["message_nb"])
        assert not {"nan", "None"} & {cell for r in rows for cell in r}
        with_project = of_kind.dropna(subset=["project_title"])
        assert {(r.county, r.project_title) for r in with_project.itertuples()} <= \
            {(r[0], html_lib.unescape(r[2])) for r in rows}
    # a follow-up entry is not counted as a finding
    summary = appendix.split('class="rule-summary"', 1)[1].split("</table>", 1)[0]
    for rule, n in breaches.groupby("rule").size().items():
        pattern = re.escape(rule).replace(r"\.", r"\.<wbr>").replace("_", "_<wbr>")
        assert re.search(rf'<td class="code">{pattern}</td><td[^>]*>[^<]*</td><td class="num">{n}</td>',
                         summary), rule
    assert "revisor_attestation" not in summary.replace("<wbr>", "")
    assert f"Kontrollene ga {len(breaches)} funn" in _plain(appendix)
    # rules not evaluated are named with the reason, in bokmål
    not_evaluated = checks[checks["status"] == "not_evaluated"]
    assert len(not_evaluated) > 0
    listed = appendix.split('class="not-evaluated"', 1)[1].split("</ul>", 1)[0]
    for r in not_evaluated.itertuples():
        assert r.check_name.replace(".", ".<wbr>").replace("_", "_<wbr>") in listed
        assert html_lib.escape(r.reason_nb, quote=False) in listed


def test_illustrative_allocations_are_not_printed_as_fact(published):
    html = published["html"]
    table = html.split('<table class="counties">', 1)[1].split("</table>", 1)[0]
    assert "Fordelt til fylket" not in table and "Ikke brukt" not in table
    assert ":allocation_nok" not in table and ":unspent_nok" not in table
    assert "fordeling av tilskuddet per fylke for 2024 var ikke tilgjengelig" in _plain(html)


def test_a_long_findings_list_is_capped_and_counted_per_rule(published):
    """Thousands of findings: the appendix lists the first MAX_FINDINGS_LISTED and counts every rule."""
    from friskliv_pipeline.report.data import load_report_data
    from friskliv_pipeline.report.document import MAX_FINDINGS_LISTED
    from friskliv_pipeline.report.figures import read_index
    from friskliv_pipeline.report.html import Provenance, render_html

    data = load_report_data(sa.create_engine(published["url"]), YEAR)
    error = data.findings[data.findings["kind"] == "breach"].iloc[[0]].assign(
        severity="ERROR", rule="test.error_rule", message="the error finding", message_nb="feilen som stopper")
    data.findings = pd.concat([data.findings] * 60 + [error], ignore_index=True)
    breaches = data.findings[data.findings["kind"] == "breach"]
    html = render_html(data, read_index(published["dir"]), Provenance("2026-01-01T00:00:00", "test", "run", []))
    table = html.split('class="findings"', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], flags=re.S)
    assert len(rows) == MAX_FINDINGS_LISTED < len(breaches)
    assert "feilen som stopper" in rows[0]
    assert f"Alle {len(breaches):,}".replace(",", "\u00a0") in html


# --- Figures ------------------------------------------------------------------------------------

def test_figures_have_one_numbered_caption_and_a_source_with_n(published):
    html = published["html"]
    figures = re.findall(r"<figure id=\"([^\"]+)\">(.*?)</figure>", html, flags=re.S)
    assert len(figures) == 7
    index = {f["key"]: f for f in json.loads((published["dir"] / "figures.json").read_text(encoding="utf-8"))}
    assert [key for key, _ in figures] == sorted(index)  # figure N is figur_N_….svg
    for number, (key, body) in enumerate(figures, start=1):
        caption = _plain(body).strip()
        assert caption.startswith(f"Figur {number}: {index[key]['title']}"), key
        assert caption.count(index[key]["title"]) == 1  # one title: not inside the image too
        assert re.search(r"Kilde: .* n = \d+", caption), key
        assert 'src="data:image/svg+xml;base64,' in body
        svg = (published["dir"] / index[key]["svg"]).read_text(encoding="utf-8")
        assert index[key]["title"] not in svg
    assert "Begge disse gruppene" in _plain(dict(figures)["figur_2_malgrupper"]) and "krysset av" in \
        _plain(dict(figures)["figur_2_malgrupper"])
    heat = _plain(dict(figures)["figur_6_mal_per_fylke"])
    assert "hadde" in heat and "ikke om målet ble nådd" in heat
    heat_svg = (published["dir"] / "figur_6_mal_per_fylke.svg").read_text(encoding="utf-8")
    assert "Agder (n = " in heat_svg
    for ref in re.findall(r"\(figur (\d)\)", published["text"]):
        assert 1 <= int(ref) <= 7


def test_figures_are_real_images_of_the_expected_size(published):
    index = json.loads((published["dir"] / "figures.json").read_text(encoding="utf-8"))
    assert "figur_7_endring" in [f["key"] for f in index]  # 2023 exists: the comparison is drawn
    for f in index:
        with Image.open(published["dir"] / f["png"]) as image:
            image.verify()
        with Image.open(published["dir"] / f["png"]) as image:
            assert image.format == "PNG" and image.width >= 1200 and image.height >= 400
            assert round(image.info["dpi"][0]) >= 150
        svg = (published["dir"] / f["svg"]).read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_html_is_self_contained(published):
    html = published["html"]
    parser = _Numbers()
    parser.feed(html)
    assert len(parser.images) >= 7 and all(src.startswith("data:image/svg+xml;base64,") for src in parser.images)
    assert not re.search(r"<(link|script)\b", html)
    assert not re.search(r'src="(?!data:)', html)


def test_provenance_footer_names_inputs_run_and_code(published):
    export = next((published["landing"] / "2024").glob("*.xlsx"))
    assert sha256_of(export) in published["html"] and export.name in published["html"]
    assert published["run_id"] in published["html"]


# --- The PDF ------------------------------------------------------------------------------------

def test_pdf_is_printable_a4_numbered_with_outline_and_tags(published):
    import pdfplumber
    from pypdf import PdfReader

    path = published["dir"] / "report.pdf"
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) >= 10
        for number, page in enumerate(pdf.pages, start=1):
            assert (round(page.width), round(page.height)) == (595, 842), number  # A4 portrait, in points
            outside = [c["text"] for c in page.chars if c["x0"] < -0.5 or c["x1"] > page.width + 0.5
                       or c["top"] < -0.5 or c["bottom"] > page.height + 0.5]
            assert not outside, (number, "".join(outside)[:80])
            # nothing runs into the page margins (18 mm): tables and text stay inside the text block
            margin = 18 / 25.4 * 72 - 2
            in_margin = [c["text"] for c in page.chars if c["x0"] < margin or c["x1"] > page.width - margin]
            assert not in_margin, (number, "".join(in_margin)[:80])
            text = page.extract_text() or ""
            if number > 1:
                assert f"Side {number} av {len(pdf.pages)}" in text, number
            else:
                assert "Side 1" not in text
    reader = PdfReader(path)
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    assert {"Oppsummering", "3 Metode", "4.4.1 Fylkeskommunens begrunnelse for vurdering av prosjekter med delvis "
            "eller ikke oppnådd mål", "Vedlegg 4: Funn for revisor"} <= set(titles)
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root.get("/Lang") in ("nb", "nb-NO")
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages)).replace("\u00a0", " ")
    assert "Møre og Romsdal" in text and "Vedlegg 2: Spørsmålene i rapporteringsskjemaet" in text


def test_pdf_figures_are_vectors_and_pages_render(published):
    """The figures are drawn as vector paths (no 200 dpi bitmaps); pages rendered to PNG for a human."""
    import pdfplumber

    with pdfplumber.open(published["dir"] / "report.pdf") as pdf:
        assert sum(len(p.images) for p in pdf.pages) == 0
        assert sum(len(p.curves) + len(p.rects) for p in pdf.pages) > 200
    out = artifacts_dir() / "report_2024_pages"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(published["dir"] / "report.pdf"), str(out / "page")],
                   check=True, timeout=120)
    pages = sorted(out.glob("page-*.png"))
    assert len(pages) >= 10
    with Image.open(pages[0]) as first:
        assert first.width > 400


# --- Tables, manifest, browser ----------------------------------------------------------------------

def test_tables_and_indicators(published):
    sheets = pd.read_excel(published["dir"] / "tables.xlsx", sheet_name=None)
    assert {"national_summary", "attainment", "county_summary", "findings", "free_text"} <= set(sheets)
    assert set(sheets["free_text"]["question_id"]) <= {"q04", "q11", "q15", "q16", "q19", "q22", "q36", "q38"}
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
    texts = {t["file"]: t["sha256"] for t in manifest["analyst_texts"]}
    assert texts["commentary/2024/4.4.md"] == sha256_of(REFERENCE_DIR / "commentary" / "2024" / "4.4.md")
    assert "themes/q36.yml" in texts and not any("/2023/" in f for f in texts)
    assert "commentary/2024/4.4.md" in published["html"]


def test_browser_opens_the_report_from_disk(published, conn):
    """Headless Chromium (Debian's package) loads report.html: every figure decoded, headline visible."""
    n_counties, n_projects = _metric(conn, "n_counties"), _metric(conn, "n_projects")
    with chromium_page(1200, 900) as page:
        page.goto((published["dir"] / "report.html").as_uri())
        page.wait_for_load_state("load")
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
        assert len(images) >= 7 and all(done and width > 0 for done, width in images)
        headline = page.locator("#headline")
        assert headline.is_visible()
        assert re.sub(r"\s+", " ", headline.inner_text()).startswith(
            f"I {n_counties} fylker ble det i 2024 gitt tilskudd til totalt {n_projects} prosjekter.")
        page.screenshot(path=str(artifacts_dir() / "report_2024.png"), full_page=True)
    with Image.open(artifacts_dir() / "report_2024.png") as shot:
        assert shot.width >= 1200 and shot.height > 5000


def test_the_2023_report_uses_the_2023_form_and_counties(published):
    html = (published["data"] / "reports" / "2023" / "report.html").read_text(encoding="utf-8")
    form = load_form_schema(REFERENCE_DIR, 2023)
    assert [q for q in re.findall(r'<tr data-question="(q\d\d)">', html)] == [q.id for q in form.questions]
    assert form.title in _plain(html)
    assert "Viken" in _plain(html) and "tilskuddsåret 2023" in _plain(html)
    assert "KOSTRA for 2022" in _plain(html)  # the 2023 commentary, not 2024's
    assert (published["data"] / "reports" / "2023" / "report.pdf").stat().st_size > 50_000
