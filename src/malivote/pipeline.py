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
from typing import TYPE_CHECKING, Any

import numpy as np

from malivote import metrics, seeds
from malivote.election import Ensemble
from malivote.results import Decision, round1_seats
from malivote.ruleset import Rule, RuleContext, build_rule
from malivote.sources import vote_source
from malivote.tally import Tally
from malivote.transforms import VoteModels, runoff_model

if TYPE_CHECKING:  # pragma: no cover
    from malivote.scenario import Scenario

__all__ = ["Pipeline", "compile_scenario", "tally_block"]


def bloc_membership(blocs: dict, parties: tuple[str, ...]) -> np.ndarray:
    """``(P, B)`` 0/1: which parties make up each bloc (parties not standing count 0)."""
    membership = np.zeros((len(parties), len(blocs)), dtype=np.int64)
    for column, members in enumerate(blocs.values()):
        for party in members:
            if party in parties:
                membership[parties.index(party), column] = 1
    return membership


def tally_block(ensemble: Ensemble, decision: Decision, blocs: dict | None = None) -> Tally:
    """The summaries of one block of draws: histograms, per-draw metrics and lots.

    Party votes for the metrics credit each joint list's votes equally to its parties
    (:func:`malivote.metrics.party_votes`, ``"equal"``: ballots are cast for lists),
    the one convention of every party-level figure in malivote.
    """
    house = int(ensemble.magnitude.sum())
    blocs = blocs or {}
    tally = Tally.empty(ensemble.parties, house, ensemble.layout.n_constituencies, blocs=tuple(blocs))
    votes = metrics.party_votes(ensemble.first, ensemble.members, len(ensemble.parties))
    seats = decision.party_seats
    values = {
        "gallagher": metrics.gallagher(votes, seats),
        "loosemore_hanby": metrics.loosemore_hanby(votes, seats),
        "enp_votes": metrics.effective_number_of_parties(votes),
        "enp_seats": metrics.effective_number_of_parties(seats),
        "largest_party_share": metrics.largest_party_share(seats),
        "runoffs": metrics.runoffs(decision.round),
        "wasted_votes": metrics.wasted_votes(ensemble.first, decision.seats),
        "women": decision.women,
    }
    tally.add(
        party_seats=seats,
        round1_constituencies=(decision.round == 1).sum(axis=-1),
        round1_seats=round1_seats(decision.seats, decision.round),
        women=decision.women,
        metrics=values,
        majority=metrics.majority_threshold(house),
        lots=decision.lots,
        bloc_seats=decision.party_seats @ bloc_membership(blocs, ensemble.parties) if blocs else None,
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

    def run_block(self, ensemble: Ensemble, *, block: int) -> tuple[Ensemble, Decision, Tally]:
        """Models, rule and tally for the draws of one block (at most ``seeds.BLOCK``)."""
        rng = self.block_rng(block)
        changed = self.models.apply(ensemble, rng)
        decision = self.rule.decide(changed, rng)
        return changed, decision, tally_block(changed, decision, self.scenario.blocs)


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
