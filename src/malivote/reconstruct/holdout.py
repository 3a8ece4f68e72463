"""How well a replay predicts district winners it was not told: K-fold holdout.

The known district winners of a year (hard facts and provisional results; 2020's
reversed runoffs without a named winner are left out) are split into ``folds``
folds at random (seeded). For each fold the replay is reconstructed without those
results (neither as facts, nor as hints, nor as geographic evidence: the year's
held-out winners count nowhere) and scored on them:

- ``log_score``: mean log probability of the true winning party set, estimated
  from the draws as ``(count + 0.5) / (draws + 0.5 J)`` with ``J`` the number of
  party sets seen at the district or in the baseline's pool, plus the true one if
  unseen, so that it is never ``-inf``. Where the known list is incomplete (a
  known seat split that does not fill the district), the event is "the winning list
  contains these parties";
- ``accuracy``: share of held-out districts whose most likely party set is right;
- the **baseline** ignores geography: the same ensemble, pooled over all the year's
  constituencies of the same magnitude and deciding round, so a party set's
  probability is its share of them;
- ``log_score_se``: the standard error of the mean paired difference
  ``log_score - baseline_log_score`` over held-out districts.

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
from malivote.reconstruct._facts import gather_facts
from malivote.reconstruct.geography import fit
from malivote.reconstruct.priors import Priors
from malivote.rules import two_round

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
    req = row.mask()
    return masks == req if row.complete else (masks & req) == req




def holdout(year: int, *, folds: int = 5, draws: int = 200, seed: int = 0, priors=None) -> HoldoutResult:
    """K-fold holdout of ``year``'s known district winners (see the module docstring).

    Raises
    ------
    ValueError
        For a bad argument, or fewer known winners than folds.
    """
    from malivote.reconstruct import reconstruct

    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ValueError(f"folds: expected an integer of at least 2, got {folds!r}")
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ValueError(f"draws: expected a positive integer, got {draws!r}")
    base = priors if isinstance(priors, Priors) else Priors.model_validate(priors or {})
    facts = gather_facts(int(year), get_layout("mali-55"))
    items = [r for r in facts.rows if r.members]
    if len(items) < folds:
        raise ValueError(f"folds: {year} has {len(items)} known district winners, fewer than {folds} folds")
    order = np.random.default_rng(seeds.stage_sequence(seed, seeds.Stage.SWEEP)).permutation(len(items))
    fold_of = np.empty(len(items), int)
    fold_of[order] = np.arange(len(items)) % folds
    lp, lb, acc, accb = [], [], [], []
    for k in range(int(folds)):
        held = [items[i] for i in range(len(items)) if fold_of[i] == k]
        names = frozenset(r.district for r in held)
        theta = fit(frozenset((int(year), x) for x in names))
        fold_priors = base.model_copy(update={"geography": base.geography.model_copy(
            update={"district_weight": theta[0], "region_weight": theta[1]})})
        ens = reconstruct(int(year), draws=int(draws), seed=int(seed), priors=fold_priors, _exclude=names)
        out = two_round(ens.first, ens.magnitude, ens.second, rng=0)
        win = np.take_along_axis(ens.members, out.winner[..., None], -1)[..., 0]
        m = ens.magnitude
        for r in held:
            c = r.constituency
            own = win[:, c]
            pool = win[(out.round == r.round) & (m[None, :] == m[c])]
            support = set(np.unique(own).tolist()) | set(np.unique(pool).tolist())
            hit_own, hit_pool = _event(own, r), _event(pool, r)
            J = len(support) + (0 if (hit_own.any() or hit_pool.any()) else 1)
            lp.append(np.log((hit_own.sum() + _ALPHA) / (own.size + _ALPHA * J)))
            lb.append(np.log((hit_pool.sum() + _ALPHA) / (pool.size + _ALPHA * J)))
            vals, cnt = np.unique(own, return_counts=True)
            acc.append(bool(_event(vals[np.argmax(cnt)], r)))
            vals, cnt = np.unique(pool, return_counts=True)
            accb.append(bool(_event(vals[np.argmax(cnt)], r)) if pool.size else False)
    lp, lb = np.array(lp), np.array(lb)
    diff = lp - lb
    se = float(diff.std(ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else float("nan")
    return HoldoutResult(
        year=int(year),
        folds=int(folds),
        held_out=len(items),
        log_score=float(lp.mean()),
        baseline_log_score=float(lb.mean()),
        accuracy=float(np.mean(acc)),
        baseline_accuracy=float(np.mean(accb)),
        log_score_se=se,
    )
