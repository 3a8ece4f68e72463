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

import sys
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
#: Draws whose ties share one seed sequence child: results do not depend on chunking.
RULE_BLOCK = 100
#: Draws made at a time by default.
CHUNK_DRAWS = 1000


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

    def summary(self) -> dict:
        """Seats per party, round 1 and metrics: :func:`malivote.report.summarise`."""
        from malivote.report import summarise

        return summarise(self)

    def _repr_html_(self) -> str:
        from malivote.report import format_html

        return format_html(self.summary())

    def __repr__(self) -> str:
        return (
            f"<Simulation {self.scenario.name or self.scenario.source!r}: {self.n_draws} draws, "
            f"seed {self.seed}, rule {self.scenario.rule.method}>"
        )


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


def _progress_bar(total: int, progress, description: str):
    """A tqdm progress bar, or None: on request, or by default on a terminal."""
    if progress is None:
        progress = sys.stderr.isatty() and total >= 2 * CHUNK_DRAWS
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional: pip install "malivote[progress]"
        return None
    return tqdm(total=total, desc=description, unit="draw", leave=False)


def _concatenate(ensembles: list[Ensemble]) -> Ensemble:
    if len(ensembles) == 1:
        return ensembles[0]
    first = ensembles[0]
    joined = {
        name: np.concatenate([getattr(e, name) for e in ensembles])
        for name in ("first", "second", "members", "roster_party", "roster_female", "turnout")
    }
    return Ensemble(layout=first.layout, parties=first.parties, year=first.year, notes=first.notes, **joined)


def simulate(
    scenario: Scenario,
    *,
    draws: int | None = None,
    seed: int | None = None,
    chunk_size: int = CHUNK_DRAWS,
    progress: bool | None = None,
) -> Simulation:
    """Run a scenario.

    Parameters
    ----------
    scenario : Scenario
        From :func:`malivote.scenario.load_scenario`.
    draws, seed : int, optional
        Override the scenario's ``[simulation]`` settings.
    chunk_size : int, default 1000
        Draws made at a time (rounded up to a multiple of ``RULE_BLOCK``). The results
        do not depend on it: the elections and the lots that break ties come from one
        seed sequence child per fixed block of ``RULE_BLOCK`` draws.
    progress : bool, optional
        Show a progress bar (needs ``tqdm``). By default, only on a terminal and for
        long runs.

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
    if chunk_size < 1:
        raise ValueError(f"chunk_size: expected a positive number of draws, found {chunk_size}")
    chunk_size = -(-int(chunk_size) // RULE_BLOCK) * RULE_BLOCK

    if scenario.is_replay:
        from malivote.reconstruct import reconstruct

        def draw_elections(first_draw: int, count: int) -> Ensemble:
            return reconstruct(
                scenario.election.year,
                layout=scenario.election.layout,
                draws=count,
                seed=seed,
                result=scenario.election.result,
                first_draw=first_draw,
            )
    else:
        def draw_elections(first_draw: int, count: int) -> Ensemble:
            return ensemble_from_lists(scenario, count)

    bar = _progress_bar(draws, progress, scenario.name or "malivote")
    ensembles, seats, rounds = [], [], []
    try:
        for chunk_start in range(0, draws, chunk_size):
            count = min(chunk_size, draws - chunk_start)
            ensemble = draw_elections(chunk_start, count)
            for block_start in range(0, count, RULE_BLOCK):
                block = slice(block_start, min(block_start + RULE_BLOCK, count))
                index = (chunk_start + block_start) // RULE_BLOCK
                rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_RULE_STREAM, index)))
                block_seats, block_rounds = apply_rule(scenario, ensemble.take(block), rng)
                seats.append(block_seats)
                rounds.append(block_rounds)
            ensembles.append(ensemble)
            if bar is not None:
                bar.update(count)
    finally:
        if bar is not None:
            bar.close()
    ensemble = _concatenate(ensembles)
    seats = np.concatenate(seats)
    rounds = np.concatenate(rounds)
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
