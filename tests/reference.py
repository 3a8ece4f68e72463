"""An exact, deliberately plain pure-Python reference of every seat rule.

This module restates ``docs/engine-conventions.md`` one constituency (one row) at a
time, with Python integers and :class:`fractions.Fraction` only: no numpy takes part
in any comparison or division, there is no floating point and no vectorisation. It is
meant to be read side by side with the conventions and checked by eye.

Because every rule breaks ties by lot, the ``*_options`` functions do not return one
result but the **set of results the rule allows**: the vectorised engine is correct on
an input when its result is a member of that set (and, on input without ties, the set
has exactly one member). The ``*_reference`` functions return one result, breaking
every tie in favour of the lowest slot index; they are the "pure-Python reference
loop" that the benchmarks compare the engine against.

Inputs are Python lists of ints (numpy arrays are accepted and converted with
``.tolist()``). Shares (``majority``, ``threshold``) may be given as
:class:`~fractions.Fraction`, ``int`` or ``float``; a float is read as the shortest
decimal that round-trips (``Fraction(repr(x))``), as in the engine.

References
----------
.. [BY] M. L. Balinski and H. P. Young, *Fair Representation: Meeting the Ideal of
   One Man, One Vote*, Yale University Press, 1982 (2nd ed., Brookings, 2001).
   Divisor methods (Jefferson = D'Hondt, Webster = Sainte-Lague, Adams, Dean,
   Huntington-Hill), Hamilton's method (= Hare largest remainder), the quota rule,
   the Alabama and population paradoxes.
.. [P] F. Pukelsheim, *Proportional Representation: Apportionment Methods and Their
   Applications*, 2nd ed., Springer, 2017. Divisor methods with standard and
   signpost rounding, quota methods (Hare, Droop, Hagenbach-Bischoff, Imperiali
   quotas), residual-seat ties and electoral thresholds.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations

__all__ = [
    "DIVISOR_METHODS",
    "QUOTAS",
    "RAISES",
    "as_share",
    "two_round_outcomes",
    "two_round_options",
    "two_round_finalist_options",
    "two_round_reference",
    "plurality_options",
    "plurality_reference",
    "block_vote_options",
    "block_vote_seat_options",
    "block_vote_reference",
    "divisor_options",
    "divisor_reference",
    "exact_quota",
    "largest_remainder_options",
    "largest_remainder_reference",
]

DIVISOR_METHODS = (
    "dhondt",
    "sainte_lague",
    "modified_sainte_lague",
    "imperiali",
    "danish",
    "huntington_hill",
    "adams",
)
QUOTAS = ("hare", "droop", "hagenbach_bischoff", "imperiali")

#: Marker put in a set of two-round outcomes when one way of breaking a tie for a
#: finalist place leads to a runoff that raises (both finalists with 0 second votes).
RAISES = "raises"


# --------------------------------------------------------------------------- helpers


def as_share(value) -> Fraction:
    """Read a share exactly: a float as the shortest decimal that round-trips.

    >>> as_share(0.05)
    Fraction(1, 20)
    >>> as_share(Fraction(1, 3))
    Fraction(1, 3)
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(repr(float(value)))


