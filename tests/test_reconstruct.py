"""Honest replays: every draw reproduces the official results from votes."""

from __future__ import annotations


import numpy as np
import pytest

from malivote import datasets
from malivote.election import credit_seats, list_labels
from malivote.reconstruct import InfeasibleFacts, reconstruct, verify
from malivote.reconstruct import _prepare
from malivote.reconstruct._facts import gather_facts
from malivote.reconstruct._milp import solve_pool
from malivote.layouts import get_layout
from malivote.rules import two_round

ARRAYS = ("first", "second", "members", "roster_party", "roster_female", "turnout")


def _seats(ens):
    out = two_round(ens.first, ens.magnitude, ens.second, rng=0)
    seats, women = credit_seats(out.seats, ens.roster_party, ens.roster_female, len(ens.parties))
    return out, seats, women


def _official_check(ens, year):
    """Independent checks straight from the package data (not from the reconstruction)."""
    out, seats, women = _seats(ens)
    table = datasets.seat_totals(year)
    for party, total in table.items():
        assert (seats[:, ens.parties.index(party)] == total).all(), party
    # parties outside the official table win nothing
    others = [i for i, p in enumerate(ens.parties) if p not in table]
    assert (seats[:, others] == 0).all()
    r1, r2 = datasets.round_summary(year)
    decided = out.round == 1
    if ens.layout.name == "mali-55":
        assert (decided.sum(1) == r1.districts).all()
    assert ((decided * ens.magnitude).sum(1) == r1.seats).all()
    rows = [r for r in datasets.national_results(year) if r.round1 is not None]
    if len(rows) == len(table):
        seats1, _ = credit_seats(out.seats * decided[..., None], ens.roster_party, ens.roster_female, len(ens.parties))
        for r in rows:
            assert (seats1[:, ens.parties.index(r.party)] == r.round1).all(), r.party
    for rd, summ in ((0, r1), (1, r2)):
        for j, key in enumerate(("registered", "votes_cast", "invalid", "valid")):
            value = getattr(summ, key)
            if value is not None:
                assert (ens.turnout[:, :, rd, j].sum(1) == value).all(), (rd, key)
    T = ens.turnout
    assert (T[..., 3] == T[..., 1] - T[..., 2]).all()
    assert (T[..., 0, 3] == ens.first.sum(-1)).all()
    assert (T[..., 1, 3] == ens.second.sum(-1)).all()
    # runoffs: no round-1 majority, two clear leaders, round-2 votes only for them
    srt = -np.sort(-ens.first, axis=-1)
    run = out.round == 2
    assert (2 * srt[..., 0][run] <= T[..., 0, 3][run]).all()
    assert (srt[..., 1][run] > srt[..., 2][run]).all()
    assert ((ens.second > 0).sum(-1)[run] == 2).all()
    assert (ens.second.sum(-1)[~run] == 0).all()
    return out, seats, women


@pytest.mark.parametrize("year", datasets.YEARS)
@pytest.mark.parametrize("seed", [0, 7])
def test_every_draw_reproduces_the_official_table(year, seed):
    ens = reconstruct(year, draws=150, seed=seed)
    assert ens.year == year and ens.n_draws == 150
    assert verify(ens) == []
    out, seats, women = _official_check(ens, year)
    facts = gather_facts(year, ens.layout)
    if facts.women_elected is not None:
        assert (women == facts.women_elected).all()
    labels = list_labels(np.take_along_axis(ens.members, out.winner[..., None], -1)[..., 0], ens.parties)
    for row in datasets.known_district_results(year):
        c = datasets.district_index(row.district)
        assert (out.round[:, c] == row.round).all(), row.district
        if row.is_hard_fact and row.winning_list and not (row.seat_split and sum(row.seat_split.values()) < ens.magnitude[c]):
            want = sorted(facts.parties[p] for p in next(r for r in facts.rows if r.constituency == c).members)
            got = {tuple(sorted(s.split("+"))) for s in labels[:, c]}
            assert got == {tuple(want)}, row.district


@pytest.mark.parametrize("year", datasets.YEARS)
def test_the_125_constituency_layout_keeps_the_national_facts(year):
    ens = reconstruct(year, layout="mali-125", draws=100, seed=1)
    assert ens.first.shape[1] == 125
    assert verify(ens) == []
    _official_check(ens, year)
    assert any("not imposed on this derived layout" in n for n in ens.notes)


