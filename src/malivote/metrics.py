"""Outcome metrics: disproportionality, fragmentation, majorities, runoffs, women.

Every metric is a pure array function, vectorised over any leading (draw) axes:

- :func:`gallagher`: the least-squares index of disproportionality, in percentage
  points (0 to 100);
- :func:`loosemore_hanby`: the Loosemore-Hanby index, in percentage points;
- :func:`effective_number_of_parties`: Laakso and Taagepera's 1 / sum(share**2), by
  votes or by seats;
- :func:`wasted_votes`: votes cast for lists that won no seat, as a fraction or a count;
- :func:`largest_party_share`: the largest party's fraction of the seats;
- :func:`majority_probability`: the share of draws with an absolute majority (74 of
  147 seats by default);
- :func:`runoffs`: constituencies decided in round 2;
- :func:`women_elected`: women among the candidates elected;
- :func:`party_votes`: credits the votes of (joint) lists to parties, which the
  party-level indices need because Mali's votes are cast for lists.

Indices of disproportionality are in **percentage points**; shares
(:func:`largest_party_share`, :func:`wasted_votes` with ``share=True``,
:func:`majority_probability`) are **fractions** in [0, 1]. A row whose total is zero
has no shares and raises :class:`ValueError` naming the argument.
"""

from __future__ import annotations

import numpy as np

from malivote.rules._validation import as_votes, check_row_totals, first_bad_index

__all__ = [
    "MAJORITY",
    "effective_number_of_parties",
    "gallagher",
    "largest_party_share",
    "loosemore_hanby",
    "majority_probability",
    "majority_threshold",
    "block_party_votes",
    "party_votes",
    "runoffs",
    "wasted_votes",
    "women_elected",
]

#: Seats for an absolute majority of Mali's 147-seat National Assembly.
MAJORITY = 74

PARTY_VOTE_METHODS = ("equal", "roster")


def _counts(values, name: str) -> np.ndarray:
    """``values`` as a float64 array of finite, non-negative numbers (at least 1-d)."""
    array = np.asarray(values)
    if array.dtype.kind not in "uif":
        raise ValueError(f"{name}: expected numbers, found dtype {array.dtype}")
    if array.ndim < 1:
        raise ValueError(f"{name}: expected an array with a party axis, found a scalar")
    array = array.astype(np.float64)
    if array.size:
        if not np.isfinite(array).all():
            index = first_bad_index(~np.isfinite(array))
            raise ValueError(f"{name}: expected finite numbers, found {array[index]} at index {index}")
        if array.min() < 0:
            index = first_bad_index(array < 0)
            raise ValueError(f"{name}: expected non-negative numbers, found {array[index]} at index {index}")
    return array


def _shares(values, name: str) -> np.ndarray:
    """Each row of ``values`` (last axis) divided by its total; zero totals raise."""
    array = _counts(values, name)
    with np.errstate(over="ignore"):  # an infinite total is refused just below
        total = array.sum(axis=-1)
    if not np.isfinite(total).all():
        index = first_bad_index(np.asarray(~np.isfinite(total)))
        raise ValueError(f"{name}: the row at index {index} sums past the largest float64, so it has no shares")
    if (total == 0).any():
        index = first_bad_index(np.asarray(total == 0))
        raise ValueError(f"{name}: the row at index {index} sums to zero, so it has no shares")
    return array / total[..., None]


def _paired_shares(votes, seats):
    v = _shares(votes, "votes")
    s = _shares(seats, "seats")
    if v.shape[-1] != s.shape[-1]:
        raise ValueError(
            f"seats: expected {v.shape[-1]} parties (the last axis of votes), found {s.shape[-1]}"
        )
    try:
        np.broadcast_shapes(v.shape, s.shape)
    except ValueError:
        raise ValueError(f"seats: shape {s.shape} does not broadcast against votes {v.shape}") from None
    return v, s


