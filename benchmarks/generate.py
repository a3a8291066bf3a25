"""Synthetic 2024 exports at N× the demo size (115 × N projects), with the demo's messiness.

The 1× export holds exactly the demo's rows. Each further replica copies every demo row (money
in every notation, names in any case, "Begge disse gruppene", resubmissions, the competence-only
response, repeated identical competence reports, the planted findings) with new response IDs
and the project title suffixed by the replica number, so resubmission dedupe keeps one project
per replica and per demo project: N× holds 115·N projects and 119·N responses.

    python benchmarks/generate.py --scale 10 --landing-dir /tmp/friskliv-bench/x10
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from friskliv_pipeline.demo.exports import NB_METADATA, build_year  # noqa: E402
from friskliv_pipeline.core.settings import Settings  # noqa: E402

YEAR = 2024
FILE_NAME = "friskliv_rapportering_2024.xlsx"


def replica_rows(scale: int, reference_dir: Path) -> tuple[list[str], list[list]]:
    """Headers and cell rows of the N× export (as the demo writes the 2024 workbook)."""
    rows, builder = build_year(YEAR, reference_dir)
    questions = [q.header for q in builder.form.questions]
    title = builder.h["q13"]
    shown = [h.replace("Prosjekttittel", "Prosjekttittel\u00a0 ") for h in questions]
    headers = NB_METADATA + shown
    n = len(rows)
    matrix: list[list] = []
    for r in range(scale):
        for i, row in enumerate(rows):
            cells = [row.get(h) for h in questions]
            if r and row.get(title):
                cells[questions.index(title)] = f"{row[title]} del {r + 1}"
            matrix.append([r * n + i + 1, row["_started"], row["_completed"], row["email"], row["name"],
                           row["_completed"]] + cells)
    return headers, matrix


def write_export(scale: int, landing_dir: Path, reference_dir: Path | None = None) -> Path:
    """Write ``<landing_dir>/2024/friskliv_rapportering_2024.xlsx`` at ``scale``× and return its path."""
    from openpyxl import Workbook

    reference_dir = reference_dir or Settings.from_env().reference_dir
    headers, matrix = replica_rows(scale, reference_dir)
    out = Path(landing_dir) / str(YEAR)
    out.mkdir(parents=True, exist_ok=True)
    wb = Workbook(write_only=True)  # streaming writer: 1000× is ~119 000 rows
    ws = wb.create_sheet("Sheet1")
    ws.append(headers)
    for row in matrix:
        ws.append(row)
    path = out / FILE_NAME
    tmp = path.with_suffix(".part")
    wb.save(tmp)
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, required=True, help="multiple of the 2024 demo (1, 10, 100, 1000)")
    parser.add_argument("--landing-dir", required=True, help="writes <landing-dir>/2024/" + FILE_NAME)
    args = parser.parse_args(argv)
    print(write_export(args.scale, Path(args.landing_dir)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
