"""Bad input raises ``ValueError`` naming the argument; nothing is silently misallocated."""

from __future__ import annotations

import numpy as np
import pytest

import reference
from malivote.rules import (
    DIVISOR_METHODS,
    QUOTAS,
    block_vote,
    divisor,
    largest_remainder,
    plurality,
    two_round,
)

GOOD_FIRST = np.array([[40, 35, 25], [70, 20, 10]])
GOOD_MAGNITUDE = np.array([2, 1])


def _bad_vote_values():
    """(label, array) pairs of invalid vote arrays of shape (2, 3)."""
    negative = GOOD_FIRST.copy()
    negative[0, 1] = -5
    fractional = GOOD_FIRST.astype(float)
    fractional[1, 2] = 10.5
    nan = GOOD_FIRST.astype(float)
    nan[0, 0] = np.nan
    inf = GOOD_FIRST.astype(float)
    inf[0, 0] = np.inf
    boolean = GOOD_FIRST > 30
    strings = GOOD_FIRST.astype(str)
    return [
        ("negative", negative),
        ("fractional", fractional),
        ("nan", nan),
        ("inf", inf),
        ("bool", boolean),
        ("str", strings),
    ]


BAD_VOTES = _bad_vote_values()
BAD_IDS = [label for label, _ in BAD_VOTES]


# ------------------------------------------------------------------- vote arrays


@pytest.mark.parametrize("label, bad", BAD_VOTES, ids=BAD_IDS)
def test_two_round_bad_first(label, bad):
    with pytest.raises(ValueError, match="first"):
        two_round(bad, GOOD_MAGNITUDE)


@pytest.mark.parametrize("label, bad", BAD_VOTES, ids=BAD_IDS)
def test_two_round_bad_second(label, bad):
    with pytest.raises(ValueError, match="second"):
        two_round(GOOD_FIRST, GOOD_MAGNITUDE, bad)


@pytest.mark.parametrize("label, bad", BAD_VOTES, ids=BAD_IDS)
def test_plurality_bad_votes(label, bad):
    with pytest.raises(ValueError, match="votes"):
        plurality(bad, GOOD_MAGNITUDE)


@pytest.mark.parametrize("label, bad", BAD_VOTES, ids=BAD_IDS)
@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_divisor_bad_votes(label, bad, method):
    with pytest.raises(ValueError, match="votes"):
        divisor(bad, 5, method=method)


@pytest.mark.parametrize("label, bad", BAD_VOTES, ids=BAD_IDS)
@pytest.mark.parametrize("quota", QUOTAS)
def test_largest_remainder_bad_votes(label, bad, quota):
    with pytest.raises(ValueError, match="votes"):
        largest_remainder(bad, 5, quota=quota)


@pytest.mark.parametrize("label, bad", BAD_VOTES, ids=BAD_IDS)
def test_block_vote_bad_candidate_votes(label, bad):
    cand_list = np.array([[0, 1, 2], [0, 1, 2]])
    with pytest.raises(ValueError, match="candidate_votes"):
        block_vote(bad, [1, 1], cand_list)


def test_whole_floats_are_accepted():
    floats = GOOD_FIRST.astype(float)
    np.testing.assert_array_equal(two_round(floats, GOOD_MAGNITUDE).winner, [0, 0])
    np.testing.assert_array_equal(divisor(floats, 4, method="dhondt"), divisor(GOOD_FIRST, 4, method="dhondt"))


# --------------------------------------------------------------------- shapes


def test_two_round_second_shape_mismatch():
    with pytest.raises(ValueError, match="second"):
        two_round(GOOD_FIRST, GOOD_MAGNITUDE, GOOD_FIRST[:, :2])
    with pytest.raises(ValueError, match="second"):
        two_round(GOOD_FIRST, GOOD_MAGNITUDE, np.stack([GOOD_FIRST, GOOD_FIRST]))


def test_two_round_magnitude_shape_mismatch():
    with pytest.raises(ValueError, match="first|magnitude"):
        two_round(GOOD_FIRST, [1, 1, 1])
    with pytest.raises(ValueError, match="magnitude"):
        two_round(GOOD_FIRST, [[1, 1]])


def test_plurality_magnitude_shape_mismatch():
    with pytest.raises(ValueError, match="votes|magnitude"):
        plurality(GOOD_FIRST, [1])


