"""Axioms of seat allocation, and a Hypothesis search for their violations.

:func:`find_violations` takes any rule and the name of an axiom, searches the rule's
input space with the strategies of :mod:`malivote.testing.strategies`, and returns
shrunk, printable counterexamples (:class:`Violation`).

Two kinds of rule are understood:

``"apportionment"``
    ``rule(votes, seats) -> seats per list``: ``votes`` a 1-d array of K vote
    counts, ``seats`` an int; like :func:`malivote.rules.divisor` and
    :func:`malivote.rules.largest_remainder` with their method fixed.
``"district"``
    ``rule(first, magnitude, second) -> seats``: the signature of
    :func:`malivote.rules.two_round`, with ``first`` and ``second`` shaped
    ``(C, K)`` and ``magnitude`` ``(C,)``. The rule may return the seats ``(C, K)``
    or an object with a ``seats`` attribute (a
    :class:`~malivote.rules.DistrictOutcome`). A rule that takes only two positional
    arguments is called as ``rule(first, magnitude)``.

Ties
    Rules break ties by lot, so a "violation" on tied input may be nothing but the
    lot. If the rule takes an ``rng`` keyword, every call gets ``rng=0``, which makes
    the search reproducible; before a counterexample is reported, the calls it rests
    on are repeated with other seeds (or, for a rule without ``rng``, simply
    repeated), and an input whose result changes is discarded as tied.

The axioms (:data:`AXIOM_DESCRIPTIONS`) follow Balinski & Young, *Fair
Representation* (1982; 2nd ed. 2001), and Pukelsheim, *Proportional Representation*
(2nd ed. 2017); the quota is the standard (Hare) quota ``seats * votes / total``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from hypothesis import HealthCheck, Phase, Verbosity, given, reject, settings, target
from hypothesis import example as hypothesis_example
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky

from malivote.testing import strategies as mst

__all__ = [
    "APPORTIONMENT_AXIOMS",
    "AXIOM_DESCRIPTIONS",
    "DISTRICT_AXIOMS",
    "Violation",
    "find_violations",
]

Kind = Literal["apportionment", "district"]

AXIOM_DESCRIPTIONS: dict[str, str] = {
    "house_size": (
        "The seats handed out sum to the house size (to each constituency's "
        "magnitude for a district rule), and no list gets a negative number."
    ),
    "anonymity": (
        "Permuting the lists permutes their seats: only votes count, not the slot "
        "a list sits in. Checked on input where the lot plays no part."
    ),
    "quota": (
        "Every list gets its standard quota seats * votes / total, rounded down or "
        "up (lower and upper quota)."
    ),
    "house_monotonicity": (
        "Adding a seat to the house takes no seat from any list (a violation is "
        "the Alabama paradox)."
    ),
    "population_monotonicity": (
        "For a fixed house: if list i's votes grow relative to list j's "
        "(v'_i / v'_j >= v_i / v_j), it is not the case that i loses seats while j "
        "gains (a violation is the population paradox)."
    ),
    "threshold": (
        "A list with fewer than threshold * total votes gets no seat. The rule is "
        "called with a threshold= keyword."
    ),
    "majority": (
        "A list with more than half of the votes gets at least half of the seats; "
        "for a district rule (list takes all), a list with more than half of a "
        "constituency's first-round votes takes all its seats."
    ),
    "runoff_finalists": (
        "In a constituency where no list has more than half of the first-round "
        "votes, the seats go to one of the two first-round leaders, the one with "
        "more second-round votes."
    ),
}

#: Axioms that apply to apportionment rules ``rule(votes, seats)``.
APPORTIONMENT_AXIOMS = (
    "house_size",
    "anonymity",
    "quota",
    "house_monotonicity",
    "population_monotonicity",
    "threshold",
    "majority",
)
#: Axioms that apply to district rules ``rule(first, magnitude, second)``.
DISTRICT_AXIOMS = ("house_size", "anonymity", "majority", "runoff_finalists")

# Houses of 1 to MAX_HOUSE seats are checked, every size at once for one vote vector:
# paradoxes show up at particular house sizes, and trying them all multiplies the
# chance that one drawn vector exposes them.
MAX_HOUSE = 24
# How many lots a reported counterexample is replayed under before it is believed. A
# two-way tie survives all of them unnoticed with probability 2 ** -(TIE_PROBES - 1).
TIE_PROBES = 16
# Bounds of the drawn input: small, so that counterexamples stay readable.
MAX_LISTS = 6
MAX_VOTES = 1_000


@dataclass(frozen=True)
class Violation:
    """One counterexample to an axiom.

    ``str(violation)`` gives a one-line account, e.g. ``"house_monotonicity: votes
    [1, 3, 3]: seats 3 → 4: list 0 lost a seat ([1, 1, 1] → [0, 2, 2])"``.

    Attributes
    ----------
    axiom : str
        The axiom violated (a key of :data:`AXIOM_DESCRIPTIONS`).
    clause : str
        Which part of it, e.g. ``"upper quota"``.
    message : str
        What happened, with the input and the seats.
    example : dict
        The input, as plain Python lists and numbers, to reproduce it.
    """

    axiom: str
    clause: str
    message: str
    example: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.axiom}: {self.message}"


@dataclass(frozen=True)
class _Call:
    """The arguments of one unbatched rule call a finding rests on."""

    args: tuple
    kwargs: dict


@dataclass(frozen=True)
class _Finding:
    clause: str
    message: str
    example: dict
    calls: tuple[_Call, ...]


class _ViolationFound(Exception):
    """Raised inside the Hypothesis search to mark an example as failing."""

    def __init__(self, violation: Violation):
        super().__init__(str(violation))
        self.violation = violation


_FOUND_TYPES: dict[str, type[_ViolationFound]] = {}


def _found_type(clause: str) -> type[_ViolationFound]:
    """One exception class per clause.

    Hypothesis tells distinct failures apart by exception type (and place), so each
    clause of an axiom is shrunk and reported on its own.
    """
    if clause not in _FOUND_TYPES:
        _FOUND_TYPES[clause] = type(f"Violation[{clause}]", (_ViolationFound,), {})
    return _FOUND_TYPES[clause]


def _listed(array) -> Any:
    return np.asarray(array).tolist()


def _seat_count(count) -> str:
    return f"{count} seat" if count == 1 else f"{count} seats"


def _show_fraction(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator} ≈ {float(value):.3f}"


def _parameters(rule) -> dict[str, inspect.Parameter] | None:
    try:
        return dict(inspect.signature(rule).parameters)
    except (TypeError, ValueError):  # builtins and some C callables have no signature
        return None


def _accepts_keyword(rule, name: str) -> bool:
    parameters = _parameters(rule)
    if parameters is None:
        return False
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return True
    parameter = parameters.get(name)
    return parameter is not None and parameter.kind in (
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )


def _positional_capacity(rule) -> int:
    """How many positional arguments ``rule`` takes (a large number for ``*args``)."""
    parameters = _parameters(rule)
    if parameters is None:
        return 3
    count = 0
    for parameter in parameters.values():
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return 1_000
        if parameter.kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            count += 1
    return count


class _RuleCaller:
    """Calls a rule reproducibly and tells whether a result rests on the lot."""

    def __init__(self, rule: Callable, kind: Kind, vectorized: bool):
        self.rule = rule
        self.kind = kind
        self.vectorized = vectorized
        self.takes_rng = _accepts_keyword(rule, "rng")
        self.takes_second = kind == "district" and _positional_capacity(rule) >= 3

    def _raw(self, args: tuple, kwargs: dict, lot: int) -> np.ndarray:
        if self.takes_rng:
            kwargs = {**kwargs, "rng": lot}
        if self.kind == "district" and not self.takes_second:
            args = args[:2]
        result = self.rule(*args, **kwargs)
        return np.asarray(getattr(result, "seats", result))

    def call(self, call: _Call, lot: int = 0) -> np.ndarray:
        """The rule's seats for one unbatched call."""
        return self._raw(call.args, call.kwargs, lot)

    def apportion(self, votes_rows: np.ndarray, houses: np.ndarray, **kwargs) -> np.ndarray:
        """Seats ``(N, K)`` for vote rows ``(N, K)`` and house sizes ``(N,)``."""
        if self.vectorized:
            seats = self._raw((votes_rows, houses), kwargs, 0)
            if seats.shape != votes_rows.shape:
                raise ValueError(
                    f"rule: a vectorized rule returned shape {seats.shape} for votes "
                    f"of shape {votes_rows.shape}"
                )
            return seats
        rows = [
            self.call(_Call((row, int(house)), kwargs)) for row, house in zip(votes_rows, houses)
        ]
        return np.array(rows)

    def depends_on_lot(self, call: _Call) -> bool:
        """True if replaying ``call`` under other lots changes its result."""
        expected = self.call(call)
        if self.vectorized and self.takes_rng:
            # One batched call: every copy of the row draws its own lot.
            votes, house = call.args
            replays = self._raw(
                (np.broadcast_to(votes, (TIE_PROBES, len(votes))), np.full(TIE_PROBES, house)),
                call.kwargs,
                1,
            )
            return not all(np.array_equal(replay, expected) for replay in replays)
        return any(
            not np.array_equal(self.call(call, lot), expected) for lot in range(1, TIE_PROBES)
        )


