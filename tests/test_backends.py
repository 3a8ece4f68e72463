"""The numba backend gives the same results as the NumPy path, and how it is chosen.

Every rule with a fused kernel runs under both backends on the same input with the
same ``rng`` seed, and the outputs must be identical: winners, rounds, finalists and
seats, ties included. The comparison tests skip when numba is not installed; CI
installs it (the ``test`` extra).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest
from both_backends import on_both_backends
from hypothesis import given, settings
from hypothesis import strategies as st

from malivote.rules import (
    DIVISOR_METHODS,
    QUOTAS,
    divisor,
    largest_remainder,
    open_runoff,
    plurality,
    two_round,
)
from malivote.rules._backend import backend, use_backend
from malivote.rules._kernels import leading_lists
from malivote.testing.strategies import apportionment_cases, elections, votes

HAS_NUMBA = importlib.util.find_spec("numba") is not None
needs_numba = pytest.mark.skipif(not HAS_NUMBA, reason="numba is not installed")

MAJORITIES = (0.5, 0.0, 0.25, 0.4, 2 / 3)


def _outcome_parts(outcome):
    parts = {
        "winner": outcome.winner,
        "round": outcome.round,
        "finalists": outcome.finalists,
        "seats": outcome.seats,
    }
    if outcome.qualified is not None:
        parts["qualified"] = outcome.qualified
    return parts


def assert_same_outcome(numpy_outcome, numba_outcome):
    expected, found = _outcome_parts(numpy_outcome), _outcome_parts(numba_outcome)
    assert expected.keys() == found.keys()
    for key in expected:
        assert expected[key].dtype == found[key].dtype, key
        np.testing.assert_array_equal(found[key], expected[key], err_msg=key)


def assert_same_error(function, *args, **kwargs):
    messages = []
    for name in ("numpy", "numba"):
        with use_backend(name), pytest.raises(ValueError) as info:
            function(*args, **kwargs)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def _tied_votes(rng, shape, high):
    """Small counts from few values: ties for first, second and third place abound."""
    values = rng.integers(0, high, size=shape) * rng.integers(1, 3, size=shape[:-1] + (1,))
    values[..., 0] += values.sum(axis=-1) == 0
    return values


# --- backend selection --------------------------------------------------------------


def test_numpy_is_forced_by_the_environment(monkeypatch):
    monkeypatch.setenv("MALIVOTE_BACKEND", "numpy")
    assert backend() == "numpy"
    monkeypatch.setenv("MALIVOTE_BACKEND", "NumPy ")
    assert backend() == "numpy"


def test_default_backend_follows_numba(monkeypatch):
    monkeypatch.delenv("MALIVOTE_BACKEND", raising=False)
    assert backend() == ("numba" if HAS_NUMBA else "numpy")
    monkeypatch.setenv("MALIVOTE_BACKEND", "numba")
    assert backend() == ("numba" if HAS_NUMBA else "numpy")


def test_unknown_backend_is_an_error(monkeypatch):
    monkeypatch.setenv("MALIVOTE_BACKEND", "cuda")
    with pytest.raises(ValueError, match="MALIVOTE_BACKEND.*'cuda'.*'numpy', 'numba'"):
        backend()
    with pytest.raises(ValueError, match="MALIVOTE_BACKEND"):
        two_round([[3, 1]], [1])


def test_use_backend_restores_the_environment(monkeypatch):
    monkeypatch.setenv("MALIVOTE_BACKEND", "numba")
    with use_backend("numpy"):
        assert backend() == "numpy"
    assert backend() == ("numba" if HAS_NUMBA else "numpy")
    monkeypatch.delenv("MALIVOTE_BACKEND")
    with use_backend("numpy"):
        pass
    import os

    assert "MALIVOTE_BACKEND" not in os.environ
    with pytest.raises(ValueError, match="unknown backend"):
        with use_backend("fortran"):
            pass


def test_numpy_backend_never_imports_numba():
    code = (
        "import os, sys\n"
        "os.environ['MALIVOTE_BACKEND'] = 'numpy'\n"
        "import numpy as np, malivote\n"
        "from malivote.rules import two_round, plurality, divisor\n"
        "two_round(np.array([[5, 3, 2], [2, 2, 1]]), [1, 2], rng=0)\n"
        "plurality(np.array([[5, 3, 2]]), [1], rng=0)\n"
        "divisor(np.array([5, 3, 2]), 4, method='dhondt', rng=0)\n"
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_malivote_does_not_import_numba():
    code = "import sys, malivote, malivote.rules\nassert 'numba' not in sys.modules\n"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- leading_lists ------------------------------------------------------------------


@needs_numba
@pytest.mark.parametrize("depth", [1, 2, 3])
@pytest.mark.parametrize("n_lists", [1, 2, 3, 5, 20, 33])
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.int16])
def test_leading_lists_match(depth, n_lists, dtype):
    rng = np.random.default_rng(n_lists * 10 + depth)
    values = _tied_votes(rng, (3_000, n_lists), 4).astype(dtype)
    values[:500] = rng.integers(0, 30_000, size=(500, n_lists))
    values[500:600] = 0
    for expected, found in zip(*on_both_backends(leading_lists, values, depth)):
        np.testing.assert_array_equal(found, expected)


@needs_numba
def test_leading_lists_large_counts():
    values = np.array([[2**40, 3, 2**40 + 1], [0, 2**35, 7]], dtype=np.int64)
    for expected, found in zip(*on_both_backends(leading_lists, values, 3)):
        np.testing.assert_array_equal(found, expected)
    assert_same_error(leading_lists, np.array([[2**61, 1]], dtype=np.int64), 2)


# --- two_round, plurality, open_runoff ----------------------------------------------


@needs_numba
@settings(max_examples=150, deadline=None)
@given(
    election=elections(constituencies=(1, 4), lists=(1, 6), max_votes=6, batch_shape=(3,)),
    majority=st.sampled_from(MAJORITIES),
    with_second=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_two_round_matches_on_many_ties(election, majority, with_second, seed):
    second = election.second if with_second else None
    numpy_outcome, numba_outcome = on_both_backends(
        two_round, election.first, election.magnitude, second, majority=majority, rng=seed
    )
    assert_same_outcome(numpy_outcome, numba_outcome)


@needs_numba
@settings(max_examples=60, deadline=None)
@given(
    election=elections(constituencies=(1, 3), lists=(2, 5), max_votes=100_000, ties=False),
    majority=st.sampled_from(MAJORITIES),
    seed=st.integers(0, 2**32 - 1),
)
def test_two_round_matches_without_ties(election, majority, seed):
    numpy_outcome, numba_outcome = on_both_backends(
        two_round, election.first, election.magnitude, election.second, majority=majority, rng=seed
    )
    assert_same_outcome(numpy_outcome, numba_outcome)


@needs_numba
@pytest.mark.parametrize("majority", MAJORITIES)
@pytest.mark.parametrize("with_second", [False, True])
@pytest.mark.parametrize("dtype", [np.int32, np.int64, np.uint16, np.float64])
def test_two_round_matches_on_big_batches(majority, with_second, dtype):
    rng = np.random.default_rng(7)
    shape = (400, 30, 8)
    first = rng.integers(0, 20_000, size=shape)
    first[:100] = _tied_votes(rng, (100, 30, 8), 5)  # ties for every place
    first[..., 0] += first.sum(axis=-1) == 0
    second = np.where(first > 0, rng.integers(1, 4, size=shape), 0) if with_second else None
    magnitude = rng.integers(1, 5, size=30)
    first = first.astype(dtype)
    numpy_outcome, numba_outcome = on_both_backends(two_round, first, magnitude, second, majority=majority, rng=3)
    assert_same_outcome(numpy_outcome, numba_outcome)
    assert numpy_outcome.round.min() == 1
    assert numpy_outcome.round.max() == (2 if majority else 1)


@needs_numba
def test_two_round_shares_the_random_stream():
    """A Generator passed in is left in the same state by both backends."""
    rng = np.random.default_rng(11)
    first = _tied_votes(rng, (50, 10, 4), 3)
    generators = [np.random.default_rng(5), np.random.default_rng(5)]
    outcomes = []
    for name, generator in zip(("numpy", "numba"), generators):
        with use_backend(name):
            outcomes.append(two_round(first, np.ones(10, dtype=int), rng=generator))
    assert_same_outcome(*outcomes)
    assert generators[0].random() == generators[1].random()


@needs_numba
def test_two_round_large_counts_and_non_contiguous_input():
    first = np.array([[[2**40, 2**40 - 5, 3], [2**44, 1, 2**44]]], dtype=np.int64)
    numpy_outcome, numba_outcome = on_both_backends(two_round, first, [1, 2], majority=0.3, rng=1)
    assert_same_outcome(numpy_outcome, numba_outcome)
    rng = np.random.default_rng(2)
    wide = rng.integers(1, 50, size=(20, 6, 10), dtype=np.int32)[:, :, ::2]
    assert_same_outcome(*on_both_backends(two_round, wide, np.ones(6, dtype=int), rng=4))


@needs_numba
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("n_lists", [2, 20, 33])
def test_counts_at_the_int32_key_limit(dtype, n_lists):
    """Counts just below and at 2 ** (31 - bits), where the kernels leave int32 keys.

    One large count sends its whole block of rows down the int64 way; the rows
    around it, in the same block and the next, must not notice.
    """
    bits = max(1, (n_lists - 1).bit_length())
    limit = 2 ** (31 - bits)
    rng = np.random.default_rng(n_lists)
    first = rng.integers(0, 1_000, size=(3, 150, n_lists)).astype(dtype)
    first[..., 0] += 1
    first[0, 5, 1] = limit - 1  # the largest count the int32 keys take
    first[1, 7, -1] = limit  # the smallest they do not
    first[1, 8, :] = limit - 1  # ties among the largest counts
    first[2, 149, 0] = np.iinfo(np.int32).max
    magnitude = np.ones(150, dtype=int)
    assert_same_outcome(*on_both_backends(two_round, first, magnitude, rng=6))
    assert_same_outcome(*on_both_backends(plurality, first, magnitude, rng=6))
    for expected, found in zip(*on_both_backends(leading_lists, first.reshape(-1, n_lists), 3)):
        np.testing.assert_array_equal(found, expected)


@needs_numba
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_negative_count_in_a_large_batch(dtype):
    first = np.ones((2, 200, 5), dtype=dtype)
    first[1, 130, 2] = -1
    assert_same_error(two_round, first, np.ones(200, dtype=int), rng=0)
    assert_same_error(plurality, first, np.ones(200, dtype=int), rng=0)


@needs_numba
@pytest.mark.parametrize(
    "votes_, magnitude",
    [
        ([[[3, -1, 2]]], [1]),  # negative votes
        ([[[0, 0, 0]]], [1]),  # no valid votes
        ([[[2**62, 1]]], [1]),  # too large to rank
        ([[[3, -1]]], [0]),  # negative votes are reported before a bad magnitude
        ([[[3, 1]]], [1, 1]),  # a magnitude per constituency
    ],
)
def test_plurality_errors_match(votes_, magnitude):
    assert_same_error(plurality, np.array(votes_), magnitude, rng=0)


@needs_numba
@pytest.mark.parametrize(
    "first, second",
    [
        ([[[3, -1, 2]]], None),  # negative votes
        ([[[0, 0, 0]]], None),  # no valid votes
        ([[[4, 3, 2]]], [[[0, 0, 5]]]),  # both finalists get 0 in round 2
        ([[[4, 4, 3]]], [[[0, 0, 5]]]),  # the same after a tie for first place
        ([[[2**62, 1]]], None),  # too large to rank
    ],
)
def test_two_round_errors_match(first, second):
    assert_same_error(two_round, np.array(first), [1], None if second is None else np.array(second), rng=0)


@needs_numba
def test_two_round_error_precedence():
    """Negative votes are reported before a bad magnitude, as by the NumPy path."""
    assert_same_error(two_round, np.array([[3, -1]]), [0])
    assert_same_error(two_round, np.array([[3, -1]]), [1], majority=1.5)


@needs_numba
@settings(max_examples=100, deadline=None)
@given(
    election=elections(constituencies=(1, 4), lists=(1, 6), max_votes=5, second_round=False, batch_shape=(2,)),
    seed=st.integers(0, 2**32 - 1),
)
def test_plurality_matches(election, seed):
    assert_same_outcome(*on_both_backends(plurality, election.first, election.magnitude, rng=seed))


@needs_numba
def test_plurality_matches_on_big_batches():
    rng = np.random.default_rng(8)
    votes_ = np.concatenate([rng.integers(0, 10_000, size=(300, 40, 12)), _tied_votes(rng, (300, 40, 12), 3)])
    votes_[..., 0] += votes_.sum(axis=-1) == 0
    for dtype in (np.int32, np.int64, np.uint16):
        assert_same_outcome(*on_both_backends(plurality, votes_.astype(dtype), np.ones(40, dtype=int), rng=9))


@needs_numba
@settings(max_examples=100, deadline=None)
@given(
    election=elections(constituencies=(1, 3), lists=(2, 6), max_votes=6, batch_shape=(2,)),
    extra=st.integers(0, 20),
    qualify=st.sampled_from((0.125, 0.0, 0.3)),
    with_second=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_open_runoff_matches(election, extra, qualify, with_second, seed):
    registered = election.first.sum(axis=-1) + extra
    second = election.second if with_second else None
    assert_same_outcome(
        *on_both_backends(open_runoff, election.first, election.magnitude, registered, second, qualify=qualify, rng=seed)
    )


def _open_runoff_on_both_backends(first, magnitude, registered, second, seed, **kwargs):
    """Each backend's outcome (or error message) and the next number of its generator."""
    results = []
    for name in ("numpy", "numba"):
        generator = np.random.default_rng(seed)
        with use_backend(name):
            try:
                results.append(open_runoff(first, magnitude, registered, second, rng=generator, **kwargs))
            except ValueError as error:
                results.append(str(error))
        results.append(generator.random())
    return results


