"""Time `friskliv run --year 2024` against benchmarks/baseline_pandas.py on synthetic exports.

For each size (a multiple of the 2024 demo, see benchmarks/generate.py) the runner generates the
export once under ``--work-dir``, then runs (A) the pipeline and (B) the baseline in fresh
processes, interleaved A B A B …, ``--runs`` times each, every run on a fresh data directory and
Dagster instance. It records the median wall seconds, the peak RSS (``ru_maxrss`` of the child
from ``os.wait4``) and the ratio pipeline/baseline, and the time to import the code location
(``python -c "import friskliv_pipeline.definitions"``, median of ``--runs``). Results are merged
by size into ``benchmarks/results.json`` and printed as a Markdown table.

    .venv/bin/python benchmarks/run.py --sizes 1 10 100 1000 [--runs 3] [--timeout 1800]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results.json"
YEAR = 2024
BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict, timeout: float, log: Path) -> dict:
    """Run ``cmd`` in a fresh process; wall seconds, peak RSS (MiB) and exit code."""
    with open(log, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                return {"wall_s": None, "peak_rss_mib": None, "exit": "timeout", "log": str(log)}
            time.sleep(0.05)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    # ru_maxrss is in KiB on Linux: the largest resident set of the child (and its waited-for children).
    return {"wall_s": round(wall, 3), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1), "exit": proc.returncode,
            "log": str(log)}


def base_env() -> dict:
    env = dict(os.environ)
    env.pop("FRISKLIV_WAREHOUSE_URL", None)
    env["GX_ANALYTICS_ENABLED"] = "false"
    env["PYTHONPATH"] = str(ROOT)
    return env


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def pipeline_cmd(landing: Path, work: Path, env: dict) -> tuple[list[str], dict]:
    run_dir = fresh_dir(work)
    home = run_dir / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    env = {**env, "FRISKLIV_LANDING_DIR": str(landing), "FRISKLIV_DATA_DIR": str(run_dir / "data"),
           "DAGSTER_HOME": str(home)}
    return [str(BIN / "friskliv"), "run", "--year", str(YEAR)], env


def baseline_cmd(export: Path, work: Path, env: dict) -> tuple[list[str], dict]:
    out = fresh_dir(work)
    return [sys.executable, str(HERE / "baseline_pandas.py"), "--export", str(export), "--out-dir", str(out)], env


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def bench_size(scale: int, runs: int, work_dir: Path, timeout: float,
               kinds: tuple[str, ...] = ("pipeline", "baseline")) -> dict:
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import FILE_NAME, write_export

    landing = work_dir / f"x{scale}"
    export = landing / str(YEAR) / FILE_NAME
    if not export.exists():
        t = time.perf_counter()
        write_export(scale, landing)
        print(f"  generated {export} in {time.perf_counter() - t:.1f} s", flush=True)
    env = base_env()
    samples: dict[str, list[dict]] = {"pipeline": [], "baseline": []}
    for i in range(runs):  # interleaved: A B A B …
        for kind in kinds:
            work = work_dir / f"{kind}-x{scale}-{i}"
            cmd, run_env = (pipeline_cmd(landing, work, env) if kind == "pipeline"
                            else baseline_cmd(export, work, env))
            sample = timed(cmd, run_env, timeout, work_dir / f"{kind}-x{scale}-{i}.log")
            samples[kind].append(sample)
            print(f"  x{scale} run {i + 1} {kind}: {sample['wall_s']} s, {sample['peak_rss_mib']} MiB, "
                  f"exit {sample['exit']}", flush=True)
            if sample["exit"] != 0:
                print(f"    see {sample['log']}", flush=True)
    summary = {}
    for kind, rows in samples.items():
        ok = [r for r in rows if r["exit"] == 0]
        summary[kind] = {"median_wall_s": median([r["wall_s"] for r in ok]),
                         "peak_rss_mib": max([r["peak_rss_mib"] for r in ok], default=None),
                         "runs": [{k: r[k] for k in ("wall_s", "peak_rss_mib", "exit")} for r in rows]}
    a, b = summary["pipeline"]["median_wall_s"], summary["baseline"]["median_wall_s"]
    return {"scale": scale, "projects": 115 * scale, "responses": 119 * scale,
            "export_mib": round(export.stat().st_size / 2**20, 2), **summary,
            "ratio": round(a / b, 2) if a and b else None}


def import_time(runs: int) -> dict:
    cmd = [sys.executable, "-c", "import friskliv_pipeline.definitions"]
    walls = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, env=base_env())
        walls.append(time.perf_counter() - t)
    return {"command": "python -c 'import friskliv_pipeline.definitions'", "median_s": median(walls),
            "runs_s": [round(w, 3) for w in walls]}


def table(results: dict) -> str:
    lines = ["| size | projects | responses | pipeline median s | baseline median s | ratio | pipeline peak RSS MiB | baseline peak RSS MiB | runs |",
             "|---|---|---|---|---|---|---|---|---|"]
    for key in sorted(results["sizes"], key=int):
        r = results["sizes"][key]
        lines.append(f"| {r['scale']}× | {r['projects']} | {r['responses']} | {r['pipeline']['median_wall_s']} | "
                     f"{r['baseline']['median_wall_s']} | {r['ratio']} | {r['pipeline']['peak_rss_mib']} | "
                     f"{r['baseline']['peak_rss_mib']} | {len(r['pipeline']['runs'])}+{len(r['baseline']['runs'])} |")
    imp = results.get("import")
    if imp:
        lines.append("")
        lines.append(f"Code-location import (`{imp['command']}`): median {imp['median_s']} s of {imp['runs_s']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per single run")
    parser.add_argument("--work-dir", default="/tmp/friskliv-bench")
    parser.add_argument("--no-import", action="store_true", help="skip the code-location import timing")
    parser.add_argument("--results", default=str(RESULTS))
    parser.add_argument("--only", choices=["pipeline", "baseline"],
                        help="time one side only (e.g. when the other does not fit the time budget)")
    args = parser.parse_args(argv)
    work_dir = Path(args.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    path = Path(args.results)
    results = json.loads(path.read_text()) if path.exists() else {"sizes": {}}
    results["machine"] = {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()}
    if not args.no_import:
        results["import"] = import_time(args.runs)
        print(f"import friskliv_pipeline.definitions: {results['import']['median_s']} s", flush=True)
    for scale in args.sizes:
        print(f"size {scale}×", flush=True)
        kinds = (args.only,) if args.only else ("pipeline", "baseline")
        entry = bench_size(scale, args.runs, work_dir, args.timeout, kinds)
        entry["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        previous = results["sizes"].get(str(scale))
        if args.only and previous:  # keep the other side's earlier measurement
            other = "baseline" if args.only == "pipeline" else "pipeline"
            entry[other] = previous[other]
            a, b = entry["pipeline"]["median_wall_s"], entry["baseline"]["median_wall_s"]
            entry["ratio"] = round(a / b, 2) if a and b else None
        results["sizes"][str(scale)] = entry
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
