"""The vote-draw stage: where each block of elections comes from.

A scenario's election compiles once into a source whose ``draw(first_draw, count)``
gives draws ``first_draw`` to ``first_draw + count - 1`` of the run as an
:class:`~malivote.election.Ensemble`. Draw ``i`` depends only on the seed and ``i``,
so a run drawn in chunks of any size, by any number of workers, is the same run.

- :class:`ReplaySource`: one of Mali's official elections, reconstructed from its
  facts (:func:`malivote.reconstruct.reconstruct`): modelled district votes.
- :class:`FixedSource`: an election given in full, by the scenario's ``[[lists]]``
  or by data (``[data]`` files, a DataFrame, arrays: :mod:`malivote.election_io`);
  every draw is the same election, or the given elections in turn.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from malivote import datasets, seeds
from malivote.election import Ensemble
from malivote.election_io import Election
from malivote.layouts import get_layout

if TYPE_CHECKING:  # pragma: no cover
    from malivote.scenario import Scenario

__all__ = ["FixedSource", "ReplaySource", "election_from_lists", "vote_source"]


#: Block 0 of recent replays' draws, by (year, layout, result, seed, priors): every
#: replay run begins with it, and so do the scenario loader's dry run
#: (:func:`malivote.scenario.check_scenario`, on the scenario's own seed),
#: :meth:`ReplaySource.prepare` and the progress bar's warm-up, which without it
#: would each reconstruct it again. A few entries of about 12 MB each.
_FIRST_BLOCKS: "OrderedDict[tuple, Ensemble]" = OrderedDict()
_FIRST_BLOCKS_SIZE = 4
_FIRST_BLOCKS_LOCK = threading.Lock()


def _copy(ensemble: Ensemble, draws: slice) -> Ensemble:
    """Draws ``draws`` of ``ensemble``, as arrays of their own (writable, not views)."""
    return ensemble.replace(
        first=ensemble.first[draws].copy(), second=ensemble.second[draws].copy(),
        members=ensemble.members[draws].copy(), roster_party=ensemble.roster_party[draws].copy(),
        roster_female=ensemble.roster_female[draws].copy(), turnout=ensemble.turnout[draws].copy(),
        first_draw=ensemble.first_draw + draws.indices(ensemble.n_draws)[0],
    )


@dataclass(frozen=True)
class ReplaySource:
    """Draws of an official election that meet every known fact (a model of the votes).

    Draw ``i`` depends only on the seed and ``i`` (:func:`malivote.reconstruct.reconstruct`),
    so draws may be made in any pieces. The first block of :data:`malivote.seeds.BLOCK`
    draws is reconstructed once per process and seed and kept (a few at a time):
    :meth:`prepare`, the first chunk of the run and the scenario loader's dry run
    share it.
    """

    year: int
    layout: str
    result: str
    seed: int
    priors: Any = None

    def _kwargs(self) -> dict:
        kwargs = dict(layout=self.layout, seed=self.seed, result=self.result)
        if self.priors is not None:
            kwargs["priors"] = self.priors
        return kwargs

    def _reconstruct(self, first_draw: int, count: int) -> Ensemble:
        from malivote.reconstruct import reconstruct

        ensemble = reconstruct(self.year, draws=count, first_draw=first_draw, **self._kwargs())
        return ensemble.replace(first_draw=first_draw)

    def _key(self) -> tuple | None:
        key = (self.year, self.layout, self.result, self.seed, self.priors)
        try:
            hash(key)
        except TypeError:  # priors that cannot be a key: no sharing
            return None
        return key

    def _first_block(self) -> Ensemble:
        """Draws 0 to ``BLOCK - 1``, reconstructed once (read-only arrays)."""
        key = self._key()
        with _FIRST_BLOCKS_LOCK:
            cached = _FIRST_BLOCKS.get(key) if key is not None else None
            if cached is not None:
                _FIRST_BLOCKS.move_to_end(key)
                return cached
        block = self._reconstruct(0, seeds.BLOCK)
        for name in ("first", "second", "members", "roster_party", "roster_female", "turnout"):
            array = getattr(block, name)
            if array.base is not None:  # a view of a larger array: keep only the block
                block = block.replace(**{name: array.copy()})
            getattr(block, name).setflags(write=False)
        if key is not None:
            with _FIRST_BLOCKS_LOCK:
                _FIRST_BLOCKS[key] = block
                _FIRST_BLOCKS.move_to_end(key)
                while len(_FIRST_BLOCKS) > _FIRST_BLOCKS_SIZE:
                    _FIRST_BLOCKS.popitem(last=False)
        return block

    def prepare(self) -> None:
        """Do the set-up (the facts, the outcome pool and the first block of draws)
        before timing or threads."""
        self._first_block()

    @property
    def draws_per_request(self) -> int:
        """Draws a run should ask for at a time: one block for the compiled chain (no
        larger arrays than a block needs), the blocks the NumPy chain runs in one
        vectorised loop (``reconstruct._NUMPY_BLOCKS``) for the NumPy one, whose Python
        loop over sweeps would otherwise run once per block. The same draws either way."""
        from malivote.reconstruct import _NUMPY_BLOCKS
        from malivote.rules._backend import backend

        return seeds.BLOCK if backend() == "numba" else seeds.BLOCK * _NUMPY_BLOCKS

    def draw_parts(self, first_draw: int, count: int) -> list[tuple[int, Ensemble]]:
        """Draws ``first_draw`` to ``first_draw + count - 1`` as ``(first draw, Ensemble)``
        pieces in order, each starting at a multiple of :data:`malivote.seeds.BLOCK`
        (or at ``first_draw``): the part in block 0 comes from the kept first block,
        the rest from one reconstruction, without joining them."""
        parts = []
        end = first_draw + count
        if first_draw < seeds.BLOCK:
            stop = min(end, seeds.BLOCK)
            parts.append((first_draw, _copy(self._first_block(), slice(first_draw, stop))))
            first_draw = stop
        if first_draw < end:
            parts.append((first_draw, self._reconstruct(first_draw, end - first_draw)))
        return parts

    def draw(self, first_draw: int, count: int) -> Ensemble:
        parts = self.draw_parts(first_draw, count)
        if len(parts) == 1:
            return parts[0][1]
        ensembles = [ensemble for _, ensemble in parts]
        return ensembles[0].replace(
            first_draw=parts[0][0],
            **{name: np.concatenate([getattr(e, name) for e in ensembles])
               for name in ("first", "second", "members", "roster_party", "roster_female", "turnout")},
        )


@dataclass(frozen=True)
class FixedSource:
    """An election given in full: every draw of the run is one of its elections."""

    election: Election

    def prepare(self) -> None:
        return None

    def draw(self, first_draw: int, count: int) -> Ensemble:
        return self.election.draws(first_draw, count)


def election_from_lists(scenario: "Scenario") -> Election:
    """The election a scenario writes out in ``[[lists]]``, on one of Mali's layouts.

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
    ensemble = Ensemble(
        layout=layout, parties=parties, first=first[None], second=second[None], members=members[None],
        roster_party=roster_party[None], roster_female=roster_female[None], turnout=turnout[None],
        year=None, notes=("turnout: the scenario's lists give valid votes only",),
    )
    return Election(ensemble=ensemble, source=scenario.source)


def vote_source(scenario: "Scenario", seed: int):
    """The source of a scenario's elections: a replay, its ``[[lists]]`` or its data."""
    election = scenario.own_election()
    if election is not None:
        return FixedSource(election)
    if scenario.lists is not None:
        return FixedSource(election_from_lists(scenario))
    return ReplaySource(
        year=scenario.election.year, layout=scenario.election.layout,
        result=scenario.election.result, seed=seed, priors=scenario.reconstruction_priors(),
    )
