"""A bounded fuzzer of scenario files: a right answer or a ScenarioError, nothing else.

Hypothesis writes scenario files from a mix of good and bad values for every key
(rules and their shares, national tiers, mergers, swings, noise, turnout, transfers,
split tickets, rosters, blocs, official seats, lists with counts from 0 to past the
int64 limit, misspelt keys and parties), and mangles the TOML text itself (deep
nesting, odd characters, huge integers). Each file must either be refused with a
:class:`ScenarioError` whose message names the file and gives each problem on its own
line as ``key: message`` (the command line prints it and exits 2), or be accepted and
then run: ``simulate`` on the scenario's own seed must not raise at all (everything
``run`` refuses is caught when the file is validated), and the result must be right
(seats add up in every constituency and nationally, a party without votes wins
nothing, plurality and Mali's round-1 majority give the seats to the lists they
should). Any other exception type, or a hang, fails the test. Sizes are bounded so
that a run takes well under a second.
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from malivote.election_io import Election, ElectionDataError
from malivote.layouts import get_layout
from malivote.metrics import party_votes
from malivote.scenario import ScenarioError, build_scenario, parse_scenario
from malivote.simulate import simulate

pytestmark = pytest.mark.slow

NAMES = get_layout("mali-55").names
MAGNITUDE = get_layout("mali-55").magnitude
PARTIES = ["RPM", "URD", "ADEMA", "ASMA", "MPM"]
ODD_PARTIES = ["Rpm", "PARENAA", "RND", "", "X" * 300, "é\u200b", 3]
#: A problem line: two spaces, a key path, a colon.
PROBLEM = re.compile(r"^  \S.*?: ")


# ------------------------------------------------------------------ TOML writer


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def to_toml(table: dict) -> str:
    """A TOML document of ``table``: one line per top-level key, inline tables below."""
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in table.items())


# ------------------------------------------------------------------ values, good and bad


def optional(**entries) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional=entries)


class Values:
    """The strategies of every key: good values only (``bad=False``, so that many
    files are accepted and run), or good values mixed with bad ones."""

    def __init__(self, bad: bool):
        self.bad = bad

        def either(good, wrong):
            return st.one_of(good, good, wrong) if bad else good

        self.either = either
        shares = either(
            st.one_of(st.sampled_from([0.0, 1e-30, 0.05, 0.125, 0.5, 0.9, 0.999999]), st.floats(0, 1, exclude_max=True)),
            st.sampled_from([1.0, -0.1, math.nan, "0.5", True]),
        )
        self.count = either(
            st.integers(0, 2_000),
            st.sampled_from([10**12 + 1, 2**53 + 1, 2**58, 2**63 - 1, 2**64, 10**30, -1, 2.5, "7"]),
        )
        self.party = either(st.sampled_from(PARTIES), st.sampled_from(ODD_PARTIES))
        parties = st.lists(self.party, min_size=0 if bad else 1, max_size=3)
        floats = either(
            st.sampled_from([1e-300, 5e-324, 0.2, 1.0, 3.0, 50.0, 1e100, 1e308]),
            st.sampled_from([0.0, math.inf, -1.0, math.nan, "1"]),
        )
        national = st.fixed_dictionaries(
            {"seats": either(st.sampled_from([1, 20, 47, 92, 93]), st.sampled_from([0, 146, 147, 10**20, 2.0]))},
            optional=dict(method=either(st.sampled_from(["divisor", "largest_remainder"]), st.just("two_round")),
            divisor=either(st.sampled_from(["dhondt", "sainte_lague", "danish", "adams"]), st.just("x")),
            threshold=shares,
        ))
        method = either(
            st.sampled_from(["two_round", "open_runoff", "plurality", "block_vote", "divisor", "largest_remainder"]),
            st.sampled_from(["dhont", 3]),
        )
        rule = dict(
            majority=shares,
            qualify=shares,
            divisor=either(st.sampled_from(["dhondt", "sainte_lague", "modified_sainte_lague", "imperiali",
                                            "danish", "huntington_hill", "adams"]), st.just("dhondt ")),
            quota=either(st.sampled_from(["hare", "droop", "hagenbach_bischoff", "imperiali"]), st.just("x")),
            threshold=shares,
            ties=either(st.sampled_from(["lot", "votes", "raise"]), st.just("coin")),
        )
        if bad:
            rule.update(tier=st.sampled_from(["district", "national", "regional"]), national=national, majorty=st.just(0.5))
        self.rule = st.one_of(
            st.fixed_dictionaries({"method": method}, optional=rule),
            # PR with a national tier, or nationally
            st.fixed_dictionaries({"method": st.sampled_from(["divisor", "largest_remainder"]), "national": national},
                                  optional={"threshold": shares, "quota": rule["quota"]}),
            st.fixed_dictionaries({"method": st.sampled_from(["divisor", "largest_remainder"]), "tier": st.just("national")},
                                  optional={"threshold": shares, "divisor": rule["divisor"]}),
        )
        points = either(st.sampled_from([-100.0, -5.0, 0.0, 5.0, 100.0]), st.sampled_from([150.0, math.nan]))
        region = either(st.sampled_from(["Kayes", "Bamako"]), st.just("Atlantis"))
        swing = st.one_of(
            st.fixed_dictionaries({"party": self.party, "points": points}, optional={"region": region}),
            st.fixed_dictionaries({"party": self.party, "factor": floats}, optional={"region": region}),
            st.fixed_dictionaries({"from": self.party, "to": self.party, "points": points}),
        )
        merge = st.one_of(
            st.fixed_dictionaries({"parties": parties}),
            st.fixed_dictionaries({"all_except": parties}),
        )
        row = either(
            st.sampled_from([[0.4, 0.4, 0.2], [1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]),
            st.lists(st.sampled_from([0.0, 0.2, 0.4, 0.5, 1.0, -0.2, 2.0]), min_size=2, max_size=4),
        )
        if bad:
            swing = st.one_of(swing, optional(party=self.party, points=points, factor=floats, to=self.party))
            merge = st.one_of(merge, optional(parties=parties, all_except=parties))
        self.models = optional(
            merge=st.lists(merge, max_size=2),
            swing=st.lists(swing, max_size=2),
            noise=st.one_of(
                st.fixed_dictionaries({"kind": st.just("dirichlet")}, optional={"concentration": floats}),
                st.fixed_dictionaries({"kind": st.just("logit_normal")}, optional={"sigma": floats}),
                *( [optional(kind=st.just("gaussian"), sigma=floats, concentration=floats)] if bad else [] ),
            ),
            turnout=st.fixed_dictionaries({"rate": either(
                st.sampled_from([1e-9, 1e-4, 0.01, 0.6, 1.0]), st.sampled_from([0.0, 1.5, math.nan])
            )}),
            transfer=optional(
                default=row,
                parties=st.dictionaries(st.sampled_from(PARTIES) if not bad else st.sampled_from(PARTIES + ["Rpm", "XYZ"]), row, max_size=2),
                retention=either(st.sampled_from([0.0, 0.7, 1.0]), st.just(1.5)),
                random=st.booleans(),
            ),
            split_ticket=either(st.sampled_from([0.0, 0.3, 3.0, 40.0, 1e300]), st.sampled_from([-1.0, math.inf])),
        )
        self.rosters = st.fixed_dictionaries({"sex": either(
            st.sampled_from(["as_drawn", "thirty_percent", "zipper"]), st.just("parity")
        )})
        self.blocs = st.dictionaries(
            either(st.sampled_from(["left", "right"]), st.sampled_from(["a.b", ""])), parties, max_size=2,
        )
        self.official = st.fixed_dictionaries({"seats": either(
            st.sampled_from([{"RPM": 147}, {"RPM": 100, "URD": 47}]), st.sampled_from([{"XYZ": 147}, {"RPM": -1}, {}])
        )})

    def top(self) -> st.SearchStrategy:
        entries = dict(name=st.sampled_from(["fuzz", "", "é" * 5]), rule=self.rule, models=self.models,
                       rosters=self.rosters, blocs=self.blocs, official=self.official)
        if self.bad:
            entries["colour"] = st.just("blue")
        return optional(**entries)


GOOD, ANY = Values(bad=False), Values(bad=True)


@st.composite
def lists_tables(draw, values: Values) -> list:
    """``[[lists]]`` for every constituency of mali-55, votes from a few scales (and,
    with bad values, a constituency missing, a wrong roster, an odd count, ...)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([3, 1000, 10**6, 10**11, 0]))
    zero_share = draw(st.sampled_from([0.0, 0.3, 0.9]))
    rounds = draw(st.sampled_from([1, 2]))
    lists = []
    for c, name in enumerate(NAMES):
        for _ in range(int(rng.integers(1, 4))):
            parties = [str(p) for p in rng.choice(PARTIES, size=int(rng.integers(1, 3)), replace=False)]
            votes = [0 if rng.random() < zero_share else int(rng.integers(1, scale + 2)) for _ in range(rounds)]
            lists.append({"constituency": name, "parties": parties, "votes": votes})
        if not values.bad and not any(spec["votes"][0] for spec in lists if spec["constituency"] == name):
            lists[-1]["votes"][0] = 1
    changes = ["votes", "candidates"] + (["parties", "constituency", "drop", "rounds"] if values.bad else [])
    for _ in range(draw(st.integers(0, 2))):
        index = draw(st.integers(0, len(lists) - 1))
        change = draw(st.sampled_from(changes))
        if lists[index] is None:
            continue
        spec = dict(lists[index])
        if change == "votes":
            spec["votes"] = [draw(values.count) for _ in spec["votes"]]
        elif change == "parties":
            spec["parties"] = draw(st.lists(values.party, max_size=2))
        elif change == "constituency":
            spec["constituency"] = draw(st.sampled_from(["Atlantis", "kati", NAMES[0]]))
        elif change == "candidates":
            magnitude = int(MAGNITUDE[NAMES.index(spec["constituency"])])
            size = draw(values.either(st.just(magnitude), st.sampled_from([0, magnitude + 1])))
            party = draw(values.either(st.sampled_from(spec["parties"]), st.just("URD")))
            sex = values.either(st.sampled_from(["F", "M"]), st.just("X"))
            spec["candidates"] = [{"party": party, "sex": draw(sex)} for _ in range(size)]
        elif change == "rounds":
            spec["votes"] = [5, 5, 5][: 3 - len(spec["votes"])]
        lists[index] = spec if change != "drop" else None
    return [spec for spec in lists if spec is not None]


