"""The engine's reported faults, each as a test: exact near-ties, overflow, messages.

Every case here was a silent wrong answer or an unhelpful exception before: a
Huntington-Hill near-tie that float64 could not see, an int64 sum that wrapped
around, a seat count cast to -1, NumPy's own messages for malformed input. Each now
gives the exact answer or a :class:`ValueError` that names the argument, what was
expected and what was found.
"""

from __future__ import annotations

import importlib.util
import re
from fractions import Fraction

import numpy as np
import pytest

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
from malivote.rules._validation import MAX_SEATS

BACKENDS = ["numpy"] + (["numba"] if importlib.util.find_spec("numba") else [])


@pytest.fixture(params=BACKENDS)
def backend_name(request):
    with use_backend(request.param):
        yield request.param


# --- Huntington-Hill near-ties -------------------------------------------------------

HUNTINGTON_HILL_NEAR_TIES = [
    # votes, seats: the last seat's two quotients differ by about 1 part in 6.7 million
    # and their squares round to the same float64.
    ([2468790, 2797979], 144),
    ([16971783, 5652505], 46),
    ([408855776, 708158977], 4),
]


@pytest.mark.parametrize("votes, seats", HUNTINGTON_HILL_NEAR_TIES)
def test_huntington_hill_near_ties_are_exact(votes, seats, backend_name):
    options = reference.divisor_options(votes, seats, "huntington_hill")
    assert len(options) == 1, "not a tie: exactly one right answer"
    (expected,) = options
    for seed in range(12):
        result = divisor(votes, seats, method="huntington_hill", rng=seed)
        assert tuple(result.tolist()) == expected, seed


def test_huntington_hill_first_case_is_68_76():
    assert divisor([2468790, 2797979], 144, method="huntington_hill", rng=1).tolist() == [68, 76]
    # 68th quotient of the first list beats the 77th of the second, exactly:
    assert Fraction(2468790**2, 67 * 68) > Fraction(2797979**2, 76 * 77)


def test_near_tie_does_not_count_as_a_lot(backend_name):
    result = divisor([2468790, 2797979], 144, method="huntington_hill", count_lots=True, ties="raise")
    assert result.seats.tolist() == [68, 76]
    assert int(result.lots) == 0


@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_votes_above_2_53_are_exact(method, backend_name):
    """Float64 cannot hold these votes exactly; the exact step still decides."""
    big = 2**60
    votes = [big + 1, big, big - 1]
    for seats in (1, 2, 3, 4, 7):
        (expected,) = reference.divisor_options(votes, seats, method)
        assert tuple(divisor(votes, seats, method=method, rng=0).tolist()) == expected


# --- overflow ------------------------------------------------------------------------


def test_largest_remainder_sum_past_int64_is_refused():
    votes = [4 * 10**18, 3 * 10**18, 2 * 10**18, 10**18]
    for quota, seats in (("hare", 1), ("droop", 2)):
        with pytest.raises(ValueError, match=r"votes: .* add up to 10000000000000000000, above the supported total of 2\*\*63 - 1"):
            largest_remainder(votes, seats, quota=quota, rng=0)


@pytest.mark.parametrize("quota", QUOTAS)
def test_largest_remainder_large_votes_are_exact(quota):
    """Scaled votes past int64 switch to Python integers, not to a wrong answer."""
    votes = [4 * 10**18, 2 * 10**18, 2 * 10**18 + 1, 10**18]
    for seats in (1, 2, 3, 5, 30):
        options = reference.largest_remainder_options(votes, seats, quota)
        seen = {tuple(largest_remainder(votes, seats, quota=quota, rng=s).tolist()) for s in range(6)}
        assert seen <= options


@pytest.mark.parametrize("method", DIVISOR_METHODS)
def test_divisor_sum_past_int64_is_refused(method, backend_name):
    with pytest.raises(ValueError, match=r"votes: .* add up to 18446744073709551616"):
        divisor([2**62] * 4, 1, method=method)


def test_block_vote_sum_past_int64_is_refused():
    with pytest.raises(ValueError, match=r"candidate_votes: .* add up to .* 2\*\*63 - 1"):
        block_vote([[2**62, 2**62, 5]], [1], [[0, 1, 2]])


