"""Scenario files: TOML in, a validated :class:`Scenario` out.

A scenario names an election (an official one to replay, or lists written out in the
file), the rule that turns votes into seats, and the simulation settings. Files are
read with the standard library's :mod:`tomllib` and validated with pydantic: every
error is reported at once, each with its key path, what was expected and what was
found, and unknown keys are rejected. ``extends = "other.toml"`` starts from another
scenario (resolved relative to the file) and overrides it key by key, which is how
counterfactuals are written. Every key is documented in ``docs/scenarios.md``.

Examples
--------
>>> scenario = parse_scenario('''
... [election]
... year = 2020
... [simulation]
... draws = 10
... ''', source="inline.toml")
>>> scenario.election.layout, scenario.rule.method, scenario.simulation.seed
('mali-55', 'two_round', 0)
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from malivote import datasets
from malivote.layouts import get_layout
from malivote.rules import DIVISOR_METHODS, QUOTAS

__all__ = [
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
    "scenario_from_dict",
    "shipped_scenarios",
    "SCENARIO_DIR",
]

#: Where the shipped scenarios live: ``scenarios/`` in a source checkout, installed
#: with the package as ``malivote.scenarios``.
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"



class ScenarioError(ValueError):
    """A scenario file that cannot be used; the message lists every problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ElectionSpec(_Strict):
    """``[election]``: which election, on which layout."""

    year: Literal[2007, 2013, 2020] | None = None
    layout: Literal["mali-55", "mali-125"] = "mali-55"
    result: Literal["final", "provisional"] = "final"

    @model_validator(mode="after")
    def _provisional_is_2020(self):
        if self.result == "provisional" and self.year != 2020:
            raise ValueError(
                f"result = 'provisional' exists only for year 2020, found year {self.year}"
            )
        return self


Share = Annotated[float, Field(ge=0.0, lt=1.0)]


class NationalTierSpec(_Strict):
    """``[rule.national]``: seats shared out nationally among parties (a PR tier)."""

    seats: Annotated[int, Field(ge=1, le=147)]
    method: Literal["divisor", "largest_remainder"] = "divisor"
    divisor: Literal[DIVISOR_METHODS] = "dhondt"  # type: ignore[valid-type]
    quota: Literal[QUOTAS] = "hare"  # type: ignore[valid-type]
    threshold: Share = 0.0


class RuleSpec(_Strict):
    """``[rule]``: how votes become seats."""

    method: Literal["two_round", "open_runoff", "plurality", "block_vote", "divisor", "largest_remainder"] = "two_round"
    tier: Literal["district", "national"] = "district"
    majority: Share = 0.5
    qualify: Share = 0.125
    divisor: Literal[DIVISOR_METHODS] = "dhondt"  # type: ignore[valid-type]
    quota: Literal[QUOTAS] = "hare"  # type: ignore[valid-type]
    threshold: Share = 0.0
    national: NationalTierSpec | None = None

    @model_validator(mode="after")
    def _tiers_fit(self):
        if self.tier == "national" and self.method not in ("divisor", "largest_remainder"):
            raise ValueError(f"tier = 'national' needs a PR method (divisor or largest_remainder), found method {self.method!r}")
        if self.national is not None and self.tier == "national":
            raise ValueError("[rule.national] adds a national tier to district seats; it cannot go with tier = 'national'")
        return self


Transfer = Annotated[list[Annotated[float, Field(ge=0.0, le=1.0)]], Field(min_length=3, max_length=3)]


class TransferSpec(_Strict):
    """``[models.transfer]``: round-2 votes from round-1 votes by a transfer matrix."""

    default: Transfer = [0.4, 0.4, 0.2]
    parties: dict[str, Transfer] = {}
    retention: Annotated[float, Field(ge=0.0, le=1.0)] = 1.0
    random: bool = False

    @model_validator(mode="after")
    def _rows_sum_to_one(self):
        for name, row in [("default", self.default)] + [(f"parties.{p}", r) for p, r in self.parties.items()]:
            if abs(sum(row) - 1.0) > 1e-9:
                raise ValueError(f"{name}: the shares to the leader, the runner-up and abstention must add up to 1, found {sum(row)}")
        return self


