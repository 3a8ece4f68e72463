"""Vectorised sampling of one block of draws, conditional on an outcome pool.

Every function here works on whole blocks (``B`` draws) at once; the only Python
loops run over list slots, roster positions or fact rows, never over draws.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from malivote.reconstruct._chain import seat_masks
from malivote.reconstruct._facts import Facts
from malivote.rounding import round_shares as apportion

__all__ = ["sample_block", "n_slots"]



def n_slots(facts: Facts) -> int:
    """List slots K of a replay: a fixed function of the year and layout."""
    return 24 if facts.layout.n_constituencies <= 60 else 20


# --------------------------------------------------------------------- helpers


def allocate_units(total, lo, hi, rng, weights=None, backend="numpy"):
    """Integers in ``[lo, hi]`` summing to ``total`` (per row), uniformly over units.

    ``lo``/``hi``: (B, L), of any integer type (int64 out). The ``total - sum(lo)``
    extra units go to distinct unit places chosen uniformly at random (weighted per
    entry if ``weights`` is given), a multivariate-hypergeometric allocation. One
    uniform key per unit place, that is ``sum(hi - lo)`` of them, flat in (row,
    entry, place) order: entries with no room (``hi == lo``, most list slots) draw
    none. ``backend="numba"`` gives the same integers (the same keys, the same
    threshold) compiled, with no ``(B, L)`` temporaries.
    """
    B, L = lo.shape
    if backend == "numba":
        from malivote.reconstruct._sample_numba import allocate, unit_room

        lo, hi = np.ascontiguousarray(lo), np.ascontiguousarray(hi)
        lo_sum, cap_sum, row_places, U = unit_room(lo, hi)
        places = int(row_places.sum())
    else:
        cap = hi - lo
        U = int(cap.max()) if cap.size else 0
        lo_sum, cap_sum, places = lo.sum(axis=1), cap.sum(axis=1), int(np.maximum(cap, 0).sum())
    R = np.asarray(total) - lo_sum
    if (R < 0).any() or (R > cap_sum).any():
        raise ValueError("allocate_units: infeasible total")
    if U == 0:
        return lo.astype(np.int64)
    keys = rng.random(places)
    if weights is not None:
        room = np.maximum(hi - lo, 0)
        keys = -np.log(keys) / np.repeat(np.maximum(weights, 1e-12).reshape(-1), room.reshape(-1))
    if backend == "numba":
        return allocate(lo, hi, keys, np.ascontiguousarray(np.broadcast_to(R, (B,)), np.int64), row_places)
    full = np.full((B, L, U), np.inf)
    full[np.arange(U) < cap[..., None]] = keys  # (the places in the keys' order)
    keys = full.reshape(B, -1)
    srt = np.sort(keys, axis=1)
    thr = np.take_along_axis(srt, np.maximum(R - 1, 0)[:, None], axis=1)
    chosen = (keys <= thr) & (R[:, None] > 0)
    return lo + chosen.reshape(B, L, U).sum(axis=2)


def select_units(cost, keys, R):
    """Choose units (B, U) of cost 1..7 so that the chosen costs sum exactly to ``R``.

    Units are taken in the order of ``keys`` while the running cost fits; the
    remainder is filled with the next cost-1 units. (NumPy only: its argsort of
    floats is faster than a compiled one.)
    """
    order = np.argsort(keys, axis=1)
    cs = np.take_along_axis(cost, order, axis=1)
    cum = np.cumsum(cs, axis=1)
    sel = cum <= R[:, None]
    left = R - np.where(sel, cs, 0).sum(axis=1)
    ones = (~sel) & (cs == 1)
    rank = np.cumsum(ones, axis=1)
    sel |= ones & (rank <= left[:, None])
    if ((np.where(sel, cs, 0).sum(axis=1)) != R).any():
        raise ValueError("select_units: not enough single-seat constituencies to match the count")
    out = np.zeros_like(sel)
    np.put_along_axis(out, order, sel, axis=1)
    return out


def share_delta(V, P, majority, n_lists, backend="numpy"):
    """Smallest change of V making ``round(100 v / V, 2) == P / 100`` possible.

    Returns ``(delta, v)``: with ``V + delta`` valid votes, ``v`` votes give the share
    (strictly within half a hundredth), with ``2 v > V + delta`` when ``majority`` and
    at least ``n_lists - 1`` votes left for the other lists. ``V`` of any shape
    (``P`` and ``n_lists`` broadcast to it); the changes are tried in the order 0, +1,
    -1, +2, -2, ... up to 399 (NumPy: the first 33 for every entry, all of them for
    the few entries the first 33 do not settle).
    """
    V = np.asarray(V, np.int64)
    shape = V.shape
    P = np.ascontiguousarray(np.broadcast_to(P, shape), np.int64).reshape(-1)
    nl = np.ascontiguousarray(np.broadcast_to(n_lists, shape), np.int64).reshape(-1)
    V = V.reshape(-1)
    if backend == "numba":
        from malivote.reconstruct._sample_numba import share_search

        d, v, found = share_search(V, P, bool(majority), nl, 400)
        if not found.all():
            raise ValueError("share_delta: could not match a known vote share")
        return d.reshape(shape), v.reshape(shape)
    deltas = np.array([0] + [s * k for k in range(1, 400) for s in (1, -1)])

    def first_ok(rows, dl):
        Vd = V[rows, None] + dl[None, :]
        Pr = P[rows, None]
        v = (Pr * Vd + 5000) // 10000
        ok = 2 * np.abs(10000 * v - Pr * Vd) < Vd
        if majority:
            ok &= 2 * v > Vd
        ok &= (Vd - v) >= (nl[rows, None] - 1)
        ok &= (v >= 1) & (Vd >= 1)
        j = ok.argmax(axis=1)
        return ok.any(axis=1), j, v[np.arange(len(rows)), j]

    d, v = np.zeros(V.size, np.int64), np.zeros(V.size, np.int64)
    rows = np.arange(V.size)
    found, j, vj = first_ok(rows, deltas[:33])
    d[found], v[found] = deltas[j[found]], vj[found]
    rows = rows[~found]
    if rows.size:
        found, j, vj = first_ok(rows, deltas)
        if not found.all():
            raise ValueError("share_delta: could not match a known vote share")
        d[rows], v[rows] = deltas[j], vj
    return d.reshape(shape), v.reshape(shape)


# ------------------------------------------------------------------- the block


def _beta(rng, a, b, shape):
    return rng.beta(a, b, shape)


def _psi_bounds(s2, F, k, pr):
    """Bounds ``(lower, upper)`` on ``psi * e`` at round-1 finalists' share ``F``.

    ``psi`` is the share of the eliminated lists' voters going to the runoff winner.
    Lower bounds: the winner below half of round 1; the loser's share positive; the
    loser's round-2 share at most ``max_gain`` times its round-1 share; the loser
    ahead of an even split of the eliminated votes over ``k`` lists (with the margin
    ``others_below``). Upper bounds: ``psi <= 1``; the winner's share positive; the
    loser below half; the winner's round-2 share at most ``max_gain`` times its
    round-1 share; the winner ahead of the even split. Each is linear in ``F``.
    """
    g, c = pr.max_gain, pr.others_below
    t = (1.0 - F) / (c * k)
    lower = np.maximum.reduce([np.zeros_like(F), s2 - 0.5 + 0 * F, s2 - F, (1 - s2) / g - F + s2, t - F + s2])
    upper = np.minimum.reduce([1.0 - F, s2 + 0 * F, 0.5 - F + s2, s2 * (1 - 1 / g) + 0 * F, s2 - t])
    return lower, upper


def _f_range(s2, k, pr):
    """The interval of ``F`` (within ``runoff.finalists_share``) where psi is feasible.

    Every pair (lower bound i, upper bound j) of :func:`_psi_bounds` is linear in
    ``F``: ``A + D F > 0``; their intersection with the prior range is an interval,
    empty (``lo >= hi``) where no round 1 is coherent with ``s2`` and ``k`` lists.
    """
    g, c = pr.max_gain, pr.others_below
    inv = 1.0 / (c * k)
    # (alpha, beta) of the lower bounds, (gamma, delta) of the upper, as A + B F
    lows = [(0.0 * s2, 0.0), (s2 - 0.5, 0.0), (s2, -1.0), ((1 - s2) / g + s2, -1.0), (inv + s2, -1.0 - inv)]
    ups = [(1.0 + 0 * s2, -1.0), (s2, 0.0), (0.5 + s2, -1.0), (s2 * (1 - 1 / g), 0.0), (s2 - inv, inv)]
    flo, fhi = pr.finalists_share
    lo = np.full(np.broadcast(s2, inv).shape, float(flo))
    hi = np.full(lo.shape, float(fhi))
    for a, b in lows:
        for gm, d in ups:
            A = gm - a
            D = d - b + 0.0 * A
            root = -A / np.where(D == 0, 1.0, D)
            lo = np.where(D > 0, np.maximum(lo, root), lo)
            hi = np.where(D < 0, np.minimum(hi, root), hi)
            hi = np.where((D == 0) & (A <= 0), -np.inf, hi)
    return lo, hi


def _others_needed(s2, kmax, pr, backend="numpy"):
    """Fewest eliminated lists ``k`` (1 to ``kmax``) giving a coherent round 1 for ``s2``.

    Returns ``(k, s2_cap)``: where even ``kmax`` lists leave no room (a landslide
    beyond what any round 1 explains), ``s2`` is capped at the largest share ``kmax``
    lists allow (found by bisection), so no draw sits outside the model.
    ``backend="numba"`` gives the same arrays compiled.
    """
    if backend == "numba":
        from malivote.reconstruct._votes_numba import others_needed, params

        return others_needed(s2, kmax, params(pr))
    k = np.ones(s2.shape, np.int64)
    cap = np.full(s2.shape, 0.999)
    lo, hi = _f_range(s2, 1.0, pr)
    need = np.flatnonzero(~(hi - lo > 0.01))  # one eliminated list is not enough
    if need.size:
        s2n = s2.reshape(-1)[need]
        ks = np.arange(1, kmax + 1, dtype=float)
        lo, hi = _f_range(s2n[:, None], ks, pr)
        ok = hi - lo > 0.01
        k.reshape(-1)[need] = np.where(ok.any(-1), ok.argmax(-1) + 1, kmax)
        bad = ~ok.any(-1)
        if bad.any():
            a, b = np.full(int(bad.sum()), 0.5), s2n[bad]
            for _ in range(40):
                mid = (a + b) / 2
                l2, h2 = _f_range(mid, float(kmax), pr)
                good = h2 - l2 > 0.01
                a, b = np.where(good, mid, a), np.where(good, b, mid)
            cap.reshape(-1)[need[bad]] = a
    return k.astype(np.int64), cap


def _finalists(s2, k, pr, u_f, u_psi):
    """Round-1 shares of the runoff winner and loser, and of the eliminated lists.

    ``F`` (the finalists' share) is drawn in its feasible interval (``u_f``: Beta
    ``finalists_a``, ``finalists_b``), then ``psi`` in its feasible interval at that
    ``F`` (``u_psi``: Beta ``transfer_a``, ``transfer_b``, kept ``transfer_margin``
    away from either end), so no draw sits at a bound and every constraint of
    :func:`_psi_bounds` holds.
    """
    lo, hi = _f_range(s2, k, pr)
    hi = np.maximum(hi, lo)
    F = lo + (hi - lo) * u_f
    e = 1.0 - F
    low, up = _psi_bounds(s2, F, k, pr)
    up = np.maximum(up, low)
    margin = pr.transfer_margin
    pe = low + (up - low) * (margin + (1.0 - 2.0 * margin) * u_psi)
    a_w = s2 - pe
    return a_w, F - a_w, e


def _row_facts(rows, active, B, C, backend):
    """The fact rows per draw: the known winner share (x 100, -1 where none) and
    runner-up mask (0) ``(B, C)``, a later row over an earlier one where both hold, and
    the runner-ups' parties per constituency with the draws where they hold."""
    col = [row.constituency for row in rows]
    pct = [-1 if row.share_pct is None else round(row.share_pct * 100) for row in rows]
    ru = [row.runner_up_mask() if row.runner_up else 0 for row in rows]
    ru_members = {c: (tuple(row.runner_up), active[i]) for i, (c, row) in enumerate(zip(col, rows)) if ru[i]}
    if backend == "numba":
        from malivote.reconstruct._block_numba import row_facts

        share_P, ru_mask = row_facts(active, np.array(col, np.int64), np.array(pct, np.int64),
                                     np.array(ru, np.int64), B, C)
        return share_P, ru_mask, ru_members
    share_P = np.full((B, C), -1, dtype=np.int64)
    ru_mask = np.zeros((B, C), dtype=np.int64)
    for i, c in enumerate(col):
        on = active[i]
        if pct[i] >= 0:
            share_P[:, c] = np.where(on, pct[i], share_P[:, c])
        if ru[i]:
            ru_mask[:, c] = np.where(on, ru[i], ru_mask[:, c])
    return share_P, ru_mask, ru_members