def test_block_vote_huge_python_votes_are_refused():
    with pytest.raises(ValueError, match=r"candidate_votes: vote counts must be below 2\*\*63"):
        block_vote([[2**64, 5]], [1], [[0, 1]])


def test_block_vote_n_lists_is_bounded():
    with pytest.raises(ValueError, match=r"n_lists: expected an integer from 1 to 1,000,000, found 1000000000"):
        block_vote([[1, 2]], [1], [[0, 1]], n_lists=10**9)


# --- seats and magnitudes out of range -----------------------------------------------


@pytest.mark.parametrize("seats", [2**63 - 1, 2**62, 10**9, 1e19, np.uint64(2**64 - 1), 2**70, MAX_SEATS + 1])
def test_divisor_seats_out_of_range(seats):
    with pytest.raises(ValueError, match=r"seats: expected at most 1,000,000 seats per row, found"):
        divisor([5, 3], seats, method="dhondt")


@pytest.mark.parametrize("seats", [1e19, np.uint64(2**64 - 1), 2**70])
def test_largest_remainder_seats_out_of_range(seats):
    with pytest.raises(ValueError, match=r"seats: expected at most 1,000,000"):
        largest_remainder([5, 3], seats, quota="hare")


def test_seat_range_message_shows_the_value():
    with pytest.raises(ValueError, match=r"found 18446744073709551615$"):
        divisor([5, 3], np.uint64(2**64 - 1), method="dhondt")
    with pytest.raises(ValueError, match=r"found 1e\+19$"):
        divisor([5, 3], 1e19, method="dhondt")


def test_many_seats_within_range_work(backend_name):
    result = divisor([5, 3], MAX_SEATS, method="dhondt")
    assert result.tolist() == [625_000, 375_000]


@pytest.mark.parametrize("magnitude", [1e19, np.uint64(2**64 - 1), 2**70, 10**9])
@pytest.mark.parametrize("rule", ["two_round", "plurality", "block_vote", "open_runoff"])
def test_magnitude_out_of_range(rule, magnitude):
    calls = {
        "two_round": lambda: two_round([[3, 1]], [magnitude]),
        "plurality": lambda: plurality([[3, 1]], [magnitude]),
        "block_vote": lambda: block_vote([[3, 1]], [magnitude], [[0, 1]]),
        "open_runoff": lambda: open_runoff([[3, 1]], [magnitude], [10]),
    }
    with pytest.raises(ValueError, match=r"magnitude: expected at most 1,000,000 seats per constituency"):
        calls[rule]()


def test_seat_and_magnitude_messages_never_show_wrapped_values():
    for call in (
        lambda: divisor([5, 3], np.uint64(2**64 - 1), method="dhondt"),
        lambda: two_round([[3, 1]], [np.uint64(2**64 - 1)]),
        lambda: two_round([[3, 1]], [1e19]),
    ):
        with pytest.raises(ValueError) as info:
            call()
        assert "-1" not in str(info.value) and "-9223372036854775808" not in str(info.value)


# --- shapes and types ----------------------------------------------------------------

NO_LISTS = np.zeros((2, 0), dtype=np.int64)


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: two_round(NO_LISTS, [1, 1]), "first"),
        (lambda: plurality(NO_LISTS, [1, 1]), "votes"),
        (lambda: open_runoff(NO_LISTS, [1, 1], [5, 5]), "first"),
        (lambda: divisor(NO_LISTS, 1, method="dhondt"), "votes"),
        (lambda: largest_remainder(NO_LISTS, 1, quota="hare"), "votes"),
    ],
)
def test_no_list_slots(call, name, backend_name):
    with pytest.raises(ValueError, match=rf"^{name}: expected at least 1 list slot on the last axis, found shape \(2, 0\)"):
        call()


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: two_round([[3, 1], [2]], [1, 1]), "first"),
        (lambda: plurality([[3, 1], [2]], [1, 1]), "votes"),
        (lambda: open_runoff([[3, 1], [2]], [1, 1], [9, 9]), "first"),
        (lambda: divisor([[3, 1], [2]], 1, method="dhondt"), "votes"),
        (lambda: largest_remainder([[3, 1], [2]], 1, quota="hare"), "votes"),
        (lambda: block_vote([[3, 1], [2]], [1, 1], [[0, 1], [0, 1]]), "candidate_votes"),
        (lambda: block_vote([[3, 1]], [1], [[0, 1], [0]]), "candidate_list"),
        (lambda: divisor([3, 1], [[1], [2, 3]], method="dhondt"), "seats"),
        (lambda: two_round([[3, 1]], [[1], [1, 2]]), "magnitude"),
    ],
)
def test_ragged_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=rf"^{name}: expected a rectangular array"):
        call()


