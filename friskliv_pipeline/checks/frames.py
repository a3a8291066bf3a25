"""One record frame per suite: the rows GX validates, built with pandas from one grant year's tables.

A rule that is naturally a cross-table computation (spending vs allocation, years in a row,
row accounting) is computed here per record; the suite's GX expectation then judges that
column, so every rule is a GX expectation and every finding points at a record.

Answers the cleaning could not read are NULL in the clean tables and recorded in
``cleaning_issues`` with the cell as exported; the frames put that exported text back as the
"observed" answer, so a value-set expectation shows the offending value itself.

Every frame carries the finding context columns ``county``, ``municipality``, ``project_title``,
``response_id`` and ``sheet_row`` (the row in the export sheet; NULL where they do not apply).

A frame may also say that some rules cannot be judged on this year's inputs
(``RecordFrame.not_evaluated``: rule id -> reason): allocations that are not official, or
earlier grant years that are not in the warehouse.

Each builder declares, in the ``@reads`` above it, the tables and columns it reads (see
``checks/inputs.py``): the pipeline loads exactly those, the builder gets only those, and the
suite's Dagster checks depend on those tables. The arguments are literals (or names of the
literal tuples below), so the code location reads them without importing pandas.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from friskliv_pipeline.cleaning.answers import ATTAINMENT_VALUES, match_key, multi_choice, split_multi
from friskliv_pipeline.cleaning.columns import map_distinct
from friskliv_pipeline.cleaning.municipalities import MunicipalityRegister
from friskliv_pipeline.checks.inputs import Inputs, reads, registered
from friskliv_pipeline.checks.year_tables import YearTables
from friskliv_pipeline.cleaning.responses import YES_NO_COLUMNS
from friskliv_pipeline.core.contract import COMPETENCE_PARTS, TABLES, column_of
from friskliv_pipeline.core.reference import is_official

CONTEXT_COLUMNS = ("county", "municipality", "project_title", "response_id", "sheet_row")
# The question whose answer a frame column judges: the export column an auditor re-reads a finding
# in. A clean-table column says it in the data contract (Column.source); these columns are the
# frames' own. A record may also carry it itself (project_attainment: one row per question).
QUESTION_OF = {"county_observed": "q01", "reported": "q01", "municipality_not_in_register": "q14",
               "municipality_other_county": "q14", "unnamed_neighbours": "q14", "lead_service_observed": "q22",
               "project_report_observed": "q37", "consecutive_grant_years": "q13", "parts_sum_compared_nok": "q12",
               "n_distinct_reports": "q12", **{f"{q}_observed": q for q in ("q02", "q03", "q17", "q18", "q20", "q37")}}
PART_COLUMNS = [name for name, _, _ in COMPETENCE_PARTS]
# A multiple-choice bridge table (its suite) → (its question, its option column): the contract's.
MULTI_SELECT = {table: next((c.source, c.name) for c in TABLES[table].columns if re.fullmatch(r"q\d\d", c.source))
                for table in ("project_target_groups", "project_user_groups", "project_collaborators")}

# regelverk 6: the reporting deadlines, as (month, day) of the year after the grant year. The
# deadline day itself is on time: a report is late only after the end of that day (Europe/Oslo
# local time, which is what the form's export records, without a zone).
MUNICIPALITY_REPORTING_DEADLINE = (4, 1)  # the grant recipient reports to the county (q37 asks whether it did)
COUNTY_REPORTING_DEADLINE = (7, 1)  # the county reports to Helsedirektoratet: the form's completion time
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
MONTHS_NB = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september", "oktober",
             "november", "desember")

# regelverk 9: free text that says grant money is carried over, or that the project goes on into the
# next year (matched case-insensitively, answer by answer). "Prosjektet videreføres i ordinær drift"
# (it goes on as the municipality's own service, on its own money) is no carry-over of grant money:
# an answer that says so is listed only if it also speaks of a transfer.
CARRY_OVER_TRANSFER = r"\boverf[øo]r"  # overføre, overført, overføring, overføres
CARRY_OVER_NEXT_YEAR = r"\bneste år"  # "videreføres i neste år", "fortsetter neste år", "neste års tildeling"
CARRY_OVER_INTO_YEAR = r"\b(?:viderefør|fortsett|forleng)\w*\b[^.!?]*\b{next_year}\b"  # "videreføres i 2025"
NOT_CARRY_OVER = r"\bordinær\w* drift"  # "videreføres i ordinær drift"
QUOTE_CHARS = 120  # an answer is quoted up to this many characters
# regelverk9.carry_over: the free-text questions it reads, per suite (the frames, the auditor's
# workbook and its reconciliation sheet all read them from here)
CARRY_OVER_QUESTIONS = {"projects": ("q36", "q38"), "competence_building": ("q04",)}

# q14.possible_duplicate: how many of the other projects a listed project names per reason (the rest are counted)
DUPLICATES_NAMED = 3

# Columns several builders read (literals: see the module docstring).
ISSUE_COLUMNS = ("grant_year", "response_id", "question_id", "rule", "value")  # cleaning_issues: the cell as exported
PROJECT_CONTEXT = ("response_id", "source_row", "county", "county_reported", "municipality", "municipality_reported",
                   "project_title")  # projects: a finding's context in another table's frame
ROWS_ONLY = ("response_id",)  # a table only counted


def question_for(suite: str, column: str | None) -> str | None:
    """The form question behind ``column`` of ``suite``'s record frame (None: a table-level figure)."""
    if suite in MULTI_SELECT:
        return MULTI_SELECT[suite][0]
    if column in QUESTION_OF:
        return QUESTION_OF[column]
    for table in (suite, "projects", "responses", "competence_building"):
        spec = TABLES.get(table)
        source = next((c.source for c in spec.columns if c.name == column), "") if spec else ""
        if match := re.fullmatch(r"q\d\d", source):
            return match.group(0)
    return None


