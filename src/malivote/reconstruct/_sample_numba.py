"""Parts of :mod:`malivote.reconstruct._sample`, compiled (``malivote[fast]``).

The list counts, known shares, list members, women and slot order (the rosters are
in :mod:`~malivote.reconstruct._rosters_numba`): serial loops over rows,
constituencies or lists (a parallel loop ran 10-50 times slower whenever the other
core of a 2-core machine was busy). They read the same random numbers, drawn by
NumPy in the same order, and make the same comparisons as the NumPy code (integer
arithmetic, and no floating-point operation beyond one product and its floor, which
IEEE 754 rounds alike; the quickselects' pivots come from a float estimate, but any
pivots give the same result), so both paths give identical arrays (tested in
``tests/test_reconstruct.py`` and ``tests/test_sampler_stages.py``). Imported only
when the backend is ``"numba"``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from malivote._rounding_numba import _kth, _pivot_last
from malivote.reconstruct._chain_numba import _mask

__all__ = ["allocate", "fill_members", "list_counts", "party_masks", "share_search", "shuffle_slots", "unit_room"]


@njit(cache=True, nogil=True)
def _split_out(ka, ia, kb, ib, costu, lo, hi, p):
    """Writes ``ka[lo:hi - 1]`` (``ia`` along) to ``kb[lo:hi]``: the keys below ``p``
    to the front, the others from the back, without branches (nor a chain through
    memory); returns the free slot between them and the front's cost ``costu[ia]``."""
    nl = lo
    nh = hi - 1
    cl = 0
    for i in range(lo, hi - 1):
        x = ka[i]
        c = ia[i]
        t = x < p
        kb[nl] = x
        ib[nl] = c
        kb[nh] = x
        ib[nh] = c
        cl += costu[c] * t
        nl += t
        nh -= 1 - t
    return nl, cl


@njit(cache=True, nogil=True)
def _split3(ka, ia, kb, ib, km, im, costu, lo, hi, p1, p2):
    """Writes ``ka[lo:hi]`` (``ia`` along) to ``kb[lo:hi]``: the keys below ``p1`` to
    the front, those above ``p2`` from the back, the others in between (via
    ``km``/``im``), without branches; returns the middle's start and end and the
    costs of the front and of the middle."""
    nl, nh, nm = lo, hi - 1, 0
    cl, cm = 0, 0
    for i in range(lo, hi):
        x = ka[i]
        c = ia[i]
        a = x < p1
        z = x > p2
        kb[nl] = x
        ib[nl] = c
        kb[nh] = x
        ib[nh] = c
        km[nm] = x
        im[nm] = c
        w = costu[c]
        cl += w * a
        cm += w * (1 - a - z)
        nl += a
        nh -= z
        nm += 1 - a - z
    for i in range(nm):
        kb[nl + i] = km[i]
        ib[nl + i] = im[i]
    return nl, nl + nm, cl, cm


@njit(cache=True, nogil=True)
def _sample_pivots(ka, ia, costu, lo, hi, share, sk, sc):
    """Two keys of ``ka[lo:hi]`` likely to bracket the point where the running cost
    (in ascending key order) reaches ``share`` of the range's cost: read off a sorted
    sample of 32 keys (``sk``, ``sc``: scratch)."""
    s = sk.size
    step = (hi - lo) // s
    tot = 0
    for i in range(s):
        x = ka[lo + i * step]
        w = costu[ia[lo + i * step]]
        tot += w
        j = i
        while j > 0 and sk[j - 1] > x:
            sk[j] = sk[j - 1]
            sc[j] = sc[j - 1]
            j -= 1
        sk[j] = x
        sc[j] = w
    q, run = 0, sc[0]
    while q < s - 1 and run < share * tot:
        q += 1
        run += sc[q]
    return sk[max(q - 5, 0)], sk[min(q + 5, s - 1)]