@needs_numba
@pytest.mark.parametrize("ties", ["lot", "votes", "raise"])
@pytest.mark.parametrize("count_lots", [False, True])
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("seed", range(10))
def test_open_runoff_matches_on_many_ties(ties, count_lots, dtype, seed):
    """Outcomes, lots, errors and the random numbers drawn are the same on both
    backends: rows without a tie (the kernel's) among rows with ties for every place
    and in the runoff, with and without round-2 votes, and with registered voters
    fewer than the valid votes or a runoff that gives every qualified list no votes."""
    rng = np.random.default_rng(seed)
    shape = (40, 7, 6)
    first = rng.integers(0, 20_000, size=shape)
    first[:20] = _tied_votes(rng, (20,) + shape[1:], 4 if seed % 2 else 30)
    first[..., 0] += first.sum(axis=-1) == 0
    # From exactly the valid votes (every list with votes qualifies at 0.125 or less)
    # to eight times as many (only the leading two qualify).
    registered = first.sum(axis=-1) * rng.integers(1, 9, size=shape[:-1])
    # Lists without round-2 votes, but never every list with the most round-1 votes.
    no_votes = (rng.random(shape) < 0.3) & (first < first.max(axis=-1, keepdims=True))
    second = None if seed % 3 == 0 else np.where(no_votes, 0, rng.integers(1, 4, size=shape))
    majority = MAJORITIES[seed % len(MAJORITIES)]
    qualify = (0.125, 0.0, 0.3)[seed % 3]
    magnitude = rng.integers(1, 4, size=shape[1])
    with use_backend("numpy"):
        reference = open_runoff(first, magnitude, registered, second, majority=majority, qualify=qualify, rng=seed)
    runoff = np.argwhere(reference.round == 2)
    if seed == 3:
        registered[tuple(runoff[-1])] = first[tuple(runoff[-1])].sum() - 1
    if seed in (5, 7):
        second[tuple(runoff[-1])] = 0
    first = first.astype(dtype)
    results = _open_runoff_on_both_backends(
        first, magnitude, registered, second, seed, majority=majority, qualify=qualify, ties=ties,
        count_lots=count_lots,
    )
    assert results[1] == results[3]
    if isinstance(results[0], str):
        assert results[0] == results[2]
        assert seed in (3, 5, 7) or ties == "raise"
    else:
        assert_same_outcome(results[0], results[2])
        assert (results[0].lots is None) == (results[2].lots is None) == (not count_lots)
        if count_lots:
            assert results[0].lots.dtype == results[2].lots.dtype
            np.testing.assert_array_equal(results[2].lots, results[0].lots)
        assert ties != "raise" and seed not in (3, 5, 7)
        assert (reference.round == 2).any() or majority == 0


