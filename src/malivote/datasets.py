"""The facts malivote is built on: Mali's districts, parties and official results.

The data ship as CSV files in ``malivote/data`` (read with :mod:`importlib.resources`
and the standard :mod:`csv` module); ``malivote/data/SOURCES.md`` says where every
figure comes from, and every row carries a ``source`` column. The files are parsed into
frozen dataclasses and checked when first loaded:

* every value has the right type, and a broken value raises :class:`DataError`
  naming the file, the row and the column;
* the 55 districts hold 147 seats;
* each year's national seat table sums to 147 (round by round where both rounds are
  known), and agrees with the round summary's seats per round;
* every party named anywhere exists in ``parties.csv`` and every district in
  ``districts.csv``;
* the national counts of ``election_facts.csv`` (women elected, candidates, lists)
  are consistent (e.g. lists = deposited - rejected).

Unknown figures are ``None``: nothing is filled in by guesswork. The few figures
derived by arithmetic from sourced ones (e.g. 2013's round-2 invalid ballots = votes
cast - valid votes) say so in their ``note``.

Party ids are short ASCII identifiers used across all files (``"ADEMA"`` for
ADEMA-PASJ, ``"ASMA"`` for ASMA-CFP, ``"Yelema"`` for Yéléma, ``"PMK"`` for Parti Mali
Kanu, ...); :attr:`Party.abbreviation` and the names keep the usual spelling. Three
pseudo-parties are explicit: ``"OTHER"`` (other parties), ``"IND"`` (independents)
and, for 2007, ``"ADP-OTHER"`` (the ADP coalition's seats other than ADEMA's and URD's).

Examples
--------
>>> from malivote import datasets
>>> len(datasets.districts()), sum(d.seats for d in datasets.districts())
(55, 147)
>>> datasets.seat_totals(2020)["RPM"]
51
"""

from __future__ import annotations

import csv
import io
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

__all__ = [
    "YEARS",
    "TOTAL_SEATS",
    "N_DISTRICTS",
    "DataError",
    "District",
    "Party",
    "SeatResult",
    "ProvisionalResult",
    "RoundSummary",
    "DistrictResult",
    "Coalition",
    "ElectionFact",
    "ElectionFacts",
    "districts",
    "district_index",
    "parties",
    "party",
    "national_results",
    "seat_totals",
    "provisional_results",
    "round_summary",
    "known_district_results",
    "coalitions",
    "election_facts",
]

#: The elections with shipped results.
YEARS: tuple[int, ...] = (2007, 2013, 2020)
#: Seats in the National Assembly (Loi n°96-57), every year shipped.
TOTAL_SEATS = 147
#: Electoral districts: the 49 cercles and the 6 communes of Bamako.
N_DISTRICTS = 55

_STATUSES = ("final", "provisional", "court_final")
_KINDS = ("party", "pseudo")
#: The national facts of ``election_facts.csv`` and the type of their values.
_FACT_TYPES: dict[str, type] = {
    "women_elected": int,
    "candidates": int,
    "women_candidates": int,
    "lists": int,
    "lists_deposited": int,
    "lists_rejected": int,
    "gender_law": bool,
}


class DataError(ValueError):
    """A package data file is malformed or inconsistent.

    The message names the file and, where it applies, the row (1-based, the header
    not counted) and the column.

    Examples
    --------
    >>> raise DataError("districts.csv: row 3, column 'seats': expected an integer")
    Traceback (most recent call last):
    ...
    malivote.datasets.DataError: districts.csv: row 3, column 'seats': expected an integer
    """


# ----------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class District:
    """One of the 55 electoral districts.

    Attributes
    ----------
    index : int
        Position in :func:`districts` (0-based); the ``mali-55`` layout uses it.
    region, district : str
        Region and district name (ASCII spelling, e.g. ``"Segou"``, ``"Commune IV"``).
    seats : int
        Deputies elected (Loi n°96-57 of 1996, never revised).
    seats_confidence : str
        ``"high"`` or a sentence explaining a lower confidence.
    registered_2013, registered_2007 : int or None
        Registered voters where a source gives them (most are unknown).
    registered_note : str or None
        Any other registration figure, as reported (e.g. ``"2020: about 114000"``).
    source : str
        Short citation.

    Examples
    --------
    >>> kati = districts()[district_index("Kati")]
    >>> kati.region, kati.seats
    ('Koulikoro', 7)
    """

    index: int
    region: str
    district: str
    seats: int
    seats_confidence: str
    registered_2013: int | None
    registered_2007: int | None
    registered_note: str | None
    source: str


@dataclass(frozen=True)
class Party:
    """A party or pseudo-party.

    Attributes
    ----------
    id : str
        The identifier used in every data file (``"ADEMA"``, ``"Yelema"``, ``"IND"``).
    abbreviation : str
        Usual short form (``"ADEMA-PASJ"``, ``"Yéléma"``).
    name_fr, name_en : str or None
        Full names; ``None`` where no source gives one.
    colour : str
        ``#rrggbb`` display colour (a display choice, not a fact).
    kind : str
        ``"party"`` or ``"pseudo"`` (``OTHER``, ``IND``, ``ADP-OTHER``).
    note : str or None
    source : str

    Examples
    --------
    >>> party("Yelema").abbreviation
    'Yéléma'
    >>> party("IND").kind
    'pseudo'
    """

    id: str
    abbreviation: str
    name_fr: str | None
    name_en: str | None
    colour: str
    kind: str
    note: str | None
    source: str

    @property
    def display_name(self) -> str:
        """The English name, else the French name, else the abbreviation.

        Examples
        --------
        >>> party("RPM").display_name
        'Rally for Mali'
        """
        return self.name_en or self.name_fr or self.abbreviation