@dataclass(frozen=True)
class Reason:
    """Why a rule cannot be judged, for the audit tables (English) and the report (bokmål)."""

    en: str
    nb: str


@dataclass
class RecordFrame:
    frame: pd.DataFrame
    parameters: dict  # GX suite parameters ($PARAMETER) and extra values for table-level messages
    not_evaluated: dict[str, Reason] = field(default_factory=dict)  # rule id -> why it cannot be judged
    compared: dict[str, str] = field(default_factory=dict)  # rule id -> what it was judged against


def _text(series: pd.Series) -> pd.Series:
    return series.astype(object).where(series.notna(), None)


def _exported(issues: pd.DataFrame, rule_suffix: str) -> dict[tuple[str, str], str]:
    """(response_id, question_id) -> the cell as exported, for cleaning issues of one kind."""
    hits = issues[issues["rule"].str.endswith(rule_suffix, na=False)]
    return {(str(r.response_id), str(r.question_id)): r.value for r in hits.itertuples(index=False)}


def _yes_no_observed(values: pd.Series, response_ids: pd.Series, qid: str, exported: dict) -> list:
    out = []
    for value, rid in zip(values, response_ids):
        if pd.notna(value):
            out.append("Ja" if bool(value) else "Nei")
        else:
            out.append(exported.get((str(rid), qid)))
    return out


def _context(frame: pd.DataFrame) -> pd.DataFrame:
    for column in CONTEXT_COLUMNS:
        if column not in frame.columns:
            frame[column] = None
    return frame.reset_index(drop=True)


def reporting_deadline(grant_year: int, month_day: tuple[int, int]) -> dt.date:
    """The day a report on ``grant_year`` is due (regelverk 6): ``month_day`` of the year after."""
    return dt.date(grant_year + 1, *month_day)


def deadline_parameters(grant_year: int) -> dict:
    """Both regelverk 6 deadlines of ``grant_year``, as suite parameters (ISO date, English, bokmål)."""
    out = {}
    for name, month_day in (("county_deadline", COUNTY_REPORTING_DEADLINE),
                            ("municipality_deadline", MUNICIPALITY_REPORTING_DEADLINE)):
        day = reporting_deadline(grant_year, month_day)
        out.update({name: day.isoformat(), f"{name}_en": f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}",
                    f"{name}_nb": f"{day.day}. {MONTHS_NB[day.month - 1]} {day.year}"})
    return out


def _local_times(series: pd.Series) -> pd.Series:
    """Date-times as Europe/Oslo wall-clock times without a zone (as the export records them)."""
    times = pd.to_datetime(series, errors="coerce")
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_convert("Europe/Oslo").dt.tz_localize(None)
    return times


def _quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters with '…'."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:.") + "…"


def carry_over_answers(answers: pd.Series, grant_year: int) -> pd.Series:
    """Per answer: does it say grant money is carried over or the project goes on into the next year
    (``CARRY_OVER_*``), and not merely that it goes on in ordinary operations (``NOT_CARRY_OVER``)?"""
    text = answers.astype(object).where(answers.notna(), "").astype(str)
    into_year = CARRY_OVER_INTO_YEAR.format(next_year=grant_year + 1)
    transfer = text.str.contains(CARRY_OVER_TRANSFER, case=False, regex=True)
    next_year = text.str.contains(f"{CARRY_OVER_NEXT_YEAR}|{into_year}", case=False, regex=True)
    ordinary = text.str.contains(NOT_CARRY_OVER, case=False, regex=True)
    return (transfer | (next_year & ~ordinary)).astype(bool)


def carry_over_quotes(table: pd.DataFrame, suite: str, grant_year: int) -> tuple[list, list, list]:
    """Per record of ``table`` (a clean table holding ``suite``'s ``CARRY_OVER_QUESTIONS``): the
    answers that say money is carried over, quoted (English, bokmål), and the first question that
    says it (the export column an auditor re-reads the finding in); None where none does."""
    answers = {qid: table[column_of(qid, suite)] for qid in CARRY_OVER_QUESTIONS[suite]}
    hits = {qid: carry_over_answers(values, grant_year).to_numpy() for qid, values in answers.items()}
    n = len(table)
    en, nb, question = [None] * n, [None] * n, [None] * n
    for i in np.flatnonzero(np.logical_or.reduce(list(hits.values()))) if n else []:
        said = [(qid, _quote(answers[qid].iloc[i])) for qid in answers if hits[qid][i]]
        en[i] = "; ".join(f"{qid} says '{text}'" for qid, text in said)
        nb[i] = "; ".join(f"spm. {int(qid[1:])} sier «{text}»" for qid, text in said)
        question[i] = said[0][0]
    return en, nb, question


# -- projects ------------------------------------------------------------------------------

def _county_2023(counties_history: pd.DataFrame) -> dict[tuple[int, str], str]:
    return {(int(r.grant_year), r.county): r.county_2023 for r in counties_history.itertuples(index=False)}


