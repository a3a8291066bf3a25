"""The GX suites in ``expectations/<table>.json`` and the rules they hold, read without importing GX.

A suite guards one table (a Dagster asset) and validates one record frame built for it by
``checks.frames`` (``meta.record`` says what one row is). Each rule is declared once, in the
suite's ``meta.rules``, keyed by its id (after the form question, ``q23.grant_positive``, or the
regelverk point, ``regelverk5B.competence_cap``; one Dagster asset check per rule, named with
'_' for '.'):

- ``severity``: GX's own field: ``critical`` (ERROR: the data cannot be trusted; a blocking
  check), ``warning`` (WARN: a breach of the regelverk or the form; recorded, never blocks) or
  ``info`` (INFO: not a breach; the records it lists are a follow-up list or data notes);
- ``kind``: ``breach``, ``follow_up`` (what an auditor must verify elsewhere) or ``data_note``;
- ``description`` / ``description_nb``: what the rule means, in English (GX's ``description``,
  the Data Docs) and in bokmål (the auditor's edition and workbook);
- ``notes``: GX's own field: its source (regelverk point, form question);
- ``subject`` (where ``notes`` cites regelverk points): per cited point, the words of what the rule
  relies on that the point's text says (``{"5B": ["kompetansebygging", "inntil"]}``), so a test
  catches a rule that cites a point which does not say it;
- ``message`` / ``message_nb``: the result's text, ``str.format`` templates over the offending
  record's columns (and ``{value}``: the value judged), or over the suite parameters.

An expectation names its rule in ``meta.rule`` and may override the messages (a rule of several
expectations may word each differently). A threshold is written once, in the expectation's
arguments; the rule's texts quote it by name (``{max_value}``, ``{min_value}``), so a changed cap
changes every text that states it. The loader hands GX each expectation with its rule's fields
filled in (``Suite.document``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from friskliv_pipeline.core.project_files import EXPECTATIONS_DIR
from friskliv_pipeline.core.bokmal import grouped

NOT_COVERED = EXPECTATIONS_DIR / "not_covered.yml"
SEVERITIES = {"critical": "ERROR", "warning": "WARN", "info": "INFO"}  # GX severity -> ours (stable in SQL)
KINDS = {"ERROR": ("breach",), "WARN": ("breach",), "INFO": ("follow_up", "data_note")}
RULE_FIELDS = ("kind", "severity", "description", "description_nb", "notes")  # required of every rule
MESSAGES = ("message", "message_nb")  # of the rule, or of each of its expectations


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict
    meta: dict
    severity: str  # ERROR, WARN or INFO
    description: str
    notes: str

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")

    @property
    def is_table_level(self) -> bool:
        return not any(k in self.kwargs for k in ("column", "column_A", "column_list"))


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # ERROR, WARN or INFO
    kind: str  # breach, follow_up or data_note
    source: str
    meaning: str
    suite: str
    expectations: tuple[Expectation, ...] = field(default=())
    meaning_nb: str = ""  # what the rule means, in bokmål, its thresholds filled in

    @property
    def check_name(self) -> str:
        """The Dagster asset-check name (letters, digits and '_' only)."""
        return re.sub(r"[^A-Za-z0-9_]", "_", self.id)

    @property
    def blocking(self) -> bool:
        return self.severity == "ERROR"

    @property
    def is_breach(self) -> bool:
        """A breach fails its check; a follow-up list or data note passes and lists its records."""
        return self.kind == "breach"


@dataclass(frozen=True)
class Suite:
    name: str  # = the table (asset) it guards
    record: str  # what one row of the validated frame is (built from what its builder's @reads declares)
    expectations: tuple[Expectation, ...]
    path: Path
    document: dict  # every expectation with its rule's fields filled in, loaded by GX as ``gx.ExpectationSuite(**document)``
    meanings_nb: dict = field(default_factory=dict)  # rule id -> description_nb, thresholds filled in

    @property
    def rules(self) -> list[Rule]:
        by_id: dict[str, list[Expectation]] = {}
        for e in self.expectations:
            by_id.setdefault(e.meta["rule"], []).append(e)
        return [Rule(rid, es[0].severity, es[0].meta["kind"], es[0].notes, es[0].description, self.name, tuple(es),
                     self.meanings_nb.get(rid, "")) for rid, es in by_id.items()]


class SuiteError(ValueError):
    pass


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _quote_arguments(text: str, kwargs: list[dict]) -> str:
    """``text`` with each ``{name}`` that is a numeric argument of the rule's expectations (the first
    that has it) written out ("{max_value}" → "100 000"); other placeholders stay for the finding."""
    def fill(match: re.Match) -> str:
        for k in kwargs:
            value = k.get(match.group(1))
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return grouped(value, " ") if float(value).is_integer() else str(value)
        return match.group(0)

    return _PLACEHOLDER.sub(fill, text)


def load_suite(path: Path) -> Suite:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    name = document.get("name")
    if name != Path(path).stem:
        raise SuiteError(f"{path}: suite name {name!r} must equal the file name (the table it guards)")
    suite_meta = document.get("meta", {})
    if "depends_on" in suite_meta:
        raise SuiteError(f"{path}: meta.depends_on is not read: what a suite's frame is built from is declared once, "
                         "in the @reads above its builder in friskliv_pipeline/checks/frames/<suite>.py; remove it here")
    declared = suite_meta.get("rules", {})
    for rid, rule in declared.items():
        missing = [k for k in RULE_FIELDS if not rule.get(k)]
        if missing:
            raise SuiteError(f"{path}: rule {rid} lacks {missing}")
        severity = SEVERITIES.get(rule["severity"])
        if severity is None:
            raise SuiteError(f"{path}: rule {rid}: severity must be one of {sorted(SEVERITIES)}, not {rule['severity']!r}")
        if rule["kind"] not in KINDS[severity]:
            raise SuiteError(f"{path}: rule {rid}: a {rule['severity']} rule is of kind "
                             f"{' or '.join(KINDS[severity])}, not {rule['kind']!r}")
    arguments: dict[str, list[dict]] = {}
    for raw in document.get("expectations", []):
        arguments.setdefault(raw.get("meta", {}).get("rule"), []).append(raw.get("kwargs", {}))
    expectations, expanded = [], []
    for i, raw in enumerate(document.get("expectations", [])):
        rid = raw.get("meta", {}).get("rule")
        if rid not in declared:
            raise SuiteError(f"{path}: expectation {i} ({raw.get('type')}) names rule {rid!r}, which meta.rules "
                             "does not declare")
        rule = declared[rid]
        texts = {k: _quote_arguments(raw["meta"].get(k) or rule.get(k) or "", arguments[rid])
                 for k in ("description", *MESSAGES)}
        if missing := [k for k in MESSAGES if not texts[k]]:
            raise SuiteError(f"{path}: rule {rid} (expectation {i}) has no {missing}")
        if _PLACEHOLDER.search(texts["description"]):
            raise SuiteError(f"{path}: rule {rid}: the description quotes {_PLACEHOLDER.findall(texts['description'])}, "
                             "which no expectation of the rule has as an argument")
        meta = {"rule": rid, "kind": rule["kind"], "message": texts["message"], "message_nb": texts["message_nb"]}
        expanded.append({"type": raw["type"], "kwargs": dict(raw.get("kwargs", {})), "severity": rule["severity"],
                         "description": texts["description"], "notes": rule["notes"], "meta": meta})
        expectations.append(Expectation(raw["type"], dict(raw.get("kwargs", {})), meta, SEVERITIES[rule["severity"]],
                                        texts["description"], rule["notes"]))
    unused = sorted(set(declared) - set(arguments))
    if unused:
        raise SuiteError(f"{path}: rules declared but never expected: {unused}")
    meanings_nb = {}
    for rid, rule in declared.items():
        meanings_nb[rid] = _quote_arguments(rule["description_nb"], arguments[rid])
        if _PLACEHOLDER.search(meanings_nb[rid]):
            raise SuiteError(f"{path}: rule {rid}: description_nb quotes an argument no expectation of the rule has")
    gx_document = {**{k: v for k, v in document.items() if k != "expectations"}, "expectations": expanded}
    return Suite(name, suite_meta.get("record", ""), tuple(expectations), Path(path), gx_document, meanings_nb)


@cache
def suites() -> dict[str, Suite]:
    """Every suite under ``expectations/``, by the name of the table it guards."""
    return {s.name: s for s in (load_suite(p) for p in sorted(EXPECTATIONS_DIR.glob("*.json")))}


def all_rules() -> list[Rule]:
    return [r for s in suites().values() for r in s.rules]


def rule(rule_id: str, suite: str | None = None) -> Rule:
    hits = [r for r in all_rules() if r.id == rule_id and (suite is None or r.suite == suite)]
    if not hits:
        raise KeyError(rule_id)
    return hits[0]


@dataclass(frozen=True)
class NotCovered:
    """A requirement of the regelverk that no check covers (bokmål texts)."""

    point: str  # the regelverk point, as the rules cite it: "5", "5C", "10"
    requirement: str
    reason: str  # why no check covers it


def load_not_covered(path: Path = NOT_COVERED) -> tuple[NotCovered, ...]:
    """The entries of ``not_covered.yml``; an entry without its point or a text is an error."""
    import yaml

    entries = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    out = []
    for i, entry in enumerate(entries):
        texts = {k: " ".join(str(entry.get(k) or "").split()) for k in ("point", "requirement", "reason")}
        missing = [k for k, v in texts.items() if not v]
        if missing:
            raise SuiteError(f"{path}: entry {i + 1} lacks {missing}")
        out.append(NotCovered(**texts))
    return tuple(out)


@cache
def not_covered() -> tuple[NotCovered, ...]:
    """The requirements of the regelverk that no check covers, in the file's order."""
    return load_not_covered()
