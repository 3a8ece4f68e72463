"""Benchmarks of malivote.rules (issue: vectorised seat-allocation engine).

Targets on the 2-core development machine, as ratios measured in the same run:

- ``two_round`` on 10,000 draws x 125 constituencies x 20 lists: at least 50,000
  national elections/s, within 20x of one read pass over the votes, and at least 20x
  the pure-Python reference loop;
- national D'Hondt, 147 seats x 20 parties x 10,000 draws: at least 20,000 draws/s;
- D'Hondt in each of 125 constituencies (10,000 draws x 125 x 20).

The pure-Python reference is timed on the first draws of the same array (it needs
seconds per hundred elections) and compared per election.
"""

import time

import numpy as np
import pytest

import reference
from malivote.rules import divisor, two_round

DRAWS, CONSTITUENCIES, LISTS = 10_000, 125, 20
NATIONAL_SEATS = 147
REFERENCE_DRAWS = 20


def _best_time(function, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _magnitude_125() -> np.ndarray:
    """125 constituencies, 147 seats: 103 of one seat and 22 of two, as mali-125."""
    magnitude = np.ones(CONSTITUENCIES, dtype=np.int64)
    magnitude[:22] = 2
    return magnitude


def _votes(shape, seed: int) -> np.ndarray:
    """Vote counts with uneven list strengths and some empty slots (int32)."""
    rng = np.random.default_rng(seed)
    strength = rng.gamma(0.6, 1.0, size=shape)
    strength[..., 8:] *= rng.random(shape[:-1] + (shape[-1] - 8,)) < 0.5
    strength[..., 0] += 1e-3  # every constituency has at least one list with votes
    size = rng.integers(2_000, 60_000, size=shape[:-1] + (1,))
    return np.floor(strength / strength.sum(axis=-1, keepdims=True) * size).astype(np.int32) + (
        strength > 0
    )


@pytest.fixture(scope="module")
def district_votes():
    return _votes((DRAWS, CONSTITUENCIES, LISTS), seed=1)


@pytest.fixture(scope="module")
def national_votes():
    return _votes((DRAWS, LISTS), seed=2).astype(np.int64) * 40


def test_two_round(benchmark, record, district_votes):
    magnitude = _magnitude_125()
    outcome = benchmark(two_round, district_votes, magnitude, rng=0)
    assert (outcome.seats.sum(axis=(-1, -2)) == 147).all()

    repeat = 1 if benchmark.disabled else 5
    engine = _best_time(lambda: two_round(district_votes, magnitude, rng=0), repeat)
    read_pass = _best_time(lambda: district_votes.sum(), repeat)
    sample = district_votes[:REFERENCE_DRAWS]
    winners = None

    def run_reference():
        nonlocal winners
        winners = reference.two_round_reference(sample, magnitude)

    pure_python = _best_time(run_reference, 1)
    # The reference breaks ties towards the lowest slot; compare where there are none.
    engine_winners = outcome.winner[:REFERENCE_DRAWS]
    assert (np.asarray(winners) == engine_winners).mean() > 0.99
    record(
        "two_round 10,000 x 125 x 20",
        benchmark,
        elections_per_s=DRAWS / engine,
        x_read_pass=engine / read_pass,
        x_faster_than_reference=(pure_python / REFERENCE_DRAWS) / (engine / DRAWS),
    )


def test_national_dhondt(benchmark, record, national_votes):
    seats = benchmark(divisor, national_votes, NATIONAL_SEATS, method="dhondt", rng=0)
    assert (seats.sum(axis=-1) == NATIONAL_SEATS).all()

    repeat = 1 if benchmark.disabled else 5
    engine = _best_time(lambda: divisor(national_votes, NATIONAL_SEATS, method="dhondt", rng=0), repeat)
    read_pass = _best_time(lambda: national_votes.sum(), repeat)
    sample = national_votes[:REFERENCE_DRAWS]
    allocations = []
    pure_python = _best_time(
        lambda: allocations.extend(
            reference.divisor_reference(row, NATIONAL_SEATS, "dhondt") for row in sample.tolist()
        ),
        1,
    )
    assert (np.asarray(allocations[:REFERENCE_DRAWS]) == seats[:REFERENCE_DRAWS]).all()
    record(
        "national D'Hondt 147 seats x 20 parties x 10,000 draws",
        benchmark,
        draws_per_s=DRAWS / engine,
        x_read_pass=engine / read_pass,
        x_faster_than_reference=(pure_python / REFERENCE_DRAWS) / (engine / DRAWS),
    )


def test_district_dhondt(benchmark, record, district_votes):
    magnitude = np.broadcast_to(_magnitude_125(), district_votes.shape[:-1])
    seats = benchmark(divisor, district_votes, magnitude, method="dhondt", rng=0)
    assert (seats.sum(axis=(-1, -2)) == 147).all()

    repeat = 1 if benchmark.disabled else 3
    engine = _best_time(lambda: divisor(district_votes, magnitude, method="dhondt", rng=0), repeat)
    read_pass = _best_time(lambda: district_votes.sum(), repeat)
    sample = district_votes[:REFERENCE_DRAWS]
    allocations = []
    pure_python = _best_time(
        lambda: allocations.extend(
            reference.divisor_reference(row, int(m), "dhondt")
            for draw in sample.tolist()
            for row, m in zip(draw, _magnitude_125())
        ),
        1,
    )
    engine_sample = seats[:REFERENCE_DRAWS].reshape(-1, LISTS)
    assert (np.asarray(allocations) == engine_sample).all(axis=-1).mean() > 0.99
    record(
        "D'Hondt per constituency, 10,000 x 125 x 20",
        benchmark,
        elections_per_s=DRAWS / engine,
        x_read_pass=engine / read_pass,
        x_faster_than_reference=(pure_python / REFERENCE_DRAWS) / (engine / DRAWS),
    )
