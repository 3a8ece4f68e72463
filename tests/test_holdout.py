"""K-fold holdout of known district winners."""

import numpy as np
import pytest

from malivote.reconstruct.holdout import holdout

KEYS = {"year", "folds", "held_out", "log_score", "baseline_log_score", "accuracy", "baseline_accuracy", "log_score_se"}


def test_holdout_keys_and_ranges():
    r = holdout(2013, folds=3, draws=60, seed=1)
    d = r.to_dict()
    assert set(d) == KEYS
    assert d["year"] == 2013 and d["folds"] == 3 and d["held_out"] == 42
    assert np.isfinite(d["log_score"]) and np.isfinite(d["baseline_log_score"])
    assert d["log_score"] < 0 and d["baseline_log_score"] < 0
    assert 0 <= d["accuracy"] <= 1 and 0 <= d["baseline_accuracy"] <= 1
    assert d["log_score_se"] > 0
    text = r.format_table()
    assert "Baseline" in text and "Margin" in text


def test_holdout_is_reproducible():
    assert holdout(2020, folds=2, draws=30, seed=4) == holdout(2020, folds=2, draws=30, seed=4)


def test_held_out_winners_do_not_leak():
    """Held-out winners are neither facts, hints nor geography in their fold."""
    from malivote.layouts import get_layout
    from malivote.reconstruct import _prepare
    from malivote.reconstruct._facts import gather_facts
    from malivote.reconstruct.geography import evidence

    f = gather_facts(2020, get_layout("mali-55"))
    prep = _prepare(2020, "mali-55", "final", 0, None, frozenset({"Kidal", "Diema"}))
    held = [r for r in prep.rows if r.district in ("Kidal", "Diema")]
    # only the deciding round is kept (the baseline is told it too): no list, split, share
    assert held and all(not r.members and not r.split and r.share_pct is None and not r.runner_up
                        and not r.not_members for r in held)
    assert not (prep.target.req[[r.constituency for r in held]]).any()
    assert not (prep.target.h_req[[r.constituency for r in held]]).any()
    d_all, r_all = evidence(f)
    d_ex, r_ex = evidence(f, frozenset({"Kidal", "Diema"}))
    assert (r_ex <= r_all).all() and (r_ex < r_all).any()
    assert np.array_equal(d_all, d_ex)  # the district term uses other years only
    # the fitted geography never sees the held-out winners
    from malivote.reconstruct.geography import _known

    assert not any(y == 2020 and c in {r.constituency for r in held} for y, c, _ in
                   _known(frozenset({(2020, "Kidal"), (2020, "Diema")})))


@pytest.mark.parametrize("kwargs", [dict(folds=1), dict(folds=100), dict(draws=0)])
def test_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        holdout(2020, **kwargs)


def test_folds_use_their_own_seed_stage():
    from malivote import seeds
    from malivote.reconstruct.holdout import _folds

    fold_of = _folds(42, 5, 7)
    order = np.random.default_rng(seeds.stage_sequence(7, seeds.Stage.HOLDOUT)).permutation(42)
    assert np.array_equal(fold_of[order], np.arange(42) % 5)
    assert sorted(np.bincount(fold_of).tolist()) == [8, 8, 8, 9, 9]
    sweep = np.random.default_rng(seeds.stage_sequence(7, seeds.Stage.SWEEP)).permutation(42)
    assert not np.array_equal(order, sweep)


def _fold(year, districts, seed):
    from malivote.layouts import get_layout
    from malivote.reconstruct import _prepare
    from malivote.reconstruct._facts import gather_facts
    from malivote.reconstruct.geography import fit
    from malivote.reconstruct.priors import Priors

    facts = gather_facts(year, get_layout("mali-55"))
    names = frozenset(districts)
    theta = fit(frozenset((year, x) for x in names))
    pr = Priors()
    pr = pr.model_copy(update={"geography": pr.geography.model_copy(
        update={"district_weight": theta[0], "region_weight": theta[1]})})
    return facts, names, pr, _prepare(year, "mali-55", "final", seed, pr, names)


def _bits(seats):
    """Party p's bit: the masks are computed here, apart from the code under test."""
    return np.int64(1) << np.arange(seats.shape[-1], dtype=np.int64)