def _project_keys(frame: pd.DataFrame, years, to_2023: dict[tuple[int, str], str]) -> pd.Series:
    """The same-project key: county on the 2023 structure, municipality (else as reported), title."""
    county = pd.Series([to_2023.get((int(y), c), c) for y, c in zip(years, frame["county"])],
                       index=frame.index, dtype=object)
    municipality = frame["municipality"].where(frame["municipality"].notna(), frame["municipality_reported"])
    keys = [map_distinct(part, match_key).astype(object)  # object also when empty (no earlier year)
            for part in (county, municipality, frame["project_title"])]
    return keys[0] + "\x1f" + keys[1] + "\x1f" + keys[2]


def consecutive_grant_years(projects: pd.DataFrame, history: pd.DataFrame, counties_history: pd.DataFrame,
                            grant_year: int) -> tuple[list[int], list[int]]:
    """Per project of ``grant_year``: grant years in a row it has been funded (ending this year), and the first.

    The same project is the same county (on the 2023 county structure, so Viken's projects
    continue in Akershus, Buskerud or Østfold), municipality name and title, compared normalised.
    Walked a year at a time back from ``grant_year``: a project's run ends at its first gap.
    """
    to_2023 = _county_2023(counties_history)
    earlier = history[history["grant_year"] < grant_year]
    funded = pd.DataFrame({"key": _project_keys(earlier, earlier["grant_year"], to_2023),
                           "year": earlier["grant_year"].astype(int)})
    keys = _project_keys(projects, [grant_year] * len(projects), to_2023)
    runs = np.ones(len(projects), dtype=int)
    running = np.ones(len(projects), dtype=bool)
    for year in range(grant_year - 1, int(funded["year"].min()) - 1 if len(funded) else grant_year - 1, -1):
        running &= keys.isin(set(funded.loc[funded["year"] == year, "key"])).to_numpy()
        if not running.any():
            break
        runs += running
    return runs.tolist(), (grant_year - runs + 1).tolist()


def _municipality_problems(projects: pd.DataFrame, bridge: pd.DataFrame, register: pd.DataFrame,
                           counties: list[str]) -> tuple[list, list, list]:
    """Per project: q14 names not in the register; names found only in another county, and where."""
    lookup = MunicipalityRegister(register)
    unmatched = bridge[bridge["municipality_no"].isna()].sort_values("position", kind="stable")
    homes = {name: " / ".join(c for c in counties if lookup.match(name, c).municipality_no is not None)
             for name in pd.unique(unmatched["name_reported"])}  # once per distinct name
    rid = unmatched["response_id"].astype(str)
    home = unmatched["name_reported"].map(homes)
    found = home != ""
    names = unmatched["name_reported"]
    joined = [part[mask].groupby(rid[mask], sort=False).agg("; ".join)
              for part, mask in ((names, ~found), (names, found), (home, found))]
    project_ids = projects["response_id"].astype(str)
    return tuple([found.get(r) for r in project_ids] for found in (j.to_dict() for j in joined))


HISTORY_YEARS = 3  # regelverk 5: the same purpose is funded for at most three grant years


def history_coverage(history: pd.DataFrame, grant_year: int) -> tuple[list[int], list[int]]:
    """The earlier grant years a fourth year in a row would need (present, absent in the warehouse)."""
    needed = list(range(grant_year - HISTORY_YEARS, grant_year))
    years = set(int(y) for y in history["grant_year"].unique())
    return [y for y in needed if y in years], [y for y in needed if y not in years]


def _years(years: list[int], and_: str = ", ") -> str:
    if not years:
        return "none"
    return ", ".join(str(y) for y in years[:-1]) + and_ + str(years[-1]) if len(years) > 1 else str(years[0])


# q15's target groups as the duplicate rule names them (English: the option keys; bokmål: short labels)
TARGET_GROUPS = (("risk", "økt risiko for sykdom"), ("chronic", "kronisk eller langvarig sykdom"), ("other", "annet"))


def _same_key(key: pd.Series, limit: int) -> tuple[np.ndarray, dict[int, list[int]], np.ndarray]:
    """Rows sharing ``key`` (NULL: no key) with at least one other row: (each row's group code,
    -1 for none; group code -> its first ``limit`` + 1 rows in record order; each row's group size)."""
    codes, _ = pd.factorize(key, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=codes.max() + 1 if len(codes) else 0)
    size = np.where(codes >= 0, counts[codes.clip(0)] if len(counts) else 0, 0)
    codes = np.where(size >= 2, codes, -1)
    grouped = np.flatnonzero(codes >= 0)
    rank = pd.Series(codes[grouped]).groupby(codes[grouped]).cumcount().to_numpy()
    members: dict[int, list[int]] = {}
    for position, code in zip(grouped[rank <= limit].tolist(), codes[grouped][rank <= limit].tolist()):
        members.setdefault(code, []).append(position)
    return codes, members, size


