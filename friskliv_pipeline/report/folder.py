"""The year's report folder, replaced as a whole: never half new.

Several steps write the report's files (figures, tables, both editions, the PDFs, the manifest). A
step that fails between them must not leave a new ``report.html`` beside the previous
``report.pdf`` and ``manifest.json``. So a run writes into a folder of its own,
``reports/.staging/<year>-<run id>/``, seeded with a copy of the published set (a run that
re-materializes one artifact still publishes a complete set), and the last step,
``report_manifest``, moves it into place:

1. ``reports/<year>`` is renamed aside to ``reports/.replaced/<year>-<run id>``;
2. the staging folder is renamed to ``reports/<year>``;
3. the folder set aside is removed.

Each rename is atomic on one file system. Between 1 and 2 (microseconds) there is no published
folder: whoever opens the folder next (``published_dir``) puts the set-aside one back, so a kill at
that moment leaves the previous complete set. A run that fails before its manifest leaves its
staging folder, which the next run of the year removes; the published folder is untouched.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

STAGING, REPLACED = ".staging", ".replaced"


def reports_root(data_dir: Path) -> Path:
    return Path(data_dir) / "reports"


def published_dir(data_dir: Path, grant_year: int | str) -> Path:
    """``reports/<year>``, where readers find the year's last complete set (restored if a swap was cut short)."""
    root = reports_root(data_dir)
    folder = root / str(grant_year)
    if not folder.exists():
        aside = sorted((root / REPLACED).glob(f"{grant_year}-*"), key=lambda p: p.stat().st_mtime)
        if aside:
            os.rename(aside[-1], folder)
    return folder


def staging_dir(data_dir: Path, grant_year: int | str, run_id: str) -> Path:
    """The run's own folder for the year's report files, created on first use from a copy of the
    published set; other runs' leftovers for the year are removed then."""
    root = reports_root(data_dir)
    folder = root / STAGING / f"{grant_year}-{run_id}"
    if folder.is_dir():
        return folder
    for stale in (root / STAGING).glob(f"{grant_year}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    published = published_dir(data_dir, grant_year)
    seeding = folder.with_name(folder.name + ".seeding")
    shutil.rmtree(seeding, ignore_errors=True)
    if published.is_dir():
        shutil.copytree(published, seeding)  # copies, not links: a step rewrites its files in place
    else:
        seeding.mkdir(parents=True)
    os.rename(seeding, folder)
    return folder


def draft_dir(data_dir: Path, grant_year: int | str) -> Path:
    """``reports/utkast/<year>``: the last analyst's draft of the year (never the published report)."""
    return reports_root(data_dir) / "utkast" / str(grant_year)


def publish_draft(data_dir: Path, grant_year: int | str, run_id: str) -> Path:
    """Put the run's staging folder (an analyst's draft) at ``draft_dir``, replacing the previous draft
    as a whole; the year's published folder is not touched."""
    root = reports_root(data_dir)
    return _swap(root / STAGING / f"{grant_year}-{run_id}", draft_dir(data_dir, grant_year),
                 root / REPLACED / f"utkast-{grant_year}-{run_id}")


def publish(data_dir: Path, grant_year: int | str, run_id: str) -> Path:
    """Put the run's staging folder in place of the published one; returns the published folder."""
    root = reports_root(data_dir)
    return _swap(root / STAGING / f"{grant_year}-{run_id}", published_dir(data_dir, grant_year),
                 root / REPLACED / f"{grant_year}-{run_id}")


def _swap(staged: Path, target: Path, aside: Path) -> Path:
    """``target`` set aside, ``staged`` renamed into its place, the set-aside folder removed (steps 1-3)."""
    aside.parent.mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(aside, ignore_errors=True)
    if target.exists():
        os.rename(target, aside)
    os.rename(staged, target)
    shutil.rmtree(aside, ignore_errors=True)
    return target
