"""The compiled chain (``_chain_numba``) against NumPy: the same chain outcomes."""

import numpy as np
import pytest

from malivote.rules._backend import numba_available

pytestmark = pytest.mark.skipif(not numba_available(), reason="numba not installed")


@pytest.mark.parametrize("year, layout, seed", [(2020, "mali-55", 1), (2013, "mali-55", 3), (2007, "mali-125", 0)])
def test_chain_kernel_matches_numpy_over_blocks(year, layout, seed):
    """A few full blocks of default chains (seat and list swaps, round swaps where the
    round-1 totals are unknown, hints, the geographic target): both backends agree."""
    from malivote import seeds
    from malivote.reconstruct import BLOCK, _prepare
    from malivote.reconstruct._chain import draw_randoms, run_chain
    from malivote.reconstruct.priors import Priors

    pr = Priors()
    o = pr.outcome
    prep = _prepare(year, layout, "final", seed, pr)
    C = prep.facts.layout.n_constituencies
    total = o.sweeps + (o.draws_per_chain - 1) * o.thin
    for block in range(2):
        rand = draw_randoms(seeds.block_rng(seed, seeds.Stage.RECONSTRUCT, block), BLOCK // o.draws_per_chain, C,
                            total, prep.pool.seats.shape[0])
        out = [run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, backend=b, burn=o.sweeps,
                         thin=o.thin, records=o.draws_per_chain) for b in ("numpy", "numba")]
        assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])


@pytest.mark.parametrize("year, layout", [(2020, "mali-55"), (2007, "mali-125")])
def test_geo_weight_kernel_matches_numpy(year, layout):
    """The blocks' geographic weights (the mean of the parties' weights, 2020; the
    summed-count tables, 2007): the same floating-point numbers on both backends."""
    from malivote.reconstruct import _prepare
    from malivote.reconstruct.priors import Priors
    from malivote.rules._backend import use_backend

    prep = _prepare(year, layout, "final", 1, Priors())
    seats = prep.pool.seats[np.random.default_rng(0).integers(prep.pool.seats.shape[0], size=300)]
    got = {}
    for b in ("numpy", "numba"):
        with use_backend(b):
            got[b] = prep.target.geo_weight(seats)
    assert got["numba"].shape == seats.shape[:2] and np.array_equal(got["numpy"], got["numba"])
    assert prep.target.mean_form == (year == 2020)


def test_chain_refuses_starts_that_break_the_magnitudes():
    """The compiled chain relies on every list holding its constituency's seats."""
    from malivote import seeds
    from malivote.reconstruct import _prepare
    from malivote.reconstruct._chain import draw_randoms, run_chain
    from malivote.reconstruct.priors import Priors

    pr = Priors.model_validate({"outcome": {"sweeps": 2}})
    prep = _prepare(2020, "mali-55", "final", 2, pr)
    rand = draw_randoms(seeds.block_rng(2, seeds.Stage.RECONSTRUCT, 0), 2, 55, 2, prep.pool.seats.shape[0])
    bad = prep.pool.seats.copy()
    bad[:, 0, :] = 0
    with pytest.raises(ValueError, match="magnitude"):
        run_chain(prep.target, bad, prep.pool.round, rand, backend="numba")


def test_pairing_and_seat_pair():
    """The sweep's order is a permutation of the constituencies, and one move uniform
    gives the two seats of a seat swap, each uniform over its list's seats."""
    from malivote.reconstruct._chain import pairing, seat_pair

    rng = np.random.default_rng(0)
    order = pairing(rng.random((3, 400, 54)))
    assert order.shape == (3, 400, 55)
    assert (np.sort(order, -1) == np.arange(55)).all()
    # every constituency lands in every position about equally often
    counts = np.zeros((55, 55))
    np.add.at(counts, (order.reshape(-1, 55), np.arange(55)), 1)
    assert counts.min() > 0 and counts.max() < 60
    assert np.array_equal(pairing(np.zeros((1, 4))), [[1, 2, 3, 4, 0]])
    v = (np.arange(12) + 0.5) / 12
    kA, kB = seat_pair(v, np.full(12, 3), np.full(12, 4))
    assert sorted(zip(kA.tolist(), kB.tolist())) == [(a, b) for a in range(3) for b in range(4)]
    kA, kB = seat_pair(np.array([1.0]), np.array([3]), np.array([4]))  # rounding to 1: the last seats
    assert (kA.item(), kB.item()) == (2, 3)


