"""Largest-remainder rounding: its rules, and the numba kernels equal to the NumPy code.

The numba kernels (:mod:`malivote._rounding_numba`) must give the NumPy path's results
bit for bit: the same whole numbers, the same errors, and in the noise models the
same random stream. Every comparison runs both backends on random inputs, with ties,
rows that overshoot their totals by floating-point error, empty rows and rows too long
for the kernels. They skip when numba is not installed.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from malivote import models
from malivote.rounding import round_shares, round_to_total
from malivote.rules._backend import use_backend

HAS_NUMBA = importlib.util.find_spec("numba") is not None
needs_numba = pytest.mark.skipif(not HAS_NUMBA, reason="numba is not installed")

SLOTS = (1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 31, 64, 127, 128, 129)


def _both(function, *args, **kwargs):
    """``function`` under each backend: its result or its ValueError's message, and
    the next number of its ``rng`` when it takes one (the stream must match too)."""
    results = []
    for name in ("numpy", "numba"):
        with use_backend(name):
            call = dict(kwargs)
            if "rng" in call:
                call["rng"] = np.random.default_rng(call["rng"])
            try:
                value = function(*args, **call)
            except ValueError as error:
                value = f"ValueError: {error}"
            after = call["rng"].random() if "rng" in call else None
            results.append((value, after))
    return results


def _assert_same(function, *args, **kwargs):
    (expected, expected_after), (found, found_after) = _both(function, *args, **kwargs)
    assert expected_after == found_after
    if isinstance(expected, str) or isinstance(found, str):
        assert found == expected
        return expected
    assert found.dtype == expected.dtype == np.int64
    assert found.shape == expected.shape
    np.testing.assert_array_equal(found, expected)
    return expected


def _weights(rng, shape, ties: bool):
    weights = rng.gamma(rng.uniform(0.05, 3.0), size=shape) * (rng.random(shape) < 0.7)
    if ties:  # few distinct values: equal fractional parts everywhere
        weights = np.round(weights * 4) / 4
    return weights


# ----------------------------------------------------------------------- the rules


def test_largest_remainders_lower_slot_first():
    assert round_to_total([[1.5, 1.5, 0.0], [0.2, 0.7, 2.1]], [3, 3]).tolist() == [[2, 1, 0], [0, 1, 2]]
    assert round_to_total([1 / 3, 1 / 3, 1 / 3], 1).tolist() == [1, 0, 0]
    assert round_shares([10, 0], [[1, 1, 1], [0, 0, 0]]).tolist() == [[4, 3, 3], [0, 0, 0]]


def test_zero_targets_stay_zero_and_overshoot_is_taken_back():
    assert round_to_total([0.0, 0.5, 0.5], 1).tolist() == [0, 1, 0]
    # Floors above the total: units come back from the smallest fractions.
    assert round_to_total([[1.0, 1.0, 1.0]], [2]).tolist() == [[0, 1, 1]]
    assert round_to_total([[2.9, 1.2, 0.0]], [3]).tolist() == [[2, 1, 0]]


def test_errors():
    with pytest.raises(ValueError, match="finite"):
        round_to_total([1.0, np.nan], 1)
    with pytest.raises(ValueError, match="cannot be rounded"):
        round_to_total([1.0, 1.0], 5)


# ------------------------------------------------------------ the kernels are NumPy


@needs_numba
@pytest.mark.parametrize("n_slots", SLOTS)
def test_round_to_total_equal_on_both_backends(n_slots):
    rng = np.random.default_rng(n_slots)
    for trial in range(12):
        weights = _weights(rng, (150, n_slots), ties=trial % 3 == 0)
        total = rng.integers(0, 10 ** int(rng.integers(1, 13)), 150)
        sums = weights.sum(axis=-1, keepdims=True)
        real = np.divide(weights, sums, out=np.zeros_like(weights), where=sums > 0) * total[:, None]
        total = np.where(sums[:, 0] > 0, total, 0)
        _assert_same(round_to_total, real, total)
        # Rows off their totals by floating-point error, both ways: the rare unit too
        # many is taken back.
        _assert_same(round_to_total, real * (1 + 4e-16), total)
        _assert_same(round_to_total, real * (1 - 4e-16), total)
        # Whole-number targets shifted by a few units: floors above the total.
        shifted = np.floor(real) + np.where(rng.random(real.shape) < 0.3, 1.0, 0.0) * (real >= 1)
        _assert_same(round_to_total, shifted, total)
        # Negative targets are refused, alike on both backends.
        _assert_same(round_to_total, np.where(rng.random(real.shape) < 0.1, -real, real), total)


@needs_numba
@pytest.mark.parametrize("n_slots", SLOTS)
def test_round_shares_equal_on_both_backends(n_slots):
    rng = np.random.default_rng(100 + n_slots)
    for trial in range(12):
        weights = _weights(rng, (120, n_slots), ties=trial % 2 == 0)
        weights[rng.random(120) < 0.1] = 0.0  # placeholder rows: nothing
        total = rng.integers(0, 10 ** int(rng.integers(1, 13)), 120)
        _assert_same(round_shares, total, weights)
        _assert_same(round_shares, total, np.asfortranarray(weights))  # not contiguous
        _assert_same(round_shares, total[:7], weights[0])  # one row for every total
        _assert_same(round_shares, total.reshape(4, 30), weights.reshape(4, 30, n_slots))
        _assert_same(round_shares, total, weights[:, ::-1])


@needs_numba
def test_shapes_and_broadcasting_equal_on_both_backends():
    rng = np.random.default_rng(5)
    real = rng.random((3, 4, 6)) * 10
    total = np.rint(real.sum(axis=-1)).astype(np.int64)
    _assert_same(round_to_total, real, total)
    _assert_same(round_to_total, real[0, 0], int(total[0, 0]))
    _assert_same(round_to_total, real[:1, :1] * 0 + real[0, 0], int(total[0, 0]))
    _assert_same(round_to_total, np.zeros((0, 5)), np.zeros(0, np.int64))
    _assert_same(round_shares, 7, [1.0, 2.0, 0.0])
    _assert_same(round_shares, [0, 5], [[0.0, 0.0], [np.nan, 1.0]])


@needs_numba
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_errors_equal_on_both_backends():
    cases = [
        ([[1.0, np.nan], [1.0, 1.0]], [1, 2]),
        ([[1.0, 1.0], [np.inf, 1.0]], [9, 2]),  # the NaN message wins over the other
        ([[1.0, -np.inf]], [1]),
        ([[1.0, 1.0]], [5]),
        ([[1.0, 1.0]], [-1]),
        ([[1e19, 1.0]], [3]),
        ([[1e19, np.nan]], [3]),
        ([[0.0, 0.0]], [1]),
    ]
    for real, total in cases:
        result = _assert_same(round_to_total, real, total)
        assert isinstance(result, str)
    assert isinstance(_assert_same(round_shares, [5], [[np.inf, 1.0]]), str)


@needs_numba
def test_pairwise_sum_is_numpys():
    from malivote._rounding_numba import _pairwise_sum
    from numba import njit

    @njit
    def row_sums(a):
        out = np.empty(a.shape[0])
        for i in range(a.shape[0]):
            out[i] = _pairwise_sum(a[i], a.shape[1])
        return out

    rng = np.random.default_rng(0)
    for n_slots in range(1, 129):
        a = rng.standard_gamma(0.3, (50, n_slots)) * 10.0 ** rng.uniform(-8, 8, (50, n_slots))
        np.testing.assert_array_equal(row_sums(a), a.sum(axis=-1))


# ------------------------------------------------------------------- noise models


@needs_numba
@pytest.mark.parametrize("n_slots", (1, 2, 5, 8, 16, 17, 24, 40, 129))
def test_noise_models_equal_on_both_backends(n_slots):
    rng = np.random.default_rng(n_slots)
    for trial in range(4):
        votes = rng.integers(0, 10 ** int(rng.integers(1, 7)), (25, n_slots)) * (rng.random((25, n_slots)) < 0.7)
        votes[0] = 0  # an empty constituency
        for concentration in (300.0, 1.0, 1e-3, 1e-300, rng.uniform(1, 500, 25)):
            _assert_same(models.dirichlet_noise, votes, concentration, rng=trial, draws=6)
        for sigma in (0.0, 0.1, 2.0, 1e200):
            _assert_same(models.logit_normal_noise, votes, sigma, rng=trial, draws=6)


@needs_numba
def test_dirichlet_underflow_and_empty_blocks_equal_on_both_backends():
    # Every gamma variate underflows: the whole row goes to one list, by lot.
    votes = np.array([[500, 300, 200, 0], [1, 0, 0, 0]])
    result = _assert_same(models.dirichlet_noise, votes, 1e-12, rng=4, draws=50)
    assert ((result > 0).sum(axis=-1) == 1).all()
    # All slots empty: no votes, and no random number drawn on either backend.
    _assert_same(models.dirichlet_noise, np.zeros((3, 5), np.int64), 10.0, rng=1, draws=4)


def test_dirichlet_noise_is_pinned():
    # The values of the NumPy code since only slots with votes draw a gamma variate,
    # under whichever backend runs.
    votes = np.array([[600, 300, 100, 0], [10, 20, 0, 5]])
    out = models.dirichlet_noise(votes, 200.0, rng=1, draws=2)
    assert out.tolist() == PINNED_DIRICHLET


PINNED_DIRICHLET = [[[589, 297, 114, 0], [9, 21, 0, 5]], [[596, 298, 106, 0], [9, 20, 0, 6]]]


@pytest.mark.parametrize("noise", ["dirichlet", "logit_normal"])
def test_noise_draws_one_variate_per_list_with_votes(noise):
    # The random numbers are one gamma variate (Dirichlet) or one normal shock
    # (logit-normal) per slot with votes, in order, and nothing for an empty slot.
    votes = np.array([[600, 300, 100, 0], [0, 0, 0, 0], [10, 0, 20, 5]])
    generator = np.random.default_rng(6)
    if noise == "dirichlet":
        models.dirichlet_noise(votes, 50.0, rng=generator)
    else:
        models.logit_normal_noise(votes, 0.2, rng=generator)
    following = generator.random()
    reference = np.random.default_rng(6)
    if noise == "dirichlet":
        reference.standard_gamma(50.0 * votes[votes > 0] / votes.sum(-1, keepdims=True).repeat(4, -1)[votes > 0])
    else:
        reference.standard_normal(int((votes > 0).sum()))
    assert following == reference.random()


# ------------------------------------------------------- bad input, named (both backends)

BACKENDS = ["numpy"] + (["numba"] if HAS_NUMBA else [])


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize(
    "call, message",
    [
        # Clipped to 0 before: [[-1, 2, 2]] rounded to [[0, 1, 2]].
        (lambda: round_to_total([[-1.0, 2.0, 2.0]], [3]), r"^real: expected non-negative values, found -1.0 at index \(0, 0\)"),
        # Truncated before: a total of 3.7 gave 3 units.
        (lambda: round_to_total([[1.5, 1.5, 0.7]], [3.7]), r"^total: expected whole numbers below 2\*\*53, found 3.7 at index \(0,\)"),
        (lambda: round_to_total([[1.5, 1.5]], [np.nan]), r"^total: expected whole numbers below 2\*\*53, found nan"),
        (lambda: round_to_total([[1.0, 2.0]], [2**70]), r"^total: vote counts must be below 2\*\*63"),
        (lambda: round_to_total([[1.5, 1.5], [1.0, 2.0]], [3, 3, 3]), r"^total: shape \(3,\) does not broadcast against the rows of real, \(2,\)"),
        # A NaN weight made a placeholder row: the total of 10 was dropped.
        (lambda: round_shares([10], [[np.nan, 1.0]]), r"^weights: expected finite values, found nan at index \(0, 0\)"),
        (lambda: round_shares([10], [[-1.0, 1.0, 1.0]]), r"^weights: expected non-negative values, found -1.0"),
        (lambda: round_shares(10.7, [[1.0, 1.0]]), r"^total: expected whole numbers below 2\*\*53, found 10.7 at index \(0,\)"),
        (lambda: round_shares([10, 20, 30], [[1.0, 1.0], [1.0, 2.0]]), r"^total: shape \(3,\) does not broadcast against the rows of weights, \(2,\)"),
    ],
)
def test_bad_input_is_named(call, message, backend_name):
    with use_backend(backend_name), pytest.raises(ValueError, match=message):
        call()


@needs_numba
def test_floors_past_int64_are_refused_on_both_backends():
    """The kernel's int64 sum of the floors wrapped around: it returned rows summing
    past 2**63 - 1 (4e18 three times for a total of 2**63 - 1) where NumPy refused."""
    assert isinstance(_assert_same(round_to_total, [[4e18, 4e18, 4e18]], [2**63 - 1]), str)
    assert isinstance(_assert_same(round_shares, 2**63 - 1, [[1.0, 1.0]]), str)
    assert _assert_same(round_shares, 2**62, [[1.0, 1.0]]).tolist() == [[2**61, 2**61]]
    # The kernels that round as they go (a swing, the Dirichlet noise) share the check.
    assert isinstance(_assert_same(models.uniform_swing, [[2**62, 2**62 - 5, 1]], [[1, 2, 4]], 0, 1), str)
    assert isinstance(_assert_same(models.dirichlet_noise, [[2**62, 2**62 - 5]], 100.0, rng=1), str)