def possible_duplicates(p: pd.DataFrame, limit: int = DUPLICATES_NAMED) -> tuple[list, list]:
    """Per project (rows of ``p``): the other projects it may duplicate, in words (English, bokmål),
    None for none.

    Candidates are projects of the same grant year, county and municipality (its number when the
    register knows it, else the name as reported, normalised) that also have the same grant amount
    (not NULL), or the same lead service (q22, its free text for 'Annet') and the same non-empty
    set of q15 target groups. Grouped, never paired: a thousand projects of one municipality cost a
    group, not a million pairs; each names its first ``limit`` others per reason and counts the rest.
    """
    n = len(p)
    if n == 0:
        return [], []
    county = map_distinct(p["county"].where(p["county"].notna(), p["county_reported"]), match_key).astype(object)
    name = map_distinct(p["municipality"].where(p["municipality"].notna(), p["municipality_reported"]),
                        match_key).astype(object)
    number = p["municipality_no"].astype(object)
    known_number = number.notna()
    municipality = ("no " + number.where(known_number, "").astype(str)).where(known_number, "name " + name)
    place = p["grant_year"].astype(str).astype(object) + "\x1f" + county + "\x1f" + municipality
    placed = (county != "") & (known_number | (name != ""))
    amount = p["grant_amount_nok"]
    by_amount = (place + "\x1f" + amount.astype("Int64").astype(str).astype(object)).where(placed & amount.notna())
    targets = np.zeros(n, dtype=int)
    for bit, (key, _) in enumerate(TARGET_GROUPS):
        targets |= p[f"target_{key}"].fillna(False).astype(bool).to_numpy().astype(int) << bit
    lead = p["lead_service"].astype(object)
    is_other = lead.eq("other").fillna(False)
    other_text = map_distinct(p["lead_service_other_text"].where(is_other), match_key).astype(object)
    by_lead = (place + "\x1f" + lead.fillna("").astype(str) + "\x1f" + other_text + "\x1f"
               + pd.Series(targets, index=p.index).astype(str)).where(placed & lead.notna() & (targets > 0))

    titles = p["project_title"].astype(object)
    rids = p["response_id"].astype(str).tolist()
    label_en = [f"'{t}' (response {r})" if isinstance(t, str) else f"(untitled) (response {r})"
                for t, r in zip(titles, rids)]
    label_nb = [f"«{t}» (svar {r})" if isinstance(t, str) else f"(uten tittel) (svar {r})"
                for t, r in zip(titles, rids)]
    lead_text = p["lead_service_label"].astype(object).where(p["lead_service_label"].notna(), lead)
    lead_text = p["lead_service_other_text"].astype(object).where(
        is_other & p["lead_service_other_text"].notna(), lead_text)
    groups_en = {code: ", ".join(k for bit, (k, _) in enumerate(TARGET_GROUPS) if code >> bit & 1) for code in range(8)}
    groups_nb = {code: ", ".join(v for bit, (_, v) in enumerate(TARGET_GROUPS) if code >> bit & 1) for code in range(8)}

    amounts, leads = amount.astype("Int64").tolist(), lead_text.tolist()
    reasons = (  # (key, the reason in words from a row of its group: English, bokmål)
        (by_amount, lambda i: (f"same grant amount ({amounts[i]:,} kr)".replace(",", " "),
                               f"samme tilskuddsbeløp ({amounts[i]:,} kr)".replace(",", " "))),
        (by_lead, lambda i: (f"same lead service ({leads[i]}) and target groups ({groups_en[targets[i]]})",
                             f"samme ledende tjeneste ({leads[i]}) og målgrupper ({groups_nb[targets[i]]})")),
    )
    en: list = [None] * n
    nb: list = [None] * n
    for key, why in reasons:
        codes, members, size = _same_key(key, limit)
        said: dict[tuple[int, int], tuple[str, str]] = {}  # (group, row of its head or -1) -> words
        for i in np.flatnonzero(codes >= 0).tolist():
            head = members[codes[i]]
            mine = i if i in head else -1  # a row beyond the head names the same others as every such row
            words = said.get((codes[i], mine))
            if words is None:
                others = [j for j in head if j != i][:limit]
                more = int(size[i]) - 1 - len(others)
                why_en, why_nb = why(head[0])
                words = (f"{why_en} as {', '.join(label_en[j] for j in others)}"
                         + (f" and {more} more" if more else ""),
                         f"{why_nb} som {', '.join(label_nb[j] for j in others)}"
                         + (f" og {more} til" if more else ""))
                said[(codes[i], mine)] = words
            en[i] = f"{en[i]}; {words[0]}" if en[i] else words[0]
            nb[i] = f"{nb[i]}; {words[1]}" if nb[i] else words[1]
    return en, nb


@reads("projects", projects=None, cleaning_issues=ISSUE_COLUMNS, counties=("county",), municipalities=None,
       project_attainment=("response_id", "criterion_no", "answer"),
       project_municipalities=("response_id", "position", "name_reported", "municipality_no"),
       raw_responses=ROWS_ONLY, superseded_responses=ROWS_ONLY, set_aside_responses=ROWS_ONLY,
       projects_history=("grant_year", "county", "municipality", "municipality_reported", "project_title"),
       counties_history=("grant_year", "county", "county_2023"))
