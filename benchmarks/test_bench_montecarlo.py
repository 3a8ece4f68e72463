"""Benchmarks at scale: Monte Carlo with district noise, and peak memory of a long run.

- Draw plus decide on 20,000 draws x 125 constituencies x 20 lists: log-normal noise on
  one election's list votes (:func:`malivote.models.lognormal_votes`), then Mali's rule.
  Targets: at least 50,000 national elections/s, and at most 2x the time to draw the
  random numbers alone (the same float32 normals, same blocks, same threads).
  Empty slots draw no random number, in either.
- A counterfactual built from ``[[lists]]`` (the 2020 election written out) with
  Dirichlet district noise, end to end with ``simulate`` (1 worker): draws per second,
  against the time to draw its random numbers alone (the gamma variates of both rounds'
  slots, block by block from the same streams) and against the NumPy backend.
  Target (issue 13): 10,000 draws/s or more.
- Peak resident memory of a 1,000,000-draw streaming run of that counterfactual, in
  a fresh process. Targets: under 1 GB, under 2 minutes.
"""

import json
import subprocess
import sys
import textwrap

import numpy as np

from malivote.models import LOGNORMAL_PIECE, lognormal_votes
from malivote.rules import two_round
from test_bench_fast import _best_times
from test_bench_rules import _magnitude_125, _votes

DRAWS, WORKERS, BLOCK, SIGMA = 20_000, 2, 1024, 0.15


