"""Scenario files that used to validate and then fail, crash the loader or hang (issue 15).

Every file here either loads and runs, or is refused with a :class:`ScenarioError`
whose message names the file and the key; ``malivote validate`` then exits 2. No
file gives a traceback, a hang or an error about internal arrays.
"""

from __future__ import annotations

import os
import textwrap
import threading
import warnings
from pathlib import Path

import numpy as np
import pytest

from malivote import cli
from malivote.layouts import get_layout
from malivote.scenario import (
    MAX_FILE_BYTES,
    ScenarioError,
    check_scenario,
    load_scenario,
    parse_scenario,
    scenario_from_dict,
)
from malivote.simulate import simulate


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def lists_toml(votes=lambda c: (300 + c, 200)) -> str:
    """Two lists in every constituency of mali-55."""
    lines = ['[election]\nlayout = "mali-55"\n']
    for c, name in enumerate(get_layout("mali-55").names):
        first, second = votes(c)
        lines.append(f'[[lists]]\nconstituency = "{name}"\nparties = ["RPM"]\nvotes = [{first}]\n')
        lines.append(f'[[lists]]\nconstituency = "{name}"\nparties = ["URD", "ADEMA"]\nvotes = [{second}]\n')
    return "\n".join(lines)


@pytest.fixture
def base(tmp_path) -> Path:
    """A valid [[lists]] scenario that others extend."""
    return write(tmp_path, "base.toml", lists_toml())


def refused(path, capsys) -> str:
    """The message of a file that load_scenario refuses and `validate` exits 2 on."""
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("malivote: error: ") and "Traceback" not in err
    return str(error.value)


def runs(path, draws: int = 2):
    """A file that validates and then runs: the seats of every draw add up."""
    scenario = load_scenario(path)
    result = simulate(scenario, draws=draws)
    house = int(result.ensemble.magnitude.sum())
    assert (result.party_seats.sum(axis=1) == house).all()
    assert (result.party_seats >= 0).all()
    return result


# ----------------------------------------------------- files that validated, then failed


def test_a_tiny_majority_runs(tmp_path, base):
    path = write(tmp_path, "tiny.toml", 'extends = "base.toml"\n[rule]\nmajority = 1e-30\n')
    result = runs(path)
    assert (result.round == 1).all()  # any votes at all are a majority above 1e-30


def test_votes_too_large_for_the_engine_are_refused_by_key(tmp_path, capsys):
    path = write(tmp_path, "huge.toml", lists_toml(votes=lambda c: (10**30 if c == 0 else 5, 4)))
    message = refused(path, capsys)
    assert str(path) in message
    assert "lists.0.votes.0: Input should be less than or equal to 1000000000000; found 1000000000000000000000000000000" in message


def test_votes_of_about_2_to_the_58_are_refused_by_key(tmp_path, capsys):
    path = write(tmp_path, "big.toml", lists_toml(votes=lambda c: (2**58, 2**58) if c == 3 else (10, 5)))
    message = refused(path, capsys)
    assert "1 problem" not in message  # both lists of constituency 3
    assert "lists.6.votes.0: Input should be less than or equal to" in message
    assert "lists.7.votes.0:" in message
    assert "real:" not in message and "overflow" not in message


def test_the_total_of_the_lists_votes_is_bounded(tmp_path, capsys):
    extra = '[[lists]]\nconstituency = "Kati"\nparties = ["RPM"]\nvotes = [1000000000000]\n' * 1000
    path = write(tmp_path, "total.toml", lists_toml(votes=lambda c: (10**12, 10**12 - 1)) + extra)
    message = refused(path, capsys)
    assert "lists: expected the lists' votes in round 1 to add up to at most 1,000,000,000,000,000" in message