@st.composite
def lists_scenarios(draw, values: Values) -> dict:
    table = draw(values.top())
    table["election"] = draw(values.either(
        st.just({"layout": "mali-55"}),
        st.sampled_from([{"layout": "mali-55", "year": 2020}, {"layout": "mali-125"}, {"layout": "mali-56"}]),
    ))
    table["lists"] = draw(lists_tables(values))
    table["simulation"] = {"seed": draw(st.integers(0, 3))}
    return table


SCENARIOS = st.one_of(lists_scenarios(GOOD), lists_scenarios(ANY))


# ------------------------------------------------------------------ the checks


def refused_cleanly(error: ScenarioError, source: str) -> None:
    message = str(error)
    event("refused")
    assert message.startswith(f"{source}: "), message
    lines = message.splitlines()
    if len(lines) > 1:
        assert re.fullmatch(rf"{re.escape(source)}: \d+ problems? in the scenario:", lines[0]), lines[0]
        assert int(lines[0].split(": ")[1].split()[0]) == len(lines) - 1
        for line in lines[1:]:
            assert PROBLEM.match(line), line
            assert "Traceback" not in line


def check_result(scenario, draws: int = 2) -> None:
    """The scenario runs on its own seed, and its result is right."""
    event(f"accepted: {scenario.rule.method}")
    found = []
    result = simulate(scenario, draws=draws, on_block=lambda ensemble, decision: found.append((ensemble, decision)))
    for ensemble, decision in found:
        magnitude = ensemble.magnitude
        house = int(magnitude.sum())
        assert (decision.party_seats >= 0).all() and (decision.seats >= 0).all()
        assert (decision.party_seats.sum(axis=1) == house).all()
        if decision.national is None and scenario.rule.tier == "district":
            np.testing.assert_array_equal(decision.seats.sum(axis=-1), np.broadcast_to(magnitude, decision.seats.shape[:2]))
        # Round-2 votes only for lists that stand (a merged list keeps its slot).
        assert not ((ensemble.second > 0) & (ensemble.members == 0)).any()
        # A party with no votes in either round wins nothing.
        votes = party_votes(ensemble.first, ensemble.members, len(ensemble.parties))
        votes = votes + party_votes(ensemble.second, ensemble.members, len(ensemble.parties))
        assert not ((votes == 0) & (decision.party_seats > 0)).any()
        first = ensemble.first
        top = first.max(axis=-1, keepdims=True)
        valid = first.sum(axis=-1)
        rule = scenario.rule
        if rule.method == "plurality" and rule.national is None and rule.tier == "district":
            # Every seat to a list with the most votes.
            assert ((decision.seats > 0) <= (first == top)).all()
            assert ((decision.seats == magnitude[..., None]) | (decision.seats == 0)).all()
        if rule.method == "two_round" and rule.national is None:
            # A list with more than `majority` of the valid votes (and more than any
            # other: a tie goes by lot) takes every seat in round 1.
            winner = (first > rule.majority * valid[..., None]) & (first == top) & (valid[..., None] > 0)
            decided = winner.sum(axis=-1) == 1
            assert (decision.round[decided] == 1).all()
            np.testing.assert_array_equal(decision.seats[decided], (winner * magnitude[..., None])[decided])
    assert result.party_seats.shape[0] == draws


