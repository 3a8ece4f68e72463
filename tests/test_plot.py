"""Tests of malivote.plot: artists drawn, inputs checked, nothing global touched."""

from __future__ import annotations

import copy

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.figure import Figure

from malivote import datasets, plot
from malivote.layouts import get_layout
from malivote.scenario import parse_scenario
from malivote.simulate import simulate


def new_ax():
    return Figure(figsize=(6, 4)).subplots()


def seat_count(ax) -> int:
    return sum(len(c.get_paths()) for c in ax.collections if (c.get_gid() or "").startswith("seats:"))


def legend_texts(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def lists_toml(layout="mali-55", official=None) -> str:
    """A scenario with two lists in every constituency (needs no reconstruction)."""
    lines = [f'[election]\nlayout = "{layout}"\n']
    if official:
        seats = ", ".join(f'"{p}" = {s}' for p, s in official.items())
        lines.append(f"[official]\nseats = {{{seats}}}\n")
    for c, name in enumerate(get_layout(layout).names):
        lines.append(f'[[lists]]\nconstituency = "{name}"\nparties = ["RPM"]\nvotes = [{300 + 7 * c}]\n')
        lines.append(f'[[lists]]\nconstituency = "{name}"\nparties = ["URD", "ADEMA"]\nvotes = [{500 - 5 * c}]\n')
    return "\n".join(lines)


@pytest.fixture(scope="module")
def simulation():
    scenario = parse_scenario(lists_toml(official={"RPM": 60, "URD": 50, "ADEMA": 37}), source="lists.toml")
    return simulate(scenario, draws=2)


# ----------------------------------------------------------------------- colours


def test_party_colour_and_label():
    assert plot.party_colour("RPM") == datasets.party("RPM").colour
    assert plot.party_colour("URD+ADEMA") == datasets.party("URD").colour
    assert plot.party_colour("nobody") in plot.GREYS
    assert plot.party_colour("nobody", default="#123456") == "#123456"
    assert plot.party_label("Yelema") == "Yéléma"
    assert plot.party_label("RPM+URD") == "RPM +1"


# --------------------------------------------------------------------- hemicycle


@pytest.mark.parametrize("n", [1, 2, 5, 9, 30, 147, 300])
def test_seat_positions(n):
    x, y, radius = plot.seat_positions(n)
    assert x.shape == y.shape == (n,)
    assert (y >= -1e-12).all() and np.allclose(np.hypot(x, y) <= 1 + 1e-9, True)
    angle = np.arctan2(y, x)
    assert (np.diff(angle) <= 1e-12).all()  # left to right
    if n > 1:
        gaps = np.hypot(x[:, None] - x[None], y[:, None] - y[None]) + np.eye(n) * 9
        assert gaps.min() >= 2 * radius - 1e-9  # discs do not overlap


def test_hemicycle_2020():
    official = datasets.seat_totals(2020)
    ax = new_ax()
    assert plot.hemicycle(ax, official) is ax
    assert seat_count(ax) == 147
    texts = legend_texts(ax)
    assert "RPM 51" in texts and "ADEMA-PASJ 24" in texts and "Others 5" in texts
    assert len(texts) == sum(1 for s in official.values() if s > 0)
    by_party = {c.get_gid(): len(c.get_paths()) for c in ax.collections}
    assert by_party["seats:RPM"] == 51 and by_party["seats:IND"] == 2
    # The first party fills the left of the half-disc.
    rpm = next(c for c in ax.collections if c.get_gid() == "seats:RPM")
    centres = np.array([p.vertices.mean(axis=0) for p in rpm.get_paths()])
    assert centres[:, 0].mean() < -0.3


def test_hemicycle_array_input_colours_and_labels():
    ax = plot.hemicycle(new_ax(), np.array([3, 0, 2]), parties=["RPM", "URD", "ZZ"],
                        labels={"RPM": "Rally"}, colours={"RPM": "#000000"}, rows=2)
    assert seat_count(ax) == 5
    assert legend_texts(ax) == ["Rally 3", "ZZ 2"]  # no entry for a party without seats
    faces = {c.get_gid(): matplotlib.colors.to_hex(c.get_facecolor()[0]) for c in ax.collections}
    assert faces["seats:RPM"] == "#000000" and faces["seats:ZZ"] in plot.GREYS
    assert plot.hemicycle(new_ax(), [4], legend=False).get_legend() is None


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"seats": {"RPM": -1, "URD": 3}}, "seats"),
        ({"seats": {"RPM": 1.5}}, "seats"),
        ({"seats": {"RPM": 0}}, "seats"),
        ({"seats": [1, 2], "parties": ["RPM"]}, "parties"),
        ({"seats": {"RPM": 1}, "parties": ["RPM"]}, "parties"),
        ({"seats": [1, 2], "parties": ["A", "B"], "colours": ["red"]}, "colours"),
        ({"seats": [1, 2], "parties": ["A", "B"], "labels": ["a"]}, "labels"),
    ],
)
def test_hemicycle_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        plot.hemicycle(new_ax(), **kwargs)


