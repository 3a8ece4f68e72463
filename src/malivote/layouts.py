"""Constituency layouts: the real 55 districts, and the 125 constituencies of the seeds.

A :class:`Layout` is the geography a scenario runs on: constituency names, the parent
district of each, its region, its magnitude (seats) and, optionally, its registered
voters. Every scenario can use either layout.

``mali-55``
    The 55 real electoral districts (49 cercles and the 6 communes of Bamako),
    147 seats, from :func:`malivote.datasets.districts`.

``mali-125``
    125 constituencies, 147 seats: the structure English Wikipedia and IPU Parline
    describe ("147 members elected in 125 constituencies"). Malian sources only know
    the 55 districts, so this layout is *derived* from them by a deterministic rule:

    1. **How many parts per district** (Adams' divisor method, i.e. "split the
       district whose parts are largest, until there are 125"). Every district
       starts as one part (k = 1). While there are fewer than 125 parts, the
       district with the largest seats-per-part ratio s/k gains a part; ties go to
       the district with more seats, then to the one listed first in
       ``districts.csv``. This minimises the largest constituency; with Mali's
       seats it gives 103 single-seat and 22 two-seat constituencies, and no part
       ever has 0 seats (k <= s throughout).
    2. **Seats of the parts.** A district of s seats in k parts gives
       ``s // k + 1`` seats to its first ``s % k`` parts and ``s // k`` to the rest,
       so the parts sum to the district's seats.
    3. **Names.** A district left whole keeps its name; the parts of a split district
       are named ``"<district>-1"``, ``"<district>-2"``, ... (e.g. ``"Kati-1"``).
    4. **Registered voters** (when asked for): the national total is apportioned to
       the 55 districts in proportion to seats, then each district's figure to its
       parts in proportion to their seats, both by the largest-remainder method, so
       the parts add up to their district and everything to the total.

Registered voters. District-level registration is unknown for almost every district
(``districts.csv`` has a handful of figures), so a layout carries registered voters only
when given a national total: :func:`estimate_registered` splits it in proportion to
seats. This is an **estimate**: seats were fixed in 1996 at one deputy per 60,000
inhabitants (Loi n°96-57), so seats are a rough proxy for the electorate of 1996, not of
the election year. ``Layout.registered_provenance`` records this.

Examples
--------
>>> from malivote.layouts import get_layout
>>> lay = get_layout("mali-125")
>>> lay.n_constituencies, lay.total_seats, lay.names[:2]
(125, 147, ('Kayes-1', 'Kayes-2'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache

import numpy as np

from malivote import datasets

__all__ = ["LAYOUTS", "Layout", "custom_layout", "get_layout", "estimate_registered", "parts_per_district"]

#: The layout names :func:`get_layout` accepts.
LAYOUTS: tuple[str, ...] = ("mali-55", "mali-125")

_N_125 = 125

_PROVENANCE = (
    "estimate: the national registered total {total} apportioned to the districts in "
    "proportion to seats (largest remainder){parts}; seats were fixed from the 1996 census "
    "(one deputy per 60,000 inhabitants), so this is a proxy, not an official figure"
)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.int64)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Layout:
    """A set of constituencies with their seats.

    Attributes
    ----------
    name : str
        ``"mali-55"`` or ``"mali-125"``.
    names : tuple of str, length C
        Constituency names.
    district : ndarray of int64, shape (C,)
        Index of each constituency's parent district in
        :func:`malivote.datasets.districts`.
    region : tuple of str, length C
        Region of each constituency.
    magnitude : ndarray of int64, shape (C,)
        Seats of each constituency (all >= 1; 147 in all).
    registered : ndarray of int64, shape (C,), or None
        Registered voters, when the layout was built with a national total
        (an estimate; see ``registered_provenance``).
    registered_provenance : str or None
        How ``registered`` was obtained.
    description : str
        What the layout is and how it was derived.

    Examples
    --------
    >>> lay = get_layout("mali-55")
    >>> lay.names[lay.magnitude.argmax()], int(lay.magnitude.max())
    ('Kati', 7)
    """

    name: str
    names: tuple[str, ...]
    district: np.ndarray
    region: tuple[str, ...]
    magnitude: np.ndarray
    registered: np.ndarray | None
    registered_provenance: str | None
    description: str
    #: Names of the parent districts that ``district`` indexes, for a layout of your
    #: own; None for Mali's layouts, whose parents are Mali's 55 districts.
    parents: tuple[str, ...] | None = None

    @property
    def is_mali(self) -> bool:
        """True for Mali's layouts, whose constituencies lie in Mali's 55 districts."""
        return self.parents is None

    @property
    def n_constituencies(self) -> int:
        """The number of constituencies C.

        Examples
        --------
        >>> get_layout("mali-55").n_constituencies
        55
        """
        return len(self.names)

    @property
    def total_seats(self) -> int:
        """The total number of seats.

        Examples
        --------
        >>> get_layout("mali-125").total_seats
        147
        """
        return int(self.magnitude.sum())

    @property
    def district_names(self) -> tuple[str, ...]:
        """The parent district's name of each constituency.

        Examples
        --------
        >>> get_layout("mali-125").district_names[:3]
        ('Kayes', 'Kayes', 'Kayes')
        """
        if self.parents is not None:
            return tuple(self.parents[i] for i in self.district)
        ds = datasets.districts()
        return tuple(ds[i].district for i in self.district)

    def parts_of(self, district: str) -> np.ndarray:
        """Indices of the constituencies that make up ``district``.

        Examples
        --------
        >>> lay = get_layout("mali-125")
        >>> [lay.names[i] for i in lay.parts_of("Kati")]
        ['Kati-1', 'Kati-2', 'Kati-3', 'Kati-4', 'Kati-5']
        """
        if self.parents is not None:
            if district not in self.parents:
                raise ValueError(f"district: unknown district {district!r} in layout {self.name!r}")
            return np.flatnonzero(self.district == self.parents.index(district))
        return np.flatnonzero(self.district == datasets.district_index(district))

    def to_districts(self, values) -> np.ndarray:
        """Sum constituency values (last axis, length C) into the 55 districts.

        Examples
        --------
        >>> lay = get_layout("mali-125")
        >>> bool((lay.to_districts(lay.magnitude) == get_layout("mali-55").magnitude).all())
        True
        """
        values = np.asarray(values)
        if self.parents is not None:
            raise ValueError(f"layout {self.name!r}: to_districts sums into Mali's 55 districts; this layout is not Mali's")
        if values.shape[-1:] != (self.n_constituencies,):
            raise ValueError(
                f"values: last axis must have length {self.n_constituencies}, got shape {values.shape}"
            )
        out = np.zeros(values.shape[:-1] + (datasets.N_DISTRICTS,), dtype=values.dtype)
        np.add.at(out, (..., self.district), values)
        return out

    def with_registered(self, total: int) -> Layout:
        """This layout with registered voters estimated from a national total.

        The total goes to the 55 districts in proportion to seats, then to each
        district's parts in proportion to their seats (largest remainder both times).

        Parameters
        ----------
        total : int
            National registered voters (e.g. 7,663,464 for the 2020 first round).

        Examples
        --------
        >>> lay = get_layout("mali-125").with_registered(7_663_464)
        >>> int(lay.registered.sum())
        7663464
        """
        seats55 = np.array([d.seats for d in datasets.districts()], dtype=np.int64)
        per_district = estimate_registered(total, seats55)
        registered = np.zeros(self.n_constituencies, dtype=np.int64)
        for d in range(datasets.N_DISTRICTS):
            idx = np.flatnonzero(self.district == d)
            registered[idx] = estimate_registered(int(per_district[d]), self.magnitude[idx])
        parts = "" if self.n_constituencies == datasets.N_DISTRICTS else (
            ", then to each district's parts in proportion to their seats"
        )
        return replace(
            self,
            registered=_readonly(registered),
            registered_provenance=_PROVENANCE.format(total=int(total), parts=parts),
        )


def estimate_registered(total: int, seats: Sequence[int] | np.ndarray) -> np.ndarray:
    """Split a registered-voter total in proportion to seats, exactly.

    Largest-remainder (Hamilton) apportionment: each entry gets
    ``floor(total * seats / sum(seats))``; the voters left over go one each to the
    largest remainders, ties to the entry with more seats, then to the earlier one.
    The result is deterministic and sums to ``total`` exactly.

    Parameters
    ----------
    total : int
        Non-negative number of registered voters.
    seats : array_like of int, shape (C,)
        Non-negative weights (seats), not all zero.

    Returns
    -------
    ndarray of int64, shape (C,)

    Examples
    --------
    >>> estimate_registered(10, [1, 1, 1]).tolist()
    [4, 3, 3]
    >>> int(estimate_registered(7_663_464, [d.seats for d in datasets.districts()]).sum())
    7663464
    """
    if isinstance(total, bool) or int(total) != total or total < 0:
        raise ValueError(f"total: expected a non-negative integer, got {total!r}")
    total = int(total)
    w = np.asarray(seats)
    if w.ndim != 1 or w.size == 0 or not np.issubdtype(w.dtype, np.integer) or (w < 0).any() or w.sum() == 0:
        raise ValueError("seats: expected a non-empty 1-D array of non-negative integers, not all zero")
    w = [int(x) for x in w]
    s = sum(w)
    floors = [total * x // s for x in w]
    remainders = [total * x - f * s for x, f in zip(w, floors, strict=True)]
    left = total - sum(floors)
    order = sorted(range(len(w)), key=lambda i: (-remainders[i], -w[i], i))
    for i in order[:left]:
        floors[i] += 1
    return np.array(floors, dtype=np.int64)


def parts_per_district(seats: Sequence[int], n_parts: int) -> list[int]:
    """How many parts each district is split into (step 1 of the ``mali-125`` rule).

    Adams' method: start with one part each; while there are fewer than ``n_parts``,
    give a part to the district with the largest seats per part (ties: more seats,
    then the earlier district).

    Parameters
    ----------
    seats : sequence of int
        Seats of each district (all >= 1).
    n_parts : int
        Target number of parts, between ``len(seats)`` and ``sum(seats)``.

    Examples
    --------
    >>> parts_per_district([7, 2, 1], 5)
    [3, 1, 1]
    >>> parts_per_district([7, 2, 1], 7)
    [4, 2, 1]
    """
    seats = [int(s) for s in seats]
    if any(s < 1 for s in seats):
        raise ValueError("seats: every district needs at least one seat")
    if not len(seats) <= n_parts <= sum(seats):
        raise ValueError(f"n_parts: expected between {len(seats)} and {sum(seats)}, got {n_parts}")
    k = [1] * len(seats)
    for _ in range(n_parts - len(seats)):
        # compare s_i/k_i exactly: s_i * k_j vs s_j * k_i
        best = 0
        for i in range(1, len(seats)):
            lhs, rhs = seats[i] * k[best], seats[best] * k[i]
            if lhs > rhs or (lhs == rhs and seats[i] > seats[best]):
                best = i
        k[best] += 1
    return k


def _build_55() -> Layout:
    ds = datasets.districts()
    return Layout(
        name="mali-55",
        names=tuple(d.district for d in ds),
        district=_readonly(np.arange(len(ds))),
        region=tuple(d.region for d in ds),
        magnitude=_readonly([d.seats for d in ds]),
        registered=None,
        registered_provenance=None,
        description=(
            "The 55 real electoral districts of Mali (49 cercles and the 6 communes of "
            "Bamako), 1 to 7 seats each, 147 seats (Loi n°96-57)."
        ),
    )


def _build_125() -> Layout:
    ds = datasets.districts()
    k = parts_per_district([d.seats for d in ds], _N_125)
    names, parent, region, magnitude = [], [], [], []
    for d, kd in zip(ds, k, strict=True):
        q, r = divmod(d.seats, kd)
        for j in range(kd):
            names.append(d.district if kd == 1 else f"{d.district}-{j + 1}")
            parent.append(d.index)
            region.append(d.region)
            magnitude.append(q + (1 if j < r else 0))
    return Layout(
        name="mali-125",
        names=tuple(names),
        district=_readonly(parent),
        region=tuple(region),
        magnitude=_readonly(magnitude),
        registered=None,
        registered_provenance=None,
        description=(
            "125 constituencies and 147 seats, the structure English Wikipedia and IPU "
            "Parline describe. Derived from the 55 districts: districts are split by "
            "Adams' method (the district with the most seats per part gains a part, ties "
            "to more seats then table order) until there are 125 parts; a district's seats "
            "are shared as evenly as possible among its parts (earlier parts get the extra "
            "seats). Not an official map."
        ),
    )


def custom_layout(names, magnitude, *, region=None, registered=None, name: str = "custom",
                  description: str = "") -> Layout:
    """A layout of your own: constituencies with their seats.

    Parameters
    ----------
    names : sequence of str
        Constituency names, unique.
    magnitude : sequence of int
        Seats of each constituency, all >= 1.
    region : sequence of str, optional
        Region of each constituency (for regional swings); by default one region
        named after the layout.
    registered : sequence of int, optional
        Registered voters of each constituency.
    name : str
        The layout's name in summaries.

    Examples
    --------
    >>> lay = custom_layout(["North", "South"], [3, 2], region=["N", "S"])
    >>> lay.total_seats, lay.district_names, lay.is_mali
    (5, ('North', 'South'), False)
    """
    names = tuple(str(n) for n in names)
    if not names:
        raise ValueError("names: expected at least one constituency, found none")
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"names: constituency {duplicate!r} appears more than once")
    magnitude = np.asarray(magnitude)
    if magnitude.shape != (len(names),) or magnitude.dtype.kind not in "iu" or (magnitude < 1).any():
        raise ValueError(
            f"magnitude: expected {len(names)} whole numbers of seats, each at least 1, found {magnitude.tolist()!r}"
        )
    region = tuple(str(r) for r in region) if region is not None else (name,) * len(names)
    if len(region) != len(names):
        raise ValueError(f"region: expected {len(names)} regions, found {len(region)}")
    if registered is not None:
        registered = np.asarray(registered)
        if registered.shape != (len(names),) or registered.dtype.kind not in "iu" or (registered < 0).any():
            raise ValueError(f"registered: expected {len(names)} non-negative whole numbers, found {registered.tolist()!r}")
        registered = _readonly(registered)
    return Layout(
        name=name,
        names=names,
        district=_readonly(np.arange(len(names))),
        region=region,
        magnitude=_readonly(magnitude),
        registered=registered,
        registered_provenance="given with the election" if registered is not None else None,
        description=description or f"{len(names)} constituencies and {int(magnitude.sum())} seats, given by the user",
        parents=names,
    )


@cache
def _layout(name: str) -> Layout:
    return _build_55() if name == "mali-55" else _build_125()


def get_layout(name: str, *, registered_total: int | None = None) -> Layout:
    """The layout called ``name``.

    Parameters
    ----------
    name : {"mali-55", "mali-125"}
    registered_total : int, optional
        If given, the layout carries registered voters estimated from this national
        total (see :meth:`Layout.with_registered`); otherwise ``registered`` is None.

    Returns
    -------
    Layout
        Immutable (its arrays are read-only); the same call gives the same layout.

    Raises
    ------
    ValueError
        For an unknown name.

    Examples
    --------
    >>> get_layout("mali-55").magnitude[:5].tolist()
    [5, 3, 2, 2, 4]
    >>> get_layout("mali-55", registered_total=6_267_363).registered[:2].tolist()
    [213176, 127906]
    """
    if name not in LAYOUTS:
        raise ValueError(f"name: expected one of {LAYOUTS}, got {name!r}")
    layout = _layout(name)
    if registered_total is not None:
        layout = layout.with_registered(registered_total)
    return layout
