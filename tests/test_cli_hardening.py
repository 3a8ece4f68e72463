"""The command line under stress: concurrent exports, Ctrl-C, resources it cannot
have (memory, folders, a full disk), empty folder names. Each ends in a one-line
message and exit 2 (130 on Ctrl-C), never a traceback or a partial export."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from malivote.cli import main
from malivote.exports import LOCK_NAME, Exporter

SMALL = ["run", "mali_2020", "--draws", "3"]


def cli(*arguments, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "malivote.cli", *arguments], text=True, **kwargs)


def wait_for(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def temp_folders(folder: Path):
    return [p for p in folder.glob(".malivote-export-*")] if folder.exists() else []


def one_line_error(err: str, fragment: str) -> None:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("malivote: error:") and fragment in lines[0], err


# -- concurrent exports ---------------------------------------------------------------


def test_a_second_run_exporting_to_the_same_folder_is_refused(tmp_path):
    """Run A exports; while it writes, run B to the same folder exits 2 naming the
    folder; A's files are whole."""
    folder = tmp_path / "shared"
    first = cli("run", "mali_2020", "--draws", "2000", "--seed", "1", "--export", str(folder),
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: (folder / LOCK_NAME).exists() or first.poll() is not None)
        assert first.poll() is None, "run A ended before run B could start"
        second = subprocess.run([sys.executable, "-m", "malivote.cli", "run", "mali_2020", "--draws", "5",
                                 "--export", str(folder)], capture_output=True, text=True, timeout=120)
        assert second.returncode == 2
        one_line_error(second.stderr, f"{folder} is being written by another malivote run")
    except BaseException:
        first.kill()
        raise
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0, first.stderr.read()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["votes.csv", "results.csv", "constituencies.csv", "rosters.csv", "turnout.csv", "seats.csv", "manifest.json"])
    with open(folder / "results.csv") as handle:
        last = handle.read().splitlines()[-1]
    assert last.startswith("1999,")


def test_a_locked_folder_exits_2_before_running(tmp_path, capsys):
    with Exporter(tmp_path / "out"):
        assert main([*SMALL, "--export", str(tmp_path / "out")]) == 2
    one_line_error(capsys.readouterr().err, "is being written by another malivote run")


