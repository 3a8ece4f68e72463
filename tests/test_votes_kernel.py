"""The compiled vote stage of the reconstruction equals the NumPy one, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba")

from malivote.reconstruct import _outcomes, _prepare, _sample, row_holds
from malivote.reconstruct.priors import Priors

PRIORS = Priors()


def _captured(year, layout, seed):
    """The arguments of ``_votes`` and ``_others_needed`` in one block of a replay."""
    prep = _prepare(year, layout, "final", seed, PRIORS, frozenset())
    _, seats, rnd = _outcomes(prep, seed, 0, 1, PRIORS)
    active = row_holds(prep.rows, seats, rnd)
    calls = {}
    votes, others = _sample._votes, _sample._others_needed

    def record_votes(rng, *args):
        calls["votes"] = (rng.bit_generator.state, args[:10])
        return votes(rng, *args)

    def record_others(*args):
        calls["others"] = args[:3]
        return others(*args)

    mp = pytest.MonkeyPatch()
    mp.setattr(_sample, "_votes", record_votes)
    mp.setattr(_sample, "_others_needed", record_others)
    try:
        _sample.sample_block(prep.facts, prep.rows, seats, rnd, active, prep.target.geo_weight(seats), PRIORS,
                             np.random.default_rng(seed), seats.shape[0], backend="numpy")
    finally:
        mp.undo()
    return calls


def _votes_both(state, args):
    out = {}
    for backend in ("numpy", "numba"):
        rng = np.random.default_rng()
        rng.bit_generator.state = state
        out[backend] = _sample._votes(rng, *args, backend=backend) + (rng.random(),)  # (and the rng after)
    return out


@pytest.mark.parametrize("year, layout, seed", [(2020, "mali-55", 0), (2020, "mali-55", 3), (2013, "mali-55", 1),
                                                (2007, "mali-125", 2), (2007, "mali-55", 4)])
def test_votes_kernel_equals_numpy(year, layout, seed):
    calls = _captured(year, layout, seed)
    out = _votes_both(*calls["votes"])
    for a, b in zip(out["numpy"], out["numba"]):
        assert np.array_equal(a, b)
    s2, kmax, pr = calls["others"]
    k_np, cap_np = _sample._others_needed(s2, kmax, pr, "numpy")
    k_nb, cap_nb = _sample._others_needed(s2, kmax, pr, "numba")
    assert np.array_equal(k_np, k_nb) and np.array_equal(cap_np, cap_nb)
    assert k_nb.dtype == np.int64 and cap_nb.shape == s2.shape


def test_others_needed_kernel_on_every_share():
    """Landslides past what any number of lists explains get a capped share (bisection)."""
    s2 = np.concatenate([np.linspace(0.5, 0.9999, 4001), [0.5, 0.999, 1.0]]).reshape(-1, 7)
    for kmax in (1, 2, 5, 18, 22):
        k_np, cap_np = _sample._others_needed(s2, kmax, PRIORS.runoff, "numpy")
        k_nb, cap_nb = _sample._others_needed(s2, kmax, PRIORS.runoff, "numba")
        assert np.array_equal(k_np, k_nb) and np.array_equal(cap_np, cap_nb)
    assert (k_nb > 1).any() and (cap_nb < 0.999).any()


def _small(seed, B=300, C=4, K=20, low=8):
    """Small constituencies (8 to 60 valid votes), where rounding often leaves a third
    list level with a finalist."""
    g = np.random.default_rng(seed)
    n = g.integers(2, 9, (B, C))
    valid = np.stack([g.integers(low, 60, (B, C)), g.integers(0, 40, (B, C))], -1)
    runoff = g.random((B, C)) < 0.8
    has_share = g.random((B, C)) < 0.1
    v_known = np.where(has_share, np.where(runoff, valid[..., 1], valid[..., 0]) // 2 + 1, 0)
    s2 = 0.5 + 0.5 * g.beta(0.755, 7.9, (B, C))
    return n, valid, runoff, has_share, v_known, s2, g.uniform(0.5, 2.0, (B, C)), K


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_votes_kernel_separates_the_finalists_as_numpy(seed, monkeypatch):
    args = _small(seed)
    rounded = []
    apportion = _sample.apportion

    def record(total, weights):
        rounded.append(apportion(total, weights))
        return rounded[-1]

    monkeypatch.setattr(_sample, "apportion", record)
    rng = np.random.default_rng(seed)
    out = _votes_both(rng.bit_generator.state, args + (PRIORS.winner_share, PRIORS.runoff))
    for a, b in zip(out["numpy"], out["numba"]):
        assert np.array_equal(a, b)
    # the separation loop ran: the runoff round 1 as rounded (the runoff rows only)
    # left a third list level
    n, K, runoff = args[0], args[-1], args[2]
    nr = n[runoff]
    ro = rounded[1] + (np.arange(K) < nr[:, None])
    third = np.where(np.arange(2, K) < nr[:, None], ro[:, 2:], 0).max(-1)
    assert (np.minimum(ro[:, 0], ro[:, 1]) <= third).sum() > 10
    first = out["numba"][0]
    third = np.where(np.arange(2, K) < n[..., None], first[..., 2:], 0).max(-1)
    assert (np.minimum(first[..., 0], first[..., 1]) > third)[runoff].all()


def test_votes_kernel_raises_as_numpy():
    """Fewer valid votes than lists: both backends raise the rounding's error."""
    args = _small(5, low=1)
    messages = []
    for backend in ("numpy", "numba"):
        with pytest.raises(ValueError) as info:
            _sample._votes(np.random.default_rng(0), *args, PRIORS.winner_share, PRIORS.runoff, backend=backend)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