@needs_numba
def test_open_runoff_large_counts():
    """Counts past the int32 keys, registered voters past the kernel's int64 products
    and shares with more digits than it multiplies by: both backends agree."""
    first = np.array([[
        [2**40, 2**40 - 5, 3], [2**44, 1, 2**44], [5, 4, 1], [2**58, 2**58 - 3, 1],
        # With majority 0.4999999: 9e11 * 10**7 fits int64, 1.9e12 * 4999999 does not.
        [9 * 10**11, 8 * 10**11, 2 * 10**11],
    ]])
    registered = np.array([[2**42, 2**46, 2**60, 2**60, 2**42]])
    second = np.array([[[3, 2, 1], [1, 1, 0], [2, 3, 1], [1, 2, 0], [1, 2, 0]]])
    for kwargs in ({}, {"majority": 0.3}, {"majority": 0.4999999}, {"qualify": 1e-12}, {"qualify": 0.999999}):
        for runoff_votes in (None, second):
            results = _open_runoff_on_both_backends(
                first, [1, 2, 1, 1, 1], registered, runoff_votes, 1, count_lots=True, **kwargs
            )
            assert results[1] == results[3]
            assert_same_outcome(results[0], results[2])
            np.testing.assert_array_equal(results[2].lots, results[0].lots)


@needs_numba
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_open_runoff_qualifies_at_the_threshold(dtype):
    """A third list with exactly ``qualify`` of the registered voters goes to round 2
    (and wins it here); one vote short, or one registered voter more, it does not."""
    first = np.array([[50, 30, 20, 5], [50, 30, 19, 5], [50, 30, 20, 5], [50, 30, 0, 25]], dtype=dtype)
    registered = np.array([160, 160, 161, 800])
    second = np.array([[1, 2, 3, 0], [1, 2, 3, 0], [1, 2, 3, 0], [2, 1, 0, 3]])
    numpy_outcome, numba_outcome = on_both_backends(open_runoff, first, np.ones(4, int), registered, second, rng=0)
    assert_same_outcome(numpy_outcome, numba_outcome)
    np.testing.assert_array_equal(numba_outcome.winner, [2, 1, 1, 0])
    np.testing.assert_array_equal(numba_outcome.qualified.sum(axis=-1), [3, 2, 2, 2])


