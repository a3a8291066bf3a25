"""``friskliv``: run the pipeline, regenerate demo data, keep the data contract doc in sync.

Dagster is imported only by the commands that run it, so ``friskliv demo-data`` stays quick.
A failed run prints one readable message (what, where, what to do); the full trace stays in
the Dagster run log.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from friskliv_pipeline.settings import PROJECT_ROOT, Settings

CONTRACT_DOC = PROJECT_ROOT / "docs" / "data_contract.md"


def _years_in_landing(landing_dir: Path) -> list[int]:
    return sorted(int(p.name) for p in Path(landing_dir).glob("[0-9][0-9][0-9][0-9]") if p.is_dir())


def _dagster_instance(settings: Settings):
    from dagster import DagsterInstance

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        home = str(settings.data_dir / "dagster_home")
        os.environ["DAGSTER_HOME"] = home
    Path(home).mkdir(parents=True, exist_ok=True)
    config = Path(home) / "dagster.yaml"
    if not config.exists():
        config.write_text(_instance_yaml(), encoding="utf-8")
    return DagsterInstance.get()


def _instance_yaml() -> str:
    """dagster.yaml of an instance ``friskliv run`` creates: deploy/dagster.yaml's run queue limits
    (one run per grant year; they apply to runs submitted through the queue: the UI, sensors,
    schedules, automation) and telemetry off (no network here)."""
    import yaml

    deployed = yaml.safe_load((PROJECT_ROOT / "deploy" / "dagster.yaml").read_text(encoding="utf-8"))
    return yaml.safe_dump({"concurrency": deployed["concurrency"], "telemetry": {"enabled": False}}, sort_keys=False)


def _run_config(log_level: str) -> dict:
    """Dagster's console events at ``log_level``; one progress line per finished step on stdout."""
    from friskliv_pipeline.progress import STEP_PROGRESS_LOGGER

    return {"loggers": {"console": {"config": {"log_level": log_level}},
                        STEP_PROGRESS_LOGGER: {"config": {"enabled": True}}}}


def _root_cause(error) -> str:
    """The user's exception message inside Dagster's wrapping errors."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _check_summary(events) -> str:
    """'37 passed, 2 WARN findings (rule ids)' from the run's asset-check evaluations."""
    evaluations = [e.event_specific_data for e in events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = [(ev.check_name, ev.severity.value) for ev in evaluations if not ev.passed]
    text = f"{len(evaluations) - len(failed)} passed"
    for severity in ("ERROR", "WARN"):
        names = sorted(name for name, sev in failed if sev == severity)
        if names:
            text += f", {len(names)} {severity} ({', '.join(names)})"
    return text


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    years = args.year or _years_in_landing(settings.landing_dir)
    if not years:
        print(f"friskliv: no grant-year folders in {settings.landing_dir}", file=sys.stderr)
        return 2
    from dagster import execute_job, reconstructable

    from friskliv_pipeline.definitions import yearly_job
    from friskliv_pipeline.report.data import MARTS
    from friskliv_pipeline.warehouse import Warehouse

    instance = _dagster_instance(settings)
    # Dagster's own console events (step failures print their stack traces) only with --verbose:
    # the summary below is the readable message, the full event log stays in the run.
    log_level = "INFO" if args.verbose else "CRITICAL"
    failed = 0
    for year in years:
        print(f"grant year {year}: running", flush=True)
        with execute_job(reconstructable(yearly_job), instance, raise_on_error=False,
                         tags={"dagster/partition": str(year)},
                         run_config=_run_config(log_level)) as result:
            succeeded, run_id, events = result.success, result.run_id, result.all_events
        if not succeeded:
            failed += 1
            failures = [e for e in events if e.is_step_failure]
            for event in failures:
                print(f"friskliv: grant year {year} failed in step {event.step_key}: "
                      f"{_root_cause(event.event_specific_data.error)}", file=sys.stderr)
            if not failures:
                print(f"friskliv: grant year {year} failed before any step ran", file=sys.stderr)
            print(f"  full trace: Dagster run {run_id} (DAGSTER_HOME={os.environ['DAGSTER_HOME']}; "
                  f"`dagster dev` → Runs)", file=sys.stderr)
            continue
        counts = Warehouse(settings.warehouse_url).row_counts(year, extra_tables=MARTS)
        print(f"grant year {year}: run {run_id} succeeded")
        print("  rows: " + ", ".join(f"{name} {n}" for name, n in counts.items() if n))
        print("  checks: " + _check_summary(events))
        print(f"  warehouse: {_safe_url(settings.warehouse_url)}")
        print(f"  archive:   {settings.data_dir / 'archive' / str(year)}")
        print(f"  report:    {settings.data_dir / 'reports' / str(year) / 'report.html'}")
        print(f"  validation: {settings.data_dir / 'validation' / str(year)}")
    return 1 if failed else 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from friskliv_pipeline.demo_data import generate

    settings = Settings.from_env()
    landing = Path(args.landing_dir) if args.landing_dir else PROJECT_ROOT / "assets" / "raw"
    for year in args.year or [2023, 2024]:
        print(generate(year, settings.reference_dir, landing))
    return 0


def cmd_contract_docs(args: argparse.Namespace) -> int:
    from friskliv_pipeline.contract_docs import markdown

    text = markdown() + "\n"
    if args.check:
        if not CONTRACT_DOC.exists() or CONTRACT_DOC.read_text(encoding="utf-8") != text:
            print(f"{CONTRACT_DOC} is out of date: run `friskliv contract-docs`", file=sys.stderr)
            return 1
        return 0
    CONTRACT_DOC.parent.mkdir(parents=True, exist_ok=True)
    CONTRACT_DOC.write_text(text, encoding="utf-8")
    print(CONTRACT_DOC)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from friskliv_pipeline.preflight import preflight

    result = preflight(Path(args.file), args.year, Settings.from_env().reference_dir)
    print("\n".join(result.summary_lines()))
    return 1 if args.strict and (len(result.findings) or len(result.check_findings)) else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="friskliv", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="materialize every asset of grant year(s) on the Dagster instance at DAGSTER_HOME")
    run.add_argument("--year", type=int, action="append", help="grant year (repeatable); default: every year in the landing folder")
    run.add_argument("--verbose", action="store_true", help="print Dagster's INFO events too")
    run.set_defaults(func=cmd_run)
    demo = sub.add_parser("demo-data", help="regenerate the bundled demo exports (deterministic)")
    demo.add_argument("--year", type=int, action="append", help="grant year (repeatable); default 2023 and 2024")
    demo.add_argument("--landing-dir", help="where to write <year>/ folders (default assets/raw)")
    demo.set_defaults(func=cmd_demo_data)
    check = sub.add_parser("check", help="validate one export before sending it (no warehouse, no Dagster)")
    check.add_argument("file", help="the .xlsx or .csv export")
    check.add_argument("--year", type=int, required=True, help="the grant year the export reports on")
    check.add_argument("--strict", action="store_true", help="exit 1 when there are findings")
    check.set_defaults(func=cmd_check)
    docs = sub.add_parser("contract-docs", help="write docs/data_contract.md from the contract")
    docs.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    docs.set_defaults(func=cmd_contract_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from friskliv_pipeline.errors import FrisklivError

    try:
        return args.func(args)
    except FrisklivError as exc:
        print(f"friskliv: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
