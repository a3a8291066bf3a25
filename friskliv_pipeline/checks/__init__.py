"""Data-quality checks: Great Expectations 1.x suites (``expectations/*.json``) run as Dagster asset checks.

- ``suites``: the suites and their rules, read from JSON (no GX import: the code location loads fast).
- ``frames``: one record frame per suite (``frames/<suite>.py``), built with pandas from the warehouse
  tables of a grant year; each builder declares what it reads with ``@reads`` (``inputs``: the
  declaration, and what the Dagster checks depend on; ``year_tables``: what a builder is given, and
  nothing undeclared).
- ``gx_runner``: validates a frame against its suite with GX (imported lazily) and writes Data Docs.
- ``findings``: turns the GX result into one result per rule and one finding per offending record.
- ``audit``: writes ``audit_check_results`` and ``audit_findings``.
- ``run``: the whole of it for one suite and grant year, as the Dagster checks call it.
- ``docs``: ``docs/checks.md``, the table of every rule.
"""
