"""Benchmark: the 2020 replay, reconstruction alone (draws/s after set-up) and with the engine.

Set-up (the integer programme's starting pool, the facts, the compiled chain) is done
once before timing. Target (issue): 20,000 draws/s after set-up on the 2-core machine;
the rate measured is recorded beside it. ``--benchmark-disable`` (CI) runs a small
smoke version.
"""

import time

from malivote.reconstruct import reconstruct
from malivote.scenario import load_scenario
from malivote.simulate import simulate

TARGET_DRAWS_PER_S = 20_000


def test_reconstruct_2020_draws_per_s_after_setup(benchmark, record):
    draws = 5000 if not benchmark.disabled else 200
    reconstruct(2020, draws=100, seed=1)  # set-up: pool, facts, compiled kernels
    start = time.perf_counter()
    ens = benchmark.pedantic(reconstruct, args=(2020,), kwargs={"draws": draws, "seed": 1}, rounds=1, iterations=1)
    elapsed = time.perf_counter() - start
    assert ens.n_draws == draws
    record("2020 reconstruct after set-up", benchmark, draws=draws, seconds=elapsed,
           draws_per_s=draws / elapsed, target_draws_per_s=TARGET_DRAWS_PER_S)


def test_replay_2020_1000_draws(benchmark, record):
    scenario = load_scenario("mali_2020")
    draws = 1000 if not benchmark.disabled else 100
    start = time.perf_counter()
    simulation = benchmark.pedantic(simulate, args=(scenario,), kwargs={"draws": draws, "seed": 1}, rounds=1, iterations=1)
    elapsed = time.perf_counter() - start
    assert (simulation.party_seats.sum(axis=1) == 147).all()
    record("2020 replay", benchmark, draws=draws, seconds=elapsed, draws_per_s=draws / elapsed)
