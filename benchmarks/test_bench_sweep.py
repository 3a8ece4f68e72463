"""Benchmark of malivote sweep (issue 14): in-process threads against a LocalCluster.

A 21-point sweep (a pairwise swing from RPM to URD, -10 to +10 points) of 10,000
draws per point on an election written out as ``[[lists]]`` (55 districts, six
parties), run in-process (threads, one per core) and on a real
``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)``. Printed, besides
pytest-benchmark's statistics: both times, their ratio, points per second per core,
and the scheduler's overhead per task (a sweep of 1-draw points on the cluster).

``pytest benchmarks/test_bench_sweep.py --benchmark-enable`` runs the full size; the
default run (``--benchmark-disable``) uses 20 draws per point and only checks that
both ways give the same dataset. ``MALIVOTE_BENCH_SWEEP_DRAWS`` changes the full
size's draws per point.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from malivote.layouts import get_layout
from malivote.sweep import load_sweep

distributed = pytest.importorskip("distributed")

POINTS, FULL_DRAWS, SMOKE_DRAWS = 21, 10_000, 20
PARTIES = ("RPM", "URD", "ADEMA", "CODEM", "ASMA", "SADI")


def _scenario_text(seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    lines = [
        'name = "benchmark: RPM to URD on six parties\' lists"',
        "[models.noise]", "concentration = 150.0",
        "[[models.swing]]", 'from = "RPM"', 'to = "URD"', "points = 0.0",
        "[blocs]", 'camp = ["RPM", "ADEMA"]',
        "[sweep]", '"models.swing.0.points" = {start = -10.0, stop = 10.0, step = 1.0}',
    ]
    strength = np.array([3.0, 2.0, 1.6, 1.0, 0.8, 0.6])
    for name in get_layout("mali-55").names:
        shares = rng.dirichlet(strength * 4)
        size = int(rng.integers(20_000, 80_000))
        for party, share in zip(PARTIES, shares):
            lines += ["[[lists]]", f'constituency = "{name}"', f'parties = ["{party}"]', f"votes = [{int(share * size)}]"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench_sweep") / "sweep.toml"
    path.write_text(_scenario_text(), encoding="utf-8")
    return path


def test_sweep_in_process_against_local_cluster(benchmark, record, sweep_file):
    from distributed import Client, LocalCluster

    draws = SMOKE_DRAWS if benchmark.disabled else int(os.environ.get("MALIVOTE_BENCH_SWEEP_DRAWS", FULL_DRAWS))
    sweep = load_sweep(sweep_file)
    assert len(sweep) == POINTS
    cores = os.cpu_count() or 1

    def in_process():
        return sweep.run(draws=draws, seed=1)

    start = time.perf_counter()
    local = benchmark.pedantic(in_process, rounds=1, iterations=1)
    local_seconds = time.perf_counter() - start

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            sweep.run(draws=1, seed=99, client=client)  # warm the workers (imports)
            start = time.perf_counter()
            remote = sweep.run(draws=draws, seed=1, client=client)
            cluster_seconds = time.perf_counter() - start
            start = time.perf_counter()
            sweep.run(draws=1, seed=98, client=client)
            tiny_cluster = time.perf_counter() - start
    start = time.perf_counter()
    sweep.run(draws=1, seed=98, workers=1)
    tiny_serial = time.perf_counter() - start

    assert remote.dataset.identical(local.dataset)
    record(
        "sweep 21 points x %d draws" % draws, benchmark,
        draws_per_point=draws,
        in_process_s=round(local_seconds, 2),
        local_cluster_2_workers_s=round(cluster_seconds, 2),
        cluster_over_in_process=round(cluster_seconds / local_seconds, 3),
        milli_points_per_s_per_core_in_process=round(1000 * POINTS / local_seconds / cores, 1),
        milli_points_per_s_per_core_cluster=round(1000 * POINTS / cluster_seconds / 2, 1),
        draws_per_s_per_core_cluster=round(POINTS * draws / cluster_seconds / 2, 1),
        tiny_point_cluster_ms=round(1000 * tiny_cluster / POINTS, 1),
        tiny_point_serial_ms=round(1000 * tiny_serial / POINTS, 1),
        cores=cores,
    )