# --------------------------------------------------------------------------- inputs


# Strategies are built once: constructing one inside every draw costs more than the
# draw itself. Votes come at three scales: paradoxes often need lists of very
# different sizes ([1, 1, 4]), which uniform counts up to MAX_VOTES rarely give; the
# small scale comes first because Hypothesis shrinks towards the first alternative.
_VOTE_SCALES = (12, 100, MAX_VOTES)
_TIE_FREE_VOTES = st.one_of(
    [mst.votes(lists=(2, MAX_LISTS), max_votes=scale, ties=False) for scale in _VOTE_SCALES]
)
_TIE_FREE_FILLED_VOTES = st.one_of(
    [
        mst.votes(lists=(2, MAX_LISTS), max_votes=scale, zero_votes=False, ties=False)
        for scale in _VOTE_SCALES
    ]
)
_LARGEST_HOUSE = st.integers(1, MAX_HOUSE)


@st.composite
def _apportionment_input(draw, votes=_TIE_FREE_VOTES, planted_majority=False):
    """A tie-free vote vector and the largest house size to check, 1..MAX_HOUSE."""
    votes = draw(votes)
    if planted_majority:
        # Make one list hold a strict majority, so that every example tests the axiom.
        leader = draw(st.integers(0, len(votes) - 1))
        others = int(votes.sum() - votes[leader])
        votes[leader] = others + 1 + draw(st.integers(0, MAX_VOTES))
    return votes, draw(_LARGEST_HOUSE)


