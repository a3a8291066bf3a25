"""``docs/checks.md``: the one table of every rule, generated from ``expectations/*.json``.

Regenerate with ``python -m friskliv_pipeline.checks.docs``; a test keeps the file in sync.
"""

from __future__ import annotations

import sys

from friskliv_pipeline.checks.registry import declared_inputs
from friskliv_pipeline.checks.suites import EXPECTATIONS_DIR, NOT_COVERED, not_covered, suites
from friskliv_pipeline.core.settings import PROJECT_ROOT
from friskliv_pipeline.core.markdown import table

CHECKS_DOC = PROJECT_ROOT / "docs" / "checks.md"  # a checkout's; the wheel ships no docs/

INTRO = """# Data-quality checks

Generated from `expectations/*.json` by `python -m friskliv_pipeline.checks.docs`; do not edit by hand.

Every rule is a Great Expectations 1.x expectation in the suite of the table it guards
(`expectations/<table>.json`, one suite per table) and a Dagster asset check on that table's
staged rows (`staging/<table>`, named like the rule with `_` for `.`), run for each grant year
by the `friskliv_yearly` job before anything is published. Each rule is declared once, in its
suite's `meta.rules`: GX's own `severity` (`critical`, `warning`, `info`) and `notes` (its source
in the regelverk or the form), its kind, what it means in English (`description`, GX's field) and
bokmål (`description_nb`), and its messages; an expectation names its rule and holds the
thresholds as its own arguments, which the texts quote (`{max_value}`), so a number is written
once.
Rules that are cross-table computations (spending vs allocation, years in a row, row
accounting) are computed per record in `friskliv_pipeline/checks/frames/` (one module per suite) and
then judged by the expectation, so every record points at a row of the export.

## Three kinds of result

- **Breach**: a rule of the regelverk or the form is violated.
  - **ERROR** (GX `critical`): the data cannot be trusted (a county outside the year's structure
    or missing, broken row accounting). The check is *blocking*: nothing of the grant year is
    published (the published tables, marts and report keep the previous validated run), the
    suites that read the table (below) are not run, and `friskliv run` prints each finding with
    its value, sheet row and response.
  - **WARN** (GX `warning`): a compliance finding (competence-building cap, a project report not
    delivered, a missing comment, an answer outside its value set). Recorded and shown; never
    blocks publication.
- **Follow-up list** (INFO, GX `info`): what an auditor must verify elsewhere, because the form
  does not ask it (large grants need revisor-attested accounts or an evaluation plan; projects of
  one municipality that may be one project reported twice; answers saying grant money is carried
  over into the next year: the table below gives each rule's limit). The check passes; its
  metadata, the audit tables and the auditor's edition and workbook list the records.
- **Data note** (INFO): a recognised pattern that is not a finding (e.g. an intercommunal
  project written "X og nabokommuner").

A rule whose inputs are not official or not there reports **not evaluated**, with the reason,
instead of findings: the allocation rules while the year's allocations in
`assets/reference/allocations.csv` are illustrative (see docs/auditors.md on loading the official
allocations), the three-year rule while the three earlier grant years are not all in the
warehouse (when they are, the result names the years compared), and the county's reporting
deadline when no response of the year has a completion time.

An unreadable answer (e.g. a grant written `ca. 150 000`) is NULL in the clean tables and
recorded in `cleaning_issues`; the checks show it as the WARN finding of the rule it breaks,
with the text as exported.

## Where the results are

- Dagster UI: each check's metadata has its kind, status, observed vs expected, the listed
  records, the SQL for all of them, and the paths below.
- `<data_dir>/validation/gx/`: the one GX project of the data directory. Its validation results
  store and Data Docs site (`uncommitted/data_docs/local_site/index.html`) keep, per grant year
  and suite, the run in the audit tables (run name = Dagster run id; a later run of the year
  replaces the earlier's results and pages); the site is built when the run's last suite has been
  validated. A suite with no breach rule evaluated stores no result (GX would show "Succeeded").
- Warehouse: `audit_check_results` (one row per grant year, table and rule: kind, status,
  passed, observed, expected, reason) and `audit_findings` (one row per listed record: kind,
  county, municipality, project, response, sheet row, message in English and bokmål). For a
  grant year they hold exactly the last run whose checks all completed: each suite stages its
  rows and the suite that completes the run's set swaps them in, in one transaction. For
  example, which counties exceeded the competence-building cap in 2024:

```sql
SELECT DISTINCT county FROM audit_findings
WHERE grant_year = 2024 AND rule = 'regelverk5B.competence_cap'
ORDER BY county;
```
"""

SECTIONS = (("breach", "Breaches"), ("follow_up", "Follow-up list"), ("data_note", "Data notes"))


def _message(rule) -> str:
    messages = list(dict.fromkeys(e.meta["message"] for e in rule.expectations))
    if len(messages) <= 2:
        return " / ".join(messages)
    return f"{messages[0]} (likewise for the other {len(messages) - 1} columns)"


def markdown() -> str:
    lines = [INTRO]
    for kind, title in SECTIONS:
        rules = [(suite, rule) for suite in suites().values() for rule in suite.rules if rule.kind == kind]
        lines += [f"## {title}", ""]
        if not rules:
            lines += ["None yet.", ""]
            continue
        lines += table(("rule", "severity", "table", "source (regelverk / form)", "what it means", "bokmål", "record"),
                       ((f"`{rule.id}`", rule.severity, f"`{suite.name}`", rule.source, rule.meaning, rule.meaning_nb,
                         _message(rule)) for suite, rule in rules))
        lines.append("")
    lines += ["## What no check covers", "",
              "The requirements of the regelverk that no rule checks, and why "
              f"(`{NOT_COVERED.relative_to(EXPECTATIONS_DIR.parent)}`, in bokmål):", "",
              *table(("point", "requirement", "why no check covers it"),
                     ((n.point, n.requirement, n.reason) for n in not_covered()))]
    lines += ["", "## What each suite validates", "",
              "Each suite's record frame is built from the tables its builder declares with `@reads` in "
              "`friskliv_pipeline/checks/frames/<suite>.py` (`<table>_history`: every grant year up to the checked one); "
              "its Dagster checks depend on them.", ""]
    for suite in suites().values():
        reads = ", ".join(f"`{t}`" for t in declared_inputs()[suite.name].tables)
        lines.append(f"- `{suite.path.relative_to(EXPECTATIONS_DIR.parent)}` ({len(suite.expectations)} expectations): "
                     f"{suite.record} Reads {reads}.")
    return "\n".join(lines) + "\n"


def main() -> int:
    CHECKS_DOC.parent.mkdir(parents=True, exist_ok=True)
    CHECKS_DOC.write_text(markdown(), encoding="utf-8")
    print(CHECKS_DOC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
