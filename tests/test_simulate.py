"""Simulation orchestration: chunking, progress, Jupyter display, compare and plots."""

import json
from pathlib import Path

import numpy as np
import pytest

from malivote.cli import main
from malivote.scenario import load_scenario, parse_scenario
from malivote.simulate import simulate


@pytest.mark.parametrize("chunk_size", [100, 300, 1000])
def test_results_do_not_depend_on_the_chunk_size(chunk_size):
    scenario = load_scenario("mali_2013")
    reference = simulate(scenario, draws=250, seed=6, chunk_size=5000)
    chunked = simulate(scenario, draws=250, seed=6, chunk_size=chunk_size)
    assert (reference.ensemble.first == chunked.ensemble.first).all()
    assert (reference.seats == chunked.seats).all()
    assert (reference.party_seats == chunked.party_seats).all()


def test_ties_by_lot_do_not_depend_on_the_chunk_size():
    """Plurality over the replay's votes; ties, if any, use per-block streams."""
    scenario = parse_scenario('[election]\nyear = 2020\n[rule]\nmethod = "largest_remainder"\nquota = "hare"\n')
    a = simulate(scenario, draws=200, seed=2, chunk_size=100)
    b = simulate(scenario, draws=200, seed=2, chunk_size=200)
    assert (a.seats == b.seats).all()


def test_a_prefix_of_draws_is_the_same_elections():
    scenario = load_scenario("mali_2020")
    short = simulate(scenario, draws=120, seed=9)
    long = simulate(scenario, draws=300, seed=9)
    assert (long.ensemble.first[:120] == short.ensemble.first).all()
    assert (long.seats[:120] == short.seats).all()


def test_progress_bar_switch(capsys):
    simulate(load_scenario("mali_2020"), draws=200, seed=1, chunk_size=100, progress=True)
    assert "draw" in capsys.readouterr().err
    simulate(load_scenario("mali_2020"), draws=200, seed=1, chunk_size=100, progress=False)
    assert capsys.readouterr().err == ""


def test_bad_arguments():
    scenario = load_scenario("mali_2020")
    with pytest.raises(ValueError, match="draws"):
        simulate(scenario, draws=0)
    with pytest.raises(ValueError, match="seed"):
        simulate(scenario, seed=-1)
    with pytest.raises(ValueError, match="chunk_size"):
        simulate(scenario, draws=5, chunk_size=0)


def test_repr_html_shows_seats_per_party():
    result = simulate(load_scenario("mali_2020"), draws=5, seed=0)
    html = result._repr_html_()
    assert html.startswith("<div>") and "<table>" in html
    assert "<td>RPM</td><td>51</td><td>51</td>" in html
    assert "Mali 2020" in repr(result)


