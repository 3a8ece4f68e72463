"""Where a method is known to violate an axiom: the concrete counterexample, pinned.

Each entry of :data:`malivote.testing.COUNTEREXAMPLES` is replayed against
:mod:`malivote.rules` under several lots (the input is tie-free, so the lot must not
matter), and the violation is checked with the arithmetic written out here rather
than through :func:`~malivote.testing.find_violations`.
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor

import numpy as np
import pytest

from malivote.testing import COUNTEREXAMPLES, rule_for

LOTS = range(8)


def _seats(method, votes, seats):
    rule = rule_for(method)
    results = {tuple(rule(votes, seats, rng=lot).tolist()) for lot in LOTS}
    assert len(results) == 1, f"{method} {votes} {seats}: the lot decides ({results})"
    return list(results.pop())


def _cases(axiom):
    return [
        pytest.param(method, example, id=method)
        for (method, name), example in COUNTEREXAMPLES.items()
        if name == axiom
    ]


@pytest.mark.parametrize(("method", "example"), _cases("quota"))
def test_quota_violation(method, example):
    votes, seats = example["votes"], example["seats"]
    result = _seats(method, votes, seats)
    assert result == example["result"]
    quotas = [Fraction(seats * v, sum(votes)) for v in votes]
    assert any(not floor(q) <= got <= ceil(q) for q, got in zip(quotas, result))


@pytest.mark.parametrize(("method", "example"), _cases("house_monotonicity"))
def test_alabama_paradox(method, example):
    votes, seats = example["votes"], example["seats"]
    before, after = _seats(method, votes, seats), _seats(method, votes, seats + 1)
    assert before == example["result"] and after == example["result_one_more_seat"]
    assert any(a < b for b, a in zip(before, after))


@pytest.mark.parametrize(("method", "example"), _cases("population_monotonicity"))
def test_population_paradox(method, example):
    votes, later, seats = example["votes"], example["later_votes"], example["seats"]
    before, after = _seats(method, votes, seats), _seats(method, later, seats)
    assert before == example["result"] and after == example["later_result"]
    loser = next(i for i in range(len(votes)) if after[i] < before[i])
    gainer = next(j for j in range(len(votes)) if after[j] > before[j])
    # The loser's votes did not fall relative to the gainer's.
    assert Fraction(later[loser], later[gainer]) >= Fraction(votes[loser], votes[gainer])


@pytest.mark.parametrize(("method", "example"), _cases("majority"))
def test_majority_short_of_half(method, example):
    votes, seats = example["votes"], example["seats"]
    result = _seats(method, votes, seats)
    assert result == example["result"]
    leader = int(np.argmax(votes))
    assert 2 * votes[leader] > sum(votes) and 2 * result[leader] < seats


def test_every_counterexample_is_replayed_here():
    replayed = {"quota", "house_monotonicity", "population_monotonicity", "majority"}
    assert {axiom for _, axiom in COUNTEREXAMPLES} <= replayed
