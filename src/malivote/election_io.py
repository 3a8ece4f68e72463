"""Your own election: votes and seats from CSV files, a DataFrame or arrays.

An :class:`Election` is the election stage of the pipeline for data you bring: its
layout (constituencies and seats), its lists with their parties and rosters, and
their votes, for one election or several draws of it. A scenario names the files in
its ``[data]`` table (``docs/scenarios.md``); Python code builds one with
:meth:`Election.from_csv`, :meth:`Election.from_frame` or :meth:`Election.from_arrays`.

The votes file has the columns of the ``votes.csv`` that ``malivote run --export``
writes, so an export reads back in:

``[draw,] constituency, round, list, parties, votes``
    One row per list per round. ``list`` names the list within its constituency
    (the export's slot number, or any name); ``parties`` joins its parties with
    ``+`` (each name has at least one letter); ``round`` is 1 or 2 (round 2: the
    runoff's votes, for the finalists). With a ``draw`` column the file holds
    several elections, and draw ``i`` of a run uses the file's ``i``-th election,
    cycling.

The constituencies file: ``constituency, seats [, region, registered]``.

An optional rosters file gives each list's candidates in order:
``[draw,] constituency, list, position, party, sex`` (``sex`` ``F`` or ``M``).
Without it, a list's candidates alternate its parties in the order written and
alternate sexes starting with a woman (a zipper list), and the run says so in its
notes: a joint list's seats are then credited to its parties in that order.

Every problem is reported at once, each with the file, line and column.

Examples
--------
>>> import pandas as pd
>>> votes = pd.DataFrame({"constituency": ["North", "North", "South", "South"],
...                       "round": 1, "list": ["a", "b", "a", "b"],
...                       "parties": ["Red", "Blue+Green", "Red", "Blue+Green"],
...                       "votes": [600, 400, 300, 700]})
>>> election = Election.from_frame(votes, seats={"North": 2, "South": 1})
>>> election.parties, election.layout.total_seats, election.ensemble.first.shape
(('Red', 'Blue', 'Green'), 3, (1, 2, 2))
"""

from __future__ import annotations

import csv
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from malivote.election import Ensemble
from malivote.layouts import Layout, custom_layout

__all__ = ["Election", "ElectionDataError", "VOTES_COLUMNS", "CONSTITUENCY_COLUMNS", "ROSTER_COLUMNS"]

VOTES_COLUMNS = ("constituency", "round", "list", "parties", "votes")
CONSTITUENCY_COLUMNS = ("constituency", "seats")
ROSTER_COLUMNS = ("constituency", "list", "position", "party", "sex")
_MAX_PROBLEMS = 25
_MAX_COUNT = 2**53
_PARTY = re.compile(r"[^\W\d_]", re.UNICODE)
#: Parties a bit mask of list members can hold.
MAX_PARTIES = 63
NO_ROSTERS_NOTE = (
    "rosters: not given, so each list's candidates alternate its parties in the order "
    "written and alternate sexes from a woman (a zipper list); seats of joint lists "
    "and women elected follow that convention"
)


class ElectionDataError(ValueError):
    """Election data that cannot be used; the message lists every problem with its place.

    Attributes
    ----------
    problems : tuple of str
        Every problem, one line each with its file, line and column (the message
        shows at most the first 25).
    """

    def __init__(self, message: str, problems=None):
        super().__init__(message)
        self.problems = tuple(problems) if problems is not None else (message,)


class _Problems:
    def __init__(self):
        self.lines: list[str] = []

    def add(self, where: str, message: str) -> None:
        self.lines.append(f"{where}: {message}")

    def raise_if_any(self, header: str) -> None:
        if self.lines:
            shown = self.lines[:_MAX_PROBLEMS]
            more = len(self.lines) - len(shown)
            tail = [f"  ... and {more} more"] if more else []
            count = len(self.lines)
            raise ElectionDataError(
                "\n".join([f"{header}: {count} problem{'s' if count > 1 else ''}:"] + [f"  {line}" for line in shown] + tail),
                problems=self.lines,
            )


def _where(source: str, line: int, column: str | None = None) -> str:
    return f"{source}: line {line}" + (f", column {column!r}" if column else "")


