"""Tests of malivote.models: exact totals, stochastic transfers, hand-checked cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from malivote import models
from malivote.rounding import round_to_total
from malivote.rules import two_round

FAST = settings(max_examples=60, deadline=None)


@st.composite
def elections(draw, max_draws=3, max_constituencies=4, max_slots=6):
    """(votes (D, C, K), members (D, C, K)): 0 or more empty slots, parties 0..3."""
    shape = (draw(st.integers(1, max_draws)), draw(st.integers(1, max_constituencies)),
             draw(st.integers(1, max_slots)))
    votes = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, 5_000)))
    members = draw(hnp.arrays(np.int64, shape, elements=st.integers(1, 15)))
    return votes, np.where(votes > 0, members, 0)


def assert_same_totals(before, after):
    assert after.dtype == np.int64
    assert (after >= 0).all()
    np.testing.assert_array_equal(np.asarray(after).sum(axis=-1), np.broadcast_to(before, after.shape).sum(axis=-1))


# ------------------------------------------------------------------------- swings


@FAST
@given(elections(), st.integers(0, 3), st.floats(-100, 100))
def test_uniform_swing_preserves_totals(election, party, points):
    votes, members = election
    out = models.uniform_swing(votes, members, party, points)
    assert out.shape == votes.shape
    assert_same_totals(votes, out)
    assert ((votes == 0) <= (out == 0)).all()        # empty slots stay empty


@FAST
@given(elections(), st.integers(0, 3), st.floats(0, 20), st.sampled_from(["share", "votes"]))
def test_proportional_swing_preserves_totals(election, party, factor, mode):
    votes, members = election
    out = models.proportional_swing(votes, members, party, factor, mode=mode)
    assert_same_totals(votes, out)
    assert ((votes == 0) <= (out == 0)).all()


@FAST
@given(elections(), st.integers(0, 3), st.floats(-30, 30))
def test_uniform_swing_moves_the_share(election, party, points):
    votes, members = election
    out = models.uniform_swing(votes, members, party, points)
    group = (members >> party) & 1 == 1
    total = votes.sum(axis=-1)
    inside = np.where(group, votes, 0).sum(axis=-1)
    live = (inside > 0) & (inside < total)
    target = np.clip(inside / np.maximum(total, 1) + points / 100, 0, 1) * total
    new_inside = np.where(group, out, 0).sum(axis=-1)
    # Every slot is within one vote of its real-valued target.
    assert (np.abs(new_inside - target)[live] <= group.sum(axis=-1)[live] + 1e-6).all()
    np.testing.assert_array_equal(out[~live], votes[~live])


def test_swings_by_hand():
    votes = np.array([[500, 300, 200], [100, 600, 300]])
    members = np.array([[1, 2, 4], [1, 2, 4]])
    np.testing.assert_array_equal(models.uniform_swing(votes, members, 0, 0.0), votes)
    np.testing.assert_array_equal(models.proportional_swing(votes, members, 0, 1.0), votes)
    # Against party 1, 10 points: 300 -> 200 (row 0), the others gain 100 in 5:2.
    np.testing.assert_array_equal(models.uniform_swing(votes, members, 1, -10)[0], [571, 200, 229])
    # A bloc of parties 1 and 2 swings together.
    np.testing.assert_array_equal(models.uniform_swing(votes, members, [1, 2], 10)[0], [400, 360, 240])
    # Regional swing: the second constituency only.
    out = models.uniform_swing(votes, members, 0, 10, region=np.array([False, True]))
    np.testing.assert_array_equal(out, [[500, 300, 200], [200, 533, 267]])
    # Per-constituency points are the same thing.
    np.testing.assert_array_equal(models.uniform_swing(votes, members, 0, [0, 10]), out)
    # Joint lists: party 0 is on both lists of the first constituency -> no one to take from.
    joint = models.uniform_swing([[700, 300]], [[0b11, 0b01]], 0, 10)
    np.testing.assert_array_equal(joint, [[700, 300]])


def test_swing_per_draw_broadcasts():
    votes = np.array([[[500, 500]]])                        # (1, 1, 2)
    points = np.array([[-10.0], [0.0], [10.0]])             # (3, 1): three draws
    out = models.uniform_swing(votes, [[[1, 2]]], 0, points)
    np.testing.assert_array_equal(out[:, 0, 0], [400, 500, 600])


def test_swing_overflow():
    votes, members = [[900, 100]], [[1, 2]]
    np.testing.assert_array_equal(models.uniform_swing(votes, members, 0, 20), [[1000, 0]])
    with pytest.raises(ValueError, match="overflow"):
        models.uniform_swing(votes, members, 0, 20, overflow="raise")
    with pytest.raises(ValueError, match="overflow"):
        models.proportional_swing(votes, members, 0, 1.5, overflow="raise")
    # The "votes" mode never overflows: odds 9 * 1.5 = 13.5 -> 931.
    np.testing.assert_array_equal(models.proportional_swing(votes, members, 0, 1.5, mode="votes"), [[931, 69]])


def test_swing_validation():
    with pytest.raises(ValueError, match="points"):
        models.uniform_swing([[1, 2]], [[1, 2]], 0, np.nan)
    with pytest.raises(ValueError, match="factor"):
        models.proportional_swing([[1, 2]], [[1, 2]], 0, -1)
    with pytest.raises(ValueError, match="party"):
        models.uniform_swing([[1, 2]], [[1, 2]], 70, 1)
    with pytest.raises(ValueError, match="votes"):
        models.uniform_swing([[1, -2]], [[1, 2]], 0, 1)
    with pytest.raises(ValueError, match="region"):
        models.uniform_swing([[1, 2]], [[1, 2]], 0, 1, region=[1])
    with pytest.raises(ValueError, match="mode"):
        models.proportional_swing([[1, 2]], [[1, 2]], 0, 1, mode="odds")


# -------------------------------------------------------------------------- noise


@FAST
@given(elections(), st.floats(0.01, 1e5), st.integers(0, 2**32 - 1))
def test_dirichlet_noise_preserves_totals(election, concentration, seed):
    votes, _ = election
    out = models.dirichlet_noise(votes, concentration, rng=seed)
    assert_same_totals(votes, out)
    assert ((votes == 0) <= (out == 0)).all()


@FAST
@given(elections(), st.floats(0, 50), st.integers(0, 2**32 - 1))
def test_logit_normal_noise_preserves_totals(election, sigma, seed):
    votes, _ = election
    out = models.logit_normal_noise(votes, sigma, rng=seed)
    assert_same_totals(votes, out)
    assert ((votes == 0) <= (out == 0)).all()


def test_dirichlet_noise_mean_and_variance():
    votes = np.array([[6000, 3000, 1000, 0]])
    out = models.dirichlet_noise(votes, 100.0, rng=7, draws=4000)
    assert out.shape == (4000, 1, 4)
    shares = out[:, 0] / 10_000
    np.testing.assert_allclose(shares.mean(axis=0), [0.6, 0.3, 0.1, 0.0], atol=0.005)
    p = np.array([0.6, 0.3, 0.1])
    np.testing.assert_allclose(shares[:, :3].var(axis=0), p * (1 - p) / 101, rtol=0.1)


def test_noise_is_seeded_and_vectorised():
    votes = np.array([[600, 300, 100], [50, 25, 25]])
    a = models.dirichlet_noise(votes, [50.0, 500.0], rng=3, draws=5)
    b = models.dirichlet_noise(votes, [50.0, 500.0], rng=3, draws=5)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (5, 2, 3)
    np.testing.assert_array_equal(models.logit_normal_noise(votes, 0.0, rng=1), votes)
    assert not np.array_equal(models.logit_normal_noise(votes, 0.5, rng=1, draws=3)[0],
                              models.logit_normal_noise(votes, 0.5, rng=2, draws=3)[0])
    # A tiny concentration puts (almost) every row on one list.
    winner = models.dirichlet_noise(np.array([500, 500]), 1e-12, rng=0, draws=200)
    assert ((winner == 1000).sum(axis=-1) == 1).all()
    with pytest.raises(ValueError, match="concentration"):
        models.dirichlet_noise(votes, 0.0)
    with pytest.raises(ValueError, match="sigma"):
        models.logit_normal_noise(votes, -1.0)
    with pytest.raises(ValueError, match="draws"):
        models.logit_normal_noise(votes, 1.0, draws=0)


# ------------------------------------------------------------------------ turnout


@FAST
@given(elections(), st.integers(0, 10**6), st.floats(0, 1), st.floats(0, 0.5))
def test_turnout_exact_totals(election, registered, rate, invalid):
    votes, _ = election
    votes = votes.copy()
    votes[..., 0] += 1
    result = models.turnout(votes, registered, rate, invalid=invalid)
    table = result.table
    np.testing.assert_array_equal(result.votes.sum(axis=-1), table[..., 3])
    np.testing.assert_array_equal(table[..., 1], table[..., 2] + table[..., 3])
    assert (table[..., 1] <= table[..., 0]).all() and (result.votes >= 0).all()


def test_turnout_per_district_and_round():
    votes = np.array([[[600, 300, 100], [100, 100, 0]]])           # (1, 2, 3)
    registered = np.array([10_000, 4_000])
    rates = models.draw_turnout([[0.35, 0.40]], 300.0, rng=0, size=(3, 2))
    result = models.turnout(votes, registered, rates)
    assert result.votes.shape == (3, 2, 3) and result.table.shape == (3, 2, 4)
    np.testing.assert_array_equal(result.table[..., 1], np.floor(rates * registered + 0.5))
    with pytest.raises(ValueError, match="votes: constituency"):
        models.turnout([[0, 0]], 100, 0.5)
    with pytest.raises(ValueError, match="rate"):
        models.turnout([[1, 1]], 100, 1.5)
    with pytest.raises(ValueError, match="mean"):
        models.draw_turnout(1.0, 10.0)


# ------------------------------------------------------------------------ runoffs


@FAST
@given(st.integers(1, 6), st.floats(0.01, 1e4), st.integers(0, 2**32 - 1))
def test_drawn_transfer_matrices_are_stochastic(n_parties, concentration, seed):
    rng = np.random.default_rng(seed)
    mean = rng.dirichlet(np.ones(3), size=n_parties)
    mean[0] = [0.0, 0.0, 1.0]
    matrices = models.draw_transfer_matrix(mean, concentration, rng=seed, size=(4,))
    assert matrices.shape == (4, n_parties, 3)
    assert (matrices >= 0).all()
    np.testing.assert_allclose(matrices.sum(axis=-1), 1.0, atol=1e-12)
    models.validate_transfer_matrix(matrices)
    np.testing.assert_array_equal(matrices[:, 0], [[0, 0, 1]] * 4)


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[0.5, 0.5, 0.1]], "sums to 1.1"),
        ([[0.5, 0.6, -0.1]], "negative"),
        ([[0.5, 0.5]], "shape"),
        ([0.5, 0.5, 0.0], "shape"),
        ([[np.nan, 0.5, 0.5]], "not finite"),
        ([["a", "b", "c"]], "numbers"),
    ],
)
def test_bad_transfer_matrices_raise(matrix, message):
    with pytest.raises(ValueError, match=f"matrix: .*{message}"):
        models.validate_transfer_matrix(matrix)
    with pytest.raises(ValueError, match="matrix"):
        models.transfer_runoff([[10, 5, 1]], [[0, 1]], [[1, 2, 4]], matrix)


def test_transfer_matrix_needs_a_row_per_party():
    with pytest.raises(ValueError, match="matrix: has 2 rows"):
        models.transfer_runoff([[10, 5, 1]], [[0, 1]], [[1, 2, 4]], [[1, 0, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="at least 3 rows"):
        models.validate_transfer_matrix([[1, 0, 0]], n_parties=3)


@FAST
@given(elections(), st.sampled_from(["expected", "multinomial"]), st.floats(0, 1),
       st.integers(0, 2**32 - 1))
def test_transfer_runoff_conserves_voters(election, method, retention, seed):
    votes, members = election
    rng = np.random.default_rng(seed)
    draws, constituencies, slots = votes.shape
    if slots < 2:
        return
    order = np.argsort(-votes, axis=-1, kind="stable")
    finalists = order[..., :2].copy()
    decided = rng.random((draws, constituencies)) < 0.3
    finalists[..., 1] = np.where(decided, -1, finalists[..., 1])
    matrix = rng.dirichlet(np.ones(3), size=4)
    out = models.transfer_runoff(votes, finalists, members, matrix, retention=retention,
                                 method=method, rng=seed)
    second, abstained = out
    assert (second >= 0).all() and (abstained >= 0).all()
    runoff = finalists[..., 1] >= 0
    np.testing.assert_array_equal((second.sum(axis=-1) + abstained)[runoff], votes.sum(axis=-1)[runoff])
    assert (second[~runoff] == 0).all() and (abstained[~runoff] == 0).all()
    is_finalist = np.zeros(votes.shape, bool)
    np.put_along_axis(is_finalist, np.maximum(finalists, 0), True, axis=-1)
    assert (second[~is_finalist] == 0).all()


def test_transfer_runoff_by_hand():
    first = np.array([[400, 350, 150, 100]])
    members = np.array([[1, 2, 4, 0b1100]])                 # the last list joins 2 and 3
    matrix = np.array([[1, 0, 0], [0, 1, 0], [0.6, 0.2, 0.2], [0.0, 0.6, 0.4]])
    out = models.transfer_runoff(first, [[0, 1]], members, matrix)
    # 150 -> 90/30/30; the joint list uses the mean row [0.3, 0.4, 0.3] -> 30/40/30.
    np.testing.assert_array_equal(out.second, [[520, 420, 0, 0]])
    np.testing.assert_array_equal(out.abstained, [60])
    # Finalists keep 90% of their voters; the rest abstain.
    out = models.transfer_runoff(first, [[1, 0]], members, matrix, retention=0.9)
    np.testing.assert_array_equal(out.second, [[360 + 30 + 40, 315 + 90 + 30, 0, 0]])
    np.testing.assert_array_equal(out.abstained, [40 + 35 + 60])


def test_transfer_runoff_multinomial_mean_and_per_draw_matrices():
    first = np.broadcast_to(np.array([[400, 350, 250]]), (2000, 1, 3))
    finalists = np.broadcast_to(np.array([[0, 1]]), (2000, 1, 2))
    members = np.broadcast_to(np.array([[1, 2, 4]]), (2000, 1, 3))
    matrix = [[1, 0, 0], [0, 1, 0], [0.5, 0.3, 0.2]]
    out = models.transfer_runoff(first, finalists, members, matrix, method="multinomial", rng=4)
    np.testing.assert_allclose(out.second[:, 0, :2].mean(axis=0), [525, 425], atol=2)
    # One matrix per draw, shape (D, 1, R, 3).
    per_draw = models.draw_transfer_matrix(matrix, 20.0, rng=0, size=2000)[:, None]
    out = models.transfer_runoff(first, finalists, members, per_draw)
    np.testing.assert_allclose(out.second[:, 0, 0] - 400, np.round(250 * per_draw[:, 0, 2, 0]), atol=1)


def test_transfer_runoff_feeds_two_round():
    first = np.array([[[400, 350, 250], [700, 200, 100]]])
    magnitude = np.array([3, 2])
    outcome = two_round(first, magnitude, rng=0)
    members = np.array([[[1, 2, 4], [1, 2, 4]]])
    # Party 2's voters all back the runner-up, who wins the runoff.
    matrix = [[1, 0, 0], [0, 1, 0], [0, 1, 0]]
    second = models.transfer_runoff(first, outcome.finalists, members, matrix).second
    np.testing.assert_array_equal(second, [[[400, 600, 0], [0, 0, 0]]])
    final = two_round(first, magnitude, second, rng=0)
    np.testing.assert_array_equal(final.winner, [[1, 0]])


def test_transfer_runoff_validation():
    with pytest.raises(ValueError, match="finalists"):
        models.transfer_runoff([[10, 5, 1]], [[0, 0]], [[1, 2, 4]], [[1, 0, 0]] * 3)
    with pytest.raises(ValueError, match="finalists"):
        models.transfer_runoff([[10, 5, 1]], [[0, 3]], [[1, 2, 4]], [[1, 0, 0]] * 3)
    with pytest.raises(ValueError, match="members: .*no party"):
        models.transfer_runoff([[10, 5, 1]], [[0, 1]], [[1, 2, 0]], [[1, 0, 0]] * 3)
    with pytest.raises(ValueError, match="retention"):
        models.transfer_runoff([[10, 5, 1]], [[0, 1]], [[1, 2, 4]], [[1, 0, 0]] * 3, retention=2)
    with pytest.raises(ValueError, match="method"):
        models.transfer_runoff([[10, 5, 1]], [[0, 1]], [[1, 2, 4]], [[1, 0, 0]] * 3, method="mean")


# ------------------------------------------------------------------- merges/splits


@FAST
@given(elections(), st.lists(st.integers(0, 3), min_size=1, max_size=3))
def test_merge_preserves_totals(election, parties):
    votes, members = election
    out = models.merge_lists(votes, members, parties)
    assert_same_totals(votes, out.votes)
    mask = models.party_mask(parties)
    # At most one list per constituency still holds a party of the alliance.
    assert (((out.members & mask) != 0).sum(axis=-1) <= 1).all()
    # No party disappears from a constituency.
    np.testing.assert_array_equal(np.bitwise_or.reduce(out.members, axis=-1),
                                  np.bitwise_or.reduce(members, axis=-1))


def test_merge_by_hand_with_rosters():
    votes = np.array([[300, 500, 200, 0]])
    members = np.array([[0b001, 0b010, 0b100, 0]])
    roster = np.array([[[0, 0], [1, 1], [2, 2], [-1, -1]]])
    female = np.array([[[True, False], [False, True], [True, True], [False, False]]])
    out = models.merge_lists(votes, members, [0, 2], roster_party=roster, roster_female=female)
    np.testing.assert_array_equal(out.votes, [[500, 500, 0, 0]])
    np.testing.assert_array_equal(out.members, [[0b101, 0b010, 0, 0]])
    np.testing.assert_array_equal(out.roster_party[0, 2], [-1, -1])
    np.testing.assert_array_equal(out.roster_party[0, 0], [0, 0])     # the largest partner heads it
    assert not out.roster_female[0, 2].any()
    # A single list of the alliance is left alone.
    alone = models.merge_lists(votes, members, [1])
    np.testing.assert_array_equal(alone.votes, votes)


@FAST
@given(elections(), st.integers(0, 3), st.floats(0, 1))
def test_split_preserves_totals(election, party, fraction):
    votes, members = election
    votes = np.concatenate([votes, np.zeros_like(votes)], axis=-1)      # room for new lists
    members = np.concatenate([members, np.zeros_like(members)], axis=-1)
    out = models.split_list(votes, members, party, fraction)
    assert_same_totals(votes, out.votes)
    bit = 1 << party
    # Afterwards the party is only ever alone on a list.
    assert (((out.members & bit) == 0) | (out.members == bit)).all()


def test_split_by_hand_with_rosters():
    votes = np.array([[900, 100, 0]])
    members = np.array([[0b011, 0b100, 0]])
    roster = np.array([[[0, 1, 0], [2, 2, 2], [-1, -1, -1]]])
    female = np.array([[[False, True, True], [False, False, False], [False, False, False]]])
    out = models.split_list(votes, members, 1, roster_party=roster, roster_female=female)
    # Party 1 holds 1 of 3 roster places, so a third of the votes follows it.
    np.testing.assert_array_equal(out.votes, [[600, 100, 300]])
    np.testing.assert_array_equal(out.members, [[0b001, 0b100, 0b010]])
    np.testing.assert_array_equal(out.roster_party[0, 2], [1, 1, 1])      # padded with unnamed candidates
    np.testing.assert_array_equal(out.roster_female[0, 2], [True, False, False])
    np.testing.assert_array_equal(out.roster_party[0, 0], [0, 0, 0])
    np.testing.assert_array_equal(out.roster_female[0, 0], [False, True, False])
    with pytest.raises(ValueError, match="empty slot"):
        models.split_list([[900, 100]], [[0b011, 0b100]], 1)
    with pytest.raises(ValueError, match="fraction"):
        models.split_list(votes, members, 1, 1.5)
    with pytest.raises(ValueError, match="one party"):
        models.split_list(votes, members, [0, 1])


# --- lognormal_votes -----------------------------------------------------------------


def test_lognormal_votes_keeps_empty_slots_and_shape():
    base = np.array([[600, 0, 400], [0, 0, 50]])
    draws = models.lognormal_votes(base, 0.2, 70, rng=3)
    assert draws.shape == (70, 2, 3) and draws.dtype == np.int32
    assert (draws[:, base == 0] == 0).all()
    assert (draws[:, base > 0] > 0).all()
    assert models.lognormal_votes(base, 0.2, 5, rng=3, dtype=np.int64).dtype == np.int64


def test_lognormal_votes_does_not_depend_on_workers_or_pieces(monkeypatch):
    base = np.array([[600, 0, 400, 7], [0, 90, 0, 50]])
    expected = models.lognormal_votes(base, 0.3, 1_000, rng=8, block=64)
    assert (models.lognormal_votes(base, 0.3, 1_000, rng=8, block=64, workers=2) == expected).all()
    monkeypatch.setattr(models, "LOGNORMAL_PIECE", 5)
    assert (models.lognormal_votes(base, 0.3, 1_000, rng=8, block=64) == expected).all()
    # Another seed, or another block size (other streams), gives other draws.
    assert (models.lognormal_votes(base, 0.3, 1_000, rng=9, block=64) != expected).any()
    assert (models.lognormal_votes(base, 0.3, 1_000, rng=8, block=100) != expected).any()
    # Without empty slots the draws go straight to the output.
    full = models.lognormal_votes([[600, 400]], 0.3, 300, rng=8, block=64)
    monkeypatch.setattr(models, "LOGNORMAL_PIECE", 7)
    assert (models.lognormal_votes([[600, 400]], 0.3, 300, rng=8, block=64, workers=2) == full).all()


def test_lognormal_votes_distribution():
    base = np.array([[1_000_000, 3_000_000]])
    sigma = 0.15
    draws = models.lognormal_votes(base, sigma, 40_000, rng=1)
    log_ratio = np.log(draws / base)
    # Mean 0 and standard deviation sigma, within 4 standard errors.
    standard_error = sigma / np.sqrt(40_000)
    assert np.abs(log_ratio.mean(axis=0)).max() < 4 * standard_error
    assert np.abs(log_ratio.std(axis=0) / sigma - 1).max() < 4 / np.sqrt(2 * 40_000)
    # Lists vary independently.
    assert abs(np.corrcoef(log_ratio[:, 0, 0], log_ratio[:, 0, 1])[0, 1]) < 0.03


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"votes": [600, 400]}, "votes: expected an array with at least 2"),
        ({"votes": [[[600, 400]]]}, "votes: expected shape"),
        ({"votes": [[600, -1]]}, "votes"),
        ({"sigma": -0.1}, "sigma"),
        ({"draws": 0}, "draws: expected a positive integer"),
        ({"draws": 2.5}, "draws: expected a positive integer"),
        ({"block": 0}, "block: expected a positive integer"),
        ({"workers": True}, "workers: expected a positive integer"),
        ({"dtype": np.float32}, "dtype: expected an integer dtype"),
        ({"dtype": np.int16, "votes": [[30_000, 1]]}, "dtype: int16 is too small"),
    ],
)
def test_lognormal_votes_validation(kwargs, message):
    arguments = {"votes": [[600, 400]], "sigma": 0.1, "draws": 10} | kwargs
    with pytest.raises(ValueError, match=message):
        models.lognormal_votes(arguments.pop("votes"), arguments.pop("sigma"), arguments.pop("draws"), **arguments)


@pytest.mark.parametrize("sigma", [1e100, 1e300, 1e308, np.finfo(float).max])
def test_logit_normal_noise_takes_huge_sigma_cleanly(sigma):
    # sigma * shock used to overflow to infinity and the shares to NaN (issue 15): the
    # limit is that the list with the largest shock takes its row, totals kept.
    votes = np.array([[600, 300, 100, 0], [5, 0, 0, 0], [0, 0, 0, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = models.logit_normal_noise(votes, sigma, rng=3, draws=50)
    np.testing.assert_array_equal(out.sum(axis=-1), np.broadcast_to(votes.sum(axis=-1), (50, 3)))
    assert ((out > 0).sum(axis=-1)[:, 0] == 1).all() and (out[..., 3] == 0).all()
    assert (out[:, 1] == [5, 0, 0, 0]).all() and (out[:, 2] == 0).all()
    # Every list that stands can be the one: the shocks, not the votes, decide.
    assert set(np.argmax(out[:, 0], axis=-1).tolist()) == {0, 1, 2}


def test_logit_normal_noise_is_unchanged_for_ordinary_sigma():
    votes = np.array([[600, 300, 100, 0]])
    rng = np.random.default_rng(7)
    shock = rng.standard_normal((1, 4))
    logits = np.log(np.maximum(votes, 1)) + 0.3 * shock
    weight = np.where(votes > 0, np.exp(logits - logits[:, :3].max()), 0.0)
    expected = round_to_total(weight / weight.sum() * 1000, [1000])
    np.testing.assert_array_equal(models.logit_normal_noise(votes, 0.3, rng=7), expected)


def test_merge_lists_places_round_2_by_round_1_weights():
    # Round 2 merged on its own would put the alliance where its largest round-2 list
    # is; with the round-1 votes as weights it stays in the round-1 slot.
    members = [[0b001, 0b011]]
    first = models.merge_lists([[2, 3]], members, [0])
    second = models.merge_lists([[4, 1]], members, [0], weights=[[2, 3]])
    assert first.votes.tolist() == [[0, 5]] and second.votes.tolist() == [[0, 5]]
    assert models.merge_lists([[4, 1]], members, [0]).votes.tolist() == [[5, 0]]
    with pytest.raises(ValueError, match="weights: expected the shape"):
        models.merge_lists([[4, 1]], members, [0], weights=[[1, 2, 3]])


@pytest.mark.parametrize("method", ["expected", "multinomial"])
@pytest.mark.parametrize("n_parties", [5, 62])
def test_transfer_runoff_shared_matrix_matches_per_row_matrices(method, n_parties):
    # One (P, 3) matrix takes a table of the distinct party masks; the same matrix
    # given per constituency takes the per-party loop. Same sums, same results.
    rng = np.random.default_rng(7)
    draws, constituencies, slots = 40, 9, 8
    first = rng.integers(0, 5000, size=(draws, constituencies, slots))
    first[rng.random(first.shape) < 0.2] = 0
    parties = rng.integers(0, n_parties, size=first.shape)
    members = np.left_shift(1, parties).astype(np.int64)
    joint = rng.random(first.shape) < 0.25
    members[joint] |= np.left_shift(1, rng.integers(0, n_parties, size=int(joint.sum())))
    members[joint & (rng.random(first.shape) < 0.4)] |= 1 << (n_parties - 1)
    finalists = np.argsort(-first, axis=-1, kind="stable")[..., :2]
    finalists[rng.random(finalists.shape[:-1]) < 0.3, 1] = -1  # decided in round 1
    matrix = rng.dirichlet(np.ones(3), size=n_parties)
    per_row = np.broadcast_to(matrix, (constituencies, n_parties, 3))
    shared = models.transfer_runoff(first, finalists, members, matrix, retention=0.9, method=method, rng=3)
    looped = models.transfer_runoff(first, finalists, members, per_row, retention=0.9, method=method, rng=3)
    np.testing.assert_array_equal(shared.second, looped.second)
    np.testing.assert_array_equal(shared.abstained, looped.abstained)


# --- bad input, named (an audit of the public functions) -------------------------------

VOTES = np.array([[[600, 300, 100], [200, 500, 300]]])
MEMBERS = np.array([[[1, 2, 4], [1, 2, 4]]])
RNG_MESSAGE = r"^rng: expected None, a non-negative integer, a SeedSequence, a BitGenerator or a Generator, found "


@pytest.mark.parametrize("rng", [-1, "x", 1.5])
@pytest.mark.parametrize(
    "call",
    [
        lambda rng: models.dirichlet_noise(VOTES, 100.0, rng=rng),
        lambda rng: models.logit_normal_noise(VOTES, 0.1, rng=rng),
        lambda rng: models.draw_turnout(0.5, 10.0, rng=rng, size=3),
        lambda rng: models.draw_transfer_matrix([[0.5, 0.3, 0.2]], 10.0, rng=rng),
    ],
)
def test_bad_rng_names_rng(call, rng):
    """NumPy's own messages before: "expected non-negative integer", a TypeError for 'x'."""
    with pytest.raises(ValueError, match=RNG_MESSAGE):
        call(rng)


