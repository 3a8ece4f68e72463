"""Every sampling assumption of a replay, in one documented object: :class:`Priors`.

The reconstruction (:func:`malivote.reconstruct.reconstruct`) imposes the facts
exactly; everything the facts leave open is drawn from the distributions below. No
sampling constant lives anywhere else: a scenario overrides any of them in its
``[reconstruction]`` table, whose keys are the field names here, for example::

    [reconstruction.winner_share]
    round2_a = 2.0

    [reconstruction.outcome]
    hint_odds = 1.0        # provisional results carry no weight

Defaults come from the shipped data wherever it speaks: :func:`fitted_defaults`
recomputes every such default from :mod:`malivote.datasets`, and the test suite
checks that the literals below equal it (to the 3 decimals written). The other
defaults are stated choices, each with its reason.

This module imports only pydantic and the standard library, so that a scenario can
be validated without scipy.

Examples
--------
>>> p = Priors()
>>> p.winner_share.round2_a, p.outcome.hint_odds
(0.755, 6.167)
>>> Priors.model_validate({"outcome": {"sweeps": 20}}).outcome.sweeps
20
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Priors",
    "OutcomePriors",
    "GeographyPriors",
    "WinnerSharePriors",
    "RunoffPriors",
    "ListPriors",
    "TurnoutPriors",
    "WomenPriors",
    "fitted_defaults",
]

_CFG = ConfigDict(extra="forbid", frozen=True)


def _interval(lo_hi: tuple[float, float], name: str, lo: float = 0.0, hi: float = float("inf")):
    a, b = lo_hi
    if not (lo <= a <= b <= hi):
        raise ValueError(f"{name}: expected {lo} <= low <= high <= {hi}, got {lo_hi!r}")
    return lo_hi


class OutcomePriors(BaseModel):
    """Who wins where: the Markov chain over outcomes and its target weights."""

    model_config = _CFG

    pool_size: int = Field(4, ge=1, le=64, description=(
        "Starting outcomes solved by the integer programme (scipy.optimize.milp), one per "
        "random objective. Default 4: each draw's chain starts from one of them and runs "
        "long enough (see `sweeps`) to forget it; more only costs set-up time."))
    sweeps: int = Field(150, ge=0, le=10_000, description=(
        "Chain sweeps before a chain's first draw (its burn-in). A sweep pairs the "
        "constituencies at random and proposes one move per pair. Default 150: chosen from "
        "the measured mixing of the 2020 and 2013 replays (docs/methods.md): the mean share "
        "of draws giving a free district its most common winner is within 0.01 of its value "
        "at 400 sweeps by 80 sweeps (2020) and 150 (2013)."))
    draws_per_chain: int = Field(50, ge=1, le=100, description=(
        "Draws recorded from one chain: after `sweeps` sweeps, and then every `thin` sweeps. "
        "It must divide the seed block of 100 draws, so that draw i still depends only on "
        "(seed, i // 100). Default 50: a block of 100 draws runs 2 chains, 1,280 sweeps "
        "(2,400 with 10 draws per chain, 15,000 for 100 independent chains); measured on "
        "2020 and 2013 (seeds 0 and 1, 1,000 draws), 10, 20, 25, 50 and 100 draws per chain "
        "give the same autocorrelation and spread of the draws (docs/methods.md)."))
    thin: int = Field(10, ge=1, le=10_000, description=(
        "Sweeps between two draws recorded from the same chain. Default 10: a lag-1 "
        "autocorrelation of about 0.3 (docs/methods.md); per effectively independent draw, "
        "5 costs as many sweeps and 20 13-28% more (2020 and 2013, seed 0, 1,000 draws)."))
    list_move: float = Field(0.3, ge=0.0, le=1.0, description=(
        "Probability that a pair's move swaps the two whole winning lists (with their "
        "rounds) rather than one seat of each. Default 0.3: a choice; seat swaps change "
        "which parties win and need most of the proposals."))
    list_size_weights: tuple[float, ...] = Field((0.438, 0.338, 0.15, 0.05, 0.025), description=(
        "Relative weight of a winning list of 1, 2, 3, 4, 5 or more parties. Default: the "
        "sizes of the 75 known winning lists of 2007, 2013 and 2020 (34, 26, 11, 3, 1), "
        "add-one smoothed."))
    per_set: bool = Field(False, description=(
        "True: `list_size_weights` weigh winning party *sets*: a list's weight is "
        "divided by its number of possible seat splits, C(seats - 1, parties - 1), so that "
        "lists of more parties do not gain weight from their many splits. False weighs "
        "every seat split alike. Default False: the holdout (docs/methods.md) did not tell them apart."))
    hint_odds: float = Field(6.167, gt=0.0, description=(
        "Factor on the odds of a provisional result's outcome (round, winning list, seat "
        "split, share and other finalist). Default 37/6 = 6.167: in 2020 the court reversed "
        "the winner in 6 of the 43 runoff districts (the court_final rows), so a ministry "
        "result stood in 37 of 43. A value of 1 ignores provisional results."))

    @model_validator(mode="after")
    def _check(self):
        if 100 % self.draws_per_chain:
            raise ValueError(f"draws_per_chain: expected a divisor of 100 (the seed block), got {self.draws_per_chain}")
        w = self.list_size_weights
        if not w or any(x <= 0 for x in w):
            raise ValueError("list_size_weights: expected one or more positive weights")
        return self


class GeographyPriors(BaseModel):
    """Where parties are strong: a log-odds term fitted on the known district winners.

    A party's log weight in a district is ``district_weight * log(1 + D) +
    region_weight * log(1 + R)``, with ``D`` its known wins in that district in the
    other years and ``R`` its known wins elsewhere in the region (all years; the
    year's own held-out districts never count), divided by the region's number of
    districts (:mod:`malivote.reconstruct.geography`). A winning list's weight is the
    mean of its parties' weights (``form = "mean"``) or the same formula applied to
    their summed wins (``"sum"``).
    """

    model_config = _CFG

    form: Literal["mean", "sum"] = Field("mean", description=(
        "How a list's parties combine. Default \"mean\": chosen before any holdout score, "
        "by `geography.loo_pairwise()` (each known result left out of the evidence and "
        "the fit in turn, 452 pairs): mean log likelihood per pair -0.590 for \"mean\", "
        "-0.639 for \"sum\" (-0.693 without geography)."))
    district_weight: float = Field(2.368, ge=0.0, description=(
        "Coefficient of log(1 + D). Default 2.368: fitted by "
        "`geography.fit(form=\"mean\")`, the pairwise likelihood of the chain's own target "
        "over the 226 pairs of known winners of the same year and magnitude (ridge 0.5). "
        "The holdout refits it on each fold's training districts. With form \"sum\" the "
        "fit gives 1.409 (and 0.841 below)."))
    region_weight: float = Field(1.398, ge=0.0, description=(
        "Coefficient of log(1 + R). Default 1.398: fitted with `district_weight`."))
    share_shift: float = Field(0.05, ge=0.0, le=0.3, description=(
        "The winner's share Beta ``a`` is multiplied by ``exp(share_shift * w)``, ``w`` the "
        "winning list's geographic log weight (capped at 3). Default 0.05: a choice, "
        "small beside the spread of the known shares."))


class WinnerSharePriors(BaseModel):
    """The winner's share of the valid votes: ``0.5 + 0.5 * Beta(a, b)``."""

    model_config = _CFG

    round1_a: float = Field(1.547, gt=0.0, description=(
        "Round-1 winners: Beta a. Default: method of moments on the 4 known round-1 shares "
        "other than 2013 Tin-Essako's sole list (62.18, 65.47, 61.35, 50.18)."))
    round1_b: float = Field(6.352, gt=0.0, description="Round-1 winners: Beta b (same fit).")
    round2_a: float = Field(0.755, gt=0.0, description=(
        "Runoff winners: Beta a. Default: method of moments on the 27 known round-2 "
        "shares of 2013 and 2020."))
    round2_b: float = Field(7.925, gt=0.0, description="Runoff winners: Beta b (same fit).")
    others_alpha: float = Field(1.0, gt=0.0, description=(
        "Dirichlet concentration of the losing lists' split of the remaining votes. "
        "Default 1 (uniform over splits): no district data on losing lists."))


class RunoffPriors(BaseModel):
    """Round 1 of a runoff district, built to be coherent with its round 2.

    The two finalists hold a share ``F`` of round 1; a share ``psi`` of the other
    lists' voters goes to the eventual winner in round 2 and the rest to the loser
    (abstention is carried by the district's turnout ratio). Given the round-2 winner
    share ``s2``, the winner's round-1 share is ``s2 - psi (1 - F)``, so that no
    finalist gains more than the eliminated lists' votes. ``F`` and ``psi`` are
    drawn in the range that keeps both finalists below half of round 1; no draw sits
    at a bound.
    """

    model_config = _CFG

    finalists_share: tuple[float, float] = Field((0.45, 0.95), description=(
        "Range of ``F``. Default 45-95%: a choice; no round-1 shares of runoff districts "
        "are in the sources."))
    finalists_a: float = Field(3.0, gt=0.0, description="Beta a of ``F`` within its range (a choice).")
    finalists_b: float = Field(2.0, gt=0.0, description="Beta b of ``F`` within its range (a choice).")
    transfer_a: float = Field(2.0, gt=0.0, description=(
        "Beta a of ``psi`` within its feasible range. Default 2, with b = 2: transfers "
        "centred on an even split, a choice."))
    transfer_b: float = Field(2.0, gt=0.0, description="Beta b of ``psi`` (a choice).")

    max_gain: float = Field(2.5, gt=1.0, description=(
        "No finalist's round-2 share exceeds this multiple of its round-1 share (the "
        "finalists keep their voters and gain at most this much from transfers). Default "
        "2.5: a choice; it needs finalists' round-1 total of at least 1/max_gain."))
    transfer_margin: float = Field(0.02, ge=0.0, lt=0.5, description=(
        "``psi`` is drawn in its feasible interval shrunk by this fraction at either end, "
        "so no draw sits at a bound (a finalist exactly at half of round 1, or gaining "
        "exactly max_gain). Default 0.02: a choice."))
    shrink_low: float = Field(0.5, gt=0.0, le=1.0, description=(
        "Where an eliminated list would come within `others_below` of a finalist, the "
        "eliminated lists' Dirichlet split is pulled towards an even split by a uniform "
        "fraction between this and 1 of the largest pull that keeps it below the margin, "
        "so that no list sits at the margin. Default 0.5: a choice."))
    others_below: float = Field(0.97, gt=0.0, lt=1.0, description=(
        "Every eliminated list stays below this fraction of the weaker finalist's round-1 "
        "votes (the finalists are the two leading lists). The range of ``F`` and ``psi`` "
        "keeps an even split of the eliminated votes below it, and the eliminated lists' "
        "Dirichlet split is shrunk towards that even split, by a random amount, only where "
        "one list would pass it; a runoff with too few lists for its round-2 share gets "
        "more lists. Default 0.97: a choice (a margin of 3%)."))

    @model_validator(mode="after")
    def _check(self):
        _interval(self.finalists_share, "finalists_share", 0.0, 1.0)
        return self


class ListPriors(BaseModel):
    """How many lists stand where, and which parties form the losing ones."""

    model_config = _CFG

    count_sigma: float = Field(0.5, ge=0.0, description=(
        "Lognormal sigma of a constituency's attraction for lists (times sqrt(seats)). "
        "Default 0.5: a choice."))
    size_probs: tuple[float, ...] = Field((0.409, 0.455, 0.136), description=(
        "Probabilities that a losing list has 1, 2 or 3 parties. Default: the 19 known "
        "runner-up lists (8 of one party, 9 of two, 2 of three or more), add-one smoothed."))
    party_weight_offset: float = Field(2.0, gt=0.0, description=(
        "A party fields a losing list with weight ``seats + offset``. Default 2: a choice, "
        "so that parties without seats still stand."))

    @model_validator(mode="after")
    def _check(self):
        if not self.size_probs or any(x < 0 for x in self.size_probs) or sum(self.size_probs) <= 0:
            raise ValueError("size_probs: expected non-negative probabilities with a positive sum")
        return self


class TurnoutPriors(BaseModel):
    """Registered voters, ballots cast and invalid ballots per constituency."""

    model_config = _CFG

    registered_sigma: float = Field(0.25, ge=0.0, description=(
        "Lognormal sigma of registered voters per seat. Default 0.25: a choice."))
    registered_known_sigma: float = Field(0.1, ge=0.0, description=(
        "Same, for the constituencies of a district whose total is known. Default 0.1."))
    turnout_sigma: float = Field(0.2, ge=0.0, description="Lognormal sigma of round-1 turnout. Default 0.2: a choice.")
    turnout_clip: tuple[float, float] = Field((0.55, 1.8), description="Clip of the round-1 turnout factor.")
    round2_sigma: float = Field(0.05, ge=0.0, description=(
        "Lognormal sigma of a district's round-2 turnout relative to its round 1 (the "
        "national ratio is exact). Default 0.05: a choice that keeps round 2 near round 1."))
    round2_clip: tuple[float, float] = Field((0.85, 1.18), description="Clip of that factor.")
    invalid_mean: float = Field(0.054, gt=0.0, lt=1.0, description=(
        "Mean share of invalid ballots where the national count is unknown. Default: the "
        "pooled share of the three rounds with known counts (394,801 of 7,306,484)."))
    invalid_sigma: float = Field(0.3, ge=0.0, description="Lognormal sigma of the invalid share. Default 0.3: a choice.")
    invalid_clip: tuple[float, float] = Field((0.01, 0.15), description="Clip of the invalid share.")
    round2_2007: tuple[float, float] = Field((0.12, 0.33), description=(
        "2007 round-2 turnout in Bamako and elsewhere. Default 12% and 33%: the estimates "
        "of seed 003 (the national figures are unknown)."))

    @model_validator(mode="after")
    def _check(self):
        _interval(self.turnout_clip, "turnout_clip", 0.0)
        _interval(self.round2_clip, "round2_clip", 0.0)
        _interval(self.invalid_clip, "invalid_clip", 0.0, 1.0)
        if not all(0 < x <= 1 for x in self.round2_2007):
            raise ValueError(f"round2_2007: expected two rates in (0, 1], got {self.round2_2007!r}")
        return self


class WomenPriors(BaseModel):
    """Women where their national count is unknown (2007 elected; 2013, 2007 candidates)."""

    model_config = _CFG

    elected: tuple[float, float] = Field((0.05, 0.15), description=(
        "Range of the per-draw probability that an elected candidate is a woman. Default "
        "5-15%: around 2013's 14 of 147 (9.5%), before the 2015 gender law."))
    candidates: tuple[float, float] = Field((0.08, 0.2), description=(
        "Same, for the other candidates. Default 8-20%: a choice."))

    @model_validator(mode="after")
    def _check(self):
        _interval(self.elected, "elected", 0.0, 1.0)
        _interval(self.candidates, "candidates", 0.0, 1.0)
        return self


class Priors(BaseModel):
    """All sampling assumptions of a replay (the scenario's ``[reconstruction]`` table).

    Sub-tables: ``outcome`` (the chain over who wins where, provisional results),
    ``geography`` (persistence), ``winner_share``, ``runoff``, ``lists``, ``turnout``,
    ``women``. Unknown keys are refused.
    """

    model_config = _CFG

    outcome: OutcomePriors = OutcomePriors()
    geography: GeographyPriors = GeographyPriors()
    winner_share: WinnerSharePriors = WinnerSharePriors()
    runoff: RunoffPriors = RunoffPriors()
    lists: ListPriors = ListPriors()
    turnout: TurnoutPriors = TurnoutPriors()
    women: WomenPriors = WomenPriors()


def _beta_moments(xs):
    n = len(xs)
    m = sum(xs) / n
    v = sum((x - m) ** 2 for x in xs) / (n - 1)
    k = m * (1 - m) / v - 1
    return m * k, (1 - m) * k


def fitted_defaults() -> dict:
    """The data-derived defaults, recomputed from :mod:`malivote.datasets`.

    Returns a nested dict in the shape of :class:`Priors` (only the fitted fields).
    """
    from malivote import datasets

    rows = [k for y in datasets.YEARS for k in datasets.known_district_results(y)]
    r1 = [k.winner_share_pct for k in rows if k.round == 1 and k.winner_share_pct not in (None, 100.0)]
    r2 = [k.winner_share_pct for k in rows if k.round == 2 and k.winner_share_pct is not None]
    a1, b1 = _beta_moments([(s / 100 - 0.5) / 0.5 for s in r1])
    a2, b2 = _beta_moments([(s / 100 - 0.5) / 0.5 for s in r2])
    win_sizes = [len(k.winning_list) for k in rows if k.winning_list]
    w = [1 + sum(1 for s in win_sizes if min(s, 5) == j) for j in range(1, 6)]
    ru_sizes = [len(k.runner_up_list) for k in rows if k.runner_up_list]
    r = [1 + sum(1 for s in ru_sizes if min(s, 3) == j) for j in range(1, 4)]
    reversed_ = sum(1 for k in datasets.known_district_results(2020) if k.status == "court_final")
    runoffs = datasets.round_summary(2020)[1].districts
    inv = cast = 0
    for y in datasets.YEARS:
        for s in datasets.round_summary(y):
            if s.invalid is not None and s.votes_cast is not None:
                inv += s.invalid
                cast += s.votes_cast
    from malivote.reconstruct.geography import _features, fit

    theta = fit(form=GeographyPriors().form)
    pairs = sum(len(_features(y, frozenset())) for y in datasets.YEARS)
    return {
        "geography": {"district_weight": theta[0], "region_weight": theta[1]},
        "outcome": {
            "list_size_weights": tuple(x / sum(w) for x in w),
            "hint_odds": (runoffs - reversed_) / reversed_,
        },
        "winner_share": {"round1_a": a1, "round1_b": b1, "round2_a": a2, "round2_b": b2},
        "lists": {"size_probs": tuple(x / sum(r) for x in r)},
        "turnout": {"invalid_mean": inv / cast},
        "_counts": {"round1_shares": len(r1), "round2_shares": len(r2), "winning_lists": len(win_sizes),
                    "runner_up_lists": len(ru_sizes), "reversed": reversed_, "runoffs": runoffs,
                    "geography_pairs": pairs},
    }