@pytest.mark.parametrize("rng", [-1, "x", 1.5, [-3], True, np.True_])
@pytest.mark.parametrize(
    "rule",
    [
        lambda rng: two_round([[3, 1]], [1], rng=rng),
        lambda rng: plurality([[3, 1]], [1], rng=rng),
        lambda rng: open_runoff([[3, 1]], [1], [5], rng=rng),
        lambda rng: divisor([3, 1], 1, method="dhondt", rng=rng),
        lambda rng: largest_remainder([3, 1], 1, quota="hare", rng=rng),
        lambda rng: block_vote([[3, 1]], [1], [[0, 1]], rng=rng),
    ],
)
def test_bad_rng_names_rng(rule, rng):
    with pytest.raises(ValueError, match=r"^rng: expected None, a non-negative integer"):
        rule(rng)


def test_two_round_names_first_for_huge_counts(backend_name):
    with pytest.raises(ValueError, match=r"^first: counts up to 4611686018427387904 are too large to rank exactly; with 2 list slot\(s\) every count must be below"):
        two_round([[2**62, 1]], [1])


@pytest.mark.parametrize("majority", [1e-30, 1e-300, 5e-324])
def test_tiny_majority_share(majority, backend_name):
    outcome = two_round([[5, 4, 3]], [1], majority=majority)
    assert outcome.winner.tolist() == [0] and outcome.round.tolist() == [1]
    outcome = two_round([[5, 5, 3]], [1], majority=majority, rng=3, count_lots=True)
    assert outcome.round.tolist() == [1] and outcome.lots.tolist() == [1]


def test_tiny_majority_share_many_rows(backend_name):
    # Distinct counts in every row: no ties, and any share above 0 is passed by the leader.
    first = np.argsort(np.random.default_rng(0).random((300, 4)), axis=-1) + 1
    outcome = two_round(first, np.ones(300, dtype=int), majority=1e-30, ties="raise")
    np.testing.assert_array_equal(outcome.winner, first.argmax(axis=-1))
    assert (outcome.round == 1).all()


# --- ties="raise", "votes" and count_lots --------------------------------------------


def test_raise_names_draw_and_constituency(backend_name):
    first = np.array([[[5, 3, 1], [4, 4, 1]], [[6, 2, 1], [9, 1, 1]]])
    with pytest.raises(ValueError, match=r"^ties: a tie in the runoff in the constituency at index \(0, 1\)"):
        two_round(first, [1, 1], ties="raise")
    with pytest.raises(ValueError, match=r"^ties: a tie for first place in the constituency at index \(0, 1\)"):
        plurality(first, [1, 1], ties="raise")
    with pytest.raises(ValueError, match=r"^ties: a tie for the last seat\(s\) at index \(0, 1\)"):
        divisor(first, 1, method="dhondt", ties="raise")
    with pytest.raises(ValueError, match=r"^ties: a tie between equal remainders at index \(0, 1\)"):
        largest_remainder(first, 1, quota="hare", ties="raise")
    with pytest.raises(ValueError, match=r"^ties: a tie for the last seat\(s\) at index \(0, 1\)"):
        block_vote(first, [1, 1], [[0, 1, 2], [0, 1, 2]], ties="raise")


def test_raise_passes_without_ties(backend_name):
    first = np.array([[[5, 3, 1], [4, 3, 1]]])
    assert two_round(first, [1, 1], ties="raise").winner.tolist() == [[0, 0]]
    assert divisor(first, 3, method="dhondt", ties="raise").tolist() == [[[2, 1, 0], [2, 1, 0]]]


