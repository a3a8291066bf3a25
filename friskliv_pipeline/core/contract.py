"""The data contract: every warehouse table, its columns, their types, meaning and source question.

One definition serves three readers: the warehouse (SQLAlchemy DDL), the Dagster UI (column
schema, column lineage to the form questions) and ``docs/data_contract.md`` (written by
``friskliv_pipeline.operations.contract_docs``; a test keeps it in sync). ``conform`` makes a DataFrame
match its table before it is written, so a renamed or forgotten column fails loudly instead of
drifting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

TYPES = {"text": "string", "int": "Int64", "bool": "boolean", "datetime": "datetime64[us]", "float": "Float64"}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of TYPES
    description: str
    source: str = ""  # question id(s) or where the value comes from


@dataclass(frozen=True)
class Table:
    name: str
    layer: str
    description: str
    columns: tuple[Column, ...]
    partitioned: bool = True

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _c(name, type_, description, source=""):
    return Column(name, type_, description, source)


GRANT_YEAR = _c("grant_year", "int", "Grant year (tilskuddsår) the report is about; the partition key", "folder <landing>/<year>/")
RESPONSE_ID = _c("response_id", "text", "Forms response ID (the export's ID column)", "ID")
SOURCE_ROW = _c("source_row", "int", "Row number in the export sheet (header row = 1 unless title rows precede it)", "export")
COUNTY = _c("county", "text", "County (fylkeskommune) in that grant year's county structure; NULL when q01 did not match", "q01")
COMPLETION = _c("completion_time", "datetime", "When the respondent submitted the response", "Completion time / Fullføringstidspunkt")

# The contract's mapping of the form to tables. What a question is (its kind, options and their
# labels, criterion number, competence category) is declared once, in the questionnaire
# (assets/reference/forms/questions.json); the contract says which columns hold its answers.
MULTI_PREFIX = {"q15": "target", "q16": "user", "q21": "collab"}  # multiple-choice question → its flag columns


def _questions() -> list[dict]:
    """The questionnaire's questions and those a year's form adds (both from the configured reference
    folder): every question gets its raw column, and a new one of a kind the cleaning can type its
    clean column (``ADDED_QUESTION_TYPES``); a year that does not ask it holds NULL there."""
    from friskliv_pipeline.forms.schema import all_questions

    return all_questions()


def _question(qid: str) -> dict:
    return next(q for q in _questions() if q["id"] == qid)


def _options(qid: str) -> list[tuple[str, str]]:
    """(key, description) of each option: its label; an option that implies others says so."""
    out = []
    for o in _question(qid).get("options", []):
        note = f" — true whenever {' and '.join(o['implies'])} are all true, however ticked" if o.get("implies") else ""
        out.append((o["key"], o["label"].rstrip(": ") + note))
    return out


COMPETENCE_PARTS = [(f"{q['category']}_nok", q["id"], q.get("label") or q["header"])
                    for q in _questions() if q.get("category")]  # (column, question, label): q05..q11


def _flags(prefix: str, qid: str, options) -> list[Column]:
    cols = [_c(f"{prefix}_{key}", "bool", f"Ticked: {label}", qid) for key, label in options]
    if any(k == "other" for k, _ in options):
        cols.append(_c(f"{prefix}_other_text", "text", "Free text given for 'Annet' (answers that match no option)", qid))
    return cols


def _competence_columns() -> list[Column]:
    cols = [_c("competence_used", "bool", "Har fylkeskommunen brukt tilskudd til kompetansebygging? (Ja/Nei)", "q03"),
            _c("competence_not_used_reason", "text", "Why competence money was not used", "q04")]
    for name, qid, label in COMPETENCE_PARTS:
        if qid == "q11":
            cols.append(_c("other_measures_text", "text", "What the other measures were (the q11 text as written)", qid))
            label += " (the one amount found in the q11 text)"
        cols.append(_c(name, "int", f"Kroner: {label}; NULL if unanswered or unparseable", qid))
    cols.append(_c("competence_total_nok", "int", "Totalbeløp for kompetansebyggende tiltak (as reported)", "q12"))
    return cols


PROJECT_CORE = [
    GRANT_YEAR, RESPONSE_ID, SOURCE_ROW, COMPLETION,
    _c("county_reported", "text", "County as written in the export", "q01"), COUNTY,
    _c("project_title", "text", "Prosjekttittel, whitespace-folded", "q13"),
    _c("municipality_reported", "text", "Kommune/bydel as written", "q14"),
]
PROJECT_ANSWERS = [
    *_flags(MULTI_PREFIX["q15"], "q15", _options("q15")), *_flags(MULTI_PREFIX["q16"], "q16", _options("q16")),
    _c("diagnosis_independent", "bool", "Var det et diagnoseuavhengig tilbud?", "q17"),
    _c("diagnosis_specific", "bool", "Var det et diagnosespesifikt tilbud?", "q18"),
    _c("other_offer_text", "text", "Dersom det var et annet tilbud, spesifiser", "q19"),
    _c("intercommunal", "bool", "Var prosjektet et interkommunalt samarbeid?", "q20"),
    *_flags(MULTI_PREFIX["q21"], "q21", _options("q21")),
    _c("is_collaborative", "bool", "Any q21 partner ticked (a 'samarbeidsprosjekt')", "q21"),
    _c("lead_service", "text", "Lead service option key (frisklivssentral, physio_ergo, …, other)", "q22"),
    _c("lead_service_label", "text", "Lead service as labelled in the form", "q22"),
    _c("lead_service_other_text", "text", "Free text when the lead service was 'Annet'", "q22"),
    _c("grant_amount_nok", "int", "Tilskuddsbeløp in whole kroner; NULL if unparseable (see cleaning_issues)", "q23"),
    _c("attainment_comment", "text", "Comment on 'Delvis'/'Nei' attainment answers", "q36"),
    _c("project_report_delivered", "bool", "Har kommunen levert prosjektrapport?", "q37"),
    _c("other_comments", "text", "Andre kommentarer om prosjektet", "q38"),
]
# A project question the columns above do not hold (one the questionnaire or a year's form adds)
# gets one column named by its id, of the type its kind is cleaned to; the kinds that need more
# than one column (multiple choice, attainment, money with text) keep their answers in the raw
# table only, and the cleaning of a year that asks one says so.
ADDED_QUESTION_TYPES = {"yes_no": "bool", "text": "text", "money": "int"}
_HELD = {c.source for c in [*PROJECT_CORE, *PROJECT_ANSWERS]}
PROJECT_ANSWERS += [
    _c(q["id"], ADDED_QUESTION_TYPES[q["kind"]], f"{q.get('label') or q['header']} (question {q['id']}, added to the "
       "form; NULL in the years that did not ask it)", q["id"])
    for q in _questions()
    if q["section"] == "project" and q["id"] not in _HELD and q["kind"] in ADDED_QUESTION_TYPES]
ATTAINMENT_WIDE = [_c(f"attainment_{q['criterion_no']:02d}", "text", f"Attainment answer for criterion "
                      f"{q['criterion_no']} (Ja/Delvis/Nei/Ikke aktuelt)", q["id"])
                   for q in _questions() if q["kind"] == "attainment"]

RAW_QUESTION_COLUMNS = [_c(q["id"], "text", f"Answer to question {int(q['id'][1:])} exactly as exported (text)", q["id"])
                        for q in _questions()]


def column_of(question_id: str, table: str = "responses", kind: str | None = None) -> str:
    """The column of ``table`` that holds ``question_id``'s answer (of contract type ``kind``): the
    contract's mapping read back, so the cleaning and the report never keep their own."""
    hits = [c.name for c in TABLES[table].columns if c.source == question_id and (kind is None or c.type == kind)]
    if len(hits) != 1:
        from friskliv_pipeline.core.errors import FrisklivError
        from friskliv_pipeline.forms.schema import questionnaire_path
        from friskliv_pipeline.core.settings import Settings

        raise FrisklivError(
            f"file {questionnaire_path(Settings.from_env().reference_dir)}: question {question_id} has "
            f"{len(hits) or 'no'} column{'s' if len(hits) > 1 else ''} of type {kind or 'any'} in the data contract's "
            f"table {table}, so its answers cannot be cleaned. What to do: a new question needs its columns in the data "
            "contract (friskliv_pipeline/core/contract.py), a change of this version: ask its maintainers; until then take "
            f"{question_id} out of the questionnaire (its answers stay in the archived export)")
    return hits[0]

