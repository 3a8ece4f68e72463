"""Tests of malivote.plot: artists drawn, inputs checked, nothing global touched."""

from __future__ import annotations

import copy

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from malivote import datasets, metrics, plot
from malivote.layouts import get_layout
from malivote.scenario import load_scenario, parse_scenario
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


def test_seat_distributions_legend_names_the_median_dot():
    draws = np.array([[50, 90], [52, 88], [51, 89]])
    ax = plot.seat_distributions(new_ax(), draws, ["RPM", "ADEMA"], official={"RPM": 51, "ADEMA": 96})
    assert legend_texts(ax) == ["median", "official"]
    dots = [line for line in ax.get_lines() if line.get_gid() == "median"]
    assert sorted(float(line.get_xdata()[0]) for line in dots) == [51.0, 89.0]
    assert legend_texts(plot.seat_distributions(new_ax(), draws, ["RPM", "ADEMA"])) == ["median"]


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


def test_compare_summaries_get_a_title_and_their_metrics(simulation):
    """Given summaries (as ``malivote compare --plot`` gives it), the chart says what
    it shows, each scenario's key metrics, and when the layouts differ."""
    text = '[election]\nlayout = "mali-125"\n' + "".join(
        f'[[lists]]\nconstituency = "{name}"\nparties = ["RPM"]\nvotes = [{300 + c}]\n'
        f'[[lists]]\nconstituency = "{name}"\nparties = ["URD", "ADEMA"]\nvotes = [{500 - c}]\n'
        for c, name in enumerate(get_layout("mali-125").names))
    other = simulate(parse_scenario(text, source="lists125.toml"), draws=2)
    summaries = {"fifty-five": simulation.summary(), "one-two-five": other.summary()}
    figure = Figure(figsize=(9, 4))
    ax = plot.compare(figure.add_subplot(), summaries)
    title = ax.get_title()
    assert title.startswith("Seats per party over 2 draws: median and 90% interval")
    assert "layouts differ ([1] mali-55, [2] mali-125)" in " ".join(title.split())
    legend = legend_texts(ax)
    # numbered as the note numbers the scenarios
    assert legend[0].startswith("[1] fifty-five: mali-55, 2 draws, seed 0\nGallagher ")
    assert legend[1].startswith("[2] one-two-five: mali-125, 2 draws, seed 0\n")
    gallagher = summaries["fifty-five"].metrics["gallagher"]
    assert f"Gallagher {gallagher:.1f} points (" in legend[0] and " by votes, " in legend[0]
    share = summaries["fifty-five"].metrics["largest_party_share"]
    assert f"largest party {100 * share:.1f}% of the seats" in legend[0]
    # Drawn as the command line draws it, the title and the legend stay inside the figure.
    figure.tight_layout()
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    box = figure.bbox
    for artist in (ax.title, ax.get_legend()):
        extent = artist.get_window_extent(canvas.get_renderer())
        assert box.x0 - 1 <= extent.x0 and extent.x1 <= box.x1 + 1 and extent.y1 <= box.y1 + 1
    # One layout: no note; an explicit title wins; plain numbers get no metrics.
    same = plot.compare(new_ax(), {"a": summaries["fifty-five"], "b": simulation})
    assert "layouts differ" not in same.get_title()
    assert plot.compare(new_ax(), summaries, title="mine").get_title() == "mine"
    assert plot.compare(new_ax(), {"a": {"RPM": 3}}).get_title() == ""
    assert "Modelled" not in title  # lists of one's own: counted votes


def whisker_segments(ax) -> dict[str, list]:
    """The interval lines ``compare`` drew, per scenario."""
    return {c.get_gid()[len("interval:"):]: c.get_segments() for c in ax.collections
            if (c.get_gid() or "").startswith("interval:")}


def test_compare_draws_no_interval_around_a_fixed_value():
    results = {"replay": {"RPM": (51, 51, 51), "URD": 19}, "PR": {"RPM": (38, 35, 41), "URD": (17, 17, 17)}}
    ax = plot.compare(new_ax(), results)
    drawn = [segment for c in ax.collections for segment in c.get_segments()]
    assert len(drawn) == 1 and sorted(x for x, _ in drawn[0]) == [35, 41]  # no zero-length whisker
    caps = [x for line in ax.get_lines() for x in line.get_xdata()]
    assert sorted(caps) == [35, 41]  # no cap marking a fake interval at 51, 19 or 17
    segments = whisker_segments(ax)
    assert "replay" not in segments and len(segments["PR"]) == 1
    assert len(ax.patches) == 4  # the bars are all drawn


