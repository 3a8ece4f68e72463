"""Stages 2-4 and 7-9 of a reconstruction block: list counts, turnout, known shares,
list members, women and the slot shuffle.

The compiled kernels (serial quickselects and partial orders instead of full sorts)
and the NumPy code read the same random numbers and give identical arrays: checked
stage by stage on real blocks of several seeds and years, and on synthetic inputs
(ties, infeasible counts, shares far from the drawn votes).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from malivote import seeds
from malivote.reconstruct import _outcomes, _prepare, _sample, row_holds
from malivote.reconstruct._facts import RowFact
from malivote.reconstruct.priors import Priors

CASES = [(2020, "mali-55", 1), (2020, "mali-55", 7), (2020, "mali-55", 13), (2013, "mali-55", 5),
         (2013, "mali-55", 9), (2007, "mali-125", 4), (2007, "mali-125", 8)]
STAGES = ["_sample_list_counts", "_turnout", "_known_shares", "_list_members", "allocate_units"]


def _block(year, layout, seed, backend):
    """One block's arrays, each stage's outputs, and the slot order given to the rosters."""
    pr = Priors()
    prep = _prepare(year, layout, "final", seed, pr, frozenset())
    _, seats, rnd = _outcomes(prep, seed, 0, 1, pr)
    active = row_holds(prep.rows, seats, rnd)
    seen = {s: [] for s in STAGES}
    with pytest.MonkeyPatch.context() as mp:
        for name in STAGES:
            real = getattr(_sample, name)

            def spy(*a, _real=real, _name=name, **k):
                got = _real(*a, **k)
                seen[_name].append(tuple(np.array(x, copy=True) for x in (got if isinstance(got, tuple) else (got,))))
                return got

            mp.setattr(_sample, name, spy)
        real_rosters = _sample._rosters

        def rosters(rng, live, perm, *rest):
            seen["perm"] = perm.copy()
            return real_rosters(rng, live, perm, *rest)

        mp.setattr(_sample, "_rosters", rosters)
        rng = seeds.block_rng(seed, seeds.Stage.RECONSTRUCT, 0)
        blk = _sample.sample_block(prep.facts, prep.rows, seats, rnd, active, prep.target.geo_weight(seats), pr,
                                   rng, seats.shape[0], backend=backend)
    return blk, seen


@pytest.mark.parametrize("year, layout, seed", CASES)
def test_backends_identical_stage_by_stage(year, layout, seed):
    pytest.importorskip("numba")
    numpy, seen_np = _block(year, layout, seed, "numpy")
    numba, seen_nb = _block(year, layout, seed, "numba")
    for key in numpy:
        assert numpy[key].dtype == numba[key].dtype, key
        assert np.array_equal(numpy[key], numba[key]), key
    assert np.array_equal(seen_np["perm"], seen_nb["perm"])
    for name in STAGES:
        assert len(seen_np[name]) == len(seen_nb[name]), name
        for a, b in zip(seen_np[name], seen_nb[name]):
            for x, y in zip(a, b):
                assert x.shape == y.shape and np.array_equal(x, y), name


def _old_share_delta(V, P, majority, n_lists):
    """The full search of every change at once (the reference)."""
    deltas = np.array([0] + [s * k for k in range(1, 400) for s in (1, -1)])
    Vd = V[:, None] + deltas[None, :]
    P = P[:, None]
    v = (P * Vd + 5000) // 10000
    ok = 2 * np.abs(10000 * v - P * Vd) < Vd
    if majority:
        ok &= 2 * v > Vd
    ok &= (Vd - v) >= (n_lists[:, None] - 1)
    ok &= (v >= 1) & (Vd >= 1)
    if not ok.any(axis=1).all():
        raise ValueError("share_delta: could not match a known vote share")
    j = ok.argmax(axis=1)
    return deltas[j], v[np.arange(len(V)), j]


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_share_delta_matches_the_full_search(backend):
    if backend == "numba":
        pytest.importorskip("numba")
    rng = np.random.default_rng(3)
    shape = (60, 4)
    # small and large vote counts: the small ones need changes beyond the first few
    V = np.where(rng.random(shape) < 0.3, rng.integers(1, 60, shape), rng.integers(60, 200_000, shape))
    P = rng.integers(5001, 9901, shape)
    nl = rng.integers(1, 6, shape)
    for i in np.ndindex(shape):  # (keep the entries a change within 399 can match)
        try:
            _old_share_delta(V[i][None], P[i][None], True, nl[i][None])
        except ValueError:
            V[i], P[i] = 100_000, 5500
    d, v = _sample.share_delta(V, P, True, nl, backend)
    d0, v0 = _old_share_delta(V.ravel(), P.ravel(), True, nl.ravel())
    assert d.shape == shape and np.array_equal(d.ravel(), d0) and np.array_equal(v.ravel(), v0)
    assert (np.abs(d) > 16).any()  # the second, full pass was needed somewhere
    # one row (scalar share) as before
    d1, v1 = _sample.share_delta(V[:, 0], 6000, True, nl[:, 0], backend)
    d2, v2 = _old_share_delta(V[:, 0], np.full(shape[0], 6000), True, nl[:, 0])
    assert np.array_equal(d1, d2) and np.array_equal(v1, v2)
    with pytest.raises(ValueError, match="could not match a known vote share"):
        _sample.share_delta(np.array([5, 100_000]), np.array([10000, 5000]), True, np.array([3, 1]), backend)


def _list_counts_numpy(keys, cap, costc, R):
    rows, C, U = keys.shape
    ok = np.arange(U) < cap[..., None]
    k = np.where(ok, keys, np.inf).reshape(rows, -1)
    cost = np.where(ok, np.broadcast_to(costc[None, :, None], keys.shape), 10**6).reshape(rows, -1)
    return _sample.select_units(cost, k, R).reshape(rows, C, U).sum(-1)


@pytest.mark.parametrize("unit_cost", [False, True])
def test_list_counts_kernel_matches_select_units(unit_cost):
    pytest.importorskip("numba")
    from malivote.reconstruct._sample_numba import list_counts

    rng = np.random.default_rng(11)
    for trial in range(20):
        rows, C, U = 25, int(rng.integers(3, 60)), int(rng.integers(1, 25))  # (up to 1,400 units)
        costc = np.ones(C, np.int64) if unit_cost else rng.integers(1, 8, C)
        costc[0] = 1  # at least one single-seat constituency
        cap = rng.integers(0, U + 1, (rows, C))
        total = (cap * costc).sum(1)
        R = (total * rng.uniform(0, 1, rows)).astype(np.int64)
        # (trial % 4 == 1: keys over many more octaves than the kernel's buckets cover)
        w = rng.lognormal(0, 8 if trial % 4 == 1 else 1, (rows, C))
        num = -np.log(rng.random((rows, C, U)))
        if trial % 4 == 0 and U > 1:  # ties within a constituency (across, the order is arbitrary)
            num[:, :, 1::2] = num[:, :, : U // 2]
        if trial % 4 == 2:  # one huge key a row: all the others share the lowest bucket
            num[np.arange(rows), rng.integers(0, C, rows), 0] = 1e300
        keys = num / w[..., None]  # (the kernel divides alike)
        cnt, ok = list_counts(num, w, cap, costc, R)
        for r in range(rows):
            try:
                ref = _list_counts_numpy(keys[r:r + 1], cap[r:r + 1], costc, R[r:r + 1])[0]
            except ValueError:
                assert not ok[r]
                continue
            assert ok[r] and np.array_equal(cnt[r], ref) and (cnt[r] * costc).sum() == R[r]


class _FixedKeys:
    """A stand-in generator whose ``random`` gives preset keys (to force ties)."""

    def __init__(self, keys):
        self.keys = keys

    def random(self, size):
        assert size == self.keys.size
        return self.keys.copy()


def test_allocate_units_backends_with_ties():
    pytest.importorskip("numba")
    rng = np.random.default_rng(5)
    for trial in range(20):
        B, L = 30, int(rng.integers(1, 300))
        lo = rng.integers(0, 3, (B, L))
        hi = lo + rng.integers(0, 4, (B, L))
        total = lo.sum(1) + (rng.uniform(0, 1, B) * (hi - lo).sum(1)).astype(np.int64)
        U = int((hi - lo).max())
        keys = rng.integers(0, 6, (B, L, max(U, 1))) / 5.0 if trial % 2 else rng.random((B, L, max(U, 1)))
        # one key per unit place, flat in (row, entry, place) order
        flat = keys[..., :U][np.arange(U) < (hi - lo)[..., None]]
        out = [_sample.allocate_units(total, lo, hi, _FixedKeys(flat), backend=b) for b in ("numpy", "numba")]
        assert np.array_equal(out[0], out[1])
        # narrow bounds (the sampler's int8 ones): the same integers, as int64
        narrow = [_sample.allocate_units(total, lo.astype(np.int8), hi.astype(np.int8), _FixedKeys(flat), backend=b)
                  for b in ("numpy", "numba")]
        assert all(x.dtype == np.int64 and np.array_equal(x, out[0]) for x in narrow)
        assert ((out[0] >= lo) & (out[0] <= hi)).all()
        if trial % 2 == 0:  # distinct keys: the R smallest keys' places, row by row
            assert np.array_equal(out[0].sum(1), total)
            for b in range(0, B, 7):
                order = np.argsort(flat_b := keys[b, :, :U][np.arange(U) < (hi - lo)[b, :, None]])
                owner = np.repeat(np.arange(L), (hi - lo)[b])
                want = lo[b] + np.bincount(owner[order[: total[b] - lo[b].sum()]], minlength=L)
                assert np.array_equal(out[0][b], want), (trial, b, flat_b.size)
    for b in ("numpy", "numba"):
        with pytest.raises(ValueError, match="infeasible total"):
            _sample.allocate_units(np.array([10]), np.zeros((1, 2), np.int64), np.ones((1, 2), np.int64),
                                   np.random.default_rng(0), backend=b)


def test_ascending_places_ties_in_index_order():
    pytest.importorskip("numba")
    from malivote.reconstruct._sample_numba import _ascending_places

    rng = np.random.default_rng(8)
    for trial in range(200):
        n = int(rng.integers(0, 25))
        keys = rng.integers(0, 4, n) / 4.0 if trial % 2 else rng.random(n)
        place = np.full(n + 3, -1, np.int64)
        _ascending_places(np.append(keys, [-1.0, -2.0, -3.0]), n, place)  # (only keys[:n] count)
        want = np.empty(n, np.int64)
        want[np.argsort(keys, kind="stable")] = np.arange(n)
        assert np.array_equal(place[:n], want)


def test_allocate_units_keys_far_from_uniform():
    """The kernel first looks for the smallest keys below about ``R / n``: keys that
    all lie above it (or few below, or equal ones at the threshold) give the same
    units as NumPy's full sort."""
    pytest.importorskip("numba")
    rng = np.random.default_rng(8)
    B, L = 20, 200
    lo = np.zeros((B, L), np.int64)
    hi = rng.integers(0, 3, (B, L))
    total = np.minimum(rng.integers(1, 12, B), hi.sum(1))
    n = int(hi.sum())
    for keys in (0.9 + 0.1 * rng.random(n),  # none below the estimate
                 np.where(rng.random(n) < 0.01, 0.001 * rng.random(n), 0.95),  # a few, then ties
                 np.round(rng.random(n), 2)):  # ties at the threshold
        out = [_sample.allocate_units(total, lo, hi, _FixedKeys(keys), backend=b) for b in ("numpy", "numba")]
        assert np.array_equal(out[0], out[1])