def test_votes_breaks_a_tied_quotient(backend_name):
    # 60/2 == 30/1 for the second D'Hondt seat: the list with more votes takes it.
    assert divisor([60, 30], 2, method="dhondt", ties="votes").tolist() == [2, 0]
    assert divisor([30, 60], 2, method="dhondt", ties="votes").tolist() == [0, 2]
    result = divisor([30, 60], 2, method="dhondt", ties="votes", count_lots=True)
    assert int(result.lots) == 0


def test_votes_falls_back_to_lot_on_equal_votes(backend_name):
    seen = set()
    for seed in range(30):
        result = divisor([40, 40, 10], 1, method="dhondt", ties="votes", count_lots=True, rng=seed)
        assert int(result.lots) == 1
        seen.add(tuple(result.seats.tolist()))
    assert seen == {(1, 0, 0), (0, 1, 0)}


def test_votes_in_the_runoff(backend_name):
    outcome = two_round([[60, 50, 30]], [1], [[40, 40, 0]], ties="votes", count_lots=True)
    assert outcome.winner.tolist() == [0] and outcome.lots.tolist() == [0]
    outcome = open_runoff([[450, 350, 340, 50]], [1], [2000], [[400, 500, 500, 0]], ties="votes", count_lots=True)
    assert outcome.winner.tolist() == [1] and outcome.lots.tolist() == [0]
    # Equal first-round votes too: a lot.
    outcome = open_runoff([[450, 350, 350, 50]], [1], [2000], [[400, 500, 500, 0]], ties="votes", count_lots=True)
    assert outcome.winner.tolist() in ([1], [2]) and outcome.lots.tolist() == [1]


def test_votes_in_largest_remainder():
    # Hare quota 50: remainders 10, 10, 30 -> one remainder seat, to list 2 ...
    assert largest_remainder([60, 10, 30], 2, quota="hare", ties="votes").tolist() == [1, 0, 1]
    # ... and a withdrawn surplus seat leaves the list with fewer votes.
    result = largest_remainder([[5, 5, 5], [6, 5, 5]], 2, quota="imperiali", ties="votes", count_lots=True, rng=0)
    assert result.seats.sum(axis=-1).tolist() == [2, 2]


@pytest.mark.parametrize(
    "call",
    [
        lambda: two_round([[3, 1]], [1], ties="coin"),
        lambda: open_runoff([[3, 1]], [1], [5], ties=None),
        lambda: plurality([[3, 1]], [1], ties="LOT"),
        lambda: divisor([3, 1], 1, method="dhondt", ties=1),
        lambda: largest_remainder([3, 1], 1, quota="hare", ties="vote"),
        lambda: block_vote([[3, 1]], [1], [[0, 1]], ties=""),
    ],
)
def test_unknown_ties(call):
    with pytest.raises(ValueError, match=r"^ties: expected one of 'lot', 'votes', 'raise', found"):
        call()


def test_lots_are_counted_per_row(backend_name):
    first = np.array([[[5, 5, 1], [6, 3, 1], [6, 3, 3]]])
    outcome = two_round(first, [1, 1, 1], count_lots=True, rng=0)
    # A tie for first, then a tied runoff (default transfer) -> 1; none; a tie for
    # second place -> 1.
    assert outcome.lots.tolist() == [[1, 0, 1]]
    assert two_round(first, [1, 1, 1]).lots is None
    assert plurality(first, [1, 1, 1], count_lots=True, rng=0).lots.tolist() == [[1, 0, 0]]
    result = divisor(first, 1, method="dhondt", count_lots=True, rng=0)
    assert result.lots.tolist() == [[1, 0, 0]] and result.seats.shape == first.shape
    result = largest_remainder(first, 1, quota="hare", count_lots=True, rng=0)
    assert result.lots.tolist() == [[1, 0, 0]]
    outcome = block_vote(first, [1, 1, 2], [[0, 1, 2]] * 3, count_lots=True, rng=0)
    assert outcome.lots.tolist() == [[1, 0, 1]]


