"""One record frame per suite: the rows GX validates, built with pandas from one grant year's tables.

A rule that is naturally a cross-table computation (spending vs allocation, years in a row,
row accounting) is computed here per record; the suite's GX expectation then judges that
column, so every rule is a GX expectation and every finding points at a record.

Answers the cleaning could not read are NULL in the clean tables and recorded in
``cleaning_issues`` with the cell as exported; the frames put that exported text back as the
"observed" answer, so a value-set expectation shows the offending value itself.

Every frame carries the finding context columns ``county``, ``municipality``, ``project_title``,
``response_id`` and ``sheet_row`` (the row in the export sheet; NULL where they do not apply).

A frame may also say that some rules cannot be judged on this year's inputs
(``RecordFrame.not_evaluated``: rule id -> reason): allocations that are not official, or
earlier grant years that are not in the warehouse.

One module per suite, named after it (``multi_select`` builds the three multi-select suites'
frames); ``common`` holds what they share, ``helpers``, ``carry_over``, ``history`` and
``duplicates`` the computations several builders or one rule need. Each builder declares, in the
``@reads`` above it, the tables and columns it reads (see ``checks/inputs.py``): the pipeline
loads exactly those, the builder gets only those, and the suite's Dagster checks depend on those
tables.

The code location imports these declarations (``BUILDERS``) and must not import pandas (see
``defs/__init__.py``): so the suite modules and ``common`` import pandas, numpy and the cleaning
modules inside their functions; ``helpers``, ``history`` and ``duplicates`` import them at the top
and are themselves imported only inside the builders.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from friskliv_pipeline.checks.frames import (  # noqa: F401  (importing a suite's module registers its builder)
    allocations, competence_building, grant_totals, multi_select, project_attainment, projects, responses,
)
from friskliv_pipeline.checks.frames.common import CONTEXT_COLUMNS, RecordFrame, Reason, question_for
from friskliv_pipeline.checks.inputs import Inputs, registered

if TYPE_CHECKING:
    from friskliv_pipeline.checks.year_tables import YearTables

# suite -> (its builder, what the builder reads), as the @reads above each builder declare them
BUILDERS: dict[str, tuple[Callable[[YearTables], RecordFrame], Inputs]] = registered()


def build_frame(suite: str, tables: YearTables) -> RecordFrame:
    """``suite``'s record frame, its builder given only the tables and columns it declares."""
    builder, inputs = BUILDERS[suite]
    return builder(tables.for_builder(inputs))


__all__ = ["BUILDERS", "CONTEXT_COLUMNS", "Reason", "RecordFrame", "build_frame", "question_for"]
