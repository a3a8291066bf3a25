"""Time `friskliv run --year 2024` against an independent pandas script on synthetic exports.

For each size (a multiple of the 2024 demo, see benchmarks/generate.py) the runner generates the
export once under ``--work-dir``, then runs, in fresh processes and interleaved (A B C D A B C D …,
``--runs`` times each, every run on a fresh data directory and Dagster instance):

- ``pipeline``: ``friskliv run --year 2024`` (Dagster, staging, GX checks and Data Docs, publish,
  marts, figures, HTML/PDF report, tables);
- ``reference``: ``benchmarks/reference_pandas.py``, the independent vectorised script an analyst
  would write (no ``friskliv_pipeline`` import; its numbers equal the marts: tests/test_benchmark_reference.py);
- ``baseline``: ``benchmarks/baseline_pandas.py``, the older baseline that calls the pipeline's own
  cleaning functions (kept as a second column: it shows what the cleaning costs, not what an
  analyst would write);
- ``check``: ``friskliv check FILE --year 2024``, what a county adviser waits for.

It records the median, min and max wall seconds, the peak RSS (``ru_maxrss`` of the child from
``os.wait4``), the ratio pipeline/reference, and from the pipeline's step lines the steps that
take longest in its median run (what dominates). Results are merged by size into
``benchmarks/results.json``; ``--readme`` rewrites the table in docs/performance.md from them.

    .venv/bin/python benchmarks/run.py --sizes 1 10 100 1000 [--runs 3] [--kinds pipeline reference] [--readme]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
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
README = ROOT / "docs" / "performance.md"  # the page with the benchmark table
YEAR = 2024
BIN = Path(sys.executable).parent
KINDS = ("pipeline", "reference", "baseline", "check")
TABLE_START, TABLE_END = "<!-- benchmark table: start (benchmarks/run.py --readme) -->", "<!-- benchmark table: end -->"
PROJECT_README = ROOT / "README.md"  # its performance summary, between these markers
SUMMARY_START, SUMMARY_END = ("<!-- performance summary: start (benchmarks/run.py --readme) -->",
                              "<!-- performance summary: end -->")
# Issue 31's targets: (what, results.json key, side, measure, limit). "ratio": pipeline / reference;
# a GB is 10^9 bytes (1.2 GB = 1144 MiB).
TARGETS = (
    ("1000× realistic: pipeline ≤ 2.0× the reference", "1000", "pipeline", "ratio", 2.0),
    ("1000× realistic: peak RSS ≤ 1.2 GB", "1000", "pipeline", "peak_rss_gb", 1.2),
    ("1000× copies of the demo: peak RSS ≤ 1.2 GB", "1000 replica", "pipeline", "peak_rss_gb", 1.2),
    ("100× realistic: ≤ 3.0×", "100", "pipeline", "ratio", 3.0),
    ("1×: ≤ 5.0×", "1", "pipeline", "ratio", 5.0),
    ("`friskliv check` at 1× ≤ 3 s", "1", "check", "median_wall_s", 3.0),
)
# "  clean_tables: 1.2 s, 2462 rows in 12 tables": the step lines `friskliv run` prints
STEP_LINE = re.compile(r"^  (?P<step>[\w/]+): (?P<seconds>\d+(?:\.\d+)?) s\b", re.MULTILINE)


def tree_pss_mib(pid: int) -> float | None:
    """The memory (MiB) of ``pid`` and every process under it: the sum of their proportional set
    sizes (``Pss`` of ``/proc/<pid>/smaps_rollup``: a page shared by n processes counts 1/n in
    each). A run whose PDF is printed in a child holds both at once; summing RSS instead would count
    the pages a forked child shares with its parent twice. None once ``pid`` is gone."""
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            if current == pid:
                return None
            continue
        total += next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
        todo.extend(int(c) for c in children)
    return total / 1024


def timed(cmd: list[str], env: dict, timeout: float, log: Path) -> dict:
    """Run ``cmd`` in a fresh process; wall seconds, peak memory (MiB) and exit code. The peak is the
    larger of the process tree's summed PSS, sampled every 0.2 s (``tree_pss_mib``), and
    ``ru_maxrss`` (the largest single process of the tree, exact but blind to processes that
    coexist)."""
    with open(log, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
        deadline = start + timeout
        tree_peak, sampled = 0.0, 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                return {"wall_s": None, "peak_rss_mib": None, "exit": "timeout", "log": str(log)}
            if time.perf_counter() - sampled >= 0.2:
                sampled = time.perf_counter()
                tree_peak = max(tree_peak, tree_pss_mib(proc.pid) or 0.0)
            time.sleep(0.05)
        wall = time.perf_counter() - start
    # ru_maxrss is in KiB on Linux: the largest resident set of the child (and its waited-for children).
    return {"wall_s": round(wall, 3), "peak_rss_mib": round(max(usage.ru_maxrss / 1024, tree_peak), 1),
            "exit": os.waitstatus_to_exitcode(status), "log": str(log)}


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


def command(kind: str, landing: Path, export: Path, work: Path, env: dict) -> tuple[list[str], dict]:
    """The command line and environment of one run of ``kind`` on a fresh directory ``work``."""
    run_dir = fresh_dir(work)
    if kind == "pipeline":
        home = run_dir / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        env = {**env, "FRISKLIV_LANDING_DIR": str(landing), "FRISKLIV_DATA_DIR": str(run_dir / "data"),
               "DAGSTER_HOME": str(home)}
        return [str(BIN / "friskliv"), "run", "--year", str(YEAR)], env
    if kind == "check":
        return [str(BIN / "friskliv"), "check", str(export), "--year", str(YEAR)], env
    script = {"reference": "reference_pandas.py", "baseline": "baseline_pandas.py"}[kind]
    return [sys.executable, str(HERE / script), "--export", str(export), "--out-dir", str(run_dir)], env


def median(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None


def step_seconds(log: Path) -> dict[str, float]:
    """Seconds per step from the step lines of a pipeline run's log."""
    text = Path(log).read_text(encoding="utf-8", errors="replace") if Path(log).exists() else ""
    return {m["step"]: float(m["seconds"]) for m in STEP_LINE.finditer(text)}