def _known_shares(share_P, has_share, rnd, n, m, valid, inv, v_known, backend):
    """Exact known shares: move a few ballots between ``valid`` and ``inv`` where a share
    is known, and the other way in a slack constituency of the same round, so every
    national total stays exact; the winner's votes into ``v_known``. Returns the three,
    changed in place. ``backend="numba"``: the same arrays from one compiled pass."""
    if backend == "numba":
        from malivote.reconstruct._block_numba import NEGATIVE, NO_SHARE, NO_SLACK, known_shares

        status = known_shares(share_P, rnd, n, m, valid, inv, v_known)
        if status == NO_SLACK:  # pragma: no cover - every shipped layout has one
            raise ValueError("internal: no slack constituency for the known shares")
        if status == NO_SHARE:
            raise ValueError("share_delta: could not match a known vote share")
        if status == NEGATIVE:
            raise ValueError("internal: negative invalid ballots after share adjustment")
        return valid, inv, v_known
    C = len(m)
    ever = has_share.any(0)
    for rd in (1, 2):
        cols = np.flatnonzero((has_share & (rnd == rd)).any(0))
        if cols.size == 0:
            continue
        # round-1 totals are national (every constituency votes in round 1); round-2
        # totals cover the runoff constituencies only
        ok = ~ever if rd == 1 else ~ever & (rnd == 2).all(axis=0)
        cand = np.flatnonzero(ok)
        if cand.size == 0:  # pragma: no cover - every shipped layout has one
            raise ValueError("internal: no slack constituency for the known shares")
        slack = cand[np.argmax(m[cand] * 1_000_000 + (C - cand))]
        # every known-share constituency of the round at once (each reads only its own
        # valid votes; the slack one, never among them, takes the sum of the changes)
        on = has_share[:, cols] & (rnd[:, cols] == rd)
        nl = n[:, cols] if rd == 1 else 2
        Pc = np.where(on, share_P[:, cols], 5500)
        d, v = share_delta(valid[:, cols, rd - 1], Pc, True, np.where(on, nl, 1))
        d = np.where(on, d, 0)
        valid[:, cols, rd - 1] += d
        inv[:, cols, rd - 1] -= d
        valid[:, slack, rd - 1] -= d.sum(1)
        inv[:, slack, rd - 1] += d.sum(1)
        v_known[:, cols] = np.where(on, v, v_known[:, cols])
    if (inv < 0).any():
        raise ValueError("internal: negative invalid ballots after share adjustment")
    return valid, inv, v_known