def test_block_vote_candidate_list_shape_mismatch():
    votes = np.array([[5, 4, 3], [1, 2, 3]])
    with pytest.raises(ValueError, match="candidate_list|candidate_votes"):
        block_vote(votes, [1, 1], np.array([[0, 1], [0, 1]]))
    with pytest.raises(ValueError, match="candidate_list|candidate_votes"):
        block_vote(votes, [1, 1], np.array([[0, 1, 2]] * 3))


def test_block_vote_magnitude_shape_mismatch():
    votes = np.array([[5, 4, 3], [1, 2, 3]])
    with pytest.raises(ValueError, match="magnitude|candidate"):
        block_vote(votes, [1, 1, 1], np.array([[0, 1, 2], [0, 1, 2]]))


@pytest.mark.parametrize("magnitude", [[0, 1], [1, -2]])
def test_magnitude_below_one(magnitude):
    with pytest.raises(ValueError, match="magnitude"):
        two_round(GOOD_FIRST, magnitude)
    with pytest.raises(ValueError, match="magnitude"):
        plurality(GOOD_FIRST, magnitude)
    with pytest.raises(ValueError, match="magnitude"):
        block_vote(GOOD_FIRST, magnitude, np.array([[0, 1, 2], [0, 1, 2]]))


def test_fractional_magnitude():
    with pytest.raises(ValueError, match="magnitude"):
        two_round(GOOD_FIRST, [1.5, 1])


@pytest.mark.parametrize("seats", [-1, [3, -1]])
def test_negative_seats(seats):
    with pytest.raises(ValueError, match="seats"):
        divisor(GOOD_FIRST, seats, method="dhondt")
    with pytest.raises(ValueError, match="seats"):
        largest_remainder(GOOD_FIRST, seats, quota="hare")


def test_seats_that_do_not_broadcast():
    with pytest.raises(ValueError, match="seats"):
        divisor(GOOD_FIRST, [1, 2, 3], method="dhondt")
    with pytest.raises(ValueError, match="seats"):
        largest_remainder(GOOD_FIRST, [1, 2, 3], quota="hare")


def test_fractional_seats():
    with pytest.raises(ValueError, match="seats"):
        divisor(GOOD_FIRST, 2.5, method="dhondt")


# ------------------------------------------------------------ choices and shares


def test_unknown_method():
    with pytest.raises(ValueError, match="method"):
        divisor(GOOD_FIRST, 3, method="jefferson_typo")


def test_unknown_quota():
    with pytest.raises(ValueError, match="quota"):
        largest_remainder(GOOD_FIRST, 3, quota="hamilton_typo")


@pytest.mark.parametrize("threshold", [-0.1, 1.0, 1.5, float("nan"), float("inf")])
def test_threshold_outside_unit_interval(threshold):
    with pytest.raises(ValueError, match="threshold"):
        divisor(GOOD_FIRST, 3, method="dhondt", threshold=threshold)
    with pytest.raises(ValueError, match="threshold"):
        largest_remainder(GOOD_FIRST, 3, quota="hare", threshold=threshold)


@pytest.mark.parametrize("majority", [-0.1, 1.0, 1.2, float("nan")])
def test_majority_outside_unit_interval(majority):
    with pytest.raises(ValueError, match="majority"):
        two_round(GOOD_FIRST, GOOD_MAGNITUDE, majority=majority)


def test_bool_share_rejected():
    with pytest.raises(ValueError, match="majority"):
        two_round(GOOD_FIRST, GOOD_MAGNITUDE, majority=True)
    with pytest.raises(ValueError, match="threshold"):
        divisor(GOOD_FIRST, 3, method="dhondt", threshold=True)


# --------------------------------------------------- rows nobody can be given seats


