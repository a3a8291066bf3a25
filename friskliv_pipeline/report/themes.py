"""Free-text answers summarised without dropping any: identical and near-identical answers are
collapsed into one line with a count, and the lines are grouped under the analyst's themes.

The themes of a question live in ``<reference_dir>/themes/<question id>.yml``: a list of themes,
each with keywords; an answer belongs to the first theme with a keyword in it (case and spacing
ignored), and answers no theme matches are listed as such. Every answer received is counted in
exactly one line: ``Summary.n_shown == Summary.n_received`` always, and it is checked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from friskliv_pipeline.errors import FrisklivError

# Two answers whose normalised texts are this similar (difflib ratio) are the same answer written
# twice with small differences (a typo, a full stop, a dash).
NEAR_IDENTICAL = 0.9
UNMATCHED = "Uten tema"


class ThemeListError(FrisklivError):
    pass


@dataclass(frozen=True)
class Theme:
    name: str
    keywords: tuple[str, ...]


@dataclass
class Answer:
    """One line of the summary: an answer as first written, and how many answers it stands for."""

    text: str
    key: str
    count: int = 0
    counties: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)  # other spellings collapsed into it


@dataclass
class Group:
    theme: str
    answers: list[Answer]

    @property
    def count(self) -> int:
        return sum(a.count for a in self.answers)


@dataclass
class Summary:
    question_id: str
    groups: list[Group]  # the themes with answers, in theme-list order; unmatched last
    n_received: int

    @property
    def n_shown(self) -> int:
        return sum(g.count for g in self.groups)

    @property
    def unmatched(self) -> Group | None:
        return next((g for g in self.groups if g.theme == UNMATCHED), None)


def normalise(text: str) -> str:
    """Case, Unicode form, spacing, quotes and closing punctuation do not make another answer."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = re.sub(r"[\"'«»“”‘’]", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"[\s.,;:!?–-]+$", "", text)


def collapse(answers: list[tuple[str, str]]) -> list[Answer]:
    """(county, text) answers → one Answer per distinct answer, identical and near-identical
    texts counted together, in the order first seen."""
    lines: list[Answer] = []
    by_key: dict[str, Answer] = {}
    for county, text in answers:
        key = normalise(text)
        line = by_key.get(key)
        if line is None:
            line = next((a for a in lines if SequenceMatcher(None, a.key, key).ratio() >= NEAR_IDENTICAL), None)
            if line is None:
                line = Answer(str(text).strip(), key)
                lines.append(line)
            elif str(text).strip() not in line.variants and str(text).strip() != line.text:
                line.variants.append(str(text).strip())
            by_key[key] = line
        line.count += 1
        if county and county not in line.counties:
            line.counties.append(county)
    return lines


def theme_of(answer: Answer, themes: list[Theme]) -> str:
    for theme in themes:
        if any(normalise(k) in answer.key for k in theme.keywords):
            return theme.name
    return UNMATCHED


def summarise(question_id: str, answers: list[tuple[str, str]], themes: list[Theme]) -> Summary:
    lines = collapse(answers)
    names = [t.name for t in themes] + [UNMATCHED]
    grouped: dict[str, list[Answer]] = {n: [] for n in names}
    for line in lines:
        grouped[theme_of(line, themes)].append(line)
    groups = [Group(n, sorted(grouped[n], key=lambda a: (-a.count, a.key))) for n in names if grouped[n]]
    summary = Summary(question_id, groups, len(answers))
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
        if not isinstance(entry, dict) or not entry.get("theme") or not entry.get("keywords"):
            raise ThemeListError(f"file {path}, theme {i}: each theme needs 'theme' (a name) and 'keywords' "
                                 "(a list of words). What to do: fix the entry, see the README (Commentary and themes)")
        themes.append(Theme(str(entry["theme"]), tuple(str(k) for k in entry["keywords"])))
    return themes
