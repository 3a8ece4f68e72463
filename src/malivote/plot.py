r"""Figures of elections and simulations, drawn with matplotlib alone.

Every plotting function takes an :class:`~matplotlib.axes.Axes` first, draws on it
and returns it (the matplotlib convention). None of them creates a figure, calls
``pyplot``, or changes a global style (``rcParams``, style sheets): sizes and colours
are passed to the artists. The functions take plain arrays and mappings, so they work
without a :class:`~malivote.simulate.Simulation`; a few helpers extract those arrays
from one, and :func:`plot_simulation` writes the usual set of figures to files.

- :func:`hemicycle`: the assembly as a half-disc of seats, coloured by party, with a
  legend of the counts (the official result, or a simulated draw).
- :func:`seat_distributions`: each party's seats over the draws, the official
  value marked.
- :func:`compare`: several scenarios side by side, medians and intervals.
- :func:`seat_vote_curve`: seat share against vote share, with the diagonal of
  proportionality.
- :func:`district_grid`: one tile per district, striped with the parties of its
  most likely winning list and faded by how often that list wins, hatched where the
  district went to a second round; :func:`no_districts` says instead that districts
  decide no seats (a national tier).

Party colours come from :func:`malivote.datasets.parties` (a display choice, not a
fact); ids that are not in the party table get greys.

Examples
--------
>>> import matplotlib; matplotlib.use("Agg")
>>> from matplotlib.figure import Figure
>>> from malivote import datasets
>>> ax = hemicycle(Figure().subplots(), datasets.seat_totals(2020))
>>> sum(len(c.get_paths()) for c in ax.collections)
147
>>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
['RPM 51', 'ADEMA-PASJ 24']

A whole simulation, written to files:

>>> import tempfile
>>> from malivote.layouts import get_layout
>>> from malivote.scenario import parse_scenario
>>> from malivote.simulate import simulate
>>> text = '[election]\nlayout = "mali-55"\n' + "".join(
...     f'[[lists]]\nconstituency = "{name}"\nparties = ["RPM"]\nvotes = [{300 + c}]\n'
...     f'[[lists]]\nconstituency = "{name}"\nparties = ["URD", "ADEMA"]\nvotes = [200]\n'
...     for c, name in enumerate(get_layout("mali-55").names))
>>> sim = simulate(parse_scenario(text), draws=2)
>>> with tempfile.TemporaryDirectory() as folder:
...     paths = plot_simulation(sim, folder, formats=("png",))
>>> sorted(p.name for p in paths)
['districts.png', 'hemicycle.png', 'seat_distributions.png', 'seat_vote.png']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

__all__ = [
    "sweep",
    "canonical_label",
    "GREYS",
    "SCENARIO_COLOURS",
    "BLOC_COLOURS",
    "party_colour",
    "party_label",
    "seat_positions",
    "hemicycle",
    "seat_distributions",
    "compare",
    "seat_vote_curve",
    "district_grid",
    "win_alpha",
    "no_districts",
    "nearest_median_draw",
    "party_vote_shares",
    "DistrictWinners",
    "district_winners",
    "official_winners",
    "plot_simulation",
]

#: Colours for ids that are not in the party table, used in turn.
GREYS = ("#bdbdbd", "#8c8c8c", "#d9d9d9", "#737373", "#a3a3a3", "#cccccc")
#: Colours of the scenarios in :func:`compare` (matplotlib's ``tab10``).
SCENARIO_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)
#: Colours of the blocs in :func:`sweep` (dashed): black and greys first, far from the parties'.
BLOC_COLOURS = ("black", "#7f7f7f", "#8c564b", "#bcbd22", "#17becf")
_INNER = 0.4  # inner radius of the hemicycle, the outer being 1


# ------------------------------------------------------------------------ colours


def _party_table() -> dict:
    from malivote import datasets

    return {p.id: p for p in datasets.parties()}


def _first_party(label: str) -> str:
    """The first party of a ``+``-joined list label (``"URD+ADEMA"`` -> ``"URD"``)."""
    return str(label).split("+")[0]


def party_colour(party_id: str, default: str | None = None) -> str:
    """The display colour of a party id, or of a list's first party.

    Parameters
    ----------
    party_id : str
        A party id (``"RPM"``) or a ``+``-joined list label (``"URD+ADEMA"``).
    default : str, optional
        Returned for an id not in the party table; the first of :data:`GREYS` if
        not given.

    Examples
    --------
    >>> party_colour("RPM"), party_colour("URD+ADEMA"), party_colour("nobody")
    ('#e6194b', '#4363d8', '#bdbdbd')
    """
    party = _party_table().get(_first_party(party_id))
    if party is not None:
        return party.colour
    return GREYS[0] if default is None else default


def party_label(party_id: str) -> str:
    """The usual short name of a party id (its abbreviation); unknown ids unchanged.

    A ``+``-joined list label gives its first party's name and how many others.

    Examples
    --------
    >>> party_label("ADEMA"), party_label("URD+ADEMA+RPM"), party_label("X")
    ('ADEMA-PASJ', 'URD +2', 'X')
    """
    parts = str(party_id).split("+")
    party = _party_table().get(parts[0])
    name = party.abbreviation if party is not None else parts[0]
    return name if len(parts) == 1 else f"{name} +{len(parts) - 1}"


def _short_label(label: str) -> str:
    """A tile-sized :func:`party_label`: the id where the abbreviation is long."""
    parts = str(label).split("+")
    party = _party_table().get(parts[0])
    name = party.abbreviation if party is not None and len(party.abbreviation) <= 8 else parts[0]
    return name if len(parts) == 1 else f"{name} +{len(parts) - 1}"


def _colours_for(ids: Sequence[str], colours) -> list[str]:
    """Colours of ``ids``: from ``colours`` (mapping or sequence), the table, or greys."""
    if colours is not None and not isinstance(colours, Mapping):
        colours = list(colours)
        if len(colours) != len(ids):
            raise ValueError(f"colours: expected {len(ids)} colours, found {len(colours)}")
        return colours
    table = _party_table()
    out, unknown = [], 0
    for pid in ids:
        if colours is not None and pid in colours:
            out.append(colours[pid])
        elif _first_party(pid) in table:
            out.append(table[_first_party(pid)].colour)
        else:
            out.append(GREYS[unknown % len(GREYS)])
            unknown += 1
    return out


def _labels_for(ids: Sequence[str], labels) -> list[str]:
    if labels is None:
        return [party_label(pid) for pid in ids]
    if isinstance(labels, Mapping):
        return [str(labels.get(pid, party_label(pid))) for pid in ids]
    labels = [str(label) for label in labels]
    if len(labels) != len(ids):
        raise ValueError(f"labels: expected {len(ids)} labels, found {len(labels)}")
    return labels


def _text_colour(colour) -> str:
    """Black or white, whichever reads better on ``colour``."""
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(colour)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


# ------------------------------------------------------------------ input checks


def _counts(seats, parties, name: str = "seats") -> tuple[list[str], np.ndarray]:
    """Party ids and integer seat counts from a mapping or an array with ids."""
    if isinstance(seats, Mapping):
        if parties is not None:
            raise ValueError("parties: give party ids only with an array of seats, not a mapping")
        ids = [str(key) for key in seats]
        values = list(seats.values())
    else:
        values = list(np.asarray(seats).ravel()) if np.ndim(seats) else [seats]
        if np.ndim(seats) != 1:
            raise ValueError(f"{name}: expected a mapping or a 1-D sequence of counts, found shape {np.shape(seats)}")
        ids = [f"party {i + 1}" for i in range(len(values))] if parties is None else [str(p) for p in parties]
        if len(ids) != len(values):
            raise ValueError(f"parties: expected {len(values)} party ids (one per count), found {len(ids)}")
    counts = _integers(values, name)
    return ids, counts


def _integers(values, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.size and not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        raise ValueError(f"{name}: expected whole numbers of seats, found {array.dtype} values")
    array = array.astype(float) if array.size else np.zeros(array.shape)
    if not np.isfinite(array).all() or (array != np.round(array)).any():
        raise ValueError(f"{name}: expected whole numbers of seats")
    if (array < 0).any():
        raise ValueError(f"{name}: seat counts must not be negative, found {array[array < 0][0]:g}")
    return array.astype(np.int64)


# --------------------------------------------------------------------- hemicycle


def seat_positions(n: int, rows: int | None = None) -> tuple[np.ndarray, np.ndarray, float]:
    """Seat centres of an ``n``-seat hemicycle, ordered from left to right.

    The usual parliament-chart construction (as in David Richfield's *parliament
    diagram tool*): ``rows`` concentric half-rings between radii 0.4 and 1, the
    fewest that hold ``n`` seats at the ring spacing if not given; the seats are
    shared among the rings in proportion to their radii (largest remainders) and
    spread evenly along each ring. Filling parties in order of decreasing angle
    gives each party a wedge.

    Returns
    -------
    x, y : ndarray of float, shape (n,)
        Seat centres; the half-disc has radius 1, centred at the origin.
    radius : float
        The radius of a seat disc, so that discs do not overlap.

    Examples
    --------
    >>> x, y, r = seat_positions(147)
    >>> x.shape, bool((np.diff(np.arctan2(y, x)) <= 1e-12).all()), r < 0.05
    ((147,), True, True)
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"n: expected at least one seat, found {n}")
    if rows is None:
        rows = 1 if n <= 4 else next(r for r in range(2, n + 2) if _capacity(r).sum() >= n)
    rows = int(rows)
    if rows < 1:
        raise ValueError(f"rows: expected at least one row, found {rows}")
    radii = np.array([1.0]) if rows == 1 else np.linspace(_INNER, 1.0, rows)
    # Seats per row in proportion to the radius, by largest remainders; rows that
    # overflow their capacity hand seats to the outer rows.
    quota = n * radii / radii.sum()
    per_row = np.floor(quota).astype(int)
    order = np.argsort(-(quota - per_row), kind="stable")
    per_row[order[: n - per_row.sum()]] += 1
    capacity = _capacity(rows) if rows > 1 else np.array([n])
    excess = np.maximum(per_row - capacity, 0).sum()
    per_row = np.minimum(per_row, capacity)
    for i in range(rows - 1, -1, -1):
        give = min(excess, max(capacity[i] - per_row[i], 0))
        per_row[i] += give
        excess -= give
    per_row[-1] += excess  # only if ``rows`` was forced too small
    angles, ring = [], []
    chord = math.inf
    for radius, m in zip(radii, per_row):
        if m == 0:
            continue
        theta = np.array([math.pi / 2]) if m == 1 else np.linspace(math.pi, 0.0, m)
        if m > 1:
            chord = min(chord, 2 * radius * math.sin(math.pi / (m - 1) / 2))
        angles.append(theta)
        ring.append(np.full(m, radius))
    angles, ring = np.concatenate(angles), np.concatenate(ring)
    order = np.lexsort((ring, -angles))
    angles, ring = angles[order], ring[order]
    spacing = (1.0 - _INNER) / (rows - 1) if rows > 1 else math.inf
    seat = 0.45 * min(spacing, chord, 0.6)
    return ring * np.cos(angles), ring * np.sin(angles), seat


