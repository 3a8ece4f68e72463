"""Sweeps: one scenario run over a grid of parameters, in-process or on Dask.

A sweep file is a scenario file (it ``extends`` one, and may override its keys) with
a ``[sweep]`` table. Each entry of the table maps a key path of the scenario to the
values it takes: a list, or a range ``{start, stop, step}`` / ``{start, stop, num}``
(``stop`` included)::

    extends = "mali_2020"
    [[models.swing]]
    from = "RPM"
    to = "URD"
    points = 0.0
    [sweep]
    "models.swing.0.points" = {start = -10, stop = 10, step = 1}

Points are the product of the entries (``mode = "product"``, the default: one
dimension per entry) or the entries side by side (``mode = "zip"``: one dimension,
``point``, with every entry as a coordinate along it). Key paths go through tables by
name and through arrays of tables by index (``models.swing.0.points``).

Every point is an ordinary scenario: :attr:`Point.scenario` has the point's
parameters, ``simulation.draws`` the sweep's draws and ``simulation.seed`` the point's
own seed (:func:`point_seed`, from the sweep seed and the point's parameters, never
from its position or from which worker runs it), so ``malivote run`` of that scenario
gives the point's figures. Results are the same in-process, on a ``LocalCluster`` and
on a remote cluster, for any number of workers.

Examples
--------
>>> from malivote.election_io import Election
>>> from malivote.scenario import build_scenario
>>> election = Election.from_arrays([[60, 40], [30, 70], [45, 55]], [2, 1, 1], ["A", "B"])
>>> base = build_scenario(election, rule={"method": "divisor"}, models={"noise": {"concentration": 50.0}})
>>> sweep = Sweep.from_scenario(base, {"rule.threshold": [0.0, 0.45]})
>>> result = sweep.run(draws=20, seed=1)
>>> dict(result.dataset.sizes)
{'rule.threshold': 2, 'party': 2, 'stat': 5, 'metric': 9}
>>> [p["parameters"] for p in result.to_dict()["points"]]
[{'rule.threshold': 0.0}, {'rule.threshold': 0.45}]
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import itertools
import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from malivote import seeds
from malivote.results import METRIC_NAMES
from malivote.scenario import (
    ScenarioError,
    _did_you_mean,
    _read_toml,
    _validate,
    _writable_directory,
    shipped_path,
)

__all__ = [
    "STATS",
    "Parameter",
    "Point",
    "Sweep",
    "SweepResult",
    "cli_main",
    "load_sweep",
    "parse_sweep",
    "point_seed",
    "run_point",
]

#: The statistics of the ``stat`` dimension: seats over the draws, and the share of
#: draws with an absolute majority.
STATS = ("mean", "median", "p05", "p95", "p_majority")
#: The metrics of the ``metric`` dimension (means over the draws, as ``malivote run``).
METRICS = sum(((name, "p_majority") if name == "largest_party_share" else (name,) for name in METRIC_NAMES), ())
#: Most points one sweep may have.
MAX_POINTS = 100_000
#: Seconds between two checkpoints of ``--out`` while a sweep runs.
CHECKPOINT_SECONDS = 2.0

_RANGE_KEYS = {"start", "stop", "step", "num"}


# --------------------------------------------------------------------------- seeds


def _canonical(value):
    """A parameter value as it enters the seed: numbers as floats (so 5 and 5.0 are
    the same point), strings and booleans as they are."""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    raise ValueError(f"a swept value must be a string, a number or a boolean, found {value!r}")


def point_seed(seed: int, parameters: dict) -> int:
    """The seed of the point with ``parameters`` in a sweep with seed ``seed``.

    The canonical JSON of the parameters (keys sorted, numbers as floats) is hashed
    with SHA-256; the first 128 bits become four words of the ``spawn_key`` of child
    :attr:`malivote.seeds.Stage.SWEEP` of ``SeedSequence(seed)``, and the seed is the
    first 63 bits that sequence generates. It depends on nothing else: not on the
    point's position in the grid, the other points, the order they run in, nor where.

    Examples
    --------
    >>> point_seed(2020, {"rule.threshold": 0.05}) == point_seed(2020, {"rule.threshold": 0.05})
    True
    >>> point_seed(2020, {"x": 5}) == point_seed(2020, {"x": 5.0})
    True
    >>> point_seed(2020, {"x": 1.0}) != point_seed(2021, {"x": 1.0})
    True
    """
    seed = seeds.as_seed(seed)
    text = json.dumps({k: _canonical(v) for k, v in parameters.items()}, sort_keys=True, separators=(",", ":"))
    words = np.frombuffer(hashlib.sha256(text.encode("utf-8")).digest()[:16], dtype="<u4")
    sequence = np.random.SeedSequence(seed, spawn_key=(int(seeds.Stage.SWEEP), *(int(w) for w in words)))
    return int(sequence.generate_state(1, np.uint64)[0] >> np.uint64(1))


# --------------------------------------------------------------------- the [sweep]


@dataclass(frozen=True)
class Parameter:
    """One entry of ``[sweep]``: a key path and the values it takes."""

    path: str
    values: tuple


@dataclass(frozen=True)
class Point:
    """One point of a sweep.

    Attributes
    ----------
    index : int
        Its position in the grid, in row-major order (the last parameter fastest).
    parameters : dict
        Key path to value.
    seed : int
        :func:`point_seed` of the sweep seed and ``parameters``.
    scenario : Scenario
        The scenario with the parameters, ``simulation.draws`` = the sweep's draws
        and ``simulation.seed`` = ``seed``: ``simulate(point.scenario)`` gives the point.
    table : dict
        The scenario's tables (what the scenario was validated from).
    """

    index: int
    parameters: dict
    seed: int
    scenario: Any = field(repr=False)
    table: dict = field(repr=False)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _range_values(path: str, spec: dict, problems: list[str]) -> tuple | None:
    where = f"sweep.{path}"
    unknown = sorted(set(spec) - _RANGE_KEYS)
    if unknown:
        problems.append(f"{where}: unknown key(s) {unknown} in a range; expected start, stop and step or num")
        return None
    missing = [key for key in ("start", "stop") if key not in spec]
    if missing:
        problems.append(f"{where}: a range needs start and stop (and step or num); missing {missing}")
        return None
    if ("step" in spec) == ("num" in spec):
        problems.append(f"{where}: give exactly one of step or num in a range; found {sorted(spec)}")
        return None
    start, stop = spec["start"], spec["stop"]
    for key in ("start", "stop", "step"):
        if key in spec and (not _is_number(spec[key]) or not math.isfinite(spec[key])):
            problems.append(f"{where}.{key}: expected a number; found {spec[key]!r}")
            return None
    if "num" in spec:
        num = spec["num"]
        if not isinstance(num, int) or isinstance(num, bool) or num < 1:
            problems.append(f"{where}.num: expected a whole number of at least 1; found {num!r}")
            return None
        if num > MAX_POINTS:
            problems.append(f"{where}.num: at most {MAX_POINTS} values; found {num}")
            return None
        if num == 1:
            return (start,)
        return tuple(round(float(v), 12) + 0.0 for v in np.linspace(start, stop, num))
    step = spec["step"]
    if step == 0 or (stop - start) * step < 0:
        problems.append(f"{where}.step: a step of {step!r} never goes from {start!r} to {stop!r}")
        return None
    count = int(math.floor((stop - start) / step + 1e-9)) + 1
    if count > MAX_POINTS:
        problems.append(f"{where}: at most {MAX_POINTS} values; found {count}")
        return None
    if all(isinstance(spec[k], int) for k in ("start", "stop", "step")):
        return tuple(start + i * step for i in range(count))
    return tuple(round(start + i * step, 12) + 0.0 for i in range(count))


def _entries(table: dict, prefix: str, problems: list[str]) -> list[Parameter]:
    """The entries of ``[sweep]``; nested tables (``rule.threshold = [...]`` unquoted)
    are key paths too."""
    found = []
    for key, spec in table.items():
        path = f"{prefix}{key}"
        if isinstance(spec, dict):
            if spec and set(spec) <= _RANGE_KEYS:
                values = _range_values(path, spec, problems)
            elif spec.keys() & {"start", "stop"}:
                # No scenario key is called start or stop: this is a range with a
                # misspelt key, not a table of key paths.
                unused = sorted(_RANGE_KEYS - set(spec))
                for key in sorted(set(spec) - _RANGE_KEYS):
                    problems.append(
                        f"sweep.{path}: unknown key {key!r} in a range; expected start, stop and one of "
                        f"step or num{_did_you_mean(key, unused)}"
                    )
                continue
            else:
                if not spec:
                    problems.append(f"sweep.{path}: expected a list of values or a range; found an empty table")
                found.extend(_entries(spec, path + ".", problems))
                continue
        elif isinstance(spec, list):
            values = tuple(spec)
            if not values:
                problems.append(f"sweep.{path}: expected at least one value; found an empty list")
                values = None
            else:
                bad = [v for v in values if not (_is_number(v) or isinstance(v, (str, bool)))]
                kinds = {"number" if _is_number(v) else type(v).__name__ for v in values}
                if bad:
                    problems.append(f"sweep.{path}: swept values must be strings, numbers or booleans; found {bad[0]!r}")
                    values = None
                elif len(kinds) > 1:
                    problems.append(f"sweep.{path}: mix of {sorted(kinds)} values; give values of one kind")
                    values = None
        else:
            problems.append(
                f"sweep.{path}: expected a list of values or a range {{start, stop, step}}; found {spec!r}"
            )
            continue
        if values is None:
            continue
        root = path.split(".", 1)[0]
        if root in ("simulation", "sweep", "extends", "source"):
            problems.append(
                f"sweep.{path}: {root} cannot be swept (draws and seeds are the sweep's: --draws, --seed)"
            )
            continue
        found.append(Parameter(path, tuple(values)))
    return found


def _set_path(table: dict, path: str, value) -> str | None:
    """Set ``path`` in ``table`` (tables by name, arrays by index); a problem or None."""
    parts = path.split(".")
    node: Any = table
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                return f"{here}: no element {part!r} in an array of {len(node)} (key paths index arrays from 0)"
            part = int(part)
            if last:
                node[part] = value
                return None
            node = node[part]
        elif isinstance(node, dict):
            if last:
                node[part] = value
                return None
            if (part not in node or node[part] is None) and parts[depth + 1].isdigit():
                # An index into an array the scenario does not have: creating a table
                # there would only surface as a confusing type error of the schema.
                return f"{here}.{parts[depth + 1]}: no element {parts[depth + 1]!r} in an array of 0 (key paths index arrays from 0)"
            if part not in node or node[part] is None:
                node[part] = {}
            node = node[part]
        else:
            return f"{'.'.join(parts[:depth])}: is a value ({node!r}), not a table or an array"
    return None


#: Whether scenario validation has a dry run that can be skipped (``check``).
_VALIDATE_CHECK = "check" in inspect.signature(_validate).parameters


def _scenario(table: dict, source: str, election, check: bool = True):
    """The validated scenario of a point's tables (an election of arrays, if given).

    ``check=False`` skips the dry run of the engine for points already checked when
    the sweep was loaded."""
    if _VALIDATE_CHECK:
        return _validate(table, source, election=election, check=check)
    return _validate(table, source, election=election)  # pragma: no cover


def _problem_lines(error: ScenarioError) -> list[str]:
    lines = str(error).splitlines()
    return [line.strip() for line in lines[1:]] if len(lines) > 1 else [str(error)]


@dataclass
class Sweep:
    """A scenario and the grid of parameters to run it over.

    Build one with :func:`load_sweep` (a sweep file), :func:`parse_sweep` (TOML text)
    or :meth:`Sweep.from_scenario` (a scenario and a dictionary of entries).
    """

    name: str
    source: str
    mode: str
    parameters: tuple[Parameter, ...]
    base: dict = field(repr=False)
    election: Any = field(default=None, repr=False)
    draws: int = 1000
    seed: int = 0

    # -- construction

    @classmethod
    def from_table(cls, table: dict, *, source: str = "<sweep>", election=None) -> "Sweep":
        """A sweep from a resolved scenario table holding a ``sweep`` table; every
        problem, in the ``[sweep]`` table or in any point's scenario, is reported at
        once (:class:`ScenarioError`)."""
        table = copy.deepcopy(table)
        spec = table.pop("sweep", None)
        problems: list[str] = []
        if not isinstance(spec, dict):
            found = "" if spec is None else f"; found {spec!r}"
            raise ScenarioError(f"{source}: 1 problem in the sweep:\n  sweep: missing table [sweep]{found}")
        spec = dict(spec)
        mode = spec.pop("mode", "product")
        if mode not in ("product", "zip"):
            problems.append(f"sweep.mode: expected 'product' or 'zip'; found {mode!r}")
            mode = "product"
        parameters = _entries(spec, "", problems)
        if not parameters and not problems:
            problems.append("sweep: no parameters; give at least one key path with its values")
        if mode == "zip":
            lengths = {p.path: len(p.values) for p in parameters}
            if len(set(lengths.values())) > 1:
                problems.append(f"sweep.mode: 'zip' needs entries of one length; found {lengths}")
        else:
            for p in parameters:
                seen = set()
                for value in p.values:
                    key = _canonical(value)
                    if key in seen:
                        problems.append(f"sweep.{p.path}: the value {value!r} comes twice")
                    seen.add(key)
            size = math.prod(len(p.values) for p in parameters) if parameters else 0
            if size > MAX_POINTS:
                problems.append(f"sweep: {size} points; at most {MAX_POINTS}")
        simulation = table.get("simulation") if isinstance(table.get("simulation"), dict) else {}
        sweep = cls(
            name=str(table.get("name") or source), source=source, mode=mode, parameters=tuple(parameters),
            base=table, election=election,
            draws=simulation.get("draws", 1000) if _is_number(simulation.get("draws", 1000)) else 1000,
            seed=simulation.get("seed", 0) if _is_number(simulation.get("seed", 0)) else 0,
        )
        if not problems:
            problems = sweep._check_points()
        if problems:
            count = len(problems)
            header = f"{source}: {count} problem{'s' if count > 1 else ''} in the sweep:"
            raise ScenarioError("\n".join([header] + [f"  {line}" for line in problems]))
        return sweep

    @classmethod
    def from_scenario(cls, scenario, parameters: dict, *, mode: str = "product", name: str | None = None) -> "Sweep":
        """A sweep of a validated scenario (from :func:`~malivote.scenario.load_scenario`
        or :func:`~malivote.scenario.build_scenario`): ``parameters`` maps key paths to
        lists of values or to ranges (dictionaries with start, stop and step or num)."""
        table = scenario.model_dump(by_alias=True)
        table["sweep"] = {"mode": mode, **parameters}
        if name:
            table["name"] = name
        return cls.from_table(table, source=scenario.source or "<scenario>", election=scenario._election)

    # -- the grid

    @property
    def dims(self) -> tuple[str, ...]:
        """The dimensions of the grid: one per parameter, or ``("point",)`` when zipped."""
        return ("point",) if self.mode == "zip" else tuple(p.path for p in self.parameters)

    @property
    def shape(self) -> tuple[int, ...]:
        if self.mode == "zip":
            return (len(self.parameters[0].values),)
        return tuple(len(p.values) for p in self.parameters)

    def __len__(self) -> int:
        return math.prod(self.shape)

    def grid(self) -> list[dict]:
        """The parameters of every point, in row-major order."""
        paths = [p.path for p in self.parameters]
        if self.mode == "zip":
            rows = zip(*(p.values for p in self.parameters))
        else:
            rows = itertools.product(*(p.values for p in self.parameters))
        return [dict(zip(paths, row)) for row in rows]

    def _table(self, parameters: dict, draws: int, seed: int) -> tuple[dict, list[str]]:
        table = copy.deepcopy(self.base)
        problems = [problem for path, value in parameters.items() if (problem := _set_path(table, path, value))]
        simulation = table.setdefault("simulation", {})
        if isinstance(simulation, dict):
            simulation["draws"], simulation["seed"] = draws, seed
        return table, problems

    def _check_points(self) -> list[str]:
        """Every problem of every point's scenario; a problem found at some points
        only says at which."""
        found: dict[str, list[dict]] = {}
        grid = self.grid()
        for parameters in grid:
            table, problems = self._table(parameters, 1, 0)
            try:
                _scenario(table, self.source, self.election)
            except ScenarioError as error:
                problems = problems + _problem_lines(error)
            for line in problems:
                found.setdefault(line, []).append(parameters)
        lines = []
        for line, where in found.items():
            if len(where) == len(grid):
                lines.append(line)
            else:
                first = ", ".join(f"{k} = {v!r}" for k, v in where[0].items())
                more = f" and {len(where) - 1} more point{'s' if len(where) > 2 else ''}" if len(where) > 1 else ""
                lines.append(f"{line} (at {first}{more})")
        return lines

    def points(self, draws: int | None = None, seed: int | None = None) -> list[Point]:
        """Every point with its scenario and seed (``draws`` and ``seed`` default to the
        sweep's, that is the scenario's ``[simulation]``)."""
        draws, seed = self._settings(draws, seed)
        result = []
        for index, parameters in enumerate(self.grid()):
            own = point_seed(seed, parameters)
            table, _ = self._table(parameters, draws, own)
            scenario = _scenario(table, self.source, self.election, check=False)
            result.append(Point(index=index, parameters=parameters, seed=own, scenario=scenario, table=table))
        return result

    def _settings(self, draws, seed) -> tuple[int, int]:
        draws = self.draws if draws is None else draws
        if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
            raise ValueError(f"draws: expected a positive whole number, found {draws!r}")
        return int(draws), seeds.as_seed(self.seed if seed is None else seed)

    def fingerprint(self, draws: int, seed: int) -> str:
        """What identifies the sweep's results: its base scenario, grid, draws and seed
        (checked by ``--resume``)."""
        text = json.dumps(
            {"base": self.base, "mode": self.mode, "parameters": [[p.path, list(p.values)] for p in self.parameters],
             "draws": draws, "seed": seed, "election": self.election is not None},
            sort_keys=True, default=str,
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    # -- running

    def run(
        self,
        *,
        draws: int | None = None,
        seed: int | None = None,
        client=None,
        workers: int | None = None,
        out=None,
        resume: bool = False,
        retries: int = 3,
        on_point: Callable[[dict], None] | None = None,
        checkpoint_seconds: float = CHECKPOINT_SECONDS,
    ) -> "SweepResult":
        """Run every point.

        Parameters
        ----------
        draws, seed : int, optional
            Draws per point and the sweep's seed (default: the scenario's).
        client : distributed.Client, optional
            Run the points as tasks on this Dask cluster (each with ``retries``);
            without one, in this process with ``workers`` threads (default: the CPUs).
        out : path, optional
            Write the results there (``.nc``: NetCDF, ``.zarr``: Zarr), checkpointed
            as points complete (at most every ``checkpoint_seconds``), each write
            atomic: the file only ever holds complete points.
        resume : bool
            Take the points already in ``out`` (written by the same sweep, draws and
            seed) and run only the others.
        on_point : callable, optional
            Called with each point's result as it completes (any order).

        Returns
        -------
        SweepResult
        """
        draws, seed = self._settings(draws, seed)
        fingerprint = self.fingerprint(draws, seed)
        if out is not None:
            out = Path(out)
            _check_out(out)
        results: dict[int, dict] = {}
        if resume and out is not None and out.exists():
            results = _resumed(out, fingerprint)
        points = self.points(draws, seed)
        todo = [point for point in points if point.index not in results]
        state = {"written": time.monotonic(), "dirty": False}

        def write() -> None:
            if out is not None:
                _write(self._dataset(results, draws, seed, fingerprint), out)
            state["written"], state["dirty"] = time.monotonic(), False

        def absorb(result: dict) -> None:
            results[result["index"]] = result
            state["dirty"] = True
            if on_point is not None:
                on_point(result)
            if out is not None and time.monotonic() - state["written"] >= checkpoint_seconds:
                write()

        payloads = [_payload(point, self.source, self.election) for point in todo]
        try:
            if client is not None:
                _run_dask(client, payloads, absorb, retries=retries, key=fingerprint[:16])
            else:
                _run_threads(payloads, absorb, workers)
        except BaseException:
            if out is not None and state["dirty"]:
                write()
            raise
        if out is not None and (state["dirty"] or not out.exists()):
            write()
        return SweepResult(self, [results[point.index] for point in points], draws, seed,
                           self._dataset(results, draws, seed, fingerprint))

    # -- output

    def _dataset(self, results: dict[int, dict], draws: int, seed: int, fingerprint: str):
        try:
            import xarray as xr
        except ImportError:  # pragma: no cover - xarray is a dependency of the extra
            raise ImportError("malivote sweep needs xarray: pip install 'malivote[distributed]'") from None
        grid = self.grid()
        done = [results[i] for i in sorted(results)]
        parties = _party_order(done)
        party_column = {party: number for number, party in enumerate(parties)}
        blocs = list(dict.fromkeys(b["bloc"] for r in done for b in r["summary"]["blocs"]))
        n = len(grid)
        seats = np.full((n, len(parties), len(STATS)), np.nan)
        bloc_seats = np.full((n, len(blocs), len(STATS)), np.nan)
        metric_values = np.full((n, len(METRICS)), np.nan)
        is_done = np.zeros(n, dtype=bool)
        summaries = np.array([""] * n, dtype=object)
        # As decimal text: NetCDF 3 has no 64-bit integers.
        point_seeds = np.array([str(point_seed(seed, parameters)) for parameters in grid], dtype=object)
        official: dict[str, int] = {}
        for index, result in results.items():
            is_done[index] = True
            summaries[index] = json.dumps(result, separators=(",", ":"))
            for party, row in zip(result["parties"], result["party_stats"]):
                if party in party_column:
                    seats[index, party_column[party]] = row
            for row in result["summary"]["parties"]:
                if "official" in row:
                    official[row["party"]] = row["official"]
            for row in result["summary"]["blocs"]:
                bloc_seats[index, blocs.index(row["bloc"])] = [row[s] for s in STATS]
            for column, name in enumerate(METRICS):
                value = result["summary"]["metrics"].get(name)
                metric_values[index, column] = np.nan if value is None else value
        shape = self.shape
        dims = self.dims
        data = {
            "seats": (dims + ("party", "stat"), seats.reshape(shape + seats.shape[1:])),
            "metrics": (dims + ("metric",), metric_values.reshape(shape + (len(METRICS),))),
            "done": (dims, is_done.reshape(shape)),
            "seed": (dims, point_seeds.reshape(shape)),
            "point_result": (dims, summaries.reshape(shape)),
        }
        if blocs:
            data["bloc_seats"] = (dims + ("bloc", "stat"), bloc_seats.reshape(shape + bloc_seats.shape[1:]))
        if official:
            data["official"] = (("party",), np.array([official.get(p, 0) for p in parties], dtype=np.int32))
        coords: dict[str, Any] = {"party": parties, "stat": list(STATS), "metric": list(METRICS)}
        if blocs:
            coords["bloc"] = blocs
        if self.mode == "zip":
            coords["point"] = np.arange(n)
            for p in self.parameters:
                coords[p.path] = ("point", list(p.values))
        else:
            for p in self.parameters:
                coords[p.path] = list(p.values)
        house = next((r["house"] for r in done), 0)
        attrs = {
            "sweep": self.name,
            "source": self.source,
            "sweep_mode": self.mode,
            "parameters": json.dumps([p.path for p in self.parameters]),
            "draws": _attr_int(draws),
            "seed": _attr_int(seed),
            "house": house,
            "majority": house // 2 + 1 if house else 0,
            "points_done": int(is_done.sum()),
            "points_total": n,
            "fingerprint": fingerprint,
            "seeds": "point seed = malivote.sweep.point_seed(seed, parameters)",
        }
        dataset = xr.Dataset(data, coords=coords, attrs=attrs)
        dataset["seats"].attrs["description"] = "seats per party over the draws (p_majority: share of draws with a majority)"
        dataset["point_result"].attrs["description"] = "the point's result as JSON (empty: not run yet)"
        return dataset


def _attr_int(value: int):
    """An integer attribute: as text when NetCDF 3's 32 bits cannot hold it."""
    return int(value) if value < 2**31 else str(value)


