"""Free text screened for the public edition: e-mail addresses and phone numbers in an answer are
masked there ("[e-postadresse fjernet]"), kept as written in the auditor's edition, and listed
for the analyst, who decides whether the answer should be published at all.

Phone numbers are Norwegian eight-digit numbers written the way people write them: "912 34 567",
"22 33 44 55", "+47 91234567", or eight digits in a row after "tlf", "telefon", "mobil" or "+47".
An amount ("50 000", "1 250 000 kr") has other groups and is never taken for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\d\w])(?:"
                   r"(?:\+47[\s-]?)?\d{3}[\s-]\d{2}[\s-]\d{3}"  # 912 34 567
                   r"|(?:\+47[\s-]?)?\d{2}[\s-]\d{2}[\s-]\d{2}[\s-]\d{2}"  # 22 33 44 55
                   r"|(?:(?:\+47|tlf\.?|telefon|tel\.?|mob\.?|mobil)[\s:.-]*)\d{8}"  # tlf. 91234567
                   r")(?![\d])", re.IGNORECASE)
MASKS = {"e-postadresse": ("[e-postadresse fjernet]", EMAIL), "telefonnummer": ("[telefonnummer fjernet]", PHONE)}


@dataclass(frozen=True)
class Screened:
    question_id: str
    county: str | None
    text: str  # as written
    public: str  # as the public edition shows it
    kinds: tuple[str, ...]  # what was masked: "e-postadresse", "telefonnummer"


def mask(text: str) -> tuple[str, tuple[str, ...]]:
    """The text with e-mail addresses and phone numbers replaced, and which kinds were found."""
    kinds = []
    for kind, (replacement, pattern) in MASKS.items():
        text, n = pattern.subn(replacement, text)
        if n:
            kinds.append(kind)
    return text, tuple(kinds)


def screen(free_text) -> tuple[object, list[Screened]]:
    """``free_text`` (question_id, county, text) with a masked ``text`` for the public edition, and the
    answers that were masked."""
    public = free_text.copy()
    masked = [mask(str(t)) for t in free_text["text"]]
    public["text"] = [m[0] for m in masked]
    found = [Screened(q, c if isinstance(c, str) else None, str(t), m[0], m[1])
             for q, c, t, m in zip(free_text["question_id"], free_text["county"], free_text["text"], masked) if m[1]]
    return public, found
