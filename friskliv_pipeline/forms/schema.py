"""The form of each grant year and tolerant header matching.

The questionnaire is declared once, in ``assets/reference/forms/questions.json``: every question
(id q01..q38, header, kind, options with their keys and labels (the attainment scale's too),
criterion number, competence category, whether its text is free text and the report's heading for
that text, the report's name for it, the text above it) and the form's title. A header names the
year as ``{year}`` (the grant year) or ``{report_year}`` (the year the form is answered). ``forms/form_<year>.json`` holds only what is the year's own: its grant year,
when the form was open (``collection``) and, under ``questions``, what really changed that year
(a question's fields to replace, a new question, or ``null`` for one dropped). A new grant year
therefore needs a small file, written by ``friskliv new-year``.

A Forms export names its columns by the question text, so the schema maps question ids to the
header text of that year's form. Headers are matched after normalising case, whitespace
(non-breaking too), trailing punctuation and the form's own spacing typos ("til skudd"), never
by position: column order drifts in synced workbooks.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from friskliv_pipeline.core.errors import ExportError, FrisklivError
from friskliv_pipeline.core.settings import ENV_REFERENCE_DIR

# Metadata columns that Forms puts before the questions, per locale. Keys are our names.
# E-mail and name also under the spellings other accounts and tools give them (en, nb, nn).
METADATA_HEADERS: dict[str, tuple[str, ...]] = {
    "response_id": ("ID",),
    "start_time": ("Start time", "Starttidspunkt"),
    "completion_time": ("Completion time", "Fullføringstidspunkt"),
    "email": ("Email", "E-post", "E-postadresse", "Email address", "E-mail", "E-mail address", "Epost",
              "Epostadresse", "Respondent email", "E-postadressa"),
    "name": ("Name", "Navn", "Namn", "Full name", "Fullt navn", "Fullt namn", "Respondent", "Respondent name",
             "Respondentens navn"),
    "last_modified_time": ("Last modified time", "Tidspunkt for siste endring"),
}
REQUIRED_METADATA = ("response_id", "completion_time")
PERSONAL_METADATA = ("email", "name")

# Columns a quiz-style form adds: never a question's answer (Forms' English wording; the
# Norwegian forms are our translation of it).
_QUIZ_PREFIX = re.compile(r"^(?:points|poeng|feedback|tilbakemelding)\s*[-–:]\s*\S", re.IGNORECASE)
_QUIZ_HEADERS = {"totalpoints", "quizfeedback", "gradepostedtime", "totaltantallpoeng", "totalpoeng",
                 "tilbakemeldingpåquiz", "tidspunktforpubliseringavkarakter"}


def is_quiz_column(header: str) -> bool:
    """'Points - <question>', 'Feedback - <question>', 'Total points', 'Quiz feedback', 'Grade posted time'."""
    return bool(_QUIZ_PREFIX.match(str(header).strip())) or normalize_header(header) in _QUIZ_HEADERS


def personal_key(header: str) -> str:
    """Comparable form of an e-mail/name header: Forms' numbering ("Email2") and hyphens dropped."""
    return re.sub(r"[-_]", "", re.sub(r"\d+$", "", normalize_header(header)))


@dataclass(frozen=True)
class Option:
    key: str
    label: str
    other: bool = False
    exclusive: bool = False
    implies: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    header: str
    kind: str
    section: str
    required: bool
    options: tuple[Option, ...] = ()
    labels: tuple[str, ...] = ()
    criterion_no: int | None = None
    category: str | None = None
    label: str | None = None  # the report's name for it where the form's wording has a slip ("læring- og")
    intro: str | None = None  # text the form shows above the question (a block's lead question)
    free_text: bool = False  # its answer (or its 'Annet' text) is free text the report summarises
    heading_nb: str | None = None  # the report's short heading for its free-text answers ("Annet tilbud")

    def option_keys(self) -> list[str]:
        return [o.key for o in self.options]


@dataclass(frozen=True)
class FormSchema:
    grant_year: int
    title: str
    questions: tuple[Question, ...]
    path: Path | None = field(default=None, compare=False)
    # when and how the form was collected: opened, closed (dates), shared_in_advance_with (who had
    # the questions before the form opened); each may be absent
    collection: dict = field(default_factory=dict, compare=False)

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    @property
    def attainment_questions(self) -> list[Question]:
        return [q for q in self.questions if q.kind == "attainment"]


