"""How well a replay predicts district winners it was not told: K-fold holdout.

The known district winners of a year (hard facts and provisional results; 2020's
reversed runoffs without a named winner are left out) are split into ``folds``
folds by a seeded permutation (``seeds.Stage.HOLDOUT``). For each fold the replay is
reconstructed without those results (neither as facts, nor as hints, nor as
geographic evidence, nor as examples of the geography fit: the year's held-out
winners count nowhere; they keep only their deciding round, which the baseline is
told too) and scored on them. Only the outcome chain is run
(:func:`malivote.reconstruct._outcomes`): its outcomes are the replay's winners (the
votes drawn afterwards are built to give them back), so no votes are drawn and many
draws are affordable. Draw ``i`` of a fold is draw ``i`` of ``reconstruct(year,
seed=seed)`` with the fold's exclusions.

For a held-out district ``c`` with true winning party set ``S`` (where the known list
is incomplete, a known seat split that does not fill the district, the event is "the
winning list contains these parties"), two per-draw estimates of the probability of
``S`` are averaged over the same ``draws`` draws:

- **replay**: the chain's target probability that ``c`` holds ``S``, Rao-Blackwellised
  over list swaps: for each constituency ``d`` of ``c``'s magnitude, the draw and the
  draw with the lists (and rounds) of ``c`` and ``d`` swapped form a pair, and given
  the pair the target puts ``S`` at ``c`` with probability
  ``(pi(A) 1[S at c] + pi(B) 1[S at d]) / (pi(A) + pi(B))`` (``pi(B) = 0`` where the
  swap breaks a fact); the mean over the partners ``d``. It has the expectation of the
  plain indicator ``1[S at c]`` under the target (the swap is an involution, so the
  pairs partition the outcomes) but far less Monte Carlo noise where ``S`` is rare;
  the plain count is kept as ``log_p_raw`` in :func:`details`;
- **baseline** (no geography): the share of ``S`` among the draw's constituencies of
  ``c``'s magnitude and deciding round, the same ensemble pooled.

Both sums ``x`` (out of ``draws``) become a probability with the same rule,
``(x + 0.5) / (draws + 0.5 J)``, ``J`` the number of party sets seen at ``c`` or in
its pool (plus one where ``S`` was never seen): the same number of samples and the
same shrinkage for both, so that neither is favoured by the smoothing (the
Krichevsky-Trofimov estimator; it keeps a log score finite).

- ``log_score``, ``baseline_log_score``: mean log probability of the true set;
- ``accuracy``: share of held-out districts whose most frequent party set at the
  district (replay) or in the pool (baseline) is right;
- ``log_score_se``: the standard error of the mean paired difference
  ``log_score - baseline_log_score`` over held-out districts (it ignores the Monte
  Carlo noise, small beside it from about 1,000 draws).

Examples
--------
>>> r = holdout(2020, folds=3, draws=100, seed=1)
>>> sorted(r.to_dict())
['accuracy', 'baseline_accuracy', 'baseline_log_score', 'folds', 'held_out', 'log_score', 'log_score_se', 'year']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from malivote import seeds
from malivote.layouts import get_layout
from malivote.reconstruct._chain import seat_masks
from malivote.reconstruct._facts import gather_facts
from malivote.reconstruct.geography import fit
from malivote.reconstruct.priors import Priors

__all__ = ["holdout", "HoldoutResult"]

_ALPHA = 0.5


@dataclass(frozen=True)
class HoldoutResult:
    year: int
    folds: int
    held_out: int
    log_score: float
    baseline_log_score: float
    accuracy: float
    baseline_accuracy: float
    log_score_se: float

    def to_dict(self) -> dict:
        return {
            "year": self.year,
            "folds": self.folds,
            "held_out": self.held_out,
            "log_score": self.log_score,
            "baseline_log_score": self.baseline_log_score,
            "accuracy": self.accuracy,
            "baseline_accuracy": self.baseline_accuracy,
            "log_score_se": self.log_score_se,
        }

    def format_table(self) -> str:
        margin = self.log_score - self.baseline_log_score
        lines = [
            f"Holdout of {self.year}: {self.held_out} known district winners in {self.folds} folds",
            f"{'':<22}{'Replay':>10}{'Baseline':>10}",
            f"{'Mean log probability':<22}{self.log_score:>10.3f}{self.baseline_log_score:>10.3f}",
            f"{'Accuracy':<22}{self.accuracy:>10.1%}{self.baseline_accuracy:>10.1%}",
            f"Margin (log score): {margin:+.3f} (standard error {self.log_score_se:.3f})",
        ]
        return "\n".join(lines)


def _event(masks, row):
    """Whether party-set masks hold ``row``'s known winning list (all of it, or its known parties)."""
    req = row.mask()
    return masks == req if row.complete else (masks & req) == req