# -- Ctrl-C ---------------------------------------------------------------------------


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_an_export_exits_130_and_leaves_no_partial_files(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me\n")
    run = cli("run", "mali_2020", "--draws", "100000", "--export", str(folder),
              stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def writing():
        return any((temp / "votes.csv").exists() and (temp / "votes.csv").stat().st_size > 100_000
                   for temp in temp_folders(folder)) or run.poll() is not None

    try:
        wait_for(writing)
        assert run.poll() is None
        run.send_signal(signal.SIGINT)
        out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 130
    assert err == "malivote: interrupted\n"
    assert out == ""
    assert sorted(os.listdir(folder)) == ["mine.txt"]


def test_ctrl_c_in_process_returns_130(tmp_path, monkeypatch, capsys):
    import malivote.simulate as module

    real = module.simulate

    def interrupted(*args, **kwargs):
        on_block = kwargs["on_block"]

        def once(ensemble, decision):
            on_block(ensemble, decision)
            raise KeyboardInterrupt

        return real(*args, **{**kwargs, "on_block": once})

    monkeypatch.setattr(module, "simulate", interrupted)
    folder = tmp_path / "new" / "out"
    assert main(["run", "mali_2020", "--draws", "300", "--chunk-size", "100", "--export", str(folder)]) == 130
    captured = capsys.readouterr()
    assert captured.err == "malivote: interrupted\n" and captured.out == ""
    assert not (tmp_path / "new").exists()  # the folders it created are gone too


# -- tracebacks that are now messages -------------------------------------------------


@pytest.mark.parametrize(
    "option, value, fragment",
    [
        ("--draws", "1000000000000", "at most 10,000,000"),
        ("--draws", "10000001", "at most 10,000,000"),
        ("--chunk-size", "1000000000000", "at most 100,000"),
        ("--workers", "1000000", "at most 256"),
        ("--draws", "9" * 5000, "a number of 5000 digits"),
    ],
)
def test_too_large_numbers_are_refused(option, value, fragment, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "mali_2020", option, value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert option in err and fragment in err and "Traceback" not in err
    assert len(err) < 2000


@pytest.mark.parametrize("command", [["sweep", "swing_rpm_urd"], ["holdout", "2020"]])
def test_too_many_draws_are_refused_as_an_argument(command, monkeypatch, capsys):
    # Before, sweep blamed the file's simulation.draws and holdout tried to run them.
    from malivote.reconstruct import holdout
    from malivote.sweep import Sweep

    def never(*args, **kwargs):
        raise AssertionError("it ran")

    monkeypatch.setattr(Sweep, "run", never)
    monkeypatch.setattr(holdout, "holdout", never)
    with pytest.raises(SystemExit) as stop:
        main([*command, "--draws", "10000001"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "argument --draws: expected at most 10,000,000" in err and "simulation.draws" not in err


def test_sweep_plot_folder_is_checked_before_the_sweep_runs(tmp_path, monkeypatch, capsys):
    from malivote.sweep import Sweep

    def never(*args, **kwargs):
        raise AssertionError("the sweep ran")

    monkeypatch.setattr(Sweep, "run", never)
    (tmp_path / "file").write_text("")
    assert main(["sweep", "swing_rpm_urd", "--draws", "2", "--plot", str(tmp_path / "file")]) == 2
    one_line_error(capsys.readouterr().err, "--plot: cannot create directory")
    for value in ("", "  "):
        with pytest.raises(SystemExit) as stop:
            main(["sweep", "swing_rpm_urd", "--plot", value])
        assert stop.value.code == 2
        assert "--plot: expected a folder name" in capsys.readouterr().err


def test_the_most_draws_still_run_in_chunks():
    """simulate's chunk starts are a range, not a list: 10,000,000 draws cost nothing up front."""
    import inspect

    import malivote.simulate as module

    assert "starts = range(0, draws, chunk_size)" in inspect.getsource(module.simulate)


def test_running_out_of_memory_is_a_message(monkeypatch, capsys):
    import malivote.simulate as module

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(module, "simulate", no_memory)
    assert main(SMALL) == 2
    one_line_error(capsys.readouterr().err, "not enough memory")


@pytest.mark.parametrize("option", ["--export", "--plot"])
@pytest.mark.parametrize("value", ["", "   "])
def test_empty_folder_names_are_refused(option, value, capsys):
    with pytest.raises(SystemExit) as stop:
        main([*SMALL, option, value])
    assert stop.value.code == 2
    assert f"{option}: expected a folder name" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["compare", "mali_2020", "--plot", value])


def test_export_format_needs_export(capsys):
    assert main([*SMALL, "--export-format", "csv.gz"]) == 2
    one_line_error(capsys.readouterr().err, "--export-format: give --export DIR too")


def test_plot_into_a_folder_that_cannot_be_written(tmp_path, monkeypatch, capsys):
    import malivote.plot as plot

    def refused(simulation, directory, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(Path(directory) / "hemicycle.png"))

    monkeypatch.setattr(plot, "plot_simulation", refused)
    assert main([*SMALL, "--plot", str(tmp_path)]) == 2
    one_line_error(capsys.readouterr().err, "--plot: cannot write to")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only folders")
def test_plot_into_a_read_only_folder(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        assert main([*SMALL, "--plot", str(folder)]) == 2
    finally:
        folder.chmod(0o755)
    one_line_error(capsys.readouterr().err, "Permission denied")


def test_plot_where_a_folder_is_in_the_way(tmp_path, capsys):
    (tmp_path / "hemicycle.png").mkdir()
    assert main(["run", "mali_2020", "--draws", "2", "--plot", str(tmp_path)]) == 2
    one_line_error(capsys.readouterr().err, "--plot: cannot write to")


def test_a_folder_in_the_way_of_an_export_file(tmp_path, capsys):
    (tmp_path / "votes.csv").mkdir()
    assert main([*SMALL, "--export", str(tmp_path)]) == 2
    one_line_error(capsys.readouterr().err, "--export: cannot write into")
    assert sorted(os.listdir(tmp_path)) == ["votes.csv"]


def test_export_under_a_file(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert main([*SMALL, "--export", str(tmp_path / "file" / "out")]) == 2
    one_line_error(capsys.readouterr().err, "--export: cannot create the folder")


def test_validate_a_very_long_file_name(capsys):
    assert main(["validate", "x" * 5000 + ".toml"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("malivote: error:") and len(err) < 600


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_standard_output_on_a_full_device():
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "malivote.cli", "scenarios", "--path"],
                                stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert result.returncode == 2
    one_line_error(result.stderr, "cannot write the output: No space left on device")