def _capacity(rows: int) -> np.ndarray:
    """Seats each ring holds at the ring spacing, for ``rows`` >= 2 rings."""
    radii = np.linspace(_INNER, 1.0, rows)
    spacing = (1.0 - _INNER) / (rows - 1)
    return np.floor(math.pi * radii / spacing).astype(int) + 1


def hemicycle(
    ax,
    seats,
    *,
    parties: Sequence[str] | None = None,
    colours=None,
    labels=None,
    rows: int | None = None,
    legend: bool = True,
    total: bool = True,
):
    """Draw the assembly as a hemicycle of seats coloured by party.

    Parties fill the half-disc from left to right in the order given. The legend
    gives each party with seats and its count (``"RPM 51"``); parties without seats
    are left out of it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    seats : mapping of str to int, or sequence of int
        Seats per party id, e.g. :func:`malivote.datasets.seat_totals`, or counts in
        the order of ``parties``.
    parties : sequence of str, optional
        Party ids for a sequence of counts (default ``"party 1"``, ...).
    colours : mapping or sequence, optional
        Colours by party id (others from the party table) or one per party.
    labels : mapping or sequence, optional
        Legend names by party id or one per party (default: abbreviations).
    rows : int, optional
        Number of rings (default: the fewest that hold the seats).
    legend : bool
        Draw the legend below the hemicycle.
    total : bool
        Write the number of seats in the middle.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        On negative or fractional counts, no seats at all, or ``parties``,
        ``colours`` or ``labels`` of the wrong length.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> ax = hemicycle(Figure().subplots(), [3, 2], parties=["RPM", "X"])
    >>> sum(len(c.get_paths()) for c in ax.collections)
    5
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['RPM 3', 'X 2']
    """
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Circle, Patch

    ids, counts = _counts(seats, parties)
    n = int(counts.sum())
    if n == 0:
        raise ValueError("seats: expected at least one seat in all")
    fill = _colours_for(ids, colours)
    names = _labels_for(ids, labels)
    x, y, radius = seat_positions(n, rows)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    handles = []
    for i, pid in enumerate(ids):
        if counts[i] == 0:
            continue
        mine = slice(bounds[i], bounds[i + 1])
        discs = [Circle((cx, cy), radius) for cx, cy in zip(x[mine], y[mine])]
        collection = PatchCollection(
            discs, facecolor=fill[i], edgecolor="white", linewidth=0.3, label=f"{names[i]} {counts[i]}"
        )
        collection.set_gid(f"seats:{pid}")
        ax.add_collection(collection)
        handles.append(Patch(facecolor=fill[i], edgecolor="none", label=f"{names[i]} {counts[i]}"))
    pad = radius * 1.5
    ax.set_xlim(-1 - pad, 1 + pad)
    ax.set_ylim(-pad, 1 + pad)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if total:
        ax.text(0, 0.05, str(n), ha="center", va="bottom", fontsize=18, fontweight="bold")
    if legend:
        ax.legend(
            handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
            ncol=min(4, max(1, len(handles))), frameon=False, fontsize=8,
            handlelength=1.0, columnspacing=1.0,
        )
    return ax


def nearest_median_draw(party_seats) -> int:
    """The draw nearest (in total seats moved) to every party's median.

    Per-party medians need not sum to the assembly's size, so a hemicycle of a
    simulation shows this draw: a real outcome, as close as any to the medians.
    Ties go to the first such draw. Medians are order statistics
    (``method="inverted_cdf"``), as in :mod:`malivote.report`.

    Examples
    --------
    >>> nearest_median_draw([[3, 1], [2, 2], [2, 2], [1, 3]])
    1
    """
    party_seats = np.asarray(party_seats)
    if party_seats.ndim != 2 or party_seats.shape[0] == 0:
        raise ValueError(f"party_seats: expected shape (draws, parties), found {party_seats.shape}")
    median = np.quantile(party_seats, 0.5, axis=0, method="inverted_cdf")
    return int(np.abs(party_seats - median).sum(axis=1).argmin())


# ------------------------------------------------------------------ distributions


def _official_values(official, ids: Sequence[str]) -> np.ndarray | None:
    if official is None:
        return None
    if isinstance(official, Mapping):
        return _integers([official.get(pid, 0) for pid in ids], "official")
    values = _integers(np.ravel(official), "official")
    if values.size != len(ids):
        raise ValueError(f"official: expected {len(ids)} values (one per party), found {values.size}")
    return values


