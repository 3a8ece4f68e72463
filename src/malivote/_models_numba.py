"""Compiled kernels (numba) of the vote models: the runoff transfers, one pass.

Imported only when the backend is ``"numba"`` (:mod:`malivote.rules._backend`), by
:func:`malivote.models.transfer_runoff` for its ``"expected"`` method. The results are
those of the NumPy code (:func:`malivote.models._transfer_block`), bit for bit: a
joint list's row is the float64 sum of its parties' rows, lowest party first, divided
by their count; each list's split is rounded by the same largest-remainder helpers as
:func:`malivote.rounding.round_to_total`'s kernel; every other count is an integer.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from malivote._bits_numba import lowest_bit as _cttz
from malivote._rounding_numba import CANNOT, NOT_FINITE, OK, _compact, _round_compact

__all__ = ["transfer_expected"]


@njit(nogil=True, cache=True)
def transfer_expected(first, members, finalists, retention, matrices, matrix_index, second, abstained):
    """Round-2 votes of the ``"expected"`` method into ``second`` ``(N, K)`` and
    ``abstained`` ``(N,)``, for rows ``first``, ``members`` ``(N, K)``, ``finalists``,
    ``retention`` ``(N, 2)`` and the matrices ``(Q, R, 3)``, row ``i`` reading
    ``matrices[matrix_index[i]]``; returns a status of
    :mod:`malivote._rounding_numba` (CANNOT: a split that cannot be rounded).

    The inputs are checked by the caller: distinct finalists in the slots where the
    second is not -1, a party with a matrix row for every list with votes.
    """
    n_rows, slots = first.shape
    target = np.empty(3, np.float64)  # a list's voters split by its row, before rounding
    real = np.empty(3, np.float64)
    slot = np.empty(3, np.int64)
    keys = np.empty(3, np.float64)
    spare = np.empty(3, np.int64)
    split = np.empty(3, np.int64)
    status = OK
    for i in range(n_rows):
        for k in range(slots):
            second[i, k] = 0
        abstained[i] = 0
        a = finalists[i, 0]
        b = finalists[i, 1]
        if b < 0:
            continue
        q = matrix_index[i]
        to_a = np.int64(0)
        to_b = np.int64(0)
        lost = np.int64(0)
        for k in range(slots):
            moved = first[i, k]
            if moved <= 0 or k == a or k == b:
                continue
            mask = members[i, k]
            w0 = 0.0
            w1 = 0.0
            w2 = 0.0
            count = 0
            while mask:
                p = _cttz(mask)
                w0 += matrices[q, p, 0]
                w1 += matrices[q, p, 1]
                w2 += matrices[q, p, 2]
                count += 1
                mask &= mask - 1
            scale = np.float64(moved)
            parties = np.float64(count)
            target[0] = scale * (w0 / parties)
            target[1] = scale * (w1 / parties)
            target[2] = scale * (w2 / parties)
            m = _compact(target, 3, split, real, slot)
            if m < 0:
                return NOT_FINITE
            if _round_compact(real, slot, m, moved, split, keys, spare) != OK:
                status = CANNOT
            to_a += split[0]
            to_b += split[1]
            lost += split[2]
        own_a = first[i, a]
        own_b = first[i, b]
        kept_a = np.int64(np.floor(retention[i, 0] * np.float64(own_a) + 0.5))
        kept_b = np.int64(np.floor(retention[i, 1] * np.float64(own_b) + 0.5))
        second[i, a] = kept_a + to_a
        second[i, b] = kept_b + to_b
        abstained[i] = lost + ((own_a - kept_a) + (own_b - kept_b))
    return status