#: Draws per chunk of a fold's chains (bounded memory whatever ``draws``).
_CHUNK_BLOCKS = 10


def _fold_chunks(prep, draws, seed, priors):
    """The chain's outcomes ``(seats (n, C, P), rounds (n, C))`` of a fold, by chunks.

    The chain's outcomes are the replay's winners (the votes drawn afterwards are
    built to give them back), so no votes are drawn. Draw ``i`` is draw ``i`` of
    ``reconstruct(..., seed=seed)`` with the fold's exclusions.
    """
    from malivote.reconstruct import BLOCK, _outcomes

    last = -(-int(draws) // BLOCK)
    for b0 in range(0, last, _CHUNK_BLOCKS):
        b1 = min(b0 + _CHUNK_BLOCKS, last)
        _, seats, rnd = _outcomes(prep, int(seed), b0, b1, priors)
        n = min(int(draws) - b0 * BLOCK, seats.shape[0])
        yield seats[:n], rnd[:n]


def _swap_estimate(target, c, partners, seats, rnd, row):
    """Per draw, the probability under the chain's target that ``c`` holds ``row``'s list.

    For each partner ``d`` (a constituency of ``c``'s magnitude) the state and the
    state with the lists (and rounds) of ``c`` and ``d`` swapped form a pair; given
    the pair, the target puts ``c``'s event at
    ``(pi(A) 1[S_c] + pi(B) 1[S_d]) / (pi(A) + pi(B))`` (``pi(B) = 0`` where the
    swap breaks a fact). Its mean over partners has the same expectation as the
    indicator ``1[S_c]`` (a Rao-Blackwellised estimate), with much less noise.
    """
    own = _event(seat_masks(seats[:, c]), row).astype(float)
    if not len(partners):
        return own
    n, D = seats.shape[0], len(partners)
    cc = np.full((n, D), c)
    dd = np.broadcast_to(np.asarray(partners), (n, D))
    sc = np.broadcast_to(seats[:, c][:, None, :], (n, D, seats.shape[-1]))
    sd = seats[:, partners]
    rc = np.broadcast_to(rnd[:, c][:, None], (n, D))
    rd = rnd[:, partners]
    fa = target.logf(cc, sc, rc) + target.logf(dd, sd, rd)
    fb = target.logf(cc, sd, rd) + target.logf(dd, sc, rc)
    ok = target.valid(cc, sd, rd) & target.valid(dd, sc, rc)
    wb = np.where(ok, 1.0 / (1.0 + np.exp(np.clip(fa - fb, -700, 700))), 0.0)
    hit_d = _event(seat_masks(sd), row)
    return ((1.0 - wb) * own[:, None] + wb * hit_d).mean(1)


def _score(own, pool, support, draws):
    """Log probabilities ``(replay, baseline)`` of one held-out event (module docstring).

    ``own`` and ``pool``: the two estimates summed over the ``draws`` draws.
    """
    J = support + (0 if (own > 0 or pool > 0) else 1)
    denom = draws + _ALPHA * J
    return np.log((own + _ALPHA) / denom), np.log((pool + _ALPHA) / denom)


def _folds(n, folds, seed):
    """The fold of each of ``n`` known winners: a seeded permutation (``Stage.HOLDOUT``)."""
    order = np.random.default_rng(seeds.stage_sequence(seed, seeds.Stage.HOLDOUT)).permutation(n)
    fold_of = np.empty(n, int)
    fold_of[order] = np.arange(n) % folds
    return fold_of


def details(year: int, *, folds: int = 5, draws: int = 2000, seed: int = 0, priors=None) -> list[dict]:
    """Per held-out district, the figures :func:`holdout` averages.

    Returns
    -------
    list of dict
        ``district``, ``fold``, ``round``, ``magnitude``, ``truth`` (party names,
        ``+``-joined, ending ``+...`` where the list is incomplete), ``log_p``,
        ``log_p_baseline``, ``log_p_raw`` (the replay from its draws' own counts,
        without the swap estimate), ``hit``, ``hit_baseline`` (the most likely set is
        right), ``top``, ``top_baseline`` (those sets).
    """
    return _run(year, folds, draws, seed, priors)[1]


def _label(mask, parties):
    return "+".join(parties[p] for p in range(len(parties)) if int(mask) >> p & 1)


def _run(year, folds, draws, seed, priors):
    from malivote.reconstruct import _prepare

    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"folds: expected an integer of at least 2, got {folds!r}")
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ValueError(f"draws: expected a positive integer, got {draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    base = priors if isinstance(priors, Priors) else Priors.model_validate(priors or {})
    facts = gather_facts(int(year), get_layout("mali-55"))
    items = [r for r in facts.rows if r.members]
    if len(items) < folds:
        raise ValueError(f"folds: {year} has {len(items)} known district winners, fewer than {folds} folds")
    fold_of = _folds(len(items), int(folds), int(seed))
    m = facts.layout.magnitude
    rows = []
    for k in range(int(folds)):
        held = [items[i] for i in range(len(items)) if fold_of[i] == k]
        names = frozenset(r.district for r in held)
        theta = fit(frozenset((int(year), x) for x in names), form=base.geography.form)
        fold_priors = base.model_copy(update={"geography": base.geography.model_copy(
            update={"district_weight": theta[0], "region_weight": theta[1]})})
        prep = _prepare(int(year), "mali-55", "final", int(seed), fold_priors, names)
        acc = [dict(own=0.0, rb=0.0, share=0.0, own_sets={}, pool_sets={}) for _ in held]
        for seats, rnd in _fold_chunks(prep, int(draws), seed, fold_priors):
            win = seat_masks(seats)
            for r, a in zip(held, acc):
                c = r.constituency
                partners = np.flatnonzero((m == m[c]) & (np.arange(m.size) != c))
                group = (rnd == r.round) & (m[None, :] == m[c])
                a["own"] += float(_event(win[:, c], r).sum())
                a["rb"] += float(_swap_estimate(prep.target, c, partners, seats, rnd, r).sum())
                a["share"] += float(((group & _event(win, r)).sum(1) / group.sum(1)).sum())
                for key, vals in (("own_sets", win[:, c]), ("pool_sets", win[group])):
                    for v, n in zip(*np.unique(vals, return_counts=True)):
                        a[key][int(v)] = a[key].get(int(v), 0) + int(n)
        for r, a in zip(held, acc):
            support = len(set(a["own_sets"]) | set(a["pool_sets"]))
            lp, lb = _score(a["rb"], a["share"], support, int(draws))
            raw, _ = _score(a["own"], a["share"], support, int(draws))
            top = max(a["own_sets"], key=a["own_sets"].get)
            top_b = max(a["pool_sets"], key=a["pool_sets"].get)
            rows.append(dict(
                district=r.district, fold=k, round=r.round, magnitude=int(m[r.constituency]),
                truth=_label(r.mask(), facts.parties) + ("" if r.complete else "+..."),
                log_p=float(lp), log_p_baseline=float(lb), log_p_raw=float(raw),
                hit=bool(_event(np.int64(top), r)), hit_baseline=bool(_event(np.int64(top_b), r)),
                top=_label(top, facts.parties), top_baseline=_label(top_b, facts.parties),
            ))
    return len(items), rows


def holdout(year: int, *, folds: int = 5, draws: int = 2000, seed: int = 0, priors=None) -> HoldoutResult:
    """K-fold holdout of ``year``'s known district winners (see the module docstring).

    Parameters
    ----------
    year : {2007, 2013, 2020}
    folds : int
        Number of folds (at least 2, at most the number of known winners).
    draws : int
        Draws of each fold's chain.
    seed : int
        Seed of the folds (``Stage.HOLDOUT``) and of each fold's replay.
    priors : Priors or dict, optional
        The replay's priors; the geography coefficients are refitted in every fold.

    Returns
    -------
    HoldoutResult

    Raises
    ------
    ValueError
        For a bad argument, or fewer known winners than folds.
    """
    n, rows = _run(year, folds, draws, seed, priors)
    lp = np.array([r["log_p"] for r in rows])
    lb = np.array([r["log_p_baseline"] for r in rows])
    diff = lp - lb
    se = float(diff.std(ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else float("nan")
    return HoldoutResult(
        year=int(year),
        folds=int(folds),
        held_out=n,
        log_score=float(lp.mean()),
        baseline_log_score=float(lb.mean()),
        accuracy=float(np.mean([r["hit"] for r in rows])),
        baseline_accuracy=float(np.mean([r["hit_baseline"] for r in rows])),
        log_score_se=se,
    )