def _party_order(results: list[dict]) -> list[str]:
    """Parties by official seats, then by their largest mean seats over the points."""
    official: dict[str, int] = {}
    best: dict[str, float] = {}
    for result in results:
        for row in result["summary"]["parties"]:
            official[row["party"]] = max(official.get(row["party"], 0), row.get("official", 0))
        for party, row in zip(result["parties"], result["party_stats"]):
            best[party] = max(best.get(party, -1.0), row[0])
    # Parties that never win a seat, and have no official seats, are left out.
    shown = [p for p in best if best[p] > 0 or official.get(p, 0) > 0]
    return sorted(shown, key=lambda p: (-official.get(p, 0), -best[p], p))


# ------------------------------------------------------------------ the point task


def _payload(point: Point, source: str, election) -> dict:
    return {"index": point.index, "parameters": point.parameters, "seed": point.seed,
            "table": point.table, "source": source, "election": election}


def run_point(payload: dict) -> dict:
    """Run one point (the task a worker runs): validate its scenario, simulate it with
    its seed and summarise it. Plain data in and out, so it travels to any worker."""
    from malivote.results import summarise
    from malivote.simulate import simulate
    from malivote.tally import Tally

    scenario = _scenario(copy.deepcopy(payload["table"]), payload["source"], payload["election"], check=False)
    simulation = simulate(scenario, keep=False, progress=False)
    tally = simulation.tally
    house = tally.party_hist.shape[1] - 1
    majority = house // 2 + 1
    stats = [
        [round(Tally.mean(hist), 3), float(Tally.quantile(hist, 0.5)), float(Tally.quantile(hist, 0.05)),
         float(Tally.quantile(hist, 0.95)), round(float(hist[majority:].sum()) / tally.n_draws, 4)]
        for hist in tally.party_hist
    ]
    return {
        "index": payload["index"],
        "parameters": payload["parameters"],
        "seed": payload["seed"],
        "parties": list(tally.parties),
        "party_stats": stats,
        "house": int(house),
        "summary": summarise(simulation).to_dict(),
    }


