"""The content of the yearly report, chapter by chapter, as the template needs it: every number
from a mart or a warehouse table, every list joined the Norwegian way, every free-text answer
counted. The template (templates/report.html.j2) only arranges it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from friskliv_pipeline.report import appendices, commentary, themes
from friskliv_pipeline.reference import is_official
from friskliv_pipeline.report.data import FREE_TEXT, ReportData, auditor_appendix
from friskliv_pipeline.report.figures import Figure
from friskliv_pipeline.report.language import in_sentence, is_blank, month_period

# Findings listed one by one in the auditor appendix; the rest are counted per rule. All of them
# stay in audit_findings and tables.xlsx: a report that grows with the data would take WeasyPrint
# minutes to lay out and nobody reads page 400 of a findings table.
MAX_FINDINGS_LISTED = 100
PUBLISHER = "Helsedirektoratet"
TITLE = "Tilskudd til etablering og utvikling av kommunale frisklivs-, lærings- og mestringstilbud"
SOURCE = "Kilde: fylkeskommunenes rapportering til Helsedirektoratet (Forms) for tilskuddsåret {year}"
# Figures in the order the document shows them: their numbers follow this order.
# Figures 1–5 are the official report's; the heat map (4.7) and the comparison (4.8) come after them,
# so a caption's number is the number in the file name.
FIGURE_ORDER = ("figur_1_prosjekter_per_fylke", "figur_2_malgrupper", "figur_3_samarbeid", "figur_4_maloppnaelse",
                "figur_5_kompetansebygging", "figur_6_mal_per_fylke", "figur_7_endring")
QUESTION_TITLES = {  # how the report names each free-text answer (short, for headings)
    "q04": "Hvorfor midlene til kompetansebygging ikke ble brukt (spørsmål 4)",
    "q11": "Andre kompetansebyggende tiltak (spørsmål 11)",
    "q15": "Målgruppe «annet» (spørsmål 15)",
    "q16": "Brukergruppe «annet» (spørsmål 16)",
    "q19": "Annet tilbud (spørsmål 19)",
    "q22": "Ledet av «annet» (spørsmål 22)",
    "q36": "Begrunnelse for delvis eller ikke oppnådd mål (spørsmål 36)",
    "q38": "Andre kommentarer om prosjektet (spørsmål 38)",
}


@dataclass
class PlacedFigure:
    number: int
    figure: Figure
    source: str  # "Kilde: …, n = 115 prosjekter"
    note: str = ""


def _trend_n(data: ReportData) -> str:
    trends = data.marts["mart_trends"]
    row = trends[(trends["scope"] == "national") & (trends["metric"] == "n_projects")]
    if row.empty or pd.isna(row["previous_value"].iloc[0]):
        return ""
    r = row.iloc[0]
    return (f"n = {int(r['previous_value'])} prosjekter i {int(r['previous_grant_year'])} og "
            f"{int(r['value'])} i {data.grant_year}")


def _figures(data: ReportData, figures: list[Figure]) -> dict[str, PlacedFigure]:
    m = data.metrics
    source = SOURCE.format(year=data.grant_year)
    n_text = {
        "figur_1_prosjekter_per_fylke": f"n = {m.get('n_projects')} prosjekter i {m.get('n_counties')} fylker",
        "figur_2_malgrupper": f"n = {m.get('n_projects')} prosjekter",
        "figur_3_samarbeid": f"n = {m.get('n_collaborative')} samarbeidsprosjekter",
        "figur_4_maloppnaelse": f"n = {m.get('n_projects')} prosjekter",
        "figur_6_mal_per_fylke": f"n = {m.get('n_projects')} prosjekter; n per fylke står ved fylkesnavnet",
        "figur_5_kompetansebygging": f"n = {m.get('n_counties_competence_used')} fylkeskommuner som brukte midler",
        "figur_7_endring": _trend_n(data),
    }
    notes = {
        "figur_2_malgrupper": ("Et prosjekt telles under «Begge disse gruppene» når det alternativet er krysset av, "
                               "eller når begge de to første gruppene er krysset av. Et prosjekt kan ha flere "
                               "målgrupper, så andelene summerer seg ikke til 100 %."),
        "figur_4_maloppnaelse": ("Søylene viser svarene Ja, Delvis og Nei som andeler av alle prosjektene. Tallet "
                                 "ved enden av søylen er andelen som hadde målet (Ja + Delvis + Nei). «Ikke aktuelt» "
                                 "betyr at prosjektet ikke hadde målet, og er ikke tegnet."),
        "figur_6_mal_per_fylke": ("Figuren viser hvor stor andel av fylkets prosjekter som hadde målet (svart Ja, "
                                  "Delvis eller Nei), ikke om målet ble nådd. Nummeret er målets nummer i figur 4."),
    }
    by_key = {f.key: f for f in figures}
    placed, number = {}, 0
    for key in FIGURE_ORDER:
        if key in by_key:
            number += 1
            placed[key] = PlacedFigure(number, by_key[key], f"{source}. {n_text[key]}.", notes.get(key, ""))
    return placed


def _extremes(data: ReportData) -> tuple[list[str], list[str]]:
    counties = data.marts["mart_county_summary"].dropna(subset=["county"])
    most = counties.loc[counties["n_projects"] == counties["n_projects"].max(), "county"].tolist()
    fewest = counties.loc[counties["n_projects"] == counties["n_projects"].min(), "county"].tolist()
    return most, fewest


def _free_text(data: ReportData, reference_dir: Path) -> dict[str, themes.Summary]:
    out = {}
    for qid in FREE_TEXT:
        rows = data.free_text[data.free_text["question_id"] == qid]
        answers = [(None if is_blank(c) else str(c), t) for c, t in zip(rows["county"], rows["text"])]
        out[qid] = themes.summarise(qid, answers, themes.load_themes(reference_dir, qid))
    return out


def _verbatim(data: ReportData) -> dict[str, list[dict]]:
    """Vedlegg 3: every distinct answer exactly as written, how often and from which counties."""
    out = {}
    for qid in FREE_TEXT:
        rows = data.free_text[data.free_text["question_id"] == qid]
        listed: dict[str, dict] = {}
        for county, text in zip(rows["county"], rows["text"]):
            entry = listed.setdefault(text, {"text": text, "n": 0, "counties": []})
            entry["n"] += 1
            if not is_blank(county) and county not in entry["counties"]:
                entry["counties"].append(county)
        out[qid] = sorted(listed.values(), key=lambda e: e["text"].casefold())
    return out


def _competence_lines(data: ReportData) -> list[dict]:
    """4.5.1: how many counties arranged each kind of measure (the mart's q05–q11 categories)."""
    rows = data.marts["mart_competence_building"].sort_values("sort_order")
    return [{**r, "label_in_sentence": in_sentence(r["label"])} for r in rows.to_dict("records")]


def _attainment(data: ReportData) -> dict:
    attainment = data.marts["mart_attainment"].sort_values("criterion_no")
    ranked = attainment.sort_values(["pct_with_goal", "criterion_no"], ascending=[False, True])
    return {"rows": attainment.to_dict("records"), "top": ranked.head(3).to_dict("records"),
            "bottom": ranked.tail(2).sort_values("pct_with_goal").to_dict("records")}


def build(data: ReportData, figures: list[Figure], provenance, reference_dir: Path,
          notes: dict[str, commentary.Commentary] | None = None) -> dict:
    """Everything the template shows, for one grant year."""
    most, fewest = _extremes(data)
    counties = data.marts["mart_county_summary"].dropna(subset=["county"])
    trends = data.marts["mart_trends"]
    previous = trends["previous_grant_year"].dropna()
    method = data.method
    form_title, questions = appendices.form_questions(reference_dir, data.grant_year)
    lead = data.marts["mart_lead_service"].sort_values("sort_order")
    return {
        "year": data.grant_year,
        "title": TITLE,
        "publisher": PUBLISHER,
        "metrics": data.metrics,
        "method": method,
        "collection_period": month_period(method.first_start, method.last_completion) if method else "",
        "most": most, "fewest": fewest,
        "attainment": _attainment(data),
        "lead_services": [r for r in lead.to_dict("records") if r["n_projects"]],
        "competence": _competence_lines(data),
        "counties": counties.to_dict("records"),
        # allocations are printed only as the official figures they must be (reference.is_official)
        "allocations_official": bool(counties["allocation_source"].map(is_official).all()) if len(counties) else False,
        "free_text": _free_text(data, reference_dir),
        "question_titles": QUESTION_TITLES,
        "verbatim": _verbatim(data),
        "notes": notes if notes is not None else commentary.load(reference_dir, data),
        "figures": _figures(data, figures),
        "regelverk_title": appendices.REGELVERK_TITLE,
        "regelverk_rules": appendices.regelverk_rules(reference_dir),
        "form_title": form_title,
        "questions": questions,
        "auditor": auditor_appendix(data, MAX_FINDINGS_LISTED),
        "has_trend": data.has_previous_year,
        "previous_year": int(previous.iloc[0]) if len(previous) else None,
        "provenance": provenance,
    }

