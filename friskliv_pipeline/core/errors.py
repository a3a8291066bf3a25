"""Errors a person can act on: what is wrong, in which file, row and column, and what to do."""

from __future__ import annotations


class FrisklivError(Exception):
    """Base class of the errors the CLI prints as one readable message instead of a traceback."""


class ExportError(FrisklivError):
    """A raw export (or its form schema) cannot be read as the form it claims to be."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, hint: str | None = None):
        self.message = message
        self.file = file
        self.row = row
        self.column = column
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        text = self.message
        if where:
            text = f"{', '.join(where)}: {text}"
        if self.hint:
            text = f"{text}. What to do: {self.hint}"
        return text