class SwingSpec(_Strict):
    """``[[models.swing]]``: a uniform (points) or proportional (factor) swing."""

    party: str
    region: str | None = None
    points: Annotated[float, Field(ge=-100.0, le=100.0)] | None = None
    factor: Annotated[float, Field(ge=0.0)] | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.points is None) == (self.factor is None):
            raise ValueError("give exactly one of points (a uniform swing) or factor (a proportional swing)")
        return self


class NoiseSpec(_Strict):
    """``[models.noise]``: district-level noise on vote shares."""

    kind: Literal["dirichlet", "logit_normal"] = "dirichlet"
    concentration: Annotated[float, Field(gt=0.0)] = 200.0
    sigma: Annotated[float, Field(gt=0.0)] = 0.2


class TurnoutSpec(_Strict):
    """``[models.turnout]``: votes cast as a share of the registered voters."""

    rate: Annotated[float, Field(gt=0.0, le=1.0)]


class MergeSpec(_Strict):
    """``[[models.merge]]``: one joint list, in every constituency, of the lists with
    any of ``parties``, or of the lists with none of ``all_except``."""

    parties: list[str] | None = None
    all_except: list[str] | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.parties is None) == (self.all_except is None):
            raise ValueError("give exactly one of parties (the alliance) or all_except (everyone but these)")
        return self


class ModelsSpec(_Strict):
    """``[models]``: changes to the drawn votes before the rule decides."""

    merge: list[MergeSpec] = []
    swing: list[SwingSpec] = []
    noise: NoiseSpec | None = None
    turnout: TurnoutSpec | None = None
    transfer: TransferSpec | None = None
    split_ticket: Annotated[float, Field(ge=0.0)] = 0.0


class RostersSpec(_Strict):
    """``[rosters]``: who is on the lists, and in which order."""

    sex: Literal["as_drawn", "thirty_percent", "zipper"] = "as_drawn"


class SimulationSpec(_Strict):
    """``[simulation]``: how many draws, from which seed."""

    draws: Annotated[int, Field(ge=1, le=10_000_000)] = 1000
    seed: Annotated[int, Field(ge=0)] = 0


class CandidateSpec(_Strict):
    party: str
    sex: Literal["F", "M"]


class ListSpec(_Strict):
    """``[[lists]]``: one list in one constituency, with its votes."""

    constituency: str
    parties: Annotated[list[str], Field(min_length=1)]
    votes: Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1, max_length=2)]
    candidates: list[CandidateSpec] | None = None


class OfficialSpec(_Strict):
    """``[official]``: an official seat table to compare with."""

    seats: dict[str, Annotated[int, Field(ge=0)]]


class Scenario(_Strict):
    """A validated scenario. Build one with :func:`load_scenario`."""

    name: str = ""
    description: str = ""
    election: ElectionSpec = ElectionSpec()
    rule: RuleSpec = RuleSpec()
    simulation: SimulationSpec = SimulationSpec()
    lists: list[ListSpec] | None = None
    official: OfficialSpec | None = None
    models: ModelsSpec = ModelsSpec()
    rosters: RostersSpec = RostersSpec()
    source: str = Field(default="", exclude=True)

    @property
    def is_replay(self) -> bool:
        """True when the election is an official one, reconstructed from its facts."""
        return self.lists is None

    def official_seats(self) -> dict[str, int] | None:
        """The official seat table to show beside the simulation, if there is one."""
        if self.official is not None:
            return dict(self.official.seats)
        if self.is_replay and self.election.result == "final":
            return datasets.seat_totals(self.election.year)
        return None