@dataclass(frozen=True)
class SeatResult:
    """A party's official (final) seats in one election.

    Rows with ``within=None`` form the national table: their totals sum to 147.
    Rows with ``within`` set are a breakdown of a pseudo-party's seats (2007: parties
    inside ``ADP-OTHER``) and are left out of that sum.

    Attributes
    ----------
    year : int
    party : str
        Party id.
    round1, round2 : int or None
        Seats won in each round; ``None`` where unknown (all of 2013).
    total : int or None
        Seats in all; ``None`` only for a breakdown row whose total is unknown.
    within : str or None
        The pseudo-party this row breaks down.
    members : tuple of str
        For a pseudo-party: the party ids known to be counted in it.
    note : str or None
    source : str

    Examples
    --------
    >>> rpm = [r for r in national_results(2020) if r.party == "RPM"][0]
    >>> rpm.round1, rpm.round2, rpm.total
    (10, 41, 51)
    """

    year: int
    party: str
    round1: int | None
    round2: int | None
    total: int | None
    within: str | None
    members: tuple[str, ...]
    note: str | None
    source: str


@dataclass(frozen=True)
class ProvisionalResult:
    """A party's provisional seats (the ministry's count, before the court).

    Some counts were reported as ranges (2020: "ADEMA 22-23"), hence a minimum and a
    maximum; ``seats_min == seats_max`` for a single figure.

    Examples
    --------
    >>> a = [r for r in provisional_results(2020) if r.party == "ADEMA"][0]
    >>> a.seats_min, a.seats_max
    (22, 23)
    """

    year: int
    party: str
    seats_min: int
    seats_max: int
    note: str | None
    source: str


@dataclass(frozen=True)
class RoundSummary:
    """National figures for one round of one election.

    Attributes
    ----------
    year, round : int
    districts, seats : int
        Districts and seats decided in this round.
    registered, votes_cast, invalid, valid : int or None
        Registered voters (of the districts voting in the round), ballots cast,
        blank and invalid ballots, valid votes (suffrages exprimés). ``None`` where
        unknown.
    turnout_pct : float or None
        Turnout as reported (percent).
    note : str or None
    source : str

    Examples
    --------
    >>> r1 = round_summary(2020)[0]
    >>> r1.districts, r1.seats, r1.registered, r1.valid
    (12, 22, 7663464, 2603157)
    """

    year: int
    round: int
    districts: int
    seats: int
    registered: int | None
    votes_cast: int | None
    invalid: int | None
    valid: int | None
    turnout_pct: float | None
    note: str | None
    source: str


@dataclass(frozen=True)
class DistrictResult:
    """A known district result: the winning list and what else is known.

    Attributes
    ----------
    year : int
    district : str
    round : int
        The round that decided the district.
    status : str
        ``"final"`` (the Constitutional Court's result), ``"provisional"`` (the
        ministry's, before the court: a strong hint, not a hard fact) or
        ``"court_final"`` (the court changed the winner).
    winning_list : tuple of str
        Party ids of the winning list; may name only the known members (2013 Kati:
        "RPM-led list"); empty when the winner is not in the sources.
    winner_share_pct : float or None
        The winner's share of valid votes in the deciding round.
    runner_up_list : tuple of str
        The other finalist, where known (empty otherwise).
    seat_split : Mapping[str, int]
        How the list's seats went to parties, where known or inferred (read-only;
        may cover only part of the seats).
    provisional_winning_list : tuple of str
        For ``court_final`` rows: the provisional winner the court overturned, where
        known.
    provisional_share_pct : float or None
        For ``court_final`` rows: the overturned provisional winner's share of valid
        votes in the ministry's count, where known (2020 Sikasso: 54.86).
    note : str or None
    source : str

    Examples
    --------
    >>> kayes = [r for r in known_district_results(2020) if r.district == "Kayes"][0]
    >>> kayes.winning_list
    ('ADP-Maliba', 'ADEMA', 'RPM', 'URD')
    >>> dict(kayes.seat_split)
    {'ADP-Maliba': 1, 'ADEMA': 2, 'RPM': 1, 'URD': 1}
    """

    year: int
    district: str
    round: int
    status: str
    winning_list: tuple[str, ...]
    winner_share_pct: float | None
    runner_up_list: tuple[str, ...]
    seat_split: Mapping[str, int] = field(hash=False)
    provisional_winning_list: tuple[str, ...] = ()
    provisional_share_pct: float | None = None
    note: str | None = None
    source: str = ""

    @property
    def is_hard_fact(self) -> bool:
        """Whether the row is a final result (``final`` or ``court_final``).

        Examples
        --------
        >>> [r.is_hard_fact for r in known_district_results(2013)][:1]
        [True]
        """
        return self.status != "provisional"


@dataclass(frozen=True)
class Coalition:
    """A national coalition and its seats (2007 only in the sources).

    Examples
    --------
    >>> adp = coalitions(2007)[0]
    >>> adp.coalition, adp.members, adp.seats_final
    ('ADP', ('ADEMA', 'URD', 'ADP-OTHER'), 113)
    """

    year: int
    coalition: str
    name_en: str | None
    members: tuple[str, ...]
    seats_final: int
    seats_provisional: int | None
    note: str | None
    source: str


