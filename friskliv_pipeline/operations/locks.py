"""One run per grant year at a time: an exclusive file lock under <data_dir>/locks/.

Each table's partition replace is already one transaction; the lock keeps two runs of the same
grant year from interleaving their tables (run A's raw_responses with run B's projects). A second
run waits for the first to finish. Runs submitted through Dagster's queue are kept apart before
they start by the instance's ``concurrency: runs:`` limit (deploy/dagster.yaml); the lock also
covers ``friskliv run``, which executes in its own process.

``filelock`` (a Dagster dependency) works on every OS (``fcntl`` does not exist on Windows), and a
singleton lock is re-entrant within a process: Dagster initialises the resource once for the run
and again as the I/O manager's nested resource, and the second must not wait for the first.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout


@contextlib.contextmanager
def grant_year_lock(data_dir: Path, grant_year: str, on_wait: Callable[[str], None] | None = None) -> Iterator[Path]:
    path = (Path(data_dir) / "locks" / f"grant_year_{grant_year}.lock").resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, is_singleton=True, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if on_wait:
            on_wait(f"another run of grant year {grant_year} holds {path}; waiting for it to finish")
        started = time.monotonic()
        lock.acquire()
        if on_wait:
            on_wait(f"lock on grant year {grant_year} acquired after {time.monotonic() - started:.1f} s")
    try:
        yield path
    finally:
        lock.release()
