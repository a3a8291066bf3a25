"""Asset metadata built from the data contract: what an analyst reads in the Dagster UI.

- Column schemas and descriptions from ``contract.py``.
- Column lineage of the clean tables from each column's source question (``Column.source``:
  ``q24–q35`` → ``raw_responses.q24`` … ``q35``), so a mart column can be followed through the
  clean tables back to the form question (the marts' own lineage is read from their SQL).
- Code references (``dagster/code_references``): where the definition an analyst or auditor
  wants to read lives: the contract entry, a model's SQL and YAML, a check's rule in its suite.
"""

import re
import warnings
from functools import cache
from pathlib import Path

from dagster import (
    AssetKey, BetaWarning, CodeReferencesMetadataValue, LocalFileCodeReference, TableColumn, TableColumnDep,
    TableColumnLineage, TableSchema,
)

from friskliv_pipeline.core.contract import REFERENCE_TABLES, TABLES

OWNERS = ["team:friskliv-data"]
RAW_RESPONSES = AssetKey("raw_responses")
CONTRACT_FILE = Path(__file__).resolve().parents[1] / "core" / "contract.py"

_QUESTION_RANGE = re.compile(r"q(\d\d)(?:\s*[–-]\s*q(\d\d))?")


def column_schema(table: str) -> TableSchema:
    return TableSchema(columns=[
        TableColumn(c.name, c.type, description=f"{c.description}" + (f" (source: {c.source})" if c.source else ""))
        for c in TABLES[table].columns
    ])


def table_metadata(table: str) -> dict:
    """Definition metadata of a contract table's asset: column schema, table name, link to the contract."""
    return {"dagster/column_schema": column_schema(table), "dagster/table_name": table,
            **code_references(contract_reference(table))}


def description(table: str) -> str:
    return TABLES[table].description


def source_questions(source: str) -> list[str]:
    """The raw question columns a contract ``source`` names: 'q24–q35' → q24 … q35, 'q01 + counties' → q01."""
    questions = []
    for first, last in _QUESTION_RANGE.findall(source):
        questions += [f"q{i:02d}" for i in range(int(first), int(last or first) + 1)]
    return questions


def clean_table_lineage(table: str, source_asset: AssetKey = RAW_RESPONSES) -> TableColumnLineage:
    """Each column of a clean table → the columns of ``source_asset`` (the raw responses, by
    default) it is read from: the questions its contract ``source`` names, or the same-named raw
    column (response_id, source_row, …); plus the reference table a source names ('q14 +
    municipalities' → municipalities.<same column>)."""
    raw_columns = set(TABLES["raw_responses"].column_names)
    deps_by_column = {}
    for column in TABLES[table].columns:
        deps = [TableColumnDep(source_asset, q) for q in source_questions(column.source)]
        if column.name in raw_columns and column.name not in source_questions(column.source):
            deps.append(TableColumnDep(source_asset, column.name))  # (a column named by its question has it once)
        deps += [TableColumnDep(AssetKey(ref), column.name) for ref in REFERENCE_TABLES
                 if re.search(rf"\b{ref}\b", column.source) and column.name in TABLES[ref].column_names]
        if deps:
            deps_by_column[column.name] = deps
    return TableColumnLineage(deps_by_column=deps_by_column)


# --- code references -----------------------------------------------------------------------

def line_of(path: Path, pattern: str) -> int:
    """1-based number of the first line of ``path`` matching the regex ``pattern`` (1 when none does)."""
    return next((i for i, line in enumerate(_lines(Path(path)), start=1) if re.search(pattern, line)), 1)


@cache
def _lines(path: Path) -> tuple[str, ...]:
    return tuple(path.read_text(encoding="utf-8").splitlines())


def code_references(*references: tuple[Path, str, int]) -> dict:
    """``{"dagster/code_references": …}`` for (file, label, line) triples (a beta API in Dagster 1.13,
    whose warning would otherwise print on every load of the code location)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        return {"dagster/code_references": CodeReferencesMetadataValue(code_references=[
            LocalFileCodeReference(file_path=str(Path(path).resolve()), label=label, line_number=line)
            for path, label, line in references])}


def contract_reference(table: str) -> tuple[Path, str, int]:
    """The table's entry in the data contract."""
    return CONTRACT_FILE, f"data contract: {table}", line_of(CONTRACT_FILE, rf'Table\("{table}"')


def suite_reference(suite_path: Path, rule_id: str) -> tuple[Path, str, int]:
    """A GX suite file (expectations/<table>.json), at the first expectation of ``rule_id``."""
    return (Path(suite_path), f"GX suite {Path(suite_path).name}: {rule_id}",
            line_of(suite_path, rf'"rule":\s*"{re.escape(rule_id)}"'))


def rule_code_references(suite_path: Path, rule_id: str) -> dict:
    """Code references of an asset check: its rule's first expectation in expectations/<table>.json."""
    return code_references(suite_reference(suite_path, rule_id))


def clean_table_metadata(table: str, source_asset: AssetKey = RAW_RESPONSES) -> dict:
    """All definition metadata of a clean table: schema, lineage to the form questions, contract link."""
    return {**table_metadata(table), "dagster/column_lineage": clean_table_lineage(table, source_asset)}