@dataclass(frozen=True)
class ElectionFact:
    """One national fact of one election (a row of ``election_facts.csv``).

    Attributes
    ----------
    year : int
    fact : str
        ``"women_elected"`` (deputies who are women), ``"candidates"`` and
        ``"women_candidates"`` (round-1 candidates), ``"lists"`` (lists competing in
        round 1), ``"lists_deposited"``, ``"lists_rejected"`` (by the Constitutional
        Court before round 1) or ``"gender_law"`` (whether Loi 2015-052's quota
        applied).
    value : int, bool or None
        ``None`` for a fact the sources give only approximately (the ``note`` says
        what they give).
    note : str or None
        Other figures reported, percentages, approximations.
    source : str

    Examples
    --------
    >>> [(f.fact, f.value) for f in election_facts(2007).rows][:3]
    [('lists_deposited', 535), ('lists_rejected', 5), ('lists', 530)]
    """

    year: int
    fact: str
    value: int | bool | None
    note: str | None
    source: str


@dataclass(frozen=True)
class ElectionFacts:
    """The national counts of one election: women, candidates and lists.

    Built from the year's rows of ``election_facts.csv``; a count no source gives
    (or gives only approximately) is ``None``.

    Attributes
    ----------
    year : int
    women_elected : int or None
        Deputies who are women.
    candidates, women_candidates : int or None
        Round-1 candidates, and the women among them.
    lists : int or None
        Lists competing in round 1.
    lists_deposited, lists_rejected : int or None
        Lists deposited, and rejected by the Constitutional Court before round 1.
    gender_law : bool
        Whether the gender quota of Loi 2015-052 (18 Dec 2015) applied: a list of 3
        or more candidates may have at most 70% of one sex.
    rows : tuple of ElectionFact
        The rows, with their notes and sources.

    Examples
    --------
    >>> f = election_facts(2020)
    >>> f.women_elected, f.candidates, f.women_candidates, f.lists, f.gender_law
    (42, 1451, 427, None, True)
    >>> f.row("women_elected").note
    '29% of the 147 seats; NDI (seed 004) says 41 (not used)'
    """

    year: int
    women_elected: int | None
    candidates: int | None
    women_candidates: int | None
    lists: int | None
    lists_deposited: int | None
    lists_rejected: int | None
    gender_law: bool
    rows: tuple[ElectionFact, ...]

    def row(self, fact: str) -> ElectionFact | None:
        """The row of ``fact`` (with its note and source), or ``None`` if there is none.

        Raises
        ------
        KeyError
            If ``fact`` is not one of the facts ``election_facts.csv`` may hold.

        Examples
        --------
        >>> election_facts(2007).row("candidates").note
        'about 1,400 candidates in round 1 (approximate, so not shipped as a number)'
        >>> election_facts(2013).row("candidates") is None
        True
        """
        if fact not in _FACT_TYPES:
            raise KeyError(f"unknown fact {fact!r}; expected one of {tuple(_FACT_TYPES)}")
        for r in self.rows:
            if r.fact == fact:
                return r
        return None


# --------------------------------------------------------------------- CSV parsing


class _Row:
    """One CSV row with typed accessors whose errors name file, row and column."""

    def __init__(self, filename: str, number: int, values: dict[str, str]):
        self.filename = filename
        self.number = number
        self.values = values

    def error(self, column: str | None, message: str) -> DataError:
        where = f"{self.filename}: row {self.number}"
        if column is not None:
            where += f", column {column!r}"
        return DataError(f"{where}: {message}")

    def text(self, column: str, *, required: bool = True) -> str | None:
        value = self.values[column].strip()
        if not value:
            if required:
                raise self.error(column, "is empty")
            return None
        return value

    def int(self, column: str, *, required: bool = True, minimum: int = 0) -> int | None:
        raw = self.text(column, required=required)
        if raw is None:
            return None
        try:
            value = int(raw)
        except ValueError:
            raise self.error(column, f"expected an integer, got {raw!r}") from None
        if value < minimum:
            raise self.error(column, f"expected an integer >= {minimum}, got {value}")
        return value

    def float(self, column: str, *, required: bool = True) -> float | None:
        raw = self.text(column, required=required)
        if raw is None:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise self.error(column, f"expected a number, got {raw!r}") from None
        if not 0.0 <= value <= 100.0:
            raise self.error(column, f"expected a percentage in [0, 100], got {raw!r}")
        return value

    def bool(self, column: str, *, required: bool = True) -> bool | None:
        raw = self.text(column, required=required)
        if raw is None:
            return None
        if raw not in ("true", "false"):
            raise self.error(column, f"expected 'true' or 'false', got {raw!r}")
        return raw == "true"

    def choice(self, column: str, choices: Iterable[str]) -> str:
        value = self.text(column)
        choices = tuple(choices)
        if value not in choices:
            raise self.error(column, f"expected one of {choices}, got {value!r}")
        return value

    def ids(self, column: str, sep: str) -> tuple[str, ...]:
        raw = self.text(column, required=False)
        if raw is None:
            return ()
        items = tuple(item.strip() for item in raw.split(sep))
        if any(not item for item in items):
            raise self.error(column, f"empty item in {raw!r}")
        if len(set(items)) != len(items):
            raise self.error(column, f"repeated item in {raw!r}")
        return items

    def split(self, column: str) -> Mapping[str, int]:
        raw = self.text(column, required=False)
        out: dict[str, int] = {}
        for item in (raw or "").split():
            name, _, count = item.partition(":")
            if not name or not count.isdigit() or int(count) < 1 or name in out:
                raise self.error(column, f"expected 'PARTY:SEATS ...' with SEATS >= 1, got {raw!r}")
            out[name] = int(count)
        return types.MappingProxyType(out)


