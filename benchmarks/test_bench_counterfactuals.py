"""Benchmark: a 1,000-draw run of each counterfactual scenario (reconstruction,
models and rule together). The slowest is the figure to report."""

import time

import pytest

from malivote.scenario import SCENARIO_DIR, load_scenario
from malivote.simulate import simulate

COUNTERFACTUALS = sorted(SCENARIO_DIR.glob("counterfactuals/*.toml"))


@pytest.mark.parametrize("path", COUNTERFACTUALS, ids=lambda p: p.stem)
def test_counterfactual_1000_draws(benchmark, record, path):
    scenario = load_scenario(path)
    draws = 1000 if not benchmark.disabled else 100
    # The outcome pool of the replay is cached per process; warm it so that each case
    # times the draws, not the integer programme shared by all of them.
    simulate(scenario, draws=1, seed=1)
    start = time.perf_counter()
    simulation = benchmark.pedantic(simulate, args=(scenario,), kwargs={"draws": draws, "seed": 1}, rounds=1, iterations=1)
    elapsed = time.perf_counter() - start
    assert (simulation.party_seats.sum(axis=1) == 147).all()
    record(f"counterfactual {path.stem}", benchmark, draws=draws, seconds=elapsed)
