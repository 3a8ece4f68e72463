"""The numba twins of the vote models give the NumPy code's arrays, bit for bit.

:mod:`malivote._models_numba` runs :func:`malivote.models.merge_lists`, the swings'
resharing and :func:`malivote.rosters.apply_sex_rule` in one pass over the rows; the
NumPy code is the reference. The inputs are small random elections with many ties
(equal weights, empty slots, joint lists, short and empty rosters).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from both_backends import on_both_backends

from malivote import models
from malivote.rosters import apply_sex_rule
from malivote.rules._backend import use_backend

pytestmark = pytest.mark.skipif(importlib.util.find_spec("numba") is None, reason="numba is not installed")

SEEDS = range(12)


def _assert_identical(expected, found):
    assert found.dtype == expected.dtype
    assert found.shape == expected.shape
    np.testing.assert_array_equal(found, expected)


def _election(seed, shape=(6, 9, 8), places=5, n_parties=6):
    """Votes from few values (ties for the largest list), party masks with joint and
    empty lists, and rosters of the lists' parties of every length."""
    rng = np.random.default_rng(seed)
    votes = rng.integers(0, 4, size=shape) * rng.integers(1, 50, size=shape[:-1] + (1,))
    members = np.where(rng.random(shape) < 0.2, 0, 1 << rng.integers(0, n_parties, size=shape))
    joint = rng.random(shape) < 0.3
    members = np.where(joint & (members != 0), members | (1 << rng.integers(0, n_parties, size=shape)), members)
    votes = np.where(members == 0, 0, votes)
    length = rng.integers(0, places + 1, size=shape)
    party = np.where(np.arange(places) < length[..., None], rng.integers(0, n_parties, size=shape + (places,)), -1)
    female = rng.random(shape + (places,)) < 0.4
    return votes, members, party.astype(np.int16), female


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("excluding", [False, True])
def test_merge_lists_backends_are_identical(seed, excluding):
    votes, members, party, female = _election(seed)
    rng = np.random.default_rng(100 + seed)
    alliance = sorted(rng.choice(6, size=int(rng.integers(1, 4)), replace=False).tolist())
    outputs = on_both_backends(models.merge_lists, votes, members, alliance, roster_party=party, roster_female=female,
                    excluding=excluding)
    for expected, found in zip(*outputs):
        _assert_identical(expected, found)
    merged = outputs[0]
    assert (merged.votes != votes).any()  # the cases merge lists
    # Round 2 by the round-1 slots, without rosters.
    second = np.where(votes > 0, rng.integers(0, 3, size=votes.shape), 0)
    outputs = on_both_backends(models.merge_lists, second, members, alliance, excluding=excluding, weights=votes)
    for expected, found in zip(*outputs):
        assert (expected is None) == (found is None)
        if expected is not None:
            _assert_identical(expected, found)
    np.testing.assert_array_equal(party, _election(seed)[2])  # the inputs are not written to


def test_merge_lists_broadcast_members_and_one_row():
    votes = np.array([[300, 500, 200, 500], [0, 10, 10, 0]])
    members = np.array([1, 2, 4, 1])
    for parties in ([0, 2], [0], [1, 2]):
        outputs = on_both_backends(models.merge_lists, votes, members, parties)
        for expected, found in zip(*outputs[:2]):
            if expected is not None:
                _assert_identical(expected, found)
    outputs = on_both_backends(models.merge_lists, votes[0], members, [0, 2])
    _assert_identical(outputs[0].votes, outputs[1].votes)
    np.testing.assert_array_equal(outputs[1].votes, [0, 500, 0, 1000])  # the largest partner, last


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("rule", ["thirty_percent", "zipper"])
def test_sex_rule_backends_are_identical(seed, rule):
    _, _, party, female = _election(seed, places=9)
    expected, found = on_both_backends(apply_sex_rule, party, female, rule, seed)
    _assert_identical(expected, found)


def test_sex_rule_draws_one_number_per_list():
    _, _, party, female = _election(0)
    for name in ("numpy", "numba"):
        rng = np.random.default_rng(7)
        with use_backend(name):
            apply_sex_rule(party, female, "zipper", rng)
        follow = np.random.default_rng(7)
        follow.random(party.shape[:-1])
        assert rng.random() == follow.random()


@pytest.mark.parametrize("seed", SEEDS)
def test_swings_backends_are_identical(seed):
    votes, members, _, _ = _election(seed, shape=(5, 11, 7))
    rng = np.random.default_rng(200 + seed)
    points = rng.uniform(-30, 30, size=(5, 1))
    region = rng.random(11) < 0.7
    cases = [
        (models.uniform_swing, (votes, members, 0, 5.0), {}),
        (models.uniform_swing, (votes, members, [1, 2], points), {"region": region}),
        (models.uniform_swing, (votes, members, 3, -80.0), {}),  # clipped at 0
        (models.proportional_swing, (votes, members, 1, 1.7), {}),
        (models.proportional_swing, (votes, members, 2, 0.3), {"mode": "votes"}),
    ]
    for function, args, kwargs in cases:
        expected, found = on_both_backends(function, *args, **kwargs)
        _assert_identical(expected, found)
        np.testing.assert_array_equal(found.sum(axis=-1), votes.sum(axis=-1))


def test_merge_lists_unsigned_rosters():
    votes, members, party, female = _election(3)
    party = np.where(party < 0, 9, party).astype(np.uint16)
    outputs = on_both_backends(models.merge_lists, votes, members, [0, 1], roster_party=party, roster_female=female)
    for expected, found in zip(*outputs):
        _assert_identical(expected, found)
