"""Run a scenario: election → vote draws → rule → seats per list → seats per party.

:func:`simulate` composes the stages and holds no electoral logic of its own: the
votes come from :mod:`malivote.reconstruct` (a replay) or from the scenario's own
lists, the rule from :mod:`malivote.rules`, and the party seats from the rosters
(:func:`malivote.election.credit_seats`).

Examples
--------
>>> from malivote.scenario import load_scenario
>>> result = simulate(load_scenario("mali_2020"), draws=2)
>>> result.party_seats.shape[0], int(result.party_seats[0].sum())
(2, 147)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from malivote import datasets
from malivote.election import Ensemble, credit_seats
from malivote.layouts import get_layout
from malivote.rules import divisor, largest_remainder, plurality, two_round
from malivote.scenario import Scenario

__all__ = ["Simulation", "simulate", "ensemble_from_lists", "apply_rule"]

# Tie-breaking draws from its own stream, apart from the reconstruction's, so that
# changing the rule never changes the elections drawn.
_RULE_STREAM = 0x72756C65


@dataclass(frozen=True, eq=False)
class Simulation:
    """The outcome of a scenario over its draws.

    Attributes
    ----------
    scenario : Scenario
    ensemble : Ensemble
        The elections drawn.
    seats : ndarray of int64, shape (D, C, K)
        Seats per list slot.
    round : ndarray of int8, shape (D, C)
        The round that decided each constituency (1 under one-round rules).
    party_seats : ndarray of int64, shape (D, P)
        Seats per party, ``P = len(ensemble.parties)``.
    women : ndarray of int64, shape (D,)
        Women elected.
    seed : int
    """

    scenario: Scenario
    ensemble: Ensemble
    seats: np.ndarray
    round: np.ndarray
    party_seats: np.ndarray
    women: np.ndarray
    seed: int

    @property
    def parties(self) -> tuple[str, ...]:
        return self.ensemble.parties

    @property
    def n_draws(self) -> int:
        return self.seats.shape[0]

    @cached_property
    def round1_constituencies(self) -> np.ndarray:
        """Constituencies decided in round 1, per draw."""
        return (self.round == 1).sum(axis=-1)

    @cached_property
    def round1_seats(self) -> np.ndarray:
        """Seats decided in round 1, per draw."""
        return np.where(self.round == 1, self.ensemble.magnitude, 0).sum(axis=-1)

    def official(self) -> dict[str, int] | None:
        """The official seat table the scenario replays, if any."""
        return self.scenario.official_seats()


def apply_rule(scenario: Scenario, ensemble: Ensemble, rng):
    """Seats per list slot ``(D, C, K)`` and deciding round ``(D, C)`` under the rule."""
    rule = scenario.rule
    magnitude = ensemble.magnitude
    if rule.method == "two_round":
        # Without round-2 votes, runoffs go by the engine's default transfer.
        second = ensemble.second if ensemble.second.any() else None
        outcome = two_round(ensemble.first, magnitude, second, majority=rule.majority, rng=rng)
        return outcome.seats, outcome.round
    if rule.method == "plurality":
        outcome = plurality(ensemble.first, magnitude, rng=rng)
        return outcome.seats, outcome.round
    seats_per_row = np.broadcast_to(magnitude, ensemble.first.shape[:-1])
    if rule.method == "divisor":
        seats = divisor(ensemble.first, seats_per_row, method=rule.divisor, threshold=rule.threshold, rng=rng)
    else:
        seats = largest_remainder(
            ensemble.first, seats_per_row, quota=rule.quota, threshold=rule.threshold, rng=rng
        )
    return seats, np.ones(seats.shape[:-1], dtype=np.int8)


def ensemble_from_lists(scenario: Scenario, draws: int) -> Ensemble:
    """The election a scenario writes out in ``[[lists]]``, repeated over ``draws``.

    Rosters without ``candidates`` alternate the list's parties in the order given,
    and the sexes starting with a woman (a zipper list). Turnout is the valid votes:
    a scenario with its own lists gives no registered, blank or invalid figures.
    """
    layout = get_layout(scenario.election.layout)
    parties = tuple(party.id for party in datasets.parties())
    party_index = {party: index for index, party in enumerate(parties)}
    constituency_index = {name: index for index, name in enumerate(layout.names)}
    per_constituency: dict[int, list] = {}
    for spec in scenario.lists:
        per_constituency.setdefault(constituency_index[spec.constituency], []).append(spec)
    n_slots = max(len(lists) for lists in per_constituency.values())
    longest = int(layout.magnitude.max())
    shape = (layout.n_constituencies, n_slots)
    first = np.zeros(shape, np.int64)
    second = np.zeros(shape, np.int64)
    members = np.zeros(shape, np.int64)
    roster_party = np.full(shape + (longest,), -1, np.int16)
    roster_female = np.zeros(shape + (longest,), bool)
    for c, lists in per_constituency.items():
        magnitude = int(layout.magnitude[c])
        for k, spec in enumerate(lists):
            first[c, k] = spec.votes[0]
            if len(spec.votes) > 1:
                second[c, k] = spec.votes[1]
            members[c, k] = sum(1 << party_index[p] for p in set(spec.parties))
            if spec.candidates is not None:
                roster = [(party_index[x.party], x.sex == "F") for x in spec.candidates]
            else:
                roster = [
                    (party_index[spec.parties[j % len(spec.parties)]], j % 2 == 0)
                    for j in range(magnitude)
                ]
            for j, (party, female) in enumerate(roster):
                roster_party[c, k, j] = party
                roster_female[c, k, j] = female
    valid = first.sum(axis=-1)
    turnout = np.zeros((layout.n_constituencies, 2, 4), np.int64)
    turnout[:, 0, :] = np.stack([valid, valid, np.zeros_like(valid), valid], axis=-1)
    valid_second = second.sum(axis=-1)
    turnout[:, 1, :] = np.stack([valid_second, valid_second, np.zeros_like(valid_second), valid_second], axis=-1)

    def repeat(array):
        return np.repeat(array[None], draws, axis=0)

    has_second = bool(second.any())
    return Ensemble(
        layout=layout,
        parties=parties,
        first=repeat(first),
        second=repeat(second) if has_second else np.zeros((draws,) + shape, np.int64),
        members=repeat(members),
        roster_party=repeat(roster_party),
        roster_female=repeat(roster_female),
        turnout=repeat(turnout),
        year=None,
        notes=("turnout: the scenario's lists give valid votes only",),
    )


def simulate(scenario: Scenario, *, draws: int | None = None, seed: int | None = None) -> Simulation:
    """Run a scenario.

    Parameters
    ----------
    scenario : Scenario
        From :func:`malivote.scenario.load_scenario`.
    draws, seed : int, optional
        Override the scenario's ``[simulation]`` settings.

    Returns
    -------
    Simulation
    """
    draws = scenario.simulation.draws if draws is None else int(draws)
    seed = scenario.simulation.seed if seed is None else int(seed)
    if draws < 1:
        raise ValueError(f"draws: expected a positive number of draws, found {draws}")
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, found {seed}")
    if scenario.is_replay:
        from malivote.reconstruct import reconstruct

        ensemble = reconstruct(
            scenario.election.year,
            layout=scenario.election.layout,
            draws=draws,
            seed=seed,
            result=scenario.election.result,
        )
    else:
        ensemble = ensemble_from_lists(scenario, draws)
    rng = np.random.default_rng([seed, _RULE_STREAM])
    seats, rounds = apply_rule(scenario, ensemble, rng)
    party_seats, women = credit_seats(seats, ensemble.roster_party, ensemble.roster_female, len(ensemble.parties))
    return Simulation(
        scenario=scenario,
        ensemble=ensemble,
        seats=seats,
        round=rounds,
        party_seats=party_seats,
        women=women,
        seed=seed,
    )