def test_chain_outcomes_are_the_replays_winners():
    """The holdout reads the chain's outcomes; they are the winners of the replay's votes."""
    from malivote.reconstruct import reconstruct
    from malivote.reconstruct.holdout import _fold_chunks
    from malivote.rules import two_round

    facts, names, pr, prep = _fold(2013, {"Kita", "Sikasso", "Menaka"}, 2)
    chunks = list(_fold_chunks(prep, 130, 2, pr))
    seats = np.concatenate([s for s, _ in chunks])
    rnd = np.concatenate([r for _, r in chunks])
    assert seats.shape[0] == 130
    ens = reconstruct(2013, draws=130, seed=2, priors=pr, _exclude=names)
    out = two_round(ens.first, ens.magnitude, ens.second, rng=0)
    win = np.take_along_axis(ens.members, out.winner[..., None], -1)[..., 0]
    assert np.array_equal(((seats > 0) * _bits(seats)).sum(-1), win)
    assert np.array_equal(rnd, out.round)


def test_swap_estimate_matches_the_draws():
    """The Rao-Blackwellised estimate has the draws' own frequency as its mean, with less noise."""
    import dataclasses

    from malivote.reconstruct.holdout import _event, _fold_chunks, _swap_estimate

    facts, names, pr, prep = _fold(2013, {"Kita", "San", "Kolokani"}, 3)
    seats, rnd = next(_fold_chunks(prep, 1000, 3, pr))
    m = facts.layout.magnitude
    rpm = facts.parties.index("RPM")
    for r in [r for r in facts.rows if r.district in names]:
        c = r.constituency
        partners = np.flatnonzero((m == m[c]) & (np.arange(m.size) != c))
        for row in (r, dataclasses.replace(r, members=(rpm,), complete=False)):
            est = _swap_estimate(prep.target, c, partners, seats, rnd, row)
            raw = _event(((seats[:, c] > 0) * _bits(seats)).sum(-1), row)
            assert ((est >= 0) & (est <= 1)).all()
            assert abs(est.mean() - raw.mean()) < 3 * raw.std() / np.sqrt(raw.size) + 1e-3
            assert est.std() < raw.std()
        # no partner: the plain indicator
        assert np.array_equal(_swap_estimate(prep.target, c, np.array([], int), seats, rnd, r),
                              _event(((seats[:, c] > 0) * _bits(seats)).sum(-1), r).astype(float))


def test_replay_and_baseline_are_smoothed_alike():
    from malivote.reconstruct.holdout import _score

    a, b = _score(12.0, 12.0, 30, 2000)
    assert a == b == pytest.approx(np.log(12.5 / 2015))
    a, b = _score(0.0, 0.0, 30, 2000)  # never seen: one more party set
    assert a == b == pytest.approx(np.log(0.5 / 2015.5))
    a, b = _score(40.0, 10.0, 30, 2000)
    assert a - b == pytest.approx(np.log(40.5 / 10.5))


def test_holdout_averages_its_details():
    from malivote.reconstruct.holdout import details

    rows = details(2020, folds=3, draws=120, seed=2)
    r = holdout(2020, folds=3, draws=120, seed=2)
    assert len(rows) == r.held_out == 25
    assert sorted(x["fold"] for x in rows) == sorted(np.arange(25) % 3)
    assert r.log_score == pytest.approx(np.mean([x["log_p"] for x in rows]))
    assert r.baseline_log_score == pytest.approx(np.mean([x["log_p_baseline"] for x in rows]))
    diff = np.array([x["log_p"] - x["log_p_baseline"] for x in rows])
    assert r.log_score_se == pytest.approx(diff.std(ddof=1) / np.sqrt(diff.size))
    assert all(x["log_p"] < 0 and x["log_p_baseline"] < 0 for x in rows)


def test_geography_forms():
    from malivote.reconstruct.geography import FORMS, counts, fit, loo_pairwise, party_weights

    assert FORMS == ("sum", "mean", "per")
    with pytest.raises(ValueError):
        fit(form="max")
    theta = fit(form="mean")
    assert theta[0] > 0 and theta[1] > 0
    # held-out districts change the mean-form fit too
    assert fit(frozenset({(2013, "Kita"), (2013, "San")}), form="mean") != theta
    from malivote.layouts import get_layout
    from malivote.reconstruct._facts import gather_facts

    parties = gather_facts(2013, get_layout("mali-55")).parties
    d, rc, nreg = counts(2013, parties)
    w = party_weights(theta, d, rc, nreg)
    c, p = np.unravel_index(np.argmax(d), d.shape)
    assert w[c, p] == pytest.approx(theta[0] * np.log1p(d[c, p]) + theta[1] * np.log1p(rc[c, p] / nreg[c]))
    # the documented leave-one-out comparison (docs/methods.md, Geography)
    s, n = loo_pairwise("sum")
    m, n2 = loo_pairwise("mean")
    assert n == n2 == 452
    assert round(s, 3) == -0.639 and round(m, 3) == -0.590
    assert m > s > np.log(0.5)