def _run_threads(payloads: list[dict], absorb, workers: int | None) -> None:
    if not payloads:
        return
    workers = workers or os.cpu_count() or 1
    workers = max(1, min(int(workers), len(payloads)))
    if workers == 1:
        for payload in payloads:
            absorb(run_point(payload))
        return
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="malivote-sweep")
    try:
        pending = {pool.submit(run_point, payload) for payload in payloads}
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                absorb(future.result())
    finally:
        # On Ctrl-C: points not started are dropped; points in flight finish but are
        # not written (the interpreter waits for their threads before it exits).
        pool.shutdown(wait=False, cancel_futures=True)


def _run_dask(client, payloads: list[dict], absorb, *, retries: int, key: str) -> None:
    from distributed import as_completed

    futures = [
        client.submit(run_point, payload, key=f"malivote-sweep-{key}-{payload['index']}", retries=retries, pure=False)
        for payload in payloads
    ]
    try:
        for future in as_completed(futures):
            absorb(future.result())
    except BaseException:
        client.cancel(futures)
        raise


# --------------------------------------------------------------------- the output


def _check_out(out: Path) -> None:
    if out.suffix == ".nc":
        try:
            import scipy.io  # noqa: F401
        except ImportError:  # pragma: no cover
            raise ScenarioError("--out: writing NetCDF (.nc) needs scipy: pip install 'malivote[distributed]'") from None
    elif out.suffix == ".zarr":
        try:
            import zarr  # noqa: F401
        except ImportError:
            raise ScenarioError(
                f"--out {out}: writing Zarr needs the zarr package, which is not installed: "
                "pip install 'malivote[distributed]' (or write NetCDF: --out results.nc)"
            ) from None
    else:
        raise ScenarioError(f"--out: expected a NetCDF (.nc) or Zarr (.zarr) path, found {str(out)!r}")
    if not out.parent.exists():
        raise ScenarioError(f"--out: no such directory: {out.parent}")


