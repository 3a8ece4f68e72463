"""The chain of :mod:`malivote.reconstruct._chain` compiled with numba (``malivote[fast]``).

One compiled loop per chain (chains in parallel with ``prange``): the same proposals,
read from the same pre-drawn random numbers, the same fact checks and the same log
target from the same tables, added in the same order as the NumPy path, so both give
identical arrays (tested). Imported only when the backend is ``"numba"``.

The loop keeps, per constituency, the bit mask of its winning list's parties and its
current log target. A seat swap changes two parties of each list and a list swap
exchanges two lists, so the new masks come from the old ones in a few operations; the
fact checks read the masks and only the parties whose seats a fact (a hint) fixes
(listed per constituency); the log target walks the set bits of the mask in party
order, the order the NumPy path adds the weights ``W`` in, so the sums are the same
floating-point numbers. Proposals that change nothing or break a fact are refused
before any target is computed.

The loop body calls no compiled function that takes arrays: numba counts references
to array arguments on each such call (atomic operations), which cost more than the
proposal itself.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from malivote._bits_numba import lowest_bit as _ctz

__all__ = ["chain", "geo_weights"]


@njit(cache=True, nogil=True)
def _mask(s, P):
    mk = np.int64(0)
    for p in range(P):
        if s[p] > 0:
            mk |= np.int64(1) << np.int64(p)
    return mk


@njit(cache=True, nogil=True, inline="always")
def _seat_party(S, c, bits, k, P):
    """The party of seat ``k`` (0-based) of constituency ``c``'s list, its seats counted
    in party order over the parties of mask ``bits``; ``P`` past the last seat.
    (Inlined: no call boundary, so no reference counting of ``S`` in the chain's loop.)"""
    cum = np.int64(0)
    while bits != 0:
        p = _ctz(bits)
        cum += S[c, p]
        if cum > k:
            return p
        bits &= bits - 1
    return np.int64(P)


@njit(cache=True, nogil=True, inline="always")
def _list_geo(c, s, P, d, rc, TD, TR, mean_form, W):
    """The geographic log weight of constituency ``c``'s list with seats ``s`` (``P``),
    and its number of parties: :meth:`malivote.reconstruct._chain.Target._geo`."""
    ds = np.int64(0)
    rs = np.int64(0)
    k = np.int64(0)
    total = 0.0
    for p in range(P):
        if s[p] > 0:
            ds += d[c, p]
            rs += rc[c, p]
            k += 1
            total += W[c, p]
    if mean_form:
        return total / max(k, 1), k
    return TD[c, ds] + TR[c, rs], k


@njit(cache=True, nogil=True)
def geo_weights(seats, d, rc, TD, TR, mean_form, W):
    """:meth:`malivote.reconstruct._chain.Target.geo_weight` of ``seats (B, C, P)``:
    the same numbers (the weights added in party order; where the NumPy code adds a
    non-member's zero, the sum does not change)."""
    B, C, P = seats.shape
    out = np.empty((B, C))
    for b in range(B):
        for c in range(C):
            out[b, c] = _list_geo(c, seats[b, c], P, d, rc, TD, TR, mean_form, W)[0]
    return out


@njit(cache=True, nogil=True)
def _logf(c, s, rn, P, h_any, h_on, h_req, h_exact, h_round, h_split, log_hint, log_size, d, rc, TD, TR,
          mean_form, W):
    out, k = _list_geo(c, s, P, d, rc, TD, TR, mean_form, W)
    out = out + log_size[c, min(k, log_size.shape[1] - 1)]
    if h_any:
        hold = h_on[c] and rn == h_round[c]
        if hold:
            mk = _mask(s, P)
            if h_exact[c]:
                hold = mk == h_req[c]
            else:
                hold = (mk & h_req[c]) == h_req[c]
        if hold:
            for p in range(P):
                if h_split[c, p] >= 0 and s[p] != h_split[c, p]:
                    hold = False
                    break
        out = out + (log_hint if hold else 0.0)
    return out


@njit(cache=True, nogil=True)
def _one_chain(b, seats, rnd, shuffle, move, logu, m, req, exact, notmask, split, split_p, split_n, round_fixed,
               h_on, h_req, h_exact, h_round, h_split, h_split_p, h_split_n, log_hint, log_size, d, rc, TD, TR,
               mean_form, W, log_int, split_rounds, list_move, half_move, seat_scale, burn, thin, out_seats,
               out_rnd):
    """Chain ``b`` of :func:`chain`."""
    C, P = seats.shape[1], seats.shape[2]
    sweeps = move.shape[1]
    H = C // 2
    R = out_seats.shape[1]
    L = log_size.shape[1]
    h_any = False
    for c in range(C):
        if h_on[c]:
            h_any = True
    S = seats[b]
    rb = rnd[b]
    mk = np.zeros(C, np.int64)
    cur = np.empty(C)
    for c in range(C):
        mk[c] = _mask(S[c], P)
        cur[c] = _logf(c, S[c], rb[c], P, h_any, h_on, h_req, h_exact, h_round, h_split, log_hint, log_size, d,
                       rc, TD, TR, mean_form, W)
    order = np.empty(C, np.int64)
    for t in range(sweeps + 1):
        # the state after t sweeps, recorded element by element (a slice assignment
        # took a tenth of the chain's time)
        done = t - burn
        if done >= 0 and done % thin == 0 and done // thin < R:
            r = done // thin
            for c in range(C):
                for p in range(P):
                    out_seats[b, r, c, p] = S[c, p]
                out_rnd[b, r, c] = rb[c]
        if t == sweeps:
            break
        # the sweep's pairs: a Fisher-Yates shuffle of the constituencies (as _chain.pairing)
        for c in range(C):
            order[c] = c
        for k in range(C - 1):
            i = C - 1 - k
            j = min(np.int64(np.floor(shuffle[b, t, k] * (i + 1))), i)
            x = order[i]
            order[i] = order[j]
            order[j] = x
        for h in range(H):
            cA = order[2 * h]
            cB = order[2 * h + 1]
            u = move[b, t, h]
            rA = rb[cA]
            rB = rb[cB]
            mA = m[cA]
            mB = m[cB]
            # The proposal: cA's new list is row lA of S after one seat of party `minus` goes
            # to party `plus` (-1: none), with new mask nmA and round nrA; cB's is row lB
            # after a seat of `plus` goes to `minus`.
            if u < list_move:
                # list swap (or round swap, keeping the lists)
                if mA != mB:
                    continue
                if (not split_rounds) and u < half_move:
                    whole = False
                    lA = cA
                    lB = cB
                    changed = rB != rA
                else:
                    whole = True
                    lA = cB
                    lB = cA
                    changed = rB != rA or mk[cA] != mk[cB]
                    if not changed:
                        bits = mk[cA]
                        while bits != 0:
                            p = _ctz(bits)
                            if S[cA, p] != S[cB, p]:
                                changed = True
                                break
                            bits &= bits - 1
                if not changed:
                    continue
                nmA = mk[lA]
                nmB = mk[lB]
                nrA = rB
                nrB = rA
                minus = np.int64(-1)
                plus = np.int64(-1)
                hast = 0.0
            else:
                # seat swap: seat kA of cA (party `minus`) and seat kB of cB (party `plus`),
                # counted in party order, change places (only within a round where the
                # round-1 totals per party are facts)
                if split_rounds and rA != rB:
                    continue
                # (as _chain.seat_pair, from the move uniform rescaled)
                n = mA * mB
                kk = min(np.int64(np.floor((u - list_move) / seat_scale * n)), n - 1)
                # (kk and mB are not negative: an unsigned division, the faster)
                kA = np.int64(np.uint64(kk) // np.uint64(mB))
                kB = kk - kA * mB
                minus = _seat_party(S, cA, mk[cA], kA, P)
                plus = _seat_party(S, cB, mk[cB], kB, P)
                if minus == plus:
                    continue
                whole = False
                lA = cA
                lB = cB
                sAp = S[cA, minus]
                sBq = S[cB, plus]
                nmA = mk[cA] | (np.int64(1) << plus)
                if sAp == 1:
                    nmA &= ~(np.int64(1) << minus)
                nmB = mk[cB] | (np.int64(1) << minus)
                if sBq == 1:
                    nmB &= ~(np.int64(1) << plus)
                nrA = rA
                nrB = rB
                hast = log_int[(S[cA, plus] + 1) * (S[cB, minus] + 1)] - log_int[max(sAp * sBq, 1)]
            # the hard facts of both new lists (as _chain.Target.valid)
            ok = True
            for side in range(2):
                if side == 0:
                    c, nm, row, mi, pl, rn = cA, nmA, lA, minus, plus, nrA
                else:
                    c, nm, row, mi, pl, rn = cB, nmB, lB, plus, minus, nrB
                rq = req[c]
                rf = round_fixed[c]
                if (nm & rq) != rq or (exact[c] and nm != rq) or nm == notmask[c] or (rf != 0 and rn != rf):
                    ok = False
                    break
                for i in range(split_n[c]):
                    x = split_p[c, i]
                    v = S[row, x]
                    if x == mi:
                        v -= 1
                    if x == pl:
                        v += 1
                    if v != split[c, x]:
                        ok = False
                        break
                if not ok:
                    break
            if not ok:
                continue
            # their log targets (as _logf, from the masks)
            a1 = 0.0
            a2 = 0.0
            for side in range(2):
                if side == 0:
                    c, nm, row, mi, pl, rn = cA, nmA, lA, minus, plus, nrA
                else:
                    c, nm, row, mi, pl, rn = cB, nmB, lB, plus, minus, nrB
                ds = np.int64(0)
                rs = np.int64(0)
                k = np.int64(0)
                total = 0.0
                bits = nm
                while bits != 0:
                    p = _ctz(bits)
                    ds += d[c, p]
                    rs += rc[c, p]
                    k += 1
                    total += W[c, p]
                    bits &= bits - 1
                if mean_form:
                    out = total / max(k, 1)
                else:
                    out = TD[c, ds] + TR[c, rs]
                out = out + log_size[c, min(k, L - 1)]
                if h_any:
                    hold = h_on[c] and rn == h_round[c]
                    if hold:
                        if h_exact[c]:
                            hold = nm == h_req[c]
                        else:
                            hold = (nm & h_req[c]) == h_req[c]
                    if hold:
                        for i in range(h_split_n[c]):
                            x = h_split_p[c, i]
                            v = S[row, x]
                            if x == mi:
                                v -= 1
                            if x == pl:
                                v += 1
                            if v != h_split[c, x]:
                                hold = False
                                break
                    out = out + (log_hint if hold else 0.0)
                if side == 0:
                    a1 = out
                else:
                    a2 = out
            dlog = a1 + a2 - cur[cA] - cur[cB]
            dlog = dlog + hast
            if logu[b, t, h] < dlog:
                if minus >= 0:
                    S[cA, minus] -= 1
                    S[cA, plus] += 1
                    S[cB, plus] -= 1
                    S[cB, minus] += 1
                elif whole:
                    for x in range(P):
                        v = S[cA, x]
                        S[cA, x] = S[cB, x]
                        S[cB, x] = v
                mk[cA] = nmA
                mk[cB] = nmB
                rb[cA] = nrA
                rb[cB] = nrB
                cur[cA] = a1
                cur[cB] = a2


@njit(cache=True, nogil=True, parallel=True)
def chain(seats, rnd, shuffle, move, logu, m, req, exact, notmask, split, split_p, split_n, round_fixed,
          h_on, h_req, h_exact, h_round, h_split, h_split_p, h_split_n, log_hint, log_size, d, rc, TD, TR,
          mean_form, W, log_int, split_rounds, list_move, half_move, seat_scale, burn, thin, out_seats,
               out_rnd):
    """Run every chain in place: ``seats (N, C, P)``, ``rnd (N, C)``, recording draws.

    ``shuffle (N, sweeps, C - 1)``, ``move (N, sweeps, H)``, ``logu (N, sweeps, H)``:
    the random numbers of :func:`malivote.reconstruct._chain.draw_randoms`;
    ``half_move = list_move * 0.5`` and ``seat_scale = 1 - list_move``.
    Chain ``b`` records its state into ``out_seats[b, r]``, ``out_rnd[b, r]`` after
    ``burn + r * thin`` sweeps, for ``r < out_seats.shape[1]``. ``split_p[c, :split_n[c]]``
    (``h_split_p``, ``h_split_n``): the parties whose seats at ``c`` a fact (a hint) fixes,
    in party order. Every list's seats must sum to its constituency's magnitude.
    The current log target of each constituency is kept, not recomputed: it is a
    function of the constituency's state, so the value is the same.
    """
    for b in prange(seats.shape[0]):
        _one_chain(b, seats, rnd, shuffle, move, logu, m, req, exact, notmask, split, split_p, split_n, round_fixed,
                   h_on, h_req, h_exact, h_round, h_split, h_split_p, h_split_n, log_hint, log_size, d, rc, TD, TR,
                   mean_form, W, log_int, split_rounds, list_move, half_move, seat_scale, burn, thin, out_seats,
                   out_rnd)
    return seats, rnd
