"""Largest-remainder (quota) methods of list proportional representation.

Each list first gets as many seats as it has whole quotas of votes; the seats left go
one each to the lists with the largest remainders (Hamilton's method with the Hare
quota; Balinski & Young, *Fair Representation*, 1982, ch. 2; Pukelsheim, *Proportional
Representation*, 2nd ed., 2017, ch. 6). All arithmetic is in exact integers: a quota
``numerator / denominator`` is never rounded.
"""

from __future__ import annotations

import numpy as np

from malivote.rules._apportion import prepare_apportionment
from malivote.rules._validation import check_choice
from malivote.rules.ties import choose_by_lot

__all__ = ["QUOTAS", "largest_remainder", "quota_fraction"]

QUOTAS = ("hare", "droop", "hagenbach_bischoff", "imperiali")


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
    if quota == "droop":
        return total // (seats + 1) + 1, np.ones_like(total * seats)
    offset = {"hare": 0, "hagenbach_bischoff": 1, "imperiali": 2}[quota]
    return total * np.ones_like(seats), seats + offset


def _give_to_largest(remainder, count, eligible_mask, rng):
    """Mark ``count`` entries per row with the largest ``remainder``; ties by lot."""
    n_rows, n_lists = remainder.shape
    # Lists outside the mask rank below every remainder, negative ones included.
    ranked = np.where(eligible_mask, remainder, np.iinfo(np.int64).min)
    ordered = np.sort(ranked, axis=-1)[:, ::-1]
    position = np.clip(count - 1, 0, n_lists - 1)
    cutoff = ordered[np.arange(n_rows), position]
    sure = ranked > cutoff[:, None]
    contenders = ranked == cutoff[:, None]
    needed = count - sure.sum(axis=-1)
    chosen = contenders & (count > 0)[:, None]
    lot = (count > 0) & (contenders.sum(axis=-1) > needed)
    if lot.any():
        rows = np.flatnonzero(lot)
        chosen[rows] = choose_by_lot(contenders[rows], needed[rows], rng)
    return (sure & (count > 0)[:, None]) | chosen


def largest_remainder(votes, seats, *, quota: str, threshold=0.0, rng=None) -> np.ndarray:
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
    rng : {None, int, numpy.random.Generator, ...}, optional
        Breaks ties between equal remainders by lot, uniformly.

    Returns
    -------
    ndarray of int64, shape (..., K)
        Seats per list; each row sums to its ``seats``.

    Raises
    ------
    ValueError
        On bad votes or seats, an unknown quota, a threshold outside [0, 1), or a row
        with seats to give and no eligible votes.

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
    """
    check_choice(quota, "quota", QUOTAS)
    eligible, flat_seats, shape = prepare_apportionment(votes, seats, threshold)
    rng = np.random.default_rng(rng)

    total = eligible.sum(axis=-1)
    numerator, denominator = quota_fraction(total, flat_seats, quota)
    giving = (flat_seats > 0) & (total > 0)
    numerator = np.where(giving, numerator, 1)
    biggest = int(eligible.max(initial=0)) * int(denominator.max(initial=1))
    if biggest >= 2**62:
        raise ValueError(f"votes: too large for exact integer arithmetic ({biggest})")
    scaled_votes = eligible * denominator[:, None]
    whole = np.where(giving[:, None], scaled_votes // numerator[:, None], 0)
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
    extra = _give_to_largest(remainder, np.maximum(left, 0), has_votes, rng)
    allocation = whole + extra

    surplus = np.maximum(-left, 0)
    while surplus.any():
        rows = np.flatnonzero(surplus > 0)
        holders = allocation[rows] > 0
        # The smallest remainder is the largest negated one.
        loser = _give_to_largest(-remainder[rows], np.ones(rows.size, np.int64), holders, rng)
        allocation[rows] -= loser
        remainder[rows] += loser * numerator[rows, None]
        surplus[rows] -= 1
    return allocation.reshape(shape)
