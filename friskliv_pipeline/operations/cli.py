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

from friskliv_pipeline.operations import run_summary
from friskliv_pipeline.core.settings import PROJECT_ROOT, Settings



def _years_in_landing(landing_dir: Path) -> list[int]:
    return sorted(int(p.name) for p in Path(landing_dir).glob("[0-9][0-9][0-9][0-9]") if p.is_dir())


def _dagster_home(settings: Settings) -> tuple[Path, str]:
    """DAGSTER_HOME (default ``<data_dir>/dagster_home``, then set for Dagster) with the project's
    dagster.yaml in it: created, or upgraded with settings it lacks (friskliv_pipeline/operations/instance.py)."""
    from friskliv_pipeline.operations.instance import ensure_instance_config

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        home = str(settings.data_dir / "dagster_home")
        os.environ["DAGSTER_HOME"] = home
    return ensure_instance_config(home)


def _dagster_instance(settings: Settings):
    from dagster import DagsterInstance

    _dagster_home(settings)
    return DagsterInstance.get()


def _run_config(log_level: str) -> dict:
    """Dagster's console events at ``log_level``; one progress line per finished step on stdout."""
    from friskliv_pipeline.operations.progress import STEP_PROGRESS_LOGGER

    return {"loggers": {"console": {"config": {"log_level": log_level}},
                        STEP_PROGRESS_LOGGER: {"config": {"enabled": True}}}}


def _runnable_landing_years(landing_dir: Path) -> list[int]:
    """The landing folder's years that are grant-year partitions; a folder for a year that has
    not ended yet is named and skipped (run it explicitly once it is a partition)."""
    from friskliv_pipeline.defs.partitions import grant_year_partitions

    partitions = set(grant_year_partitions.get_partition_keys())
    years = _years_in_landing(landing_dir)
    for year in (y for y in years if str(y) not in partitions):
        print(f"friskliv: skipping {Path(landing_dir) / str(year)}: grant year {year} is not a partition yet",
              file=sys.stderr)
    return [y for y in years if str(y) in partitions]


def _unrunnable_years(years: list[int], landing_dir: Path) -> list[str]:
    """One line per requested year that cannot run: not a grant-year partition, or no export."""
    from friskliv_pipeline.defs.partitions import grant_year_partitions
    from friskliv_pipeline.defs.raw import export_files
    from friskliv_pipeline.core.errors import ExportError

    partitions = grant_year_partitions.get_partition_keys()
    problems: list[str] = []
    for year in years:
        if str(year) not in partitions:
            problems.append(f"grant year {year} is not a partition of the pipeline (the grant years are "
                            f"{', '.join(partitions)}; a year becomes one on 1 January after it ends). "
                            f"What to do: run one of those years")
            continue
        try:
            export_files(landing_dir, year)
        except ExportError as error:
            problems.append(str(error))
    return problems



