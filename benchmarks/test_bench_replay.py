"""Benchmark: a 1,000-draw replay of 2020, reconstruction and engine together.

Target on the 2-core development machine: under 10 s.
"""

import time

from malivote.scenario import load_scenario
from malivote.simulate import simulate


def test_replay_2020_1000_draws(benchmark, record):
    scenario = load_scenario("mali_2020")
    draws = 1000 if not benchmark.disabled else 100
    start = time.perf_counter()
    simulation = benchmark.pedantic(simulate, args=(scenario,), kwargs={"draws": draws, "seed": 1}, rounds=1, iterations=1)
    elapsed = time.perf_counter() - start
    assert (simulation.party_seats.sum(axis=1) == 147).all()
    record("2020 replay", benchmark, draws=draws, seconds=elapsed, draws_per_s=draws / elapsed)
