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

import errno
import os
import re
import stat
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
    "check_scenario",
    "load_scenario",
    "parse_scenario",
    "scenario_from_dict",
    "shipped_scenarios",
    "SCENARIO_DIR",
]

#: Where the shipped scenarios live: ``scenarios/`` in a source checkout, installed
#: with the package as ``malivote.scenarios``.
SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"



#: The most votes one list of ``[[lists]]`` may have in a round (far above any
#: electorate, and low enough that every sum the engine makes stays exact).
MAX_LIST_VOTES = 10**12
#: The most votes all the lists of ``[[lists]]`` may have together in a round.
MAX_TOTAL_VOTES = 10**15


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

    parties: Annotated[list[str], Field(min_length=1)] | None = None
    all_except: Annotated[list[str], Field(min_length=1)] | None = None

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
    votes: Annotated[list[Annotated[int, Field(ge=0, le=MAX_LIST_VOTES)]], Field(min_length=1, max_length=2)]
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


#: The largest scenario file read (and the largest file an ``extends`` names), in bytes.
MAX_FILE_BYTES = 1_000_000
#: How deeply tables and arrays may nest in a scenario (the schema needs 5 levels).
MAX_DEPTH = 32
#: How many files an ``extends`` chain may hold.
MAX_EXTENDS = 32


def _short(text, limit: int = 120) -> str:
    """``text`` cut to ``limit`` characters for a one-line message."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _writable_directory(directory: str, option: str) -> Path:
    """The output folder ``directory``, made if need be; one that cannot be made is a
    :class:`ScenarioError` naming ``option`` (``"--plot"``), before any run starts."""
    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ScenarioError(f"{option}: cannot create directory {_short(directory)}: {error.strerror or error}") from None
    return path


def _read_text(path: Path, where: str) -> tuple[Path, str]:
    """The resolved path and the text of a scenario file.

    Only a regular file of at most :data:`MAX_FILE_BYTES` bytes of UTF-8 is read: a
    directory, a device (``/dev/zero``) or a pipe is refused before anything is read,
    and symbolic links are resolved with a clear error on a loop. ``where`` starts
    every message (the file, or the file whose ``extends`` names this one).
    """
    name = str(path)
    if "\x00" in name:
        raise ScenarioError(f"{where}: the file name {_describe(name)} contains a NUL byte")
    try:
        resolved = Path(os.path.realpath(path, strict=True))
    except FileNotFoundError:
        raise ScenarioError(f"{where}: no such file: {path}") from None
    except RuntimeError:  # pragma: no cover - Python < 3.10's symlink loop
        raise ScenarioError(f"{where}: {path}: a loop of symbolic links") from None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise ScenarioError(f"{where}: {path}: a loop of symbolic links") from None
        if error.errno == errno.ENOTDIR:
            raise ScenarioError(f"{where}: no such file: {path}") from None
        raise ScenarioError(f"{where}: {path}: cannot read the file: {error.strerror}") from None
    # Open without blocking (a FIFO would wait for a writer), then look at what was
    # opened: only a regular file is read.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(resolved, flags)
    except OSError as error:
        raise ScenarioError(f"{where}: {path}: cannot read the file: {error.strerror}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file (a device, a pipe or a socket)"
            raise ScenarioError(f"{where}: {path}: expected a scenario file, found {kind}")
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError(
                f"{where}: {path}: expected a scenario file of at most {MAX_FILE_BYTES:,} bytes, "
                f"found {info.st_size:,} bytes"
            )
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ScenarioError(f"{where}: {path}: cannot read the file: {error.strerror}") from None
    finally:
        os.close(descriptor)
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(f"{where}: {path}: expected a scenario file of at most {MAX_FILE_BYTES:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ScenarioError(
            f"{where}: {path}: expected UTF-8 text, found byte 0x{data[error.start]:02x} "
            f"on line {line} (byte {error.start})"
        ) from None
    return resolved, text


def _parse_toml(text: str, source: str) -> dict:
    """A TOML document's table, refused with a message naming ``source`` if it is not
    valid TOML, nests too deeply, or is too large."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source}: expected a scenario of at most {MAX_FILE_BYTES:,} characters, found {len(text):,}")
    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{source}: not valid TOML: {error}") from None
    except RecursionError:
        raise ScenarioError(f"{source}: not valid TOML here: tables or arrays nested more than {MAX_DEPTH} deep") from None
    except ValueError as error:  # an integer of thousands of digits
        raise ScenarioError(f"{source}: not valid TOML here: {error}") from None
    _check_depth(table, source)
    return table


