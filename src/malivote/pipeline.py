"""A scenario compiled into its stages: vote source → models → rule → tally.

:func:`compile_scenario` reads a validated :class:`~malivote.scenario.Scenario` once
and returns a :class:`Pipeline`. The stages, each in its own module, and what flows
between them:

=====================  ==========================  ===================================
stage                  module                      gives
=====================  ==========================  ===================================
scenario               :mod:`malivote.scenario`    a validated ``Scenario``
election               :mod:`malivote.election`,   ``Layout``, ``Ensemble`` (lists,
                       :mod:`malivote.election_io` rosters, votes), ``Election``
vote draws             :mod:`malivote.sources`     an ``Ensemble`` per block of draws
                       (:mod:`malivote.reconstruct`
                       for replays)
models                 :mod:`malivote.transforms`  the ``Ensemble`` changed
                       (:mod:`malivote.models`)
rule                   :mod:`malivote.ruleset`     a ``Decision``
                       (:mod:`malivote.rules`)
outcome                :mod:`malivote.results`     ``Tally``, ``Simulation``, ``Summary``
summaries, exports     :mod:`malivote.report`,
and plots              :mod:`malivote.plot`
=====================  ==========================  ===================================

:mod:`malivote.simulate` drives a pipeline over chunks of draws and workers; random
numbers come from :mod:`malivote.seeds`, one stream per fixed block of draws.

Examples
--------
>>> from malivote.scenario import load_scenario
>>> pipeline = compile_scenario(load_scenario("mali_2020"), seed=1)
>>> type(pipeline.rule).__name__, type(pipeline.source).__name__
('TwoRound', 'ReplaySource')
>>> ensemble, decision, tally = pipeline.run_block(pipeline.source.draw(0, 3), block=0)
>>> decision.party_seats.sum(axis=1).tolist(), tally.n_draws
([147, 147, 147], 3)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from malivote import metrics, seeds
from malivote.election import Ensemble
from malivote.results import Decision
from malivote.rules._backend import backend
from malivote.ruleset import Rule, RuleContext, build_rule
from malivote.sources import vote_source
from malivote.tally import Tally
from malivote.transforms import VoteModels, runoff_model

if TYPE_CHECKING:  # pragma: no cover
    from malivote.scenario import Scenario

__all__ = ["Pipeline", "block_metrics", "compile_scenario", "tally_block"]


def bloc_membership(blocs: dict, parties: tuple[str, ...]) -> np.ndarray:
    """``(P, B)`` 0/1: which parties make up each bloc (parties not standing count 0)."""
    membership = np.zeros((len(parties), len(blocs)), dtype=np.int64)
    for column, members in enumerate(blocs.values()):
        for party in members:
            if party in parties:
                membership[parties.index(party), column] = 1
    return membership


@lru_cache(maxsize=64)
def _membership(blocs: tuple, parties: tuple[str, ...]) -> np.ndarray:
    """:func:`bloc_membership` of ``blocs`` given as ``((name, (party, ...)), ...)``,
    computed once per run (read-only)."""
    membership = bloc_membership(dict(blocs), parties)
    membership.setflags(write=False)
    return membership


def block_metrics(ensemble: Ensemble, decision: Decision) -> dict[str, np.ndarray]:
    """The per-draw metrics of one block of draws, by name (:data:`~malivote.results.METRIC_NAMES`).

    Party votes credit each joint list's votes equally to its parties
    (:func:`malivote.metrics.party_votes`, ``"equal"``: ballots are cast for lists),
    the one convention of every party-level figure in malivote.

    The values are, bit for bit, those of the functions of :mod:`malivote.metrics`
    (the same float64 operations in the same order), computed in few passes: the
    party votes, the wasted and valid votes in one (a compiled kernel with the numba
    backend), the vote and seat shares shared among the indices, and without the
    argument checks, which the engine's arrays pass; a block that would fail a check
    (a draw without votes or seats, say) goes through the checked functions, which
    raise their errors.
    """
    return _block_values(ensemble, decision)[0]


def _block_values(ensemble: Ensemble, decision: Decision) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """:func:`block_metrics`, and the seats and constituencies decided in round 1 in
    each draw."""
    first, members, seats, rounds = ensemble.first, ensemble.members, decision.party_seats, decision.round
    list_seats = decision.seats
    n_parties = len(ensemble.parties)
    fast = (
        seats.dtype.kind == "i" and seats.ndim == 2 and seats.shape[-1] == n_parties
        and first.dtype == np.int64 and first.ndim == 3 and members.dtype == np.int64
        and list_seats.shape == first.shape and rounds.dtype.kind in "ui" and rounds.shape == first.shape[:2]
    )
    counted = None
    if fast and list_seats.dtype == np.int64 and 1 <= n_parties <= 63 and backend() == "numba":
        from malivote._tally_numba import block_counts

        counted = block_counts(
            np.ascontiguousarray(first), np.ascontiguousarray(members), np.ascontiguousarray(list_seats),
            np.ascontiguousarray(rounds), n_parties,
        )
        if not counted[-1]:
            counted = None
    first_round = None
    if counted is not None:
        # The kernel has checked the rounds (1 or 2) and the votes (non-negative).
        votes, lost, valid, round1, round1_constituencies, runoffs = counted[:6]
        rounds_ok = True
    else:
        votes = metrics.block_party_votes(first, members, n_parties)
        first_round = rounds == 1
        round1 = np.where(first_round[..., None], list_seats, 0).sum(axis=(-1, -2))
        round1_constituencies = first_round.sum(axis=-1)
        if fast:
            lost = np.where(list_seats == 0, first, 0).sum(axis=(-2, -1))
            valid = first.sum(axis=(-2, -1))
            r2 = rounds == 2
            runoffs = r2.sum(axis=-1).astype(np.int64)
            rounds_ok = (r2 | first_round).all() and first.min(initial=0) >= 0
    if fast:
        vote_total = votes.sum(axis=-1)
        seats_float = seats.astype(np.float64)
        seat_total = seats_float.sum(axis=-1)
        if (
            rounds_ok and (vote_total != 0).all() and (seat_total != 0).all() and (valid != 0).all()
            and seats.min(initial=0) >= 0
        ):
            # As metrics._shares, metrics.gallagher, ... compute them.
            v = votes / vote_total[..., None]
            s = seats_float / seat_total[..., None]
            difference = v - s
            values = {
                "gallagher": 100.0 * np.sqrt(0.5 * (difference**2).sum(axis=-1)),
                "loosemore_hanby": 100.0 * 0.5 * np.abs(difference).sum(axis=-1),
                "enp_votes": 1.0 / (v**2).sum(axis=-1),
                "enp_seats": 1.0 / (s**2).sum(axis=-1),
                "largest_party_share": s.max(axis=-1),
                "runoffs": runoffs,
                "wasted_votes": (lost if decision.national is None else _wasted_with_national_tier(ensemble, decision))
                / valid,
                "women": decision.women,
            }
            return values, round1, round1_constituencies
    values = {
        "gallagher": metrics.gallagher(votes, seats),
        "loosemore_hanby": metrics.loosemore_hanby(votes, seats),
        "enp_votes": metrics.effective_number_of_parties(votes),
        "enp_seats": metrics.effective_number_of_parties(seats),
        "largest_party_share": metrics.largest_party_share(seats),
        "runoffs": metrics.runoffs(rounds),
        "wasted_votes": metrics.wasted_votes(first, list_seats) if decision.national is None
        else _wasted_with_national_tier(ensemble, decision) / first.sum(axis=(-2, -1)),
        "women": decision.women,
    }
    return values, round1, round1_constituencies


def _wasted_with_national_tier(ensemble: Ensemble, decision: Decision):
    """The votes per draw that elected no one, under a rule with a national tier.

    Without one they are the votes of the lists that won no constituency seat. With
    one a ballot also counts for the parties of its list there, so a list without a
    constituency seat wastes only the part of its votes credited (in equal parts, as
    for every party figure) to parties that won no national seat either. Under a
    national-only rule that is the vote of the parties without a seat; counted as
    without a tier, every vote would read as wasted.
    """
    first = np.ascontiguousarray(ensemble.first, dtype=np.int64)
    unelected = np.where(decision.seats == 0, first, 0)
    unelected_party_votes = metrics.block_party_votes(
        unelected, np.ascontiguousarray(ensemble.members, dtype=np.int64), len(ensemble.parties))
    return np.where(decision.national == 0, unelected_party_votes, 0.0).sum(axis=-1)


def tally_block(ensemble: Ensemble, decision: Decision, blocs: dict | None = None, *,
                into: Tally | None = None) -> Tally:
    """The summaries of one block of draws: histograms, per-draw metrics and lots.

    The metrics are :func:`block_metrics`. With ``into``, the block is counted into
    that tally (of the same run's earlier draws) and it is returned: a run folds its
    blocks in as they come, without a tally per block.
    """
    house = int(ensemble.magnitude.sum())
    blocs = blocs or {}
    tally = into
    if tally is None:
        tally = Tally.empty(ensemble.parties, house, ensemble.layout.n_constituencies, blocs=tuple(blocs))
    seats = decision.party_seats
    values, round1, round1_constituencies = _block_values(ensemble, decision)
    bloc_seats = None
    if blocs:
        key = tuple((name, tuple(members)) for name, members in blocs.items())
        bloc_seats = seats @ _membership(key, tuple(ensemble.parties))
    tally.add(
        party_seats=seats,
        round1_constituencies=round1_constituencies,
        round1_seats=round1,
        women=decision.women,
        metrics=values,
        majority=metrics.majority_threshold(house),
        lots=decision.lots,
        bloc_seats=bloc_seats,
    )
    return tally


@dataclass(frozen=True)
class Pipeline:
    """A compiled scenario: where the votes come from, what changes them, the rule.

    Attributes
    ----------
    scenario : Scenario
    seed : int
    source : object with ``draw(first_draw, count) -> Ensemble`` and ``prepare()``
    models : VoteModels
    rule : Rule
    """

    scenario: "Scenario"
    seed: int
    source: Any
    models: VoteModels
    rule: Rule

    def block_rng(self, block: int) -> np.random.Generator:
        """The stream of the models and the rule's lots for block ``block`` of draws."""
        return seeds.block_rng(self.seed, seeds.Stage.RULE, block)

    def run_block(self, ensemble: Ensemble, *, block: int, tally: Tally | None = None,
                  ) -> tuple[Ensemble, Decision, Tally]:
        """Models, rule and tally for the draws of one block (at most ``seeds.BLOCK``).

        With ``tally``, the block is counted into it (:func:`tally_block`'s ``into``),
        and it is the tally returned.
        """
        rng = self.block_rng(block)
        changed = self.models.apply(ensemble, rng)
        decision = self.rule.decide(changed, rng)
        return changed, decision, tally_block(changed, decision, self.scenario.blocs, into=tally)


def compile_scenario(scenario: "Scenario", *, seed: int | None = None) -> Pipeline:
    """Compile a validated scenario into a :class:`Pipeline`, once per run.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        The run's seed (default: the scenario's ``simulation.seed``).
    """
    seed = scenario.simulation.seed if seed is None else seeds.as_seed(seed)
    source = vote_source(scenario, seed)
    election = scenario.own_election()
    if election is not None:
        layout = election.layout
    else:
        from malivote.layouts import get_layout

        layout = get_layout(scenario.election.layout)
    spec = scenario.models
    # Drawn round-2 votes where the election has them, else the default transfer.
    runoff = runoff_model(spec)
    context = RuleContext(runoff=runoff, split_ticket=spec.split_ticket, ties=scenario.rule.ties)
    rule = build_rule(
        scenario.rule, layout.magnitude, context,
        apportion_rng=seeds.block_rng(seed, seeds.Stage.APPORTION, 0),
    )
    models = VoteModels(spec=spec, sex_rule=scenario.rosters.sex)
    return Pipeline(scenario=scenario, seed=seed, source=source, models=models, rule=rule)