def sample_block(facts: Facts, rows, seats, rnd, active, geo_weight, priors, rng: np.random.Generator, B: int,
                 backend: str | None = None, out: dict | None = None) -> dict:
    """Votes, turnout and rosters of one block, given its outcomes.

    ``rows``: the fact rows (hard facts and provisional hints); ``active``
    ``(len(rows), B)``: whether each row's outcome holds in each draw (always, for a
    hard fact). ``backend``: ``"numpy"`` or ``"numba"`` (default:
    :func:`malivote.rules._backend.backend`) for the known shares, list members, women,
    slot order and rosters; both
    read the same random numbers and give identical arrays. ``out``: optional
    ``roster_party`` (filled with -1) and ``roster_female`` (False) arrays of the
    block's shape to write the rosters into, and ``turnout`` (any contents, every
    entry written).
    """
    if backend is None:
        from malivote.rules._backend import backend as _backend

        backend = _backend()
    lay = facts.layout
    m = lay.magnitude.astype(np.int64)
    C, K = len(m), n_slots(facts)
    pw, pt, pr = priors.winner_share, priors.turnout, priors.runoff

    if backend == "numba":
        from malivote.reconstruct._sample_numba import party_masks

        win_mask = party_masks(np.ascontiguousarray(seats, np.int64))
    else:
        win_mask = seat_masks(seats)
    runoff = rnd == 2
    # geographic log weight of each winning list, (B, C)
    gw = geo_weight
    tilt = np.exp(priors.geography.share_shift * np.minimum(gw, 3.0))

    # facts per draw and constituency
    share_P, ru_mask, ru_members = _row_facts(rows, active, B, C, backend)

    # ---- 2. number of lists. A runoff's round-2 winner share comes first: a landslide
    # runoff needs enough eliminated lists for a round 1 coherent with it
    s2_draw = 0.5 + 0.5 * _beta(rng, pw.round2_a * tilt, pw.round2_b, (B, C))
    s2_draw = np.where(runoff & (share_P >= 0), share_P / 10000.0, s2_draw)
    # (only runoff districts need eliminated lists; the others' s2 is never used, so
    # only the runoff entries are searched and capped)
    ro, s2_flat = np.flatnonzero(runoff), s2_draw.reshape(-1)
    k_need, s2_cap = _others_needed(s2_flat[ro], K - 2, pr, backend)
    s2_flat[ro] = np.minimum(s2_flat[ro], s2_cap)
    lb = np.full((B, C), 2, np.int64)
    lb.reshape(-1)[ro] += k_need
    sole = share_P == 10000
    lb = np.where(sole, 1, lb)
    ub = np.where(sole, 1, K)
    n = _sample_list_counts(facts, rng, lb, ub, m, runoff, win_mask, priors, backend)

    # ---- 3. turnout
    reg, cast, inv = _turnout(facts, rng, m, rnd, B, pt)
    valid = cast - inv  # (B, C, 2)

    # ---- 4. exact known shares: move a few ballots between valid and invalid here,
    # and the other way in a slack constituency of the same round, so every national
    # total stays exact.
    v_known = np.zeros((B, C), dtype=np.int64)
    has_share = share_P >= 0
    valid, inv, v_known = _known_shares(share_P, has_share, rnd, n, m, valid, inv, v_known, backend)

    # ---- 5-6. votes of both rounds per logical slot (slot 0 winner, slot 1 the other finalist / second list)
    first, second = _votes(rng, n, valid, runoff, has_share, v_known, s2_draw, tilt, K, pw, pr, backend)
    # ---- 7. list parties
    members, nmem, member_mask = _list_members(facts, rng, seats, win_mask, ru_mask, ru_members, n, m, K,
                                               priors.lists, backend)

    # ---- 8. women per list
    if facts.gender_law:  # (per constituency, then per live list)
        lo_c = np.where(m >= 3, (3 * m + 9) // 10, 0)
        hi_c = np.where(m >= 3, (7 * m) // 10, m)
    else:
        lo_c, hi_c = np.zeros_like(m), m
    # (the bounds in int8, as live: a list has at most 60 places, see _rosters)
    lo_c, hi_c = lo_c.astype(np.int8), hi_c.astype(np.int8)
    # the bounds of the winners (slot 0) and of the other lists (slots 1..K-1), each
    # built contiguous (no strided copies of (B, C, K) bounds)
    if backend == "numba":
        from malivote.reconstruct._block_numba import live_bounds

        live, lo0, hi0, lo1, hi1 = live_bounds(n, lo_c, hi_c, K)
    else:
        # (in int8, eight times narrower than int64: n <= K)
        live = np.arange(K, dtype=np.int8) < n.astype(np.int8)[..., None]
        lo0, hi0 = lo_c[None, :] * live[..., 0], hi_c[None, :] * live[..., 0]
        lo1, hi1 = lo_c[None, :, None] * live[..., 1:], hi_c[None, :, None] * live[..., 1:]
    live1 = live[..., 1:]
    women = np.empty((B, C, K), dtype=np.int64)  # (both parts written below)
    if facts.women_elected is not None:
        women[..., 0] = allocate_units(np.full(B, facts.women_elected), lo0, hi0, rng, backend=backend)
    else:
        p = rng.uniform(*priors.women.elected, (B, 1))
        women[..., 0] = np.clip(rng.binomial(m[None, :], p), lo0, hi0)
    if facts.women_candidates is not None:
        tot = facts.women_candidates - (facts.women_elected or 0)
        lo_l, hi_l = lo1.reshape(B, -1), hi1.reshape(B, -1)
        women[..., 1:] = allocate_units(np.full(B, tot), lo_l, hi_l, rng, backend=backend).reshape(B, C, K - 1)
    else:
        q = rng.uniform(*priors.women.candidates, B)
        # one binomial per losing list that exists, in (draw, constituency, slot) order
        draw_of = np.nonzero(live1)[0]
        others = np.zeros((B, C, K - 1), dtype=np.int64)
        mm = np.broadcast_to(m[None, :, None], (B, C, K - 1))
        others[live1] = np.clip(rng.binomial(mm[live1], q[draw_of]), lo1[live1], hi1[live1])
        women[..., 1:] = others

    # ---- 9. shuffle the list slots: the n lists of a constituency take slots 0..n-1
    # in the order of their keys (one per list, flat in (draw, constituency, slot) order)
    keys = rng.random(int(n.sum()))
    if backend == "numba":
        from malivote.reconstruct._sample_numba import shuffle_slots

        # (in place: first and second must not share memory)
        second = second.copy() if np.may_share_memory(first, second) else second
        perm, first, second, member_mask, women = shuffle_slots(keys, n, first, second, member_mask, women)
    else:
        slot_keys = np.full((B, C, K), np.inf)
        slot_keys[live] = keys
        # (the empty slots, all zeros, may land in any order among themselves)
        perm = np.argsort(slot_keys, axis=-1)
        take = lambda a: np.take_along_axis(a, perm, axis=-1)  # noqa: E731
        first, second, member_mask, women = take(first), take(second), take(member_mask), take(women)

    # ---- 10. rosters, built only for the lists that exist
    roster_party, roster_female = _rosters(rng, live, perm, m, women, members, nmem, seats, out, backend)

    # (every entry written: ``out["turnout"]`` may hold anything)
    turnout = out.get("turnout") if out else None
    turnout = np.empty((B, C, 2, 4), dtype=np.int64) if turnout is None else turnout
    if backend == "numba":
        from malivote.reconstruct._block_numba import turnout_table

        turnout_table(reg, cast, inv, valid, runoff, turnout)
    else:
        held = np.ones((B, C, 2), bool)
        held[..., 1] = runoff  # round 2: all 0 where none was held
        for j, a in enumerate((reg[..., None], cast, inv, valid)):  # (one strided pass each)
            np.multiply(a, held, out=turnout[..., j])
    return dict(
        first=first,
        second=second,
        members=member_mask,
        roster_party=roster_party,
        roster_female=roster_female,
        turnout=turnout,
    )


def _votes(rng, n, valid, runoff, has_share, v_known, s2_draw, tilt, K, pw, pr, backend="numpy"):
    """Round-1 and round-2 votes ``(B, C, K)`` per logical slot, given the list counts.

    Slot 0 is the winner, slot 1 the other finalist (or the second list); ``valid``
    ``(B, C, 2)``: valid votes of each round; ``v_known``: the winner's votes where a
    share is known (``has_share``); ``s2_draw``: the runoff winner's round-2 share.
    ``backend="numba"``: the same arrays from one compiled pass.

    A constituency's votes come from its own case only: decided in round 1 (the
    winner's share, then the other lists' split) or a runoff (both finalists' shares,
    then the eliminated lists' split); the other case is neither computed nor
    checked. The random numbers, in this order: ``u_win`` (B, C), the Dirichlet
    gammas ``g``, ``u_fin``, ``u_psi`` and ``u_shrink`` (B, C). ``g`` is flat: one
    Gamma(``others_alpha``) per list that takes a Dirichlet share, in (draw,
    constituency, slot) order: slots 1 to n - 1 of a constituency decided in round 1,
    2 to n - 1 of a runoff one (none past the lists that exist).
    """
    B, C = n.shape
    # every draw first, in the order the steps below use them: both backends read them
    lead = np.where(runoff, 2, 1)  # the lists before the Dirichlet split: the winner, a runoff's loser
    u_win = _beta(rng, pw.round1_a * tilt, pw.round1_b, (B, C))
    g = rng.gamma(pw.others_alpha, 1.0, int(np.maximum(n - lead, 0).sum()))
    u_fin = rng.beta(pr.finalists_a, pr.finalists_b, (B, C))
    u_psi = rng.beta(pr.transfer_a, pr.transfer_b, (B, C))
    u_shrink = rng.random((B, C))
    if backend == "numba":
        from malivote.reconstruct._votes_numba import params, votes
        from malivote.rounding import check_status

        first, second, worst = votes(n, valid, runoff, has_share, v_known, s2_draw,
                                     (u_win, g, u_fin, u_psi, u_shrink), params(pr), K)
        check_status(int(worst[0]))  # the roundings' errors, in the NumPy code's order
        check_status(int(worst[1]))
        if worst[2]:  # pragma: no cover
            raise ValueError("internal: could not separate the finalists from the third list")
        return first, second
    slot = np.arange(K)
    gam = np.zeros((B, C, K))
    gam[(slot >= lead[..., None]) & (slot < n[..., None])] = g  # (C order: the order of g)
    # each case on its own rows (flat draw-constituency indices)
    n, runoff, has_share, v_known = n.reshape(-1), runoff.reshape(-1), has_share.reshape(-1), v_known.reshape(-1)
    V1, V2 = valid[..., 0].reshape(-1), valid[..., 1].reshape(-1)
    gam = gam.reshape(-1, K)
    first = np.zeros((B * C, K), np.int64)
    second = np.zeros((B * C, K), np.int64)

    # decided in round 1: winner's share 0.5 + 0.5 Beta, the rest Dirichlet
    d = np.flatnonzero(~runoff)
    nd, V1d = n[d], V1[d]
    s_w = 0.5 + 0.5 * u_win.reshape(-1)[d]
    vw = np.maximum(np.floor(s_w * V1d).astype(np.int64), V1d // 2 + 1)
    vw = np.where(has_share[d], v_known[d], vw)
    vw = np.minimum(vw, V1d - (nd - 1))
    rest = apportion(V1d - vw - (nd - 1), gam[d])
    first[d] = np.where(slot == 0, vw[:, None], rest + 1) * (slot < nd[:, None])

    # runoff: round 2 first (the winner's share), then a round 1 coherent with it
    r = np.flatnonzero(runoff)
    nr, V1r, V2r = n[r], V1[r], V2[r]
    s2 = s2_draw.reshape(-1)[r]
    w2 = np.maximum(np.floor(s2 * V2r).astype(np.int64), V2r // 2 + 1)
    w2 = np.where(has_share[r], v_known[r], w2)
    w2 = np.minimum(w2, np.maximum(V2r - 1, 0))
    s2 = np.where(V2r > 0, w2 / np.maximum(V2r, 1), s2)
    s2 = np.clip(s2, 0.5, 0.999)
    k = np.maximum(nr - 2, 1)
    a_w, a_l, e = _finalists(s2, k, pr, u_fin.reshape(-1)[r], u_psi.reshape(-1)[r])
    # the other lists split e: Dirichlet, shrunk towards an even split by a random
    # amount only where one would come within `others_below` of a finalist
    live = slot < nr[:, None]
    others = live & (slot >= 2)
    g = gam[r]
    g_sum = np.cumsum(g, axis=-1)[..., -1]
    gn = g / np.maximum(g_sum, 1e-300)[..., None]
    cap = pr.others_below * np.minimum(a_w, a_l) / np.maximum(e, 1e-300)
    even = 1.0 / k
    top = gn.max(-1)
    lam_max = np.where(top > cap, (cap - even) / np.maximum(top - even, 1e-300), np.inf)
    lam = np.minimum(1.0, lam_max * (pr.shrink_low + (1.0 - pr.shrink_low) * u_shrink.reshape(-1)[r]))
    osh = (lam[..., None] * gn + ((1.0 - lam) * even)[..., None]) * others * e[..., None]
    sh = np.where(slot == 0, a_w[..., None], np.where(slot == 1, a_l[..., None], osh)) * live
    ro = apportion(V1r - nr, sh) + live
    for _ in range(200):
        fin_min = np.minimum(ro[:, 0], ro[:, 1])
        third = np.where(slot[2:] < nr[:, None], ro[:, 2:], 0)
        tmax = third.max(-1)
        bad = fin_min <= tmax
        if not bad.any():
            break
        # rounding left another list level with a finalist (small constituencies only):
        # move its excess to the weakest other list, which keeps both finalists' votes
        # (and so every transfer bound) intact; with one other list, move half the gap
        # to the weaker finalist
        j = third.argmax(-1) + 2
        f = np.where(ro[:, 0] <= ro[:, 1], 0, 1)
        i = np.flatnonzero(bad)
        fm, tm, jj = fin_min[i], tmax[i], j[i]
        rest = np.where((slot[2:] < nr[i, None]) & (slot[2:] != jj[:, None]), ro[i, 2:], np.iinfo(np.int64).max)
        kk = rest.argmin(-1) + 2
        need = tm - fm + 1
        spread = (rest.min(-1) + need <= fm - 1) & (nr[i] > 3)
        amt = np.where(spread, need, (tm - fm) // 2 + 1)
        dest = np.where(spread, kk, f[i])
        ro[i, jj] -= amt
        ro[i, dest] += amt
    else:  # pragma: no cover
        raise ValueError("internal: could not separate the finalists from the third list")
    first[r] = ro

    # ---- 6. round-2 votes
    second[r, 0] = w2
    second[r, 1] = V2r - w2
    return first.reshape(B, C, K), second.reshape(B, C, K)


def _rosters(rng, live, perm, m, women, members, nmem, seats, out, backend):
    """Each list's roster (party per place) and women, ``(B, C, K, M)``, in the shuffled slots.

    ``perm``: the logical slot of each shuffled slot; ``women``: women per shuffled
    slot; ``out``: optional arrays to write into (see :func:`sample_block`).

    One uniform integer per live list, ``rng.integers`` below the product of its
    radices, read as mixed-radix digits, the least significant first: a losing list's
    party at each place from its ``nm`` members on (radix ``nm``; the first ``nm``
    places hold the members once each, and the winner's places its seat split), the
    forward Fisher-Yates swaps that shuffle the places (radix ``m - i`` at step
    ``i``), then the rank of the women's places among the ``C(m, w)`` subsets,
    unranked place by place. (The digits go on to a second word where the product
    would pass ``2**62``: never below magnitude 14.) Integer arithmetic only, the same
    in the numba kernel, so both backends give identical arrays.
    """
    B, C, K = live.shape
    M = int(m.max())
    if M > 60:  # pragma: no cover - the shipped layouts have magnitudes up to 7
        raise ValueError(f"internal: rosters of {M} places (at most 60)")
    LIMIT = 1 << 62
    from math import comb, factorial

    # a list's radices multiply to base[m, w] = m! C(m, w), times power[nm, m - nm] =
    # nm**(m - nm) for a losing list (exact integers, 0 past LIMIT; and as floats)
    N = max(M, members.shape[-1]) + 1
    binom = np.array([[comb(a, b) for b in range(M + 1)] for a in range(M + 1)], np.int64)
    base = [[factorial(a) * comb(a, b) for b in range(N)] for a in range(N)]
    power = [[r**e for e in range(N)] for r in range(N)]
    base_f, power_f = np.array(base, float), np.array(power, float)
    base = np.array([[v if v <= LIMIT else 0 for v in row] for row in base], np.int64)
    power = np.array([[v if v <= LIMIT else 0 for v in row] for row in power], np.int64)
    out = out or {}
    roster_party = out.get("roster_party")
    roster_party = np.full((B, C, K, M), -1, dtype=np.int16) if roster_party is None else roster_party
    roster_female = out.get("roster_female")
    roster_female = np.zeros((B, C, K, M), dtype=bool) if roster_female is None else roster_female

    def lists():
        """The live lists, in (draw, constituency, shuffled slot) order, and their radices."""
        counts = live.sum(-1).ravel()  # the live lists of each (draw, constituency)
        flat = np.flatnonzero(live)
        bc = np.repeat(np.arange(B * C), counts)
        k_i = perm.reshape(-1)[flat]  # the list's logical slot (0 = the winner)
        c_i = np.repeat(np.tile(np.arange(C), B), counts)
        lk = bc * K + k_i
        mi = m[c_i]
        nm = nmem.reshape(-1)[lk]
        win = k_i == 0
        w = np.minimum(np.maximum(women.reshape(-1)[flat], 0), mi)
        r_pick = np.where(win, 1, np.maximum(nm, 1))  # the radix of a drawn party
        n_pick = np.where(win, 0, np.maximum(mi - nm, 0))  # the places with a drawn party
        return {"flat": flat, "bc": bc, "lk": lk, "mi": mi, "nm": nm, "win": win, "w": w, "r_pick": r_pick,
                "n_pick": n_pick, "r_women": binom[mi, w]}

    def radices(ls):
        """Each digit's radix per list, in the order they are read (1: no digit)."""
        mi, nm = ls["mi"], ls["nm"]
        for p in range(M):
            yield np.where((nm <= p) & (p < mi), ls["r_pick"], 1)
        for i in range(M - 1):
            yield np.maximum(mi - i, 1)
        yield ls["r_women"]

    def draw_words(ls):
        """``(L, R)`` words: a new one wherever the product of the radices would pass LIMIT."""
        ib, ip = ls["mi"] * N + ls["w"], ls["r_pick"] * N + ls["n_pick"]
        if (base_f.reshape(-1)[ib] * power_f.reshape(-1)[ip] < 2.0**60).all():
            return rng.integers(0, base.reshape(-1)[ib] * power.reshape(-1)[ip])[:, None]  # one word each
        L = len(ib)
        highs = np.ones((L, 2 * M), np.int64)
        wi, prod = np.zeros(L, np.int64), np.ones(L, np.int64)
        for r in radices(ls):
            sw = prod > LIMIT // r
            highs[np.flatnonzero(sw), wi[sw]] = prod[sw]
            wi, prod = wi + sw, np.where(sw, 1, prod) * r
        highs[np.arange(L), wi] = prod
        return rng.integers(0, highs[:, : wi.max(initial=0) + 1])

    if backend == "numba":
        from malivote.reconstruct._rosters_numba import fill_rosters, list_highs

        start, high, ok = list_highs(live, perm, m, women, nmem, base, base_f, power, power_f)
        words = rng.integers(0, high)[:, None] if ok else draw_words(lists())
        fill_rosters(roster_party, roster_female, live, perm, members, nmem, women, seats, m, start, words, binom)
        return roster_party, roster_female

    ls = lists()
    words = draw_words(ls)
    L, R = words.shape
    mi, nm, lk, win = ls["mi"], ls["nm"], ls["lk"], ls["win"]
    x = words[:, 0].copy()
    wi, prod = np.zeros(L, np.int64), np.ones(L, np.int64)
    digits = radices(ls)

    def digit():
        nonlocal x, wi, prod
        r = next(digits)
        if R > 1:
            sw = prod > LIMIT // r
            wi, prod = wi + sw, np.where(sw, 1, prod) * r
            x = np.where(sw, words[np.arange(L), wi], x)
        q = x // r
        d = x - q * r
        x = q
        return d

    # the party of each place, before the shuffle (-1 past the magnitude)
    S = members.shape[-1]
    mem, row = members.reshape(-1), lk * S
    roster = np.empty((L, M), np.int16)
    for p in range(M):
        pick = np.where(p < nm, p, digit())
        roster[:, p] = np.where(p < mi, mem[row + pick], -1)  # (pick < max(nm, 1) <= S)
    # the winners' seat splits, parties in index order (P past the split)
    won = np.flatnonzero(win)
    split = seats.reshape(B * C, -1)[ls["bc"][won]]
    P = split.shape[-1]
    filled = split.sum(-1)
    parties = np.append(np.repeat(np.tile(np.arange(P), len(won)), split.ravel()), P)
    first = np.cumsum(filled) - filled
    m_won = mi[won]
    for p in range(M):
        got = parties[np.minimum(first + p, len(parties) - 1)]
        roster[won, p] = np.where(p < np.minimum(filled, m_won), got, np.where(p < m_won, P, -1))
    # forward Fisher-Yates: place i swaps with a place in [i, m)
    flat_r = roster.reshape(-1)
    base = np.arange(L) * M
    for i in range(M - 1):
        other = base + i + digit()
        a = roster[:, i].copy()
        roster[:, i] = flat_r[other]
        flat_r[other] = a
    # the women: the rank of their places among the C(m, w) subsets, place by place
    rank = digit()
    female = np.zeros((L, M), dtype=bool)
    # cut[M + m - p, r] = C(m - p - 1, r - 1), the subsets with a woman at place p when
    # r are left to place (0 past the magnitude or with none left)
    cut_tab = np.zeros((2 * M + 1, M + 1), np.int64)
    cut_tab[M + 1 :, 1:] = binom[:M, :M]
    cut_tab = cut_tab.reshape(-1)
    at = mi * (M + 1) + ls["w"]
    for p in range(M):
        cut = cut_tab[at + (M - p) * (M + 1)]
        female[:, p] = f = rank < cut
        at = at - f
        rank = rank - cut * ~f
    if roster_party.flags.c_contiguous and roster_female.flags.c_contiguous:
        roster_party.reshape(-1, M)[ls["flat"]] = roster
        roster_female.reshape(-1, M)[ls["flat"]] = female
    else:
        idx = np.unravel_index(ls["flat"], (B, C, K))
        roster_party[idx] = roster
        roster_female[idx] = female
    return roster_party, roster_female


# ------------------------------------------------------------- sub-samplers


def _sample_list_counts(facts, rng, lb, ub, m, runoff, win_mask, priors, backend="numpy"):
    """Lists per constituency ``(B, C)`` in ``[lb, ub]`` matching the national list or
    candidate count: :func:`select_units` on weighted random keys (``backend="numba"``:
    the same counts from compiled key buckets and quickselects, with no full sort),
    drawn again for the draws whose counts leave the women counts infeasible."""
    B, C = lb.shape
    K = int(ub.max())
    cap = ub - lb
    U = K
    if facts.candidates is not None:
        costc = m
        R = facts.candidates - (lb * m).sum(axis=1)
    elif facts.lists is not None:
        costc = np.ones(C, dtype=np.int64)
        R = facts.lists - lb.sum(axis=1)
    else:  # pragma: no cover - every shipped year has one of the counts
        raise ValueError(f"{facts.year}: neither a list nor a candidate count is known")
    if (R < 0).any():
        raise ValueError(f"{facts.year}: the list/candidate count is below the minimum number of lists")
    if backend == "numba":
        from malivote.reconstruct._sample_numba import list_counts

        costc = np.ascontiguousarray(costc, np.int64)
    else:
        cost = np.broadcast_to(costc[None, :, None], (B, C, U))
    women_lo = _women_floor(facts, m)
    sqrt_m = np.sqrt(m)
    todo = np.ones(B, dtype=bool)
    n = lb.copy()
    for _ in range(50):
        rows = np.flatnonzero(todo)
        if rows.size == 0:
            break
        # (every draw at first: the whole arrays, not copies of all their rows)
        every = rows.size == B
        w = sqrt_m[None, :] * rng.lognormal(0.0, priors.lists.count_sigma, (rows.size, C))
        keys = rng.random((rows.size, C, U))
        # (in place: the keys -np.log(u) / w as np.log(u) / -w, the sign moved to the
        # divisor, which IEEE 754 division rounds alike)
        np.log(keys, out=keys)
        np.negative(w, out=w)
        lb_rows = lb if every else lb[rows]
        if backend == "numba":
            # (the kernel divides, for the units that exist only)
            cnt, good = list_counts(keys, w, np.ascontiguousarray(cap if every else cap[rows], np.int64), costc,
                                    np.ascontiguousarray(R if every else R[rows], np.int64))
            if not good.all():
                raise ValueError("select_units: not enough single-seat constituencies to match the count")
            n_rows = lb_rows + cnt
        else:
            keys /= w[..., None]
            unit_ok = np.arange(U) < cap[rows, :, None]
            keys = np.where(unit_ok, keys, np.inf).reshape(rows.size, -1)
            c_cost = np.where(unit_ok, cost[rows], 10**6).reshape(rows.size, -1)
            sel = select_units(c_cost, keys, R[rows]).reshape(rows.size, C, U)
            n_rows = lb_rows + sel.sum(-1)
        n[rows] = n_rows
        if women_lo is not None:
            todo[rows] = ~_women_feasible(facts, n_rows, women_lo)
        else:
            todo[rows] = False
    if todo.any():
        raise ValueError(
            f"{facts.year}: could not draw list counts compatible with the women counts "
            f"(runoff districts need at least {int(lb.max())} lists for the round-2 shares drawn; "
            "a lower reconstruction.winner_share.round2_a allows fewer)")
    return n


def _women_floor(facts, m):
    """The fewest women of a list per constituency ``(C,)`` under the gender law, where
    the women candidates are counted (``None`` where no list count can break them)."""
    if facts.women_candidates is None or not facts.gender_law:
        return None
    return np.where(m >= 3, (3 * m + 9) // 10, 0)


def _women_feasible(facts, n, lo):
    """Per draw, whether the list counts ``n (rows, C)`` leave the losing lists at least
    their ``lo`` (:func:`_women_floor`) women each among the women candidates."""
    losers = facts.women_candidates - facts.women_elected
    return ((n - 1) * lo).sum(1) <= losers


def _turnout(facts, rng, m, rnd, B, pt):
    lay = facts.layout
    C = len(m)
    runoff = rnd == 2
    n1, n2 = facts.national
    # registered voters: same roll in both rounds
    reg = np.full((B, C), -1, dtype=np.int64)
    for d, v in facts.registered_known.items():
        parts = np.flatnonzero(lay.district == d)
        w = m[parts][None, :] * rng.lognormal(0, pt.registered_known_sigma, (B, len(parts)))
        reg[:, parts] = apportion(np.full(B, v), w)
    fixed = reg >= 0
    noise = rng.lognormal(0.0, pt.registered_sigma, (B, C))
    groups = []
    if n1["registered"] is not None and n2["registered"] is not None:
        groups = [(runoff, n2["registered"]), (~runoff, n1["registered"] - n2["registered"])]
        per_seat = n1["registered"] / lay.total_seats
    elif n2["registered"] is not None:
        groups = [(runoff, n2["registered"])]
        per_seat = n2["registered"] / max(1, (m * runoff[0]).sum())
    elif n1["registered"] is not None:
        groups = [(np.ones((B, C), bool), n1["registered"])]
        per_seat = n1["registered"] / lay.total_seats
    else:  # pragma: no cover
        raise ValueError(f"{facts.year}: no national count of registered voters")
    free = ~fixed
    covered = np.zeros((B, C), bool)
    weight = m * noise
    for mask, total in groups:
        drawn = mask & free
        # (the known rolls, where any, come off the total)
        rest = total - np.where(mask & fixed, reg, 0).sum(1) if facts.registered_known else np.full(B, total)
        reg = np.where(drawn, apportion(rest, np.where(drawn, weight, 0.0)), reg)
        covered |= mask
    leftover = free & ~covered
    if leftover.any():  # (no national count covers them)
        reg = np.where(leftover, np.rint(m * per_seat * noise).astype(np.int64), reg)

    # turnout rates
    rate1 = rng.lognormal(0.0, pt.turnout_sigma, (B, C))
    np.clip(rate1, *pt.turnout_clip, out=rate1)
    ratio = rng.lognormal(0.0, pt.round2_sigma, (B, C))
    rate2 = rate1 * np.clip(ratio, *pt.round2_clip, out=ratio)
    cast = np.zeros((B, C, 2), dtype=np.int64)
    inv = np.zeros((B, C, 2), dtype=np.int64)
    for rd, nat in ((1, n1), (2, n2)):
        rate = rate1 if rd == 1 else rate2
        # zeros outside the round's constituencies (round 1: every one, nothing to mask)
        held = (lambda a: a) if rd == 1 else (lambda a: np.where(runoff, a, 0))
        total = nat["votes_cast"]
        if total is None and nat["turnout_pct"] is not None:
            R = held(reg).sum(1)
            Pp = int(round(nat["turnout_pct"] * 100))
            # |100 T / R - pct| < 0.005  <=>  |20000 T - 2 P R| < R
            lo = (2 * Pp * R - R) // 20000 + 1
            hi = -((-(2 * Pp * R + R)) // 20000) - 1
            total = rng.integers(lo, hi + 1)
        if total is not None:
            c = apportion(np.broadcast_to(total, (B,)), held(reg * rate))
        else:
            # 2007, round 2: turnout estimated at 12% in Bamako and 33% elsewhere (seed 003)
            base = np.where(np.array(facts.layout.region) == "Bamako", *pt.round2_2007)
            c = held(np.rint(reg * base * rate)).astype(np.int64)
        if (c > reg).any():
            raise ValueError("internal: more ballots than registered voters")
        cast[..., rd - 1] = c
        q = np.clip(pt.invalid_mean * rng.lognormal(0.0, pt.invalid_sigma, (B, C)), *pt.invalid_clip)
        if nat["invalid"] is not None:
            iv = apportion(np.full(B, nat["invalid"]), held(c * q))
        else:
            iv = np.rint(c * q).astype(np.int64)
        inv[..., rd - 1] = np.minimum(iv, np.maximum(c - 100, 0))
        if nat["invalid"] is not None and (inv[..., rd - 1].sum(1) != nat["invalid"]).any():
            raise ValueError("internal: invalid ballots exceed a constituency's ballots")
    return reg, cast, inv


@lru_cache(maxsize=16)
def _list_size_probs(size_probs):
    """The list-size probabilities (a list has 1, 2, ... parties) as an array, and their
    cumulative sums below 1 (the last left out), normalised; read-only, shared."""
    sp = np.asarray(size_probs, float)
    cum_probs = (np.cumsum(sp) / sp.sum())[:-1]
    sp.flags.writeable = cum_probs.flags.writeable = False
    return sp, cum_probs


def _list_members(facts, rng, seats, win_mask, ru_mask, ru_members, n, m, K, pl, backend="numpy"):
    """Party indices of each list's members, (B, C, K, S) int8 with -1 padding, counts, masks.

    The random numbers, in this order: the parties' order keys ``(B, C, P)``; one
    uniform per drawn losing list (its size), flat in (draw, constituency, slot) order:
    slots 1 to n - 1, less slot 1 where the runner-up is known; then, where the
    repeatable parties exist, one integer per drawn list left without a party (the
    parties ran out), in the same order, to pick the repeatable party it takes.
    """
    B, C, P = seats.shape
    Smax = int(m.max())  # a list has at most as many parties as candidates
    members = np.full((B, C, K, Smax), -1, dtype=np.int8)
    known_ru = ru_mask > 0
    if ru_members:  # (the known runners-up's constituencies at once)
        cols = list(ru_members)
        ru_parties = np.full((len(cols), Smax), -1, dtype=np.int8)
        for i, (mem, _) in enumerate(ru_members.values()):
            ru_parties[i, : len(mem)] = mem
        on = np.stack([on for _, on in ru_members.values()], axis=1)
        members[:, cols, 1, :] = np.where(on[..., None], ru_parties, np.int8(-1))
    # the losing lists: disjoint chunks of a weighted random order of the other parties
    rep = np.zeros(P, dtype=bool)
    rep[list(facts.repeatable)] = True
    w = facts.final_totals.clip(0) + pl.party_weight_offset
    lw = rng.random((B, C, P))
    np.log(lw, out=lw)  # (in place: the same values as np.log(u) / w)
    # (one contiguous divisor per draw, the weights repeated per constituency: a long
    # inner loop for NumPy instead of B * C short ones; the same quotients)
    np.divide(lw.reshape(B, C * P), np.tile(w, C), out=lw.reshape(B, C * P))
    sp, cum_probs = _list_size_probs(tuple(pl.size_probs))
    u_size = rng.random(int(np.maximum(n - 1, 0).sum() - (known_ru & (n > 1)).sum()))
    reps = np.array(facts.repeatable, dtype=np.int8)
    if backend == "numba":
        from malivote.reconstruct._sample_numba import fill_members

        nmem, mask, empty = fill_members(members, seats, lw, np.ascontiguousarray(win_mask | ru_mask, np.int64), rep,
                                         u_size, cum_probs, n, known_ru, m, sp.size)
        if reps.size and empty.size:
            # the lists the parties ran out for take a repeatable one (OTHER, IND): one
            # member each, as the NumPy code counts it
            fill = reps[rng.integers(len(reps), size=empty.size)]
            members.reshape(-1, Smax)[empty, 0] = fill
            nmem.reshape(-1)[empty] = 1
            mask.reshape(-1)[empty] = np.int64(1) << fill.astype(np.int64)
        return members, nmem, mask
    taken = ((win_mask | ru_mask)[..., None] >> np.arange(P, dtype=np.int64)) & 1 == 1  # (B, C, P)
    usable = ~taken & ~rep[None, None, :]
    keys = np.where(usable, lw, -np.inf)
    n_avail = usable.sum(-1)
    # winners: their parties in index order
    order = np.argsort(seats <= 0, axis=-1, kind="stable")[..., :Smax]
    got = np.take_along_axis(seats, order, axis=-1) > 0
    members[:, :, 0, :] = np.where(got, order, -1)
    porder = np.argsort(-keys, axis=-1)
    slot = np.arange(K)
    sampled = (slot >= 1) & (slot < n[..., None])
    sampled &= ~((slot == 1) & known_ru[..., None])
    u = np.zeros((B, C, K))
    u[sampled] = u_size  # (C order: the order of u_size)
    # 1 + the number of cumulative probabilities below u
    size = np.ones((B, C, K), np.int64)
    for cp in cum_probs:  # (np.searchsorted(cum_probs, u, side="left"), one probability at a time)
        size += u > cp
    size = np.minimum(size, m[None, :, None])
    size = size * sampled
    start = np.cumsum(size, axis=-1) - size
    # the list's places in the party order, place by place (a losing list has at most
    # sp.size parties)
    pk = porder.astype(np.int8).reshape(-1)
    row = (np.arange(B * C) * P).reshape(B, C, 1)
    for j in range(min(Smax, sp.size)):
        idx = start + j
        ok = (j < size) & (idx < n_avail[..., None])
        members[..., j] = np.where(ok, pk[row + np.minimum(idx, P - 1)], members[..., j])
    if reps.size:
        empty = np.flatnonzero(sampled & (members[..., 0] < 0))
        if empty.size:
            members.reshape(-1, Smax)[empty, 0] = reps[rng.integers(len(reps), size=empty.size)]
    bit_of = np.concatenate([[0], np.int64(1) << np.arange(P, dtype=np.int64)])  # index: party + 1
    nmem = np.zeros((B, C, K), np.int64)
    mask = np.zeros((B, C, K), np.int64)
    for pos in range(Smax):  # (place by place: small temporaries)
        mj = members[..., pos]
        nmem += mj >= 0
        mask += bit_of[mj.astype(np.intp) + 1]
    return members, nmem, mask