def test_huge_logit_normal_sigma_runs_on_the_125_layout(tmp_path):
    path = write(
        tmp_path, "sigma.toml",
        'extends = "mali_2020_125"\n[models.noise]\nkind = "logit_normal"\nsigma = 1e308\n',
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or NaN on the way
        result = runs(path)
    # Each constituency's valid votes are kept; with such noise one list takes them all.
    assert (result.ensemble.first.sum(axis=-1) > 0).all()
    assert ((result.ensemble.first > 0).sum(axis=-1) == 1).all()


# -------------------------------------------------- every refusal of `run` caught by validate


def test_a_known_party_that_does_not_stand_is_named(tmp_path, capsys):
    path = write(tmp_path, "rnd.toml", '[election]\nyear = 2020\n[[models.swing]]\nparty = "RND"\npoints = 3\n')
    message = refused(path, capsys)
    assert "models.swing.0.party: unknown party 'RND' (not standing in this election)" in message


def test_an_empty_all_except_is_refused_by_key(tmp_path, base, capsys):
    path = write(tmp_path, "merge.toml", 'extends = "base.toml"\n[[models.merge]]\nall_except = []\n')
    message = refused(path, capsys)
    assert "models.merge.0.all_except: List should have at least 1 item" in message
    path = write(tmp_path, "merge2.toml", 'extends = "base.toml"\n[[models.merge]]\nparties = []\n')
    assert "models.merge.0.parties: List should have at least 1 item" in refused(path, capsys)


def test_a_turnout_that_leaves_no_votes_is_refused_by_key(tmp_path, capsys):
    path = write(tmp_path, "turnout.toml", "[election]\nyear = 2020\n[models.turnout]\nrate = 1e-9\n")
    message = refused(path, capsys)
    assert "models.turnout.rate: constituency 'Kayes' has seats to give but every list has zero votes; found 1e-09" in message
    assert "first:" not in message and "index (" not in message


def test_all_zero_lists_are_refused_by_key(tmp_path, capsys):
    path = write(tmp_path, "zero.toml", lists_toml(votes=lambda c: (0, 0) if c in (0, 5) else (3, 2)))
    message = refused(path, capsys)
    assert "2 problems" in message
    assert "lists.0.votes: expected at least one list with votes in round 1 in constituency 'Kayes' (lists 0, 1)" in message
    assert "lists.10.votes:" in message


def test_an_unreachable_threshold_is_refused_by_key(tmp_path, base, capsys):
    path = write(tmp_path, "threshold.toml", 'extends = "base.toml"\n[rule]\nmethod = "divisor"\nthreshold = 0.9\n')
    message = refused(path, capsys)
    assert message.splitlines()[1].startswith("  rule.threshold: in draw 0 no list reaches the threshold 0.9")


def test_too_many_national_seats_are_refused_by_key(tmp_path, base, capsys):
    path = write(tmp_path, "national.toml", 'extends = "base.toml"\n[rule]\nmethod = "divisor"\n[rule.national]\nseats = 93\n')
    message = refused(path, capsys)
    assert "rule.national.seats: expected at most 92 (the 147 seats of layout 'mali-55' less one for each of its 55 constituencies); found 93" in message
    ok = write(tmp_path, "ok.toml", 'extends = "base.toml"\n[rule]\nmethod = "divisor"\n[rule.national]\nseats = 92\n')
    runs(ok)


def test_an_infinite_factor_is_refused_by_key(tmp_path, base, capsys):
    path = write(tmp_path, "inf.toml", 'extends = "base.toml"\n[[models.swing]]\nparty = "RPM"\nfactor = inf\n')
    assert "models.swing.0.factor: Input should be a finite number; found inf" in refused(path, capsys)


def test_the_dry_run_names_the_model_that_fails(base):
    scenario = load_scenario(base)
    broken = scenario.model_copy(update={"models": scenario.models.model_copy(update={"split_ticket": 1e300})})
    # split_ticket only matters under block_vote
    broken = broken.model_copy(update={"rule": broken.rule.model_copy(update={"method": "block_vote"})})
    with pytest.raises(ScenarioError, match=r"^.*base\.toml: 1 problem in the scenario:\n  models\.split_ticket: "):
        check_scenario(broken)


def test_the_dry_run_is_cheap_for_a_replay_already_checked():
    import time

    load_scenario("mali_2020")
    start = time.perf_counter()
    for name in ("mali_2020", "swing_against_rpm_5", "dhondt_districts"):
        load_scenario(name)
    assert time.perf_counter() - start < 3.0


# ------------------------------------------------------------ every problem in one pass


def test_structural_and_semantic_problems_in_one_pass(tmp_path, capsys):
    path = write(
        tmp_path, "both.toml",
        """
        [election]
        year = 2020
        [rule]
        method = "dhont"
        majorty = 0.5
        [[models.swing]]
        party = "Rpm"
        points = 3
        [[models.merge]]
        parties = ["PARENAA", "URD"]
        [blocs]
        left = ["RPM", "Adema"]
        """,
    )
    message = refused(path, capsys)
    assert message.startswith(f"{path}: 5 problems in the scenario:\n")
    for line in (
        "  rule.method: expected one of [",
        "  rule.majorty: unknown key; found 0.5",
        "  models.swing.0.party: unknown party 'Rpm' (not standing in this election); did you mean 'RPM'?",
        "  models.merge.0.parties: unknown party 'PARENAA' (not standing in this election); did you mean 'PARENA'?",
        "  blocs.left: unknown party 'Adema' (not standing in this election); did you mean 'ADEMA'?",
    ):
        assert line in message, line


def test_one_pass_in_a_lists_scenario_and_a_dict(tmp_path, capsys):
    text = lists_toml() + '\n[[lists]]\nconstituency = "Kati"\nparties = ["Urd"]\nvotes = [-3]\n'
    message = refused(write(tmp_path, "lists.toml", text), capsys)
    assert "lists.110.votes.0: Input should be greater than or equal to 0; found -3" in message
    assert "lists.110.parties: unknown party 'Urd' (not standing in this election); did you mean 'URD'?" in message
    with pytest.raises(ScenarioError) as error:
        scenario_from_dict({"election": {"year": 2013, "colour": 1}, "official": {"seats": {"rpm": 147}}})
    assert "election.colour: unknown key" in str(error.value)
    assert "official.seats.rpm: unknown party 'rpm'" in str(error.value)


# ------------------------------------------------------------------ the loader's limits


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 1000 + "]" * 1000,
        "a = " + "{b = " * 1000 + "1" + "}" * 1000,
        ".".join(["a"] * 1000) + " = 1\n",
        "[" + ".".join(["t"] * 1000) + "]\nx = 1\n",
    ],
    ids=["arrays", "inline-tables", "dotted-keys", "table-header"],
)
def test_deep_nesting_is_refused_with_the_file_named(tmp_path, capsys, text):
    path = write(tmp_path, "deep.toml", text)
    message = refused(path, capsys)
    assert message.startswith(f"{path}: ") and "nested" in message
    with pytest.raises(ScenarioError, match="nested"):
        parse_scenario(text, source="inline.toml")