QUESTIONNAIRE = "questions.json"


def questionnaire_path(reference_dir: Path) -> Path:
    return Path(reference_dir) / "forms" / QUESTIONNAIRE


@cache
def _questionnaire(path: Path) -> dict:
    """The contract's question columns come from here, so a missing file stops the import with
    what to do (an installed wheel ships no reference folder: it is mounted)."""
    if not Path(path).is_file():
        raise FrisklivError(
            f"file {path}: no questionnaire, so the data contract cannot be built. What to do: point "
            f"{ENV_REFERENCE_DIR} at the reference folder (a copy of the repository's assets/reference)")
    return json.loads(Path(path).read_text(encoding="utf-8"))


def questionnaire(reference_dir: Path | None = None) -> dict:
    """The questionnaire as declared (headers with their ``{year}`` placeholders); by default the
    configured reference folder's (FRISKLIV_REFERENCE_DIR), which is also where the data contract's
    question columns come from: what that folder says is what runs."""
    from friskliv_pipeline.core.settings import Settings

    return _questionnaire(questionnaire_path(reference_dir or Settings.from_env().reference_dir))


def all_questions(reference_dir: Path | None = None) -> list[dict]:
    """The questionnaire's questions, then those the years' forms add (``added_questions``)."""
    return [*questionnaire(reference_dir)["questions"], *added_questions(reference_dir)]


def added_questions(reference_dir: Path | None = None) -> list[dict]:
    """The questions the years' forms in the reference folder add to the questionnaire (a new id with
    its header, kind and section), each once, in id order: the data contract gives them columns."""
    from friskliv_pipeline.core.settings import Settings

    folder = Path(reference_dir or Settings.from_env().reference_dir) / "forms"
    return _added_questions(tuple(sorted(folder.glob("form_[0-9][0-9][0-9][0-9].json"))),
                            questionnaire_path(folder.parent))


@cache
def _added_questions(forms: tuple[Path, ...], questionnaire_file: Path) -> list[dict]:
    known = {q["id"] for q in _questionnaire(questionnaire_file)["questions"]}
    added: dict[str, dict] = {}
    for path in forms:
        changes = json.loads(path.read_text(encoding="utf-8")).get("questions") or {}
        for qid, fields in changes.items():
            if qid not in known and qid not in added and fields and {"header", "kind", "section"} <= set(fields):
                added[qid] = {"id": qid, **fields}
    return [added[qid] for qid in sorted(added)]


# The sections asked once per county (its competence-building report), not once per project.
COUNTY_SECTIONS = ("county", "competence")


def county_level_questions(reference_dir: Path | None = None) -> frozenset[str]:
    """The questions whose answer belongs to the county council, not to a project (q02-q12: the
    competence-building report and whether it was already sent): the questionnaire's county and
    competence sections, less the county question itself (q01), which every response answers to say
    whose it is. A finding on one of these names the county and no municipality or project."""
    return frozenset(q["id"] for q in questionnaire(reference_dir)["questions"]
                     if q["section"] in COUNTY_SECTIONS and q["kind"] != "county")


def _options(raw: list) -> tuple[Option, ...]:
    """A question's keyed options (``{"key": …, "label": …}``); plain labels ("Ja", "Nei") have none."""
    return tuple(Option(o["key"], o["label"], o.get("other", False), o.get("exclusive", False),
                        tuple(o.get("implies", ()))) for o in raw if isinstance(o, dict))


def attainment_answers(reference_dir: Path | None = None) -> tuple[Option, ...]:
    """The attainment scale with its keys, in the form's order (Ja, Delvis, Nei, Ikke aktuelt): the
    options every attainment question of the questionnaire declares. The cleaning reads answers by
    it, and the report names mart_attainment's count columns by it (``n_<key>``); attainment
    questions on different scales are refused, as one scale is what the marts count."""
    scales = {_options(q.get("options", [])) for q in questionnaire(reference_dir)["questions"]
              if q["kind"] == "attainment"}
    if len(scales) != 1:
        raise ExportError(f"the attainment questions declare {len(scales)} answer scales, not one",
                          file=str(questionnaire_path(reference_dir or _reference_dir())),
                          hint="give every attainment question the same options, each with its key and label")
    return scales.pop()


