"""The year's report folder is replaced as a whole (issue 29): a report step that fails leaves the
previous complete set, and the next good run publishes a complete new one."""

from __future__ import annotations

import uuid

import pytest

from friskliv_pipeline.forms.export_reader import sha256_of
from friskliv_pipeline.report.folder import REPLACED, STAGING, published_dir

pytestmark = pytest.mark.slow


def _digests(folder):
    return {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_failed_report_pdf_leaves_the_previous_complete_report_folder(demo_copy, run_year, dagster_instance):
    data = demo_copy["data"]  # the demo's 2023 and 2024, published
    folder = data / "reports" / "2024"
    before = _digests(folder)
    assert {"report.html", "report.pdf", "manifest.json", "tables.xlsx", "revisjon.pdf"} <= set(before)

    # the next run's report.pdf cannot be written (a folder stands where the file goes): report_pdf fails
    run_id = str(uuid.uuid4())
    staging = data / "reports" / STAGING / f"2024-{run_id}"
    (staging / "report.pdf").mkdir(parents=True)
    from friskliv_pipeline.definitions import YEARLY_JOB_NAME, defs

    job = defs.resolve_job_def(YEARLY_JOB_NAME)
    failed = job.execute_in_process(partition_key="2024", instance=dagster_instance, raise_on_error=False,
                                    run_id=run_id)
    assert not failed.success
    assert [e.step_key for e in failed.all_events if e.is_step_failure] == ["report_pdf"]
    assert (staging / "report.html").exists()  # the steps before it wrote their files, aside
    assert _digests(folder) == before  # the published set is the previous run's, whole

    # the next good run removes the leftovers and publishes a complete set of its own
    assert run_year(2024).success
    after = _digests(folder)
    assert set(after) == set(before)
    assert after["manifest.json"] != before["manifest.json"]  # a new run's manifest (its run id)
    assert not list((data / "reports" / STAGING).iterdir())
    assert not list((data / "reports" / REPLACED).iterdir())


def test_a_swap_cut_short_between_its_two_renames_restores_the_previous_folder(tmp_path):
    """Killed after the published folder was set aside and before the new one took its place: the
    next reader finds the set-aside folder back in place."""
    aside = tmp_path / "reports" / REPLACED / "2024-run1"
    aside.mkdir(parents=True)
    (aside / "report.html").write_text("previous", encoding="utf-8")
    folder = published_dir(tmp_path, 2024)
    assert (folder / "report.html").read_text(encoding="utf-8") == "previous"
    assert not aside.exists()
