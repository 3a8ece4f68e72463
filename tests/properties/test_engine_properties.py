"""Properties of :mod:`malivote.rules` stated directly with the public strategies.

These complement the table-driven axioms (``test_axiom_table.py``) with facts from
``docs/engine-conventions.md`` that are not axioms of apportionment: empty slots,
thresholds as exclusion, the default transfer of ``two_round`` and its outcome fields.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from malivote import rules
from malivote.testing import rule_for
from malivote.testing import strategies as mst
from malivote.testing.table import DIVISOR_KEYS, REMAINDER_KEYS

pytestmark = pytest.mark.slow

APPORTIONMENT_KEYS = DIVISOR_KEYS + REMAINDER_KEYS


def _lot_free(rule, *args, **kwargs):
    """The rule's result if the lot does not change it, else reject the example."""
    results = [rule(*args, **kwargs, rng=lot) for lot in range(4)]
    assume(all(np.array_equal(results[0], other) for other in results[1:]))
    return results[0]


@pytest.mark.parametrize("method", APPORTIONMENT_KEYS)
@given(case=mst.apportionment_cases(lists=(2, 6), seats=(0, 30)))
def test_empty_slots_get_no_seats(method, case):
    votes, seats = case
    allocation = rule_for(method)(votes, seats, rng=0)
    assert (allocation >= 0).all()
    assert (allocation[votes == 0] == 0).all()


@pytest.mark.parametrize("method", APPORTIONMENT_KEYS)
@given(
    case=mst.apportionment_cases(lists=(2, 6), seats=(1, 20), ties=False),
    percent=st.integers(1, 40),
)
def test_a_threshold_excludes_lists_as_if_they_had_no_votes(method, case, percent):
    votes, seats = case
    threshold = percent / 100
    share = Fraction(repr(threshold))
    below = votes * share.denominator < share.numerator * votes.sum()
    assume(not below.all())
    rule = rule_for(method)
    with_threshold = _lot_free(rule, votes, seats, threshold=threshold)
    excluded = _lot_free(rule, np.where(below, 0, votes), seats)
    np.testing.assert_array_equal(with_threshold, excluded)


@pytest.mark.parametrize("method", APPORTIONMENT_KEYS)
@given(votes=mst.votes(lists=(2, 5), batch_shape=(3,), ties=False), seats=st.integers(0, 15))
def test_rows_of_a_batch_are_allocated_alone(method, votes, seats):
    rule = rule_for(method)
    batched = _lot_free(rule, votes, seats)
    for row, expected in zip(votes, batched):
        np.testing.assert_array_equal(_lot_free(rule, row, seats), expected)


@given(mst.elections(ties=False, second_round=False))
def test_default_transfer_elects_the_first_round_leader(election):
    outcome = rules.two_round(election.first, election.magnitude, rng=0)
    np.testing.assert_array_equal(outcome.winner, election.first.argmax(axis=-1))


@given(mst.elections(ties=False))
def test_two_round_outcome_fields(election):
    first, magnitude, second = election
    outcome = rules.two_round(first, magnitude, second, rng=0)
    majority = 2 * first.max(axis=-1) > first.sum(axis=-1)
    np.testing.assert_array_equal(outcome.round, np.where(majority, 1, 2))
    leaders = np.argsort(-first, axis=-1, kind="stable")[..., :2]
    np.testing.assert_array_equal(
        outcome.finalists,
        np.where(
            majority[..., None],
            np.stack([outcome.winner, -np.ones_like(outcome.winner)], -1),
            leaders,
        ),
    )
    np.testing.assert_array_equal(outcome.seats.argmax(axis=-1), outcome.winner)
    np.testing.assert_array_equal(outcome.magnitude, magnitude)


@given(mst.elections(ties=False, second_round=False, batch_shape=(2,)))
def test_plurality_elects_the_leader(election):
    outcome = rules.plurality(election.first, election.magnitude, rng=0)
    np.testing.assert_array_equal(outcome.winner, election.first.argmax(axis=-1))
    assert (outcome.round == 1).all()
    np.testing.assert_array_equal(outcome.finalists[..., 1], -1)