def test_shuffle_slots_in_place_matches_argsort():
    pytest.importorskip("numba")
    from malivote.reconstruct._sample_numba import shuffle_slots

    rng = np.random.default_rng(2)
    B, C, K = 40, 30, 24
    n = rng.integers(1, K + 1, (B, C))
    live = np.arange(K) < n[..., None]
    arrays = [rng.integers(0, 10**6, (B, C, K)) * live for _ in range(4)]
    keys = rng.random(int(n.sum()))  # one per live list, in (draw, constituency, slot) order
    full = np.full((B, C, K), np.inf)
    full[live] = keys
    perm_np = np.argsort(full, axis=-1)
    want = [np.take_along_axis(a, perm_np, axis=-1) for a in arrays]
    got = shuffle_slots(keys, n, *[a.copy() for a in arrays])
    # the first list of each constituency takes the slot of its smallest key
    at = np.cumsum(n.ravel()) - n.ravel()
    for i in range(0, B * C, 97):
        assert got[0].reshape(-1, K)[i, 0] == np.argmin(keys[at[i]:at[i] + n.ravel()[i]])
    assert np.array_equal(np.where(live, got[0], 0), np.where(live, perm_np, 0))
    for a, b in zip(got[1:], want):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("year, layout, seed", [(2020, "mali-55", 1), (2013, "mali-55", 5), (2007, "mali-125", 4)])