def test_compare_of_a_replay_says_its_votes_are_modelled():
    replay = simulate(load_scenario("mali_2020"), draws=2, seed=4, keep=False).summary()
    lists = simulate(parse_scenario(lists_toml(), source="lists.toml"), draws=2, seed=4, keep=False).summary()
    title = plot.compare(Figure(figsize=(9, 4)).add_subplot(), {"replay": replay, "mine": lists}).get_title()
    assert "Modelled: the district votes of [1] are reconstructed" in " ".join(title.split())


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
    assert ax.get_xlabel() == "Vote share"
    ax = plot.seat_vote_curve(new_ax(), votes, seats, ["RPM", "URD", "X"], xlabel="Vote share (modelled)")
    assert ax.get_xlabel() == "Vote share (modelled)"


def label_boxes(ax):
    figure = ax.figure
    FigureCanvasAgg(figure).draw()
    return [t.get_window_extent() for t in ax.texts]


def overlapping(boxes):
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j])]


def test_seat_vote_curve_labels_the_largest_and_lists_the_rest():
    # 18 parties: three large, fifteen crowded in the lower-left corner.
    rng = np.random.default_rng(1)
    small = rng.uniform(0.005, 0.04, size=15)
    votes = np.concatenate([[0.30, 0.20, 0.15], small])
    votes = votes / votes.sum()
    seats = np.concatenate([[0.45, 0.2, 0.15], np.full(15, 0.2 / 15)])
    ids = ["RPM", "ADEMA", "URD", "MPM", "ADP-Maliba", "CODEM", "ASMA", "UDD", "SADI", "Yelema", "PARENA",
           "CDS", "PRVM", "UM-RDA", "PDES", "APR", "MPR", "UFDP"]
    figure = Figure(figsize=(7, 5))
    ax = plot.seat_vote_curve(figure.subplots(), votes, seats, ids)
    labelled = [t.get_text() for t in ax.texts]
    assert labelled[:3] == ["RPM", "ADEMA-PASJ", "URD"]
    assert len(labelled) <= 6
    assert overlapping(label_boxes(ax)) == []
    # every party is named once: beside its point or in the legend
    legend = legend_texts(ax)
    named = labelled + [t for t in legend if t != "proportional"]
    assert sorted(named) == sorted(plot.party_label(p) for p in ids)
    # nor do the labels cover the legend
    legend_box = ax.get_legend().get_window_extent()
    assert not any(box.overlaps(legend_box) for box in label_boxes(ax))


def test_seat_vote_curve_labels_never_overlap_even_when_all_are_wanted():
    votes = np.array([0.5] + [0.5 / 20] * 20)
    seats = np.array([0.6] + [0.4 / 20] * 20)
    ids = [f"party {i}" for i in range(21)]
    figure = Figure(figsize=(5, 5))
    ax = plot.seat_vote_curve(figure.subplots(), votes, seats, ids, top=None)
    assert overlapping(label_boxes(ax)) == []
    assert ax.texts[0].get_text() == "party 0"
    # the 20 identical points cannot all be named beside themselves: the rest are in the legend
    assert len(ax.texts) < 21 and len(legend_texts(ax)) == 1 + 21 - len(ax.texts)
    ax = plot.seat_vote_curve(new_ax(), votes, seats, ids, annotate=False)
    assert len(ax.texts) == 0
    assert len(legend_texts(ax)) == 22


def test_seat_vote_plot_of_a_replay_says_votes_are_modelled(tmp_path):
    scenario = load_scenario("mali_2020")
    assert scenario.is_replay
    sim = simulate(scenario, draws=3)
    shares = plot.party_vote_shares(sim)
    assert np.allclose(shares.sum(axis=1), 1)
    paths = plot.plot_simulation(sim, tmp_path, formats=("svg",))
    text = (tmp_path / "seat_vote.svg").read_text()
    assert "modelled: district votes are reconstructed" in text
    assert {p.name for p in paths} >= {"seat_vote.svg", "districts.svg"}


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
    # the joint URD+ADEMA list's votes are split equally, as in malivote.metrics
    urd, adema = simulation.parties.index("URD"), simulation.parties.index("ADEMA")
    assert np.allclose(shares[:, urd], shares[:, adema])
    assert np.isclose(shares[0, urd], first[:, 1].sum() / 2 / first.sum())
    expected = metrics.party_votes(simulation.ensemble.first, simulation.ensemble.members, len(simulation.parties))
    assert np.allclose(shares, expected / expected.sum(axis=1, keepdims=True))