def _read_rows(text: str, filename: str, columns: tuple[str, ...]) -> list[_Row]:
    """Parse CSV text, checking the header has exactly ``columns``."""
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise DataError(f"{filename}: the file is empty") from None
    if tuple(header) != columns:
        missing = [c for c in columns if c not in header]
        extra = [c for c in header if c not in columns]
        raise DataError(
            f"{filename}: header {header} does not match the expected columns {list(columns)}"
            + (f" (missing {missing})" if missing else "")
            + (f" (unexpected {extra})" if extra else "")
        )
    rows = []
    for number, values in enumerate(reader, start=1):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(columns):
            raise DataError(
                f"{filename}: row {number}: expected {len(columns)} fields, got {len(values)}"
            )
        rows.append(_Row(filename, number, dict(zip(columns, values, strict=True))))
    if not rows:
        raise DataError(f"{filename}: no data rows")
    return rows


def _unique(rows: list[_Row], key: Callable[[_Row], object], column: str) -> None:
    seen: dict[object, int] = {}
    for row in rows:
        k = key(row)
        if k in seen:
            raise row.error(column, f"duplicate {k!r} (first at row {seen[k]})")
        seen[k] = row.number


def _year(row: _Row) -> int:
    year = row.int("year")
    if year not in YEARS:
        raise row.error("year", f"expected one of {YEARS}, got {year}")
    return year


_DISTRICT_COLUMNS = (
    "region", "district", "seats", "seats_confidence", "registered_2013",
    "registered_2007", "registered_note", "source",
)


def _parse_districts(text: str, filename: str = "districts.csv") -> tuple[District, ...]:
    """Parse and check the district table.

    Examples
    --------
    >>> head = ",".join(_DISTRICT_COLUMNS)
    >>> _parse_districts(head + "\\nKayes,Kayes,x,high,,,,s", "bad.csv")
    Traceback (most recent call last):
    ...
    malivote.datasets.DataError: bad.csv: row 1, column 'seats': expected an integer, got 'x'
    """
    rows = _read_rows(text, filename, _DISTRICT_COLUMNS)
    _unique(rows, lambda r: r.text("district"), "district")
    out = tuple(
        District(
            index=i,
            region=r.text("region"),
            district=r.text("district"),
            seats=r.int("seats", minimum=1),
            seats_confidence=r.text("seats_confidence"),
            registered_2013=r.int("registered_2013", required=False, minimum=1),
            registered_2007=r.int("registered_2007", required=False, minimum=1),
            registered_note=r.text("registered_note", required=False),
            source=r.text("source"),
        )
        for i, r in enumerate(rows)
    )
    if len(out) != N_DISTRICTS:
        raise DataError(f"{filename}: {len(out)} districts, expected {N_DISTRICTS}")
    total = sum(d.seats for d in out)
    if total != TOTAL_SEATS:
        raise DataError(f"{filename}: column 'seats' sums to {total}, expected {TOTAL_SEATS}")
    return out


_PARTY_COLUMNS = ("id", "abbreviation", "name_fr", "name_en", "colour", "kind", "note", "source")


def _parse_parties(text: str, filename: str = "parties.csv") -> tuple[Party, ...]:
    """Parse and check the party table (ids and colours unique, colours ``#rrggbb``)."""
    rows = _read_rows(text, filename, _PARTY_COLUMNS)
    _unique(rows, lambda r: r.text("id"), "id")
    _unique(rows, lambda r: r.text("colour").lower(), "colour")
    out = []
    for r in rows:
        pid = r.text("id")
        if any(c in pid for c in "+: ") or not pid.isascii():
            raise r.error("id", f"ids must be ASCII without '+', ':' or spaces, got {pid!r}")
        colour = r.text("colour")
        if len(colour) != 7 or colour[0] != "#" or any(c not in "0123456789abcdefABCDEF" for c in colour[1:]):
            raise r.error("colour", f"expected '#rrggbb', got {colour!r}")
        out.append(
            Party(
                id=pid,
                abbreviation=r.text("abbreviation"),
                name_fr=r.text("name_fr", required=False),
                name_en=r.text("name_en", required=False),
                colour=colour,
                kind=r.choice("kind", _KINDS),
                note=r.text("note", required=False),
                source=r.text("source"),
            )
        )
    return tuple(out)


_NATIONAL_COLUMNS = ("year", "party", "round1", "round2", "total", "within", "members", "note", "source")


