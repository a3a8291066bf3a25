"""The 2024 demo export at N× its size, for the benchmarks (``benchmarks/generate.py``).

Replica 1 is the demo's own rows. Every further replica copies every demo row (money in every
notation, names in any case, resubmissions, the competence-only response, repeated competence
reports, the planted findings) with new response IDs and the project title suffixed by the replica
number, so resubmission dedupe keeps one project per replica and demo project: N× holds 115·N
projects and 119·N responses. Two generators differ in what a further replica changes:

- ``realistic`` (default): each project draws again, from the demo's own value sets and rates within
  its county, its municipality, lead service (q22), target groups (q15) and grant amount (the demo's
  grant × 0.5–1.5, in whole thousands), seeded: the same seed gives the same bytes. A replica is then
  not a copy of its original, and the findings grow about as the demo's do per project.
- ``replica`` (the generator of the earlier benchmark figures): copies only, so every replica is a
  possible duplicate of its original (``q14.possible_duplicate``); kept so those figures stay comparable.
"""

from __future__ import annotations

import random
import re
import tempfile
from pathlib import Path

from friskliv_pipeline.demo.exports import (
    LEAD_OTHER, NB_METADATA, SEED, DemoBuilder, _money_text, _name_variant, build_year, deterministic_copy,
)

YEAR = 2024
FILE_NAME = "friskliv_rapportering_2024.xlsx"
GENERATORS = ("realistic", "replica")


def _title_key(title: str) -> str:
    """A project's title as resubmission dedupe compares it (a resubmission differs in case, spacing, a dot)."""
    return " ".join(str(title).split()).rstrip(".").casefold()


class _Variation:
    """What a realistic replica draws for a project, once per (replica, project): a resubmission's
    earlier and later rows (one county, one title but for case and spacing) get the same municipality, lead service and target groups."""

    def __init__(self, builder: DemoBuilder, rng: random.Random):
        self.builder, self.rng = builder, rng
        t = builder.targets
        total = sum(t.projects.values())
        self.p_both, self.p_other = t.target_both / total, t.target_other / total
        self.leads, self.lead_weights = list(t.lead), list(t.lead.values())
        self.lead_labels = {o.key: o.label for o in builder.form.question("q22").options}

    def draw(self, county: str) -> dict:
        b, rng = self.builder, self.rng
        pool = b.bydeler if county == "Oslo" else b.municipalities[county]
        lead = rng.choices(self.leads, weights=self.lead_weights)[0]
        b.rng = rng  # the demo's own wording of q15 (and of names and money) draws from this replica's rng
        return {"municipality": _name_variant(rng, rng.choice(pool)),  # written alike in both rows
                "lead": rng.choice(LEAD_OTHER) if lead == "other" else self.lead_labels[lead],
                "targets": b._targets(rng.random() < self.p_both, rng.random() < self.p_other),
                "factor": rng.uniform(0.5, 1.5)}


def _amount(text) -> int | None:
    digits = re.sub(r"\D", "", str(text or ""))
    return int(digits) if digits else None


def scaled_rows(scale: int, reference_dir: Path, generator: str = "realistic",
                seed: int = SEED) -> tuple[list[str], list[list]]:
    """Headers and cell rows of the N× export (as the demo writes the 2024 workbook)."""
    if generator not in GENERATORS:
        raise ValueError(f"unknown generator {generator!r}: one of {', '.join(GENERATORS)}")
    rows, builder = build_year(YEAR, reference_dir)
    questions = [q.header for q in builder.form.questions]
    h = builder.h
    title, county_of = h["q13"], h["q01"]
    at = {q: questions.index(h[q]) for q in ("q13", "q14", "q15", "q22", "q23")}
    shown = [c.replace("Prosjekttittel", "Prosjekttittel\u00a0 ") for c in questions]
    n = len(rows)
    matrix: list[list] = []
    for r in range(scale):
        rng = random.Random(f"{seed}:{r}")
        vary = _Variation(builder, rng) if generator == "realistic" and r else None
        drawn: dict[tuple[str, str], dict] = {}
        for i, row in enumerate(rows):
            cells = [row.get(c) for c in questions]
            if r and row.get(title):
                cells[at["q13"]] = f"{row[title]} del {r + 1}"
                if vary is not None:
                    county = row[county_of]
                    v = drawn.get((county, _title_key(row[title])))
                    if v is None:
                        v = drawn[county, _title_key(row[title])] = vary.draw(county)
                    cells[at["q14"]] = v["municipality"]
                    cells[at["q22"]], cells[at["q15"]] = v["lead"], v["targets"]
                    amount = _amount(cells[at["q23"]])
                    if amount:
                        cells[at["q23"]] = _money_text(rng, int(round(amount * v["factor"] / 1000)) * 1000)
            matrix.append([r * n + i + 1, row["_started"], row["_completed"], row["email"], row["name"],
                           row["_completed"]] + cells)
    return NB_METADATA + shown, matrix


def write_export(scale: int, landing_dir: Path, reference_dir: Path, generator: str = "realistic",
                 seed: int = SEED) -> Path:
    """Write ``<landing_dir>/2024/friskliv_rapportering_2024.xlsx`` at ``scale``× and return its path;
    its bytes depend only on (scale, generator, seed)."""
    from openpyxl import Workbook

    headers, matrix = scaled_rows(scale, reference_dir, generator, seed)
    out = Path(landing_dir) / str(YEAR)
    out.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)  # streaming writer: 1000× is ~119 000 rows
    ws = wb.create_sheet("Sheet1")
    ws.append(headers)
    for row in matrix:
        ws.append(row)
    del matrix
    path = out / FILE_NAME
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        saved = Path(tmp) / FILE_NAME
        wb.save(saved)
        part = path.with_suffix(".part")
        deterministic_copy(saved, part)
        part.replace(path)
    return path
