"""Free-text answers summarised without dropping any: answers that are the same text (case and
spacing aside) are collapsed into one line with their count, and the lines are grouped under the
analyst's themes. Nothing else is collapsed: two answers that differ in a word or a digit are two
answers ("…: 50 000 kr" and "…: 72 500 kr" are different amounts).

The themes of a question live in ``<reference_dir>/themes/<question id>.yml``: a list of themes,
each with an ``id`` (the name a commentary file quotes the theme's count by, ``theme.q36.<id>``),
a heading and keywords; an answer belongs to the first theme with a keyword in it (case and
spacing ignored), and answers no theme matches are listed under "Andre svar". Every answer
received is counted in exactly one line: ``Summary.n_shown == Summary.n_received`` always, and
it is checked.

Chapter 4 prints each line as the Directorate would write it (``Answer.shown``): a number range
with an en dash ("18–30", "1.–6. trinn"), an age range with its unit ("i alderen 18–30 år"), and
no amount in the running text: the amounts of a theme's answers are given once, as a range in
kroner after its count ("5 svar, 30 000–92 400 kr"). Vedlegg 3 lists every answer as written. A
theme whose answers are one and the same text is one line (``Group.single``), not a heading
repeated by its only line.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from friskliv_pipeline.cleaning.money import amounts_in_text
from friskliv_pipeline.core.errors import FrisklivError
from friskliv_pipeline.report.language import kroner, number

UNMATCHED = "Andre svar"


class ThemeListError(FrisklivError):
    pass


@dataclass(frozen=True)
class Theme:
    id: str  # what a commentary file calls it: theme.<question id>.<id>
    name: str  # the heading in the report
    keywords: tuple[str, ...]


@dataclass
class Answer:
    """One line of the summary: an answer as first written, and how many answers it stands for
    (the same text, case and spacing aside)."""

    text: str
    key: str
    count: int = 0
    counties: list[str] = field(default_factory=list)

    @property
    def shown(self) -> str:
        """The answer as chapter 4 prints it (see the module doc); its amounts are in ``amounts``."""
        return print_form(self.text)[0]

    @property
    def amounts(self) -> list[int]:
        return print_form(self.text)[1]


@dataclass
class Group:
    theme: str
    answers: list[Answer]
    id: str = ""  # the theme's id ("" for the answers no theme matched)

    @property
    def count(self) -> int:
        return sum(a.count for a in self.answers)

    @property
    def single(self) -> Answer | None:
        """The group's one line when all its answers are the same text: printed instead of the
        heading and the line under it ("Eldre (6 svar) / Hjemmeboende eldre (6 svar)" is one line)."""
        return self.answers[0] if len(self.answers) == 1 and self.theme != UNMATCHED else None

    @property
    def amount_range(self) -> str:
        """ "30 000–92 400 kr" (one amount: "43 000 kr"; none: ""), over the group's answers."""
        amounts = [nok for a in self.answers for nok in a.amounts]
        if not amounts:
            return ""
        low, high = min(amounts), max(amounts)
        return kroner(low) if low == high else f"{number(low)}–{kroner(high)}"


@dataclass
class Summary:
    question_id: str
    groups: list[Group]  # the themes with answers, in theme-list order; unmatched last
    n_received: int
    theme_ids: tuple[str, ...] = ()  # every theme of the question's list, answered or not

    @property
    def n_shown(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def unmatched(self) -> Group | None:
        return next((g for g in self.groups if g.theme == UNMATCHED), None)

    def count_of(self, theme_id: str) -> int:
        """Answers under the theme with this id (0 when none matched it)."""
        return sum(g.count for g in self.groups if g.id == theme_id)


def normalise(text: str) -> str:
    """Case, Unicode form and spacing do not make another answer; every other character does."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    return re.sub(r"\s+", " ", text).strip()


RANGE = re.compile(r"(?<=\d)(\.?)\s?-\s?(?=\d)")  # "18-30", "1.-6." (not "2024-2027"'s spacing)
AGE_RANGE = re.compile(r"(alderen \d+–\d+)(?!\s*år)")
AMOUNT_LEAD = re.compile(r"\s*(?:[:,;–-]\s*)?$")  # what ties the amount to the text before it


def print_form(text: str) -> tuple[str, list[int]]:
    """An answer as chapter 4 prints it and the amounts taken out of it (see the module doc)."""
    text, amounts = str(text).strip(), []
    for start, end, nok in reversed(amounts_in_text(text)):
        head = AMOUNT_LEAD.sub("", text[:start])
        text = head + text[end:]
        amounts.insert(0, nok)
    text = RANGE.sub(lambda m: f"{m.group(1)}–", text)
    text = AGE_RANGE.sub(r"\1 år", text)
    return text.strip(), amounts


def collapse(answers: list[tuple[str, str]]) -> list[Answer]:
    """(county, text) answers → one Answer per distinct answer (the same text, case and spacing
    aside), counted, in the order first seen."""
    lines: list[Answer] = []
    by_key: dict[str, Answer] = {}
    for county, text in answers:
        key = normalise(text)
        line = by_key.get(key)
        if line is None:
            line = by_key[key] = Answer(str(text).strip(), key)
            lines.append(line)
        line.count += 1
        if county and county not in line.counties:
            line.counties.append(county)
    return lines


def theme_of(answer: Answer, themes: list[Theme]) -> Theme | None:
    for theme in themes:
        if any(normalise(k) in answer.key for k in theme.keywords):
            return theme
    return None


def summarise(question_id: str, answers: list[tuple[str, str]], themes: list[Theme]) -> Summary:
    lines = collapse(answers)
    grouped: dict[str, list[Answer]] = {t.id: [] for t in themes} | {"": []}
    for line in lines:
        theme = theme_of(line, themes)
        grouped[theme.id if theme else ""].append(line)
    headings = [(t.id, t.name) for t in themes] + [("", UNMATCHED)]
    groups = [Group(name, sorted(grouped[tid], key=lambda a: (-a.count, a.key)), tid)
              for tid, name in headings if grouped[tid]]
    summary = Summary(question_id, groups, len(answers), tuple(t.id for t in themes))
    if summary.n_shown != summary.n_received:  # cannot happen; a report that loses answers must not be published
        raise AssertionError(f"{question_id}: {summary.n_shown} answers shown, {summary.n_received} received")
    return summary


def load_themes(reference_dir: Path, question_id: str) -> list[Theme]:
    """The question's theme list, or none (then every answer is listed as unmatched)."""
    import yaml

    path = Path(reference_dir) / "themes" / f"{question_id}.yml"
    if not path.exists():
        return []
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    themes = []
    for i, entry in enumerate(document.get("themes", []), start=1):
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("theme") or not entry.get("keywords"):
            raise ThemeListError(f"file {path}, theme {i}: each theme needs 'id' (the name commentary quotes its "
                                 "count by), 'theme' (its heading) and 'keywords' (a list of words). What to do: fix "
                                 "the entry, see docs/analysts.md (free text)")
        if not re.fullmatch(r"[a-z0-9_]+", str(entry["id"])) or any(t.id == entry["id"] for t in themes):
            raise ThemeListError(f"file {path}, theme {i}: the id {entry['id']!r} must be unique and written with "
                                 "a-z, 0-9 and _. What to do: rename it")
        themes.append(Theme(str(entry["id"]), str(entry["theme"]), tuple(str(k) for k in entry["keywords"])))
    return themes