def projects_frame(t: YearTables) -> RecordFrame:
    """One row per project of the grant year."""
    p = t["projects"].reset_index(drop=True)
    issues = t["cleaning_issues"]
    counties = list(t["counties"]["county"])
    attainment = t["project_attainment"]
    partial = attainment[attainment["answer"].isin(["Delvis", "Nei"])].sort_values("criterion_no", kind="stable")
    partial_criteria = partial["criterion_no"].astype(int).astype(str).groupby(partial["response_id"]).agg(", ".join)
    money = _exported(issues, "q23.money_unparseable")
    single = _exported(issues, "q22.single_choice")
    rids = p["response_id"].astype(str)
    grant_exported = [money.get((rid, "q23")) for rid in rids]
    report_exported = _exported(issues, ".yes_no")
    not_found, other, other_in = _municipality_problems(p, t["project_municipalities"], t["municipalities"], counties)
    runs, firsts = consecutive_grant_years(p, t["projects_history"], t["counties_history"], t.grant_year)
    duplicate_of, duplicate_of_nb = possible_duplicates(p)
    carry_over, carry_over_nb, carry_over_question = carry_over_quotes(p, "projects", t.grant_year)
    frame = pd.DataFrame({
        "grant_year": p["grant_year"],
        "response_id": _text(p["response_id"]),
        "sheet_row": p["source_row"],
        "county": _text(p["county"].fillna(p["county_reported"])),
        "county_observed": _text(p["county"].fillna(p["county_reported"])),
        "municipality": _text(p["municipality"].fillna(p["municipality_reported"])),
        "municipality_reported": _text(p["municipality_reported"]),
        "unnamed_neighbours": p["unnamed_neighbours"].fillna(False).astype(bool).to_numpy(),
        "project_title": _text(p["project_title"]),
        "lead_service_observed": [k if pd.notna(k) else single.get((rid, "q22")) for k, rid in zip(p["lead_service"], rids)],
        "grant_amount_nok": p["grant_amount_nok"],
        "grant_problem": [None if pd.notna(g) else (f"unreadable: {e!r}" if e else "empty")
                          for g, e in zip(p["grant_amount_nok"], grant_exported)],
        "grant_problem_nb": [None if pd.notna(g) else (f"uleselig: «{e}»" if e else "tomt")
                             for g, e in zip(p["grant_amount_nok"], grant_exported)],
        "project_report_observed": _yes_no_observed(p["project_report_delivered"], p["response_id"], "q37",
                                                    report_exported),
        "attainment_comment": _text(p["attainment_comment"]),
        "has_partial_attainment": rids.isin(partial_criteria.index.astype(str)).to_numpy(),
        "partial_criteria": [partial_criteria.get(rid) for rid in p["response_id"]],
        "municipality_not_in_register": not_found,
        "municipality_other_county": other,
        "municipality_other_county_in": other_in,
        "consecutive_grant_years": pd.array(runs, dtype="Int64"),
        "first_grant_year": firsts,
        "possible_duplicate_of": duplicate_of,
        "possible_duplicate_of_nb": duplicate_of_nb,
        "carry_over_quote": carry_over,
        "carry_over_quote_nb": carry_over_nb,
        "carry_over_quote_question": carry_over_question,
    })
    raw, superseded, set_aside = len(t["raw_responses"]), len(t["superseded_responses"]), len(t["set_aside_responses"])
    parameters = {
        "counties": counties,
        "lead_service_options": t.form.question("q22").option_keys(),
        "projects_expected": raw - superseded - set_aside,
        "raw_responses": raw, "superseded": superseded, "set_aside": set_aside, "projects": len(p),
        **deadline_parameters(t.grant_year),  # q37: the municipality's deadline (regelverk 6)
    }
    present, absent = history_coverage(t["projects_history"], t.grant_year)
    not_evaluated, compared = {}, {}
    if absent:
        needed = sorted(present + absent)
        not_evaluated["regelverk5.max_three_years"] = Reason(
            f"a fourth grant year in a row needs {_years(needed)} in the warehouse; "
            f"{_years(absent)} {'is' if len(absent) == 1 else 'are'} not there (present: {_years(present)})",
            f"et fjerde tilskuddsår på rad kan bare påvises når rapporteringen for {_years(needed, and_=' og ')} "
            f"er med i grunnlaget; "
            f"{_years(absent, and_=' og ')} mangler")
    else:
        compared["regelverk5.max_three_years"] = f"grant years compared: {present[0]}–{t.grant_year}"
    return RecordFrame(_context(frame), parameters, not_evaluated, compared)


def _by_response_id(projects: pd.DataFrame) -> pd.DataFrame:
    """Projects indexed by response id (as text) for ``Series.map``; a duplicated project keeps its
    first row (duplicates are the projects suite's finding, not a crash here)."""
    p = projects.set_index(projects["response_id"].astype(str))
    return p[~p.index.duplicated()]


def _municipality_of(response_ids: pd.Series, projects: pd.DataFrame) -> pd.Series:
    """The project's register municipality, else the name as reported."""
    register = response_ids.map(projects["municipality"])
    return _text(register.where(register.notna(), response_ids.map(projects["municipality_reported"])))


# -- project_attainment --------------------------------------------------------------------

@reads("project_attainment", project_attainment=None, projects=PROJECT_CONTEXT, cleaning_issues=ISSUE_COLUMNS,
       counties=("county",))
