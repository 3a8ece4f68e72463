"""Tests of malivote.metrics: hand computations, a published index, properties, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from malivote import metrics
from malivote.election import credit_seats
from malivote.rules import two_round

# New Zealand 2005, party vote (%) and seats of 121, from the worked example of the
# English Wikipedia article "Gallagher index" (2009 revision; copied on the article
# "Electoral system of New Zealand"), which prints the index as 1.11. The parties
# without a seat are listed one by one, as there.
NZ2005_VOTES = [41.10, 39.10, 5.72, 5.30, 2.12, 2.67, 1.51, 1.16, 0.62, 0.25, 0.12, 0.07,
                0.05, 0.05, 0.04, 0.03, 0.03, 0.02, 0.02]
NZ2005_SEATS = [50, 48, 7, 6, 4, 3, 2, 1] + [0] * 11


# ------------------------------------------------------------------ disproportionality


def test_gallagher_by_hand():
    # sqrt(((50-60)^2 + 0 + (20-10)^2) / 2) = sqrt(100) = 10.
    assert metrics.gallagher([50, 30, 20], [60, 30, 10]) == pytest.approx(10.0)
    # Counts and shares give the same index.
    assert metrics.gallagher([5000, 3000, 2000], [6, 3, 1]) == pytest.approx(10.0)
    # Two parties: the index is the seat bonus. sqrt((20^2 + 20^2) / 2) = 20.
    assert metrics.gallagher([0.6, 0.4], [0.8, 0.2]) == pytest.approx(20.0)
    # Winner takes all with 40/35/25: sqrt((60^2 + 35^2 + 25^2) / 2) = sqrt(2725).
    assert metrics.gallagher([40, 35, 25], [147, 0, 0]) == pytest.approx(math.sqrt(2725))


def test_gallagher_published_new_zealand_2005():
    # The published table's rows (differences 0.22, 0.57, 0.07, 0.34, 1.18, 0.19,
    # 0.14, 0.34 for the seat-holders, the whole vote share for the others) square to
    # 2.5329 (2.5336 as printed, which gives Direct Democracy's 0.03 a difference of
    # 0.04), not the 2.4711 printed as their total: the printed 1.11 is a slip in that
    # addition, and the rows give sqrt(2.5329 / 2) = 1.1254. We match the rows.
    rows = [0.22, 0.57, 0.07, 0.34, 1.18, 0.19, 0.14, 0.34] + NZ2005_VOTES[8:]
    assert sum(d * d for d in rows) == pytest.approx(2.5329)
    published_rows = math.sqrt(2.5329 / 2)
    printed_seat_pct = [41.32, 39.67, 5.79, 4.96, 3.30, 2.48, 1.65, 0.82] + [0] * 11
    for seats in (NZ2005_SEATS, printed_seat_pct):
        assert metrics.gallagher(NZ2005_VOTES, seats) == pytest.approx(published_rows, abs=2e-3)
    assert round(float(metrics.gallagher(NZ2005_VOTES, NZ2005_SEATS)), 2) == 1.13


def test_loosemore_hanby_by_hand():
    assert metrics.loosemore_hanby([50, 30, 20], [60, 30, 10]) == pytest.approx(10.0)
    # (60 + 35 + 25) / 2 = 60: the seats held beyond the vote shares.
    assert metrics.loosemore_hanby([40, 35, 25], [1, 0, 0]) == pytest.approx(60.0)
    # NZ 2005: half the sum of |vote% - seat%|. The seat-holders' differences are
    # 50/121 etc. minus the votes; the others lose their whole vote share.
    seat_pct = [100 * s / 121 for s in NZ2005_SEATS]
    votes_pct = [100 * v / sum(NZ2005_VOTES) for v in NZ2005_VOTES]
    by_hand = 0.5 * sum(abs(v - s) for v, s in zip(votes_pct, seat_pct))
    assert metrics.loosemore_hanby(NZ2005_VOTES, NZ2005_SEATS) == pytest.approx(by_hand)
    assert 2.0 < by_hand < 3.0


def test_indices_broadcast_over_draws():
    votes = np.array([[50, 30, 20], [60, 40, 0]])
    seats = np.array([[60, 30, 10], [60, 40, 0]])
    np.testing.assert_allclose(metrics.gallagher(votes, seats), [10.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(metrics.loosemore_hanby(votes, seats), [10.0, 0.0], atol=1e-12)
    # One vote vector against many seat draws.
    out = metrics.gallagher([50, 50], [[1, 1], [2, 0], [0, 2]])
    np.testing.assert_allclose(out, [0.0, 50.0, 50.0])


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.int64, st.tuples(st.integers(1, 4), st.integers(2, 8)),
               elements=st.integers(0, 1000)),
    st.data(),
)
def test_gallagher_below_loosemore_hanby(votes, data):
    votes[:, 0] += 1  # no zero rows
    seats = data.draw(hnp.arrays(np.int64, votes.shape, elements=st.integers(0, 20)))
    seats[:, -1] += 1
    lsq = metrics.gallagher(votes, seats)
    lh = metrics.loosemore_hanby(votes, seats)
    assert lsq.shape == lh.shape == (votes.shape[0],)
    assert np.all(lsq >= 0) and np.all(lsq <= lh + 1e-9) and np.all(lh <= 100 + 1e-9)
    np.testing.assert_allclose(metrics.gallagher(votes, votes), 0.0, atol=1e-9)


def test_zero_totals_raise():
    with pytest.raises(ValueError, match="votes: .*sums to zero"):
        metrics.gallagher([0, 0], [1, 1])
    with pytest.raises(ValueError, match="seats: .*sums to zero"):
        metrics.loosemore_hanby([1, 1], [[1, 1], [0, 0]])
    with pytest.raises(ValueError, match="counts: .*sums to zero"):
        metrics.effective_number_of_parties([0, 0, 0])
    with pytest.raises(ValueError, match="party_seats"):
        metrics.largest_party_share([0, 0])


def test_bad_input_raises():
    with pytest.raises(ValueError, match="votes: expected non-negative"):
        metrics.gallagher([-1, 2], [1, 1])
    with pytest.raises(ValueError, match="seats: expected finite"):
        metrics.gallagher([1, 2], [np.nan, 1])
    with pytest.raises(ValueError, match="seats: expected 2 parties"):
        metrics.gallagher([1, 2], [1, 1, 1])
    with pytest.raises(ValueError, match="votes: expected numbers"):
        metrics.gallagher([True, False], [1, 1])


# ------------------------------------------------------------------------ parties


def test_effective_number_of_parties_by_hand():
    assert metrics.effective_number_of_parties([0.5, 0.5]) == pytest.approx(2.0)
    assert metrics.effective_number_of_parties([1, 1, 1, 1]) == pytest.approx(4.0)
    assert metrics.effective_number_of_parties([10, 0, 0]) == pytest.approx(1.0)
    # 1 / (0.6^2 + 0.3^2 + 0.1^2) = 1 / 0.46.
    assert metrics.effective_number_of_parties([60, 30, 10]) == pytest.approx(1 / 0.46)
    # By seats, NZ 2005: 1 / sum((s/121)^2) = 121^2 / (2500 + 2304 + 49 + 36 + 16 + 9 + 4 + 1).
    assert sum(s * s for s in NZ2005_SEATS) == 4919
    assert metrics.effective_number_of_parties(NZ2005_SEATS) == pytest.approx(121**2 / 4919)


def test_largest_party_share_and_majority():
    np.testing.assert_allclose(metrics.largest_party_share([[51, 24, 72], [74, 73, 0]]),
                               [72 / 147, 74 / 147])
    assert metrics.majority_threshold(147) == metrics.MAJORITY == 74
    seats = np.array([[74, 73], [73, 74], [73, 73], [147, 0]])
    assert metrics.majority_probability(seats) == 0.75
    assert metrics.majority_probability(seats, party=1) == 0.25
    assert metrics.majority_probability(seats, majority=100) == 0.25
    with pytest.raises(ValueError, match="party_seats"):
        metrics.majority_probability([74, 73])
    with pytest.raises(ValueError, match="majority"):
        metrics.majority_probability(seats, majority=0)
    with pytest.raises(ValueError, match="party"):
        metrics.majority_probability(seats, party=2)
    with pytest.raises(ValueError, match="total_seats"):
        metrics.majority_threshold(0)


def test_runoffs():
    np.testing.assert_array_equal(metrics.runoffs([[1, 2, 2, 1], [2, 2, 2, 2]]), [2, 4])
    with pytest.raises(ValueError, match="round: expected 1 or 2"):
        metrics.runoffs([1, 3])


def test_wasted_votes_by_hand():
    votes = np.array([[[600, 400, 0], [300, 500, 200]],
                      [[600, 400, 0], [300, 500, 200]]])
    seats = np.array([[[2, 0, 0], [0, 3, 0]],
                      [[0, 2, 0], [3, 0, 0]]])
    # Draw 0: 400 + 300 + 200 = 900 of 2000. Draw 1: 600 + 500 + 200 = 1300.
    np.testing.assert_array_equal(metrics.wasted_votes(votes, seats, share=False), [900, 1300])
    np.testing.assert_allclose(metrics.wasted_votes(votes, seats), [0.45, 0.65])
    with pytest.raises(ValueError, match="votes: .*no votes"):
        metrics.wasted_votes(np.zeros((1, 2, 2), int), np.zeros((1, 2, 2), int))
    with pytest.raises(ValueError, match="seats: shape"):
        metrics.wasted_votes(votes, seats[..., :2])


def test_metrics_on_a_two_round_outcome():
    first = np.array([[[600, 300, 100], [400, 350, 250], [450, 450, 100]]])
    magnitude = np.array([2, 3, 1])
    outcome = two_round(first, magnitude, rng=0)
    np.testing.assert_array_equal(metrics.runoffs(outcome.round), [2])
    # District 0: slot 0 wins in round 1 (400 wasted). District 1: the leader wins the
    # runoff (350 + 250 wasted). District 2: one of the tied 450s wins (450 + 100).
    assert metrics.wasted_votes(first, outcome.seats, share=False)[0] == 400 + 600 + 550
    assert metrics.wasted_votes(first, outcome.seats)[0] == pytest.approx(1550 / 3000)


def test_women_elected_matches_credit_seats():
    rng = np.random.default_rng(5)
    seats = np.array([[[2, 0], [0, 3], [1, 0]], [[0, 2], [3, 0], [0, 1]]])
    roster_party = rng.integers(0, 3, size=(2, 3, 2, 3))
    female = rng.random((2, 3, 2, 3)) < 0.4
    _, women = credit_seats(seats, roster_party, female, 3)
    np.testing.assert_array_equal(metrics.women_elected(seats, female), women)
    np.testing.assert_allclose(metrics.women_elected(seats, female, share=True), women / 6)
    with pytest.raises(ValueError, match="seats: .*wins 4 seats"):
        metrics.women_elected(seats + 1, female)
    with pytest.raises(ValueError, match="roster_female: expected a boolean"):
        metrics.women_elected(seats, female.astype(int))


def test_party_votes_equal_and_roster():
    votes = np.array([[[600, 300, 0], [500, 400, 100]]])
    members = np.array([[[0b011, 0b100, 0], [0b001, 0b110, 0b010]]])
    equal = metrics.party_votes(votes, members, 3)
    np.testing.assert_allclose(equal, [[300 + 500, 300 + 200 + 100, 300 + 200]])
    assert equal.sum() == votes.sum()
    per = metrics.party_votes(votes, members, 3, per_constituency=True)
    assert per.shape == (1, 2, 3)
    np.testing.assert_allclose(per.sum(axis=-1), votes.sum(axis=-1))
    roster = np.array([[[[0, 0, 1], [2, 2, 2], [-1, -1, -1]],
                        [[0, 0, 0], [1, 2, 2], [1, 1, 1]]]])
    by_roster = metrics.party_votes(votes, members, 3, method="roster", roster_party=roster)
    np.testing.assert_allclose(by_roster, [[400 + 500, 200 + 400 / 3 + 100, 300 + 800 / 3]])
    assert by_roster.sum() == pytest.approx(votes.sum())


def test_party_votes_feed_gallagher():
    votes = np.array([[[600, 400], [300, 700]]])
    members = np.array([[[0b01, 0b10], [0b01, 0b10]]])
    party = metrics.party_votes(votes, members, 2)       # [[900, 1100]]
    seats = np.array([[2, 3]])
    # Votes 45/55 %, seats 40/60 %: the index is 5.
    assert metrics.gallagher(party, seats)[0] == pytest.approx(5.0)


def test_party_votes_errors():
    votes = np.array([[[10, 5]]])
    with pytest.raises(ValueError, match="members: .*has votes but no party"):
        metrics.party_votes(votes, [[[1, 0]]], 2)
    with pytest.raises(ValueError, match="members: the mask 4"):
        metrics.party_votes(votes, [[[1, 4]]], 2)
    with pytest.raises(ValueError, match="method"):
        metrics.party_votes(votes, [[[1, 2]]], 2, method="largest")
    with pytest.raises(ValueError, match="roster_party: required"):
        metrics.party_votes(votes, [[[1, 2]]], 2, method="roster")
    with pytest.raises(ValueError, match="n_parties"):
        metrics.party_votes(votes, [[[1, 2]]], 0)


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    shape=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 5)),
    n_parties=st.integers(1, 63),
)
def test_party_votes_equal_matches_a_plain_loop(data, shape, n_parties):
    """Every list's votes, split equally among its parties, list by list."""
    votes = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(0, 10**6)))
    members = data.draw(hnp.arrays(np.int64, shape, elements=st.integers(1, 2**n_parties - 1)))
    members[votes == 0] *= data.draw(st.integers(0, 1))  # empty slots with and without parties
    expected = np.zeros(shape[:-1] + (n_parties,))
    for index in np.ndindex(shape):
        parties = [p for p in range(n_parties) if int(members[index]) >> p & 1]
        for p in parties:
            expected[index[:-1] + (p,)] += votes[index] / len(parties)
    found = metrics.party_votes(votes, members, n_parties, per_constituency=True)
    np.testing.assert_allclose(found, expected, rtol=1e-12)
    np.testing.assert_allclose(metrics.party_votes(votes, members, n_parties), expected.sum(axis=-2), rtol=1e-12)


