"""The hot kernels compiled with numba: one pass over each row, rows in parallel.

Imported only when the backend is ``"numba"`` (see :mod:`malivote.rules._backend`).
Every kernel is ``@njit(parallel=True, nogil=True, cache=True)``: ``prange`` spreads
the rows over numba's threads (``NUMBA_NUM_THREADS``, all cores by default), the GIL
is released while they run, and the compiled code is cached on disk after the first
call.

The kernels do only deterministic work and never break a tie: they find the leading
lists with the lowest slot first among equal votes, exactly as
:func:`malivote.rules._kernels.leading_lists` does, and flag the rows where a lot
is needed. The shared NumPy code then redraws those rows with the same ``rng`` calls
as the NumPy path, so both backends give identical results.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["leading_lists", "two_round_rows", "divisor_rows"]

# Row status of :func:`two_round_rows`.
DONE = 0
REDO = 1  # a tie, or counts too large for int64 cross-multiplication: NumPy redoes it
ERROR = 2  # bad input (negative votes, no valid votes, an empty runoff): NumPy raises


@njit(parallel=True, nogil=True, cache=True)
def _leading_rows(votes, depth, total, slots, leading):
    n_rows, n_lists = votes.shape
    for row in prange(n_rows):
        row_total = np.int64(0)
        v0 = v1 = v2 = np.int64(-1)
        s0 = s1 = s2 = n_lists - 1
        for slot in range(n_lists):
            value = np.int64(votes[row, slot])
            row_total += value
            # Strictly greater: among equal votes the lower slot stays ahead.
            if value > v2:
                if value > v1:
                    v2, s2 = v1, s1
                    if value > v0:
                        v1, s1 = v0, s0
                        v0, s0 = value, slot
                    else:
                        v1, s1 = value, slot
                else:
                    v2, s2 = value, slot
        total[row] = row_total
        # Levels beyond the row's slots read as slot K-1 with 0 votes, as in NumPy.
        slots[0, row] = s0
        leading[0, row] = max(v0, 0)
        if depth > 1:
            slots[1, row] = s1
            leading[1, row] = max(v1, 0)
        if depth > 2:
            slots[2, row] = s2
            leading[2, row] = max(v2, 0)


def leading_lists(votes: np.ndarray, depth: int = 3):
    """:func:`malivote.rules._kernels.leading_lists`, one pass per row."""
    n_rows, n_lists = votes.shape
    total = np.empty(n_rows, dtype=np.int64)
    slots = np.empty((depth, n_rows), dtype=np.int64)
    leading = np.empty((depth, n_rows), dtype=np.int64)
    _leading_rows(votes, depth, total, slots, leading)
    return total, slots, leading


@njit(parallel=True, nogil=True, cache=True)
def _two_round_rows(votes, second, has_second, numerator, denominator, total_limit, vote_limit, status, winner, rounds, finalists):
    n_rows, n_lists = votes.shape
    for row in prange(n_rows):
        total = np.int64(0)
        lowest = np.int64(0)
        v0 = v1 = v2 = np.int64(-1)
        s0 = s1 = n_lists - 1
        for slot in range(n_lists):
            value = np.int64(votes[row, slot])
            total += value
            if value < lowest:
                lowest = value
            if value > v2:
                if value > v1:
                    v2 = v1
                    if value > v0:
                        v1, s1 = v0, s0
                        v0, s0 = value, slot
                    else:
                        v1, s1 = value, slot
                else:
                    v2 = value
        winner[row] = s0
        rounds[row] = 1
        finalists[0, row] = s0
        finalists[1, row] = -1
        if lowest < 0 or total == 0 or v0 >= vote_limit:
            status[row] = ERROR
            continue
        if v1 > 0 and (v0 == v1 or v1 == v2):
            status[row] = REDO
            continue
        if total > total_limit:
            status[row] = REDO
            continue
        status[row] = DONE
        if v0 * denominator > total * numerator:
            continue
        if has_second:
            leader_runoff = np.int64(second[row, s0])
            runner_up_runoff = np.int64(second[row, s1])
            if leader_runoff == 0 and runner_up_runoff == 0:
                status[row] = ERROR
                continue
        else:
            leader_runoff = v0
            runner_up_runoff = v1
        if leader_runoff == runner_up_runoff:
            status[row] = REDO
            continue
        rounds[row] = 2
        finalists[1, row] = s1
        if runner_up_runoff > leader_runoff:
            winner[row] = s1


def two_round_rows(votes: np.ndarray, second, numerator: int, denominator: int):
    """The deterministic part of :func:`malivote.rules.two_round`, fused.

    Parameters
    ----------
    votes : ndarray of int, shape (R, K)
        First-round votes (not yet checked for negative entries).
    second : ndarray of int, shape (R, K), or None
    numerator, denominator : int
        The majority share.

    Returns
    -------
    status : ndarray of uint8, shape (R,)
        :data:`DONE` where the row is decided here, :data:`REDO` where the NumPy
        path must redo it (a tie needs a lot, or counts too large), :data:`ERROR`
        where the input is bad.
    winner : ndarray of int64, shape (R,)
    rounds : ndarray of int8, shape (R,)
    finalists : ndarray of int64, shape (2, R)
        Leader, then runner-up (-1 where round 1 decided).
    """
    n_rows = votes.shape[0]
    status = np.empty(n_rows, dtype=np.uint8)
    winner = np.empty(n_rows, dtype=np.int64)
    rounds = np.empty(n_rows, dtype=np.int8)
    finalists = np.empty((2, n_rows), dtype=np.int64)
    has_second = second is not None
    if second is None:
        second = votes[:0]
    # v0 * denominator and total * numerator must not overflow int64.
    total_limit = (2**62 - 1) // max(numerator, denominator, 1)
    # Larger counts make leading_lists raise (and could overflow the totals here).
    n_lists = votes.shape[1]
    vote_limit = -(-(2 ** (63 - max(1, (n_lists - 1).bit_length()))) // n_lists) - 1
    _two_round_rows(
        votes, second, has_second, numerator, denominator, total_limit, vote_limit, status, winner, rounds, finalists
    )
    return status, winner, rounds, finalists


def divisor_rows(*args):  # pragma: no cover - filled in below
    raise NotImplementedError