_APPORTIONMENT_INPUT = _apportionment_input()
_FILLED_APPORTIONMENT_INPUT = _apportionment_input(_TIE_FREE_FILLED_VOTES)
_MAJORITY_APPORTIONMENT_INPUT = _apportionment_input(planted_majority=True)


@st.composite
def _permuted_apportionment_input(draw):
    votes, largest_house = draw(_APPORTIONMENT_INPUT)
    permutation = draw(st.permutations(range(len(votes))))
    return votes, largest_house, np.array(permutation)


_VOTE_CHANGE = st.integers(-MAX_VOTES, MAX_VOTES)
# How many later vote vectors are compared with the first one, and with each other.
MAX_LATER_VOTES = 4


@st.composite
def _vote_histories(draw):
    """Votes, a few later versions of the same lists' votes, and the largest house.

    The later votes are drawn as changes, which shrink to 0, so that a counterexample
    shows only the changes that matter. Every pair of versions is compared, which
    finds population paradoxes far more often than a single pair would.
    """
    votes, largest_house = draw(_FILLED_APPORTIONMENT_INPUT)
    n_later = draw(st.integers(1, MAX_LATER_VOTES))
    changes = draw(
        st.lists(
            st.lists(_VOTE_CHANGE, min_size=len(votes), max_size=len(votes)),
            min_size=n_later,
            max_size=n_later,
        )
    )
    history = np.maximum(votes + np.array(changes, dtype=np.int64), 1)
    return np.concatenate([votes[None, :], history]), largest_house


@st.composite
def _threshold_input(draw):
    votes, largest_house = draw(_APPORTIONMENT_INPUT)
    # Whole percentages read as the decimals a user writes: 5 -> 0.05.
    percent = draw(st.integers(1, 50))
    total = int(votes.sum())
    # Some list must clear the threshold, or the rule rightly raises.
    if not any(100 * int(v) >= percent * total for v in votes):
        reject()
    return votes, largest_house, percent / 100


_ELECTIONS = mst.elections(
    constituencies=(1, 3), lists=(2, MAX_LISTS), magnitude=(1, 5), max_votes=MAX_VOTES, ties=False
)


