"""Tables generated, never typed: the year's questions (Vedlegg 2 of the public report, from
``forms/form_<year>.json``) and the rules the checks apply, each with the regelverk point it
enforces (the auditor's edition, from the checks' own metadata in ``expectations/*.json``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from friskliv_pipeline.errors import FrisklivError
from friskliv_pipeline.report.language import number
from friskliv_pipeline.report.regelverk import CITATION, cited_points
from friskliv_pipeline.settings import PROJECT_ROOT

RULE_TEXTS = PROJECT_ROOT / "assets" / "reference" / "regelverk_rules_nb.yml"
# What a rule's result means, by its kind and severity (checks/suites.py): the three kinds stay apart.
SEVERITY_NB = {("breach", "ERROR"): "Funn, stopper publisering", ("breach", "WARN"): "Funn, stopper ikke",
               ("follow_up", "INFO"): "Til oppfølging, ikke funn", ("data_note", "INFO"): "Merknad, ikke funn"}
KIND_NB = {"county": "Fylke (liste)", "yes_no": "Ja / Nei", "text": "Fritekst", "money": "Beløp i hele kroner",
           "money_text": "Fritekst og beløp", "municipality": "Kommune/bydel (fritekst)", "multi": "Flere valg mulig",
           "single": "Ett valg", "attainment": "Ja / Delvis / Nei / Ikke aktuelt"}


@dataclass(frozen=True)
class RegelverkRule:
    point: str
    point_title: str  # the point's heading in the year's regelverk ("Kompetansebygging")
    rule: str
    text: str
    threshold: str
    severity: str


def threshold_text(rule) -> str:
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


def _rule_texts() -> dict[str, str]:
    import yaml

    return yaml.safe_load(RULE_TEXTS.read_text(encoding="utf-8")) if RULE_TEXTS.exists() else {}


def rule_text_nb(rule) -> str:
    """What the rule checks, in bokmål ("" when it has no Norwegian text)."""
    return str(_rule_texts().get(rule.id, ""))


def regelverk_rules(reference_dir: Path, regelverk=None) -> list[RegelverkRule]:
    """Every check whose source is a point of the regelverk, ordered by point; with the year's
    ``regelverk``, each point's heading, and a point the document lacks is an error."""
    from friskliv_pipeline.checks.suites import all_rules

    texts = _rule_texts()
    out, seen = [], set()
    for rule in all_rules():
        match = CITATION.search(rule.source)
        if not match or rule.id in seen:
            continue
        seen.add(rule.id)
        if rule.id not in texts:
            raise FrisklivError(f"file {RULE_TEXTS}: no Norwegian text for the rule {rule.id} ({rule.meaning}). "
                                f"What to do: add a line '{rule.id}: <what it checks, in Norwegian>'")
        titles = []
        for point in cited_points(rule.source):
            if regelverk is not None and not regelverk.has(point):
                raise FrisklivError(f"file {regelverk.path}: the rule {rule.id} cites point {point}, which the "
                                    "regelverk has no heading for. What to do: correct the rule's source in "
                                    f"expectations/{rule.suite}.json or the regelverk's headings")
            titles.append(regelverk.point(point).title if regelverk is not None else "")
        out.append(RegelverkRule(match.group(1), "; ".join(t for t in titles if t), rule.id, texts[rule.id],
                                 threshold_text(rule), SEVERITY_NB[rule.kind, rule.severity]))
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
    intro: str = ""  # the text the form shows above the question (e.g. the attainment block's lead question)


def form_questions(form) -> list[FormQuestion]:
    """Every question of the form in order, with its answer kind or options and the text above it."""
    questions = []
    for q in form.questions:
        options = [o.label for o in q.options] or list(q.labels)
        answer = "; ".join(options) if q.kind in ("multi", "single") else KIND_NB.get(q.kind, q.kind)
        questions.append(FormQuestion(int(q.id[1:]), q.id, q.header, answer, q.required, q.intro or ""))
    return questions
