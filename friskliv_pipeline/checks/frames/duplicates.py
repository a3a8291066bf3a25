"""q14.possible_duplicate: the projects of a grant year that may be the same project reported twice."""

from __future__ import annotations

import numpy as np
import pandas as pd

from friskliv_pipeline.cleaning.answers import match_key
from friskliv_pipeline.cleaning.columns import map_distinct
from friskliv_pipeline.core.bokmal import grouped

# how many of the other projects a listed project names per reason (the rest are counted)
DUPLICATES_NAMED = 3

# q15's target groups as the duplicate rule names them (English: the option keys; bokmål: short labels)
TARGET_GROUPS = (("risk", "økt risiko for sykdom"), ("chronic", "kronisk eller langvarig sykdom"), ("other", "annet"))


def _same_key(key: pd.Series, limit: int) -> tuple[np.ndarray, dict[int, list[int]], np.ndarray]:
    """Rows sharing ``key`` (NULL: no key) with at least one other row: (each row's group code,
    -1 for none; group code -> its first ``limit`` + 1 rows in record order; each row's group size)."""
    codes, _ = pd.factorize(key, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=codes.max() + 1 if len(codes) else 0)
    size = np.where(codes >= 0, counts[codes.clip(0)] if len(counts) else 0, 0)
    codes = np.where(size >= 2, codes, -1)
    grouped = np.flatnonzero(codes >= 0)
    rank = pd.Series(codes[grouped]).groupby(codes[grouped]).cumcount().to_numpy()
    members: dict[int, list[int]] = {}
    for position, code in zip(grouped[rank <= limit].tolist(), codes[grouped][rank <= limit].tolist()):
        members.setdefault(code, []).append(position)
    return codes, members, size


def possible_duplicates(p: pd.DataFrame, limit: int = DUPLICATES_NAMED) -> tuple[list, list]:
    """Per project (rows of ``p``): the other projects it may duplicate, in words (English, bokmål),
    None for none.

    Candidates are projects of the same grant year, county and municipality (its number when the
    register knows it, else the name as reported, normalised) that also have the same grant amount
    (not NULL), or the same lead service (q22, its free text for 'Annet') and the same non-empty
    set of q15 target groups. Grouped, never paired: a thousand projects of one municipality cost a
    group, not a million pairs; each names its first ``limit`` others per reason and counts the rest.
    """
    n = len(p)
    if n == 0:
        return [], []
    county = map_distinct(p["county"].where(p["county"].notna(), p["county_reported"]), match_key).astype(object)
    name = map_distinct(p["municipality"].where(p["municipality"].notna(), p["municipality_reported"]),
                        match_key).astype(object)
    number = p["municipality_no"].astype(object)
    known_number = number.notna()
    municipality = ("no " + number.where(known_number, "").astype(str)).where(known_number, "name " + name)
    place = p["grant_year"].astype(str).astype(object) + "\x1f" + county + "\x1f" + municipality
    placed = (county != "") & (known_number | (name != ""))
    amount = p["grant_amount_nok"]
    by_amount = (place + "\x1f" + amount.astype("Int64").astype(str).astype(object)).where(placed & amount.notna())
    targets = np.zeros(n, dtype=int)
    for bit, (key, _) in enumerate(TARGET_GROUPS):
        targets |= p[f"target_{key}"].fillna(False).astype(bool).to_numpy().astype(int) << bit
    lead = p["lead_service"].astype(object)
    is_other = lead.eq("other").fillna(False)
    other_text = map_distinct(p["lead_service_other_text"].where(is_other), match_key).astype(object)
    by_lead = (place + "\x1f" + lead.fillna("").astype(str) + "\x1f" + other_text + "\x1f"
               + pd.Series(targets, index=p.index).astype(str)).where(placed & lead.notna() & (targets > 0))

    titles = p["project_title"].astype(object)
    rids = p["response_id"].astype(str).tolist()
    label_en = [f"'{t}' (response {r})" if isinstance(t, str) else f"(untitled) (response {r})"
                for t, r in zip(titles, rids)]
    label_nb = [f"«{t}» (svar {r})" if isinstance(t, str) else f"(uten tittel) (svar {r})"
                for t, r in zip(titles, rids)]
    lead_text = p["lead_service_label"].astype(object).where(p["lead_service_label"].notna(), lead)
    lead_text = p["lead_service_other_text"].astype(object).where(
        is_other & p["lead_service_other_text"].notna(), lead_text)
    groups_en = {code: ", ".join(k for bit, (k, _) in enumerate(TARGET_GROUPS) if code >> bit & 1) for code in range(8)}
    groups_nb = {code: ", ".join(v for bit, (_, v) in enumerate(TARGET_GROUPS) if code >> bit & 1) for code in range(8)}

    amounts, leads = amount.astype("Int64").tolist(), lead_text.tolist()
    reasons = (  # (key, the reason in words from a row of its group: English, bokmål)
        (by_amount, lambda i: (f"same grant amount ({grouped(amounts[i], ' ')} kr)",
                               f"samme tilskuddsbeløp ({grouped(amounts[i], ' ')} kr)")),
        (by_lead, lambda i: (f"same lead service ({leads[i]}) and target groups ({groups_en[targets[i]]})",
                             f"samme ledende tjeneste ({leads[i]}) og målgrupper ({groups_nb[targets[i]]})")),
    )
    en: list = [None] * n
    nb: list = [None] * n
    for key, why in reasons:
        codes, members, size = _same_key(key, limit)
        said: dict[tuple[int, int], tuple[str, str]] = {}  # (group, row of its head or -1) -> words
        for i in np.flatnonzero(codes >= 0).tolist():
            head = members[codes[i]]
            mine = i if i in head else -1  # a row beyond the head names the same others as every such row
            words = said.get((codes[i], mine))
            if words is None:
                others = [j for j in head if j != i][:limit]
                more = int(size[i]) - 1 - len(others)
                why_en, why_nb = why(head[0])
                words = (f"{why_en} as {', '.join(label_en[j] for j in others)}"
                         + (f" and {more} more" if more else ""),
                         f"{why_nb} som {', '.join(label_nb[j] for j in others)}"
                         + (f" og {more} til" if more else ""))
                said[(codes[i], mine)] = words
            en[i] = f"{en[i]}; {words[0]}" if en[i] else words[0]
            nb[i] = f"{nb[i]}; {words[1]}" if nb[i] else words[1]
    return en, nb
