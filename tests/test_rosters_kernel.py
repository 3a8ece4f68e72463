"""The rosters of a reconstruction block (step 10 of ``sample_block``).

Both backends read the same random words and give identical arrays; and the rosters
mean what they should: the winner's roster is its seat split, a losing list holds
each of its parties at least once, its other places drawn among them, the places are
shuffled uniformly and the list's women sit on a uniformly random subset of them.
"""

from __future__ import annotations

from math import comb

import numpy as np
import pytest

from malivote import seeds
from malivote.reconstruct import _outcomes, _prepare, _sample, row_holds
from malivote.reconstruct.priors import Priors
from malivote.rules._backend import numba_available

CASES = [(2020, "mali-55", 5), (2020, "mali-55", 11), (2013, "mali-55", 5), (2013, "mali-55", 8),
         (2007, "mali-125", 5)]
needs_numba = pytest.mark.skipif(not numba_available(), reason="numba not installed")


def _block(year, layout, seed, backend, monkeypatch=None):
    """One block's arrays, and (with ``monkeypatch``) the inputs ``_rosters`` was given."""
    pr = Priors()
    prep = _prepare(year, layout, "final", seed, pr, frozenset())
    _, seats, rnd = _outcomes(prep, seed, 0, 1, pr)
    active = row_holds(prep.rows, seats, rnd)
    seen = {}
    if monkeypatch is not None:
        real = _sample._rosters

        def spy(rng, live, perm, m, women, members, nmem, seats_, out, backend_):
            seen.update(live=live, perm=perm, m=m, women=women, members=members, nmem=nmem, seats=seats_,
                        state=rng.bit_generator.state)
            return real(rng, live, perm, m, women, members, nmem, seats_, out, backend_)

        monkeypatch.setattr(_sample, "_rosters", spy)
    rng = seeds.block_rng(seed, seeds.Stage.RECONSTRUCT, 0)
    blk = _sample.sample_block(prep.facts, prep.rows, seats, rnd, active, prep.target.geo_weight(seats), pr, rng,
                               seats.shape[0], backend=backend)
    return blk, seen


@needs_numba
@pytest.mark.parametrize("year, layout, seed", CASES)
def test_backends_give_identical_rosters(year, layout, seed):
    numpy, _ = _block(year, layout, seed, "numpy")
    numba, _ = _block(year, layout, seed, "numba")
    for key in numpy:
        assert numpy[key].dtype == numba[key].dtype, key
        assert np.array_equal(numpy[key], numba[key]), key
    assert numpy["roster_party"].dtype == np.int16 and numpy["roster_female"].dtype == bool


@pytest.fixture(scope="module", params=[(2020, "mali-55", 3), (2013, "mali-55", 3), (2007, "mali-125", 3)],
                ids=lambda p: f"{p[0]}-{p[1]}")
def block(request):
    with pytest.MonkeyPatch.context() as mp:
        blk, seen = _block(*request.param, "numpy", mp)
    return blk, seen


def _lists(blk, seen):
    """Per live list: its roster, women, magnitude, members and the logical slot."""
    live, perm, m = seen["live"], seen["perm"], seen["m"]
    b, c, j = np.nonzero(live)
    k = perm[b, c, j]
    return {"b": b, "c": c, "j": j, "k": k, "m": m[c], "roster": blk["roster_party"][b, c, j],
            "female": blk["roster_female"][b, c, j], "members": seen["members"][b, c, k], "nm": seen["nmem"][b, c, k],
            "women": seen["women"][b, c, j]}


def test_padding_and_empty_slots(block):
    blk, seen = block
    rp, rf, live = blk["roster_party"], blk["roster_female"], seen["live"]
    assert rp.dtype == np.int16 and rf.dtype == bool
    assert (rp[~live] == -1).all() and not rf[~live].any()
    M = rp.shape[-1]
    beyond = np.arange(M) >= seen["m"][None, :, None, None]
    assert (rp[beyond & live[..., None]] == -1).all()
    assert not rf[beyond & live[..., None]].any()


