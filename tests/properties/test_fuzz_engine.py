"""A bounded fuzzer of the engine's inputs: a right answer or a ValueError, nothing else.

Hypothesis draws arguments for every rule from a mix of good and bad values: dtypes
from bool to uint64 and object, ragged lists, empty axes, counts near and past the
int64 limit, seat counts past the supported range, odd shares, seeds and tie rules.
Each call must either return a result that the exact reference (``tests/reference.py``)
allows, or raise :class:`ValueError` whose message starts with the name of an
argument. Any other exception type fails the test; sizes are bounded so that no call
can run long.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from malivote.rules import (
    DIVISOR_METHODS,
    QUOTAS,
    block_vote,
    divisor,
    largest_remainder,
    open_runoff,
    plurality,
    two_round,
)
from malivote.rules._backend import use_backend

pytestmark = pytest.mark.slow

ARGUMENTS = (
    "votes", "first", "second", "magnitude", "seats", "registered", "candidate_votes",
    "candidate_list", "n_lists", "method", "quota", "threshold", "majority", "qualify",
    "ties", "rng",
)
MESSAGE = re.compile(rf"^({'|'.join(ARGUMENTS)}): \S")

COUNTS = st.one_of(
    st.integers(0, 12),
    st.integers(0, 10**6),
    st.sampled_from([2**31 - 1, 2**53 + 1, 2**62, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -1, -(2**63)]),
)
DTYPES = st.sampled_from([None, np.int8, np.int32, np.int64, np.uint64, np.float64, bool, object])
SEATS = st.one_of(
    st.integers(0, 30),
    st.sampled_from([-1, 10**6, 10**6 + 1, 2**62, 2**63 - 1, 2**64 - 1, 2**70, 1e19, 2.5, float("nan"), "3", None]),
)
SHARES = st.one_of(
    st.sampled_from([0.0, 0.05, 0.5, 1e-30, 1e-300, 5e-324, 0.999999, 1.0, -0.1, float("nan"), True, "0.5"]),
    st.floats(0, 1, exclude_max=True),
)
RNGS = st.one_of(st.integers(0, 2**32), st.sampled_from([None, -1, "x", 1.5]))
TIES = st.sampled_from(["lot", "lot", "votes", "raise", "coin"])


@st.composite
def arrays(draw, leading, lists=(0, 5)):
    """A votes-like argument: usually a rectangular array, sometimes ragged or odd."""
    shape = tuple(leading) + (draw(st.integers(*lists)),)
    size = int(np.prod(shape))
    values = draw(st.lists(COUNTS, min_size=size, max_size=size))
    if draw(st.integers(0, 9)) == 0 and shape[0] > 1 and len(shape) >= 2:
        nested = np.array(values, dtype=object).reshape(shape).tolist()
        nested[0] = nested[0][:-1]  # ragged
        return nested
    dtype = draw(DTYPES)
    try:
        array = np.array(values, dtype=object).reshape(shape)
        return array if dtype is object else array.astype(dtype)
    except (OverflowError, ValueError, TypeError):
        return np.array(values, dtype=object).reshape(shape)


def _call(function, *args, **kwargs):
    """The result of a call, or None after a ValueError with a proper message."""
    try:
        return function(*args, **kwargs)
    except ValueError as error:
        assert MESSAGE.match(str(error)), f"message does not name an argument: {error}"
        return None


def _rows(array):
    return np.asarray(array).reshape(-1, np.asarray(array).shape[-1])


@pytest.mark.parametrize("backend_name", ["numpy", "numba"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_proportional_rules(backend_name, data):
    rows = data.draw(st.integers(1, 3))
    votes = data.draw(arrays((rows,)))
    seats = data.draw(SEATS)
    threshold = data.draw(st.sampled_from([0.0, 0.0, 0.1, 1.5]))
    ties, rng = data.draw(TIES), data.draw(RNGS)
    if data.draw(st.booleans()):
        method = data.draw(st.sampled_from(DIVISOR_METHODS + ("webster",)))
        rule, options = divisor, reference.divisor_options
        kwargs = {"method": method}
    else:
        method = data.draw(st.sampled_from(QUOTAS + ("hamilton",)))
        rule, options = largest_remainder, reference.largest_remainder_options
        kwargs = {"quota": method}
    with use_backend(backend_name):
        result = _call(rule, votes, seats, threshold=threshold, ties=ties, rng=rng, count_lots=True, **kwargs)
    if result is None:
        return
    allocation, lots = result
    checked = _rows(votes).astype(object)
    n_seats = np.broadcast_to(np.asarray(seats), (checked.shape[0],))
    assert allocation.shape == np.asarray(votes).shape and lots.shape == allocation.shape[:-1]
    for row, n, found in zip(checked, n_seats, _rows(allocation)):
        if int(n) <= 60 and max(row.tolist(), default=0) < 2**62:
            assert tuple(found.tolist()) in options([int(v) for v in row], int(n), method, threshold)
        assert int(found.sum()) == int(n)


@pytest.mark.parametrize("backend_name", ["numpy", "numba"])
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_district_rules(backend_name, data):
    n_constituencies = data.draw(st.integers(1, 3))
    first = data.draw(arrays((data.draw(st.integers(1, 2)), n_constituencies)))
    magnitude = data.draw(
        st.one_of(st.lists(st.integers(1, 5), min_size=n_constituencies, max_size=n_constituencies), st.lists(SEATS, min_size=1, max_size=3))
    )
    majority, ties, rng = data.draw(SHARES), data.draw(TIES), data.draw(RNGS)
    rule = data.draw(st.sampled_from(["two_round", "plurality", "open_runoff"]))
    with use_backend(backend_name):
        if rule == "two_round":
            second = data.draw(st.one_of(st.none(), arrays(np.asarray(first).shape[:-1], (np.asarray(first).shape[-1],) * 2) if isinstance(first, np.ndarray) else st.none()))
            outcome = _call(two_round, first, magnitude, second, majority=majority, ties=ties, rng=rng, count_lots=True)
        elif rule == "plurality":
            outcome = _call(plurality, first, magnitude, ties=ties, rng=rng, count_lots=True)
        else:
            registered = data.draw(st.sampled_from([10**7, 0, 2**63 - 1, -1]))
            outcome = _call(open_runoff, first, magnitude, registered, majority=majority, ties=ties, rng=rng, count_lots=True)
    if outcome is None:
        return
    votes = _rows(first)
    assert outcome.winner.shape == np.asarray(first).shape[:-1]
    assert outcome.lots.shape == outcome.winner.shape
    if rule == "plurality":
        for row, winner in zip(votes, outcome.winner.reshape(-1)):
            assert int(winner) in reference.plurality_options([int(v) for v in row])
    if rule == "two_round" and second is None and isinstance(majority, float) and 0 <= majority < 1:
        for row, winner, round_ in zip(votes, outcome.winner.reshape(-1), outcome.round.reshape(-1)):
            allowed = reference.two_round_options([int(v) for v in row], 1, None, majority)
            assert (int(winner), int(round_)) in allowed


@pytest.mark.parametrize("backend_name", ["numpy", "numba"])
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_block_vote(backend_name, data):
    n_candidates = data.draw(st.integers(0, 4))
    votes = data.draw(arrays((data.draw(st.integers(1, 2)), 1), (n_candidates, n_candidates)))
    candidate_list = data.draw(
        st.one_of(
            st.lists(st.integers(-1, 3), min_size=n_candidates, max_size=n_candidates).map(lambda x: [x]),
            st.sampled_from([[[0]], [[0, 1], [1]], "x", [[1.5] * n_candidates]]),
        )
    )
    n_lists = data.draw(st.sampled_from([None, None, 4, 0, 10**9, True, 2.0]))
    magnitude = data.draw(st.one_of(st.lists(st.integers(1, 3), min_size=1, max_size=1), st.lists(SEATS, min_size=1, max_size=1)))
    with use_backend(backend_name):
        outcome = _call(
            block_vote, votes, magnitude, candidate_list, n_lists=n_lists, ties=data.draw(TIES),
            rng=data.draw(RNGS), count_lots=True,
        )
    if outcome is None:
        return
    assert outcome.seats.sum(axis=-1).tolist() == np.broadcast_to(magnitude, outcome.seats.shape[:-1]).tolist()
    for row, elected in zip(_rows(votes), outcome.elected.reshape(-1, n_candidates)):
        allowed = reference.block_vote_options([int(v) for v in row], int(magnitude[0]), candidate_list[0], n_lists)
        assert frozenset(np.flatnonzero(elected).tolist()) in allowed