def gallagher(votes, seats) -> np.ndarray:
    """The Gallagher least-squares index of disproportionality, in percentage points.

    ``LSq = sqrt(1/2 * sum_i (V_i - S_i)**2)`` with ``V_i`` and ``S_i`` party ``i``'s
    percentages of the votes and of the seats. 0 is perfect proportionality; the
    index cannot exceed 100.

    Parameters
    ----------
    votes : array_like, shape (..., P)
        Votes per party, as counts or shares (each row is divided by its total).
    seats : array_like, shape (..., P)
        Seats per party (counts or shares); broadcasts against ``votes``.

    Returns
    -------
    ndarray of float64, shape (...,)

    Raises
    ------
    ValueError
        On negative or non-finite entries, a row of ``votes`` or ``seats`` that sums to
        zero, or mismatched party axes.

    Notes
    -----
    The index depends on how the parties are grouped: Gallagher counts "others" as one
    party, Lijphart (1994) drops them. Pass whatever grouping is wanted. For Mali, where
    votes go to (possibly joint) lists, get party votes with :func:`party_votes`.

    References
    ----------
    M. Gallagher, "Proportionality, disproportionality and electoral systems",
    *Electoral Studies* 10(1), 1991, pp. 33-51.

    Examples
    --------
    >>> float(gallagher([50, 30, 20], [60, 30, 10]))
    10.0
    >>> gallagher([[50, 50], [50, 50]], [[1, 1], [2, 0]])
    array([ 0., 50.])
    """
    v, s = _paired_shares(votes, seats)
    return 100.0 * np.sqrt(0.5 * ((v - s) ** 2).sum(axis=-1))


def loosemore_hanby(votes, seats) -> np.ndarray:
    """The Loosemore-Hanby index of disproportionality, in percentage points.

    ``D = 1/2 * sum_i |V_i - S_i|``, with ``V_i`` and ``S_i`` in percent: the share of
    the seats held by parties beyond their vote shares. Arguments as for
    :func:`gallagher`.

    References
    ----------
    J. Loosemore and V. J. Hanby, "The theoretical limits of maximum distortion: some
    analytic expressions for electoral systems", *British Journal of Political
    Science* 1(4), 1971, pp. 467-477.

    Examples
    --------
    >>> float(loosemore_hanby([50, 30, 20], [60, 30, 10]))
    10.0
    >>> float(loosemore_hanby([0.4, 0.35, 0.25], [1, 0, 0]))
    60.0
    """
    v, s = _paired_shares(votes, seats)
    return 100.0 * 0.5 * np.abs(v - s).sum(axis=-1)


def effective_number_of_parties(counts) -> np.ndarray:
    """Laakso and Taagepera's effective number of parties, ``1 / sum_i p_i**2``.

    Parameters
    ----------
    counts : array_like, shape (..., P)
        Votes or seats per party (counts or shares; each row is divided by its total).
        Pass vote counts for the effective number of electoral parties, seat counts for
        the effective number of parliamentary parties.

    Returns
    -------
    ndarray of float64, shape (...,)
        Between 1 (one party has everything) and the number of parties with a positive
        count (all equal).

    References
    ----------
    M. Laakso and R. Taagepera, "'Effective' number of parties: a measure with
    application to West Europe", *Comparative Political Studies* 12(1), 1979, pp. 3-27.

    Examples
    --------
    >>> float(effective_number_of_parties([0.5, 0.5]))
    2.0
    >>> effective_number_of_parties([[147, 0, 0], [60, 60, 27]]).round(3)
    array([1.   , 2.725])
    """
    p = _shares(counts, "counts")
    return 1.0 / (p**2).sum(axis=-1)


