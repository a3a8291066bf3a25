"""The grant year's regelverk: the document Helsedirektoratet keeps per year, read from
``<reference_dir>/regelverk/<year>.md``.

It is Vedlegg 1 of the public report, word for word, and the list of points the auditor's
coverage table (``Dekning``) walks through. The file is Markdown with a small front matter::

    ---
    title: Regelverk for tilskudd til …
    grant_year: 2024
    edition: Helsedirektoratet, regelverk gjeldende for 2024
    source: where the text comes from
    ---

    ## 1 Mål og målgruppe for ordningen
    …
    ## 5 Tildelingskriterier
    ### 5B Kompetansebygging
    …

A level-2 heading opens a numbered point (``1``, ``2``, … ``12``), a level-3 heading one of its
lettered sub-points (``5A``, ``5B``); the text under a heading belongs to that point, up to the next
heading (so a point's own text comes before its sub-points). The rules of the checks cite these
numbers (``regelverk 5B``), so a cited point that the document does not have is an error, not a
silent gap.

A year whose own regelverk is not at hand must not print another year's text as its own. Its file
says whose text it borrows and holds no points itself::

    ---
    grant_year: 2023
    text_of_year: 2024
    edition: …, saying that the year's own text is missing
    source: …
    ---

The points (and the title, unless given) are then read from ``<text_of_year>.md``, which must hold
its own text; ``Regelverk.text_year`` says whose text it is, and the editions print that year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from friskliv_pipeline.core.errors import FrisklivError

HEADING = re.compile(r"^(##|###)\s+(\d+[A-Z]?)\s+(.+?)\s*$")
FRONT_KEYS = ("title", "grant_year", "edition", "source")
BORROWING_KEYS = ("grant_year", "text_of_year", "edition", "source")  # a file that prints another year's text


class RegelverkError(FrisklivError):
    pass


@dataclass(frozen=True)
class Point:
    number: str  # "1", "5", "5B"
    title: str
    text: str  # Markdown under the heading, up to the next heading
    line: int  # line of the heading in the file

    @property
    def parent(self) -> str:
        """The numbered point a lettered sub-point belongs to ("5B" → "5")."""
        return re.match(r"\d+", self.number).group(0)

    @property
    def is_sub_point(self) -> bool:
        return self.number != self.parent

    @property
    def html(self):
        from friskliv_pipeline.report.commentary import markdown_html

        return markdown_html(self.text)

    @property
    def summary(self) -> str:
        """The point's first sentence, for a table cell (the whole text is Vedlegg 1)."""
        first = re.split(r"(?<=[.:])\s", " ".join(self.text.split()), maxsplit=1)[0]
        return first if first else self.title


@dataclass(frozen=True)
class Regelverk:
    title: str
    grant_year: int
    edition: str
    source: str
    points: tuple[Point, ...]
    path: Path  # the year's file
    text_year: int  # the grant year whose regelverk the points are: grant_year, or the year borrowed from
    text_path: Path  # the file the points were read from (path, or the borrowed year's file)

    @property
    def own_text(self) -> bool:
        """Whether the points are the grant year's own regelverk (not another year's, borrowed)."""
        return self.text_year == self.grant_year

    def point(self, number: str) -> Point:
        for p in self.points:
            if p.number == number:
                return p
        raise KeyError(number)

    def has(self, number: str) -> bool:
        return any(p.number == number for p in self.points)


def path_of(reference_dir: Path, grant_year: int) -> Path:
    return Path(reference_dir) / "regelverk" / f"{grant_year}.md"


def load(reference_dir: Path, grant_year: int) -> Regelverk:
    """The year's regelverk; a missing file or a file without points stops the report with the path."""
    path = path_of(reference_dir, grant_year)
    if not path.exists():
        raise RegelverkError(f"file {path}: no regelverk for grant year {grant_year}. What to do: add the year's "
                             "regelverk as Markdown (copy the previous year's file and replace its text with the "
                             "year's regelverk from Helsedirektoratet; see docs/analysts.md)")
    front, points = _read(path)
    if int(front.get("grant_year") or 0) != grant_year:
        raise RegelverkError(f"file {path}, line 1: grant_year {front.get('grant_year')} in a file for {grant_year}. "
                             "What to do: correct the front matter or the file name")
    text_year = int(front.get("text_of_year") or grant_year)
    if text_year == grant_year:
        _require(path, front, FRONT_KEYS)
        if not points:
            raise RegelverkError(f"file {path}: no numbered points. What to do: give each point a heading "
                                 "'## <number> <title>' (sub-points '### <number><letter> <title>')")
        return Regelverk(str(front["title"]), grant_year, str(front["edition"]), str(front["source"]).strip(),
                         tuple(points), path, grant_year, path)
    _require(path, front, BORROWING_KEYS)
    if points:
        raise RegelverkError(f"file {path}, line {points[0].line}: the front matter says the text is the "
                             f"{text_year} regelverk (text_of_year), but the file has points of its own. What to do: "
                             f"if this is the {grant_year} regelverk, remove text_of_year; else remove the points")
    text = load(reference_dir, text_year)
    if not text.own_text:
        raise RegelverkError(f"file {path}, line 1: text_of_year {text_year}, but {text.path} borrows its text too. "
                             f"What to do: name the year whose file holds the text ({text.text_year})")
    return Regelverk(str(front.get("title") or text.title), grant_year, str(front["edition"]),
                     str(front["source"]).strip(), text.points, path, text_year, text.path)


def _require(path: Path, front: dict, keys: tuple[str, ...]) -> None:
    missing = [k for k in keys if not front.get(k)]
    if missing:
        raise RegelverkError(f"file {path}, line 1: the front matter lacks {', '.join(missing)}. What to do: add "
                             f"them ({', '.join(keys)})")


def _read(path: Path) -> tuple[dict, list[Point]]:
    """The file's front matter and its points (none when it has no headings)."""
    import yaml

    lines = path.read_text(encoding="utf-8").splitlines()
    front, body_start = {}, 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            raise RegelverkError(f"file {path}, line 1: the front matter is not closed. What to do: end it with a "
                                 "line '---'")
        front = yaml.safe_load("\n".join(lines[1:end])) or {}
        body_start = end + 1
    points: list[Point] = []
    current: list | None = None
    for number, line in enumerate(lines[body_start:], start=body_start + 1):
        match = HEADING.match(line)
        if match:
            level, point, title = match.groups()
            if level == "###" and not (current and point.startswith(re.match(r"\d+", current[0]).group(0))):
                raise RegelverkError(f"file {path}, line {number}: sub-point {point} does not follow its point. "
                                     "What to do: put it under '## <number> …' of its point")
            if current:
                points.append(Point(current[0], current[1], "\n".join(current[3]).strip(), current[2]))
            current = [point, title, number, []]
        elif current is not None:
            current[3].append(line)
    if current:
        points.append(Point(current[0], current[1], "\n".join(current[3]).strip(), current[2]))
    return front, points


CITATION = re.compile(r"regelverk\s+(\d+[A-Z]?(?:\s*,\s*\d+[A-Z]?)*)")


def cited_points(source: str) -> list[str]:
    """The regelverk points a rule's source cites: "regelverk 5B; form q05–q12" → ["5B"]."""
    match = CITATION.search(source or "")
    return [p.strip() for p in match.group(1).split(",")] if match else []
