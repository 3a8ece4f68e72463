"""Hypothesis strategies for valid inputs of the :mod:`malivote.rules` API.

Each strategy draws input that every rule accepts: whole, non-negative vote counts,
and at least one vote in every row or constituency that has seats to give. The
strategies shrink towards few lists, few seats and small vote counts, so that a
failing test reports a counterexample a reader can check by hand.

- :func:`votes`: vote vectors ``(K,)`` or batches ``(..., K)``;
- :func:`apportionment_cases`: ``(votes, seats)`` pairs for
  :func:`malivote.rules.divisor` and :func:`malivote.rules.largest_remainder`;
- :func:`elections`: districted elections shaped for :func:`malivote.rules.two_round`.

Ties
    With ``ties=False`` the lists that have votes have pairwise different counts.
    That keeps the first-round ranking of a district rule free of ties, but an
    apportionment rule can still meet a tie between quotients or remainders
    (``[20, 10]`` ties ``20/2`` with ``10/1`` under D'Hondt). Tests that must not
    depend on the lot should fix ``rng`` or compare against every allowed result;
    :func:`malivote.testing.find_violations` does the former.

Examples
--------
A property test of D'Hondt written with these strategies:

>>> from hypothesis import given, settings
>>> from malivote.rules import divisor
>>> from malivote.testing.strategies import apportionment_cases
>>> @settings(max_examples=20, database=None)
... @given(apportionment_cases(lists=(2, 4), seats=(0, 10)))
... def test_dhondt_fills_the_house(case):
...     votes, seats = case
...     assert divisor(votes, seats, method="dhondt", rng=0).sum() == seats
>>> test_dhondt_fills_the_house()
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

__all__ = ["Election", "apportionment_cases", "elections", "votes"]

#: Default largest vote count of one list. Big enough for the remainders and
#: quotients of a rule to differ in interesting ways, small enough to read.
DEFAULT_MAX_VOTES = 1_000


class Election(NamedTuple):
    """One districted election, in the argument order of :func:`~malivote.rules.two_round`.

    ``two_round(*election)`` runs it.

    Attributes
    ----------
    first : numpy.ndarray
        First-round votes, shape ``(..., C, K)``.
    magnitude : numpy.ndarray
        Seats of each constituency, shape ``(C,)``, every entry at least 1.
    second : numpy.ndarray or None
        Second-round votes with the shape of ``first``, or None for the default
        transfer of :func:`~malivote.rules.two_round`.
    """

    first: np.ndarray
    magnitude: np.ndarray
    second: np.ndarray | None


def _as_range(value, name: str, *, low: int) -> tuple[int, int]:
    """Read ``value`` (an int or an inclusive ``(min, max)`` pair) as a checked range."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        bounds = (int(value), int(value))
    elif isinstance(value, tuple) and len(value) == 2:
        bounds = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{name}: expected an int or a (min, max) pair, found {value!r}")
    if bounds[0] < low or bounds[0] > bounds[1]:
        raise ValueError(f"{name}: expected {low} <= min <= max, found {bounds[0]}..{bounds[1]}")
    return bounds


def _check_batch_shape(batch_shape) -> tuple[int, ...]:
    shape = tuple(int(n) for n in batch_shape)
    if any(n < 1 for n in shape):
        raise ValueError(f"batch_shape: every axis needs at least 1 entry, found {shape}")
    return shape


def _has_repeated_positive(row) -> bool:
    positive = [value for value in row if value > 0]
    return len(set(positive)) < len(positive)


def _draw_row_with_bound(draw, n_lists: int, max_votes: int, zero_votes: bool, ties: bool):
    """Draw one vote vector with entries in ``[0, max_votes]`` and a positive total.

    A plain function taking ``draw`` (not a composite strategy): building a composite
    inside every draw costs more than the draw itself.
    """
    counts = st.integers(1, max_votes)
    positive = draw(st.lists(counts, min_size=n_lists, max_size=n_lists, unique=not ties))
    if zero_votes:
        # Empty slots come from a separate mask rather than from zero counts, so that
        # shrinking fills slots (towards simple input) instead of emptying them all.
        empty = draw(st.lists(st.booleans(), min_size=n_lists, max_size=n_lists))
        assume(not all(empty))
        positive = [0 if is_empty else value for value, is_empty in zip(positive, empty)]
    return positive


