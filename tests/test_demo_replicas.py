"""The benchmark's export generators (friskliv_pipeline/demo/replicas.py): seeded, and the realistic one
makes findings grow about as the demo's do per project, not one per replica and reason.

Not a timed test: the benchmark itself is `python benchmarks/run.py` (docs/performance.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from friskliv_pipeline.core.settings import PROJECT_ROOT
from friskliv_pipeline.demo.exports import NB_METADATA
from friskliv_pipeline.demo.replicas import scaled_rows, write_export
from friskliv_pipeline.forms.schema import load_form_schema
from friskliv_pipeline.operations.preflight import preflight

REFERENCE = PROJECT_ROOT / "assets" / "reference"
DEMO = PROJECT_ROOT / "assets" / "raw" / "2024" / "friskliv_rapportering_2024.xlsx"
SCALE = 3  # small: a few projects per municipality, as in a real year


def _per_project(path: Path, scale: int) -> tuple[float, int]:
    """(findings and other listed records per project, possible duplicates) of ``friskliv check``'s suites."""
    listed = preflight(path, 2024, REFERENCE).check_findings
    return len(listed) / (115 * scale), int((listed["rule"] == "q14.possible_duplicate").sum())


@pytest.mark.parametrize("generator", ["realistic", "replica"])
def test_one_seed_gives_the_same_bytes(tmp_path, generator):
    first = write_export(2, tmp_path / "a", REFERENCE, generator).read_bytes()
    assert write_export(2, tmp_path / "b", REFERENCE, generator).read_bytes() == first


def test_another_seed_draws_other_replicas(tmp_path):
    assert write_export(2, tmp_path / "a", REFERENCE, seed=1).read_bytes() != \
        write_export(2, tmp_path / "b", REFERENCE, seed=2).read_bytes()


def test_realistic_replicas_vary_what_the_duplicate_rule_compares():
    headers, rows = scaled_rows(2, REFERENCE)
    _, copies = scaled_rows(2, REFERENCE, "replica")
    n = len(rows) // 2
    assert rows[:n] == copies[:n], "the first replica is the demo's rows under both generators"
    ids = [q.id for q in load_form_schema(REFERENCE, 2024).questions]
    for question in ("q14", "q15", "q22", "q23"):  # municipality, target groups, lead service, grant
        column = len(NB_METADATA) + ids.index(question)
        changed = sum(a[column] != b[column] for a, b in zip(rows[n:], copies[n:]) if b[column] is not None)
        assert changed > n // 3, f"{headers[column]}: {changed} of {n} rows changed"


def test_findings_grow_at_about_the_demos_rate(tmp_path):
    demo_rate, _ = _per_project(DEMO, 1)
    realistic, realistic_duplicates = _per_project(write_export(SCALE, tmp_path / "r", REFERENCE), SCALE)
    copies, copy_duplicates = _per_project(write_export(SCALE, tmp_path / "c", REFERENCE, "replica"), SCALE)
    assert 0.5 * demo_rate <= realistic <= 1.5 * demo_rate, (demo_rate, realistic)
    assert copies > 2 * demo_rate, "the copies make every replica a possible duplicate of its original"
    assert realistic_duplicates < copy_duplicates / 3
