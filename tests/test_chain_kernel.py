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