def _row(values) -> list[int]:
    """A row of vote counts as a list of Python ints (numpy input is accepted)."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    row = [int(v) for v in values]
    for v, original in zip(row, values):
        if v != original or v < 0:
            raise ValueError(f"votes: expected non-negative whole numbers, found {original!r}")
    return row


def _split_at_cutoff(keys: dict, count: int):
    """Split ``keys`` (item -> comparable key) for choosing ``count`` largest keys.

    Returns ``(sure, tied, needed)``: the items whose key is strictly above the
    ``count``-th largest key (they are chosen whatever the lot), the items whose key
    equals it (they share the last places), and how many of ``tied`` are chosen.
    """
    if count == 0:
        return [], [], 0
    ordered = sorted(keys.values(), reverse=True)
    cutoff = ordered[count - 1]
    sure = [item for item, key in keys.items() if key > cutoff]
    tied = [item for item, key in keys.items() if key == cutoff]
    return sure, tied, count - len(sure)


def _eligible(votes: list[int], threshold: Fraction) -> list[bool]:
    """Which lists reach the threshold: ``votes >= threshold * total``, exactly.

    A list with 0 votes is an empty slot and never eligible.
    """
    total = sum(votes)
    return [v > 0 and v >= threshold * total for v in votes]


# ------------------------------------------------------------------------ two round


def _top_two_finalist_pairs(first: list[int]) -> set[frozenset]:
    """Every pair of finalists that the lot may produce: the two largest counts.

    If the top count is shared by several lists, any two of them; otherwise the
    leader and any of the lists tied for the second-largest count.
    """
    ordered = sorted(first, reverse=True)
    top, second = ordered[0], ordered[1]
    leaders = [k for k, v in enumerate(first) if v == top]
    if len(leaders) >= 2:
        return {frozenset(pair) for pair in combinations(leaders, 2)}
    runners_up = [k for k, v in enumerate(first) if v == second]
    return {frozenset((leaders[0], r)) for r in runners_up}


def two_round_outcomes(first_row, magnitude: int = 1, second_row=None, majority=Fraction(1, 2)):
    """All outcomes Mali's two-round list rule allows in one constituency.

    Parameters
    ----------
    first_row : list of int, length K
        First-round votes of each list slot.
    magnitude : int
        Seats of the constituency (>= 1); the winning list takes them all. It does
        not change who wins; it is checked only.
    second_row : list of int, length K, optional
        Second-round votes; only the finalists' entries are read. ``None`` means the
        default transfer, under which the first-round leader wins the runoff.
    majority : Fraction or float
        A list with strictly more than ``majority * valid`` first-round votes wins in
        round 1. In [0, 1).

    Returns
    -------
    set
        Members are ``(winner, round, finalists)`` with ``finalists`` a frozenset of
        the two finalists (``None`` when round 1 decided), or :data:`RAISES` for a
        tie-break that leads to a runoff in which both finalists have 0 second votes.

    Raises
    ------
    ValueError
        If the constituency has no valid votes, ``magnitude < 1``, ``majority`` is
        outside [0, 1), or every way of breaking the ties raises.

    Examples
    --------
    >>> sorted(two_round_outcomes([60, 30, 10]))
    [(0, 1, None)]
    >>> sorted(two_round_outcomes([40, 35, 25]), key=str)
    [(0, 2, frozenset({0, 1}))]
    >>> sorted(two_round_outcomes([40, 35, 25], 1, [10, 20, 99]), key=str)
    [(1, 2, frozenset({0, 1}))]
    """
    first = _row(first_row)
    majority = as_share(majority)
    if not (0 <= majority < 1):
        raise ValueError(f"majority: expected a number in [0, 1), found {majority}")
    if magnitude < 1:
        raise ValueError(f"magnitude: every constituency needs at least 1 seat, found {magnitude}")
    valid = sum(first)
    if valid == 0:
        raise ValueError("first: a constituency has no valid votes")

    # Round 1: lists with strictly more than majority * valid votes; the most-voted wins.
    passing = [k for k, v in enumerate(first) if v > majority * valid]
    if passing:
        best = max(first[k] for k in passing)
        return {(k, 1, None) for k in passing if first[k] == best}

    # Round 2 between the two most-voted lists (ties for a place by lot).
    if second_row is not None:
        second = _row(second_row)
        if len(second) != len(first):
            raise ValueError("second: must have the shape of first")
    outcomes = set()
    for pair in _top_two_finalist_pairs(first):
        a, b = sorted(pair)
        if second_row is None:
            # Default transfer: shares are unchanged, so the round-1 leader wins.
            score_a, score_b = first[a], first[b]
        else:
            score_a, score_b = second[a], second[b]
            if score_a == 0 and score_b == 0:
                outcomes.add(RAISES)
                continue
        if score_a >= score_b:
            outcomes.add((a, 2, pair))
        if score_b >= score_a:
            outcomes.add((b, 2, pair))
    if outcomes == {RAISES}:
        raise ValueError("second: both finalists of a runoff have 0 second-round votes")
    return outcomes


def two_round_options(first_row, magnitude: int = 1, second_row=None, majority=Fraction(1, 2)):
    """The allowed ``(winner, round)`` pairs of one constituency.

    Contains :data:`RAISES` when some tie-break leads to a runoff that raises.
    See :func:`two_round_outcomes`.

    >>> sorted(two_round_options([30, 30, 30, 10]))
    [(0, 2), (1, 2), (2, 2)]
    """
    return {o if o == RAISES else o[:2] for o in two_round_outcomes(first_row, magnitude, second_row, majority)}


def two_round_finalist_options(first_row, majority=Fraction(1, 2)) -> set:
    """The allowed finalist pairs (frozensets), or ``{None}`` if round 1 decides.

    >>> sorted(sorted(p) for p in two_round_finalist_options([40, 20, 20, 20]))
    [[0, 1], [0, 2], [0, 3]]
    """
    return {o[2] for o in two_round_outcomes(first_row, 1, None, majority)}


def two_round_reference(first, magnitude, second=None, majority=Fraction(1, 2)):
    """Winners of the two-round rule over draws and constituencies, in plain Python.

    The deliberately slow loop the benchmarks compare against: it walks draws and
    constituencies one at a time and breaks every tie in favour of the lowest slot.

    Parameters
    ----------
    first : nested lists or ndarray, shape (D, C, K) or (C, K)
    magnitude : sequence of int, length C
    second : like ``first``, optional
    majority : Fraction or float

    Returns
    -------
    list
        Winners as nested lists of shape (D, C) (or (C,) for 2-d input).

    Examples
    --------
    >>> two_round_reference([[60, 40], [30, 35]], [1, 2])
    [0, 1]
    """
    if hasattr(first, "tolist"):
        first = first.tolist()
    if second is not None and hasattr(second, "tolist"):
        second = second.tolist()
    if hasattr(magnitude, "tolist"):
        magnitude = magnitude.tolist()
    if first and first[0] and not isinstance(first[0][0], list):
        second_rows = second if second is not None else [None] * len(first)
        return [
            min(o for o in two_round_options(row, m, s, majority) if o != RAISES)[0]
            for row, m, s in zip(first, magnitude, second_rows)
        ]
    seconds = second if second is not None else [None] * len(first)
    return [two_round_reference(f, magnitude, s, majority) for f, s in zip(first, seconds)]


# ------------------------------------------------------------------------ plurality


def plurality_options(votes_row) -> set[int]:
    """The lists that may win a first-past-the-post (plurality) constituency.

    >>> sorted(plurality_options([3, 7, 7, 1]))
    [1, 2]
    """
    votes = _row(votes_row)
    if sum(votes) == 0:
        raise ValueError("votes: a constituency has no votes")
    best = max(votes)
    return {k for k, v in enumerate(votes) if v == best}


def plurality_reference(votes, magnitude=None):
    """Plurality winners over draws and constituencies (lowest slot wins a tie).

    >>> plurality_reference([[[1, 2], [3, 3]]])
    [[1, 0]]
    """
    if hasattr(votes, "tolist"):
        votes = votes.tolist()
    if votes and not isinstance(votes[0], list):
        return min(plurality_options(votes))
    return [plurality_reference(v) for v in votes]


# ------------------------------------------------------------------------ block vote


def block_vote_options(cand_votes_row, magnitude: int, cand_list_row, n_lists=None) -> set[frozenset]:
    """The allowed sets of elected candidate slots in one block-vote constituency.

    The ``magnitude`` candidates with the most votes are elected; a tie at the last
    place is broken by lot. Empty slots (list ``-1``) are never elected.

    Raises
    ------
    ValueError
        If an empty slot has votes, there are fewer candidates than seats or the
        constituency has no votes at all.

    Examples
    --------
    >>> sorted(sorted(s) for s in block_vote_options([9, 5, 5, 1], 2, [0, 0, 1, 1]))
    [[0, 1], [0, 2]]
    """
    votes = _row(cand_votes_row)
    lists = [int(x) for x in (cand_list_row.tolist() if hasattr(cand_list_row, "tolist") else cand_list_row)]
    if len(lists) != len(votes):
        raise ValueError("candidate_list: must match the last axis of candidate_votes")
    for n, (v, k) in enumerate(zip(votes, lists)):
        if k < 0 and v != 0:
            raise ValueError(f"candidate_votes: empty slot {n} has {v} votes")
    candidates = {n: votes[n] for n, k in enumerate(lists) if k >= 0}
    if len(candidates) < magnitude:
        raise ValueError("candidate_list: fewer candidates than seats")
    if sum(votes) == 0:
        raise ValueError("candidate_votes: a constituency has no votes")
    sure, tied, needed = _split_at_cutoff(candidates, magnitude)
    return {frozenset(sure) | frozenset(extra) for extra in combinations(tied, needed)}


def _block_seats(elected, cand_list_row, n_lists: int) -> tuple[int, ...]:
    seats = [0] * n_lists
    for n in elected:
        seats[int(cand_list_row[n])] += 1
    return tuple(seats)


def block_vote_seat_options(cand_votes_row, magnitude: int, cand_list_row, n_lists=None) -> set[tuple]:
    """The allowed per-list seat tuples of one block-vote constituency.

    >>> sorted(block_vote_seat_options([9, 5, 5, 1], 2, [0, 0, 1, 1]))
    [(1, 1), (2, 0)]
    """
    lists = [int(x) for x in cand_list_row]
    if n_lists is None:
        n_lists = max(lists) + 1
    return {
        _block_seats(e, lists, n_lists)
        for e in block_vote_options(cand_votes_row, magnitude, lists, n_lists)
    }


def block_vote_reference(cand_votes_row, magnitude: int, cand_list_row, n_lists=None) -> tuple:
    """One block-vote result (ties to the lowest slots): per-list seat counts.

    >>> block_vote_reference([9, 5, 5, 1], 2, [0, 0, 1, 1])
    (2, 0)
    """
    lists = [int(x) for x in cand_list_row]
    if n_lists is None:
        n_lists = max(lists) + 1
    options = block_vote_options(cand_votes_row, magnitude, lists, n_lists)
    elected = min(options, key=lambda s: sorted(s))
    return _block_seats(elected, lists, n_lists)


# ------------------------------------------------------------------ divisor methods


def _quotient_key(votes: int, j: int, method: str):
    """A sort key for ``votes / d(j)``, the quotient for a list's (j+1)-th seat.

    Keys are ``(1, votes)`` for an infinite quotient (zero divisor; among infinite
    quotients the list with more votes ranks higher) and ``(0, q)`` for a finite
    one, with ``q`` an exact Fraction. Huntington-Hill's divisor sqrt(j(j+1)) is
    irrational, so its quotients are compared squared: v^2 / (j(j+1)).
    """
    if method == "dhondt":  # Jefferson: d(j) = j + 1
        return (0, Fraction(votes, j + 1))
    if method == "sainte_lague":  # Webster: d(j) = 2j + 1
        return (0, Fraction(votes, 2 * j + 1))
    if method == "modified_sainte_lague":  # first divisor 1.4 = 7/5, then 2j + 1
        return (0, Fraction(votes * 5, 7) if j == 0 else Fraction(votes, 2 * j + 1))
    if method == "imperiali":  # d(j) = j + 2
        return (0, Fraction(votes, j + 2))
    if method == "danish":  # d(j) = 3j + 1
        return (0, Fraction(votes, 3 * j + 1))
    if method == "huntington_hill":  # d(j) = sqrt(j (j + 1))
        return (1, votes) if j == 0 else (0, Fraction(votes * votes, j * (j + 1)))
    if method == "adams":  # d(j) = j
        return (1, votes) if j == 0 else (0, Fraction(votes, j))
    raise ValueError(f"method: unknown method {method!r}")


def divisor_options(votes_row, seats: int, method: str = "dhondt", threshold=Fraction(0)) -> set[tuple]:
    """The allowed seat allocations of a divisor method in one row.

    The textbook "highest quotients" procedure ([BY]_, [P]_ ch. 3-4): each eligible
    list ``i`` contributes the quotients ``votes[i] / d(0), votes[i] / d(1), ...``;
    the ``seats`` largest quotients each give their list a seat. With
    ``d(j) = j + 1`` this is D'Hondt's method (Jefferson's method); with
    ``d(j) = 2j + 1`` Sainte-Lague's method (Webster's method); ``adams`` and
    ``huntington_hill`` have ``d(0) = 0``, so every list with votes is first given
    one seat. Quotients equal to the ``seats``-th largest share the last seats by lot,
    so every way of choosing among them is allowed.

    Parameters
    ----------
    votes_row : list of int
    seats : int
    method : str
        One of :data:`DIVISOR_METHODS`.
    threshold : Fraction or float
        Lists with fewer than ``threshold * sum(votes_row)`` votes get nothing.

    Returns
    -------
    set of tuple of int

    Examples
    --------
    >>> divisor_options([100, 80, 30, 20], 8, "dhondt")
    {(4, 3, 1, 0)}
    >>> sorted(divisor_options([10, 10, 10], 2, "dhondt"))
    [(0, 1, 1), (1, 0, 1), (1, 1, 0)]
    """
    votes = _row(votes_row)
    threshold = as_share(threshold)
    if method not in DIVISOR_METHODS:
        raise ValueError(f"method: unknown method {method!r}")
    if not (0 <= threshold < 1):
        raise ValueError(f"threshold: expected a number in [0, 1), found {threshold}")
    if seats < 0:
        raise ValueError(f"seats: must be non-negative, found {seats}")
    if seats == 0:
        return {tuple(0 for _ in votes)}
    eligible = _eligible(votes, threshold)
    if not any(eligible):
        raise ValueError("votes: a row has seats to give and no eligible votes")
    # Every quotient that could possibly win a seat: j = 0 .. seats - 1 for each list.
    keys = {}
    for i, v in enumerate(votes):
        if eligible[i]:
            for j in range(seats):
                keys[(i, j)] = _quotient_key(v, j, method)
    sure, tied, needed = _split_at_cutoff(keys, seats)
    options = set()
    for extra in combinations(tied, needed):
        allocation = [0] * len(votes)
        for i, _j in sure + list(extra):
            allocation[i] += 1
        options.add(tuple(allocation))
    return options


def divisor_reference(votes_row, seats: int, method: str = "dhondt", threshold=Fraction(0)) -> tuple:
    """One divisor-method allocation (ties to the lowest slots).

    >>> divisor_reference([100, 80, 30, 20], 8, "sainte_lague")
    (3, 3, 1, 1)
    """
    return min(divisor_options(votes_row, seats, method, threshold), key=lambda a: [-x for x in a])


# ---------------------------------------------------------- largest remainder methods


def exact_quota(total: int, seats: int, kind: str) -> Fraction:
    """The quota for ``total`` eligible votes and ``seats`` seats, exactly.

    Hare ``V/S`` (Hamilton's method), Droop ``floor(V/(S+1)) + 1``,
    Hagenbach-Bischoff ``V/(S+1)``, Imperiali ``V/(S+2)`` ([P]_ ch. 6).

    >>> exact_quota(100, 3, "hare"), exact_quota(100, 3, "droop"), exact_quota(100, 3, "imperiali")
    (Fraction(100, 3), Fraction(26, 1), Fraction(20, 1))
    """
    if kind == "hare":
        return Fraction(total, seats)
    if kind == "droop":
        return Fraction(total // (seats + 1) + 1)
    if kind == "hagenbach_bischoff":
        return Fraction(total, seats + 1)
    if kind == "imperiali":
        return Fraction(total, seats + 2)
    raise ValueError(f"quota: unknown quota {kind!r}")


def largest_remainder_options(votes_row, seats: int, quota: str = "hare", threshold=Fraction(0)) -> set[tuple]:
    """The allowed seat allocations of a largest-remainder (quota) method in one row.

    Each eligible list gets ``floor(votes / q)`` seats for the quota ``q``
    (:func:`exact_quota`); the seats left go one each to the lists with the largest
    remainders ``votes - q * floor(votes / q)``, ties by lot. With the Hare quota this
    is Hamilton's method ([BY]_ ch. 2). If the quotas hand out more seats than there
    are (Hagenbach-Bischoff, Imperiali), seats are withdrawn one at a time from the
    seat-holding list with the smallest remainder, whose remainder then grows by one
    quota; every order the lot may pick is followed. If more seats are left than
    there are eligible lists with votes (Droop quota, few votes for many seats), each
    such list first gets ``left // n`` seats, and the rest go by remainder.

    Raises
    ------
    ValueError
        If the row has seats to give and no eligible votes.

    Examples
    --------
    >>> largest_remainder_options([47000, 16000, 15800, 12000, 6100, 3100], 10, "hare")
    {(5, 2, 1, 1, 1, 0)}
    >>> largest_remainder_options([47000, 16000, 15800, 12000, 6100, 3100], 10, "droop")
    {(5, 2, 2, 1, 0, 0)}
    """
    votes = _row(votes_row)
    threshold = as_share(threshold)
    if quota not in QUOTAS:
        raise ValueError(f"quota: unknown quota {quota!r}")
    if not (0 <= threshold < 1):
        raise ValueError(f"threshold: expected a number in [0, 1), found {threshold}")
    if seats < 0:
        raise ValueError(f"seats: must be non-negative, found {seats}")
    if seats == 0:
        return {tuple(0 for _ in votes)}
    eligible = _eligible(votes, threshold)
    if not any(eligible):
        raise ValueError("votes: a row has seats to give and no eligible votes")
    total = sum(v for v, e in zip(votes, eligible) if e)
    q = exact_quota(total, seats, quota)

    base = [0] * len(votes)
    remainder = {}
    for i, v in enumerate(votes):
        if eligible[i]:
            base[i] = math.floor(Fraction(v) / q)
            remainder[i] = v - q * base[i]
    handed_out = sum(base)

    if handed_out <= seats:
        left = seats - handed_out
        # More seats left than lists (Droop quota, few votes for many seats): every
        # list with eligible votes first gets one seat per full round.
        if left > len(remainder):
            full_rounds = left // len(remainder)
            for i in remainder:
                base[i] += full_rounds
            left -= full_rounds * len(remainder)
        sure, tied, needed = _split_at_cutoff(remainder, left)
        options = set()
        for extra in combinations(tied, needed):
            allocation = list(base)
            for i in sure + list(extra):
                allocation[i] += 1
            options.add(tuple(allocation))
        return options

    # Surplus: withdraw one seat at a time, following every choice the lot may make.
    states = {(tuple(base), tuple(sorted(remainder.items())))}
    for _ in range(handed_out - seats):
        next_states = set()
        for allocation, rems in states:
            rems = dict(rems)
            holders = [i for i in rems if allocation[i] > 0]
            smallest = min(rems[i] for i in holders)
            for i in holders:
                if rems[i] == smallest:
                    new_allocation = list(allocation)
                    new_allocation[i] -= 1
                    new_rems = dict(rems)
                    new_rems[i] += q
                    next_states.add((tuple(new_allocation), tuple(sorted(new_rems.items()))))
        states = next_states
    return {allocation for allocation, _ in states}


def largest_remainder_reference(votes_row, seats: int, quota: str = "hare", threshold=Fraction(0)) -> tuple:
    """One largest-remainder allocation (ties to the lowest slots).

    >>> largest_remainder_reference([5, 5, 5], 2)
    (1, 1, 0)
    """
    options = largest_remainder_options(votes_row, seats, quota, threshold)
    return min(options, key=lambda a: [-x for x in a])