@njit(cache=True, nogil=True)
def _cost_prefix(k0, i0, k1, i1, km, im, sk, sc, costu, n, total, budget, taken):
    """Marks in ``taken`` the units ``i0[:n]`` (keys ``k0[:n]``, costs ``costu``
    summing to ``total``) that come first in ascending key order, the longest such
    run whose costs sum to at most ``budget``; returns their cost. A quickselect
    partitioning between the buffers ``k0``/``i0`` and ``k1``/``i1`` in turn (both
    overwritten; ``km``, ``im``, ``sk``, ``sc``: scratch), its first pass (on 256 units
    or more) split three ways around two keys of a sample that likely bracket the end
    of the run. Any pivots give the same run."""
    acc = 0
    lo, hi = 0, n
    flip = False
    if n >= 256 and budget < total:
        p1, p2 = _sample_pivots(k0, i0, costu, lo, hi, budget / total, sk, sc)
        a, b, cl, cm = _split3(k0, i0, k1, i1, km, im, costu, lo, hi, p1, p2)
        flip = True
        if cl > budget:
            hi = a
        elif cl + cm <= budget:
            acc = cl + cm
            for i in range(lo, b):
                taken[i1[i]] = True
            lo = b
        else:
            acc = cl
            for i in range(lo, a):
                taken[i1[i]] = True
            lo, hi = a, b
    while lo < hi:
        if flip:
            ka, ia, kb, ib = k1, i1, k0, i0
        else:
            ka, ia, kb, ib = k0, i0, k1, i1
        flip = not flip
        p = _pivot_last(ka, ia, lo, hi)
        j, cl = _split_out(ka, ia, kb, ib, costu, lo, hi, p)
        kb[j] = p
        ib[j] = ia[hi - 1]
        if acc + cl > budget:
            hi = j  # the run ends before the pivot (j > lo: cl > 0)
            continue
        acc += cl
        for i in range(lo, j):
            taken[ib[i]] = True
        cp = costu[ib[j]]
        if acc + cp > budget:
            return acc
        acc += cp
        taken[ib[j]] = True
        lo = j + 1
    return acc


@njit(cache=True, nogil=True)
def list_counts(keys, cap, costc, R):
    """:func:`~malivote.reconstruct._sample.select_units` counted per constituency.

    ``keys (rows, C, U)``: the units' order keys (unit ``u`` of constituency ``c``
    exists where ``u < cap[r, c]``); ``costc (C,)``: a unit's cost; ``R (rows,)``.
    The units are taken in key order while the running cost fits ``R``, then the next
    cost-1 units fill the remainder: found by a quickselect on the costs, then one on
    the cost-1 units left, with no full sort. Returns the chosen units per
    constituency ``(rows, C)`` and ``ok (rows,)``, False where the cost-1 units do not
    suffice."""
    rows, C, U = keys.shape
    cnt = np.zeros((rows, C), np.int64)
    ok = np.ones(rows, np.bool_)
    N = C * U
    key, cu, costu = np.empty(N), np.empty(N, np.int64), np.empty(N, np.int64)
    k0, k1 = np.empty(N), np.empty(N)
    i0, i1 = np.empty(N, np.int64), np.empty(N, np.int64)
    km, im = np.empty(N), np.empty(N, np.int64)
    sk, sc = np.empty(32), np.empty(32, np.int64)
    taken = np.zeros(N, np.bool_)
    for r in range(rows):
        nv = 0
        total = 0
        for c in range(C):
            for u in range(min(cap[r, c], U)):
                key[nv] = keys[r, c, u]
                cu[nv] = c
                costu[nv] = costc[c]
                total += costc[c]
                nv += 1
        for i in range(nv):
            k0[i] = key[i]
            i0[i] = i
            taken[i] = False
        acc = _cost_prefix(k0, i0, k1, i1, km, im, sk, sc, costu, nv, total, R[r], taken)
        left = R[r] - acc
        if left > 0:
            # then the `left` cost-1 units of smallest keys among the others
            n1 = 0
            for i in range(nv):
                if costu[i] == 1 and not taken[i]:
                    k0[n1] = key[i]
                    i0[n1] = i
                    n1 += 1
            if n1 < left:
                ok[r] = False
                continue
            _cost_prefix(k0, i0, k1, i1, km, im, sk, sc, costu, n1, n1, left, taken)
        for i in range(nv):
            cnt[r, cu[i]] += taken[i]
    return cnt, ok


