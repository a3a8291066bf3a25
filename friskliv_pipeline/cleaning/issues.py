"""``cleaning_issues``: the problems the cleaning finds, one row each, in data order.

``IssueLog`` holds the rows; ``IssueRows`` collects problems found column by column and hands
them to the log by row, then by the rule's place in the row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from friskliv_pipeline.cleaning.columns import object_array
from friskliv_pipeline.core.bokmal import listing
from friskliv_pipeline.forms.schema import attainment_answers

if TYPE_CHECKING:
    from friskliv_pipeline.cleaning.columns import Distinct


# Each cleaning rule's problem in bokmål, by the rule's kind (the part after the question id), for
# the pre-flight a county adviser runs in Norwegian (`friskliv check FILE --lang nb`); ``{value}``
# is the cell as exported. The English message stays in cleaning_issues.message.
MESSAGES_NB = {
    "yes_no": "«{value}» er ikke Ja eller Nei",
    "money_unparseable": "«{value}» kan ikke leses som et beløp i hele kroner",
    "amount_in_text": "fant ikke ett entydig beløp i teksten «{value}»",
    "multi_choice": "«{value}» inneholder noe som ikke er et svaralternativ",
    "single_choice": "«{value}» er ikke ett av svaralternativene",
    "attainment_value": "«{value}» er ikke "
                        + listing([o.label for o in attainment_answers()], "eller").replace("{", "{{").replace("}", "}}"),
    "county_unknown": "«{value}» er ikke et fylke i årets fylkesstruktur",
    "municipality_not_found": "«{value}» finnes ikke i kommuneregisteret",
    "municipality_other_county": "«{value}» er en kommune i et annet fylke enn det som rapporterer",
    "competence_conflict": "kompetansebyggingen er rapportert på nytt med andre tall; den siste rapporten gjelder",
    "completion_time_missing": "fullføringstidspunktet mangler",
    "completion_time_unparseable": "«{value}» kan ikke leses som et tidspunkt",
    "overlapping_export_version": "samme svar (Forms-ID) finnes i en annen eksport; den sist endrede versjonen gjelder",
}


def message_nb(rule: str, message: str, value) -> str:
    """The problem in bokmål (the English message when the rule has no bokmål text yet)."""
    template = MESSAGES_NB.get(str(rule).split(".", 1)[-1])
    return message if template is None else template.format(value="" if value is None else value)


@dataclass
class IssueLog:
    """Collects cleaning problems as rows of ``cleaning_issues``."""

    grant_year: int
    rows: list[dict] = field(default_factory=list)

    def add(self, response_id, source_row, question_id, rule, message, value=None):
        self.rows.append({
            "grant_year": self.grant_year, "response_id": response_id, "source_row": source_row,
            "question_id": question_id, "rule": rule, "message": message,
            "value": None if value is None else str(value)[:200],
        })

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["grant_year", "response_id", "source_row", "question_id",
                                                "rule", "message", "value"])


class IssueRows:
    """Problems found column by column, handed to the log in data order: by row, then by rank."""

    def __init__(self, response_ids: np.ndarray, source_rows: np.ndarray):
        self.response_ids, self.source_rows = response_ids, source_rows
        self.parts: list[tuple] = []

    def add(self, rows: np.ndarray, rank: int, sub, question_id: str, rule, messages, values) -> None:
        """``rank``: the rule's place within a row; ``sub``: order among one rule's problems."""
        if len(rows):
            n = len(rows)
            rules = np.broadcast_to(np.asarray(rule, dtype=object), n)
            self.parts.append((np.asarray(rows), np.full(n, rank), np.broadcast_to(sub, n),
                               np.full(n, question_id, dtype=object), rules,
                               np.asarray(messages, dtype=object), np.asarray(values, dtype=object)))

    def add_problems(self, found: Distinct, rank: int, question_id: str, rule: str | None,
                     problems: Callable[[object], list], values: np.ndarray) -> None:
        """Every problem ``problems(result)`` lists, for each row holding that result: texts, or
        (rule, text) pairs when ``rule`` is None."""
        lists = [problems(r) or [] for r in found.results]
        for j in range(max((len(p) for p in lists), default=0)):
            rows = np.flatnonzero(np.array([len(p) > j for p in lists], dtype=bool)[found.codes])
            codes = found.codes[rows]
            if rule is None:
                rules = object_array([p[j][0] if len(p) > j else None for p in lists])[codes]
                messages = object_array([p[j][1] if len(p) > j else None for p in lists])[codes]
            else:
                rules, messages = rule, object_array([p[j] if len(p) > j else None for p in lists])[codes]
            self.add(rows, rank, j, question_id, rules, messages, values[rows])

    def flush(self, log: IssueLog) -> None:
        if not self.parts:
            return
        rows, rank, sub, qid, rule, message, value = (np.concatenate(c) for c in zip(*self.parts))
        for i in np.lexsort((sub, rank, rows)):
            log.add(self.response_ids[rows[i]], self.source_rows[rows[i]], qid[i], rule[i], message[i], value[i])
        self.parts = []
