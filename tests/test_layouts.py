"""Layouts: mali-55 (the real districts) and mali-125 (derived)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from malivote import datasets, layouts
from malivote.layouts import LAYOUTS, estimate_registered, get_layout, parts_per_district


def test_mali_55_is_the_districts():
    lay = get_layout("mali-55")
    ds = datasets.districts()
    assert lay.name == "mali-55"
    assert lay.n_constituencies == 55
    assert lay.total_seats == 147
    assert lay.names == tuple(d.district for d in ds)
    assert lay.region == tuple(d.region for d in ds)
    assert lay.magnitude.tolist() == [d.seats for d in ds]
    assert lay.district.tolist() == list(range(55))
    assert lay.registered is None and lay.registered_provenance is None
    assert lay.magnitude.dtype == np.int64


def test_mali_125_structure():
    lay = get_layout("mali-125")
    assert lay.n_constituencies == 125
    assert lay.total_seats == 147
    assert (lay.magnitude >= 1).all()
    assert len(set(lay.names)) == 125
    assert lay.magnitude.shape == lay.district.shape == (125,)
    assert len(lay.region) == 125
    # parent index is non-decreasing and covers every district
    assert (np.diff(lay.district) >= 0).all()
    assert set(lay.district.tolist()) == set(range(55))
    # the rule minimises the largest constituency: 103 single-seat, 22 two-seat
    assert Counter(lay.magnitude.tolist()) == {1: 103, 2: 22}


def test_mali_125_parts_sum_to_parents():
    lay = get_layout("mali-125")
    ds = datasets.districts()
    for d in ds:
        idx = lay.parts_of(d.district)
        assert lay.magnitude[idx].sum() == d.seats
        assert all(lay.region[i] == d.region for i in idx)
        mags = lay.magnitude[idx]
        assert mags.max() - mags.min() <= 1  # as even as possible
        assert list(mags) == sorted(mags, reverse=True)  # extra seats to earlier parts
        if len(idx) == 1:
            assert lay.names[idx[0]] == d.district
        else:
            assert [lay.names[i] for i in idx] == [f"{d.district}-{j + 1}" for j in range(len(idx))]
    assert (lay.to_districts(lay.magnitude) == get_layout("mali-55").magnitude).all()


def test_mali_125_examples():
    lay = get_layout("mali-125")
    named = dict(zip(lay.names, lay.magnitude.tolist(), strict=True))
    assert [named[f"Kati-{j}"] for j in range(1, 6)] == [2, 2, 1, 1, 1]
    assert named["Commune III"] == 1
    assert "Kidal" in named and "Kidal-1" not in named
    assert lay.district_names[lay.names.index("Kati-3")] == "Kati"


def test_mali_125_deterministic():
    a = layouts._build_125()
    b = layouts._build_125()
    assert a.names == b.names
    assert (a.magnitude == b.magnitude).all() and (a.district == b.district).all()
    assert get_layout("mali-125") is get_layout("mali-125")


def test_layouts_are_immutable():
    lay = get_layout("mali-125")
    with pytest.raises(ValueError):
        lay.magnitude[0] = 3
    with pytest.raises(ValueError):
        lay.district[0] = 3
    with pytest.raises(AttributeError):
        lay.name = "x"


def test_unknown_layout():
    with pytest.raises(ValueError, match="mali-55"):
        get_layout("mali-56")
    assert LAYOUTS == ("mali-55", "mali-125")


@pytest.mark.parametrize("name", LAYOUTS)
@pytest.mark.parametrize("total", [7_663_464, 6_691_305, 5_951_838, 6_267_363, 0, 1, 146])
def test_registered_estimate_exact(name, total):
    lay = get_layout(name, registered_total=total)
    reg = lay.registered
    assert reg.dtype == np.int64 and reg.shape == (lay.n_constituencies,)
    assert int(reg.sum()) == total
    assert (reg >= 0).all()
    assert "estimate" in lay.registered_provenance
    # parts add up to the same district figures in both layouts
    assert (lay.to_districts(reg) == get_layout("mali-55", registered_total=total).registered).all()
    with pytest.raises(ValueError):
        reg[0] = 1
    # the cached layout is untouched
    assert get_layout(name).registered is None


def test_registered_proportional_to_seats():
    lay = get_layout("mali-55", registered_total=7_663_464)
    quota = 7_663_464 * lay.magnitude / 147
    assert (np.abs(lay.registered - quota) < 1).all()


@given(
    total=st.integers(0, 10**9),
    seats=st.lists(st.integers(0, 10), min_size=1, max_size=60).filter(lambda s: sum(s) > 0),
)
def test_estimate_registered_largest_remainder(total, seats):
    out = estimate_registered(total, np.array(seats))
    assert int(out.sum()) == total
    exact = [total * s / sum(seats) for s in seats]
    assert all(abs(o - e) < 1 for o, e in zip(out.tolist(), exact, strict=True))
    assert (out[np.array(seats) == 0] == 0).all()
    assert (estimate_registered(total, np.array(seats)) == out).all()


def test_estimate_registered_rejects_bad_input():
    with pytest.raises(ValueError, match="total"):
        estimate_registered(-1, [1, 2])
    with pytest.raises(ValueError, match="total"):
        estimate_registered(1.5, [1, 2])
    with pytest.raises(ValueError, match="seats"):
        estimate_registered(10, [0, 0])
    with pytest.raises(ValueError, match="seats"):
        estimate_registered(10, [1.0, 2.0])


def test_parts_per_district():
    seats = [d.seats for d in datasets.districts()]
    k = parts_per_district(seats, 125)
    assert sum(k) == 125 and all(1 <= kd <= s for kd, s in zip(k, seats, strict=True))
    assert parts_per_district(seats, 55) == [1] * 55
    assert parts_per_district(seats, 147) == seats
    with pytest.raises(ValueError):
        parts_per_district(seats, 54)
    with pytest.raises(ValueError):
        parts_per_district(seats, 148)
    with pytest.raises(ValueError):
        parts_per_district([0, 2], 2)


def test_to_districts_batched():
    lay = get_layout("mali-125")
    x = np.ones((3, 125), dtype=np.int64)
    out = lay.to_districts(x)
    assert out.shape == (3, 55)
    assert (out == lay.to_districts(np.ones(125, dtype=np.int64))).all()
    with pytest.raises(ValueError):
        lay.to_districts(np.ones(55))
