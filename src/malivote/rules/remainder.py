"""Largest-remainder (quota) methods of list proportional representation.

Each list first gets as many seats as it has whole quotas of votes; the seats left go
one each to the lists with the largest remainders (Hamilton's method with the Hare
quota; Balinski & Young, *Fair Representation*, 1982, ch. 2; Pukelsheim, *Proportional
Representation*, 2nd ed., 2017, ch. 6). All arithmetic is in exact integers: a quota
``numerator / denominator`` is never rounded.
"""

from __future__ import annotations

import numpy as np

from malivote.rules._apportion import Apportionment, prepare_apportionment
from malivote.rules._backend import backend
from malivote.rules._validation import as_rng, check_choice, check_flag
from malivote.rules.ties import check_ties, raise_on_lot, settle

__all__ = ["QUOTAS", "largest_remainder", "quota_fraction"]

QUOTAS = ("hare", "droop", "hagenbach_bischoff", "imperiali")

# What each quota adds to the seats S it divides the votes V by.
_SEAT_OFFSET = {"hare": 0, "droop": 1, "hagenbach_bischoff": 1, "imperiali": 2}


def quota_fraction(total, seats, quota: str):
    """The quota as an exact fraction ``(numerator, denominator)`` of int64 arrays.

    Parameters
    ----------
    total : array_like of int
        The votes shared out (the eligible lists' total) in each row.
    seats : array_like of int
        The seats of each row.
    quota : str
        ``"hare"`` V/S, ``"droop"`` floor(V/(S+1)) + 1, ``"hagenbach_bischoff"``
        V/(S+1), or ``"imperiali"`` V/(S+2).

    Examples
    --------
    >>> numerator, denominator = quota_fraction(1000, 4, "droop")
    >>> int(numerator), int(denominator)
    (201, 1)
    >>> numerator, denominator = quota_fraction(1000, 4, "hare")
    >>> int(numerator), int(denominator)
    (1000, 4)
    """
    check_choice(quota, "quota", QUOTAS)
    total = np.asarray(total, dtype=np.int64)
    seats = np.asarray(seats, dtype=np.int64)
    offset = _SEAT_OFFSET[quota]
    if quota == "droop":
        return total // (seats + offset) + 1, np.ones_like(total * seats)
    return total * np.ones_like(seats), seats + offset


def _give_to_largest(remainder, count, eligible_mask, votes, ties, rng):
    """Mark ``count`` entries per row with the largest ``remainder``; ties by ``ties``.

    Returns the marks and the rows where a lot was drawn. ``votes`` is what
    ``ties="votes"`` ranks tied entries by, larger first.
    """
    n_rows, n_lists = remainder.shape
    # Lists outside the mask rank below every remainder, negative ones included.
    lowest = -(1 << 256) if remainder.dtype == object else np.iinfo(np.int64).min
    ranked = np.where(eligible_mask, remainder, lowest)
    ordered = np.sort(ranked, axis=-1)[:, ::-1]
    position = np.clip(count - 1, 0, n_lists - 1)
    cutoff = ordered[np.arange(n_rows), position]
    giving = (count > 0)[:, None]
    sure = (ranked > cutoff[:, None]) & giving
    contenders = (ranked == cutoff[:, None]) & giving
    needed = count - sure.sum(axis=-1)
    chosen, lot = settle(contenders, needed, votes, ties, rng)
    return sure | chosen, lot


def largest_remainder(votes, seats, *, quota: str, threshold=0.0, ties="lot", count_lots=False, rng=None):
    """Allocate seats to lists by largest remainders after a quota.

    Parameters
    ----------
    votes : array_like of int, shape (..., K)
        Votes of ``K`` lists in each row; leading axes are draws or constituencies.
    seats : int or array_like of int
        Seats to give in each row; broadcasts against ``votes[..., 0]``.
    quota : str
        With V the eligible votes and S the seats: ``"hare"`` V/S (Hamilton);
        ``"droop"`` floor(V/(S+1)) + 1; ``"hagenbach_bischoff"`` V/(S+1);
        ``"imperiali"`` V/(S+2).
    threshold : float, default 0.0
        A list with fewer than ``threshold`` times its row's total votes gets no seat,
        and its votes do not count in V. In [0, 1).
    ties : {"lot", "votes", "raise"}, default "lot"
        How equal remainders are settled: by lot, uniformly; ``"votes"``: the list
        with more votes takes the seat (and, when a surplus is withdrawn, the list
        with fewer votes gives it back), equal votes by lot; ``"raise"``: refuse,
        naming the row.
    count_lots : bool, default False
        Also return how many ties each row broke by lot.
    rng : {None, int, numpy.random.Generator, ...}, optional
        Draws the lots. Passed to :func:`numpy.random.default_rng`.

    Returns
    -------
    ndarray of int64, shape (..., K), or Apportionment
        Seats per list; each row sums to its ``seats``. With ``count_lots``, an
        :class:`Apportionment` ``(seats, lots)`` where ``lots`` (shape ``(...)``)
        counts the lots drawn in each row: one for the remainder seats, one per
        surplus seat withdrawn by lot.

    Raises
    ------
    ValueError
        On bad votes or seats (a row's votes adding up past 2**63 - 1, more than
        1,000,000 seats), an unknown quota or ``ties``, a threshold outside [0, 1), a
        row with seats to give and no eligible votes, or a tie under ``ties="raise"``.

    Notes
    -----
    Each list takes at most one remainder seat, unless more seats are left than there
    are lists with votes (possible with the Droop quota when there are few votes for
    many seats): then each list with votes takes one seat per full round, and the
    seats still left go by remainder.

    The Hagenbach-Bischoff and Imperiali quotas can hand out more whole quotas than
    there are seats. The surplus is then withdrawn one seat at a time from the
    seat-holding list with the smallest remainder (ties by lot); a list that loses a
    seat sees its remainder grow by one quota.

    References
    ----------
    M. L. Balinski and H. P. Young, *Fair Representation*, Yale University Press,
    1982. F. Pukelsheim, *Proportional Representation*, 2nd ed., Springer, 2017.

    Examples
    --------
    >>> from malivote.rules import largest_remainder
    >>> largest_remainder([47_000, 16_000, 15_800, 12_000, 6_100, 3_100], 10, quota="hare")
    array([5, 2, 1, 1, 1, 0])
    >>> largest_remainder([47_000, 16_000, 15_800, 12_000, 6_100, 3_100], 10, quota="droop")
    array([5, 2, 2, 1, 0, 0])

    Equal remainders (Hare quota 50, remainders 10 and 10), settled by votes:

    >>> largest_remainder([60, 10, 30], 2, quota="hare", ties="votes")
    array([1, 0, 1])
    """
    check_choice(quota, "quota", QUOTAS)
    ties = check_ties(ties)
    count_lots = check_flag(count_lots, "count_lots")
    eligible, flat_seats, shape = prepare_apportionment(votes, seats, threshold)
    rng = as_rng(rng)
    if backend() == "numba" and eligible.dtype == np.int64 and eligible.size:
        allocation, lots = _remainder_fast(eligible, flat_seats, quota, ties, rng, shape[:-1])
    else:
        allocation, lots = _remainder_rows(eligible, flat_seats, quota, ties, rng, shape[:-1])
    seats_out = allocation.reshape(shape)
    if count_lots:
        return Apportionment(seats_out, lots.reshape(shape[:-1]))
    return seats_out


