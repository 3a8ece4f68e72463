"""The models stage: what a scenario's ``[models]`` and ``[rosters]`` do to drawn votes.

A scenario compiles its models once into a :class:`VoteModels` (mergers, swings,
noise, turnout, then the roster rule, in that order) and, for the rules with a
second round, a runoff model that gives the finalists' round-2 votes:

- :class:`DrawnRunoff`: the round-2 votes drawn with the election, where they cover
  the finalists; elsewhere the default transfer (the finalists keep their round-1
  votes).
- :class:`TransferRunoff`: ``[models.transfer]``, round-2 votes from round-1 votes by a
  transfer matrix (:func:`malivote.models.transfer_runoff`).

The finalists come from the rule, which decides them once and passes them in, so a
tie for a runoff place is settled by one lot (see :mod:`malivote.ruleset`). The array
work is done by the pure functions of :mod:`malivote.models`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from malivote import models as vote_models
from malivote.election import Ensemble
from malivote.rounding import round_to_total

if TYPE_CHECKING:  # pragma: no cover
    from malivote.scenario import ModelsSpec

__all__ = ["DrawnRunoff", "TransferRunoff", "VoteModels", "national_party_votes", "runoff_model"]


def _party(parties: tuple[str, ...], party: str, key: str) -> int:
    if party not in parties:
        raise ValueError(f"{key}: party {party!r} does not stand in this election")
    return parties.index(party)


@dataclass(frozen=True)
class VoteModels:
    """The compiled ``[models]`` and ``[rosters]`` of a scenario.

    :meth:`apply` changes a block of drawn elections: mergers, swings and noise keep
    every constituency's valid votes and apply to both rounds; the turnout model
    rescales round-1 votes to a share of the registered voters, keeping each
    constituency's blank and invalid share; with ``[models.transfer]`` the drawn
    round 2 is dropped (the transfer model makes it anew); the roster rule redraws
    the candidates' sexes.
    """

    spec: "ModelsSpec"
    sex_rule: str = "as_drawn"

    @property
    def changes_nothing(self) -> bool:
        spec = self.spec
        return (
            not spec.merge and not spec.swing and spec.noise is None and spec.turnout is None
            and spec.transfer is None and self.sex_rule == "as_drawn"
        )

    def apply(self, ensemble: Ensemble, rng: np.random.Generator) -> Ensemble:
        if self.changes_nothing:
            return ensemble
        from malivote.rosters import apply_sex_rule

        spec = self.spec
        parties = ensemble.parties
        first, second, members = ensemble.first, ensemble.second, ensemble.members
        roster_party, roster_female = ensemble.roster_party, ensemble.roster_female
        turnout = ensemble.turnout
        for number, merge in enumerate(spec.merge):
            key = f"models.merge.{number}"
            if merge.parties is not None:
                alliance = [_party(parties, p, f"{key}.parties") for p in merge.parties]
            else:
                alliance = [_party(parties, p, f"{key}.all_except") for p in merge.all_except]
            excluding = merge.all_except is not None
            listing = vote_models.merge_lists(
                first, members, alliance, roster_party=roster_party, roster_female=roster_female,
                excluding=excluding,
            )
            # The merged list takes its round-1 slot in round 2 as well.
            second = vote_models.merge_lists(second, members, alliance, excluding=excluding, weights=first).votes
            first, members = listing.votes, listing.members
            roster_party, roster_female = listing.roster_party, listing.roster_female
        for number, swing in enumerate(spec.swing):
            region = None
            if swing.region is not None:
                region = np.array([r == swing.region for r in ensemble.layout.region])
            first, second = (self._swing(votes, members, parties, swing, number, region) for votes in (first, second))
        if spec.noise is not None:
            if spec.noise.kind == "dirichlet":
                first, second = (vote_models.dirichlet_noise(v, spec.noise.concentration, rng) for v in (first, second))
            else:
                first, second = (vote_models.logit_normal_noise(v, spec.noise.sigma, rng) for v in (first, second))
        if spec.turnout is not None:
            turnout = turnout.copy()
            cast = np.maximum(turnout[..., 0, 1], 1)
            invalid_share = turnout[..., 0, 2] / cast
            result = vote_models.turnout(first, turnout[..., 0, 0], spec.turnout.rate, invalid=invalid_share)
            first = result.votes
            turnout[..., 0, :] = result.table
        if spec.transfer is not None:
            second = np.zeros_like(first)
            turnout = turnout.copy()
            turnout[..., 1, :] = 0
        second = np.asarray(second, dtype=np.int64)
        # Round-2 turnout follows the round-2 votes where they moved.
        if not np.array_equal(second, ensemble.second):
            turnout = turnout.copy()
            valid_second = second.sum(axis=-1)
            turnout[..., 1, 3] = valid_second
            turnout[..., 1, 1] = np.where(valid_second > 0, valid_second + turnout[..., 1, 2], 0)
        if self.sex_rule != "as_drawn":
            roster_female = apply_sex_rule(roster_party, roster_female, self.sex_rule, rng)
        return ensemble.replace(
            first=np.asarray(first, dtype=np.int64),
            second=second,
            members=np.asarray(members, dtype=np.int64),
            roster_party=roster_party,
            roster_female=roster_female,
            turnout=turnout,
        )

    @staticmethod
    def _swing(votes, members, parties, swing, number, region):
        key = f"models.swing.{number}"
        if swing.from_ is not None:
            source = _party(parties, swing.from_, f"{key}.from")
            target = _party(parties, swing.to, f"{key}.to")
            return vote_models.pairwise_swing(votes, members, source, target, swing.points, region=region)
        party = _party(parties, swing.party, f"{key}.party")
        if swing.points is not None:
            return vote_models.uniform_swing(votes, members, party, swing.points, region=region)
        return vote_models.proportional_swing(votes, members, party, swing.factor, region=region)


@dataclass(frozen=True)
class DrawnRunoff:
    """Round-2 votes as drawn with the election, where they cover the finalists.

    A runoff between other finalists than the drawn votes cover (the votes moved, so
    other lists came first) goes by the default transfer: the two finalists keep
    their round-1 votes, and so their round-1 ratio. Without any round-2 votes,
    :meth:`votes` returns None: the default transfer everywhere.
    """

    def votes(self, ensemble: Ensemble, finalists: np.ndarray, rng: np.random.Generator) -> np.ndarray | None:
        if not ensemble.second.any():
            return None  # no round 2 drawn: the default transfer, decided by the rule
        runoff = finalists[..., 1] >= 0
        pair = np.maximum(finalists, 0)
        drawn = np.take_along_axis(ensemble.second, pair, axis=-1)
        covered = (drawn > 0).all(axis=-1)
        fill = runoff & ~covered
        if not fill.any():
            return ensemble.second
        second = ensemble.second.copy()
        first_pair = np.take_along_axis(ensemble.first, pair, axis=-1)
        # Clear the row, then give the two finalists their round-1 votes.
        second[fill] = 0
        rows = np.nonzero(fill)
        second[rows + (pair[fill][:, 0],)] = first_pair[fill][:, 0]
        second[rows + (pair[fill][:, 1],)] = first_pair[fill][:, 1]
        return second


@dataclass(frozen=True)
class TransferRunoff:
    """``[models.transfer]``: the finalists keep ``retention`` of their voters, and
    each eliminated list's voters go to the leader, the runner-up or abstention by its
    party's row (``rows``, else ``default``; :func:`malivote.models.transfer_runoff`)."""

    default: tuple[float, float, float]
    rows: tuple[tuple[str, tuple[float, float, float]], ...] = ()
    retention: float = 1.0
    random: bool = False

    def matrix(self, parties: tuple[str, ...]) -> np.ndarray:
        """The transfer matrix ``(P, 3)`` of the election's parties."""
        rows = dict(self.rows)
        return np.array([rows.get(party, self.default) for party in parties], dtype=np.float64)

    def votes(self, ensemble: Ensemble, finalists: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        runoff = vote_models.transfer_runoff(
            ensemble.first, finalists, ensemble.members, self.matrix(ensemble.parties),
            retention=self.retention, method="multinomial" if self.random else "expected", rng=rng,
        )
        return runoff.second


def runoff_model(spec: "ModelsSpec"):
    """The runoff model of a scenario's models: drawn votes, or a transfer matrix."""
    transfer = spec.transfer
    if transfer is None:
        return DrawnRunoff()
    return TransferRunoff(
        default=tuple(transfer.default),
        rows=tuple((party, tuple(row)) for party, row in transfer.parties.items()),
        retention=transfer.retention, random=transfer.random,
    )


def national_party_votes(ensemble: Ensemble) -> np.ndarray:
    """Whole votes per party nationally ``(D, P)``: joint lists split equally.

    The convention of every party-level figure in malivote (metrics, plots, national
    tiers): a joint list's votes are credited equally to its parties
    (:func:`malivote.metrics.party_votes` with ``"equal"``); here the fractions are
    rounded by largest remainder (:func:`malivote.rounding.round_to_total`) so that
    each draw keeps its total exactly.
    """
    from malivote.metrics import block_party_votes

    # The compiled pass of the tally where it takes the block: the same figures, bit for bit.
    real = block_party_votes(ensemble.first, ensemble.members, len(ensemble.parties))
    return round_to_total(real, ensemble.first.sum(axis=(-1, -2)))
