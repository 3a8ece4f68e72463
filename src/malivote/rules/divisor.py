"""Highest-averages (divisor) methods of list proportional representation.

A divisor method gives a list's (j+1)-th seat the quotient ``votes / d(j)`` and hands
the seats to the highest quotients. Equivalently, it finds a common divisor ``λ`` and
gives each list the number of its quotients above ``λ`` (Balinski & Young, *Fair
Representation*, 1982; Pukelsheim, *Proportional Representation*, 2nd ed., 2017,
ch. 3-4).

The engine finds that allocation for many rows at once: it starts every row at the
allocation of a common divisor close to the right one (a few vectorised refinements),
then adds or removes one seat per row and step, by the highest next or lowest held
quotient, until each row has its seats. Starting from "all quotients above λ" makes
those steps exact, and they are few (about the number of lists), so a national
147-seat allocation over 100,000 draws needs no Python loop over draws.
"""

from __future__ import annotations

import numpy as np

from malivote.rules._apportion import Apportionment, prepare_apportionment
from malivote.rules._backend import backend
from malivote.rules._validation import as_rng, check_choice, check_flag
from malivote.rules.ties import check_ties, raise_on_lot, settle

__all__ = ["DIVISOR_METHODS", "divisor", "divisors"]

DIVISOR_METHODS = (
    "dhondt",
    "sainte_lague",
    "modified_sainte_lague",
    "imperiali",
    "danish",
    "huntington_hill",
    "adams",
)

# A zero divisor makes the first quotient infinite. Dividing by this tiny number
# instead keeps those quotients finite, above every real quotient, and still ordered
# by votes, which is how lists compete for first seats when there are fewer seats
# than lists.
_ZERO_DIVISOR = 1e-200

_BLOCK_ROWS = 32_768

#: Quotients within this relative distance of the boundary are compared exactly.
#: Floats err by a few parts in 2**52; this margin is far wider, and still so narrow
#: that only true ties and near-ties fall inside it.
NEAR_TIE = 2.0**-40


def divisors(method: str, count: int) -> np.ndarray:
    """The first ``count`` divisors d(0), d(1), ... of a divisor method.

    Parameters
    ----------
    method : str
        One of :data:`DIVISOR_METHODS`.
    count : int
        How many divisors.

    Returns
    -------
    ndarray of float64
        ``d(j)`` for j = 0 .. count-1: the divisor of a list's (j+1)-th seat.

    Examples
    --------
    >>> divisors("modified_sainte_lague", 4)
    array([1.4, 3. , 5. , 7. ])
    >>> divisors("danish", 3)
    array([1., 4., 7.])
    """
    check_choice(method, "method", DIVISOR_METHODS)
    j = np.arange(count, dtype=np.float64)
    if method == "dhondt":
        return j + 1
    if method == "sainte_lague":
        return 2 * j + 1
    if method == "modified_sainte_lague":
        return np.where(j == 0, 1.4, 2 * j + 1)
    if method == "imperiali":
        return j + 2
    if method == "danish":
        return 3 * j + 1
    if method == "huntington_hill":
        return np.sqrt(j * (j + 1))
    return j  # adams


def _comparison_table(method: str, count: int) -> tuple[np.ndarray, int]:
    """Divisors rescaled so that quotients compare exactly in float64.

    Returns the table and the power to raise votes to. Scaling every divisor by the
    same factor does not change an allocation; with whole-number divisors, equal
    quotients are equal floats (division is correctly rounded), so ties are seen as
    ties. Huntington-Hill compares squared quotients, ``votes**2 / (j (j + 1))``, for
    the same reason.
    """
    j = np.arange(count, dtype=np.float64)
    if method == "modified_sainte_lague":
        table = np.where(j == 0, 7.0, 5 * (2 * j + 1))
        return table, 1
    if method == "huntington_hill":
        table = j * (j + 1)
        table[0] = _ZERO_DIVISOR
        return table, 2
    table = divisors(method, count)
    if method == "adams":
        table[0] = _ZERO_DIVISOR
    return table, 1