def _remainder_fast(eligible, flat_seats, quota, ties, rng, row_shape):
    """:func:`_remainder_rows` with the numba kernel.

    The kernel allocates every row that needs no lot and no surplus withdrawn. The
    rows it flags are redone by :func:`_remainder_rows` on those rows only, in row
    order: the NumPy path draws each step's lots in one call, a row of ``K`` random
    numbers per row drawing a lot in row order, and every row that draws one (at the
    remainder seats or in a surplus round) is flagged, so the same random numbers are
    drawn for the same rows.
    """
    from malivote.rules import _numba

    allocation, status = _numba.remainder_rows(eligible, flat_seats, quota == "droop", _SEAT_OFFSET[quota])
    lots = np.zeros(eligible.shape[0], dtype=np.int64)
    flagged = np.flatnonzero(status)
    if flagged.size == 0:
        return allocation, lots
    if ties == "raise":
        # The refusal names the row's index in the whole input.
        return _remainder_rows(eligible, flat_seats, quota, ties, rng, row_shape)
    allocation[flagged], lots[flagged] = _remainder_rows(
        eligible[flagged], flat_seats[flagged], quota, ties, rng, (flagged.size,)
    )
    return allocation, lots


def _remainder_rows(eligible, flat_seats, quota, ties, rng, row_shape):
    """The seats ``(R, K)`` and lots ``(R,)`` of validated rows, in NumPy.

    ``row_shape`` is the leading shape of the input, for the index a refusal under
    ``ties="raise"`` names.
    """
    total = eligible.sum(axis=-1)
    numerator, denominator = quota_fraction(total, flat_seats, quota)
    giving = (flat_seats > 0) & (total > 0)
    numerator = np.where(giving, numerator, 1)
    # Votes scaled by the quota's denominator, and remainders grown by a quota per
    # surplus seat, must stay in int64; past that, exact Python integers (rare).
    biggest = (int(eligible.max(initial=0)) + int(numerator.max(initial=1))) * int(denominator.max(initial=1))
    if biggest >= 2**62:
        eligible = eligible.astype(object)
        numerator = numerator.astype(object)
        denominator = denominator.astype(object)
    scaled_votes = eligible * denominator[:, None]
    # Whole quotas are at most a few more than the seats: int64 even when votes are not.
    whole = np.where(giving[:, None], scaled_votes // numerator[:, None], 0).astype(np.int64)
    # Remainders in units of 1/denominator of a vote, so they stay integers.
    remainder = np.where(giving[:, None], scaled_votes - whole * numerator[:, None], 0)
    left = flat_seats - whole.sum(axis=-1)

    has_votes = eligible > 0
    # The Droop quota rounds up, so with few votes for many seats more seats can be
    # left than there are lists: every list then gets a seat a round before the rest
    # go by remainder.
    full_rounds = np.maximum(left, 0) // np.maximum(has_votes.sum(axis=-1), 1)
    whole += full_rounds[:, None] * has_votes
    left -= full_rounds * has_votes.sum(axis=-1)
    extra, lot = _give_to_largest(remainder, np.maximum(left, 0), has_votes, eligible, ties, rng)
    lots = lot.astype(np.int64)
    if ties == "raise":
        raise_on_lot(lot, row_shape, "between equal remainders")
    allocation = (whole + extra).astype(np.int64)

    surplus = np.maximum(-left, 0)
    while surplus.any():
        rows = np.flatnonzero(surplus > 0)
        holders = allocation[rows] > 0
        # The smallest remainder is the largest negated one; by votes, the list with
        # fewer votes gives its seat back.
        loser, lot = _give_to_largest(
            -remainder[rows], np.ones(rows.size, np.int64), holders, -eligible[rows], ties, rng
        )
        if ties == "raise":
            flagged = np.zeros(allocation.shape[0], dtype=bool)
            flagged[rows] = lot
            raise_on_lot(flagged, row_shape, "for the seat withdrawn from a surplus")
        lots[rows] += lot
        allocation[rows] -= loser
        remainder[rows] += loser * numerator[rows, None]
        surplus[rows] -= 1
    return allocation, lots
