"""Every shipped replay reproduces its official table in every draw, from votes."""

import json

import numpy as np
import pytest

from malivote import datasets
from malivote.cli import main
from malivote.election import credit_seats
from malivote.report import summarise
from malivote.rules import two_round
from malivote.scenario import load_scenario
from malivote.simulate import simulate

REPLAYS = {
    "mali_2020": (2020, 12, 22),
    "mali_2013": (2013, 10, 20),
    "mali_2007": (2007, 8, 13),
    "mali_2020_125": (2020, None, 22),
    "mali_2013_125": (2013, None, 20),
}


def official_vector(year, parties):
    totals = datasets.seat_totals(year)
    assert set(totals) <= set(parties)
    return np.array([totals.get(party, 0) for party in parties])


@pytest.mark.parametrize("name", sorted(REPLAYS))
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_replay_reproduces_the_official_table_in_every_draw(name, seed):
    year, districts_round1, seats_round1 = REPLAYS[name]
    simulation = simulate(load_scenario(name), draws=25, seed=seed)
    expected = official_vector(year, simulation.parties)
    assert (simulation.party_seats == expected).all()
    assert (simulation.round1_seats == seats_round1).all()
    if districts_round1 is not None:
        assert (simulation.round1_constituencies == districts_round1).all()


@pytest.mark.parametrize("name", sorted(REPLAYS))
def test_seats_come_from_the_engine_on_the_drawn_votes(name):
    """Recompute from the ensemble's votes with the engine itself, not the simulation."""
    year = REPLAYS[name][0]
    simulation = simulate(load_scenario(name), draws=5, seed=3)
    ensemble = simulation.ensemble
    outcome = two_round(ensemble.first, ensemble.magnitude, ensemble.second, rng=99)
    party_seats, _ = credit_seats(outcome.seats, ensemble.roster_party, ensemble.roster_female, len(ensemble.parties))
    assert (party_seats == official_vector(year, ensemble.parties)).all()
    assert (outcome.seats == simulation.seats).all()


def test_2020_seats_per_round():
    simulation = simulate(load_scenario("mali_2020"), draws=20, seed=8)
    ensemble = simulation.ensemble
    round1 = np.where((simulation.round == 1)[..., None], simulation.seats, 0)
    party_round1, _ = credit_seats(round1, ensemble.roster_party, ensemble.roster_female, len(ensemble.parties))
    expected = {row.party: row.round1 for row in datasets.national_results(2020)}
    for p, party in enumerate(ensemble.parties):
        assert (party_round1[:, p] == expected.get(party, 0)).all(), party


def test_replay_is_reproducible_and_draws_vary():
    scenario = load_scenario("mali_2020")
    a = simulate(scenario, draws=30, seed=5)
    b = simulate(scenario, draws=30, seed=5)
    assert (a.ensemble.first == b.ensemble.first).all()
    assert (a.ensemble.second == b.ensemble.second).all()
    # What is unknown varies across the ensemble.
    assert len({a.ensemble.first[d].tobytes() for d in range(30)}) > 1


def test_json_output_of_the_2020_replay(capsys):
    assert main(["run", "mali_2020", "--format", "json", "--draws", "20", "--seed", "4"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["draws"] == 20 and summary["seed"] == 4
    rows = {row["party"]: row for row in summary["parties"]}
    assert rows["RPM"]["official"] == 51
    for row in summary["parties"]:
        assert row["min"] == row["max"] == row["median"] == row["p05"] == row["p95"] == row["official"]
    assert summary["round1"] == {"districts": {"min": 12, "max": 12}, "seats": {"min": 22, "max": 22}}


def test_table_output_shows_official_beside_simulated(capsys):
    assert main(["run", "mali_2013", "--draws", "10"]) == 0
    out = capsys.readouterr().out
    assert "Official" in out and "Median" in out
    assert "RPM" in out and "66" in out


def test_summary_women_and_notes_present():
    summary = summarise(simulate(load_scenario("mali_2020"), draws=4, seed=0))
    assert summary.women.min == summary.women.max == 42
    assert isinstance(summary.notes, tuple) and summary.modelled
    assert all(row.fixed for row in summary.parties)
