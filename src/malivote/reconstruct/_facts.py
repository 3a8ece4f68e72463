"""The facts a replay must honour, gathered from :mod:`malivote.datasets` for one run.

Everything here is bookkeeping: it turns the package data into arrays indexed by the
layout's constituencies and by the year's party tuple. Every figure, the national
counts of women, candidates and lists included (:func:`malivote.datasets.election_facts`),
comes from :mod:`malivote.datasets`, with its source in the package data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from malivote import datasets
from malivote.layouts import Layout

__all__ = ["Facts", "RowFact", "gather_facts", "EXTRA_FACTS"]

class _ExtraFacts(Mapping[int, Mapping[str, object]]):
    """``{year: {women_elected, candidates, women_candidates, lists, gender_law}}``.

    A read-only view of :func:`malivote.datasets.election_facts` (``election_facts.csv``,
    with notes and sources there), kept for code that reads the national counts by
    name; it is not a second copy of the facts.

    Examples
    --------
    >>> EXTRA_FACTS[2007]["lists"], EXTRA_FACTS[2020]["women_elected"]
    (530, 42)
    """

    _KEYS = ("women_elected", "candidates", "women_candidates", "lists", "gender_law")

    def __getitem__(self, year: int) -> Mapping[str, object]:
        if year not in datasets.YEARS:
            raise KeyError(year)
        ef = datasets.election_facts(year)
        return MappingProxyType({k: getattr(ef, k) for k in self._KEYS})

    def __iter__(self) -> Iterator[int]:
        return iter(datasets.YEARS)

    def __len__(self) -> int:
        return len(datasets.YEARS)

    def __repr__(self) -> str:
        return f"EXTRA_FACTS({ {y: dict(self[y]) for y in self} })"


#: The national counts per year, read from the package data (see :class:`_ExtraFacts`).
EXTRA_FACTS: Mapping[int, Mapping[str, object]] = _ExtraFacts()


@dataclass
class RowFact:
    """One known district result, mapped onto the layout and the party tuple.

    ``members`` is the winning list's party indices (empty: winner unknown);
    ``complete`` says whether they are all of its parties; ``split`` maps party
    index -> seats where known; ``not_members`` is a list the winner is known *not*
    to be (a provisional winner the court overturned).
    """

    constituency: int
    district: str
    round: int
    hard: bool
    members: tuple[int, ...]
    complete: bool
    split: dict[int, int]
    share_pct: float | None
    runner_up: tuple[int, ...]
    not_members: tuple[int, ...]
    label: str

    def mask(self) -> int:
        return _mask(self.members)

    def runner_up_mask(self) -> int:
        return _mask(self.runner_up)


def _mask(idx) -> int:
    out = 0
    for p in idx:
        out |= 1 << int(p)
    return out


@dataclass
class Facts:
    year: int
    result: str
    layout: Layout
    parties: tuple[str, ...]
    #: seat totals, lower and upper bounds per party (equal for final results)
    total_lo: np.ndarray
    total_hi: np.ndarray
    #: the official final totals (for provisional runs: what to stay close to)
    final_totals: np.ndarray
    #: round-1 seats per party, or None
    round1: np.ndarray | None
    r1_seats: int
    r1_districts: int | None
    rows: list[RowFact]
    #: per round: dict(registered=, votes_cast=, invalid=, valid=, turnout_pct=)
    national: tuple[dict, dict]
    #: known registered voters per 55-district index
    registered_known: dict[int, int]
    women_elected: int | None
    candidates: int | None
    women_candidates: int | None
    lists: int | None
    gender_law: bool
    #: how likely each party is to field a losing list (relative weights)
    list_weight: np.ndarray
    #: indices of pseudo-parties that may field several lists in one district
    repeatable: tuple[int, ...]
    notes: list[str] = field(default_factory=list)

    @property
    def n_parties(self) -> int:
        return len(self.parties)


def _party_map(year: int) -> dict[str, str]:
    """Parties counted inside a pseudo-party of the year's table (2007: RND -> ADP-OTHER)."""
    out = {}
    for r in datasets.national_results(year):
        for m in r.members:
            out[m] = r.party
    return out