def wasted_votes(votes, seats, *, share: bool = True) -> np.ndarray:
    """Votes cast for lists that won no seat in their constituency.

    Parameters
    ----------
    votes : array_like of int, shape (..., C, K)
        Votes per list slot (for Mali, the first-round valid votes).
    seats : array_like of int, shape (..., C, K)
        Seats won per list slot (``DistrictOutcome.seats``); broadcasts against
        ``votes``.
    share : bool, default True
        Return a fraction of all the votes (summed over constituencies) instead of a
        count.

    Returns
    -------
    ndarray, shape (...,)
        float64 fractions in [0, 1], or int64 counts with ``share=False``.

    Notes
    -----
    This counts the votes of losing lists only ("votes that do not count towards the
    election of a candidate", Reynolds, Reilly & Ellis 2005); it leaves out the
    *surplus* votes of winners beyond what they needed, which the efficiency-gap
    definition adds (McGhee, "Measuring partisan bias in single-member district
    electoral systems", *Legislative Studies Quarterly* 39(1), 2014). Under Mali's
    winner-takes-all list rule every vote for a list other than the district winner is
    wasted.

    References
    ----------
    A. Reynolds, B. Reilly and A. Ellis, *Electoral System Design: The New
    International IDEA Handbook*, International IDEA, 2005.

    Examples
    --------
    >>> votes = [[[600, 400, 0], [300, 500, 200]]]       # 1 draw, 2 constituencies
    >>> seats = [[[2, 0, 0], [0, 3, 0]]]
    >>> wasted_votes(votes, seats)
    array([0.45])
    >>> wasted_votes(votes, seats, share=False)
    array([900])
    """
    votes = as_votes(votes, "votes", min_ndim=2)
    seats = as_votes(seats, "seats", min_ndim=2)
    try:
        shape = np.broadcast_shapes(votes.shape, seats.shape)
    except ValueError:
        raise ValueError(f"seats: shape {seats.shape} does not broadcast against votes {votes.shape}") from None
    votes = np.broadcast_to(votes, shape).astype(np.int64)
    # A draw's votes are added in int64: a total past 2**63 - 1 would wrap around.
    check_row_totals(votes.reshape(shape[:-2] + (shape[-2] * shape[-1],)), "votes")
    lost = np.where(np.broadcast_to(seats, shape) == 0, votes, 0).sum(axis=(-2, -1))
    if not share:
        return lost
    total = votes.sum(axis=(-2, -1))
    if (total == 0).any():
        raise ValueError(f"votes: the draw at index {first_bad_index(np.asarray(total == 0))} has no votes")
    return lost / total


def largest_party_share(party_seats) -> np.ndarray:
    """The largest party's fraction of the seats.

    Parameters
    ----------
    party_seats : array_like, shape (..., P)

    Returns
    -------
    ndarray of float64, shape (...,)

    Examples
    --------
    >>> round(float(largest_party_share([51, 24, 19, 10, 43])), 4)   # Mali 2020: RPM
    0.3469
    >>> largest_party_share([[74, 73], [100, 47]]).round(4)
    array([0.5034, 0.6803])
    """
    return _shares(party_seats, "party_seats").max(axis=-1)


def majority_threshold(total_seats: int) -> int:
    """Seats for an absolute majority: more than half, ``total_seats // 2 + 1``.

    Examples
    --------
    >>> majority_threshold(147), majority_threshold(160)
    (74, 81)
    """
    if isinstance(total_seats, bool) or not isinstance(total_seats, (int, np.integer)) or total_seats < 1:
        raise ValueError(f"total_seats: expected a positive integer, found {total_seats!r}")
    return int(total_seats) // 2 + 1


def majority_probability(party_seats, majority: int = MAJORITY, *, party: int | None = None) -> float:
    """The fraction of draws in which one party holds at least ``majority`` seats.

    Parameters
    ----------
    party_seats : array_like of int, shape (D, P)
        Seats per party in each draw.
    majority : int, default 74
        Seats for an absolute majority (74 of Mali's 147; see :func:`majority_threshold`).
    party : int, optional
        Count only the draws in which this party (a column index) has the majority.

    Returns
    -------
    float
        A Monte Carlo estimate in [0, 1]; its standard error is
        ``sqrt(p * (1 - p) / D)``.

    Examples
    --------
    >>> majority_probability([[74, 73], [70, 77], [60, 87], [73, 74]])
    1.0
    >>> majority_probability([[74, 73], [70, 77], [60, 87], [73, 74]], party=0)
    0.25
    >>> majority_probability([[70, 70, 7]])
    0.0
    """
    seats = as_votes(party_seats, "party_seats", min_ndim=2)
    if seats.ndim != 2:
        raise ValueError(f"party_seats: expected shape (D, P), found {seats.shape}")
    if seats.shape[0] == 0:
        raise ValueError("party_seats: no draws")
    if isinstance(majority, bool) or not isinstance(majority, (int, np.integer)) or majority < 1:
        raise ValueError(f"majority: expected a positive integer, found {majority!r}")
    if party is None:
        held = seats.max(axis=-1, initial=0)
    else:
        if isinstance(party, bool) or not isinstance(party, (int, np.integer)) or not 0 <= party < seats.shape[1]:
            raise ValueError(f"party: expected a column index in [0, {seats.shape[1]}), found {party!r}")
        held = seats[:, party]
    return float((held >= majority).mean())