def _write(dataset, out: Path) -> None:
    """Write ``dataset`` to ``out`` atomically: to a temporary name, then renamed."""
    temporary = out.with_name(f".{out.name}.partial")
    try:
        if out.suffix == ".zarr":
            if temporary.exists():
                shutil.rmtree(temporary)
            # Zarr v2: v3 has no specified string type yet, so other readers may not read it.
            dataset.to_zarr(temporary, mode="w", zarr_format=2)
            old = out.with_name(f".{out.name}.old")
            if out.exists():
                os.replace(out, old)
            os.replace(temporary, out)
            if old.exists():
                shutil.rmtree(old)
        else:
            dataset.to_netcdf(temporary, engine="scipy")
            os.replace(temporary, out)
    except OSError as error:
        raise ScenarioError(f"--out: cannot write {out}: {error.strerror or error}") from None


def _open(out: Path):
    import xarray as xr

    if out.suffix == ".zarr":
        return xr.open_zarr(out).load()
    with xr.open_dataset(out, engine="scipy") as dataset:
        return dataset.load()


def _resumed(out: Path, fingerprint: str) -> dict[int, dict]:
    """The complete points already written to ``out`` by the same sweep."""
    try:
        dataset = _open(out)
    except Exception as error:  # a broken file: say so rather than overwrite it
        raise ScenarioError(f"--resume: cannot read {out}: {error}") from None
    if dataset.attrs.get("fingerprint") != fingerprint:
        raise ScenarioError(
            f"--resume: {out} holds another sweep (a different scenario, grid, draws or seed); "
            "remove it, or give another --out"
        )
    done = np.asarray(dataset["done"]).reshape(-1)
    text = np.asarray(dataset["point_result"]).reshape(-1)
    return {int(i): json.loads(str(text[i])) for i in np.flatnonzero(done)}