def test_winners_hold_their_seat_split(block):
    blk, seen = block
    ls = _lists(blk, seen)
    P = seen["seats"].shape[-1]
    win = np.flatnonzero(ls["k"] == 0)
    assert len(win) == seen["live"].shape[0] * seen["live"].shape[1]
    for i in win:
        split = np.repeat(np.arange(P), seen["seats"][ls["b"][i], ls["c"][i]])
        assert np.array_equal(np.sort(ls["roster"][i, : ls["m"][i]]), split)


def test_losing_lists_hold_each_member(block):
    blk, seen = block
    ls = _lists(blk, seen)
    lose = np.flatnonzero(ls["k"] > 0)
    assert len(lose) > 1000
    for i in lose:
        mi, nm, row = ls["m"][i], ls["nm"][i], ls["roster"][i, : ls["m"][i]]
        mem = ls["members"][i, :nm]
        assert np.isin(row, mem).all()
        if mi >= nm:
            assert np.isin(mem, row).all()


def test_women_counts(block):
    blk, seen = block
    ls = _lists(blk, seen)
    assert np.array_equal(ls["female"].sum(-1), np.clip(ls["women"], 0, ls["m"]))


def _chi2(counts):
    expected = counts.sum() / counts.size
    return float(((counts - expected) ** 2 / expected).sum())


@pytest.mark.parametrize("year, layout, size", [(2020, "mali-55", 3), (2013, "mali-55", 2), (2007, "mali-125", 2)])
def test_places_are_shuffled_uniformly(year, layout, size, monkeypatch):
    """A given party and the women are spread evenly over the places (fixed seed: no
    flake; the bound is loose, an unshuffled roster gives a chi-square in the thousands)."""
    blk, seen = _block(year, layout, 3, "numpy", monkeypatch)
    ls = _lists(blk, seen)
    on = ls["m"] == size
    assert on.sum() > 2000
    roster, female = ls["roster"][on, :size], ls["female"][on, :size]
    first_member = np.where(ls["k"][on] == 0, roster.min(-1), ls["members"][on, 0])
    # the list's first party (the winner's lowest party index): as often at every place
    party = (roster == first_member[:, None]).sum(0)
    assert _chi2(party) < 30, party
    # the women: as often at every place, and as often beside the first party as elsewhere
    assert _chi2(female.sum(0)) < 30, female.sum(0)
    with_party = roster == first_member[:, None]
    share_with, share_without = female[with_party].mean(), female[~with_party].mean()
    assert abs(share_with - share_without) < 0.05
    # a losing list's drawn places take each member as often (two-party lists)
    two = (ls["k"][on] > 0) & (ls["nm"][on] == 2)
    if size > 2 and two.sum() > 500:
        extra = (roster[two] == ls["members"][on][two, 0][:, None]).sum(-1) - 1
        assert abs(extra.mean() - (size - 2) / 2) < 0.1


def test_an_identity_shuffle_would_fail():
    """The chi-square bound above catches rosters left in their drawing order."""
    rows = np.tile([1, 0, 0], (3000, 1))
    assert _chi2(rows.sum(0)) > 1000


def _synthetic(M, seed=0):
    """Inputs of ``_rosters`` with magnitudes up to ``M`` (words of several radices)."""
    rng = np.random.default_rng(seed)
    B, C, K, P = 4, 3, 5, 6
    m = np.array([M, max(M - 3, 1), 2], np.int64)[:C]
    n = rng.integers(1, K + 1, (B, C))
    live = np.arange(K)[None, None, :] < n[..., None]
    perm = np.empty((B, C, K), np.int64)
    for b in range(B):
        for c in range(C):
            perm[b, c] = np.concatenate([rng.permutation(n[b, c]), np.arange(n[b, c], K)])
    seats = np.zeros((B, C, P), np.int64)
    members = np.full((B, C, K, M), -1, np.int8)
    for b in range(B):
        for c in range(C):
            cut = np.sort(rng.integers(0, m[c] + 1, 2))
            split = np.array([cut[0], cut[1] - cut[0], m[c] - cut[1]])
            parties = rng.choice(P, 3, replace=False)
            seats[b, c, parties] = split
            held = np.flatnonzero(seats[b, c] > 0)
            members[b, c, 0, : len(held)] = held
            for k in range(1, K):
                nm = int(rng.integers(1, min(4, M) + 1))
                members[b, c, k, :nm] = np.sort(rng.choice(P, nm, replace=False))
    nmem = (members >= 0).sum(-1).astype(np.int64)
    women = (rng.integers(0, M + 1, (B, C, K)) * live).astype(np.int64)
    women = np.minimum(women, m[None, :, None])
    return live, perm, m, women, members, nmem, seats


