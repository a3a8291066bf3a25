"""Checks layer: each GX suite in ``expectations/`` as Dagster asset checks on the table it guards.

Every rule is one asset check, partitioned by grant year like the table it guards, so the UI
shows each year's status and history apart. The suites guard the run's STAGED tables
(``staging/<table>``): what a run wrote is checked before anything is published. Where a check
runs:

- the suites of the staged tables are evaluated by the staging step itself (``defs/stage.py``),
  on the frames it has just built, not read back from the warehouse: their specs are that
  multi-asset's ``check_specs``. "Execute checks" on one staged table in the UI runs the same
  step without materializing anything: it then judges the staged rows in the warehouse;
- a suite guarding another table (``allocations``, a reference table, judged against the year's
  staged spending) is its own check step after staging (``later_checks``), reading the warehouse.

Each check depends on every table its suite's frame reads (the ``@reads`` above its builder in
``checks/frames/<suite>.py``), so the UI shows them. Three kinds of result stay apart:

- a *breach* of severity ERROR is a blocking check: when it fails, the staging step fails after
  writing its staged tables and reporting every check, and nothing of the grant year is
  published (``publish_checked_tables`` and all after it do not run);
- a *breach* of severity WARN fails its check (yellow) and never blocks;
- a *follow-up list* or *data note* (GX severity ``info``) passes and lists its records in the
  metadata (e.g. the grants that need revisor attestation).

A rule whose inputs are not official or not there (illustrative allocations, earlier grant years
missing) reports no result (Dagster shows it skipped); the audit tables and the auditor's
edition say why. Each check's metadata shows observed vs expected, the records, and where the
full result is (the GX project's result and Data Docs, the audit tables).

Great Expectations is imported inside the checks, never when this module loads.
"""

import warnings

from dagster import (
    AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, MetadataValue, PreviewWarning,
    multi_asset_check,
)

from friskliv_pipeline.defs.metadata import rule_code_references
from friskliv_pipeline.checks.registry import depends_on, later_suites, staged_suites
from friskliv_pipeline.checks.suites import Rule, Suite, suites
from friskliv_pipeline.defs.partitions import grant_year_of, grant_year_partitions
from friskliv_pipeline.defs.resources import FrisklivResource
from friskliv_pipeline.operations.memory import release_memory
from friskliv_pipeline.warehouse.staging import table_key
from friskliv_pipeline.core.markdown import table

SAMPLE_ROWS = 10
KIND_LABEL = {"breach": "breach", "follow_up": "follow-up list", "data_note": "data note"}
LISTED = {"breach": "offending_records", "follow_up": "follow_up_records", "data_note": "noted_records"}


def _description(rule: Rule) -> str:
    return f"{rule.severity} · {KIND_LABEL[rule.kind]} · {rule.id} · {rule.meaning} (source: {rule.source})"


def _sample(result) -> str:
    """The rule's first SAMPLE_ROWS records as a Markdown table, and how many more there are."""
    if not result.n_findings:
        return "No records."
    lines = table(("county", "municipality", "project", "response", "row", "message"),
                  ([f[c] for c in ("county", "municipality", "project_title", "response_id", "sheet_row", "message")]
                   for f in result.head(SAMPLE_ROWS)))
    if result.n_findings > SAMPLE_ROWS:
        lines.append(f"\n… and {result.n_findings - SAMPLE_ROWS} more in `audit_findings`.")
    return "\n".join(lines)


def _metadata(result, run, grant_year: int) -> dict:
    rule = result.rule
    metadata = {
        "rule": rule.id, "kind": rule.kind, "severity": rule.severity, "status": result.status,
        "source": rule.source, "observed": result.observed, "expected": result.expected,
        "records": result.n_findings,
        LISTED[rule.kind]: MetadataValue.md(_sample(result)),
        "audit_query": MetadataValue.md(
            f"```sql\nSELECT county, municipality, project_title, response_id, sheet_row, message FROM audit_findings\n"
            f"WHERE grant_year = {grant_year} AND rule = '{rule.id}'\n```"),
        "suite": MetadataValue.path(str(run.suite.path)),
        **rule_code_references(run.suite.path, rule.id),
    }
    if not result.passed and rule.blocking:  # what `friskliv run` prints when this check blocks the year
        metadata["blocking_findings"] = MetadataValue.json(
            [f"{f['message']} ({result.where(f)})" if result.where(f) else f["message"]
             for f in result.head(SAMPLE_ROWS)])
    if run.validation.result_path:
        # GX's stored result: counts and the first rows per expectation; every row is in audit_findings
        metadata["gx_result"] = MetadataValue.path(str(run.validation.result_path))
    if run.validation.data_docs_index:
        metadata["data_docs"] = MetadataValue.path(str(run.validation.data_docs_index))
    if result.errors:
        metadata["errors"] = MetadataValue.json(result.errors)
    return metadata


