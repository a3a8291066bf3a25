"""Synthetic 2024 exports at N× the demo size (115 × N projects), with the demo's messiness.

The generators live beside the demo's (``friskliv_pipeline.demo.replicas``): ``realistic`` (the
default) varies each further replica's municipality, lead service, target groups and grant amount
the way the demo's rows vary; ``replica`` copies the demo's rows, as the earlier benchmark figures
did (every replica a possible duplicate of its original).

    python benchmarks/generate.py --scale 10 --landing-dir /tmp/friskliv-bench/x10 [--generator replica]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from friskliv_pipeline.core.settings import Settings  # noqa: E402
from friskliv_pipeline.demo import replicas  # noqa: E402
from friskliv_pipeline.demo.replicas import FILE_NAME, GENERATORS  # noqa: E402, F401 (FILE_NAME: the runners')


def write_export(scale: int, landing_dir: Path, reference_dir: Path | None = None,
                 generator: str = "realistic") -> Path:
    """Write ``<landing_dir>/2024/friskliv_rapportering_2024.xlsx`` at ``scale``× and return its path."""
    return replicas.write_export(scale, landing_dir, reference_dir or Settings.from_env().reference_dir, generator)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, required=True, help="multiple of the 2024 demo (1, 10, 100, 1000)")
    parser.add_argument("--landing-dir", required=True, help="writes <landing-dir>/2024/" + FILE_NAME)
    parser.add_argument("--generator", choices=GENERATORS, default="realistic",
                        help="realistic: replicas vary as the demo's rows do; replica: copies (earlier figures)")
    args = parser.parse_args(argv)
    print(write_export(args.scale, Path(args.landing_dir), generator=args.generator))
    return 0


if __name__ == "__main__":
    sys.exit(main())