@pytest.mark.parametrize("M", [2, 7, 13, 14, 20, 33])
@pytest.mark.parametrize("backend", ["numpy", pytest.param("numba", marks=needs_numba)])
def test_large_magnitudes_spill_into_more_words(M, backend):
    """Past magnitude 13 a list's digits need more than one 62-bit word: same meaning,
    and the same arrays on both backends; ``out`` arrays are written in place, even
    strided ones."""
    live, perm, m, women, members, nmem, seats = args = _synthetic(M)
    B, C, K = live.shape
    rp, rf = _sample._rosters(np.random.default_rng(1), live, perm, m, women, members, nmem, seats, None, backend)
    ref, _ = _sample._rosters(np.random.default_rng(1), *args[:7], None, "numpy")
    assert np.array_equal(rp, ref)
    big = {"roster_party": np.full((2 * B, C, K, M), -1, np.int16), "roster_female": np.zeros((2 * B, C, K, M), bool)}
    out = {k: v[::2] for k, v in big.items()}
    rp2, rf2 = _sample._rosters(np.random.default_rng(1), *args, out, backend)
    assert rp2 is out["roster_party"] and rf2 is out["roster_female"] and np.array_equal(big["roster_party"][::2], rp)
    assert np.array_equal(big["roster_female"][::2], rf) and (big["roster_party"][1::2] == -1).all()
    # the meaning
    P = seats.shape[-1]
    for b, c, j in zip(*np.nonzero(live)):
        k, mi = perm[b, c, j], m[c]
        row = rp[b, c, j]
        assert (row[mi:] == -1).all() and not rf[b, c, j, mi:].any()
        assert rf[b, c, j].sum() == women[b, c, j]
        if k == 0:
            assert np.array_equal(np.sort(row[:mi]), np.repeat(np.arange(P), seats[b, c]))
        else:
            mem = members[b, c, k, : nmem[b, c, k]]
            assert np.isin(row[:mi], mem).all() and (mi < len(mem) or np.isin(mem, row[:mi]).all())
    assert (rp[~live] == -1).all() and not rf[~live].any()


@needs_numba
def test_kernel_writes_only_the_places_of_live_lists():
    """The compiled kernel leaves dead slots and places past a list's magnitude as the
    caller filled them (``sample_block``'s ``out`` arrays hold -1 and False there)."""
    from malivote.reconstruct._rosters_numba import fill_rosters

    M = 7
    live, perm, m, women, members, nmem, seats = _synthetic(M)
    start = np.concatenate([[0], np.cumsum(live.sum(-1).ravel())])
    words = np.random.default_rng(2).integers(0, 2**40, (start[-1], 1))
    binom = np.array([[comb(a, b) for b in range(M + 1)] for a in range(M + 1)], np.int64)
    party = np.full(live.shape + (M,), 99, np.int16)
    female = np.ones(live.shape + (M,), bool)
    fill_rosters(party, female, live, perm, members, nmem, women, seats, m, start, words, binom)
    kept = (np.arange(M) >= m[None, :, None, None]) | ~live[..., None]
    assert (party[kept] == 99).all() and female[kept].all()
    assert (party[~kept] >= 0).all() and (party[~kept] < 99).all()
