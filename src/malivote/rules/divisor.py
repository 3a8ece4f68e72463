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

from malivote.rules._apportion import prepare_apportionment
from malivote.rules._backend import backend
from malivote.rules._validation import check_choice
from malivote.rules.ties import choose_by_lot

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
    """The comparison table, the power and the float64 strengths of a block of rows."""
    most_seats = int(seats.max(initial=0))
    table, power = _comparison_table(method, max(most_seats + 2, 3))
    strength = eligible.astype(np.float64)
    if power == 2:
        strength *= strength
    largest = float(eligible.max(initial=0))
    # Whole-number divisors keep quotients exact while votes * divisor < 2**53.
    # Huntington-Hill's squared quotients are exact only below 2**26 votes; above
    # that they stay correctly ordered except within one part in 2**52.
    if power == 1 and largest * table[most_seats + 1] >= 2.0**53:
        raise ValueError(
            "votes: too large to compare quotients exactly "
            f"(largest list {int(eligible.max())} votes for up to {most_seats} seats)"
        )
    return table, power, strength


def _allocate(eligible: np.ndarray, seats: np.ndarray, method: str, rng) -> np.ndarray:
    table, power, strength = _setup(eligible, seats, method)
    if backend() == "numba" and eligible.size:
        from malivote.rules import _numba

        allocation, status = _numba.divisor_rows(eligible, seats, table, power)
        if (status < 0).any():  # pragma: no cover - the steps always converge
            raise RuntimeError("divisor: the allocation did not converge")
        rows = np.flatnonzero(status > 0)
        if rows.size:
            count = allocation[rows]
            held = np.full(count.shape, np.inf)
            np.divide(strength[rows], table[np.maximum(count - 1, 0)], out=held, where=count > 0)
            _break_ties(allocation, rows, held, strength[rows] / table[count], rng)
        return allocation
    return _allocate_numpy(eligible, seats, table, power, strength, rng)


def _break_ties(allocation, rows, held_quotient, next_quotient, rng) -> None:
    """Redraw the seats whose quotients tie at the boundary, in place, by lot.

    ``rows`` are the rows with a tie; ``held_quotient`` and ``next_quotient`` their
    quotients of the last seat held and of the next seat. The result does not depend
    on which tied lists held the seats before: they are taken back and drawn again
    among every list with a quotient at the boundary, so both backends agree.
    """
    boundary = held_quotient.min(axis=-1)[:, None]
    holders = held_quotient == boundary
    hopefuls = next_quotient == boundary
    chosen = choose_by_lot(holders | hopefuls, holders.sum(axis=-1), rng)
    allocation[rows] += chosen.astype(np.int64) - holders.astype(np.int64)


def _allocate_numpy(eligible, seats, table, power, strength, rng) -> np.ndarray:
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

    # Ties for the last seats: quotients equal to the lowest held one.
    lowest_held = held_quotient.min(axis=-1)
    tied = (seats > 0) & (lowest_held == next_quotient.max(axis=-1))
    if tied.any():
        rows = np.flatnonzero(tied)
        _break_ties(allocation, rows, held_quotient[rows], next_quotient[rows], rng)
    return allocation


def divisor(votes, seats, *, method: str, threshold=0.0, rng=None) -> np.ndarray:
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
    rng : {None, int, numpy.random.Generator, ...}, optional
        Breaks ties for the last seats by lot, uniformly among the tied quotients.

    Returns
    -------
    ndarray of int64, shape (..., K)
        Seats per list; each row sums to its ``seats``.

    Raises
    ------
    ValueError
        On negative, fractional or NaN votes; negative seats or seats that do not
        broadcast; an unknown method; a threshold outside [0, 1); or a row with seats
        to give and no eligible votes.

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
    """
    check_choice(method, "method", DIVISOR_METHODS)
    eligible, flat_seats, shape = prepare_apportionment(votes, seats, threshold)
    rng = np.random.default_rng(rng)
    allocation = np.empty(eligible.shape, dtype=np.int64)
    # Blocks of rows keep the working arrays in cache; many constituencies times many
    # draws would otherwise stream several float arrays of the full size.
    for start in range(0, eligible.shape[0], _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        allocation[rows] = _allocate(eligible[rows], flat_seats[rows], method, rng)
    return allocation.reshape(shape)