@needs_numba
@pytest.mark.parametrize(
    "first, registered, second, kwargs",
    [
        ([[[3, -1, 2]]], [9], None, {}),  # negative votes
        ([[[3, -1, 2]]], [9], None, {"rng": -1}),  # negative votes, reported before a bad rng
        ([[[3, -1]]], [9], None, {"magnitude": [0]}),  # ... and before a bad magnitude
        ([[[0, 0, 0]]], [9], None, {}),  # no valid votes
        ([[[4, 3, 2]]], [8], None, {}),  # fewer registered voters than valid votes
        ([[[4, 3, 2]]], [-1], None, {}),  # negative registered voters
        ([[[4, 3, 2]]], [40], [[[0, 0, 5]]], {}),  # both finalists get 0 in round 2
        ([[[4, 4, 3]]], [40], [[[0, 0, 5]]], {}),  # the same after a tie for first place
        ([[[4, 3, 3]]], [9], [[[0, 0, 0]]], {}),  # every qualified list gets 0 in round 2
        ([[[2**62, 1]]], [2**62 + 1], None, {}),  # too large to rank
        ([[[4, 4, 3]]], [20], None, {"ties": "raise"}),  # a tie for first place
        ([[[5, 3, 3]]], [40], None, {"ties": "raise"}),  # a tie for second place
        ([[[5, 3, 3]]], [11], [[[1, 2, 2]]], {"ties": "raise"}),  # a tie in the runoff
    ],
)
def test_open_runoff_errors_match(first, registered, second, kwargs):
    kwargs = {"magnitude": [1], "rng": 0} | kwargs
    magnitude = kwargs.pop("magnitude")
    second = None if second is None else np.array(second)
    assert_same_error(open_runoff, np.array(first), magnitude, np.array(registered), second, **kwargs)


# --- divisor ------------------------------------------------------------------------


@needs_numba
@settings(max_examples=60, deadline=None)
@given(
    case=apportionment_cases(lists=(1, 6), seats=(0, 25), max_votes=12),
    method=st.sampled_from(DIVISOR_METHODS),
    threshold=st.sampled_from((0.0, 0.05, 0.2)),
    seed=st.integers(0, 2**32 - 1),
)
def test_divisor_matches_on_many_ties(case, method, threshold, seed):
    votes_, seats = case
    numpy_seats, numba_seats = on_both_backends(divisor, votes_, seats, method=method, threshold=threshold, rng=seed)
    np.testing.assert_array_equal(numba_seats, numpy_seats)


@needs_numba
@settings(max_examples=40, deadline=None)
@given(
    batch=votes(lists=(1, 6), max_votes=30, batch_shape=(12,)),
    seats=st.lists(st.integers(0, 40), min_size=12, max_size=12),
    method=st.sampled_from(DIVISOR_METHODS),
    seed=st.integers(0, 2**32 - 1),
)
def test_divisor_matches_with_seats_per_row(batch, seats, method, seed):
    numpy_seats, numba_seats = on_both_backends(divisor, batch, np.array(seats), method=method, rng=seed)
    np.testing.assert_array_equal(numba_seats, numpy_seats)


@needs_numba
@pytest.mark.parametrize("method", DIVISOR_METHODS)
@pytest.mark.parametrize("threshold", [0.0, 0.05])
def test_divisor_matches_on_big_batches(method, threshold):
    rng = np.random.default_rng(DIVISOR_METHODS.index(method))
    rows = 40_000  # more than one block of rows
    votes_ = rng.integers(0, 200_000, size=(rows, 9))
    votes_[:5_000] = rng.integers(0, 4, size=(5_000, 9)) * 6  # quotient ties abound
    votes_[:, 0] += 1
    seats = rng.integers(0, 160, size=rows)
    numpy_seats, numba_seats = on_both_backends(divisor, votes_, seats, method=method, threshold=threshold, rng=12)
    np.testing.assert_array_equal(numba_seats, numpy_seats)
    assert (numba_seats.sum(axis=-1) == seats).all()


@needs_numba
def test_divisor_errors_match():
    assert_same_error(divisor, np.array([[0, 0, 0]]), 3, method="dhondt")
    assert_same_error(divisor, np.array([[2**62, 2**62]]), 3, method="dhondt")  # total past int64
    assert_same_error(divisor, np.array([[5, 5]]), 3, method="dhondt", ties="raise")
    assert_same_error(divisor, np.array([[5, 1]]), 3, method="webster")


def _remainder_on_both_backends(votes_, seats, seed, **kwargs):
    """:func:`largest_remainder` under each backend with a fresh generator: the result
    (or the error message), then the generator's next random number."""
    results = []
    for name in ("numpy", "numba"):
        generator = np.random.default_rng(seed)
        with use_backend(name):
            try:
                results.append(largest_remainder(votes_, seats, rng=generator, **kwargs))
            except ValueError as error:
                results.append(str(error))
        results.append(generator.random())
    return results