def test_transfer_runoff_bad_rng_names_rng():
    first = np.array([[[500, 300, 200]]])
    finalists = np.array([[[0, 1]]])
    members = np.array([[[1, 2, 4]]])
    matrix = np.full((3, 3), 1 / 3)
    with pytest.raises(ValueError, match=RNG_MESSAGE):
        models.transfer_runoff(first, finalists, members, matrix, method="multinomial", rng=-1)


@pytest.mark.parametrize(
    "region, message",
    [
        ([2, 0], r"^region: expected a boolean mask of constituencies, found dtype int64"),
        ([True, False, True], r"^region: shape \(3,\) does not broadcast against the constituencies of votes, \(1, 2\)"),
    ],
)
def test_pairwise_swing_checks_region_as_the_other_swings(region, message):
    """region=[2, 0] was read as [True, False]; a wrong shape gave NumPy's message."""
    with pytest.raises(ValueError, match=message):
        models.pairwise_swing(VOTES, MEMBERS, 0, 1, 5, region=region)
    with pytest.raises(ValueError, match=message):
        models.uniform_swing(VOTES, MEMBERS, 0, 5, region=region)


def test_turnout_refuses_registered_voters_past_float_precision():
    """registered=2**63 - 1 with rate 1.0 cast back to int64 as -2**63 votes cast."""
    with pytest.raises(ValueError, match=r"^registered: expected fewer than 2\*\*53 registered voters"):
        models.turnout(VOTES, 2**63 - 1, 1.0)
    assert models.turnout(VOTES, 2**40, 0.5).table[0, 0, 1] == 2**39


def test_draw_turnout_names_a_bad_size():
    with pytest.raises(ValueError, match=r"^size: expected a shape that mean \(\) and concentration \(\) broadcast to, found -1"):
        models.draw_turnout(0.5, 10.0, rng=0, size=-1)
    with pytest.raises(ValueError, match=r"^size: .* found 3"):
        models.draw_turnout([0.3, 0.5], 10.0, rng=0, size=3)


@pytest.mark.parametrize(
    "call",
    [
        lambda votes: models.uniform_swing(votes, [[1, 2]], 0, 1),
        lambda votes: models.pairwise_swing(votes, [[1, 2]], 0, 1, 1),
        lambda votes: models.dirichlet_noise(votes, 100.0, rng=0),
        lambda votes: models.turnout(votes, 100, 0.5),
    ],
)
def test_row_totals_past_int64_are_refused(call):
    """The int64 row totals wrapped around (a negative total, then the rounding's error)."""
    with pytest.raises(ValueError, match=r"^votes: the votes of the row at index \(0,\) add up to 9223372036854775809"):
        call([[2**62 + 1, 2**62]])