def _upgrade_warehouse(warehouse) -> None:
    """A warehouse an older version built gets the contract's new columns before the first run, said
    in one line. A database that cannot be reached is left to the run, which names the problem."""
    import sqlalchemy as sa

    from friskliv_pipeline.core.errors import FrisklivError

    try:
        changes = warehouse.upgrade()
    except (sa.exc.SQLAlchemyError, FrisklivError):
        return
    finally:
        warehouse.dispose()
    if changes:
        print(f"warehouse upgraded to this version's tables, no row lost: {'; '.join(changes)}", flush=True)


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    years = args.year or _runnable_landing_years(settings.landing_dir)
    if not years:
        print(f"friskliv: no grant-year folders in {settings.landing_dir}. What to do: put each year's Forms "
              f"export in {settings.landing_dir}/<year>/ or set FRISKLIV_LANDING_DIR", file=sys.stderr)
        return 2
    problems = _unrunnable_years(years, settings.landing_dir)
    for problem in problems:
        print(f"friskliv: {problem}", file=sys.stderr)
    if problems:
        return 2
    from dagster import execute_job, reconstructable

    from friskliv_pipeline.definitions import yearly_job
    from friskliv_pipeline.warehouse.database import Warehouse

    instance = _dagster_instance(settings)
    _upgrade_warehouse(Warehouse(settings.warehouse_url))
    # Dagster's own console events (step failures print their stack traces) only with --verbose:
    # the summary below is the readable message, the full event log stays in the run.
    log_level = "INFO" if args.verbose else "CRITICAL"
    failed = 0
    for year in years:
        print(f"grant year {year}: running", flush=True)
        try:
            with execute_job(reconstructable(yearly_job), instance, raise_on_error=False,
                             tags={"dagster/partition": str(year)},
                             run_config=_run_config(log_level)) as result:
                succeeded, run_id, events = result.success, result.run_id, result.all_events
        except Exception as exc:  # the run could not start (e.g. the warehouse refused the resource's connection)
            failed += 1
            print(run_summary.failure_line(year, None, run_summary.RaisedError.of(exc), settings.warehouse_url),
                  file=sys.stderr)
            print(run_summary.publication_line(year, set()), file=sys.stderr)
            continue
        if not succeeded:
            failed += 1
            blocking = run_summary.blocking_lines(events)
            for line in blocking:
                print(f"friskliv: grant year {year} not published, a blocking check failed: {line}", file=sys.stderr)
            if blocking:
                print("  nothing of this grant year was published; the staged tables (staging_*) and the audit "
                      "tables hold this run's data and results. What to do: correct the export and run again",
                      file=sys.stderr)
            failures = [e for e in events if e.is_step_failure and not (blocking and run_summary.blocked(e))]
            for event in failures:
                print(run_summary.failure_line(year, event.step_key, event.event_specific_data.error,
                                               settings.warehouse_url), file=sys.stderr)
            if not failures and not blocking:
                print(run_summary.failure_line(year, None, run_summary.run_failure(events), settings.warehouse_url),
                      file=sys.stderr)
            if failures or not blocking:
                print(run_summary.publication_line(year, run_summary.succeeded_steps(events)), file=sys.stderr)
            print(f"  full trace: Dagster run {run_id} (DAGSTER_HOME={os.environ['DAGSTER_HOME']}; "
                  f"`dagster dev` → Runs)", file=sys.stderr)
            continue
        print(f"grant year {year}: run {run_id} succeeded")
        try:
            _print_summary(settings, year, events)
        except Exception as exc:  # everything is published: a summary that cannot be read must not end in a trace
            print(f"friskliv: grant year {year}: run {run_id} succeeded and published the year, but its summary could "
                  f"not be read from the warehouse ({run_summary.failure_cause(run_summary.RaisedError.of(exc))}). "
                  f"What to do: nothing for the run; check that the warehouse at "
                  f"{run_summary.safe_url(settings.warehouse_url)} is reachable", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


def _print_summary(settings: Settings, year: int, events) -> None:
    """After a successful run: the row counts, overlaps and checks, and where everything went."""
    from friskliv_pipeline.report.data import MARTS
    from friskliv_pipeline.warehouse.database import Warehouse

    warehouse = Warehouse(settings.warehouse_url)
    try:
        counts = warehouse.row_counts(year, extra_tables=MARTS)
        checks = run_summary.check_summary(warehouse, year)
    finally:
        warehouse.dispose()
    print("  rows: " + ", ".join(f"{name} {n}" for name, n in counts.items() if n))
    for line in run_summary.overlap_summary(events):
        print(line)
    print("  checks: " + checks)
    print(f"  warehouse: {run_summary.safe_url(settings.warehouse_url)}")
    print(f"  archive:   {settings.data_dir / 'archive' / str(year)}")
    print(f"  report:    {settings.data_dir / 'reports' / str(year) / 'report.html'} (public edition)")
    print(f"  auditor:   {settings.data_dir / 'reports' / str(year) / 'revisjon.html'} (auditor's edition)")
    print(f"  validation: {settings.data_dir / 'validation' / 'gx' / 'uncommitted' / 'data_docs' / 'local_site' / 'index.html'}")


def cmd_preview(args: argparse.Namespace) -> int:
    from friskliv_pipeline.report.preview import render_preview, watch

    settings = Settings.from_env()
    if args.watch:
        try:
            watch(settings, args.year, lambda line: print(line, flush=True))
        except KeyboardInterrupt:
            pass
        return 0
    result = render_preview(settings, args.year)
    print(result.line())
    return 1 if result.failed else 0


def cmd_instance(args: argparse.Namespace) -> int:
    path, done = _dagster_home(Settings.from_env())
    print(f"{path} ({done})")
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from friskliv_pipeline.demo.exports import DEMO_YEARS, generate

    settings = Settings.from_env()
    landing = Path(args.landing_dir) if args.landing_dir else settings.landing_dir
    for year in args.year or DEMO_YEARS:
        print(generate(year, settings.reference_dir, landing))
    return 0


def _checkout_only(command: str) -> int | None:
    """Exit status 2 with one message when a command that writes into a checkout runs installed."""
    from friskliv_pipeline.core.project_files import installed

    if not installed():
        return None
    print(f"friskliv: `friskliv {command}` writes into a checkout of friskliv-pipeline; this one is an "
          "installed wheel. What to do: run it in a checkout", file=sys.stderr)
    return 2


def cmd_docs(args: argparse.Namespace) -> int:
    """Write every generated file (operations/generated_docs.py); with --check only list the stale ones."""
    if (refused := _checkout_only("docs")) is not None:
        return refused
    from friskliv_pipeline.operations.generated_docs import regenerate, stale

    if args.check:
        out_of_date = stale()
        for path in out_of_date:
            print(f"{path.relative_to(PROJECT_ROOT)} is out of date: run `friskliv docs`", file=sys.stderr)
        return 1 if out_of_date else 0
    for path in regenerate():
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from friskliv_pipeline.operations.preflight import preflight

    result = preflight(Path(args.file), args.year, Settings.from_env().reference_dir)
    for line in result.summary_lines(args.lang):
        print(line)
    breaches = result.check_findings["kind"] == "breach"  # a follow-up entry or data note is not a finding
    return 1 if args.strict and (len(result.findings) or breaches.any()) else 0


def cmd_new_year(args: argparse.Namespace) -> int:
    from friskliv_pipeline.core.errors import FrisklivError
    from friskliv_pipeline.operations.new_year import new_year

    try:
        result = new_year(Settings.from_env().reference_dir, args.year, Path(args.export) if args.export else None)
    except FrisklivError as error:
        print(f"friskliv: {error}", file=sys.stderr)
        return 2
    print(f"grant year {result.year}: prepared from {result.previous}")
    for line in result.written:
        print(f"  wrote {line}")
    for line in result.warnings:
        print(f"  warning: {line}")
    if args.export:
        print(f"{args.export} against the {result.year} form:")
        print("\n".join(result.export_lines))
    print(f"  next: replace the copied allocations, grant totals and regelverk with {result.year}'s, write the "
          f"commentary, then `friskliv run --year {result.year}`")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="friskliv", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="materialize every asset of grant year(s) on the Dagster instance at DAGSTER_HOME")
    run.add_argument("--year", type=int, action="append", help="grant year (repeatable); default: every year in the landing folder")
    run.add_argument("--verbose", action="store_true", help="print Dagster's INFO events too")
    run.set_defaults(func=cmd_run)
    instance = sub.add_parser("instance", help="create DAGSTER_HOME's dagster.yaml, or add the UI settings an "
                                               "older one lacks (`make ui` runs it before `dg dev`)")
    instance.set_defaults(func=cmd_instance)
    demo = sub.add_parser("demo-data", help="regenerate the bundled demo exports (deterministic)")
    demo.add_argument("--year", type=int, action="append", help="grant year (repeatable); default: the demo's years")
    demo.add_argument("--landing-dir", help="where to write <year>/ folders (default: the landing folder, FRISKLIV_LANDING_DIR; "
                                              "in a checkout assets/raw)")
    demo.set_defaults(func=cmd_demo_data)
    year = sub.add_parser("new-year", help="write a new grant year's form, reference rows, regelverk copy and "
                                         "commentary folder from the previous year's (never overwrites)")
    year.add_argument("year", type=int, help="the new grant year")
    year.add_argument("--export", help="an export of the year: list its headers the form does not know and the "
                                       "questions it lacks")
    year.set_defaults(func=cmd_new_year)
    check = sub.add_parser("check", help="validate one export before sending it (no warehouse, no Dagster)")
    check.add_argument("file", help="the .xlsx or .csv export")
    check.add_argument("--year", type=int, required=True, help="the grant year the export reports on")
    check.add_argument("--lang", choices=("en", "nb"), default="en",
                       help="nb: the report in bokmål, as county advisers read it (default: English)")
    check.add_argument("--strict", action="store_true", help="exit 1 when there are findings")
    check.set_defaults(func=cmd_check)
    preview = sub.add_parser("preview", help="render the year's public edition as a draft from the published "
                                             "warehouse, each claim that does not hold marked (no pipeline run)")
    preview.add_argument("--year", type=int, required=True, help="the grant year")
    preview.add_argument("--watch", action="store_true", help="render again each time a commentary file is saved")
    preview.set_defaults(func=cmd_preview)
    docs = sub.add_parser("docs", help="write every generated file: docs/data_contract.md, docs/checks.md, "
                                       "dbt_like_sql/column_lineage.json, docs/performance.md's table")
    docs.add_argument("--check", action="store_true", help="write nothing; exit 1 listing the files that are out of date")
    docs.set_defaults(func=cmd_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from friskliv_pipeline.core.errors import FrisklivError

    try:
        return args.func(args)
    except FrisklivError as exc:
        print(f"friskliv: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