# --------------------------------------------------------------------- the result


@dataclass(eq=False)
class SweepResult:
    """A sweep's results: every point's run, in grid order, and the labelled arrays.

    Attributes
    ----------
    sweep : Sweep
    points : list of dict
        Per point: ``index``, ``parameters``, ``seed``, ``parties`` and
        ``party_stats`` (every party of the tally, :data:`STATS`), ``house`` and
        ``summary`` (``Summary.to_dict()``, as ``malivote run --format json``).
    draws, seed : int
    dataset : xarray.Dataset
        Dimensions: one per swept parameter (``point`` when zipped), ``party``,
        ``stat``, ``metric`` and ``bloc`` (with blocs). Variables: ``seats``,
        ``bloc_seats``, ``metrics``, ``official``, ``done``, ``seed`` and
        ``point_result`` (each point's result as JSON).
    """

    sweep: Sweep
    points: list[dict]
    draws: int
    seed: int
    dataset: Any

    def to_dict(self) -> dict:
        """The JSON ``malivote sweep --format json`` prints."""
        return {
            "sweep": self.sweep.name,
            "draws": self.draws,
            "seed": self.seed,
            "points": [
                {
                    "parameters": point["parameters"],
                    "seed": point["seed"],
                    "parties": point["summary"]["parties"],
                    "metrics": point["summary"]["metrics"],
                    "blocs": point["summary"]["blocs"],
                }
                for point in self.points
            ],
        }

    def format_table(self, max_parties: int = 6) -> str:
        """Median seats and 90% intervals of the largest parties and of the blocs, one
        row per point."""
        dataset = self.dataset
        parties = list(dataset["party"].values[:max_parties])
        blocs = list(dataset["bloc"].values) if "bloc" in dataset.coords else []
        paths = [p.path for p in self.sweep.parameters]
        header = paths + [str(p) for p in parties] + [f"[{b}]" for b in blocs] + ["P(maj)"]
        rows = []
        for point in self.points:
            stats = dict(zip(point["parties"], point["party_stats"]))
            blocs_row = {b["bloc"]: b for b in point["summary"]["blocs"]}
            cells = [_cell(point["parameters"][p]) for p in paths]
            for party in parties:
                row = stats.get(party)
                cells.append("-" if row is None else f"{int(row[1])} [{int(row[2])}-{int(row[3])}]")
            for bloc in blocs:
                row = blocs_row[bloc]
                cells.append(f"{row['median']} [{row['p05']}-{row['p95']}] {row['p_majority']:.2f}")
            cells.append(f"{point['summary']['metrics'].get('p_majority', 0.0):.2f}")
            rows.append(cells)
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        lines = [
            f"{self.sweep.name}: {len(self.points)} points x {self.draws} draws, seed {self.seed}",
            "seats: median [90% interval]; blocs: median [90% interval] P(majority); "
            "P(maj): one party with a majority",
            "  ".join(h.ljust(w) for h, w in zip(header, widths)),
            "  ".join("-" * w for w in widths),
        ]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in rows]
        return "\n".join(line.rstrip() for line in lines)