def test_2020_gender_law_and_candidates():
    ens = reconstruct(2020, draws=100, seed=2)
    live = ens.first > 0
    m = ens.magnitude[None, :, None]
    assert ((live.sum(-1) * ens.magnitude).sum(1) == 1451).all()
    assert (ens.roster_female.sum((1, 2, 3)) == 427).all()
    w = ens.roster_female.sum(-1)
    big = live & (m >= 3)
    assert (10 * w[big] <= 7 * np.broadcast_to(m, w.shape)[big]).all()
    assert (10 * (np.broadcast_to(m, w.shape) - w)[big] <= 7 * np.broadcast_to(m, w.shape)[big]).all()
    # 86 lists in the 43 runoffs
    out = two_round(ens.first, ens.magnitude, ens.second, rng=0)
    assert ((ens.second > 0).sum((1, 2)) == 86).all()
    assert ((out.round == 2).sum(1) == 43).all()


def test_list_counts_2013_2007():
    assert ((reconstruct(2013, draws=50).first > 0).sum((1, 2)) == 410).all()
    assert ((reconstruct(2007, draws=50).first > 0).sum((1, 2)) == 530).all()


def test_known_shares_and_runners_up():
    ens = reconstruct(2020, draws=200, seed=3)
    out = two_round(ens.first, ens.magnitude, ens.second, rng=0)
    kayes = datasets.district_index("Kayes")
    v = np.take_along_axis(ens.first[:, kayes], out.winner[:, kayes, None], -1)[:, 0]
    assert (np.round(100 * v / ens.first[:, kayes].sum(-1), 2) == 61.35).all()
    sik = datasets.district_index("Sikasso")
    v2 = np.take_along_axis(ens.second[:, sik], out.winner[:, sik, None], -1)[:, 0]
    assert (np.round(100 * v2 / ens.second[:, sik].sum(-1), 2) == 50.05).all()
    fin = out.finalists[:, sik]
    other = np.where(fin[:, 0] == out.winner[:, sik], fin[:, 1], fin[:, 0])
    labels = list_labels(np.take_along_axis(ens.members[:, sik], other[:, None], -1)[:, 0], ens.parties)
    assert set(labels) == {"ADEMA+ADP-Maliba+ASMA+FCD"} or {tuple(sorted(s.split("+"))) for s in labels} == {
        ("ADEMA", "ADP-Maliba", "ASMA", "FCD")
    }
    # Bougouni: the court overturned RPM+MPM, so that list lost the runoff
    bou = datasets.district_index("Bougouni")
    win = list_labels(np.take_along_axis(ens.members[:, bou], out.winner[:, bou, None], -1)[:, 0], ens.parties)
    assert "RPM+MPM" not in set(win)


def test_notes_report_the_unmet_hint():
    ens = reconstruct(2020, draws=1)
    assert any("Commune IV" in n and "not matched" in n for n in ens.notes)
    assert reconstruct(2013, draws=1).notes == ()  # every 2013 hint holds


def test_unknowns_vary_across_draws():
    ens = reconstruct(2020, draws=300, seed=4)
    out = two_round(ens.first, ens.magnitude, ens.second, rng=0)
    win = np.take_along_axis(ens.members, out.winner[..., None], -1)[..., 0]
    # some district without a known winner changes hands across draws
    varying = [(np.unique(win[:, c]).size > 1) for c in range(55)]
    assert sum(varying) >= 10
    assert np.unique(ens.turnout[:, 0, 0, 0]).size > 100
    assert np.unique((ens.first > 0).sum(-1)[:, 0]).size > 3


def test_reproducible_and_prefix_stable():
    a = reconstruct(2013, draws=130, seed=11)
    b = reconstruct(2013, draws=130, seed=11)
    c = reconstruct(2013, draws=30, seed=11)
    d = reconstruct(2013, draws=130, seed=12)
    for k in ARRAYS:
        assert np.array_equal(getattr(a, k), getattr(b, k))
        assert np.array_equal(getattr(a, k)[:30], getattr(c, k))
    assert not np.array_equal(a.first, d.first)


def test_provisional_2020():
    ens = reconstruct(2020, draws=100, seed=0, result="provisional")
    assert verify(ens, result="provisional") == []
    _, seats, _ = _seats(ens)
    for r in datasets.provisional_results(2020):
        s = seats[:, ens.parties.index(r.party)]
        assert ((s >= r.seats_min) & (s <= r.seats_max)).all(), r.party
    assert (seats.sum(1) == 147).all()


