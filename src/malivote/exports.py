"""Exports of the drawn elections: streamed block by block, written atomically.

:class:`Exporter` receives each block of draws as :func:`malivote.simulate.simulate`
decides it (its ``on_block`` hook), so that memory does not grow with the number of
draws, and writes the files into a temporary folder inside the target folder. Only
when every block is written are the files renamed into place, one by one. A lock file
refuses a second run that would write the same folder at the same time; on an error
or Ctrl-C the temporary folder and the lock are removed and the target is left as it
was.

The files (``csv``; ``csv.gz`` the same, gzip-compressed; ``parquet`` the same
columns, with Parquet types):

- ``votes``: ``draw,constituency,round,list,parties,votes``, one row per list per
  round held per constituency per draw (round 2: the two finalists). ``list`` is the
  list's slot number, unique within its constituency; ``parties`` joins its parties
  with ``+``.
- ``results``: ``draw,constituency,round,list,seats``, one row per list that won
  seats, ``round`` being the round that decided the constituency; a national PR tier
  adds rows, after every draw's constituency rows, with constituency ``national`` and
  the party id as the list (in Parquet, ``list`` is therefore a string).
- ``constituencies``: ``constituency,seats,region``.
- ``rosters``: ``draw,constituency,list,position,party,sex``, each list's candidates
  in order (``sex`` ``F`` or ``M``).
- ``turnout``: ``draw,constituency,round,registered,votes_cast,invalid,valid``, one
  row per round held.
- ``seats``: ``draw,party,seats,round1_seats,women``, one row per party per draw:
  seats from every tier, seats its candidates won in constituencies decided in round
  1, and women it elected in the constituencies.

With a manifest (:func:`export` always writes one; an :class:`Exporter` when its
:meth:`~Exporter.commit` is given :func:`manifest`), ``manifest.json`` records where
the files come from: the package version, the scenario (name, file, SHA-256), the
seed, the draws, the rule and the layout; each file's rows and its columns'
meanings and units (:data:`COLUMNS`); and, for a replay, that the votes, turnout and
rosters are reconstructed: a model that meets every known fact, not data.

``votes``, ``constituencies`` and ``rosters`` (CSV) read back in as an election of
your own (``[data]`` in a scenario). ``seats`` and ``turnout`` rebuild the printed
summary: each party's seats per draw, women per draw (the sum over parties),
round-1 seats per draw (the sum of ``round1_seats``) and round-1 constituencies per
draw (the constituencies less the round-2 rows of ``turnout``).

The files do not depend on the chunk size or the number of workers: blocks arrive in
draw order, always of the same size.

Examples
--------
>>> import tempfile
>>> from malivote.scenario import load_scenario
>>> from malivote.simulate import simulate
>>> folder = tempfile.mkdtemp()
>>> with Exporter(folder) as writer:
...     simulation = simulate(load_scenario("mali_2020"), draws=2, seed=1, keep=False, on_block=writer)
...     written = writer.commit()
>>> written["seats.csv"] == 2 * len(simulation.parties), sorted(os.listdir(folder))[0]
(True, 'constituencies.csv')
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import os
import shutil
import signal
import tempfile
import threading
from pathlib import Path

import numpy as np

from malivote.election import TURNOUT_FIELDS, list_labels
from malivote.results import Decision, Simulation

__all__ = [
    "COLUMNS",
    "EXPORT_FORMATS",
    "MANIFEST_NAME",
    "ExportError",
    "ExportLocked",
    "Exporter",
    "LOCK_NAME",
    "export",
    "manifest",
    "scenario_files",
    "scenario_sha256",
]

#: The formats ``--export-format`` accepts.
EXPORT_FORMATS = ("csv", "csv.gz", "parquet")
#: The provenance file written beside the exported files.
MANIFEST_NAME = "manifest.json"
#: The lock file a run holds in the folder it exports to.
LOCK_NAME = ".malivote-export.lock"
_TEMP_PREFIX = ".malivote-export-"
#: Each format's file-name ending.
_EXTENSIONS = {"csv": ".csv", "csv.gz": ".csv.gz", "parquet": ".parquet"}
#: Rows buffered before a Parquet row group is written.
_ROW_GROUP = 1 << 17

_STRING, _INT = "string", "int64"
#: Each file's columns and their Parquet types, in the order ``export`` returns them.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "votes": (("draw", _INT), ("constituency", _STRING), ("round", _INT), ("list", _INT),
              ("parties", _STRING), ("votes", _INT)),
    "results": (("draw", _INT), ("constituency", _STRING), ("round", _INT), ("list", _STRING),
                ("seats", _INT)),
    "constituencies": (("constituency", _STRING), ("seats", _INT), ("region", _STRING)),
    "rosters": (("draw", _INT), ("constituency", _STRING), ("list", _INT), ("position", _INT),
                ("party", _STRING), ("sex", _STRING)),
    "turnout": (("draw", _INT), ("constituency", _STRING), ("round", _INT))
    + tuple((field, _INT) for field in TURNOUT_FIELDS),
    "seats": (("draw", _INT), ("party", _STRING), ("seats", _INT), ("round1_seats", _INT),
              ("women", _INT)),
}


#: What each column of each file holds, with its unit; written into the manifest.
COLUMNS: dict[str, dict[str, str]] = {
    "votes": {
        "draw": "the simulated election, from 0",
        "constituency": "constituency name (constituencies file)",
        "round": "1 or 2 (round 2: the runoff's two finalists)",
        "list": "the list's slot number, unique within its constituency",
        "parties": "the list's party ids, joined with +",
        "votes": "valid votes for the list in that round (count)",
    },
    "results": {
        "draw": "the simulated election, from 0",
        "constituency": "constituency name, or 'national' for a national tier's seats",
        "round": "the round that decided the constituency (1 for a national tier)",
        "list": "the list's slot number (votes file); under 'national', the party id",
        "seats": "seats the list won (count; lists without seats have no row)",
    },
    "constituencies": {
        "constituency": "constituency name",
        "seats": "seats it elects (count)",
        "region": "the region it belongs to",
    },
    "rosters": {
        "draw": "the simulated election, from 0",
        "constituency": "constituency name",
        "list": "the list's slot number (votes file)",
        "position": "the candidate's place on the list, from 1",
        "party": "the candidate's party id",
        "sex": "F or M",
    },
    "turnout": {
        "draw": "the simulated election, from 0",
        "constituency": "constituency name",
        "round": "1 or 2 (a row per round held)",
        "registered": "registered voters (count)",
        "votes_cast": "ballots cast (count)",
        "invalid": "invalid ballots (count)",
        "valid": "valid votes (count): votes_cast - invalid, the sum of the round's votes rows",
    },
    "seats": {
        "draw": "the simulated election, from 0",
        "party": "party id",
        "seats": "seats from every tier (count; each draw sums to the assembly's size)",
        "round1_seats": "seats its candidates won in constituencies decided in round 1 (count)",
        "women": "women it elected in the constituencies (count)",
    },
}
#: The files a replay's reconstruction makes up (the others follow from them by the rule).
_RECONSTRUCTED = ("votes", "turnout", "rosters")


class ExportError(ValueError):
    """An export that cannot be written (the command line prints it and exits 2)."""


class ExportLocked(ExportError):
    """Another run is writing the folder."""


# -- sinks: one open file each -------------------------------------------------------


class _CsvSink:
    """Rows appended to a CSV file, gzip-compressed or not (gzip with no name and no
    time stamp in its header, so that the same rows give the same bytes)."""

    def __init__(self, path: Path, columns, compress: bool):
        self.path = path
        self._compress = compress
        self._raw = open(path, "wb")
        stream = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, mtime=0) if compress else self._raw
        self._text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
        self._writer = csv.writer(self._text, lineterminator="\n")
        self._writer.writerow([name for name, _ in columns])

    def write(self, columns) -> int:
        rows = list(zip(*(np.asarray(column).tolist() for column in columns)))
        self._writer.writerows(rows)
        return len(rows)

    def append(self, other: "_CsvSink") -> None:
        """Copy ``other``'s rows (a finished sink), less its header, to the end."""
        self._text.flush()
        opener = gzip.open if other._compress else open
        with opener(other.path, "rt", encoding="utf-8", newline="") as handle:
            handle.readline()
            shutil.copyfileobj(handle, self._text)

    def close(self) -> None:
        try:
            self._text.close()
        finally:
            self._raw.close()