def _cell(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# ---------------------------------------------------------------------- loading


def is_sweep_file(path) -> bool:
    """True when ``path`` (or a shipped sweep's name) is a file with a ``[sweep]``
    table; False for anything else, which the scenario loader then reports on.

    Examples
    --------
    >>> is_sweep_file("swing_rpm_urd"), is_sweep_file("mali_2020")
    (True, False)
    """
    import tomllib

    from malivote.scenario import ScenarioError, _read_text, shipped_path

    candidate = Path(path)
    if not candidate.exists():
        candidate = shipped_path(str(path)) or shipped_path(f"sweeps/{path}")
        if candidate is None:
            return False
    try:
        _, text = _read_text(candidate, "sweep")
        return isinstance(tomllib.loads(text).get("sweep"), dict)
    except (ScenarioError, tomllib.TOMLDecodeError, ValueError, RecursionError, OSError):
        return False


def load_sweep(path) -> Sweep:
    """Read, resolve (``extends``) and validate a sweep file, or a shipped one by name
    (``"swing_rpm_urd"``, ``"sweeps/swing_rpm_urd"``).

    Raises
    ------
    ScenarioError
        Every problem at once, each with its key path: in ``[sweep]``, and in the
        scenario of any point (saying at which point, when not at all of them).

    Examples
    --------
    >>> sweep = load_sweep("national_threshold")
    >>> [p.path for p in sweep.parameters], len(sweep)
    (['rule.threshold'], 11)
    """
    path = Path(path)
    if not path.exists():
        shipped = shipped_path(str(path))
        if shipped is None:
            shipped = shipped_path(f"sweeps/{path}")
        if shipped is None:
            raise ScenarioError(f"sweep: no such file or shipped sweep: {str(path)!r}")
        path = shipped
    table = _read_toml(path)
    return Sweep.from_table(table, source=str(path))


def parse_sweep(text: str, *, source: str = "<sweep>", base_dir=None) -> Sweep:
    """A sweep from TOML text; ``extends`` resolves from ``base_dir`` (default: the
    current directory)."""
    import tempfile

    directory = Path(base_dir or Path.cwd())
    with tempfile.NamedTemporaryFile("w", suffix=".toml", dir=directory, delete=False, encoding="utf-8") as handle:
        handle.write(text)
    try:
        table = _read_toml(Path(handle.name).resolve())
    finally:
        os.unlink(handle.name)
    return Sweep.from_table(table, source=source)


# -------------------------------------------------------------------------- CLI


def _client(args):
    if not (args.scheduler or args.local_cluster):
        return None, None
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ScenarioError(
            "--scheduler and --local-cluster need Dask: pip install 'malivote[distributed]'"
        ) from None
    if args.scheduler:
        try:
            return Client(args.scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as error:
            raise ScenarioError(f"--scheduler: cannot reach {args.scheduler}: {error}") from None
    cluster = LocalCluster(
        n_workers=args.local_cluster, threads_per_worker=1, processes=True, dashboard_address=":0"
    )
    return Client(cluster), cluster


def _plot(result: SweepResult, directory: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from malivote.plot import sweep as plot_sweep

    path = _writable_directory(directory, "--plot")
    dataset = result.dataset
    extra = [d for d in result.sweep.dims[1:]]
    if extra:
        dataset = dataset.isel({d: 0 for d in extra})
        print(f"--plot: seats against {result.sweep.dims[0]}, at the first value of {', '.join(extra)}", file=sys.stderr)
    figure = Figure(figsize=(8, 5))
    plot_sweep(figure.add_subplot(), dataset)
    figure.tight_layout()
    written = []
    for extension in ("png", "svg"):
        target = path / f"sweep.{extension}"
        figure.savefig(target, dpi=150)
        written.append(target)
    return written


def cli_main(args) -> int:
    """``malivote sweep FILE [--draws N] [--seed S] [--format table|json] [--out PATH]
    [--plot DIR] [--scheduler ADDRESS | --local-cluster N] [--resume]``."""
    sweep = load_sweep(args.sweep_file)
    if args.resume and not args.out:
        raise ScenarioError("--resume: continues from the points written to --out; give --out")
    if args.plot:
        # Made before the sweep runs: a folder that cannot be made stops it at once,
        # not after every point has been computed.
        _writable_directory(args.plot, "--plot")
    client, cluster = _client(args)
    try:
        try:
            result = sweep.run(draws=args.draws, seed=args.seed, client=client, out=args.out, resume=args.resume)
        except KeyboardInterrupt:
            if args.out:
                print(
                    f"malivote: interrupted; the complete points are in {args.out} "
                    "(continue with --resume)", file=sys.stderr,
                )
            else:
                print("malivote: interrupted", file=sys.stderr)
            return 130
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    if args.format == "json":
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(result.format_table())
    if args.out:
        print(f"Results written to {args.out}", file=sys.stderr)
    if args.plot:
        paths = _plot(result, args.plot)
        print(f"Plots written to {args.plot}: {', '.join(p.name for p in paths)}", file=sys.stderr)
    return 0
