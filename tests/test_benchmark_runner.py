"""The benchmark runner's bookkeeping (not a timed test: the timing is `benchmarks/run.py` itself).

The performance table (docs/performance.md) is generated from benchmarks/results.json, never edited by hand,
and "what dominates" is read from the step lines `friskliv run` prints.
"""

from __future__ import annotations

import json

from benchmarks.run import (
    README, RESULTS, TABLE_END, TABLE_START, dominant_steps, ratios, step_seconds, table, write_readme,
)
from friskliv_pipeline.operations.progress import step_line


def test_the_readme_table_is_the_one_generated_from_results_json(tmp_path):
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    text = README.read_text(encoding="utf-8")
    shown = text[text.index(TABLE_START) + len(TABLE_START):text.index(TABLE_END)].strip()
    assert shown == table(results), "docs/performance.md is out of date: run benchmarks/run.py --readme-only"
    copy = tmp_path / "README.md"
    copy.write_text(text.replace(shown, "stale"), encoding="utf-8")
    write_readme(results, copy)
    assert copy.read_text(encoding="utf-8") == text


def test_every_size_reports_the_pipeline_against_the_reference():
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    assert {"1", "1000"} <= set(results["sizes"])
    for entry in results["sizes"].values():
        pipeline, reference = entry["pipeline"], entry["reference"]
        assert pipeline["min_wall_s"] <= pipeline["median_wall_s"] <= pipeline["max_wall_s"]
        assert ratios(entry)["reference"] == round(pipeline["median_wall_s"] / reference["median_wall_s"], 2)
        assert entry["ratio"] == ratios(entry)


def test_dominant_steps_come_from_the_step_lines_of_the_median_run(tmp_path):
    def log(name, steps):
        path = tmp_path / name
        path.write_text("grant year 2024: running\n" + "\n".join(
            step_line(step, True, seconds, [10], []) for step, seconds in steps) + "\n", encoding="utf-8")
        return str(path)

    runs = [{"wall_s": 30.0, "exit": 0, "log": log("a.log", [("staging__raw_responses", 1.0), ("clean_tables", 20.0)])},
            {"wall_s": 10.0, "exit": 0, "log": log("b.log", [("clean_tables", 2.0), ("report_pdf", 5.0)])},
            {"wall_s": 20.0, "exit": 0, "log": log("c.log", [("clean_tables", 4.0), ("report_pdf", 8.0)])}]
    assert step_seconds(runs[0]["log"]) == {"staging/raw_responses": 1.0, "clean_tables": 20.0}
    assert dominant_steps(runs) == [{"step": "report_pdf", "seconds": 8.0, "share": 0.4},
                                    {"step": "clean_tables", "seconds": 4.0, "share": 0.2}]
