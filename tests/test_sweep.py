"""Sweeps (issue 14): sweep files, the command, seeds, Dask, faults, output and plots.

The heavy tests use an election written out as ``[[lists]]`` (fast to draw); the
shipped 2020 sweeps are checked for their grids and one of them against
``malivote run``, with few draws. One real ``LocalCluster`` (2 worker processes) is
shared by the Dask tests.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from malivote import cli
from malivote.layouts import get_layout
from malivote.results import summarise
from malivote.ruleset import rule_names
from malivote.scenario import ScenarioError, build_scenario
from malivote.simulate import simulate
from malivote.sweep import STATS, Sweep, load_sweep, parse_sweep, point_seed

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
MALIVOTE = [sys.executable, "-m", "malivote.cli"]


def lists_scenario(seed: int = 0) -> str:
    """A scenario of three parties' lists in every district of mali-55 (TOML)."""
    rng = np.random.default_rng(seed)
    lines = [
        'name = "three parties"',
        "[models.noise]", "concentration = 100.0",
        "[[models.swing]]", 'from = "RPM"', 'to = "URD"', "points = 0.0",
        "[blocs]", 'camp = ["RPM", "ADEMA"]',
    ]
    for name in get_layout("mali-55").names:
        for party in ("RPM", "URD", "ADEMA"):
            votes = int(rng.integers(1000, 9000))
            lines += ["[[lists]]", f'constituency = "{name}"', f'parties = ["{party}"]', f"votes = [{votes}]"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def lists_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    base = folder / "three.toml"
    base.write_text(lists_scenario(), encoding="utf-8")
    sweep = folder / "swing.toml"
    sweep.write_text(
        'extends = "three.toml"\n[simulation]\nseed = 11\ndraws = 40\n'
        '[sweep]\n"models.swing.0.points" = {start = -4.0, stop = 4.0, step = 2.0}\n'
        '"rule.method" = ["two_round", "plurality"]\n',
        encoding="utf-8",
    )
    return sweep


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        with Client(local) as client:
            yield client


def run_cli(*argv, capsys=None):
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr() if capsys is not None else None
    return code, out


# ------------------------------------------------------------------ 1. sweep files


def test_point_seed_depends_only_on_seed_and_parameters():
    a = point_seed(7, {"x": 1.0, "y": "plurality"})
    assert a == point_seed(7, {"y": "plurality", "x": 1})  # key order, 1 vs 1.0
    assert a != point_seed(8, {"x": 1.0, "y": "plurality"})
    assert a != point_seed(7, {"x": 2.0, "y": "plurality"})
    assert 0 <= a < 2**63


def test_shipped_sweeps():
    swing = load_sweep("swing_rpm_urd")
    assert [p.path for p in swing.parameters] == ["models.swing.0.points"]
    assert swing.parameters[0].values == tuple(float(v) for v in range(-10, 11))
    assert swing.base["models"]["swing"][0] == {"from": "RPM", "to": "URD", "points": 0.0}

    thresholds = load_sweep("sweeps/national_threshold")
    assert thresholds.parameters[0].values == (0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1)
    assert thresholds.base["rule"]["tier"] == "national"

    transfer = load_sweep("runoff_transfer_share")
    assert transfer.dims == ("point",) and len(transfer) == 9
    for row in transfer.grid():
        assert abs(row["models.transfer.default.0"] + row["models.transfer.default.1"] + 0.2 - 1) < 1e-9

    rules = load_sweep("every_rule")
    assert {row["rule.method"] for row in rules.grid()} == set(rule_names())
    # Each point is a valid scenario with the point's parameters.
    points = rules.points(draws=5, seed=1)
    assert [p.scenario.rule.tier for p in points][-2:] == ["national", "national"]
    assert all(p.scenario.simulation.seed == p.seed for p in points)


def test_product_and_zip(lists_file):
    sweep = load_sweep(lists_file)
    assert sweep.dims == ("models.swing.0.points", "rule.method") and sweep.shape == (5, 2)
    assert sweep.grid()[:3] == [
        {"models.swing.0.points": -4.0, "rule.method": "two_round"},
        {"models.swing.0.points": -4.0, "rule.method": "plurality"},
        {"models.swing.0.points": -2.0, "rule.method": "two_round"},
    ]
    zipped = parse_sweep(
        'extends = "three.toml"\n[sweep]\nmode = "zip"\nrule.threshold = [0.0, 0.1]\n'
        '"rule.method" = ["divisor", "largest_remainder"]\n',
        base_dir=lists_file.parent,
    )
    assert zipped.dims == ("point",)
    assert zipped.grid() == [
        {"rule.threshold": 0.0, "rule.method": "divisor"},
        {"rule.threshold": 0.1, "rule.method": "largest_remainder"},
    ]
    assert load_sweep(lists_file).points()[0].scenario.simulation.draws == 40


def test_validate_reports_every_problem_with_its_key_path(lists_file, capsys):
    bad = lists_file.parent / "bad.toml"
    bad.write_text(
        'extends = "three.toml"\n[sweep]\nmode = "grid"\n'
        '"rule.threshold" = [0.0, 0.5, 1.5]\n"rule.treshold" = [0.1]\n"rule.quota" = []\n'
        '"models.swing.3.points" = [1.0]\n"simulation.seed" = [1, 2]\n'
        '"models.noise.concentration" = {start = 1.0, stop = 0.0, step = 0.5}\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as error:
        load_sweep(bad)
    text = str(error.value)
    for expected in ("sweep.mode", "sweep.rule.quota", "sweep.simulation.seed", "sweep.models.noise.concentration.step"):
        assert expected in text, text
    # Grid problems first; with a sound [sweep], every point's scenario is checked.
    bad.write_text(
        'extends = "three.toml"\n[sweep]\n"rule.threshold" = [0.0, 0.5, 1.5]\n"rule.treshold" = [0.1]\n'
        '"models.swing.3.points" = [1.0]\n"models.swing.0.party" = ["RPM"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as error:
        load_sweep(bad)
    text = str(error.value)
    assert "problems in the sweep" in text
    assert "rule.threshold: Input should be less than 1; found 1.5 (at rule.threshold = 1.5" in text
    assert "rule.treshold: unknown key" in text
    assert "models.swing.3: no element '3' in an array of 1" in text
    assert "give either party" in text
    # The command line: status 2 and the same message.
    assert run_cli("sweep", bad, capsys=capsys)[0] == 2
    zipped = lists_file.parent / "zip.toml"
    zipped.write_text('extends = "three.toml"\n[sweep]\nmode = "zip"\na.b = [1, 2]\nc = [1]\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="'zip' needs entries of one length"):
        load_sweep(zipped)


# ----------------------------------------------------- 3. same answer everywhere


def test_each_point_equals_a_run_of_its_scenario(lists_file):
    sweep = load_sweep(lists_file)
    result = sweep.run(draws=30, seed=5, workers=2)
    points = sweep.points(draws=30, seed=5)
    for point, row in zip(points, result.points):
        assert row["parameters"] == point.parameters and row["seed"] == point.seed
        assert summarise(simulate(point.scenario, keep=False)).to_dict() == row["summary"]
    # The seed does not depend on the grid: the same point in another sweep.
    other = parse_sweep(
        'extends = "three.toml"\n[sweep]\n"rule.method" = ["plurality"]\n"models.swing.0.points" = [2.0]\n',
        base_dir=lists_file.parent,
    ).run(draws=30, seed=5)
    same = [r for r in result.points if r["parameters"] == {"models.swing.0.points": 2.0, "rule.method": "plurality"}]
    for key in ("parties", "metrics", "blocs", "seed"):
        assert other.points[0]["summary"][key] == same[0]["summary"][key]
    # One thread or two: the same dataset.
    assert sweep.run(draws=30, seed=5, workers=1).dataset.identical(result.dataset)


def test_a_point_equals_malivote_run_of_the_2020_replay(tmp_path, capsys):
    sweep_file = tmp_path / "rpm_urd.toml"
    sweep_file.write_text(
        f'extends = "{ROOT / "scenarios/sweeps/swing_rpm_urd.toml"}"\n'
        '[sweep]\n"models.swing.0.points" = [-3.0, 2.0]\n',
        encoding="utf-8",
    )
    code, out = run_cli("sweep", sweep_file, "--draws", 10, "--seed", 4, "--format", "json", capsys=capsys)
    assert code == 0, out.err
    data = json.loads(out.out)
    assert set(data) == {"sweep", "draws", "seed", "points"} and data["draws"] == 10 and data["seed"] == 4
    point = data["points"][1]
    assert point["parameters"] == {"models.swing.0.points": 2.0}
    assert set(point) >= {"parameters", "parties", "metrics", "blocs"}
    assert point["blocs"][0]["bloc"] == "RPM_ADEMA"
    # The same scenario written by hand, run by `malivote run` with the point's seed.
    scenario = tmp_path / "point.toml"
    scenario.write_text(
        'extends = "mali_2020"\n[[models.swing]]\nfrom = "RPM"\nto = "URD"\npoints = 2.0\n'
        '[blocs]\nRPM_ADEMA = ["RPM", "ADEMA"]\n',
        encoding="utf-8",
    )
    code, out = run_cli("run", scenario, "--draws", 10, "--seed", point["seed"], "--format", "json", capsys=capsys)
    assert code == 0, out.err
    run = json.loads(out.out)
    assert run["parties"] == point["parties"]
    assert run["metrics"] == point["metrics"] and run["blocs"] == point["blocs"]
    assert point["seed"] == point_seed(4, {"models.swing.0.points": 2.0})


def test_local_cluster_gives_the_same_bytes_and_survives_a_killed_worker(lists_file, cluster, tmp_path):
    sweep = load_sweep(lists_file)
    here, there = tmp_path / "here.nc", tmp_path / "there.nc"
    sweep.run(draws=40, seed=3, out=here)
    sweep.run(draws=40, seed=3, out=there, client=cluster)
    assert here.read_bytes() == there.read_bytes()

    # A heavier sweep; once the first point is back, kill a worker process that holds
    # a running task. The nanny restarts it, Dask reruns its tasks: same results.
    expected = sweep.run(draws=800, seed=8, workers=2).dataset
    pids = cluster.run(os.getpid)
    killed = []

    def kill_one(result):
        if killed:
            return
        busy = [addr for addr, tasks in cluster.processing().items() if tasks] or list(pids)
        os.kill(pids[busy[0]], signal.SIGKILL)
        killed.append(pids[busy[0]])

    result = sweep.run(draws=800, seed=8, client=cluster, on_point=kill_one)
    assert killed
    assert result.dataset.identical(expected)
    cluster.wait_for_workers(2, timeout=30)
    assert killed[0] not in cluster.run(os.getpid).values()


def test_cli_in_process_scheduler_and_local_cluster_agree(lists_file, cluster, tmp_path, capsys):
    code, out = run_cli("sweep", lists_file, "--draws", 20, "--format", "json", capsys=capsys)
    assert code == 0, out.err
    address = cluster.scheduler.address
    code, remote = run_cli("sweep", lists_file, "--draws", 20, "--format", "json", "--scheduler", address, capsys=capsys)
    assert code == 0, remote.err
    assert remote.out == out.out
    code, local = run_cli("sweep", lists_file, "--draws", 20, "--format", "json", "--local-cluster", 1,
                          "--out", tmp_path / "local.nc", capsys=capsys)
    assert code == 0, local.err
    assert local.out == out.out
    # --resume with every point written: nothing left to run, the same output.
    code, again = run_cli("sweep", lists_file, "--draws", 20, "--format", "json", "--out", tmp_path / "local.nc",
                          "--resume", capsys=capsys)
    assert code == 0 and again.out == out.out


# ------------------------------------------------------------------- 4. faults


def test_interrupted_sweep_resumes_to_the_same_result(lists_file, tmp_path):
    sweep = load_sweep(lists_file)
    out = tmp_path / "partial.nc"
    seen = []

    def stop_after_three(result):
        seen.append(result["index"])
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sweep.run(draws=30, seed=2, out=out, workers=1, on_point=stop_after_three)
    partial = xr.open_dataset(out, engine="scipy").load()
    assert int(partial["done"].sum()) == 3
    undone = ~partial["done"]
    assert bool(partial["seats"].where(undone).isnull().all())
    ran = []
    result = sweep.run(draws=30, seed=2, out=out, resume=True, on_point=lambda r: ran.append(r["index"]))
    assert len(ran) == len(sweep) - 3 and not set(ran) & set(seen)
    full = sweep.run(draws=30, seed=2, out=tmp_path / "full.nc")
    assert result.dataset.identical(full.dataset)
    assert out.read_bytes() == (tmp_path / "full.nc").read_bytes()
    with pytest.raises(ScenarioError, match="holds another sweep"):
        sweep.run(draws=30, seed=3, out=out, resume=True)


def test_ctrl_c_leaves_only_complete_points(lists_file, tmp_path):
    out = tmp_path / "ctrl_c.nc"
    process = subprocess.Popen(
        # enough draws per point that the sweep is still running when Ctrl-C comes
        MALIVOTE + ["sweep", str(lists_file), "--draws", "40000", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while not out.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "--resume" in err
    partial = xr.open_dataset(out, engine="scipy").load()
    done = int(partial["done"].sum())
    assert 0 < done < 10
    seats = partial["seats"].sel(stat="median")
    empty = seats.isnull().all(dim="party")
    assert bool((empty == ~partial["done"]).all())  # figures for the complete points only
    # The file is a checkpoint of this sweep: --resume accepts it (tested in-process above).
    assert partial.attrs["points_done"] == done


# ---------------------------------------------------------------- 5. the output


def test_dataset_layout(lists_file, tmp_path):
    result = load_sweep(lists_file).run(draws=20, seed=1)
    data = result.dataset
    assert data["seats"].dims == ("models.swing.0.points", "rule.method", "party", "stat")
    assert list(data["stat"].values) == list(STATS)
    assert set(data["party"].values) == {"RPM", "URD", "ADEMA"}  # parties that win seats
    assert "gallagher" in data["metric"].values and list(data["bloc"].values) == ["camp"]
    point = result.points[3]
    row = data["seats"].sel({"models.swing.0.points": -2.0, "rule.method": "plurality", "party": "RPM"})
    summary = next(r for r in point["summary"]["parties"] if r["party"] == "RPM")
    assert float(row.sel(stat="median")) == summary["median"] and float(row.sel(stat="p95")) == summary["p95"]
    camp = data["bloc_seats"].sel({"models.swing.0.points": -2.0, "rule.method": "plurality", "bloc": "camp"})
    assert float(camp.sel(stat="p_majority")) == point["summary"]["blocs"][0]["p_majority"]
    assert bool(data["done"].all())
    path = tmp_path / "out.nc"
    load_sweep(lists_file).run(draws=20, seed=1, out=path)
    assert xr.open_dataset(path, engine="scipy").load().identical(data)
    table = result.format_table()
    assert "models.swing.0.points" in table and "[camp]" in table


def test_zarr_output_reads_back_and_bad_suffixes_are_refused(lists_file, tmp_path, capsys):
    import xarray as xr

    pytest.importorskip("zarr")
    nc, store = tmp_path / "x.nc", tmp_path / "x.zarr"
    assert run_cli("sweep", lists_file, "--draws", 5, "--seed", 2, "--out", nc, capsys=capsys)[0] == 0
    assert run_cli("sweep", lists_file, "--draws", 5, "--seed", 2, "--out", store, capsys=capsys)[0] == 0
    from_nc = xr.open_dataset(nc, engine="scipy").load()
    from_zarr = xr.open_zarr(store).load()
    assert (from_zarr["seats"].values == from_nc["seats"].values).all()
    code, out = run_cli("sweep", lists_file, "--draws", 5, "--out", tmp_path / "x.csv", capsys=capsys)
    assert code == 2 and ".nc" in out.err


# ------------------------------------------------------------------- 6. plots


def test_plot(lists_file, tmp_path, capsys):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from malivote.plot import sweep as plot_sweep

    result = load_sweep(lists_file).run(draws=20, seed=1)
    ax = plot_sweep(Figure().add_subplot(), result.dataset.sel({"rule.method": "two_round"}))
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"RPM", "URD", "ADEMA", "[camp]"} <= set(labels)
    assert any(list(line.get_ydata()) == [result.dataset.attrs["majority"]] * 2 for line in ax.get_lines())
    with pytest.raises(ValueError, match="select the others"):
        plot_sweep(Figure().add_subplot(), result.dataset)
    code, out = run_cli("sweep", lists_file, "--draws", 10, "--plot", tmp_path / "plots", capsys=capsys)
    assert code == 0, out.err
    assert (tmp_path / "plots" / "sweep.png").stat().st_size > 0 and (tmp_path / "plots" / "sweep.svg").exists()


def test_from_scenario_with_an_election_of_arrays():
    from malivote.election_io import Election

    election = Election.from_arrays([[60, 40, 5], [30, 70, 9], [45, 55, 20]], [2, 1, 1], ["A", "B", "C"])
    base = build_scenario(election, rule={"method": "divisor"}, models={"noise": {"concentration": 30.0}},
                          blocs={"AC": ["A", "C"]})
    sweep = Sweep.from_scenario(base, {"rule.divisor": ["dhondt", "sainte_lague"], "rule.threshold": {"start": 0.0, "stop": 0.2, "num": 3}})
    result = sweep.run(draws=25, seed=0)
    assert dict(result.dataset["seats"].sizes) == {"rule.divisor": 2, "rule.threshold": 3, "party": 3, "stat": 5}
    for point, row in zip(sweep.points(draws=25, seed=0), result.points):
        assert summarise(simulate(point.scenario, keep=False)).to_dict() == row["summary"]


def test_validate_checks_a_sweep_file_and_names_every_bad_key(tmp_path, capsys):
    from malivote.cli import main

    assert main(["validate", "swing_rpm_urd"]) == 0
    assert "valid sweep (21 points)" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "mali_2020"\n[sweep]\n"rule.threshhold" = [0.1]\n"rule.quota" = ["haire"]\n')
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "rule.threshhold: unknown key" in err and "rule.quota" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "entry, message",
    [
        # A misspelt key of a range was read as three key paths, none of them named as the typo.
        ('"rule.threshold" = {start = 0.0, stop = 0.1, stpe = 0.01}',
         ("sweep.rule.threshold: unknown key 'stpe' in a range; expected start, stop and one of step or num; "
          "did you mean 'step'?")),
        ('"rule.threshold" = {start = 0.0, stop = 0.1, num = 3, foo = 1}',
         "sweep.rule.threshold: unknown key 'foo' in a range; expected start, stop and one of step or num"),
        # An index into an array the scenario lacks was a schema error about a table.
        ('"models.swing.3.points" = [1.0]',
         "models.swing.3: no element '3' in an array of 0 (key paths index arrays from 0)"),
    ],
)
def test_a_bad_entry_is_named_as_written(entry, message):
    with pytest.raises(ScenarioError) as error:
        parse_sweep(f'extends = "mali_2020"\n[sweep]\n{entry}\n')
    lines = str(error.value).splitlines()
    assert lines[1:] == [f"  {message}"], lines
