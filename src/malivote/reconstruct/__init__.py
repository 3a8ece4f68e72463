"""Honest replays: ensembles of plausible elections that match every known fact.

District-level votes of Mali's legislative elections are not public. A replay of
2007, 2013 or 2020 is therefore an :class:`~malivote.election.Ensemble` of ``draws``
plausible elections. Every draw satisfies every known fact exactly, and what is not
known varies from draw to draw.

Facts (imposed exactly, in every draw)
--------------------------------------
From :mod:`malivote.datasets` (the national counts of lists, candidates and women
from :func:`malivote.datasets.election_facts`):

- each party's official seat total, and its round-1 and round-2 totals where known
  (2020; for 2007 the round-1 split ADEMA 9, URD 3, RND 1). 2007's table is ADEMA 51,
  URD 34, ``ADP-OTHER`` 28 (the rest of the ADP coalition, explicit; RND's Mopti seat
  is counted in it), RPM 11, PARENA 4, SADI 4, ``IND`` 15;
- the number of seats decided in round 1 (22 / 20 / 13) and, on the 55-district
  layout, of districts (12 / 10 / 8);
- every known hard-fact district result (status ``final`` or ``court_final``): the
  deciding round, the winning list's parties, its seat split where given, the winner's
  share of the valid votes to the two decimals given, and the other finalist where
  given. Where the court reversed a runoff, the overturned list is the other finalist
  (it lost the runoff) and, where the final winner is unknown, the winner is a
  different list;
- the national registered voters, votes cast, invalid and valid ballots of each round
  where known, exact to the vote; turnout percentages given without counts (2013 and
  2007 round 1) to the two decimals given; registered voters of the few districts
  where a source gives them;
- the count of round-1 lists (2013: 410; 2007: 535 deposited - 5 rejected = 530) or
  of round-1 candidates (2020: 1,451);
- women: 42 elected in 2020 (seed 001; NDI says 41) and 14 in 2013; 427 women among
  2020's 1,451 candidates; the 2015 gender law in 2020 (a list of 3 or more candidates
  has between 30% and 70% women);
- the rule itself: a list with more than half of the valid votes wins in round 1;
  otherwise the two leading lists meet in round 2, where the one with more votes wins.
  Running :func:`malivote.rules.two_round` on any draw gives back the official seats,
  which are never written in by hand.

Provisional district results (status ``provisional``) are hints: as many as the final
totals allow are imposed (the largest set, found first by the integer programme), and
those that cannot hold are listed in :attr:`Ensemble.notes` (2020: Yéléma's 2-seat
Commune IV list, since Yéléma won only one round-2 seat).

Method
------
1. **Outcome**: an integer programme (:mod:`scipy.optimize.milp`) finds a few
   outcomes that meet the facts (which list wins each constituency, in which round,
   how a joint list's seats split among its parties); Markov chains start from them
   (:mod:`malivote.reconstruct._chain`; each records ``outcome.draws_per_chain``
   draws, ``outcome.thin`` sweeps apart, after ``outcome.sweeps`` of burn-in), whose moves
   (seat swaps, list swaps, round swaps) keep every hard fact, towards a target that
   weighs geography and provisional results (docs/methods.md, "Reconstruction").
2. **Lists**: the number of lists per constituency (at least 3 where a runoff was
   held, so that nobody has a majority, and more where the runoff's drawn round-2
   share needs them (see 4); at least 2 elsewhere; exactly 1 for 2013
   Tin-Essako's sole list) is drawn so that the national list or candidate count
   holds exactly, bigger constituencies somewhat likelier to attract lists (weights
   ``sqrt(magnitude)`` times a lognormal factor). Losing lists are one party
   (40.9%), or joint lists of 2 (45.5%) or 3 (13.6%): the 19 known runner-up lists,
   add-one smoothed (``Priors.lists.size_probs``), drawn without repetition within a
   constituency from the year's parties, with weights ``seats + 2``; ``OTHER`` and
   ``IND`` lists fill in when the parties run out. A list's roster has as many
   candidates as the constituency has seats, each member party at least one; the
   winner's roster follows its seat split.
3. **Turnout**: registered voters (the same roll in both rounds) are split among
   constituencies in proportion to seats times a lognormal(0, 0.25) factor, with
   national totals exact (round 1 constituencies and runoff constituencies apart where
   both are known). Ballots cast follow registered voters times a lognormal(0, 0.2)
   turnout factor (clipped to [0.55, 1.8]), invalid ballots about 5% of ballots cast
   (lognormal(0, 0.3) factor, clipped to 1-15%); both are apportioned exactly to the national totals
   where known. 2007's round-2 turnout is unknown: 12% of registered voters in Bamako
   and 33% elsewhere (the estimates in seed 003), times the turnout factor.
4. **Votes**: in a round-1 constituency the winner gets ``0.5 + 0.5 Beta`` of the
   valid votes (or the known share) and the other lists split the rest (Dirichlet).
   In a runoff constituency round 2 comes first (the winner's share, or the known
   one), then a round 1 coherent with it: the finalists' share and the eliminated
   voters' transfer are drawn inside the region where both finalists lead round 1
   with less than half, no finalist gains more than the eliminated votes or more than
   ``max_gain`` times its round-1 share (docs/methods.md, "Coherent runoffs"). A
   known share (rounded to two decimals) that a constituency's valid votes cannot
   produce is reached by moving a few ballots between valid and invalid, and the
   other way in a slack constituency, so every national total stays exact.
5. **Women**: the women elected and the women candidates are spread over the lists
   uniformly at random (a multivariate hypergeometric draw over the places the gender
   law allows) so that the national counts hold; where they are unknown (2007
   elected; 2013 and 2007 candidates), each candidate is a woman with a probability
   drawn per draw (uniform in 5-15% for the elected, 8-20% for the others).
   List slots and roster positions are shuffled.

Not imposed: 2007's "about 1,400 candidates" (approximate); the 2007 breakdown of
``ADP-OTHER`` by party (medium confidence; only the pseudo-party's 28 is a fact);
2013's alternative round-1 turnout of 38.62% (38.63% is used).

Assumptions worth knowing: the distributions above are choices, not facts; alliances
on losing lists are random; the 125-constituency layout is derived and carries only
the national facts (district results of the 55 real districts are not mapped onto it).

Reproducibility: the pool depends only on ``seed``; draws are made in blocks of
``BLOCK`` with one child seed sequence per block, so draw ``i`` depends only on
``(seed, i)`` and ``reconstruct(..., draws=100)`` equals the first 100 draws of
``draws=1000``.

Examples
--------
>>> from malivote.reconstruct import reconstruct
>>> from malivote.rules import two_round
>>> from malivote.election import credit_seats
>>> ens = reconstruct(2020, draws=2, seed=1)
>>> out = two_round(ens.first, ens.magnitude, ens.second)
>>> seats, women = credit_seats(out.seats, ens.roster_party, ens.roster_female, len(ens.parties))
>>> int(seats[0, ens.parties.index("RPM")]), int(seats[1, ens.parties.index("URD")]), women.tolist()
(51, 19, [42, 42])
>>> (out.round == 1).sum(axis=1).tolist()
[12, 12]
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from malivote import seeds
from malivote.election import Ensemble
from malivote.layouts import LAYOUTS, Layout, get_layout
from malivote.reconstruct._facts import EXTRA_FACTS, Facts, gather_facts
from malivote.reconstruct._milp import InfeasibleFacts, Pool, solve_pool
from malivote.reconstruct._chain import Target, draw_randoms, row_holds, run_chain
from malivote.reconstruct._sample import n_slots, sample_block
from malivote.reconstruct.geography import counts
from malivote.reconstruct.priors import Priors
from malivote.reconstruct._verify import verify

__all__ = ["reconstruct", "verify", "InfeasibleFacts", "POOL_SIZE", "BLOCK", "EXTRA_FACTS", "Priors"]

#: Starting outcomes of the default priors (``Priors().outcome.pool_size``).
POOL_SIZE = Priors().outcome.pool_size
#: Draws per seed block: draw ``i`` uses the block ``i // BLOCK`` (:mod:`malivote.seeds`).
BLOCK = seeds.BLOCK


class _Prepared:
    def __init__(self, facts, pool, notes, target, rows):
        self.facts, self.pool, self.notes, self.target, self.rows = facts, pool, notes, target, rows


def _hold_out(rows, exclude):
    """The rows of held-out districts keep only their deciding round (see holdout)."""
    import dataclasses

    out = []
    for r in rows:
        if r.district in exclude:
            r = dataclasses.replace(r, members=(), complete=False, split={}, share_pct=None,
                                    runner_up=(), not_members=(), label=f"{r.label} (held out: round only)")
        out.append(r)
    return out


@lru_cache(maxsize=32)
def _prepare(year: int, layout: str, result: str, seed: int, priors: Priors | None = None,
             exclude: frozenset = frozenset()) -> _Prepared:
    priors = priors or Priors()
    facts = gather_facts(year, get_layout(layout), result)
    if exclude:
        facts.rows = _hold_out(facts.rows, exclude)
    pool = solve_pool(facts, priors.outcome.pool_size, seeds.stage_sequence(seed, seeds.Stage.POOL))
    notes = list(facts.notes)
    for r in pool.unmet:
        notes.append(
            f"provisional hint not matched: {r.label}; the official final totals rule it out"
        )
    hard = [r for r in facts.rows if r.hard]
    unmet = {id(r) for r in pool.unmet}
    hints = [r for r in facts.rows if not r.hard and id(r) not in unmet]
    geo = None
    if facts.layout.name == "mali-55":
        g = priors.geography
        d, rc, nreg = counts(facts.year, facts.parties, frozenset((facts.year, x) for x in exclude))
        geo = ((g.district_weight, g.region_weight), d, rc, nreg, g.form)
    target = Target(facts, hard, hints, geo, priors)
    return _Prepared(facts, pool, tuple(notes), target, hard + hints)


def _outcomes(prep: _Prepared, seed: int, first_block: int, last_block: int, priors: Priors, stats=None):
    """Outcomes of every draw of blocks ``[first_block, last_block)``.

    A block's ``BLOCK`` draws come from ``BLOCK // draws_per_chain`` chains, each
    recording ``draws_per_chain`` draws (after ``sweeps`` sweeps, then every ``thin``),
    all from the block's own stream. The compiled chain runs block by block; the NumPy
    one (a Python loop over sweeps, vectorised over chains) runs the chains of up to
    ``_NUMPY_BLOCKS`` blocks at once, each on its own block's random numbers, so the
    draws are the same.
    """
    from malivote.rules._backend import backend

    C = prep.facts.layout.n_constituencies
    o = priors.outcome
    per, thin = o.draws_per_chain, o.thin
    total = o.sweeps + (per - 1) * thin
    n = (last_block - first_block) * BLOCK
    # every block's chains write straight into the outcome arrays (no concatenation)
    seats = np.empty((n, C, prep.pool.seats.shape[-1]), np.int64)
    rnd = np.empty((n, C), np.int64)
    rngs = []
    batch = _NUMPY_BLOCKS if (stats is not None or backend() == "numpy") else 1
    for i0 in range(0, last_block - first_block, batch):
        rands = []
        for b in range(first_block + i0, min(first_block + i0 + batch, last_block)):
            rng = seeds.block_rng(int(seed), seeds.Stage.RECONSTRUCT, b)
            rands.append(draw_randoms(rng, BLOCK // per, C, total, prep.pool.seats.shape[0]))
            rngs.append(rng)
        rand = rands[0] if len(rands) == 1 else {k: np.concatenate([r[k] for r in rands]) for k in rands[0]}
        sl = slice(i0 * BLOCK, (i0 + len(rands)) * BLOCK)
        run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, stats,
                  burn=o.sweeps, thin=thin, records=per, out=(seats[sl], rnd[sl]))
    return rngs, seats, rnd


#: Blocks whose chains the NumPy chain runs at once (see :func:`_outcomes`).
_NUMPY_BLOCKS = 10


def reconstruct(year: int, *, layout: str = "mali-55", draws: int = 1000, seed: int = 0,
                result: str = "final", first_draw: int = 0, priors: Priors | None = None,
                _exclude: frozenset = frozenset()) -> Ensemble:
    """An ensemble of ``draws`` plausible elections matching every known fact of ``year``.

    Parameters
    ----------
    year : {2007, 2013, 2020}
    layout : {"mali-55", "mali-125"}
        The 55 real districts, or the derived 125-constituency layout (national facts
        only).
    draws : int
        Number of draws (at least 1).
    seed : int
        Seed; the same arguments give identical arrays, and draw ``i`` depends only
        on ``(seed, i)``.
    first_draw : int, default 0
        Index of the first draw: ``reconstruct(..., draws=n, first_draw=i)`` gives
        draws ``i`` to ``i + n - 1`` of the same ensemble, so that a long run can be
        drawn in chunks with identical results.
    result : {"final", "provisional"}
        ``"provisional"`` (2020 only) replays the ministry's count before the
        Constitutional Court: the provisional seats known for RPM, ADEMA (22-23), URD,
        MPM, ASMA, ADP-Maliba and CODEM; the other parties as close to their final
        totals as these allow; the provisional district winners (including those the
        court overturned) imposed.

    Returns
    -------
    Ensemble
        With ``year`` set and ``notes`` listing what could not be matched.

    Raises
    ------
    ValueError
        For a bad argument, or ``result="provisional"`` for 2007 or 2013.
    InfeasibleFacts
        If the facts admit no outcome (a :class:`ValueError` naming the year and facts).

    Examples
    --------
    >>> ens = reconstruct(2013, draws=2, seed=3)
    >>> ens.first.shape[:2], ens.year
    ((2, 55), 2013)
    >>> bool((ens.turnout[..., 3] == ens.turnout[..., 1] - ens.turnout[..., 2]).all())
    True
    """
    if isinstance(layout, Layout):
        layout = layout.name
    if layout not in LAYOUTS:
        raise ValueError(f"layout: expected one of {LAYOUTS}, got {layout!r}")
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
        raise ValueError(f"draws: expected a positive integer, got {draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    if isinstance(first_draw, bool) or not isinstance(first_draw, (int, np.integer)) or first_draw < 0:
        raise ValueError(f"first_draw: expected a non-negative integer, got {first_draw!r}")
    if priors is not None and not isinstance(priors, Priors):
        priors = Priors.model_validate(priors)
    priors = priors or Priors()
    prep = _prepare(int(year), layout, result, int(seed), priors, frozenset(_exclude))
    facts = prep.facts
    first_block = int(first_draw) // BLOCK
    last_block = -(-(int(first_draw) + int(draws)) // BLOCK)
    rngs, seats, rnd = _outcomes(prep, int(seed), first_block, last_block, priors)
    active = row_holds(prep.rows, seats, rnd)
    # each block writes its rosters straight into the ensemble's arrays, and copies the
    # rest in, so no block is held twice
    n_total = len(rngs) * BLOCK
    C, K, M = facts.layout.n_constituencies, n_slots(facts), int(facts.layout.magnitude.max())
    out = {"roster_party": np.full((n_total, C, K, M), -1, np.int16),
           "roster_female": np.zeros((n_total, C, K, M), bool),
           "turnout": np.empty((n_total, C, 2, 4), np.int64)}
    written = tuple(out)  # filled in place by sample_block
    for i, rng in enumerate(rngs):
        sl = slice(i * BLOCK, (i + 1) * BLOCK)
        blk = sample_block(facts, prep.rows, seats[sl], rnd[sl], active[:, sl], prep.target.geo_weight(seats[sl]),
                           priors, rng, BLOCK, out={k: out[k][sl] for k in written})
        for k, v in blk.items():
            if k in written:
                continue
            if len(rngs) == 1:  # one block: its own arrays, not copies
                out[k] = v
                continue
            if k not in out:
                out[k] = np.empty((n_total,) + v.shape[1:], v.dtype)
            out[k][sl] = v
    offset = int(first_draw) - first_block * BLOCK
    arrays = {k: v[offset : offset + draws] for k, v in out.items()}
    return Ensemble(
        layout=facts.layout,
        parties=facts.parties,
        year=int(year),
        notes=prep.notes,
        **arrays,
    )
