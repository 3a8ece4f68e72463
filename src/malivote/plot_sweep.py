"""Seats against a swept parameter: :func:`sweep` (exposed as ``malivote.plot.sweep``).

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

from __future__ import annotations

import numpy as np

__all__ = ["sweep"]


def sweep(ax, dataset, *, parameter: str | None = None, parties=None, blocs=None, max_parties: int = 6,
          majority: int | None = None, band: bool = True):
    """Draw seats against a swept parameter: the median of each party (or bloc), a
    shaded 90% band (p05 to p95) and a dashed line at the majority.

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
    if categorical:
        labels = [str(v) for v in x]
        if "point" == dim and len(json.loads(dataset.attrs.get("parameters", "[]") or "[]")) > 1:
            names = json.loads(dataset.attrs["parameters"])
            labels = ["\n".join(str(dataset[n].values[i]) for n in names) for i in range(len(x))]
        position = np.arange(len(x))
    else:
        position = x.astype(float)
    if parties is None:
        parties = [str(p) for p in dataset["party"].values[:max_parties]]
    if blocs is None:
        blocs = [str(b) for b in dataset["bloc"].values] if "bloc" in dataset.coords else []
    series = [(p, dataset["seats"].sel(party=p), "-") for p in parties]
    series += [(f"[{b}]", dataset["bloc_seats"].sel(bloc=b), "--") for b in blocs]
    for label, data, style in series:
        median = np.asarray(data.sel(stat="median"), dtype=float)
        low = np.asarray(data.sel(stat="p05"), dtype=float)
        high = np.asarray(data.sel(stat="p95"), dtype=float)
        (line,) = ax.plot(position, median, style, marker="o" if categorical or len(x) < 12 else None,
                          markersize=3, label=label)
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
    ax.set_xlabel(parameter)
    ax.set_ylabel("seats (median, 90% band)")
    draws = dataset.attrs.get("draws")
    title = str(dataset.attrs.get("sweep", ""))
    ax.set_title(f"{title} ({draws} draws per point)" if draws else title, fontsize=9)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, ncol=2)
    return ax