@needs_numba
@pytest.mark.parametrize("quota", QUOTAS)
@pytest.mark.parametrize("ties", ["lot", "votes", "raise"])
@pytest.mark.parametrize("count_lots", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_largest_remainder_matches_on_many_ties(quota, ties, count_lots, seed):
    """Seats, lots, errors and the random numbers drawn are the same on both backends:
    rows without a tie (the kernel's) among rows with equal remainders at the cutoff,
    surplus rows (Hagenbach-Bischoff, Imperiali), Droop's full rounds, zero-seat rows,
    lists under the threshold, and a row whose scaled votes leave int64."""
    rng = np.random.default_rng(seed)
    n_lists = 2 + seed % 5
    votes_ = rng.integers(0, 200_000, size=(30, 4, n_lists))
    votes_[:15] = _tied_votes(rng, (15, 4, n_lists), 4 if seed % 2 else 12)
    votes_[..., 0] += votes_.sum(axis=-1) == 0
    seats = rng.integers(0, n_lists + 4, size=(30, 4))
    seats[:3] = rng.integers(0, 40, size=(3, 4))  # few votes for many seats
    if seed % 3 == 0:
        votes_[20, 1] = rng.integers(2**59, 2**60, size=n_lists)
    threshold = (0.0, 0.1, 0.25)[seed % 3]
    results = _remainder_on_both_backends(
        votes_, seats, seed, quota=quota, ties=ties, threshold=threshold, count_lots=count_lots
    )
    assert results[1] == results[3]
    if isinstance(results[0], str):
        assert results[0] == results[2] and ties == "raise"
        return
    expected, found = (result if count_lots else (result,) for result in results[::2])
    for one, other in zip(expected, found):
        assert one.dtype == other.dtype == np.int64 and one.shape == other.shape
        np.testing.assert_array_equal(other, one)
    assert (found[0].sum(axis=-1) == seats).all()
    if count_lots:
        assert found[1].any() or ties != "lot"


@needs_numba
@settings(max_examples=60, deadline=None)
@given(
    case=apportionment_cases(lists=(1, 6), seats=(0, 25), max_votes=12),
    quota=st.sampled_from(QUOTAS),
    threshold=st.sampled_from((0.0, 0.05, 0.2)),
    ties=st.sampled_from(("lot", "votes", "raise")),
    seed=st.integers(0, 2**32 - 1),
)
def test_largest_remainder_matches_on_small_cases(case, quota, threshold, ties, seed):
    votes_, seats = case
    results = _remainder_on_both_backends(
        votes_, seats, seed, quota=quota, threshold=threshold, ties=ties, count_lots=True
    )
    assert results[1] == results[3]
    if isinstance(results[0], str):
        assert results[0] == results[2]
    else:
        for expected, found in zip(results[0], results[2]):
            assert expected.dtype == found.dtype
            np.testing.assert_array_equal(found, expected)


@needs_numba
@pytest.mark.parametrize("quota", QUOTAS)
def test_largest_remainder_matches_on_big_batches(quota):
    """More rows than one chunk, with the surplus and tied rows spread among them."""
    rng = np.random.default_rng(QUOTAS.index(quota))
    rows = 20_000
    votes_ = rng.integers(0, 200_000, size=(rows, 9))
    votes_[::7] = rng.integers(0, 4, size=votes_[::7].shape) * 6
    votes_[:, 0] += 1
    seats = rng.integers(0, 40, size=rows)
    results = _remainder_on_both_backends(votes_, seats, 5, quota=quota, count_lots=True)
    assert results[1] == results[3]
    for expected, found in zip(results[0], results[2]):
        np.testing.assert_array_equal(found, expected)
    assert results[0].lots.any()


@needs_numba
@pytest.mark.parametrize("quota", QUOTAS)
def test_largest_remainder_large_counts(quota):
    """Rows whose votes plus a quota pass int64 (the NumPy path's exact integers) among
    ordinary rows: the kernel leaves them to NumPy before its sums could wrap."""
    votes_ = np.array(
        [[2**62, 2**62 - 1, 0], [2**62 - 7, 3, 2**62], [700, 200, 100], [2**60 - 1, 2**60 - 1, 1], [2**40, 2**40, 5]]
    )
    for seats in (1, 2, 9, np.array([3, 1, 4, 12, 6])):
        results = _remainder_on_both_backends(votes_, seats, 3, quota=quota, count_lots=True)
        assert results[1] == results[3]
        for expected, found in zip(results[0], results[2]):
            np.testing.assert_array_equal(found, expected)


@needs_numba
def test_largest_remainder_errors_match():
    assert_same_error(largest_remainder, np.array([[0, 0, 0]]), 3, quota="hare")
    assert_same_error(largest_remainder, np.array([[5, 5, 1], [3, 3, 3]]), 1, quota="hare", ties="raise")
    assert_same_error(largest_remainder, np.array([[9, 1], [5, 5]]), 1, quota="droop", ties="raise")
    # Hagenbach-Bischoff: 3 whole quotas of 10 for 2 seats, the surplus withdrawn by lot.
    assert_same_error(
        largest_remainder, np.array([[10, 10, 10]]), 2, quota="hagenbach_bischoff", ties="raise"
    )


@needs_numba
def test_kernels_from_several_threads_under_the_workqueue_layer():
    """simulate(workers=N) calls kernels from several threads; numba's fallback
    threading layer aborts the process on that unless launches queue."""
    script = """
import numpy as np, numba
from concurrent.futures import ThreadPoolExecutor
from malivote.rules import divisor, plurality, two_round
rng = np.random.default_rng(0)
votes = rng.integers(0, 1000, size=(400, 30, 8)).astype(np.int32)
votes[..., 0] += 1
magnitude = np.ones(30, dtype=int)
expected = two_round(votes, magnitude, rng=1).winner
def work(i):
    same = (two_round(votes, magnitude, rng=1).winner == expected).all()
    plurality(votes, magnitude, rng=2)
    divisor(votes[:, 0], 10, method="dhondt", rng=3)
    return bool(same)
with ThreadPoolExecutor(4) as pool:
    ok = all(pool.map(work, range(100)))
print(numba.threading_layer(), ok)
"""
    completed = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "NUMBA_THREADING_LAYER": "workqueue", "MALIVOTE_BACKEND": "numba"},
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert completed.stdout.split() == ["workqueue", "True"]



# --- candidate block vote -------------------------------------------------------------


def _block_case(seed, draws=30, constituencies=7, candidates=12, high=4):
    """Tied candidate votes, empty slots (no votes) and magnitudes up to the standing count."""
    rng = np.random.default_rng(seed)
    lists = rng.integers(0, 5, size=(constituencies, candidates))
    lists[rng.random(lists.shape) < 0.25] = -1
    lists[:, 0] = 0  # every constituency has a candidate
    standing = (lists >= 0).sum(axis=-1)
    magnitude = rng.integers(1, standing + 1)
    votes = rng.integers(0, high, size=(draws, constituencies, candidates))
    votes[:, lists < 0] = 0
    votes[..., 0] += votes.sum(axis=-1) == 0
    return votes, magnitude, lists


