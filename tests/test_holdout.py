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
