"""The combinatorial part: who wins which constituency, in which round, with which seat split.

One mixed-integer programme (:func:`scipy.optimize.milp`, HiGHS) per pool member.
Variables, for every constituency ``c`` and every party ``p`` that can win seats:

- ``x1[c, p]``, ``x2[c, p]`` (integers in ``[0, m_c]``): seats of ``p`` on the list that
  won ``c`` in round 1 / round 2;
- ``y[c, p]`` (binary): ``p`` is on that list (then it has at least one seat: under
  Mali's rule every candidate of the winning list is elected);
- ``r[c]`` (binary): ``c`` was decided in round 1;
- ``h[j]`` (binary): the provisional hint ``j`` holds.

Constraints: each winning list fills its constituency's seats; the seats sum to each
party's official total (and to its round-1 total where known); the round-1
constituencies hold the official number of round-1 seats (and districts, on the
55-district layout); every hard fact fixes a round, a list and its seat split where
known. Provisional hints hold where ``h[j] = 1``.

The number of hints that can hold is maximised first, deterministically; that set is
then imposed on every pool member, each of which minimises its own random objective
over the membership variables.
"""

from __future__ import annotations

import numpy as np

from malivote.reconstruct._facts import Facts, RowFact

__all__ = ["Pool", "solve_pool", "InfeasibleFacts"]


class InfeasibleFacts(ValueError):
    """The facts of a replay admit no outcome (the integer programme is infeasible)."""


class Pool:
    """Solutions of the outcome programme.

    Attributes
    ----------
    seats : ndarray of int64, shape (S, C, P)
        Seats of each party on each constituency's winning list.
    round : ndarray of int8, shape (S, C)
        The deciding round of each constituency.
    fixed : ndarray of bool, shape (C,)
        Constituencies whose winner a fact or adopted hint pins down.
    rows : list of RowFact
        The facts imposed (hard facts and the hints that hold).
    unmet : list of RowFact
        The provisional hints that the final totals rule out.
    """

    def __init__(self, seats, rnd, fixed, rows, unmet):
        self.seats = seats
        self.round = rnd
        self.fixed = fixed
        self.rows = rows
        self.unmet = unmet