class _ParquetSink:
    """Rows appended to a Parquet file, in row groups of ``_ROW_GROUP`` rows."""

    def __init__(self, path: Path, columns):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.path = path
        self._pa = pa
        types = {_STRING: pa.string(), _INT: pa.int64()}
        self._schema = pa.schema([(name, types[kind]) for name, kind in columns])
        self._writer = pq.ParquetWriter(path, self._schema)
        self._pending: list = []
        self._rows = 0

    def write(self, columns) -> int:
        pa = self._pa
        arrays = []
        for column, field in zip(columns, self._schema):
            column = np.asarray(column)
            if field.type == pa.string():
                arrays.append(pa.array([None if v is None else str(v) for v in column.tolist()], pa.string()))
            else:
                arrays.append(pa.array(column.astype(np.int64), pa.int64()))
        table = pa.Table.from_arrays(arrays, schema=self._schema)
        self._pending.append(table)
        self._rows += table.num_rows
        if self._rows >= _ROW_GROUP:
            self._flush()
        return table.num_rows

    def _flush(self) -> None:
        if self._pending:
            table = self._pa.concat_tables(self._pending)
            self._writer.write_table(table, row_group_size=max(table.num_rows, 1))
        self._pending, self._rows = [], 0

    def append(self, other: "_ParquetSink") -> None:
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(other.path).iter_batches():
            self._pending.append(self._pa.Table.from_batches([batch], schema=self._schema))
            self._rows += batch.num_rows
            if self._rows >= _ROW_GROUP:
                self._flush()

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()