def test_summary_intervals_are_the_draws_order_statistics():
    """A run's metric intervals (tallied block by block, in constant memory) are the
    order statistics of the per-draw metrics of its kept draws, rounded to the digits
    shown."""
    from malivote.scenario import load_scenario
    from malivote.simulate import simulate
    from malivote.tally import METRIC_GRID

    run = simulate(load_scenario("mali_2013"), draws=230, seed=5, chunk_size=100)
    ensemble = run.ensemble
    votes = metrics.party_votes(ensemble.first, ensemble.members, len(run.parties))
    per_draw = {
        "gallagher": metrics.gallagher(votes, run.party_seats),
        "enp_votes": metrics.effective_number_of_parties(votes),
        "wasted_votes": metrics.wasted_votes(ensemble.first, run.seats),
        "runoffs": metrics.runoffs(run.round),
    }
    summary = run.summary()
    for name, values in per_draw.items():
        step, (low, _) = METRIC_GRID[name]
        interval = summary.metric_intervals[name]
        for q, found in ((0.05, interval.p05), (0.5, interval.median), (0.95, interval.p95)):
            exact = float(np.quantile(values, q, method="inverted_cdf"))
            assert found == pytest.approx(low + step * math.floor((exact - low) / step + 0.5), abs=1e-9), name
        assert summary.metrics[name] == pytest.approx(values.mean(), abs=1e-3)
    assert summary.metric_intervals["gallagher"].p05 < summary.metric_intervals["gallagher"].p95


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_block_party_votes_is_party_votes_bit_for_bit(backend):
    """The engine's fast path gives party_votes's float64 values exactly, with joint
    lists, a party on two lists of one constituency, and empty slots."""
    from malivote.metrics import block_party_votes
    from malivote.rules._backend import numba_available, use_backend

    if backend == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(7)
    with use_backend(backend):
        for _ in range(40):
            draws, constituencies, slots, n_parties = rng.integers(1, 12, size=4) + [0, 0, 0, 2]
            votes = rng.integers(0, 10 ** int(rng.integers(1, 13)), size=(draws, constituencies, slots))
            votes[rng.random(votes.shape) < 0.3] = 0
            members = np.zeros(votes.shape, dtype=np.int64)
            for _ in range(int(rng.integers(1, 5))):
                members |= np.int64(1) << rng.integers(0, n_parties, size=votes.shape)
            expected = metrics.party_votes(votes, members, int(n_parties))
            found = block_party_votes(votes, members, int(n_parties))
            assert found.dtype == np.float64
            assert np.array_equal(found.view(np.int64), expected.view(np.int64))
        # Bad input raises party_votes's own errors.
        with pytest.raises(ValueError, match="has votes but no party"):
            block_party_votes(np.array([[[5, 1]]]), np.array([[[1, 0]]]), 2)
        with pytest.raises(ValueError, match="names a party outside"):
            block_party_votes(np.array([[[5, 1]]]), np.array([[[1, 4]]]), 2)


