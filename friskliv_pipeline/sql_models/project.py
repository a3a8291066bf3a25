"""The model project: each ``models/<name>.sql`` plus its entry in ``models/<name>.yml`` (dbt's
layout: ``version: 2``, ``models:``, each column with ``data_type``, ``description``, ``data_tests``
and ``meta``).

Dependencies are never declared by hand: they are the ``ref()`` calls in the SQL, so the
lineage in Dagster is the code. A ref names either another model or a table the Python layers
write (the data contract); anything else, and any cycle, stops loading with a message that
names the file and what to fix. Keys dbt does not know are refused: what is this project's own
(``header_nb``, ``labels_nb``, ``lineage``, ``earlier_grant_years``) lives under ``meta:``.
"""

from __future__ import annotations

import functools
import graphlib
from dataclasses import dataclass
from pathlib import Path

import jinja2
import yaml

from friskliv_pipeline.core.contract import TABLES, TYPES
from friskliv_pipeline.core.errors import FrisklivError
from friskliv_pipeline.core.project_files import SQL_PROJECT_DIR
from friskliv_pipeline.sql_models.compile_tests import compile_test, ref_name
from friskliv_pipeline.sql_models.lineage import column_lineage
from friskliv_pipeline.sql_models.model import DataTest, Model, ModelColumn
from friskliv_pipeline.sql_models.render import refs_of

MODELS_DIR = SQL_PROJECT_DIR / "models"
MODEL_KEYS = {"name", "description", "columns", "data_tests", "meta"}
COLUMN_KEYS = {"name", "description", "data_type", "data_tests", "meta"}
# generic tests of one column (the rest test the whole model: expression_is_true, unique_combination_of_columns)
COLUMN_TEST_KINDS = {"not_null", "unique", "accepted_values", "relationships", "accepted_range", "sums_match"}


class SqlModelError(FrisklivError):
    """A model that cannot be loaded or materialized; the message says which and what to do."""


@dataclass(frozen=True)
class SqlProject:
    models: dict[str, Model]  # in dependency order: every model after the models it refs
    sources: frozenset[str]  # tables written by the Python layers, readable through ref()

    def columns_of(self, table: str) -> list[str]:
        if table in self.models:
            return self.models[table].column_names
        return TABLES[table].column_names if table in TABLES else []

    def column_lineage(self, model: Model) -> dict[str, list[tuple[str, str]]]:
        """Column → upstream (table, column), read from the SQL (sqlglot); the YAML only where the
        SQL traces a column to nothing (see friskliv_pipeline/sql_models/lineage.py)."""
        return column_lineage(model, self.models)


def _fail(path: Path, message: str, hint: str) -> SqlModelError:
    return SqlModelError(f"{path}: {message}. What to do: {hint}")


def _unknown_keys(entry: dict, allowed: set[str], where: str, yml: Path) -> None:
    if unknown := sorted(set(entry) - allowed):
        raise _fail(yml, f"{where}: keys {unknown} are not dbt's", f"put this project's own keys under `meta:` "
                    f"(allowed here: {sorted(allowed)})")


def _data_tests(entries, model: str, column: str | None, yml: Path) -> list[DataTest]:
    """dbt's two spellings: ``- not_null`` or ``- {accepted_range: {min_value: 0, …, config: {where: …}}}``."""
    tests = []
    for entry in entries or []:
        if isinstance(entry, str):
            kind, arguments = entry, {}
        elif isinstance(entry, dict) and len(entry) == 1:
            kind, arguments = next(iter(entry.items()))
            arguments = dict(arguments or {})
        else:
            raise _fail(yml, f"model {model}: data test {entry!r} is neither a name nor one name with its arguments",
                        "write `- not_null` or `- {accepted_values: {values: [a, b]}}`")
        config = arguments.pop("config", None) or {}
        if unknown := sorted(set(config) - {"where"}):
            raise _fail(yml, f"model {model}: data test {kind}: config {unknown}", "the one test config is `where`")
        refs = tuple(ref_name(v) for v in arguments.values() if ref_name(v))
        base = f"{kind}_{column}" if column else kind
        tests.append(DataTest(base, kind, model, column, arguments, config.get("where"), refs))
    return tests


def _numbered(tests: list[DataTest]) -> tuple[DataTest, ...]:
    """Names unique within the model (Dagster's check names): a repeated <kind>_<column> gets _2, _3, …"""
    seen: dict[str, int] = {}
    out = []
    for test in tests:
        seen[test.name] = seen.get(test.name, 0) + 1
        name = test.name if seen[test.name] == 1 else f"{test.name}_{seen[test.name]}"
        out.append(DataTest(name, test.kind, test.model, test.column, test.arguments, test.where, test.refs))
    return tuple(out)


def _columns(entry: dict, yml: Path) -> tuple[tuple[ModelColumn, ...], list[DataTest]]:
    columns, tests = [], []
    for col in entry.get("columns") or []:
        _unknown_keys(col, COLUMN_KEYS, f"model {entry['name']}, column {col.get('name')!r}", yml)
        data_type = col.get("data_type")
        if data_type not in TYPES:
            raise _fail(yml, f"model {entry['name']}, column {col.get('name')!r}: data_type {data_type!r} is "
                        f"not one of {sorted(TYPES)}", "use the contract's type names")
        meta = dict(col.get("meta") or {})
        columns.append(ModelColumn(col["name"], data_type, (col.get("description") or "").strip(),
                                   tuple(meta.get("lineage") or ()), meta))
        tests += _data_tests(col.get("data_tests"), entry["name"], col["name"], yml)
    if not columns or columns[0].name != "grant_year" or columns[0].data_type != "int":
        raise _fail(yml, f"model {entry['name']}: the first column must be grant_year (int)",
                    "every mart carries grant_year; the runner replaces one grant year at a time")
    return tuple(columns), tests