# --------------------------------------------------------------------- districts


def tiles(ax) -> dict[str, list]:
    """The stripes of each tile, by district name (gid ``"name|party"``)."""
    out: dict[str, list] = {}
    for patch in ax.patches:
        gid = patch.get_gid() or ""
        if "|" in gid:
            out.setdefault(gid.split("|")[0], []).append(patch)
    return out


def frames(ax) -> list:
    return [p for p in ax.patches if "|" not in (p.get_gid() or "")]


def hex_of(patch) -> str:
    return matplotlib.colors.to_hex(patch.get_facecolor(), keep_alpha=False)


def test_district_grid():
    ds = datasets.districts()
    names = [d.district for d in ds]
    winners, rounds = plot.official_winners(2020)
    ax = new_ax()
    assert plot.district_grid(ax, names, winners, rounds, regions=[d.region for d in ds]) is ax
    assert [p.get_gid() for p in frames(ax)] == names
    stripes = tiles(ax)
    assert list(stripes) == names
    for name, winner in zip(names, winners):
        parties = winner.split("+") if winner else []
        # one stripe per party of the list, in its colour; facts are drawn in full colour
        assert [hex_of(p) for p in stripes[name]] == ([plot.party_colour(p) for p in parties] or [plot._UNKNOWN])
        assert all(p.get_alpha() == 1 for p in stripes[name])
    texts = [t.get_text() for t in ax.texts]
    assert {"Kayes", "Bamako", "Commune VI"} <= set(texts)
    assert texts.count("round 2") == int(((rounds == 2) & (winners != "")).sum())
    assert not any("%" in t for t in texts)  # no shares without probability
    legend = legend_texts(ax)
    assert "RPM" in legend and "round 2" not in legend
    # without regions: a plain grid
    ax = plot.district_grid(new_ax(), ["a", "b", "c"], ["RPM", None, "X+Y"], [1, 0, 2], legend=False)
    assert len(frames(ax)) == 3 and ax.get_legend() is None
    assert [len(v) for v in tiles(ax).values()] == [1, 1, 2]


def hand_made_simulation(draws: int = 10):
    """A simulation of the mali-55 layout whose district winners are known.

    In each draw slot 0 of every constituency is a joint RPM+MPM list and slot 1 a
    URD list. The RPM+MPM list wins Kayes in every draw, Kita in 7 of 10 draws (URD
    in the others) and Gao in 3 of 10 (URD in 7); every other constituency goes to
    URD in every draw. Kita is decided in round 2 in 5 of the 7 draws RPM+MPM wins.
    """
    from types import SimpleNamespace

    layout = get_layout("mali-55")
    parties = ("RPM", "MPM", "URD")
    c = len(layout.names)
    members = np.zeros((draws, c, 2), dtype=np.int64)
    members[:, :, 0] = 0b011  # RPM+MPM
    members[:, :, 1] = 0b100  # URD
    first = np.full((draws, c, 2), 100, dtype=np.int64)
    seats = np.zeros((draws, c, 2), dtype=np.int64)
    seats[:, :, 1] = 1
    rounds = np.ones((draws, c), dtype=np.int8)
    kayes, kita, gao = (layout.names.index(n) for n in ("Kayes", "Kita", "Gao"))
    seats[:, kayes] = (1, 0)
    seats[:7, kita] = (1, 0)
    rounds[:5, kita] = 2
    seats[:3, gao] = (1, 0)
    ensemble = SimpleNamespace(first=first, members=members, parties=parties, layout=layout)
    return SimpleNamespace(ensemble=ensemble, seats=seats, round=rounds, parties=parties), (kayes, kita, gao)


