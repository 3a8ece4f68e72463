"""Let a run's blocks reuse the memory of the blocks before them (glibc's malloc).

Every block of draws allocates and frees the same arrays, a few megabytes each. With
glibc's default, dynamic thresholds, freed memory above the heap's trim threshold goes
back to the system and the next block faults it in again, page by page: for the 2020
replay about 1,500 page faults and 60 µs of system time per block of 100 draws,
a fifth of the block's time on the 2-core machine. :func:`keep_freed_memory` raises
the mmap and trim thresholds, so freed block arrays stay in the heap for the next
block (the peak resident memory does not change).

It is process-wide, so malivote calls it only in processes it owns: the ``malivote``
command and the worker processes of ``simulate(processes=True)``. A notebook or
program that runs long simulations can call it too
(``from malivote.simulate import keep_freed_memory``), or set glibc's own variables
(``MALLOC_MMAP_THRESHOLD_``, ``MALLOC_TRIM_THRESHOLD_``). Nothing changes where those
are set, on other C libraries, or with ``MALIVOTE_MALLOC=default``.
"""

from __future__ import annotations

import ctypes
import functools
import os
import sys

__all__ = ["keep_freed_memory"]

#: mallopt's parameters (glibc's malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: Arrays below this come from the heap, not from their own mapping (a block's largest,
#: the 125-constituency rosters of 100 draws, is 3.5 MB).
MMAP_THRESHOLD = 32 << 20
#: Free memory kept at the top of the heap before any is returned to the system.
TRIM_THRESHOLD = 256 << 20


@functools.cache
def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds once per process; True where they were set.

    Examples
    --------
    >>> keep_freed_memory() in (True, False)
    True
    """
    done = False
    user_set = any(name in os.environ for name in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"))
    if sys.platform.startswith("linux") and not user_set and os.environ.get("MALIVOTE_MALLOC") != "default":
        try:
            mallopt = ctypes.CDLL(None).mallopt
        except (OSError, AttributeError):  # pragma: no cover - not glibc
            mallopt = None
        if mallopt is not None:
            mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
            # (mmap first: setting either fixes glibc's dynamic thresholds)
            done = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return done