def test_list_members_draw_only_for_drawn_lists(year, layout, seed):
    """``_list_members`` draws one size per drawn losing list (slots 1 to n - 1, less
    a known runner-up), then one repeatable party per list the parties ran out for,
    each flat in (draw, constituency, slot) order: the same on both backends."""
    pr = Priors()
    prep = _prepare(year, layout, "final", seed, pr, frozenset())
    _, seats, rnd = _outcomes(prep, seed, 0, 1, pr)
    active = row_holds(prep.rows, seats, rnd)
    calls = []
    real = _sample._list_members
    with pytest.MonkeyPatch.context() as mp:
        def spy(facts, rng, *args):
            calls.append((rng.bit_generator.state, args[:-1]))
            return real(facts, rng, *args)

        mp.setattr(_sample, "_list_members", spy)
        rng = seeds.block_rng(seed, seeds.Stage.RECONSTRUCT, 0)
        _sample.sample_block(prep.facts, prep.rows, seats, rnd, active, prep.target.geo_weight(seats), pr,
                             rng, seats.shape[0], backend="numpy")
    state, args = calls[0]
    seats_, _, ru_mask, _, n, m, K, pl = args
    out = {}
    for backend in ("numpy", "numba") if importlib.util.find_spec("numba") else ("numpy",):
        rng = np.random.default_rng()
        rng.bit_generator.state = state
        out[backend] = real(prep.facts, rng, *args, backend=backend) + (rng.random(),)
    if "numba" in out:
        for a, b in zip(out["numpy"], out["numba"]):
            assert np.array_equal(a, b)
    members, nmem, _, after = out["numpy"]
    # the documented draws, replayed
    B, C, P = seats_.shape
    slot = np.arange(K)
    drawn = (slot >= 1) & (slot < n[..., None]) & ~((slot == 1) & (ru_mask > 0)[..., None])
    reps = np.array(prep.facts.repeatable)
    filled = drawn & np.isin(members[..., 0], reps)  # (a repeatable party is never drawn in order)
    rng = np.random.default_rng()
    rng.bit_generator.state = state
    rng.random((B, C, P))
    u = rng.random(int(drawn.sum()))
    f = rng.integers(len(reps), size=int(filled.sum()))
    assert rng.random() == after
    assert filled.sum() > 0 and (members[filled][:, 0] == reps[f]).all() and (nmem[filled] == 1).all()
    assert (nmem[drawn] >= 1).all()
    sp = np.asarray(pl.size_probs)
    size = np.minimum(1 + (u[:, None] > (np.cumsum(sp) / sp.sum())[:-1]).sum(-1), np.broadcast_to(m[:, None], (B, C, K))[drawn])
    assert (nmem[drawn] <= size).all() and (nmem[drawn] == size).mean() > 0.5


