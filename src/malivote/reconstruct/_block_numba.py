"""The glue of :func:`malivote.reconstruct._sample.sample_block`, compiled (``malivote[fast]``).

The fact rows per draw, the exact known shares, the slots that hold a list with their
women bounds, and the turnout table: each one pass over the block instead of NumPy
passes over its columns (and a Python loop over the fact rows). Integer arithmetic and copies only, in the NumPy code's order, so both
paths give identical arrays (tested in ``tests/test_sampler_stages.py``). Imported
only when the backend is ``"numba"``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from malivote.reconstruct._sample_numba import share_search

__all__ = ["NEGATIVE", "NO_SHARE", "NO_SLACK", "known_shares", "live_bounds", "row_facts", "turnout_table"]

#: :func:`known_shares`' statuses past 0 (done), in the order the NumPy code checks them
NO_SLACK, NO_SHARE, NEGATIVE = 1, 2, 3


@njit(cache=True, nogil=True)
def row_facts(active, col, share, runner_up, B, C):
    """The known winner share (x 100, -1 where none) and runner-up mask (0) per
    ``(draw, constituency)``: fact row ``i`` (``active (R, B)``) sets them in its
    constituency ``col[i]`` where it holds, a later row over an earlier one.
    ``share[i] < 0``: the row gives no share; ``runner_up[i] == 0``: no runner-up."""
    share_P = np.full((B, C), -1, np.int64)
    ru_mask = np.zeros((B, C), np.int64)
    for i in range(col.size):
        c, s, ru = col[i], share[i], runner_up[i]
        for b in range(B):
            if active[i, b]:
                if s >= 0:
                    share_P[b, c] = s
                if ru != 0:
                    ru_mask[b, c] = ru
    return share_P, ru_mask


@njit(cache=True, nogil=True)
def known_shares(share_P, rnd, n, m, valid, inv, v_known):
    """Step 4 of ``sample_block``: ``valid`` and ``inv`` ``(B, C, 2)`` changed in place so
    each known share (``share_P >= 0``, in its draw's deciding round) is exact, the
    slack constituency of the round taking the opposite change; the winner's votes into
    ``v_known``. Every entry of a known-share column is searched, as in NumPy (the
    others with a share of 55% and one list). Returns 0, or the first failure:
    ``NO_SLACK``, ``NO_SHARE`` (a round's search) or ``NEGATIVE`` (invalid ballots)."""
    B, C = share_P.shape
    ever = np.zeros(C, np.bool_)
    for b in range(B):
        for c in range(C):
            if share_P[b, c] >= 0:
                ever[c] = True
    cols = np.empty(C, np.int64)
    for rd in (1, 2):
        nc = 0
        for c in range(C):
            for b in range(B):
                if share_P[b, c] >= 0 and rnd[b, c] == rd:
                    cols[nc] = c
                    nc += 1
                    break
        if nc == 0:
            continue
        # the slack one: the largest magnitude, the first such (round 2: among the
        # constituencies in a runoff in every draw)
        slack, best = -1, np.int64(0)
        for c in range(C):
            if ever[c]:
                continue
            if rd == 2:
                always = True
                for b in range(B):
                    if rnd[b, c] != 2:
                        always = False
                        break
                if not always:
                    continue
            key = m[c] * 1_000_000 + (C - c)
            if slack < 0 or key > best:
                slack, best = c, key
        if slack < 0:
            return NO_SLACK
        V = np.empty(B * nc, np.int64)
        P = np.empty(B * nc, np.int64)
        nl = np.empty(B * nc, np.int64)
        for b in range(B):
            for j in range(nc):
                c = cols[j]
                on = share_P[b, c] >= 0 and rnd[b, c] == rd
                V[b * nc + j] = valid[b, c, rd - 1]
                P[b * nc + j] = share_P[b, c] if on else 5500
                nl[b * nc + j] = (n[b, c] if rd == 1 else 2) if on else 1
        d, v, found = share_search(V, P, True, nl, 400)
        for i in range(found.size):
            if not found[i]:
                return NO_SHARE
        for b in range(B):
            moved = np.int64(0)
            for j in range(nc):
                c = cols[j]
                if share_P[b, c] >= 0 and rnd[b, c] == rd:
                    dj = d[b * nc + j]
                    valid[b, c, rd - 1] += dj
                    inv[b, c, rd - 1] -= dj
                    moved += dj
                    v_known[b, c] = v[b * nc + j]
            valid[b, slack, rd - 1] -= moved
            inv[b, slack, rd - 1] += moved
    for b in range(B):
        for c in range(C):
            for r in range(2):
                if inv[b, c, r] < 0:
                    return NEGATIVE
    return 0


@njit(cache=True, nogil=True)
def turnout_table(reg, cast, inv, valid, runoff, out):
    """``out (B, C, 2, 4)``: registered voters, ballots cast, invalid and valid ballots
    per round, all 0 in round 2 where none was held."""
    B, C = reg.shape
    for b in range(B):
        for c in range(C):
            out[b, c, 0, 0] = reg[b, c]
            out[b, c, 0, 1] = cast[b, c, 0]
            out[b, c, 0, 2] = inv[b, c, 0]
            out[b, c, 0, 3] = valid[b, c, 0]
            held = 1 if runoff[b, c] else 0
            out[b, c, 1, 0] = reg[b, c] * held
            out[b, c, 1, 1] = cast[b, c, 1] * held
            out[b, c, 1, 2] = inv[b, c, 1] * held
            out[b, c, 1, 3] = valid[b, c, 1] * held
    return out


@njit(cache=True, nogil=True)
def live_bounds(n, lo_c, hi_c, K):
    """Which of the ``K`` slots hold a list (the first ``n``), ``(B, C, K)``, and the
    women bounds of the winners ``(B, C)`` and of the other slots ``(B, C, K - 1)``:
    the constituency's ``lo_c``, ``hi_c`` where the slot holds a list, 0 elsewhere."""
    B, C = n.shape
    live = np.empty((B, C, K), np.bool_)
    lo0, hi0 = np.empty((B, C), lo_c.dtype), np.empty((B, C), hi_c.dtype)
    lo1, hi1 = np.empty((B, C, K - 1), lo_c.dtype), np.empty((B, C, K - 1), hi_c.dtype)
    zero_lo, zero_hi = lo_c.dtype.type(0), hi_c.dtype.type(0)
    for b in range(B):
        for c in range(C):
            nl = n[b, c]
            lo, hi = lo_c[c], hi_c[c]
            for k in range(K):
                live[b, c, k] = k < nl
            lo0[b, c] = lo if nl > 0 else zero_lo
            hi0[b, c] = hi if nl > 0 else zero_hi
            for k in range(1, K):
                lo1[b, c, k - 1] = lo if k < nl else zero_lo
                hi1[b, c, k - 1] = hi if k < nl else zero_hi
    return live, lo0, hi0, lo1, hi1