def runoffs(round) -> np.ndarray:
    """The number of constituencies decided in a second round.

    Parameters
    ----------
    round : array_like of int, shape (..., C)
        ``DistrictOutcome.round``: 1 or 2 per constituency.

    Returns
    -------
    ndarray of int64, shape (...,)

    Examples
    --------
    >>> runoffs([[1, 2, 2], [1, 1, 1]])
    array([2, 0])
    """
    array = np.asarray(round)
    if array.dtype.kind not in "ui" or array.ndim < 1:
        raise ValueError(f"round: expected an integer array of rounds (1 or 2), found {array.dtype} {array.shape}")
    bad = (array != 1) & (array != 2)
    if bad.any():
        index = first_bad_index(bad)
        raise ValueError(f"round: expected 1 or 2, found {array[index]} at index {index}")
    return (array == 2).sum(axis=-1).astype(np.int64)


def women_elected(seats, roster_female, *, share: bool = False) -> np.ndarray:
    """Women elected: the women among the first ``seats`` candidates of each roster.

    Parameters
    ----------
    seats : array_like of int, shape (..., C, K)
        Seats won per list slot.
    roster_female : array_like of bool, shape (..., C, K, M)
        True where the roster position holds a woman (``Ensemble.roster_female``).
    share : bool, default False
        Return the fraction of the seats held by women instead of a count.

    Returns
    -------
    ndarray, shape (...,)
        int64 counts, or float64 fractions with ``share=True``.

    Raises
    ------
    ValueError
        If a list wins more seats than its roster has positions.

    Examples
    --------
    >>> seats = [[[2, 0], [0, 1]]]
    >>> female = [[[[True, True, False], [True, False, False]],
    ...            [[False, False, False], [False, True, False]]]]
    >>> women_elected(seats, female)
    array([2])
    >>> women_elected(seats, female, share=True).round(3)
    array([0.667])
    """
    seats = as_votes(seats, "seats", min_ndim=2)
    female = np.asarray(roster_female)
    if female.dtype != bool:
        raise ValueError(f"roster_female: expected a boolean array, found dtype {female.dtype}")
    if female.ndim != seats.ndim + 1 or female.shape[-3:-1] != seats.shape[-2:]:
        # Constituencies and lists must match: broadcasting one roster over several
        # lists would count the same candidates twice.
        raise ValueError(f"roster_female: expected shape {seats.shape} + (M,), found {female.shape}")
    try:
        np.broadcast_shapes(seats.shape[:-2], female.shape[:-3])
    except ValueError:
        raise ValueError(
            f"roster_female: shape {female.shape} does not broadcast against seats {seats.shape} + (M,)"
        ) from None
    if seats.size and seats.max() > female.shape[-1]:
        index = first_bad_index(seats > female.shape[-1])
        raise ValueError(
            f"seats: the list at index {index} wins {seats[index]} seats but rosters hold "
            f"{female.shape[-1]} candidates"
        )
    elected = np.arange(female.shape[-1]) < seats[..., None]
    women = (elected & female).sum(axis=(-3, -2, -1)).astype(np.int64)
    if not share:
        return women
    total = np.broadcast_to(seats, np.broadcast_shapes(seats.shape, female.shape[:-1])).sum(axis=(-2, -1))
    if (total == 0).any():
        raise ValueError(f"seats: the draw at index {first_bad_index(np.asarray(total == 0))} has no seats")
    return women / total