# -- what one block writes -----------------------------------------------------------


def _party_round1_and_women(ensemble, decision: Decision, n_parties: int):
    """Seats won in round 1 and women elected, per draw and party ``(D, P)``: the
    candidates elected, in roster order, in the constituencies."""
    draws = decision.party_seats.shape[0]
    positions = np.arange(ensemble.roster_party.shape[-1])
    elected = positions < decision.seats[..., None]
    in_round1 = elected & (decision.round == 1)[..., None, None]
    counts = []
    for mask in (in_round1, elected & ensemble.roster_female):
        party = np.where(mask & (ensemble.roster_party >= 0), ensemble.roster_party, n_parties)
        codes = party.reshape(draws, -1).astype(np.int64) + (n_parties + 1) * np.arange(draws)[:, None]
        total = np.bincount(codes.ravel(), minlength=draws * (n_parties + 1))
        counts.append(total.reshape(draws, n_parties + 1)[:, :n_parties])
    return counts[0], counts[1]


def _block_rows(ensemble, decision: Decision, offset: int, names: np.ndarray, parties: np.ndarray):
    """The rows one block of draws adds to each file, as columns; and the national
    tier's rows of ``results``, which go after every draw's constituency rows."""
    rows = {}
    labels = list_labels(ensemble.members, tuple(parties.tolist()))
    runoff = decision.round == 2
    has_list = ensemble.members != 0

    first_rows = np.nonzero(has_list)
    second_rows = np.nonzero(has_list & runoff[..., None] & (ensemble.second > 0))
    parts = []
    for round_number, (d, c, k), votes in ((1, first_rows, ensemble.first), (2, second_rows, ensemble.second)):
        parts.append([d + offset, names[c], np.full(d.size, round_number), k, labels[d, c, k], votes[d, c, k]])
    merged = [np.concatenate([part[i] for part in parts]) for i in range(6)]
    order = np.lexsort((merged[3], merged[2], np.concatenate([first_rows[1], second_rows[1]]), merged[0]))
    rows["votes"] = [column[order] for column in merged]

    d, c, k = np.nonzero(decision.seats)
    rows["results"] = [d + offset, names[c], decision.round[d, c], k.astype(object), decision.seats[d, c, k]]
    national = None
    if decision.national is not None:
        nd, party = np.nonzero(decision.national)
        national = [nd + offset, np.full(nd.size, "national", dtype=object), np.ones(nd.size, dtype=np.int64),
                    parties[party], decision.national[nd, party]]

    d, c, k, position = np.nonzero((ensemble.roster_party >= 0) & has_list[..., None])
    rows["rosters"] = [
        d + offset, names[c], k, position + 1, parties[ensemble.roster_party[d, c, k, position]],
        np.where(ensemble.roster_female[d, c, k, position], "F", "M").astype(object),
    ]

    held = np.stack([np.ones_like(runoff), runoff], axis=-1)
    d, c, r = np.nonzero(held)
    figures = ensemble.turnout[d, c, r]
    rows["turnout"] = [d + offset, names[c], r + 1] + [figures[:, i] for i in range(len(TURNOUT_FIELDS))]

    draws, n_parties = decision.party_seats.shape
    round1, women = _party_round1_and_women(ensemble, decision, n_parties)
    rows["seats"] = [
        np.repeat(np.arange(draws) + offset, n_parties), np.tile(parties, draws),
        decision.party_seats.reshape(-1), round1.reshape(-1), women.reshape(-1),
    ]
    return rows, national