def _entries(models_dir: Path) -> dict[str, tuple[dict, Path]]:
    """Every model entry of every YAML in ``models_dir`` (dbt reads them all; this project keeps one per
    model, ``<name>.yml``), with the file that declares it."""
    # libyaml's loader when PyYAML has it: it reads the YAML on every load of the code location
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    entries: dict[str, tuple[dict, Path]] = {}
    for yml in sorted([*models_dir.glob("*.yml"), *models_dir.glob("*.yaml")]):
        document = yaml.load(yml.read_text(encoding="utf-8"), Loader=loader) or {}
        for entry in document.get("models") or []:
            if entry.get("name") in entries:
                raise _fail(yml, f"model {entry.get('name')} is declared again (also in {entries[entry['name']][1]})",
                            "declare each model once, in models/<name>.yml")
            _unknown_keys(entry, MODEL_KEYS, f"model {entry.get('name')}", yml)
            entries[entry["name"]] = (entry, yml)
    return entries


def _read_models(models_dir: Path) -> list[Model]:
    entries = _entries(models_dir)
    files = {p.stem: p for p in sorted(models_dir.glob("*.sql"))}
    if undocumented := sorted(set(files) - set(entries)):
        raise _fail(models_dir / f"{undocumented[0]}.yml", f"no entry for model(s) {undocumented}",
                    "add models/<name>.yml with a description and the columns")
    if orphans := sorted(set(entries) - set(files)):
        raise _fail(entries[orphans[0]][1], f"entries without a .sql file: {orphans}",
                    f"add {orphans[0]}.sql or remove the entry")
    models = []
    for name, path in files.items():
        template = path.read_text(encoding="utf-8")
        entry, yml = entries[name]
        columns, tests = _columns(entry, yml)
        tests = _data_tests(entry.get("data_tests"), name, None, yml) + tests
        models.append(Model(name, path, template, (entry.get("description") or "").strip(), columns,
                            refs_of(template, str(path)), _earlier_grant_years(entry, yml), yml, _numbered(tests),
                            dict(entry.get("meta") or {})))
    return models


def _earlier_grant_years(entry: dict, yml: Path) -> int:
    earlier = (entry.get("meta") or {}).get("earlier_grant_years", 0)
    if not isinstance(earlier, int) or isinstance(earlier, bool) or earlier < 0:
        raise _fail(yml, f"model {entry['name']}: earlier_grant_years must be a whole number ≥ 0, not {earlier!r}",
                    "write how many grant years before the partition's the SQL reads (1: Y-1 and Y)")
    return earlier


def _check_refs(models: list[Model], sources: frozenset[str]) -> None:
    names = {m.name for m in models}
    for model in models:
        if model.name in sources:
            raise _fail(model.path, f"model name {model.name!r} is also a contract table", "rename the model")
        for ref in model.refs:
            if ref not in names and ref not in sources:
                raise _fail(model.path, f"ref('{ref}') names no model and no contract table",
                            f"fix the name; models: {sorted(names)}; contract tables: {sorted(sources)}")


def _check_lineage(project: SqlProject) -> None:
    for model in project.models.values():
        for col in model.columns:
            for dep in col.lineage:
                table, _, column = dep.partition(".")
                if table not in model.refs or column not in project.columns_of(table):
                    raise _fail(model.yaml_path, f"{model.name}.{col.name}: lineage {dep!r} is not "
                                "a column of a table the model refs", "name it as <ref>.<column>")


def _check_data_tests(project: SqlProject) -> None:
    """Every test names a generic test, tables that exist and arguments its macro takes: compiled once at
    load, so a typo in the YAML stops loading instead of failing a run."""
    names = set(project.models) | project.sources
    for model in project.models.values():
        for test in model.data_tests:
            if unknown := sorted(set(test.refs) - names):
                raise _fail(model.yaml_path, f"{test.title}: ref {unknown} names no model and no contract table",
                            "fix the name")
            if test.column is None and test.kind in COLUMN_TEST_KINDS:
                raise _fail(model.yaml_path, f"{test.title}: a column test under the model's data_tests",
                            "move it under the column it tests")
            try:
                compile_test(test)
            except (ValueError, jinja2.TemplateError) as exc:
                raise _fail(model.yaml_path, str(exc), "use a generic test of dbt_like_sql/macros/data_tests.sql "
                            "with the arguments its macro takes") from None


def _dependency_order(models: list[Model]) -> list[Model]:
    by_name = {m.name: m for m in models}
    graph = {m.name: [r for r in m.refs if r in by_name] for m in models}
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        cycle = " → ".join(exc.args[1])
        raise SqlModelError(f"dependency cycle among SQL models: {cycle}. What to do: "
                            "break it; a model may only ref models that do not ref it back") from None
    return [by_name[n] for n in order]


@functools.cache
def loaded_project() -> SqlProject:
    """``dbt_like_sql``'s project, read once per process: what the report and the docs list the marts from."""
    return load_project()


def load_project(models_dir: Path = MODELS_DIR, sources: frozenset[str] | None = None) -> SqlProject:
    """Read, check and order every model in ``models_dir`` (default ``dbt_like_sql/models``)."""
    sources = frozenset(TABLES) if sources is None else frozenset(sources)
    models = _read_models(Path(models_dir))
    _check_refs(models, sources)
    project = SqlProject({m.name: m for m in _dependency_order(models)}, sources)
    _check_lineage(project)
    _check_data_tests(project)
    return project
