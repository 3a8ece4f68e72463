"""The public property-testing toolkit, :mod:`malivote.testing`.

The acceptance tests of the toolkit: find_violations finds the Alabama paradox in a
plain Hamilton rule, D'Hondt's quota violation and a planted off-by-one bug, and finds
nothing where nothing is wrong. Plus the strategies' promises and the API's errors.
"""

from __future__ import annotations

import functools
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings

from malivote import rules
from malivote.testing import (
    APPORTIONMENT_AXIOMS,
    AXIOM_DESCRIPTIONS,
    AXIOMS,
    DISTRICT_AXIOMS,
    Violation,
    find_violations,
    rule_for,
)
from malivote.testing import strategies as mst


def hamilton(votes, seats):
    """Hamilton's method (Hare quota, largest remainders), as a reader would write it.

    Exact with fractions; ties for the last seats go to the lower slot.
    """
    votes = [int(v) for v in votes]
    total = sum(votes)
    quotas = [Fraction(v * seats, total) for v in votes]
    allocation = [q.numerator // q.denominator for q in quotas]
    by_remainder = sorted(range(len(votes)), key=lambda i: allocation[i] - quotas[i])
    for i in by_remainder[: seats - sum(allocation)]:
        allocation[i] += 1
    return allocation


def dhondt(votes, seats):
    return rules.divisor(votes, seats, method="dhondt", rng=0)


# --------------------------------------------------------------------------- acceptance


def test_finds_the_alabama_paradox_in_hamilton():
    violations = find_violations(hamilton, "house_monotonicity")
    assert violations, "Hamilton's method shows the Alabama paradox"
    violation = violations[0]
    assert violation.axiom == "house_monotonicity"
    votes, seats = violation.example["votes"], violation.example["seats"]
    before, after = hamilton(votes, seats), hamilton(votes, seats + 1)
    assert any(b > a for b, a in zip(before, after))
    # Shrunk to something a reader can check by hand.
    assert len(votes) <= 6 and seats <= 24
    assert "lost a seat" in str(violation) and "→" in str(violation)


def test_finds_the_quota_violation_of_dhondt():
    violations = find_violations(
        functools.partial(rules.divisor, method="dhondt"), "quota", max_examples=200
    )
    assert violations
    example = violations[0].example
    seats = rules.divisor(example["votes"], example["seats"], method="dhondt", rng=0)
    votes = np.array(example["votes"])
    quotas = example["seats"] * votes / votes.sum()
    # D'Hondt never falls below the lower quota: its violations are of the upper one.
    assert violations[0].clause == "upper quota"
    assert (seats > np.ceil(quotas)).any()


def test_finds_nothing_for_dhondt_house_monotonicity():
    assert find_violations(dhondt, "house_monotonicity") == []


def test_finds_a_rule_that_gives_one_seat_too_many():
    def one_too_many(votes, seats):
        allocation = dhondt(votes, seats)
        allocation[np.argmax(votes)] += 1
        return allocation

    violations = find_violations(one_too_many, "house_size")
    assert len(violations) == 1
    violation = violations[0]
    assert violation.axiom == "house_size"
    # Shrunk: the smallest house, two small lists.
    assert violation.example["seats"] == 1
    assert len(violation.example["votes"]) == 2
    assert str(violation).startswith("house_size: votes ")


def test_hamilton_stays_within_quota():
    assert find_violations(hamilton, "quota", max_examples=100) == []


# --------------------------------------------------------------------------- behaviour


def test_violations_are_printable_and_carry_their_input():
    violation = Violation("quota", "upper quota", "votes [1, 1, 4], 3 seats: ...", {"seats": 3})
    assert str(violation) == "quota: votes [1, 1, 4], 3 seats: ..."
    assert violation.example == {"seats": 3}


def test_the_search_is_reproducible():
    def one_too_few(votes, seats):
        return np.maximum(dhondt(votes, seats) - 1, 0)

    first = find_violations(one_too_few, "house_size", max_examples=50)
    assert first and first == find_violations(one_too_few, "house_size", max_examples=50)
    seeded = find_violations(one_too_few, "house_size", max_examples=50, seed=7)
    assert seeded == find_violations(one_too_few, "house_size", max_examples=50, seed=7)


def test_examples_are_tried_and_reported_as_given():
    violations = find_violations(
        hamilton, "house_monotonicity", max_examples=1, examples=[{"votes": [1, 3, 3], "seats": 3}]
    )
    assert [str(v) for v in violations] == [
        "house_monotonicity: votes [1, 3, 3]: seats 3 → 4: list 0 lost a seat "
        "([1, 1, 1] → [0, 2, 2])"
    ]
    # A violation's example feeds back in, as a regression test.
    assert find_violations(hamilton, "house_monotonicity", examples=[violations[0].example])


def test_bad_examples_are_named():
    with pytest.raises(ValueError, match="examples"):
        find_violations(hamilton, "quota", examples=[{"votes": [1, 2]}])


def test_a_vectorized_rule_gives_the_same_answers():
    rule = functools.partial(rules.largest_remainder, quota="hare")
    pinned = {"votes": [1, 3, 3], "seats": 3}
    one_by_one = find_violations(rule, "house_monotonicity", max_examples=1, examples=[pinned])
    batched = find_violations(
        rule, "house_monotonicity", max_examples=1, examples=[pinned], vectorized=True
    )
    assert one_by_one == batched and len(batched) == 1
    searched = find_violations(rule, "house_monotonicity", max_examples=100, vectorized=True)
    assert searched
    votes, seats = searched[0].example["votes"], searched[0].example["seats"]
    assert (rule(votes, seats + 1, rng=0) < rule(votes, seats, rng=0)).any()


def test_ties_decided_by_lot_are_not_violations():
    # The lot of an un-seeded rule differs from call to call; on tied input (here
    # 1 seat for [1, 1]) that must not pass for a breach of anonymity.
    def unseeded(votes, seats):
        return rules.divisor(votes, seats, method="dhondt")

    tied = {"votes": [5, 5], "seats": 1, "permutation": [1, 0]}
    assert find_violations(unseeded, "anonymity", max_examples=30, examples=[tied]) == []
    seeded = functools.partial(rules.divisor, method="dhondt")
    assert find_violations(seeded, "anonymity", max_examples=30, examples=[tied]) == []


def test_a_rule_that_favours_a_slot_is_not_anonymous():
    def first_slot_wins_ties(votes, seats):
        # D'Hondt, but every tie and near-tie goes to slot 0 (a 10 % bonus).
        boosted = np.array(votes, dtype=float)
        boosted[0] *= 1.1
        return rules.divisor(
            np.round(boosted * 1000).astype(np.int64), seats, method="dhondt", rng=0
        )

    violations = find_violations(first_slot_wins_ties, "anonymity")
    assert violations and violations[0].axiom == "anonymity"


def test_threshold_axiom_calls_the_rule_with_a_threshold():
    def ignores_threshold(votes, seats, threshold=0.0):
        return dhondt(votes, seats)

    violations = find_violations(ignores_threshold, "threshold")
    assert violations and "below the threshold" in str(violations[0])
    assert find_violations(functools.partial(rules.divisor, method="dhondt"), "threshold") == []


def test_threshold_axiom_needs_a_threshold_keyword():
    with pytest.raises(TypeError, match="threshold"):
        find_violations(hamilton, "threshold")


def test_majority_axiom():
    sainte_lague = functools.partial(rules.divisor, method="sainte_lague")
    violations = find_violations(sainte_lague, "majority", max_examples=300)
    assert violations and "majority of the votes" in str(violations[0])
    assert find_violations(dhondt, "majority") == []


def test_population_paradox_of_hamilton():
    hare = functools.partial(rules.largest_remainder, quota="hare")
    violations = find_violations(hare, "population_monotonicity", vectorized=True)
    assert violations
    example = violations[0].example
    before = hare(example["votes"], example["seats"], rng=0)
    after = hare(example["later_votes"], example["seats"], rng=0)
    assert not np.array_equal(before, after)
    assert "lost a seat while list" in str(violations[0])


def test_district_axioms_hold_for_two_round():
    for axiom in DISTRICT_AXIOMS:
        assert find_violations(rules.two_round, axiom, max_examples=50) == [], axiom


def test_a_district_rule_may_return_seats_or_an_outcome():
    def seats_only(first, magnitude, second=None, *, rng=None):
        return rules.two_round(first, magnitude, second, rng=rng).seats

    assert find_violations(seats_only, "runoff_finalists", max_examples=30) == []


def test_a_runoff_that_ignores_the_second_round_is_caught():
    def first_round_only(first, magnitude, second=None, *, rng=None):
        # Skips the runoff: the first-round leader always takes the seats.
        return rules.plurality(first, magnitude, rng=rng)

    violations = find_violations(first_round_only, "runoff_finalists")
    assert violations and violations[0].clause == "runoff winner"


def test_a_district_rule_with_two_arguments_is_called_with_two():
    calls = []

    def plurality(votes, magnitude):
        calls.append(votes.shape)
        return rules.plurality(votes, magnitude, rng=0)

    assert find_violations(plurality, "majority", max_examples=10) == []
    assert calls


def test_kind_follows_the_signature():
    # `magnitude` in the signature: a district rule, checked against district input.
    assert find_violations(rules.plurality, "house_size", max_examples=10) == []
    assert find_violations(dhondt, "house_size", max_examples=10, kind="apportionment") == []


def test_unknown_or_misapplied_axioms_are_refused():
    with pytest.raises(ValueError, match="unknown axiom"):
        find_violations(dhondt, "proportionality")
    with pytest.raises(ValueError, match="does not apply"):
        find_violations(dhondt, "runoff_finalists", kind="apportionment")
    with pytest.raises(ValueError, match="does not apply"):
        find_violations(rules.two_round, "quota", kind="district")
    with pytest.raises(ValueError, match="max_examples"):
        find_violations(dhondt, "quota", max_examples=0)


def test_errors_of_the_rule_propagate():
    def broken(votes, seats):
        raise ZeroDivisionError("no")

    with pytest.raises(ZeroDivisionError):
        find_violations(broken, "house_size", max_examples=5)


def test_axiom_names():
    assert set(APPORTIONMENT_AXIOMS) | set(DISTRICT_AXIOMS) == set(AXIOM_DESCRIPTIONS)
    for row in AXIOMS.values():
        assert set(row) == set(AXIOM_DESCRIPTIONS)


def test_rule_for_knows_every_method():
    for method in AXIOMS:
        assert callable(rule_for(method))
    with pytest.raises(ValueError, match="unknown method"):
        rule_for("divisor:jefferson")


def test_importing_malivote_does_not_import_hypothesis():
    code = "import sys, malivote, malivote.rules; assert 'hypothesis' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_hypothesis_the_import_error_says_what_to_install():
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n    import malivote.testing\n"
        "except ImportError as error:\n    print(error)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert "pip install" in output and "hypothesis" in output


# --------------------------------------------------------------------------- strategies


@settings(max_examples=50)
@given(mst.votes(lists=(1, 5), max_votes=50, batch_shape=(3, 2)))
def test_votes_are_valid_batches(votes):
    assert votes.dtype == np.int64 and votes.shape[:2] == (3, 2)
    assert 1 <= votes.shape[-1] <= 5
    assert (votes >= 0).all() and (votes <= 50).all()
    assert (votes.sum(axis=-1) > 0).all()


@settings(max_examples=50)
@given(mst.votes(lists=4, total=(10, 30), zero_votes=False, ties=False))
def test_votes_with_a_total(votes):
    assert votes.shape == (4,) and 10 <= votes.sum() <= 30
    assert (votes > 0).all() and len(set(votes.tolist())) == 4


@settings(max_examples=50)
@given(mst.votes(lists=(2, 6), ties=False))
def test_tie_free_votes_have_distinct_counts(votes):
    positive = votes[votes > 0].tolist()
    assert len(set(positive)) == len(positive)


@settings(max_examples=50)
@given(mst.apportionment_cases(lists=(2, 3), seats=(0, 5)))
def test_apportionment_cases(case):
    votes, seats = case
    assert isinstance(seats, int) and 0 <= seats <= 5
    assert votes.ndim == 1 and votes.sum() > 0


@settings(max_examples=50)
@given(mst.elections(constituencies=(1, 3), lists=(2, 4), magnitude=(1, 3), ties=False))
def test_elections_fit_two_round(election):
    first, magnitude, second = election
    assert first.shape == second.shape and first.shape[0] == magnitude.shape[0]
    assert (first.sum(axis=-1) > 0).all() and (1 <= magnitude).all() and (magnitude <= 3).all()
    assert ((second > 0) == (first > 0)).all()
    outcome = rules.two_round(*election, rng=0)
    assert (outcome.seats.sum(axis=-1) == magnitude).all()


@settings(max_examples=20)
@given(mst.elections(batch_shape=(2,), second_round=False))
def test_elections_without_a_second_round(election):
    assert election.second is None and election.first.ndim == 3


def test_strategies_shrink_to_small_input():
    from hypothesis import find

    smallest = find(
        mst.votes(lists=(2, 6), ties=False),
        lambda v: v.max() > 10,
        settings=settings(database=None),
    )
    assert len(smallest) == 2 and smallest.max() == 11


@pytest.mark.parametrize(
    "make",
    [
        lambda: mst.votes(lists=(3, 2)),
        lambda: mst.votes(lists=0),
        lambda: mst.votes(lists=4, max_votes=3, ties=False),
        lambda: mst.votes(lists=4, total=3, zero_votes=False),
        lambda: mst.votes(batch_shape=(0,)),
        lambda: mst.apportionment_cases(seats=(-1, 2)),
        lambda: mst.elections(magnitude=0),
    ],
)
def test_strategy_arguments_are_checked(make):
    with pytest.raises(ValueError):
        make()