def summarise(rows: list[dict]) -> dict:
    ok = [r for r in rows if r["exit"] == 0]
    walls = [r["wall_s"] for r in ok]
    return {"median_wall_s": median(walls), "min_wall_s": min(walls, default=None),
            "max_wall_s": max(walls, default=None),
            "peak_rss_mib": max([r["peak_rss_mib"] for r in ok], default=None),
            "runs": [{k: r[k] for k in ("wall_s", "peak_rss_mib", "exit")} for r in rows]}


def dominant_steps(rows: list[dict], top: int = 6) -> list[dict]:
    """The longest steps of the median pipeline run, with their share of its wall time."""
    ok = sorted((r for r in rows if r["exit"] == 0), key=lambda r: r["wall_s"])
    if not ok:
        return []
    run = ok[len(ok) // 2]
    steps = sorted(step_seconds(Path(run["log"])).items(), key=lambda kv: -kv[1])[:top]
    return [{"step": s, "seconds": sec, "share": round(sec / run["wall_s"], 3)} for s, sec in steps]


def size_key(scale: int, generator: str = "realistic") -> str:
    """results.json's key of a size: "100", or "100 replica" for the copying generator's export."""
    return str(scale) if generator == "realistic" else f"{scale} {generator}"


def landing_of(work_dir: Path, scale: int, generator: str = "realistic") -> Path:
    return work_dir / ("x" + size_key(scale, generator).replace(" ", "-"))


def bench_size(scale: int, runs: int, work_dir: Path, timeout: float, kinds: tuple[str, ...],
               generator: str = "realistic") -> dict:
    sys.path.insert(0, str(ROOT))
    from benchmarks.generate import FILE_NAME, write_export

    landing = landing_of(work_dir, scale, generator)
    export = landing / str(YEAR) / FILE_NAME
    if not export.exists():
        t = time.perf_counter()
        write_export(scale, landing, generator=generator)
        print(f"  generated {export} in {time.perf_counter() - t:.1f} s", flush=True)
    env = base_env()
    samples: dict[str, list[dict]] = {kind: [] for kind in kinds}
    for i in range(runs):  # interleaved: A B C D A B C D …
        for kind in kinds:
            cmd, run_env = command(kind, landing, export, work_dir / f"{kind}-x{scale}-{i}", env)
            sample = timed(cmd, run_env, timeout, work_dir / f"{kind}-x{scale}-{i}.log")
            samples[kind].append(sample)
            print(f"  x{scale} run {i + 1} {kind}: {sample['wall_s']} s, {sample['peak_rss_mib']} MiB, "
                  f"exit {sample['exit']}", flush=True)
            if sample["exit"] != 0:
                print(f"    see {sample['log']}", flush=True)
    entry = {"scale": scale, "generator": generator, "projects": 115 * scale, "responses": 119 * scale,
             "export_mib": round(export.stat().st_size / 2**20, 2),
             **{kind: summarise(rows) for kind, rows in samples.items()}}
    if "pipeline" in samples:
        entry["pipeline"]["dominant_steps"] = dominant_steps(samples["pipeline"])
    return entry


def ratios(entry: dict) -> dict:
    """pipeline / reference (the target's ratio) and pipeline / baseline."""
    pipeline = (entry.get("pipeline") or {}).get("median_wall_s")
    out = {}
    for other in ("reference", "baseline"):
        value = (entry.get(other) or {}).get("median_wall_s")
        out[other] = round(pipeline / value, 2) if pipeline and value else None
    return out


def machine() -> dict:
    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "cpu": cpu,
            "memory_gib": round(memory, 1), "platform": platform.platform()}