def _row(c, share=None, runner_up=()):
    return RowFact(constituency=c, district=f"d{c}", round=1, hard=True, members=(0,), complete=True, split={},
                   share_pct=share, runner_up=runner_up, not_members=(), label="")


def test_row_facts_backends_later_row_wins():
    pytest.importorskip("numba")
    # constituency 1 has two share rows and two runner-up rows that hold in overlapping draws
    rows = [_row(1, 61.25, (2,)), _row(3, None, (0, 4)), _row(1, 55.5), _row(1, None, (3,)), _row(0, 100.0)]
    active = np.array([[1, 1, 0, 0], [0, 1, 1, 1], [0, 1, 1, 0], [1, 0, 1, 0], [1, 1, 1, 1]], bool)
    got = {b: _sample._row_facts(rows, active, 4, 5, b) for b in ("numpy", "numba")}
    share_P, ru_mask, ru_members = got["numpy"]
    assert share_P[:, 1].tolist() == [6125, 5550, 5550, -1] and share_P[:, 0].tolist() == [10000] * 4
    assert ru_mask[:, 1].tolist() == [8, 4, 8, 0] and ru_mask[:, 3].tolist() == [0, 17, 17, 17]
    for a, b in zip(got["numpy"][:2], got["numba"][:2]):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert got["numba"][2].keys() == ru_members.keys() == {1, 3}
    for c in ru_members:
        assert got["numba"][2][c][0] == ru_members[c][0] and np.array_equal(got["numba"][2][c][1], ru_members[c][1])