def test_a_deep_dict_is_refused():
    table: dict = {"x": 1}
    for _ in range(2000):
        table = {"a": table}
    with pytest.raises(ScenarioError, match="nested"):
        scenario_from_dict({"election": {"year": 2020}, "models": table})


def test_symlink_loops(tmp_path, capsys):
    (tmp_path / "loop1.toml").symlink_to(tmp_path / "loop2.toml")
    (tmp_path / "loop2.toml").symlink_to(tmp_path / "loop1.toml")
    message = refused(tmp_path / "loop1.toml", capsys)
    assert "loop1.toml" in message and "a loop of symbolic links" in message
    path = write(tmp_path, "child.toml", 'extends = "loop2.toml"\n')
    message = refused(path, capsys)
    assert message.startswith(f"{path}: extends: ") and "a loop of symbolic links" in message
    (tmp_path / "self.toml").symlink_to(tmp_path / "self.toml")
    assert "a loop of symbolic links" in refused(tmp_path / "self.toml", capsys)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_extends_a_device_is_refused_before_reading(tmp_path, capsys):
    path = write(tmp_path, "zero.toml", 'extends = "/dev/zero"\n')
    message = refused(path, capsys)
    assert message.startswith(f"{path}: extends: /dev/zero: expected a scenario file, found not a regular file")
    assert "not a regular file" in refused(Path("/dev/zero"), capsys)


def test_a_directory_is_refused(tmp_path, capsys):
    (tmp_path / "folder.toml").mkdir()
    assert "found a directory" in refused(tmp_path / "folder.toml", capsys)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_extends_a_fifo_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.toml")
    path = write(tmp_path, "child.toml", 'extends = "pipe.toml"\n')
    outcome: dict = {}

    def load(target):
        try:
            load_scenario(target)
        except ScenarioError as error:
            outcome[target] = str(error)

    for target in (path, tmp_path / "pipe.toml"):
        thread = threading.Thread(target=load, args=(target,), daemon=True)
        thread.start()
        thread.join(timeout=20)
        assert not thread.is_alive(), f"loading {target} hangs"
        assert "not a regular file" in outcome[target]


def test_a_file_too_large_is_refused_before_reading(tmp_path, capsys):
    path = tmp_path / "large.toml"
    path.write_text("# " + "x" * MAX_FILE_BYTES + "\n[election]\nyear = 2020\n", encoding="utf-8")
    message = refused(path, capsys)
    assert f"expected a scenario file of at most {MAX_FILE_BYTES:,} bytes" in message
    child = write(tmp_path, "child.toml", 'extends = "large.toml"\n')
    assert refused(child, capsys).startswith(f"{child}: extends: ")
    with pytest.raises(ScenarioError, match="at most"):
        parse_scenario(path.read_text(encoding="utf-8"), source="big")


