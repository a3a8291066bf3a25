"""The wheel runs where it is installed: what the Helm sample's `pip install .` puts in an image.

The wheel is built from this checkout; the fast test reads its file list, the slow one installs it
into a new virtual environment outside the checkout and runs one grant year from another folder,
with the reference folder, the landing folder and the data folder given as the deployment gives
them (FRISKLIV_REFERENCE_DIR, FRISKLIV_LANDING_DIR, FRISKLIV_DATA_DIR).

The new environment gets the locked dependencies without a multi-minute install: one ``.pth`` line
puts this interpreter's site-packages after its own. Python processes the ``.pth`` files of a
site-packages folder only, not of a folder a ``.pth`` line adds, so the editable install's finder
(which maps ``friskliv_pipeline`` to the checkout) stays out; the test checks that it did.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from friskliv_pipeline import __version__
from tests.conftest import REFERENCE_DIR, ROOT

PACKAGE = ROOT / "friskliv_pipeline"
SHIPPED = "friskliv_pipeline/_shipped"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built as an image's `pip install .` builds it: from a copy of the checkout's tracked
    files (as a Dockerfile's COPY gives it; setuptools' build/ of an earlier build in the checkout could
    otherwise put a deleted module back in), offline (no build isolation)."""
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source") / "friskliv-pipeline"
    ignore = shutil.ignore_patterns(".git", ".venv", "build", "data", "*.egg-info", "__pycache__", ".pytest_cache",
                                    ".hypothesis", "test-artifacts")
    shutil.copytree(ROOT, source, ignore=ignore)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    str(source), "-w", str(out)], check=True, capture_output=True, text=True, timeout=300)
    return next(out.glob("friskliv_pipeline-*.whl"))


def _expected_members() -> set[str]:
    """What the wheel must hold, from the checkout: every module, every template, and each file the
    package runs from the repository's own folders (SQL models, suites, re-performance queries)."""
    files = {f"friskliv_pipeline/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*")
             if p.is_file() and (p.suffix == ".py" or p.suffix == ".j2") and "__pycache__" not in p.parts}
    shipped = [*(ROOT / "dbt_like_sql" / "models").iterdir(), *(ROOT / "dbt_like_sql" / "macros").iterdir(),
               ROOT / "dbt_like_sql" / "column_lineage.json",
               *(p for p in (ROOT / "expectations").rglob("*") if p.is_file()), ROOT / "deploy" / "dagster.yaml"]
    return files | {f"{SHIPPED}/{p.relative_to(ROOT).as_posix()}" for p in shipped}


def test_the_wheel_holds_the_code_models_suites_and_templates_and_no_reference_file(wheel):
    members = set(zipfile.ZipFile(wheel).namelist())
    assert _expected_members() - members == set()
    assert any(m.endswith(".sql") and "/reperform/" in m for m in members)
    # The reference folder (the questionnaire among it) is the analysts' and is mounted, never shipped:
    # a copy in the wheel could disagree with the folder the forms and the commentary come from.
    reference = {p.name for p in REFERENCE_DIR.rglob("*") if p.is_file()} - {"README.md"}
    assert {m for m in members if m.rsplit("/", 1)[-1] in reference} == set()


def _venv_outside_the_checkout(root: Path, wheel: Path) -> Path:
    """A virtual environment with the wheel installed, this interpreter's dependencies behind it."""
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    own = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                         check=True, capture_output=True, text=True).stdout.strip()
    # Installed before the dependencies are visible and without PYTHONPATH: pip would otherwise find
    # this checkout's package among them and call the requirement satisfied.
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
                    "--no-index", str(wheel)], check=True, capture_output=True, text=True, timeout=300, env=_outside())
    locked = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(own) / "locked_dependencies.pth").write_text("".join(f"{p}\n" for p in locked), encoding="utf-8")
    return venv


def _outside() -> dict[str, str]:
    """This process's environment less what points at the checkout or at its folders."""
    return {k: v for k, v in os.environ.items()
            if k not in {"PYTHONPATH", "DAGSTER_HOME", "VIRTUAL_ENV"} and not k.startswith("FRISKLIV_")}


def _deployment_env(root: Path) -> dict[str, str]:
    """The environment of a deployed image: the three folders set, nothing pointing at the checkout."""
    env = _outside()
    reference = shutil.copytree(REFERENCE_DIR, root / "mounted" / "reference")
    env.update(FRISKLIV_REFERENCE_DIR=str(reference), FRISKLIV_LANDING_DIR=str(root / "mounted" / "landing"),
               FRISKLIV_DATA_DIR=str(root / "mounted" / "data"))
    return env


WHERE = """
import json, sys
import friskliv_pipeline
from friskliv_pipeline.core import project_files
print(json.dumps({
    "package": friskliv_pipeline.__file__, "installed": project_files.installed(),
    "folders": [str(project_files.SQL_PROJECT_DIR), str(project_files.EXPECTATIONS_DIR), str(project_files.DEPLOY_DIR)],
    "finders": [getattr(f, "__module__", type(f).__module__) for f in sys.meta_path],
    "path": sys.path,
}))
"""


@pytest.mark.slow
def test_the_installed_wheel_runs_a_grant_year_from_another_folder(wheel, tmp_path):
    venv = _venv_outside_the_checkout(tmp_path, wheel)
    env = _deployment_env(tmp_path)
    work = tmp_path / "work"
    work.mkdir()

    def friskliv(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(venv / "bin" / "friskliv"), *args], cwd=work, env=env, capture_output=True,
                              text=True, timeout=900)

    probe = subprocess.run([str(venv / "bin" / "python"), "-c", WHERE], cwd=work, env=env, capture_output=True,
                           text=True)
    assert probe.returncode == 0, probe.stderr
    where = json.loads(probe.stdout)
    assert Path(where["package"]).is_relative_to(venv) and where["installed"]
    assert all(Path(folder).is_relative_to(venv) for folder in where["folders"]), where["folders"]
    assert not any(m.startswith("__editable__") for m in where["finders"]), where["finders"]
    # The locked dependencies' site-packages may sit in the checkout (.venv/ in CI); nothing else may.
    dependencies = Path(sysconfig.get_paths()["purelib"]).resolve()
    in_checkout = [p for p in where["path"] if p and Path(p).resolve().is_relative_to(ROOT)]
    assert all(Path(p).resolve() == dependencies for p in in_checkout), where["path"]

    demo = friskliv("demo-data", "--year", "2024")
    assert demo.returncode == 0, demo.stderr
    run = friskliv("run", "--year", "2024")
    assert run.returncode == 0, run.stdout + run.stderr

    reports = Path(env["FRISKLIV_DATA_DIR"]) / "reports" / "2024"
    for name in ("report.html", "report.pdf", "revisjon.html", "revisjon.pdf", "tables.xlsx", "manifest.json"):
        assert (reports / name).stat().st_size > 0, name
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["code_version"] == __version__  # an installed wheel names no commit

    docs = friskliv("docs")  # writes into a checkout: refused, with what to do
    assert docs.returncode == 2 and "run it in a checkout" in docs.stderr, docs.stderr
    unset = {k: v for k, v in env.items() if k != "FRISKLIV_REFERENCE_DIR"}
    contract = subprocess.run([str(venv / "bin" / "python"), "-c", "import friskliv_pipeline.core.contract"],
                              cwd=work, env=unset, capture_output=True, text=True)
    assert contract.returncode == 1 and "point FRISKLIV_REFERENCE_DIR at the reference folder" in contract.stderr