def test_nearest_median_draw():
    draws = np.array([[5, 0], [3, 2], [2, 3], [3, 2]])
    assert plot.nearest_median_draw(draws) == 1
    with pytest.raises(ValueError, match="^party_seats:"):
        plot.nearest_median_draw([1, 2])


# ------------------------------------------------------------------ distributions


def test_seat_distributions_marks_official():
    draws = np.array([[50, 90, 7, 0], [52, 88, 7, 0], [51, 89, 7, 0]])
    ax = new_ax()
    out = plot.seat_distributions(ax, draws, ["RPM", "ADEMA", "X", "NONE"], official={"RPM": 51, "ADEMA": 96})
    assert out is ax
    marks = [c for c in ax.collections if c.get_label() == "official"]
    assert len(marks) == 1
    xs = sorted(float(s[0][0]) for s in marks[0].get_segments())
    assert xs == [0.0, 51.0, 96.0]  # X has no official seat: its tick is at 0
    # by official seats, then mean seats, top to bottom; NONE never has a seat
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["ADEMA-PASJ", "RPM", "X"]
    assert list(ax.get_yticks()) == sorted(ax.get_yticks(), reverse=True)
    assert "official" in legend_texts(ax)
    # one bar per distinct seat count per row
    assert len(ax.patches) == 3 + 3 + 1


def test_seat_distributions_top_and_unsorted():
    draws = np.array([[3, 1, 0], [2, 2, 0]])
    ax = plot.seat_distributions(new_ax(), draws, ["A", "B", "C"], sort=False, official=[3, 1, 0])
    assert len(ax.get_yticks()) == 3
    ax = plot.seat_distributions(new_ax(), draws, ["A", "B", "C"], top=1)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A"]
    assert not [c for c in ax.collections if c.get_label() == "official"]