# ------------------------------------------------------------------ the fuzzers


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(SCENARIOS)
def test_fuzz_lists_scenarios(table):
    text = to_toml(table)
    try:
        scenario = parse_scenario(text, source="fuzz.toml")
    except ScenarioError as error:
        refused_cleanly(error, "fuzz.toml")
        return
    check_result(scenario)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example({"rule": {"method": "two_round", "majority": 0.0}})  # a tie for the lead in draw 1
@given(st.one_of(*(optional(rule=v.rule, models=v.models, rosters=v.rosters, blocs=v.blocs) for v in (GOOD, ANY))))
def test_fuzz_replay_scenarios(table):
    # One replay, on its own seed: its draws are made once (cached) for validation.
    table = {"election": {"year": 2020}, "simulation": {"seed": 2020}, **table}
    try:
        scenario = parse_scenario(to_toml(table), source="replay.toml")
    except ScenarioError as error:
        refused_cleanly(error, "replay.toml")
        return
    check_result(scenario)


@st.composite
def elections(draw):
    """A small election of arrays: 1 to 4 constituencies, 1 to 4 lists, counts from
    zero to the largest the engine takes (and past it)."""
    n_constituencies = draw(st.integers(1, 4))
    n_lists = draw(st.integers(1, 4))
    either = draw(st.sampled_from([GOOD, ANY])).either
    count = either(st.integers(0, 50), st.sampled_from([0, 10**6, 10**12, 2**52, 2**53 + 1, 2**62]))
    first = draw(st.lists(st.lists(count, min_size=n_lists, max_size=n_lists), min_size=n_constituencies, max_size=n_constituencies))
    magnitude = draw(st.lists(either(st.integers(1, 6), st.integers(0, 200)), min_size=n_constituencies, max_size=n_constituencies))
    names = ["A", "B", "A+B", "C", "D"][:n_lists] if draw(st.booleans()) else [f"P{k}" for k in range(n_lists)]
    return first, magnitude, names


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(elections(), st.one_of(*(optional(rule=v.rule, models=v.models, rosters=v.rosters) for v in (GOOD, ANY))))
def test_fuzz_own_elections(arrays, tables):
    first, magnitude, names = arrays
    try:
        election = Election.from_arrays(first, magnitude, names)
    except ElectionDataError as error:
        assert re.match(r"^\w[\w .\[\]]*: \S", str(error)), str(error)
        return
    # Own elections know their parties: swap the fuzzer's names for theirs.
    text = json.dumps(tables).replace('"RPM"', json.dumps(election.parties[0]))
    try:
        scenario = build_scenario(election, source="own", **json.loads(text))
    except ScenarioError as error:
        refused_cleanly(error, "own")
        return
    check_result(scenario)


BASE = '[election]\nyear = 2020\n[rule]\nmethod = "divisor"\n[simulation]\nseed = 2020\n'
MANGLES = st.one_of(
    st.text(max_size=40),
    st.sampled_from([
        "[" * 600, "a = " + "[" * 2000 + "]" * 2000, ".".join("k" * 1 for _ in range(800)) + " = 1",
        "x = " + "9" * 5000, "\x00", "extends = \"\\u0000\"", "extends = \"/dev/zero\"",
        "extends = \"fuzz.toml\"", "extends = 3", "[election]\nyear = 2020", "a = {b = " * 50 + "1" + "}" * 50,
        "name = \"\\uD800\"", "[[lists]]", "lists = []", "election = 5", "[rule]\nmethod = \"divisor\"",
    ]),
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MANGLES, st.integers(0, len(BASE)), st.booleans())
def test_fuzz_scenario_text(mangle, at, replace):
    text = BASE[:at] + mangle + (BASE[at + len(mangle):] if replace else BASE[at:])
    try:
        parse_scenario(text, source="fuzz.toml")
    except ScenarioError as error:
        refused_cleanly(error, "fuzz.toml")
