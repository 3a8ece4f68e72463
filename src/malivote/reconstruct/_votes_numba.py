"""The vote stage of :mod:`malivote.reconstruct._sample`, compiled (``malivote[fast]``).

:func:`votes` is ``_votes`` once its random numbers are drawn (by NumPy, in the same
order): both rounds' votes of a constituency in one pass, with no temporaries the size
of the block. :func:`others_needed` is ``_others_needed``. They make the NumPy code's
floating-point operations in its order (no fastmath, no transcendental function), take
minima and maxima as ``np.minimum`` and ``np.maximum`` do (NaN wins) and round with the
kernels of :mod:`malivote._rounding_numba` (NumPy's pairwise sums), so both paths give
identical arrays (tested in ``tests/test_votes_kernel.py``). Imported only when the
backend is ``"numba"``.

The draws of a block run in parallel (``prange``: one run of draws per thread, with
its own scratch rows) when called from the main thread,
one after the other from a worker thread: on 2 cores the parallel loop was the faster
end to end with ``simulate(workers=1)``, the serial one with ``workers=2`` (the other
worker keeps the second core busy). Both give the same arrays.
"""

from __future__ import annotations

import threading

import numpy as np
from numba import get_num_threads, njit, prange

from malivote._rounding_numba import CANNOT, NOT_FINITE, OK, _pairwise_sum, _round_compact

__all__ = ["others_needed", "params", "votes"]

_BIG = np.iinfo(np.int64).max
_TRIES = 200  # separation passes, as in the NumPy loop


def params(pr):
    """The runoff priors as the kernels' float tuple (the derived constants computed as
    the NumPy code computes them)."""
    g, c = float(pr.max_gain), float(pr.others_below)
    flo, fhi = pr.finalists_share
    margin, low = float(pr.transfer_margin), float(pr.shrink_low)
    return (g, c, 1 - 1 / g, float(flo), float(fhi), margin, 1.0 - 2.0 * margin, low, 1.0 - low)


@njit(cache=True, nogil=True, inline="always")
def _max(a, b):
    """``np.maximum(a, b)`` of two floats."""
    return a if (a >= b or np.isnan(a)) else b


@njit(cache=True, nogil=True, inline="always")
def _min(a, b):
    """``np.minimum(a, b)`` of two floats."""
    return a if (a <= b or np.isnan(a)) else b


@njit(cache=True, nogil=True, inline="always")
def _cut(lo, hi, a, b, gm, d):
    """One (lower bound ``a + b F``, upper bound ``gm + d F``) pair of ``_f_range``:
    ``A + D F > 0`` bounds ``F`` below (``D > 0``) or above, or rules it out."""
    A = gm - a
    D = (d - b) + 0.0 * A
    root = -A / (1.0 if D == 0 else D)
    if D > 0:
        lo = _max(lo, root)
    if D < 0:
        hi = _min(hi, root)
    if D == 0 and A <= 0:
        hi = -np.inf
    return lo, hi


# The pairs whose d - b is -1, 0 or 1, exactly: with a finite A, D is that constant and
# -A / D is A or -A (no division); a NaN or infinite A makes D NaN, and NumPy then
# leaves lo and hi alone.


@njit(cache=True, nogil=True, inline="always")
def _cut_down(lo, hi, a, gm):
    """:func:`_cut` where ``d - b == -1``."""
    A = gm - a
    if A - A == 0.0:
        hi = _min(hi, A)
    return lo, hi


@njit(cache=True, nogil=True, inline="always")
def _cut_flat(lo, hi, a, gm):
    """:func:`_cut` where ``d - b == 0``."""
    A = gm - a
    if A - A == 0.0 and A <= 0:
        hi = -np.inf
    return lo, hi


@njit(cache=True, nogil=True, inline="always")
def _cut_up(lo, hi, a, gm):
    """:func:`_cut` where ``d - b == 1``."""
    A = gm - a
    if A - A == 0.0:
        lo = _max(lo, -A)
    return lo, hi