@pytest.mark.parametrize("list_move", [0.0, 1.0, 0.55])
def test_chain_kernel_matches_numpy_at_the_move_extremes(list_move):
    """Only seat swaps, only list swaps (where the seat uniform's rescaling divides by
    zero), and a third value: both backends agree, on 2013 (round swaps) and 2020."""
    from malivote import seeds
    from malivote.reconstruct import _prepare
    from malivote.reconstruct._chain import draw_randoms, run_chain
    from malivote.reconstruct.priors import Priors

    pr = Priors.model_validate({"outcome": {"list_move": list_move, "sweeps": 12}})
    for year in (2013, 2020):
        prep = _prepare(year, "mali-55", "final", 4, pr)
        rand = draw_randoms(seeds.block_rng(4, seeds.Stage.RECONSTRUCT, 0), 8, 55, 12, prep.pool.seats.shape[0])
        out = [run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, backend=b, burn=4, thin=2, records=5)
               for b in ("numpy", "numba")]
        assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])
        assert not np.array_equal(out[0][0][0::5], out[0][0][4::5])  # the chains moved


@pytest.mark.parametrize("burn, thin, records", [(0, 2, 4), (0, 1, 7), (6, 1, 1)])
def test_chain_kernel_records_as_numpy(burn, thin, records):
    """Records from the start (burn 0: the starting lists first), after every sweep, or
    after the last only: both backends agree."""
    from malivote import seeds
    from malivote.reconstruct import _prepare
    from malivote.reconstruct._chain import draw_randoms, run_chain
    from malivote.reconstruct.priors import Priors

    sweeps = burn + (records - 1) * thin
    pr = Priors.model_validate({"outcome": {"sweeps": sweeps}})
    prep = _prepare(2020, "mali-55", "final", 3, pr)
    rand = draw_randoms(seeds.block_rng(3, seeds.Stage.RECONSTRUCT, 0), 4, 55, sweeps, prep.pool.seats.shape[0])
    out = [run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, backend=b, burn=burn, thin=thin,
                     records=records) for b in ("numpy", "numba")]
    assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])
    if burn == 0:
        assert np.array_equal(out[1][0][::records], prep.pool.seats[rand["start"]])
        assert np.array_equal(out[1][1][::records], prep.pool.round[rand["start"]])
    if records > 1:
        assert not np.array_equal(out[1][0][::records], out[1][0][records - 1::records])  # the chains moved


def test_chain_writes_into_given_arrays():
    """``out=``: the chains fill the given arrays (a block's slice of the outcomes) and
    return them, with the same values as fresh arrays; wrong arrays are refused."""
    from malivote import seeds
    from malivote.reconstruct import _prepare
    from malivote.reconstruct._chain import draw_randoms, run_chain
    from malivote.reconstruct.priors import Priors

    pr = Priors.model_validate({"outcome": {"sweeps": 6}})
    prep = _prepare(2020, "mali-55", "final", 2, pr)
    P = prep.pool.seats.shape[-1]
    rand = draw_randoms(seeds.block_rng(2, seeds.Stage.RECONSTRUCT, 0), 4, 55, 12, prep.pool.seats.shape[0])
    for backend in ("numpy", "numba"):
        seats, rnd = np.full((30, 55, P), -7, np.int64), np.full((30, 55), -7, np.int64)
        got = run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, backend=backend, burn=6, thin=2,
                        records=4, out=(seats[10:26], rnd[10:26]))
        want = run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, backend=backend, burn=6, thin=2,
                         records=4)
        assert np.shares_memory(got[0], seats) and np.array_equal(seats[10:26], want[0])
        assert np.array_equal(rnd[10:26], want[1]) and (seats[:10] == -7).all() and (rnd[26:] == -7).all()
        with pytest.raises(ValueError, match="out arrays"):
            run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, backend=backend, burn=6, thin=2,
                      records=4, out=(seats[10:25], rnd[10:25]))


def test_outcomes_numpy_batches_blocks_with_the_same_draws(monkeypatch):
    """The NumPy chain runs several blocks' chains at once (each on its own block's
    randoms): the outcomes equal the compiled chain's, block by block, and a batch
    boundary inside the range changes nothing."""
    import malivote.reconstruct as R
    from malivote.reconstruct.priors import Priors
    from malivote.rules._backend import use_backend

    pr = Priors.model_validate({"outcome": {"sweeps": 20}})
    prep = R._prepare(2013, "mali-55", "final", 6, pr)
    with use_backend("numba"):
        _, s1, r1 = R._outcomes(prep, 6, 1, 4, pr)
    monkeypatch.setattr(R, "_NUMPY_BLOCKS", 2)
    with use_backend("numpy"):
        rngs, s2, r2 = R._outcomes(prep, 6, 1, 4, pr)
    assert len(rngs) == 3 and np.array_equal(s1, s2) and np.array_equal(r1, r2)
