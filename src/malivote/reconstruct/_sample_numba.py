"""Parts of :mod:`malivote.reconstruct._sample`, compiled (``malivote[fast]``).

The list counts, known shares, list members, women and slot order (the rosters are
in :mod:`~malivote.reconstruct._rosters_numba`): serial loops over rows,
constituencies or lists (a parallel loop ran 10-50 times slower whenever the other
core of a 2-core machine was busy). They read the same random numbers, drawn by
NumPy in the same order, and make the same comparisons as the NumPy code (integer
arithmetic, and no floating-point operation beyond one product and its floor and the
list counts' key quotients, which IEEE 754 rounds alike; their key buckets come from
the keys' bits, and any buckets and pivots give the same result), so both paths give
identical arrays (tested in ``tests/test_reconstruct.py`` and ``tests/test_sampler_stages.py``).
Imported only when the backend is ``"numba"``.
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
def _cost_prefix(k0, i0, k1, i1, costu, n, budget, taken):
    """Marks in ``taken`` the units ``i0[:n]`` (keys ``k0[:n]``, costs ``costu``) that
    come first in ascending key order, the longest such run whose costs sum to at
    most ``budget``; returns their cost. A quickselect partitioning between the
    buffers ``k0``/``i0`` and ``k1``/``i1`` in turn (both overwritten). Any pivots
    give the same run."""
    acc = 0
    lo, hi = 0, n
    flip = False
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


# The list counts' keys are bucketed by their float bits (for keys >= 0, ordered as
# the keys): 32 buckets an octave, over the 16 octaves below the largest key (the
# smaller keys share bucket 0). A bucket's keys all come before the next bucket's.
_BUCKET_SHIFT = 47
_N_BUCKETS = 512


@njit(cache=True, nogil=True)
def list_counts(key_num, key_den, cap, costc, R):
    """:func:`~malivote.reconstruct._sample.select_units` counted per constituency.

    The units' order keys are ``key_num (rows, C, U)`` over ``key_den (rows, C)``,
    divided here for the units that exist only (the quotients NumPy's division gives;
    unit ``u`` of constituency ``c`` exists where ``u < cap[r, c]``); ``costc (C,)``:
    a unit's cost; ``R (rows,)``.
    The units are taken in key order while the running cost fits ``R``, then the next
    cost-1 units fill the remainder. Each stage takes whole buckets of keys (their
    costs and cost-1 units summed per bucket) up to the bucket where it ends, and
    finishes with a quickselect in that bucket alone, with no full sort. Returns the
    chosen units per constituency ``(rows, C)`` and ``ok (rows,)``, False where the
    cost-1 units do not suffice."""
    rows, C, U = key_num.shape
    cnt = np.zeros((rows, C), np.int64)
    ok = np.ones(rows, np.bool_)
    N = C * U
    NB = _N_BUCKETS
    key, costu = np.empty(N), np.empty(N, np.int64)
    bits = key.view(np.int64)
    start = np.empty(C + 1, np.int64)  # constituency c's units: start[c]:start[c + 1]
    ones = np.empty(N, np.int64)  # the cost-1 units
    bucket = np.empty(N, np.int64)
    cost_in, ones_in = np.empty(NB, np.int64), np.empty(NB, np.int64)
    k0, k1 = np.empty(N), np.empty(N)
    i0, i1, near = np.empty(N, np.int64), np.empty(N, np.int64), np.empty(N, np.int64)
    taken = np.empty(N, np.bool_)
    for r in range(rows):
        nv = 0
        n1 = 0
        for c in range(C):
            start[c] = nv
            k = min(cap[r, c], U)
            den = key_den[r, c]
            for u in range(k):
                key[nv + u] = key_num[r, c, u] / den
                costu[nv + u] = costc[c]
            if costc[c] == 1:
                for u in range(k):
                    ones[n1 + u] = nv + u
                n1 += k
            nv += k
        start[C] = nv
        top = np.int64(0)
        for i in range(nv):
            top = max(top, bits[i])
        base = (top >> _BUCKET_SHIFT) - (NB - 1)
        cost_in[:] = 0
        ones_in[:] = 0
        for i in range(nv):
            b = max((bits[i] >> _BUCKET_SHIFT) - base, 0)
            bucket[i] = b
            cost_in[b] += costu[i]
            ones_in[b] += costu[i] == 1
            taken[i] = False
        # the run: the whole buckets below `first`, then a quickselect in it
        budget = R[r]
        acc = 0
        first = 0
        while first < NB and acc + cost_in[first] <= budget:
            acc += cost_in[first]
            first += 1
        n = 0
        if first < NB:
            for i in range(nv):
                near[n] = i
                n += bucket[i] == first
            for i in range(n):
                k0[i] = key[near[i]]
                i0[i] = near[i]
            acc += _cost_prefix(k0, i0, k1, i1, costu, n, budget - acc, taken)
        left = budget - acc
        if left > 0:
            # then the `left` cost-1 units of smallest keys among the others: those
            # left in bucket `first`, then whole buckets up to `last`, then a
            # quickselect in it
            if first == NB:
                ok[r] = False
                continue
            avail = ones_in[first]
            for i in range(n):
                avail -= (costu[near[i]] == 1) & taken[near[i]]
            last = first
            while avail < left:
                left -= avail
                last += 1
                if last == NB:
                    break
                avail = ones_in[last]
            if last == NB:
                ok[r] = False
                continue
            n = 0
            for q in range(n1):
                i = ones[q]
                b = bucket[i]
                on = (not taken[i]) & (b >= first)
                taken[i] |= on & (b < last)
                k0[n] = key[i]
                i0[n] = i
                n += on & (b == last)
            _cost_prefix(k0, i0, k1, i1, costu, n, left, taken)
        for c in range(C):
            got = 0
            for i in range(start[c], start[c + 1]):
                got += (bucket[i] < first) | taken[i]
            cnt[r, c] = got
    return cnt, ok


@njit(cache=True, nogil=True)
def _ascending_places(keys, n, place):
    """``place[i]``: the place of ``keys[i]`` among ``keys[:n]`` in ascending order,
    ties in index order. Counted without branches; tied keys share a count (the
    counts then sum to less than ``n (n - 1) / 2``) and are counted again with the
    tie rule."""
    placed = 0
    for i in range(n):
        x = keys[i]
        r = 0
        for q in range(n):
            r += np.int64(keys[q] < x)
        place[i] = r
        placed += r
    if placed != n * (n - 1) // 2:
        for i in range(n):
            x = keys[i]
            for q in range(i):
                place[i] += np.int64(keys[q] == x)


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
    # (zeros: the slots past a constituency's lists stay empty, with no loop to clear them)
    nmem = np.zeros((B, C, K), np.int64)
    mask = np.zeros((B, C, K), np.int64)
    empty = np.empty(B * C * K, np.int64)
    n_empty = 0
    at = 0  # the next list size's uniform
    kq = np.empty(P)
    kp = np.empty(P, np.int64)
    place = np.empty(P, np.int64)
    order = np.empty(P, np.int64)
    J = min(S, n_draw_parties)
    one = np.int64(1)
    win = np.empty(P, np.int64)
    rep_bits = np.int64(0)  # (rep as a bit mask, as taken)
    for p in range(P):
        rep_bits |= np.int64(rep[p]) << np.int64(p)
    for b in range(B):
        for c in range(C):
            # winners: parties with seats, in index order (the first S; gathered without
            # branches, as a party's seats are unpredictable)
            j = 0
            for p in range(P):
                win[j] = p
                j += seats[b, c, p] > 0
            j = min(j, S)
            bits = np.int64(0)
            for i in range(j):
                members[b, c, 0, i] = win[i]
                bits |= one << win[i]
            nmem[b, c, 0] = j
            mask[b, c, 0] = bits
            # the usable parties' keys, negated (exactly: their descending order is
            # the negated keys' ascending order, ties alike)
            tk = taken[b, c] | rep_bits
            n_avail = 0
            for p in range(P):
                kq[n_avail] = -lw[b, c, p]
                kp[n_avail] = p
                n_avail += 1 - ((tk >> np.int64(p)) & 1)
            nl = n[b, c]
            if nl > 1:
                _ascending_places(kq, n_avail, place)
                for i in range(n_avail):
                    order[place[i]] = kp[i]
            first_drawn = 1
            if nl <= 1 or known_ru[b, c]:  # slot 1: a known runner-up's parties, or none
                first_drawn = 2
                cnt = 0
                bits = np.int64(0)
                for j in range(S):
                    p = members[b, c, 1, j]
                    if p >= 0:
                        cnt += 1
                        bits += one << np.int64(p)
                nmem[b, c, 1] = cnt
                mask[b, c, 1] = bits
            # the drawn lists
            start = 0
            for k in range(first_drawn, nl):
                # the size: 1 + the cumulative probabilities below u, at most m
                u = u_size[at]
                at += 1
                size = 1
                for q in range(cum_probs.size):
                    size += np.int64(u > cum_probs[q])
                size = min(size, m[c])
                cnt = max(min(J, size, n_avail - start), 0)
                bits = np.int64(0)
                for j in range(cnt):
                    p = order[start + j]
                    members[b, c, k, j] = p
                    bits += one << p
                start += size
                if cnt == 0:
                    empty[n_empty] = (b * C + c) * K + k
                    n_empty += 1
                nmem[b, c, k] = cnt
                mask[b, c, k] = bits
    return nmem, mask, empty[:n_empty]


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
    place = np.empty(K, np.int64)
    tf, ts = np.empty(K, first.dtype), np.empty(K, second.dtype)
    tm, tw = np.empty(K, mask.dtype), np.empty(K, women.dtype)
    at = 0
    for b in range(B):
        for c in range(C):
            nl = n[b, c]
            _ascending_places(keys[at:at + nl], nl, place)
            at += nl
            for j in range(nl):
                tf[j] = first[b, c, j]
                ts[j] = second[b, c, j]
                tm[j] = mask[b, c, j]
                tw[j] = women[b, c, j]
            for k in range(nl):
                j = place[k]
                perm[b, c, j] = k
                first[b, c, j] = tf[k]
                second[b, c, j] = ts[k]
                mask[b, c, j] = tm[k]
                women[b, c, j] = tw[k]
            for j in range(nl, K):
                perm[b, c, j] = j
    return perm, first, second, mask, women
