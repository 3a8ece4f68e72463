"""Compiled kernels (numba) of the counts after the rule: credit and tally, one pass each.

Imported only when the backend is ``"numba"`` (:mod:`malivote.rules._backend`), by
:func:`malivote.election.credit_seats`, :func:`malivote.election.credit_elected`,
:func:`malivote.metrics.block_party_votes` and :func:`malivote.pipeline.block_metrics`;
each falls back to its NumPy count, which
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

from malivote._bits_numba import lowest_bit as _cttz
from malivote._bits_numba import popcount as _popcount

__all__ = ["block_counts", "credit_elected_rows", "credit_rows", "party_votes_equal"]


@njit(nogil=True, cache=True)
def _party_votes_draw(votes, members, d, ends, limit, rest, share, bins, row):
    """Add the party votes of draw ``d`` to ``row``; returns False on a bad list (see
    :func:`party_votes_equal`).

    Only slots ``0 .. ends[c]`` of constituency ``c`` are read: the caller knows that
    the others hold no votes. ``row`` has a spare bin past the parties for every
    slot (never read back), and ``bins`` (as long) is all zeros on entry and on
    return. One call per draw: a call with array arguments costs reference counts.
    """
    n_parties = row.size - votes.shape[2]
    for c in range(votes.shape[1]):
        end = ends[c]
        touched = np.int64(0)
        memberships = np.int64(0)
        bad = False
        for k in range(end):
            v = votes[d, c, k]
            active = v > 0
            mask = members[d, c, k] if active else np.int64(0)
            bad |= (v < 0) | (active & ((mask <= 0) | (mask >= limit)))
            touched |= mask
            memberships += _popcount(mask)
        if bad:
            return False
        if memberships == _popcount(touched):
            # No party on two lists here: each of its bins takes one share, and
            # NumPy's 0.0 + share is the share, so the order of the shares does not
            # matter and they go to the total directly. Branch-free up to two parties
            # a list (a slot without votes adds 0.0 to its spare bin); the number of
            # parties is a coin flip to the branch predictor.
            for k in range(end):
                v = votes[d, c, k]
                mask = members[d, c, k] if v > 0 else np.int64(0)
                # v / 1.0 is v: single-party lists get the share NumPy divides out too.
                x = np.float64(v) / np.float64(max(_popcount(mask), 1))
                spare = n_parties + k
                row[min(_cttz(mask), spare)] += x
                mask &= mask - 1
                row[min(_cttz(mask), spare)] += x
                mask &= mask - 1
                while mask:
                    row[_cttz(mask)] += x
                    mask &= mask - 1
            continue
        # NumPy's bin of a party starts at 0.0 and takes its shares pass by pass, lists
        # in slot order within a pass, before the constituency is added to the draw's
        # total.
        n_active = 0
        for k in range(end):
            v = votes[d, c, k]
            active = v > 0
            rest[n_active] = members[d, c, k] if active else np.int64(0)
            share[n_active] = np.float64(v) / np.float64(max(_popcount(rest[n_active]), 1))
            n_active += active
        while n_active:
            kept = 0
            for i in range(n_active):
                m = rest[i]
                x = share[i]
                bins[_cttz(m)] += x
                m &= m - 1
                rest[kept] = m
                share[kept] = x
                kept += m != 0
            n_active = kept
        while touched:
            p = _cttz(touched)
            row[p] += bins[p]
            bins[p] = 0.0
            touched &= touched - 1
    return True


@njit(nogil=True, cache=True)
def _party_votes_scratch(n_parties, slots):
    """``(row, bins, rest, share)`` of :func:`_party_votes_draw`, zeroed."""
    return (
        np.zeros(n_parties + slots, dtype=np.float64),
        np.zeros(n_parties + slots, dtype=np.float64),
        np.zeros(slots, dtype=np.int64),
        np.zeros(slots, dtype=np.float64),
    )


@njit(nogil=True, cache=True)
def _take_row(row, result, d):
    """Move the parties' bins of ``row`` to ``result[d]`` and zero them."""
    for p in range(result.shape[1]):
        result[d, p] = row[p]
        row[p] = 0.0


@njit(nogil=True, cache=True)
def party_votes_equal(votes, members, n_parties):
    """``(D, P)`` float64 party votes of ``(D, C, K)`` int64 votes and member masks.

    Returns ``(result, ok)``; ``ok`` is False when a list with votes has no party, a
    mask names a party at or above ``n_parties``, or a count is negative (the caller
    then lets :func:`malivote.metrics.party_votes` raise its error).
    """
    draws, constituencies, slots = votes.shape
    result = np.zeros((draws, n_parties), dtype=np.float64)
    row, bins, rest, share = _party_votes_scratch(n_parties, slots)
    ends = np.full(constituencies, slots, dtype=np.int64)
    limit = np.int64(1) << n_parties
    for d in range(draws):
        if not _party_votes_draw(votes, members, d, ends, limit, rest, share, bins, row):
            return result, False
        _take_row(row, result, d)
    return result, True