def test_district_winners_and_tiles_of_a_hand_made_simulation():
    sim, (kayes, kita, gao) = hand_made_simulation()
    result = plot.district_winners(sim)
    assert result.winners[kayes] == "RPM+MPM" and result.probability[kayes] == 1
    assert result.winners[kita] == "RPM+MPM" and np.isclose(result.probability[kita], 0.7)
    assert result.rounds[kita] == 2
    assert result.winners[gao] == "URD" and np.isclose(result.probability[gao], 0.7)
    others = [i for i in range(len(result.names)) if i not in (kayes, kita, gao)]
    assert set(result.winners[others]) == {"URD"} and np.allclose(result.probability[others], 1)

    ax = plot.district_grid(Figure(figsize=(9, 6)).subplots(), result.names, result.winners, result.rounds,
                            probability=result.probability, regions=result.regions)
    stripes = tiles(ax)
    rpm, mpm, urd = (datasets.party(p).colour for p in ("RPM", "MPM", "URD"))
    # Kayes: RPM+MPM in every draw: two stripes, RPM's then MPM's, in full colour
    assert [hex_of(p) for p in stripes["Kayes"]] == [rpm, mpm]
    assert [p.get_alpha() for p in stripes["Kayes"]] == [1.0, 1.0]
    # the two stripes split the tile in halves, side by side
    left, right = stripes["Kayes"]
    assert np.isclose(left.get_width(), right.get_width())
    assert np.isclose(left.get_x() + left.get_width(), right.get_x())
    # Kita: RPM+MPM in 70% of draws: same colours, faded to win_alpha(0.7)
    assert [hex_of(p) for p in stripes["Kita"]] == [rpm, mpm]
    assert np.allclose([p.get_alpha() for p in stripes["Kita"]], plot.win_alpha(0.7))
    # Gao: URD in 70% of draws
    assert [hex_of(p) for p in stripes["Gao"]] == [urd]
    assert np.isclose(stripes["Gao"][0].get_alpha(), plot.win_alpha(0.7))
    assert plot.win_alpha(0.7) < plot.win_alpha(1.0) == 1.0
    # the tiles say it in words too
    texts = [t.get_text() for t in ax.texts]
    assert texts[texts.index("Kayes") + 1 : texts.index("Kayes") + 3] == ["RPM+MPM", "100%, round 1"]
    assert texts[texts.index("Kita") + 1 : texts.index("Kita") + 3] == ["RPM+MPM", "70%, round 2"]
    assert texts[texts.index("Gao") + 1 : texts.index("Gao") + 3] == ["URD", "70%, round 1"]
    # a key explains the shading: a second legend beside the grid, and the party legend
    key = ax.get_legend()
    assert [t.get_text() for t in key.get_texts()] == ["100%", "75%", "50%", "25%", "5%"]
    assert np.allclose([h.get_alpha() for h in key.legend_handles], plot.win_alpha([1, 0.75, 0.5, 0.25, 0.05]))
    party_legend = next(a for a in ax.artists if isinstance(a, matplotlib.legend.Legend))
    assert [t.get_text() for t in party_legend.get_texts()] == ["RPM", "URD", "MPM"]  # package order


def test_district_grid_texts_fit_their_tiles():
    ds = datasets.districts()
    names = [d.district for d in ds]
    winners = np.array(["RPM+ADEMA+URD+UDD+Yelema+PS-Yelen-Kura"] * len(names), dtype=object)
    figure = Figure(figsize=(9, 6))
    ax = plot.district_grid(figure.subplots(), names, winners, np.full(len(names), 2),
                            probability=np.full(len(names), 0.16), regions=[d.region for d in ds])
    FigureCanvasAgg(figure).draw()
    boxes = {f.get_gid(): f.get_window_extent() for f in frames(ax)}
    labels = [t for t in ax.texts if "+" in t.get_text()]
    assert labels and all("more" in t.get_text() for t in labels)
    for t in labels:
        box = t.get_window_extent()
        x, y = t.get_position()
        tile = next(b for b in boxes.values() if b.contains(*ax.transData.transform((x, y))))
        assert tile.x0 <= box.x0 and box.x1 <= tile.x1


def test_district_grid_with_probability_checks_it():
    with pytest.raises(ValueError, match="^probability:"):
        plot.district_grid(new_ax(), ["a", "b"], ["RPM", "URD"], [1, 1], probability=[1.0])
    with pytest.raises(ValueError, match="^probability:"):
        plot.district_grid(new_ax(), ["a", "b"], ["RPM", "URD"], [1, 1], probability=[1.0, 1.5])