@needs_numba
@pytest.mark.parametrize("ties", ["lot", "votes"])
@pytest.mark.parametrize("seed", range(6))
def test_block_vote_matches_on_many_ties(seed, ties):
    from malivote.rules import block_vote

    votes, magnitude, lists = _block_case(seed, high=2 + seed)
    generators = [np.random.default_rng(seed), np.random.default_rng(seed)]
    outcomes = []
    for name, generator in zip(("numpy", "numba"), generators):
        with use_backend(name):
            outcomes.append(block_vote(votes, magnitude, lists, n_lists=6, ties=ties, count_lots=True,
                                       rng=generator))
    expected, found = outcomes
    assert expected.lots.any() and not expected.lots.all()
    for key in ("elected", "seats", "lots"):
        a, b = getattr(expected, key), getattr(found, key)
        assert a.dtype == b.dtype and a.shape == b.shape, key
        np.testing.assert_array_equal(b, a, err_msg=key)
    assert generators[0].random() == generators[1].random()


@needs_numba
def test_block_vote_matches_without_ties_and_with_large_counts():
    from malivote.rules import block_vote

    votes, magnitude, lists = _block_case(9, draws=5, high=2**40)
    votes = votes[0]  # no draw axis
    expected, found = on_both_backends(block_vote, votes, magnitude, lists, rng=1)
    np.testing.assert_array_equal(found.elected, expected.elected)
    np.testing.assert_array_equal(found.seats, expected.seats)
    assert found.lots is None and expected.lots is None


@needs_numba
def test_block_vote_raise_matches():
    from malivote.rules import block_vote

    votes, magnitude, lists = _block_case(2)
    assert_same_error(block_vote, votes, magnitude, lists, ties="raise", rng=0)


# --- the rule adapters' fused steps (malivote.ruleset) ------------------------------


@needs_numba
@pytest.mark.parametrize("n_lists", [2, 3, 5])
@pytest.mark.parametrize("seed", range(4))
def test_runoff_place_lots_match(n_lists, seed):
    """Who went to a runoff by lot: the kernel's count is the NumPy count, with ties
    for first, second and third place, and two lists only (no list left out)."""
    from malivote.ruleset import _runoff_place_lots

    rng = np.random.default_rng(seed)
    first = _tied_votes(rng, (30, 7, n_lists), 4)
    outcome = two_round(first, np.arange(1, 8), count_lots=True, rng=seed)
    expected, found = on_both_backends(_runoff_place_lots, first, outcome)
    assert expected.dtype == found.dtype == np.int64 and expected.shape == found.shape == (30, 7)
    np.testing.assert_array_equal(found, expected)
    if n_lists > 2:
        assert expected.any() and not expected.all()
    else:
        assert not expected.any()


@needs_numba
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("spread", [0.0, 0.3, 30.0, 400.0])
def test_block_vote_candidate_votes_match(spread):
    """BlockVote's candidate votes on the rosters (numba) are the NumPy ones, with
    lists without votes, gaps in the rosters, and spreads that reach 2**53 (an
    error from both)."""
    from malivote.election import Ensemble
    from malivote.layouts import custom_layout
    from malivote.ruleset import BlockVote

    rng = np.random.default_rng(8)
    layout = custom_layout(["North", "South", "East"], [2, 1, 3])
    first = rng.integers(0, 10**6, size=(6, 3, 4))
    first[rng.random(first.shape) < 0.3] = 0
    roster_party = rng.integers(0, 2, size=first.shape + (3,))
    roster_party[rng.random(roster_party.shape) < 0.4] = -1
    ensemble = Ensemble(layout=layout, parties=("A", "B"), first=first, second=0 * first,
                        members=np.ones_like(first), roster_party=roster_party.astype(np.int16),
                        roster_female=np.zeros(roster_party.shape, bool),
                        turnout=np.zeros((6, 3, 2, 4), np.int64))
    rule = BlockVote(magnitude=np.array([2, 1, 3]), split_ticket=spread)
    results = []
    for name in ("numpy", "numba"):
        generator = np.random.default_rng(9)
        with use_backend(name):
            try:
                results.append(rule.candidate_votes(ensemble, generator))
            except ValueError as error:
                results.append(str(error))
        results.append(generator.random())
    assert results[1] == results[3]  # the same draws taken
    if isinstance(results[0], str):
        assert spread >= 30 and results[0] == results[2]
    else:
        assert results[0].dtype == results[2].dtype == np.int64
        np.testing.assert_array_equal(results[2], results[0])
        assert (results[0][first == 0] == 0).all() and (results[0][roster_party >= 0][first[..., None].repeat(3, -1)[roster_party >= 0] > 0] >= 1).all()


@needs_numba
@pytest.mark.parametrize("extra", [-1, 1])
def test_block_vote_kernels_refuse_split_ticket_draws_of_the_wrong_count(extra):
    """The compiled candidate votes read one normal draw per roster position: one too
    few or too many is an error, never a read past the array."""
    from malivote.rules import _numba

    roster_party = np.array([[[[0, 1], [1, -1]]]], dtype=np.int16)
    first = np.array([[[10, 5]]])
    z = np.zeros(3 + extra)
    with pytest.raises(ValueError, match=r"expected one per roster position \(3\), found " + str(3 + extra)):
        _numba.candidate_votes(roster_party, first, z, 0.3, 2.0**53)
    assert _numba.candidate_votes(roster_party, first, np.zeros(3), 0.3, 2.0**53).tolist() == [[[[10, 10], [5, 0]]]]