def _check_depth(table: dict, source: str) -> None:
    """Refuse tables and arrays nested more than :data:`MAX_DEPTH` deep (walked
    without recursion, so any depth is safe to look at)."""
    stack: list[tuple[Any, tuple]] = [(table, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            shown = ".".join(str(part) for part in path[:6])
            raise ScenarioError(
                f"{source}: {shown}...: expected tables and arrays nested at most {MAX_DEPTH} deep, "
                "found deeper ones"
            )
        if isinstance(value, dict):
            stack.extend((item, path + (key,)) for key, item in value.items())
        elif isinstance(value, list):
            stack.extend((item, path + (index,)) for index, item in enumerate(value))


def _read_toml(path: Path, chain: tuple[Path, ...] = ()) -> dict:
    """Read ``path`` and resolve its ``extends`` chain into one table."""
    where = f"{chain[-1]}: extends" if chain else "scenario"
    resolved, text = _read_text(path, where)
    if resolved in chain:
        cycle = " -> ".join(str(p) for p in chain + (resolved,))
        raise ScenarioError(f"{chain[-1]}: extends: a cycle of scenario files: {cycle}")
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError(f"{chain[-1]}: extends: expected a chain of at most {MAX_EXTENDS} files, found a longer one")
    table = _parse_toml(text, str(resolved) if chain else str(path))
    _resolve_data_paths(table, resolved.parent)
    parent = table.pop("extends", None)
    if parent is None:
        return table
    if not isinstance(parent, str):
        raise ScenarioError(
            f"{resolved}: extends: expected a file name (string), found {type(parent).__name__} {_describe(parent)}"
        )
    base = _read_toml(_extends_path(resolved.parent, parent, str(resolved)), chain + (resolved,))
    return _merge(base, table)


def _extends_path(directory: Path, parent: str, source: str) -> Path:
    """``extends`` relative to ``directory``, or a shipped scenario's name."""
    if "\x00" in parent:
        raise ScenarioError(f"{source}: extends: the file name {_describe(parent)} contains a NUL byte")
    candidate = directory / parent
    if not os.path.lexists(candidate):
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
    """A short ``repr`` of a found value, safe for any value a TOML file or a caller
    gives (deep tables, integers of thousands of digits)."""
    import reprlib

    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        if value.bit_length() < 10_000:  # str() refuses more than 4,300 digits
            return f"an integer of {len(str(abs(value)))} digits"
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    try:
        if isinstance(value, (dict, list, tuple, set)):
            shortened = reprlib.Repr()
            shortened.maxlevel, shortened.maxdict, shortened.maxlist, shortened.maxstring = 3, 6, 6, 40
            text = shortened.repr(value)
        else:
            text = repr(value)
    except (RecursionError, ValueError):
        text = f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def _problems_message(source: str, problems: list[str]) -> str:
    """``"<source>: <n> problems in the scenario:"`` and one indented line each."""
    count = len(problems)
    header = f"{source}: {count} problem{'s' if count > 1 else ''} in the scenario:"
    return "\n".join([header] + [f"  {line}" for line in problems])


def _schema_problems(error: ValidationError) -> list[str]:
    """One line per pydantic error: ``key.path: what was expected; found what``."""
    lines = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden" and item["loc"] == ("sweep",) and isinstance(item.get("input"), dict):
            # A sweep file given where a scenario is expected: the key is known.
            lines.append("sweep: this is a sweep file (it has a [sweep] table); run it with `malivote sweep`")
            continue
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "missing key"
        else:
            message = item["msg"]
            message = message.removeprefix("Value error, ")
        # A check of a whole table says what it found itself; its input (the table)
        # would only repeat it.
        said = item["type"] == "value_error" and "found" in message
        found = "" if item["type"] == "missing" or said else f"; found {_describe(item.get('input'))}"
        lines.append(f"{path}: {message}{found}")
    return lines


def _did_you_mean(value: str, choices) -> str:
    """``"; did you mean 'X'?"`` for the closest of ``choices`` (the same name in
    other capitals first), or ``""``."""
    import difflib

    choices = [str(c) for c in choices]
    value = str(value)[:200]
    close = [c for c in choices if c.lower() == value.lower()]
    if not close:
        folded = {c.lower(): c for c in choices}
        close = [folded[c] for c in difflib.get_close_matches(value.lower(), list(folded), n=1, cutoff=0.6)]
    return f"; did you mean {close[0]!r}?" if close else ""


#: The most problems of a ``[data]`` election's files listed one by one.
_MAX_DATA_PROBLEMS = 25


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
            # One line per problem: the error's own header would count as one more.
            shown = [f"data: {line}" for line in error.problems[:_MAX_DATA_PROBLEMS]]
            hidden = len(error.problems) - len(shown)
            return shown + ([f"data: ... and {hidden} more in the same files"] if hidden else [])
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
            problems.append(_unknown_party(key, party, known_parties))

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
    national = scenario.rule.national
    if national is not None and national.seats > house - layout.n_constituencies:
        problems.append(
            f"rule.national.seats: expected at most {max(house - layout.n_constituencies, 0)} "
            f"(the {house} seats of layout {layout.name!r} less one for each of its "
            f"{layout.n_constituencies} constituencies); found {national.seats}"
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
    voted = {spec.constituency for spec in scenario.lists if spec.votes[0] > 0}
    for name in layout.names:
        if name in seen and name not in voted:
            numbers = [str(n) for n, spec in enumerate(scenario.lists) if spec.constituency == name]
            problems.append(
                f"lists.{numbers[0]}.votes: expected at least one list with votes in round 1 in "
                f"constituency {name!r} (lists {', '.join(numbers[:5])}{', ...' if len(numbers) > 5 else ''}); "
                "found 0 votes for every list"
            )
    for round_ in range(max(rounds, default=1)):
        total = sum(spec.votes[round_] for spec in scenario.lists if len(spec.votes) > round_)
        if total > MAX_TOTAL_VOTES:
            problems.append(
                f"lists: expected the lists' votes in round {round_ + 1} to add up to at most "
                f"{MAX_TOTAL_VOTES:,}; found {total:,}"
            )
    return problems


def _unknown_party(key: str, party: str, known_parties) -> str:
    return (
        f"{key}: unknown party {_describe(party)} (not standing in this election)"
        f"{_did_you_mean(party, sorted(known_parties))}"
    )


def _raw_party_problems(table: Any) -> list[str]:
    """The unknown parties of a table that failed the schema.

    A scenario with a structural error (a misspelt key, a bad method) is not built,
    so the checks of :func:`_check_election` cannot run; these look for the same
    unknown party names in the raw table, so that ``validate`` reports both kinds of
    problem in one pass.
    """
    def table_of(value) -> dict:
        return value if isinstance(value, dict) else {}

    def items(value) -> list:
        return value if isinstance(value, list) else []

    if not isinstance(table, dict) or table.get("data") is not None:
        return []
    known = {party.id for party in datasets.parties()}
    year = table_of(table.get("election")).get("year")
    if table.get("lists") is None and type(year) is int and year in (2007, 2013, 2020):
        known &= _year_parties(year)
    problems: list[str] = []

    def check(key: str, party) -> None:
        if isinstance(party, str) and party not in known:
            problems.append(_unknown_party(key, party, known))

    models = table_of(table.get("models"))
    for number, merge in enumerate(items(models.get("merge"))):
        for key in ("parties", "all_except"):
            for party in items(table_of(merge).get(key)):
                check(f"models.merge.{number}.{key}", party)
    for number, swing in enumerate(items(models.get("swing"))):
        for key in ("party", "from", "to"):
            check(f"models.swing.{number}.{key}", table_of(swing).get(key))
    for party in table_of(table_of(models.get("transfer")).get("parties")):
        check(f"models.transfer.parties.{party}", party)
    for bloc, members in table_of(table.get("blocs")).items():
        for party in items(members):
            check(f"blocs.{bloc}", party)
    for party in table_of(table_of(table.get("official")).get("seats")):
        check(f"official.seats.{party}", party)
    for number, spec in enumerate(items(table.get("lists"))):
        for party in items(table_of(spec).get("parties")):
            check(f"lists.{number}.parties", party)
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
    if not isinstance(text, str):
        raise ScenarioError(f"{source}: expected the TOML text as a string, found {type(text).__name__}")
    table = _parse_toml(text, source)
    directory = Path(base_dir) if base_dir is not None else Path.cwd()
    _resolve_data_paths(table, directory)
    parent = table.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError(f"{source}: extends: expected a file name (string), found {_describe(parent)}")
        base = _read_toml(_extends_path(directory, parent, source), (Path(source),))
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


def build_scenario(own=None, /, *, source: str = "<built>", **tables) -> Scenario:
    """A validated scenario from Python values: no TOML needed.

    Parameters
    ----------
    own : Election, int or None, positional only
        An election of your own (:class:`malivote.election_io.Election`, from a
        DataFrame, CSV files or arrays), or the year of an official election to
        replay; None when ``tables`` describe the election (``election``, ``lists``
        or ``data``).
    **tables
        The scenario's tables as dictionaries, by their TOML names: ``election``,
        ``rule``, ``models``, ``simulation``, ``rosters``, ``official``, ``blocs``,
        ``name``, ...

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
    >>> build_scenario(election={"year": 2013, "layout": "mali-125"}).election.layout
    'mali-125'
    """
    from malivote.election_io import Election

    table = dict(tables)
    election = own
    if isinstance(election, (int, np.integer)) and not isinstance(election, bool):
        table["election"] = {**table.get("election", {}), "year": int(election)}
        election = None
    elif election is not None and not isinstance(election, Election):
        raise ScenarioError(
            f"{source}: election: expected an Election, a year or None, found {type(election).__name__}"
        )
    return _validate(table, source, election=election)


def _validate(table: dict, source: str, *, election=None, check: bool = True) -> Scenario:
    """The scenario of ``table``, or a :class:`ScenarioError` listing every problem:
    the schema's, the checks against the election's data, and (with ``check``) what
    a dry run of the compiled pipeline refuses (:func:`check_scenario`)."""
    _check_depth(table, source)
    try:
        scenario = Scenario.model_validate({**table, "source": source})
    except ValidationError as error:
        problems = _schema_problems(error)
        if election is None:
            # Structural errors must not hide the others: unknown parties too, at once.
            problems += [p for p in _raw_party_problems(table) if p not in problems]
        raise ScenarioError(_problems_message(source, problems)) from None
    except RecursionError:
        raise ScenarioError(f"{source}: tables nested too deeply to read") from None
    if election is not None:
        if scenario.lists is not None or scenario.data is not None or scenario.election.year is not None:
            raise ScenarioError(f"{source}: election: an election is given; remove election.year, [[lists]] and [data]")
        scenario._election = election
    problems = _check_election(scenario)
    if problems:
        raise ScenarioError(_problems_message(source, problems))
    if check:
        check_scenario(scenario)
    return scenario


#: Draws of the dry run that :func:`check_scenario` makes.
DRY_RUN_DRAWS = 2
#: The replays' drawn elections for dry runs, by (year, layout, result, seed, priors):
#: the reconstruction is the slow part, and counterfactuals share their replay's.
_DRY_RUN_DRAWS_CACHE: dict = {}
_TABLES = frozenset(
    ("name", "description", "election", "rule", "simulation", "lists", "official", "models",
     "rosters", "data", "reconstruction", "blocs")
)
_KEY = re.compile(r"^([A-Za-z_]\w*(?:\.[\w-]+)*): ")


def check_scenario(scenario: Scenario) -> Scenario:
    """Refuse a scenario that the engine would refuse when it runs.

    The scenario is compiled (:func:`malivote.pipeline.compile_scenario`) and run on
    its first :data:`DRY_RUN_DRAWS` draws (its own seed): models, rule and tally. A
    ``ValueError`` there becomes a :class:`ScenarioError` that names the key which
    caused it, found by running the scenario again without its models, then with
    them one at a time. Every file that :func:`load_scenario` accepts has passed it.

    The replay's draws are cached by election and seed, so that a counterfactual of
    a replay already checked costs only its models and rule.

    Raises
    ------
    ScenarioError
        ``"<source>: 1 problem in the scenario:\n  <key>: <what the engine said>"``.

    Examples
    --------
    >>> from malivote.election_io import Election
    >>> election = Election.from_arrays([[60, 40], [30, 70]], [2, 1], ["A", "B"])
    >>> build_scenario(election, rule={"method": "divisor", "threshold": 0.9})
    Traceback (most recent call last):
    ...
    malivote.scenario.ScenarioError: <built>: 1 problem in the scenario:
      rule.threshold: in draw 0 no list reaches the threshold 0.9 in 'C1', so its seats cannot be given; lower the threshold
    """
    try:
        ensemble = _dry_run_draws(scenario)
    except (ValueError, ArithmeticError) as error:
        key = _election_key(scenario)
        raise ScenarioError(_problems_message(scenario.source, [_engine_problem(error, key, scenario, None)])) from None
    error = _dry_run(scenario, ensemble)
    if error is not None:
        key = _culprit(scenario, ensemble)
        raise ScenarioError(_problems_message(scenario.source, [_engine_problem(error, key, scenario, ensemble)])) from None
    return scenario


def _election_key(scenario: Scenario) -> str:
    if scenario.data is not None:
        return "data"
    if scenario.lists is not None:
        return "lists"
    if scenario.reconstruction is not None:
        return "reconstruction"
    return "election"


def _dry_run_draws(scenario: Scenario):
    """The first draws of the scenario's election (cached for replays)."""
    from malivote.sources import vote_source

    seed = scenario.simulation.seed
    if not scenario.is_replay:
        return vote_source(scenario, seed).draw(0, DRY_RUN_DRAWS)
    election = scenario.election
    key = (election.year, election.layout, election.result, seed, scenario.reconstruction_priors())
    if key not in _DRY_RUN_DRAWS_CACHE:
        if len(_DRY_RUN_DRAWS_CACHE) >= 64:
            _DRY_RUN_DRAWS_CACHE.clear()
        _DRY_RUN_DRAWS_CACHE[key] = vote_source(scenario, seed).draw(0, DRY_RUN_DRAWS)
    return _DRY_RUN_DRAWS_CACHE[key]


def _dry_run(scenario: Scenario, ensemble) -> Exception | None:
    """The error a compiled scenario raises on ``ensemble`` (block 0), or None."""
    from malivote.pipeline import compile_scenario

    try:
        with np.errstate(all="ignore"):  # what fails is reported, not warned about
            pipeline = compile_scenario(scenario)
            pipeline.run_block(ensemble, block=0)
    except (ValueError, ArithmeticError) as error:
        return error
    return None


def _culprit(scenario: Scenario, ensemble) -> str:
    """The key of the part of a failing scenario that makes its dry run fail."""
    models = scenario.models
    plain = scenario.model_copy(update={"models": ModelsSpec(), "rosters": RostersSpec()})
    if _dry_run(plain, ensemble) is not None:
        if _dry_run(plain.model_copy(update={"rule": RuleSpec()}), ensemble) is None:
            return "rule"
        return _election_key(scenario)
    steps: list[tuple[str, dict]] = []
    steps += [(f"models.merge.{n}", {"merge": models.merge[: n + 1]}) for n in range(len(models.merge))]
    steps += [(f"models.swing.{n}", {"swing": models.swing[: n + 1]}) for n in range(len(models.swing))]
    if models.noise is not None:
        parameter = "sigma" if models.noise.kind == "logit_normal" else "concentration"
        steps.append((f"models.noise.{parameter}", {"noise": models.noise}))
    if models.turnout is not None:
        steps.append(("models.turnout.rate", {"turnout": models.turnout}))
    if models.transfer is not None:
        steps.append(("models.transfer", {"transfer": models.transfer}))
    if models.split_ticket:
        steps.append(("models.split_ticket", {"split_ticket": models.split_ticket}))
    chosen: dict = {}
    for key, update in steps:
        chosen.update(update)
        variant = plain.model_copy(update={"models": ModelsSpec().model_copy(update=chosen)})
        if _dry_run(variant, ensemble) is not None:
            return key
    if scenario.rosters.sex != "as_drawn":
        return "rosters.sex"
    return "models"


def _engine_problem(error: Exception, key: str, scenario: Scenario, ensemble) -> str:
    """One problem line from an engine error: its own key when it names one of the
    scenario's, else ``key``, with internal array names and indices translated."""
    message = str(error).strip() or type(error).__name__
    message = " ".join(message.split())
    names = None
    if ensemble is not None:
        names = ensemble.layout.names
    elif scenario.own_election() is not None:
        names = scenario.own_election().layout.names

    def constituency(match: re.Match) -> str:
        index = int(match.group(2))
        if names is not None and 0 <= index < len(names):
            return f"constituency {names[index]!r}"
        return match.group(0)

    message = re.sub(r"(?:constituency|row) at index \((\d+), (\d+)\)", constituency, message)
    message = re.sub(r"row at index \(\d+,\)", "the national count", message)
    found = _value_at(scenario, key)
    match = _KEY.match(message)
    if match and match.group(1).split(".")[0] in _TABLES:
        return message
    if match:
        message = message[match.end():]
    return f"{key}: {message}" + (f"; found {_describe(found)}" if found is not None and "found" not in message else "")


def _value_at(scenario: Scenario, key: str):
    """The scalar value at ``key`` in the scenario, or None."""
    value: Any = scenario
    for part in key.split("."):
        if isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif isinstance(value, BaseModel) and part in type(value).model_fields:
            value = getattr(value, part)
        else:
            return None
    return value if isinstance(value, (int, float, str)) else None


def load_scenario(path, *, check: bool = True) -> Scenario:
    """Read, resolve and validate a scenario file.

    Parameters
    ----------
    path : str or path
        A TOML file, or the name of a shipped scenario (``"mali_2020"``).
    check : bool, default True
        Also make the dry run of :func:`check_scenario`, so that a scenario that
        loads is one that runs. False skips it (listing titles, say).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        On a missing or unreadable file (only regular files of at most
        :data:`MAX_FILE_BYTES` bytes of UTF-8 are read), bad TOML, a broken
        ``extends``, any invalid key or value (all reported at once), or a scenario
        the engine would refuse to run (:func:`check_scenario`).

    Examples
    --------
    >>> scenario = load_scenario("mali_2020")
    >>> scenario.election.year, scenario.rule.method
    (2020, 'two_round')
    """
    path = Path(path)
    if "\x00" in str(path):
        raise ScenarioError(f"scenario: the file name {_describe(str(path))} contains a NUL byte")
    if not os.path.lexists(path):
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
    table = _read_toml(path)
    return _validate(table, str(path), check=check)


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
            title = load_scenario(path, check=False).name
        except ScenarioError:
            title = "(invalid scenario: run malivote validate)"
        found.append((name, title))
    return found
