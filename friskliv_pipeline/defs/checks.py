"""Checks layer: each GX suite in ``expectations/`` as Dagster asset checks on the table it guards.

One check step per suite runs GX once and reports one asset check per rule, so every rule has
its own status in the UI. A rule of severity ERROR is a blocking check: when it fails, the
assets downstream of the guarded table are not materialized. WARN rules record findings and
never block. Each check's metadata shows observed vs expected, the unexpected count, a sample
of the offending records and where the full result is (GX result JSON, the run's Data Docs
site under ``<data_dir>/validation/<grant_year>/<run_id>/`` and the audit tables).

Great Expectations is imported inside the check, never when this module loads.
"""


from dagster import (
    AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, MetadataValue,
    multi_asset_check,
)

from friskliv_pipeline.checks.suites import Rule, Suite, suites
from friskliv_pipeline.defs.memory import release_memory
from friskliv_pipeline.defs.metadata import rule_code_references
from friskliv_pipeline.defs.partitions import grant_year_of
from friskliv_pipeline.defs.resources import FrisklivResource

SAMPLE_ROWS = 10


def _description(rule: Rule) -> str:
    return f"{rule.severity} · {rule.id} · {rule.meaning} (source: {rule.source})"


def _cell(value) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _sample(findings: list[dict]) -> str:
    if not findings:
        return "No offending records."
    lines = ["| county | municipality | project | response | message |", "|---|---|---|---|---|"]
    for f in findings[:SAMPLE_ROWS]:
        lines.append("| " + " | ".join(_cell(f[c]) for c in ("county", "municipality", "project_title",
                                                               "response_id", "message")) + " |")
    if len(findings) > SAMPLE_ROWS:
        lines.append(f"\n… and {len(findings) - SAMPLE_ROWS} more in `audit_findings`.")
    return "\n".join(lines)


def _metadata(result, run, grant_year: int) -> dict:
    rule = result.rule
    metadata = {
        "rule": rule.id, "severity": rule.severity, "source": rule.source,
        "observed": result.observed, "expected": result.expected,
        "unexpected_count": result.unexpected_count,
        "offending_records": MetadataValue.md(_sample(result.findings)),
        "audit_query": MetadataValue.md(
            f"```sql\nSELECT county, municipality, project_title, response_id, message FROM audit_findings\n"
            f"WHERE grant_year = {grant_year} AND rule = '{rule.id}'\n```"),
        "suite": MetadataValue.path(str(run.suite.path)),
        **rule_code_references(run.suite.path, rule.id),
    }
    if run.validation.result_path:
        metadata["full_result"] = MetadataValue.path(str(run.validation.result_path))
    if run.validation.data_docs_index:
        metadata["data_docs"] = MetadataValue.path(str(run.validation.data_docs_index))
    if result.errors:
        metadata["errors"] = MetadataValue.json(result.errors)
    return metadata


def suite_checks(suite: Suite):
    """The asset checks of one suite: one spec per rule on the table the suite guards."""
    specs = [AssetCheckSpec(rule.check_name, asset=suite.name, blocking=rule.blocking,
                            description=_description(rule), additional_deps=list(suite.depends_on),
                            metadata=rule_code_references(suite.path, rule.id))
             for rule in suite.rules]

    @multi_asset_check(specs=specs, name=f"{suite.name}_checks",
                       description=f"GX suite expectations/{suite.path.name}: {suite.record}")
    def _checks(context: AssetCheckExecutionContext, friskliv: FrisklivResource):
        from friskliv_pipeline.checks.run import run_checks

        settings = friskliv.settings()
        grant_year = grant_year_of(context.partition_key)
        release_memory()
        run = run_checks(suite.name, friskliv.warehouse(), settings.reference_dir, settings.data_dir, grant_year,
                         context.run.run_id)
        failed = [r.rule.id for r in run.results if not r.passed]
        if failed:
            context.log.info(f"{suite.name} {grant_year}: {len(run.findings)} findings; rules not passed: {failed}")
        for result in run.results:
            yield AssetCheckResult(
                check_name=result.rule.check_name, asset_key=suite.name, passed=result.passed,
                severity=AssetCheckSeverity.ERROR if result.rule.blocking else AssetCheckSeverity.WARN,
                metadata=_metadata(result, run, grant_year),
            )

    return _checks


asset_checks = [suite_checks(s) for s in suites().values()]
