"""Where the pipeline reads and writes, from the environment (one place, documented in docs/data-engineers.md).

Dagster resources read the same variables through ``EnvVar``; this module gives the CLI and the
tests the same defaults without importing Dagster.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from friskliv_pipeline.core.project_files import CHECKOUT_DIR, installed

PROJECT_ROOT = CHECKOUT_DIR  # the checkout root when run from one, declared in core/project_files.py

ENV_LANDING_DIR = "FRISKLIV_LANDING_DIR"
ENV_REFERENCE_DIR = "FRISKLIV_REFERENCE_DIR"
ENV_DATA_DIR = "FRISKLIV_DATA_DIR"
ENV_WAREHOUSE_URL = "FRISKLIV_WAREHOUSE_URL"
ENV_PSEUDONYM_KEY = "FRISKLIV_PSEUDONYM_KEY"


def _path(env: str, default: Path) -> Path:
    value = os.environ.get(env, "").strip()
    path = Path(value) if value else default
    return path if path.is_absolute() else (Path.cwd() / path)


@dataclass(frozen=True)
class Settings:
    """Resolved locations. Relative paths in the environment are taken from the working directory."""

    landing_dir: Path
    reference_dir: Path
    data_dir: Path
    warehouse_url: str

    @classmethod
    def from_env(cls) -> "Settings":
        data_dir = _path(ENV_DATA_DIR, Path.cwd() / "data")
        url = os.environ.get(ENV_WAREHOUSE_URL, "").strip() or default_warehouse_url(data_dir)
        return cls(
            landing_dir=_path(ENV_LANDING_DIR, default_folders()[0]),
            reference_dir=_path(ENV_REFERENCE_DIR, default_folders()[1]),
            data_dir=data_dir,
            warehouse_url=url,
        )


def default_folders() -> tuple[Path, Path]:
    """The landing and reference folders when their variables are unset: in a checkout its demo
    (``assets/raw``, ``assets/reference``); an installed wheel has no demo, so ``landing/`` and
    ``reference/`` in the working directory, as ``data/`` is everywhere."""
    if installed():
        return Path.cwd() / "landing", Path.cwd() / "reference"
    return PROJECT_ROOT / "assets" / "raw", PROJECT_ROOT / "assets" / "reference"


def default_warehouse_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir).resolve() / 'warehouse.sqlite'}"