def _merge(base: dict, override: dict) -> dict:
    """``override`` on top of ``base``, table by table; arrays are replaced whole."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_toml(path: Path, chain: tuple[Path, ...] = ()) -> dict:
    """Read ``path`` and resolve its ``extends`` chain into one table."""
    if path in chain:
        cycle = " -> ".join(str(p) for p in chain + (path,))
        raise ScenarioError(f"{chain[-1]}: extends: a cycle of scenario files: {cycle}")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        where = f"{chain[-1]}: extends" if chain else "scenario"
        raise ScenarioError(f"{where}: no such file: {path}") from None
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read the file: {error.strerror}") from None
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path}: not valid TOML: {error}") from None
    parent = table.pop("extends", None)
    if parent is None:
        return table
    if not isinstance(parent, str):
        raise ScenarioError(
            f"{path}: extends: expected a file name (string), found {type(parent).__name__} {parent!r}"
        )
    base = _read_toml((path.parent / parent).resolve(), chain + (path,))
    return _merge(base, table)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _format_errors(error: ValidationError, source: str) -> str:
    lines = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "missing key"
        else:
            message = item["msg"]
            message = message.removeprefix("Value error, ")
        found = "" if item["type"] == "missing" else f"; found {_describe(item.get('input'))}"
        lines.append(f"  {path}: {message}{found}")
    count = len(lines)
    header = f"{source}: {count} problem{'s' if count > 1 else ''} in the scenario:"
    return "\n".join([header] + lines)


def _check_election(scenario: Scenario) -> list[str]:
    """Checks that need the data: parties, constituencies, seats and rosters."""
    problems = []
    known_parties = {party.id for party in datasets.parties()}
    layout = get_layout(scenario.election.layout)
    house = layout.total_seats
    for number, swing in enumerate(scenario.models.swing):
        if swing.party not in known_parties:
            problems.append(f"models.swing.{number}.party: unknown party {swing.party!r}")
        if swing.region is not None and swing.region not in set(layout.region):
            problems.append(
                f"models.swing.{number}.region: unknown region {swing.region!r}; expected one of "
                f"{sorted(set(layout.region))}"
            )
    if scenario.models.transfer is not None:
        for party in scenario.models.transfer.parties:
            if party not in known_parties:
                problems.append(f"models.transfer.parties.{party}: unknown party {party!r}")
    for number, merge in enumerate(scenario.models.merge):
        for key in ("parties", "all_except"):
            for party in getattr(merge, key) or ():
                if party not in known_parties:
                    problems.append(f"models.merge.{number}.{key}: unknown party {party!r}")
    if scenario.rule.national is not None and scenario.rule.national.seats >= house:
        problems.append(
            f"rule.national.seats: expected fewer than the {house} seats of layout "
            f"{layout.name!r}, found {scenario.rule.national.seats}"
        )
    if scenario.official is not None:
        for party in scenario.official.seats:
            if party not in known_parties:
                problems.append(f"official.seats.{party}: unknown party {party!r}")
        total = sum(scenario.official.seats.values())
        if total != house:
            problems.append(
                f"official.seats: the seats add up to {total}, expected {house} "
                f"(the seats of layout {layout.name!r})"
            )
    if scenario.lists is None:
        if scenario.election.year is None:
            problems.append(
                "election.year: missing key; a scenario needs either an official "
                "election to replay (election.year = 2007, 2013 or 2020) or [[lists]]"
            )
        return problems
    if scenario.election.year is not None:
        problems.append(
            "election.year: a scenario with [[lists]] describes its own election; "
            f"remove election.year (found {scenario.election.year}) or the lists"
        )
    names = {name: index for index, name in enumerate(layout.names)}
    seen = set()
    rounds = {len(spec.votes) for spec in scenario.lists}
    if len(rounds) > 1:
        problems.append("lists: give every list the same number of rounds of votes (1 or 2)")
    for number, spec in enumerate(scenario.lists):
        where = f"lists.{number}"
        if spec.constituency not in names:
            problems.append(
                f"{where}.constituency: unknown constituency {spec.constituency!r} in "
                f"layout {layout.name!r}"
            )
            continue
        seen.add(spec.constituency)
        for party in spec.parties:
            if party not in known_parties:
                problems.append(f"{where}.parties: unknown party {party!r}")
        if spec.candidates is not None:
            magnitude = int(layout.magnitude[names[spec.constituency]])
            if len(spec.candidates) != magnitude:
                problems.append(
                    f"{where}.candidates: expected {magnitude} candidates (the seats of "
                    f"{spec.constituency}), found {len(spec.candidates)}"
                )
            for position, candidate in enumerate(spec.candidates):
                if candidate.party not in spec.parties:
                    problems.append(
                        f"{where}.candidates.{position}.party: {candidate.party!r} is not "
                        f"one of the list's parties {spec.parties}"
                    )
    for name in layout.names:
        if name not in seen:
            problems.append(f"lists: constituency {name!r} has no lists")
    return problems


def parse_scenario(text: str, *, source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Validate a scenario given as TOML text.

    Parameters
    ----------
    text : str
        The TOML document.
    source : str
        A name for the text in error messages (usually its file name).
    base_dir : path, optional
        Where ``extends`` paths are resolved from (default: the current directory).

    Raises
    ------
    ScenarioError
        Listing every problem, each with its key path.
    """
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{source}: not valid TOML: {error}") from None
    parent = table.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError(f"{source}: extends: expected a file name (string), found {parent!r}")
        base = _read_toml(((base_dir or Path.cwd()) / parent).resolve(), (Path(source),))
        table = _merge(base, table)
    return _validate(table, source)


