"""Every generated file of the repository, and the one command that writes them: ``friskliv docs``.

Each is derived from its source of truth and never edited by hand; ``friskliv docs --check``
(and tests/test_generated_docs.py, so CI) fails while any is stale, naming it:

- ``docs/data_contract.md``: the data contract and the marts' YAML (``operations/contract_docs``);
- ``docs/checks.md``: the rules of ``expectations/*.json`` (``checks/docs``);
- ``dbt_like_sql/column_lineage.json``: the marts' column lineage read from their SQL (``sql_models/lineage``);
- ``docs/performance.md``'s benchmark tables (measurements, issue 31's targets) and the README's
  performance summary: ``benchmarks/results.json`` (``benchmarks/run.py``, which only the benchmark
  run itself times; here they are rewritten from the stored results).
"""

from __future__ import annotations

import importlib.util
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from friskliv_pipeline.core.settings import PROJECT_ROOT


@dataclass(frozen=True)
class GeneratedFile:
    path: Path
    content: Callable[[], str]  # what the file must hold, derived from its source


def _contract() -> str:
    from friskliv_pipeline.operations.contract_docs import markdown

    return markdown() + "\n"


def _checks() -> str:
    from friskliv_pipeline.checks.docs import markdown

    return markdown()


def _lineage() -> str:
    from friskliv_pipeline.sql_models.lineage import derived_file_content
    from friskliv_pipeline.sql_models.project import load_project

    return derived_file_content(load_project().models)


def _benchmark_runner():
    """benchmarks/run.py, a script outside the package, loaded from its file."""
    spec = importlib.util.spec_from_file_location("benchmarks_run", PROJECT_ROOT / "benchmarks" / "run.py")
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    return run


def _performance() -> str:
    """docs/performance.md with its tables rewritten from benchmarks/results.json by benchmarks/run.py, on a copy."""
    run = _benchmark_runner()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "performance.md"
        copy.write_text(run.README.read_text(encoding="utf-8"), encoding="utf-8")
        run.write_readme(json.loads(run.RESULTS.read_text(encoding="utf-8")), copy, project_readme=None)
        return copy.read_text(encoding="utf-8")


def _readme() -> str:
    """README.md with its performance summary rewritten from benchmarks/results.json, on a copy."""
    run = _benchmark_runner()
    results = json.loads(run.RESULTS.read_text(encoding="utf-8"))
    text = run.PROJECT_README.read_text(encoding="utf-8")
    return run.between(text, run.SUMMARY_START, run.SUMMARY_END, run.summary(results))


GENERATED = (
    GeneratedFile(PROJECT_ROOT / "docs" / "data_contract.md", _contract),
    GeneratedFile(PROJECT_ROOT / "docs" / "checks.md", _checks),
    GeneratedFile(PROJECT_ROOT / "dbt_like_sql" / "column_lineage.json", _lineage),
    GeneratedFile(PROJECT_ROOT / "docs" / "performance.md", _performance),
    GeneratedFile(PROJECT_ROOT / "README.md", _readme),
)


def stale(files: tuple[GeneratedFile, ...] = GENERATED) -> list[Path]:
    """The generated files whose content differs from what their source gives."""
    return [f.path for f in files if not f.path.exists() or f.path.read_text(encoding="utf-8") != f.content()]


def regenerate(files: tuple[GeneratedFile, ...] = GENERATED) -> list[Path]:
    """Write every generated file that is stale; returns the ones written."""
    written = []
    for f in files:
        content = f.content()
        if not f.path.exists() or f.path.read_text(encoding="utf-8") != content:
            f.path.parent.mkdir(parents=True, exist_ok=True)
            f.path.write_text(content, encoding="utf-8")
            written.append(f.path)
    return written
