"""The GX suites in ``expectations/<table>.json`` and the rules they hold, read without importing GX.

A suite guards one table (a Dagster asset) and validates one record frame built for it by
``checks.frames`` (``meta.record`` says what one row is). Each expectation's ``meta`` names its rule:

- ``rule``: the rule id, after the form question (``q23.grant_required``) or the regelverk point
  (``regelverk5B.competence_cap``); one Dagster asset check per rule, named with '_' for '.';
- ``severity``: ``ERROR`` (the data cannot be trusted: blocks downstream assets) or ``WARN``
  (a compliance finding: recorded, never blocks);
- ``source``: the regelverk point or form question it enforces; ``meaning``: what it means;
- ``message``: the finding's text, a ``str.format`` template over the offending record's columns
  (and ``{value}``: the value the expectation found), or over the suite parameters for a
  table-level expectation.

A rule may hold several expectations (e.g. one per competence part); they share its id.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from friskliv_pipeline.settings import PROJECT_ROOT

EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
SEVERITIES = ("ERROR", "WARN")
REQUIRED_META = ("rule", "severity", "source", "meaning", "message")


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict
    meta: dict

    @property
    def column(self) -> str | None:
        return self.kwargs.get("column")

    @property
    def is_table_level(self) -> bool:
        return not any(k in self.kwargs for k in ("column", "column_A", "column_list"))


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
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
        return [Rule(rid, es[0].meta["severity"], es[0].meta["source"], es[0].meta["meaning"], self.name, tuple(es))
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
        missing = [k for k in REQUIRED_META if not meta.get(k)]
        if missing:
            raise SuiteError(f"{path}: expectation {i} ({raw.get('type')}) lacks meta {missing}")
        if meta["severity"] not in SEVERITIES:
            raise SuiteError(f"{path}: expectation {i}: severity must be ERROR or WARN, not {meta['severity']!r}")
        expectations.append(Expectation(raw["type"], dict(raw.get("kwargs", {})), dict(meta)))
    for rid in {e.meta["rule"] for e in expectations}:
        severities = {e.meta["severity"] for e in expectations if e.meta["rule"] == rid}
        if len(severities) > 1:
            raise SuiteError(f"{path}: rule {rid} has expectations of several severities {sorted(severities)}")
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