@needs_numba
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize(
    "case", ["spread", "straight", "raise", "no votes", "huge spread", "magnitude", "few candidates", "every slot"]
)
@pytest.mark.parametrize("seed", range(3))
def test_block_vote_decide_matches(case, seed):
    """BlockVote.decide ranks the candidate votes as they are made (numba) without
    block_vote's checks: the same seats, elected, lots and random numbers as NumPy,
    with lots for the last seats (a straight party vote ties a list's candidates),
    fewer candidates with votes than seats (the slots without votes tie for the
    rest, or all win where there are as many slots as seats), and the same error for a constituency without votes, a spread past 2**53,
    a tie under ties="raise", or more seats than candidate slots."""
    from malivote.election import Ensemble
    from malivote.layouts import custom_layout
    from malivote.ruleset import BlockVote

    rng = np.random.default_rng(seed)
    magnitude = np.array([2, 1, 3]) if case != "magnitude" else np.array([2, 1, 13])
    layout = custom_layout(["North", "South", "East"], list(magnitude))
    first = rng.integers(1, 50, size=(40, 3, 4))
    first[rng.random(first.shape) < 0.3] = 0
    first[:, :, 0] += 1
    if case == "no votes":
        first[17, 1] = 0
    roster_party = rng.integers(0, 2, size=first.shape + (3,))
    # List 0 has votes and a full roster, so no seat goes past a roster's end.
    roster_party[..., 1:, :][rng.random(roster_party[..., 1:, :].shape) < 0.4] = -1
    if case in ("few candidates", "every slot"):
        # East's 5 seats and full rosters: in every other draw only list 0 has votes,
        # and its 3 candidates; the other 2 seats go by lot among the 9 without votes.
        # With 12 seats, every slot wins one, without a lot.
        magnitude = np.array([2, 1, 5 if case == "few candidates" else 12])
        layout = custom_layout(["North", "South", "East"], list(magnitude))
        first[::2, 2, 1:] = 0
        roster_party[:, 2] = rng.integers(0, 2, size=roster_party[:, 2].shape)
    ensemble = Ensemble(layout=layout, parties=("A", "B"), first=first, second=0 * first,
                        members=np.ones_like(first), roster_party=roster_party.astype(np.int16),
                        roster_female=rng.random(roster_party.shape) < 0.5,
                        turnout=np.zeros((40, 3, 2, 4), np.int64))
    spread = {"straight": 0.0, "raise": 0.0, "huge spread": 400.0}.get(case, 0.3)
    rule = BlockVote(magnitude=magnitude, split_ticket=spread, ties="raise" if case == "raise" else "lot")
    results = []
    for name in ("numpy", "numba"):
        generator = np.random.default_rng(9)
        with use_backend(name):
            try:
                decision = rule.decide(ensemble, generator)
                results.append([decision.seats, decision.party_seats, decision.women, decision.lots["district"]])
            except ValueError as error:
                results.append(str(error))
        results.append(generator.random())
    assert results[1] == results[3]  # the same draws taken
    if case in ("no votes", "huge spread", "raise", "magnitude"):
        assert isinstance(results[0], str) and results[0] == results[2]
    else:
        for expected, found in zip(results[0], results[2]):
            assert expected.dtype == found.dtype
            np.testing.assert_array_equal(found, expected)
        if case in ("straight", "few candidates"):
            assert results[0][3].any()


@needs_numba
@pytest.mark.parametrize("ties", ["lot", "votes", "raise"])
@pytest.mark.parametrize("seed", range(4))
def test_decide_runoff_matches(ties, seed):
    """The runoff winners, their lots and the random numbers drawn are the same on
    both backends: without a tie (the kernel), with ties, and with an empty runoff."""
    from malivote.ruleset import decide_runoff

    rng = np.random.default_rng(seed)
    first = _tied_votes(rng, (20, 6, 4), 50)
    outcome = two_round(first, np.ones(6, np.int64), count_lots=True, rng=seed)
    second = rng.integers(1, 40 if seed % 2 else 10**6, size=first.shape)
    if seed == 3:
        # Both finalists of one runoff without round-2 votes: an error from both.
        row = tuple(np.argwhere(outcome.round == 2)[0])
        second[row + (outcome.finalists[row][0],)] = second[row + (outcome.finalists[row][1],)] = 0
    results = []
    for name in ("numpy", "numba"):
        generator = np.random.default_rng(seed)
        with use_backend(name):
            try:
                results.append(decide_runoff(second, outcome.finalists, ties=ties, first=first, rng=generator))
            except ValueError as error:
                results.append(str(error))
        results.append(generator.random())
    assert results[1] == results[3]
    if isinstance(results[0], str):
        assert results[0] == results[2] and (seed == 3 or ties == "raise")
    else:
        for expected, found in zip(results[0], results[2]):
            assert expected.dtype == found.dtype == np.int64 and expected.shape == found.shape == (20, 6)
            np.testing.assert_array_equal(found, expected)


def _runoff_case(rng, draws, constituencies, slots, n_parties):
    """Round-1 votes, finalists and party masks for :func:`transfer_runoff`: empty
    lists (some without a party), constituencies without votes, single-party and
    joint lists, runoffs decided in round 1, finalists without votes."""
    first = rng.integers(0, 5000, size=(draws, constituencies, slots))
    first[rng.random(first.shape) < 0.3] = 0
    first[rng.random(first.shape[:-1]) < 0.1] = 0
    first[rng.random(first.shape) < 0.1] = rng.integers(0, 4)  # splits of 1 to 3 voters: ties
    parties = rng.integers(0, n_parties, size=first.shape)
    members = np.left_shift(1, parties).astype(np.int64)
    for _ in range(3):
        joint = rng.random(first.shape) < 0.3
        members[joint] |= np.left_shift(1, rng.integers(0, n_parties, size=int(joint.sum())))
    members[(first == 0) & (rng.random(first.shape) < 0.5)] = 0
    finalists = np.argsort(-first, axis=-1, kind="stable")[..., :2]
    swap = rng.random(finalists.shape[:-1]) < 0.5
    finalists[swap] = finalists[swap][..., ::-1]
    finalists[rng.random(finalists.shape[:-1]) < 0.25, 1] = -1
    return first, finalists, members


def _transfer_matrices(rng, shape):
    """Stochastic rows ``shape + (3,)``: random, one-hot, with a zero, and tenths
    (whose float sums depend on their order)."""
    matrix = rng.dirichlet(np.ones(3), size=shape)
    kind = rng.integers(0, 4, size=shape)
    matrix[kind == 1] = np.eye(3)[rng.integers(0, 3, size=int((kind == 1).sum()))]
    two = rng.dirichlet(np.ones(2), size=int((kind == 2).sum()))
    matrix[kind == 2] = np.insert(two, 1, 0.0, axis=-1)
    tenths = rng.multinomial(10, np.ones(3) / 3, size=int((kind == 3).sum())) / 10
    matrix[kind == 3] = tenths
    return matrix