def test_known_shares_backends_both_rounds_and_failure():
    pytest.importorskip("numba")
    rng = np.random.default_rng(5)
    B, C = 30, 7
    m = np.array([1, 3, 2, 5, 5, 1, 2])
    rnd = np.where(rng.random((B, C)) < 0.5, 2, 1)
    rnd[:, 4] = 2  # the round-2 slack: in a runoff in every draw (3 never is, and has the same magnitude)
    share_P = np.where(rng.random((B, C)) < 0.6, rng.integers(5001, 9900, (B, C)), -1)
    share_P[:, 3:5] = -1
    n = rng.integers(2, 6, (B, C))
    valid = np.where(rng.random((B, C, 2)) < 0.2, rng.integers(5, 40, (B, C, 2)), rng.integers(1000, 9000, (B, C, 2)))
    inv = rng.integers(1000, 5000, (B, C, 2))
    out = {}
    for backend in ("numpy", "numba"):
        args = (valid.copy(), inv.copy(), np.zeros((B, C), np.int64))
        out[backend] = _sample._known_shares(share_P, share_P >= 0, rnd, n, m, *args, backend)
    for a, b in zip(out["numpy"], out["numba"]):
        assert np.array_equal(a, b)
    v2, i2, _ = out["numpy"]
    assert (v2 != valid).any() and (v2 + i2 == valid + inv).all()  # (ballots only move between the two)
    assert ((v2 - valid)[:, 3, 0] != 0).any() and ((v2 - valid)[:, 4, 1] != 0).any()  # each round's slack
    # too few invalid ballots to give (the failures checked in the NumPy code's order)
    for backend in ("numpy", "numba"):
        with pytest.raises(ValueError, match="negative invalid ballots"):
            _sample._known_shares(share_P, share_P >= 0, rnd, n, m, valid.copy(), inv // 100,
                                  np.zeros((B, C), np.int64), backend)
    # a sole list (share 100%) facing another list cannot be matched
    share_P[3, 1], rnd[3, 1] = 10000, 1
    for backend in ("numpy", "numba"):
        with pytest.raises(ValueError, match="could not match a known vote share"):
            _sample._known_shares(share_P, share_P >= 0, rnd, n, m, valid.copy(), inv.copy(),
                                  np.zeros((B, C), np.int64), backend)