def test_default_results_unchanged_by_the_new_keywords():
    votes = np.random.default_rng(5).integers(0, 5, size=(200, 6)) + 1
    plain = divisor(votes, 7, method="sainte_lague", rng=9)
    counted = divisor(votes, 7, method="sainte_lague", rng=9, count_lots=True, ties="lot")
    np.testing.assert_array_equal(plain, counted.seats)
    assert isinstance(plain, np.ndarray)


# --- object arrays, unsigned list indices ---------------------------------------------

SMALL_OBJECT_VOTES = np.array([[40, 35, 25], [70, 20, 10]], dtype=object)


@pytest.mark.parametrize(
    "call",
    [
        lambda votes: two_round(votes, [2, 1], rng=0).seats,
        lambda votes: plurality(votes, [2, 1], rng=0).seats,
        lambda votes: open_runoff(votes, [2, 1], [200, 200], rng=0).seats,
        lambda votes: divisor(votes, 3, method="dhondt", rng=0),
        lambda votes: largest_remainder(votes, 3, quota="hare", rng=0),
        lambda votes: block_vote(votes, [2, 1], [[0, 1, 2]] * 2, rng=0).seats,
    ],
)
def test_object_arrays_of_python_integers_are_counts(call, backend_name):
    """They were refused as "vote counts must be below 2**63, found 70"."""
    expected = call(SMALL_OBJECT_VOTES.astype(np.int64))
    np.testing.assert_array_equal(call(SMALL_OBJECT_VOTES), expected)


def test_object_seats_and_magnitude_are_counts(backend_name):
    votes = SMALL_OBJECT_VOTES.astype(np.int64)
    seats = np.array([3, 2], dtype=object)
    np.testing.assert_array_equal(
        divisor(votes, seats, method="dhondt"), divisor(votes, [3, 2], method="dhondt")
    )
    np.testing.assert_array_equal(two_round(votes, seats, rng=0).seats, two_round(votes, [3, 2], rng=0).seats)


def test_object_registered_voters_are_counts(backend_name):
    outcome = open_runoff([[40, 35, 25]], [1], np.array(200, dtype=object), rng=0)
    assert outcome.winner.tolist() == [0]


def test_float16_votes_raise_no_overflow_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert divisor(np.array([7, 1], dtype=np.float16), 3, method="dhondt").tolist() == [3, 0]


@pytest.mark.parametrize("index", [2**64 - 1, 2**63])
def test_block_vote_huge_unsigned_list_index_is_not_wrapped(index, backend_name):
    """2**64 - 1 was cast to -1 and read as an empty slot."""
    lists = np.array([[0, index, 1, 1]], dtype=np.uint64)
    with pytest.raises(ValueError, match=rf"^candidate_list: list index {index} is above the largest supported"):
        block_vote([[50, 0, 42, 38]], [2], lists)


def test_the_pipeline_and_the_rules_name_a_bad_rng_alike():
    """seeds.normalise_rng (the pipeline's) and the rules' check are one: the same
    message, and a bool refused (NumPy would read True as the seed 1)."""
    from malivote.rules._validation import as_rng
    from malivote.seeds import normalise_rng

    for bad in (True, -1, "x"):
        with pytest.raises(ValueError) as by_seeds:
            normalise_rng(bad)
        with pytest.raises(ValueError) as by_rules:
            as_rng(bad)
        assert str(by_seeds.value) == str(by_rules.value)


@pytest.mark.parametrize("flag", ["no", 1, 0, None, "False"])
@pytest.mark.parametrize(
    "rule",
    [
        lambda flag: two_round([[3, 1]], [1], count_lots=flag),
        lambda flag: plurality([[3, 1]], [1], count_lots=flag),
        lambda flag: open_runoff([[3, 1]], [1], [5], count_lots=flag),
        lambda flag: divisor([3, 1], 1, method="dhondt", count_lots=flag),
        lambda flag: largest_remainder([3, 1], 1, quota="hare", count_lots=flag),
        lambda flag: block_vote([[3, 1]], [1], [[0, 1]], count_lots=flag),
    ],
)
def test_count_lots_must_be_a_bool(rule, flag, backend_name):
    """A truthy string such as "no" was read as True (lots counted), a falsy 0 as False."""
    with pytest.raises(ValueError, match=rf"^count_lots: expected True or False, found {re.escape(repr(flag))}$"):
        rule(flag)
