"""Comparable keys for municipality and county names in every official form SSB writes them.

SSB's KLASS names join a place's Norwegian, Sami and Kven names with " - " in an order of
their own ("Røros - Rosse", where Kartverket writes "Rosse - Røros"), qualify a name that
exists twice with its county ("Herøy (Nordland)") and spell Sami letters that a keyboard or an
older list may not have ("Porsángu", "Porsáŋgu", "Porsangu"). A respondent may write any one
of those names, in any order, with or without the qualifier: these keys make them comparable.
"""

from __future__ import annotations

import re

from friskliv_pipeline.cleaning.answers import match_key

# Sami letters folded for matching only (the register keeps SSB's spelling).
_SAMI_FOLD = str.maketrans("áčđŋšŧž", "acdnstz")
_QUALIFIER = re.compile(r"^(?P<name>.*?)\s*\((?P<qualifier>[^()]*)\)\s*$")
_PARTS = re.compile(r"\s*[-–—]\s*")


def place_key(text: str | None) -> str:
    """match_key with Sami letters folded: "Porsáŋgu" and "Porsángu" both give "porsangu"."""
    return match_key(text).translate(_SAMI_FOLD)


def split_qualifier(text: str) -> tuple[str, str | None]:
    """("Herøy", "Møre og Romsdal") from "Herøy (Møre og Romsdal)"; (text, None) without one."""
    found = _QUALIFIER.match(text.strip())
    if not found or not found["name"]:
        return text.strip(), None
    return found["name"], found["qualifier"].strip() or None


def name_parts(text: str) -> list[str]:
    """The parts of an official name joined by dashes: "Røros - Rosse" → ["Røros", "Rosse"]."""
    return [p for p in _PARTS.split(text.strip()) if p.strip()]


def official_keys(name: str) -> set[str]:
    """Keys under which a register name is found: the whole name and each of its parts."""
    name, _qualifier = split_qualifier(name)
    keys = {place_key(name)} | {place_key(p) for p in re.split(r"\s+-\s+", name)}
    return {k for k in keys if k}