def gather_facts(year: int, layout: Layout, result: str = "final") -> Facts:
    """Collect the facts of ``year`` on ``layout``.

    Raises
    ------
    ValueError
        For an unknown year or result, or a provisional replay of a year other
        than 2020.
    """
    if year not in datasets.YEARS:
        raise ValueError(f"year: expected one of {datasets.YEARS}, got {year!r}")
    if result not in ("final", "provisional"):
        raise ValueError(f"result: expected 'final' or 'provisional', got {result!r}")
    if result == "provisional" and year != 2020:
        raise ValueError(
            f"result='provisional' is supported only for 2020: the provisional counts of {year} "
            "are known only for a few parties and no provisional district results are shipped"
        )
    notes: list[str] = []
    table = datasets.national_results(year)
    pmap = _party_map(year)
    known = datasets.known_district_results(year)

    def mapped(ids):
        return tuple(dict.fromkeys(pmap.get(p, p) for p in ids))

    names = [r.party for r in table]
    extra = []
    for k in known:
        for p in mapped(k.winning_list + k.runner_up_list + k.provisional_winning_list):
            if p not in names and p not in extra:
                extra.append(p)
    for p in ("OTHER", "IND"):
        if p not in names and p not in extra:
            extra.append(p)
    parties = tuple(names + extra)
    index = {p: i for i, p in enumerate(parties)}
    P = len(parties)
    final = np.zeros(P, dtype=np.int64)
    for r in table:
        final[index[r.party]] = r.total
    r1 = None
    if all(r.round1 is not None for r in table):
        r1 = np.zeros(P, dtype=np.int64)
        for r in table:
            r1[index[r.party]] = r.round1
    if pmap:
        inner = sorted(pmap)
        notes.append(
            f"{year}: {', '.join(inner)} are counted inside "
            f"{', '.join(sorted(set(pmap.values())))} (the official table gives only the "
            "pseudo-party's total); their own seat figures are not imposed"
        )

    lo, hi = final.copy(), final.copy()
    if result == "provisional":
        lo = np.zeros(P, dtype=np.int64)
        hi = np.full(P, datasets.TOTAL_SEATS, dtype=np.int64)
        for pr in datasets.provisional_results(year):
            lo[index[pr.party]] = pr.seats_min
            hi[index[pr.party]] = pr.seats_max
        unknown = [parties[p] for p in range(P) if hi[p] == datasets.TOTAL_SEATS]
        notes.append(
            "provisional 2020: the ministry's counts are known only for "
            + ", ".join(pr.party for pr in datasets.provisional_results(year))
            + "; the other parties' provisional seats ("
            + ", ".join(unknown)
            + ") are not in the sources and are kept as close to their final totals as "
            "the known counts allow (least total absolute difference)"
        )
        notes.append(
            "provisional 2020: the round-1 seats and the national turnout figures are the "
            "official ones (the court's arrêt changed round-2 winners)"
        )

    rs = datasets.round_summary(year)
    national = tuple(
        dict(
            registered=s.registered,
            votes_cast=s.votes_cast,
            invalid=s.invalid,
            valid=s.valid,
            turnout_pct=s.turnout_pct,
        )
        for s in rs
    )
    r1_seats = rs[0].seats
    r1_districts = rs[0].districts if layout.name == "mali-55" else None

    rows: list[RowFact] = []
    if layout.name == "mali-55":
        for k in known:
            c = datasets.district_index(k.district)
            m = int(layout.magnitude[c])
            hard = k.is_hard_fact
            members = mapped(k.winning_list)
            split = {index[pmap.get(p, p)]: s for p, s in k.seat_split.items()}
            runner_up = mapped(k.runner_up_list)
            not_members: tuple[str, ...] = ()
            share = k.winner_share_pct
            if result == "provisional":
                if k.status == "provisional":
                    hard = True
                elif k.status == "court_final":
                    # The provisional winner is the list the court overturned: it won the
                    # ministry's count, against the list that the court later declared.
                    prov = mapped(k.provisional_winning_list)
                    runner_up = members
                    members = prov
                    split = {}
                    share = k.provisional_share_pct  # None where the sources do not give it
                    hard = True
                    if not members:
                        notes.append(
                            f"provisional 2020, {k.district}: the provisional winner is not in the "
                            "sources; it is not constrained"
                        )
            elif k.status == "court_final" and not members and k.provisional_winning_list:
                # The court reversed a runoff: the overturned list lost it, so it is the
                # other finalist, and the final winner is a different list.
                not_members = mapped(k.provisional_winning_list)
                runner_up = not_members
            elif k.status == "court_final" and k.provisional_winning_list and not runner_up:
                runner_up = mapped(k.provisional_winning_list)
            complete = not (split and sum(split.values()) < m)
            label = f"{year} {k.district} ({k.status}: {'+'.join(k.winning_list) or 'winner unknown'})"
            rows.append(
                RowFact(
                    constituency=c,
                    district=k.district,
                    round=k.round,
                    hard=hard,
                    members=tuple(index[p] for p in members),
                    complete=complete,
                    split=split,
                    share_pct=share,
                    runner_up=tuple(index[p] for p in runner_up),
                    not_members=tuple(index[p] for p in not_members),
                    label=label,
                )
            )
            if (result == "final" and k.status == "court_final" and not k.winning_list
                    and not k.provisional_winning_list):
                notes.append(
                    f"{year} {k.district}: the court reversed the provisional result but neither "
                    "list is named in the data; only the round is imposed"
                )
    else:
        notes.append(
            f"layout {layout.name!r}: the known district results belong to the 55 real "
            "districts and are not imposed on this derived layout; only national facts are "
            "(party seat totals, round-1 seats, turnout, list/candidate and women counts)"
        )

    registered_known = {}
    for d in datasets.districts():
        v = getattr(d, f"registered_{year}", None)
        if v is not None:
            registered_known[d.index] = v

    ef = datasets.election_facts(year)
    weight = np.array(
        [float(max(final[p], 0)) + 2.0 for p in range(P)]
    )
    repeatable = tuple(index[p] for p in ("OTHER", "IND") if p in index)
    return Facts(
        year=year,
        result=result,
        layout=layout,
        parties=parties,
        total_lo=lo,
        total_hi=hi,
        final_totals=final,
        round1=r1,
        r1_seats=r1_seats,
        r1_districts=r1_districts,
        rows=rows,
        national=national,
        registered_known=registered_known,
        women_elected=ef.women_elected,
        candidates=ef.candidates,
        women_candidates=ef.women_candidates,
        lists=ef.lists,
        gender_law=ef.gender_law,
        list_weight=weight,
        repeatable=repeatable,
        notes=notes,
    )