def _parse_national(text: str, filename: str = "national_results.csv") -> tuple[SeatResult, ...]:
    """Parse the national seat tables and check their arithmetic.

    Per year: the rows with no ``within`` sum to 147; where a row gives both rounds
    and the total, round1 + round2 = total; breakdown rows do not exceed the row
    they break down.
    """
    rows = _read_rows(text, filename, _NATIONAL_COLUMNS)
    _unique(rows, lambda r: (_year(r), r.text("party")), "party")
    out = []
    for r in rows:
        res = SeatResult(
            year=_year(r),
            party=r.text("party"),
            round1=r.int("round1", required=False),
            round2=r.int("round2", required=False),
            total=r.int("total", required=r.text("within", required=False) is None),
            within=r.text("within", required=False),
            members=r.ids("members", " "),
            note=r.text("note", required=False),
            source=r.text("source"),
        )
        if None not in (res.round1, res.round2, res.total) and res.round1 + res.round2 != res.total:
            raise r.error("total", f"round1 {res.round1} + round2 {res.round2} != total {res.total}")
        out.append((r, res))
    for year in {res.year for _, res in out}:
        top = [(r, res) for r, res in out if res.year == year and res.within is None]
        total = sum(res.total for _, res in top)
        if total != TOTAL_SEATS:
            raise DataError(
                f"{filename}: year {year}: column 'total' sums to {total}, expected {TOTAL_SEATS}"
            )
        names = {res.party: (r, res) for r, res in top}
        for r, res in out:
            if res.year != year or res.within is None:
                continue
            if res.within not in names:
                raise r.error("within", f"{res.within!r} is not a party of the {year} table")
        for parent, (prow, pres) in names.items():
            parts = [res for _, res in out if res.year == year and res.within == parent]
            for col in ("round1", "round2", "total"):
                known = sum(getattr(p, col) or 0 for p in parts)
                limit = getattr(pres, col)
                if limit is not None and known > limit:
                    raise prow.error(col, f"its breakdown rows sum to {known} > {limit}")
    return tuple(res for _, res in out)


_PROVISIONAL_COLUMNS = ("year", "party", "seats_min", "seats_max", "note", "source")


def _parse_provisional(text: str, filename: str = "provisional_results.csv") -> tuple[ProvisionalResult, ...]:
    """Parse the provisional counts (``seats_min <= seats_max``)."""
    rows = _read_rows(text, filename, _PROVISIONAL_COLUMNS)
    _unique(rows, lambda r: (_year(r), r.text("party")), "party")
    out = []
    for r in rows:
        res = ProvisionalResult(
            year=_year(r),
            party=r.text("party"),
            seats_min=r.int("seats_min"),
            seats_max=r.int("seats_max"),
            note=r.text("note", required=False),
            source=r.text("source"),
        )
        if res.seats_min > res.seats_max:
            raise r.error("seats_max", f"{res.seats_max} < seats_min {res.seats_min}")
        out.append(res)
    return tuple(out)


_ROUND_COLUMNS = (
    "year", "round", "districts", "seats", "registered", "votes_cast", "invalid", "valid",
    "turnout_pct", "note", "source",
)


def _parse_rounds(text: str, filename: str = "round_summary.csv") -> tuple[RoundSummary, ...]:
    """Parse the round summaries and check them.

    Per year: rounds 1 and 2 both present, districts sum to 55 and seats to 147;
    votes_cast = invalid + valid and votes_cast <= registered where known.
    """
    rows = _read_rows(text, filename, _ROUND_COLUMNS)
    _unique(rows, lambda r: (_year(r), r.int("round")), "round")
    out = []
    for r in rows:
        rnd = r.int("round")
        if rnd not in (1, 2):
            raise r.error("round", f"expected 1 or 2, got {rnd}")
        res = RoundSummary(
            year=_year(r),
            round=rnd,
            districts=r.int("districts"),
            seats=r.int("seats"),
            registered=r.int("registered", required=False),
            votes_cast=r.int("votes_cast", required=False),
            invalid=r.int("invalid", required=False),
            valid=r.int("valid", required=False),
            turnout_pct=r.float("turnout_pct", required=False),
            note=r.text("note", required=False),
            source=r.text("source"),
        )
        if None not in (res.votes_cast, res.invalid, res.valid) and res.invalid + res.valid != res.votes_cast:
            raise r.error("votes_cast", f"{res.votes_cast} != invalid {res.invalid} + valid {res.valid}")
        if None not in (res.votes_cast, res.registered) and res.votes_cast > res.registered:
            raise r.error("votes_cast", f"{res.votes_cast} > registered {res.registered}")
        out.append(res)
    for year in sorted({res.year for res in out}):
        mine = [res for res in out if res.year == year]
        if sorted(res.round for res in mine) != [1, 2]:
            raise DataError(f"{filename}: year {year}: expected rows for rounds 1 and 2")
        if sum(res.districts for res in mine) != N_DISTRICTS:
            raise DataError(f"{filename}: year {year}: column 'districts' does not sum to {N_DISTRICTS}")
        if sum(res.seats for res in mine) != TOTAL_SEATS:
            raise DataError(f"{filename}: year {year}: column 'seats' does not sum to {TOTAL_SEATS}")
    return tuple(sorted(out, key=lambda res: (res.year, res.round)))


_KNOWN_COLUMNS = (
    "year", "district", "round", "status", "winning_list", "winner_share_pct",
    "runner_up_list", "seat_split", "provisional_winning_list", "provisional_share_pct",
    "note", "source",
)