TABLES: dict[str, Table] = {t.name: t for t in [
    Table("counties", "reference", "One row per county and grant year: the county structure of that year.", (
        GRANT_YEAR, _c("county_no", "text", "County number (fylkesnummer), two digits"),
        _c("county", "text", "County name as used in the form"),
        _c("county_2023", "text", "The 2023 county it belongs to (common basis for year-on-year comparison)"),
        _c("county_official", "text", "SSB's official name with its Sami/Kven forms (KLASS 104), e.g. 'Troms - Romsa - "
           "Tromssa'; NULL where the SSB copy has no list (2023)"),
    )),
    Table("municipalities", "reference", "One row per municipality (or Oslo bydel) and grant year; source in assets/reference/SOURCES.md.", (
        GRANT_YEAR, _c("municipality_no", "text", "Kommunenummer (6 digits for Oslo's bydeler)"),
        _c("municipality", "text", "Official name"), _c("county_no", "text", "County number"),
        _c("county", "text", "County name"), _c("kind", "text", "kommune or bydel"),
        _c("parent_municipality_no", "text", "For a bydel, its municipality (0301)"),
    )),
    Table("allocations", "reference", "One row per county and grant year: the grant allocated to the county, with its source (see SOURCES.md).", (
        GRANT_YEAR, _c("county", "text", "County"), _c("allocation_nok", "int", "Allocation to the county in kroner"),
        _c("source", "text", "Where the figure comes from: the year's tilskuddsbrev, or 'illustrative: …' (then the allocation rules are not evaluated)"),
    )),
    Table("grant_totals", "reference", "One row per grant year: the appropriation and its split.", (
        GRANT_YEAR, _c("appropriation_nok", "int", "Total appropriation (bevilgning)"),
        _c("development_centres_nok", "int", "Granted to the development centres (utviklingssentraler)"),
        _c("counties_total_nok", "int", "Distributed to the counties"), _c("source", "text", "Where the numbers come from"),
    )),
    Table("form_questions", "reference", "One row per question of the grant year's form, from the questionnaire "
          "(assets/reference/forms/questions.json and form_<year>.json): what the marts and the report name it by.", (
        GRANT_YEAR, _c("question_id", "text", "q01..q38"), _c("number", "int", "The question's number in the form"),
        _c("header", "text", "The question as the form asks it, the year filled in"),
        _c("kind", "text", "county, yes_no, text, money, money_text, municipality, multi, single or attainment"),
        _c("criterion_no", "int", "Attainment criterion 1..12 (regelverk point 2) for q24..q35; NULL otherwise"),
        _c("category", "text", "Competence-building category of q05..q11 (its amount column is <category>_nok)"),
        _c("label", "text", "The report's name for the question where it has one (a criterion, a category)"),
    )),
    Table("form_options", "reference", "One row per option of each multiple- or single-choice question of the "
          "grant year's form and of its attainment scale: the labels the marts print, word for word.", (
        GRANT_YEAR, _c("question_id", "text", "q15, q16, q21, q22; q24–q35 (the attainment scale)"),
        _c("option_key", "text", "The option's stable key"),
        _c("sort_order", "int", "The option's place in the question, from 1"),
        _c("label", "text", "The option as the form words it"),
    )),
    Table("raw_responses", "raw", "One row per response in the export(s), every cell as text. E-mail and name are replaced by a keyed hash.", (
        GRANT_YEAR, _c("source_file", "text", "Export file name in the landing folder"),
        _c("source_sha256", "text", "sha256 of the export file (the archived copy is <data_dir>/archive/<year>/<sha256>.<ext>)"),
        SOURCE_ROW, _c("export_locale", "text", "nb or en, from the metadata headers"),
        _c("date_order", "text", "day_first or month_first, decided by the file's own date values; undecided when no value "
           "has a field above 12 (then read in the header language's order, refused if that decides a resubmission); "
           "NULL for real date-time cells"),
        RESPONSE_ID, _c("start_time", "text", "Start time as exported", "Start time / Starttidspunkt"),
        _c("completion_time", "text", "Completion time as exported", "Completion time / Fullføringstidspunkt"),
        _c("last_modified_time", "text", "Last modified time as exported, when present", "Last modified time"),
        _c("respondent_hash", "text", "HMAC-SHA256 (16 hex) of the respondent's e-mail or name; the plain values are never stored", "Email, Name"),
        *RAW_QUESTION_COLUMNS,
        _c("extra_columns", "text", "JSON object of non-empty cells in columns that match no question"),
        _c("overlapping_versions", "text", "JSON list of other versions of this response ID in overlapping exports "
           "(file, row, times) that differed and were replaced by this later one; identical repeats are not listed"),
    )),
    Table("responses", "clean", "One typed row per response (projects, resubmissions and set-aside rows alike).", (
        *PROJECT_CORE[:2], _c("source_file", "text", "Export file name"), *PROJECT_CORE[2:],
        _c("competence_already_reported", "bool", "Har du allerede rapportert på kompetansebygging? (Ja = skip section)", "q02"),
        *_competence_columns(), *PROJECT_ANSWERS, *ATTAINMENT_WIDE,
        _c("has_project", "bool", "Any project answer (q13–q35) given; false rows are set aside"),
    )),
    Table("projects", "clean", "One row per project and grant year: the latest response for each county + municipality + title.", (
        *PROJECT_CORE, _c("county_no", "text", "County number", "q01 + counties"),
        _c("municipality_no", "text", "Kommunenummer of the (first named) municipality; NULL when not found in the reporting county", "q14 + municipalities"),
        _c("municipality", "text", "Register name of that municipality", "q14 + municipalities"),
        _c("n_municipalities_named", "int", "How many municipalities q14 names (inter-municipal projects may name several)", "q14"),
        _c("unnamed_neighbours", "bool", "q14 adds municipalities it does not name ('… og nabokommuner'); they have no row in project_municipalities", "q14"),
        *PROJECT_ANSWERS,
    )),
    Table("superseded_responses", "clean", "One row per response replaced by a later resubmission of the same project.", (
        GRANT_YEAR, RESPONSE_ID, SOURCE_ROW, COUNTY, _c("municipality_reported", "text", "As written", "q14"),
        _c("project_title", "text", "As written", "q13"), COMPLETION,
        _c("superseded_by", "text", "response_id of the kept (latest) response"), _c("reason", "text", "Why it was superseded"),
    )),
    Table("set_aside_responses", "clean", "One row per response that is not a project (no project answers); kept for row accounting.", (
        GRANT_YEAR, RESPONSE_ID, SOURCE_ROW, COUNTY, COMPLETION, _c("reason", "text", "Why it was set aside"),
    )),
    Table("competence_building", "clean", "One row per county and grant year: the county's competence-building report (regelverk 5B).", (
        GRANT_YEAR, COUNTY, _c("county_no", "text", "County number"),
        _c("response_id", "text", "Response the report was taken from (the latest when repeated)", "q02"),
        *_competence_columns(),
        _c("n_reports", "int", "Responses that carried this county's competence section"),
        _c("n_distinct_reports", "int", "Distinct versions among them (> 1: see competence_building_conflicts)"),
        _c("parts_sum_nok", "int", "Sum of the parts q05..q11 (compare with competence_total_nok)", "q05–q11"),
    )),
    Table("competence_building_conflicts", "clean", "One row per competence report that conflicts with the kept one; never summed.", (
        GRANT_YEAR, COUNTY, RESPONSE_ID, _c("kept_response_id", "text", "The response whose report was kept"),
        _c("reason", "text", "Why it was kept aside"),
    )),
    Table("project_municipalities", "clean", "One row per project and municipality named in q14.", (
        GRANT_YEAR, RESPONSE_ID, _c("position", "int", "Order in which q14 names it (1 = applicant)"),
        _c("name_reported", "text", "The name as written", "q14"),
        _c("municipality_no", "text", "Kommunenummer; NULL when not found in the reporting county", "q14"),
        _c("municipality", "text", "Register name", "q14"),
    )),
    Table("project_target_groups", "clean", "One row per project and ticked target group (q15; 'Begge' expands to "
          "both groups). The option's label is form_options'; the 'Annet' text is projects.target_other_text.", (
        GRANT_YEAR, RESPONSE_ID, _c("target_group", "text", "Option key (form_options.option_key of q15)", "q15"),
    )),
    Table("project_user_groups", "clean", "One row per project and user group the offer was aimed at (q16). The "
          "option's label is form_options'; the 'Annet' text is projects.user_other_text.", (
        GRANT_YEAR, RESPONSE_ID, _c("user_group", "text", "Option key (form_options.option_key of q16)", "q16"),
    )),
    Table("project_collaborators", "clean", "One row per collaborative project and partner (q21; 'Nei' is not a "
          "partner). The option's label is form_options'.", (
        GRANT_YEAR, RESPONSE_ID, _c("partner", "text", "Option key (form_options.option_key of q21)", "q21"),
    )),
    Table("project_attainment", "clean", "One row per project × attainment criterion 1..12 (regelverk point 2), "
          "keyed by numbers: the criterion's question and wording are form_questions' (criterion_no).", (
        GRANT_YEAR, RESPONSE_ID, COUNTY, _c("criterion_no", "int", "1..12 in the order of q24..q35 "
                                            "(form_questions.criterion_no)"),
        _c("answer", "text", "Ja, Delvis, Nei or Ikke aktuelt; NULL when unanswered or unreadable", "q24–q35"),
    )),
    Table("cleaning_issues", "clean", "One row per cell the cleaning rules could not read or that breaks a form rule (kept, set NULL, recorded).", (
        GRANT_YEAR, RESPONSE_ID, SOURCE_ROW, _c("question_id", "text", "Question (or metadata field) concerned"),
        _c("rule", "text", "Rule id, e.g. q23.money_unparseable"), _c("message", "text", "What is wrong"),
        _c("value", "text", "The cell as exported (first 200 characters)"),
    )),
    Table("audit_check_results", "audit", "One row per grant year, guarded asset and rule: the results of the last run whose checks all completed (see docs/checks.md).", (
        GRANT_YEAR, _c("run_id", "text", "Dagster run that ran the checks"),
        _c("asset", "text", "Table (asset) the check guards"),
        _c("check_name", "text", "Rule id, e.g. regelverk5B.competence_cap (the Dagster check name has '_' for '.')"),
        _c("kind", "text", "breach (a rule of the regelverk or the form), follow_up (to verify elsewhere) or data_note"),
        _c("severity", "text", "ERROR (a breach that blocks publication), WARN (a breach; never blocks) or INFO (follow-up list, data note)"),
        _c("status", "text", "passed, failed (a breach was found) or not_evaluated (inputs not official or not there: see reason)"),
        _c("passed", "bool", "False when the rule found a breach, true when it was evaluated without one (a follow-up "
           "list or data note passes), NULL when it was not evaluated: status says which"),
        _c("n_evaluated", "int", "Records the rule judged (its population); NULL when not evaluated"),
        _c("observed", "text", "What the check saw, e.g. '1 of 15 counties' or the observed total"),
        _c("expected", "text", "What the rule expects, in words"),
        _c("reason", "text", "Why the rule was not evaluated (NULL when it was)"),
        _c("reason_nb", "text", "The same in bokmål, as the report's auditor appendix prints it"),
        _c("n_records", "int", "Records the rule lists: findings of a breach, entries of a follow-up list or data note"),
        _c("checked_at", "datetime", "When the check ran (UTC)"),
    )),
    Table("audit_findings", "audit", "One row per record a rule lists (breach, follow-up entry or data note), of the last run whose checks all completed.", (
        GRANT_YEAR, _c("run_id", "text", "Dagster run that found it"),
        _c("asset", "text", "Table (asset) whose check found it"),
        _c("rule", "text", "Rule id (audit_check_results.check_name)"),
        _c("kind", "text", "breach, follow_up or data_note: filter on kind = 'breach' for findings"),
        _c("severity", "text", "ERROR, WARN or INFO"),
        _c("county", "text", "County concerned; NULL for a national or table-level finding"),
        _c("municipality", "text", "Municipality concerned (register name, else as written)"),
        _c("project_title", "text", "Project concerned"),
        _c("response_id", "text", "Forms response the record comes from"),
        _c("sheet_row", "int", "Row of that response in the export sheet"),
        _c("question_id", "text", "The question whose answer the rule judged: the export column to re-read it in "
           "(raw_responses.qNN); NULL for a figure of a whole table or county"),
        _c("value", "text", "The value the rule judged, as parsed (an amount in kroner, an answer, a name)"),
        _c("message", "text", "The record in words (English), with the amounts and values concerned"),
        _c("message_nb", "text", "The same in bokmål, as the report prints it"),
    )),
]}

