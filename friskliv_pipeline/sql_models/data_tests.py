"""The models' data tests (dbt's ``data_tests:``), compiled (compile_tests.py) from the generic test macros of
``dbt_like_sql/macros/data_tests.sql`` to a SELECT of the failing rows, run on one grant year.

As in dbt, a test passes when its query returns no row. Every test reads the partition being
written (its model's rows of the grant year, and of any table its arguments ``ref()``), so it
judges what this run is about to publish. ``sql_marts`` (defs/marts.py) runs them before the
marts' transaction commits: a failing test keeps the previous marts and fails its blocking
asset check, so nothing downstream (the report) runs on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from friskliv_pipeline.sql_models.model import DataTest
from friskliv_pipeline.sql_models.compile_tests import compile_test

if TYPE_CHECKING:
    import sqlalchemy as sa

    from friskliv_pipeline.sql_models.project import SqlProject

SAMPLE_ROWS = 5


@dataclass(frozen=True)
class TestResult:
    test: DataTest
    failures: int  # rows the test's query returned
    sql: str  # the query as run (the partition's rows)
    sample: list[dict] = field(default_factory=list, compare=False)  # its first rows

    @property
    def passed(self) -> bool:
        return self.failures == 0

    def finding(self) -> str:
        """What fails, for a reader who knows the model and the test: the column, the failing rows."""
        rows = "row fails" if self.failures == 1 else "rows fail"
        where = f"column {self.test.column}: " if self.test.column else ""
        return f"{where}{self.failures} {rows} (e.g. {self.sample[:2]})"

    def line(self) -> str:
        """One readable line: model, column, test and how many rows fail."""
        return f"{self.test.model} {self.test.kind}: {self.finding()}"


def run_data_tests(conn: sa.Connection, tests: list[DataTest], grant_year: int) -> list[TestResult]:
    """Run ``tests`` on grant year ``grant_year`` of their models, on ``conn`` (inside the transaction
    that wrote them, when there is one)."""
    import sqlalchemy as sa

    from friskliv_pipeline.sql_models.materialize import grant_years_of

    ref = grant_years_of(conn, grant_year, grant_year)
    results = []
    for test in tests:
        sql = compile_test(test, ref)
        failures = conn.execute(sa.text(f"select count(*) from ({sql}) as failing_rows")).scalar_one()
        sample = []
        if failures:
            rows = conn.execute(sa.text(f"select * from ({sql}) as failing_rows limit {SAMPLE_ROWS}")).mappings()
            sample = [{k: (v if isinstance(v, (int, float, str)) or v is None else str(v)) for k, v in r.items()}
                      for r in rows]
        results.append(TestResult(test, int(failures), sql, sample))
    return results


def project_tests(project: SqlProject, models: list[str] | None = None) -> list[DataTest]:
    """Every data test of the project (of ``models`` only), in dependency order."""
    return [t for name, m in project.models.items() if models is None or name in models for t in m.data_tests]
