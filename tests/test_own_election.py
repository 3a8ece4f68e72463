"""Your own election: [data] CSV files, DataFrames, exports read back, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from malivote.cli import main
from malivote.election_io import Election, ElectionDataError
from malivote.report import export
from malivote.ruleset import rule_names
from malivote.scenario import ScenarioError, build_scenario, load_scenario, parse_scenario
from malivote.simulate import simulate

VOTES = """constituency,round,list,parties,votes
Ashfield,1,1,Greens,5200
Ashfield,1,2,Labour+Co-op,4100
Ashfield,1,3,Liberal,900
Bexley,1,1,Greens,3000
Bexley,1,2,Labour+Co-op,2900
Bexley,1,3,Liberal,2500
Bexley,2,1,Greens,4100
Bexley,2,2,Labour+Co-op,4400
Carlow,1,1,Greens,1000
Carlow,1,2,Liberal,3000
"""
SEATS = """constituency,seats,region
Ashfield,3,North
Bexley,2,North
Carlow,1,South
"""


REGISTERED = """constituency,seats,region,registered
Ashfield,3,North,12000
Bexley,2,North,9000
Carlow,1,South,5000
"""


@pytest.fixture
def own(tmp_path):
    (tmp_path / "votes.csv").write_text(VOTES)
    (tmp_path / "seats.csv").write_text(SEATS)
    (tmp_path / "mali_rule.toml").write_text('[data]\nvotes = "votes.csv"\nconstituencies = "seats.csv"\nseats = 6\n')
    return tmp_path


def test_a_csv_election_under_malis_rule_and_dhondt(own, capsys):
    scenario = load_scenario(own / "mali_rule.toml")
    sim = simulate(scenario, draws=10)
    # Ashfield: Greens 52% -> all 3. Bexley: runoff, Labour+Co-op 4400 -> 2. Carlow: Liberal 75% -> 1.
    assert sim.parties == ("Greens", "Labour", "Co-op", "Liberal")
    assert sim.party_seats[0].tolist() == [3, 1, 1, 1]
    assert sim.round[0].tolist() == [1, 2, 1]
    (own / "dhondt.toml").write_text('extends = "mali_rule.toml"\n[rule]\nmethod = "divisor"\ndivisor = "dhondt"\n')
    assert main(["run", str(own / "dhondt.toml"), "--draws", "5", "--format", "json"]) == 0
    seats = {row["party"]: row["median"] for row in json.loads(capsys.readouterr().out)["parties"]}
    # Ashfield 3 seats: G 5200, L 4100, Lib 900 -> G 2, L 1; Bexley 2: G 1, L 1; Carlow: Lib 1.
    # Without rosters, a joint list's first seat goes to its first party (zipper).
    assert seats == {"Greens": 3, "Labour": 2, "Liberal": 1}


def test_every_rule_and_model_works_on_a_csv_election(own):
    for method in rule_names():
        scenario = parse_scenario(
            f'[data]\nvotes = "votes.csv"\nconstituencies = "seats.csv"\n[rule]\nmethod = "{method}"\n'
            '[[models.swing]]\nparty = "Liberal"\npoints = 2.0\nregion = "South"\n'
            '[models.noise]\nconcentration = 100.0\n[models.transfer]\ndefault = [0.3, 0.5, 0.2]\n',
            source="inline.toml", base_dir=own,
        )
        sim = simulate(scenario, draws=50, seed=2)
        assert (sim.party_seats.sum(axis=1) == 6).all(), method


def test_unknown_party_in_models_is_named_with_a_hint(own):
    with pytest.raises(ScenarioError, match=r"models.swing.0.party: unknown party 'Green'.*did you mean 'Greens'"):
        parse_scenario('[data]\nvotes = "votes.csv"\nconstituencies = "seats.csv"\n[[models.swing]]\nparty = "Green"\npoints = 1.0\n',
                       base_dir=own)


BAD_CASES = {
    "missing column": ("constituency,round,list,votes\nAshfield,1,1,5\n", SEATS, r"votes.csv: line 1: missing column \['parties'\]"),
    "negative count": (VOTES.replace("5200", "-5"), SEATS, r"votes.csv: line 2, column 'votes': expected a whole number of votes, at least 0, found -5"),
    "fractional count": (VOTES.replace("5200", "52.5"), SEATS, r"votes.csv: line 2, column 'votes': expected a whole number of votes, at least 0, found '52.5'"),
    "unknown constituency": (VOTES + "Dover,1,1,Greens,5\n", SEATS, r"votes.csv: line 12, column 'constituency': unknown constituency 'Dover'"),
    "duplicate list": (VOTES + "Carlow,1,2,Liberal,7\n", SEATS, r"votes.csv: line 12, column 'list': duplicate list '2' in 'Carlow', round 1 \(first on line 11\)"),
    "constituency without lists": (VOTES, SEATS + "Dover,1,South\n", r"votes.csv: constituency 'Dover' has no lists"),
    "constituency without seats": (VOTES, SEATS.replace("Carlow,1", "Carlow,0"), r"seats.csv: line 4, column 'seats': expected a whole number of seats, at least 1, found 0"),
    "seats do not add up": (VOTES, SEATS.replace("Carlow,1", "Carlow,2"), r"seats.csv: line 4, column 'seats': the seats add up to 7, expected 6"),
    "party without a letter": (VOTES.replace("Labour+Co-op,4100", "Labour+42,4100"), SEATS, r"votes.csv: line 3, column 'parties'"),
    "a column twice": ("constituency,round,list,parties,votes,votes\n" + "".join(f"{row},1\n" for row in VOTES.splitlines()[1:]),
                       SEATS, r"votes.csv: line 1: expected each column once, found \['votes'\] more than once"),
    "more votes than voters": (VOTES, REGISTERED.replace("Bexley,2,North,9000", "Bexley,2,North,8000"),
                               (r"seats.csv: line 3, column 'registered': expected at least the valid votes of round 1 "
                                r"in 'Bexley' \(8400, .*votes.csv\), found 8000 registered voters")),
    "round-2 votes over voters": (VOTES, REGISTERED.replace("Bexley,2,North,9000", "Bexley,2,North,8450"),
                                  (r"seats.csv: line 3, column 'registered': expected at least the valid votes of round 2 "
                                   r"in 'Bexley' \(8500, .*\), found 8450 registered voters")),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_csv_exits_2_naming_file_line_and_column(own, case, capsys):
    votes, seats, message = BAD_CASES[case]
    (own / "votes.csv").write_text(votes)
    (own / "seats.csv").write_text(seats)
    assert main(["validate", str(own / "mali_rule.toml")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert __import__("re").search(message, err), err
    assert main(["run", str(own / "mali_rule.toml"), "--draws", "2"]) == 2


def test_registered_voters_are_at_least_the_votes_of_each_round(own):
    # Bexley: 8400 valid votes in round 1, 8500 in round 2.
    (own / "seats.csv").write_text(REGISTERED.replace("Bexley,2,North,9000", "Bexley,2,North,8500"))
    scenario = load_scenario(own / "mali_rule.toml")
    assert scenario.own_election().layout.registered.tolist() == [12000, 8500, 5000]
    (own / "seats.csv").write_text(REGISTERED.replace("Bexley,2,North,9000", "Bexley,2,North,8499"))
    with pytest.raises(ScenarioError, match=r"round 2 in 'Bexley' \(8500, .*\), found 8499 registered voters"):
        load_scenario(own / "mali_rule.toml")


def test_each_problem_of_the_files_is_one_line_of_the_count(own, capsys):
    # Both round-1 rows of Carlow are refused: that is all there is to say about
    # Carlow, not also that it "has no lists"; and the files' own summary line is no
    # problem of its own.
    (own / "votes.csv").write_text(VOTES.replace("Carlow,1,1,Greens,1000", "Carlow,1,1,Greens,-1")
                                   .replace("Carlow,1,2,Liberal,3000", "Carlow,1,2,Liberal,2.5"))
    assert main(["validate", str(own / "mali_rule.toml")]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].endswith("2 problems in the scenario:"), lines
    assert len(lines) == 3 and all("votes.csv: line 1" in line for line in lines[1:]), lines
    assert not any("no lists" in line or "problems:" in line for line in lines[1:])


def test_more_problems_than_shown_are_counted_in_one_line(own, capsys):
    rows = "".join(f"Nowhere{i},1,1,Greens,5\n" for i in range(30))
    (own / "votes.csv").write_text(VOTES + rows)
    assert main(["validate", str(own / "mali_rule.toml")]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 + 25 + 1, lines
    assert lines[-1].strip() == "data: ... and 5 more in the same files"


def test_a_column_twice_in_a_frame_is_refused():
    votes = pd.read_csv(__import__("io").StringIO(VOTES))
    doubled = pd.concat([votes, votes[["votes"]]], axis=1)
    with pytest.raises(ElectionDataError, match=r"votes: expected each column once, found \['votes'\]"):
        Election.from_frame(doubled, seats={"Ashfield": 3, "Bexley": 2, "Carlow": 1})


def test_a_replay_draw_exported_reads_back_with_the_same_seats(tmp_path):
    sim = simulate(load_scenario("mali_2020"), draws=1, seed=11)
    export(sim, tmp_path)
    (tmp_path / "back.toml").write_text(
        '[data]\nvotes = "votes.csv"\nconstituencies = "constituencies.csv"\nrosters = "rosters.csv"\nseats = 147\n'
    )
    back = simulate(load_scenario(tmp_path / "back.toml"), draws=1, seed=0)
    assert back.parties == sim.parties or set(back.parties) <= set(sim.parties)
    by_party = dict(zip(back.parties, back.party_seats[0].tolist()))
    expected = {p: s for p, s in zip(sim.parties, sim.party_seats[0].tolist()) if s}
    assert {p: s for p, s in by_party.items() if s} == expected
    slots = back.seats.shape[-1]
    assert (back.seats[0] == sim.seats[0, :, :slots]).all() and not sim.seats[0, :, slots:].any()
    assert (back.round == sim.round).all()
    assert back.women.tolist() == sim.women.tolist()


def test_several_draws_read_back_in_turn(tmp_path):
    sim = simulate(load_scenario("mali_2013"), draws=3, seed=5)
    export(sim, tmp_path)
    election = Election.from_csv(tmp_path / "votes.csv", tmp_path / "constituencies.csv",
                                 rosters=tmp_path / "rosters.csv")
    assert election.n_elections == 3
    back = simulate(build_scenario(election), draws=6)
    slots = back.seats.shape[-1]
    assert (back.seats[:3] == sim.seats[..., :slots]).all() and (back.seats[3:] == sim.seats[..., :slots]).all()
    assert (back.party_seats[:3] == back.party_seats[3:]).all()


def test_from_frame_and_its_errors():
    votes = pd.read_csv(__import__("io").StringIO(VOTES))
    election = Election.from_frame(votes, seats={"Ashfield": 3, "Bexley": 2, "Carlow": 1})
    assert election.has_second_round and election.layout.n_constituencies == 3
    with pytest.raises(ElectionDataError, match=r"votes: line 2, column 'votes'"):
        Election.from_frame(votes.assign(votes=[-1] + votes["votes"].tolist()[1:]), seats={"Ashfield": 3, "Bexley": 2, "Carlow": 1})
    sim = simulate(build_scenario(election, rule={"method": "largest_remainder", "quota": "droop"}), draws=3)
    frame = sim.to_frame()
    assert (frame.groupby("draw")["seats"].sum() == 6).all()


def test_from_arrays_runs_without_toml():
    election = Election.from_arrays(np.array([[60, 40], [30, 70], [45, 55]]), [2, 1, 1], ["A", "B"],
                                    names=["x", "y", "z"])
    sim = simulate(build_scenario(election, rule={"method": "plurality"}), draws=2)
    assert sim.party_seats.tolist() == [[2, 2], [2, 2]]
    assert any("rosters" in note for note in sim.notes)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes")
def test_a_pipe_or_a_folder_named_as_data_is_refused_without_reading(own, capsys):
    import os
    import threading

    os.replace(own / "votes.csv", own / "kept.csv")
    os.mkfifo(own / "votes.csv")  # reading it would wait for a writer forever
    # Should the pipe be opened all the same, a writer ends the wait so the test fails, not hangs.
    def unblock():
        with open(own / "votes.csv", "w") as pipe:
            pipe.write(VOTES)

    writer = threading.Thread(target=unblock, daemon=True)
    writer.start()
    try:
        assert main(["validate", str(own / "mali_rule.toml")]) == 2
        err = capsys.readouterr().err
        assert "votes.csv: expected a CSV file, found not a regular file" in err, err
    finally:
        if writer.is_alive():
            fd = os.open(own / "votes.csv", os.O_RDONLY | os.O_NONBLOCK)
            writer.join(5)
            os.close(fd)
    (own / "seats.csv").unlink()
    (own / "seats.csv").mkdir()
    os.unlink(own / "votes.csv")
    os.replace(own / "kept.csv", own / "votes.csv")
    assert main(["validate", str(own / "mali_rule.toml")]) == 2
    assert "seats.csv: expected a CSV file, found a directory" in capsys.readouterr().err