class _Model:
    def __init__(self, facts: Facts):
        self.facts = facts
        m = facts.layout.magnitude.astype(np.int64)
        self.m = m
        C = len(m)
        # Only parties that may hold seats get variables.
        self.win_parties = np.flatnonzero(facts.total_hi > 0)
        Q = len(self.win_parties)
        self.col = {p: q for q, p in enumerate(self.win_parties)}
        self.C, self.Q = C, Q
        # variable blocks
        self.o_x1 = 0
        self.o_x2 = C * Q
        self.o_y = 2 * C * Q
        self.o_r = 3 * C * Q
        self.n = 3 * C * Q + C
        self.hints: list[RowFact] = []
        self.extra_names: list[str] = []
        self.rows_i: list[int] = []
        self.rows_j: list[int] = []
        self.rows_v: list[float] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.lb = np.zeros(self.n)
        self.ub = np.zeros(self.n)
        self.integrality = np.ones(self.n)
        for c in range(C):
            for q in range(Q):
                self.ub[self.x1(c, q)] = m[c]
                self.ub[self.x2(c, q)] = m[c]
                self.ub[self.y(c, q)] = 1
            self.ub[self.r(c)] = 1

    # variable indices
    def x1(self, c, q):
        return self.o_x1 + c * self.Q + q

    def x2(self, c, q):
        return self.o_x2 + c * self.Q + q

    def y(self, c, q):
        return self.o_y + c * self.Q + q

    def r(self, c):
        return self.o_r + c

    def add_var(self, lb, ub, integer=True) -> int:
        j = self.n
        self.n += 1
        self.lb = np.append(self.lb, lb)
        self.ub = np.append(self.ub, ub)
        self.integrality = np.append(self.integrality, 1 if integer else 0)
        return j

    def add_row(self, terms, lo, hi):
        i = len(self.lo)
        for j, v in terms:
            self.rows_i.append(i)
            self.rows_j.append(j)
            self.rows_v.append(v)
        self.lo.append(lo)
        self.hi.append(hi)

    def build_core(self):
        f, m, C, Q = self.facts, self.m, self.C, self.Q
        split_rounds = f.round1 is not None
        for c in range(C):
            self.add_row([(self.x1(c, q), 1) for q in range(Q)] + [(self.x2(c, q), 1) for q in range(Q)], m[c], m[c])
            for q in range(Q):
                if split_rounds:
                    self.add_row([(self.x1(c, q), 1), (self.r(c), -m[c])], -np.inf, 0)
                    self.add_row([(self.x2(c, q), 1), (self.r(c), m[c])], -np.inf, m[c])
                else:
                    # no per-round party totals: one seat variable per party suffices
                    self.ub[self.x2(c, q)] = 0
                self.add_row([(self.x1(c, q), 1), (self.x2(c, q), 1), (self.y(c, q), -1)], 0, np.inf)
                self.add_row([(self.x1(c, q), 1), (self.x2(c, q), 1), (self.y(c, q), -m[c])], -np.inf, 0)
        for q, p in enumerate(self.win_parties):
            terms = [(self.x1(c, q), 1) for c in range(C)] + [(self.x2(c, q), 1) for c in range(C)]
            self.add_row(terms, f.total_lo[p], f.total_hi[p])
            if f.round1 is not None:
                self.add_row([(self.x1(c, q), 1) for c in range(C)], f.round1[p], f.round1[p])
        self.add_row([(self.r(c), m[c]) for c in range(C)], f.r1_seats, f.r1_seats)
        if f.r1_districts is not None:
            self.add_row([(self.r(c), 1) for c in range(C)], f.r1_districts, f.r1_districts)
        # parties with total 0 but round-1 seats > 0 cannot happen (data checks).

    def seats_terms(self, c, q):
        return [(self.x1(c, q), 1), (self.x2(c, q), 1)]

    def impose(self, row: RowFact, h: int | None = None) -> bool:
        """Impose a row (``h`` None: always; else only when binary ``h`` is 1).

        Returns False when the row can never hold (a member cannot win seats).
        """
        c, m = row.constituency, int(self.m[row.constituency])
        if any(p not in self.col for p in row.members):
            if h is None:
                raise InfeasibleFacts(
                    f"{row.label}: the winning list includes a party without seats in the totals"
                )
            return False
        if any(s > m for s in row.split.values()) or len(row.members) > m:
            return False
        qs = [self.col[p] for p in row.members]
        others = [q for q in range(self.Q) if q not in qs]
        if h is None:
            self.lb[self.r(c)] = self.ub[self.r(c)] = 1 if row.round == 1 else 0
            for q in qs:
                self.lb[self.y(c, q)] = 1
            if row.members and row.complete:
                for q in others:
                    self.ub[self.y(c, q)] = 0
            if row.members and not row.complete:
                self.add_row([(self.y(c, q), 1) for q in others], 1, np.inf)
            for p, s in row.split.items():
                self.add_row(self.seats_terms(c, self.col[p]), s, s)
            if row.not_members:
                nm = [self.col[p] for p in row.not_members if p in self.col]
                if len(nm) == len(row.not_members):
                    rest = [q for q in range(self.Q) if q not in nm]
                    terms = [(self.y(c, q), 1) for q in nm] + [(self.y(c, q), -1) for q in rest]
                    self.add_row(terms, -np.inf, len(nm) - 1)
            return True
        if row.round == 1:
            self.add_row([(self.r(c), 1), (h, -1)], 0, np.inf)
        else:
            self.add_row([(self.r(c), 1), (h, 1)], -np.inf, 1)
        for q in qs:
            self.add_row([(self.y(c, q), 1), (h, -1)], 0, np.inf)
        if row.members and row.complete:
            for q in others:
                self.add_row([(self.y(c, q), 1), (h, 1)], -np.inf, 1)
        if row.members and not row.complete:
            self.add_row([(self.y(c, q), 1) for q in others] + [(h, -1)], 0, np.inf)
        for p, s in row.split.items():
            t = self.seats_terms(c, self.col[p])
            self.add_row(t + [(h, -s)], 0, np.inf)
            self.add_row(t + [(h, m - s)], -np.inf, m)
        return True

    def solve(self, cost, extra_rows=(), time_limit=60.0):
        import scipy.sparse as sp  # imported here: the package imports cheaply
        from scipy.optimize import Bounds, LinearConstraint, milp

        A = sp.csr_array(
            (self.rows_v, (self.rows_i, self.rows_j)), shape=(len(self.lo), self.n)
        )
        cons = [LinearConstraint(A, np.array(self.lo, float), np.array(self.hi, float))]
        for terms, lo, hi in extra_rows:
            row = np.zeros(self.n)
            for j, v in terms:
                row[j] += v
            cons.append(LinearConstraint(row[None, :], lo, hi))
        res = milp(
            cost,
            constraints=cons,
            integrality=self.integrality,
            bounds=Bounds(self.lb, self.ub),
            options=dict(time_limit=time_limit, presolve=True, mip_rel_gap=0.05),
        )
        return res


def _describe(facts: Facts) -> str:
    kinds = ["party seat totals"]
    if facts.round1 is not None:
        kinds.append("round-1 party seats")
    kinds.append(f"{facts.r1_seats} round-1 seats")
    if facts.r1_districts is not None:
        kinds.append(f"{facts.r1_districts} round-1 districts")
    if facts.rows:
        kinds.append(f"{sum(r.hard for r in facts.rows)} known district results")
    return f"year {facts.year} ({facts.result} results, layout {facts.layout.name!r}): " + ", ".join(kinds)


