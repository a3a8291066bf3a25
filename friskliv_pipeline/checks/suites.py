"""The GX suites in ``expectations/<table>.json`` and the rules they hold, read without importing GX.

A suite guards one table (a Dagster asset) and validates one record frame built for it by
``checks.frames`` (``meta.record`` says what one row is). Each expectation uses GX's own fields:

- ``severity``: ``critical`` (ERROR: the data cannot be trusted; a blocking check), ``warning``
  (WARN: a breach of the regelverk or the form; recorded, never blocks) or ``info`` (INFO: not a
  breach; the records it lists are a follow-up list or data notes, and the check passes);
- ``description``: what the rule means; ``notes``: its source (regelverk point or form question).

and ``meta`` holds only what GX has no field for:

- ``rule``: the rule id, after the form question (``q23.grant_required``) or the regelverk point
  (``regelverk5B.competence_cap``); one Dagster asset check per rule, named with '_' for '.';
- ``kind``: ``breach``, ``follow_up`` (what an auditor must verify elsewhere, e.g. revisor
  attestation) or ``data_note`` (a recognised pattern worth knowing, e.g. an intercommunal project);
- ``message`` / ``message_nb``: the result's text in English (console, UI) and bokmål (the report),
  ``str.format`` templates over the offending record's columns (and ``{value}``: the value the
  expectation found), or over the suite parameters for a table-level expectation.

A rule may hold several expectations (e.g. one per competence part); they share its id.

What no rule covers is listed too: ``expectations/not_covered.yml`` holds the requirements of the
regelverk that no check covers, each with its point and the reason (``not_covered``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from friskliv_pipeline.settings import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
NOT_COVERED = EXPECTATIONS_DIR / "not_covered.yml"
SEVERITIES = {"critical": "ERROR", "warning": "WARN", "info": "INFO"}  # GX severity -> ours (stable in SQL)
KINDS = {"ERROR": ("breach",), "WARN": ("breach",), "INFO": ("follow_up", "data_note")}
REQUIRED_META = ("rule", "kind", "message", "message_nb")
REQUIRED_FIELDS = ("severity", "description", "notes")


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
    record: str  # what one row of the validated frame is
    depends_on: tuple[str, ...]  # other assets whose tables the frame is built from
    expectations: tuple[Expectation, ...]
    path: Path
    document: dict  # the JSON as stored, loaded by GX as ``gx.ExpectationSuite(**document)``

    @property
    def rules(self) -> list[Rule]:
        by_id: dict[str, list[Expectation]] = {}
        for e in self.expectations:
            by_id.setdefault(e.meta["rule"], []).append(e)
        return [Rule(rid, es[0].severity, es[0].meta["kind"], es[0].notes, es[0].description, self.name, tuple(es))
                for rid, es in by_id.items()]


class SuiteError(ValueError):
    pass


def load_suite(path: Path) -> Suite:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    name = document.get("name")
    if name != Path(path).stem:
        raise SuiteError(f"{path}: suite name {name!r} must equal the file name (the table it guards)")
    expectations = []
    for i, raw in enumerate(document.get("expectations", [])):
        meta = raw.get("meta", {})
        missing = [k for k in REQUIRED_META if not meta.get(k)] + [k for k in REQUIRED_FIELDS if not raw.get(k)]
        if missing:
            raise SuiteError(f"{path}: expectation {i} ({raw.get('type')}) lacks {missing}")
        severity = SEVERITIES.get(raw["severity"])
        if severity is None:
            raise SuiteError(f"{path}: expectation {i}: severity must be one of {sorted(SEVERITIES)}, not {raw['severity']!r}")
        if meta["kind"] not in KINDS[severity]:
            raise SuiteError(f"{path}: expectation {i}: a {raw['severity']} expectation is of kind "
                             f"{' or '.join(KINDS[severity])}, not {meta['kind']!r}")
        expectations.append(Expectation(raw["type"], dict(raw.get("kwargs", {})), dict(meta), severity,
                                        raw["description"], raw["notes"]))
    for rid in {e.meta["rule"] for e in expectations}:
        same = [e for e in expectations if e.meta["rule"] == rid]
        if len({(e.severity, e.meta["kind"]) for e in same}) > 1:
            raise SuiteError(f"{path}: rule {rid} has expectations of several severities or kinds")
    suite_meta = document.get("meta", {})
    return Suite(name, suite_meta.get("record", ""), tuple(suite_meta.get("depends_on", [])), tuple(expectations),
                 Path(path), document)


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
