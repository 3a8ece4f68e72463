"""The command line and its outputs: table, JSON, CSV and the exported files."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from malivote.cli import main
from malivote.layouts import get_layout
from malivote.rules import two_round
from malivote.scenario import load_scenario
from malivote.simulate import simulate
from test_scenario import lists_toml


@pytest.fixture
def lists_file(tmp_path):
    """RPM leads by a majority in even constituencies; a runoff everywhere else."""

    def votes(c):
        return (600, 400) if c % 2 == 0 else (450, 350)

    text = lists_toml(votes=votes)
    # A third list in odd constituencies keeps everyone under a majority there.
    extra = "".join(
        f'[[lists]]\nconstituency = "{name}"\nparties = ["SADI"]\nvotes = [200]\n'
        for c, name in enumerate(get_layout("mali-55").names)
        if c % 2 == 1
    )
    path = tmp_path / "lists.toml"
    path.write_text(text + "\n" + extra + '\n[simulation]\ndraws = 4\nseed = 1\n', encoding="utf-8")
    return path


def test_run_table(lists_file, capsys):
    assert main(["run", str(lists_file)]) == 0
    out = capsys.readouterr().out
    assert "Party" in out and "Median" in out and "90% interval" in out
    assert "RPM" in out


def test_run_json_shape(lists_file, capsys):
    assert main(["run", str(lists_file), "--format", "json", "--draws", "3", "--seed", "5"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["draws"] == 3 and summary["seed"] == 5
    assert isinstance(summary["scenario"], str)
    for row in summary["parties"]:
        assert {"party", "mean", "median", "min", "max", "p05", "p95"} <= set(row)
        assert "official" not in row
    assert set(summary["round1"]) == {"districts", "seats"}
    for key in ("districts", "seats"):
        assert set(summary["round1"][key]) == {"min", "max"}
    # With the default transfer, each constituency's first-round leader wins.
    magnitude = get_layout("mali-55").magnitude
    seats = {row["party"]: row["median"] for row in summary["parties"]}
    assert seats["RPM"] == magnitude.sum()
    assert summary["round1"]["districts"] == {"min": 28, "max": 28}
    assert summary["round1"]["seats"]["min"] == int(magnitude[::2].sum())


def test_run_csv(lists_file, capsys):
    assert main(["run", str(lists_file), "--format", "csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert rows[0].keys() == {"party", "mean", "median", "min", "max", "p05", "p95", "fixed"}
    parties = [row for row in rows if not row["party"].startswith(("metric:", "lots:", "note"))]
    assert sum(int(row["median"]) for row in parties) == 147
    metrics = {row["party"]: row["mean"] for row in rows if row["party"].startswith("metric:")}
    assert float(metrics["metric:gallagher"]) >= 0 and "metric:p_majority" in metrics


def test_export_files(lists_file, tmp_path, capsys):
    out_dir = tmp_path / "out"
    assert main(["run", str(lists_file), "--export", str(out_dir), "--draws", "2"]) == 0
    with open(out_dir / "votes.csv", newline="") as handle:
        votes = list(csv.DictReader(handle))
    with open(out_dir / "results.csv", newline="") as handle:
        results = list(csv.DictReader(handle))
    with open(out_dir / "turnout.csv", newline="") as handle:
        turnout = list(csv.DictReader(handle))
    assert list(votes[0]) == ["draw", "constituency", "round", "list", "parties", "votes"]
    assert list(results[0]) == ["draw", "constituency", "round", "list", "seats"]
    assert list(turnout[0]) == ["draw", "constituency", "round", "registered", "votes_cast", "invalid", "valid"]
    # Round 1: 2 lists in 28 constituencies and 3 in 27, per draw. No round-2 votes.
    assert len(votes) == 2 * (2 * 28 + 3 * 27)
    assert {row["round"] for row in votes} == {"1"}
    assert {row["parties"] for row in votes} == {"RPM", "ADEMA+URD", "SADI"}
    keys = {(row["draw"], row["constituency"], row["round"], row["list"]) for row in votes}
    assert len(keys) == len(votes)
    # One winning list per constituency and draw, seats summing to 147.
    assert len(results) == 2 * 55
    for draw in ("0", "1"):
        assert sum(int(row["seats"]) for row in results if row["draw"] == draw) == 147
    decided = {(row["constituency"], row["round"]) for row in results if row["draw"] == "0"}
    assert sum(1 for _, r in decided if r == "2") == 27
    # Turnout: round 1 everywhere, round 2 where a runoff was held.
    assert len(turnout) == 2 * (55 + 27)
    for row in turnout:
        assert int(row["valid"]) == int(row["votes_cast"]) - int(row["invalid"])
    # Seats per party and draw, with round-1 seats and women; nothing else left behind.
    with open(out_dir / "seats.csv", newline="") as handle:
        seats = list(csv.DictReader(handle))
    assert list(seats[0]) == ["draw", "party", "seats", "round1_seats", "women"]
    for draw in ("0", "1"):
        assert sum(int(row["seats"]) for row in seats if row["draw"] == draw) == 147
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "constituencies.csv", "manifest.json", "results.csv", "rosters.csv", "seats.csv", "turnout.csv", "votes.csv"]
    # The folder's provenance: your own votes with noise drawn, not a reconstruction.
    provenance = json.loads((out_dir / "manifest.json").read_text())
    assert (provenance["draws"], provenance["format"], provenance["modelled"]) == (2, "csv", [])
    assert provenance["files"]["votes.csv"]["rows"] == len(votes)
    assert "seats.csv (" in capsys.readouterr().err


def test_a_replay_export_says_its_votes_are_modelled(tmp_path):
    """``run --export`` writes the manifest: a replay's votes, turnout and rosters are
    a reconstruction, and the folder says so beside the seed and draws."""
    out_dir = tmp_path / "out"
    assert main(["run", "mali_2020", "--draws", "3", "--seed", "11", "--export", str(out_dir)]) == 0
    provenance = json.loads((out_dir / "manifest.json").read_text())
    assert (provenance["seed"], provenance["draws"]) == (11, 3)
    assert provenance["modelled"] and provenance["files"]["votes.csv"]["modelled"]
    assert not provenance["files"]["constituencies.csv"]["modelled"]


def test_an_export_in_another_format_is_not_left_beside_a_new_one(tmp_path, capsys):
    """A csv.gz export into a folder holding an earlier csv export is refused: the old
    votes.csv would read as this run's."""
    out_dir = tmp_path / "out"
    assert main(["run", "mali_2020", "--draws", "2", "--export", str(out_dir)]) == 0
    before = sorted(p.name for p in out_dir.iterdir())
    capsys.readouterr()
    assert main(["run", "mali_2020", "--draws", "2", "--export", str(out_dir), "--export-format", "csv.gz"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "holds constituencies.csv, results.csv, rosters.csv, seats.csv, turnout.csv, votes.csv" in err
    assert sorted(p.name for p in out_dir.iterdir()) == before
    # The same format replaces its own files.
    assert main(["run", "mali_2020", "--draws", "2", "--export", str(out_dir)]) == 0


def test_exported_votes_give_the_exported_results(lists_file, tmp_path):
    """Running the engine on votes.csv reproduces results.csv."""
    out_dir = tmp_path / "out"
    assert main(["run", str(lists_file), "--export", str(out_dir), "--draws", "1"]) == 0
    layout = get_layout("mali-55")
    index = {name: c for c, name in enumerate(layout.names)}
    first = np.zeros((1, 55, 3), np.int64)
    with open(out_dir / "votes.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            first[int(row["draw"]), index[row["constituency"]], int(row["list"])] = int(row["votes"])
    outcome = two_round(first, layout.magnitude)
    with open(out_dir / "results.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            c = index[row["constituency"]]
            assert outcome.winner[0, c] == int(row["list"])
            assert outcome.seats[0, c, int(row["list"])] == int(row["seats"])
            assert outcome.round[0, c] == int(row["round"])


def test_validate_and_scenarios(capsys):
    assert main(["validate", "mali_2020"]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["scenarios"]) == 0
    assert "mali_2020" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["run", "no/such/file.toml"], "no such file"),
        (["validate", "{bad}"], "5 problems"),
        (["run", "{bad}"], "rule.method"),
    ],
)
def test_user_errors_exit_2_without_traceback(argv, fragment, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[election]\nyear = 1999\nextra = 1\n[rule]\nmethod = "x"\nmajority = 2\n[simulation]\ndraws = -1\n',
        encoding="utf-8",
    )
    argv = [a.replace("{bad}", str(bad)) for a in argv]
    result = subprocess.run(
        [sys.executable, "-m", "malivote.cli", *argv], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert fragment in result.stderr
    assert result.stderr.startswith("malivote: error:")


def test_python_dash_m_malivote_is_the_command():
    # Where the malivote script is not on the PATH, `python -m malivote` is the way in.
    listed = subprocess.run([sys.executable, "-m", "malivote", "scenarios"], capture_output=True, text=True, check=False)
    assert listed.returncode == 0 and listed.stdout.startswith("counterfactuals/"), listed.stderr
    refused = subprocess.run([sys.executable, "-m", "malivote", "run", "no_such_scenario"], capture_output=True, text=True,
                             check=False)
    assert refused.returncode == 2 and refused.stderr.startswith("malivote: error: scenario: no such file")


def test_bad_command_line_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "mali_2020", "--draws", "zero"])
    assert stop.value.code == 2
    assert "--draws" in capsys.readouterr().err


def test_simulation_is_reproducible(lists_file):
    scenario = load_scenario(lists_file)
    a = simulate(scenario, draws=3, seed=11)
    b = simulate(scenario, draws=3, seed=11)
    assert (a.party_seats == b.party_seats).all() and (a.seats == b.seats).all()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_progress_bar_on_a_terminal():
    """On a terminal, a run longer than two seconds shows a bar with an ETA, moved on
    every block of 100 draws; --no-progress turns it off."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    def stderr_on_a_terminal(*arguments):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
        process = subprocess.Popen(
            [sys.executable, "-m", "malivote.cli", "run", *arguments],
            stdin=slave, stdout=subprocess.DEVNULL, stderr=slave,
        )
        os.close(slave)
        output = b""
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:  # the terminal closes when the process ends
                break
            if not data:
                break
            output += data
        os.close(master)
        assert process.wait(timeout=120) == 0
        return output.decode(errors="replace")

    shown = stderr_on_a_terminal("mali_2020", "--draws", "300", "--progress")
    assert "/300" in shown and "draw/s" in shown
    assert "draw/s" not in stderr_on_a_terminal("mali_2020", "--draws", "300", "--no-progress")
