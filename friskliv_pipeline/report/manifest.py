"""manifest.json: which export produced which report. Every artifact and input with its sha256,
row counts of the tables the report reads, the Dagster run id and the code version."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

from friskliv_pipeline import __version__
from friskliv_pipeline.forms.export_reader import sha256_of
from friskliv_pipeline.core.project_files import installed
from friskliv_pipeline.core.settings import PROJECT_ROOT


def code_version() -> str:
    """The package version plus the git commit when the code runs from a checkout. An installed
    wheel records its version only: the folder around site-packages may be some other repository
    (a virtual environment inside a checkout), whose commit says nothing about this code."""
    if installed():
        return __version__
    try:
        commit = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=5)
        dirty = subprocess.run(["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5)
        if commit.returncode == 0:
            return f"{__version__}+g{commit.stdout.strip()}{'.dirty' if dirty.stdout.strip() else ''}"
    except (OSError, subprocess.SubprocessError):
        pass
    return __version__


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


def write_manifest(target: Path, grant_year: int, run_id: str, artifacts: list[Path], inputs: list[dict],
                   row_counts: dict[str, int], analyst_texts: list[dict] | None = None,
                   auditor_only: frozenset[str] = frozenset()) -> Path:
    """``auditor_only``: the artifacts that are the auditor's package (the auditor's edition and
    workbook, the export copy with respondents' names and e-mails), marked ``"audience": "auditor"``;
    every other artifact is ``"public"``. Whoever publishes from the manifest publishes only those."""
    manifest = {
        "grant_year": grant_year,
        "run_id": run_id,
        "code_version": code_version(),
        "generated_at": utc_now(),
        "inputs": inputs,
        "analyst_texts": analyst_texts or [],  # commentary, theme lists and rule wording under the reference dir
        "artifacts": [{"file": p.name, "sha256": sha256_of(p), "bytes": p.stat().st_size,
                       "audience": "auditor" if p.name in auditor_only else "public"} for p in sorted(artifacts)],
        "row_counts": row_counts,
    }
    target.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target
