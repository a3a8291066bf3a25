"""Hand the memory a step freed back to the operating system.

The in-process executor runs every step of a grant year in one process. A step's DataFrames
are freed when it ends, but glibc keeps much of the freed heap mapped, so the process would
grow towards the sum of its steps' working sets instead of staying near the largest one.
``malloc_trim(0)`` (~0.3 ms) returns the free pages; the warehouse I/O manager calls it after
writing a table and before reading one, the checks after each suite. On a libc without it
(macOS, musl) nothing happens.

(Not a Dagster hook: a job with any hook makes Dagster keep every step's output values for
the hook's context, which is the opposite of the point.)
"""

import ctypes
import ctypes.util

_LIBC = ctypes.util.find_library("c")


def release_memory() -> None:
    if _LIBC is None:
        return
    try:
        ctypes.CDLL(_LIBC).malloc_trim(0)
    except (OSError, AttributeError):  # no malloc_trim in this libc
        pass