def test_run_json_has_metrics(capsys):
    assert main(["run", "mali_2020", "--draws", "10", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("gallagher", "loosemore_hanby", "enp_votes", "enp_seats", "p_majority"):
        assert key in summary["metrics"]
    assert summary["metrics"]["p_majority"] == 0.0  # RPM's 51 seats are short of 74
    assert summary["metrics"]["runoffs"] == 43.0


def test_compare_side_by_side(capsys, tmp_path):
    plots = tmp_path / "plots"
    assert main(["compare", "mali_2020", "mali_2013", "--draws", "10", "--format", "json", "--plot", str(plots)]) == 0
    comparison = json.loads(capsys.readouterr().out)
    assert [s["draws"] for s in comparison["scenarios"]] == [10, 10]
    first, second = comparison["scenarios"]
    assert first["seats"]["RPM"]["median"] == 51 and second["seats"]["RPM"]["median"] == 66
    assert "gallagher" in first["metrics"]
    assert {p.name for p in plots.iterdir()} == {"comparison.png", "comparison.svg"}
    assert main(["compare", "mali_2020", "mali_2013", "--draws", "5"]) == 0
    table = capsys.readouterr().out
    assert "[1]" in table and "[2]" in table and "gallagher" in table


def test_run_plot_writes_hemicycle_and_distributions(tmp_path, capsys):
    plots = tmp_path / "plots"
    assert main(["run", "mali_2020", "--draws", "10", "--plot", str(plots)]) == 0
    names = {p.name for p in plots.iterdir()}
    for extension in ("png", "svg"):
        assert any("hemicycle" in name and name.endswith(extension) for name in names)
        assert f"seat_distributions.{extension}" in names
    assert Path(plots / "hemicycle.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_into_a_file_path_is_a_user_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", "mali_2020", "--draws", "2", "--plot", str(blocker / "sub")]) == 2
    assert "--plot" in capsys.readouterr().err


def test_streaming_summary_equals_the_kept_one():
    from malivote.report import summarise

    from malivote.scenario import SCENARIO_DIR

    scenario = load_scenario(SCENARIO_DIR / "counterfactuals" / "turnout_60.toml")
    kept = simulate(scenario, draws=300, seed=4, chunk_size=100)
    streamed = simulate(scenario, draws=300, seed=4, chunk_size=200, keep=False)
    assert streamed.ensemble is None and streamed.party_seats is None
    assert summarise(kept) == summarise(streamed)


def test_workers_give_identical_results():
    scenario = parse_scenario('[election]\nyear = 2013\n[rule]\nmethod = "plurality"\n')
    one = simulate(scenario, draws=400, seed=8, chunk_size=100, workers=1)
    two = simulate(scenario, draws=400, seed=8, chunk_size=100, workers=2)
    assert (one.seats == two.seats).all() and (one.ensemble.first == two.ensemble.first).all()


def test_thread_workers_share_the_compiled_kernels_threads(monkeypatch):
    # Each thread worker runs its kernels on its share of the cores, not on all of
    # them (two workers each on every core's threads ran no faster than one); the
    # caller's own thread count is left as it was.
    numba = pytest.importorskip("numba")
    import os

    import malivote.simulate as simulate_module

    seen = []
    run_chunk = simulate_module._run_chunk

    def recording(*args, **kwargs):
        seen.append(numba.get_num_threads())
        return run_chunk(*args, **kwargs)

    monkeypatch.setattr(simulate_module, "_run_chunk", recording)
    before = numba.get_num_threads()
    simulate(load_scenario("mali_2013"), draws=400, seed=8, chunk_size=100, workers=2, keep=False)
    share = max(1, min(numba.config.NUMBA_NUM_THREADS, (os.cpu_count() or 1) // 2))
    assert seen == [share] * 4
    assert numba.get_num_threads() == before


def test_processes_give_identical_results(tmp_path):
    # Two spawned processes against one thread: the same draws, lots, tallies, and the
    # same streamed blocks, in order, for exports.
    from malivote.report import summarise

    scenario = load_scenario("mali_2013")
    one = simulate(scenario, draws=500, seed=8, chunk_size=200, workers=1)
    seen = []
    two = simulate(scenario, draws=500, seed=8, chunk_size=100, workers=2, processes=True,
                   on_block=lambda ensemble, decision: seen.append(ensemble.first_draw))
    assert seen == list(range(0, 500, 100))
    for name in ("seats", "round", "party_seats", "women"):
        assert np.array_equal(getattr(one, name), getattr(two, name)), name
    for name in ("first", "second", "members", "roster_party", "roster_female", "turnout"):
        assert np.array_equal(getattr(one.ensemble, name), getattr(two.ensemble, name)), name
    assert summarise(one) == summarise(two)
    streamed = simulate(scenario, draws=500, seed=8, chunk_size=100, workers=2, processes=True, keep=False)
    assert streamed.ensemble is None and summarise(streamed) == summarise(one)
    with pytest.raises(ValueError, match="processes: expected True or False, found 'yes'"):
        simulate(scenario, draws=10, processes="yes")


def test_numpy_replays_draw_many_blocks_at_once_with_the_same_results():
    # The NumPy chain runs several blocks' chains in one loop, so a replay source asks
    # for that many draws at once on the NumPy path, one block on the compiled one.
    from malivote.pipeline import compile_scenario
    from malivote.reconstruct import _NUMPY_BLOCKS
    from malivote.report import summarise
    from malivote.rules._backend import numba_available, use_backend

    scenario = load_scenario("mali_2013")
    runs = {}
    for name in ("numpy", "numba") if numba_available() else ("numpy",):
        with use_backend(name):
            source = compile_scenario(scenario, seed=5).source
            assert source.draws_per_request == (100 * _NUMPY_BLOCKS if name == "numpy" else 100)
            runs[name] = [simulate(scenario, draws=1300, seed=5, chunk_size=size, keep=True) for size in (1300, 200)]
    for name, (whole, pieces) in runs.items():
        assert np.array_equal(whole.ensemble.first, pieces.ensemble.first), name
        assert np.array_equal(whole.ensemble.roster_party, pieces.ensemble.roster_party), name
        assert summarise(whole) == summarise(pieces), name
    if "numba" in runs:
        assert np.array_equal(runs["numpy"][0].ensemble.first, runs["numba"][0].ensemble.first)
        assert summarise(runs["numpy"][0]) == summarise(runs["numba"][0])


def test_tally_quantiles_are_order_statistics():
    from malivote.tally import Tally

    rng = np.random.default_rng(0)
    for size in (1, 7, 20, 101, 1000):
        values = rng.integers(0, 30, size=size)
        hist = np.bincount(values, minlength=31)
        for q in (0.05, 0.5, 0.95):
            assert Tally.quantile(hist, q) == int(np.quantile(values, q, method="inverted_cdf"))
        assert Tally.minimum(hist) == values.min() and Tally.maximum(hist) == values.max()
        assert np.isclose(Tally.mean(hist), values.mean())


def test_streaming_memory_does_not_grow_with_draws():
    import tracemalloc

    from malivote import datasets
    from malivote.layouts import get_layout

    # Lists of the same shape in every block, so that the transient peak of a block is
    # the same in every block, and only what a run keeps could differ.
    parties = [party.id for party in datasets.parties()][:6]
    lists = "".join(
        f'[[lists]]\nconstituency = "{name}"\nparties = ["{party}"]\nvotes = [{1000 + 97 * c + 31 * k}]\n'
        for c, name in enumerate(get_layout("mali-55").names) for k, party in enumerate(parties)
    )
    scenario = parse_scenario(
        '[election]\nlayout = "mali-55"\n[rule]\nmethod = "divisor"\n[models.noise]\nkind = "dirichlet"\n'
        'concentration = 300.0\n' + lists
    )
    simulate(scenario, draws=100, seed=1, keep=False)  # warm the caches
    peaks = []
    for draws in (200, 4000):
        tracemalloc.start()
        simulate(scenario, draws=draws, seed=1, chunk_size=100, keep=False)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # 2 chunks against 40: keeping even each chunk's tally (about 30 KB) would add 2-3%.
    assert peaks[1] < 1.01 * peaks[0]


def test_cli_chunk_size_and_workers(capsys):
    outputs = []
    for extra in ([], ["--chunk-size", "100", "--workers", "2"], ["--workers", "2", "--processes"]):
        assert main(["run", "mali_2013", "--draws", "300", "--format", "json", *extra]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]


def test_export_needs_kept_draws(tmp_path):
    from malivote.report import export

    streamed = simulate(load_scenario("mali_2020"), draws=10, keep=False)
    with pytest.raises(ValueError, match="keep=True"):
        export(streamed, tmp_path)
