"""The chain of :mod:`malivote.reconstruct._chain` compiled with numba (``malivote[fast]``).

One compiled loop per draw (draws in parallel with ``prange``): the same proposals,
read from the same pre-drawn random numbers, the same fact checks and the same log
target from the same tables, added in the same order as the NumPy path, so both give
identical arrays (tested). Imported only when the backend is ``"numba"``.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["chain"]


@njit(cache=True, nogil=True)
def _mask(s, P):
    mk = np.int64(0)
    for p in range(P):
        if s[p] > 0:
            mk |= np.int64(1) << np.int64(p)
    return mk


@njit(cache=True, nogil=True)
def _seat_party(s, k, P):
    """The party holding seat ``k`` (0-based) of a list whose parties hold ``s`` seats,
    in party order: the number of parties whose cumulative seats are at most ``k``."""
    party = 0
    cum = 0
    for x in range(P):
        cum += s[x]
        if cum <= k:
            party += 1
    return party


@njit(cache=True, nogil=True)
def _valid(c, s, rn, P, req, exact, notmask, split, round_fixed):
    mk = _mask(s, P)
    if (mk & req[c]) != req[c]:
        return False
    if exact[c] and mk != req[c]:
        return False
    if mk == notmask[c]:
        return False
    for p in range(P):
        if split[c, p] >= 0 and s[p] != split[c, p]:
            return False
    if round_fixed[c] != 0 and rn != round_fixed[c]:
        return False
    return True


@njit(cache=True, nogil=True)
def _logf(c, s, rn, P, h_any, h_on, h_req, h_exact, h_round, h_split, log_hint, log_size, d, rc, TD, TR,
          mean_form, W):
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
        out = total / max(k, 1)
    else:
        out = TD[c, ds] + TR[c, rs]
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


@njit(cache=True, nogil=True, parallel=True)
def chain(seats, rnd, perms, U, m, req, exact, notmask, split, round_fixed,
          h_on, h_req, h_exact, h_round, h_split, log_hint, log_size, d, rc, TD, TR, mean_form, W,
          log_int, split_rounds, list_move, burn, thin, out_seats, out_rnd):
    """Run every chain in place: ``seats (N, C, P)``, ``rnd (N, C)``, recording draws.

    ``perms (N, sweeps, C)``, ``U (N, sweeps, H, 5)`` (``U[..., 4]`` is log u).
    Chain ``b`` records its state into ``out_seats[b, r]``, ``out_rnd[b, r]`` after
    ``burn + r * thin`` sweeps, for ``r < out_seats.shape[1]``.
    The current log target of each constituency is kept, not recomputed: it is a
    function of the constituency's state, so the value is the same.
    """
    N, C, P = seats.shape
    sweeps = perms.shape[1]
    H = C // 2
    h_any = False
    for c in range(C):
        if h_on[c]:
            h_any = True
    R = out_seats.shape[1]
    for b in prange(N):
        nA = np.empty(P, np.int64)
        nB = np.empty(P, np.int64)
        cur = np.empty(C)
        for c in range(C):
            cur[c] = _logf(c, seats[b, c], rnd[b, c], P, h_any, h_on, h_req, h_exact, h_round, h_split,
                           log_hint, log_size, d, rc, TD, TR, mean_form, W)
        if burn == 0:
            out_seats[b, 0] = seats[b]
            out_rnd[b, 0] = rnd[b]
        for t in range(sweeps):
            perm = perms[b, t]
            for h in range(H):
                cA = perm[2 * h]
                cB = perm[2 * h + 1]
                u = U[b, t, h]
                sA = seats[b, cA]
                sB = seats[b, cB]
                rA = rnd[b, cA]
                rB = rnd[b, cB]
                mA = m[cA]
                mB = m[cB]
                is_list = u[0] < list_move
                hast = 0.0
                if is_list:
                    round_only = (not split_rounds) and u[3] < 0.5
                    if round_only:
                        for p in range(P):
                            nA[p] = sA[p]
                            nB[p] = sB[p]
                    else:
                        for p in range(P):
                            nA[p] = sB[p]
                            nB[p] = sA[p]
                    nrA = rB
                    nrB = rA
                    if mA != mB:
                        continue
                    changed = nrA != rA
                    for p in range(P):
                        if nA[p] != sA[p]:
                            changed = True
                    if not changed:
                        continue
                else:
                    kA = np.int64(np.floor(u[1] * mA))
                    kB = np.int64(np.floor(u[2] * mB))
                    pp = _seat_party(sA, kA, P)
                    qq = _seat_party(sB, kB, P)
                    if pp == qq:
                        continue
                    if split_rounds and rA != rB:
                        continue
                    for x in range(P):
                        nA[x] = sA[x]
                        nB[x] = sB[x]
                    nA[pp] -= 1
                    nA[qq] += 1
                    nB[qq] -= 1
                    nB[pp] += 1
                    nrA = rA
                    nrB = rB
                    hast = log_int[(sA[qq] + 1) * (sB[pp] + 1)] - log_int[max(sA[pp] * sB[qq], 1)]
                if not _valid(cA, nA, nrA, P, req, exact, notmask, split, round_fixed):
                    continue
                if not _valid(cB, nB, nrB, P, req, exact, notmask, split, round_fixed):
                    continue
                a1 = _logf(cA, nA, nrA, P, h_any, h_on, h_req, h_exact, h_round, h_split, log_hint, log_size, d, rc, TD, TR, mean_form, W)
                a2 = _logf(cB, nB, nrB, P, h_any, h_on, h_req, h_exact, h_round, h_split, log_hint, log_size, d, rc, TD, TR, mean_form, W)
                dlog = a1 + a2 - cur[cA] - cur[cB]
                dlog = dlog + hast
                if u[4] < dlog:
                    for x in range(P):
                        seats[b, cA, x] = nA[x]
                        seats[b, cB, x] = nB[x]
                    rnd[b, cA] = nrA
                    rnd[b, cB] = nrB
                    cur[cA] = a1
                    cur[cB] = a2
            done = t + 1 - burn
            if done >= 0 and done % thin == 0 and done // thin < R:
                out_seats[b, done // thin] = seats[b]
                out_rnd[b, done // thin] = rnd[b]
    return seats, rnd