def seat_distributions(
    ax,
    party_seats,
    parties: Sequence[str],
    *,
    official=None,
    top: int | None = None,
    sort: bool = True,
    colours=None,
    labels=None,
):
    """Draw each party's seats over the draws, one row of bars per party.

    Each row is a histogram of whole seat counts (bar height: the share of draws,
    scaled to the row); a black tick marks the official value and a white dot the
    median.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    party_seats : array of int, shape (D, P)
        Seats per party in each draw (:attr:`Simulation.party_seats`).
    parties : sequence of str, length P
        Party ids of the columns.
    official : mapping of str to int, or sequence of int, optional
        The official seats to mark (parties missing from a mapping have 0).
    top : int, optional
        Show only the first ``top`` rows.
    sort : bool
        Order rows by official seats, then mean seats, leaving out parties with no
        seat in any draw and none officially (as :func:`malivote.results.summarise`);
        if False, all parties in the order given.
    colours, labels : mapping or sequence, optional
        As in :func:`hemicycle`.

    Returns
    -------
    matplotlib.axes.Axes
        The official ticks are one collection labelled ``"official"``; the legend
        names the median dot and the official tick.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> draws = [[50, 97], [52, 95], [51, 96]]
    >>> ax = seat_distributions(Figure().subplots(), draws, ["RPM", "ADEMA"], official={"RPM": 51, "ADEMA": 96})
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['ADEMA-PASJ', 'RPM']
    >>> [float(s[0][0]) for s in ax.collections[0].get_segments()]
    [96.0, 51.0]
    """
    party_seats = np.asarray(party_seats)
    if party_seats.ndim != 2 or party_seats.shape[0] == 0:
        raise ValueError(f"party_seats: expected shape (draws, parties), found {party_seats.shape}")
    party_seats = _integers(party_seats, "party_seats")
    ids = [str(p) for p in parties]
    if len(ids) != party_seats.shape[1]:
        raise ValueError(f"parties: expected {party_seats.shape[1]} party ids (one per column), found {len(ids)}")
    official_values = _official_values(official, ids)
    fill = _colours_for(ids, colours)
    names = _labels_for(ids, labels)
    keep = list(range(len(ids)))
    if sort:
        mean = party_seats.mean(axis=0)
        ref = official_values if official_values is not None else np.zeros(len(ids), np.int64)
        keep = [i for i in keep if party_seats[:, i].any() or ref[i] > 0]
        keep.sort(key=lambda i: (-ref[i], -mean[i], ids[i]))
    if top is not None:
        if top < 1:
            raise ValueError(f"top: expected a positive number of parties, found {top}")
        keep = keep[:top]
    n_rows = len(keep)
    height = 0.8
    ticks, segments = [], []
    for row, i in enumerate(keep):
        base = n_rows - 1 - row
        values, frequency = np.unique(party_seats[:, i], return_counts=True)
        ax.bar(values, frequency / frequency.max() * height, bottom=base, width=0.9,
               color=fill[i], edgecolor="none", align="center")
        median = np.quantile(party_seats[:, i], 0.5, method="inverted_cdf")
        ax.plot([median], [base + 0.1], marker="o", markersize=3, color="white",
                markeredgecolor="black", markeredgewidth=0.5, linestyle="none", gid="median")
        ticks.append(base + height / 2)
        if official_values is not None:
            segments.append([(official_values[i], base - 0.05), (official_values[i], base + height + 0.05)])
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker="o", markersize=3, color="white", markeredgecolor="black",
                      markeredgewidth=0.5, linestyle="none", label="median")]
    if official_values is not None:
        from matplotlib.collections import LineCollection

        marks = LineCollection(segments, colors="black", linewidths=2, label="official")
        marks.set_gid("official")
        ax.add_collection(marks)
        handles.append(marks)
    ax.legend(handles=handles, loc="lower right", fontsize=8, frameon=False)
    ax.set_yticks(ticks, [names[i] for i in keep], fontsize=8)
    ax.set_ylim(-0.3, max(n_rows, 1))
    ax.set_xlabel("Seats")
    shown = party_seats[:, keep]
    if shown.size:
        high = max(int(shown.max()), int(official_values[keep].max()) if official_values is not None else 0)
        ax.set_xlim(-1, high + 1.5)
    ax.grid(axis="x", linewidth=0.3, alpha=0.5)
    return ax


# ---------------------------------------------------------------------- compare


def _intervals(value, scenario: str) -> dict[str, tuple[float, float, float]]:
    """``{party: (median, low, high)}`` from a result, a summary or a Simulation."""
    from malivote.results import Simulation, Summary

    if isinstance(value, Simulation):
        value = value.summary()
    if isinstance(value, Summary):
        return {row.party: (row.median, row.p05, row.p95) for row in value.parties}
    if isinstance(value, Mapping) and isinstance(value.get("parties"), list):
        return {row["party"]: (row["median"], row["p05"], row["p95"]) for row in value["parties"]}
    if not isinstance(value, Mapping):
        raise ValueError(f"results: scenario {scenario!r}: expected a mapping of party to seats")
    out = {}
    for party, entry in value.items():
        triple = np.ravel(np.asarray(entry, dtype=float))
        if triple.size == 1:
            triple = np.repeat(triple, 3)
        if triple.size != 3 or not np.isfinite(triple).all():
            raise ValueError(
                f"results: scenario {scenario!r}, party {party!r}: expected a number or "
                f"(median, low, high), found {entry!r}"
            )
        median, low, high = (float(v) for v in triple)
        if not low <= median <= high:
            raise ValueError(
                f"results: scenario {scenario!r}, party {party!r}: expected low <= median <= high, "
                f"found {entry!r}"
            )
        out[str(party)] = (median, low, high)
    return out


