"""The dagster.yaml of the instances the project creates (friskliv_pipeline/operations/instance.py): written by
`friskliv run` and `make ui` (`friskliv instance`), added to an older file in place, the same UI
settings as the shipped deploy/dagster.yaml. The UI itself: tests/test_ui_smoke.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from dagster import DagsterInstance

from friskliv_pipeline.core.errors import FrisklivError
from friskliv_pipeline.operations.instance import UI_SETTINGS, ensure_instance_config, instance_config
from tests.conftest import ROOT

BIN = Path(sys.executable).parent
# dagster.yaml as versions before the UI settings wrote it (cli._instance_yaml), plus someone's own
# key and comment and no newline at the end
OLDER = ("# my instance\nconcurrency:\n  runs:\n    max_concurrent_runs: 2\ntelemetry:\n  enabled: false\n"
         "run_monitoring:\n  enabled: true  # kept")


def _nux_enabled(home: Path) -> bool:
    with DagsterInstance.from_config(str(home)) as instance:
        return instance.nux_enabled


def test_the_first_visit_dialog_is_off_in_the_generated_and_the_shipped_config():
    assert UI_SETTINGS == {"nux": {"enabled": False}}
    deployed = yaml.safe_load((ROOT / "deploy" / "dagster.yaml").read_text(encoding="utf-8"))
    generated = instance_config()
    for key, value in UI_SETTINGS.items():
        assert generated[key] == deployed[key] == value, key


def test_a_new_dagster_home_gets_the_project_config(tmp_path):
    home = tmp_path / "not" / "there"
    path, done = ensure_instance_config(home)
    assert (path, done) == (home / "dagster.yaml", "created")
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == instance_config()
    assert _nux_enabled(home) is False


def test_an_older_dagster_yaml_is_upgraded_in_place(tmp_path):
    (tmp_path / "dagster.yaml").write_text(OLDER, encoding="utf-8")
    assert _nux_enabled(tmp_path) is True  # what the analyst met: the dialog over the asset graph
    path, done = ensure_instance_config(tmp_path)
    assert done == "upgraded"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(OLDER + "\n")  # its keys, values and comments as they were
    assert yaml.safe_load(text) == {**yaml.safe_load(OLDER), **UI_SETTINGS}
    assert _nux_enabled(tmp_path) is False
    assert ensure_instance_config(tmp_path) == (path, "unchanged")
    assert path.read_text(encoding="utf-8") == text


def test_a_flow_style_dagster_yaml_is_upgraded_too(tmp_path):
    (tmp_path / "dagster.yaml").write_text("{telemetry: {enabled: false}}", encoding="utf-8")
    path, done = ensure_instance_config(tmp_path)
    assert done == "upgraded"
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == {"telemetry": {"enabled": False}, **UI_SETTINGS}


def test_a_nux_setting_someone_chose_is_kept(tmp_path):
    (tmp_path / "dagster.yaml").write_text("nux:\n  enabled: true\n", encoding="utf-8")
    assert ensure_instance_config(tmp_path)[1] == "unchanged"
    assert (tmp_path / "dagster.yaml").read_text(encoding="utf-8") == "nux:\n  enabled: true\n"


def test_a_dagster_yaml_that_is_not_a_mapping_is_a_readable_error(tmp_path):
    (tmp_path / "dagster.yaml").write_text("- telemetry\n", encoding="utf-8")
    with pytest.raises(FrisklivError, match="not a YAML mapping"):
        ensure_instance_config(tmp_path)


def _make_ui_until_dg_dev() -> str:
    """`make ui`'s recipe as make runs it, without the install step and with `dg dev` replaced by
    printing the DAGSTER_HOME it would get."""
    # Under `make test` this make is a sub-make: without --no-print-directory it announces the directory.
    lines = subprocess.run(["make", "--no-print-directory", "-n", "ui"], cwd=ROOT, capture_output=True,
                           text=True, check=True, timeout=60).stdout.splitlines()
    assert lines[0] == "bash scripts/bootstrap.sh"
    recipe = "\n".join(lines[1:])
    dg_dev = ".venv/bin/dg dev --host 127.0.0.1"
    assert dg_dev in recipe, recipe
    return (recipe.replace(dg_dev, 'echo "dg dev on $DAGSTER_HOME"')
            .replace(".venv/bin/friskliv", str(BIN / "friskliv")))


def test_make_ui_gives_dg_dev_an_instance_without_the_dialog(tmp_path):
    """On a checkout without data/dagster_home, then on one whose dagster.yaml an older version wrote."""
    script = _make_ui_until_dg_dev()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("DAGSTER_HOME", None)
    home = tmp_path / "data" / "dagster_home"
    for expected in ("created", "upgraded"):
        proc = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.splitlines() == [f"{home / 'dagster.yaml'} ({expected})", f"dg dev on {home}"]
        assert yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8"))["nux"] == {"enabled": False}
        (home / "dagster.yaml").write_text(OLDER, encoding="utf-8")