@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_divisor_zero_row_with_seats(method):
    votes = np.array([[10, 5, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="votes"):
        divisor(votes, 2, method=method)
    # ...but a zero row with zero seats is fine.
    np.testing.assert_array_equal(divisor(votes, [2, 0], method=method).sum(axis=-1), [2, 0])


@pytest.mark.parametrize("quota", QUOTAS)
def test_largest_remainder_zero_row_with_seats(quota):
    votes = np.array([[10, 5, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="votes"):
        largest_remainder(votes, 2, quota=quota)
    np.testing.assert_array_equal(largest_remainder(votes, [2, 0], quota=quota).sum(axis=-1), [2, 0])


def test_all_lists_under_threshold():
    votes = np.array([25, 25, 25, 25])
    with pytest.raises(ValueError, match="threshold"):
        divisor(votes, 4, method="dhondt", threshold=0.3)
    with pytest.raises(ValueError, match="threshold"):
        largest_remainder(votes, 4, quota="hare", threshold=0.3)
    with pytest.raises(ValueError):
        reference.divisor_options(votes.tolist(), 4, "dhondt", 0.3)
    # Exactly at the threshold is enough (fewer than threshold * total is excluded).
    np.testing.assert_array_equal(divisor(votes, 4, method="dhondt", threshold=0.25), [1, 1, 1, 1])


def test_two_round_zero_constituency():
    first = np.array([[[40, 35, 25], [0, 0, 0]]])
    with pytest.raises(ValueError, match="first"):
        two_round(first, GOOD_MAGNITUDE)


def test_plurality_zero_constituency():
    with pytest.raises(ValueError, match="votes"):
        plurality(np.array([[1, 2, 3], [0, 0, 0]]), GOOD_MAGNITUDE)


def test_runoff_with_no_second_round_votes():
    first = np.array([[40, 35, 25]])
    second = np.array([[0, 0, 100]])  # the finalists are 0 and 1
    with pytest.raises(ValueError, match="second"):
        two_round(first, [1], second)
    # The eliminated list's second-round votes are never read.
    out = two_round(first, [1], np.array([[0, 1, 100]]))
    assert int(out.winner[0]) == 1


def test_round_one_win_ignores_second():
    out = two_round(np.array([[60, 40]]), [3], np.array([[0, 0]]))
    assert int(out.winner[0]) == 0 and int(out.round[0]) == 1


def test_block_vote_fewer_candidates_than_seats():
    votes = np.array([[5, 4, 0]])
    cand_list = np.array([[0, 1, -1]])
    with pytest.raises(ValueError):
        block_vote(votes, [3], cand_list)
    with pytest.raises(ValueError):
        reference.block_vote_options([5, 4, 0], 3, [0, 1, -1])


def test_block_vote_empty_slot_with_votes():
    votes = np.array([[5, 4, 3]])
    cand_list = np.array([[0, 1, -1]])
    with pytest.raises(ValueError, match="candidate_votes|candidate_list"):
        block_vote(votes, [1], cand_list)


def test_block_vote_no_votes():
    with pytest.raises(ValueError, match="candidate_votes"):
        block_vote(np.array([[0, 0, 0]]), [2], np.array([[0, 1, 1]]))


# ------------------------------------------------- nothing silently misallocated


def test_negative_votes_never_win_a_seat():
    """A negative count raises; it is never clipped into a seat or into 0."""
    votes = np.array([-100, 50, 50])
    for method in DIVISOR_METHODS:
        with pytest.raises(ValueError, match="votes"):
            divisor(votes, 3, method=method)
    for quota in QUOTAS:
        with pytest.raises(ValueError, match="votes"):
            largest_remainder(votes, 3, quota=quota)
    with pytest.raises(ValueError, match="first"):
        two_round(votes[None, :], [1])
    # In a batch, one bad draw poisons the whole call.
    batch = np.array([[[10, 20, 30]], [[10, -1, 30]]])
    with pytest.raises(ValueError, match="first"):
        two_round(batch, [1])


def test_large_negative_in_float_votes():
    with pytest.raises(ValueError, match="votes"):
        divisor(np.array([-1.0, 3.0]), 1, method="dhondt")


def test_bad_input_in_one_draw_of_many():
    votes = np.ones((50, 4), dtype=np.int64)
    votes[37, 2] = -1
    with pytest.raises(ValueError, match="votes"):
        divisor(votes, 3, method="sainte_lague")
    votes[37, 2] = 0
    votes[37] = 0
    with pytest.raises(ValueError, match="votes"):
        largest_remainder(votes, 3, quota="droop")


@pytest.mark.parametrize(
    "cand_list, n_lists",
    [
        (np.array([[0, 5, 1]]), 2),  # index beyond n_lists
        (np.array([[0, -2, 1]]), None),  # below -1
        (np.array([[0.5, 1, 1]]), None),  # not integers
    ],
)
def test_block_vote_bad_candidate_list(cand_list, n_lists):
    with pytest.raises(ValueError, match="candidate_list"):
        block_vote(np.array([[3, 2, 1]]), [1], cand_list, n_lists=n_lists)