@pytest.mark.parametrize("B", [1, 3, 300])
def test_parallel_kernel_equals_serial(B):
    """The parallel kernel's runs of draws (one per thread, fewer in a block of fewer
    draws) give the serial kernel's arrays."""
    from malivote.reconstruct import _votes_numba

    n, valid, runoff, has_share, v_known, s2, _, K = _small(7, B=B)
    rng = np.random.default_rng(7)
    B, C = n.shape
    g = rng.exponential(1.0, int(np.maximum(n - np.where(runoff, 2, 1), 0).sum()))
    draws = (rng.random((B, C)), g, rng.random((B, C)), rng.random((B, C)), rng.random((B, C)))
    par = _votes_numba.params(PRIORS.runoff)
    serial = _votes_numba.votes(n, valid, runoff, has_share, v_known, s2, draws, par, K, parallel=False)
    parallel = _votes_numba.votes(n, valid, runoff, has_share, v_known, s2, draws, par, K, parallel=True)
    for a, b in zip(serial, parallel):
        assert np.array_equal(a, b)


def test_votes_kernel_refuses_more_lists_than_slots():
    """The kernels run to a constituency's lists: more lists than slots is refused."""
    from malivote.reconstruct import _votes_numba

    n, valid, runoff, has_share, v_known, s2, _, K = _small(8, B=2)
    n[1, 2] = K + 1
    B, C = n.shape
    g = np.ones(int(np.maximum(n - np.where(runoff, 2, 1), 0).sum()))
    draws = (np.full((B, C), 0.5), g, np.full((B, C), 0.5), np.full((B, C), 0.5), np.full((B, C), 0.5))
    with pytest.raises(ValueError, match="slots"):
        _votes_numba.votes(n, valid, runoff, has_share, v_known, s2, draws, _votes_numba.params(PRIORS.runoff), K)


def _edge_rows(seed, B=40, K=24):
    """Constituencies at the edges of the compact gammas, with large valid votes (no
    rounding ties): decided with n = 1, 2, 3 and K lists, runoffs with 2, 3 and K."""
    g = np.random.default_rng(seed)
    n = np.array([1, 2, 3, K, 2, 3, K])
    runoff = np.array([False, False, False, False, True, True, True])
    C = n.size
    n, runoff = np.broadcast_to(n, (B, C)).copy(), np.broadcast_to(runoff, (B, C)).copy()
    valid = np.stack([g.integers(200_000, 400_000, (B, C)), g.integers(100_000, 200_000, (B, C))], -1)
    has_share = np.zeros((B, C), bool)
    s2 = 0.5 + 0.5 * g.beta(0.755, 7.9, (B, C))
    return n, valid, runoff, has_share, np.zeros((B, C), np.int64), s2, g.uniform(0.5, 2.0, (B, C)), K


@pytest.mark.parametrize("seed", [0, 1])
def test_votes_read_one_gamma_per_split_list(seed):
    """``_votes`` draws one gamma per list of a Dirichlet split, in (draw,
    constituency, slot) order (slots 1 to n - 1 decided in round 1, 2 to n - 1 in a
    runoff), and gives each list the share of its own gamma: both backends."""
    args = _edge_rows(seed)
    n, runoff, K = args[0], args[2], args[-1]
    pw, pr = PRIORS.winner_share, PRIORS.runoff
    lead = np.where(runoff, 2, 1)
    # the documented draws, replayed
    rng = np.random.default_rng(seed)
    rng.beta(pw.round1_a * args[6], pw.round1_b, n.shape)
    g = rng.gamma(pw.others_alpha, 1.0, int(np.maximum(n - lead, 0).sum()))
    rng.beta(pr.finalists_a, pr.finalists_b, n.shape)
    rng.beta(pr.transfer_a, pr.transfer_b, n.shape)
    rng.random(n.shape)
    after = rng.random()
    assert g.size == n.shape[0] * (0 + 1 + 2 + (K - 1) + 0 + 1 + (K - 2))
    slot = np.arange(K)
    split = (slot >= lead[..., None]) & (slot < n[..., None])
    gam = np.full(n.shape + (K,), np.nan)
    gam[split] = g
    out = _votes_both(np.random.default_rng(seed).bit_generator.state, args + (pw, pr))
    for a, b in zip(out["numpy"], out["numba"]):
        assert np.array_equal(a, b)
    first, second, rng_after = out["numba"]
    assert rng_after == after
    live = slot < n[..., None]
    assert (first[~live] == 0).all() and (first[live] > 0).all()
    assert ((first.sum(-1) == args[1][..., 0]) | (n == 1)).all()  # (a sole list gets only its share)
    assert (second[~runoff] == 0).all() and (second[runoff][:, 2:] == 0).all()
    assert (second[runoff].sum(-1) == args[1][..., 1][runoff]).all()
    # within a split, more gamma never means fewer votes (a runoff's split is shrunk
    # towards an even one, which keeps the order)
    for b, c in np.ndindex(n.shape):
        ks = np.flatnonzero(split[b, c])
        gi, vi = gam[b, c, ks], first[b, c, ks]
        o = np.argsort(gi)
        assert (np.diff(vi[o]) >= 0).all()
        if not runoff[b, c] and ks.size > 1:  # a decided split: the rest, as the gammas
            rest = first[b, c, ks] - 1
            assert np.abs(rest / rest.sum() - gi / gi.sum()).max() < 1e-4