def import_time(runs: int) -> dict:
    cmd = [sys.executable, "-c", "import friskliv_pipeline.definitions"]
    walls = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, env=base_env())
        walls.append(time.perf_counter() - t)
    return {"command": "python -c 'import friskliv_pipeline.definitions'", "median_s": median(walls),
            "runs_s": [round(w, 3) for w in walls]}


def _cell(side: dict | None, key: str = "median_wall_s") -> str:
    if not side or side.get(key) is None:
        return "–"
    if key == "median_wall_s":
        return f"{side['median_wall_s']:.1f} ({side['min_wall_s']:.1f}–{side['max_wall_s']:.1f})"
    return f"{side[key]:.0f}"


def _order(entry: dict) -> tuple:
    return entry["scale"], entry.get("generator", "replica") != "realistic"


def _generator_note(entry: dict) -> str:
    """Which generator made the export: sizes measured before the realistic one existed are copies."""
    return "" if entry.get("generator") == "realistic" else ", copies of the demo"


def table(results: dict) -> str:
    """The README's table: medians with min–max, ratios, peak RSS, runs, what dominates."""
    m = results.get("machine", {})
    lines = [f"Measured {results.get('measured', '?')} on {m.get('cpus')} CPUs ({m.get('cpu') or 'unknown CPU'}), "
             f"{m.get('memory_gib')} GiB, Python {m.get('python')}, SQLite warehouse; wall seconds, median "
             f"(min–max) of the runs, each side in fresh processes, interleaved:",
             "",
             "| size | pipeline s | reference script s | ratio | old baseline s | `friskliv check` s | "
             "peak RSS MiB pipeline / reference | runs |",
             "|---|---|---|---|---|---|---|---|"]
    for key in sorted(results["sizes"], key=lambda k: _order(results["sizes"][k])):
        r = results["sizes"][key]
        ratio = ratios(r)
        runs = "+".join(str(len((r.get(k) or {}).get("runs", []))) for k in KINDS if r.get(k))
        lines.append(f"| {r['scale']}× ({r['projects']} projects{_generator_note(r)}) | {_cell(r.get('pipeline'))} | "
                     f"{_cell(r.get('reference'))} | {ratio['reference'] if ratio['reference'] is not None else '–'} | "
                     f"{_cell(r.get('baseline'))} | {_cell(r.get('check'))} | "
                     f"{_cell(r.get('pipeline'), 'peak_rss_mib')} / {_cell(r.get('reference'), 'peak_rss_mib')} | "
                     f"{runs} |")
    lines.append("")
    for key in sorted(results["sizes"], key=lambda k: _order(results["sizes"][k])):
        steps = (results["sizes"][key].get("pipeline") or {}).get("dominant_steps")
        if steps:
            lines.append(f"- Longest steps at {key}× (median run): " + ", ".join(
                f"{s['step']} {s['seconds']:.1f} s ({s['share']:.0%})" for s in steps))
    imp = results.get("import")
    if imp:
        lines.append(f"- Code-location import (`{imp['command']}`): median {imp['median_s']} s of {imp['runs_s']}")
    return "\n".join(lines)


def _measure(results: dict, key: str, side: str, measure: str):
    entry = results["sizes"].get(key)
    if not entry:
        return None
    if measure == "ratio":
        return ratios(entry)["reference"]
    value = (entry.get(side) or {}).get("peak_rss_mib" if measure == "peak_rss_gb" else measure)
    if value is None:
        return None
    return value * 2 ** 20 / 1e9 if measure == "peak_rss_gb" else value  # GB: 10^9 bytes


def targets(results: dict) -> list[dict]:
    """Each target of issue 31 with the measured value and whether it is met (None: not measured)."""
    out = []
    for what, key, side, measure, limit in TARGETS:
        value = _measure(results, key, side, measure)  # judged unrounded, shown rounded
        out.append({"target": what, "value": None if value is None else round(value, 2), "limit": limit,
                    "met": None if value is None else value <= limit, "unit": _UNITS[measure]})
    imp = results.get("import")
    if imp:
        out.append({"target": "code-location import ≤ 1.5 s", "value": imp["median_s"], "limit": 1.5,
                    "met": imp["median_s"] <= 1.5, "unit": " s"})
    return out


