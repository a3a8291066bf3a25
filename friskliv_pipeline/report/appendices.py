"""Generated, never typed: the year's questions (Vedlegg 2 of the public report, from
``forms/form_<year>.json``) and a rule's threshold in words (the auditor's package, from the
expectation's own arguments in ``expectations/*.json``)."""

from __future__ import annotations

from dataclasses import dataclass

from friskliv_pipeline.report.language import number

# The answer of a question without options; a scale's answers (Ja / Nei, Ja / Delvis / Nei / Ikke
# aktuelt) are its options, as the questionnaire declares them.
KIND_NB = {"county": "Fylke (liste)", "text": "Fritekst", "money": "Beløp i hele kroner",
           "money_text": "Fritekst og beløp", "municipality": "Kommune/bydel (fritekst)", "multi": "Flere valg mulig",
           "single": "Ett valg"}
CHOICES = ("multi", "single")  # options listed "a; b; c", a scale "Ja / Nei"


def threshold_text(rule) -> str:
    """When the rule gives a finding, from the expectation's own bounds: "over 100 000 kr",
    "200 000 kr eller mer", "under 0 kr"; blank for a rule without a number."""
    for e in rule.expectations:
        column = str(e.column or "")
        unit = " kr" if column.endswith("_nok") else (" år" if column.endswith("_years") else "")
        upper, lower = e.kwargs.get("max_value"), e.kwargs.get("min_value")
        if isinstance(upper, (int, float)):
            value = f"{number(upper)}{unit}"
            return f"{value} eller mer" if e.kwargs.get("strict_max") else f"over {value}"
        if isinstance(lower, (int, float)):
            value = f"{number(lower)}{unit}"
            return f"{value} eller mindre" if e.kwargs.get("strict_min") else f"under {value}"
    return ""


@dataclass(frozen=True)
class FormQuestion:
    number: int
    id: str
    text: str
    answer: str
    required: bool
    intro: str = ""  # the text the form shows above the question (e.g. the attainment block's lead question)


def form_questions(form) -> list[FormQuestion]:
    """Every question of the form in order, with its answer kind or options and the text above it."""
    questions = []
    for q in form.questions:
        options = [o.label for o in q.options] or list(q.labels)
        answer = ("; " if q.kind in CHOICES else " / ").join(options) if options else KIND_NB.get(q.kind, q.kind)
        questions.append(FormQuestion(int(q.id[1:]), q.id, q.header, answer, q.required, q.intro or ""))
    return questions