@njit(nogil=True, cache=True)
def block_counts(votes, members, seats, rounds, n_parties):
    """Party votes (as :func:`party_votes_equal`) and, per draw, the votes of lists
    that won no seat, all the votes, the seats and constituencies decided in round 1
    and the constituencies decided in round 2.

    ``seats`` is ``(D, C, K)`` int64 and ``rounds`` ``(D, C)``. Returns
    ``(party_votes, lost, valid, round1_seats, round1_constituencies, runoffs, ok)``;
    ``ok`` is False where :func:`party_votes_equal`'s would be, or a round is
    neither 1 nor 2 (the caller then lets :mod:`malivote.metrics` raise).
    """
    draws, constituencies, slots = votes.shape
    result = np.zeros((draws, n_parties), dtype=np.float64)
    lost = np.zeros(draws, dtype=np.int64)
    valid = np.zeros(draws, dtype=np.int64)
    round1 = np.zeros(draws, dtype=np.int64)
    round1_constituencies = np.zeros(draws, dtype=np.int64)
    runoffs = np.zeros(draws, dtype=np.int64)
    row, bins, rest, share = _party_votes_scratch(n_parties, slots)
    ends = np.zeros(constituencies, dtype=np.int64)
    limit = np.int64(1) << n_parties
    for d in range(draws):
        total = np.int64(0)
        lost_d = np.int64(0)
        round1_d = np.int64(0)
        first_rounds = np.int64(0)
        for c in range(constituencies):
            decided = rounds[d, c]
            if decided != 1 and decided != 2:
                return result, lost, valid, round1, round1_constituencies, runoffs, False
            first_round = decided == 1
            first_rounds += first_round
            # The integer counts vectorise; they also find the last slot with votes
            # (lists fill the first slots), so that the party count skips the rest.
            end = 0
            for k in range(slots):
                v = votes[d, c, k]
                s = seats[d, c, k]
                total += v
                lost_d += v if s == 0 else 0
                round1_d += s if first_round else 0
                end = max(end, k + 1 if v != 0 else 0)
            ends[c] = end
        if not _party_votes_draw(votes, members, d, ends, limit, rest, share, bins, row):
            return result, lost, valid, round1, round1_constituencies, runoffs, False
        _take_row(row, result, d)
        valid[d] = total
        lost[d] = lost_d
        round1[d] = round1_d
        round1_constituencies[d] = first_rounds
        runoffs[d] = constituencies - first_rounds
    return result, lost, valid, round1, round1_constituencies, runoffs, True


@njit(nogil=True, cache=True)
def credit_rows(seats, roster_party, roster_female, n_parties):
    """Party seats and women elected: the first ``seats[d, c, k]`` candidates of each
    roster (:func:`malivote.election.credit_seats`), lists without seats skipped.

    Returns ``(party_seats, women, status)``; ``status`` is 0, or 1 when a list wins
    more seats than it has candidates or a roster names a party outside
    ``[0, n_parties)``: the caller then counts with NumPy, which raises.
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
                    if party < 0 or party >= n_parties:
                        return party_seats, women, 1
                    party_seats[d, party] += 1
                    if roster_female[d, c, k, m]:
                        women[d] += 1
    return party_seats, women, 0


@njit(nogil=True, cache=True)
def credit_elected_rows(elected, roster_party, roster_female, n_parties, seats):
    """Party seats and women elected from a ``(D, C, K, M)`` mask of elected roster
    positions (:func:`malivote.election.credit_elected`), with ``seats`` ``(D, C, K)``
    the positions elected per list, or an empty array where not known.

    Returns ``(party_seats, women, status)``; ``status`` is 0, or 1 when an elected
    position names a party outside ``[0, n_parties)`` (past a roster's end, say): the
    caller then counts with NumPy, which raises.
    """
    draws = elected.shape[0]
    size = elected.shape[3]
    rows = elected.shape[1] * elected.shape[2]
    flat = elected.reshape(draws, rows, size)
    party = roster_party.reshape(draws, rows, size)
    female = roster_female.reshape(draws, rows, size)
    party_seats = np.zeros((draws, n_parties), dtype=np.int64)
    women = np.zeros(draws, dtype=np.int64)
    known = seats.size > 0
    list_seats = seats.reshape(draws if known else 0, rows)
    for d in range(draws):
        count = np.int64(0)
        for r in range(rows):
            # Most lists elect no one: one test of the list's seats, or of its whole
            # roster, skips them.
            if known:
                anyone = list_seats[d, r] > 0
            else:
                anyone = False
                for m in range(size):
                    anyone |= flat[d, r, m]
            if not anyone:
                continue
            for m in range(size):
                if flat[d, r, m]:
                    p = party[d, r, m]
                    if p < 0 or p >= n_parties:
                        return party_seats, women, 1
                    party_seats[d, p] += 1
                    count += female[d, r, m]
        women[d] = count
    return party_seats, women, 0
