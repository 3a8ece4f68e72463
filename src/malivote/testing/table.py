"""Which built-in method satisfies which axiom: the method × axiom table, as data.

:data:`AXIOMS` maps a method key to ``{axiom: True | False | None}``:

- ``True``: the method satisfies the axiom on every input (on tie-free input for
  axioms about orderings, since a lot can always go either way);
- ``False``: some input violates it; :data:`COUNTEREXAMPLES` holds one, which the
  test suite replays against :mod:`malivote.rules`;
- ``None``: the axiom does not apply to this kind of rule (see :data:`NOT_APPLICABLE`),
  or is not known.

Method keys:

- ``"divisor:<method>"`` for :func:`malivote.rules.divisor`, ``<method>`` in
  :data:`malivote.rules.DIVISOR_METHODS`;
- ``"largest_remainder:<quota>"`` for :func:`malivote.rules.largest_remainder`,
  ``<quota>`` in :data:`malivote.rules.QUOTAS`;
- ``"two_round"`` and ``"plurality"`` for the district rules.

:func:`rule_for` turns a key into a callable that :func:`~malivote.testing.find_violations`
accepts.

Every ``True`` or ``False`` rests on a reason recorded in :data:`REASONS`: a
published result, a short proof, or a counterexample. References:

.. [BY] M. L. Balinski and H. P. Young, *Fair Representation: Meeting the Ideal of
   One Man, One Vote*, Yale University Press, 1982; 2nd ed., Brookings Institution
   Press, 2001.
.. [P] F. Pukelsheim, *Proportional Representation: Apportionment Methods and Their
   Applications*, 2nd ed., Springer, 2017.

Examples
--------
>>> AXIOMS["divisor:dhondt"]["house_monotonicity"]
True
>>> AXIOMS["largest_remainder:hare"]["house_monotonicity"]
False
>>> COUNTEREXAMPLES["largest_remainder:hare", "house_monotonicity"]
{'votes': [1, 3, 3], 'seats': 3, 'result': [1, 1, 1], 'result_one_more_seat': [0, 2, 2]}
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import MappingProxyType

from malivote.testing.axioms import APPORTIONMENT_AXIOMS, AXIOM_DESCRIPTIONS, DISTRICT_AXIOMS

__all__ = [
    "AXIOMS",
    "COUNTEREXAMPLES",
    "DIVISOR_KEYS",
    "DISTRICT_KEYS",
    "METHODS",
    "NOT_APPLICABLE",
    "REASONS",
    "REMAINDER_KEYS",
    "rule_for",
]

# Spelled out rather than imported from malivote.rules, so that the table is plain
# data that does not move when the engine does; the test suite checks they agree.
_DIVISOR_METHODS = (
    "dhondt",
    "sainte_lague",
    "modified_sainte_lague",
    "imperiali",
    "danish",
    "huntington_hill",
    "adams",
)
_QUOTAS = ("hare", "droop", "hagenbach_bischoff", "imperiali")

DIVISOR_KEYS = tuple(f"divisor:{method}" for method in _DIVISOR_METHODS)
REMAINDER_KEYS = tuple(f"largest_remainder:{quota}" for quota in _QUOTAS)
DISTRICT_KEYS = ("two_round", "plurality")


def _registered_keys() -> tuple[str, ...]:
    # The rule registry says which methods exist; the table says what they satisfy.
    from malivote.ruleset import axiom_keys

    return axiom_keys()


#: Every method key of the table, in a stable order: the keys the registered rules
#: declare (:func:`malivote.ruleset.register_rule`), every one of which needs a row.
METHODS = tuple(sorted(_registered_keys(), key=lambda key: (DIVISOR_KEYS + REMAINDER_KEYS + DISTRICT_KEYS).index(key)
                       if key in DIVISOR_KEYS + REMAINDER_KEYS + DISTRICT_KEYS else 10**6))

_BY_DIVISOR_HOUSE = (
    "[BY]: every divisor method is house monotone; the seat added to the house goes "
    "to the next-largest quotient, and no list's quotients change."
)
_BY_DIVISOR_POPULATION = "[BY]: the divisor methods are exactly the population-monotone methods."
_BY_IMPOSSIBILITY = (
    "[BY] impossibility theorem: no population-monotone method stays within quota "
    "for every input (with 4 or more lists); every divisor method is population "
    "monotone. Counterexample in COUNTEREXAMPLES."
)
_BY_ALABAMA = (
    "[BY]: largest-remainder methods show the Alabama paradox. Counterexample in COUNTEREXAMPLES."
)
_BY_POPULATION_PARADOX = (
    "[BY]: only divisor methods are population monotone; largest-remainder methods "
    "show the population paradox. Counterexample in COUNTEREXAMPLES."
)
_COUNTEREXAMPLE = "Counterexample in COUNTEREXAMPLES."
_BY_CONSTRUCTION = "By construction (docs/engine-conventions.md); tested by find_violations."

#: Why each axiom does not apply to a kind of rule (the table holds None there).
NOT_APPLICABLE: dict[str, str] = {
    "quota": "A district rule gives all of a constituency's seats to one list.",
    "house_monotonicity": "A district rule's magnitudes are fixed by the election.",
    "population_monotonicity": "A district rule's seats are winner-takes-all.",
    "threshold": "The rule takes no threshold.",
    "runoff_finalists": "The rule has no runoff.",
}


def _divisor_row(method: str) -> dict[str, bool | None]:
    # D'Hondt and Imperiali favour large lists enough to honour a majority; the other
    # divisor methods can leave a bare majority with less than half (counterexamples).
    return {
        "house_size": True,
        "anonymity": True,
        "quota": False,
        "house_monotonicity": True,
        "population_monotonicity": True,
        "threshold": True,
        "majority": method in ("dhondt", "imperiali"),
        "runoff_finalists": None,
    }


def _remainder_row(quota: str) -> dict[str, bool | None]:
    return {
        "house_size": True,
        "anonymity": True,
        "quota": quota == "hare",
        "house_monotonicity": False,
        "population_monotonicity": False,
        "threshold": True,
        "majority": quota in ("hagenbach_bischoff", "imperiali"),
        "runoff_finalists": None,
    }


def _district_row(has_runoff: bool) -> dict[str, bool | None]:
    return {
        "house_size": True,
        "anonymity": True,
        "quota": None,
        "house_monotonicity": None,
        "population_monotonicity": None,
        "threshold": None,
        "majority": True,
        "runoff_finalists": True if has_runoff else None,
    }


_TABLE = {
    **{f"divisor:{m}": _divisor_row(m) for m in _DIVISOR_METHODS},
    **{f"largest_remainder:{q}": _remainder_row(q) for q in _QUOTAS},
    "two_round": _district_row(has_runoff=True),
    "plurality": _district_row(has_runoff=False),
}

#: The method × axiom table: ``AXIOMS[method][axiom]`` is True, False or None.
AXIOMS = MappingProxyType({key: MappingProxyType(row) for key, row in _TABLE.items()})

#: One counterexample for every False entry of :data:`AXIOMS`, keyed by
#: ``(method, axiom)``: the input (``votes``, ``seats``, and ``later_votes`` for
#: population monotonicity), the rule's ``result``, and for house monotonicity the
#: result with one more seat, ``result_one_more_seat``; for population monotonicity
#: ``later_result`` is the result for ``later_votes``. Every input is free of ties,
#: so the result does not depend on the lot. Found by exhaustive search over small
#: inputs and checked against the exact reference implementation of the tests.
COUNTEREXAMPLES: dict[tuple[str, str], dict] = {
    # Quota: each list's seats must lie between floor and ceil of seats*votes/total.
    ("divisor:dhondt", "quota"): {"votes": [1, 1, 4], "seats": 3, "result": [0, 0, 3]},
    ("divisor:sainte_lague", "quota"): {"votes": [1, 1, 1, 6], "seats": 3, "result": [0, 0, 0, 3]},
    ("divisor:modified_sainte_lague", "quota"): {
        "votes": [1, 1, 4],
        "seats": 3,
        "result": [0, 0, 3],
    },
    ("divisor:imperiali", "quota"): {"votes": [1, 3], "seats": 4, "result": [0, 4]},
    ("divisor:danish", "quota"): {"votes": [1, 1, 6], "seats": 4, "result": [1, 1, 2]},
    ("divisor:huntington_hill", "quota"): {"votes": [1, 1, 4], "seats": 3, "result": [1, 1, 1]},
    ("divisor:adams", "quota"): {"votes": [1, 1, 4], "seats": 3, "result": [1, 1, 1]},
    ("largest_remainder:droop", "quota"): {
        "votes": [3966, 2615, 199, 467, 9728, 167],
        "seats": 14,
        "result": [3, 2, 0, 0, 9, 0],
    },
    ("largest_remainder:hagenbach_bischoff", "quota"): {
        "votes": [1, 1, 6],
        "seats": 4,
        "result": [0, 0, 4],
    },
    ("largest_remainder:imperiali", "quota"): {"votes": [1, 4], "seats": 5, "result": [0, 5]},
    # House monotonicity (the Alabama paradox): one more seat, and a list loses one.
    ("largest_remainder:hare", "house_monotonicity"): {
        "votes": [1, 3, 3],
        "seats": 3,
        "result": [1, 1, 1],
        "result_one_more_seat": [0, 2, 2],
    },
    ("largest_remainder:droop", "house_monotonicity"): {
        "votes": [1, 12],
        "seats": 5,
        "result": [1, 4],
        "result_one_more_seat": [0, 6],
    },
    ("largest_remainder:hagenbach_bischoff", "house_monotonicity"): {
        "votes": [3, 7, 7],
        "seats": 3,
        "result": [1, 1, 1],
        "result_one_more_seat": [0, 2, 2],
    },
    ("largest_remainder:imperiali", "house_monotonicity"): {
        "votes": [5, 9, 9],
        "seats": 3,
        "result": [1, 1, 1],
        "result_one_more_seat": [0, 2, 2],
    },
    # Population monotonicity (the population paradox).
    ("largest_remainder:hare", "population_monotonicity"): {
        "votes": [12, 5, 15],
        "later_votes": [8, 5, 15],
        "seats": 3,
        "result": [1, 1, 1],
        "later_result": [1, 0, 2],
    },
    ("largest_remainder:droop", "population_monotonicity"): {
        "votes": [2, 5],
        "later_votes": [10, 24],
        "seats": 5,
        "result": [2, 3],
        "later_result": [1, 4],
    },
    ("largest_remainder:hagenbach_bischoff", "population_monotonicity"): {
        "votes": [12, 8, 18],
        "later_votes": [12, 5, 12],
        "seats": 3,
        "result": [1, 0, 2],
        "later_result": [1, 1, 1],
    },
    ("largest_remainder:imperiali", "population_monotonicity"): {
        "votes": [11, 2, 6],
        "later_votes": [19, 9, 10],
        "seats": 2,
        "result": [2, 0, 0],
        "later_result": [1, 0, 1],
    },
    # Majority: a list with more than half of the votes gets fewer than half the seats.
    ("divisor:sainte_lague", "majority"): {"votes": [2, 2, 5], "seats": 3, "result": [1, 1, 1]},
    ("divisor:modified_sainte_lague", "majority"): {
        "votes": [8, 8, 17],
        "seats": 3,
        "result": [1, 1, 1],
    },
    ("divisor:danish", "majority"): {"votes": [1, 1, 3], "seats": 3, "result": [1, 1, 1]},
    ("divisor:huntington_hill", "majority"): {"votes": [1, 1, 3], "seats": 3, "result": [1, 1, 1]},
    ("divisor:adams", "majority"): {"votes": [1, 1, 3], "seats": 3, "result": [1, 1, 1]},
    ("largest_remainder:hare", "majority"): {"votes": [3, 3, 7], "seats": 3, "result": [1, 1, 1]},
    ("largest_remainder:droop", "majority"): {"votes": [1, 7, 9], "seats": 7, "result": [1, 3, 3]},
}


def _reasons() -> dict[tuple[str, str], str]:
    reasons: dict[tuple[str, str], str] = {}
    for key, row in _TABLE.items():
        for axiom, holds in row.items():
            if holds is None:
                reasons[key, axiom] = "Not applicable: " + NOT_APPLICABLE[axiom]
            elif (key, axiom) in COUNTEREXAMPLES:
                reasons[key, axiom] = _COUNTEREXAMPLE
            else:
                reasons[key, axiom] = _BY_CONSTRUCTION
    for key in DIVISOR_KEYS:
        reasons[key, "house_monotonicity"] = _BY_DIVISOR_HOUSE
        reasons[key, "population_monotonicity"] = _BY_DIVISOR_POPULATION
        reasons[key, "quota"] = _BY_IMPOSSIBILITY
    for key in REMAINDER_KEYS:
        reasons[key, "house_monotonicity"] = _BY_ALABAMA
        reasons[key, "population_monotonicity"] = _BY_POPULATION_PARADOX
    reasons["largest_remainder:hare", "quota"] = (
        "[BY]: Hamilton's method (largest remainder with the Hare quota) stays within "
        "quota: each list gets its quota rounded down, and at most one seat more."
    )
    reasons["divisor:dhondt", "majority"] = (
        "Proof: with a divisor x such that list i gets floor(v_i / x) seats (no ties), "
        "the others get at most (V - v_m) / x < v_m / x < a_m + 1 seats together, so at "
        "most a_m, and a_m >= S / 2 for the majority list m. [P] discusses D'Hondt's "
        "majority guarantee."
    )
    reasons["divisor:imperiali", "majority"] = (
        "Proof: list i gets max(0, floor(v_i / x) - 1) seats for some divisor x (no "
        "ties). If two or more other lists hold seats, they hold fewer than "
        "v_m / x - 2 < a_m together; if one does, it holds at most v_j / x - 1 < "
        "a_m + 1. So the majority list m holds at least half."
    )
    reasons["largest_remainder:hagenbach_bischoff", "majority"] = (
        "Proof: the majority list gets floor(v_m (S+1) / V) >= S / 2 seats from the "
        "quota alone, since v_m (S+1) / V > (S+1) / 2. A surplus (at most one seat) "
        "arises only when every remainder is 0, and then v_m (S+1) / V is a whole "
        "number above (S+1) / 2, so one seat less still leaves at least S / 2."
    )
    reasons["largest_remainder:imperiali", "majority"] = (
        "Proof: with q = V / (S+2), the quota alone gives the majority list "
        "b = floor(v_m / q) seats, and v_m / q > S / 2 + 1. The quotas hand out at "
        "most S + 2 seats. A surplus of one seat can cost the majority list a seat "
        "only if b >= S / 2 + 1, or (S odd, b = (S+1) / 2) if no other seat-holder "
        "has a smaller remainder; but then its remainder exceeds q / 2 while all "
        "remainders sum to q. A surplus of two means every remainder is 0 and v_m / q "
        "is a whole number, so b >= S / 2 + 3 / 2; after one withdrawal its remainder "
        "is q and the next goes to another seat-holder, if any."
    )
    reasons["two_round", "majority"] = (
        "By construction: a list with more than half the valid votes wins in round 1."
    )
    reasons["plurality", "majority"] = (
        "By construction: a list with more than half the votes has the most votes."
    )
    reasons["two_round", "runoff_finalists"] = (
        "By construction: the two leaders of round 1 meet in the runoff."
    )
    return reasons


#: Why each entry of :data:`AXIOMS` holds: ``REASONS[method, axiom]`` is a sentence
#: citing [BY], [P], a proof sketch, a counterexample, or the engine conventions.
REASONS: dict[tuple[str, str], str] = _reasons()


def _plurality_with_runoff_signature(first, magnitude, second=None, *, rng=None):
    """:func:`malivote.rules.plurality` with the signature of ``two_round``."""
    from malivote.rules import plurality

    return plurality(first, magnitude, rng=rng)


def rule_for(method: str) -> Callable:
    """The built-in rule of a method key of :data:`AXIOMS`, ready for find_violations.

    Apportionment keys give ``rule(votes, seats, *, threshold=0.0, rng=None)``;
    ``"two_round"`` gives :func:`malivote.rules.two_round`; ``"plurality"`` gives
    :func:`malivote.rules.plurality` with the ``two_round`` signature (``second`` is
    ignored).

    Examples
    --------
    >>> dhondt = rule_for("divisor:dhondt")
    >>> dhondt([50, 30, 20], 7).tolist()
    [4, 2, 1]
    """
    from malivote import rules

    if method not in AXIOMS:
        raise ValueError(
            f"method: unknown method {method!r}; expected one of "
            + ", ".join(repr(key) for key in METHODS)
        )
    family, _, name = method.partition(":")
    if family == "divisor":
        return functools.partial(rules.divisor, method=name)
    if family == "largest_remainder":
        return functools.partial(rules.largest_remainder, quota=name)
    if method == "two_round":
        return rules.two_round
    return _plurality_with_runoff_signature


def _check_table() -> None:
    # Guards the data against edits that leave it inconsistent, and against a rule
    # registered with axiom keys the table has no row for.
    missing = set(METHODS) - set(_TABLE)
    assert not missing, f"registered rules without a row in the axiom table: {sorted(missing)}"
    assert set(_TABLE) <= set(METHODS), sorted(set(_TABLE) - set(METHODS))
    for key, row in _TABLE.items():
        assert set(row) == set(AXIOM_DESCRIPTIONS), key
        for axiom, holds in row.items():
            applies = axiom in (DISTRICT_AXIOMS if key in DISTRICT_KEYS else APPORTIONMENT_AXIOMS)
            assert applies or holds is None, (key, axiom)
            assert (holds is False) == ((key, axiom) in COUNTEREXAMPLES), (key, axiom)


_check_table()
