"""A Dagster logger that prints one line per finished step: name, seconds, rows written.

``friskliv run`` turns it on (run config ``loggers: friskliv_progress: config: enabled: true``)
so a long run is never silent; elsewhere (the UI, the daemon) it stays off. It reads the
structured events Dagster hands every logger: the rows come from the ``dagster/partition_row_count``
of the step's materializations, the checks from its check evaluations.
"""

from __future__ import annotations

import logging
import sys
from collections import defaultdict

from dagster import Field, InitLoggerContext, logger

STEP_PROGRESS_LOGGER = "friskliv_progress"


class _StepLines(logging.Handler):
    def __init__(self, stream) -> None:
        super().__init__(level=logging.DEBUG)
        self.stream = stream
        self.rows: dict[str, list[int]] = defaultdict(list)
        self.checks: dict[str, list[bool]] = defaultdict(list)

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None or not event.step_key:
            return
        kind, step = event.event_type_value, event.step_key
        if kind == "ASSET_MATERIALIZATION":
            value = event.event_specific_data.materialization.metadata.get("dagster/partition_row_count")
            if value is not None:
                self.rows[step].append(int(value.value))
        elif kind == "ASSET_CHECK_EVALUATION":
            self.checks[step].append(bool(event.event_specific_data.passed))
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            self.stream.write(step_line(step, kind == "STEP_SUCCESS", _seconds(event), self.rows.pop(step, []),
                                        self.checks.pop(step, [])) + "\n")
            self.stream.flush()


def _seconds(event) -> float | None:
    duration_ms = getattr(event.event_specific_data, "duration_ms", None)
    return None if duration_ms is None else duration_ms / 1000


def step_name(step_key: str) -> str:
    """A step as the user knows it: the step of asset ``staging/raw_responses`` is keyed ``staging__raw_responses``."""
    return step_key.replace("__", "/")


def step_line(step: str, succeeded: bool, seconds: float | None, rows: list[int], checks: list[bool]) -> str:
    """'  clean_tables: 3.2 s, 2310 rows in 13 tables' (or '… checks …', or 'FAILED after …')."""
    step = step_name(step)
    took = "" if seconds is None else f"{seconds:.1f} s"
    if not succeeded:
        return f"  {step}: FAILED" + (f" after {took}" if took else "")
    parts = [took] if took else []
    if rows:
        parts.append(_count(sum(rows), "row") + (f" in {len(rows)} tables" if len(rows) > 1 else ""))
    if checks:
        failed = checks.count(False)
        parts.append(_count(len(checks), "check") + (f", {failed} not passed" if failed else ""))
    return f"  {step}: " + ", ".join(parts)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


@logger(
    config_schema={"enabled": Field(bool, default_value=False, description="print a line per finished step")},
    description="One line per finished step on stdout (name, seconds, rows); `friskliv run` enables it.",
)
def step_progress_logger(init_context: InitLoggerContext) -> logging.Logger:
    log = logging.Logger(STEP_PROGRESS_LOGGER, level=logging.DEBUG)
    if init_context.logger_config["enabled"]:
        log.addHandler(_StepLines(sys.stdout))
    return log