def test_wasted_votes_refuses_a_draw_total_past_int64():
    """The int64 sums wrapped around: a share of -0.5 and a negative count."""
    votes = [[[2**62, 1], [2**62, 0]]]
    seats = [[[0, 1], [1, 0]]]
    for share in (True, False):
        with pytest.raises(ValueError, match=r"^votes: the votes of the row at index \(0,\) add up to 9223372036854775809"):
            metrics.wasted_votes(votes, seats, share=share)
    assert metrics.wasted_votes([[[2**61, 1], [2**61, 0]]], seats, share=False).tolist() == [2**61]


@pytest.mark.parametrize(
    "female",
    [
        [[[[True, False]], [[False, True]]]],  # 2 constituencies of 1 list, for 1 of 2 lists
        [[[[True, False], [False, False], [True, True]]]],  # 3 lists for 2
    ],
)
def test_women_elected_refuses_rosters_of_other_constituencies_or_lists(female):
    """The first was broadcast silently (1 woman counted), the second was NumPy's error."""
    with pytest.raises(ValueError, match=r"^roster_female: expected shape \(1, 1, 2\) \+ \(M,\)"):
        metrics.women_elected([[[1, 0]]], female)


def test_women_elected_rosters_broadcast_over_draws_only():
    female = [[[[True, False], [False, False]]]]
    assert metrics.women_elected([[[1, 0]], [[0, 1]]], female).tolist() == [1, 0]
    with pytest.raises(ValueError, match=r"^roster_female: shape \(3, 1, 2, 2\) does not broadcast against seats \(2, 1, 2\)"):
        metrics.women_elected([[[1, 0]], [[0, 1]]], female * 3)


def test_party_votes_names_unsigned_masks_as_given():
    members = np.array([[[1, 2**63]]], dtype=np.uint64)
    with pytest.raises(ValueError, match=r"^members: the mask 9223372036854775808 at index \(0, 0, 1\)"):
        metrics.party_votes([[[1, 2]]], members, 3)


def test_party_votes_refuses_roster_entries_below_minus_one():
    """-5 was read as "past the end of the roster"."""
    with pytest.raises(ValueError, match=r"^roster_party: expected party indices, or -1 past the end of the roster, found -5"):
        metrics.party_votes([[[1, 2]]], [[[1, 2]]], 3, method="roster", roster_party=[[[[0, -5], [1, -1]]]])


def test_shares_refuse_a_total_past_the_largest_float():
    """gallagher([1e308, 1e308], [1, 1]) was 50.0 (the shares were 0)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^votes: the row at index \(\) sums past the largest float64"):
            metrics.gallagher([1e308, 1e308], [1, 1])
        with pytest.raises(ValueError, match=r"^counts: the row at index \(1,\) sums past the largest float64"):
            metrics.effective_number_of_parties([[1, 1], [1e308, 1e308]])
