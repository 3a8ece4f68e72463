"""Online summaries: what a run needs to report, accumulated block by block.

A :class:`Tally` keeps histograms of integer counts (seats per party, constituencies
and seats decided in round 1, women elected) and sums of the per-draw metrics, so a
run of any length is summarised in constant memory, and its quantiles are exact: a
seat count's quantile is read off its histogram, never interpolated.

Each per-draw metric also has a histogram on a fixed grid (:data:`METRIC_GRID`): its
value rounded to the grid's step, over a range the metric cannot leave (shares in
[0, 1] by steps of 0.001, that is 0.1 percentage point; the Gallagher and
Loosemore-Hanby indices in [0, 100] points by steps of 0.1; the effective numbers of
parties in [1, P] by steps of 0.01; runoffs in [0, C] and women in [0, house], whole
numbers, exactly). Rounding is monotone, so the quantile of the rounded values is the
rounded quantile: :meth:`Tally.metric_quantile` gives the order statistic of the
draws rounded (half up) to the step, exact to the digits a summary prints, which are
those of the step. Memory stays constant: about 1,000 bins per metric, 100 P for the
effective numbers of parties.

The quantile of probability ``q`` over ``n`` draws is the smallest count ``c`` with
at least ``ceil(q n)`` draws at or below ``c`` (the inverse of the empirical
distribution function; NumPy's ``method="inverted_cdf"``), computed with ``q`` as the
exact decimal written (0.05 is 1/20).

Examples
--------
>>> import numpy as np
>>> tally = Tally.empty(("A", "B"), house=3, n_constituencies=2)
>>> tally.add(party_seats=np.array([[2, 1], [3, 0], [2, 1]]),
...           round1_constituencies=np.array([1, 2, 1]), round1_seats=np.array([2, 3, 2]),
...           women=np.array([1, 0, 2]), metrics={"gallagher": np.array([5.0, 9.0, 7.0])},
...           majority=2)
>>> tally.quantile(tally.party_hist[0], 0.5), tally.mean(tally.party_hist[0])
(2, 2.3333333333333335)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil

import numpy as np

from malivote.rules._validation import first_bad_index

__all__ = ["METRIC_GRID", "Tally"]

#: Per metric, the step of its histogram and its range ``(low, high)``; a range
#: bound given as a string is the tally's ``"parties"``, ``"constituencies"`` or
#: ``"house"``. Metrics not listed here are only summed (their mean is known).
METRIC_GRID = {
    "gallagher": (0.1, (0.0, 100.0)),
    "loosemore_hanby": (0.1, (0.0, 100.0)),
    "enp_votes": (0.01, (1.0, "parties")),
    "enp_seats": (0.01, (1.0, "parties")),
    "largest_party_share": (0.001, (0.0, 1.0)),
    "wasted_votes": (0.001, (0.0, 1.0)),
    "runoffs": (1, (0, "constituencies")),
    "women": (1, (0, "house")),
}


def _counts(values, name: str, top: int, shape: tuple) -> np.ndarray:
    """``values`` as int64 counts of ``shape`` from 0 to ``top``, or :class:`ValueError`.

    A histogram of ``top + 1`` bins would drop a larger count, and a party's count
    would land in the next party's row of a flattened table.
    """
    array = np.asarray(values)
    if array.dtype.kind not in "iu" or array.shape != shape:
        raise ValueError(f"{name}: expected integer counts of shape {shape}, found {array.dtype} of shape {array.shape}")
    if array.size and (array.min() < 0 or array.max() > top):
        index = first_bad_index((array < 0) | (array > top))
        raise ValueError(f"{name}: expected counts from 0 to {top}, found {array[index]} at index {index}")
    return array.astype(np.int64, copy=False)


def _grid(name: str, n_parties: int, n_constituencies: int, house: int) -> tuple[float, float, int]:
    """``(low, step, bins)`` of metric ``name``'s histogram."""
    step, (low, high) = METRIC_GRID[name]
    sizes = {"parties": max(n_parties, 1), "constituencies": n_constituencies, "house": house}
    high = sizes.get(high, high) if isinstance(high, str) else high
    return low, step, int(round((high - low) / step)) + 1