def _reference_dir() -> Path:
    from friskliv_pipeline.core.settings import Settings

    return Settings.from_env().reference_dir


def _years_filled(text: str, grant_year: int) -> str:
    return text.replace("{report_year}", str(grant_year + 1)).replace("{year}", str(grant_year))


def _year_questions(base: list[dict], changes: dict, path: Path) -> list[dict]:
    """The questionnaire's questions with the year's changes: fields replaced, questions added or dropped."""
    questions = {q["id"]: dict(q) for q in base}
    for qid, fields in changes.items():
        if fields is None:
            questions.pop(qid, None)
        elif qid in questions:
            questions[qid].update(fields)
        elif {"header", "kind", "section"} <= set(fields):
            questions[qid] = {"id": qid, **fields}  # its columns: contract._questions (added_questions)
        else:
            raise ExportError(f"question {qid} is not in the questionnaire and lacks header, kind or section",
                              file=str(path), hint="give a new question all its fields, or fix the question id")
    return sorted(questions.values(), key=lambda q: q["id"])


def load_form_schema(reference_dir: Path, grant_year: int) -> FormSchema:
    path = Path(reference_dir) / "forms" / f"form_{grant_year}.json"
    if not path.exists():
        known = sorted(p.stem.removeprefix("form_") for p in path.parent.glob("form_[0-9][0-9][0-9][0-9].json"))
        raise ExportError(
            f"No form schema for grant year {grant_year} (there are schemas for {', '.join(known) or 'no year'})",
            file=str(path),
            hint=f"check the year, or create it with `friskliv new-year {grant_year}`",
        )
    data = json.loads(path.read_text(encoding="utf-8"))
    base = questionnaire(reference_dir)
    questions = []
    for q in _year_questions(base["questions"], data.get("questions") or {}, path):
        raw_options = q.get("options", [])
        options = _options(raw_options)
        labels = tuple(o for o in raw_options if isinstance(o, str))
        questions.append(
            Question(
                id=q["id"], header=_years_filled(q["header"], grant_year), kind=q["kind"], section=q["section"],
                required=bool(q.get("required")), options=options, labels=labels,
                criterion_no=q.get("criterion_no"), category=q.get("category"), label=q.get("label"),
                intro=q.get("intro"), free_text=bool(q.get("free_text")), heading_nb=q.get("heading_nb"),
            )
        )
    title = _years_filled(data.get("title") or base.get("title", ""), grant_year)
    return FormSchema(int(data["grant_year"]), title, tuple(questions), path,
                      _collection(data.get("collection") or {}, path))


def _collection(raw: dict, path: Path) -> dict:
    """The form's collection facts, dates parsed: a date that does not parse names the file."""
    import datetime as dt

    out = dict(raw)
    for key in ("opened", "closed"):
        if key in out:
            try:
                out[key] = dt.date.fromisoformat(str(out[key]))
            except ValueError:
                raise ExportError(f"collection.{key} {out[key]!r} is not a date", file=str(path),
                                  hint="write it as YYYY-MM-DD") from None
    return out


_TRAILING = re.compile(r"[\s.:;,?!*]+$")
_NUMBERS = re.compile(r"\d+")


def normalize_header(text: str) -> str:
    """Comparable form of a header: NFKC, casefolded, without whitespace or trailing punctuation.

    Removing all whitespace makes "til skudd" equal "tilskudd" and "fylkes kommuner" equal
    "fylkeskommuner", the spacing typos the form itself carries.
    """
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = _TRAILING.sub("", text.strip())
    return re.sub(r"\s+", "", text)


def _numbers(text: str) -> list[str]:
    return _NUMBERS.findall(text)


PERSONAL_HEADER_KEYS = frozenset(personal_key(n) for k in PERSONAL_METADATA for n in METADATA_HEADERS[k])


@dataclass
class HeaderMatch:
    """Which export column holds which question or metadata field."""

    questions: dict[str, str]  # question id -> export header
    metadata: dict[str, str]  # metadata key -> export header
    extra: list[str]  # export headers matched to nothing (kept in raw, reported)
    missing_optional: list[str]  # optional question ids without a column
    fuzzy: dict[str, str]  # question id -> export header matched by similarity, not exactly
    ignored: list[str] = field(default_factory=list)  # quiz columns: not read, reported
    personal: list[str] = field(default_factory=list)  # further e-mail/name columns: hashed, never stored