def _election_input():
    return _ELECTIONS


@st.composite
def _permuted_election_input(draw):
    election = draw(_ELECTIONS)
    permutation = draw(st.permutations(range(election.first.shape[-1])))
    return election, np.array(permutation)


# --------------------------------------------------------------------------- checks


def _houses(largest_house: int) -> np.ndarray:
    return np.arange(1, largest_house + 1)


def _rows(votes: np.ndarray, count: int) -> np.ndarray:
    return np.broadcast_to(votes, (count, len(votes)))


def _check_shape(seats: np.ndarray, expected: tuple, example: dict, call: _Call):
    if seats.shape != expected:
        yield _Finding(
            "shape",
            f"{_describe(example)}: the rule returned shape {seats.shape}, expected {expected}",
            example,
            (call,),
        )
        return True
    return False


def _describe(example: dict) -> str:
    return ", ".join(f"{name} {value}" for name, value in example.items())


def _check_house_size(caller: _RuleCaller, case) -> Iterator[_Finding]:
    votes, largest_house = case
    houses = _houses(largest_house)
    allocation = caller.apportion(_rows(votes, len(houses)), houses)
    for house, seats in zip(houses, allocation):
        example = {"votes": _listed(votes), "seats": int(house)}
        call = _Call((votes, int(house)), {})
        if (yield from _check_shape(seats, votes.shape, example, call)):
            return
        if seats.sum() != house or (seats < 0).any():
            yield _Finding(
                "house size",
                f"votes {_listed(votes)}, {_seat_count(house)}: the rule gave "
                f"{_listed(seats)}, which sums to {int(seats.sum())}",
                example,
                (call,),
            )


def _check_anonymity(caller: _RuleCaller, case) -> Iterator[_Finding]:
    votes, largest_house, permutation = case
    houses = _houses(largest_house)
    count = len(houses)
    permuted_votes = votes[permutation]
    both = caller.apportion(
        np.concatenate([_rows(votes, count), _rows(permuted_votes, count)]),
        np.concatenate([houses, houses]),
    )
    for house, seats, permuted_seats in zip(houses, both[:count], both[count:]):
        if not np.array_equal(permuted_seats, seats[permutation]):
            yield _Finding(
                "anonymity",
                f"{_seat_count(house)}: votes {_listed(votes)} get {_listed(seats)}, but the "
                f"same lists in the order {_listed(permutation)}, votes "
                f"{_listed(permuted_votes)}, get {_listed(permuted_seats)} instead of "
                f"{_listed(seats[permutation])}",
                {"votes": _listed(votes), "seats": int(house), "permutation": _listed(permutation)},
                (_Call((votes, int(house)), {}), _Call((permuted_votes, int(house)), {})),
            )