@dataclass(eq=False)
class Tally:
    """Histograms and sums over the draws of a run.

    Attributes
    ----------
    parties : tuple of str
    party_hist : ndarray of int64, shape (P, house + 1)
        ``party_hist[p, s]``: draws in which party ``p`` won ``s`` seats.
    round1_constituencies_hist : ndarray, shape (C + 1,)
    round1_seats_hist, women_hist : ndarray, shape (house + 1,)
    metric_sums : dict of str to float
        Sums over the draws of each per-draw metric.
    metric_hist : dict of str to ndarray of int64
        Per metric of :data:`METRIC_GRID`, draws per grid step: ``metric_hist[m][i]``
        counts the draws whose value rounds (half up) to ``low + i * step``.
    metric_grid : dict of str to (low, step)
        Where each metric histogram starts, and its step.
    majority_draws : int
        Draws in which one party holds an absolute majority.
    n_draws : int
    lots : dict of str to int
        Ties broken by lot, per rule stage.
    blocs : tuple of str
        Names of the blocs of parties (a scenario's ``[blocs]``).
    bloc_hist : ndarray of int64, shape (B, house + 1)
        ``bloc_hist[b, s]``: draws in which bloc ``b`` won ``s`` seats together.
    """

    parties: tuple[str, ...]
    party_hist: np.ndarray
    round1_constituencies_hist: np.ndarray
    round1_seats_hist: np.ndarray
    women_hist: np.ndarray
    metric_sums: dict = field(default_factory=dict)
    majority_draws: int = 0
    n_draws: int = 0
    lots: dict = field(default_factory=dict)
    blocs: tuple = ()
    bloc_hist: np.ndarray | None = None
    metric_hist: dict = field(default_factory=dict)
    metric_grid: dict = field(default_factory=dict)

    @classmethod
    def empty(cls, parties, house: int, n_constituencies: int, blocs=()) -> "Tally":
        """A tally of no draws."""
        grids = {name: _grid(name, len(parties), n_constituencies, house) for name in METRIC_GRID}
        return cls(
            metric_hist={name: np.zeros(bins, dtype=np.int64) for name, (_, _, bins) in grids.items()},
            metric_grid={name: (low, step) for name, (low, step, _) in grids.items()},
            parties=tuple(parties),
            party_hist=np.zeros((len(parties), house + 1), dtype=np.int64),
            round1_constituencies_hist=np.zeros(n_constituencies + 1, dtype=np.int64),
            round1_seats_hist=np.zeros(house + 1, dtype=np.int64),
            women_hist=np.zeros(house + 1, dtype=np.int64),
            blocs=tuple(blocs),
            bloc_hist=np.zeros((len(blocs), house + 1), dtype=np.int64),
        )

    def add(self, *, party_seats, round1_constituencies, round1_seats, women, metrics, majority, lots=None,
            bloc_seats=None):
        """Count a block of draws in.

        Parameters
        ----------
        party_seats : ndarray, shape (D, P)
        round1_constituencies, round1_seats, women : ndarray, shape (D,)
        metrics : dict of str to ndarray of shape (D,)
        majority : int
            Seats that make an absolute majority.
        lots : dict of str to ndarray of shape (D,), optional
            Ties broken by lot in each draw, per rule stage.
        bloc_seats : ndarray, shape (D, B), optional
            Seats of each bloc (``blocs``) in each draw.
        """
        n_parties, width = self.party_hist.shape
        party_seats = np.asarray(party_seats)
        draws = party_seats.shape[0] if party_seats.ndim else 0
        party_seats = _counts(party_seats, "party_seats", width - 1, (draws, n_parties))
        codes = party_seats + width * np.arange(n_parties)
        self.party_hist += np.bincount(codes.ravel(), minlength=n_parties * width).reshape(n_parties, width)
        for name, hist, values in (
            ("round1_constituencies", self.round1_constituencies_hist, round1_constituencies),
            ("round1_seats", self.round1_seats_hist, round1_seats),
            ("women", self.women_hist, women),
        ):
            hist += np.bincount(_counts(values, name, hist.size - 1, (draws,)), minlength=hist.size)
        gridded = [(name, values) for name, values in metrics.items() if name in self.metric_hist]
        row_sums = self._add_metric_hists(gridded, draws) if gridded else {}
        for name, values in metrics.items():
            total = row_sums[name] if name in row_sums else float(np.sum(values))
            self.metric_sums[name] = self.metric_sums.get(name, 0.0) + total
        self.majority_draws += int((party_seats >= majority).any(axis=1).sum())
        self.n_draws += draws
        for stage, counts in (lots or {}).items():
            self.lots[stage] = self.lots.get(stage, 0) + int(np.sum(counts))
        if bloc_seats is not None and len(self.blocs):
            width = self.bloc_hist.shape[1]
            bloc_seats = _counts(bloc_seats, "bloc_seats", width - 1, (draws, len(self.blocs)))
            codes = bloc_seats + width * np.arange(len(self.blocs))
            self.bloc_hist += np.bincount(codes.ravel(), minlength=len(self.blocs) * width).reshape(len(self.blocs), width)

    def _add_metric_hists(self, gridded: list, draws: int) -> dict:
        """Count the draws of every gridded metric in, with one ``np.bincount``;
        returns the sums of the float64 metrics among them, by name.

        Each value's bin is ``floor((value - low) / step + 0.5)`` (half up), computed
        for all the metrics at once, row by row, with the same float64 operations as
        one metric at a time; NaN goes to bin 0 and the ends are clipped (they only
        absorb floating-point error: an ENP of 0.9999999999). The sums are those of
        ``np.sum``: NumPy sums each row of a C-ordered table pairwise, as it sums a
        one-dimensional array. (Other dtypes are summed in their own: integers exactly.)
        """
        values = np.empty((len(gridded), draws), dtype=np.float64)
        low = np.empty((len(gridded), 1), dtype=np.float64)
        step = np.empty((len(gridded), 1), dtype=np.float64)
        top = np.empty((len(gridded), 1), dtype=np.float64)
        offset = np.empty((len(gridded), 1), dtype=np.int64)
        total = 0
        for row, (name, metric) in enumerate(gridded):
            values[row] = metric
            low[row], step[row] = self.metric_grid[name]
            size = self.metric_hist[name].size
            top[row] = size - 1
            offset[row] = total
            total += size
        sums = values.sum(axis=1)
        index = np.floor((values - low) / step + 0.5)
        # fmax takes 0 for NaN (as nan_to_num, then the clip, would), and the ends clip.
        np.fmax(index, 0.0, out=index)
        np.minimum(index, top, out=index)
        counts = np.bincount((index.astype(np.int64) + offset).ravel(), minlength=total)
        for row, (name, _) in enumerate(gridded):
            start = int(offset[row, 0])
            hist = self.metric_hist[name]
            hist += counts[start : start + hist.size]
        return {
            name: float(sums[row]) for row, (name, metric) in enumerate(gridded)
            if getattr(metric, "dtype", None) == np.float64 and metric.shape == (draws,)
        }

    def merge(self, other: "Tally") -> "Tally":
        """Add another tally of the same run's other draws into this one."""
        self.party_hist += other.party_hist
        self.round1_constituencies_hist += other.round1_constituencies_hist
        self.round1_seats_hist += other.round1_seats_hist
        self.women_hist += other.women_hist
        for name, value in other.metric_sums.items():
            self.metric_sums[name] = self.metric_sums.get(name, 0.0) + value
        self.majority_draws += other.majority_draws
        self.n_draws += other.n_draws
        for stage, count in other.lots.items():
            self.lots[stage] = self.lots.get(stage, 0) + count
        if other.bloc_hist is not None and self.bloc_hist is not None:
            self.bloc_hist += other.bloc_hist
        for name, hist in other.metric_hist.items():
            if name in self.metric_hist:
                self.metric_hist[name] += hist
            else:
                self.metric_hist[name] = hist.copy()
                self.metric_grid[name] = other.metric_grid[name]
        return self

    @staticmethod
    def quantile(hist: np.ndarray, q: float) -> int:
        """The ``q`` quantile of the counts in ``hist`` (see the module docstring).

        Raises :class:`ValueError` for ``q`` outside [0, 1] or a histogram of no
        draws (whose quantile was the index past its last bin).
        """
        if isinstance(q, bool) or not isinstance(q, (int, float, np.integer, np.floating)) or not 0 <= q <= 1:
            raise ValueError(f"q: expected a probability in [0, 1], found {q!r}")
        total = int(hist.sum())
        if total <= 0:
            raise ValueError("hist: expected a histogram of at least one draw, found none")
        needed = max(1, ceil(Fraction(repr(float(q))) * total))
        return int(np.searchsorted(np.cumsum(hist), needed))

    @staticmethod
    def mean(hist: np.ndarray) -> float:
        return float(np.dot(hist, np.arange(hist.size)) / hist.sum())

    @staticmethod
    def minimum(hist: np.ndarray) -> int:
        return int(np.flatnonzero(hist)[0])

    @staticmethod
    def maximum(hist: np.ndarray) -> int:
        return int(np.flatnonzero(hist)[-1])

    def metric_mean(self, name: str) -> float:
        return self.metric_sums[name] / self.n_draws

    def metric_quantile(self, name: str, q: float) -> float | int:
        """The ``q`` quantile of metric ``name`` over the draws, rounded (half up) to
        its grid step (:data:`METRIC_GRID`): an order statistic of the draws, exact to
        the step's digits (an int for the whole-number metrics).

        Examples
        --------
        >>> import numpy as np
        >>> tally = Tally.empty(("A", "B"), house=3, n_constituencies=2)
        >>> values = np.array([12.34, 7.06, 30.0, 9.95])
        >>> tally.add(party_seats=np.array([[2, 1]] * 4), round1_constituencies=np.ones(4, int),
        ...           round1_seats=np.ones(4, int), women=np.zeros(4, int),
        ...           metrics={"gallagher": values}, majority=2)
        >>> [tally.metric_quantile("gallagher", q) for q in (0.05, 0.5, 0.95)]
        [7.1, 10.0, 30.0]
        >>> [float(np.quantile(values, q, method="inverted_cdf")) for q in (0.05, 0.5, 0.95)]
        [7.06, 9.95, 30.0]
        """
        low, step = self.metric_grid[name]
        value = low + step * self.quantile(self.metric_hist[name], q)
        if isinstance(step, int):
            return int(value)
        digits = max(0, -int(np.floor(np.log10(step) + 1e-9)))
        return round(value, digits)