def _parse_known(text: str, filename: str = "known_district_results.csv") -> tuple[DistrictResult, ...]:
    """Parse the known district results.

    Checks: one row per (year, district); round 1 or 2; a known status; a seat split
    only names members of the winning list; only ``court_final`` rows name an
    overturned provisional winner, and only a row naming one gives its provisional
    share; a round-1 winner has more than 50% where a share is given.
    """
    rows = _read_rows(text, filename, _KNOWN_COLUMNS)
    _unique(rows, lambda r: (_year(r), r.text("district")), "district")
    out = []
    for r in rows:
        rnd = r.int("round")
        if rnd not in (1, 2):
            raise r.error("round", f"expected 1 or 2, got {rnd}")
        res = DistrictResult(
            year=_year(r),
            district=r.text("district"),
            round=rnd,
            status=r.choice("status", _STATUSES),
            winning_list=r.ids("winning_list", "+"),
            winner_share_pct=r.float("winner_share_pct", required=False),
            runner_up_list=r.ids("runner_up_list", "+"),
            seat_split=r.split("seat_split"),
            provisional_winning_list=r.ids("provisional_winning_list", "+"),
            provisional_share_pct=r.float("provisional_share_pct", required=False),
            note=r.text("note", required=False),
            source=r.text("source"),
        )
        stray = [p for p in res.seat_split if p not in res.winning_list]
        if stray:
            raise r.error("seat_split", f"{stray} not on the winning list {res.winning_list}")
        if res.provisional_winning_list and res.status != "court_final":
            raise r.error("provisional_winning_list", "only court_final rows have one")
        if res.provisional_share_pct is not None and not res.provisional_winning_list:
            raise r.error(
                "provisional_share_pct", "given without the provisional_winning_list it belongs to"
            )
        if res.round == 1 and res.winner_share_pct is not None and res.winner_share_pct <= 50:
            raise r.error("winner_share_pct", "a round-1 winner needs more than 50% of valid votes")
        out.append((r, res))
    return tuple(res for _, res in out)


_COALITION_COLUMNS = ("year", "coalition", "name_en", "members", "seats_final", "seats_provisional", "note", "source")


def _parse_coalitions(text: str, filename: str = "coalitions.csv") -> tuple[Coalition, ...]:
    """Parse the coalition table."""
    rows = _read_rows(text, filename, _COALITION_COLUMNS)
    _unique(rows, lambda r: (_year(r), r.text("coalition")), "coalition")
    return tuple(
        Coalition(
            year=_year(r),
            coalition=r.text("coalition"),
            name_en=r.text("name_en", required=False),
            members=r.ids("members", " "),
            seats_final=r.int("seats_final"),
            seats_provisional=r.int("seats_provisional", required=False),
            note=r.text("note", required=False),
            source=r.text("source"),
        )
        for r in rows
    )


_FACT_COLUMNS = ("year", "fact", "value", "note", "source")


def _parse_facts(text: str, filename: str = "election_facts.csv") -> tuple[ElectionFact, ...]:
    """Parse the national facts (women, candidates, lists) and check them.

    Checks: one row per (year, fact); a known fact; counts are integers >= 0 and
    ``gender_law`` is ``true`` or ``false``; an empty value needs a note (what the
    sources give instead); every year states ``gender_law``; per year, where both
    are known: women elected <= 147 and <= women candidates, women candidates <=
    candidates, lists rejected <= lists deposited, lists = deposited - rejected.

    Examples
    --------
    >>> head = ",".join(_FACT_COLUMNS)
    >>> _parse_facts(head + "\\n2020,women_elected,forty-two,,s", "bad.csv")
    Traceback (most recent call last):
    ...
    malivote.datasets.DataError: bad.csv: row 1, column 'value': expected an integer, got 'forty-two'
    """
    rows = _read_rows(text, filename, _FACT_COLUMNS)
    _unique(rows, lambda r: (_year(r), r.text("fact")), "fact")
    out = []
    for r in rows:
        fact = r.choice("fact", _FACT_TYPES)
        note = r.text("note", required=False)
        if r.text("value", required=False) is None and note is None:
            raise r.error("value", "is empty (an unknown or approximate fact needs a note)")
        if _FACT_TYPES[fact] is bool:
            value = r.bool("value")
        else:
            value = r.int("value", required=False)
        out.append((r, ElectionFact(year=_year(r), fact=fact, value=value, note=note, source=r.text("source"))))

    for year in sorted({f.year for _, f in out}):
        mine = {f.fact: (r, f.value) for r, f in out if f.year == year}

        def check(big: str, small: str, plus: int = 0) -> None:
            (rb, vb), (rs, vs) = mine.get(big, (None, None)), mine.get(small, (None, None))
            if vb is not None and vs is not None and vs > vb:
                later = rb if rb.number > rs.number else rs
                raise later.error("value", f"year {year}: {small} {vs} > {big} {vb}")

        check("women_candidates", "women_elected")
        check("candidates", "women_candidates")
        check("lists_deposited", "lists_rejected")
        women = mine.get("women_elected", (None, None))
        if women[1] is not None and women[1] > TOTAL_SEATS:
            raise women[0].error("value", f"{women[1]} women elected > {TOTAL_SEATS} seats")
        parts = [mine.get(k, (None, None)) for k in ("lists", "lists_deposited", "lists_rejected")]
        if all(v is not None for _, v in parts):
            (rl, lists), (_, dep), (_, rej) = parts
            if lists != dep - rej:
                raise rl.error("value", f"year {year}: lists {lists} != lists_deposited {dep} - lists_rejected {rej}")
    for year in YEARS:
        if not any(f.year == year and f.fact == "gender_law" for _, f in out):
            raise DataError(f"{filename}: year {year}: no 'gender_law' row")
    return tuple(f for _, f in out)