def project_attainment_frame(t: YearTables) -> RecordFrame:
    """One row per project × attainment criterion 1..12 (q24..q35)."""
    a = t["project_attainment"].reset_index(drop=True)
    exported = _exported(t["cleaning_issues"], ".attainment_value")
    p = _by_response_id(t["projects"])
    rids = a["response_id"].astype(str)
    question_id = a["criterion_no"].map({q.criterion_no: q.id for q in t.form.attainment_questions})
    answer = _text(a["answer"])
    unanswered = answer.isna()
    answer[unanswered] = [exported.get((rid, q)) for rid, q in zip(rids[unanswered], question_id[unanswered])]
    frame = pd.DataFrame({
        "grant_year": a["grant_year"],
        "response_id": _text(a["response_id"]),
        "county": _text(a["county"]),
        "county_observed": _text(a["county"].where(a["county"].notna(), rids.map(p["county_reported"]))),
        "municipality": _municipality_of(rids, p),
        "project_title": _text(rids.map(p["project_title"])),
        "sheet_row": rids.map(p["source_row"]),
        "criterion_no": a["criterion_no"],
        "question_id": _text(question_id),
        "answer_observed": answer,
    })
    frame["county"] = frame["county"].where(frame["county"].notna(), frame["county_observed"])
    criteria, projects = len(t.form.attainment_questions), len(t["projects"])
    parameters = {"attainment_values": list(ATTAINMENT_VALUES), "counties": list(t["counties"]["county"]),
                  "rows_expected": criteria * projects, "criteria": criteria, "projects": projects}
    return RecordFrame(_context(frame), parameters)


# -- responses -----------------------------------------------------------------------------

@reads("responses", responses=("grant_year", "response_id", "source_row", "county", "county_reported",
                              "municipality_reported", "project_title", "completion_time",
                              "competence_already_reported", "competence_used", "diagnosis_independent",
                              "diagnosis_specific", "intercommunal", "project_report_delivered"),  # q02..q37: Ja/Nei
       cleaning_issues=ISSUE_COLUMNS)
def responses_frame(t: YearTables) -> RecordFrame:
    """One row per response (projects, resubmissions and set-aside rows alike)."""
    r = t["responses"].reset_index(drop=True)
    exported = _exported(t["cleaning_issues"], ".yes_no")
    frame = pd.DataFrame({
        "grant_year": r["grant_year"],
        "response_id": _text(r["response_id"]),
        "county": _text(r["county"].fillna(r["county_reported"])),
        "municipality": _text(r["municipality_reported"]),
        "project_title": _text(r["project_title"]),
        "sheet_row": r["source_row"],
    })
    judged = {e.column for rule in _suite_rules("responses") for e in rule.expectations}
    for qid, column in YES_NO_COLUMNS.items():
        if f"{qid}_observed" in judged:  # a question added to the form has no rule of the suite (yet)
            frame[f"{qid}_observed"] = _yes_no_observed(r[column], r["response_id"], qid, exported)
    # regelverk 6: the county's deadline. Late = completed after the end of the deadline day; a response
    # without a completion time is neither late nor on time: NULL, which GX leaves out of the rows it
    # judges (a column-map expectation skips NULLs), so neither `mostly` (that would forgive late
    # responses) nor a row condition is needed.
    completed = _local_times(r["completion_time"]) if "completion_time" in r else pd.Series(pd.NaT, index=r.index)
    deadline = reporting_deadline(t.grant_year, COUNTY_REPORTING_DEADLINE)
    late = completed >= pd.Timestamp(deadline) + pd.Timedelta(days=1)
    frame["completed_at"] = _text(completed.dt.strftime("%Y-%m-%d %H:%M"))
    frame["completed_at_nb"] = _text(completed.dt.strftime("%d.%m.%Y kl. %H.%M"))
    frame["after_county_deadline"] = late.astype(object).where(completed.notna(), None).to_numpy()
    parameters = {"yes_no": ["Ja", "Nei"], **deadline_parameters(t.grant_year)}
    not_evaluated = {}
    if not completed.notna().any():
        not_evaluated["regelverk6.county_reporting_deadline"] = Reason(
            f"no response of {t.grant_year} has a completion time (the export's Completion time is empty or "
            f"unreadable): whether the counties reported by {parameters['county_deadline_en']} cannot be judged",
            f"Det er ikke registrert når svarene for {t.grant_year} ble sendt inn, så det kan ikke vurderes om "
            f"fylkeskommunene rapporterte innen fristen {parameters['county_deadline_nb']}")
    return RecordFrame(_context(frame), parameters, not_evaluated)


# -- multi-select bridges ------------------------------------------------------------------

@reads("project_target_groups", project_target_groups=("grant_year", "response_id", "target_group"),
       projects=PROJECT_CONTEXT, cleaning_issues=ISSUE_COLUMNS)
@reads("project_user_groups", project_user_groups=("grant_year", "response_id", "user_group"),
       projects=PROJECT_CONTEXT, cleaning_issues=ISSUE_COLUMNS)
@reads("project_collaborators", project_collaborators=("grant_year", "response_id", "partner"),
       projects=PROJECT_CONTEXT, cleaning_issues=ISSUE_COLUMNS)
def multi_select_frame(t: YearTables) -> RecordFrame:
    """One row per project and ticked item of one multi-select (the bridge table ``t.suite``): the
    option key, or the text as exported when it matches no option (from ``cleaning_issues``)."""
    table = t.suite
    qid, column = MULTI_SELECT[table]
    question = t.form.question(qid)
    bridge = t[table]
    ticked = pd.DataFrame({"grant_year": bridge["grant_year"].to_numpy(),
                           "response_id": bridge["response_id"].astype(str).to_numpy(),
                           "option": _text(bridge[column]).to_numpy()})
    rows = []
    issues = t["cleaning_issues"]
    project_ids = set(t["projects"]["response_id"].astype(str))
    for r in issues[issues["rule"] == f"{qid}.multi_choice"].itertuples(index=False):
        if str(r.response_id) not in project_ids:
            continue
        for piece in split_multi(r.value):
            if any(m.startswith("unknown option") for m in multi_choice(piece, question).problems):
                rows.append({"grant_year": r.grant_year, "response_id": str(r.response_id), "option": piece})
    unknown = pd.DataFrame(rows, columns=["grant_year", "response_id", "option"])
    frame = pd.concat([ticked, unknown], ignore_index=True) if rows else ticked
    p = _by_response_id(t["projects"])
    rids = frame["response_id"]
    frame["county"] = _text(rids.map(p["county"]))
    frame["municipality"] = _municipality_of(rids, p)
    frame["project_title"] = _text(rids.map(p["project_title"]))
    frame["sheet_row"] = rids.map(p["source_row"])
    return RecordFrame(_context(frame), {"options": question.option_keys(), "question": qid})