def compare(ax, results: Mapping, *, parties: Sequence[str] | None = None, labels=None, scenario_colours=None,
            title: str | None = None):
    """Draw several scenarios side by side: one group of bars per party.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    results : mapping of str to mapping
        Per scenario name, seats per party id: a number, or ``(median, low, high)``
        drawn as a bar with an interval (no interval where ``low == high``: a
        value the same in every draw). A :class:`~malivote.simulate.Simulation`
        or a :class:`~malivote.results.Summary` (or its ``to_dict()``) is also accepted (median and
        90% interval).
    parties : sequence of str, optional
        The parties to show, top to bottom (default: every party with seats
        somewhere, by the largest median).
    labels : mapping or sequence, optional
        Party names, as in :func:`hemicycle`.
    scenario_colours : sequence of colour, optional
        One per scenario (default: matplotlib's ``tab10``).
    title : str, optional
        The axes' title. When every result is a Summary or a Simulation, the default
        title says what the bars show (that metrics from reconstructed votes are
        modelled; where the scenarios' layouts differ, what that means for the
        vote-based metrics: :func:`malivote.report.layout_note`), and each
        scenario's legend entry, numbered ``[1]``, ``[2]``, ... as in the note,
        gives its layout, draws, seed and key metrics
        (Gallagher index, effective numbers of parties, the largest party's seats,
        :func:`malivote.report.metric_rows`).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> results = {"two rounds": {"RPM": (51, 48, 55), "URD": 19},
    ...            "D'Hondt": {"RPM": (38, 35, 41), "URD": 17}}
    >>> ax = compare(Figure().subplots(), results)
    >>> [t.get_text() for t in ax.get_yticklabels()], len(ax.patches)
    (['RPM', 'URD'], 4)
    """
    from malivote.results import Simulation, Summary

    if not isinstance(results, Mapping) or not results:
        raise ValueError("results: expected a non-empty mapping of scenario name to seats per party")
    results = {name: value.summary() if isinstance(value, Simulation) else value for name, value in results.items()}
    summaries = None
    if all(isinstance(value, Summary) for value in results.values()):
        summaries = {str(name): value for name, value in results.items()}
    table = {str(name): _intervals(value, str(name)) for name, value in results.items()}
    if parties is None:
        best: dict[str, float] = {}
        for rows in table.values():
            for party, (median, _, high) in rows.items():
                if high > 0:
                    best[party] = max(best.get(party, 0.0), median)
        ids = sorted(best, key=lambda p: -best[p])
    else:
        ids = [str(p) for p in parties]
    names = _labels_for(ids, labels)
    scenarios = list(table)
    if scenario_colours is None:
        fill = [SCENARIO_COLOURS[i % len(SCENARIO_COLOURS)] for i in range(len(scenarios))]
    else:
        fill = list(scenario_colours)
        if len(fill) != len(scenarios):
            raise ValueError(f"scenario_colours: expected {len(scenarios)} colours, found {len(fill)}")
    n = len(ids)
    band = 0.8 / len(scenarios)
    centres = n - 1 - np.arange(n, dtype=float)
    for s, scenario in enumerate(scenarios):
        values = np.array([table[scenario].get(p, (0.0, 0.0, 0.0)) for p in ids]).reshape(n, 3)
        y = centres + 0.4 - band * (s + 0.5)
        label = scenario if summaries is None else f"[{s + 1}] " + _summary_legend(scenario, summaries[scenario])
        ax.barh(y, values[:, 0], height=band * 0.9, color=fill[s], label=label)
        # Whiskers only where the value varies: a seat count that is the same in
        # every draw (fixed by the facts, say) gets no interval drawn around it.
        varies = values[:, 2] > values[:, 1]
        if varies.any():
            spread = values[varies]
            whiskers = ax.errorbar(spread[:, 0], y[varies], xerr=[spread[:, 0] - spread[:, 1], spread[:, 2] - spread[:, 0]],
                                   fmt="none", elinewidth=0.8, capsize=1.5, ecolor="black")
            whiskers.lines[2][0].set_gid(f"interval:{scenario}")  # the whiskers' LineCollection
    ax.set_yticks(centres, names, fontsize=8)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlabel("Seats")
    if summaries is None:
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    else:
        # Entries of three lines: below the axes (clear of the x label), not over the bars.
        ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  borderaxespad=4.2, ncols=1)
    ax.grid(axis="x", linewidth=0.3, alpha=0.5)
    if title is None and summaries is not None:
        title = _summary_title(list(summaries.values()))
    if title is not None:
        ax.set_title(title, fontsize=9)
    return ax


def _summary_legend(name: str, summary) -> str:
    """A scenario's legend entry: its name, layout and draws, then its key metrics."""
    from malivote.report import format_metric

    metrics, intervals = summary.metrics, summary.metric_intervals
    first = f"{name}: {summary.layout}, {summary.draws:,} draws, seed {summary.seed}"
    parts = []
    if metrics.get("gallagher") is not None:
        text = f"Gallagher {format_metric('gallagher', metrics['gallagher'])} points"
        if "gallagher" in intervals:
            interval = intervals["gallagher"]
            text += f" ({format_metric('gallagher', interval.p05)}-{format_metric('gallagher', interval.p95)})"
        parts.append(text)
    if metrics.get("enp_votes") is not None and metrics.get("enp_seats") is not None:
        parts.append(f"ENP {format_metric('enp_votes', metrics['enp_votes'])} by votes, "
                     f"{format_metric('enp_seats', metrics['enp_seats'])} by seats")
    if metrics.get("largest_party_share") is not None:
        parts.append(f"largest party {format_metric('largest_party_share', metrics['largest_party_share'])}% "
                     "of the seats")
    if metrics.get("p_majority") is not None:
        parts.append(f"one-party majority in {format_metric('p_majority', metrics['p_majority'])}% of draws")
    lines = [first]
    if parts:
        lines.append("; ".join(parts[:2]))
    if len(parts) > 2:
        lines.append("; ".join(parts[2:]))
    return "\n".join(lines)


def _summary_title(summaries) -> str:
    """What the comparison chart shows, and the note where layouts differ."""
    import textwrap

    from malivote.report import layout_note

    draws = {summary.draws for summary in summaries}
    over = f"{draws.pop():,} draws" if len(draws) == 1 else "the draws"
    lines = [f"Seats per party over {over}: median and 90% interval; metrics (legend): mean (90% interval)"]
    modelled = [f"[{i + 1}]" for i, summary in enumerate(summaries) if summary.modelled]
    if modelled:
        lines += textwrap.wrap(f"Modelled: the district votes of {', '.join(modelled)} are reconstructed "
                               "(not data), and so their vote-based metrics", 100, break_on_hyphens=False)
    note = layout_note(summaries)
    if note:
        lines += textwrap.wrap(f"Note: {note}.", 100, break_on_hyphens=False)
    return "\n".join(lines)


# --------------------------------------------------------------- seats and votes


def party_vote_shares(simulation) -> np.ndarray:
    """Each party's share of the round-1 valid votes nationally, per draw.

    Voters choose lists, not parties, so a joint list's votes are split **equally**
    among its parties: :func:`malivote.metrics.party_votes` with its default
    ``method="equal"``, the convention of the Gallagher index and the effective
    number of parties in :mod:`malivote.metrics`, so the plot and the indices agree.

    Returns
    -------
    ndarray of float, shape (D, P)
        Rows sum to 1 (or 0 where no votes were cast).

    Examples
    --------
    >>> from malivote.layouts import get_layout
    >>> from malivote.scenario import parse_scenario
    >>> from malivote.simulate import simulate
    >>> text = '[election]\\nlayout = "mali-55"\\n' + "".join(
    ...     f'[[lists]]\\nconstituency = "{name}"\\nparties = ["RPM"]\\nvotes = [300]\\n'
    ...     f'[[lists]]\\nconstituency = "{name}"\\nparties = ["URD", "ADEMA"]\\nvotes = [200]\\n'
    ...     for name in get_layout("mali-55").names)
    >>> sim = simulate(parse_scenario(text), draws=1)
    >>> shares = dict(zip(sim.parties, party_vote_shares(sim)[0].round(2).tolist()))
    >>> shares["RPM"], shares["URD"], shares["ADEMA"]
    (0.6, 0.2, 0.2)
    """
    from malivote.metrics import party_votes

    ensemble = simulation.ensemble
    votes = party_votes(ensemble.first, ensemble.members, len(ensemble.parties), method="equal")
    total = votes.sum(axis=-1, keepdims=True)
    return np.divide(votes, total, out=np.zeros_like(votes), where=total > 0)


