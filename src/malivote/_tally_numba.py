"""Compiled kernels (numba) of the counts after the rule: credit and tally, one pass each.

Imported only when the backend is ``"numba"`` (:mod:`malivote.rules._backend`), by
:func:`malivote.election.credit_seats`, :func:`malivote.metrics.block_party_votes` and
:func:`malivote.pipeline.block_metrics`; each falls back to its NumPy count, which
gives the same numbers, where the input is not what the kernel takes or is bad.
Its party votes are, bit for bit, those of :func:`malivote.metrics.party_votes`
(``method="equal"``): the same float64 operations in the same order. That function
bins every (list, party) pair with one ``np.bincount`` whose pairs come pass by pass
(the lowest party bit of every list first, then the next lowest, ...) and sums the
constituencies in order; so does this kernel, one constituency at a time. The other
counts are integers, exact in any order.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["block_counts", "credit_rows", "party_votes_equal"]

# De Bruijn sequence for the index of a 64-bit power of two (count trailing zeros).
_DEBRUIJN = np.uint64(0x03F79D71B4CB0A89)
_CTZ = np.zeros(64, dtype=np.int64)
for _i in range(64):
    _CTZ[((1 << _i) * 0x03F79D71B4CB0A89 % 2**64) >> 58] = _i


@njit(nogil=True, cache=True)
def _party_votes_row(votes, members, d, c, limit, rest, share, bins):
    """Party votes of constituency ``c`` of draw ``d`` into ``bins`` (zeroed by the
    caller); returns False on a bad list (see :func:`party_votes_equal`)."""
    slots = votes.shape[2]
    n_active = 0
    for k in range(slots):
        v = votes[d, c, k]
        if v <= 0:
            if v < 0:
                return False
            continue
        mask = members[d, c, k]
        if mask <= 0 or mask >= limit:
            return False
        n = 0
        m = mask
        while m:
            m &= m - 1
            n += 1
        rest[n_active] = mask
        share[n_active] = np.float64(v) / np.float64(n)
        n_active += 1
    # Pass by pass, each list's lowest party left, lists in slot order: the order of
    # the pairs in metrics.party_votes's bincount.
    while n_active:
        kept = 0
        for i in range(n_active):
            m = rest[i]
            lowest = m & -m
            bins[_CTZ[(np.uint64(lowest) * _DEBRUIJN) >> np.uint64(58)]] += share[i]
            m ^= lowest
            if m:
                rest[kept] = m
                share[kept] = share[i]
                kept += 1
        n_active = kept
    return True


@njit(nogil=True, cache=True)
def party_votes_equal(votes, members, n_parties):
    """``(D, P)`` float64 party votes of ``(D, C, K)`` int64 votes and member masks.

    Returns ``(result, ok)``; ``ok`` is False when a list with votes has no party, a
    mask names a party at or above ``n_parties``, or a count is negative (the caller
    then lets :func:`malivote.metrics.party_votes` raise its error).
    """
    draws, constituencies, slots = votes.shape
    result = np.zeros((draws, n_parties), dtype=np.float64)
    bins = np.zeros(n_parties, dtype=np.float64)
    rest = np.zeros(slots, dtype=np.int64)
    share = np.zeros(slots, dtype=np.float64)
    limit = np.int64(1) << n_parties
    for d in range(draws):
        for c in range(constituencies):
            for p in range(n_parties):
                bins[p] = 0.0
            if not _party_votes_row(votes, members, d, c, limit, rest, share, bins):
                return result, False
            for p in range(n_parties):
                result[d, p] += bins[p]
    return result, True


@njit(nogil=True, cache=True)
def block_counts(votes, members, seats, rounds, n_parties):
    """Party votes (as :func:`party_votes_equal`) and, per draw, the votes of lists
    that won no seat, all the votes, and the seats decided in round 1.

    ``seats`` is ``(D, C, K)`` int64 and ``rounds`` ``(D, C)``. Returns
    ``(party_votes, lost, valid, round1_seats, ok)``.
    """
    draws, constituencies, slots = votes.shape
    result = np.zeros((draws, n_parties), dtype=np.float64)
    lost = np.zeros(draws, dtype=np.int64)
    valid = np.zeros(draws, dtype=np.int64)
    round1 = np.zeros(draws, dtype=np.int64)
    bins = np.zeros(n_parties, dtype=np.float64)
    rest = np.zeros(slots, dtype=np.int64)
    share = np.zeros(slots, dtype=np.float64)
    limit = np.int64(1) << n_parties
    for d in range(draws):
        for c in range(constituencies):
            for p in range(n_parties):
                bins[p] = 0.0
            if not _party_votes_row(votes, members, d, c, limit, rest, share, bins):
                return result, lost, valid, round1, False
            for p in range(n_parties):
                result[d, p] += bins[p]
            first_round = rounds[d, c] == 1
            for k in range(slots):
                v = votes[d, c, k]
                s = seats[d, c, k]
                valid[d] += v
                if s == 0:
                    lost[d] += v
                elif first_round:
                    round1[d] += s
    return result, lost, valid, round1, True


@njit(nogil=True, cache=True)
def credit_rows(seats, roster_party, roster_female, n_parties):
    """Party seats and women elected: the first ``seats[d, c, k]`` candidates of each
    roster (:func:`malivote.election.credit_seats`), lists without seats skipped.

    Returns ``(party_seats, women, status)``; ``status`` is 0, or 1 when a list wins
    more seats than it has candidates or a roster names a party outside
    ``[0, n_parties]``: the caller then counts with NumPy, which raises or counts as
    it always has.
    """
    draws, constituencies, slots = seats.shape
    size = roster_party.shape[3]
    party_seats = np.zeros((draws, n_parties), dtype=np.int64)
    women = np.zeros(draws, dtype=np.int64)
    for d in range(draws):
        for c in range(constituencies):
            for k in range(slots):
                won = seats[d, c, k]
                if won <= 0:
                    continue
                top = min(won, size)
                for m in range(top):
                    party = roster_party[d, c, k, m]
                    if party < 0 or party > n_parties:
                        return party_seats, women, 1
                    if party < n_parties:  # n_parties: the spare bin of the NumPy count
                        party_seats[d, party] += 1
                    if roster_female[d, c, k, m]:
                        women[d] += 1
    return party_seats, women, 0