@pytest.mark.parametrize("kwargs, match", [
    (dict(year=2013, result="provisional"), "only for 2020"),
    (dict(year=2007, result="provisional"), "only for 2020"),
    (dict(year=2019), "year"),
    (dict(year=2020, layout="mali-56"), "layout"),
    (dict(year=2020, draws=0), "draws"),
    (dict(year=2020, seed=-1), "seed"),
    (dict(year=2020, result="court"), "result"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        reconstruct(**kwargs)


def test_infeasible_facts_name_the_year():
    facts = gather_facts(2013, get_layout("mali-55"))
    facts.total_lo[facts.parties.index("RPM")] += 1  # 148 seats: impossible
    facts.total_hi[facts.parties.index("RPM")] += 1
    with pytest.raises(InfeasibleFacts, match="year 2013"):
        solve_pool(facts, 1, np.random.SeedSequence(0))


@pytest.mark.parametrize("year, layout", [(2020, "mali-55"), (2013, "mali-55"), (2007, "mali-55"), (2020, "mali-125")])
def test_sampler_backends_are_identical(year, layout):
    """The numba list members and rosters equal the NumPy ones, from the same randoms."""
    from malivote import seeds
    from malivote.reconstruct import _outcomes, row_holds
    from malivote.reconstruct._sample import sample_block
    from malivote.reconstruct.priors import Priors
    from malivote.rules._backend import numba_available

    if not numba_available():
        pytest.skip("numba not installed")
    pr = Priors()
    prep = _prepare(year, layout, "final", 5, pr, frozenset())
    _, seats, rnd = _outcomes(prep, 5, 0, 1, pr)
    active = row_holds(prep.rows, seats, rnd)
    out = {}
    for backend in ("numpy", "numba"):
        rng = seeds.block_rng(5, seeds.Stage.RECONSTRUCT, 0)
        out[backend] = sample_block(prep.facts, prep.rows, seats, rnd, active, prep.target.geo_weight(seats),
                                    pr, rng, seats.shape[0], backend=backend)
    for key, value in out["numpy"].items():
        assert np.array_equal(value, out["numba"][key]), key
    assert (out["numpy"]["roster_party"] >= 0).sum() > 0


@pytest.mark.parametrize("year", [2020, 2013])
def test_chain_backends_are_identical(year):
    """The numba chain and the NumPy chain give the same arrays from the same randoms."""
    from malivote import seeds
    from malivote.reconstruct._chain import draw_randoms, run_chain
    from malivote.reconstruct.priors import Priors
    from malivote.rules._backend import numba_available

    if not numba_available():
        pytest.skip("numba not installed")
    pr = Priors.model_validate({"outcome": {"sweeps": 15}})
    prep = _prepare(year, "mali-55", "final", 2, pr, frozenset())
    rand = draw_randoms(seeds.block_rng(2, seeds.Stage.RECONSTRUCT, 0), 60, 55, 15, prep.pool.seats.shape[0])
    a = run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, backend="numpy")
    b = run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, backend="numba")
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], prep.pool.seats[rand["start"]])  # the chains moved
    # several draws per chain: after 5 sweeps, then every 2 (the last one is the end state)
    a = run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, backend="numpy", burn=5, thin=2, records=6)
    b = run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, backend="numba", burn=5, thin=2, records=6)
    assert a[0].shape == (360, 55, prep.pool.seats.shape[-1])
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    full = run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, backend="numba")
    assert np.array_equal(a[0][5::6], full[0])
    assert not np.array_equal(a[0][0::6], a[0][1::6])  # consecutive records differ
    with pytest.raises(ValueError, match="sweeps drawn"):
        run_chain(prep.target, prep.pool.seats, prep.pool.round, rand, burn=5, thin=2, records=3)


def test_geography_fit_is_positive_and_leaves_out_held_out_districts():
    from malivote.reconstruct.geography import _features, fit

    theta = fit()
    assert theta[0] > 0 and theta[1] > 0
    held = frozenset({(2013, "Koutiala"), (2013, "Gao")})
    assert len(_features(2013, held)) < len(_features(2013, frozenset()))
    assert fit(held) != theta
