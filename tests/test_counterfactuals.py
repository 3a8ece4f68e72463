"""The counterfactual scenarios: each validates and runs, and the rules and models it
swaps in give, on the exported votes, exactly what the engine gives on the same arrays."""

import csv

import numpy as np
import pytest

from malivote import datasets
from malivote.cli import main
from malivote.layouts import get_layout
from malivote.rules import divisor, largest_remainder, open_runoff, plurality
from malivote.scenario import SCENARIO_DIR, load_scenario, shipped_scenarios
from malivote.simulate import simulate
from malivote.transforms import national_party_votes

COUNTERFACTUALS = sorted(SCENARIO_DIR.glob("counterfactuals/*.toml"))
DRAWS = 20


def test_at_least_the_fourteen_questions_are_shipped():
    names = {path.stem for path in COUNTERFACTUALS}
    assert len(names) >= 14
    listed = {name for name, _ in shipped_scenarios()}
    assert {f"counterfactuals/{name}" for name in names} <= listed


@pytest.mark.parametrize("path", COUNTERFACTUALS, ids=lambda p: p.stem)
def test_counterfactual_validates_runs_and_documents_itself(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# What if") or text.startswith("# ")
    assert "extends" in text
    scenario = load_scenario(path)
    assert scenario.name and scenario.description
    simulation = simulate(scenario, draws=DRAWS, seed=1)
    assert simulation.party_seats.shape[0] == DRAWS
    assert (simulation.party_seats.sum(axis=1) == 147).all()
    assert (simulation.party_seats >= 0).all()


def run(name, draws=DRAWS, seed=3):
    return simulate(load_scenario(SCENARIO_DIR / "counterfactuals" / f"{name}.toml"), draws=draws, seed=seed)


def export_arrays(simulation, directory):
    """Read votes.csv and results.csv back into arrays."""
    from malivote.report import export

    export(simulation, directory)
    layout = simulation.ensemble.layout
    index = {name: c for c, name in enumerate(layout.names)}
    shape = simulation.ensemble.first.shape
    first = np.zeros(shape, np.int64)
    with open(directory / "votes.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["round"] == "1":
                first[int(row["draw"]), index[row["constituency"]], int(row["list"])] = int(row["votes"])
    seats = np.zeros(shape, np.int64)
    with open(directory / "results.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["constituency"] != "national":
                seats[int(row["draw"]), index[row["constituency"]], int(row["list"])] = int(row["seats"])
    return first, seats


@pytest.mark.parametrize(
    "name, engine",
    [
        ("dhondt_districts", lambda v, m, rng: divisor(v, np.broadcast_to(m, v.shape[:-1]), method="dhondt", rng=rng)),
        ("sainte_lague_districts", lambda v, m, rng: divisor(v, np.broadcast_to(m, v.shape[:-1]), method="sainte_lague", rng=rng)),
        ("hare_districts", lambda v, m, rng: largest_remainder(v, np.broadcast_to(m, v.shape[:-1]), quota="hare", rng=rng)),
        ("plurality_single_round", lambda v, m, rng: plurality(v, m, rng=rng).seats),
    ],
)
def test_swapped_rule_on_exported_votes_equals_the_engine(name, engine, tmp_path):
    simulation = run(name)
    first, seats = export_arrays(simulation, tmp_path)
    assert (first == simulation.ensemble.first).all()
    # The run's lots come from its rule stream (one block: DRAWS <= 100); the same
    # stream gives the same lots where reconstructed votes happen to tie.
    from malivote import seeds

    assert DRAWS <= seeds.BLOCK
    expected = engine(first, get_layout("mali-55").magnitude, seeds.block_rng(simulation.seed, seeds.Stage.RULE, 0))
    assert (seats == expected).all()
    assert (seats == simulation.seats).all()


def test_open_runoff_on_exported_votes(tmp_path):
    simulation = run("french_runoff")
    first, seats = export_arrays(simulation, tmp_path)
    ensemble = simulation.ensemble
    outcome = open_runoff(first, ensemble.magnitude, ensemble.turnout[..., 0, 0], ensemble.second)
    assert (outcome.seats == seats).all()
    # 12.5% of registered voters: at least two finalists wherever a runoff is held.
    qualified = outcome.qualified.sum(axis=-1)
    assert (qualified[outcome.round == 2] >= 2).all()


def test_national_tier_from_party_votes(tmp_path):
    simulation = run("national_pr_5pct")
    votes = national_party_votes(simulation.ensemble)
    assert (votes.sum(axis=1) == simulation.ensemble.first.sum(axis=(1, 2))).all()
    assert (simulation.party_seats == divisor(votes, 147, method="dhondt", threshold=0.05)).all()
    below = votes * 20 < votes.sum(axis=1, keepdims=True)
    assert (simulation.party_seats[below] == 0).all()
    from malivote.report import export

    export(simulation, tmp_path)
    with open(tmp_path / "results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["constituency"] for row in rows} == {"national"}
    assert sum(int(row["seats"]) for row in rows if row["draw"] == "0") == 147


def test_parallel_system_adds_up():
    simulation = run("parallel_100_47")
    assert (simulation.seats.sum(axis=(1, 2)) == 100).all()
    assert (simulation.national.sum(axis=1) == 47).all()
    district_seats = simulation.seats.sum(axis=-1).max(axis=0)
    assert (district_seats >= 0).all()
    assert ((simulation.seats.sum(axis=-1) >= 1).all())  # every district keeps a seat


def test_swings_move_rpm_in_the_expected_direction():
    base = simulate(load_scenario("mali_2020"), draws=DRAWS, seed=3)
    rpm = base.parties.index("RPM")
    worse = run("swing_against_rpm_5")
    better = run("swing_for_rpm_5")
    assert worse.party_seats[:, rpm].mean() < base.party_seats[:, rpm].mean() < better.party_seats[:, rpm].mean()
    # A swing keeps every district's valid votes.
    assert (worse.ensemble.first.sum(axis=-1) == base.ensemble.first.sum(axis=-1)).all()


def test_turnout_60_percent():
    simulation = run("turnout_60")
    table = simulation.ensemble.turnout[..., 0, :]
    registered, cast, invalid, valid = np.moveaxis(table, -1, 0)
    assert np.allclose(cast / registered, 0.60, atol=1e-3)
    assert (valid == cast - invalid).all()
    assert (valid == simulation.ensemble.first.sum(axis=-1)).all()


def test_united_opposition_one_list_without_rpm():
    simulation = run("united_opposition")
    rpm_bit = 1 << simulation.parties.index("RPM")
    members = simulation.ensemble.members
    without_rpm = (members != 0) & ((members & rpm_bit) == 0)
    assert (without_rpm.sum(axis=-1) <= 1).all()


def test_women_rules():
    zipper = run("women_zipper")
    minimum = run("women_thirty_percent")
    female = zipper.ensemble.roster_female
    length = (zipper.ensemble.roster_party >= 0).sum(axis=-1)
    women = female.sum(axis=-1)
    assert (np.abs(2 * women - length) <= 1).all()
    assert zipper.women.min() > minimum.women.max()


def test_replays_match_the_official_women():
    for name, year in (("mali_2020", 2020), ("mali_2013", 2013)):
        simulation = simulate(load_scenario(name), draws=10, seed=2)
        assert (simulation.women == datasets.election_facts(year).women_elected).all()


def test_provisional_2020_matches_the_known_provisional_counts():
    simulation = run("provisional_2020")
    for row in datasets.provisional_results(2020):
        seats = simulation.party_seats[:, simulation.parties.index(row.party)]
        assert ((seats >= row.seats_min) & (seats <= row.seats_max)).all(), row.party


def test_block_vote_credits_elected_candidates():
    simulation = run("block_vote_split_tickets")
    assert (simulation.seats.sum(axis=(1, 2)) == 147).all()
    # Split tickets: some districts give seats to more than one list.
    assert ((simulation.seats > 0).sum(axis=-1) > 1).any()


def test_compare_counterfactuals(capsys):
    files = [str(SCENARIO_DIR / "mali_2020.toml"), str(SCENARIO_DIR / "counterfactuals" / "dhondt_districts.toml")]
    assert main(["compare", *files, "--draws", "10"]) == 0
    out = capsys.readouterr().out
    assert "gallagher" in out and "D'Hondt" in out