def _set_bits(masks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every set bit of non-negative int64 ``masks``: ``(index into masks, bit)`` pairs.

    One pass per bit of the fullest mask, over the masks with bits left: lists join one
    party or a few, so this is a few passes, whatever the number of parties.
    """
    remaining = masks.copy()
    indices, bits = [], []
    active = np.flatnonzero(remaining)
    while active.size:
        values = remaining[active]
        lowest = values & -values
        indices.append(active)
        # The exponent of a power of two, exact in float64 up to 2**62.
        bits.append(np.frexp(lowest.astype(np.float64))[1] - 1)
        remaining[active] = values ^ lowest
        active = active[remaining[active] != 0]
    if not indices:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    return np.concatenate(indices), np.concatenate(bits).astype(np.intp)


def party_votes(votes, members, n_parties: int, *, method: str = "equal", roster_party=None,
                per_constituency: bool = False) -> np.ndarray:
    """Credit the votes of (joint) lists to their parties.

    Mali's voters choose lists, and a list may join several parties. Party-level
    indices (:func:`gallagher`, :func:`effective_number_of_parties`) need votes per
    party, which the ballots do not give: how a joint list's votes divide among its
    parties is a modelling assumption, chosen by ``method``.

    Parameters
    ----------
    votes : array_like of int, shape (..., C, K)
        Votes per list slot.
    members : array_like of int, shape (..., C, K)
        Bit mask of each list's parties (bit ``p`` for party ``p``), as
        ``Ensemble.members``.
    n_parties : int
        ``P``; every bit set in ``members`` must be below it.
    method : {"equal", "roster"}, default "equal"
        ``"equal"``: each member party gets an equal part of the list's votes.
        ``"roster"``: each party gets the fraction of the list's roster positions its
        candidates fill (needs ``roster_party``); with full rosters this is the share
        of the list's candidates, a proxy for the partners' agreed weight.
    roster_party : array_like of int, shape (..., C, K, M), optional
        Party index of each roster position, -1 past the end (``Ensemble.roster_party``).
    per_constituency : bool, default False
        Keep the constituency axis: return ``(..., C, P)`` instead of ``(..., P)``.

    Returns
    -------
    ndarray of float64, shape (..., P) or (..., C, P)
        Votes per party; fractional where a joint list's votes do not divide evenly.
        Summed over parties it equals the total of the votes.

    Raises
    ------
    ValueError
        If a list with votes has no party (``members`` 0, or an empty roster with
        ``"roster"``), or ``members`` has a bit at or above ``n_parties``.

    Examples
    --------
    >>> votes = [[[600, 300], [500, 0]]]                  # 1 draw, 2 constituencies
    >>> members = [[[0b011, 0b100], [0b001, 0]]]          # list 0 joins parties 0 and 1
    >>> party_votes(votes, members, 3)
    array([[800., 300., 300.]])
    >>> roster = [[[[0, 0, 1], [2, 2, 2]], [[0, -1, -1], [-1, -1, -1]]]]
    >>> party_votes(votes, members, 3, method="roster", roster_party=roster)
    array([[900., 200., 300.]])
    """
    if method not in PARTY_VOTE_METHODS:
        raise ValueError(f"method: unknown method {method!r}; expected one of 'equal', 'roster'")
    if isinstance(n_parties, bool) or not isinstance(n_parties, (int, np.integer)) or not 1 <= n_parties <= 63:
        raise ValueError(f"n_parties: expected an integer in [1, 63], found {n_parties!r}")
    votes = as_votes(votes, "votes", min_ndim=2).astype(np.int64)
    members = np.asarray(members)
    if members.dtype.kind not in "ui":
        raise ValueError(f"members: expected integer bit masks, found dtype {members.dtype}")
    if members.shape != votes.shape:
        raise ValueError(f"members: expected shape {votes.shape}, found {members.shape}")
    # Checked in the masks' own dtype: a uint64 mask of 2**63 or more would wrap in int64.
    outside = (members < 0) | (members >= 1 << n_parties)
    if outside.any():
        index = first_bad_index(outside)
        raise ValueError(
            f"members: the mask {members[index]} at index {index} names a party outside "
            f"[0, {n_parties})"
        )
    members = members.astype(np.int64)
    if method == "equal":
        orphan = (votes > 0) & (members == 0)
        if orphan.any():
            raise ValueError(f"members: the list at index {first_bad_index(orphan)} has votes but no party")
        # One (list, party) pair per party of each list with votes, binned by
        # (draw and constituency, party).
        with_votes = np.flatnonzero(votes > 0)
        pair, party = _set_bits(members.reshape(-1)[with_votes])
        parties_per_list = np.bincount(pair, minlength=with_votes.size)
        per_member = votes.reshape(-1)[with_votes] / parties_per_list
        places = with_votes[pair] // votes.shape[-1]  # the flat (..., C) index
        n_places = votes.size // votes.shape[-1]
        result = np.bincount(
            places * n_parties + party, weights=per_member[pair], minlength=n_places * n_parties
        ).reshape(votes.shape[:-1] + (n_parties,))
        return result if per_constituency else result.sum(axis=-2)
    else:
        if roster_party is None:
            raise ValueError("roster_party: required with method='roster'")
        roster = np.asarray(roster_party)
        if roster.dtype.kind not in "ui" or roster.shape[:-1] != votes.shape or roster.ndim != votes.ndim + 1:
            raise ValueError(f"roster_party: expected integers of shape {votes.shape} + (M,), found {roster.shape}")
        if roster.size and roster.min() < -1:
            index = first_bad_index(roster < -1)
            raise ValueError(
                f"roster_party: expected party indices, or -1 past the end of the roster, "
                f"found {roster[index]} at index {index}"
            )
        length = (roster >= 0).sum(axis=-1)
        orphan = (votes > 0) & (length == 0)
        if orphan.any():
            raise ValueError(f"roster_party: the list at index {first_bad_index(orphan)} has votes but no candidates")
        if roster.size and roster.max() >= n_parties:
            raise ValueError(f"roster_party: party index {roster.max()} is not below n_parties={n_parties}")
        per_candidate = np.where(length > 0, votes / np.maximum(length, 1), 0.0)
        weight = [(roster == p).sum(axis=-1) * per_candidate for p in range(n_parties)]
    result = np.stack([w.sum(axis=-1) for w in weight], axis=-1)
    return result if per_constituency else result.sum(axis=-2)


def block_party_votes(votes: np.ndarray, members: np.ndarray, n_parties: int) -> np.ndarray:
    """:func:`party_votes` (``method="equal"``) of an engine block, bit for bit, fast.

    ``votes`` and ``members`` are ``(D, C, K)`` int64 arrays, as in an
    :class:`~malivote.election.Ensemble`. With the numba backend a compiled kernel
    (:mod:`malivote._tally_numba`) does the same float64 operations in the same order
    in one pass; otherwise, or when the input is not what that kernel takes (or is
    bad, so that :func:`party_votes` raises its own error), :func:`party_votes` runs.

    Examples
    --------
    >>> votes = np.array([[[600, 300], [500, 0]]])
    >>> members = np.array([[[0b011, 0b100], [0b001, 0]]])
    >>> block_party_votes(votes, members, 3)
    array([[800., 300., 300.]])
    """
    from malivote.rules._backend import backend

    if (
        backend() == "numba"
        and votes.ndim == 3
        and votes.shape == members.shape
        and votes.dtype == np.int64
        and members.dtype == np.int64
        and isinstance(n_parties, (int, np.integer))
        and not isinstance(n_parties, bool)
        and 1 <= n_parties <= 63
    ):
        from malivote._tally_numba import party_votes_equal

        result, ok = party_votes_equal(
            np.ascontiguousarray(votes), np.ascontiguousarray(members), int(n_parties)
        )
        if ok:
            return result
    return party_votes(votes, members, n_parties)
