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

import numpy as np
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from malivote import datasets
from malivote.layouts import get_layout
from malivote.rules import DIVISOR_METHODS, QUOTAS, TIE_RULES
from malivote.ruleset import REGISTRY, rule_names

__all__ = [
    "Scenario",
    "ScenarioError",
    "build_scenario",
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
    """``[rule]``: how votes become seats. ``method`` is a registered rule
    (:func:`malivote.ruleset.register_rule`)."""

    method: str = "two_round"
    tier: Literal["district", "national"] = "district"
    majority: Share = 0.5
    qualify: Share = 0.125
    divisor: Literal[DIVISOR_METHODS] = "dhondt"  # type: ignore[valid-type]
    quota: Literal[QUOTAS] = "hare"  # type: ignore[valid-type]
    threshold: Share = 0.0
    ties: Literal[TIE_RULES] = "lot"  # type: ignore[valid-type]
    national: NationalTierSpec | None = None

    @field_validator("method")
    @classmethod
    def _registered(cls, method: str) -> str:
        if method not in REGISTRY:
            raise ValueError(f"expected one of {list(rule_names())}{_did_you_mean(method, rule_names())}")
        return method

    @model_validator(mode="after")
    def _tiers_fit(self):
        if self.tier == "national" and not REGISTRY[self.method].proportional:
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
    """``[[models.swing]]``: a uniform (``points``) or proportional (``factor``) swing of
    ``party``, or ``points`` moved from one party (``from``) to another (``to``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    party: str | None = None
    from_: str | None = Field(default=None, alias="from")
    to: str | None = None
    region: str | None = None
    points: Annotated[float, Field(ge=-100.0, le=100.0, allow_inf_nan=False)] | None = None
    factor: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = None

    @model_validator(mode="after")
    def _one_kind(self):
        if (self.from_ is None) != (self.to is None):
            raise ValueError("a pairwise swing needs both from and to")
        if self.from_ is not None:
            if self.party is not None:
                raise ValueError("give either party (a swing for or against one party) or from and to (a pairwise swing), not both")
            if self.points is None or self.factor is not None:
                raise ValueError("a pairwise swing (from, to) moves points: give points, not factor")
            if self.from_ == self.to:
                raise ValueError(f"from and to name the same party {self.to!r}")
            return self
        if self.party is None:
            raise ValueError("give party (with points or factor), or from and to (with points)")
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


class DataSpec(_Strict):
    """``[data]``: an election of your own, from CSV files (:mod:`malivote.election_io`).

    Paths are relative to the scenario file that writes them.
    """

    votes: str
    constituencies: str
    rosters: str | None = None
    seats: Annotated[int, Field(ge=1)] | None = None
    name: str = "custom"


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
    data: DataSpec | None = None
    reconstruction: dict[str, Any] | None = None
    blocs: dict[str, Annotated[list[str], Field(min_length=1)]] = {}
    source: str = Field(default="", exclude=True)
    _election: Any = PrivateAttr(default=None)
    _priors: Any = PrivateAttr(default=None)

    @property
    def is_replay(self) -> bool:
        """True when the election is an official one, reconstructed from its facts."""
        return self.lists is None and self.data is None and self._election is None

    def own_election(self):
        """The election of your own this scenario runs (``[data]`` or one given to
        :func:`build_scenario`), read once; None for a replay or ``[[lists]]``."""
        if self._election is None and self.data is not None:
            from malivote.election_io import Election

            self._election = Election.from_csv(
                self.data.votes, self.data.constituencies, rosters=self.data.rosters,
                total_seats=self.data.seats, name=self.data.name,
            )
        return self._election

    def reconstruction_priors(self):
        """The replay's priors: the defaults with the ``[reconstruction]`` table on
        top, or None for the defaults."""
        if self.reconstruction is None:
            return None
        if self._priors is None:
            from malivote.reconstruct.priors import Priors

            self._priors = Priors.model_validate(self.reconstruction)
        return self._priors

    def official_seats(self) -> dict[str, int] | None:
        """The official seat table to show beside the simulation, if there is one."""
        if self.official is not None:
            return dict(self.official.seats)
        if self.is_replay and self.election.result == "final" and self.election.year is not None:
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
    _resolve_data_paths(table, path.parent)
    parent = table.pop("extends", None)
    if parent is None:
        return table
    if not isinstance(parent, str):
        raise ScenarioError(
            f"{path}: extends: expected a file name (string), found {type(parent).__name__} {parent!r}"
        )
    base = _read_toml(_extends_path(path.parent, parent), chain + (path,))
    return _merge(base, table)


def _extends_path(directory: Path, parent: str) -> Path:
    """``extends`` relative to ``directory``, or a shipped scenario's name."""
    candidate = (directory / parent).resolve()
    if not candidate.exists():
        shipped = shipped_path(parent)
        if shipped is not None:
            return shipped
    return candidate


def _resolve_data_paths(table: dict, directory: Path) -> None:
    """Make ``[data]`` file names absolute, relative to the file that writes them."""
    data = table.get("data")
    if isinstance(data, dict):
        for key in ("votes", "constituencies", "rosters"):
            if isinstance(data.get(key), str):
                data[key] = str((directory / data[key]).resolve())


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


def _did_you_mean(value: str, choices) -> str:
    import difflib

    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    if not close:
        close = [c for c in choices if str(c).lower() == str(value).lower()]
    return f"; did you mean {close[0]!r}?" if close else ""


def _check_election(scenario: Scenario) -> list[str]:
    """Checks that need the data: parties, constituencies, seats and rosters."""
    problems = []
    if scenario.data is not None:
        if scenario.lists is not None or scenario.election.year is not None:
            return ["data: a scenario with [data] describes its own election; remove election.year and [[lists]]"]
        from malivote.election_io import ElectionDataError

        try:
            election = scenario.own_election()
        except ElectionDataError as error:
            return [f"data: {line.strip()}" for line in str(error).splitlines()]
        known_parties = set(election.parties)
        layout = election.layout
    elif scenario._election is not None:
        known_parties = set(scenario._election.parties)
        layout = scenario._election.layout
    else:
        known_parties = {party.id for party in datasets.parties()}
        if scenario.is_replay and scenario.election.year is not None:
            known_parties = {p for p in known_parties if p in _year_parties(scenario.election.year)}
        layout = get_layout(scenario.election.layout)
    if scenario.reconstruction is not None:
        if not scenario.is_replay:
            problems.append("reconstruction: priors of the replay's reconstruction apply only to a replay (election.year)")
        else:
            try:
                scenario.reconstruction_priors()
            except ValidationError as error:
                for item in error.errors():
                    path = ".".join(str(part) for part in item["loc"])
                    message = "unknown key" if item["type"] == "extra_forbidden" else item["msg"].removeprefix("Value error, ")
                    problems.append(f"reconstruction.{path}: {message}; found {_describe(item.get('input'))}")
            except ImportError as error:  # pragma: no cover - a broken install
                problems.append(f"reconstruction: the priors cannot be read: {error}")
    house = layout.total_seats

    def unknown_party(key: str, party: str) -> None:
        if party not in known_parties:
            problems.append(
                f"{key}: unknown party {party!r} (not standing in this election)"
                f"{_did_you_mean(party, sorted(known_parties))}"
            )

    for number, swing in enumerate(scenario.models.swing):
        for key in ("party", "from_", "to"):
            if getattr(swing, key) is not None:
                unknown_party(f"models.swing.{number}.{key.rstrip('_')}", getattr(swing, key))
        if swing.region is not None and swing.region not in set(layout.region):
            problems.append(
                f"models.swing.{number}.region: unknown region {swing.region!r}; expected one of "
                f"{sorted(set(layout.region))}"
            )
    if scenario.models.transfer is not None:
        for party in scenario.models.transfer.parties:
            unknown_party(f"models.transfer.parties.{party}", party)
    for number, merge in enumerate(scenario.models.merge):
        for key in ("parties", "all_except"):
            for party in getattr(merge, key) or ():
                unknown_party(f"models.merge.{number}.{key}", party)
    for bloc, members in scenario.blocs.items():
        for party in members:
            unknown_party(f"blocs.{bloc}", party)
    if scenario.rule.national is not None and scenario.rule.national.seats >= house:
        problems.append(
            f"rule.national.seats: expected fewer than the {house} seats of layout "
            f"{layout.name!r}, found {scenario.rule.national.seats}"
        )
    if scenario.official is not None:
        for party in scenario.official.seats:
            unknown_party(f"official.seats.{party}", party)
        total = sum(scenario.official.seats.values())
        if total != house:
            problems.append(
                f"official.seats: the seats add up to {total}, expected {house} "
                f"(the seats of layout {layout.name!r})"
            )
    if scenario.data is not None or scenario._election is not None:
        return problems
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
            unknown_party(f"{where}.parties", party)
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


def _year_parties(year: int) -> set[str]:
    """The parties that stand in an official election (with the table's pseudo-parties)."""
    from malivote.reconstruct._facts import gather_facts

    return set(gather_facts(year, get_layout("mali-55"), "final").parties)


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
    directory = base_dir or Path.cwd()
    _resolve_data_paths(table, directory)
    parent = table.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError(f"{source}: extends: expected a file name (string), found {parent!r}")
        base = _read_toml(_extends_path(directory, parent), (Path(source),))
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


def build_scenario(election=None, *, source: str = "<built>", **tables) -> Scenario:
    """A validated scenario from Python values: no TOML needed.

    Parameters
    ----------
    election : Election, int or None
        An election of your own (:class:`malivote.election_io.Election`, from a
        DataFrame, CSV files or arrays), or the year of an official election to
        replay; None when ``tables`` describe the election (``lists`` or ``data``).
    **tables
        The scenario's tables as dictionaries, by their TOML names: ``rule``,
        ``models``, ``simulation``, ``rosters``, ``official``, ``name``, ...

    Examples
    --------
    >>> from malivote.election_io import Election
    >>> election = Election.from_arrays([[60, 40], [30, 70], [45, 55]], [2, 1, 1], ["A", "B"])
    >>> scenario = build_scenario(election, rule={"method": "plurality"}, simulation={"draws": 5})
    >>> from malivote.simulate import simulate
    >>> simulate(scenario).party_seats[0].tolist()
    [2, 2]
    >>> build_scenario(2020, rule={"method": "divisor", "divisor": "sainte_lague"}).rule.divisor
    'sainte_lague'
    """
    from malivote.election_io import Election

    table = dict(tables)
    if isinstance(election, (int, np.integer)) and not isinstance(election, bool):
        table["election"] = {**table.get("election", {}), "year": int(election)}
        election = None
    elif election is not None and not isinstance(election, Election):
        raise ScenarioError(
            f"{source}: election: expected an Election, a year or None, found {type(election).__name__}"
        )
    return _validate(table, source, election=election)


def _validate(table: dict, source: str, *, election=None) -> Scenario:
    try:
        scenario = Scenario.model_validate({**table, "source": source})
    except ValidationError as error:
        raise ScenarioError(_format_errors(error, source)) from None
    if election is not None:
        if scenario.lists is not None or scenario.data is not None or scenario.election.year is not None:
            raise ScenarioError(f"{source}: election: an election is given; remove election.year, [[lists]] and [data]")
        scenario._election = election
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
    if not path.exists():
        shipped = shipped_path(str(path))
        if shipped is not None:
            path = shipped
        elif path.suffix == "":
            names = [name for name, _ in _shipped_names()]
            hint = _did_you_mean(str(path), names + [n.rsplit("/", 1)[-1] for n in names])
            raise ScenarioError(
                f"scenario: no such file or shipped scenario: {str(path)!r}{hint} "
                "(`malivote scenarios` lists the shipped ones)"
            )
    table = _read_toml(path.resolve())
    return _validate(table, str(path))


def _shipped_names() -> list[tuple[str, Path]]:
    """Shipped scenario files and sweep files (``sweeps/``), by name."""
    return [
        (p.relative_to(SCENARIO_DIR).with_suffix("").as_posix(), p)
        for p in sorted(SCENARIO_DIR.rglob("*.toml"))
    ]


def shipped_path(name: str) -> Path | None:
    """The file of a shipped scenario, by name: ``"mali_2013"``,
    ``"swing_against_rpm_5"`` or ``"counterfactuals/swing_against_rpm_5"`` (with or
    without ``.toml``); None if there is no such scenario.

    Examples
    --------
    >>> shipped_path("swing_against_rpm_5").name
    'swing_against_rpm_5.toml'
    >>> shipped_path("no_such_thing") is None
    True
    """
    name = str(name).removesuffix(".toml")
    if "\x00" in name or len(name) > 200:
        return None
    matches = [path for shipped, path in _shipped_names() if shipped == name or shipped.rsplit("/", 1)[-1] == name]
    return matches[0] if len(matches) == 1 else None


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
        if path.relative_to(SCENARIO_DIR).parts[0] == "sweeps":
            continue  # sweep files: malivote sweep
        name = path.relative_to(SCENARIO_DIR).with_suffix("").as_posix()
        try:
            title = load_scenario(path).name
        except ScenarioError:
            title = "(invalid scenario: run malivote validate)"
        found.append((name, title))
    return found
