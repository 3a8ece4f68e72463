"""A bounded fuzzer of the command line's arguments.

Every argument list either gives a correct result (exit 0, output that parses, an
export that is whole) or exits 2 with a message, never a traceback or a hang: draws
stay tiny (numbers the CLI would accept are at most 6, or the scenario's 3), and
main() runs in-process with pytest's capsys.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from malivote.cli import main
from malivote.exports import LOCK_NAME
from test_scenario import lists_toml

FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
# The export files and their manifest (malivote.exports.MANIFEST_NAME).
FILES = {"votes", "results", "constituencies", "rosters", "turnout", "seats", "manifest"}


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "lists.toml"
    path.write_text(lists_toml(votes=lambda c: (600, 400) if c % 2 else (450, 350))
                    + "\n[simulation]\ndraws = 3\nseed = 1\n", encoding="utf-8")
    (folder / "bad.toml").write_text("[rule]\nmethod = 3\n[simulation]\ndraws = -1\n", encoding="utf-8")
    (folder / "broken.toml").write_text("[rule\n", encoding="utf-8")
    (folder / "a_file").write_text("", encoding="utf-8")
    return folder


def mostly(good, bad):
    """``good`` seven times in eight, else ``bad``: most runs get far enough to run."""
    return st.integers(0, 7).flatmap(lambda pick: bad if pick == 0 else good)


def numbers(small: int):
    """Whole numbers the CLI accepts but small, and things it must refuse."""
    return mostly(
        st.integers(1, small).map(str),
        st.sampled_from(["0", "-1", "abc", "", " ", "1.5", "1e3", "0x10", "10000001", "1000000000000",
                         "9" * 5000, "+2", " 3 ", "٣"]),
    )


SCENARIOS = ["{dir}/lists.toml", "{dir}/bad.toml", "{dir}/broken.toml", "{dir}/a_file", "{dir}",
             "no/such/file.toml", "no_such_shipped", "", "x" * 5000, "lists\x00.toml", "{dir}/lists.toml/x"]
JUNK = st.one_of(
    st.sampled_from(["--nope", "-x", "extra", "--format=xml", "--draws=", "--seed=-1", "--export-format=zip",
                     "--workers=0", "--chunk-size=", "--", "é", "--plot="]),
    st.text(max_size=6).filter(lambda text: not text.startswith("-")),
)


@st.composite
def run_arguments(draw):
    argv = ["run", draw(mostly(st.just(SCENARIOS[0]), st.sampled_from(SCENARIOS)))]
    options = {
        "--draws": numbers(6), "--seed": numbers(10**6), "--chunk-size": numbers(300), "--workers": numbers(3),
        "--format": mostly(st.sampled_from(["table", "json", "csv"]), st.sampled_from(["xml", ""])),
        "--export": mostly(st.just("{export}"), st.sampled_from(["", " ", "{dir}/a_file/sub", "{dir}/a_file"])),
        "--export-format": mostly(st.sampled_from(["csv", "csv.gz", "parquet"]), st.sampled_from(["zip", ""])),
        "--plot": st.sampled_from(["", "  ", "{dir}/a_file/sub"]),
    }
    for option in draw(st.lists(st.sampled_from(sorted(options)), unique=True, max_size=5)):
        argv += [option, draw(options[option])]
    if draw(st.integers(0, 4)) == 0:
        argv += draw(st.lists(JUNK, min_size=1, max_size=2))
    return argv


def run_main(argv, capsys):
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse
        code = stop.code
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert code in (0, 2), (argv, code, captured.err)
    event(f"{argv[0] if argv else 'no command'}: exit {code}")
    if code == 2:
        assert captured.err.strip(), argv
        # A message line (an export may have been reported before a plot failed;
        # a scenario's problems follow on their own lines); argparse's reads
        # "malivote run: error: ...".
        assert any(line.startswith("malivote") and "error:" in line
                   for line in captured.err.splitlines()), captured.err
    return code, captured


def fill(argv, **places):
    for name, value in places.items():
        argv = [part.replace("{" + name + "}", str(value)) for part in argv]
    return argv


@FUZZ
@given(argv=run_arguments())
def test_run_arguments_give_a_result_or_a_message(argv, scenario_file, capsys):
    with tempfile.TemporaryDirectory() as scratch:
        export = Path(scratch) / "export"
        argv = fill(argv, dir=scenario_file, export=export)
        code, captured = run_main(argv, capsys)
        if code != 0 or "-h" in argv or "--help" in argv:
            return
        chosen = [argv[i + 1] for i, part in enumerate(argv[:-1]) if part == "--format"]
        output = chosen[-1] if chosen else "table"
        if output == "json":
            data = json.loads(captured.out)
            assert data["draws"] >= 1 and len(data["scenario_sha256"]) == 64
        elif output == "csv":
            rows = list(csv.DictReader(io.StringIO(captured.out)))
            assert rows and "party" in rows[0]
        else:
            assert "Party" in captured.out
        if export.exists():
            names = {path.name.split(".")[0] for path in export.iterdir()}
            assert names == FILES, names
            assert not (export / LOCK_NAME).exists()


@st.composite
def other_arguments(draw):
    command = draw(st.sampled_from(["validate", "compare", "scenarios", "nope", ""]))
    argv = [command] if command else []
    if command == "validate":
        argv.append(draw(mostly(st.just(SCENARIOS[0]), st.sampled_from(SCENARIOS))))
    elif command == "compare":
        argv += draw(st.lists(mostly(st.just(SCENARIOS[0]), st.sampled_from(SCENARIOS)), min_size=0, max_size=2))
        if draw(st.booleans()):
            argv += ["--draws", draw(numbers(4))]
        if draw(st.booleans()):
            argv += ["--format", draw(st.sampled_from(["table", "json", "csv", "tsv"]))]
        if draw(st.booleans()):
            argv += ["--plot", draw(st.sampled_from(["", "{dir}/a_file/sub"]))]
    elif command == "scenarios":
        argv.append("--path")
    if draw(st.integers(0, 4)) == 0:
        argv += draw(st.lists(JUNK, min_size=1, max_size=2))
    return argv


@settings(FUZZ, max_examples=40)
@given(argv=other_arguments())
def test_other_commands_give_a_result_or_a_message(argv, scenario_file, capsys):
    argv = fill(argv, dir=scenario_file)
    code, captured = run_main(argv, capsys)
    if code == 0 and argv[:1] == ["compare"] and "json" in argv:
        assert json.loads(captured.out)["scenarios"]