@njit(cache=True, nogil=True)
def _f_range(s2, k, par):
    """``_f_range`` of one share ``s2`` and ``k`` (float) eliminated lists."""
    g, c, omg, flo, fhi = par[0], par[1], par[2], par[3], par[4]
    inv = 1.0 / (c * k)
    # the upper bounds gm + d F, d = -1, 0, -1, 0, inv; every pair in NumPy's order
    u0, u1, u2, u3, u4 = 1.0 + 0.0 * s2, s2, 0.5 + s2, s2 * omg, s2 - inv
    lo, hi = flo, fhi
    for a in (0.0 * s2, s2 - 0.5):  # b = 0
        lo, hi = _cut_down(lo, hi, a, u0)
        lo, hi = _cut_flat(lo, hi, a, u1)
        lo, hi = _cut_down(lo, hi, a, u2)
        lo, hi = _cut_flat(lo, hi, a, u3)
        lo, hi = _cut(lo, hi, a, 0.0, u4, inv)
    for a in (s2, (1.0 - s2) / g + s2):  # b = -1
        lo, hi = _cut_flat(lo, hi, a, u0)
        lo, hi = _cut_up(lo, hi, a, u1)
        lo, hi = _cut_flat(lo, hi, a, u2)
        lo, hi = _cut_up(lo, hi, a, u3)
        lo, hi = _cut(lo, hi, a, -1.0, u4, inv)
    a, b = inv + s2, -1.0 - inv
    lo, hi = _cut(lo, hi, a, b, u0, -1.0)
    lo, hi = _cut(lo, hi, a, b, u1, 0.0)
    lo, hi = _cut(lo, hi, a, b, u2, -1.0)
    lo, hi = _cut(lo, hi, a, b, u3, 0.0)
    return _cut(lo, hi, a, b, u4, inv)


@njit(cache=True, nogil=True, inline="always")
def _finalists(s2, k, u_f, u_psi, par):
    """``_finalists`` (with ``_psi_bounds``) of one constituency, given its two Beta draws."""
    g, c, omg, margin, spread = par[0], par[1], par[2], par[5], par[6]
    lo, hi = _f_range(s2, k, par)
    hi = _max(hi, lo)
    F = lo + (hi - lo) * u_f
    e = 1.0 - F
    t = (1.0 - F) / (c * k)
    # np.maximum.reduce / np.minimum.reduce: the first bound, then each next one
    low = _max(_max(_max(_max(0.0, (s2 - 0.5) + 0.0 * F), s2 - F), ((1.0 - s2) / g - F) + s2), (t - F) + s2)
    up = _min(_min(_min(_min(1.0 - F, s2 + 0.0 * F), (0.5 - F) + s2), s2 * omg + 0.0 * F), s2 - t)
    up = _max(up, low)
    pe = low + (up - low) * (margin + spread * u_psi)
    a_w = s2 - pe
    return a_w, F - a_w, e


@njit(cache=True, nogil=True, inline="always")
def _shares(row, n, live, total, out, values, slot, keys, spare):
    """``round_shares`` of one row: ``share_rows`` (SHARES mode): ``_compact``'s
    operations, then ``_round_compact`` (:mod:`malivote._rounding_numba`); returns the
    row's status. The entries from ``live`` on must be 0 (or NaN: then so is the sum,
    and every share is 0): they are only added to the sum."""
    s = _pairwise_sum(row, n)
    if not s > 0:  # every share 0, total 0
        for k in range(n):
            out[k] = 0
        return OK
    t = np.float64(total)
    m = 0
    for k in range(live):
        out[k] = 0
        w = row[k]
        if w == 0.0:  # its share is a zero, which _compact skips (no division)
            continue
        r = (w / s) * t
        if not (r < np.inf and r > -np.inf):
            return NOT_FINITE
        if r > 0.0:
            values[m] = r
            slot[m] = k
            m += 1
    for k in range(live, n):
        out[k] = 0
    return _round_compact(values, slot, m, total, out, keys, spare)


