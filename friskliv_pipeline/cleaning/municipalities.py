"""q14: the municipality (or Oslo bydel) named by the respondent, matched to that year's register.

"Ålesund kommune", " ålesund " and "ÅLESUND" all match Ålesund; so does every official form of
a name as SSB writes it: any order or any one of its parts ("Rosse - Røros", "Raane"), with or
without the county qualifier ("Herøy (Nordland)"), Sami letters folded ("Porsangu"). A bare
name found in several counties ("Herøy", "Våler") is settled by the reporting county. A name
that is not in the register, or that belongs to another county than the responding one, is
kept as written with a NULL code and a recorded problem. Inter-municipal projects may name
several municipalities ("Hå, Klepp og Time", "Hå/Klepp"); the first named is taken as the
applicant (regelverk 3: one municipality applies on behalf of the others). "… og nabokommuner"
names no municipality: it sets ``unnamed_neighbours`` and is neither a part nor a problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from friskliv_pipeline.cleaning.answers import clean_text
from friskliv_pipeline.cleaning.place_names import name_parts, official_keys, place_key, split_qualifier

_AFFIXES = re.compile(r"^(?:bydel|kommune[n]?)\s+|\s+(?:kommune[n]?|herad|bydel)$")
_OUTSIDE_PARENTHESES = r"(?![^()]*\))"  # "Herøy (Møre og Romsdal)" is not split on its " og "
_LIST_SEPARATORS = re.compile(r"\s*[,;/&+]\s*" + _OUTSIDE_PARENTHESES)
_AND = re.compile(r"\s+(?:og|med|samt)\s+" + _OUTSIDE_PARENTHESES)
# Wording for "and the municipalities around it" (nb and nn): no municipality is named.
NEIGHBOUR_PHRASES = frozenset({
    "nabokommuner", "nabokommunene", "nabokommunar", "nabokommunane", "omegnskommuner", "omegnskommunene",
    "omkringliggende kommuner", "omkringliggjande kommunar", "nærliggende kommuner", "andre kommuner",
    "flere kommuner", "fleire kommunar", "andre nabokommuner", "regionens kommuner", "omegn", "omegnen",
})


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
    unnamed_neighbours: bool = False  # "… og nabokommuner": more municipalities, not named


class MunicipalityRegister:
    """Lookup of one grant year's municipalities and bydeler by normalised name."""

    def __init__(self, register: pd.DataFrame):
        self._by_key: dict[str, list[dict]] = {}
        for row in register.to_dict("records"):
            row["_county_key"] = place_key(row["county"])
            for key in official_keys(row["municipality"]):
                self._by_key.setdefault(key, []).append(row)

    def _rows(self, text: str) -> list[dict]:
        """Rows whose name, or one part of it, is ``text``; else rows holding every dash-joined
        part of ``text`` ("Rosse - Røros", "Porsanki - Porsanger" in any order)."""
        rows = self._by_key.get(_strip_affixes(place_key(text)), [])
        parts = name_parts(text)
        if rows or len(parts) < 2:
            return rows
        found = [{r["municipality_no"]: r for r in self._by_key.get(_strip_affixes(place_key(p)), [])} for p in parts]
        common = set(found[0]).intersection(*found[1:])
        return [found[0][no] for no in sorted(common)]

    def _lookup(self, text: str) -> list[dict]:
        name, qualifier = split_qualifier(text)
        rows = self._rows(name)
        if qualifier:  # SSB's "(Nordland)" picks among namesakes; a wrong one is left to the county rule
            in_qualifier = [r for r in rows if r["_county_key"] == place_key(qualifier)]
            rows = in_qualifier or rows
        return rows

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
        named = [p for p in pieces if _strip_affixes(place_key(p)) not in NEIGHBOUR_PHRASES]
        result.unnamed_neighbours = len(named) < len(pieces)
        for position, piece in enumerate(named, start=1):
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
