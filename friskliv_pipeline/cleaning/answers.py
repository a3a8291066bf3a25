"""Answer-level rules for the closed questions: yes/no, attainment scale, single and multi choice.

Each function returns the cleaned value and, when the answer cannot be read, a problem text
(the caller records it against the response and question; the value becomes None).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

from friskliv_pipeline.forms.schema import Option, Question, attainment_answers

# The attainment scale as the questionnaire declares it (forms.schema.attainment_answers).
_SCALE = attainment_answers()
ATTAINMENT_VALUES = tuple(o.label for o in _SCALE)
_YES = {"ja", "yes", "j", "y", "true", "1"}
_NO = {"nei", "no", "n", "false", "0"}
# Other spellings respondents use for an answer, by the option's key.
_ATTAINMENT_ALIASES = {"ikke_aktuelt": ("ikke relevant",)}
_ATTAINMENT = {spelling: o.label for o in _SCALE
               for spelling in (o.label.casefold(), o.label.casefold().replace(" ", ""),
                                *_ATTAINMENT_ALIASES.get(o.key, ()))}


def is_missing(value) -> bool:
    """None, NaN or pandas' NA: what an empty cell becomes on its way through a DataFrame."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def clean_text(value: str | None) -> str | None:
    """Trimmed text with runs of whitespace (incl. non-breaking) folded to one space; '' → None."""
    if is_missing(value):
        return None
    text = unicodedata.normalize("NFC", str(value)).replace("\u00a0", " ")
    text = re.sub(r"[ \t\u2009\u202f]+", " ", text).strip()
    return text or None


def match_key(value: str | None) -> str:
    """Key for comparing names: casefolded, punctuation-free, single spaces."""
    return _match_key_text("" if is_missing(value) else str(value))


@functools.lru_cache(maxsize=1 << 16)
def _match_key_text(text: str) -> str:
    # Cached: the same county, municipality and title names are keyed again for every row.
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def compact_key(value: str | None) -> str:
    """Key for recognising the same project title again: like match_key without any spaces, so
    "Frisklivsløypa", "Frisklivs-løypa" and "frisklivs løypa" are one title."""
    return match_key(value).replace(" ", "")


@dataclass(frozen=True)
class Answer:
    value: object = None
    problem: str | None = None


def yes_no(value: str | None) -> Answer:
    text = clean_text(value)
    if text is None:
        return Answer(None)
    key = text.casefold().rstrip(".!")
    if key in _YES:
        return Answer(True)
    if key in _NO:
        return Answer(False)
    return Answer(None, f"expected Ja or Nei, got {text[:60]!r}")


def attainment(value: str | None) -> Answer:
    text = clean_text(value)
    if text is None:
        return Answer(None)
    key = re.sub(r"\s+", " ", text.casefold().rstrip(".!;"))
    if key in _ATTAINMENT:
        return Answer(_ATTAINMENT[key])
    return Answer(None, f"expected one of {', '.join(ATTAINMENT_VALUES)}, got {text[:60]!r}")


def split_multi(value: str | None) -> list[str]:
    """Forms joins choices with ';' (usually with a trailing ';'); Power Automate gives a JSON list."""
    text = clean_text(value)
    if text is None:
        return []
    if text.startswith("[") and text.endswith("]"):
        try:
            items = json.loads(text)
            if isinstance(items, list):
                return [t for t in (clean_text(str(i)) for i in items) if t]
        except ValueError:
            pass
    return [t for t in (clean_text(p) for p in text.split(";")) if t]


def _option_index(question: Question) -> dict[str, Option]:
    index = {}
    for o in question.options:
        index[match_key(o.label)] = o
        if o.other:  # "Annet, spesifiser:" may come back as just "Annet"
            index[match_key(o.label.split(",")[0])] = o
    return index


@dataclass
class MultiChoice:
    """Cleaned multi-select: one flag per option key, the free text of 'Annet', problems."""

    flags: dict[str, bool]
    other_text: str | None = None
    chosen: list[str] = field(default_factory=list)  # option keys in the order given, 'other' included
    problems: list[str] = field(default_factory=list)


def multi_choice(value: str | None, question: Question) -> MultiChoice:
    """Map each chosen label to its option; text that matches none is the 'Annet' free text.

    An option with ``implies`` (q15 "Begge disse gruppene") also sets the options it stands
    for, so the flags agree however the respondent expressed the same answer.
    """
    index = _option_index(question)
    keys = question.option_keys()
    flags = {k: False for k in keys}
    other_key = next((o.key for o in question.options if o.other), None)
    others: list[str] = []
    chosen: list[str] = []
    problems: list[str] = []
    for part in split_multi(value):
        option = index.get(match_key(part))
        if option is None and other_key:
            others.append(part)
            flags[other_key] = True
            continue
        if option is None:
            problems.append(f"unknown option {part[:60]!r}")
            continue
        flags[option.key] = True
        for implied in option.implies:
            flags[implied] = True
    for k in keys:
        if flags[k]:
            chosen.append(k)
    exclusive = [o.key for o in question.options if o.exclusive and flags[o.key]]
    if exclusive and sum(flags.values()) > 1:
        problems.append("'" + next(o.label for o in question.options if o.key == exclusive[0])
                        + "' ticked together with other options")
    return MultiChoice(flags, "; ".join(others) or None, chosen, problems)


def single_choice(value: str | None, question: Question) -> tuple[str | None, str | None, str | None]:
    """q22: (option key, free text of 'Annet', problem). Unknown text counts as 'Annet' with its text."""
    text = clean_text(value)
    if text is None:
        return None, None, None
    parts = split_multi(text)
    if not parts:  # ";" or "[]": the cell is not empty, but no choice is left after splitting
        return None, None, f"no choice in the cell: {text[:60]!r}"
    index = _option_index(question)
    other_key = next((o.key for o in question.options if o.other), None)
    if len(parts) > 1:
        known = [index[match_key(p)] for p in parts if match_key(p) in index]
        if len(known) == 1 and len(parts) == 2 and known[0].other:
            other_text = next(p for p in parts if match_key(p) not in index)
            return known[0].key, other_text, None
        return None, None, f"one choice expected, got {len(parts)}: {text[:80]!r}"
    option = index.get(match_key(parts[0]))
    if option is not None:
        return option.key, None, None
    if other_key:
        return other_key, parts[0], None
    return None, None, f"unknown option {text[:60]!r}"
