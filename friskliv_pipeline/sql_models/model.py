"""A model of the SQL project: one ``models/<name>.sql`` and its entry in ``models/schema.yml``.

Its own module so that the project loader (``project``) and the lineage it reads
(``lineage``) both use it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ModelColumn:
    name: str
    data_type: str  # a key of contract.TYPES (and warehouse.SQL_TYPES), the vocabulary of the data contract
    description: str
    lineage: tuple[str, ...] = ()  # "table.column" declared in the YAML (used where the SQL shows none)
    # schema.yml's meta: of the column, free for its readers (labels_nb: the Norwegian name of each coded value)
    meta: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Model:
    name: str
    path: Path
    template: str
    description: str
    columns: tuple[ModelColumn, ...]
    refs: tuple[str, ...]
    # schema.yml config: partition Y reads grant years Y - earlier_grant_years .. Y of its refs (and no
    # other: the runner renders each ref as those years' rows; Dagster's partition mapping says the same)
    earlier_grant_years: int = 0

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]