FUZZY_CUTOFF = 0.9


def match_headers(headers: list[str], form: FormSchema, file: str) -> HeaderMatch:
    """Map export headers to the form's question ids and Forms' metadata columns.

    Exact match after :func:`normalize_header` first; then a similarity match (difflib ratio
    >= 0.9) that must keep every number of the header, so "fylkesstruktur 2023" never passes
    for 2024's question. Forms appends 2, 3, … to repeated titles; such a suffix is ignored.
    A required question without a column is an :class:`ExportError` naming the closest header.
    """
    norm = {h: normalize_header(h) for h in headers}
    ignored = [h for h in headers if is_quiz_column(h)]
    unused = [h for h in headers if h not in ignored]
    metadata: dict[str, str] = {}
    for key, names in METADATA_HEADERS.items():
        wanted = {normalize_header(n) for n in names}
        if key in PERSONAL_METADATA:
            wanted = {personal_key(n) for n in names}
        for h in unused:
            if (personal_key(h) if key in PERSONAL_METADATA else norm[h]) in wanted:
                metadata[key] = h
                unused.remove(h)
                break
    personal = [h for h in unused if personal_key(h) in PERSONAL_HEADER_KEYS]
    unused = [h for h in unused if h not in personal]
    for key in REQUIRED_METADATA:
        if key not in metadata:
            raise ExportError(
                f"The metadata column {METADATA_HEADERS[key][0]!r} is missing",
                file=file, row=1,
                hint="export the responses from Forms with 'Open in Excel' without removing columns",
            )

    questions: dict[str, str] = {}
    fuzzy: dict[str, str] = {}
    by_norm: dict[str, list[str]] = {}
    for h in unused:
        by_norm.setdefault(norm[h], []).append(h)
    for q in form.questions:
        target = normalize_header(q.header)
        hits = by_norm.get(target, [])
        if not hits:
            hits = [h for h in unused if re.sub(r"\d+$", "", norm[h]) == target and norm[h] != target]
        if hits:
            questions[q.id] = hits[0]
            unused.remove(hits[0])
            by_norm[norm[hits[0]]].remove(hits[0])
    for q in form.questions:
        if q.id in questions:
            continue
        target = normalize_header(q.header)
        scored = sorted(
            ((difflib.SequenceMatcher(None, target, norm[h]).ratio(), h) for h in unused),
            reverse=True,
        )
        if scored and scored[0][0] >= FUZZY_CUTOFF and _numbers(scored[0][1]) == _numbers(q.header):
            questions[q.id] = fuzzy[q.id] = scored[0][1]
            unused.remove(scored[0][1])

    missing_required = [q for q in form.questions if q.required and q.id not in questions]
    if missing_required:
        q = missing_required[0]
        # only the columns left for a question: a metadata column is never the missing question
        closest = _closest(q.header, unused or [h for h in headers if h not in metadata.values()
                                                and h not in ignored and h not in personal])
        others = f" (and {len(missing_required) - 1} more required questions)" if len(missing_required) > 1 else ""
        raise ExportError(
            f"Required question {q.id} {q.header!r} has no column{others}; closest header: {closest!r}",
            file=file, row=1, column=closest,
            hint=_wrong_form_hint(headers, form) or "check that the export comes from this year's form",
        )
    missing_optional = [q.id for q in form.questions if q.id not in questions]
    return HeaderMatch(questions, metadata, unused, missing_optional, fuzzy, ignored, personal)


def _closest(header: str, headers: list[str]) -> str | None:
    target = normalize_header(header)
    scored = sorted(((difflib.SequenceMatcher(None, target, normalize_header(h)).ratio(), h) for h in headers), reverse=True)
    return scored[0][1] if scored else None


def _wrong_form_hint(headers: list[str], form: FormSchema) -> str | None:
    """Say so when the export is another year's form (its headers name another year)."""
    years = {int(n) for h in headers for n in _numbers(h) if len(n) == 4 and 2000 <= int(n) <= 2100}
    other = sorted(years - {form.grant_year})
    if other and form.grant_year not in years:
        return (
            f"the headers name the year {other[0]}, not {form.grant_year}: this looks like the {other[0]} form "
            f"placed in the {form.grant_year} folder"
        )
    return None
