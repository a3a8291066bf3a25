"""Packaging: what `make test` / `make demo` install is the lock file, and it covers what the code imports."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import subprocess
import sys
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
LOCAL = {"friskliv_pipeline", "tests", "benchmarks"}


def _requirements(extra: str | None = None) -> list[Requirement]:
    project = PYPROJECT["project"]
    lines = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return [r for r in map(Requirement, lines) if canonicalize_name(r.name) != "friskliv-pipeline"]


def _locked() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if m := re.match(r"^([A-Za-z0-9._-]+)==([^\s;]+)", line):
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def test_every_declared_dependency_is_pinned_in_the_lock_within_its_range():
    """requirements.lock is stale when pyproject.toml changed without `make lock`."""
    pins = _locked()
    for req in _requirements() + _requirements("dev") + _requirements("postgres"):
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is declared in pyproject.toml but not in requirements.lock: run `make lock`"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"requirements.lock pins {req.name}=={pins[name]}, outside {req} in pyproject.toml: run `make lock`"


def test_the_lock_pins_the_versions_verified_to_work_together():
    pins = _locked()
    assert pins["dagster"] == pins["dagster-webserver"] == pins["dagster-dg-cli"], "dg and dagster must match"
    assert pins["pandas"].startswith("3.") and pins["sqlalchemy"].startswith("2.1.")


def _imported_modules(folder: str) -> set[str]:
    names = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in LOCAL}


def _undeclared(folder: str, declared: list[Requirement]) -> list[str]:
    distributions = importlib.metadata.packages_distributions()
    names = {canonicalize_name(r.name) for r in declared}
    return sorted(m for m in _imported_modules(folder)
                  if not {canonicalize_name(d) for d in distributions.get(m, [m])} & names)


def test_every_import_of_the_package_is_a_declared_dependency():
    assert _undeclared("friskliv_pipeline", _requirements()) == []


def test_every_import_of_the_tests_is_declared():
    declared = _requirements() + _requirements("dev") + _requirements("postgres")
    assert _undeclared("tests", declared) == []


def test_license_is_an_spdx_expression():
    assert PYPROJECT["project"]["license"] == "MIT"


def test_the_contract_does_not_import_the_sql_models():
    """contract.py ↔ sql_models/project.py was an import cycle; the docs generator now reads both."""
    code = ("import sys, friskliv_pipeline.core.contract; "
            "print([m for m in sys.modules if m.startswith('friskliv_pipeline.sql_models')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_ci_runs_exactly_make_test_and_bootstrap_installs_from_the_lock():
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert run[-1] == "make test"
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    assert "-r requirements.lock" in bootstrap and "--no-deps -e ." in bootstrap


def test_no_module_of_the_package_imports_itself_back():
    """Layers run downhill: no import cycle between the package's modules, counting the imports
    inside functions and under TYPE_CHECKING too (sql_models' lineage ↔ project was one)."""
    import ast

    package = ROOT / "friskliv_pipeline"
    imports = {}
    for path in package.rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("friskliv_pipeline"):
                found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("friskliv_pipeline")}
        imports[name] = found
    graph = {m: {d for d in deps if d in imports and d != m} for m, deps in imports.items()}

    def reaches(start, target, seen):
        for nxt in graph[start]:
            if nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt})):
                return True
        return False

    cycles = sorted(m for m in graph if reaches(m, m, {m}))
    assert cycles == [], cycles


def test_the_readme_is_a_first_page_and_its_links_resolve():
    """What it is, the two commands, where to look, a contents list of docs/ pages; short."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    assert "make demo" in text and "make test" in text
    for heading in ("## The two commands", "## Where to look", "## Contents"):
        assert heading in text
    import re

    links = re.findall(r"\]\(([^)#]+\.(?:md|png))\)", text)
    assert {"docs/architecture.md", "docs/data-engineers.md", "docs/analysts.md", "docs/auditors.md",
            "docs/performance.md", "CHANGELOG.md"} <= set(links)
    for link in links:
        assert (ROOT / link).exists(), link
    for page in (ROOT / "docs").glob("*.md"):
        for link in re.findall(r"\]\(([^)#:]+\.(?:md|png))\)", page.read_text(encoding="utf-8")):
            assert (page.parent / link).exists(), (page.name, link)