def test_replay_figures_say_what_is_modelled_and_give_the_seed(tmp_path):
    sim = simulate(load_scenario("mali_2020"), draws=3, seed=11)
    plot.plot_simulation(sim, tmp_path, formats=("svg",))
    svg = {stem: (tmp_path / f"{stem}.svg").read_text() for stem in
           ("hemicycle", "hemicycle_official", "seat_distributions", "seat_vote", "districts")}
    assert "modelled: district votes are reconstructed" in svg["districts"]
    for stem in ("hemicycle", "seat_distributions", "seat_vote", "districts"):
        assert "3 draws, seed 11" in svg[stem], stem
    # the replay's seats are the official ones: no "for comparison"
    assert "official result" in svg["hemicycle_official"] and "for comparison" not in svg["hemicycle_official"]


def test_official_hemicycle_of_a_counterfactual_says_it_is_the_real_election(tmp_path):
    sim = simulate(load_scenario("counterfactuals/dhondt_districts"), draws=2, seed=2)
    assert sim.official() and (sim.party_seats != [sim.official().get(p, 0) for p in sim.parties]).any()
    plot.plot_simulation(sim, tmp_path, formats=("svg",))
    assert "the real election, for comparison" in (tmp_path / "hemicycle_official.svg").read_text()


def test_sweep_uses_party_colours_and_keeps_the_legend_off_the_lines():
    from malivote.election_io import Election
    from malivote.scenario import build_scenario
    from malivote.sweep import Sweep

    election = Election.from_arrays([[60, 40], [30, 70], [45, 55]], [2, 1, 1], ["RPM", "URD"])
    base = build_scenario(election, rule={"method": "divisor"}, models={"noise": {"concentration": 50.0}},
                          blocs={"camp": ["RPM"]})
    dataset = Sweep.from_scenario(base, {"rule.threshold": [0.0, 0.45]}).run(draws=6, seed=5).dataset
    figure = Figure(figsize=(8, 5))
    ax = plot.sweep(figure.add_subplot(), dataset)
    colours = {line.get_label(): line.get_color() for line in ax.get_lines()}
    assert colours["RPM"] == plot.party_colour("RPM") and colours["URD"] == plot.party_colour("URD")
    assert colours["[camp]"] not in (colours["RPM"], colours["URD"])
    assert ax.get_title().endswith("(6 draws per point, seed 5)")
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    legend = ax.get_legend().get_window_extent(canvas.get_renderer())
    assert legend.x0 >= ax.get_window_extent(canvas.get_renderer()).x1  # beside the axes, not over them
    # zipped parameters: every value is on the ticks, so every name is on the axis
    zipped = Sweep.from_scenario(base, {"rule.divisor": ["dhondt", "sainte_lague"], "rule.threshold": [0.0, 0.3]},
                                 mode="zip").run(draws=2, seed=5).dataset
    ax = plot.sweep(Figure().add_subplot(), zipped)
    assert ax.get_xlabel() == "rule.divisor / rule.threshold"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["dhondt\n0.0", "sainte_lague\n0.3"]


def test_national_tier_draws_no_district_map(tmp_path):
    scenario = load_scenario("counterfactuals/national_pr_5pct")
    assert scenario.rule.tier == "national"
    sim = simulate(scenario, draws=2)
    plot.plot_simulation(sim, tmp_path, formats=("svg",))
    text = (tmp_path / "districts.svg").read_text()
    assert "districts decide no seats under this rule" in text
    assert "round 2" not in text and "RPM+" not in text
    ax = plot.no_districts(new_ax())
    assert len(ax.patches) == 0 and "decide no seats" in ax.texts[0].get_text()


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
    # this scenario repeats one election: the titles say the seats never change
    assert "the same in all 2 draws" in (tmp_path / "out" / "hemicycle.svg").read_text()
    assert "the same in every draw" in (tmp_path / "out" / "seat_distributions.svg").read_text()
    # the votes are counted, not reconstructed: no "modelled" on the seat-vote plot
    assert "modelled" not in (tmp_path / "out" / "seat_vote.svg").read_text()
    with pytest.raises(ValueError, match="^formats:"):
        plot.plot_simulation(simulation, tmp_path, formats=())
