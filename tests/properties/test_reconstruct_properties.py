"""Hypothesis over seeds: the reconstruction constraints hold for any seed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from malivote import datasets
from malivote.election import credit_seats
from malivote.reconstruct import reconstruct, verify
from malivote.rules import two_round

pytestmark = pytest.mark.slow

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
SETTINGS = settings(max_examples=8, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(seed=SEEDS, year=st.sampled_from(datasets.YEARS))
def test_every_fact_holds_for_any_seed(seed, year):
    ens = reconstruct(year, draws=20, seed=seed)
    assert verify(ens) == []
    out = two_round(ens.first, ens.magnitude, ens.second, rng=seed)
    seats, _ = credit_seats(out.seats, ens.roster_party, ens.roster_female, len(ens.parties))
    for party, total in datasets.seat_totals(year).items():
        assert (seats[:, ens.parties.index(party)] == total).all()


@SETTINGS
@given(seed=SEEDS, year=st.sampled_from(datasets.YEARS))
def test_the_lot_never_matters(seed, year):
    """No ties anywhere the rule looks: the result does not depend on the engine's rng."""
    ens = reconstruct(year, draws=20, seed=seed)
    a = two_round(ens.first, ens.magnitude, ens.second, rng=1)
    b = two_round(ens.first, ens.magnitude, ens.second, rng=2)
    assert np.array_equal(a.winner, b.winner)
    assert np.array_equal(np.sort(a.finalists, -1), np.sort(b.finalists, -1))


@settings(max_examples=4, deadline=None, database=None)
@given(seed=SEEDS, year=st.sampled_from(datasets.YEARS))
def test_mali_125_for_any_seed(seed, year):
    assert verify(reconstruct(year, layout="mali-125", draws=10, seed=seed)) == []