# -- competence_building -------------------------------------------------------------------

@reads("competence_building", competence_building=None,
       competence_building_conflicts=("response_id", "kept_response_id"), counties=("county",),
       responses=("response_id", "source_row", "county_reported"))
def competence_frame(t: YearTables) -> RecordFrame:
    """One row per county of the year's structure, plus one per report from a county outside it."""
    c = t["competence_building"].reset_index(drop=True)
    structure = list(t["counties"]["county"])
    reported_as = dict(zip(t["responses"]["response_id"].astype(str), t["responses"]["county_reported"]))
    sheet_row = dict(zip(t["responses"]["response_id"].astype(str), t["responses"]["source_row"]))
    conflicts = t["competence_building_conflicts"]
    conflicting = conflicts.groupby(conflicts["kept_response_id"].astype(str))["response_id"].apply(
        lambda s: ", ".join(str(x) for x in s))
    rows = []
    for r in c.to_dict("records"):
        observed = r["county"] if pd.notna(r["county"]) else reported_as.get(str(r["response_id"]))
        rows.append({**r, "county": observed, "county_observed": observed, "reported": True,
                     "sheet_row": sheet_row.get(str(r["response_id"])),
                     "conflicting_response_ids": conflicting.get(str(r["response_id"]))})
    seen = {r["county"] for r in rows}
    for county in structure:
        if county not in seen:
            rows.append({"grant_year": t.grant_year, "county": county, "county_observed": county, "reported": False})
    columns = ["grant_year", "county", "county_observed", "response_id", "sheet_row", "reported", "n_distinct_reports",
               "conflicting_response_ids", "competence_used", "competence_not_used_reason", *PART_COLUMNS,
               "competence_total_nok", "parts_sum_nok"]
    frame = pd.DataFrame(rows).reindex(columns=columns)
    for column in [*PART_COLUMNS, "competence_total_nok", "parts_sum_nok", "n_distinct_reports", "sheet_row"]:
        frame[column] = pd.array(frame[column].astype(object).where(frame[column].notna(), None), dtype="Int64")
    frame["reported"] = frame["reported"].astype(bool)
    # q03 = Nei: the q04 reason is expected (plain bool for the row condition).
    frame["competence_not_used"] = [False if pd.isna(v) else not bool(v) for v in frame["competence_used"]]
    # Parts vs total: an unanswered part counts 0 once either side is given.
    either = frame["parts_sum_nok"].notna() | frame["competence_total_nok"].notna()
    frame["parts_sum_compared_nok"] = frame["parts_sum_nok"].where(~either, frame["parts_sum_nok"].fillna(0))
    frame["total_compared_nok"] = frame["competence_total_nok"].where(~either, frame["competence_total_nok"].fillna(0))
    frame["carry_over_quote"], frame["carry_over_quote_nb"], frame["carry_over_quote_question"] = carry_over_quotes(
        frame.reset_index(drop=True), "competence_building", t.grant_year)
    frame = frame.sort_values("county", key=lambda s: s.map(lambda v: (v is None or pd.isna(v), str(v))))
    parameters = {"counties": structure, "n_counties": len(structure),
                  "n_reported": int(frame.loc[frame["county_observed"].isin(structure), "reported"].sum())}
    return RecordFrame(_context(frame), parameters)


# -- allocations ---------------------------------------------------------------------------

@reads("allocations", allocations=("county", "allocation_nok", "source"),
       grant_totals=("appropriation_nok", "development_centres_nok", "source"), counties=("county",),
       projects=("county", "grant_amount_nok"), competence_building=("county", "competence_total_nok"))
def allocations_frame(t: YearTables) -> RecordFrame:
    """One row per county: its allocation vs project grants + competence building (regelverk 5B)."""
    structure = list(t["counties"]["county"])
    allocations = dict(zip(t["allocations"]["county"], t["allocations"]["allocation_nok"]))
    projects = t["projects"][t["projects"]["county"].notna()]
    competence = t["competence_building"][t["competence_building"]["county"].notna()]
    counties = list(dict.fromkeys([*structure, *allocations, *projects["county"], *competence["county"]]))
    grants = projects.groupby("county")["grant_amount_nok"]
    known = grants.sum(min_count=1)
    unknown = grants.apply(lambda s: int(s.isna().sum()))
    n_projects = grants.size()
    comp = competence.set_index("county")["competence_total_nok"]
    rows = []
    for county in counties:
        allocation = allocations.get(county)
        project_grants = int(known.get(county)) if pd.notna(known.get(county, None)) else 0
        competence_total = int(comp.get(county)) if pd.notna(comp.get(county, None)) else 0
        missing = int(unknown.get(county, 0))
        spent_known = project_grants + competence_total
        spent = spent_known if missing == 0 else None
        diff = None if spent is None or allocation is None or pd.isna(allocation) else int(allocation) - spent
        rows.append({
            "grant_year": t.grant_year, "county": county, "n_projects": int(n_projects.get(county, 0)),
            "allocation_nok": None if allocation is None or pd.isna(allocation) else int(allocation),
            "project_grants_nok": project_grants, "competence_total_nok": competence_total,
            "grants_unknown": missing, "spent_known_nok": spent_known, "spent_nok": spent,
            "unspent_nok": diff if diff is not None and diff > 0 else None,
            "over_nok": -diff if diff is not None and diff < 0 else None,
        })
    frame = pd.DataFrame(rows)
    for column in ["allocation_nok", "spent_nok", "unspent_nok", "over_nok", "project_grants_nok",
                   "competence_total_nok", "spent_known_nok"]:
        frame[column] = pd.array(frame[column].astype(object).where(frame[column].notna(), None), dtype="Int64")
    totals = t["grant_totals"].iloc[0]
    appropriation, centres = int(totals["appropriation_nok"]), int(totals["development_centres_nok"])
    parameters = {"counties_total_nok": appropriation - centres, "appropriation_nok": appropriation,
                  "development_centres_nok": centres}
    return RecordFrame(_context(frame), parameters, allocation_provenance(t))