def _count_above(strength: np.ndarray, table: np.ndarray, level: np.ndarray, cap: np.ndarray):
    """Seats each list wins with common divisor ``level``: its quotients above it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = strength / level[:, None]
    counts = np.searchsorted(table, ratio.ravel(), side="left").reshape(strength.shape)
    return np.minimum(counts, cap[:, None])


def _start(eligible: np.ndarray, strength: np.ndarray, table: np.ndarray, power: int, seats: np.ndarray):
    """An allocation by a common divisor, for each row, with close to ``seats`` seats.

    For divisors that grow like ``slope * j + intercept``, a list with ``x`` times the
    common divisor in votes wins about ``(x - intercept) / slope + 1/2`` seats; solving
    the sum of that for ``seats`` gives the first divisor. Rows still far off are
    refined on their own, and the exact seat-by-seat steps do the rest.
    """
    divisor_values = table ** (1.0 / power)
    slope = divisor_values[2] - divisor_values[1]
    intercept = divisor_values[1] - slope
    parties = (eligible > 0).sum(axis=-1)
    total = eligible.sum(axis=-1, dtype=np.float64)
    target = np.maximum(seats + parties * (intercept / slope - 0.5), 0.5)
    with np.errstate(divide="ignore"):
        level = np.where(seats > 0, (total / (slope * target)) ** power, np.inf)
    allocation = _count_above(strength, table, level, seats)
    for _ in range(3):
        given = allocation.sum(axis=-1)
        rows = np.flatnonzero((np.abs(given - seats) > 2) & (seats > 0))
        if rows.size == 0:
            break
        # Seats fall roughly in proportion to the divisor, whatever the method.
        scale = np.where(given[rows] > 0, given[rows] / np.maximum(seats[rows], 1), 0.5) ** power
        level[rows] *= scale
        allocation[rows] = _count_above(strength[rows], table, level[rows], seats[rows])
    return allocation


def _setup(eligible: np.ndarray, seats: np.ndarray, method: str):
    """The comparison tables, the power and the float64 strengths of a block of rows.

    ``table`` holds the float64 divisors the allocation steps use; ``exact_table``
    the same whole numbers as int64, with 0 for a zero divisor, for the exact check.
    Float quotients are correctly ordered except within a few parts in 2**52 (votes
    above 2**53 and Huntington-Hill's squares are rounded, and so is each division),
    so :func:`_settle_boundary` redoes in integers every row whose boundary is that
    close.
    """
    most_seats = int(seats.max(initial=0))
    table, power = _comparison_table(method, max(most_seats + 2, 3))
    exact_table = np.where(table == _ZERO_DIVISOR, 0.0, table).astype(np.int64)
    strength = eligible.astype(np.float64)
    if power == 2:
        strength *= strength
    return table, exact_table, power, strength


def _allocate(eligible: np.ndarray, seats: np.ndarray, method: str, ties: str, rng):
    """A divisor allocation of a block of rows, and where a lot settled its last seats."""
    table, exact_table, power, strength = _setup(eligible, seats, method)
    if backend() == "numba" and eligible.size:
        from malivote.rules import _numba

        allocation, status = _numba.divisor_rows(eligible, seats, table, power, NEAR_TIE)
        if (status < 0).any():  # pragma: no cover - the steps always converge
            raise RuntimeError("divisor: the allocation did not converge")
        close_rows = np.flatnonzero(status > 0)
    else:
        allocation, close_rows = _allocate_numpy(eligible, seats, table, power, strength)
    lot = np.zeros(eligible.shape[0], dtype=bool)
    if close_rows.size:
        lot[close_rows] = _settle_boundary(
            allocation, close_rows, eligible[close_rows], strength[close_rows], table,
            exact_table, power, ties, rng,
        )
    return allocation, lot


def _settle_boundary(allocation, rows, votes, strength, table, exact_table, power, ties, rng):
    """Decide exactly, in integers, the last seats of rows whose boundary floats are close.

    Every quotient within :data:`NEAR_TIE` of the row's lowest held one is a candidate:
    the seats they hold are taken back and given again to the highest candidates by
    exact comparison, ``votes**power / d`` as integer cross-products (Python integers
    where int64 could overflow). Quotients farther away are ordered right by the
    floats. Candidates exactly equal at the cut are a tie, settled by ``ties``; the
    result does not depend on which tied lists held the seats before, so both
    backends agree. Updates ``allocation[rows]`` in place; returns where a lot was
    drawn.
    """
    count = allocation[rows]
    held = np.full(count.shape, np.inf)
    np.divide(strength, table[np.maximum(count - 1, 0)], out=held, where=count > 0)
    following = strength / table[count]
    boundary = held.min(axis=-1, keepdims=True)
    # One quotient per list at most falls this close: a list's successive quotients
    # differ by more than one part in MAX_SEATS + 2.
    held_near = (count > 0) & (held <= boundary * (1 + NEAR_TIE))
    next_near = (votes > 0) & ~held_near & (following >= boundary * (1 - NEAR_TIE))
    candidates = held_near | next_near
    places = held_near.sum(axis=-1)
    seat_index = np.where(held_near, np.maximum(count - 1, 0), count)
    denominators = np.where(candidates, exact_table[seat_index], 1)
    largest = int(votes.max(initial=0)) ** power * int(denominators.max(initial=1))
    if largest < 2**63:
        numerators = votes.astype(np.int64) ** power
    else:  # rare: products past int64, so exact Python integers
        numerators, denominators = votes.astype(object) ** power, denominators.astype(object)
    # Pairwise, list i against list k: q_k > q_i <=> n_k d_i > n_i d_k, where a zero
    # divisor (an infinite quotient) ranks by votes among infinite ones.
    mine = numerators[:, :, None] * denominators[:, None, :]
    theirs = numerators[:, None, :] * denominators[:, :, None]
    infinite = denominators == 0
    both_infinite = infinite[:, :, None] & infinite[:, None, :]
    by_votes_higher = numerators[:, None, :] > numerators[:, :, None]
    by_votes_equal = numerators[:, None, :] == numerators[:, :, None]
    higher = np.where(both_infinite, by_votes_higher, theirs > mine).astype(bool)
    equal = np.where(both_infinite, by_votes_equal, theirs == mine).astype(bool)
    higher &= candidates[:, None, :]
    equal &= candidates[:, None, :]
    above = higher.sum(axis=-1)
    level = equal.sum(axis=-1)  # includes the list itself
    sure = candidates & (above + level <= places[:, None])
    contenders = candidates & (above < places[:, None]) & (above + level > places[:, None])
    needed = places - sure.sum(axis=-1)
    chosen, lot = settle(contenders, needed, votes, ties, rng)
    allocation[rows] = count - held_near + (sure | chosen)
    return lot


def _allocate_numpy(eligible, seats, table, power, strength):
    """A divisor allocation in float64 quotients, and the rows whose boundary is close.

    Returns the allocation and the rows where the highest quotient left out is within
    :data:`NEAR_TIE` of the lowest held one: a tie, or too close for floats to tell.
    """
    n_rows, n_lists = eligible.shape
    most_seats = int(seats.max(initial=0))
    allocation = _start(eligible, strength, table, power, seats)
    next_quotient = strength / table[allocation]
    holds = allocation > 0
    held_quotient = np.full_like(strength, np.inf)
    np.divide(strength, table[allocation - holds], out=held_quotient, where=holds)
    missing = seats - allocation.sum(axis=-1)

    # Add the highest next quotient, or drop the lowest held one, one seat a step.
    while True:
        rows = np.flatnonzero(missing > 0)
        if rows.size == 0:
            break
        lists = next_quotient[rows].argmax(axis=-1)
        allocation[rows, lists] += 1
        held_quotient[rows, lists] = next_quotient[rows, lists]
        next_quotient[rows, lists] = strength[rows, lists] / table[allocation[rows, lists]]
        missing[rows] -= 1
    while True:
        rows = np.flatnonzero(missing < 0)
        if rows.size == 0:
            break
        lists = held_quotient[rows].argmin(axis=-1)
        allocation[rows, lists] -= 1
        next_quotient[rows, lists] = held_quotient[rows, lists]
        remaining = allocation[rows, lists]
        held_quotient[rows, lists] = np.where(
            remaining > 0, strength[rows, lists] / table[np.maximum(remaining - 1, 0)], np.inf
        )
        missing[rows] += 1

    # A divisor allocation holds no quotient below one it left out. The steps above
    # guarantee it; this exchange only guards against a start that rounding spoiled.
    for _ in range(n_lists * (most_seats + 1)):
        lowest_held = held_quotient.min(axis=-1)
        highest_left = next_quotient.max(axis=-1)
        rows = np.flatnonzero(lowest_held < highest_left)
        if rows.size == 0:
            break
        giver = held_quotient[rows].argmin(axis=-1)
        taker = next_quotient[rows].argmax(axis=-1)
        for lists, step in ((giver, -1), (taker, +1)):
            allocation[rows, lists] += step
            count = allocation[rows, lists]
            next_quotient[rows, lists] = strength[rows, lists] / table[count]
            held_quotient[rows, lists] = np.where(
                count > 0, strength[rows, lists] / table[np.maximum(count - 1, 0)], np.inf
            )
    else:  # pragma: no cover - the steps above always converge
        raise RuntimeError("divisor: the allocation did not converge")

    # Ties, or quotients too close for floats: the exact step decides those rows.
    lowest_held = held_quotient.min(axis=-1)
    close = (seats > 0) & (next_quotient.max(axis=-1) >= lowest_held * (1 - NEAR_TIE))
    return allocation, np.flatnonzero(close)


def divisor(votes, seats, *, method: str, threshold=0.0, ties="lot", count_lots=False, rng=None):
    """Allocate seats to lists by a divisor (highest-averages) method.

    Parameters
    ----------
    votes : array_like of int, shape (..., K)
        Votes of ``K`` lists in each row; leading axes are draws or constituencies.
    seats : int or array_like of int
        Seats to give in each row; broadcasts against ``votes[..., 0]``.
    method : str
        The divisors ``d(j)`` of a list's (j+1)-th seat:

        - ``"dhondt"``: 1, 2, 3, ... (D'Hondt 1882; Jefferson)
        - ``"sainte_lague"``: 1, 3, 5, ... (Sainte-Laguë 1910; Webster)
        - ``"modified_sainte_lague"``: 1.4, 3, 5, ... (Scandinavia)
        - ``"imperiali"``: 2, 3, 4, ...
        - ``"danish"``: 1, 4, 7, ...
        - ``"huntington_hill"``: sqrt(j (j + 1)): 0, 1.41, 2.45, ... (equal proportions)
        - ``"adams"``: 0, 1, 2, ... (smallest divisors)

        A zero divisor gives an infinite first quotient; among those, more votes
        rank higher.
    threshold : float, default 0.0
        A list with fewer than ``threshold`` times its row's total votes gets no seat.
        In [0, 1); read as the decimal written (0.05 is 1/20).
    ties : {"lot", "votes", "raise"}, default "lot"
        How equal quotients for the last seats are settled: by lot, uniformly among
        them; ``"votes"``: the list with more votes first (lists with equal votes
        too go to a lot); ``"raise"``: refuse, naming the row.
    count_lots : bool, default False
        Also return how many ties each row broke by lot.
    rng : {None, int, numpy.random.Generator, ...}, optional
        Draws the lots. Passed to :func:`numpy.random.default_rng`.

    Returns
    -------
    ndarray of int64, shape (..., K), or Apportionment
        Seats per list; each row sums to its ``seats``. With ``count_lots``, an
        :class:`Apportionment` ``(seats, lots)`` where ``lots`` (shape ``(...)``)
        counts the lots drawn in each row (0 or 1).

    Raises
    ------
    ValueError
        On negative, fractional or NaN votes; no list slot; a row whose votes add up
        past 2**63 - 1; negative seats, more than ``MAX_SEATS`` (1,000,000) per row,
        or seats that do not broadcast; an unknown method or ``ties``; a threshold
        outside [0, 1); a row with seats to give and no eligible votes; or a tie
        under ``ties="raise"``.

    Notes
    -----
    Quotients are compared in float64 and, where two are too close for floats to
    tell apart (or equal), exactly in integers: Huntington-Hill compares squared
    quotients ``votes**2 / (j (j + 1))``, the others ``votes / d(j)`` with whole
    divisors (modified Sainte-Laguë scaled by 5). So an exact tie is always seen as
    one and a near-tie never is.

    References
    ----------
    M. L. Balinski and H. P. Young, *Fair Representation*, Yale University Press,
    1982. F. Pukelsheim, *Proportional Representation: Apportionment Methods and
    Their Applications*, 2nd ed., Springer, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from malivote.rules import divisor
    >>> divisor([100_000, 80_000, 30_000, 20_000], 8, method="dhondt")
    array([4, 3, 1, 0])
    >>> divisor([100_000, 80_000, 30_000, 20_000], 8, method="sainte_lague")
    array([3, 3, 1, 1])

    Rows are independent; ``seats`` may differ per row:

    >>> divisor(np.array([[50, 30, 20], [10, 10, 80]]), [5, 2], method="dhondt")
    array([[3, 1, 1],
           [0, 0, 2]])

    A tie for the last seat (60/2 = 30/1), settled by votes, and counted:

    >>> divisor([60, 30], 2, method="dhondt", ties="votes")
    array([2, 0])
    >>> divisor([60, 30], 2, method="dhondt", count_lots=True, rng=1).lots
    array(1)
    """
    check_choice(method, "method", DIVISOR_METHODS)
    ties = check_ties(ties)
    count_lots = check_flag(count_lots, "count_lots")
    eligible, flat_seats, shape = prepare_apportionment(votes, seats, threshold)
    rng = as_rng(rng)
    allocation = np.empty(eligible.shape, dtype=np.int64)
    lot = np.zeros(eligible.shape[0], dtype=bool)
    # Blocks of rows keep the working arrays in cache; many constituencies times many
    # draws would otherwise stream several float arrays of the full size.
    for start in range(0, eligible.shape[0], _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        allocation[rows], lot[rows] = _allocate(eligible[rows], flat_seats[rows], method, ties, rng)
        if ties == "raise":
            raise_on_lot(lot, shape[:-1], "for the last seat(s)")
    seats_out = allocation.reshape(shape)
    if count_lots:
        return Apportionment(seats_out, lot.astype(np.int64).reshape(shape[:-1]))
    return seats_out