def solve_pool(facts: Facts, size: int, seed_seq: np.random.SeedSequence) -> Pool:
    """Solve the outcome programme ``size`` times with seeded random objectives.

    Raises
    ------
    InfeasibleFacts
        If no outcome satisfies the hard facts.
    """
    model = _Model(facts)
    model.build_core()
    hard = [r for r in facts.rows if r.hard]
    soft = [r for r in facts.rows if not r.hard]
    for r in hard:
        model.impose(r)
    hvars = []
    impossible = []
    for r in soft:
        h = model.add_var(0, 1)
        if not model.impose(r, h):
            model.ub[h] = 0
            impossible.append(r)
        hvars.append(h)
    dev_vars = []
    if facts.result == "provisional":
        # stay as close as the known counts allow to the final totals, for parties
        # whose provisional count is unknown: d_p >= |seats_p - final_p|
        for q, p in enumerate(model.win_parties):
            if facts.total_hi[p] - facts.total_lo[p] >= facts.layout.total_seats:
                d = model.add_var(0, facts.layout.total_seats)
                terms = [(model.x1(c, q), 1) for c in range(model.C)] + [(model.x2(c, q), 1) for c in range(model.C)]
                model.add_row(terms + [(d, -1)], -np.inf, facts.final_totals[p])
                model.add_row(terms + [(d, 1)], facts.final_totals[p], np.inf)
                dev_vars.append(d)

    extra = []
    if hvars or dev_vars:
        cost = np.zeros(model.n)
        for h in hvars:
            cost[h] = -1000.0
        for d in dev_vars:
            cost[d] = 1.0
        res = model.solve(cost)
        if res.x is None:
            raise InfeasibleFacts(f"no outcome satisfies the facts of {_describe(facts)} ({res.message})")
        held = [bool(round(res.x[h])) for h in hvars]
        for h, ok in zip(hvars, held):
            model.lb[h] = model.ub[h] = 1 if ok else 0
        if dev_vars:
            best = round(sum(res.x[d] for d in dev_vars))
            extra.append(([(d, 1) for d in dev_vars], -np.inf, best))
        adopted = [r for r, ok in zip(soft, held) if ok]
        unmet = [r for r, ok in zip(soft, held) if not ok]
    else:
        adopted, unmet = [], []

    rng = np.random.default_rng(seed_seq)
    C, Q, P = model.C, model.Q, facts.n_parties
    seats = np.zeros((size, C, P), dtype=np.int64)
    rnd = np.zeros((size, C), dtype=np.int8)
    for s in range(size):
        cost = np.zeros(model.n)
        cost[model.o_y : model.o_y + C * Q] = rng.uniform(-1.0, 1.0, C * Q)
        cost[model.o_x1 : model.o_x2 + C * Q] = rng.uniform(-0.05, 0.05, 2 * C * Q)
        res = None
        r_cols = np.array([model.r(c) for c in range(C)])
        free_r = model.lb[r_cols] < model.ub[r_cols]
        if free_r.all() and facts.r1_districts is None:
            # No fact pins the round-1 constituencies: draw them (seats summing to the
            # round-1 total, in random order, topped up with single-seat ones), which
            # makes the programme much easier; if that draw admits no outcome, let the
            # programme choose.
            res = _solve_with_rounds(model, cost, extra, rng, facts.r1_seats)
        if res is None or res.x is None:
            res = model.solve(cost, extra)
        if res.x is None:
            raise InfeasibleFacts(f"no outcome satisfies the facts of {_describe(facts)} ({res.message})")
        x = np.rint(res.x).astype(np.int64)
        x1 = x[model.o_x1 : model.o_x1 + C * Q].reshape(C, Q)
        x2 = x[model.o_x2 : model.o_x2 + C * Q].reshape(C, Q)
        seats[s][:, model.win_parties] = x1 + x2
        rnd[s] = np.where(x[model.o_r : model.o_r + C] == 1, 1, 2)
    fixed = np.zeros(C, dtype=bool)
    rows = hard + adopted
    for r in rows:
        if r.members or r.not_members:
            fixed[r.constituency] = True
    return Pool(seats, rnd, fixed, rows, unmet)


def _solve_with_rounds(model, cost, extra, rng, r1_seats):
    m = model.m
    order = rng.permutation(len(m))
    take = np.zeros(len(m), dtype=bool)
    total = 0
    for c in order:
        if total + m[c] <= r1_seats and (m[c] == 1 or total + m[c] <= r1_seats - 1 or total + m[c] == r1_seats):
            take[c] = True
            total += m[c]
        if total == r1_seats:
            break
    if total != r1_seats:
        return None
    r_cols = np.array([model.r(c) for c in range(len(m))])
    lb, ub = model.lb.copy(), model.ub.copy()
    model.lb[r_cols] = model.ub[r_cols] = take.astype(float)
    try:
        return model.solve(cost, extra, time_limit=20.0)
    finally:
        model.lb, model.ub = lb, ub
