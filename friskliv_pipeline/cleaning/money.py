"""Norwegian-written money amounts → whole kroner, or None with the reason; never a guess.

Accepted: "150 000", "kr 200.000,-", "95 000 kr", "75000", "1 250 000,50", "NOK 1,250,000".
Space, non-breaking or thin space and '.' group thousands; ',' is the decimal mark (or an
English thousands separator when followed by exactly three digits). Øre are rounded half up
to whole kroner. Ranges, approximations ("ca. 50 000") and words ("1,5 mill") are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

_CURRENCY = re.compile(r"^(?:kr\.?|nok)\s*|\s*(?:kr\.?|nok|kroner)$", re.IGNORECASE)
_DASH_SUFFIX = re.compile(r"[,.]\s*[-–]+$")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")

MAX_DIGITS = 15  # far beyond any grant; longer digit strings are typing accidents
_PLAIN = re.compile(r"^\d+$")
_GROUPED_DOT = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_GROUPED_COMMA = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")
_DECIMAL_DOT = re.compile(r"^\d+\.\d{1,2}$")


@dataclass(frozen=True)
class Money:
    nok: int | None
    problem: str | None = None


def parse_nok(text: str | None) -> Money:
    """Parse one amount. Empty → Money(None) without a problem (a skipped question)."""
    if text is None:
        return Money(None)
    raw = str(text).strip()
    if not raw:
        return Money(None)
    s = raw
    negative = False
    if s.startswith(("-", "−")):
        negative, s = True, s[1:].strip()
    for _ in range(2):
        s = _DASH_SUFFIX.sub("", s.strip())
        s = _CURRENCY.sub("", s.strip())
    grouped = _SPACES.sub(" ", s).strip()
    # A space may only group thousands: "150 000" yes, "150 00" or "1 50" no.
    if " " in grouped and not re.fullmatch(r"\d{1,3}(?: \d{3})+(?:[,.]\d{1,2})?", grouped):
        return Money(None, f"not an amount: {raw!r}")
    s = grouped.replace(" ", "")
    if len(s) > MAX_DIGITS:
        return Money(None, f"not an amount (too long): {raw[:40]!r}")
    if _PLAIN.match(s):
        value = Decimal(s)
    elif _GROUPED_DOT.match(s):
        value = Decimal(s.replace(".", "").replace(",", "."))
    elif _GROUPED_COMMA.match(s):
        value = Decimal(s.replace(",", ""))
    elif _DECIMAL_COMMA.match(s):
        value = Decimal(s.replace(",", "."))
    elif _DECIMAL_DOT.match(s):
        value = Decimal(s)
    else:
        return Money(None, f"not an amount: {raw!r}")
    nok = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Money(-nok if negative else nok)


# In free text a number is an amount only when it looks like money: marked with kr/NOK or ",-",
# grouped in thousands ("45 000"), or plain with five digits or more. A year ("høsten 2024") or a
# count ("150 deltakere") is not an amount.
_CUR = r"(?:kr\.?|nok|kroner)"
_AMOUNT_IN_TEXT = re.compile(
    rf"(?:{_CUR}\s*)(?<![\w.,])\d[\d \u00a0.]*(?:,\d{{1,2}})?(?:,-)?"
    rf"|(?<![\w.,])\d[\d \u00a0.]*?(?:,\d{{1,2}})?(?:,-)?\s*{_CUR}\b"
    r"|(?<![\w.,])\d{1,3}(?:[ \u00a0.]\d{3})+(?:,\d{1,2})?(?:,-)?(?![\w.,]\d)"
    r"|(?<![\w.,])\d{5,}(?:,\d{1,2})?(?:,-)?(?![\w.,]?\d)",
    re.IGNORECASE,
)
NOTHING = {"-", "–", "—", "0", "ingen", "nei"}


def amounts_in_text(text: str) -> list[tuple[int, int, int]]:
    """Each amount in free text that looks like money (see _AMOUNT_IN_TEXT): (start, end, kroner),
    the span covering the amount as written, its currency mark and ",-" included."""
    out = []
    for match in _AMOUNT_IN_TEXT.finditer(text):
        written = match.group(0)
        nok = parse_nok(written.strip()).nok
        if nok is not None:
            end = match.start() + len(written.rstrip())
            out.append((match.start(), end, nok))
    return out


@dataclass(frozen=True)
class AmountInText:
    description: str | None
    nok: int | None
    problem: str | None = None


def split_description_and_amount(text: str | None) -> AmountInText:
    """q11: "Oppgi hva og beløp" — free text naming a measure and its cost.

    The whole text is kept as the description; exactly one amount found in it is the
    amount. None or several amounts → no amount and a recorded problem (unless the text is
    itself just one amount, or "0"/"-").
    """
    if text is None or not str(text).strip():
        return AmountInText(None, None)
    raw = str(text).strip()
    if raw.casefold() in NOTHING:
        return AmountInText(None, 0 if raw == "0" else None)
    whole = parse_nok(raw)
    if whole.nok is not None:
        return AmountInText(None, whole.nok)
    amounts = [nok for _, _, nok in amounts_in_text(raw)]
    if len(amounts) == 1:
        return AmountInText(raw, amounts[0])
    if not amounts:
        return AmountInText(raw, None, f"no amount found in {raw[:80]!r}")
    return AmountInText(raw, None, f"{len(amounts)} amounts found in {raw[:80]!r}; give one total")
