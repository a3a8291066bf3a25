"""Vedlegg 1 and 2 of the report, generated, never typed: the regelverk rules the pipeline
enforces (from the checks' own metadata in ``expectations/*.json``) and the year's questions
(from ``forms/form_<year>.json``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from friskliv_pipeline.errors import FrisklivError
from friskliv_pipeline.report.language import number

REGELVERK_TITLE = ("Regelverk for tilskudd til etablering og utvikling av kommunale frisklivs-, lærings- og "
                   "mestringstilbud")
RULE_TEXTS = "regelverk_rules_nb.yml"
# What a rule's result means, by its kind and severity (checks/suites.py): the three kinds stay apart.
SEVERITY_NB = {("breach", "ERROR"): "Funn, stopper publisering", ("breach", "WARN"): "Funn, stopper ikke",
               ("follow_up", "INFO"): "Til oppfølging, ikke funn", ("data_note", "INFO"): "Merknad, ikke funn"}
_POINT = re.compile(r"regelverk\s+(\d+[A-Z]?(?:\s*,\s*\d+[A-Z]?)*)")
KIND_NB = {"county": "Fylke (liste)", "yes_no": "Ja / Nei", "text": "Fritekst", "money": "Beløp i hele kroner",
           "money_text": "Fritekst og beløp", "municipality": "Kommune/bydel (fritekst)", "multi": "Flere valg mulig",
           "single": "Ett valg", "attainment": "Ja / Delvis / Nei / Ikke aktuelt"}


@dataclass(frozen=True)
class RegelverkRule:
    point: str
    rule: str
    text: str
    threshold: str
    severity: str


def _threshold(rule) -> str:
    """When the rule gives a finding, from the expectation's own bounds: "over 100 000 kr",
    "200 000 kr eller mer", "under 0 kr"; blank for a rule without a number."""
    unit = " kr" if "kr" in rule.meaning else (" år" if "year" in rule.meaning.lower() else "")
    for e in rule.expectations:
        upper, lower = e.kwargs.get("max_value"), e.kwargs.get("min_value")
        if isinstance(upper, (int, float)):
            value = f"{number(upper)}{unit}"
            return f"{value} eller mer" if e.kwargs.get("strict_max") else f"over {value}"
        if isinstance(lower, (int, float)):
            value = f"{number(lower)}{unit}"
            return f"{value} eller mindre" if e.kwargs.get("strict_min") else f"under {value}"
    return ""


def regelverk_rules(reference_dir: Path) -> list[RegelverkRule]:
    """Every check whose source is a point of the regelverk, ordered by point."""
    import yaml

    from friskliv_pipeline.checks.suites import all_rules

    path = Path(reference_dir) / RULE_TEXTS
    texts = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    out, seen = [], set()
    for rule in all_rules():
        match = _POINT.search(rule.source)
        if not match or rule.id in seen:
            continue
        seen.add(rule.id)
        if rule.id not in texts:
            raise FrisklivError(f"file {path}: no Norwegian text for the rule {rule.id} ({rule.meaning}). "
                                f"What to do: add a line '{rule.id}: <what it checks, in Norwegian>'")
        out.append(RegelverkRule(match.group(1), rule.id, texts[rule.id], _threshold(rule),
                                 SEVERITY_NB[rule.kind, rule.severity]))
    def order(r: RegelverkRule):
        number, letter = re.match(r"(\d+)([A-Z]?)", r.point).groups()
        return int(number), letter, r.point, r.rule

    return sorted(out, key=order)


@dataclass(frozen=True)
class FormQuestion:
    number: int
    id: str
    text: str
    answer: str
    required: bool


def form_questions(reference_dir: Path, grant_year: int) -> tuple[str, list[FormQuestion]]:
    """The form's title and every question in order, with its answer kind or options."""
    from friskliv_pipeline.forms.schema import load_form_schema

    form = load_form_schema(reference_dir, grant_year)
    questions = []
    for q in form.questions:
        options = [o.label for o in q.options] or list(q.labels)
        answer = "; ".join(options) if q.kind in ("multi", "single") else KIND_NB.get(q.kind, q.kind)
        questions.append(FormQuestion(int(q.id[1:]), q.id, q.header, answer, q.required))
    return form.title, questions