def _whole(text, low: int, problems: _Problems, where: str, what: str):
    value = str(text).strip() if text is not None else ""
    try:
        number = int(value)
    except ValueError:
        try:
            real = float(value)
        except ValueError:
            real = None
        if real is not None and real.is_integer() and abs(real) < _MAX_COUNT:
            number = int(real)
        else:
            problems.add(where, f"expected {what}, found {value!r}")
            return None
    if number < low or number >= _MAX_COUNT:
        problems.add(where, f"expected {what}, found {number}")
        return None
    return number


def _locate(record: dict, where, index: dict, problems: _Problems, known_in: str):
    """The draw and constituency index of a row, or None (the problem recorded)."""
    draw = 0
    if "draw" in record:
        draw = _whole(record["draw"], 0, problems, where("draw"), "a draw number, at least 0")
        if draw is None:
            return None
    constituency = record["constituency"]
    if constituency not in index:
        problems.add(where("constituency"), f"unknown constituency {constituency!r}; it is not in {known_in}")
        return None
    return draw, index[constituency]


def _check_registered(registered, valid_by_round, names, lines, seats_label, votes_label, draw_ids,
                      problems: _Problems) -> None:
    """Record a problem for each constituency and round whose valid votes exceed its
    registered voters: such data would make every share of the electorate (turnout,
    ``open_runoff``'s ``qualify``) wrong, so it is refused rather than run."""
    electorate = np.asarray(registered, dtype=np.int64)
    for round_number, valid in enumerate(valid_by_round, start=1):
        over = valid > electorate  # (draws, constituencies)
        for c in np.flatnonzero(over.any(axis=0)):
            worst = int(np.argmax(np.where(over[:, c], valid[:, c], -1)))
            in_draw = f" in draw {draw_ids[worst]}" if len(draw_ids) > 1 or draw_ids[:1] != [0] else ""
            problems.add(
                _where(seats_label, lines[names[c]], "registered"),
                f"expected at least the valid votes of round {round_number} in {names[c]!r} "
                f"({int(valid[worst, c])}{in_draw}, {votes_label}), found {int(electorate[c])} registered voters",
            )


def _records_from_csv(path: Path, required: tuple[str, ...], optional: tuple[str, ...], label: str):
    """The rows of a CSV file as ``(line, record)`` pairs, its header checked.

    Only a regular file is read: a pipe would wait for a writer and a device such as
    ``/dev/zero`` never ends, so both are refused before anything is read.
    """
    try:
        kind = os.stat(path).st_mode
    except FileNotFoundError:
        raise ElectionDataError(f"{label}: no such file: {path}") from None
    except OSError as error:
        raise ElectionDataError(f"{label}: cannot read {path}: {error.strerror}") from None
    if not stat.S_ISREG(kind):
        found = "a directory" if stat.S_ISDIR(kind) else "not a regular file (a device, a pipe or a socket)"
        raise ElectionDataError(f"{label}: {path}: expected a CSV file, found {found}")
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise ElectionDataError(f"{label}: no such file: {path}") from None
    except OSError as error:
        raise ElectionDataError(f"{label}: cannot read {path}: {error.strerror}") from None
    with handle:
        try:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise ElectionDataError(f"{path}: line 1: the file is empty; expected a header with columns {list(required)}")
            header = [name.strip() for name in header]
            _check_repeated(header, f"{path}: line 1")
            missing = [name for name in required if name not in header]
            if missing:
                raise ElectionDataError(
                    f"{path}: line 1: missing column{'s' if len(missing) > 1 else ''} {missing}; "
                    f"expected {list(required)}" + (f", optionally {list(optional)}" if optional else "")
                    + f"; found {header}"
                )
            unknown = [name for name in header if name not in required + optional]
            if unknown:
                raise ElectionDataError(
                    f"{path}: line 1: unknown column{'s' if len(unknown) > 1 else ''} {unknown}; "
                    f"expected {list(required)}" + (f", optionally {list(optional)}" if optional else "")
                )
            rows = []
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    continue
                line = reader.line_num
                if len(row) != len(header):
                    raise ElectionDataError(
                        f"{path}: line {line}: expected {len(header)} fields ({', '.join(header)}), found {len(row)}"
                    )
                rows.append((line, dict(zip(header, (cell.strip() for cell in row)))))
            return rows
        except UnicodeDecodeError as error:
            raise ElectionDataError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
        except csv.Error as error:
            raise ElectionDataError(f"{path}: line {reader.line_num}: not valid CSV: {error}") from None


