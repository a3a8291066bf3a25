"""The ``dagster.yaml`` of the Dagster instances the project creates: declared once, here.

``friskliv run`` and ``friskliv instance`` (what ``make ui`` runs before ``dg dev``) write it into
``DAGSTER_HOME`` when there is none, and add the UI settings to one that lacks them (a
``dagster.yaml`` written by an older version): in place, keeping its other keys and comments.
``deploy/dagster.yaml`` is a static copy for production; tests/test_instance.py keeps it in step.

Dagster is not imported here, so ``friskliv instance`` stays quick.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import yaml

from friskliv_pipeline.core.errors import FrisklivError
from friskliv_pipeline.core.project_files import DEPLOY_DIR

DEPLOYED_CONFIG = DEPLOY_DIR / "dagster.yaml"

# What every instance of the project carries, also one that existed before: the webserver's
# first-visit "Join the Dagster community" dialog off (``DagsterInstance.nux_enabled``); on a fresh
# DAGSTER_HOME it covers the asset graph an analyst opens `make ui` for, screenshots included.
UI_SETTINGS = {"nux": {"enabled": False}}


def instance_config() -> dict:
    """deploy/dagster.yaml's run queue limits (one run per grant year; they apply to runs submitted
    through the queue: the UI, sensors, schedules, automation), telemetry off (no network here) and
    :data:`UI_SETTINGS`. Storage stays Dagster's default: SQLite files in DAGSTER_HOME."""
    deployed = yaml.safe_load(DEPLOYED_CONFIG.read_text(encoding="utf-8"))
    return {"concurrency": deployed["concurrency"], "telemetry": {"enabled": False}, **UI_SETTINGS}


def instance_yaml() -> str:
    return yaml.safe_dump(instance_config(), sort_keys=False)


def ensure_instance_config(home: str | os.PathLike) -> tuple[Path, str]:
    """Make ``<home>/dagster.yaml`` carry the project's settings; returns its path and what was done
    ("created", "upgraded" or "unchanged").

    A missing file (or folder) is created with :func:`instance_config`. An existing file gains the
    top-level keys of :data:`UI_SETTINGS` it lacks, appended as text so its other keys and its
    comments stay; a key it already sets is left as it is (someone chose it). The file is replaced
    atomically: two processes upgrading it at once write the same text, never a half of it.
    """
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    if not path.exists():
        _write(path, instance_yaml())
        return path, "created"
    text = path.read_text(encoding="utf-8")
    try:
        current = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FrisklivError(f"{path} is not valid YAML ({error}). What to do: correct it, or move it away and "
                            f"run again to get a new one") from error
    current = {} if current is None else current
    if not isinstance(current, dict):
        raise FrisklivError(f"{path} is not a YAML mapping of instance settings. What to do: correct it, or move "
                            f"it away and run again to get a new one")
    missing = {key: value for key, value in UI_SETTINGS.items() if key not in current}
    if not missing:
        return path, "unchanged"
    upgraded = (text if not text or text.endswith("\n") else text + "\n") + (
        "\n# added by friskliv: the webserver's first-visit dialog off (friskliv_pipeline/operations/instance.py)\n"
        + yaml.safe_dump(missing, sort_keys=False))
    if not _reads_as(upgraded, {**current, **missing}):  # e.g. a file written as one {flow: mapping}
        upgraded = yaml.safe_dump({**current, **missing}, sort_keys=False)
    _write(path, upgraded)
    return path, "upgraded"


def _reads_as(text: str, expected: dict) -> bool:
    try:
        return yaml.safe_load(text) == expected
    except yaml.YAMLError:
        return False


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".dagster.yaml.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        if path.exists():
            shutil.copymode(path, tmp)
        else:
            os.chmod(tmp, 0o644)  # what a plain write gives (mkstemp's file is 0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

