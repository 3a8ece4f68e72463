"""A Metropolis-Hastings chain over outcomes that keeps every hard fact.

State of one draw: the seats of each party on each constituency's winning list
``(C, P)`` and each constituency's deciding round ``(C,)``. Each chain starts from
one of the integer programme's solutions and records ``draws_per_chain`` draws: after
``sweeps`` sweeps (its burn-in), then every ``thin`` sweeps. A sweep pairs the
constituencies at random (a Fisher-Yates shuffle, :func:`pairing`) and proposes, on
each pair ``(c, d)``, from one uniform ``u`` per pair (:func:`draw_randoms`):

- a **seat swap** (probability ``1 - list_move``): one seat of ``c`` (party ``p``,
  a seat drawn uniformly) and one of ``d`` (party ``q``) change places (the two seats
  from ``u`` rescaled, :func:`seat_pair`). Party totals
  hold; where the round-1 totals per party are facts, only pairs decided in the same
  round qualify. It moves a seat between members of joint lists, adds a party to a
  list or removes one;
- a **list swap** (probability ``list_move``): the whole winning lists of two
  constituencies of equal magnitude change places, with their rounds;
- where no round-1 totals per party are known, half the list swaps swap the rounds
  only.

A proposal that breaks a hard fact (a fixed round, a known list or seat split, a
reversed winner) is refused. The pairs of a sweep are disjoint and the target
factorises over constituencies, so they are accepted or refused in parallel. The
log target of a constituency is

    geographic log weight of its winning list (:mod:`~malivote.reconstruct.geography`:
    the mean of its parties' weights, or the weight of their summed wins)
    + log list_size_weights[number of parties]
    + log hint_odds (where a provisional result holds)

Two backends give **identical** results: a NumPy one, vectorised over draws and
pairs (a Python loop over sweeps only), and a numba one (``malivote[fast]``, chosen
by :func:`malivote.rules._backend.backend`), one compiled loop per chain, chains in
parallel. Both read every random number from the same pre-drawn arrays (and shuffle with the
same float products), and every
floating-point value they compare comes from the same tables (geographic weights
per district and summed win count, log list-size weights, ``log k`` for the
Hastings ratio, ``log u``), added in the same order, so no rounding can differ.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Target", "run_chain", "row_holds", "draw_randoms", "pairing", "seat_pair", "seat_masks"]


def seat_masks(seats):
    """The party set of each list with seats ``(..., P)``, as a bit mask (bit ``p`` for
    party ``p``) ``(...)``: a matrix product, with no ``(..., P)`` int64 temporary."""
    return (np.asarray(seats) > 0) @ (np.int64(1) << np.arange(np.shape(seats)[-1], dtype=np.int64))


class Target:
    """Per-constituency constraints and weights, as arrays."""

    def __init__(self, facts, hard_rows, hint_rows, geo, priors):
        """``geo``: ``(theta, d, rc, nreg)`` (see :mod:`~malivote.reconstruct.geography`), or None."""
        C, P = facts.layout.n_constituencies, facts.n_parties
        self.m = facts.layout.magnitude.astype(np.int64)
        self.req = np.zeros(C, np.int64)
        self.exact = np.zeros(C, bool)
        self.notmask = np.full(C, -1, np.int64)
        self.split = np.full((C, P), -1, np.int64)
        self.round_fixed = np.zeros(C, np.int64)
        for r in hard_rows:
            c = r.constituency
            if r.round:
                self.round_fixed[c] = r.round
            if r.members:
                self.req[c] |= r.mask()
                self.exact[c] |= r.complete
            if r.not_members:
                self.notmask[c] = sum(1 << p for p in r.not_members)
            for p, s in r.split.items():
                self.split[c, p] = s
        self.h_on = np.zeros(C, bool)
        self.h_req = np.zeros(C, np.int64)
        self.h_exact = np.zeros(C, bool)
        self.h_round = np.zeros(C, np.int64)
        self.h_split = np.full((C, P), -1, np.int64)
        for r in hint_rows:
            c = r.constituency
            if self.h_on[c]:
                continue
            self.h_on[c] = True
            self.h_req[c] = r.mask()
            self.h_exact[c] = bool(r.members) and r.complete
            self.h_round[c] = r.round
            for p, s in r.split.items():
                self.h_split[c, p] = s
        self.log_hint = float(np.log(priors.outcome.hint_odds))
        w = np.asarray(priors.outcome.list_size_weights, float)
        ls = np.log(np.concatenate([[1.0], w / w.sum()]))  # index = number of parties
        # per constituency: minus log of the number of seat splits of its magnitude among
        # k parties, C(m - 1, k - 1), so that a party set's weight does not grow with them
        from math import comb

        kk = np.arange(ls.size)
        kmax = max(int(self.m.max()), ls.size - 1)
        self.log_size = np.array([[ls[min(k, ls.size - 1)] - np.log(max(comb(int(mc) - 1, k - 1), 1)) if k >= 1 else 0.0
                                   for k in range(kmax + 1)] for mc in self.m]) if priors.outcome.per_set else \
            np.ascontiguousarray(np.broadcast_to(ls[np.minimum(np.arange(kmax + 1), ls.size - 1)], (len(self.m), kmax + 1)))
        del kk
        # geography: integer win counts, and the weight of each summed count as a table
        if geo is None:
            theta, d, rc, nreg = (0.0, 0.0), np.zeros((C, P), np.int64), np.zeros((C, P), np.int64), np.ones(C, np.int64)
            form = "sum"
        else:
            theta, d, rc, nreg, form = geo
        self.theta = tuple(float(t) for t in theta)
        # "mean": a list's weight is the mean of its parties' weights W (added in party
        # order on both backends, so the sums are the same floating-point numbers)
        self.mean_form = form == "mean"
        from malivote.reconstruct.geography import party_weights

        self.W = np.ascontiguousarray(party_weights(self.theta, d, rc, nreg), np.float64)
        self.d = np.ascontiguousarray(d, np.int64)
        self.rc = np.ascontiguousarray(rc, np.int64)
        kd = np.arange(int(self.d.sum(1).max()) + 1)
        kr = np.arange(int(self.rc.sum(1).max()) + 1)
        self.TD = np.ascontiguousarray(np.broadcast_to(self.theta[0] * np.log1p(kd), (C, kd.size)))
        self.TR = np.ascontiguousarray(self.theta[1] * np.log1p(kr[None, :] / nreg[:, None]))
        M = int(self.m.max())
        self.log_int = np.log(np.maximum(np.arange((M + 1) ** 2 + 1), 1).astype(float))
        self.split_rounds = facts.round1 is not None
        self.list_move = priors.outcome.list_move

    def fixed_parties(self):
        """``(split_p, split_n, h_split_p, h_split_n)`` of :func:`_fixed_parties` (made once)."""
        if getattr(self, "_fixed", None) is None:
            self._fixed = _fixed_parties(self.split) + _fixed_parties(self.h_split)
        return self._fixed

    def _geo(self, c, mem):
        """Geographic log weight of lists with members ``mem (..., P)`` at ``c``."""
        if self.mean_form:
            # sequential, in party order (a cumulative sum's last entry, without its
            # (..., P) array)
            terms = self.W[c] * mem
            total = terms[..., 0].copy()
            for p in range(1, terms.shape[-1]):
                total += terms[..., p]
            return total / np.maximum(mem.sum(-1), 1)
        return self.TD[c, np.einsum("...p,...p->...", self.d[c], mem)] + \
            self.TR[c, np.einsum("...p,...p->...", self.rc[c], mem)]

    def geo_weight(self, seats):
        """Geographic log weight of the winning lists ``seats`` ``(..., C, P)`` (compiled
        for ``(B, C, P)`` on the numba backend)."""
        from malivote.rules._backend import backend

        if backend() == "numba" and seats.ndim == 3:
            from malivote.reconstruct._chain_numba import geo_weights

            return geo_weights(np.ascontiguousarray(seats, np.int64), self.d, self.rc, self.TD, self.TR,
                               self.mean_form, self.W)
        return self._geo(np.arange(len(self.m)), seats > 0)

    def size_log(self, c, k):
        return self.log_size[c, np.minimum(k, self.log_size.shape[1] - 1)]

    def mask_of(self, s):
        return seat_masks(s)

    def logf(self, c, s, rnd):
        """Log target of constituencies ``c`` (any shape) with seats ``s`` (..., P)."""
        mem = s > 0
        out = self._geo(c, mem)
        out = out + self.size_log(c, mem.sum(-1))
        if self.h_on.any():
            out = out + np.where(self.hint_holds(c, s, rnd), self.log_hint, 0.0)
        return out

    def hint_holds(self, c, s, rnd):
        mk = self.mask_of(s)
        req = self.h_req[c]
        ok = self.h_on[c] & (rnd == self.h_round[c])
        ok &= np.where(self.h_exact[c], mk == req, (mk & req) == req)
        sp = self.h_split[c]
        ok &= ((sp < 0) | (s == sp)).all(-1)
        return ok

    def valid(self, c, s, rnd):
        mk = self.mask_of(s)
        req = self.req[c]
        ok = (mk & req) == req
        ok &= ~self.exact[c] | (mk == req)
        ok &= mk != self.notmask[c]
        sp = self.split[c]
        ok &= ((sp < 0) | (s == sp)).all(-1)
        rf = self.round_fixed[c]
        ok &= (rf == 0) | (rnd == rf)
        return ok


def draw_randoms(rng, B, C, sweeps, n_start):
    """The random numbers of one block's chains (drawn first from the block's stream).

    ``start (B,)``: each chain's starting outcome;
    ``shuffle (B, sweeps, C - 1)``: per sweep, the uniforms of a Fisher-Yates shuffle
    of the constituencies (:func:`pairing`), paired off two by two;
    ``move (B, sweeps, C // 2)``: per pair, one uniform ``u`` for the move: a list swap
    where ``u < list_move`` (of the rounds only where ``u < list_move / 2`` and the
    round-1 totals per party are unknown), else a seat swap whose two seats come from
    ``(u - list_move) / (1 - list_move)`` (:func:`seat_pair`);
    ``logu (B, sweeps, C // 2)``: per pair, ``log u`` of the acceptance test.
    Every uniform drawn is read (the acceptance's where the proposal keeps the facts).
    """
    H = C // 2
    start = rng.integers(n_start, size=B)
    shuffle = rng.random((B, sweeps, max(C - 1, 0)))
    move = rng.random((B, sweeps, H))
    logu = rng.random((B, sweeps, H))
    np.log(np.maximum(logu, 1e-300, out=logu), out=logu)
    return dict(start=start, shuffle=shuffle, move=move, logu=logu)


def pairing(shuffle):
    """The constituency orders ``(..., C)`` of the uniforms ``shuffle (..., C - 1)``.

    A Fisher-Yates shuffle of ``0 .. C-1`` per row: step ``k`` swaps position
    ``i = C - 1 - k`` with ``min(floor(shuffle[k] * (i + 1)), i)``. The compiled chain
    does the same steps per sweep (the same float products, so the same orders).
    """
    lead = shuffle.shape[:-1]
    C = shuffle.shape[-1] + 1
    u = shuffle.reshape(-1, C - 1)
    n = u.shape[0]
    order = np.broadcast_to(np.arange(C, dtype=np.int64), (n, C)).copy()
    rows = np.arange(n)
    for k in range(C - 1):
        i = C - 1 - k
        j = np.minimum(np.floor(u[:, k] * (i + 1)).astype(np.int64), i)
        a = order[:, i].copy()
        order[:, i] = order[rows, j]
        order[rows, j] = a
    return order.reshape(lead + (C,))


def seat_pair(v, mA, mB):
    """The seats ``(kA, kB)`` of a seat swap from the uniform ``v`` (the rescaled move
    uniform): ``k = min(floor(v * mA * mB), mA * mB - 1)``, ``kA = k // mB``, ``kB = k % mB``."""
    n = mA * mB
    k = np.minimum(np.floor(v * n).astype(np.int64), n - 1)
    return k // mB, k % mB


def run_chain(target: Target, start_seats, start_rnd, rand, stats=None, backend=None, burn=None, thin=1,
              records=1, out=None):
    """Run the chains at once; returns ``(seats (N * records, C, P), rnd (N * records, C))``.

    Chain ``b`` (``N`` of them, one per row of ``rand``) records ``records`` draws,
    after ``burn`` sweeps (default: all of ``rand``'s sweeps) and then every ``thin``
    sweeps; draw ``b * records + r`` is chain ``b``'s ``r``-th record. ``rand`` must
    hold ``burn + (records - 1) * thin`` sweeps. ``backend``: ``"numpy"`` or
    ``"numba"`` (default: :func:`malivote.rules._backend.backend`; ``stats`` always
    uses NumPy). Both give identical arrays. ``out``: optional ``(seats, rnd)`` arrays
    ``(N * records, C, P)`` and ``(N * records, C)``, C-contiguous int64, written and
    returned (so that blocks can fill one array without a copy).
    """
    sweeps = rand["move"].shape[1]
    burn = sweeps if burn is None else int(burn)
    if burn + (records - 1) * thin != sweeps:
        raise ValueError(f"internal: {sweeps} sweeps drawn for burn {burn}, {records} records, thin {thin}")
    seats = start_seats[rand["start"]].astype(np.int64)
    rnd = start_rnd[rand["start"]].astype(np.int64)
    N, C, P = seats.shape
    if out is None:
        out = np.empty((N * records, C, P), np.int64), np.empty((N * records, C), np.int64)
    for a, shape in zip(out, ((N * records, C, P), (N * records, C))):
        if a.shape != shape or a.dtype != np.int64 or not a.flags.c_contiguous:
            raise ValueError(f"internal: out arrays must be C-contiguous int64 of shape {shape}")
    out_seats = out[0].reshape(N, records, C, P)
    out_rnd = out[1].reshape(N, records, C)
    if backend is None:
        from malivote.rules._backend import backend as _backend

        backend = _backend()
    if backend == "numba" and stats is None:
        from malivote.reconstruct._chain_numba import chain

        t = target
        # the compiled loop finds a list's parties and seats from its bit mask
        if P > 64:
            raise ValueError(f"internal: {P} parties, more than the 64 of a bit mask")
        if not (seats.sum(-1) == t.m).all():
            raise ValueError("internal: a starting list's seats do not sum to its constituency's magnitude")
        split_p, split_n, h_split_p, h_split_n = t.fixed_parties()
        chain(seats, rnd, rand["shuffle"], rand["move"], rand["logu"],
              t.m, t.req, t.exact, t.notmask, t.split, split_p, split_n, t.round_fixed,
              t.h_on, t.h_req, t.h_exact, t.h_round, t.h_split, h_split_p, h_split_n, t.log_hint,
              t.log_size, t.d, t.rc, t.TD, t.TR, t.mean_form, t.W, t.log_int, t.split_rounds, t.list_move, t.list_move * 0.5, 1.0 - t.list_move,
              burn, int(thin), out_seats, out_rnd)
    else:
        _run_numpy(target, seats, rnd, rand, stats, burn, int(thin), out_seats, out_rnd)
    return out


def _fixed_parties(split):
    """Per constituency, the parties whose seats ``split (C, P)`` fixes (``>= 0``), in
    party order: ``(parties (C, K), counts (C,))``."""
    fixed = split >= 0
    n = fixed.sum(-1).astype(np.int64)
    parties = np.zeros((split.shape[0], max(int(n.max(initial=0)), 1)), np.int64)
    for c in np.flatnonzero(n):
        parties[c, : n[c]] = np.flatnonzero(fixed[c])
    return parties, n


def _run_numpy(target, seats, rnd, rand, stats, burn, thin, out_seats, out_rnd):
    N, C, P = seats.shape
    m = target.m
    H = C // 2
    rows = np.arange(N)[:, None]
    pidx = np.arange(P)
    sweeps = rand["move"].shape[1]
    R = out_seats.shape[1]
    lm = target.list_move
    half, rest = lm * 0.5, 1.0 - lm
    if burn == 0:
        out_seats[:, 0], out_rnd[:, 0] = seats, rnd
    order = pairing(rand["shuffle"])
    for t in range(sweeps):
        perm = order[:, t].astype(np.intp)
        cA, cB = perm[:, 0 : 2 * H : 2], perm[:, 1 : 2 * H : 2]
        u = rand["move"][:, t]
        sA, sB = seats[rows, cA], seats[rows, cB]
        rA, rB = rnd[rows, cA], rnd[rows, cB]
        mA, mB = m[cA], m[cB]
        # seat swap (the move uniform rescaled where it is one: u >= list_move)
        is_list = u < lm
        with np.errstate(divide="ignore", invalid="ignore"):
            v = np.where(is_list, 0.0, (u - lm) / rest)
        kA, kB = seat_pair(v, mA, mB)
        p = (np.cumsum(sA, -1) <= kA[..., None]).sum(-1)
        q = (np.cumsum(sB, -1) <= kB[..., None]).sum(-1)
        eP = pidx == p[..., None]
        eQ = pidx == q[..., None]
        nA_seat = sA - eP + eQ
        nB_seat = sB - eQ + eP
        seat_ok = p != q
        if target.split_rounds:
            seat_ok &= rA == rB
        sAp = np.take_along_axis(sA, p[..., None], -1)[..., 0]
        sAq = np.take_along_axis(sA, q[..., None], -1)[..., 0]
        sBp = np.take_along_axis(sB, p[..., None], -1)[..., 0]
        sBq = np.take_along_axis(sB, q[..., None], -1)[..., 0]
        hast = target.log_int[(sAq + 1) * (sBp + 1)] - target.log_int[np.maximum(sAp * sBq, 1)]
        # list swap (with rounds), or round swap where rounds are free of party totals
        round_only = is_list & (~target.split_rounds) & (u < half)
        same_m = mA == mB
        nA = np.where(is_list[..., None], np.where(round_only[..., None], sA, sB), nA_seat)
        nB = np.where(is_list[..., None], np.where(round_only[..., None], sB, sA), nB_seat)
        nrA = np.where(is_list, rB, rA)
        nrB = np.where(is_list, rA, rB)
        ok = np.where(is_list, same_m & ((nA != sA).any(-1) | (nrA != rA)), seat_ok)
        ok &= target.valid(cA, nA, nrA) & target.valid(cB, nB, nrB)
        dlog = (target.logf(cA, nA, nrA) + target.logf(cB, nB, nrB)
                - target.logf(cA, sA, rA) - target.logf(cB, sB, rB))
        dlog = dlog + np.where(is_list, 0.0, hast)
        acc = ok & (rand["logu"][:, t] < dlog)
        seats[rows, cA] = np.where(acc[..., None], nA, sA)
        seats[rows, cB] = np.where(acc[..., None], nB, sB)
        rnd[rows, cA] = np.where(acc, nrA, rA)
        rnd[rows, cB] = np.where(acc, nrB, rB)
        if stats is not None:
            stats.setdefault("proposed", []).append(int(ok.sum()))
            stats.setdefault("accepted", []).append(int(acc.sum()))
            stats.setdefault("pairs", []).append(int(acc.size))
            stats.setdefault("trace", []).append((seats.copy(), rnd.copy()) if stats.get("keep_trace") else None)
        done = t + 1 - burn
        if done >= 0 and done % thin == 0 and done // thin < R:
            out_seats[:, done // thin], out_rnd[:, done // thin] = seats, rnd
    return seats, rnd


def row_holds(rows, seats, rnd):
    """``(len(rows), N)`` booleans: each row's outcome holds in each draw."""
    # every row at once: its constituency's round and party set, draw by draw
    cons = [r.constituency for r in rows]
    masks = seat_masks(seats[:, cons]).T
    out = (rnd[:, cons] == np.array([r.round for r in rows], np.int64)).T.copy()
    for ok, mk, r in zip(out, masks, rows):
        if r.members:
            ok &= (mk == r.mask()) if r.complete else ((mk & r.mask()) == r.mask())
        if r.not_members:
            ok &= mk != sum(1 << p for p in r.not_members)
        for p, v in r.split.items():
            ok &= seats[:, r.constituency, p] == v
    return out