def suites_in_run(context) -> list[str]:
    """The suites this run checks: those with a check in the run's check selection, else in its job."""
    selection = context.run.asset_check_selection
    if selection is None:
        selection = context.op_execution_context.job_def.asset_layer.asset_graph.asset_check_keys
    guarded = {key.asset_key for key in selection}
    return [name for name in suites() if table_key(name) in guarded]


def selected_suites(context, names) -> list[str]:
    """The suites among ``names`` with a check selected in this step."""
    guarded = {key.asset_key for key in context.selected_asset_check_keys}
    return [name for name in names if table_key(name) in guarded]


def check_specs(suite: Suite) -> list[AssetCheckSpec]:
    """One spec per rule on the (staged) table the suite guards, partitioned by grant year, depending on
    every other table it reads (``partitions_def`` on a check is a preview API in Dagster 1.13, whose
    warning would otherwise print on every load of the code location)."""
    reads = [table_key(t) for t in depends_on(suite.name)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)
        return [AssetCheckSpec(rule.check_name, asset=table_key(suite.name), blocking=rule.blocking,
                               description=_description(rule), additional_deps=reads,
                               partitions_def=grant_year_partitions,
                               metadata=rule_code_references(suite.path, rule.id))
                for rule in suite.rules]


def staged_check_specs() -> list[AssetCheckSpec]:
    """The checks the staging step evaluates: every rule of the staged tables' suites."""
    return [spec for name in staged_suites() for spec in check_specs(suites()[name])]


def evaluate(context, friskliv: FrisklivResource, names: list[str], staged: dict | None = None):
    """Run the suites ``names`` for the partition's grant year and yield one result per evaluated rule.
    ``staged``: this run's staged frames, judged as they are (else the staged rows in the warehouse)."""
    from friskliv_pipeline.checks.run import run_checks

    if not names:
        return
    settings = friskliv.settings()
    grant_year = grant_year_of(context.partition_key)
    release_memory()
    runs = run_checks(names, friskliv.warehouse(), settings.reference_dir, settings.data_dir, grant_year,
                      context.run.run_id, suites_in_run(context), staged)  # one suite at a time
    for run in runs:
        breached = [r.rule.id for r in run.results if r.status == "failed"]
        if breached:
            n_breaches = sum(r.n_findings for r in run.results if r.rule.kind == "breach")
            context.log.info(f"{run.suite.name} {grant_year}: {n_breaches} findings; rules breached: {breached}")
        if run.audit_published:
            context.log.info(f"grant year {grant_year}: this run's check results are now the audit tables' rows")
        for result in run.results:
            if result.status == "not_evaluated":
                # no result: Dagster shows the check as skipped, neither passed nor failed (the audit
                # tables and the auditor's edition say why)
                context.log.info(f"{result.rule.id}: not evaluated: {result.reason}")
                continue
            yield AssetCheckResult(
                check_name=result.rule.check_name, asset_key=table_key(run.suite.name), passed=result.passed,
                severity=AssetCheckSeverity.ERROR if result.rule.blocking else AssetCheckSeverity.WARN,
                metadata=_metadata(result, run, grant_year),
            )


def _later_checks(name: str):
    """The asset checks of a suite guarding a table the staging step does not write: its own step."""
    suite = suites()[name]

    # can_subset: a rule not evaluated yields no result (its output is optional), so Dagster shows it skipped
    @multi_asset_check(specs=check_specs(suite), name=f"{name}_checks", can_subset=True,
                       description=f"GX suite expectations/{suite.path.name}: {suite.record}")
    def _checks(context: AssetCheckExecutionContext, friskliv: FrisklivResource):
        yield from evaluate(context, friskliv, selected_suites(context, [name]))

    return _checks


later_checks = [_later_checks(name) for name in later_suites()]