@njit(cache=True, nogil=True)
def _draws(b0, b1, n, valid, runoff, has_share, v_known, s2_draw, u_win, g, start, u_fin, u_psi, u_shrink,
           par, first, second, status):
    """Both rounds' votes of draws ``b0`` to ``b1 - 1`` (``_votes`` for those draws, with
    one set of scratch rows: one call per run of draws, as a call passes every array).
    A constituency's gammas are ``g[start[b, c]:]``, one per list of its Dirichlet
    split (slots 1 or 2 to ``n - 1``)."""
    K = first.shape[2]
    w, values, keys = np.empty(K), np.empty(K), np.empty(K)
    slot, spare, ro = np.empty(K, np.int64), np.empty(K, np.int64), np.empty(K, np.int64)
    for b in range(b0, b1):
        for c in range(first.shape[1]):
            nl = n[b, c]
            V1 = valid[b, c, 0]
            V2 = valid[b, c, 1]
            is_ro = runoff[b, c]
            known = has_share[b, c]
            s = start[b, c]
            vw, w2 = 0, 0
            for k in range(K):
                second[b, c, k] = 0
            if not is_ro:
                # decided in round 1: the winner's votes, the others' split of the rest
                s_w = 0.5 + 0.5 * u_win[b, c]
                vw = max(np.int64(np.floor(s_w * V1)), V1 // 2 + 1)
                if known:
                    vw = v_known[b, c]
                vw = min(vw, V1 - (nl - 1))
                w[0] = 0.0
                for k in range(1, nl):
                    w[k] = g[s + k - 1]
                for k in range(max(nl, 1), K):
                    w[k] = 0.0
                units = V1 - vw - (nl - 1)
            else:
                # runoff: round 2 first (the winner's share), then a round 1 coherent with it
                s2 = s2_draw[b, c]
                w2 = max(np.int64(np.floor(s2 * V2)), V2 // 2 + 1)
                if known:
                    w2 = v_known[b, c]
                w2 = min(w2, max(V2 - 1, 0))
                if V2 > 0:
                    s2 = w2 / max(V2, 1)
                s2 = _min(_max(s2, 0.5), 0.999)
                kk = max(nl - 2, 1)
                a_w, a_l, e = _finalists(s2, np.float64(kk), u_fin[b, c], u_psi[b, c], par)
                # the eliminated lists' Dirichlet split (a cumsum's sum: sequential), shrunk
                # as in NumPy. Its loops stop at the lists: the slots past them hold 0, which
                # adds nothing to a sum that starts at +0.0, and each of them comes out as
                # `empty` (0, or NaN once a NaN spreads)
                total = 0.0
                for k in range(2, nl):
                    x = g[s + k - 2]
                    w[k] = x
                    total += x
                den = _max(total, 1e-300)
                empty = 0.0 / den
                top = empty
                for k in range(2, nl):
                    w[k] = w[k] / den
                    top = _max(top, w[k])
                if nl < K:
                    top = _max(top, empty)
                cap = par[1] * _min(a_w, a_l) / _max(e, 1e-300)
                even = 1.0 / kk
                lam_max = (cap - even) / _max(top - even, 1e-300) if top > cap else np.inf
                lam = _min(1.0, lam_max * (par[7] + par[8] * u_shrink[b, c]))
                w[0] = a_w * (1.0 if nl > 0 else 0.0)
                w[1] = a_l * (1.0 if nl > 1 else 0.0)
                for k in range(2, nl):
                    w[k] = (lam * w[k] + (1.0 - lam) * even) * e
                rest = (((lam * empty + (1.0 - lam) * even) * 0.0) * e) * 0.0
                for k in range(max(nl, 2), K):
                    w[k] = rest
                units = V1 - nl
            # either case's round-1 split, rounded at one place (one inlined copy)
            st = _shares(w, K, nl, units, ro, values, slot, keys, spare)
            if not is_ro:
                for k in range(K):
                    first[b, c, k] = (vw if k == 0 else ro[k] + 1) * (1 if k < nl else 0)
                status[b, c, 0] = st
                status[b, c, 1] = OK
                status[b, c, 2] = False
                continue
            for k in range(nl):
                ro[k] += 1

            # rounding may leave another list level with a finalist (small constituencies):
            # the NumPy loop's moves, row by row (a row once separated is never touched again)
            failed = True
            for _ in range(_TRIES):
                fm = min(ro[0], ro[1])
                j = 2
                tm = ro[2] if 2 < nl else 0
                for k in range(3, nl):
                    if ro[k] > tm:
                        tm = ro[k]
                        j = k
                if tm < 0 and nl < K:  # (the slots past the lists read 0 votes)
                    tm = 0
                    j = nl
                if not fm <= tm:
                    failed = False
                    break
                f = 0 if ro[0] <= ro[1] else 1
                kd = 2
                rmin = ro[2] if (2 < nl and j != 2) else _BIG
                for k in range(3, nl):
                    if k != j and ro[k] < rmin:
                        rmin = ro[k]
                        kd = k
                need = tm - fm + 1
                # (n > 3 first: with one other list, NumPy's sum wraps but is then ignored)
                spread = nl > 3 and rmin + need <= fm - 1
                amt = need if spread else (tm - fm) // 2 + 1
                dest = kd if spread else f
                ro[j] -= amt
                ro[dest] += amt

            for k in range(K):
                first[b, c, k] = ro[k]
            second[b, c, 0] = w2
            second[b, c, 1] = V2 - w2
            status[b, c, 0] = OK
            status[b, c, 1] = st
            status[b, c, 2] = failed


@njit(cache=True, nogil=True)
def _worst(status):
    """The block's statuses: each rounding's (NOT_FINITE before CANNOT, as NumPy checks
    every value first), and whether a row could not be separated."""
    B, C, _ = status.shape
    out = np.zeros(3, np.int64)
    for j in range(2):
        for b in range(B):
            for c in range(C):
                s = status[b, c, j]
                if s == NOT_FINITE or (s == CANNOT and out[j] == OK):
                    out[j] = s
    for b in range(B):
        for c in range(C):
            if status[b, c, 2]:
                out[2] = 1
    return out


@njit(cache=True, nogil=True)
def _votes_serial(n, valid, runoff, has_share, v_known, s2_draw, u_win, g, start, u_fin, u_psi, u_shrink,
                  par, first, second, status):
    """Every row of the block, one after the other."""
    _draws(0, first.shape[0], n, valid, runoff, has_share, v_known, s2_draw, u_win, g, start, u_fin, u_psi,
           u_shrink, par, first, second, status)
    return _worst(status)


@njit(cache=True, nogil=True, parallel=True)
def _votes_parallel(runs, n, valid, runoff, has_share, v_known, s2_draw, u_win, g, start, u_fin, u_psi,
                    u_shrink, par, first, second, status):
    """Every row of the block, in ``runs`` runs of draws in parallel (one per thread:
    one set of scratch rows each)."""
    B = first.shape[0]
    for r in prange(runs):
        _draws(B * r // runs, B * (r + 1) // runs, n, valid, runoff, has_share, v_known, s2_draw, u_win, g, start,
               u_fin, u_psi, u_shrink, par, first, second, status)
    return _worst(status)


@njit(cache=True, nogil=True)
def _gamma_starts(n, runoff):
    """Each constituency's first gamma in the flat ``g`` (the split takes its lists from
    slot 2 in a runoff, from slot 1 otherwise), the gammas in all, and the most lists
    of a constituency (0 for an empty block)."""
    B, C = n.shape
    start = np.empty((B, C), np.int64)
    total, most = 0, 0
    for b in range(B):
        for c in range(C):
            start[b, c] = total
            total += max(n[b, c] - (2 if runoff[b, c] else 1), 0)
            most = max(most, n[b, c])
    return start, total, most


def votes(n, valid, runoff, has_share, v_known, s2_draw, draws, par, K, parallel=None):
    """Round-1 and round-2 votes ``(B, C, K)`` of ``_votes``, from its draws.

    ``draws``: ``(u_win, g, u_fin, u_psi, u_shrink)`` as ``_votes`` draws them (``g``
    flat: the gammas of each constituency's Dirichlet split, in (draw, constituency,
    slot) order). Returns ``(first, second, worst)``: ``worst`` holds the status of
    each of the two roundings (:mod:`malivote._rounding_numba`) and 1 where a runoff's
    finalists could not be separated from the third list. ``parallel``: whether the
    draws run in parallel (default: on the main thread only).
    """
    u_win, g, u_fin, u_psi, u_shrink = draws
    n = np.ascontiguousarray(n, np.int64)
    runoff = np.ascontiguousarray(runoff, np.bool_)
    B, C = n.shape
    start, total, most = _gamma_starts(n, runoff)
    if g.size != total:
        raise ValueError(f"votes: {g.size} gammas for {total} lists")
    if most > K:  # (the kernels' loops run to a constituency's lists)
        raise ValueError(f"votes: {most} lists for {K} slots")
    first = np.empty((B, C, K), np.int64)
    second = np.empty((B, C, K), np.int64)
    status = np.empty((B, C, 3), np.int8)
    if parallel is None:
        parallel = threading.current_thread() is threading.main_thread()
    args = (n, np.ascontiguousarray(valid, np.int64), runoff, np.ascontiguousarray(has_share, np.bool_),
            np.ascontiguousarray(v_known, np.int64), np.ascontiguousarray(s2_draw, np.float64),
            u_win, np.ascontiguousarray(g, np.float64), start, u_fin, u_psi, u_shrink, par, first, second, status)
    if parallel:
        worst = _votes_parallel(max(min(get_num_threads(), B), 1), *args)
    else:
        worst = _votes_serial(*args)
    return first, second, worst


@njit(cache=True, nogil=True)
def _others_needed(s2, kmax, par, k_out, cap_out):
    """``_others_needed`` of the flat shares ``s2``, into ``k_out`` and ``cap_out``."""
    for i in range(s2.size):
        x = s2[i]
        k_out[i] = 1
        cap_out[i] = 0.999
        lo, hi = _f_range(x, 1.0, par)
        if hi - lo > 0.01:
            continue
        found = False
        for k in range(1, kmax + 1):
            lo, hi = _f_range(x, np.float64(k), par)
            if hi - lo > 0.01:
                k_out[i] = k
                found = True
                break
        if found:
            continue
        k_out[i] = kmax
        # the largest share kmax lists allow, by bisection
        a, b = 0.5, x
        for _ in range(40):
            mid = (a + b) / 2
            l2, h2 = _f_range(mid, np.float64(kmax), par)
            if h2 - l2 > 0.01:
                a = mid
            else:
                b = mid
        cap_out[i] = a


def others_needed(s2, kmax, par):
    """``_others_needed``: ``(k, s2_cap)`` of the shares ``s2``."""
    flat = np.ascontiguousarray(s2, np.float64).reshape(-1)
    k = np.empty(flat.size, np.int64)
    cap = np.empty(flat.size, np.float64)
    _others_needed(flat, int(kmax), par, k, cap)
    return k.reshape(np.shape(s2)), cap.reshape(np.shape(s2))
