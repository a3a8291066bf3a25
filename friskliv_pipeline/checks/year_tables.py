"""One grant year's tables, as a record-frame builder gets them: only what its ``@reads`` declares.

``YearTables`` holds the tables a check run loaded (or a test built). ``for_builder`` gives a
builder a view of them that hands out only the declared tables, each cut to its declared columns
(``DeclaredFrame``): a builder that reads another table, or another column, fails with
``UndeclaredInput`` naming the builder, the table or column and what to add to the declaration,
on the demo data in the tests as in the pipeline, and never works by accident on a table that
happens to hold more (the pre-flight's whole tables) than the pipeline loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from friskliv_pipeline.checks.inputs import Inputs, undeclared
from friskliv_pipeline.forms.schema import FormSchema


class DeclaredFrame(pd.DataFrame):
    """A table cut to the columns a builder declared; frames derived from it (a filter, a
    ``reset_index``) stay cut and keep saying which builder and table they serve."""

    _metadata = ["declared_inputs", "declared_table"]
    declared_inputs: Inputs | None = None
    declared_table: str | None = None

    @property
    def _constructor(self):
        return DeclaredFrame

    def __getitem__(self, key):
        if self.declared_inputs is not None:
            wanted = [key] if isinstance(key, str) else key if isinstance(key, list) else []
            for column in wanted:
                if isinstance(column, str) and column not in self.columns:
                    raise undeclared(self.declared_inputs, self.declared_table, column)
        return super().__getitem__(key)


@dataclass
class YearTables:
    """What the frames are built from: one grant year's tables (and, for a history, earlier years)."""

    grant_year: int
    form: FormSchema
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    inputs: Inputs | None = None  # set in a builder's view: only these tables and columns may be read

    @property
    def suite(self) -> str | None:
        """The suite whose frame is being built (in a builder's view)."""
        return self.inputs.suite if self.inputs is not None else None

    def for_builder(self, inputs: Inputs) -> YearTables:
        """The view a builder gets: the declared tables only, each cut to its declared columns."""
        missing = [name for name in inputs.tables if name not in self.tables]
        if missing:
            raise KeyError(f"{inputs.builder} declares {missing}, which these tables of {self.grant_year} lack "
                           f"(loaded: {sorted(self.tables)})")
        return YearTables(self.grant_year, self.form, self.tables, inputs)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if self.inputs is None:
            return self.tables[name]
        if name not in self.inputs.tables:
            raise undeclared(self.inputs, name)
        frame = self.tables[name]
        columns = self.inputs.columns(name)
        if columns is not None:
            absent = [c for c in columns if c not in frame.columns]
            if absent:
                raise KeyError(f"{self.inputs.builder} declares columns {absent} of {name}, which the table given "
                               f"to it lacks (it has {list(frame.columns)})")
            frame = frame[list(columns)]
        declared = DeclaredFrame(frame)
        declared.declared_inputs, declared.declared_table = self.inputs, name
        return declared
