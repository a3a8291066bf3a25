"""The model project: each ``models/<name>.sql`` plus its entry in ``models/schema.yml``.

Dependencies are never declared by hand: they are the ``ref()`` calls in the SQL, so the
lineage in Dagster is the code. A ref names either another model or a table the Python layers
write (the data contract); anything else, and any cycle, stops loading with a message that
names the file and what to fix.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass
from pathlib import Path

import yaml

from friskliv_pipeline.core.contract import TABLES, TYPES
from friskliv_pipeline.core.errors import FrisklivError
from friskliv_pipeline.core.project_files import SQL_PROJECT_DIR
from friskliv_pipeline.sql_models.lineage import column_lineage
from friskliv_pipeline.sql_models.model import Model, ModelColumn
from friskliv_pipeline.sql_models.render import refs_of

MODELS_DIR = SQL_PROJECT_DIR / "models"
SCHEMA_FILE = "schema.yml"


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
        """Column → upstream (table, column), read from the SQL (sqlglot); schema.yml only where the
        SQL traces a column to nothing (see friskliv_pipeline/sql_models/lineage.py)."""
        return column_lineage(model, self.models)


def _fail(path: Path, message: str, hint: str) -> SqlModelError:
    return SqlModelError(f"{path}: {message}. What to do: {hint}")


def _columns(entry: dict, schema: Path) -> tuple[ModelColumn, ...]:
    columns = []
    for col in entry.get("columns") or []:
        data_type = col.get("data_type")
        if data_type not in TYPES:
            raise _fail(schema, f"model {entry['name']}, column {col.get('name')!r}: data_type {data_type!r} is "
                        f"not one of {sorted(TYPES)}", "use the contract's type names")
        columns.append(ModelColumn(col["name"], data_type, (col.get("description") or "").strip(),
                                   tuple(col.get("lineage") or ()), dict(col.get("meta") or {})))
    if not columns or columns[0].name != "grant_year" or columns[0].data_type != "int":
        raise _fail(schema, f"model {entry['name']}: the first column must be grant_year (int)",
                    "every mart carries grant_year; the runner replaces one grant year at a time")
    return tuple(columns)


def _read_models(models_dir: Path) -> list[Model]:
    schema = models_dir / SCHEMA_FILE
    if not schema.exists():
        raise _fail(schema, "missing", "document every model and column in schema.yml beside the SQL files")
    # libyaml's loader when PyYAML has it: 2 ms instead of 35 ms for schema.yml, on every load of the code location
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(schema.read_text(encoding="utf-8"), Loader=loader) or {}
    entries = {e["name"]: e for e in document.get("models", [])}
    files = {p.stem: p for p in sorted(models_dir.glob("*.sql"))}
    if undocumented := sorted(set(files) - set(entries)):
        raise _fail(schema, f"no entry for model(s) {undocumented}", "add them with a description and their columns")
    if orphans := sorted(set(entries) - set(files)):
        raise _fail(schema, f"entries without a .sql file: {orphans}", f"add {orphans[0]}.sql or remove the entry")
    models = []
    for name, path in files.items():
        template = path.read_text(encoding="utf-8")
        entry = entries[name]
        models.append(Model(name, path, template, (entry.get("description") or "").strip(), _columns(entry, schema),
                            refs_of(template, str(path)), _earlier_grant_years(entry, schema)))
    return models


def _earlier_grant_years(entry: dict, schema: Path) -> int:
    config = entry.get("config") or {}
    if unknown := sorted(set(config) - {"earlier_grant_years"}):
        raise _fail(schema, f"model {entry['name']}: unknown config {unknown}",
                    "the one config key is earlier_grant_years (how many grant years before the partition's "
                    "the model reads)")
    earlier = config.get("earlier_grant_years", 0)
    if not isinstance(earlier, int) or isinstance(earlier, bool) or earlier < 0:
        raise _fail(schema, f"model {entry['name']}: earlier_grant_years must be a whole number ≥ 0, not {earlier!r}",
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
                    raise _fail(model.path.parent / SCHEMA_FILE, f"{model.name}.{col.name}: lineage {dep!r} is not "
                                "a column of a table the model refs", "name it as <ref>.<column>")


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


def load_project(models_dir: Path = MODELS_DIR, sources: frozenset[str] | None = None) -> SqlProject:
    """Read, check and order every model in ``models_dir`` (default ``dbt_like_sql/models``)."""
    sources = frozenset(TABLES) if sources is None else frozenset(sources)
    models = _read_models(Path(models_dir))
    _check_refs(models, sources)
    project = SqlProject({m.name: m for m in _dependency_order(models)}, sources)
    _check_lineage(project)
    return project
