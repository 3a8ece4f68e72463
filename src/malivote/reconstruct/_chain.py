"""A Metropolis-Hastings chain over outcomes that keeps every hard fact.

State of one draw: the seats of each party on each constituency's winning list
``(C, P)`` and each constituency's deciding round ``(C,)``. Every draw runs its own
chain from one of the integer programme's solutions, for ``sweeps`` sweeps. A sweep
pairs the constituencies at random and proposes, on each pair ``(c, d)``:

- a **seat swap** (probability ``1 - list_move``): one seat of ``c`` (party ``p``,
  a seat drawn uniformly) and one of ``d`` (party ``q``) change places. Party totals
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
target weight of a constituency is

    exp(sum of its winning parties' geographic log weights)
    * list_size_weights[number of parties]
    * hint_odds (where a provisional result holds)

All arrays carry the draw axis: there is no Python loop over draws or
constituencies, only over sweeps.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Target", "run_chain", "row_holds"]


class Target:
    """Per-constituency constraints and weights, as arrays."""

    def __init__(self, facts, hard_rows, hint_rows, G, priors):
        C, P = facts.layout.n_constituencies, facts.n_parties
        self.m = facts.layout.magnitude.astype(np.int64)
        self.bits = np.int64(1) << np.arange(P, dtype=np.int64)
        self.req = np.zeros(C, np.int64)
        self.exact = np.zeros(C, bool)
        self.notmask = np.full(C, -1, np.int64)
        self.split = np.full((C, P), -1, np.int64)
        self.round_fixed = np.zeros(C, np.int64)
        for r in hard_rows:
            c = r.constituency
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
        self.log_size = np.log(np.concatenate([[1.0], w / w.sum()]))  # index = number of parties
        self.G = np.asarray(G, float)
        self.split_rounds = facts.round1 is not None
        self.list_move = priors.outcome.list_move

    def size_log(self, k):
        return self.log_size[np.minimum(k, len(self.log_size) - 1)]

    def mask_of(self, s):
        return ((s > 0) * self.bits).sum(-1)

    def logf(self, c, s, rnd):
        """Log target of constituencies ``c`` (any shape) with seats ``s`` (..., P)."""
        mem = s > 0
        g = (self.G[c] * mem).sum(-1)
        k = mem.sum(-1)
        out = g + self.size_log(k)
        if self.h_on.any():
            out = out + self.log_hint * self.hint_holds(c, s, rnd)
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
    """The random numbers of one block's chains (drawn first from the block's stream)."""
    H = C // 2
    return dict(
        start=rng.integers(n_start, size=B),
        perm=rng.random((sweeps, B, C)),
        u=rng.random((sweeps, B, H, 5)),
    )


def run_chain(target: Target, start_seats, start_rnd, rand, stats=None):
    """Run the chains of all draws at once; returns ``(seats (N, C, P), rnd (N, C))``."""
    seats = start_seats[rand["start"]].astype(np.int64)
    rnd = start_rnd[rand["start"]].astype(np.int64)
    N, C, P = seats.shape
    m = target.m
    H = C // 2
    rows = np.arange(N)[:, None]
    pidx = np.arange(P)
    sweeps = rand["perm"].shape[0]
    for t in range(sweeps):
        perm = np.argsort(rand["perm"][t], axis=1)
        cA, cB = perm[:, 0 : 2 * H : 2], perm[:, 1 : 2 * H : 2]
        u = rand["u"][t]
        sA, sB = seats[rows, cA], seats[rows, cB]
        rA, rB = rnd[rows, cA], rnd[rows, cB]
        mA, mB = m[cA], m[cB]
        # seat swap
        kA = np.floor(u[..., 1] * mA).astype(np.int64)
        kB = np.floor(u[..., 2] * mB).astype(np.int64)
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
        hast = np.log((sAq + 1.0) * (sBp + 1.0)) - np.log(np.maximum(sAp * sBq, 1))
        # list swap (with rounds), or round swap where rounds are free of party totals
        is_list = u[..., 0] < target.list_move
        round_only = is_list & (~target.split_rounds) & (u[..., 3] < 0.5)
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
        acc = ok & (np.log(np.maximum(u[..., 4], 1e-300)) < dlog)
        seats[rows, cA] = np.where(acc[..., None], nA, sA)
        seats[rows, cB] = np.where(acc[..., None], nB, sB)
        rnd[rows, cA] = np.where(acc, nrA, rA)
        rnd[rows, cB] = np.where(acc, nrB, rB)
        if stats is not None:
            stats.setdefault("proposed", []).append(int(ok.sum()))
            stats.setdefault("accepted", []).append(int(acc.sum()))
            stats.setdefault("pairs", []).append(int(acc.size))
            stats.setdefault("trace", []).append(seats.copy() if stats.get("keep_trace") else None)
    return seats, rnd


def row_holds(rows, seats, rnd):
    """``(len(rows), N)`` booleans: each row's outcome holds in each draw."""
    N = seats.shape[0]
    out = np.zeros((len(rows), N), bool)
    P = seats.shape[-1]
    bits = np.int64(1) << np.arange(P, dtype=np.int64)
    for i, r in enumerate(rows):
        c = r.constituency
        s = seats[:, c]
        mk = ((s > 0) * bits).sum(-1)
        ok = rnd[:, c] == r.round
        if r.members:
            ok &= (mk == r.mask()) if r.complete else ((mk & r.mask()) == r.mask())
        if r.not_members:
            ok &= mk != sum(1 << p for p in r.not_members)
        for p, v in r.split.items():
            ok &= s[:, p] == v
        out[i] = ok
    return out