def _check_repeated(columns, where: str) -> None:
    """Refuse a header that names a column twice: only one of the two would be read."""
    columns = [str(name) for name in columns]
    repeated = sorted({name for name in columns if columns.count(name) > 1})
    if repeated:
        raise ElectionDataError(
            f"{where}: expected each column once, found {repeated} {'more than once' if len(repeated) == 1 else 'each more than once'}"
        )


def _records_from_frame(frame, required, optional, label: str):
    _check_repeated(frame.columns, label)
    missing = [name for name in required if name not in frame.columns]
    if missing:
        raise ElectionDataError(f"{label}: missing column{'s' if len(missing) > 1 else ''} {missing}; found {list(frame.columns)}")
    unknown = [name for name in frame.columns if name not in required + optional]
    if unknown:
        raise ElectionDataError(f"{label}: unknown column{'s' if len(unknown) > 1 else ''} {unknown}; expected {list(required)}"
                                + (f", optionally {list(optional)}" if optional else ""))
    records = frame.to_dict("records")
    # Row i of a frame reads as line i + 2 of the CSV it would be (after the header).
    return [(index + 2, {k: ("" if v is None else str(v).strip()) for k, v in record.items()}) for index, record in enumerate(records)]


@dataclass(frozen=True, eq=False)
class Election:
    """An election given as data, ready for the pipeline.

    Attributes
    ----------
    ensemble : Ensemble
        Its elections as arrays: one draw per election given (``draw`` column).
    source : str
        Where it came from, for messages.
    """

    ensemble: Ensemble
    source: str = "<election>"

    @property
    def layout(self) -> Layout:
        return self.ensemble.layout

    @property
    def parties(self) -> tuple[str, ...]:
        return self.ensemble.parties

    @property
    def n_elections(self) -> int:
        return self.ensemble.n_draws

    @property
    def has_second_round(self) -> bool:
        return bool(self.ensemble.second.any())

    def draws(self, first_draw: int, count: int) -> Ensemble:
        """Draws ``first_draw`` to ``first_draw + count - 1`` of a run: the given
        elections in order, cycling."""
        index = (first_draw + np.arange(count)) % self.n_elections
        base = self.ensemble
        return base.replace(
            first=base.first[index], second=base.second[index], members=base.members[index],
            roster_party=base.roster_party[index], roster_female=base.roster_female[index],
            turnout=base.turnout[index], first_draw=first_draw,
        )

    # ------------------------------------------------------------ constructors

    @classmethod
    def from_csv(cls, votes, constituencies, *, rosters=None, total_seats: int | None = None,
                 name: str = "custom") -> "Election":
        """Read an election from CSV files (see the module docstring for the columns).

        Parameters
        ----------
        votes, constituencies : path
        rosters : path, optional
        total_seats : int, optional
            The seats the constituencies must add up to.
        name : str
            The layout's name.

        Raises
        ------
        ElectionDataError
            Listing every problem with its file, line and column.
        """
        votes, constituencies = Path(votes), Path(constituencies)
        vote_rows = _records_from_csv(votes, VOTES_COLUMNS, ("draw",), "data.votes")
        seat_rows = _records_from_csv(constituencies, CONSTITUENCY_COLUMNS, ("region", "registered"), "data.constituencies")
        roster_rows = None
        if rosters is not None:
            rosters = Path(rosters)
            roster_rows = _records_from_csv(rosters, ROSTER_COLUMNS, ("draw",), "data.rosters")
        return cls._build(vote_rows, str(votes), seat_rows, str(constituencies), roster_rows,
                          str(rosters) if rosters is not None else "", total_seats, name)

    @classmethod
    def from_frame(cls, votes, seats, *, rosters=None, total_seats: int | None = None,
                   name: str = "custom") -> "Election":
        """An election from a long-format DataFrame of votes.

        Parameters
        ----------
        votes : pandas.DataFrame
            Columns ``constituency, round, list, parties, votes`` and optionally
            ``draw`` (as the votes CSV).
        seats : mapping or pandas.DataFrame
            Seats per constituency: ``{name: seats}``, or a frame with columns
            ``constituency, seats`` and optionally ``region, registered``.
        rosters : pandas.DataFrame, optional
            Columns ``constituency, list, position, party, sex`` [, ``draw``].
        total_seats : int, optional
        name : str
        """
        import pandas as pd

        if isinstance(seats, dict):
            seats = pd.DataFrame({"constituency": list(seats), "seats": list(seats.values())})
        vote_rows = _records_from_frame(votes, VOTES_COLUMNS, ("draw",), "votes")
        seat_rows = _records_from_frame(seats, CONSTITUENCY_COLUMNS, ("region", "registered"), "seats")
        roster_rows = None if rosters is None else _records_from_frame(rosters, ROSTER_COLUMNS, ("draw",), "rosters")
        return cls._build(vote_rows, "votes", seat_rows, "seats", roster_rows, "rosters", total_seats, name)

    @classmethod
    def from_arrays(cls, first, magnitude, lists, *, second=None, names=None, region=None,
                    registered=None, name: str = "custom") -> "Election":
        """An election from arrays of votes.

        Parameters
        ----------
        first : array_like of int, shape (C, K) or (D, C, K)
            Round-1 votes per constituency and list (0 for a list that does not stand).
        magnitude : array_like of int, shape (C,)
        lists : sequence of str, length K
            The ``+``-joined parties of each list column (the same lists everywhere).
        second : array_like of int, optional
            Round-2 votes, shaped like ``first``.
        names : sequence of str, optional
            Constituency names (default ``"C1"``, ``"C2"``, ...).

        Examples
        --------
        >>> election = Election.from_arrays([[60, 40], [30, 70]], [2, 1], ["A", "B"])
        >>> election.parties, election.ensemble.first.shape
        (('A', 'B'), (1, 2, 2))
        """
        import pandas as pd

        first = np.asarray(first)
        if first.ndim == 2:
            first = first[None]
        if first.ndim != 3:
            raise ElectionDataError(f"first: expected shape (C, K) or (D, C, K), found {first.shape}")
        draws, n_constituencies, n_lists = first.shape
        names = list(names) if names is not None else [f"C{i + 1}" for i in range(n_constituencies)]
        if len(names) != n_constituencies:
            raise ElectionDataError(f"names: expected {n_constituencies} names, found {len(names)}")
        lists = list(lists)
        if len(lists) != n_lists:
            raise ElectionDataError(f"lists: expected {n_lists} lists (the last axis of first), found {len(lists)}")
        magnitude = np.asarray(magnitude)
        if magnitude.shape != (n_constituencies,):
            raise ElectionDataError(f"magnitude: expected shape ({n_constituencies},), found {magnitude.shape}")
        frames = []
        for round_number, votes in ((1, first), (2, None if second is None else np.asarray(second).reshape(first.shape))):
            if votes is None:
                continue
            d, c, k = np.nonzero(votes > 0) if round_number == 2 else np.nonzero(np.ones_like(votes, bool))
            frames.append(pd.DataFrame({
                "draw": d, "constituency": np.array(names, dtype=object)[c], "round": round_number,
                "list": k, "parties": np.array(lists, dtype=object)[k], "votes": votes[d, c, k],
            }))
        seats = pd.DataFrame({"constituency": names, "seats": magnitude})
        if region is not None:
            seats["region"] = list(region)
        if registered is not None:
            seats["registered"] = list(registered)
        return cls.from_frame(pd.concat(frames, ignore_index=True), seats, name=name)

    # ------------------------------------------------------------ the one builder

    @classmethod
    def _build(cls, vote_rows, votes_label, seat_rows, seats_label, roster_rows, rosters_label,
               total_seats, name) -> "Election":
        problems = _Problems()
        # Constituencies.
        names, magnitude, regions, registered = [], [], [], []
        has_region = any("region" in record for _, record in seat_rows)
        has_registered = any("registered" in record for _, record in seat_rows)
        seen: dict[str, int] = {}
        for line, record in seat_rows:
            constituency = record["constituency"]
            if not constituency:
                problems.add(_where(seats_label, line, "constituency"), "expected a constituency name, found an empty cell")
                continue
            if constituency in seen:
                problems.add(_where(seats_label, line, "constituency"),
                             f"constituency {constituency!r} is listed twice (also on line {seen[constituency]})")
                continue
            seen[constituency] = line
            count = _whole(record["seats"], 1, problems, _where(seats_label, line, "seats"), "a whole number of seats, at least 1")
            names.append(constituency)
            magnitude.append(count or 1)
            regions.append(record.get("region") or name)
            if has_registered:
                voters = _whole(record.get("registered", ""), 0, problems, _where(seats_label, line, "registered"),
                                "a whole number of registered voters, at least 0")
                registered.append(voters or 0)
        if not names:
            problems.add(seats_label, "no constituencies: expected one row per constituency with its seats")
        if total_seats is not None and not problems.lines and sum(magnitude) != total_seats:
            problems.add(_where(seats_label, seat_rows[-1][0], "seats"),
                         f"the seats add up to {sum(magnitude)}, expected {total_seats} (data.seats)")
        index = {constituency: i for i, constituency in enumerate(names)}

        # Lists and votes.
        parties: list[str] = []
        lists: dict[tuple[int, int], dict[str, int]] = {}  # (draw, constituency) -> list name -> slot
        list_parties: dict[tuple[int, int, int], tuple[str, ...]] = {}
        cells: dict[tuple[int, int, int, int], tuple[int, int]] = {}  # (draw, c, slot, round) -> (votes, line)
        draws_seen: set[int] = set()
        rows_of: set[tuple[int, int]] = set()  # (draw, constituency) with rows, bad ones included
        for line, record in vote_rows:
            where = lambda column: _where(votes_label, line, column)  # noqa: E731
            located = _locate(record, where, index, problems, seats_label)
            if located is None:
                continue
            draw, c = located
            rows_of.add((draw, c))
            constituency = record["constituency"]
            round_number = _whole(record["round"], 1, problems, where("round"), "round 1 or 2")
            if round_number is not None and round_number > 2:
                problems.add(where("round"), f"expected round 1 or 2, found {round_number}")
                round_number = None
            count = _whole(record["votes"], 0, problems, where("votes"), "a whole number of votes, at least 0")
            label = record["list"]
            if not label:
                problems.add(where("list"), "expected a list name or number, found an empty cell")
                continue
            members = tuple(part.strip() for part in record["parties"].split("+"))
            bad = [p for p in members if not _PARTY.search(p)]
            if bad:
                problems.add(where("parties"), f"expected party names joined with '+', each with at least one letter, found {record['parties']!r}")
                continue
            if round_number is None or count is None:
                continue
            draws_seen.add(draw)
            slots = lists.setdefault((draw, c), {})
            if label not in slots:
                if round_number == 2:
                    problems.add(where("round"), f"list {label!r} of {constituency!r} has round-2 votes but no round-1 row above")
                    continue
                slots[label] = len(slots)
                list_parties[(draw, c, slots[label])] = members
                for party in members:
                    if party not in parties:
                        parties.append(party)
            slot = slots[label]
            if list_parties[(draw, c, slot)] != members:
                problems.add(where("parties"), f"list {label!r} of {constituency!r} has parties "
                             f"{'+'.join(list_parties[(draw, c, slot)])!r} elsewhere, {record['parties']!r} here")
                continue
            key = (draw, c, slot, round_number)
            if key in cells:
                problems.add(where("list"), f"duplicate list {label!r} in {constituency!r}, round {round_number}"
                             + (f", draw {draw}" if "draw" in record else "") + f" (first on line {cells[key][1]})")
                continue
            cells[key] = (count, line)
        if len(parties) > MAX_PARTIES:
            problems.add(votes_label, f"expected at most {MAX_PARTIES} parties, found {len(parties)}")
        draw_ids = sorted(draws_seen)
        for draw in draw_ids or [0]:
            for constituency, c in index.items():
                # A constituency whose every row was refused has its problems already.
                if (draw, c) not in lists and (draw, c) not in rows_of:
                    problems.add(votes_label, f"constituency {constituency!r} has no lists"
                                 + (f" in draw {draw}" if len(draw_ids) > 1 or draw_ids[:1] != [0] else ""))
        problems.raise_if_any(f"{votes_label}")

        # Arrays.
        draw_position = {draw: i for i, draw in enumerate(draw_ids)}
        n_draws, n_constituencies = len(draw_ids), len(names)
        n_slots = max(len(slots) for slots in lists.values())
        longest = int(max(magnitude))
        shape = (n_draws, n_constituencies, n_slots)
        first = np.zeros(shape, np.int64)
        second = np.zeros(shape, np.int64)
        members_mask = np.zeros(shape, np.int64)
        party_index = {party: i for i, party in enumerate(parties)}
        for (draw, c, slot, round_number), (count, _) in cells.items():
            (first if round_number == 1 else second)[draw_position[draw], c, slot] = count
        for (draw, c, slot), members in list_parties.items():
            members_mask[draw_position[draw], c, slot] = sum(1 << party_index[p] for p in set(members))
        roster_party = np.full(shape + (longest,), -1, np.int16)
        roster_female = np.zeros(shape + (longest,), bool)
        notes = []
        if roster_rows is None:
            for (draw, c, slot), members in list_parties.items():
                for position in range(magnitude[c]):
                    roster_party[draw_position[draw], c, slot, position] = party_index[members[position % len(members)]]
                    roster_female[draw_position[draw], c, slot, position] = position % 2 == 0
            notes.append(NO_ROSTERS_NOTE)
        else:
            cls._fill_rosters(roster_rows, rosters_label, index, lists, list_parties, party_index, magnitude,
                              draw_position, roster_party, roster_female, problems)
            problems.raise_if_any(rosters_label)
        valid = first.sum(axis=-1)
        valid_second = second.sum(axis=-1)
        if has_registered:
            _check_registered(registered, (valid, valid_second), names, seen, seats_label, votes_label,
                              draw_ids, problems)
            problems.raise_if_any(seats_label)
        turnout = np.zeros((n_draws, n_constituencies, 2, 4), np.int64)
        turnout[..., 0, 1] = turnout[..., 0, 3] = valid
        turnout[..., 1, 1] = turnout[..., 1, 3] = valid_second
        if has_registered:
            turnout[..., 0, 0] = np.array(registered)
            turnout[..., 1, 0] = np.where(valid_second > 0, np.array(registered), 0)
        else:
            turnout[..., 0, 0] = valid
            turnout[..., 1, 0] = valid_second
            notes.append("turnout: the data give valid votes only (no registered voters, blank or invalid ballots)")
        layout = custom_layout(names, magnitude, region=regions if has_region else None,
                               registered=registered if has_registered else None, name=name)
        ensemble = Ensemble(
            layout=layout, parties=tuple(parties), first=first, second=second, members=members_mask,
            roster_party=roster_party, roster_female=roster_female, turnout=turnout, year=None, notes=tuple(notes),
        )
        return cls(ensemble=ensemble, source=votes_label)

    @staticmethod
    def _fill_rosters(rows, label, index, lists, list_parties, party_index, magnitude, draw_position,
                      roster_party, roster_female, problems) -> None:
        filled: dict[tuple[int, int, int], set[int]] = {}
        for line, record in rows:
            where = lambda column: _where(label, line, column)  # noqa: E731
            located = _locate(record, where, index, problems, "the votes file")
            if located is None:
                continue
            draw, c = located
            constituency = record["constituency"]
            slot = lists.get((draw, c), {}).get(record["list"])
            if slot is None or draw not in draw_position:
                problems.add(where("list"), f"list {record['list']!r} of {constituency!r} has no votes in the votes file")
                continue
            position = _whole(record["position"], 1, problems, where("position"), "a position, at least 1")
            if position is None:
                continue
            if position > magnitude[c]:
                problems.add(where("position"), f"expected at most {magnitude[c]} candidates (the seats of {constituency!r}), found position {position}")
                continue
            party = record["party"]
            if party not in list_parties[(draw, c, slot)]:
                problems.add(where("party"), f"{party!r} is not one of the list's parties {list(list_parties[(draw, c, slot)])}")
                continue
            sex = record["sex"].upper()
            if sex not in ("F", "M"):
                problems.add(where("sex"), f"expected F or M, found {record['sex']!r}")
                continue
            taken = filled.setdefault((draw, c, slot), set())
            if position in taken:
                problems.add(where("position"), f"position {position} of list {record['list']!r} in {constituency!r} is given twice")
                continue
            taken.add(position)
            at = (draw_position[draw], c, slot, position - 1)
            roster_party[at] = party_index[party]
            roster_female[at] = sex == "F"
        names = list(index)
        for (draw, c, slot) in list_parties:
            given = filled.get((draw, c, slot), set())
            if given != set(range(1, magnitude[c] + 1)):
                list_name = next(name for name, s in lists[(draw, c)].items() if s == slot)
                problems.add(label, f"list {list_name!r} of {names[c]!r}: expected candidates at positions 1 to "
                             f"{magnitude[c]} (the seats there), found {sorted(given) or 'none'}")