# ------------------------------------------------------------------ cross-checks


@dataclass(frozen=True)
class _Data:
    districts: tuple[District, ...]
    parties: tuple[Party, ...]
    national: tuple[SeatResult, ...]
    provisional: tuple[ProvisionalResult, ...]
    rounds: tuple[RoundSummary, ...]
    known: tuple[DistrictResult, ...]
    coalitions: tuple[Coalition, ...]
    facts: tuple[ElectionFact, ...]


_FILES = {
    "districts": ("districts.csv", _parse_districts),
    "parties": ("parties.csv", _parse_parties),
    "national": ("national_results.csv", _parse_national),
    "provisional": ("provisional_results.csv", _parse_provisional),
    "rounds": ("round_summary.csv", _parse_rounds),
    "known": ("known_district_results.csv", _parse_known),
    "coalitions": ("coalitions.csv", _parse_coalitions),
    "facts": ("election_facts.csv", _parse_facts),
}


def _check_all(data: _Data) -> None:
    """Checks across files; raise :class:`DataError` naming the file and row."""
    party_ids = {p.id for p in data.parties}
    by_name = {d.district: d for d in data.districts}

    def need_party(filename: str, number: int, column: str, pid: str) -> None:
        if pid not in party_ids:
            raise DataError(f"{filename}: row {number}, column {column!r}: unknown party {pid!r}")

    for n, res in enumerate(data.national, 1):
        need_party("national_results.csv", n, "party", res.party)
        for m in res.members:
            need_party("national_results.csv", n, "members", m)
    for n, res in enumerate(data.provisional, 1):
        need_party("provisional_results.csv", n, "party", res.party)
    for n, c in enumerate(data.coalitions, 1):
        for m in c.members:
            need_party("coalitions.csv", n, "members", m)
        totals = {r.party: r.total for r in data.national if r.year == c.year and r.within is None}
        if all(m in totals for m in c.members):
            found = sum(totals[m] for m in c.members)
            if found != c.seats_final:
                raise DataError(
                    f"coalitions.csv: row {n}, column 'seats_final': {c.seats_final}, but its members "
                    f"hold {found} seats in national_results.csv"
                )
    for n, res in enumerate(data.known, 1):
        f = "known_district_results.csv"
        for column in ("winning_list", "runner_up_list", "provisional_winning_list"):
            for pid in getattr(res, column):
                need_party(f, n, column, pid)
        if res.district not in by_name:
            raise DataError(f"{f}: row {n}, column 'district': unknown district {res.district!r}")
        seats = by_name[res.district].seats
        split = sum(res.seat_split.values())
        if split > seats:
            raise DataError(
                f"{f}: row {n}, column 'seat_split': {split} seats > the {seats} of {res.district}"
            )
        if len(res.winning_list) > seats:
            raise DataError(
                f"{f}: row {n}, column 'winning_list': {len(res.winning_list)} parties share "
                f"only {seats} seat(s) in {res.district}"
            )
    for year in YEARS:
        top = [r for r in data.national if r.year == year and r.within is None]
        if not top:
            raise DataError(f"national_results.csv: no rows for {year}")
        rounds = {r.round: r for r in data.rounds if r.year == year}
        if set(rounds) != {1, 2}:
            raise DataError(f"round_summary.csv: year {year}: expected rounds 1 and 2")
        for rnd in (1, 2):
            values = [getattr(r, f"round{rnd}") for r in top]
            if None not in values and sum(values) != rounds[rnd].seats:
                raise DataError(
                    f"national_results.csv: year {year}: column 'round{rnd}' sums to {sum(values)}, "
                    f"but round_summary.csv says {rounds[rnd].seats} seats were decided in round {rnd}"
                )
        for rnd in (1, 2):
            known = [k for k in data.known if k.year == year and k.round == rnd]
            n_seats = sum(by_name[k.district].seats for k in known)
            if len(known) > rounds[rnd].districts or n_seats > rounds[rnd].seats:
                raise DataError(
                    f"known_district_results.csv: year {year}: {len(known)} districts ({n_seats} seats) "
                    f"decided in round {rnd}, more than round_summary.csv's "
                    f"{rounds[rnd].districts} ({rounds[rnd].seats})"
                )


def _load_from_texts(texts: Mapping[str, str]) -> _Data:
    """Parse and cross-check a full data set given as ``{key: csv text}``."""
    parsed = {key: parse(texts[key], filename) for key, (filename, parse) in _FILES.items()}
    data = _Data(**parsed)
    _check_all(data)
    return data


@cache
def _data() -> _Data:
    root = resources.files("malivote") / "data"
    texts = {key: (root / filename).read_text(encoding="utf-8") for key, (filename, _) in _FILES.items()}
    return _load_from_texts(texts)


def _check_year(year: int) -> int:
    if year not in YEARS:
        raise ValueError(f"year: expected one of {YEARS}, got {year!r}")
    return year


# ----------------------------------------------------------------------- public API


def districts() -> tuple[District, ...]:
    """The 55 electoral districts, in the order of ``districts.csv`` (by region).

    Returns
    -------
    tuple of District

    Examples
    --------
    >>> ds = districts()
    >>> ds[0].district, ds[-1].district, sum(d.seats for d in ds)
    ('Kayes', 'Commune VI', 147)
    """
    return _data().districts


