"""q14: the municipality (or Oslo bydel) named by the respondent, matched to that year's register.

"Ålesund kommune", " ålesund " and "ÅLESUND" all match Ålesund. A name that is not in the
register, or that belongs to another county than the responding one, is kept as written with a
NULL code and a recorded problem. Inter-municipal projects may name several municipalities
("Hå, Klepp og Time"); the first named is taken as the applicant (regelverk 3: one
municipality applies on behalf of the others).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from friskliv_pipeline.cleaning.answers import clean_text, match_key

_AFFIXES = re.compile(r"^(?:bydel|kommune[n]?)\s+|\s+(?:kommune[n]?|herad|bydel)$")
_LIST_SEPARATORS = re.compile(r"\s*[,;/&+]\s*")
_AND = re.compile(r"\s+og\s+")


def _name_keys(name: str) -> set[str]:
    """A register name and its parts: "Guovdageaidnu - Kautokeino" is found by either name."""
    keys = {match_key(name)}
    for part in re.split(r"\s+-\s+", name):
        keys.add(match_key(part))
    return {k for k in keys if k}


def _strip_affixes(key: str) -> str:
    previous = None
    while previous != key:
        previous, key = key, _AFFIXES.sub("", key).strip()
    return key


@dataclass
class MunicipalityMatch:
    text: str | None
    municipality_no: str | None = None
    municipality: str | None = None
    parts: list[dict] = field(default_factory=list)  # one per named municipality
    problems: list[tuple[str, str]] = field(default_factory=list)  # (rule, message)


class MunicipalityRegister:
    """Lookup of one grant year's municipalities and bydeler by normalised name."""

    def __init__(self, register: pd.DataFrame):
        self._by_key: dict[str, list[dict]] = {}
        for row in register.to_dict("records"):
            for key in _name_keys(row["municipality"]):
                self._by_key.setdefault(key, []).append(row)

    def _lookup(self, text: str) -> list[dict]:
        key = _strip_affixes(match_key(text))
        return self._by_key.get(key, [])

    def _split(self, name: str) -> list[str]:
        """Split a list of names on , ; / & + and then on " og " only inside pieces that are not
        themselves a name ("Nore og Uvdal, Flesberg og Rollag" → Nore og Uvdal, Flesberg, Rollag)."""
        pieces = []
        for piece in (p.strip() for p in _LIST_SEPARATORS.split(name)):
            if not piece:
                continue
            pieces += [piece] if self._lookup(piece) else [p for p in _AND.split(piece) if p.strip()]
        return pieces

    def match(self, text: str | None, county: str | None) -> MunicipalityMatch:
        name = clean_text(text)
        result = MunicipalityMatch(name)
        if name is None:
            return result
        pieces = [name] if self._lookup(name) else self._split(name)
        for position, piece in enumerate(pieces, start=1):
            candidates = self._lookup(piece)
            in_county = [c for c in candidates if county is not None and c["county"] == county]
            part = {"position": position, "name_reported": piece, "municipality_no": None, "municipality": None}
            if in_county:
                part["municipality_no"] = in_county[0]["municipality_no"]
                part["municipality"] = in_county[0]["municipality"]
            elif candidates:
                elsewhere = ", ".join(sorted({c["county"] for c in candidates}))
                result.problems.append(("q14.municipality_other_county",
                                        f"{piece!r} is a municipality in {elsewhere}, not in {county}"))
            else:
                result.problems.append(("q14.municipality_not_found",
                                        f"{piece!r} is not in the municipality register"))
            result.parts.append(part)
        if result.parts and result.parts[0]["municipality_no"] is not None:
            result.municipality_no = result.parts[0]["municipality_no"]
            result.municipality = result.parts[0]["municipality"]
        return result
