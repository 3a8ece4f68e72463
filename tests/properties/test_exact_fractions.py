"""Every divisor and quota method against exact rational arithmetic, on near-ties.

The inputs are built so that the last seat is decided by two quotients (or two
remainders) that are equal or differ by a few parts in 10**15 or less: where float64
cannot tell them apart. The oracle is ``tests/reference.py``, which uses Python
integers and :class:`fractions.Fraction` only (Huntington-Hill as squared quotients).
The engine's answer must be one the oracle allows, under both backends; where the
oracle allows one answer, every seed must give it.
"""

from __future__ import annotations

import importlib.util
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from malivote.rules import DIVISOR_METHODS, QUOTAS, divisor, largest_remainder
from malivote.rules._backend import use_backend

pytestmark = pytest.mark.slow

BACKENDS = ["numpy"] + (["numba"] if importlib.util.find_spec("numba") else [])


def _divisor_value(method: str, j: int) -> float:
    """d(j) as a float, only to aim the construction (never to decide)."""
    return {
        "dhondt": j + 1,
        "sainte_lague": 2 * j + 1,
        "modified_sainte_lague": 1.4 if j == 0 else 2 * j + 1,
        "imperiali": j + 2,
        "danish": 3 * j + 1,
        "huntington_hill": math.sqrt(j * (j + 1)),
        "adams": j,
    }[method]


@st.composite
def divisor_near_ties(draw, method):
    """Two lists whose (j1+1)-th and (j2+1)-th quotients meet at the last seat.

    With ``seats = j1 + j2 + 1`` the two lists hold j1 and j2 seats above the
    boundary, and the last seat goes to the larger of ``a / d(j1)`` and
    ``b / d(j2)``; ``b`` is aimed at the tie and nudged by a few votes. A few small
    lists are added below the boundary.
    """
    first_seat = 1 if method in ("huntington_hill", "adams") else 0
    j1 = draw(st.integers(first_seat, 150))
    j2 = draw(st.integers(first_seat, 150))
    level = draw(st.sampled_from([10**3, 10**6, 10**9, 10**12, 10**15, 2**58]))
    a = max(1, int(level * _divisor_value(method, j1)) + draw(st.integers(0, 1000)))
    aim = a * _divisor_value(method, j2) / _divisor_value(method, j1)
    b = max(1, int(round(aim)) + draw(st.integers(-3, 3)))
    small = draw(st.lists(st.integers(0, 3), max_size=3))
    votes = [a, b] + small
    if draw(st.booleans()):
        votes = votes[::-1]
    return votes, j1 + j2 + 1


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("method", DIVISOR_METHODS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_divisor_near_ties_match_fractions(method, backend_name, data):
    votes, seats = data.draw(divisor_near_ties(method))
    if sum(votes) * 2**20 >= 2**63:
        votes = [v // 2**20 for v in votes]
        votes[0] = max(votes[0], 1)
    options = reference.divisor_options(votes, seats, method)
    with use_backend(backend_name):
        seen = {tuple(divisor(votes, seats, method=method, rng=seed).tolist()) for seed in range(4)}
        counted = divisor(votes, seats, method=method, count_lots=True, rng=0)
    assert seen <= options
    # A lot is drawn exactly when the oracle allows more than one answer.
    assert int(counted.lots) == (len(options) > 1)


@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_exact_ties_are_still_ties(method):
    """Equal quotients built exactly: every allowed answer comes up."""
    # a / d(j1) == b / d(j2) exactly with integer divisors: b = a * d(j2) / d(j1).
    if method == "huntington_hill":
        votes, seats = [1, 6], 10  # 1/sqrt(2) == 6/sqrt(72)
    elif method == "modified_sainte_lague":
        votes, seats = [5 * 10**12, 10**12], 4  # 5e12/7 == 1e12/1.4
    else:
        d = lambda j: Fraction(_divisor_value(method, j))  # noqa: E731 - integers here
        j1, j2 = 3, 1
        a = 10**12 * int(d(j1))
        votes, seats = [a, int(a * d(j2) / d(j1))], j1 + j2 + 1
    options = reference.divisor_options(votes, seats, method)
    assert len(options) == 2
    seen = {tuple(divisor(votes, seats, method=method, rng=seed).tolist()) for seed in range(40)}
    assert seen == options


@st.composite
def remainder_near_ties(draw):
    """Lists whose remainders are equal or a vote apart, at counts up to ~2**60."""
    scale = draw(st.sampled_from([1, 10**6, 10**12, 10**15, 2**55]))
    base = draw(st.lists(st.integers(1, 9), min_size=2, max_size=6))
    nudge = draw(st.lists(st.integers(-1, 1), min_size=len(base), max_size=len(base)))
    votes = [max(0, b * scale + n) for b, n in zip(base, nudge)]
    votes[0] = max(votes[0], 1)
    seats = draw(st.integers(1, 40))
    return votes, seats


@pytest.mark.parametrize("quota", QUOTAS)
@settings(max_examples=80, deadline=None)
@given(case=remainder_near_ties())
def test_largest_remainder_near_ties_match_fractions(quota, case):
    votes, seats = case
    options = reference.largest_remainder_options(votes, seats, quota)
    seen = {tuple(largest_remainder(votes, seats, quota=quota, rng=seed).tolist()) for seed in range(4)}
    assert seen <= options
    # More than one allowed answer needs a lot. (A lot can also be drawn without
    # changing the answer: two surplus seats withdrawn from two lists tied at 0.)
    counted = largest_remainder(votes, seats, quota=quota, count_lots=True, rng=0)
    assert int(counted.lots) >= (len(options) > 1)


@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_batched_near_ties_match_rows(method):
    """Many near-tie rows in one call: the exact step works row by row."""
    rng = np.random.default_rng(DIVISOR_METHODS.index(method))
    rows, seats = [], []
    for _ in range(40):
        a = int(rng.integers(10**6, 10**9))
        j1, j2 = int(rng.integers(1, 60)), int(rng.integers(1, 60))
        b = int(round(a * _divisor_value(method, j2) / _divisor_value(method, j1))) + int(rng.integers(-2, 3))
        rows.append([a, b, 0])
        seats.append(j1 + j2 + 1)
    votes = np.array(rows)
    batched = divisor(votes, np.array(seats), method=method, ties="votes")
    for row, n_seats, result in zip(rows, seats, batched):
        options = reference.divisor_options(row, n_seats, method)
        assert tuple(result.tolist()) in options
