"""The hot loop of the winner-takes-all rules, in plain NumPy.

NumPy reduces a short last axis (20 list slots) one row at a time, at tens of
nanoseconds a row; across a long axis it runs vectorised. So the kernel takes the
``(R, K)`` votes a block of rows at a time, transposes the block into a cache-sized
``(K, B)`` buffer, and does every step as an elementwise operation over ``K`` rows of
length ``B``. Each vote is packed with its slot into one integer key, ``votes << bits
| (K - 1 - slot)``, so that one maximum gives both the leader's votes and its slot
(the lowest slot among equals; ties are re-drawn by lot afterwards).

With the numba backend (:mod:`malivote.rules._backend`) the same outputs come from
:func:`malivote.rules._numba.leading_lists`, one pass per row, rows in parallel.
"""

from __future__ import annotations

import numpy as np

from malivote.rules._backend import backend

__all__ = ["leading_lists"]

BLOCK_ROWS = 16_384


def _too_large(name: str, largest: int, n_lists: int, slot_bits: int) -> ValueError:
    """The error for counts whose keys would overflow int64, with the supported range."""
    limit = -(-(2 ** (63 - slot_bits)) // n_lists) - 1
    return ValueError(
        f"{name}: counts up to {largest} are too large to rank exactly; with {n_lists} "
        f"list slot(s) every count must be below {limit}"
    )


def leading_lists(votes: np.ndarray, depth: int = 3, *, block_rows: int = BLOCK_ROWS, name: str = "votes"):
    """Row totals and the ``depth`` largest entries of each row of ``votes``.

    Parameters
    ----------
    votes : ndarray of non-negative int, shape (R, K)
    depth : int
        How many leading entries to find (1 to 3).
    name : str
        The argument to name when the counts are too large to rank.

    Returns
    -------
    total : ndarray of int64, shape (R,)
        The sum of each row.
    slots : ndarray of int64, shape (depth, R)
        The slots of the leading entries, largest first; among equal votes the lower
        slot comes first. Meaningless where the votes are 0.
    leading : ndarray of int64, shape (depth, R)
        Their votes (0 where the row has fewer than ``depth`` entries).

    Examples
    --------
    >>> import numpy as np
    >>> total, slots, leading = leading_lists(np.array([[3, 9, 1, 9], [0, 2, 5, 1]]))
    >>> total
    array([22,  8])
    >>> slots[:2]
    array([[1, 2],
           [3, 1]])
    >>> leading
    array([[9, 5],
           [9, 2],
           [3, 1]])
    """
    n_rows, n_lists = votes.shape
    slot_bits = max(1, (n_lists - 1).bit_length())
    if 1 <= depth <= 3 and votes.size and backend() == "numba":
        from malivote.rules import _numba

        largest, total, slots, leading = _numba.leading_lists(numba_votes(votes), depth)
        if (largest + 1) * n_lists >= 2 ** (63 - slot_bits):
            raise _too_large(name, largest, n_lists, slot_bits)
        return total, slots, leading
    largest = int(votes.max(initial=0))
    # The column sums of the keys must fit too: votes and slots, shifted.
    fits_int32 = (largest + 1) * n_lists < 2 ** (31 - slot_bits)
    if (largest + 1) * n_lists >= 2 ** (63 - slot_bits):
        raise _too_large(name, largest, n_lists, slot_bits)
    key_type = np.int32 if fits_int32 else np.int64
    slot_mask = (1 << slot_bits) - 1
    slot_sum = n_lists * (n_lists - 1) // 2

    total = np.empty(n_rows, dtype=np.int64)
    keys_out = np.empty((depth, n_rows), dtype=np.int64)
    reversed_slot = np.arange(n_lists - 1, -1, -1, dtype=key_type)[:, None]
    block_rows = max(1, min(block_rows, n_rows))
    buffer = np.empty((n_lists, block_rows), dtype=key_type)
    keep = np.empty((n_lists, block_rows), dtype=bool)

    for start in range(0, n_rows, block_rows):
        block = votes[start : start + block_rows]
        size = block.shape[0]
        keys = buffer[:, :size]
        # Transpose and shift in one pass; the slot goes into the low bits.
        # dtype=key_type: a narrow vote type (int8, int16) would overflow when shifted.
        np.left_shift(block.T, slot_bits, out=keys, dtype=key_type, casting="unsafe")
        np.bitwise_or(keys, reversed_slot, out=keys)
        # The slots in the low bits add up to the same constant in every column.
        column_sums = keys.sum(axis=0, dtype=key_type)
        total[start : start + size] = (column_sums - slot_sum) >> slot_bits
        for level in range(depth):
            best = keys.max(axis=0)
            keys_out[level, start : start + size] = best
            if level + 1 < depth:
                # Keys are unique within a column: zero out exactly the one found.
                mask = keep[:, :size]
                np.not_equal(keys, best, out=mask)
                np.multiply(keys, mask, out=keys)
    slots = (n_lists - 1) - (keys_out & slot_mask)
    leading = keys_out >> slot_bits
    return total, slots, leading


def numba_votes(votes: np.ndarray) -> np.ndarray:
    """``votes`` as int32 or int64, the two vote types the numba kernels compile for."""
    if votes.dtype in (np.int32, np.int64):
        return votes
    return votes.astype(np.int64)