REFERENCE_TABLES = ("counties", "municipalities", "allocations", "grant_totals", "form_questions", "form_options")


def free_text_columns() -> dict[str, tuple[str, str]]:
    """Each free-text question of the questionnaire → (table, column) holding its text as written:
    a question's own text, or the 'Annet' text of a question with an 'Annet' option."""
    out = {}
    for q in _questions():
        if not q.get("free_text"):
            continue
        other = any(isinstance(o, dict) and o.get("other") for o in q.get("options", []))
        for table in ("projects", "competence_building"):
            texts = [c.name for c in TABLES[table].columns if c.source == q["id"] and c.type == "text"
                     and (c.name.endswith("_other_text") if other else True)]
            if len(texts) == 1:
                out[q["id"]] = (table, texts[0])
                break
        else:
            raise KeyError(f"no one text column of projects or competence_building holds {q['id']}")
    return out


def conform(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """Select, order and type ``frame``'s columns as the contract says; fail on drift.

    Column by column and vectorised (``typed_columns``): this runs on every write of every table.
    """
    spec = TABLES[table]
    missing = [c for c in spec.column_names if c not in frame.columns]
    if missing:
        raise ValueError(f"{table}: columns missing from the frame: {missing}")
    return typed_columns(frame[spec.column_names], table)


def typed_columns(frame: pd.DataFrame, table: str, share_texts: bool = False) -> pd.DataFrame:
    """``frame``'s columns (a subset of ``table``'s, in any order) typed as the contract says;
    a column already of its contract dtype is kept as it is. ``share_texts`` (reads): equal texts
    become one object (``_shared_strings``)."""
    spec = {c.name: c for c in TABLES[table].columns}
    out = frame[list(frame.columns)]  # a new frame (a lazy copy under copy-on-write): the caller's is untouched
    for name in out.columns:
        out[name] = _typed(out[name], spec[name].type, share_texts)
    return out.reset_index(drop=True)


_SAMPLE = 2000  # values looked at to see whether a column repeats its texts


def _shared_strings(values: pd.Series) -> pd.Series:
    """``values`` with equal texts as one object each: a column read from the database holds a new
    string per cell, and a million-row table repeats a dozen criteria, fifteen counties and each
    response id twelve times (hundreds of MB at 119 000 responses). Values and order unchanged."""
    import numpy as np
    import pandas as pd

    sample = values.iloc[:_SAMPLE].dropna()
    if len(sample) > 100 and sample.nunique() * 2 > len(sample):  # mostly distinct: nothing to share
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if len(uniques) * 2 > len(values):
        return values
    shared = np.full(len(values), None, dtype=object)
    present = codes >= 0
    shared[present] = np.asarray(uniques, dtype=object)[codes[present]]
    return pd.Series(shared, index=values.index, name=values.name)


def _typed(series: pd.Series, kind: str, share_texts: bool = False) -> pd.Series:
    """``series`` as the contract dtype of ``kind``; every kind of missing becomes <NA>/NaT."""
    import pandas as pd

    dtype = TYPES[kind]
    if str(series.dtype) == dtype:
        return series
    if kind == "datetime":
        return pd.to_datetime(series, errors="raise").astype(dtype)
    if kind == "text":
        if isinstance(series.dtype, pd.StringDtype) and not share_texts:
            return series.astype(dtype)
        # str() of every present value (ints, bools, …), as a bound parameter would show them
        values = series.astype(object).where(series.notna(), None)
        return (_shared_strings(values) if share_texts else values).astype(dtype)
    if kind in ("int", "bool") and series.dtype != object:
        return series.astype(dtype)  # numeric/bool numpy or nullable arrays: vectorised, raises on 1.5 → int
    if kind in ("int", "bool"):
        return pd.Series(pd.array(series.where(series.notna(), None).tolist(), dtype=dtype), index=series.index)
    return series.astype(dtype)