def _draw_row_with_total(draw, n_lists: int, total: int, zero_votes: bool, ties: bool):
    """Draw one vote vector summing to ``total``: ``n_lists - 1`` cuts of ``0..total``."""
    if zero_votes:
        cuts = draw(st.lists(st.integers(0, total), min_size=n_lists - 1, max_size=n_lists - 1))
    else:
        cuts = draw(
            st.lists(
                st.integers(1, total - 1),
                min_size=n_lists - 1,
                max_size=n_lists - 1,
                unique=True,
            )
        )
    edges = [0, *sorted(cuts), total]
    row = [high - low for low, high in zip(edges, edges[1:])]
    if not ties:
        assume(not _has_repeated_positive(row))
    return row


def votes(
    *,
    lists=(2, 6),
    max_votes: int = DEFAULT_MAX_VOTES,
    total=None,
    zero_votes: bool = True,
    ties: bool = True,
    batch_shape: tuple[int, ...] = (),
):
    """Strategy for vote vectors, or batches of them.

    Parameters
    ----------
    lists : int or (int, int), default (2, 6)
        Number of list slots K, or an inclusive range to draw it from. A batch shares
        one K.
    max_votes : int, default 1000
        Largest vote count of one list. Ignored when ``total`` is given.
    total : int or (int, int), optional
        The sum of every vector, or an inclusive range to draw it from (one total per
        vector). Default: no constraint besides ``max_votes``.
    zero_votes : bool, default True
        Allow slots with 0 votes (no list there). Every vector keeps at least one
        list with votes.
    ties : bool, default True
        Allow two lists of the same vector to have the same positive count.
    batch_shape : tuple of int, default ()
        Leading axes: the strategy draws arrays shaped ``(*batch_shape, K)``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of numpy.ndarray
        int64 arrays.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None)
    ... @given(votes(lists=3, total=100, zero_votes=False, ties=False))
    ... def check(row):
    ...     assert row.shape == (3,) and row.sum() == 100 and len(set(row)) == 3
    >>> check()
    """
    min_lists, max_lists = _as_range(lists, "lists", low=1)
    batch_shape = _check_batch_shape(batch_shape)
    if total is None:
        if max_votes < 1:
            raise ValueError(f"max_votes: expected at least 1, found {max_votes}")
        if not ties and max_votes < max_lists:
            raise ValueError(
                f"max_votes: {max_votes} is too small for {max_lists} lists "
                "with different counts (ties=False)"
            )
        total_range = None
    else:
        total_range = _as_range(total, "total", low=1)
        if not zero_votes and total_range[0] < max_lists:
            raise ValueError(
                f"total: {total_range[0]} votes cannot give each of {max_lists} lists "
                "at least one vote (zero_votes=False)"
            )

    @st.composite
    def draw_votes(draw):
        n_lists = draw(st.integers(min_lists, max_lists))
        n_rows = int(np.prod(batch_shape, dtype=np.int64))
        rows = []
        for _ in range(n_rows):
            if total_range is None:
                row = _draw_row_with_bound(draw, n_lists, max_votes, zero_votes, ties)
            else:
                row_total = draw(st.integers(*total_range))
                row = _draw_row_with_total(draw, n_lists, row_total, zero_votes, ties)
            rows.append(row)
        return np.array(rows, dtype=np.int64).reshape(*batch_shape, n_lists)

    return draw_votes()


def apportionment_cases(
    *,
    lists=(2, 6),
    seats=(0, 20),
    max_votes: int = DEFAULT_MAX_VOTES,
    zero_votes: bool = True,
    ties: bool = True,
):
    """Strategy for ``(votes, seats)`` pairs of an apportionment rule.

    Parameters
    ----------
    lists : int or (int, int), default (2, 6)
        Number of list slots K, or an inclusive range.
    seats : int or (int, int), default (0, 20)
        House size, or an inclusive range to draw it from.
    max_votes : int, default 1000
        Largest vote count of one list.
    zero_votes : bool, default True
        Allow slots with 0 votes. At least one list always has votes.
    ties : bool, default True
        Allow lists with the same positive count.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of (numpy.ndarray, int)
        A 1-d int64 vote vector and a Python int.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from malivote.rules import largest_remainder
    >>> @settings(max_examples=10, database=None)
    ... @given(apportionment_cases(seats=(1, 9)))
    ... def check(case):
    ...     votes, seats = case
    ...     assert largest_remainder(votes, seats, quota="hare", rng=0).sum() == seats
    >>> check()
    """
    seat_range = _as_range(seats, "seats", low=0)
    return st.tuples(
        votes(lists=lists, max_votes=max_votes, zero_votes=zero_votes, ties=ties),
        st.integers(*seat_range),
    )


