"""Where parties are strong: log weights per (constituency, party) from known results.

Every known district result of 2007, 2013 and 2020 (hard facts and provisional
results alike) is evidence that its winning list's parties are strong in that
district and region. For a replay of year ``Y``:

- ``d[c, p]``: wins of ``p`` in district ``c`` in the *other* years (a result of
  ``Y`` itself is a fact or a hint there, not geography);
- ``r[c, p]``: wins of ``p`` in the other districts of ``c``'s region, all years,
  divided by the region's number of districts;
- the weight is ``log(1 + district_weight * d + region_weight * r)``
  (:class:`~malivote.reconstruct.priors.GeographyPriors`).

``exclude`` names districts of ``Y`` whose results are held out
(:mod:`malivote.reconstruct.holdout`): they count nowhere, so nothing learned
depends on them.

Examples
--------
>>> from malivote.reconstruct._facts import gather_facts
>>> from malivote.layouts import get_layout
>>> from malivote.reconstruct.priors import GeographyPriors
>>> f = gather_facts(2020, get_layout("mali-55"))
>>> G = strength(f, GeographyPriors())
>>> G.shape, bool((G >= 0).all())
((55, 23), True)
"""

from __future__ import annotations

import numpy as np

from malivote import datasets

__all__ = ["strength", "evidence"]


def _index(facts):
    pmap = {}
    for r in datasets.national_results(facts.year):
        for m in r.members:
            pmap[m] = r.party
    idx = {p: i for i, p in enumerate(facts.parties)}

    def get(name):
        name = pmap.get(name, name)
        return idx.get(name)

    return get


def evidence(facts, exclude=frozenset()):
    """``(d, r)``: district and regional win counts, shape ``(55, P)`` each."""
    dist = datasets.districts()
    C = len(dist)
    P = facts.n_parties
    region = np.array([d.region for d in dist])
    get = _index(facts)
    d = np.zeros((C, P))
    wins = np.zeros((C, P))  # wins of any year, by district (for regions)
    for y in datasets.YEARS:
        for k in datasets.known_district_results(y):
            if not k.winning_list or (y == facts.year and k.district in exclude):
                continue
            c = datasets.district_index(k.district)
            for name in dict.fromkeys(k.winning_list):
                p = get(name)
                if p is None:
                    continue
                wins[c, p] += 1
                if y != facts.year:
                    d[c, p] += 1
    r = np.zeros((C, P))
    for reg in np.unique(region):
        inside = region == reg
        tot = wins[inside].sum(0)
        r[inside] = (tot[None, :] - wins[inside]) / inside.sum()
    return d, r


def strength(facts, geo, exclude=frozenset()) -> np.ndarray:
    """Log weights ``(C, P)`` on the layout (zeros on a derived layout)."""
    C = facts.layout.n_constituencies
    if facts.layout.name != "mali-55":
        return np.zeros((C, facts.n_parties))
    d, r = evidence(facts, exclude)
    return np.log1p(geo.district_weight * d + geo.region_weight * r)