# -- the exporter --------------------------------------------------------------------


@contextlib.contextmanager
def _sigint_deferred():
    """Hold Ctrl-C back while the files are renamed into place, then deliver it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: received.append((number, frame)))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received and callable(previous):
            previous(*received[0])


class Exporter:
    """Write a run's draws into ``directory`` as they are decided.

    Use it as a context manager, pass it to :func:`~malivote.simulate.simulate` as
    ``on_block``, then call :meth:`commit`; leaving the ``with`` block without a
    commit (an error, Ctrl-C) removes everything it wrote.

    Parameters
    ----------
    directory : path
        The folder to write into; created if missing.
    format : {"csv", "csv.gz", "parquet"}
    option : str
        How error messages name the folder's origin (``"--export"`` on the command line).

    Raises
    ------
    ExportLocked
        If another run holds the folder's lock file (:data:`LOCK_NAME`).
    ExportError
        If the folder cannot be created or written, or Parquet is asked for without
        pyarrow.
    """

    def __init__(self, directory, format: str = "csv", *, option: str = "export"):
        if format not in EXPORT_FORMATS:
            raise ExportError(f"{option}: unknown format {format!r}; expected one of {', '.join(EXPORT_FORMATS)}")
        if format == "parquet":
            try:
                import pyarrow  # noqa: F401
                import pyarrow.parquet  # noqa: F401
            except ImportError:
                raise ExportError(
                    f"{option}: the parquet format needs pyarrow: pip install 'malivote[parquet]'"
                ) from None
        if str(directory) == "":
            raise ExportError(f"{option}: expected a folder name, found an empty string")
        self.directory = Path(directory)
        self.format = format
        self.option = option
        self._extension = _EXTENSIONS[format]
        self._lock: Path | None = None
        self._temp: Path | None = None
        self._created: list[Path] = []
        self._sinks: dict[str, object] = {}
        self._national = None
        self._counts: dict[str, int] = {}
        self._draws = 0
        self._names = self._parties = None
        self._done = False

    # The folder, its lock and the temporary folder.

    def _fail(self, error: OSError, doing: str) -> ExportError:
        reason = error.strerror or str(error)
        return ExportError(f"{self.option}: cannot {doing} {_short(self.directory)}: {reason}")

    def __enter__(self) -> "Exporter":
        missing = []
        for folder in (self.directory, *self.directory.parents):
            if folder.exists() or folder == folder.parent:
                break
            missing.append(folder)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise self._fail(error, "create the folder") from None
        self._created = missing
        lock = self.directory / LOCK_NAME
        try:
            descriptor = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            self._remove_created()
            holder = ""
            with contextlib.suppress(OSError, ValueError):
                holder = f" (process {int(lock.read_text().split()[0])})"
            raise ExportLocked(
                f"{self.option}: {_short(self.directory)} is being written by another malivote run{holder}; "
                f"wait for it to finish, or remove {_short(lock)} if no run is writing it"
            ) from None
        except OSError as error:
            self._remove_created()
            raise self._fail(error, "write into") from None
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"{os.getpid()}\n")
        self._lock = lock
        # An earlier export in another format would stay beside this one, its draws
        # read as this run's: refused, not deleted (they are the user's files now).
        stale = sorted(f"{table}{extension}" for table in TABLES for extension in _EXTENSIONS.values()
                       if extension != self._extension and (self.directory / f"{table}{extension}").exists())
        if stale:
            self._abort()
            raise ExportError(
                f"{self.option}: {_short(self.directory)} holds {', '.join(stale)} from an earlier export in "
                f"another format, which this {self.format} export would leave beside its own files; remove "
                "them or export into another folder")
        try:
            self._temp = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=self.directory))
        except OSError as error:
            self._abort()
            raise self._fail(error, "write into") from None
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if not self._done:
            self._abort()

    def _remove_created(self) -> None:
        for folder in self._created:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty
        self._created = []

    def _abort(self) -> None:
        for sink in list(self._sinks.values()) + ([self._national] if self._national else []):
            with contextlib.suppress(Exception):
                sink.close()
        self._sinks, self._national = {}, None
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None
        if self._lock is not None:
            with contextlib.suppress(OSError):
                self._lock.unlink()
            self._lock = None
        self._remove_created()
        self._done = True

    # Writing.

    def _open(self, name: str):
        path = self._temp / f"{name}{self._extension}"
        if self.format == "parquet":
            return _ParquetSink(path, TABLES[name.split(".")[0]])
        return _CsvSink(path, TABLES[name.split(".")[0]], compress=self.format == "csv.gz")

    def __call__(self, ensemble, decision: Decision) -> None:
        """Write one block of draws (the ``on_block`` hook)."""
        if self._temp is None or self._done:
            raise RuntimeError("Exporter: use it inside a `with` block, before commit()")
        try:
            if self._names is None:
                layout = ensemble.layout
                self._names = np.array(layout.names, dtype=object)
                self._parties = np.array(ensemble.parties, dtype=object)
                for name in TABLES:
                    self._sinks[name] = self._open(name)
                self._counts = dict.fromkeys(TABLES, 0)
                self._counts["constituencies"] = self._sinks["constituencies"].write(
                    [self._names, np.asarray(layout.magnitude), np.array(layout.region, dtype=object)]
                )
            rows, national = _block_rows(ensemble, decision, self._draws, self._names, self._parties)
            for name, columns in rows.items():
                self._counts[name] += self._sinks[name].write(columns)
            if national is not None:
                if self._national is None:
                    self._national = self._open("results.national")
                self._counts["results"] += self._national.write(national)
            self._draws += decision.party_seats.shape[0]
        except OSError as error:
            raise self._fail(error, "write into") from None

    def commit(self, manifest=None) -> dict[str, int]:
        """Finish the files and rename them into the folder; release the lock.

        Parameters
        ----------
        manifest : dict, optional
            The provenance to write as :data:`MANIFEST_NAME` with the files:
            ``manifest(simulation, writer.rows, format=writer.format)``
            (:func:`manifest`).

        Returns
        -------
        dict
            Rows written per file name (``votes.csv``, ...).
        """
        if self._temp is None or self._done:
            raise RuntimeError("Exporter: nothing to commit")
        if self._names is None:
            raise ExportError(f"{self.option}: no draws were written")
        try:
            national, self._national = self._national, None
            if national is not None:
                national.close()
                self._sinks["results"].append(national)
                national.path.unlink()
            for sink in self._sinks.values():
                sink.close()
            files = [(sink.path, self.directory / sink.path.name) for sink in self._sinks.values()]
            self._sinks = {}
            if manifest is not None:
                import json

                written = self._temp / MANIFEST_NAME
                text = json.dumps(manifest, indent=2, ensure_ascii=False)
                written.write_text(text + "\n", encoding="utf-8")
                files.append((written, self.directory / MANIFEST_NAME))
            for _, target in files:
                if target.is_dir():
                    raise IsADirectoryError(21, "a folder is in the way", str(target))
            with _sigint_deferred():
                for source, target in files:
                    os.replace(source, target)
                self._temp.rmdir()
                self._temp = None
                self._created = []
                self._abort()  # releases the lock
        except OSError as error:
            self._abort()
            where = f" ({_short(error.filename)})" if error.filename else ""
            raise ExportError(
                f"{self.option}: cannot write into {_short(self.directory)}: {error.strerror or error}{where}"
            ) from None
        return self.rows

    @property
    def rows(self) -> dict[str, int]:
        """Rows written so far per file name (``votes.csv``, ...)."""
        return {f"{name}{self._extension}": self._counts.get(name, 0) for name in TABLES}


def _short(path, limit: int = 120) -> str:
    text = str(path)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def export(simulation: Simulation, directory, *, format: str = "csv") -> dict[str, int]:
    """Write a kept simulation's files into ``directory`` (see the module's notes),
    atomically, refusing a folder that another run is writing.

    To export a run without keeping its draws, pass an :class:`Exporter` to
    :func:`~malivote.simulate.simulate` as ``on_block`` instead: memory then does not
    grow with the number of draws. Both write the same bytes.

    Returns
    -------
    dict
        Rows written per file.
    """
    if simulation.ensemble is None:
        raise ValueError("simulation: the run kept no draws (keep=False); run it with keep=True to export")
    decision = Decision(
        seats=simulation.seats, round=simulation.round, party_seats=simulation.party_seats,
        women=simulation.women, national=simulation.national,
    )
    with Exporter(directory, format) as writer:
        writer(simulation.ensemble, decision)
        return writer.commit(manifest=manifest(simulation, writer.rows, format=format))


def manifest(simulation: Simulation, rows: dict[str, int], *, format: str = "csv") -> dict:
    """The provenance of a run's export, written as :data:`MANIFEST_NAME`.

    It holds nothing that depends on the chunk size, the workers or the clock, so
    the same seed gives the same manifest.

    Parameters
    ----------
    simulation : Simulation
        The run (kept draws or not).
    rows : dict
        Rows written per file name, as :meth:`Exporter.commit` returns them.
    format : {"csv", "csv.gz", "parquet"}

    Returns
    -------
    dict
        ``malivote_version``, ``scenario``, ``source``, ``scenario_sha256`` (None
        where the scenario has no file), ``seed``, ``draws``, ``rule``, ``rule_settings``, ``tier``,
        ``layout``, ``format``, ``modelled`` (what is a model, not data: empty
        unless the votes are a replay's reconstruction), ``notes`` and ``files``:
        per file, its ``rows``, whether it is ``modelled`` and its ``columns``
        (:data:`COLUMNS`).

    Examples
    --------
    >>> from malivote.scenario import load_scenario
    >>> from malivote.simulate import simulate
    >>> run = simulate(load_scenario("mali_2020"), draws=2, seed=7, keep=False)
    >>> data = manifest(run, {"votes.csv": 10})
    >>> data["seed"], data["draws"], data["files"]["votes.csv"]["modelled"]
    (7, 2, True)
    """
    from malivote import __version__
    from malivote.results import rule_settings, summarise

    scenario = simulation.scenario
    digest = None
    if scenario.source:
        with contextlib.suppress(OSError):
            digest = scenario_sha256(scenario.source)
    modelled = list(summarise(simulation).modelled)
    files = {}
    for name, count in rows.items():
        table = name.split(".")[0]
        files[name] = {"rows": count, "modelled": bool(modelled) and table in _RECONSTRUCTED,
                       "columns": COLUMNS[table]}
    return {
        "malivote_version": __version__,
        "scenario": scenario.name or scenario.source,
        "source": scenario.source,
        "scenario_sha256": digest,
        "seed": simulation.seed,
        "draws": simulation.n_draws,
        "rule": scenario.rule.method,
        "rule_settings": rule_settings(scenario.rule),
        "tier": scenario.rule.tier,
        "layout": simulation.layout_name,
        "format": format,
        "modelled": modelled,
        "notes": list(simulation.notes),
        "files": files,
    }


# -- provenance ----------------------------------------------------------------------


def scenario_files(scenario) -> list[Path]:
    """The files a scenario is read from, in order: the file named (for a shipped
    scenario's name, its file), then the file it ``extends``, then that file's, ...

    Examples
    --------
    >>> [path.name for path in scenario_files("dhondt_districts")]
    ['dhondt_districts.toml', 'mali_2020.toml']
    """
    import tomllib

    from malivote.scenario import shipped_path

    path = Path(scenario)
    if not path.exists():
        path = shipped_path(str(scenario)) or path
    files = []
    while path is not None:
        path = path.resolve()
        if path in files:
            break
        files.append(path)
        try:
            parent = tomllib.loads(path.read_text(encoding="utf-8")).get("extends")
        except (OSError, ValueError):
            break
        if not isinstance(parent, str):
            break
        candidate = path.parent / parent
        path = candidate if candidate.exists() else shipped_path(parent)
    return files


def scenario_sha256(scenario) -> str:
    """The SHA-256 of a scenario's bytes: of the file named, followed by the bytes
    of each file in its ``extends`` chain, in the order :func:`scenario_files` gives.
    For a file that extends nothing, it is the file's own ``sha256sum``; otherwise
    ``cat child.toml parent.toml ... | sha256sum``. CSV files named by ``[data]`` are
    not included.
    """
    digest = hashlib.sha256()
    for path in scenario_files(scenario):
        digest.update(path.read_bytes())
    return digest.hexdigest()