def _check_quota(caller: _RuleCaller, case) -> Iterator[_Finding]:
    votes, largest_house = case
    houses = _houses(largest_house)
    allocation = caller.apportion(_rows(votes, len(houses)), houses)
    total = int(votes.sum())
    # Steer the search towards allocations far from the quotas: a violation is a
    # distance of 1 or more, and Hypothesis climbs towards it.
    quotas = houses[:, None] * votes[None, :] / total
    target(float(np.abs(allocation - quotas).max()), label="distance from quota")
    for house, seats in zip(houses, allocation):
        for index, (count, got) in enumerate(zip(votes.tolist(), seats.tolist())):
            quota = Fraction(int(house) * count, total)
            lower, upper = (
                quota.numerator // quota.denominator,
                -(-quota.numerator // quota.denominator),
            )
            if lower <= got <= upper:
                continue
            clause, bound = ("lower quota", lower) if got < lower else ("upper quota", upper)
            side = "below" if got < lower else "above"
            yield _Finding(
                clause,
                f"votes {_listed(votes)}, {_seat_count(house)}: list {index} got "
                f"{_seat_count(got)} ({_listed(seats)}), {side} its {clause} {bound} "
                f"(quota {_show_fraction(quota)})",
                {"votes": _listed(votes), "seats": int(house)},
                (_Call((votes, int(house)), {}),),
            )


def _check_house_monotonicity(caller: _RuleCaller, case) -> Iterator[_Finding]:
    votes, largest_house = case
    houses = _houses(largest_house + 1)
    allocation = caller.apportion(_rows(votes, len(houses)), houses)
    for house, before, after in zip(houses, allocation, allocation[1:]):
        losers = np.flatnonzero(after < before)
        if losers.size:
            loser = int(losers[0])
            yield _Finding(
                "house monotonicity",
                f"votes {_listed(votes)}: seats {house} → {house + 1}: list {loser} "
                f"lost a seat ({_listed(before)} → {_listed(after)})",
                {"votes": _listed(votes), "seats": int(house)},
                (_Call((votes, int(house)), {}), _Call((votes, int(house) + 1), {})),
            )


def _check_population_monotonicity(caller: _RuleCaller, case) -> Iterator[_Finding]:
    history, largest_house = case
    n_versions, n_lists = history.shape
    houses = _houses(largest_house)
    allocation = caller.apportion(
        np.repeat(history, len(houses), axis=0), np.tile(houses, n_versions)
    ).reshape(n_versions, len(houses), n_lists)
    # Axes (house, before, after, i, j): list i's votes did not fall relative to list
    # j's (after_i * before_j >= before_i * after_j), yet i lost a seat and j gained.
    old = history[:, None, :, None]
    new = history[None, :, None, :]
    gained_on = history[None, :, :, None] * history[:, None, None, :] >= old * new
    seats = allocation.transpose(1, 0, 2)
    lost = seats[:, None, :, :] < seats[:, :, None, :]
    gained = seats[:, None, :, :] > seats[:, :, None, :]
    paradox = gained_on[None] & lost[..., :, None] & gained[..., None, :]
    for house_index, before, after, i, j in zip(*np.nonzero(paradox)):
        house = int(houses[house_index])
        votes_before, votes_after = history[before].tolist(), history[after].tolist()
        yield _Finding(
            "population monotonicity",
            f"{_seat_count(house)}, votes {votes_before} → {votes_after}: list {i} did not fall "
            f"behind list {j} ({votes_before[i]}:{votes_before[j]} → "
            f"{votes_after[i]}:{votes_after[j]}), yet list {i} lost a seat while list {j} "
            f"gained one "
            f"({_listed(seats[house_index, before])} → {_listed(seats[house_index, after])})",
            {"votes": votes_before, "later_votes": votes_after, "seats": house},
            (
                _Call((history[before], house), {}),
                _Call((history[after], house), {}),
            ),
        )


def _check_threshold(caller: _RuleCaller, case) -> Iterator[_Finding]:
    votes, largest_house, threshold = case
    houses = _houses(largest_house)
    allocation = caller.apportion(_rows(votes, len(houses)), houses, threshold=threshold)
    share = Fraction(repr(threshold))
    total = int(votes.sum())
    below = [
        index
        for index, count in enumerate(votes.tolist())
        if count * share.denominator < share.numerator * total
    ]
    for house, seats in zip(houses, allocation):
        for index in below:
            if seats[index] > 0:
                yield _Finding(
                    "threshold",
                    f"votes {_listed(votes)}, {_seat_count(house)}, threshold {threshold}: list "
                    f"{index} has {votes[index]} of {total} votes, below the threshold, "
                    f"yet got {_listed(seats)}",
                    {"votes": _listed(votes), "seats": int(house), "threshold": threshold},
                    (_Call((votes, int(house)), {"threshold": threshold}),),
                )


def _check_majority(caller: _RuleCaller, case) -> Iterator[_Finding]:
    votes, largest_house = case
    total = int(votes.sum())
    leader = int(np.argmax(votes))
    if 2 * int(votes[leader]) <= total:
        return
    houses = _houses(largest_house)
    allocation = caller.apportion(_rows(votes, len(houses)), houses)
    # Steer the search towards a majority list that is short of half the seats.
    target(float((houses / 2 - allocation[:, leader]).max()), label="majority short of half")
    for house, seats in zip(houses, allocation):
        if 2 * seats[leader] < house:
            yield _Finding(
                "majority",
                f"votes {_listed(votes)}, {_seat_count(house)}: list {leader} has a majority "
                f"of the votes but got {_listed(seats)}, fewer than half the seats",
                {"votes": _listed(votes), "seats": int(house)},
                (_Call((votes, int(house)), {}),),
            )


def _election_call(election: mst.Election, permutation=None) -> _Call:
    first, magnitude, second = election
    if permutation is not None:
        first = first[..., permutation]
        second = None if second is None else second[..., permutation]
    return _Call((first, magnitude, second), {})


def _election_example(election: mst.Election) -> dict:
    example = {"first": _listed(election.first), "magnitude": _listed(election.magnitude)}
    if election.second is not None:
        example["second"] = _listed(election.second)
    return example


def _check_district_house_size(caller: _RuleCaller, election) -> Iterator[_Finding]:
    call = _election_call(election)
    seats = caller.call(call)
    example = _election_example(election)
    if (yield from _check_shape(seats, election.first.shape, example, call)):
        return
    for constituency, (row, magnitude) in enumerate(zip(seats, election.magnitude)):
        if row.sum() != magnitude or (row < 0).any():
            yield _Finding(
                "house size",
                f"{_describe(example)}: constituency {constituency} has {magnitude} "
                f"seats but the rule gave {_listed(row)}",
                example,
                (call,),
            )


def _check_district_anonymity(caller: _RuleCaller, case) -> Iterator[_Finding]:
    election, permutation = case
    call, permuted_call = _election_call(election), _election_call(election, permutation)
    seats, permuted_seats = caller.call(call), caller.call(permuted_call)
    expected = seats[..., permutation]
    if not np.array_equal(permuted_seats, expected):
        example = {**_election_example(election), "permutation": _listed(permutation)}
        yield _Finding(
            "anonymity",
            f"{_describe(example)}: the rule gave {_listed(seats)}, and for the permuted "
            f"lists {_listed(permuted_seats)} instead of {_listed(expected)}",
            example,
            (call, permuted_call),
        )


def _check_district_majority(caller: _RuleCaller, election) -> Iterator[_Finding]:
    call = _election_call(election)
    seats = caller.call(call)
    for constituency, (votes, magnitude) in enumerate(zip(election.first, election.magnitude)):
        leader = int(np.argmax(votes))
        if 2 * int(votes[leader]) > int(votes.sum()) and seats[constituency, leader] != magnitude:
            example = _election_example(election)
            yield _Finding(
                "majority",
                f"{_describe(example)}: in constituency {constituency}, list {leader} has "
                f"a majority of the first-round votes ({_listed(votes)}) but got "
                f"{_listed(seats[constituency])} of {magnitude} seats",
                example,
                (call,),
            )


def _check_runoff_finalists(caller: _RuleCaller, election) -> Iterator[_Finding]:
    call = _election_call(election)
    seats = caller.call(call)
    example = _election_example(election)
    for constituency, (votes, runoff, magnitude) in enumerate(
        zip(election.first, election.second, election.magnitude)
    ):
        if 2 * int(votes.max()) > int(votes.sum()):
            continue
        # First-round counts of the lists with votes differ (tie-free input).
        leaders = [int(i) for i in np.argsort(-votes, kind="stable")[:2]]
        winner = max(leaders, key=lambda i: int(runoff[i]))
        row = seats[constituency]
        outsiders = [i for i in np.flatnonzero(row).tolist() if i not in leaders]
        if outsiders:
            yield _Finding(
                "finalists",
                f"{_describe(example)}: in constituency {constituency} the two leaders "
                f"are lists {leaders}, yet list {outsiders[0]} got seats "
                f"({_listed(row)})",
                example,
                (call,),
            )
        elif row[winner] != magnitude:
            yield _Finding(
                "runoff winner",
                f"{_describe(example)}: in constituency {constituency} list {winner} "
                f"beat list {sum(leaders) - winner} in the runoff "
                f"({int(runoff[winner])} to {int(runoff[sum(leaders) - winner])} votes) "
                f"but the seats are {_listed(row)}",
                example,
                (call,),
            )


def _votes_case(example: Mapping) -> tuple:
    return np.asarray(example["votes"], dtype=np.int64), int(example["seats"])


def _permuted_votes_case(example: Mapping) -> tuple:
    votes, seats = _votes_case(example)
    return votes, seats, np.asarray(example["permutation"], dtype=np.int64)


def _history_case(example: Mapping) -> tuple:
    history = np.array([example["votes"], example["later_votes"]], dtype=np.int64)
    return history, int(example["seats"])


def _threshold_case(example: Mapping) -> tuple:
    votes, seats = _votes_case(example)
    return votes, seats, float(example["threshold"])


def _election_case(example: Mapping) -> mst.Election:
    second = example.get("second")
    return mst.Election(
        np.asarray(example["first"], dtype=np.int64),
        np.asarray(example["magnitude"], dtype=np.int64),
        None if second is None else np.asarray(second, dtype=np.int64),
    )


def _permuted_election_case(example: Mapping) -> tuple:
    return _election_case(example), np.asarray(example["permutation"], dtype=np.int64)


@dataclass(frozen=True)
class _AxiomCheck:
    """How to search one axiom for one kind of rule.

    ``strategy`` draws a case; ``check`` yields findings for a case; ``from_example``
    turns a :attr:`Violation.example` dict back into a case (apportionment cases
    check every house from 1 up to the example's ``seats``).
    """

    strategy: Callable[[], st.SearchStrategy]
    check: Callable[[_RuleCaller, Any], Iterator[_Finding]]
    from_example: Callable[[Mapping], Any]


_CHECKS: dict[tuple[str, Kind], _AxiomCheck] = {
    ("house_size", "apportionment"): _AxiomCheck(
        lambda: _APPORTIONMENT_INPUT, _check_house_size, _votes_case
    ),
    ("anonymity", "apportionment"): _AxiomCheck(
        _permuted_apportionment_input, _check_anonymity, _permuted_votes_case
    ),
    ("quota", "apportionment"): _AxiomCheck(
        lambda: _APPORTIONMENT_INPUT, _check_quota, _votes_case
    ),
    ("house_monotonicity", "apportionment"): _AxiomCheck(
        lambda: _APPORTIONMENT_INPUT, _check_house_monotonicity, _votes_case
    ),
    ("population_monotonicity", "apportionment"): _AxiomCheck(
        _vote_histories, _check_population_monotonicity, _history_case
    ),
    ("threshold", "apportionment"): _AxiomCheck(
        _threshold_input, _check_threshold, _threshold_case
    ),
    ("majority", "apportionment"): _AxiomCheck(
        lambda: _MAJORITY_APPORTIONMENT_INPUT, _check_majority, _votes_case
    ),
    ("house_size", "district"): _AxiomCheck(
        _election_input, _check_district_house_size, _election_case
    ),
    ("anonymity", "district"): _AxiomCheck(
        _permuted_election_input, _check_district_anonymity, _permuted_election_case
    ),
    ("majority", "district"): _AxiomCheck(
        _election_input, _check_district_majority, _election_case
    ),
    ("runoff_finalists", "district"): _AxiomCheck(
        _election_input, _check_runoff_finalists, _election_case
    ),
}


def _infer_kind(rule, axiom: str) -> Kind:
    if axiom not in APPORTIONMENT_AXIOMS:
        return "district"
    if axiom not in DISTRICT_AXIOMS:
        return "apportionment"
    parameters = _parameters(rule) or {}
    return "district" if "magnitude" in parameters else "apportionment"


def _collect(error: BaseException, violations: list, others: list) -> None:
    if isinstance(error, _ViolationFound):
        violations.append(error.violation)
    elif isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            _collect(inner, violations, others)
    else:
        others.append(error)


def find_violations(
    rule: Callable,
    axiom: str,
    *,
    max_examples: int = 200,
    seed: int | None = None,
    kind: Kind | None = None,
    vectorized: bool = False,
    examples: Iterable[Mapping] = (),
) -> list[Violation]:
    """Search for inputs on which ``rule`` violates ``axiom``.

    Hypothesis draws inputs from :mod:`malivote.testing.strategies` (up to 6 lists,
    up to 1000 votes each, houses of 1 to 24 seats, up to 3 constituencies of 1 to
    5 seats) and shrinks what it finds to a small counterexample. Each apportionment
    input is a vote vector tried at every house size from 1 up to a drawn maximum.

    Parameters
    ----------
    rule : callable
        ``rule(votes, seats) -> seats per list`` for an apportionment axiom; for a
        district axiom, a callable with the signature of
        :func:`malivote.rules.two_round` (see the module docstring). If it takes an
        ``rng`` keyword it gets ``rng=0`` (and other seeds to detect ties).
    axiom : str
        A key of :data:`AXIOM_DESCRIPTIONS`: ``"house_size"``, ``"anonymity"``,
        ``"quota"``, ``"house_monotonicity"``, ``"population_monotonicity"``,
        ``"threshold"`` (the rule must take a ``threshold=`` keyword), ``"majority"``
        or ``"runoff_finalists"``.
    max_examples : int, default 200
        How many inputs to try.
    seed : int, optional
        Seed of the search. The default, None, derandomizes it: the same rule gives
        the same answer on every run.
    kind : {"apportionment", "district"}, optional
        The kind of rule. By default it follows from the axiom where only one kind
        applies, and otherwise from the rule's signature: a rule with a parameter
        named ``magnitude`` is a district rule.
    vectorized : bool, default False
        For an apportionment rule that broadcasts like :mod:`malivote.rules`
        (``votes (N, K)``, ``seats (N,)`` -> ``(N, K)``): all house sizes of an
        input go in one call, which is much faster for array code.
    examples : iterable of dict, optional
        Inputs to try first, each shaped like :attr:`Violation.example` (e.g.
        ``{"votes": [1, 3, 3], "seats": 3}``; an apportionment example is checked at
        every house size from 1 to ``seats``). Pass a counterexample found earlier to
        keep it as a regression test. They are reported as given, not shrunk.

    Returns
    -------
    list of Violation
        Shrunk counterexamples, at most one per clause of the axiom (e.g. one for
        the lower and one for the upper quota); empty if none was found.

    Raises
    ------
    ValueError
        If the axiom is unknown or does not apply to this kind of rule.
    TypeError
        For ``"threshold"``, if the rule takes no ``threshold`` keyword.
    Exception
        Whatever the rule raises on valid input (shrunk to a small input, which
        Hypothesis attaches as a note).

    Examples
    --------
    A rule that gives the first list one seat too many:

    >>> import numpy as np
    >>> from malivote.rules import divisor
    >>> def greedy(votes, seats):
    ...     allocation = divisor(votes, seats, method="dhondt", rng=0)
    ...     allocation[0] += 1
    ...     return allocation
    >>> [str(v) for v in find_violations(greedy, "house_size", max_examples=20)]
    ['house_size: votes [1, 2], 1 seat: the rule gave [1, 1], which sums to 2']
    >>> find_violations(greedy, "house_monotonicity", max_examples=20)
    []
    """
    if axiom not in AXIOM_DESCRIPTIONS:
        raise ValueError(
            f"axiom: unknown axiom {axiom!r}; expected one of "
            + ", ".join(repr(name) for name in AXIOM_DESCRIPTIONS)
        )
    kind = kind if kind is not None else _infer_kind(rule, axiom)
    if (axiom, kind) not in _CHECKS:
        raise ValueError(f"axiom: {axiom!r} does not apply to a {kind} rule")
    if axiom == "threshold" and not _accepts_keyword(rule, "threshold"):
        raise TypeError("rule: the 'threshold' axiom needs a rule that takes threshold=")
    if not isinstance(max_examples, int) or max_examples < 1:
        raise ValueError(f"max_examples: expected a positive int, found {max_examples!r}")

    caller = _RuleCaller(rule, kind, vectorized and kind == "apportionment")
    axiom_check = _CHECKS[axiom, kind]
    try:
        explicit_cases = [axiom_check.from_example(example) for example in examples]
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(
            f"examples: expected dicts shaped like Violation.example for {axiom!r}: {error}"
        ) from None

    @settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=seed is None,
        phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink],
        report_multiple_bugs=True,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        print_blob=False,
    )
    @given(axiom_check.strategy())
    def search(case):
        for finding in axiom_check.check(caller, case):
            if any(caller.depends_on_lot(call) for call in finding.calls):
                continue  # a tie: the lot, not the rule, decided this
            violation = Violation(axiom, finding.clause, finding.message, finding.example)
            raise _found_type(finding.clause)(violation)

    for case in reversed(explicit_cases):  # @example decorators apply bottom-up
        search = hypothesis_example(case)(search)
    if seed is not None:
        search = hypothesis_seed(seed)(search)
    try:
        search()
    except Flaky as error:
        raise RuntimeError(
            "find_violations: the rule gave different results for the same input; "
            "let it take an `rng` keyword so that its lot can be fixed"
        ) from error
    except BaseException as error:  # noqa: BLE001 - sorted out below, re-raised if not ours
        violations: list[Violation] = []
        others: list[BaseException] = []
        _collect(error, violations, others)
        if others:
            raise
        return sorted(violations, key=lambda v: v.clause)
    return []
