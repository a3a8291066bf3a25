"""Peak resident memory of `friskliv run --year 2024` per step, on a generated export.

Samples the run's memory (the proportional set size of its process and every process under it,
``benchmarks.run.tree_pss_mib``: the PDF printed in a child counts) every ``--interval`` seconds and attributes each
sample to the step that was running then, from the run's own Dagster event log (STEP_START and
STEP_SUCCESS/STEP_FAILURE times). Prints the steps by peak RSS: where a large year's memory goes.

    .venv/bin/python benchmarks/memory_by_step.py --scale 1000 [--work-dir /tmp/friskliv-bench]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.run import YEAR, base_env, command, landing_of, tree_pss_mib  # noqa: E402


def step_intervals(dagster_home: Path) -> list[tuple[str, float, float]]:
    """(step, start, end) from the event log of the one run under ``dagster_home``."""
    logs = sorted((dagster_home / "history" / "runs").glob("*.db"))
    intervals: dict[str, list[float]] = {}
    for db in logs:
        with sqlite3.connect(db) as con:
            rows = con.execute("SELECT step_key, dagster_event_type, timestamp FROM event_logs "
                               "WHERE dagster_event_type IN ('STEP_START', 'STEP_SUCCESS', 'STEP_FAILURE') "
                               "ORDER BY id").fetchall()
        for step, _kind, stamp in rows:  # naive UTC text, as Dagster's SQLite event log stores it
            seconds = dt.datetime.fromisoformat(str(stamp)).replace(tzinfo=dt.timezone.utc).timestamp()
            intervals.setdefault(step, [seconds, seconds])
            intervals[step][1] = seconds
    return [(step, start, end) for step, (start, end) in intervals.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--work-dir", default="/tmp/friskliv-bench")
    parser.add_argument("--interval", type=float, default=0.2)
    parser.add_argument("--generator", choices=("realistic", "replica"), default="realistic")
    args = parser.parse_args(argv)
    from benchmarks.generate import FILE_NAME, write_export

    work = Path(args.work_dir)
    landing = landing_of(work, args.scale, args.generator)
    export = landing / str(YEAR) / FILE_NAME
    if not export.exists():
        write_export(args.scale, landing, generator=args.generator)
    run_dir = work / f"memory-{landing.name}"
    cmd, env = command("pipeline", landing, export, run_dir, base_env())
    samples: list[tuple[float, float]] = []
    with open(run_dir.with_suffix(".log"), "w") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            value = tree_pss_mib(proc.pid)
            if value is not None:
                samples.append((time.time(), value))
            time.sleep(args.interval)
    if os.waitstatus_to_exitcode(status):
        print(f"the run failed (exit {os.waitstatus_to_exitcode(status)}); see {run_dir.with_suffix('.log')}")
        return 1
    peaks = []
    for step, start, end in step_intervals(Path(env["DAGSTER_HOME"])):
        during = [rss for stamp, rss in samples if start <= stamp <= end]
        if during:
            peaks.append((max(during), step, end - start))
    print(f"peak of the run: {max(r for _, r in samples):.0f} MiB sampled ({len(samples)} samples); "
          f"ru_maxrss {usage.ru_maxrss / 1024:.0f} MiB (the largest process's high-water mark, between samples too)")
    for peak, step, seconds in sorted(peaks, reverse=True)[:12]:
        print(f"  {peak:7.0f} MiB  {step} ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
