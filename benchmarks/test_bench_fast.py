"""Benchmarks of the two backends (issue: optional accelerated backend).

On 20,000 draws x 125 constituencies x 20 lists of int32 votes, for each backend, all
measured in the same run (``pytest benchmarks/test_bench_fast.py --benchmark-enable``):

- ``two_round`` time over one read pass of the same array (``votes.sum()``), for the
  whole call and for its kernel alone (the fused kernel under numba, ``leading_lists``
  under NumPy). Target with numba: the kernel within 2x of the read pass;
- national elections per second (one election = one draw of the 125 constituencies).
  Target with numba: at least 400,000/s on 2 cores;
- national D'Hondt, 147 seats x 20 parties, draws per second;
- ``plurality`` on the same votes, elections per second and over a read pass.

Read passes and engine calls alternate, and each figure is the best of several, so
that the ratios compare like with like on a noisy machine. In smoke mode (the default
``--benchmark-disable``) 2,000 draws keep CI fast. The numba cases skip when numba is
not installed.
"""

from __future__ import annotations

import importlib.util
import time

import numpy as np
import pytest

from malivote.rules import divisor, plurality, two_round
from malivote.rules._backend import use_backend
from malivote.rules._kernels import leading_lists

from test_bench_rules import CONSTITUENCIES, LISTS, NATIONAL_SEATS, _magnitude_125, _votes

DRAWS, SMOKE_DRAWS = 20_000, 2_000

BACKENDS = [
    "numpy",
    pytest.param(
        "numba",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("numba") is None, reason="numba is not installed"
        ),
    ),
]

_CACHE: dict = {}


def _district_votes(draws: int) -> np.ndarray:
    key = ("district", draws)
    if key not in _CACHE:
        _CACHE[key] = _votes((draws, CONSTITUENCIES, LISTS), seed=1)
    return _CACHE[key]


def _national_votes(draws: int) -> np.ndarray:
    key = ("national", draws)
    if key not in _CACHE:
        _CACHE[key] = _votes((draws, LISTS), seed=2).astype(np.int64) * 40
    return _CACHE[key]


def _best_times(functions, repeat: int) -> list[float]:
    """The best time of each function, calling them in turn ``repeat`` times."""
    best = [float("inf")] * len(functions)
    for _ in range(repeat):
        for index, function in enumerate(functions):
            start = time.perf_counter()
            function()
            best[index] = min(best[index], time.perf_counter() - start)
    return best


def _kernel(backend: str, flat: np.ndarray):
    if backend == "numba":
        from malivote.rules import _numba

        return lambda: _numba.two_round_rows(flat, None, 1, 2)
    return lambda: leading_lists(flat, 3)


def _same_winners_as_numpy(backend, rule, votes, magnitude, outcome):
    """The numba backend's winners are the NumPy path's (the benchmarks time like for like)."""
    if backend == "numba":
        with use_backend("numpy"):
            np.testing.assert_array_equal(rule(votes, magnitude, rng=0).winner, outcome.winner)


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_round_backend(benchmark, record, backend):
    draws = SMOKE_DRAWS if benchmark.disabled else DRAWS
    votes = _district_votes(draws)
    magnitude = _magnitude_125()
    flat = votes.reshape(-1, LISTS)
    with use_backend(backend):
        reference = two_round(votes, magnitude, rng=0)  # compiles or loads the kernels
        kernel = _kernel(backend, flat)
        kernel()
        outcome = benchmark(two_round, votes, magnitude, rng=0)
        repeat = 1 if benchmark.disabled else 7
        read_pass, engine, kernel_time = _best_times(
            [votes.sum, lambda: two_round(votes, magnitude, rng=0), kernel], repeat
        )
    assert (outcome.seats.sum(axis=(-1, -2)) == 147).all()
    np.testing.assert_array_equal(outcome.winner, reference.winner)
    _same_winners_as_numpy(backend, two_round, votes, magnitude, outcome)
    record(
        f"[{backend}] two_round {draws:,} x {CONSTITUENCIES} x {LISTS}",
        benchmark,
        elections_per_s=draws / engine,
        x_read_pass=engine / read_pass,
        kernel_x_read_pass=kernel_time / read_pass,
        read_pass_ms=read_pass * 1e3,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_plurality_backend(benchmark, record, backend):
    draws = SMOKE_DRAWS if benchmark.disabled else DRAWS
    votes = _district_votes(draws)
    magnitude = _magnitude_125()
    with use_backend(backend):
        reference = plurality(votes, magnitude, rng=0)
        outcome = benchmark(plurality, votes, magnitude, rng=0)
        repeat = 1 if benchmark.disabled else 7
        read_pass, engine = _best_times([votes.sum, lambda: plurality(votes, magnitude, rng=0)], repeat)
    np.testing.assert_array_equal(outcome.winner, reference.winner)
    _same_winners_as_numpy(backend, plurality, votes, magnitude, outcome)
    record(
        f"[{backend}] plurality {draws:,} x {CONSTITUENCIES} x {LISTS}",
        benchmark,
        elections_per_s=draws / engine,
        x_read_pass=engine / read_pass,
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_national_dhondt_backend(benchmark, record, backend):
    draws = SMOKE_DRAWS if benchmark.disabled else DRAWS
    votes = _national_votes(draws)
    with use_backend(backend):
        divisor(votes, NATIONAL_SEATS, method="dhondt", rng=0)
        seats = benchmark(divisor, votes, NATIONAL_SEATS, method="dhondt", rng=0)
        repeat = 1 if benchmark.disabled else 7
        read_pass, engine = _best_times(
            [votes.sum, lambda: divisor(votes, NATIONAL_SEATS, method="dhondt", rng=0)], repeat
        )
    assert (seats.sum(axis=-1) == NATIONAL_SEATS).all()
    if backend == "numba":
        with use_backend("numpy"):
            np.testing.assert_array_equal(divisor(votes, NATIONAL_SEATS, method="dhondt", rng=0), seats)
    record(
        f"[{backend}] national D'Hondt {NATIONAL_SEATS} seats x {LISTS} parties x {draws:,} draws",
        benchmark,
        draws_per_s=draws / engine,
        x_read_pass=engine / read_pass,
    )