def elections(
    *,
    constituencies=(1, 4),
    lists=(2, 6),
    magnitude=(1, 5),
    max_votes: int = DEFAULT_MAX_VOTES,
    zero_votes: bool = True,
    ties: bool = True,
    second_round: bool = True,
    batch_shape: tuple[int, ...] = (),
):
    """Strategy for whole districted elections, shaped for :func:`~malivote.rules.two_round`.

    Parameters
    ----------
    constituencies : int or (int, int), default (1, 4)
        Number of constituencies C, or an inclusive range.
    lists : int or (int, int), default (2, 6)
        Number of list slots K (shared by all constituencies), or an inclusive range.
    magnitude : int or (int, int), default (1, 5)
        Seats of each constituency, or an inclusive range drawn per constituency.
    max_votes : int, default 1000
        Largest vote count of one list in one constituency and round.
    zero_votes : bool, default True
        Allow a list to have no votes in a constituency. Every constituency keeps at
        least one list with votes.
    ties : bool, default True
        Allow equal positive counts within a constituency and round.
    second_round : bool, default True
        Draw second-round votes. A slot with no first-round votes gets none in the
        second round either, and every other slot gets at least one, so that any
        runoff has votes to count. With False, ``second`` is None (the default
        transfer).
    batch_shape : tuple of int, default ()
        Leading draw axes of the vote arrays: shapes ``(*batch_shape, C, K)``.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Election
        Named tuples ``(first, magnitude, second)``; ``two_round(*election)`` runs one.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from malivote.rules import two_round
    >>> @settings(max_examples=10, database=None)
    ... @given(elections(constituencies=2, lists=3))
    ... def check(election):
    ...     outcome = two_round(*election, rng=0)
    ...     assert (outcome.seats.sum(axis=-1) == election.magnitude).all()
    >>> check()
    """
    min_constituencies, max_constituencies = _as_range(constituencies, "constituencies", low=1)
    min_lists, max_lists = _as_range(lists, "lists", low=1)
    magnitude_range = _as_range(magnitude, "magnitude", low=1)
    batch_shape = _check_batch_shape(batch_shape)
    if max_votes < 1:
        raise ValueError(f"max_votes: expected at least 1, found {max_votes}")
    if not ties and max_votes < max_lists:
        raise ValueError(
            f"max_votes: {max_votes} is too small for {max_lists} lists "
            "with different counts (ties=False)"
        )

    @st.composite
    def draw_election(draw):
        n_constituencies = draw(st.integers(min_constituencies, max_constituencies))
        n_lists = draw(st.integers(min_lists, max_lists))
        seats = draw(
            st.lists(
                st.integers(*magnitude_range),
                min_size=n_constituencies,
                max_size=n_constituencies,
            )
        )
        shape = (*batch_shape, n_constituencies, n_lists)
        n_rows = int(np.prod(shape[:-1], dtype=np.int64))
        first_rows, second_rows = [], []
        for _ in range(n_rows):
            first_row = _draw_row_with_bound(draw, n_lists, max_votes, zero_votes, ties)
            first_rows.append(first_row)
            if second_round:
                counts = draw(
                    st.lists(
                        st.integers(1, max_votes),
                        min_size=n_lists,
                        max_size=n_lists,
                        unique=not ties,
                    )
                )
                second_rows.append([count if cast else 0 for count, cast in zip(counts, first_row)])
        first = np.array(first_rows, dtype=np.int64).reshape(shape)
        second = np.array(second_rows, dtype=np.int64).reshape(shape) if second_round else None
        return Election(first, np.array(seats, dtype=np.int64), second)

    return draw_election()
