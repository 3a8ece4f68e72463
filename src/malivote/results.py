"""What a run produces: per-block decisions, the whole simulation and its summary.

This module is the outcome stage of the pipeline (scenario → election → vote draws →
rule → **outcome** → summaries, plots and exports). It holds data, not logic of the
other stages: it imports none of them, so every other module can depend on it.

- :class:`Decision`: what a rule decided for one block of draws.
- :class:`Simulation`: a whole run, with its :class:`~malivote.tally.Tally` and,
  when kept, every draw's arrays; :meth:`Simulation.to_frame` and
  :meth:`Simulation.to_xarray` give them as tables.
- :class:`Summary`: seats per party with exact quantiles, what round 1 decided,
  women and metrics, typed; :meth:`Summary.to_dict` is the JSON the CLI prints.

Examples
--------
>>> import numpy as np
>>> from malivote.tally import Tally
>>> tally = Tally.empty(("A", "B"), house=3, n_constituencies=1)
>>> tally.add(party_seats=np.array([[2, 1], [3, 0]]), round1_constituencies=np.array([1, 1]),
...           round1_seats=np.array([3, 3]), women=np.array([0, 1]),
...           metrics={name: np.zeros(2) for name in METRIC_NAMES}, majority=2)
>>> header = dict(scenario="demo", source="demo.toml", seed=0, rule="two_round", layout="demo")
>>> rows = summarise_tally(tally, official={"A": 2, "B": 1}, **header).parties
>>> [(row.party, row.official, row.median, row.p05, row.p95, row.fixed) for row in rows]
[('A', 2, 2, 2, 3, False), ('B', 1, 0, 0, 1, False)]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from malivote.tally import Tally

if TYPE_CHECKING:  # pragma: no cover - types only, no import at run time
    from malivote.election import Ensemble
    from malivote.scenario import Scenario

__all__ = [
    "BlocSummary",
    "Decision",
    "METRIC_LABELS",
    "METRIC_NAMES",
    "METRIC_UNITS",
    "MetricInterval",
    "PartySummary",
    "Range",
    "Simulation",
    "Summary",
    "TWO_ROUND_RULES",
    "WomenSummary",
    "round1_seats",
    "rule_settings",
    "seats_fixed_by_facts",
    "summarise",
    "summarise_tally",
]

#: Rules with a second round, for which "decided in round 1" means something.
TWO_ROUND_RULES = ("two_round", "open_runoff")
#: What a table shows in place of an interval for seats the facts fix.
FIXED = "fixed by the facts"

#: The per-draw metrics every run tallies, in the order summaries show them.
METRIC_NAMES = (
    "gallagher",
    "loosemore_hanby",
    "enp_votes",
    "enp_seats",
    "largest_party_share",
    "runoffs",
    "wasted_votes",
    "women",
)

#: What each metric is called in tables and plots (``p_majority`` included).
METRIC_LABELS = {
    "gallagher": "Gallagher index",
    "loosemore_hanby": "Loosemore-Hanby index",
    "enp_votes": "Effective number of parties, by votes",
    "enp_seats": "Effective number of parties, by seats",
    "largest_party_share": "Largest party's seats",
    "p_majority": "Draws with a one-party majority",
    "runoffs": "Runoffs",
    "wasted_votes": "Wasted votes",
    "women": "Women elected",
}

#: The unit of each metric's values in :meth:`Summary.to_dict` (JSON and CSV keep
#: shares as fractions; text and plots show them as percentages).
METRIC_UNITS = {
    "gallagher": "percentage points",
    "loosemore_hanby": "percentage points",
    "enp_votes": "parties",
    "enp_seats": "parties",
    "largest_party_share": "fraction of the seats",
    "p_majority": "fraction of the draws",
    "runoffs": "constituencies",
    "wasted_votes": "fraction of the round-1 votes",
    "women": "seats",
}


def round1_seats(seats: np.ndarray, rounds: np.ndarray) -> np.ndarray:
    """Seats decided in round 1 per draw, from list seats ``(D, C, K)`` and rounds ``(D, C)``."""
    return np.where((rounds == 1)[..., None], seats, 0).sum(axis=(-1, -2))


@dataclass(frozen=True, eq=False)
class Decision:
    """What a rule decided for a block of ``D`` draws.

    Attributes
    ----------
    seats : ndarray of int64, shape (D, C, K)
        Seats per list slot in the constituencies (zeros under a national-only rule).
    round : ndarray of int8, shape (D, C)
        The round that decided each constituency (1 under one-round rules).
    party_seats : ndarray of int64, shape (D, P)
        Seats per party, every tier included.
    women : ndarray of int64, shape (D,)
        Women elected in the constituencies (national lists have no rosters).
    national : ndarray of int64, shape (D, P), or None
        Seats per party from a national tier, if the rule has one.
    lots : dict of str to ndarray of int64, shape (D,)
        Ties broken by lot in each draw, per stage of the rule (``"district"``,
        ``"national"``, ...).
    """

    seats: np.ndarray
    round: np.ndarray
    party_seats: np.ndarray
    women: np.ndarray
    national: np.ndarray | None = None
    lots: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Range:
    """The smallest and largest value over the draws."""

    min: int
    max: int


@dataclass(frozen=True)
class PartySummary:
    """One party's seats over the draws.

    ``fixed`` is True when the party won the same number of seats in every draw. That
    is not by itself a fact: a counterfactual rule can leave a party without a seat in
    every draw. Whether the facts fix the whole table (a replay) is
    :func:`seats_fixed_by_facts`.
    """

    party: str
    official: int | None
    mean: float
    median: int
    min: int
    max: int
    p05: int
    p95: int

    @property
    def fixed(self) -> bool:
        return self.min == self.max

    def to_dict(self) -> dict:
        row = asdict(self)
        if self.official is None:
            del row["official"]
        row["fixed"] = self.fixed
        return row


@dataclass(frozen=True)
class BlocSummary:
    """A bloc's seats over the draws (the sum of its parties' seats) and the share of
    draws in which it holds an absolute majority."""

    bloc: str
    parties: tuple[str, ...]
    mean: float
    median: int
    min: int
    max: int
    p05: int
    p95: int
    p_majority: float

    def to_dict(self) -> dict:
        row = asdict(self)
        row["parties"] = list(self.parties)
        return row


@dataclass(frozen=True)
class MetricInterval:
    """A metric's median and 90% interval over the draws: order statistics of the
    draws, rounded to the metric's grid step (:data:`malivote.tally.METRIC_GRID`),
    in the units of :data:`METRIC_UNITS`."""

    median: float
    p05: float
    p95: float


@dataclass(frozen=True)
class WomenSummary:
    """Women elected over the draws."""

    min: int
    max: int
    median: int


@dataclass(frozen=True)
class Summary:
    """Seats per party over the draws, what round 1 decided, women and metrics.

    Quantiles are exact order statistics of the seat counts (``inverted_cdf``), so
    the median and the 90% interval are seat counts that occurred in the draws.

    Attributes
    ----------
    scenario, source : str
        The scenario's name and its file.
    draws, seed : int
    rule, layout : str
        ``rule`` is the method's name; ``rule_settings`` (below) says how it was set.
    parties : tuple of PartySummary
        Ordered by official seats, then by mean simulated seats. Parties that win no
        seat in any draw and have no official seats are left out.
    round1_constituencies, round1_seats : Range
    women : WomenSummary or None
        None under a national-only rule (national lists have no rosters).
    metrics : dict of str to float or None
        Means over the draws (:func:`summarise`), in the units of :data:`METRIC_UNITS`.
    lots : dict of str to int
        Ties broken by lot over the whole run, per rule stage.
    notes : tuple of str
        What the user must know to read the figures.
    modelled : tuple of str
        Quantities that come from a model of the votes, not from the facts.
    blocs : tuple of BlocSummary
    metric_intervals : dict of str to MetricInterval
        Each metric's median and 90% interval over the draws (not ``p_majority``,
        which is a share of the draws, nor a metric that is None).
    rule_settings : str
        The rule's settings that change the seats (:func:`rule_settings`).
    """

    scenario: str
    source: str
    draws: int
    seed: int
    rule: str
    layout: str
    parties: tuple[PartySummary, ...]
    round1_constituencies: Range
    round1_seats: Range
    women: WomenSummary | None
    metrics: dict
    lots: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    modelled: tuple[str, ...] = ()
    blocs: tuple[BlocSummary, ...] = ()
    metric_intervals: dict = field(default_factory=dict)
    rule_settings: str = ""

    def party(self, name: str) -> PartySummary:
        """The row of party ``name``; a KeyError names the parties there are."""
        for row in self.parties:
            if row.party == name:
                return row
        raise KeyError(f"party {name!r} is not in the summary; found {[r.party for r in self.parties]}")

    @property
    def has_official(self) -> bool:
        return any(row.official is not None for row in self.parties)

    def to_dict(self) -> dict:
        """Plain data for JSON: the layout ``malivote run --format json`` prints."""
        return {
            "scenario": self.scenario,
            "source": self.source,
            "draws": self.draws,
            "seed": self.seed,
            "rule": self.rule,
            "rule_settings": self.rule_settings,
            "layout": self.layout,
            "parties": [row.to_dict() for row in self.parties],
            "round1": {
                "districts": asdict(self.round1_constituencies),
                "seats": asdict(self.round1_seats),
            },
            "women": None if self.women is None else asdict(self.women),
            "metrics": dict(self.metrics),
            "lots": dict(self.lots),
            "blocs": [bloc.to_dict() for bloc in self.blocs],
            "notes": list(self.notes),
            "modelled": list(self.modelled),
            "metric_intervals": {name: asdict(interval) for name, interval in self.metric_intervals.items()},
            "metric_units": {name: METRIC_UNITS[name] for name in self.metrics if name in METRIC_UNITS},
        }


def _hist_range(hist: np.ndarray) -> Range:
    return Range(min=Tally.minimum(hist), max=Tally.maximum(hist))


def _seat_statistics(hist: np.ndarray) -> dict:
    """Mean, median, range and 90% interval of the seat counts in ``hist``."""
    return dict(
        mean=round(Tally.mean(hist), 3),
        median=Tally.quantile(hist, 0.5),
        min=Tally.minimum(hist),
        max=Tally.maximum(hist),
        p05=Tally.quantile(hist, 0.05),
        p95=Tally.quantile(hist, 0.95),
    )


def summarise_tally(tally: Tally, *, official: dict | None = None, national_only: bool = False,
                    blocs: dict | None = None, **header: Any) -> Summary:
    """A :class:`Summary` from a run's tally; ``header`` fills its descriptive fields.

    Metrics are means over the draws, rounded for display: ``gallagher`` and
    ``loosemore_hanby`` in percentage points, ``largest_party_share`` and
    ``wasted_votes`` as fractions, ``p_majority`` the share of draws in which one
    party holds an absolute majority (:data:`METRIC_UNITS`). Each metric's median and
    90% interval (``metric_intervals``) are read off the tally's fixed-grid
    histograms (:meth:`~malivote.tally.Tally.metric_quantile`), exact to the grid's
    step. Party votes credit each joint list's votes equally to its parties
    (:func:`malivote.metrics.party_votes`, ``"equal"``).
    """
    rows = []
    for index, party in enumerate(tally.parties):
        hist = tally.party_hist[index]
        if hist[0] == tally.n_draws and not (official or {}).get(party):
            continue
        rows.append(
            PartySummary(
                party=party,
                official=None if official is None else int(official.get(party, 0)),
                **_seat_statistics(hist),
            )
        )
    rows.sort(key=lambda row: (-(row.official or 0), -row.mean, row.party))
    digits = {"largest_party_share": 4, "wasted_votes": 4}
    metrics: dict[str, float | None] = {}
    for name in METRIC_NAMES:
        if name in tally.metric_sums:
            metrics[name] = round(tally.metric_mean(name), digits.get(name, 3))
        if name == "largest_party_share":
            metrics["p_majority"] = round(tally.majority_draws / tally.n_draws, 4)
    women = None
    if not national_only:
        women = WomenSummary(
            min=Tally.minimum(tally.women_hist),
            max=Tally.maximum(tally.women_hist),
            median=tally.quantile(tally.women_hist, 0.5),
        )
    else:
        metrics["women"] = None
    intervals = {
        name: MetricInterval(median=tally.metric_quantile(name, 0.5), p05=tally.metric_quantile(name, 0.05),
                             p95=tally.metric_quantile(name, 0.95))
        for name, value in metrics.items()
        if value is not None and name in tally.metric_hist and tally.metric_hist[name].sum()
    }
    header.setdefault("draws", tally.n_draws)
    house = tally.party_hist.shape[1] - 1
    majority = house // 2 + 1
    bloc_rows = []
    for index, name in enumerate(tally.blocs):
        hist = tally.bloc_hist[index]
        bloc_rows.append(BlocSummary(
            bloc=name, parties=tuple((blocs or {}).get(name, ())), **_seat_statistics(hist),
            p_majority=round(float(hist[majority:].sum()) / tally.n_draws, 4),
        ))
    return Summary(
        metric_intervals=intervals,
        blocs=tuple(bloc_rows),
        parties=tuple(rows),
        round1_constituencies=_hist_range(tally.round1_constituencies_hist),
        round1_seats=_hist_range(tally.round1_seats_hist),
        women=women,
        metrics=metrics,
        lots={name: int(count) for name, count in tally.lots.items()},
        **header,
    )


def summarise(simulation: "Simulation") -> Summary:
    """The :class:`Summary` of a simulation, from its tally (kept draws or not).

    Examples
    --------
    >>> from malivote.scenario import load_scenario
    >>> from malivote.simulate import simulate
    >>> summary = summarise(simulate(load_scenario("mali_2020"), draws=3, seed=1))
    >>> row = summary.parties[0]
    >>> row.party, row.official, row.fixed
    ('RPM', 51, True)
    """
    scenario = simulation.scenario
    national_only = scenario.rule.tier == "national"
    notes = list(simulation.notes)
    if national_only:
        notes.append("women: national party lists have no rosters, so women elected are not counted")
    modelled = []
    if scenario.is_replay:
        modelled = [
            "district votes, turnout and which district each party won: reconstructed "
            "(a model that meets every known fact, not data)",
            "metrics computed from votes (Gallagher, Loosemore-Hanby, ENP by votes, wasted votes)",
        ]
    return summarise_tally(
        simulation.tally,
        official=simulation.official(),
        national_only=national_only,
        blocs=dict(scenario.blocs),
        scenario=scenario.name or scenario.source,
        source=scenario.source,
        seed=simulation.seed,
        rule=scenario.rule.method,
        rule_settings=rule_settings(scenario.rule),
        layout=simulation.layout_name,
        notes=tuple(notes),
        modelled=tuple(modelled),
    )


def seats_fixed_by_facts(summary: Summary) -> bool:
    """True when the facts fix every party's seats: a replay in which each party won
    the same seats in every draw, its official seats where the summary has them.

    A counterfactual run on a replay's reconstruction can leave some parties with the
    same seats in every draw (no seat at all under a threshold, say): that is the
    rule's outcome, not a fact, so only a run whose whole table is constant counts.

    Examples
    --------
    >>> from malivote.scenario import load_scenario
    >>> from malivote.simulate import simulate
    >>> run = lambda name: summarise(simulate(load_scenario(name), draws=3, seed=1, keep=False))
    >>> seats_fixed_by_facts(run("mali_2020")), seats_fixed_by_facts(run("national_pr_5pct"))
    (True, False)
    """
    return bool(summary.modelled) and bool(summary.parties) and all(
        row.fixed and (row.official is None or row.median == row.official) for row in summary.parties
    )


def _share(value: float) -> str:
    return f"{100 * value:g}%"


def rule_settings(spec) -> str:
    """The settings of a scenario's ``[rule]`` that decide the seats, in words.

    Only what the method reads: a D'Hondt run names its divisor and threshold, a
    two-round run its majority; a national tier its seats, method and threshold.

    Parameters
    ----------
    spec : malivote.scenario.RuleSpec

    Returns
    -------
    str

    Examples
    --------
    >>> from malivote.scenario import load_scenario
    >>> rule_settings(load_scenario("national_pr_5pct").rule)
    'dhondt, one national tier, threshold 5%'
    >>> rule_settings(load_scenario("parallel_100_47").rule)
    'majority 50%, national tier of 47 seats (dhondt)'
    """
    def apportionment(method, divisor, quota, threshold, national=False):
        words = [divisor if method == "divisor" else f"{quota} quota"]
        words += ["one national tier"] if national else []
        return words + ([f"threshold {_share(threshold)}"] if threshold else [])

    words = []
    if spec.method in TWO_ROUND_RULES:
        words.append(f"majority {_share(spec.majority)}")
        if spec.method == "open_runoff":
            words.append(f"round 2 from {_share(spec.qualify)} of the registered voters")
    if spec.method in ("divisor", "largest_remainder"):
        words += apportionment(spec.method, spec.divisor, spec.quota, spec.threshold, spec.tier == "national")
    if spec.national is not None:
        tier = spec.national
        words.append(f"national tier of {tier.seats} seats "
                     f"({', '.join(apportionment(tier.method, tier.divisor, tier.quota, tier.threshold))})")
    if spec.ties != "lot":
        words.append(f"ties: {spec.ties}")
    return ", ".join(words)


@dataclass(frozen=True, eq=False)
class Simulation:
    """The outcome of a scenario over its draws.

    Every run keeps a :class:`~malivote.tally.Tally` (histograms and metric sums, in
    constant memory). A run with ``keep=True`` (the default) also keeps every draw's
    arrays, for exports, plots and analysis; with ``keep=False`` they are None.

    Attributes
    ----------
    scenario : Scenario
    seed : int
    tally : Tally
        Seats per party, round-1 counts, women, metrics and lots over all draws.
    parties : tuple of str
    layout_name : str
    notes : tuple of str
        What the election drawn could not honour.
    ensemble : Ensemble or None
        The elections drawn (after the scenario's models).
    seats : ndarray of int64, shape (D, C, K), or None
        Seats per list slot.
    round : ndarray of int8, shape (D, C), or None
        The round that decided each constituency (1 under one-round rules).
    party_seats : ndarray of int64, shape (D, P), or None
        Seats per party, ``P = len(parties)``.
    women : ndarray of int64, shape (D,), or None
        Women elected in the constituencies (national lists have no rosters).
    national : ndarray of int64, shape (D, P), or None
        Seats per party from a national PR tier, included in ``party_seats``.
    """

    scenario: "Scenario"
    seed: int
    tally: Tally
    parties: tuple[str, ...]
    layout_name: str
    notes: tuple[str, ...] = ()
    ensemble: "Ensemble | None" = None
    seats: np.ndarray | None = None
    round: np.ndarray | None = None
    party_seats: np.ndarray | None = None
    women: np.ndarray | None = None
    national: np.ndarray | None = None

    @property
    def n_draws(self) -> int:
        return self.tally.n_draws

    @property
    def kept(self) -> bool:
        """True when the run kept every draw's arrays."""
        return self.party_seats is not None

    def _require_kept(self, what: str) -> None:
        if not self.kept:
            raise ValueError(f"simulation: the run kept no draws (keep=False); run it with keep=True for {what}")

    @cached_property
    def round1_constituencies(self) -> np.ndarray:
        """Constituencies decided in round 1, per draw (kept runs only)."""
        self._require_kept("round1_constituencies")
        return (self.round == 1).sum(axis=-1)

    @cached_property
    def round1_seats(self) -> np.ndarray:
        """Seats decided in round 1 in the constituencies, per draw (kept runs only)."""
        self._require_kept("round1_seats")
        return round1_seats(self.seats, self.round)

    def official(self) -> dict[str, int] | None:
        """The official seat table the scenario replays, if any."""
        return self.scenario.official_seats()

    def summary(self) -> Summary:
        """Seats per party, round 1 and metrics: :func:`summarise`."""
        return summarise(self)

    def to_frame(self):
        """Seats per draw and party, in long format (a pandas DataFrame).

        Columns: ``draw``, ``party``, ``seats`` (every tier), ``national`` (seats from
        a national tier; 0 without one), ``round1_seats`` (seats the party's lists won
        in round 1) and ``women`` (women the party elected in the constituencies).

        Examples
        --------
        >>> from malivote.scenario import load_scenario
        >>> from malivote.simulate import simulate
        >>> frame = simulate(load_scenario("mali_2020"), draws=2, seed=1).to_frame()
        >>> list(frame.columns), len(frame) == 2 * frame["party"].nunique()
        (['draw', 'party', 'seats', 'national', 'round1_seats', 'women'], True)
        >>> int(frame.query("draw == 0")["seats"].sum())
        147
        """
        import pandas as pd

        self._require_kept("to_frame")
        draws, n_parties = self.party_seats.shape
        national = self.national if self.national is not None else np.zeros_like(self.party_seats)
        round1, women = self._party_round1_and_women()
        return pd.DataFrame(
            {
                "draw": np.repeat(np.arange(draws), n_parties),
                "party": np.tile(np.array(self.parties, dtype=object), draws),
                "seats": self.party_seats.reshape(-1),
                "national": national.reshape(-1),
                "round1_seats": round1.reshape(-1),
                "women": women.reshape(-1),
            }
        )

    def _party_round1_and_women(self) -> tuple[np.ndarray, np.ndarray]:
        """Seats won in round 1 and women elected, per draw and party ``(D, P)``."""
        ensemble = self.ensemble
        n_parties = len(self.parties)
        draws = self.party_seats.shape[0]
        positions = np.arange(ensemble.roster_party.shape[-1])
        elected = positions < self.seats[..., None]
        in_round1 = elected & (self.round == 1)[..., None, None]
        counts = []
        for mask in (in_round1, elected & ensemble.roster_female):
            party = np.where(mask, ensemble.roster_party, n_parties).reshape(draws, -1).astype(np.int64)
            codes = party + (n_parties + 1) * np.arange(draws)[:, None]
            total = np.bincount(codes.ravel(), minlength=draws * (n_parties + 1))
            counts.append(total.reshape(draws, n_parties + 1)[:, :n_parties])
        return counts[0], counts[1]

    def to_xarray(self):
        """The kept draws as an :class:`xarray.Dataset` (needs the ``xarray`` extra).

        Dimensions ``draw``, ``party`` and ``constituency``. Variables: ``seats``
        (draw, party), ``national`` (draw, party), ``round`` (draw, constituency),
        ``winner`` (draw, constituency: the ``+``-joined parties of the list with the
        most seats there) and ``magnitude`` (constituency).

        Examples
        --------
        >>> from malivote.scenario import load_scenario
        >>> from malivote.simulate import simulate
        >>> data = simulate(load_scenario("mali_2020"), draws=2, seed=1).to_xarray()
        >>> dict(data.sizes)
        {'draw': 2, 'party': 23, 'constituency': 55}
        >>> int(data["seats"].sel(party="RPM")[0])
        51
        """
        try:
            import xarray as xr
        except ImportError:
            raise ImportError(
                "Simulation.to_xarray needs xarray: pip install 'malivote[xarray]'"
            ) from None
        self._require_kept("to_xarray")
        ensemble = self.ensemble
        top = self.seats.argmax(axis=-1)
        members = np.take_along_axis(ensemble.members, top[..., None], axis=-1)[..., 0]
        members = np.where(self.seats.max(axis=-1) > 0, members, 0)
        national = self.national if self.national is not None else np.zeros_like(self.party_seats)
        return xr.Dataset(
            {
                "seats": (("draw", "party"), self.party_seats),
                "national": (("draw", "party"), national),
                "round": (("draw", "constituency"), self.round),
                "winner": (("draw", "constituency"), ensemble.labels(members)),
                "magnitude": (("constituency",), np.asarray(ensemble.magnitude)),
            },
            coords={
                "draw": np.arange(self.party_seats.shape[0]),
                "party": list(self.parties),
                "constituency": list(ensemble.layout.names),
            },
            attrs={
                "scenario": self.scenario.name or self.scenario.source,
                "seed": self.seed,
                "rule": self.scenario.rule.method,
                "rule_settings": rule_settings(self.scenario.rule),
                "layout": self.layout_name,
            },
        )

    def _repr_html_(self) -> str:
        from html import escape

        summary = self.summary()
        has_official = summary.has_official
        head = "".join(
            f"<th>{name}</th>"
            for name in ["Party"] + (["Official"] if has_official else []) + ["Median", "90% interval", "Mean"]
        )

        facts = seats_fixed_by_facts(summary)
        body = []
        for row in summary.parties:
            interval = FIXED if facts else f"[{row.p05}, {row.p95}]"
            cells = [escape(row.party)] + ([str(row.official)] if has_official else [])
            cells += [str(row.median), interval, f"{row.mean:.2f}"]
            body.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
        title = escape(f"{summary.scenario}: {summary.draws} draws, seed {summary.seed}, rule {summary.rule}")
        return (
            f"<div><p><b>{title}</b></p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )

    def __repr__(self) -> str:
        return (
            f"<Simulation {self.scenario.name or self.scenario.source!r}: {self.n_draws} draws, "
            f"seed {self.seed}, rule {self.scenario.rule.method}>"
        )