@pytest.mark.parametrize(
    ("args", "kwargs", "name"),
    [
        (([[1, 2]], ["A"]), {}, "parties"),
        (([[1, -2]], ["A", "B"]), {}, "party_seats"),
        (([1, 2], ["A", "B"]), {}, "party_seats"),
        (([[1, 2]], ["A", "B"]), {"official": [1]}, "official"),
        (([[1, 2]], ["A", "B"]), {"official": {"A": -3}}, "official"),
        (([[1, 2]], ["A", "B"]), {"top": 0}, "top"),
    ],
)
def test_seat_distributions_bad_input(args, kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        plot.seat_distributions(new_ax(), *args, **kwargs)


# ----------------------------------------------------------------------- compare


def test_compare(simulation):
    results = {
        "two rounds": {"RPM": (51, 48, 55), "URD": 19, "ADEMA": (0, 0, 0)},
        "PR": {"RPM": (38.0, 35.0, 41.0), "URD": 17},
        "simulated": simulation,
    }
    ax = new_ax()
    assert plot.compare(ax, results) is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "RPM" and sorted(labels[1:]) == ["ADEMA-PASJ", "URD"]
    assert legend_texts(ax) == ["two rounds", "PR", "simulated"]
    assert len(ax.patches) == 3 * 3
    widths = dict(zip(labels, (p.get_width() for p in ax.patches[:3])))
    assert widths == {"RPM": 51, "ADEMA-PASJ": 0, "URD": 19}
    ax = plot.compare(new_ax(), results, parties=["URD"])
    assert len(ax.patches) == 3


@pytest.mark.parametrize(
    ("results", "kwargs", "name"),
    [
        ({}, {}, "results"),
        ({"a": {"RPM": (5, 6, 7)}}, {}, "results"),
        ({"a": {"RPM": (5, 6)}}, {}, "results"),
        ({"a": [1, 2]}, {}, "results"),
        ({"a": {"RPM": 1}}, {"scenario_colours": ["red", "blue"]}, "scenario_colours"),
    ],
)
def test_compare_bad_input(results, kwargs, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        plot.compare(new_ax(), results, **kwargs)


# ------------------------------------------------------------------- seats-votes


def test_seat_vote_curve():
    ax = new_ax()
    votes = np.array([[0.4, 0.35, 0.25], [0.42, 0.33, 0.25]])
    seats = np.array([[0.6, 0.3, 0.1], [0.62, 0.3, 0.08]])
    assert plot.seat_vote_curve(ax, votes, seats, ["RPM", "URD", "X"], law=3) is ax
    diagonal = ax.lines[0]
    assert np.allclose(diagonal.get_xdata(), diagonal.get_ydata())
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["RPM", "URD", "X"]
    # one faint cloud and one mean point per party
    assert len(ax.collections) == 6


@pytest.mark.parametrize(
    ("votes", "seats", "parties", "name"),
    [
        ([0.5, 0.5], [0.5, 0.5], ["A"], "parties"),
        ([0.5, 0.5], [0.5, 0.5, 0.0], ["A", "B"], "seat_shares"),
        ([1.5, 0.5], [0.5, 0.5], ["A", "B"], "vote_shares"),
        ([0.5, 0.5], [-0.1, 0.5], ["A", "B"], "seat_shares"),
    ],
)
def test_seat_vote_curve_bad_input(votes, seats, parties, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        plot.seat_vote_curve(new_ax(), votes, seats, parties)


def test_party_vote_shares(simulation):
    shares = plot.party_vote_shares(simulation)
    assert shares.shape == simulation.party_seats.shape
    assert np.allclose(shares.sum(axis=1), 1)
    first = simulation.ensemble.first[0]
    rpm = simulation.parties.index("RPM")
    assert np.isclose(shares[0, rpm], first[:, 0].sum() / first.sum())


# --------------------------------------------------------------------- districts


def test_district_grid():
    ds = datasets.districts()
    names = [d.district for d in ds]
    winners, rounds = plot.official_winners(2020)
    ax = new_ax()
    assert plot.district_grid(ax, names, winners, rounds, regions=[d.region for d in ds]) is ax
    assert len(ax.patches) == 55
    assert [p.get_gid() for p in ax.patches] == names
    hatched = [bool(p.get_hatch()) for p in ax.patches]
    assert hatched == list((rounds == 2) & (winners != ""))
    kayes = ax.patches[0]
    assert matplotlib.colors.to_hex(kayes.get_facecolor()) == plot.party_colour(winners[0])
    assert "round 2" in legend_texts(ax)
    header = {t.get_text() for t in ax.texts}
    assert {"Kayes", "Bamako", "Commune VI"} <= header
    # without regions: a plain grid
    ax = plot.district_grid(new_ax(), ["a", "b", "c"], ["RPM", None, "X+Y"], [1, 0, 2], legend=False)
    assert len(ax.patches) == 3 and ax.get_legend() is None


@pytest.mark.parametrize(
    ("winners", "rounds", "regions", "name"),
    [
        (["RPM"], [1, 1], None, "winners"),
        (["RPM", "URD"], [1], None, "rounds"),
        (["RPM", "URD"], [1, 3], None, "rounds"),
        (["RPM", "URD"], [1, 2], ["Kayes"], "regions"),
    ],
)
def test_district_grid_bad_input(winners, rounds, regions, name):
    with pytest.raises(ValueError, match=f"^{name}:"):
        plot.district_grid(new_ax(), ["a", "b"], winners, rounds, regions=regions)


def test_district_winners(simulation):
    result = plot.district_winners(simulation)
    assert len(result.names) == len(result.winners) == 55
    assert set(result.winners) <= {"RPM", "ADEMA+URD"}
    assert set(result.rounds.tolist()) <= {1, 2}
    assert np.allclose(result.probability, 1)  # the lists scenario repeats one election
    assert (result.rounds == simulation.round[0]).all()


# ------------------------------------------------------------------- no globals


def test_no_global_changes(simulation, tmp_path):
    import matplotlib.pyplot as plt

    before = copy.deepcopy(dict(matplotlib.rcParams))
    figures = plt.get_fignums()
    plot.hemicycle(new_ax(), datasets.seat_totals(2013))
    plot.seat_distributions(new_ax(), simulation.party_seats, simulation.parties, official=simulation.official())
    plot.compare(new_ax(), {"a": {"RPM": 3}})
    plot.seat_vote_curve(new_ax(), [0.5, 0.5], [0.6, 0.4], ["RPM", "URD"])
    plot.district_grid(new_ax(), ["a"], ["RPM"], [2])
    plot.plot_simulation(simulation, tmp_path, formats=("png",))
    after = dict(matplotlib.rcParams)
    assert {k: v for k, v in after.items() if before[k] != v} == {}
    assert plt.get_fignums() == figures


# ------------------------------------------------------------------------ files


def test_plot_simulation_writes_files(simulation, tmp_path):
    paths = plot.plot_simulation(simulation, tmp_path / "out")
    names = sorted(p.name for p in paths)
    for stem in ("hemicycle", "hemicycle_official", "seat_distributions", "seat_vote", "districts"):
        assert f"{stem}.png" in names and f"{stem}.svg" in names
    assert all(p.exists() and p.stat().st_size > 1000 for p in paths)
    assert (tmp_path / "out" / "hemicycle.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "out" / "hemicycle.svg").read_text()
    with pytest.raises(ValueError, match="^formats:"):
        plot.plot_simulation(simulation, tmp_path, formats=())
