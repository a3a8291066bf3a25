"""regelverk9.carry_over: free text that says grant money is carried over, or that the project goes
on into the next year, for the projects and competence_building frames, the auditor's workbook and
its reconciliation sheet (they all read the patterns and questions from here).

No pandas or numpy at import (see ``checks/frames/__init__.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from friskliv_pipeline.core.contract import column_of

if TYPE_CHECKING:
    import pandas as pd

# Matched case-insensitively, answer by answer. "Prosjektet videreføres i ordinær drift"
# (it goes on as the municipality's own service, on its own money) is no carry-over of grant money:
# an answer that says so is listed only if it also speaks of a transfer.
CARRY_OVER_TRANSFER = r"\boverf[øo]r"  # overføre, overført, overføring, overføres
CARRY_OVER_NEXT_YEAR = r"\bneste år"  # "videreføres i neste år", "fortsetter neste år", "neste års tildeling"
CARRY_OVER_INTO_YEAR = r"\b(?:viderefør|fortsett|forleng)\w*\b[^.!?]*\b{next_year}\b"  # "videreføres i 2025"
NOT_CARRY_OVER = r"\bordinær\w* drift"  # "videreføres i ordinær drift"
QUOTE_CHARS = 120  # an answer is quoted up to this many characters
# the free-text questions the rule reads, per suite
CARRY_OVER_QUESTIONS = {"projects": ("q36", "q38"), "competence_building": ("q04",)}


def _quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` on one line, cut at a word before ``limit`` characters with '…'."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip(" ,;:.") + "…"


def carry_over_answers(answers: pd.Series, grant_year: int) -> pd.Series:
    """Per answer: does it say grant money is carried over or the project goes on into the next year
    (``CARRY_OVER_*``), and not merely that it goes on in ordinary operations (``NOT_CARRY_OVER``)?"""
    text = answers.astype(object).where(answers.notna(), "").astype(str)
    into_year = CARRY_OVER_INTO_YEAR.format(next_year=grant_year + 1)
    transfer = text.str.contains(CARRY_OVER_TRANSFER, case=False, regex=True)
    next_year = text.str.contains(f"{CARRY_OVER_NEXT_YEAR}|{into_year}", case=False, regex=True)
    ordinary = text.str.contains(NOT_CARRY_OVER, case=False, regex=True)
    return (transfer | (next_year & ~ordinary)).astype(bool)


def carry_over_quotes(table: pd.DataFrame, suite: str, grant_year: int) -> tuple[list, list, list]:
    """Per record of ``table`` (a clean table holding ``suite``'s ``CARRY_OVER_QUESTIONS``): the
    answers that say money is carried over, quoted (English, bokmål), and the first question that
    says it (the export column an auditor re-reads the finding in); None where none does."""
    import numpy as np

    answers = {qid: table[column_of(qid, suite)] for qid in CARRY_OVER_QUESTIONS[suite]}
    hits = {qid: carry_over_answers(values, grant_year).to_numpy() for qid, values in answers.items()}
    n = len(table)
    en, nb, question = [None] * n, [None] * n, [None] * n
    for i in np.flatnonzero(np.logical_or.reduce(list(hits.values()))) if n else []:
        said = [(qid, _quote(answers[qid].iloc[i])) for qid in answers if hits[qid][i]]
        en[i] = "; ".join(f"{qid} says '{text}'" for qid, text in said)
        nb[i] = "; ".join(f"spm. {int(qid[1:])} sier «{text}»" for qid, text in said)
        question[i] = said[0][0]
    return en, nb, question