@needs_numba
@pytest.mark.parametrize("layout", ["shared", "per constituency", "per draw"])
@pytest.mark.parametrize("seed", range(4))
def test_transfer_runoff_expected_matches(layout, seed):
    """The numba kernel of the expected transfers gives NumPy's votes, bit for bit:
    retention 0, 1 and between, per finalist; one matrix, one per constituency or
    one per draw."""
    from malivote.models import transfer_runoff

    rng = np.random.default_rng(seed)
    draws, constituencies, n_parties = 30, 7, 6
    first, finalists, members = _runoff_case(rng, draws, constituencies, 9, n_parties)
    lead = {"shared": (), "per constituency": (constituencies,), "per draw": (draws, 1)}[layout]
    matrix = _transfer_matrices(rng, lead + (n_parties,))
    retention = rng.choice([0.0, 1.0, 0.5, rng.random()], size=finalists.shape)
    numpy_runoff, numba_runoff = on_both_backends(transfer_runoff, first, finalists, members, matrix, retention=retention)
    for expected, found in zip(numpy_runoff, numba_runoff):
        assert expected.dtype == found.dtype == np.int64 and expected.shape == found.shape
        np.testing.assert_array_equal(found, expected)
    assert (numba_runoff.second[finalists[..., 1] < 0] == 0).all()


@needs_numba
def test_transfer_runoff_expected_matches_where_order_matters():
    """A joint list's row is its parties' rows summed lowest party first, then divided
    by their count, and equal remainders go to the lower column: here another order
    of the sum, a multiplication by the reciprocal or another tie order would change
    the votes."""
    from malivote.models import transfer_runoff

    matrix = np.array([[1.0, 0, 0], [0, 1.0, 0], [0.1, 0.2, 0.7], [0.2, 0.7, 0.1], [0.7, 0.1, 0.2],
                       [0.3, 0.3, 0.4], [0.6, 0.3, 0.1]])
    moved = np.arange(1, 400)
    first = np.zeros((moved.size, 1, 6), np.int64)
    first[:, 0, :2] = [1000, 900]
    first[:, 0, 2:] = moved[:, None]
    members = np.broadcast_to([0b1, 0b10, 0b11100, 0b110100, 0b1011100, 0b1110000], first.shape)
    finalists = np.broadcast_to([0, 1], (moved.size, 1, 2))
    expected, found = on_both_backends(transfer_runoff, first, finalists, members, matrix, retention=0.95)
    np.testing.assert_array_equal(found.second, expected.second)
    np.testing.assert_array_equal(found.abstained, expected.abstained)


@needs_numba
def test_transfer_runoff_errors_match():
    from malivote.models import transfer_runoff

    # Rows 1e-10 short of 1: a million voters' split cannot be rounded to its total.
    short = [[1.0, 0, 0], [0, 1.0, 0], [0.5, 0.5 - 1e-10, 0.0]]
    assert_same_error(transfer_runoff, [[10**15, 5, 10**15]], [[0, 1]], [[1, 2, 4]], short)
    assert_same_error(transfer_runoff, [[10, 5, 1]], [[0, 1]], [[1, 2, 0]], [[1, 0, 0]] * 3)
    assert_same_error(transfer_runoff, [[10, 5, 1]], [[0, 3]], [[1, 2, 4]], [[1, 0, 0]] * 3)


@pytest.fixture(params=["numpy"] + (["numba"] if HAS_NUMBA else []))
def backend_name(request):
    with use_backend(request.param):
        yield request.param


SECOND = np.array([[[0, 600, 400], [5, 0, 0]]])
FINALISTS = np.array([[[2, 1], [0, -1]]])


@pytest.mark.parametrize(
    "finalists, shown",
    [
        # The compiled kernel read slot 5 past the end of a 3-slot row and returned a
        # winner; NumPy raised an IndexError.
        ([[[5, 1], [0, -1]]], r"\[5, 1\] at index \(0, 0\)"),
        ([[[-2, 1], [0, -1]]], r"\[-2, 1\] at index \(0, 0\)"),  # read as slot 0
        ([[[1, 1], [0, -1]]], r"\[1, 1\] at index \(0, 0\)"),  # a "tie" with itself, by lot
        ([[[2, 1], [0, -2]]], r"\[0, -2\] at index \(0, 1\)"),
    ],
)
def test_decide_runoff_refuses_bad_finalists_on_both_backends(finalists, shown):
    from malivote.ruleset import decide_runoff

    for name in ("numpy", "numba"):
        with use_backend(name), pytest.raises(ValueError, match=rf"^finalists: expected two distinct slots in \[0, 3\), or a slot and -1 where round 1 decided, found {shown}"):
            decide_runoff(SECOND, np.array(finalists))


@pytest.mark.parametrize(
    "call, message",
    [
        # A misspelt rule was a lot.
        (lambda f: f(np.array([[[0, 5, 5]]]), np.array([[[1, 2]]]), ties="LOT", rng=0), r"^ties: expected one of 'lot', 'votes', 'raise', found 'LOT'"),
        # AttributeError: 'NoneType' object has no attribute 'ndim'.
        (lambda f: f(np.array([[[0, 5, 5]]]), np.array([[[1, 2]]]), ties="votes", rng=0), r"^first: the round-1 votes are needed with ties='votes', found None"),
        (lambda f: f(np.array([[[0, 5, 5]]]), np.array([[[1, 2]]]), ties="votes", first=[[1, 2, 3]]), r"^first: expected the shape of second, \(1, 1, 3\), found \(1, 3\)"),
        # -600 was read as a count (slot 2 won).
        (lambda f: f(np.array([[[0, -600, 400]]]), np.array([[[2, 1]]])), r"^second: vote counts must be non-negative, found -600"),
        (lambda f: f(np.array([[[0, 600.5, 400]]]), np.array([[[2, 1]]])), r"^second: vote counts must be whole numbers, found 600.5"),
        (lambda f: f(SECOND, FINALISTS.astype(float)), r"^finalists: expected integer slot indices of shape \(1, 2, 2\), found float64"),
        (lambda f: f(SECOND, FINALISTS[:, :1]), r"^finalists: expected integer slot indices of shape \(1, 2, 2\), found int64 of shape \(1, 1, 2\)"),
    ],
)
def test_decide_runoff_names_bad_arguments(call, message, backend_name):
    from malivote.ruleset import decide_runoff

    with pytest.raises(ValueError, match=message):
        call(decide_runoff)


def test_decide_runoff_takes_lists(backend_name):
    """A nested list failed with "list indices must be integers or slices, not tuple"."""
    from malivote.ruleset import decide_runoff

    winner, lots = decide_runoff(SECOND.tolist(), FINALISTS.tolist())
    assert winner.tolist() == [[1, 0]] and lots.tolist() == [[0, 0]]