@njit(cache=True, nogil=True)
def fill_members(members, seats, lw, taken, rep, u_size, cum_probs, n, known_ru, m, n_draw_parties):
    """Winners' parties (slot 0) and the losing lists' parties, in place.

    ``members (B, C, K, S)`` int8, ``-1`` where empty (a known runner-up's parties are
    already in slot 1); ``lw (B, C, P)``: the weighted order keys of the parties,
    read where a party is usable: not in ``taken (B, C)`` (a bit mask) nor ``rep``
    (P,); ``u_size``: one uniform per drawn losing list for its size (flat, in (draw,
    constituency, slot) order, as ``_list_members`` draws them). The losing lists take
    disjoint chunks of the usable parties in descending key order (each party's
    place counted without branches, not sorted). Returns ``nmem (B, C, K)``, the
    member bit masks ``(B, C, K)`` and the flat (draw, constituency, slot) indices of
    the drawn lists left without a party (counted 0 members, for the caller to fill).
    """
    B, C, K, S = members.shape
    P = seats.shape[2]
    nmem = np.empty((B, C, K), np.int64)
    mask = np.empty((B, C, K), np.int64)
    empty = np.empty(B * C * K, np.int64)
    n_empty = 0
    at = 0  # the next list size's uniform
    kq = np.empty(P)
    kp = np.empty(P, np.int64)
    order = np.empty(P, np.int64)
    J = min(S, n_draw_parties)
    one = np.int64(1)
    for b in range(B):
        for c in range(C):
            # winners: parties with seats, in index order
            j = 0
            bits = np.int64(0)
            for p in range(P):
                if seats[b, c, p] > 0 and j < S:
                    members[b, c, 0, j] = p
                    bits += one << np.int64(p)
                    j += 1
            nmem[b, c, 0] = j
            mask[b, c, 0] = bits
            # the usable parties' keys, and each one's place in their descending order
            # (ties: index order), counted without branches
            tk = taken[b, c]
            n_avail = 0
            for p in range(P):
                kq[n_avail] = lw[b, c, p]
                kp[n_avail] = p
                n_avail += ((tk >> np.int64(p)) & 1) == 0 and not rep[p]
            if n[b, c] > 1:
                for i in range(n_avail):
                    x = kq[i]
                    r = 0
                    for q in range(n_avail):
                        r += np.int64(kq[q] > x)
                    for q in range(i):
                        r += np.int64(kq[q] == x)
                    order[r] = kp[i]
            start = 0
            for k in range(1, K):
                if k >= n[b, c] or (k == 1 and known_ru[b, c]):
                    if k == 1:  # a known runner-up's parties, or none
                        cnt = 0
                        bits = np.int64(0)
                        for j in range(S):
                            p = members[b, c, k, j]
                            if p >= 0:
                                cnt += 1
                                bits += one << np.int64(p)
                        nmem[b, c, k] = cnt
                        mask[b, c, k] = bits
                    else:
                        nmem[b, c, k] = 0
                        mask[b, c, k] = 0
                    continue
                # the size: 1 + the cumulative probabilities below u, at most m
                u = u_size[at]
                at += 1
                size = 1
                for q in range(cum_probs.size):
                    if u > cum_probs[q]:
                        size += 1
                size = min(size, m[c])
                cnt = 0
                bits = np.int64(0)
                for j in range(J):
                    idx = start + j
                    if j < size and idx < n_avail:
                        p = order[idx]
                        members[b, c, k, j] = p
                        bits += one << np.int64(p)
                        cnt += 1
                start += size
                if cnt == 0:
                    empty[n_empty] = (b * C + c) * K + k
                    n_empty += 1
                nmem[b, c, k] = cnt
                mask[b, c, k] = bits
    return nmem, mask, empty[:n_empty]


@njit(cache=True, nogil=True)
def _insertion_order(keys, n, order):
    """``order[:n]``: the positions of ``keys[:n]`` sorted ascending (distinct keys)."""
    for i in range(n):
        order[i] = i
    for i in range(1, n):
        cur = order[i]
        x = keys[cur]
        j = i - 1
        while j >= 0 and keys[order[j]] > x:
            order[j + 1] = order[j]
            j -= 1
        order[j + 1] = cur


@njit(cache=True, nogil=True)
def party_masks(seats):
    """Each list's parties as a bit mask (bit ``p`` for party ``p``), ``(B, C)``, of
    ``seats (B, C, P)``: the winners' masks of
    :func:`~malivote.reconstruct._sample.sample_block`."""
    B, C, P = seats.shape
    out = np.empty((B, C), np.int64)
    for b in range(B):
        for c in range(C):
            out[b, c] = _mask(seats[b, c], P)
    return out