_UNITS = {"ratio": "×", "peak_rss_gb": " GB", "median_wall_s": " s"}


def targets_table(results: dict) -> str:
    lines = ["| target | measured | met |", "|---|---|---|"]
    for t in targets(results):
        shown = "not measured" if t["value"] is None else f"{t['value']}{t['unit']}"
        lines.append(f"| {t['target']} | {shown} | {'–' if t['met'] is None else ('yes' if t['met'] else '**no**')} |")
    return "\n".join(lines)


def summary(results: dict) -> str:
    """The README's performance paragraph: the pipeline at each realistic size and the targets met."""
    sizes = [results["sizes"][k] for k in sorted(results["sizes"], key=lambda k: _order(results["sizes"][k]))
             if results["sizes"][k].get("generator") == "realistic" and results["sizes"][k].get("pipeline")]
    parts = [f"{e['scale']}× the demo {e['pipeline']['median_wall_s']:.0f} s at a peak of "
             f"{e['pipeline']['peak_rss_mib']:.0f} MiB (an independent pandas script: "
             f"{(e.get('reference') or {}).get('median_wall_s', float('nan')):.1f} s)" for e in sizes]
    judged = targets(results)
    met = [t for t in judged if t["met"]]
    missed = [t for t in judged if t["met"] is False]
    m = results.get("machine", {})
    return (f"Measured {results.get('measured', '?')} on {m.get('cpus')} CPUs by `benchmarks/run.py` (SQLite "
            f"warehouse, realistic generator): " + "; ".join(parts) + ". Targets met: "
            + (", ".join(t["target"] for t in met) or "none") + "; not met: "
            + (", ".join(f"{t['target']} ({t['value']}{t['unit']})" for t in missed) or "none") + ".")


def between(text: str, start_marker: str, end_marker: str, body: str) -> str:
    start, end = text.index(start_marker) + len(start_marker), text.index(end_marker)
    return text[:start] + "\n" + body + "\n" + text[end:]


def write_readme(results: dict, readme: Path = README, project_readme: Path | None = PROJECT_README) -> None:
    """Replace the table between the benchmark markers in docs/performance.md (the measurements and
    the issue's targets, met or not), and the performance summary in the README."""
    text = readme.read_text(encoding="utf-8")
    readme.write_text(between(text, TABLE_START, TABLE_END, table(results) + "\n\n" + targets_table(results)),
                      encoding="utf-8")
    if project_readme is not None:
        text = project_readme.read_text(encoding="utf-8")
        project_readme.write_text(between(text, SUMMARY_START, SUMMARY_END, summary(results)), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 100, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS),
                        help="what to time (default: all); sides not timed keep their earlier results")
    parser.add_argument("--generator", choices=("realistic", "replica"), default="realistic",
                        help="the export's generator (benchmarks/generate.py); replica: the earlier figures' copies")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per single run")
    parser.add_argument("--work-dir", default="/tmp/friskliv-bench")
    parser.add_argument("--no-import", action="store_true", help="skip the code-location import timing")
    parser.add_argument("--results", default=str(RESULTS))
    parser.add_argument("--readme", action="store_true", help="rewrite the table in docs/performance.md")
    parser.add_argument("--readme-only", action="store_true",
                        help="rewrite the table in docs/performance.md from results.json, time nothing")
    args = parser.parse_args(argv)
    if args.readme_only:
        write_readme(json.loads(Path(args.results).read_text(encoding="utf-8")))
        return 0
    work_dir = Path(args.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    path = Path(args.results)
    results = json.loads(path.read_text()) if path.exists() else {}
    results.setdefault("sizes", {})
    results["machine"] = machine()
    results["measured"] = time.strftime("%Y-%m-%d", time.gmtime())
    if not args.no_import:
        results["import"] = import_time(args.runs)
        print(f"import friskliv_pipeline.definitions: {results['import']['median_s']} s", flush=True)
    for scale in args.sizes:
        print(f"size {scale}×", flush=True)
        entry = bench_size(scale, args.runs, work_dir, args.timeout, tuple(args.kinds), args.generator)
        entry["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        key = size_key(scale, args.generator)
        previous = results["sizes"].get(key, {})
        for kind in KINDS:  # a side not timed now keeps its earlier measurement
            if kind not in entry and kind in previous:
                entry[kind] = previous[kind]
        entry["ratio"] = ratios(entry)
        results["sizes"][key] = entry
        path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(table(results))
    if args.readme:
        write_readme(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
