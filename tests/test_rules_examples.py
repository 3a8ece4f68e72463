"""Hand-computed examples of every rule, batched shapes, and pinned counterexamples.

Each expected result is worked out in the comments and checked against the exact
reference (``tests/reference.py``) as well as the engine.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import reference
from malivote.rules import (
    DIVISOR_METHODS,
    QUOTAS,
    BlockOutcome,
    DistrictOutcome,
    block_vote,
    divisor,
    largest_remainder,
    plurality,
    two_round,
)


def test_exported_names():
    assert set(DIVISOR_METHODS) == set(reference.DIVISOR_METHODS)
    assert set(QUOTAS) == set(reference.QUOTAS)


# ------------------------------------------------------------------- divisor methods

# The classic four-party example (Wikipedia, "D'Hondt method"): 8 seats.
FOUR = [100_000, 80_000, 30_000, 20_000]


@pytest.mark.parametrize(
    "method, votes, seats, expected",
    [
        # D'Hondt, divisors 1, 2, 3, ...; quotients (thousands):
        #   A 100, 50, 33.3, 25, 20   B 80, 40, 26.7, 20   C 30, 15   D 20, 10
        # eight highest: 100 80 50 40 33.3 30 26.7 25 -> A 4, B 3, C 1, D 0.
        ("dhondt", FOUR, 8, (4, 3, 1, 0)),
        # Sainte-Lague, divisors 1, 3, 5, 7:
        #   A 100, 33.3, 20, 14.3   B 80, 26.7, 16   C 30, 10   D 20
        # eight highest: 100 80 33.3 30 26.7 20(A) 20(D) 16 -> A 3, B 3, C 1, D 1.
        ("sainte_lague", FOUR, 8, (3, 3, 1, 1)),
        # Imperiali, divisors 2, 3, 4, ...:
        #   A 50, 33.3, 25, 20, 16.7   B 40, 26.7, 20, 16   C 15   D 10
        # eight highest: 50 40 33.3 26.7 25 20 20 16.7 -> A 5, B 3.
        ("imperiali", FOUR, 8, (5, 3, 0, 0)),
        # Danish, divisors 1, 4, 7, 10:
        #   A 100, 25, 14.3, 10   B 80, 20, 11.4   C 30, 7.5   D 20
        # eight highest: 100 80 30 25 20(B) 20(D) 14.3 11.4 -> A 3, B 3, C 1, D 1.
        ("danish", FOUR, 8, (3, 3, 1, 1)),
        # Adams, divisors 0, 1, 2, ...: every list first gets a seat (4 seats), then
        #   A 100, 50, 33.3   B 80, 40   C 30   D 20: 100 80 50 40 -> A 3, B 3, C 1, D 1.
        ("adams", FOUR, 8, (3, 3, 1, 1)),
        # Huntington-Hill, divisors sqrt(j(j+1)): 0, 1.41, 2.45, 3.46. One seat each,
        # then squared quotients v^2/(j(j+1)) (millions): A 5000, 1666.7   B 3200, 1066.7
        # C 450   D 200: 5000 3200 1666.7 1066.7 -> A 3, B 3, C 1, D 1.
        ("huntington_hill", FOUR, 8, (3, 3, 1, 1)),
        # Fewer seats than lists: infinite first quotients rank by votes.
        ("huntington_hill", FOUR, 2, (1, 1, 0, 0)),
        ("adams", FOUR, 3, (1, 1, 1, 0)),
        # Modified Sainte-Lague, divisors 1.4, 3, 5, 7, with D at 15,000:
        #   A 71.4, 33.3, 20, 14.3   B 57.1, 26.7, 16, 11.4   C 21.4, 10   D 10.7
        # eight highest: 71.4 57.1 33.3 26.7 21.4 20 16 14.3 -> A 4, B 3, C 1, D 0;
        # plain Sainte-Lague would give D its seat (15 > 14.3): A 3, B 3, C 1, D 1.
        ("modified_sainte_lague", [100_000, 80_000, 30_000, 15_000], 8, (4, 3, 1, 0)),
        ("sainte_lague", [100_000, 80_000, 30_000, 15_000], 8, (3, 3, 1, 1)),
        # No seats: nothing to give, whatever the votes (even all zero).
        ("dhondt", [0, 0, 0], 0, (0, 0, 0)),
    ],
)
def test_divisor_textbook(method, votes, seats, expected):
    assert reference.divisor_options(votes, seats, method) == {expected}
    np.testing.assert_array_equal(divisor(votes, seats, method=method), expected)


def test_modified_sainte_lague_exact_tie():
    """With D at 20,000 the last seat is an exact tie: 100000/7 == 20000/1.4."""
    assert Fraction(100_000, 7) == Fraction(20_000) / Fraction(7, 5)
    options = reference.divisor_options(FOUR, 8, "modified_sainte_lague")
    assert options == {(4, 3, 1, 0), (3, 3, 1, 1)}
    seen = {tuple(divisor(FOUR, 8, method="modified_sainte_lague", rng=s).tolist()) for s in range(40)}
    assert seen == options


def test_huntington_hill_irrational_tie():
    """1/sqrt(2) == 6/sqrt(72): an exact tie between irrational quotients.

    Votes (1, 6): each list first gets a seat (infinite quotients); then list 1's
    quotients 6/sqrt(j(j+1)) for j = 1..7 exceed 1/sqrt(2), and list 1's ninth seat
    (j = 8, 6/sqrt(72) = 1/sqrt(2)) ties with list 0's second seat for the 10th seat.
    """
    options = reference.divisor_options([1, 6], 10, "huntington_hill")
    assert options == {(2, 8), (1, 9)}
    seen = {tuple(divisor([1, 6], 10, method="huntington_hill", rng=s).tolist()) for s in range(40)}
    assert seen == options


def test_divisor_threshold():
    # 10% of 230,000 is 23,000: D (20,000) is out; Sainte-Lague then gives
    #   A 100, 33.3, 20, 14.3   B 80, 26.7, 16   C 30, 10 -> A 4, B 3, C 1.
    expected = (4, 3, 1, 0)
    assert reference.divisor_options(FOUR, 8, "sainte_lague", 0.1) == {expected}
    np.testing.assert_array_equal(divisor(FOUR, 8, method="sainte_lague", threshold=0.1), expected)


def test_threshold_read_as_written_decimal():
    """0.07 means 7/100 exactly, although 0.07 * 100 == 7.000000000000001 in floats."""
    assert 0.07 * 100 > 7
    # 7 votes of 100 reach a 7% threshold. Hare, 10 seats: quotas 0.7 and 9.3,
    # floors 0 and 9, the last seat to the larger remainder 0.7.
    np.testing.assert_array_equal(largest_remainder([7, 93], 10, quota="hare", threshold=0.07), [1, 9])
    np.testing.assert_array_equal(divisor([7, 93], 14, method="sainte_lague", threshold=0.07).sum(), 14)
    assert divisor([7, 93], 14, method="sainte_lague", threshold=0.07)[0] == 1
    # Just above, list 0 is out.
    np.testing.assert_array_equal(largest_remainder([7, 93], 10, quota="hare", threshold=0.0701), [0, 10])


def test_divisor_seats_broadcast_over_rows():
    votes = np.array([[[50, 30, 20], [10, 10, 80]]] * 3)  # (3 draws, 2 rows, 3 lists)
    seats = np.array([5, 2])  # one per row, broadcast over the draws
    # Row 0, D'Hondt 5 seats: A 50, 25, 16.7   B 30, 15   C 20 -> 50 30 25 20 16.7: (3, 1, 1).
    # Row 1, 2 seats: C 80, 40 -> (0, 0, 2).
    result = divisor(votes, seats, method="dhondt")
    assert result.shape == (3, 2, 3)
    np.testing.assert_array_equal(result, np.broadcast_to([[3, 1, 1], [0, 0, 2]], (3, 2, 3)))
    # Seats per draw and row.
    per_cell = np.array([[5, 2], [1, 0], [4, 1]])
    result = divisor(votes, per_cell, method="dhondt")
    np.testing.assert_array_equal(result.sum(axis=-1), per_cell)
    np.testing.assert_array_equal(result[1], [[1, 0, 0], [0, 0, 0]])


# ---------------------------------------------------------- largest remainder methods

# Wikipedia, "Largest remainder method": six parties, 100,000 votes, 10 seats.
SIX = [47_000, 16_000, 15_800, 12_000, 6_100, 3_100]


@pytest.mark.parametrize(
    "quota, votes, seats, expected",
    [
        # Hare quota 10,000: floors 4 1 1 1 0 0 (7 seats); remainders
        # 7000 6000 5800 2000 6100 3100 -> the 3 largest: A, E, B -> 5 2 1 1 1 0.
        ("hare", SIX, 10, (5, 2, 1, 1, 1, 0)),
        # Droop quota floor(100000/11) + 1 = 9091: floors 5 1 1 1 0 0 (8 seats);
        # remainders 1545 6909 6709 2909 6100 3100 -> B, C -> 5 2 2 1 0 0.
        ("droop", SIX, 10, (5, 2, 2, 1, 0, 0)),
        # Hagenbach-Bischoff quota 100000/11 = 9090.9: floors 5 1 1 1 0 0; remainders
        # 1545.5 6909.1 6709.1 2909.1 6100 3100 -> B, C -> 5 2 2 1 0 0.
        ("hagenbach_bischoff", SIX, 10, (5, 2, 2, 1, 0, 0)),
        # Imperiali quota 100000/12 = 8333.3: floors 5 1 1 1 0 0; remainders
        # 5333.3 7666.7 7466.7 3666.7 6100 3100 -> B, C -> 5 2 2 1 0 0.
        ("imperiali", SIX, 10, (5, 2, 2, 1, 0, 0)),
        # Imperiali surplus: quota 100/4 = 25, floors 2 1 0 = 3 seats for 2; withdraw
        # from the holder with the smallest remainder, A (0 < 5) -> 1 1 0.
        ("imperiali", [50, 30, 20], 2, (1, 1, 0)),
        # Imperiali, two seats of surplus: quota 25, floors 2 2; remainders 0 0: one
        # list loses a seat (by lot) and its remainder becomes 25, so the other loses
        # the second -> 1 1 whatever the lot.
        ("imperiali", [50, 50], 2, (1, 1)),
        # Imperiali, one seat: quota 100/3, floors 2 0 -> withdraw one from A -> 1 0.
        ("imperiali", [70, 30], 1, (1, 0)),
        ("hare", [0, 0, 0], 0, (0, 0, 0)),
    ],
)
def test_largest_remainder_textbook(quota, votes, seats, expected):
    assert reference.largest_remainder_options(votes, seats, quota) == {expected}
    for seed in range(5):
        np.testing.assert_array_equal(largest_remainder(votes, seats, quota=quota, rng=seed), expected)


def test_hagenbach_bischoff_surplus_tie():
    # Quota 90/3 = 30: floors 2 1 = 3 seats for 2, both remainders 0 -> either loses one.
    options = reference.largest_remainder_options([60, 30], 2, "hagenbach_bischoff")
    assert options == {(1, 1), (2, 0)}
    seen = {tuple(largest_remainder([60, 30], 2, quota="hagenbach_bischoff", rng=s).tolist()) for s in range(40)}
    assert seen == options


def test_droop_quota_is_whole():
    # floor(100/4) + 1 = 26, not 25: with 3 seats and votes 50 25 25, floors 1 0 0;
    # remainders 24 25 25 -> B and C take the two remaining seats.
    assert reference.exact_quota(100, 3, "droop") == 26
    assert reference.largest_remainder_options([50, 25, 25], 3, "droop") == {(1, 1, 1)}
    np.testing.assert_array_equal(largest_remainder([50, 25, 25], 3, quota="droop"), [1, 1, 1])


# -------------------------------------------------------------- pinned counterexamples


def test_dhondt_violates_upper_quota():
    """D'Hondt (Jefferson) breaks the quota rule ([BY] ch. 6; [P] ch. 9).

    Votes 4000, 1000, 1000 for 3 seats. A's exact quota is 4000 * 3 / 6000 = 2, so
    the quota rule allows it 2 seats at most. D'Hondt quotients: A 4000, 2000, 1333;
    B 1000; C 1000 -> the three highest are all A's: A gets 3 > ceil(2).
    """
    votes, seats = [4000, 1000, 1000], 3
    exact_quota = Fraction(votes[0] * seats, sum(votes))
    assert exact_quota == 2
    assert reference.divisor_options(votes, seats, "dhondt") == {(3, 0, 0)}
    allocation = divisor(votes, seats, method="dhondt")
    np.testing.assert_array_equal(allocation, [3, 0, 0])
    assert allocation[0] > math.ceil(exact_quota)
    # Hamilton (Hare) satisfies the quota rule here: quotas 2, 0.5, 0.5, floors 2 0 0,
    # then a tie between B and C for the last seat.
    assert reference.largest_remainder_options(votes, seats, "hare") == {(2, 1, 0), (2, 0, 1)}


def test_alabama_paradox_hamilton():
    """Hamilton's method (Hare quota) and the Alabama paradox ([BY] ch. 5).

    Votes 600, 600, 200 (total 1400).
    10 seats: quotas 4.29, 4.29, 1.43; floors 4 4 1 (9); remainders .29 .29 .43 -> C:
              4 4 2.
    11 seats: quotas 4.71, 4.71, 1.57; floors 4 4 1 (9); remainders .71 .71 .57 -> A, B:
              5 5 1.
    One more seat in the house, and C loses a seat.
    """
    votes = [600, 600, 200]
    assert reference.largest_remainder_options(votes, 10, "hare") == {(4, 4, 2)}
    assert reference.largest_remainder_options(votes, 11, "hare") == {(5, 5, 1)}
    result = largest_remainder(np.array([votes, votes]), np.array([10, 11]), quota="hare")
    np.testing.assert_array_equal(result, [[4, 4, 2], [5, 5, 1]])
    assert result[1, 2] < result[0, 2]
    # Divisor methods are house monotone: no Alabama paradox for D'Hondt here.
    dhondt = divisor(np.array([votes, votes]), np.array([10, 11]), method="dhondt")
    assert (dhondt[1] >= dhondt[0]).all()


def test_population_paradox_hamilton():
    """Hamilton's method and the population paradox ([BY] ch. 5).

    3 seats. Before: votes 2000, 3000, 6000 (11000): quotas 0.55, 0.82, 1.64; floors
    0 0 1; remainders .55 .82 .64 -> B, C: 0 1 2.
    After: 2000, 7000, 7000 (16000): quotas 0.375, 1.31, 1.31; floors 0 1 1;
    remainders .375 .31 .31 -> A: 1 1 1.
    C gained votes and lost a seat to A, whose votes did not change.
    """
    before, after = [2000, 3000, 6000], [2000, 7000, 7000]
    assert reference.largest_remainder_options(before, 3, "hare") == {(0, 1, 2)}
    assert reference.largest_remainder_options(after, 3, "hare") == {(1, 1, 1)}
    result = largest_remainder(np.array([before, after]), 3, quota="hare")
    np.testing.assert_array_equal(result, [[0, 1, 2], [1, 1, 1]])


# ----------------------------------------------------------------- majority rules


def test_mali_majority_takes_all():
    # Constituency 0 (3 seats): A has 55 of 100 > 50 -> A takes all 3 in round 1.
    # Constituency 1 (2 seats): nobody above 50 -> runoff between B (45) and C (30);
    #   second round: B 40, C 60 -> C takes both seats.
    # Constituency 2 (1 seat): exactly 50 of 100 is not a majority -> runoff A vs B;
    #   default transfer keeps the leader ahead -> A wins in round 2.
    first = np.array([[55, 30, 15], [25, 45, 30], [50, 30, 20]])
    second = np.array([[0, 0, 0], [99, 40, 60], [0, 0, 0]])
    magnitude = np.array([3, 2, 1])
    # Runoff in constituency 2 needs second votes for A and B, so test it separately.
    out = two_round(first[:2], magnitude[:2], second[:2])
    assert isinstance(out, DistrictOutcome)
    np.testing.assert_array_equal(out.winner, [0, 2])
    np.testing.assert_array_equal(out.round, [1, 2])
    np.testing.assert_array_equal(out.finalists, [[0, -1], [1, 2]])
    np.testing.assert_array_equal(out.seats, [[3, 0, 0], [0, 0, 2]])
    np.testing.assert_array_equal(out.magnitude, [3, 2])

    out = two_round(first, magnitude)  # default transfer
    np.testing.assert_array_equal(out.winner, [0, 1, 0])
    np.testing.assert_array_equal(out.round, [1, 2, 2])
    np.testing.assert_array_equal(out.finalists, [[0, -1], [1, 2], [0, 1]])
    np.testing.assert_array_equal(out.seats, [[3, 0, 0], [0, 2, 0], [1, 0, 0]])
    for c in range(3):
        assert reference.two_round_options(first[c].tolist(), int(magnitude[c])) == {
            (int(out.winner[c]), int(out.round[c]))
        }


def test_runoff_second_round_reverses_first():
    # B leads round 1 (40 vs 35) but A wins the runoff 51 to 49; C's entry is ignored.
    first = np.array([[35, 40, 25]])
    second = np.array([[51, 49, 1000]])
    out = two_round(first, [4], second)
    assert (int(out.winner[0]), int(out.round[0])) == (0, 2)
    np.testing.assert_array_equal(out.finalists[0], [1, 0])  # leader first
    np.testing.assert_array_equal(out.seats[0], [4, 0, 0])
    assert reference.two_round_options([35, 40, 25], 4, [51, 49, 1000]) == {(0, 2)}


def test_majority_below_half():
    # 40%: 45 and 44 both pass (> 40 of 100); the most voted wins in round 1.
    out = two_round(np.array([[45, 44, 11]]), [1], majority=0.4)
    assert (int(out.winner[0]), int(out.round[0])) == (0, 1)
    # 41 and 41 both pass and tie: drawn by lot, still round 1.
    winners = {int(two_round(np.array([[41, 41, 18]]), [1], majority=0.4, rng=s).winner[0]) for s in range(30)}
    assert winners == {0, 1}
    assert reference.two_round_options([41, 41, 18], 1, majority=0.4) == {(0, 1), (1, 1)}
    # Exactly 40% is not more than 40%: runoff.
    out = two_round(np.array([[40, 35, 25]]), [1], majority=0.4)
    assert int(out.round[0]) == 2


def test_majority_zero():
    # majority 0: any list with votes passes; the most voted wins in round 1.
    out = two_round(np.array([[10, 30, 20]]), [1], majority=0.0)
    assert (int(out.winner[0]), int(out.round[0])) == (1, 1)


def test_plurality_example():
    votes = np.array([[30, 45, 25], [10, 10, 5]])
    out = plurality(votes, [2, 3], rng=0)
    assert int(out.winner[0]) == 1
    assert int(out.winner[1]) in {0, 1}
    np.testing.assert_array_equal(out.round, [1, 1])
    np.testing.assert_array_equal(out.finalists[0], [1, -1])
    np.testing.assert_array_equal(out.seats[0], [0, 2, 0])


def test_block_vote_example():
    # Constituency of 3 seats; candidates of lists 0 0 0 1 1 and an empty slot.
    # Votes 50 40 20 45 30 0 -> top 3: 50 (list 0), 45 (list 1), 40 (list 0).
    votes = np.array([[50, 40, 20, 45, 30, 0]])
    cand_list = np.array([[0, 0, 0, 1, 1, -1]])
    out = block_vote(votes, [3], cand_list)
    assert isinstance(out, BlockOutcome)
    np.testing.assert_array_equal(out.elected, [[True, True, False, True, False, False]])
    np.testing.assert_array_equal(out.seats, [[2, 1]])
    out = block_vote(votes, [3], cand_list, n_lists=4)
    np.testing.assert_array_equal(out.seats, [[2, 1, 0, 0]])
    assert reference.block_vote_seat_options(votes[0].tolist(), 3, cand_list[0].tolist()) == {(2, 1)}


# ------------------------------------------------------------------ batched shapes


def test_two_round_batched_shape_matches_slices():
    rng = np.random.default_rng(20240601)
    c, k = 5, 4
    first = rng.integers(0, 1_000_000, size=(3, 4, c, k))
    second = rng.integers(1, 1_000_000, size=(3, 4, c, k))
    magnitude = np.array([1, 2, 3, 4, 5])
    out = two_round(first, magnitude, second)
    assert out.winner.shape == (3, 4, c)
    assert out.round.shape == (3, 4, c)
    assert out.finalists.shape == (3, 4, c, 2)
    assert out.seats.shape == (3, 4, c, k)
    np.testing.assert_array_equal(out.seats.sum(axis=-1), np.broadcast_to(magnitude, (3, 4, c)))
    for i in range(3):
        for j in range(4):
            single = two_round(first[i, j], magnitude, second[i, j])
            np.testing.assert_array_equal(single.winner, out.winner[i, j])
            np.testing.assert_array_equal(single.round, out.round[i, j])
    # The plain-Python reference loop agrees (no ties in 10^6-sized random counts here).
    expected = reference.two_round_reference(first.reshape(12, c, k), magnitude, second.reshape(12, c, k))
    np.testing.assert_array_equal(out.winner.reshape(12, c), expected)


@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_divisor_batched_matches_rows(method):
    rng = np.random.default_rng(7)
    votes = rng.integers(0, 100_000, size=(3, 4, 6))
    seats = rng.integers(0, 15, size=(3, 4))
    result = divisor(votes, seats, method=method)
    assert result.shape == (3, 4, 6)
    for i in range(3):
        for j in range(4):
            assert reference.divisor_options(votes[i, j].tolist(), int(seats[i, j]), method) == {
                tuple(result[i, j].tolist())
            }


@pytest.mark.parametrize("quota", QUOTAS)
def test_largest_remainder_batched_matches_rows(quota):
    rng = np.random.default_rng(8)
    votes = rng.integers(0, 100_000, size=(3, 4, 6))
    seats = rng.integers(0, 15, size=(4,))  # broadcast over the first axis
    result = largest_remainder(votes, seats, quota=quota)
    assert result.shape == (3, 4, 6)
    for i in range(3):
        for j in range(4):
            assert reference.largest_remainder_options(votes[i, j].tolist(), int(seats[j]), quota) == {
                tuple(result[i, j].tolist())
            }


def test_reference_loop_deterministic_helpers():
    assert reference.divisor_reference(FOUR, 8, "dhondt") == (4, 3, 1, 0)
    assert reference.largest_remainder_reference(SIX, 10, "hare") == (5, 2, 1, 1, 1, 0)
    assert reference.plurality_reference([[3, 1], [0, 2]]) == [0, 1]
    assert reference.two_round_reference([[[55, 45], [30, 70]]], [1, 1]) == [[0, 1]]


def test_droop_more_seats_left_than_lists():
    """Droop rounds up: 3 votes for 10 seats leave 7 seats for 3 lists.

    Quota floor(3/11) + 1 = 1: floors 1 1 1, 7 seats left. Each list first gets
    7 // 3 = 2 seats per full round (-> 3 3 3), and the last seat goes by remainder:
    all remainders are 0, so it is drawn among the three lists.
    """
    options = reference.largest_remainder_options([1, 1, 1], 10, "droop")
    assert options == {(4, 3, 3), (3, 4, 3), (3, 3, 4)}
    seen = {tuple(largest_remainder([1, 1, 1, 0], 10, quota="droop", rng=s).tolist()) for s in range(40)}
    assert seen == {o + (0,) for o in options}
    # 2 + 1 votes for 6 seats: quota 1, floors 2 1, 3 left for 2 lists: one round
    # each (-> 3 2), then the last seat by lot between two remainders of 0.
    assert reference.largest_remainder_options([2, 1, 0], 6, "droop") == {(3, 3, 0), (4, 2, 0)}


def test_huntington_hill_national_totals():
    """Huntington-Hill on Mali-sized national totals: 5 million votes, 147 seats."""
    votes = [2_500_000, 1_200_000, 800_000, 300_000, 150_000, 50_000]
    expected = reference.divisor_options(votes, 147, "huntington_hill")
    assert len(expected) == 1
    np.testing.assert_array_equal(divisor(votes, 147, method="huntington_hill"), next(iter(expected)))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("spread", [0.0, 0.3, 2.0, 30.0, 400.0])
def test_block_vote_candidate_votes_on_the_rosters_match_every_slot(spread):
    # BlockVote.candidate_votes computes only the slots on a roster; the full
    # computation over every slot, from the same normal draws (one per roster place,
    # in order), gives the same votes or raises the same error.
    from malivote.election import Ensemble
    from malivote.layouts import custom_layout
    from malivote.ruleset import BlockVote

    rng = np.random.default_rng(5)
    draws, constituencies, lists, longest = 6, 3, 4, 3
    layout = custom_layout(["North", "South", "East"], [2, 1, 3])
    first = rng.integers(0, 10**6, size=(draws, constituencies, lists))
    first[rng.random(first.shape) < 0.2] = 0
    roster_party = rng.integers(0, 2, size=(draws, constituencies, lists, longest))
    roster_party[rng.random(roster_party.shape) < 0.4] = -1
    ensemble = Ensemble(layout=layout, parties=("A", "B"), first=first, second=0 * first,
                        members=np.ones_like(first), roster_party=roster_party,
                        roster_female=np.zeros(roster_party.shape, bool),
                        turnout=np.zeros((draws, constituencies, 2, 4), np.int64))
    rule = BlockVote(magnitude=np.array([2, 1, 3]), split_ticket=spread)
    results, next_numbers = [], []
    for compute in ("fast", "full"):
        generator = np.random.default_rng(9)
        try:
            if compute == "fast":
                results.append(rule.candidate_votes(ensemble, generator))
            else:
                z = generator.standard_normal(int((roster_party >= 0).sum())) if spread else None
                results.append(rule._all_candidate_votes(ensemble, roster_party >= 0, z))
        except ValueError as error:
            results.append(str(error))
        next_numbers.append(generator.random())
    assert next_numbers[0] == next_numbers[1]  # no normal drawn past the rosters
    if isinstance(results[0], str):
        assert spread >= 30 and results[0] == results[1]
    else:
        assert results[0].dtype == results[1].dtype == np.int64
        np.testing.assert_array_equal(results[0], results[1])
