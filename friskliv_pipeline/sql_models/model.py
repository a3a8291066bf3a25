"""A model of the SQL project: one ``models/<name>.sql`` and its entry in ``models/<name>.yml``.

Its own module so that the project loader (``project``), the lineage it reads (``lineage``) and
the data tests (``data_tests``) all use it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class DataTest:
    """One entry of a ``data_tests:`` list, as dbt reads it: a generic test (a ``test_<kind>`` macro
    of ``dbt_like_sql/macros``) applied to a model, or to one of its columns, with its arguments."""

    name: str  # unique within the model (the Dagster check's name): <kind>_<column>, numbered when repeated
    kind: str  # not_null, unique, accepted_values, relationships, accepted_range, expression_is_true, …
    model: str
    column: str | None  # None for a test of the whole model
    arguments: dict = field(default_factory=dict, compare=False, hash=False)
    where: str | None = None  # dbt's ``config: where:``: only the rows it selects are tested
    refs: tuple[str, ...] = ()  # the other tables its arguments name with ref() (relationships' ``to``)

    @property
    def title(self) -> str:
        """``mart_x.column: kind`` (or ``mart_x: kind``), as a failure message names the test."""
        return f"{self.model}.{self.column}: {self.kind}" if self.column else f"{self.model}: {self.kind}"


@dataclass(frozen=True)
class ModelColumn:
    name: str
    data_type: str  # a key of contract.TYPES (and warehouse.SQL_TYPES), the vocabulary of the data contract
    description: str
    lineage: tuple[str, ...] = ()  # meta: lineage: "table.column" (used only where the SQL shows none)
    # the column's meta: free for its readers (header_nb: its Norwegian header in the public tables;
    # labels_nb: the Norwegian name of each coded value; lineage)
    meta: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Model:
    name: str
    path: Path
    template: str
    description: str
    columns: tuple[ModelColumn, ...]
    refs: tuple[str, ...]
    # meta: earlier_grant_years: partition Y reads grant years Y - earlier_grant_years .. Y of its refs (and
    # no other: the runner renders each ref as those years' rows; Dagster's partition mapping says the same)
    earlier_grant_years: int = 0
    yaml_path: Path | None = None  # the YAML that declares it (models/<name>.yml)
    data_tests: tuple[DataTest, ...] = ()
    # the model's meta: free for its readers (sheet_nb, sheet_order: its sheet in tables.xlsx)
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]
