"""Every generated file is current: `friskliv docs --check` fails CI while one is stale, and names it."""

from __future__ import annotations

from friskliv_pipeline.operations.cli import main as cli
from friskliv_pipeline.operations.generated_docs import GENERATED, GeneratedFile, regenerate, stale


def test_every_generated_file_is_current(capsys):
    assert stale() == [], "run `friskliv docs`"
    assert cli(["docs", "--check"]) == 0
    assert {f.path.name for f in GENERATED} == {"data_contract.md", "checks.md", "column_lineage.json", "performance.md",
                                                "README.md"}


def test_a_stale_file_is_listed_and_then_regenerated(tmp_path, capsys):
    current, outdated = tmp_path / "current.md", tmp_path / "outdated.md"
    current.write_text("same\n", encoding="utf-8")
    outdated.write_text("edited by hand\n", encoding="utf-8")
    files = (GeneratedFile(current, lambda: "same\n"), GeneratedFile(outdated, lambda: "from the source\n"),
             GeneratedFile(tmp_path / "missing.md", lambda: "new\n"))
    assert stale(files) == [outdated, tmp_path / "missing.md"]
    assert regenerate(files) == [outdated, tmp_path / "missing.md"]
    assert stale(files) == [] and outdated.read_text(encoding="utf-8") == "from the source\n"