def scenario_from_dict(table: dict, *, source: str = "<dict>") -> Scenario:
    """Validate a scenario given as a dictionary (the TOML document's tables).

    ``extends`` is not resolved here: merge the tables yourself, or use
    :func:`parse_scenario` with ``base_dir``.

    Examples
    --------
    >>> scenario = scenario_from_dict({"election": {"year": 2013}, "rule": {"method": "plurality"}})
    >>> scenario.rule.method
    'plurality'
    """
    if "extends" in table:
        raise ScenarioError(f"{source}: extends: not resolved for a dictionary; use parse_scenario or load_scenario")
    return _validate(dict(table), source)


def _validate(table: dict, source: str) -> Scenario:
    try:
        scenario = Scenario.model_validate({**table, "source": source})
    except ValidationError as error:
        raise ScenarioError(_format_errors(error, source)) from None
    problems = _check_election(scenario)
    if problems:
        count = len(problems)
        header = f"{source}: {count} problem{'s' if count > 1 else ''} in the scenario:"
        raise ScenarioError("\n".join([header] + [f"  {line}" for line in problems]))
    return scenario


def load_scenario(path) -> Scenario:
    """Read, resolve and validate a scenario file.

    Parameters
    ----------
    path : str or path
        A TOML file, or the name of a shipped scenario (``"mali_2020"``).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        On a missing or unreadable file, bad TOML, a broken ``extends``, or any
        invalid key or value (all reported at once).

    Examples
    --------
    >>> scenario = load_scenario("mali_2020")
    >>> scenario.election.year, scenario.rule.method
    (2020, 'two_round')
    """
    path = Path(path)
    if not path.exists() and path.suffix == "" and (SCENARIO_DIR / f"{path}.toml").exists():
        path = SCENARIO_DIR / f"{path}.toml"
    table = _read_toml(path.resolve())
    return _validate(table, str(path))


def shipped_scenarios() -> list[tuple[str, str]]:
    """The shipped scenarios: ``(name, title)`` pairs.

    Examples
    --------
    >>> names = [name for name, _ in shipped_scenarios()]
    >>> "mali_2020" in names
    True
    """
    found = []
    for path in sorted(SCENARIO_DIR.rglob("*.toml")):
        name = path.relative_to(SCENARIO_DIR).with_suffix("").as_posix()
        try:
            title = load_scenario(path).name
        except ScenarioError:
            title = "(invalid scenario: run malivote validate)"
        found.append((name, title))
    return found