def _shares(values, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim == 1:
        array = array[None]
    if array.ndim != 2:
        raise ValueError(f"{name}: expected shape (parties,) or (draws, parties), found {np.shape(values)}")
    if not np.isfinite(array).all() or (array < 0).any() or (array > 1).any():
        raise ValueError(f"{name}: expected shares between 0 and 1")
    return array


#: Where :func:`seat_vote_curve` tries a party's label, in points from its point,
#: with the alignment that keeps the text on that side; the first free place wins.
_LABEL_PLACES = (
    ((5, 3), "left", "bottom"),
    ((5, -3), "left", "top"),
    ((-5, 3), "right", "bottom"),
    ((-5, -3), "right", "top"),
    ((0, 6), "center", "bottom"),
    ((0, -6), "center", "top"),
    ((12, 0), "left", "center"),
    ((-12, 0), "right", "center"),
)


def _overlaps(box, boxes) -> bool:
    return any(box.x0 < b.x1 and b.x0 < box.x1 and box.y0 < b.y1 and b.y0 < box.y1 for b in boxes)


def seat_vote_curve(
    ax,
    vote_shares,
    seat_shares,
    parties: Sequence[str],
    *,
    colours=None,
    labels=None,
    law: float | None = None,
    annotate: bool = True,
    top: int | None = 6,
    xlabel: str = "Vote share",
):
    """Draw seat share against vote share, party by party, with the diagonal.

    Points above the diagonal are parties the rule over-represents. With several
    draws, every draw is a faint point and the mean a large one.

    Only the ``top`` largest parties (by mean seat share, then vote share) are named
    beside their points, each where its label overlaps no other label, point or the
    axes' edge; the other parties, and any whose label finds no free place, are
    named in the legend beside the axes instead. Labels are placed for the axes'
    size when drawn: resizing the figure afterwards may make them overlap.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    vote_shares, seat_shares : array of float, shape (P,) or (D, P)
        Shares between 0 and 1 (e.g. :func:`party_vote_shares` and
        ``party_seats / 147``).
    parties : sequence of str, length P
    colours, labels : mapping or sequence, optional
        As in :func:`hemicycle`.
    law : float, optional
        Also draw the two-party seats-votes curve
        ``s = v**k / (v**k + (1 - v)**k)`` with ``k = law`` (``3``: the cube law,
        Kendall & Stuart 1950; Tufte 1973).
    annotate : bool
        Name the largest parties beside their points; if False, every party is
        named in the legend.
    top : int, optional
        How many parties to name beside their points (default 6; None: all that
        fit).
    xlabel : str
        The x axis' label: say there where the votes are modelled rather than
        counted.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax.texts`` holds the labels beside the points, largest party first.

    References
    ----------
    M. G. Kendall and A. Stuart, "The law of the cubic proportion in election
    results", *British Journal of Sociology* 1(3), 1950.
    E. R. Tufte, "The relationship between seats and votes in two-party systems",
    *American Political Science Review* 67(2), 1973.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> ax = seat_vote_curve(Figure().subplots(), [0.3, 0.2, 0.01], [0.35, 0.16, 0.0],
    ...                      ["RPM", "URD", "PMK"], top=2)
    >>> ax.get_xlabel(), ax.get_ylabel(), [t.get_text() for t in ax.texts]
    ('Vote share', 'Seat share', ['RPM', 'URD'])
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['proportional', 'PMK']
    """
    from matplotlib.lines import Line2D
    from matplotlib.ticker import PercentFormatter
    from matplotlib.transforms import Bbox

    votes = _shares(vote_shares, "vote_shares")
    seats = _shares(seat_shares, "seat_shares")
    if votes.shape != seats.shape:
        raise ValueError(f"seat_shares: expected the shape of vote_shares {votes.shape}, found {seats.shape}")
    ids = [str(p) for p in parties]
    if len(ids) != votes.shape[1]:
        raise ValueError(f"parties: expected {votes.shape[1]} party ids (one per column), found {len(ids)}")
    if top is not None and top < 0:
        raise ValueError(f"top: expected a number of parties >= 0, found {top}")
    fill = _colours_for(ids, colours)
    names = _labels_for(ids, labels)
    mean_votes, mean_seats = votes.mean(axis=0), seats.mean(axis=0)
    shown = [i for i in range(len(ids)) if votes[:, i].any() or seats[:, i].any()]
    shown.sort(key=lambda i: (-mean_seats[i], -mean_votes[i], ids[i]))
    upper = min(1.0, max(float(votes.max(initial=0)), float(seats.max(initial=0))) * 1.1 + 0.02)
    line = np.linspace(0, upper, 101)
    ax.plot(line, line, linestyle="--", color="grey", linewidth=0.8, label="proportional")
    if law is not None:
        v = np.linspace(0, 1, 201)
        curve = v**law / (v**law + (1 - v) ** law)
        ax.plot(v, curve, color="black", linewidth=0.8, label=f"seats-votes curve, k = {law:g}")
    many = votes.shape[0] > 1
    for i in shown:
        if many:
            ax.scatter(votes[:, i], seats[:, i], s=4, color=fill[i], alpha=0.25, linewidths=0)
        ax.scatter([mean_votes[i]], [mean_seats[i]], s=30, color=fill[i], edgecolors="black", linewidths=0.5,
                   zorder=3)
    ax.set_xlim(0, upper)
    ax.set_ylim(0, upper)
    ax.set_aspect("equal")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Seat share")

    # Labels: the largest parties first, each in the first free place around its point.
    named: list[int] = []
    if annotate and shown:
        ax.apply_aspect()  # the axes' final box, so that labels are measured where drawn
        frame = ax.get_window_extent()
        scale = ax.figure.dpi / 72  # points to pixels
        centres = ax.transData.transform(np.column_stack([mean_votes[shown], mean_seats[shown]]))
        half = 3.5 * scale  # half the width of a mean point, in pixels
        taken = [Bbox.from_extents(x - half, y - half, x + half, y + half) for x, y in centres]
        candidates = shown if top is None else shown[:top]
        for i in candidates:
            label = ax.annotate(names[i], (mean_votes[i], mean_seats[i]), textcoords="offset points",
                                fontsize=7, xytext=(0, 0))
            for offset, ha, va in _LABEL_PLACES:
                label.set_position(offset)
                label.set_horizontalalignment(ha)
                label.set_verticalalignment(va)
                box = label.get_window_extent()
                inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
                if inside and not _overlaps(box, taken):
                    taken.append(box)
                    named.append(i)
                    break
            else:
                label.remove()
    handles, _ = ax.get_legend_handles_labels()
    rest = [i for i in shown if i not in named]
    handles += [Line2D([], [], linestyle="none", marker="o", markersize=5, markerfacecolor=fill[i],
                       markeredgecolor="black", markeredgewidth=0.5, label=names[i]) for i in rest]
    ax.legend(handles=handles, fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              borderaxespad=0.0, ncol=1 if len(handles) <= 18 else 2)
    return ax


# --------------------------------------------------------------------- districts

#: The face of a tile whose winner is unknown.
_UNKNOWN = "#eeeeee"
#: Opacity of a tile whose winner never wins (the floor of :func:`win_alpha`).
_FAINTEST = 0.12
#: Shares of draws shown in the key of :func:`district_grid`.
_KEY_SHARES = (1.0, 0.75, 0.5, 0.25, 0.05)


def win_alpha(probability) -> np.ndarray:
    """The opacity of a district tile whose list wins in ``probability`` of the draws.

    Linear from 0.12 (never) to 1 (every draw), so a sure winner is drawn in its
    full colour and an uncertain one faded towards the white background.

    Examples
    --------
    >>> win_alpha([1.0, 0.5, 0.0]).round(2).tolist()
    [1.0, 0.56, 0.12]
    """
    p = np.clip(np.asarray(probability, dtype=float), 0.0, 1.0)
    return _FAINTEST + (1.0 - _FAINTEST) * p


def _winner_parties(winner: str) -> list[str]:
    return [p for p in str(winner).split("+") if p] if winner else []


def _tile_label(parties: Sequence[str], width: int = 14, lines: int = 2) -> str:
    """The parties of a list joined by ``+``, wrapped to ``lines`` lines of about ``width`` characters.

    Names are the short ones of :func:`_short_label`; where they need more lines,
    the last line counts the parties left out (``"+2 more"``).

    Examples
    --------
    >>> _tile_label(["RPM", "MPM"])
    'RPM+MPM'
    >>> print(_tile_label(["RPM", "ADEMA", "URD", "UDD", "Yelema", "PS-Yelen-Kura"], width=10, lines=3))
    RPM+ADEMA
    +URD+UDD
    +2 more
    """
    names = [_short_label(p) for p in parties]
    rows: list[list[str]] = []
    for i, name in enumerate(names):
        piece = name if i == 0 else "+" + name
        if rows and len("".join(rows[-1])) + len(piece) <= width:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    if len(rows) > lines:
        kept = rows[: lines - 1]
        rows = kept + [[f"+{len(names) - sum(len(r) for r in kept)} more"]]
    return "\n".join("".join(r) for r in rows)


def district_grid(
    ax,
    names: Sequence[str],
    winners: Sequence[str],
    rounds,
    *,
    probability=None,
    regions: Sequence[str] | None = None,
    colours=None,
    columns: int | None = None,
    legend: bool = True,
):
    """Draw one tile per district: its winning list's parties, and how sure the win is.

    A tile is split into vertical stripes, one per party of the winning list (in
    the order given, e.g. :func:`canonical_label`'s), so a joint list shows all its
    parties rather than the first one's colour; the parties are also written on the
    tile (``"RPM+MPM"``, wrapped to fit, ``"+2 more"`` past three lines). With
    ``probability``, every stripe is faded towards white in proportion to how often
    that list wins (:func:`win_alpha`: full colour in every draw), the share is
    written on the tile's last line, and a key beside the grid explains the
    shading. The last line also gives the deciding round (``"round 2"``); a grey
    frame outlines each tile.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    names : sequence of str, length C
        District (constituency) names, written on the tiles.
    winners : sequence of str, length C
        The winning list of each district: a party id or ``+``-joined ids (one
        stripe each); ``""`` or None where unknown (a grey tile marked ``?``).
    rounds : sequence of int, length C
        The round that decided each district: 1, 2, or 0 where unknown (not
        written).
    probability : sequence of float, length C, optional
        The share of draws in which each district's list wins (0 to 1), as
        :attr:`DistrictWinners.probability`. Without it the winners are taken as
        facts: full colours, no shares written, no key.
    regions : sequence of str, length C, optional
        One column per region (in order of first appearance), headed by its name;
        otherwise the tiles fill ``columns`` columns row by row.
    colours : mapping, optional
        Colours by party id (others from the party table).
    columns : int, optional
        Columns without ``regions`` (default: about twice as many as rows).
    legend : bool
        Draw a legend of the parties below the grid and, with ``probability``, the
        key of the shading beside it.

    Returns
    -------
    matplotlib.axes.Axes
        Its patches (``ax.patches``) are, district by district in the order of
        ``names``, the stripes (gid ``"name|party"``; ``"name|"`` for an unknown
        winner) and then the frame (gid ``"name"``).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> ax = district_grid(Figure().subplots(), ["Kayes", "Kita", "Gao"], ["RPM", "URD+ADEMA", ""],
    ...                    [1, 2, 0], probability=[1.0, 0.4, 0.0], regions=["Kayes", "Kayes", "Gao"])
    >>> [p.get_gid() for p in ax.patches]
    ['Kayes|RPM', 'Kayes', 'Kita|URD', 'Kita|ADEMA', 'Kita', 'Gao|', 'Gao']
    >>> [round(p.get_alpha(), 2) for p in ax.patches if "|" in p.get_gid()]
    [1.0, 0.47, 0.47, 1.0]
    >>> [t.get_text() for t in ax.texts][:6]
    ['Kayes', 'RPM', '100%, round 1', 'Kita', 'URD+ADEMA', '40%, round 2']
    """
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch, Rectangle

    names = [str(n) for n in names]
    n = len(names)
    winners = ["" if w is None else str(w) for w in winners]
    if len(winners) != n:
        raise ValueError(f"winners: expected {n} winners (one per name), found {len(winners)}")
    rounds = np.asarray(rounds)
    if rounds.shape != (n,):
        raise ValueError(f"rounds: expected {n} rounds (one per name), found shape {rounds.shape}")
    if n and not np.isin(rounds, (0, 1, 2)).all():
        raise ValueError("rounds: expected 1, 2 or 0 (unknown) for every district")
    if probability is not None:
        probability = np.asarray(probability, dtype=float)
        if probability.shape != (n,):
            raise ValueError(f"probability: expected {n} shares (one per name), found shape {probability.shape}")
        if not np.isfinite(probability).all() or (probability < 0).any() or (probability > 1).any():
            raise ValueError("probability: expected shares between 0 and 1")
    if regions is not None:
        regions = [str(r) for r in regions]
        if len(regions) != n:
            raise ValueError(f"regions: expected {n} regions (one per name), found {len(regions)}")
        order = list(dict.fromkeys(regions))
        row_in = {}
        cells = []
        for region in regions:
            row_in[region] = row_in.get(region, -1) + 1
            cells.append((order.index(region), row_in[region]))
        n_cols = len(order)
    else:
        n_cols = columns or max(1, math.ceil(math.sqrt(2 * n)))
        cells = [(i % n_cols, i // n_cols) for i in range(n)]
    width, height, gap = 1.0, 0.9, 0.08
    n_rows = max((row for _, row in cells), default=0) + 1
    ax.set_xlim(-0.05, n_cols * (width + gap))
    ax.set_ylim(-n_rows * (height + gap), 0.35)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.apply_aspect()  # the final box, so that the labels are measured at their size
    room = 0.92 * abs(ax.transData.transform((width, 0))[0] - ax.transData.transform((0, 0))[0])
    table = list(_party_table())
    ids = sorted(dict.fromkeys(p for w in winners for p in _winner_parties(w)),
                 key=lambda p: (table.index(p) if p in table else len(table), p))
    lookup = dict(zip(ids, _colours_for(ids, colours)))
    alphas = win_alpha(probability) if probability is not None else np.ones(n)
    for c, ((col, row), name, winner) in enumerate(zip(cells, names, winners)):
        parties = _winner_parties(winner)
        x, y = col * (width + gap), -row * (height + gap) - height
        faces = [lookup[p] for p in parties] or [_UNKNOWN]
        alpha = float(alphas[c]) if parties else 1.0
        step = width / len(faces)
        for k, face in enumerate(faces):
            stripe = Rectangle((x + k * step, y), step, height, facecolor=face, edgecolor="none",
                               alpha=alpha, linewidth=0)
            stripe.set_gid(f"{name}|{parties[k] if parties else ''}")
            ax.add_patch(stripe)
        frame = Rectangle((x, y), width, height, facecolor="none", edgecolor="#9a9a9a", linewidth=0.5)
        frame.set_gid(name)
        ax.add_patch(frame)
        # The ink that reads best on the tile as seen: its colours faded towards white.
        seen = np.mean([alpha * np.array(to_rgb(f)) + (1 - alpha) for f in faces], axis=0)
        ink = _text_colour(tuple(seen))
        style = {"ha": "center", "va": "center", "fontsize": 5, "color": ink, "clip_on": True,
                 "path_effects": _halo("white" if ink == "black" else "black")}
        cx = x + width / 2
        title = ax.text(cx, y + height * 0.88, name, **style)
        wide = title.get_window_extent().width
        if wide > room:  # a long name: a smaller font rather than past the tile's edges
            title.set_fontsize(style["fontsize"] * room / wide)
        label = ax.text(cx, y + height * 0.5, "?", fontweight="bold", linespacing=1.0, **style)
        if parties:
            for chars in range(16, 4, -1):
                label.set_text(_tile_label(parties, width=chars, lines=3))
                if label.get_window_extent().width <= room:
                    break
        rnd = {1: "round 1", 2: "round 2"}.get(int(rounds[c]), "") if parties else ""
        bottom = [_percent(probability[c])] if probability is not None and parties else []
        if rnd:
            bottom.append(rnd)
        if bottom:
            ax.text(cx, y + height * 0.12, ", ".join(bottom), **style)
    if regions is not None:
        for col, region in enumerate(order):
            ax.text(col * (width + gap) + width / 2, 0.08, region, ha="center", va="bottom", fontsize=6)
    if legend:
        handles = [Patch(facecolor=lookup[p], label=party_label(p)) for p in ids]
        if handles:
            parties_legend = ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                                       ncol=min(7, len(handles)), fontsize=6, frameon=False)
        if probability is not None:
            if handles:
                ax.add_artist(parties_legend)
                parties_legend.set_clip_on(False)  # add_artist clips to the axes
            key = [Patch(facecolor="#404040", edgecolor="#9a9a9a", linewidth=0.5, alpha=float(win_alpha(p)),
                         label=_percent(p)) for p in _KEY_SHARES]
            ax.legend(handles=key, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=6, frameon=False,
                      title="Shade: share of\ndraws the list\nshown wins", title_fontsize=6, alignment="left")
    return ax


def _percent(share: float) -> str:
    """A share as a whole percentage, ``"<1%"`` and ``">99%"`` at the ends short of 0 and 1."""
    share = float(share)
    if 0 < share < 0.01:
        return "<1%"
    if 0.99 < share < 1:
        return ">99%"
    return f"{share:.0%}"


def _halo(colour: str):
    from matplotlib import patheffects

    return [patheffects.withStroke(linewidth=1.0, foreground=colour, alpha=0.6)]


class DistrictWinners(NamedTuple):
    """Per constituency: name, region, winning list, deciding round, and how often."""

    names: tuple[str, ...]
    regions: tuple[str, ...]
    winners: np.ndarray
    rounds: np.ndarray
    probability: np.ndarray


def canonical_label(parties) -> str:
    """A joint list's label with its parties in the package's party order.

    So the same list gets the same label, and the same colour, whether it comes from
    the sources or from a simulation.

    Examples
    --------
    >>> canonical_label(["URD", "RPM"])
    'RPM+URD'
    """
    from malivote import datasets

    order = {party.id: rank for rank, party in enumerate(datasets.parties())}
    return "+".join(sorted(parties, key=lambda p: (order.get(p, len(order)), p)))


def district_winners(simulation) -> DistrictWinners:
    """The most likely winner of each constituency, and its most likely round.

    In each draw a constituency's winner is the list with the most seats (ties: the
    most round-1 votes); the list most often the winner is shown, ``probability``
    being the share of draws it won, and ``rounds`` is the round that decided the
    constituency most often in those draws.
    """
    from malivote.election import list_labels

    ensemble = simulation.ensemble
    key = simulation.seats.astype(np.int64) * (1 << 40) + ensemble.first
    slot = key.argmax(axis=-1)
    members = np.take_along_axis(ensemble.members, slot[..., None], axis=-1)[..., 0]
    labels = list_labels(members, ensemble.parties)
    labels = np.vectorize(lambda label: canonical_label(label.split("+")) if label else label, otypes=[object])(labels)
    n = labels.shape[1]
    winners = np.empty(n, dtype=object)
    rounds = np.zeros(n, dtype=np.int64)
    probability = np.zeros(n)
    for c in range(n):
        values, counts = np.unique(labels[:, c].astype(str), return_counts=True)
        best = int(counts.argmax())
        winners[c], probability[c] = values[best], counts[best] / labels.shape[0]
        won = labels[:, c] == winners[c]
        rounds[c] = np.bincount(simulation.round[won, c].astype(np.int64), minlength=3).argmax()
    layout = ensemble.layout
    return DistrictWinners(tuple(layout.names), tuple(layout.region), winners, rounds, probability)


def official_winners(year: int, names: Sequence[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The official winning list and round of each district where the sources give them.

    Only final results are used (``final`` and ``court_final``); districts without
    one get ``""`` and round 0.

    Parameters
    ----------
    year : {2007, 2013, 2020}
    names : sequence of str, optional
        District names (default: the 55 districts).

    Returns
    -------
    winners : ndarray of object
        ``+``-joined party ids.
    rounds : ndarray of int

    Examples
    --------
    >>> winners, rounds = official_winners(2007)
    >>> int((rounds > 0).sum()), int((rounds == 1).sum())
    (8, 8)
    """
    from malivote import datasets

    if names is None:
        names = [d.district for d in datasets.districts()]
    index = {name: i for i, name in enumerate(names)}
    winners = np.full(len(index), "", dtype=object)
    rounds = np.zeros(len(index), dtype=np.int64)
    for row in datasets.known_district_results(year):
        if row.is_hard_fact and row.winning_list and row.district in index:
            winners[index[row.district]] = canonical_label(row.winning_list)
            rounds[index[row.district]] = row.round
    return winners, rounds


# ---------------------------------------------------------------------- to files


def plot_simulation(simulation, directory, formats: Sequence[str] = ("png", "svg"), *, dpi: int = 150) -> list[Path]:
    """Write the figures of a simulation into ``directory``.

    - ``hemicycle``: the draw nearest the medians (:func:`nearest_median_draw`);
      ``hemicycle_official`` beside it when the scenario has an official table;
    - ``seat_distributions``: seats per party over the draws, official values marked;
    - ``seat_vote``: seat share against round-1 vote share (:func:`party_vote_shares`),
      the x axis saying where the votes are modelled (a replay);
    - ``districts``: the most likely winning list of each constituency, how often it
      wins and its most likely round (:func:`district_grid`); under a national tier,
      a note that districts decide no seats (:func:`no_districts`).

    Titles give the draws and the seed, and say when the seats are the same in
    every draw (as in a replay whose seats the sources fix) and where a replay's
    reconstructed votes make a figure a model (``seat_vote``, ``districts``).
    ``hemicycle_official`` says "for comparison" where the run's seats differ from
    the official ones.

    Figures are made with :class:`matplotlib.figure.Figure`, not ``pyplot``, so
    nothing global changes and no window opens.

    Parameters
    ----------
    simulation : Simulation
    directory : str or path
        Created if missing.
    formats : sequence of str
        File formats (extensions) matplotlib can write.
    dpi : int

    Returns
    -------
    list of Path
        The files written.
    """
    from matplotlib.figure import Figure

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    formats = tuple(formats)
    if not formats:
        raise ValueError("formats: expected at least one file format")
    parties = list(simulation.parties)
    party_seats = np.asarray(simulation.party_seats)
    official = simulation.official()
    written: list[Path] = []

    def save(figure, stem):
        for fmt in formats:
            path = directory / f"{stem}.{fmt}"
            figure.savefig(path, dpi=dpi, bbox_inches="tight")
            written.append(path)

    draw = party_seats[nearest_median_draw(party_seats)]
    ranked = sorted(range(len(parties)), key=lambda i: (-draw[i], parties[i]))
    table = {parties[i]: int(draw[i]) for i in ranked if draw[i] > 0}
    figure = Figure(figsize=(7, 4.5))
    ax = hemicycle(figure.subplots(), table)
    fixed = bool((party_seats == party_seats[:1]).all())
    runs = f"{simulation.n_draws} draws, seed {simulation.seed}"
    if fixed:
        ax.set_title(f"{_title(simulation)}: seats (the same in all {runs})", fontsize=9)
    else:
        ax.set_title(f"{_title(simulation)}: draw nearest the medians ({runs})", fontsize=9)
    save(figure, "hemicycle")
    if official:
        figure = Figure(figsize=(7, 4.5))
        ax = hemicycle(figure.subplots(), {p: s for p, s in official.items() if s > 0})
        # Beside a run whose seats differ from it (another rule, other votes), the
        # official table is the real election's, not this scenario's outcome.
        same = fixed and table == {party: seats for party, seats in official.items() if seats > 0}
        ax.set_title(f"{_title(simulation)}: official result" + ("" if same else " (the real election, for comparison)"),
                     fontsize=9)
        save(figure, "hemicycle_official")

    shown = sum(1 for i in range(len(parties)) if party_seats[:, i].any() or (official or {}).get(parties[i]))
    figure = Figure(figsize=(7, 1.2 + 0.35 * max(shown, 1)))
    ax = seat_distributions(figure.subplots(), party_seats, parties, official=official)
    same = " (the same in every draw)" if fixed else ""
    ax.set_title(f"{_title(simulation)}: seats over {runs}{same}", fontsize=9)
    save(figure, "seat_distributions")

    totals = party_seats.sum(axis=1, keepdims=True)
    seat_shares = np.divide(party_seats, totals, out=np.zeros(party_seats.shape), where=totals > 0)
    figure = Figure(figsize=(7, 5))
    xlabel = "Vote share, round 1"
    if simulation.scenario.is_replay:
        xlabel += " (modelled: district votes are reconstructed)"
    ax = seat_vote_curve(figure.subplots(), party_vote_shares(simulation), seat_shares, parties, xlabel=xlabel)
    ax.set_title(f"{_title(simulation)}: seats and round-1 votes ({runs}: faint points, the mean: large)\n"
                 "(a joint list's votes split equally among its parties)", fontsize=9)
    save(figure, "seat_vote")

    rule = simulation.scenario.rule
    if rule.tier == "national":
        figure = Figure(figsize=(7, 2.5))
        ax = no_districts(figure.subplots())
        ax.set_title(f"{_title(simulation)}: constituencies", fontsize=9)
    else:
        result = district_winners(simulation)
        rows = max(np.unique(result.regions, return_counts=True)[1])
        figure = Figure(figsize=(9, 1.8 + 0.65 * rows))
        ax = district_grid(figure.subplots(), result.names, result.winners, result.rounds,
                           probability=result.probability, regions=result.regions)
        lines = [f"{_title(simulation)}: most likely winning list per constituency",
                 f"over {runs}; stripes: the list's parties; last line: the share of draws "
                 "it wins, and the round that decided it most often"]
        if simulation.scenario.is_replay:
            lines.append("modelled: district votes are reconstructed (a model that meets every known fact, not data)")
        if rule.national is not None:
            lines.append(f"the other {rule.national.seats} seats are shared out nationally, not shown here")
        ax.set_title("\n".join(lines), fontsize=9)
    save(figure, "districts")
    return written


def no_districts(ax, text: str | None = None):
    """Say, instead of a map, that the districts decide no seats (a national tier).

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    text : str, optional
        The message (default: that every seat is shared out nationally).

    Returns
    -------
    matplotlib.axes.Axes
        No patches; the message is its only text.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> ax = no_districts(Figure().subplots())
    >>> len(ax.patches), ax.texts[0].get_text().splitlines()[0]
    (0, 'No district map: districts decide no seats under this rule.')
    """
    if text is None:
        text = ("No district map: districts decide no seats under this rule.\n"
                "Every seat is shared out nationally among party lists,\n"
                "so no constituency has a winner to show.")
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=10, transform=ax.transAxes,
            bbox={"boxstyle": "round,pad=0.8", "facecolor": "#f4f4f4", "edgecolor": "#9a9a9a"})
    ax.set_axis_off()
    return ax


def _title(simulation) -> str:
    scenario = simulation.scenario
    return scenario.name or (Path(scenario.source).stem if scenario.source else "scenario")


def sweep(ax, dataset, *, parameter: str | None = None, parties=None, blocs=None, max_parties: int = 6,
          majority: int | None = None, band: bool = True):
    """Draw seats against a swept parameter: the median of each party (or bloc), a
    shaded 90% band (p05 to p95) and a dotted line at the majority.

    Parties are drawn in their colours (:func:`party_colour`), blocs dashed; the
    legend stands beside the axes, clear of the lines, and the title gives the
    draws per point and the sweep's seed.

    Parameters
    ----------
    ax : matplotlib Axes
    dataset : xarray.Dataset
        A sweep's dataset (``SweepResult.dataset``, or read back from ``--out``) with
        one swept dimension left: select the others first (``dataset.sel(...)``).
    parameter : str, optional
        The parameter on the x axis (default: the only swept dimension; for a zipped
        sweep, the first parameter).
    parties : list of str, optional
        Parties to draw (default: the ``max_parties`` first, the largest).
    blocs : list of str, optional
        Blocs to draw (default: every bloc of the dataset).
    majority : int, optional
        Where to draw the majority line (default: the dataset's, 74 of 147 seats).
    band : bool
        Shade the 90% interval.

    Returns
    -------
    The Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> from malivote.election_io import Election
    >>> from malivote.scenario import build_scenario
    >>> from malivote.sweep import Sweep
    >>> election = Election.from_arrays([[60, 40], [30, 70], [45, 55]], [2, 1, 1], ["A", "B"])
    >>> base = build_scenario(election, rule={"method": "divisor"}, models={"noise": {"concentration": 50.0}})
    >>> result = Sweep.from_scenario(base, {"rule.threshold": [0.0, 0.2, 0.45]}).run(draws=10, seed=1)
    >>> ax = sweep(Figure().add_subplot(), result.dataset)
    >>> ax.get_xlabel(), sorted(line.get_label() for line in ax.get_lines())[:2]
    ('rule.threshold', ['A', 'B'])
    """
    swept = [d for d in dataset["seats"].dims if d not in ("party", "stat")]
    if len(swept) != 1:
        raise ValueError(
            f"dataset: expected one swept dimension, found {swept}; select the others first, "
            f"e.g. dataset.isel({{{swept[-1]!r}: 0}})" if swept else "dataset: no swept dimension"
        )
    dim = swept[0]
    import json

    if parameter is None:
        parameter = json.loads(dataset.attrs.get("parameters", "[]") or "[]")[0] if dim == "point" else dim
    x = np.asarray(dataset[parameter].values)
    categorical = x.dtype.kind in "OUSb"
    xlabel = parameter
    if categorical:
        labels = [str(v) for v in x]
        if "point" == dim and len(json.loads(dataset.attrs.get("parameters", "[]") or "[]")) > 1:
            names = json.loads(dataset.attrs["parameters"])
            labels = ["\n".join(str(dataset[n].values[i]) for n in names) for i in range(len(x))]
            xlabel = " / ".join(names)  # the tick labels stack every zipped parameter's value
        position = np.arange(len(x))
    else:
        position = x.astype(float)
    if parties is None:
        parties = [str(p) for p in dataset["party"].values[:max_parties]]
    if blocs is None:
        blocs = [str(b) for b in dataset["bloc"].values] if "bloc" in dataset.coords else []
    # Parties in their own colours, as in every other figure; blocs dashed, in black
    # and greys.
    series = [(p, dataset["seats"].sel(party=p), "-", colour)
              for p, colour in zip(parties, _colours_for(parties, None))]
    series += [(f"[{b}]", dataset["bloc_seats"].sel(bloc=b), "--", BLOC_COLOURS[i % len(BLOC_COLOURS)])
               for i, b in enumerate(blocs)]
    for label, data, style, colour in series:
        median = np.asarray(data.sel(stat="median"), dtype=float)
        low = np.asarray(data.sel(stat="p05"), dtype=float)
        high = np.asarray(data.sel(stat="p95"), dtype=float)
        (line,) = ax.plot(position, median, style, marker="o" if categorical or len(x) < 12 else None,
                          markersize=3, label=label, color=colour)
        if band:
            ax.fill_between(position, low, high, color=line.get_color(), alpha=0.15, linewidth=0)
    if majority is None:
        majority = int(dataset.attrs.get("majority", 0)) or None
    if majority:
        ax.axhline(majority, color="black", linestyle=":", linewidth=1)
        ax.annotate(f"majority ({majority})", xy=(0.01, majority), xycoords=("axes fraction", "data"),
                    va="bottom", fontsize=8)
    if categorical:
        ax.set_xticks(position)
        ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("seats (median, 90% band)")
    draws, seed = dataset.attrs.get("draws"), dataset.attrs.get("seed")
    title = str(dataset.attrs.get("sweep", ""))
    if draws:
        title += f" ({draws} draws per point" + (f", seed {seed})" if seed is not None else ")")
    ax.set_title(title, fontsize=9)
    ax.set_ylim(bottom=0)
    # Beside the axes: inside, the legend would hide lines, bands or the majority.
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return ax
