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
lettered sub-points (``5A``, ``5B``); the text under a heading belongs to that point. The rules
of the checks cite these numbers (``regelverk 5B``), so a cited point that the document does not
have is an error, not a silent gap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from friskliv_pipeline.errors import FrisklivError

HEADING = re.compile(r"^(##|###)\s+(\d+[A-Z]?)\s+(.+?)\s*$")
FRONT_KEYS = ("title", "grant_year", "edition", "source")


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
    path: Path

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
    import yaml

    path = path_of(reference_dir, grant_year)
    if not path.exists():
        raise RegelverkError(f"file {path}: no regelverk for grant year {grant_year}. What to do: add the year's "
                             "regelverk as Markdown (copy the previous year's file and replace its text with the "
                             "year's regelverk from Helsedirektoratet; see docs/analysts.md)")
    lines = path.read_text(encoding="utf-8").splitlines()
    front, body_start = {}, 0
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            raise RegelverkError(f"file {path}, line 1: the front matter is not closed. What to do: end it with a "
                                 "line '---'")
        front = yaml.safe_load("\n".join(lines[1:end])) or {}
        body_start = end + 1
    missing = [k for k in FRONT_KEYS if not front.get(k)]
    if missing:
        raise RegelverkError(f"file {path}, line 1: the front matter lacks {', '.join(missing)}. What to do: add "
                             f"them ({', '.join(FRONT_KEYS)})")
    if int(front["grant_year"]) != grant_year:
        raise RegelverkError(f"file {path}, line 1: grant_year {front['grant_year']} in a file for {grant_year}. "
                             "What to do: correct the front matter or the file name")
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
    if not points:
        raise RegelverkError(f"file {path}: no numbered points. What to do: give each point a heading "
                             "'## <number> <title>' (sub-points '### <number><letter> <title>')")
    return Regelverk(str(front["title"]), grant_year, str(front["edition"]), str(front["source"]).strip(),
                     tuple(points), path)


CITATION = re.compile(r"regelverk\s+(\d+[A-Z]?(?:\s*,\s*\d+[A-Z]?)*)")


def cited_points(source: str) -> list[str]:
    """The regelverk points a rule's source cites: "regelverk 5B; form q05–q12" → ["5B"]."""
    match = CITATION.search(source or "")
    return [p.strip() for p in match.group(1).split(",")] if match else []
