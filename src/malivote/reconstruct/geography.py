"""Where parties are strong: a geographic log-odds term fitted on known results.

Every known district result of 2007, 2013 and 2020 (hard facts and provisional
results alike) is evidence that its winning list's parties are strong in that
district and region. For a replay of year ``Y`` and a winning list ``S`` (a set of
parties) in district ``c``:

- ``D(c, S)``: known wins of the parties of ``S`` in district ``c`` in the *other*
  years (a result of ``Y`` itself is a fact or a hint there, not geography);
- ``R(c, S)``: known wins of the parties of ``S`` in the other districts of ``c``'s
  region (all years), divided by the region's number of districts;
- the list's geographic log weight is
  ``district_weight * log(1 + D) + region_weight * log(1 + R)``
  (:class:`~malivote.reconstruct.priors.GeographyPriors`). The wins of a list's
  parties are added before the logarithm, so a list gains little from an extra
  member that has no wins of its own.

The two coefficients are **fitted**, not chosen (:func:`fit`): the chain's target is
a product of per-district weights, so given which lists won two districts of equal
magnitude, the target's odds that they sit where they are rather than swapped are
``exp(theta . (x(c, S_c) + x(d, S_d) - x(c, S_d) - x(d, S_c)))``. :func:`fit`
maximises this pairwise (composite) likelihood over all pairs of known winners of the
same year and magnitude (a small ridge keeps it finite), so the fitted term is the
one the chain's own target implies for the known results.

**Model forms** (:data:`FORMS`); the chain implements ``"sum"`` (above) and
``"mean"``, the default (:class:`~malivote.reconstruct.priors.GeographyPriors`).
``"mean"`` weighs a list by the mean of its parties' own weights,
``district_weight * mean log(1 + D_p) + region_weight * mean log(1 + R_p)``
(:func:`party_weights`), so that a list is as strong as its average party and its
size is left to ``outcome.list_size_weights``; ``"per"`` sums the parties' own
weights. Compared by the leave-one-out pairwise log likelihood of the known winners
(:func:`loo_pairwise`: each known ``(year, district)`` left out of the evidence and
of the fit in turn, its pairs scored; no holdout score involved), per pair over 452
pairs: ``"sum"`` -0.639, ``"per"`` -0.646, ``"mean"`` -0.590 (no geography: log 1/2 =
-0.693), hence the default ``"mean"``.

``exclude`` names districts of ``Y`` whose results are held out
(:mod:`malivote.reconstruct.holdout`): they count nowhere (not as evidence for any
year's features, nor as fitting examples), so nothing learned depends on them.

Examples
--------
>>> from malivote.reconstruct._facts import gather_facts
>>> from malivote.layouts import get_layout
>>> f = gather_facts(2020, get_layout("mali-55"))
>>> d, r = evidence(f)
>>> d.shape, bool((d >= 0).all() and (r >= 0).all())
((55, 23), True)
>>> theta = fit()
>>> bool(theta[0] > 0 and theta[1] > 0)
True
>>> [round(t, 3) for t in fit(form="mean")]
[2.368, 1.398]
>>> from malivote.reconstruct.geography import counts
>>> w = party_weights(fit(form="mean"), *counts(2020, f.parties))
>>> w.shape, bool((w >= 0).all())
((55, 23), True)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from malivote import datasets

__all__ = ["evidence", "counts", "fit", "log_weight", "party_weights", "loo_pairwise", "RIDGE", "FORMS"]

#: Ridge penalty of :func:`fit` (on each coefficient, ``RIDGE / 2 * theta ** 2``).
RIDGE = 0.5
#: How a list's weight combines its parties' wins (see the module docstring).
FORMS = ("sum", "mean", "per")


def _index(year, parties):
    pmap = {}
    for r in datasets.national_results(year):
        for m in r.members:
            pmap[m] = r.party
    idx = {p: i for i, p in enumerate(parties)}

    def get(name):
        name = pmap.get(name, name)
        return idx.get(name)

    return get


def _known(excluded):
    """Known winners ``(year, district index, names)``, without the excluded pairs."""
    out = []
    for y in datasets.YEARS:
        for k in datasets.known_district_results(y):
            if k.winning_list and (y, k.district) not in excluded:
                out.append((y, datasets.district_index(k.district), tuple(dict.fromkeys(k.winning_list))))
    return out


def counts(year, parties, excluded=frozenset()):
    """``(d, rc, nreg)``: integer win counts for a replay of ``year``.

    ``d[c, p]``: wins of ``p`` in ``c`` in other years; ``rc[c, p]``: wins of ``p`` in
    the other districts of ``c``'s region (all years); ``nreg[c]``: districts in the
    region. ``excluded``: ``(year, district name)`` pairs that count nowhere.
    """
    dist = datasets.districts()
    C, P = len(dist), len(parties)
    region = np.array([d.region for d in dist])
    get = _index(year, parties)
    d = np.zeros((C, P), np.int64)
    wins = np.zeros((C, P), np.int64)
    for y, c, names in _known(excluded):
        for name in names:
            p = get(name)
            if p is None:
                continue
            wins[c, p] += 1
            if y != year:
                d[c, p] += 1
    rc = np.zeros((C, P), np.int64)
    nreg = np.zeros(C, np.int64)
    for reg in np.unique(region):
        inside = region == reg
        rc[inside] = wins[inside].sum(0)[None, :] - wins[inside]
        nreg[inside] = inside.sum()
    return d, rc, nreg


def evidence(facts, exclude=frozenset()):
    """``(d, r)``: district and regional (per district of the region) wins, ``(55, P)``."""
    d, rc, nreg = counts(facts.year, facts.parties, frozenset((facts.year, x) for x in exclude))
    return d.astype(float), rc / nreg[:, None]


def log_weight(theta, dsum, rsum, nreg):
    """The geographic log weight of lists with summed wins ``dsum`` and ``rsum``."""
    return theta[0] * np.log1p(dsum) + theta[1] * np.log1p(rsum / nreg)


def party_weights(theta, d, rc, nreg):
    """Per-party geographic log weights ``(C, P)`` of the ``"mean"`` and ``"per"`` forms.

    ``theta[0] * log(1 + d) + theta[1] * log(1 + rc / nreg)``; a list's ``"mean"``
    weight is the mean of its parties' weights, its ``"per"`` weight their sum.
    """
    return theta[0] * np.log1p(np.asarray(d, float)) + theta[1] * np.log1p(rc / np.asarray(nreg)[:, None])


def _x(form, d, rc, nreg, c, idx):
    """The feature vector of the list of parties ``idx`` in district ``c``."""
    if form == "sum":
        return np.array([np.log1p(d[c, idx].sum()), np.log1p(rc[c, idx].sum() / nreg[c])])
    a, b = np.log1p(d[c, idx].astype(float)), np.log1p(rc[c, idx] / nreg[c])
    if form == "mean":
        return np.array([a.mean(), b.mean()])
    return np.array([a.sum(), b.sum()])


def _features(year, excluded, form="sum", only=None):
    """Pairwise feature differences of every pair of known winners of ``year``.

    ``only``: a district index; then only the pairs of that district's known winner
    (which must not be in ``excluded``) with the others, with the evidence of
    ``(year, its name)`` left out as well (see :func:`loo_pairwise`).
    """
    from malivote.layouts import get_layout
    from malivote.reconstruct._facts import gather_facts

    parties = gather_facts(year, get_layout("mali-55")).parties
    evidence_ex = excluded if only is None else excluded | {(year, datasets.districts()[only].district)}
    d, rc, nreg = counts(year, parties, evidence_ex)
    get = _index(year, parties)
    mag = np.array([x.seats for x in datasets.districts()])
    rows = []
    for y, c, names in _known(excluded):
        if y != year:
            continue
        idx = sorted({p for p in map(get, names) if p is not None})
        if idx:
            rows.append((c, idx))
    if len(rows) < 2:
        return np.zeros((0, 2))

    def x(c, idx):
        return _x(form, d, rc, nreg, c, idx)

    out = []
    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            (ci, si), (cj, sj) = rows[i], rows[j]
            if mag[ci] != mag[cj] or si == sj or ci == cj:
                continue
            if only is not None and only not in (ci, cj):
                continue
            out.append(x(ci, si) + x(cj, sj) - x(ci, sj) - x(cj, si))
    return np.array(out).reshape(-1, 2)


def loo_pairwise(form: str = "sum", ridge: float = RIDGE) -> tuple[float, int]:
    """Leave-one-out pairwise log likelihood of the known winners, per pair.

    Each known ``(year, district)`` winner in turn is left out of the evidence and of
    the fit (:func:`fit` with it excluded); its pairs with the other known winners of
    the same year and magnitude are then scored, ``log sigmoid(theta . x)``, with
    features that do not count it. Returns ``(mean per pair, pairs)``. No holdout
    score enters: this compares the :data:`FORMS` on the known results alone.
    """
    total, n = 0.0, 0
    for y, c, _ in _known(frozenset()):
        name = datasets.districts()[c].district
        theta = np.array(fit(frozenset({(y, name)}), ridge, form))
        X = _features(y, frozenset(), form, only=c)
        if X.size:
            total += float(-np.logaddexp(0.0, -(X @ theta)).sum())
            n += X.shape[0]
    return total / n, n


def _newton(X, ridge):
    theta = np.zeros(X.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(X @ theta)))
        grad = X.T @ (1.0 - p) - ridge * theta
        H = (X * (p * (1.0 - p))[:, None]).T @ X + ridge * np.eye(X.shape[1])
        step = np.linalg.solve(H, grad)
        theta = theta + step
        if np.abs(step).max() < 1e-10:
            break
    return theta


@lru_cache(maxsize=64)
def fit(excluded: frozenset = frozenset(), ridge: float = RIDGE, form: str = "sum") -> tuple[float, float]:
    """``(district_weight, region_weight)`` maximising the pairwise likelihood.

    Every pair of known winners of the same year and magnitude contributes
    ``log sigmoid(theta . x)`` (see the module docstring); the ridge adds
    ``-ridge / 2 * |theta| ** 2``. Both coefficients are kept non-negative (strength
    persists or does not matter): a coefficient the unconstrained fit makes negative
    is set to 0 and the other refitted alone. ``excluded``: ``(year, district name)``
    pairs left out (the held-out districts of a holdout fold). ``form``: one of
    :data:`FORMS` (the features of a list). Newton's method, to 1e-10.
    """
    if form not in FORMS:
        raise ValueError(f"form: expected one of {FORMS}, got {form!r}")
    X = np.concatenate([_features(y, excluded, form) for y in datasets.YEARS])
    theta = _newton(X, ridge)
    if (theta < 0).any():
        keep = [int(np.argmax(theta))]
        theta = np.zeros(2)
        one = _newton(X[:, keep], ridge)
        theta[keep] = np.maximum(one, 0.0)
    return float(theta[0]), float(theta[1])
