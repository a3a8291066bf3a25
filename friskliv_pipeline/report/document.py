"""The content of the yearly report, chapter by chapter, as the templates need it: every number
from a mart or a warehouse table, every list joined the Norwegian way, every free-text answer
counted. The templates (templates/report.html.j2, templates/revisjon.html.j2) only arrange it.

Two editions come from one run: the public report (``build``), which the Directorate publishes
under its name and which holds nothing internal (no rule ids, no findings naming a
municipality, no provenance, no word about illustrative reference data), and the auditor's
edition (``build_auditor``), which holds the checks, their findings and the provenance.
A sentence of the public edition states only what the year's data make true: where a word
depends on a number ("flertallet", "både … og"), the word is chosen from the number.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from friskliv_pipeline.report import appendices, commentary, regelverk, themes
from friskliv_pipeline.report.data import FREE_TEXT, ReportData, auditor_appendix
from friskliv_pipeline.report.figures import FIGURES, Figure
from friskliv_pipeline.report.labels import answer_columns
from friskliv_pipeline.report.language import in_sentence, is_blank, month_period

PUBLISHER = "Helsedirektoratet"
TITLE = "Tilskudd til etablering og utvikling av kommunale frisklivs-, lærings- og mestringstilbud"
PUBLICATION_FILE = "publication.yml"  # commentary/<year>/publication.yml: date: 2025-09-01
# The cap on competence building: the rule the checks apply is the one the report states.
COMPETENCE_CAP_RULE = "regelverk5B.competence_cap"


@dataclass
class PlacedFigure:
    number: int
    figure: Figure
    source: str  # "Kilde: …, n = 115 prosjekter"
    note: str = ""


@dataclass
class Section:
    """A numbered sub-section of chapter 4 ("4.6"), numbered in the order the document shows them."""

    key: str
    title: str
    number: str = ""
    children: list[Section] = field(default_factory=list)


def _figures(data: ReportData, figures: list[Figure]) -> dict[str, PlacedFigure]:
    """Each drawn figure with its number (the order FIGURES declares them in), its source line and note."""
    by_key = {f.key: f for f in figures}
    numbers = {key: i for i, key in enumerate([k for k in FIGURES if k in by_key], start=1)}
    placed = {}
    for key, number in numbers.items():
        spec = FIGURES[key]
        n_text = spec.n(data).replace("n = ", "n\u00a0=\u00a0")  # "n =" / "108" never split
        placed[key] = PlacedFigure(number, by_key[key], f"{spec.source(data)}. {n_text}.", spec.note_text(numbers))
    return placed


def _trend(data: ReportData) -> dict | None:
    """4.8: figure 7's shares, each with its name inside a sentence and its change (the sign chooses
    the verb); None without a previous year."""
    from friskliv_pipeline.report.figures import trend_rows
    from friskliv_pipeline.report.labels import metric_label

    rows = trend_rows(data)
    if rows.empty:
        return None
    return {"previous_year": int(rows["previous_grant_year"].iloc[0]),
            "rows": [{"metric": metric, "label": in_sentence(metric_label(metric)), "value": int(r["value"]),
                      "previous_value": int(r["previous_value"]), "change": int(r["value"] - r["previous_value"])}
                     for metric, r in rows.iterrows()]}


def _extremes(data: ReportData) -> tuple[list[str], list[str]]:
    counties = data.marts["mart_county_summary"].dropna(subset=["county"])
    most = counties.loc[counties["n_projects"] == counties["n_projects"].max(), "county"].tolist()
    fewest = counties.loc[counties["n_projects"] == counties["n_projects"].min(), "county"].tolist()
    return most, fewest


def free_text_summaries(free_text: pd.DataFrame, reference_dir: Path) -> dict[str, themes.Summary]:
    out = {}
    for qid in FREE_TEXT:
        rows = free_text[free_text["question_id"] == qid]
        answers = [(None if is_blank(c) else str(c), t) for c, t in zip(rows["county"], rows["text"])]
        out[qid] = themes.summarise(qid, answers, themes.load_themes(reference_dir, qid))
    return out


def _verbatim(free_text: pd.DataFrame) -> dict[str, list[dict]]:
    """Vedlegg 3: every distinct answer exactly as written, how often and from which counties."""
    out = {}
    for qid in FREE_TEXT:
        rows = free_text[free_text["question_id"] == qid]
        listed: dict[str, dict] = {}
        for county, text in zip(rows["county"], rows["text"]):
            entry = listed.setdefault(text, {"text": text, "n": 0, "counties": []})
            entry["n"] += 1
            if not is_blank(county) and county not in entry["counties"]:
                entry["counties"].append(county)
        out[qid] = sorted(listed.values(), key=lambda e: e["text"].casefold())
    return out


EXAMPLES = re.compile(r"\((?:som |f\.eks\.\s*)?([^()]+)\)|f\.eks\.\s*([^.()]+)\.")


def question_examples(header: str) -> str:
    """The examples a question names in its own text: "(Sov godt, Bra mat, Snus- og røykeslutt)",
    "(som Hverdagsglede, …)", "f.eks. motiverende intervju og kognitiv terapi." → the list."""
    match = EXAMPLES.search(header)
    return "" if not match else (match.group(1) or match.group(2)).strip()


def _competence_lines(data: ReportData, form) -> list[dict]:
    """4.5.1: how many counties arranged each kind of measure (the mart's q05–q11 categories), with
    the examples the form's question gives."""
    rows = data.marts["mart_competence_building"].sort_values("sort_order")
    out = []
    for r in rows.to_dict("records"):
        examples = question_examples(form.question(r["question_id"]).header) if r.get("question_id") else ""
        out.append({**r, "label_in_sentence": in_sentence(r["label"]), "examples": examples})
    return out


def question_titles(reference_dir: Path) -> dict[str, str]:
    """How the report heads each question's free-text answers: the questionnaire's ``heading_nb`` and
    the question's number ("Annet tilbud (spørsmål 19)")."""
    from friskliv_pipeline.forms.schema import all_questions

    return {q["id"]: f"{q.get('heading_nb') or q.get('label') or q['header']} (spørsmål {int(q['id'][1:])})"
            for q in all_questions(reference_dir) if q["id"] in FREE_TEXT}


def criterion_labels(form) -> dict[int, str]:
    """Criterion number → its name in the report's own text: the form file's ``label`` where the
    form's wording has a slip ("læring- og", "og/el."), else the question as asked. The report reads
    it from the marts' ``criterion`` column (they select ``coalesce(label, header)`` of form_questions); the
    tests check it against this."""
    return {q.criterion_no: q.label or q.header for q in form.attainment_questions}


def _attainment(data: ReportData) -> dict:
    attainment = data.marts["mart_attainment"].sort_values("criterion_no")
    attainment = attainment.assign(label=attainment["criterion"])  # the report's name: the marts select it
    ranked = attainment.sort_values(["pct_with_goal", "criterion_no"], ascending=[False, True])
    top, bottom = ranked.head(3), ranked.tail(2).sort_values("pct_with_goal")
    return {"rows": attainment.to_dict("records"), "top": top.to_dict("records"),
            "bottom": bottom.to_dict("records"),
            # "en stor andel" only when each of the three is had by at least half of the projects
            "top_is_majority": bool(len(top) and (top["pct_with_goal"] >= 50).all())}


def _lead_services(data: ReportData) -> dict:
    """4.3: the lead services, each as a share of ALL projects (the mart's pct_of_projects)."""
    lead = data.marts["mart_lead_service"].sort_values(["pct_of_projects", "sort_order"], ascending=[False, True])
    rows = [r for r in lead.to_dict("records") if r["n_projects"]]
    main = next((r for r in rows if r["lead_service"] == "frisklivssentral"), None)
    return {"main": main, "main_is_majority": bool(main and main["pct_of_projects"] > 50),
            "others": [r for r in rows if r["lead_service"] != "frisklivssentral"]}


def _form_comparison(reference_dir: Path, form) -> dict | None:
    """Whether the form asked the same questions as the previous year's (years in the text aside):
    None when there is no previous form file."""
    from friskliv_pipeline.forms.schema import load_form_schema

    previous_year = form.grant_year - 1
    if not (Path(reference_dir) / "forms" / f"form_{previous_year}.json").exists():
        return None
    previous = load_form_schema(reference_dir, previous_year)

    def asked(f) -> dict[str, tuple]:
        return {q.id: (re.sub(r"\b(19|20)\d{2}\b", "YEAR", q.header), q.kind,
                       tuple(o.label for o in q.options) or q.labels) for q in f.questions}

    now, before = asked(form), asked(previous)
    changed = sorted(set(now) ^ set(before) | {q for q in set(now) & set(before) if now[q] != before[q]})
    return {"previous_year": previous_year, "changed": [int(q[1:]) for q in changed]}


def publication_date(reference_dir: Path, grant_year: int, run_date: dt.date) -> dt.date:
    """The date on the front page: ``commentary/<year>/publication.yml`` (``date: 2025-09-01``), or the run's date."""
    import yaml

    path = Path(reference_dir) / "commentary" / str(grant_year) / PUBLICATION_FILE
    if not path.exists():
        return run_date
    value = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("date")
    if value is None:  # the file is there, the date not yet written: the day of the run
        return run_date
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise commentary.CommentaryError(path, None, f"'date: {value}' is not a date",
                                         "write the publication date as date: YYYY-MM-DD") from None


def _competence_cap() -> dict:
    """The cap on competence building as the checks apply it: amount and regelverk point."""
    from friskliv_pipeline.checks.suites import rule

    cap = rule(COMPETENCE_CAP_RULE)
    amount = next(e.kwargs["max_value"] for e in cap.expectations if "max_value" in e.kwargs)
    return {"nok": amount, "point": ", ".join(regelverk.cited_points(cap.source))}


def _national_reconciliation(reconciliation: pd.DataFrame) -> dict | None:
    national = reconciliation[reconciliation["scope"] == "national"]
    return None if national.empty else national.iloc[0].to_dict()


def _sections(data: ReportData, summaries: dict) -> list[Section]:
    results = [Section("h-4-1", "Antall prosjekter"), Section("h-4-2", "Målgrupper"),
               Section("h-4-3", "Samarbeid mellom kommuner, tjenester og sektorer"),
               Section("h-4-4", "I hvilken grad har prosjektene oppfylt målene for tilskuddsordningen?",
                       children=[Section("h-4-4-1", "Fylkeskommunens begrunnelse for vurdering av prosjekter med "
                                                    "delvis eller ikke oppnådd mål")]),
               Section("h-4-5", "Tilskuddsmidler til kompetansebygging",
                       children=[Section("h-4-5-1", "Kompetansebyggende tiltak")])]
    if summaries["q38"].n_received:
        results.append(Section("h-4-6", "Andre kommentarer om prosjektene"))
    results.append(Section("h-4-7", "Målene per fylke"))
    if data.has_previous_year:
        previous = data.marts["mart_trends"]["previous_grant_year"].dropna()
        results.append(Section("h-4-8", f"Endring fra {int(previous.iloc[0])}"))
    for i, section in enumerate(results, start=1):
        section.number = f"4.{i}"
        for j, child in enumerate(section.children, start=1):
            child.number = f"4.{i}.{j}"
    return results


def build(data: ReportData, figures: list[Figure], reference_dir: Path, notes: dict | None = None,
          run_date: dt.date | None = None, draft: bool = False) -> dict:
    """Everything the public edition shows, for one grant year. ``draft``: the analyst's draft
    (UTKAST on every page): a claim that does not hold is shown in place with its condition and
    values instead of stopping the edition (``failed_claims`` lists them)."""
    from friskliv_pipeline.forms.schema import load_form_schema

    reference_dir = Path(reference_dir)
    most, fewest = _extremes(data)
    counties = data.marts["mart_county_summary"].dropna(subset=["county"])
    method = data.method
    form = load_form_schema(reference_dir, data.grant_year)
    public_text, _screened = data.screened
    summaries = free_text_summaries(public_text, reference_dir)
    sections = _sections(data, summaries)
    failed_claims: list = []
    return {
        "year": data.grant_year,
        "title": TITLE,
        "publisher": PUBLISHER,
        "publication_date": publication_date(reference_dir, data.grant_year, run_date or dt.date.today()),
        "metrics": data.metrics,
        "method": method,
        "collection_period": month_period(method.first_start, method.last_completion) if method else "",
        "collection": form.collection,
        "form_window": month_period(form.collection.get("opened"), form.collection.get("closed")),
        "form_comparison": _form_comparison(reference_dir, form),
        "grant_totals_official": data.grant_totals_official,
        "form_sent": month_period(form.collection.get("opened"), form.collection.get("opened")),
        "most": most, "fewest": fewest,
        "attainment": _attainment(data),
        "answers": answer_columns(),  # Tabell 2's answer columns, in the form's order
        "leads": _lead_services(data),
        "competence": _competence_lines(data, form),
        "competence_cap": _competence_cap(),
        "counties": counties.to_dict("records"),
        # Tabell 1's sum row: the counties' own figures summed (mart_reconciliation's national row)
        "county_sum": _national_reconciliation(data.marts["mart_reconciliation"]),
        # the reconciliation sentence: only against official grant totals
        "reconciliation": _national_reconciliation(data.reconciliation),
        # allocations are printed only as the official figures they must be (reference.is_official)
        "allocations_official": data.allocations_official,
        "free_text": summaries,
        "question_titles": question_titles(reference_dir),
        "verbatim": _verbatim(public_text),
        "notes": notes if notes is not None else commentary.load(reference_dir, data, summaries,
                                                                 failed_claims if draft else None),
        "draft": draft, "failed_claims": failed_claims,
        "figures": _figures(data, figures),
        "sections": {s.key: s for section in sections for s in [section, *section.children]},
        "results_sections": sections,
        "regelverk": regelverk.load(reference_dir, data.grant_year),
        "form_title": form.title,
        "questions": appendices.form_questions(form),
        "has_trend": data.has_previous_year,
        "trend": _trend(data),
    }


def _with_details(appendix, findings: pd.DataFrame):
    """Each listed record of the auditor appendix with its answer time, deadline and the project's
    grant, from the workbook's «Funn» rows (one source for both)."""
    from friskliv_pipeline.report.language import blank

    details = {}
    for f in findings[["Forms-ID", "Regel", "Svartidspunkt", "Frist", "Tilskudd (kr)"]].to_dict("records"):
        details.setdefault((blank(f["Forms-ID"]), f["Regel"]), (blank(f["Svartidspunkt"])[:16],
                                                                 blank(f["Frist"]).split(" (")[0], f["Tilskudd (kr)"]))
    for section in (appendix.breaches, appendix.follow_up, appendix.data_notes):
        for record in section.listed:
            answered, deadline, grant = details.get((record.get("response_id", ""), record["rule"]), ("", "", None))
            record.update(answered=answered, deadline=deadline, grant=None if pd.isna(grant) else grant)
    return appendix


def group_messages(several: pd.DataFrame, rules: list[str]) -> tuple[list[dict], list[dict]]:
    """Chapter 8: a message several projects share is written once (lettered A, B, …) with the list
    of its projects and their grants; each project's row names the rule and the letter, or the
    message that is its own. Returns (shared groups, rows)."""
    from collections import Counter

    def messages(p, rule):
        return p[rule].split(" | ") if isinstance(p[rule], str) else []

    records = several.to_dict("records")
    counts = Counter((rule, m) for p in records for rule in rules for m in messages(p, rule))
    letters, groups = {}, []
    for (rule, message), n in counts.items():
        if n > 1:
            letter = chr(ord("A") + len(groups)) if len(groups) < 26 else str(len(groups) + 1)
            letters[rule, message] = letter
            groups.append({"letter": letter, "rule": rule, "message": message, "projects": []})
    by_letter = {g["letter"]: g for g in groups}
    rows = []
    for p in records:
        items = []
        for rule in rules:
            for m in messages(p, rule):
                letter = letters.get((rule, m))
                items.append({"rule": rule, "message": None if letter else m, "letter": letter})
                if letter:
                    by_letter[letter]["projects"].append(p)
        rows.append({**p, "items": items})
    return groups, rows


def build_auditor(data: ReportData, provenance, reference_dir: Path, package) -> dict:
    """Everything the auditor's edition shows: the auditor's package (report.auditor) in prose and
    tables, the answers the public edition masks, and where every input came from."""
    from friskliv_pipeline.checks.status import SEVERITY_EXPLAINED_NB, SEVERITY_NB
    from friskliv_pipeline.report.auditor import CARRY_OVER_PART, DATA_DOCS_NOTE, MAX_FINDINGS_LISTED, PACKAGE_NOTE

    reference_dir = Path(reference_dir)
    _public, screened = data.screened
    per_project = package.per_project
    several = per_project[(per_project[["Funn", "Til oppfølging"]].sum(axis=1) > 1)]
    # long lists are listed up to MAX_FINDINGS_LISTED rows and counted; every row is in the workbook
    said = package.reconciliation["Del"] == CARRY_OVER_PART
    shown_several, shown_replaced = several.head(MAX_FINDINGS_LISTED), package.replaced.head(MAX_FINDINGS_LISTED)
    several_rules = [c for c in several.columns if "." in c and shown_several[c].notna().any()]
    groups, several_rows = group_messages(shown_several, several_rules)
    return {
        "year": data.grant_year,
        "title": TITLE,
        "publisher": PUBLISHER,
        "metrics": data.metrics,
        "regelverk": regelverk.load(reference_dir, data.grant_year),
        "package": package,
        "checks": package.checks.to_dict("records"),
        "coverage": package.coverage.to_dict("records"),
        "replaced": shown_replaced.to_dict("records"), "n_replaced": len(package.replaced),
        "several": several_rows, "n_several": len(several), "several_groups": groups,
        "several_rules": several_rules,
        # the money's rows all, the form's answers about carrying over up to MAX_FINDINGS_LISTED (a year
        # 1000 times the demo has ~14 000: a table WeasyPrint would take gigabytes to lay out)
        "reconciliation": pd.concat([package.reconciliation[~said], package.reconciliation[said].head(MAX_FINDINGS_LISTED)])
                          .to_dict("records"),
        "n_said": int(said.sum()), "n_said_shown": min(int(said.sum()), MAX_FINDINGS_LISTED),
        "auditor": _with_details(auditor_appendix(data, MAX_FINDINGS_LISTED), package.findings),
        "severity_nb": SEVERITY_NB, "severity_explained": SEVERITY_EXPLAINED_NB, "package_note": PACKAGE_NOTE,
        "screened": screened[:MAX_FINDINGS_LISTED], "n_screened": len(screened),
        "data_docs_note": DATA_DOCS_NOTE,
        "files": package.files.to_dict("records"),
        "provenance": provenance,
    }
