"""Parts of :mod:`malivote.reconstruct._sample`, compiled (``malivote[fast]``).

The known shares, list members, women and slot order (the rosters are in
:mod:`~malivote.reconstruct._rosters_numba`): loops over rows,
constituencies or lists, in parallel. They read the same random numbers, drawn by
NumPy in the same order, and make the same comparisons as the NumPy code (integer
arithmetic, and no floating-point operation beyond one product and its floor, which
IEEE 754 rounds alike), so both paths give identical arrays (tested in
``tests/test_reconstruct.py``). Imported only when the backend is ``"numba"``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["allocate", "fill_members", "share_search", "shuffle_slots"]


@njit(cache=True, nogil=True, parallel=True)
def fill_members(members, seats, keys, u_size, cum_probs, fill, reps, n, known_ru, taken_usable, m, n_draw_parties):
    """Winners' parties (slot 0) and the losing lists' parties, in place.

    ``members (B, C, K, S)`` int8, ``-1`` where empty (a known runner-up's parties are
    already in slot 1); ``keys (B, C, P)``: the weighted order keys (``-inf`` where a
    party is not usable); ``u_size (B, C, K)``: uniforms for the list sizes;
    ``fill (B, C, K)``: index into ``reps`` for a list left without a party;
    ``taken_usable (B, C)``: the number of usable parties. Returns ``nmem (B, C, K)``
    and the member bit masks ``(B, C, K)``.
    """
    B, C, K, S = members.shape
    P = seats.shape[2]
    nmem = np.zeros((B, C, K), np.int64)
    mask = np.zeros((B, C, K), np.int64)
    for bc in prange(B * C):
        b = bc // C
        c = bc % C
        # winners: parties with seats, in index order
        j = 0
        for p in range(P):
            if seats[b, c, p] > 0 and j < S:
                members[b, c, 0, j] = p
                j += 1
        order = np.argsort(-keys[b, c])
        n_avail = taken_usable[b, c]
        start = 0
        for k in range(1, K):
            sampled = k < n[b, c] and not (k == 1 and known_ru[b, c])
            if not sampled:
                continue
            size = 1
            for q in range(cum_probs.size):
                if u_size[b, c, k] > cum_probs[q]:
                    size += 1
            size = min(size, m[c])
            for j in range(min(S, n_draw_parties)):
                idx = start + j
                if j < size and idx < n_avail:
                    members[b, c, k, j] = order[min(idx, P - 1)]
            start += size
            if members[b, c, k, 0] < 0 and reps.size > 0:
                members[b, c, k, 0] = reps[fill[b, c, k]]
        for k in range(K):
            cnt = 0
            bits = np.int64(0)
            for j in range(S):
                p = members[b, c, k, j]
                if p >= 0:
                    cnt += 1
                    bits += np.int64(1) << np.int64(p)
            nmem[b, c, k] = cnt
            mask[b, c, k] = bits
    return nmem, mask


@njit(cache=True, nogil=True)
def _insertion_order(keys, n, order):
    """``order[:n]``: the positions of ``keys[:n]`` sorted ascending (distinct keys)."""
    for i in range(n):
        order[i] = i
    for i in range(1, n):
        cur = order[i]
        j = i - 1
        while j >= 0 and keys[order[j]] > keys[cur]:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = cur


@njit(cache=True, nogil=True, parallel=True)
def allocate(lo, cap, keys, R):
    """Units of :func:`~malivote.reconstruct._sample.allocate_units`: ``lo`` plus, per
    row, the ``R`` unit places (``u < cap``) with the smallest keys. ``lo``, ``cap``
    ``(B, L)``, ``keys (B, L, U)``, ``R (B,)``."""
    B, L, U = keys.shape
    out = lo.copy()
    for b in prange(B):
        if R[b] <= 0:
            continue
        n = 0
        for i in range(L):
            n += min(cap[b, i], U)
        vals = np.empty(n)
        n = 0
        for i in range(L):
            for u in range(min(cap[b, i], U)):
                vals[n] = keys[b, i, u]
                n += 1
        thr = np.sort(vals)[R[b] - 1]
        for i in range(L):
            cnt = 0
            for u in range(min(cap[b, i], U)):
                if keys[b, i, u] <= thr:
                    cnt += 1
            out[b, i] += cnt
    return out


@njit(cache=True, nogil=True, parallel=True)
def share_search(V, P, majority, n_lists, max_step):
    """:func:`~malivote.reconstruct._sample.share_delta`: the first change of ``V`` in
    the order 0, +1, -1, +2, -2, ... that can give the share; ``found`` per row."""
    B = V.shape[0]
    delta = np.zeros(B, np.int64)
    votes = np.zeros(B, np.int64)
    found = np.zeros(B, np.bool_)
    for b in prange(B):
        for i in range(2 * max_step - 1):
            d = 0 if i == 0 else ((i + 1) // 2 if i % 2 == 1 else -(i // 2))
            Vd = V[b] + d
            v = (P[b] * Vd + 5000) // 10000
            good = 2 * abs(10000 * v - P[b] * Vd) < Vd
            if majority:
                good = good and 2 * v > Vd
            good = good and (Vd - v) >= (n_lists[b] - 1) and v >= 1 and Vd >= 1
            if good:
                delta[b] = d
                votes[b] = v
                found[b] = True
                break
    return delta, votes, found


@njit(cache=True, nogil=True, parallel=True)
def shuffle_slots(keys, n, first, second, mask, women):
    """Slot ``j`` of a constituency takes its ``perm[j]``-th list, ``perm`` the order of
    the ``n`` live lists' keys (the empty slots keep their places and their zeros)."""
    B, C, K = keys.shape
    perm = np.empty((B, C, K), np.int64)
    f2, s2, m2, w2 = np.zeros_like(first), np.zeros_like(second), np.zeros_like(mask), np.zeros_like(women)
    for bc in prange(B * C):
        b = bc // C
        c = bc % C
        order = np.empty(K, np.int64)
        _insertion_order(keys[b, c], n[b, c], order)
        for j in range(n[b, c], K):
            order[j] = j
        for j in range(K):
            k = order[j]
            perm[b, c, j] = k
            f2[b, c, j] = first[b, c, k]
            s2[b, c, j] = second[b, c, k]
            m2[b, c, j] = mask[b, c, k]
            w2[b, c, j] = women[b, c, k]
    return perm, f2, s2, m2, w2