@njit(cache=True, nogil=True)
def unit_room(lo, hi):
    """The sums :func:`~malivote.reconstruct._sample.allocate_units` checks, in one pass
    over ``lo``, ``hi`` ``(B, L)`` (no ``hi - lo`` temporaries): per row, the sum of
    ``lo``, of ``hi - lo`` and the unit places (of ``max(hi - lo, 0)``); and the
    largest ``hi - lo`` (0 when there are no entries)."""
    B, L = lo.shape
    lo_sum = np.zeros(B, np.int64)
    cap_sum = np.zeros(B, np.int64)
    places = np.zeros(B, np.int64)
    widest = 0 if B * L == 0 else np.int64(hi[0, 0]) - lo[0, 0]
    for b in range(B):
        for i in range(L):
            cap = np.int64(hi[b, i]) - lo[b, i]
            lo_sum[b] += lo[b, i]
            cap_sum[b] += cap
            places[b] += max(cap, 0)
            widest = max(widest, cap)
    return lo_sum, cap_sum, places, widest


@njit(cache=True, nogil=True)
def allocate(lo, hi, keys, R, places):
    """Units of :func:`~malivote.reconstruct._sample.allocate_units`: ``lo`` plus, per
    row, the unit places (``u < hi - lo``) with keys up to the ``R``-th smallest (found
    by a quickselect), as int64. ``lo``, ``hi`` ``(B, L)`` (any integer type), ``R``
    and ``places`` ``(B,)`` (the unit places per row, :func:`unit_room`); ``keys``:
    one per unit place, flat in (row, entry, place) order."""
    B, L = lo.shape
    out = lo.astype(np.int64)
    vals = np.empty(keys.shape[0])
    pos = np.empty(keys.shape[0], np.int64)
    start = 0
    for b in range(B):
        n = places[b]
        k = R[b]
        if k > 0:
            # the k smallest of n uniform keys nearly always lie below a few standard
            # deviations past k / n: select among those (any keys give the same
            # threshold, all n where fewer than k lie below)
            cut = (k + 4.0 * np.sqrt(k) + 8.0) / n
            m = 0
            for j in range(n):  # (branch-free)
                x = keys[start + j]
                vals[m] = x
                m += x < cut
            if m < k:
                for j in range(n):
                    vals[j] = keys[start + j]
                m = n
            thr = _kth(vals, 0, m, k - 1)
            # the places taken (keys up to thr), in order, then their entries
            taken = 0
            for j in range(n):  # (branch-free)
                pos[taken] = j
                taken += keys[start + j] <= thr
            end = 0
            q = 0
            for i in range(L):
                if q == taken:
                    break
                end += max(np.int64(hi[b, i]) - lo[b, i], 0)
                while q < taken and pos[q] < end:
                    out[b, i] += 1
                    q += 1
        start += n
    return out


@njit(cache=True, nogil=True)
def share_search(V, P, majority, n_lists, max_step):
    """:func:`~malivote.reconstruct._sample.share_delta`: the first change of ``V`` in
    the order 0, +1, -1, +2, -2, ... that can give the share; ``found`` per row."""
    B = V.shape[0]
    delta = np.zeros(B, np.int64)
    votes = np.zeros(B, np.int64)
    found = np.zeros(B, np.bool_)
    for b in range(B):
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


@njit(cache=True, nogil=True)
def shuffle_slots(keys, n, first, second, mask, women):
    """Slot ``j`` of a constituency takes its ``perm[j]``-th list, ``perm`` the order of
    the ``n`` live lists' keys (``keys``: flat, one per live list in (draw,
    constituency, slot) order; the empty slots keep their places and their zeros).
    ``first``, ``second``, ``mask`` and ``women`` (``B, C, K``, distinct arrays) are
    permuted in place and returned with ``perm``."""
    B, C, K = first.shape
    perm = np.empty((B, C, K), np.int64)
    order = np.empty(K, np.int64)
    tf, ts = np.empty(K, first.dtype), np.empty(K, second.dtype)
    tm, tw = np.empty(K, mask.dtype), np.empty(K, women.dtype)
    at = 0
    for b in range(B):
        for c in range(C):
            nl = n[b, c]
            _insertion_order(keys[at:at + nl], nl, order)
            at += nl
            for j in range(nl):
                tf[j] = first[b, c, j]
                ts[j] = second[b, c, j]
                tm[j] = mask[b, c, j]
                tw[j] = women[b, c, j]
            for j in range(nl):
                k = order[j]
                perm[b, c, j] = k
                first[b, c, j] = tf[k]
                second[b, c, j] = ts[k]
                mask[b, c, j] = tm[k]
                women[b, c, j] = tw[k]
            for j in range(nl, K):
                perm[b, c, j] = j
    return perm, first, second, mask, women