def allocation_provenance(t: YearTables) -> dict[str, Reason]:
    """Rule id -> reason, for the allocation rules that cannot be judged: allocations (or the grant
    totals they are summed against) that are missing or not official (see assets/reference/SOURCES.md)."""
    allocations, totals, year = t["allocations"], t["grant_totals"], t.grant_year
    if allocations.empty:
        reason = Reason(f"no allocations for {year} are loaded (assets/reference/allocations.csv)",
                        f"Helsedirektoratets fordeling av tilskuddet per fylke for {year} er ikke lagt inn")
    elif not all(is_official(s) for s in allocations["source"]):
        sources = "; ".join(sorted({str(s) for s in allocations["source"] if not is_official(s)}))
        reason = Reason(f"the {year} allocations are not Helsedirektoratet's official figures (source: {sources})",
                        f"Helsedirektoratets fordeling av tilskuddet per fylke for {year} var ikke lagt inn da "
                        f"rapporten ble laget")
    elif totals.empty or not is_official(totals.iloc[0]["source"]):
        source = totals.iloc[0]["source"] if len(totals) else "none"
        reason = Reason(f"the {year} grant totals are not official (source: {source})",
                        f"Helsedirektoratets bevilgning for {year} var ikke lagt inn da rapporten ble laget")
    else:
        return {}
    return {rule.id: reason for rule in _suite_rules("allocations")}


# -- grant totals: the national reconciliation ----------------------------------------------

@reads("grant_totals", grant_totals=("counties_total_nok", "source"), counties=("county",),
       projects=("county", "grant_amount_nok"), competence_building=("county", "competence_total_nok"))
def grant_totals_frame(t: YearTables) -> RecordFrame:
    """One row: the sum distributed to the counties against what they report as used, summed over the
    counties of the year's structure as mart_reconciliation's national row sums them (unreadable
    grant amounts left out). Judged only against official grant totals."""
    structure = set(t["counties"]["county"])
    granted = t["projects"].loc[t["projects"]["county"].isin(structure), "grant_amount_nok"]
    competence = t["competence_building"].loc[t["competence_building"]["county"].isin(structure),
                                              "competence_total_nok"]
    totals, year = t["grant_totals"], t.grant_year
    distributed = int(totals.iloc[0]["counties_total_nok"]) if len(totals) else None
    used = int(granted.sum()) + int(competence.sum())
    difference = None if distributed is None else distributed - used
    share = None if not distributed else int(abs(difference) * 200 + distributed) // (2 * distributed)
    row = {"grant_year": year, "distributed_nok": distributed, "granted_nok": int(granted.sum()),
           "competence_nok": int(competence.sum()), "reported_used_nok": used, "difference_nok": difference,
           # whole percent rounded half away from zero, as mart_reconciliation's pct_difference
           "pct_difference": None if share is None else (share if difference >= 0 else -share),
           "n_grant_amount_missing": int(granted.isna().sum())}
    frame = pd.DataFrame([row])
    for column in ("distributed_nok", "difference_nok", "pct_difference"):
        frame[column] = pd.array(frame[column].astype(object).where(frame[column].notna(), None), dtype="Int64")
    if totals.empty or not is_official(totals.iloc[0]["source"]):
        source = totals.iloc[0]["source"] if len(totals) else "none"
        reason = Reason(f"the {year} grant totals are not official (source: {source})",
                        f"beløpet som ble fordelt til fylkeskommunene i {year}, er ikke et offisielt tall "
                        f"(kilde: {source})")
        not_evaluated = {rule.id: reason for rule in _suite_rules("grant_totals")}
    else:
        not_evaluated = {}
    return RecordFrame(_context(frame), {}, not_evaluated)


def _suite_rules(suite: str):
    from friskliv_pipeline.checks.suites import suites

    return suites()[suite].rules


# suite -> (its builder, what the builder reads), as the @reads above each builder declare them
BUILDERS: dict[str, tuple[Callable[[YearTables], RecordFrame], Inputs]] = registered()


def build_frame(suite: str, tables: YearTables) -> RecordFrame:
    """``suite``'s record frame, its builder given only the tables and columns it declares."""
    builder, inputs = BUILDERS[suite]
    return builder(tables.for_builder(inputs))
