"""The rule stage: seat rules as objects behind one protocol, and their registry.

A scenario's ``[rule]`` compiles once into a :class:`Rule`: an object with one method,
``decide(votes, rng) -> Decision``, that turns a block of drawn elections (an
:class:`~malivote.election.Ensemble`) into seats per list and per party. Each adapter
is small and wraps one pure array function of :mod:`malivote.rules`:

========================  ===================================================
``two_round``             :class:`TwoRound`: Mali's rule (majority, else runoff)
``open_runoff``           :class:`OpenRunoff`: the French rule
``plurality``             :class:`Plurality`: the leading list takes all
``block_vote``            :class:`BlockVote`: candidate block vote
``divisor``               :class:`DistrictPR` by a divisor method
``largest_remainder``     :class:`DistrictPR` by a quota
========================  ===================================================

:class:`NationalPR` shares seats among parties nationally, and
:class:`Tiered` combines a district rule with a national one, the way votelib's
``MultistageDistributor`` combines evaluators. Rules are combined, never special-cased.

Adding a rule is one step: :func:`register_rule`. The scenario schema accepts the
registered names as ``rule.method``, and the method × axiom table of
:mod:`malivote.testing` reads each entry's ``axiom_keys``.

Examples
--------
>>> import numpy as np
>>> rule = Plurality(magnitude=np.array([2, 1]))
>>> from malivote.election import Ensemble
>>> from malivote.layouts import custom_layout
>>> layout = custom_layout(["North", "South"], [2, 1])
>>> first = np.array([[[50, 30], [10, 40]]])
>>> ensemble = Ensemble(layout=layout, parties=("A", "B"), first=first, second=0 * first,
...                     members=np.array([[[1, 2], [1, 2]]]),
...                     roster_party=np.array([[[[0, 0], [1, 1]], [[0, -1], [1, -1]]]]),
...                     roster_female=np.zeros((1, 2, 2, 2), bool),
...                     turnout=np.zeros((1, 2, 2, 4), np.int64))
>>> rule.decide(ensemble, np.random.default_rng(0)).party_seats.tolist()
[[2, 1]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from malivote import rules
from malivote.election import Ensemble, credit_elected_lists, credit_seats
from malivote.results import Decision
from malivote.rules._backend import backend
from malivote.rules._validation import MAX_LISTS, MAX_SEATS, as_votes, first_bad_index
from malivote.rules.ties import check_ties, choose_by_lot
from malivote.seeds import normalise_rng


__all__ = [
    "BlockVote",
    "DistrictPR",
    "NationalPR",
    "OpenRunoff",
    "Plurality",
    "REGISTRY",
    "Rule",
    "RuleEntry",
    "Tiered",
    "TwoRound",
    "axiom_keys",
    "decide_runoff",
    "register_rule",
    "rule_names",
]


@runtime_checkable
class Rule(Protocol):
    """A seat rule: ``decide(votes, rng)`` turns a block of elections into a Decision."""

    def decide(self, votes: Ensemble, rng: np.random.Generator) -> Decision:  # pragma: no cover
        ...


@dataclass(frozen=True)
class RuleEntry:
    """A registered rule: how to build it from a scenario's ``[rule]`` table.

    Attributes
    ----------
    name : str
        The value of ``rule.method``.
    build : callable
        ``build(spec, magnitude, context) -> Rule``: ``spec`` is the validated
        ``[rule]`` table, ``magnitude`` the seats of each constituency, and
        ``context`` a :class:`RuleContext`.
    axiom_keys : tuple of str
        The method keys of this rule in the method × axiom table
        (:data:`malivote.testing.AXIOMS`); empty if the table does not cover it.
    two_rounds : bool
        Whether the rule can hold a second round.
    proportional : bool
        Whether the rule shares seats in proportion to votes (and can serve a
        national tier).
    description : str
    """

    name: str
    build: Callable
    axiom_keys: tuple[str, ...] = ()
    two_rounds: bool = False
    proportional: bool = False
    description: str = ""


#: The registered rules, by name.
REGISTRY: dict[str, RuleEntry] = {}


def register_rule(name: str, *, axiom_keys=(), two_rounds: bool = False, proportional: bool = False,
                  description: str = ""):
    """Register ``build(spec, magnitude, context) -> Rule`` as the rule ``name``.

    Used as a decorator. The name becomes a valid ``rule.method`` in scenarios.
    """

    def decorate(build: Callable) -> Callable:
        if name in REGISTRY:
            raise ValueError(f"name: a rule called {name!r} is already registered")
        REGISTRY[name] = RuleEntry(
            name=name, build=build, axiom_keys=tuple(axiom_keys), two_rounds=two_rounds,
            proportional=proportional, description=description,
        )
        return build

    return decorate


def rule_names() -> tuple[str, ...]:
    """The registered rule names, in registration order.

    Examples
    --------
    >>> rule_names()[:3]
    ('two_round', 'open_runoff', 'plurality')
    """
    return tuple(REGISTRY)


def axiom_keys() -> tuple[str, ...]:
    """Every method key the registered rules give the method × axiom table."""
    return tuple(key for entry in REGISTRY.values() for key in entry.axiom_keys)


@dataclass(frozen=True)
class RuleContext:
    """What a rule needs from the rest of the scenario.

    Attributes
    ----------
    runoff : object with ``votes(ensemble, finalists, rng)``, or None
        Round-2 votes for the finalists (:mod:`malivote.transforms`); None when the
        election has no round-2 votes and no transfer model, so that the default
        transfer decides (the round-1 leader wins the runoff).
    split_ticket : float
        Candidate-vote spread of the block vote (``models.split_ticket``).
    ties : str
        ``"lot"``, ``"votes"`` or ``"raise"`` (``rule.ties``).
    """

    runoff: Any = None
    split_ticket: float = 0.0
    ties: str = "lot"


def _district_decision(ensemble: Ensemble, seats: np.ndarray, rounds: np.ndarray, lots) -> Decision:
    party_seats, women = credit_seats(seats, ensemble.roster_party, ensemble.roster_female, len(ensemble.parties))
    return Decision(seats=seats, round=rounds, party_seats=party_seats, women=women, lots={"district": _per_draw(lots)})


def _per_draw(lots) -> np.ndarray:
    lots = np.asarray(lots, dtype=np.int64)
    return lots.reshape(lots.shape[0], -1).sum(axis=-1) if lots.ndim > 1 else lots


def decide_runoff(second, finalists, *, ties: str = "lot", first=None, rng=None):
    """The winner of each runoff between given finalists, from round-2 votes.

    Parameters
    ----------
    second : ndarray of int, shape (..., C, K)
        Round-2 votes; only the finalists' entries are read.
    finalists : ndarray of int, shape (..., C, 2)
        The two finalists of each runoff; ``[winner, -1]`` where round 1 decided.
    ties : {"lot", "votes", "raise"}
        A runoff tie goes by lot, to the finalist with more round-1 votes (then by
        lot), or raises.
    first : ndarray, shape (..., C, K), optional
        Round-1 votes, needed for ``ties="votes"``.
    rng : optional
        Random generator for lots (SPEC 7).

    Returns
    -------
    winner : ndarray of int64, shape (..., C)
        The runoff winner, or ``finalists[..., 0]`` where round 1 decided.
    lots : ndarray of int64, shape (..., C)
        1 where a lot decided the runoff.

    Raises
    ------
    ValueError
        On bad votes (negative, fractional); finalists that are not two distinct
        slots of ``second`` (or a slot and -1); an unknown ``ties``; ``ties="votes"``
        without ``first`` of the shape of ``second``; if both finalists of a runoff
        have zero round-2 votes; or if a tie meets ``ties="raise"``.

    Examples
    --------
    >>> import numpy as np
    >>> second = np.array([[[0, 600, 400], [5, 0, 0]]])
    >>> finalists = np.array([[[2, 1], [0, -1]]])
    >>> decide_runoff(second, finalists)[0].tolist()
    [[1, 0]]
    """
    ties = check_ties(ties)
    second, finalists, first = _runoff_arguments(second, finalists, first, ties)
    rng = normalise_rng(rng)
    if (
        backend() == "numba" and isinstance(second, np.ndarray) and isinstance(finalists, np.ndarray)
        and second.dtype in (np.int32, np.int64) and second.ndim >= 1 and second.shape[-1] >= 1
        and finalists.dtype == np.int64 and finalists.shape == second.shape[:-1] + (2,)
    ):
        # Without a tied runoff no lot is drawn: the winners in one pass, else NumPy.
        from malivote.rules import _numba

        winner = _numba.runoff_winners(second.reshape(-1, second.shape[-1]), finalists.reshape(-1, 2))
        if winner is not None:
            shape = finalists.shape[:-1]
            return winner.reshape(shape), np.zeros(shape, dtype=np.int64)
    runoff = finalists[..., 1] >= 0
    pair = np.maximum(finalists, 0)
    pair_votes = np.take_along_axis(second, pair, axis=-1)
    empty = runoff & (pair_votes == 0).all(axis=-1)
    if empty.any():
        where = tuple(int(i) for i in np.argwhere(empty)[0])
        raise ValueError(
            f"second: the runoff in the constituency at index {where} gives zero votes to "
            "both finalists"
        )
    leader_wins = pair_votes[..., 0] > pair_votes[..., 1]
    tied = runoff & (pair_votes[..., 0] == pair_votes[..., 1])
    if ties == "votes" and tied.any():
        pair_first = np.take_along_axis(first, pair, axis=-1)
        by_votes = tied & (pair_first[..., 0] != pair_first[..., 1])
        leader_wins = np.where(by_votes, pair_first[..., 0] > pair_first[..., 1], leader_wins)
        tied = tied & ~by_votes
    if tied.any():
        if ties == "raise":
            where = tuple(int(i) for i in np.argwhere(tied)[0])
            raise ValueError(
                f"ties: a tie in the runoff in the constituency at index {where} needs a lot, "
                "and ties='raise' refuses to draw one"
            )
        rows = np.argwhere(tied)
        chosen = choose_by_lot(np.ones((len(rows), 2), bool), np.ones(len(rows), np.int64), rng)
        leader_wins[tuple(rows.T)] = chosen[:, 0]
    winner = np.where(runoff & ~leader_wins, finalists[..., 1], finalists[..., 0])
    return winner.astype(np.int64), tied.astype(np.int64)


def _runoff_arguments(second, finalists, first, ties: str):
    """:func:`decide_runoff`'s arguments, checked: ``(second, finalists, first)``.

    An out-of-range finalist was read past the end of a row by the compiled kernel
    (a result, where NumPy raised an IndexError), and a finalist of -2 as slot 0.
    """
    second = as_votes(second, "second", min_ndim=1)
    finalists = np.asarray(finalists)
    expected = second.shape[:-1] + (2,)
    if finalists.dtype.kind not in "iu" or finalists.shape != expected:
        raise ValueError(
            f"finalists: expected integer slot indices of shape {expected}, found "
            f"{finalists.dtype} of shape {finalists.shape}"
        )
    n_lists = second.shape[-1]
    leader, other = finalists[..., 0], finalists[..., 1]
    bad = (leader < 0) | (leader >= n_lists) | (other < -1) | (other >= n_lists) | (leader == other)
    if bad.any():
        index = first_bad_index(bad)
        raise ValueError(
            f"finalists: expected two distinct slots in [0, {n_lists}), or a slot and -1 "
            f"where round 1 decided, found {finalists[index].tolist()} at index {index}"
        )
    if ties == "votes":
        if first is None:
            raise ValueError("first: the round-1 votes are needed with ties='votes', found None")
        first = as_votes(first, "first", min_ndim=1)
        if first.shape != second.shape:
            raise ValueError(f"first: expected the shape of second, {second.shape}, found {first.shape}")
    return second, finalists, first


def _runoff_place_lots(first: np.ndarray, outcome) -> np.ndarray:
    """1 where a lot chose who went to the runoff: the weaker finalist tied with the
    best list left out. (The rule's own count also includes the lot that the default
    transfer draws between finalists tied in round 1, which a drawn runoff replaces.)"""
    finalists = outcome.finalists
    if (
        backend() == "numba" and first.dtype == np.int64 and first.ndim >= 1 and first.shape[-1] >= 1
        and first.shape[:-1] == outcome.round.shape
        and finalists.shape == outcome.round.shape + (2,) and finalists.dtype == np.int64
    ):
        # One pass over the rows instead of two gathers, a copy and a scatter.
        from malivote.rules import _numba

        n_lists = first.shape[-1]
        return _numba.runoff_place_lots(
            first.reshape(-1, n_lists), outcome.round.reshape(-1), finalists.reshape(-1, 2)
        ).reshape(outcome.round.shape)
    runoff = outcome.round == 2
    pair = np.maximum(outcome.finalists, 0)
    pair_votes = np.take_along_axis(first, pair, axis=-1)
    others = first.copy()
    np.put_along_axis(others, pair, -1, axis=-1)
    best_left_out = others.max(axis=-1)
    return (runoff & (best_left_out == pair_votes.min(axis=-1))).astype(np.int64)


@dataclass(frozen=True)
class TwoRound:
    """Mali's rule: an absolute majority of the valid votes takes every seat in round
    1, else the two leading lists meet in a runoff and its winner takes every seat.

    Round 1 is decided once, by :func:`malivote.rules.two_round`; its finalists
    (a tie for a runoff place settled by one lot) are passed to the runoff model for
    their round-2 votes and to :func:`decide_runoff`.
    """

    magnitude: np.ndarray
    majority: float = 0.5
    runoff: Any = None
    ties: str = "lot"

    def decide(self, votes: Ensemble, rng) -> Decision:
        first_round = rules.two_round(
            votes.first, self.magnitude, None, majority=self.majority, ties=self.ties,
            count_lots=True, rng=rng,
        )
        if self.runoff is None:
            return _district_decision(votes, first_round.seats, first_round.round, first_round.lots)
        second = self.runoff.votes(votes, first_round.finalists, rng)
        if second is None:
            return _district_decision(votes, first_round.seats, first_round.round, first_round.lots)
        winner, runoff_lots = decide_runoff(second, first_round.finalists, ties=self.ties, first=votes.first, rng=rng)
        outcome = rules.DistrictOutcome(
            winner=winner, round=first_round.round, finalists=first_round.finalists,
            magnitude=first_round.magnitude, n_lists=first_round.n_lists,
        )
        return _district_decision(votes, outcome.seats, outcome.round, _runoff_place_lots(votes.first, first_round) + runoff_lots)


@dataclass(frozen=True)
class OpenRunoff:
    """The French rule: every list with ``qualify`` of the registered voters goes to
    round 2 (at least the two leading lists), where the most votes win."""

    magnitude: np.ndarray
    majority: float = 0.5
    qualify: float = 0.125
    runoff: Any = None
    ties: str = "lot"

    def decide(self, votes: Ensemble, rng) -> Decision:
        registered = votes.turnout[..., 0, 0]
        second = None
        if self.runoff is not None:
            first_round = rules.open_runoff(
                votes.first, self.magnitude, registered, None, majority=self.majority,
                qualify=self.qualify, ties=self.ties, rng=rng,
            )
            second = self.runoff.votes(votes, first_round.finalists, rng)
        outcome = rules.open_runoff(
            votes.first, self.magnitude, registered, second, majority=self.majority,
            qualify=self.qualify, ties=self.ties, count_lots=True, rng=rng,
        )
        return _district_decision(votes, outcome.seats, outcome.round, outcome.lots)


@dataclass(frozen=True)
class Plurality:
    """One round: the leading list takes every seat."""

    magnitude: np.ndarray
    ties: str = "lot"

    def decide(self, votes: Ensemble, rng) -> Decision:
        outcome = rules.plurality(votes.first, self.magnitude, ties=self.ties, count_lots=True, rng=rng)
        return _district_decision(votes, outcome.seats, outcome.round, outcome.lots)


#: The largest candidate vote the block vote's split-ticket spread may produce.
_MAX_CANDIDATE_VOTES = 2**53


@dataclass(frozen=True)
class BlockVote:
    """Candidate block vote: the ``magnitude`` candidates with the most votes win.

    Each candidate gets the list's votes times ``exp(split_ticket * z)``, ``z``
    standard normal, so that voters who split their ticket can elect candidates of
    several lists; 0 means a straight party vote.
    """

    magnitude: np.ndarray
    split_ticket: float = 0.0
    ties: str = "lot"

    def candidate_votes(self, votes: Ensemble, rng) -> np.ndarray:
        """Votes of every candidate ``(D, C, K, M)``; 0 past a roster's end.

        Only the slots on a roster are computed (a sixth of them in 2020): the same
        normal draws, the same float64 operations on them, so the same votes as
        :meth:`_all_candidate_votes`, which still raises on bad spreads.
        """
        return self._candidate_votes(votes, self._normal_draws(votes, rng))

    def _normal_draws(self, votes: Ensemble, rng):
        """The standard normal draws of the candidates; None without a spread.

        One draw per roster place (``roster_party >= 0``), in (draw, constituency,
        list, place) order, as a flat array: only candidates are drawn for (a sixth
        of the padded places in 2020, whose normals were most of this rule's time).
        """
        if not self.split_ticket > 0:
            return None
        return rng.standard_normal(np.count_nonzero(votes.roster_party >= 0))

    def _in_exp_range(self, z) -> bool:
        """Whether ``exp(split_ticket * z)`` stays finite everywhere: else only the
        computation over every slot gives the result (or the error)."""
        return z is None or not z.size or self.split_ticket * z.max() <= 700.0

    def _compiled(self, votes: Ensemble) -> bool:
        return backend() == "numba" and votes.first.dtype == np.int64 and votes.roster_party.ndim == 4

    def _candidate_votes(self, votes: Ensemble, z) -> np.ndarray:
        """:meth:`candidate_votes` from the normal draws ``z``."""
        on_roster = votes.roster_party >= 0
        if self._in_exp_range(z):
            if self._compiled(votes):
                # The same votes without the index arrays of the NumPy gathers
                # (a sixth of the slots are on a roster, and fewer have votes).
                from malivote.rules import _numba

                candidates = _numba.candidate_votes(
                    votes.roster_party, votes.first, z, self.split_ticket, _MAX_CANDIDATE_VOTES
                )
                if candidates is not None:
                    return candidates
            slots = np.flatnonzero(on_roster)
            first = votes.first.reshape(-1)[slots // on_roster.shape[-1]]
            real = first.astype(np.float64)
            if z is not None:
                real *= np.exp(self.split_ticket * z)
            if (real < _MAX_CANDIDATE_VOTES).all():
                whole = np.rint(real).astype(np.int64)
                candidates = np.zeros(on_roster.shape, dtype=np.int64)
                # A candidate of a list with votes keeps at least one: rounding never unseats a list.
                candidates.reshape(-1)[slots] = np.where(first > 0, np.maximum(whole, 1), 0)
                return candidates
        return self._all_candidate_votes(votes, on_roster, z)

    def _all_candidate_votes(self, votes: Ensemble, on_roster: np.ndarray, z) -> np.ndarray:
        """:meth:`candidate_votes` over every slot, from the normal draws ``z`` of the
        roster places (None without a spread)."""
        real = np.where(on_roster, votes.first[..., None], 0).astype(np.float64)
        if z is not None:
            spread = np.zeros(on_roster.shape)
            spread[on_roster] = self.split_ticket * z
            real *= np.exp(spread)
        if not (real < _MAX_CANDIDATE_VOTES).all():
            raise ValueError(
                f"models.split_ticket: a spread of {self.split_ticket} gives a candidate more "
                f"than 2**53 votes in draw {votes.first_draw + int(np.argwhere(~(real < _MAX_CANDIDATE_VOTES))[0][0])}; "
                "expected a spread that keeps candidate votes in range (a few units at most)"
            )
        whole = np.rint(real).astype(np.int64)
        # A candidate of a list with votes keeps at least one: rounding never unseats a list.
        return np.where(on_roster & (votes.first[..., None] > 0), np.maximum(whole, 1), 0)

    def _ranked_on_rosters(self, votes: Ensemble, z, candidate_list, rng):
        """:func:`malivote.rules.block_vote` of the candidate votes, ranked as they are
        computed, without :func:`malivote.rules.block_vote`'s checks of arrays made here.

        The candidate votes are whole, at least 0 and below 2**53, and every slot has
        a list, so of those checks only the ones on the magnitudes, the ties and each
        constituency's total remain: the first two here, the last in the kernel (a
        row's sum cannot overflow: the rows are short). None where one fails, or a vote
        is out of range, for :meth:`decide` to redo the votes and call
        :func:`malivote.rules.block_vote`, which raises.
        """
        if not (self._compiled(votes) and votes.roster_party.size and self._in_exp_range(z)):
            return None
        from malivote.rules import _numba
        from malivote.rules.block import ranked_outcome

        n_constituencies, n_slots = candidate_list.shape
        n_lists = votes.roster_party.shape[-2]
        magnitude = self.magnitude
        if not (
            n_slots <= _numba.MAX_BLOCK_SLOTS and n_lists <= MAX_LISTS
            and isinstance(self.ties, str) and self.ties in rules.TIE_RULES
            and magnitude.dtype.kind in "iu" and magnitude.shape == (n_constituencies,)
            and 1 <= magnitude.min() and magnitude.max() <= min(n_slots, MAX_SEATS)
        ):
            return None
        status, candidates, elected, cutoff, lot, seats = _numba.block_candidates(
            votes.roster_party, votes.first, z, self.split_ticket, _MAX_CANDIDATE_VOTES, magnitude
        )
        if status != _numba.BLOCK_OK:
            return None
        return ranked_outcome(
            candidates, candidate_list, magnitude.astype(np.int64), n_lists, elected, cutoff, lot,
            self.ties, True, rng, votes.roster_party.shape[:2] + (n_slots,), seats=seats,
        )

    def decide(self, votes: Ensemble, rng) -> Decision:
        z = self._normal_draws(votes, rng)
        draws, n_constituencies, n_lists, longest = votes.roster_party.shape
        candidate_list = np.ascontiguousarray(
            np.broadcast_to(np.repeat(np.arange(n_lists), longest), (n_constituencies, n_lists * longest))
        )
        outcome = self._ranked_on_rosters(votes, z, candidate_list, rng)
        if outcome is None:
            candidates = self._candidate_votes(votes, z)
            outcome = rules.block_vote(
                candidates.reshape(draws, n_constituencies, -1), self.magnitude, candidate_list,
                n_lists=n_lists, ties=self.ties, count_lots=True, rng=rng,
            )
        elected = outcome.elected.reshape(votes.roster_party.shape)
        # The rule's own count of each list's elected spares reading the losers' rosters.
        party_seats, women = credit_elected_lists(
            elected, outcome.seats, votes.roster_party, votes.roster_female, len(votes.parties)
        )
        return Decision(
            seats=outcome.seats, round=np.ones((draws, n_constituencies), dtype=np.int8),
            party_seats=party_seats, women=women, lots={"district": _per_draw(outcome.lots)},
        )


def _check_threshold(votes: np.ndarray, threshold: float, key: str, where_names, first_draw: int) -> None:
    """Name the draw and constituency where no list reaches a PR threshold."""
    if not threshold:
        return
    from malivote.rules._validation import as_share, below_share

    total = votes.sum(axis=-1, keepdims=True)
    reaches = ~below_share(votes, total, as_share(threshold, key)) & (votes > 0)
    stuck = ~reaches.any(axis=-1)
    if stuck.any():
        where = np.argwhere(stuck)[0]
        place = "nationally" if where.size == 1 else f"in {where_names[where[1]]!r}"
        raise ValueError(
            f"{key}: in draw {first_draw + int(where[0])} no list reaches the threshold "
            f"{threshold} {place}, so its seats cannot be given; lower the threshold"
        )


def _apportion(votes, seats, method: str, variant: str, threshold: float, ties: str, rng):
    if method == "divisor":
        return rules.divisor(votes, seats, method=variant, threshold=threshold, ties=ties, count_lots=True, rng=rng)
    return rules.largest_remainder(votes, seats, quota=variant, threshold=threshold, ties=ties, count_lots=True, rng=rng)


@dataclass(frozen=True)
class DistrictPR:
    """List PR in each constituency, by a divisor method or a quota."""

    magnitude: np.ndarray
    method: str = "divisor"
    variant: str = "dhondt"
    threshold: float = 0.0
    ties: str = "lot"

    def decide(self, votes: Ensemble, rng) -> Decision:
        _check_threshold(votes.first, self.threshold, "rule.threshold", votes.layout.names, votes.first_draw)
        seats_per_row = np.broadcast_to(self.magnitude, votes.first.shape[:-1])
        result = _apportion(votes.first, seats_per_row, self.method, self.variant, self.threshold, self.ties, rng)
        rounds = np.ones(result.seats.shape[:-1], dtype=np.int8)
        return _district_decision(votes, result.seats, rounds, result.lots)


@dataclass(frozen=True)
class NationalPR:
    """Seats shared among parties nationally, in proportion to their votes.

    Party votes credit each joint list's votes equally to its parties
    (:func:`malivote.transforms.national_party_votes`).
    """

    seats: int
    method: str = "divisor"
    variant: str = "dhondt"
    threshold: float = 0.0
    ties: str = "lot"
    key: str = "rule"

    def decide(self, votes: Ensemble, rng) -> Decision:
        from malivote.transforms import national_party_votes

        party_votes = national_party_votes(votes)
        _check_threshold(party_votes, self.threshold, f"{self.key}.threshold", (), votes.first_draw)
        result = _apportion(party_votes, self.seats, self.method, self.variant, self.threshold, self.ties, rng)
        draws = votes.first.shape[0]
        return Decision(
            seats=np.zeros_like(votes.first),
            round=np.ones(votes.first.shape[:-1], dtype=np.int8),
            party_seats=result.seats,
            women=np.zeros(draws, dtype=np.int64),
            national=result.seats,
            lots={"national": _per_draw(result.lots)},
        )


@dataclass(frozen=True)
class Tiered:
    """A district rule and a national tier on the same votes: the seats add up.

    Both tiers decide from the same ballots (a parallel, or mixed-member majoritarian,
    system); the district rule keeps its own magnitudes.
    """

    district: Rule
    national: NationalPR

    def decide(self, votes: Ensemble, rng) -> Decision:
        local = self.district.decide(votes, rng)
        national = self.national.decide(votes, rng)
        return Decision(
            seats=local.seats,
            round=local.round,
            party_seats=local.party_seats + national.party_seats,
            women=local.women,
            national=national.national,
            lots={**local.lots, **national.lots},
        )


# ----------------------------------------------------------------- the registry


@register_rule("two_round", axiom_keys=("two_round",), two_rounds=True,
               description="Mali's rule: an absolute majority takes all, else a two-list runoff")
def _build_two_round(spec, magnitude, context: RuleContext) -> Rule:
    return TwoRound(magnitude=magnitude, majority=spec.majority, runoff=context.runoff, ties=context.ties)


@register_rule("open_runoff", two_rounds=True,
               description="two rounds; every list with rule.qualify of the registered voters goes to round 2")
def _build_open_runoff(spec, magnitude, context: RuleContext) -> Rule:
    return OpenRunoff(magnitude=magnitude, majority=spec.majority, qualify=spec.qualify,
                      runoff=context.runoff, ties=context.ties)


@register_rule("plurality", axiom_keys=("plurality",), description="one round; the leading list takes all")
def _build_plurality(spec, magnitude, context: RuleContext) -> Rule:
    return Plurality(magnitude=magnitude, ties=context.ties)


@register_rule("block_vote", description="candidate block vote, with models.split_ticket")
def _build_block_vote(spec, magnitude, context: RuleContext) -> Rule:
    return BlockVote(magnitude=magnitude, split_ticket=context.split_ticket, ties=context.ties)


@register_rule("divisor", axiom_keys=tuple(f"divisor:{m}" for m in rules.DIVISOR_METHODS), proportional=True,
               description="list PR by a divisor method (rule.divisor)")
def _build_divisor(spec, magnitude, context: RuleContext) -> Rule:
    return DistrictPR(magnitude=magnitude, method="divisor", variant=spec.divisor, threshold=spec.threshold,
                      ties=context.ties)


@register_rule("largest_remainder", axiom_keys=tuple(f"largest_remainder:{q}" for q in rules.QUOTAS),
               proportional=True, description="list PR by largest remainders (rule.quota)")
def _build_largest_remainder(spec, magnitude, context: RuleContext) -> Rule:
    return DistrictPR(magnitude=magnitude, method="largest_remainder", variant=spec.quota,
                      threshold=spec.threshold, ties=context.ties)


def _national(spec, seats: int, ties: str, key: str) -> NationalPR:
    variant = spec.divisor if spec.method == "divisor" else spec.quota
    return NationalPR(seats=seats, method=spec.method, variant=variant, threshold=spec.threshold, ties=ties, key=key)


def build_rule(spec, magnitude: np.ndarray, context: RuleContext, *, apportion_rng=None) -> Rule:
    """Compile a scenario's ``[rule]`` table into a :class:`Rule`.

    ``tier = "national"`` gives a :class:`NationalPR` of every seat; ``[rule.national]``
    a :class:`Tiered` rule whose district magnitudes are the house less the national
    seats, apportioned once per run by Adams' method (every constituency keeps a
    seat; its rare lots come from ``apportion_rng``).
    """
    if spec.method not in REGISTRY:
        raise ValueError(f"rule.method: unknown rule {spec.method!r}; expected one of {rule_names()}")
    magnitude = np.asarray(magnitude, dtype=np.int64)
    house = int(magnitude.sum())
    if spec.tier == "national":
        return _national(spec, house, context.ties, "rule")
    if spec.national is None:
        return REGISTRY[spec.method].build(spec, magnitude, context)
    district_seats = house - spec.national.seats
    if district_seats < magnitude.size:
        raise ValueError(
            f"rule.national.seats: {district_seats} district seats cannot give each of "
            f"the {magnitude.size} constituencies one"
        )
    # Adams' method gives every constituency at least one seat.
    reduced = rules.divisor(magnitude, district_seats, method="adams", rng=apportion_rng)
    district = REGISTRY[spec.method].build(spec, reduced, context)
    return Tiered(district=district, national=_national(spec.national, spec.national.seats, context.ties, "rule.national"))