def district_index(name: str) -> int:
    """The position of a district in :func:`districts`.

    Raises
    ------
    KeyError
        If no district has that name.

    Examples
    --------
    >>> district_index("Kayes"), district_index("Commune VI")
    (0, 54)
    """
    for d in _data().districts:
        if d.district == name:
            return d.index
    raise KeyError(f"unknown district {name!r}")


def parties() -> tuple[Party, ...]:
    """All parties and pseudo-parties (``OTHER``, ``IND``, ``ADP-OTHER``).

    Examples
    --------
    >>> [p.id for p in parties() if p.kind == "pseudo"]
    ['OTHER', 'IND', 'ADP-OTHER']
    """
    return _data().parties


def party(pid: str) -> Party:
    """The party with id ``pid``.

    Raises
    ------
    KeyError
        If there is no such party.

    Examples
    --------
    >>> party("ASMA").abbreviation
    'ASMA-CFP'
    """
    for p in _data().parties:
        if p.id == pid:
            return p
    raise KeyError(f"unknown party {pid!r}")


def national_results(year: int, *, include_breakdown: bool = False) -> tuple[SeatResult, ...]:
    """The official (final) seats per party in ``year``.

    Parameters
    ----------
    year : {2007, 2013, 2020}
    include_breakdown : bool
        Also return the rows breaking down a pseudo-party (2007: CNID, MPR, MIRIA,
        UDD, UM-RDA and RND inside ``ADP-OTHER``). Those rows are not part of the 147.

    Returns
    -------
    tuple of SeatResult
        Without the breakdown, the totals sum to 147. ``round1``/``round2`` are
        ``None`` where unknown (2013).

    Examples
    --------
    >>> sum(r.total for r in national_results(2013))
    147
    >>> [(r.party, r.total) for r in national_results(2007)][:3]
    [('ADEMA', 51), ('URD', 34), ('ADP-OTHER', 28)]
    """
    _check_year(year)
    return tuple(
        r for r in _data().national if r.year == year and (include_breakdown or r.within is None)
    )


def seat_totals(year: int) -> dict[str, int]:
    """``{party id: final seats}`` for ``year`` (the national table, summing to 147).

    Examples
    --------
    >>> seat_totals(2007)["ADEMA"], sum(seat_totals(2007).values())
    (51, 147)
    """
    return {r.party: r.total for r in national_results(year)}


def provisional_results(year: int) -> tuple[ProvisionalResult, ...]:
    """The provisional seat counts reported before the court's final results.

    Only the parties the sources name are listed (2020: 7 parties; 2007: 6); the
    figures need not sum to 147 (2007's reported provisional figures sum to 148,
    counting the ADP coalition's 116 — see :func:`coalitions`). 2013 has none.

    Examples
    --------
    >>> [(r.party, r.seats_min, r.seats_max) for r in provisional_results(2020)][:2]
    [('RPM', 43, 43), ('ADEMA', 22, 23)]
    >>> provisional_results(2013)
    ()
    """
    _check_year(year)
    return tuple(r for r in _data().provisional if r.year == year)


def round_summary(year: int) -> tuple[RoundSummary, RoundSummary]:
    """The national figures of rounds 1 and 2 of ``year`` (in that order).

    Examples
    --------
    >>> [(r.round, r.districts, r.seats) for r in round_summary(2007)]
    [(1, 8, 13), (2, 47, 134)]
    """
    _check_year(year)
    r1, r2 = (r for r in _data().rounds if r.year == year)
    return r1, r2


def known_district_results(year: int | None = None) -> tuple[DistrictResult, ...]:
    """The known district winners (all years, or one).

    Rows with status ``provisional`` are hints, not facts; see
    :attr:`DistrictResult.is_hard_fact`.

    Examples
    --------
    >>> len(known_district_results(2007)), len(known_district_results(2013))
    (8, 42)
    >>> sorted({r.status for r in known_district_results(2020)})
    ['court_final', 'final', 'provisional']
    """
    rows = _data().known
    if year is None:
        return rows
    _check_year(year)
    return tuple(r for r in rows if r.year == year)


def coalitions(year: int) -> tuple[Coalition, ...]:
    """National coalitions with sourced seat totals (2007: ADP and FDR).

    Examples
    --------
    >>> [(c.coalition, c.seats_final) for c in coalitions(2007)]
    [('ADP', 113), ('FDR', 15)]
    >>> coalitions(2020)
    ()
    """
    _check_year(year)
    return tuple(c for c in _data().coalitions if c.year == year)


def election_facts(year: int) -> ElectionFacts:
    """The national counts of ``year``: women elected, round-1 candidates and lists.

    Unknown counts are ``None``; ``rows`` keeps each figure's note (other figures
    reported, approximations) and source.

    Examples
    --------
    >>> f = election_facts(2007)
    >>> f.lists_deposited, f.lists_rejected, f.lists, f.candidates, f.women_elected
    (535, 5, 530, None, None)
    >>> election_facts(2013).women_elected, election_facts(2013).lists
    (14, 410)
    """
    _check_year(year)
    rows = tuple(f for f in _data().facts if f.year == year)
    values = {f.fact: f.value for f in rows}
    return ElectionFacts(
        year=year,
        women_elected=values.get("women_elected"),
        candidates=values.get("candidates"),
        women_candidates=values.get("women_candidates"),
        lists=values.get("lists"),
        lists_deposited=values.get("lists_deposited"),
        lists_rejected=values.get("lists_rejected"),
        gender_law=bool(values["gender_law"]),
        rows=rows,
    )
