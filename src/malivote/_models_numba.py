"""Compiled kernels (numba) of the vote models: runoff transfers, mergers, sex rules.

Imported only when the backend is ``"numba"`` (:mod:`malivote.rules._backend`), by
:func:`malivote.models.transfer_runoff` for its ``"expected"`` method,
:func:`malivote.models.merge_lists`, the swings (:func:`malivote.models._swing_setup`
and :func:`malivote.models._reshare`) and :func:`malivote.rosters.apply_sex_rule`: one
pass over the rows where the NumPy code makes several over whole arrays. The results
are those of the NumPy code, bit for bit. In the transfers, a joint list's row is the
float64 sum of its parties' rows, lowest party first, divided by their count; each
list's split is rounded by the same largest-remainder helpers as
:func:`malivote.rounding.round_to_total`'s kernel; every other count is an integer.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from malivote._bits_numba import lowest_bit as _cttz
from malivote._rounding_numba import CANNOT, NOT_FINITE, OK, _compact, _round_compact

__all__ = ["THIRTY_PERCENT", "ZIPPER", "clear_rosters", "group_share_rows", "merge_rows", "reshare_rows",
           "sex_rule_rows", "transfer_expected"]

#: ``rule`` codes of :func:`sex_rule_rows`.
THIRTY_PERCENT = 0
ZIPPER = 1


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


@njit(nogil=True, cache=True)
def _joins(parties, mask, excluding):
    """Whether a list of ``parties`` is in the alliance of ``mask`` (with ``excluding``,
    every list with none of its parties)."""
    if excluding:
        return (parties & mask) == 0 and parties != 0
    return (parties & mask) != 0


@njit(nogil=True, cache=True)
def merge_rows(votes, members, weights, mask, excluding, out_votes, out_members, emptied):
    """:func:`malivote.models.merge_lists` on rows ``(N, K)``: the merged ``out_votes``
    and ``out_members``, and the slots ``emptied`` by the merger.

    ``weights`` are non-negative (checked votes), so the first involved slot of the
    largest weight is NumPy's ``argmax`` over the involved slots (the others at -1).
    """
    n_rows, slots = votes.shape
    for i in range(n_rows):
        involved = 0
        target = 0
        best = np.int64(-1)
        union = np.int64(0)
        summed = np.int64(0)
        for k in range(slots):
            parties = members[i, k]
            if _joins(parties, mask, excluding):
                involved += 1
                union |= parties
                summed += votes[i, k]
                if weights[i, k] > best:
                    best = weights[i, k]
                    target = k
        for k in range(slots):
            out_votes[i, k] = votes[i, k]
            out_members[i, k] = members[i, k]
            emptied[i, k] = False
        if involved < 2:
            continue
        for k in range(slots):
            if k == target:
                out_votes[i, k] = summed
                out_members[i, k] = union
            elif _joins(members[i, k], mask, excluding):
                out_votes[i, k] = 0
                out_members[i, k] = 0
                emptied[i, k] = True


@njit(nogil=True, cache=True)
def clear_rosters(emptied, roster_party, roster_female):
    """Clear the rosters ``(N, K, M)`` of the ``emptied`` slots ``(N, K)`` in place
    (-1, False)."""
    n_rows, slots, places = roster_party.shape
    for i in range(n_rows):
        for k in range(slots):
            if emptied[i, k]:
                for m in range(places):
                    roster_party[i, k, m] = -1
                    roster_female[i, k, m] = False


@njit(nogil=True, cache=True)
def sex_rule_rows(roster_party, roster_female, rule, woman_first, out):
    """:func:`malivote.rosters.apply_sex_rule` on rosters ``(N, M)`` into ``out``:
    ``rule`` :data:`THIRTY_PERCENT` or :data:`ZIPPER`, whose lists start with a woman
    where ``woman_first`` ``(N,)`` is True (unread by the other rule)."""
    n_rows, places = roster_party.shape
    for i in range(n_rows):
        length = 0
        for m in range(places):
            length += roster_party[i, m] >= 0
        if rule == ZIPPER:
            first = woman_first[i]
            for m in range(places):
                out[i, m] = (roster_party[i, m] >= 0) & ((m % 2 == 0) == first)
        elif length >= 3:
            women = -((-3 * length) // 10)  # ceil(0.3 * length), exactly
            for m in range(places):
                out[i, m] = (roster_party[i, m] >= 0) & (m >= length - women)
        else:
            for m in range(places):
                out[i, m] = (roster_party[i, m] >= 0) & roster_female[i, m]


@njit(nogil=True, cache=True)
def reshare_rows(votes, group, new_share, out):
    """:func:`malivote.models._reshare` on rows ``(N, K)`` into ``out``: the lists of
    ``group`` get ``new_share`` ``(N,)`` of their row's votes; returns a status of
    :mod:`malivote._rounding_numba`.

    The NumPy code's float64 operations, in its order, then its rounding
    (:func:`malivote.rounding.round_to_total`, by the same helpers as its kernel).
    """
    n_rows, slots = votes.shape
    real = np.empty(slots, np.float64)  # the row's votes before rounding
    values = np.empty(slots, np.float64)
    slot = np.empty(slots, np.int64)
    keys = np.empty(slots, np.float64)
    spare = np.empty(slots, np.int64)
    status = OK
    for i in range(n_rows):
        total = np.int64(0)
        inside = np.int64(0)
        for k in range(slots):
            total += votes[i, k]
            if group[i, k]:
                inside += votes[i, k]
        outside = total - inside
        share = new_share[i]
        if inside == 0 or outside == 0:
            share = np.float64(inside) / np.float64(max(total, 1))
        scale_in = share * np.float64(total) / np.float64(max(inside, 1)) if inside > 0 else 0.0
        scale_out = (1.0 - share) * np.float64(total) / np.float64(max(outside, 1)) if outside > 0 else 0.0
        for k in range(slots):
            real[k] = np.float64(votes[i, k]) * (scale_in if group[i, k] else scale_out)
        m = _compact(real, slots, out[i], values, slot)
        if m < 0:
            return NOT_FINITE
        if _round_compact(values, slot, m, total, out[i], keys, spare) != OK:
            status = CANNOT
    return status


@njit(nogil=True, cache=True)
def group_share_rows(votes, members, mask, group, share):
    """The lists of a swung party (any bit of ``mask``) into ``group`` ``(N, K)`` and
    their share of each row's votes into ``share`` ``(N,)``, as the NumPy code of
    :func:`malivote.models._swing_setup` (an integer sum, one float64 division)."""
    n_rows, slots = votes.shape
    for i in range(n_rows):
        total = np.int64(0)
        inside = np.int64(0)
        for k in range(slots):
            joins = (members[i, k] & mask) != 0
            group[i, k] = joins
            total += votes[i, k]
            inside += votes[i, k] if joins else 0
        share[i] = np.float64(inside) / np.float64(max(total, 1))