def test_non_utf8_files_are_named(tmp_path, capsys):
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Ségou"\n[election]\nyear = 2020\n'.encode("latin-1"))
    message = refused(path, capsys)
    assert str(path) in message and "expected UTF-8 text, found byte 0xe9 on line 1" in message
    child = write(tmp_path, "child.toml", 'extends = "latin1.toml"\n')
    message = refused(child, capsys)
    assert message.startswith(f"{child}: extends: {tmp_path / 'latin1.toml'}: expected UTF-8 text")


def test_a_nul_byte_in_extends_is_named(tmp_path, capsys):
    path = write(tmp_path, "nul.toml", 'extends = "base\\u0000.toml"\n')
    message = refused(path, capsys)
    assert message.startswith(f"{path}: extends: the file name 'base\\x00.toml' contains a NUL byte")
    with pytest.raises(ScenarioError, match="inline.toml: extends: the file name .* NUL byte"):
        parse_scenario('extends = "a\\u0000"\n', source="inline.toml")
    with pytest.raises(ScenarioError, match="NUL byte"):
        load_scenario("bad\x00name.toml")


def test_a_long_extends_chain_is_refused(tmp_path, capsys):
    write(tmp_path, "f0.toml", "[election]\nyear = 2020\n")
    for n in range(1, 40):
        write(tmp_path, f"f{n}.toml", f'extends = "f{n - 1}.toml"\n')
    assert "expected a chain of at most" in refused(tmp_path / "f39.toml", capsys)
    load_scenario(tmp_path / "f20.toml")  # a chain of 21 is fine


def test_huge_integers_are_described_without_converting_them(tmp_path, capsys):
    path = write(tmp_path, "digits.toml", "[election]\nyear = " + "9" * 100 + "\n")
    message = refused(path, capsys)
    assert "election.year:" in message and "an integer of 100 digits" in message
    path = write(tmp_path, "digits.toml", "[election]\nyear = " + "9" * 5000 + "\n")
    assert refused(path, capsys).startswith(f"{path}: not valid TOML here: ")


def test_a_merged_list_keeps_its_slot_in_round_2():
    from malivote.election_io import Election
    from malivote.pipeline import compile_scenario
    from malivote.scenario import build_scenario

    election = Election.from_arrays([[2, 3, 1]], [1], ["RPM", "RPM+ASMA", "URD"], second=[[4, 1, 0]])
    scenario = build_scenario(election, models={"merge": [{"parties": ["RPM"]}]}, simulation={"draws": 1})
    pipeline = compile_scenario(scenario)
    changed, _, _ = pipeline.run_block(pipeline.source.draw(0, 1), block=0)
    # Round-2 votes only where round 1 has a list, and the merged list's round 2 in its slot.
    assert not ((changed.second > 0) & (changed.members == 0)).any()
    assert changed.second[0, 0].tolist() == [0, 5, 0]


@pytest.mark.parametrize(
    "text, line",
    [
        ('[election]\nyear = 2020\n[models.transfer]\ndefault = [0.5, 0.5, 0.1]\n',
         "models.transfer: default: the shares to the leader, the runner-up and abstention must add up to 1, found 1.1"),
        ('[election]\nyear = 2013\nresult = "provisional"\n',
         "election: result = 'provisional' exists only for year 2020, found year 2013"),
    ],
)
def test_a_check_of_a_whole_table_says_found_once(text, line):
    # The table itself was appended too: "...found 1.1; found {'default': [0.5, 0.5, 0.1]}".
    with pytest.raises(ScenarioError) as error:
        parse_scenario(text)
    assert str(error.value).splitlines()[1:] == [f"  {line}"]


def test_a_sweep_file_run_as_a_scenario_says_to_sweep_it(capsys):
    # It said "sweep: unknown key", of a table the docs describe.
    assert cli.main(["run", "swing_rpm_urd", "--draws", "2"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[1:] == ["  sweep: this is a sweep file (it has a [sweep] table); run it with `malivote sweep`"], err
    with pytest.raises(ScenarioError, match=r"sweep: unknown key; found 5"):
        parse_scenario("sweep = 5\n[election]\nyear = 2020\n")