def _normals_only(base, draws, seed):
    """The random numbers alone: the float32 normals lognormal_votes draws (one per
    filled slot), drawn the fastest way, into one reused buffer per block."""
    from concurrent.futures import ThreadPoolExecutor

    children = np.random.SeedSequence(seed).spawn(-(-draws // BLOCK))
    filled = int(np.count_nonzero(base))

    def fill(b):
        count = min(BLOCK, draws - b * BLOCK)
        rng = np.random.default_rng(children[b])
        buffer = np.empty((LOGNORMAL_PIECE, filled), dtype=np.float32)
        for start in range(0, count, LOGNORMAL_PIECE):
            rng.standard_normal(out=buffer[: min(LOGNORMAL_PIECE, count - start)], dtype=np.float32)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(fill, range(len(children))))


def test_monte_carlo_with_district_noise(benchmark, record):
    base = _votes((1, 125, 20), seed=3)[0]
    magnitude = _magnitude_125()
    draws = DRAWS if not benchmark.disabled else 2_000

    def draw_and_decide():
        votes = lognormal_votes(base, SIGMA, draws, rng=5, block=BLOCK, workers=WORKERS)
        return two_round(votes, magnitude, rng=0)

    outcome = benchmark.pedantic(draw_and_decide, rounds=1, iterations=1)
    assert (outcome.seats.sum(axis=(-1, -2)) == 147).all()
    repeat = 1 if benchmark.disabled else 7
    total, random_alone = _best_times([draw_and_decide, lambda: _normals_only(base, draws, 5)], repeat)
    record(
        f"Monte Carlo with district noise, {draws:,} x 125 x 20",
        benchmark,
        elections_per_s=draws / total,
        x_random_numbers_alone=total / random_alone,
    )


def _lists_scenario(concentration: float = 300.0):
    """The 2020 replay's first draw written out as ``[[lists]]``, with Dirichlet noise."""
    from malivote.reconstruct import reconstruct
    from malivote.scenario import parse_scenario

    election = reconstruct(2020, draws=1, seed=0)
    lines = ['[election]', 'layout = "mali-55"', '[rule]', 'method = "two_round"',
             '[models.noise]', 'kind = "dirichlet"', f'concentration = {concentration}']
    for c, name in enumerate(election.layout.names):
        for k in range(election.first.shape[-1]):
            votes = int(election.first[0, c, k])
            if votes:
                members = [p for bit, p in enumerate(election.parties) if int(election.members[0, c, k]) >> bit & 1]
                lines += ['[[lists]]', f'constituency = "{name}"', 'parties = ' + json.dumps(members),
                          f'votes = [{votes}]']
    return parse_scenario("\n".join(lines))


def test_counterfactual_from_lists_with_dirichlet_noise(benchmark, record):
    from malivote import seeds
    from malivote.rules._backend import use_backend
    from malivote.simulate import simulate
    from malivote.sources import election_from_lists

    scenario = _lists_scenario()
    draws = 20_000 if not benchmark.disabled else 2_000
    votes = election_from_lists(scenario).ensemble

    def run(name="numba"):
        with use_backend(name):
            return simulate(scenario, draws=draws, seed=1, keep=False, chunk_size=1000, workers=1)

    def random_alone():
        """The random numbers alone: one gamma variate per slot of round 1 (shape 1
        where empty) and per slot of round 2 (all empty: exponentials), per block."""
        first = np.broadcast_to(votes.first, (seeds.BLOCK,) + votes.first.shape[1:])
        total = np.maximum(first.sum(axis=-1, keepdims=True), 1)
        alpha = 300.0 * (first / total)
        shapes = np.where(alpha > 0, alpha, 1.0)
        for block in range(-(-draws // seeds.BLOCK)):
            rng = seeds.block_rng(1, seeds.Stage.RULE, block)
            rng.standard_gamma(shapes)
            rng.standard_exponential(size=shapes.shape)

    from malivote.pipeline import compile_scenario

    pipeline = compile_scenario(scenario, seed=1)
    block_votes = pipeline.source.draw(0, seeds.BLOCK)

    def models_alone(name="numba"):
        """The models stage alone (the noise of both rounds), block by block."""
        with use_backend(name):
            for block in range(-(-draws // seeds.BLOCK)):
                pipeline.models.apply(block_votes, seeds.block_rng(1, seeds.Stage.RULE, block))

    result = benchmark.pedantic(run, rounds=1, iterations=1)
    assert result.n_draws == draws
    expected = run("numpy")
    np.testing.assert_array_equal(result.tally.party_hist, expected.tally.party_hist)
    assert result.tally.metric_sums == expected.tally.metric_sums
    repeat = 1 if benchmark.disabled else 3
    total, numpy_total, models_total, models_numpy, random_total = _best_times(
        [run, lambda: run("numpy"), models_alone, lambda: models_alone("numpy"), random_alone], repeat
    )
    record(
        f"counterfactual from [[lists]] + Dirichlet noise, {draws:,} draws, 1 worker",
        benchmark,
        draws_per_s=draws / total,
        numpy_backend_draws_per_s=draws / numpy_total,
        x_random_numbers_alone=total / random_total,
        models_x_random_numbers_alone=models_total / random_total,
        models_numpy_backend_x_random_numbers_alone=models_numpy / random_total,
    )


def test_peak_memory_of_a_long_streaming_run(benchmark, record, tmp_path):
    draws = 1_000_000 if not benchmark.disabled else 20_000
    script = textwrap.dedent(
        f"""
        import json, resource, time
        from malivote.simulate import simulate
        from malivote.scenario import parse_scenario
        from malivote.reconstruct import reconstruct
        election = reconstruct(2020, draws=1, seed=0)
        names = election.layout.names
        lines = ['[election]', 'layout = "mali-55"', '[rule]', 'method = "two_round"',
                 '[models.noise]', 'kind = "dirichlet"', 'concentration = 300.0']
        for c, name in enumerate(names):
            for k in range(election.first.shape[-1]):
                votes = int(election.first[0, c, k])
                if votes:
                    members = [p for bit, p in enumerate(election.parties) if int(election.members[0, c, k]) >> bit & 1]
                    lines += ['[[lists]]', f'constituency = "{{name}}"', f'parties = {{members!r}}'.replace("'", '"'),
                              f'votes = [{{votes}}]']
        scenario = parse_scenario("\\n".join(lines))
        start = time.perf_counter()
        result = simulate(scenario, draws={draws}, seed=1, keep=False, chunk_size=1000, workers=1)
        elapsed = time.perf_counter() - start
        try:
            # This process's own high-water mark. ru_maxrss would count the parent's
            # size too: Linux charges the memory it had when forking to the child.
            with open("/proc/self/status") as status:
                peak_kib = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
        except OSError:
            peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(json.dumps({{"draws": result.n_draws, "seconds": elapsed, "peak_mib": peak_kib / 1024}}))
        """
    )
    path = tmp_path / "long_run.py"
    path.write_text(script)
    completed = benchmark.pedantic(
        subprocess.run, args=([sys.executable, str(path)],), kwargs={"capture_output": True, "text": True, "check": True},
        rounds=1, iterations=1,
    )
    figures = json.loads(completed.stdout.strip().splitlines()[-1])
    assert figures["draws"] == draws
    assert figures["peak_mib"] < 1024
    record(
        f"streaming run of {draws:,} draws (lists + Dirichlet noise, chunks of 1,000, 1 worker)",
        benchmark,
        peak_resident_mib=figures["peak_mib"],
        seconds=figures["seconds"],
        draws_per_s=draws / figures["seconds"],
    )
