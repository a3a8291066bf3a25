"""One run per grant year at a time: an exclusive file lock under <data_dir>/locks/.

Each table's partition replace is already one transaction; the lock keeps two runs of the same
grant year from interleaving their tables (run A's raw_responses with run B's projects). A second
run waits for the first to finish. On a PostgreSQL-backed Dagster instance the queued run
coordinator's per-partition limit (deploy/dagster.yaml) keeps such runs apart before they start.
"""

from __future__ import annotations

import contextlib
import fcntl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

# Locks this process already holds: Dagster initialises the resource once for the run and again
# as the I/O manager's nested resource; flock would make the second attempt wait for the first.
_HELD: dict[Path, int] = {}


@contextlib.contextmanager
def grant_year_lock(data_dir: Path, grant_year: str, on_wait: Callable[[str], None] | None = None) -> Iterator[Path]:
    path = (Path(data_dir) / "locks" / f"grant_year_{grant_year}.lock").resolve()
    if path in _HELD:  # re-entrant within one process
        _HELD[path] += 1
        try:
            yield path
        finally:
            _HELD[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait:
                on_wait(f"another run of grant year {grant_year} holds {path}; waiting for it to finish")
            started = time.monotonic()
            fcntl.flock(handle, fcntl.LOCK_EX)
            if on_wait:
                on_wait(f"lock on grant year {grant_year} acquired after {time.monotonic() - started:.1f} s")
        _HELD[path] = 1
        try:
            yield path
        finally:
            del _HELD[path]
            fcntl.flock(handle, fcntl.LOCK_UN)
