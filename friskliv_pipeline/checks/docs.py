"""``docs/checks.md``: the one table of every rule, generated from ``expectations/*.json``.

Regenerate with ``python -m friskliv_pipeline.checks.docs``; a test keeps the file in sync.
"""

from __future__ import annotations

import sys

from friskliv_pipeline.checks.suites import suites
from friskliv_pipeline.settings import PROJECT_ROOT

CHECKS_DOC = PROJECT_ROOT / "docs" / "checks.md"

INTRO = """# Data-quality checks

Generated from `expectations/*.json` by `python -m friskliv_pipeline.checks.docs`; do not edit by hand.

Every rule is a Great Expectations 1.x expectation in the suite of the table it guards
(`expectations/<table>.json`, one suite per table) and a Dagster asset check on that table
(named like the rule, with `_` for `.`), run for each grant year by the `friskliv_yearly` job.
Rules that are cross-table computations (spending vs allocation, years in a row, row
accounting) are computed per record in `friskliv_pipeline/checks/frames.py` and then judged by
the expectation, so every finding points at a record.

## Severity

- **ERROR** — the data cannot be trusted (a county outside the year's structure or missing,
  broken row accounting). The check is *blocking*: assets downstream of the guarded table
  (marts, reports) are not materialized and the run fails.
- **WARN** — a compliance finding (cap breach, over or under allocation, missing comment,
  attestation needed, an answer outside its value set). Recorded and shown; never blocks
  publication: a county over its cap is an auditor's finding, not a reason to withhold the
  national report.

Only assets directly downstream of a checked table wait for its blocking checks, so the
county and row-accounting ERROR rules guard each table the marts read: `projects`,
`project_attainment` and `competence_building`. The `allocations` checks compare those tables
and wait for their checks: after an ERROR there the spending comparison is skipped for the run.

An unreadable answer (e.g. a grant written `ca. 150 000`) is NULL in the clean tables and
recorded in `cleaning_issues`; the checks show it as the WARN finding of the rule it breaks,
with the text as exported. The allocation comparison of a county with an unreadable grant is
reported as `allocation.spending_known` instead of a made-up over/under amount.

## Where the results are

- Dagster UI: each check's metadata has observed vs expected, the unexpected count, a sample
  of the offending records, the SQL for all of them, and the paths below.
- `<data_dir>/validation/<grant_year>/<run_id>/`: `data_docs/index.html` (the GX Data Docs
  site of the run), `results/<table>.json` (each suite's full GX result), `gx/` (the GX
  project as run).
- Warehouse: `audit_check_results` (one row per grant year, table and rule: passed, observed,
  expected, run id, time) and `audit_findings` (one row per offending record). A rerun of a
  grant year's checks replaces that year's rows of those checks. For example, which counties
  exceeded the competence-building cap in 2024:

```sql
SELECT DISTINCT county FROM audit_findings
WHERE grant_year = 2024 AND rule = 'regelverk5B.competence_cap'
ORDER BY county;
```

## Rules
"""


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def markdown() -> str:
    lines = [INTRO, "| rule | severity | table | source (regelverk / form) | what it means | finding |",
             "|---|---|---|---|---|---|"]
    for suite in suites().values():
        for rule in suite.rules:
            messages = list(dict.fromkeys(e.meta["message"] for e in rule.expectations))
            if len(messages) <= 2:
                finding = " / ".join(messages)
            else:
                finding = f"{messages[0]} (likewise for the other {len(messages) - 1} columns)"
            lines.append(f"| `{rule.id}` | {rule.severity} | `{suite.name}` | {_cell(rule.source)} | "
                         f"{_cell(rule.meaning)} | {_cell(finding)} |")
    lines += ["", "## What each suite validates", ""]
    for suite in suites().values():
        lines.append(f"- `{suite.path.relative_to(PROJECT_ROOT)}` ({len(suite.expectations)} expectations): {suite.record}")
    return "\n".join(lines) + "\n"


def main() -> int:
    CHECKS_DOC.parent.mkdir(parents=True, exist_ok=True)
    CHECKS_DOC.write_text(markdown(), encoding="utf-8")
    print(CHECKS_DOC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
