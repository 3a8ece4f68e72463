"""What users read: labelled metrics with units and 90% intervals, comparisons, the ETA."""

from __future__ import annotations

import csv
import io
import json
import re
import time

import numpy as np
import pytest

from malivote import report
from malivote.results import METRIC_NAMES, summarise_tally
from malivote.tally import METRIC_GRID, Tally

HEADER = dict(scenario="demo", source="demo.toml", seed=0, rule="two_round", layout="demo")


def rounded(values, low, step):
    """Values rounded half up to the grid ``low + i * step``, as the tally does."""
    return low + step * np.floor((np.asarray(values, dtype=float) - low) / step + 0.5)


def random_tally(rng, draws, blocks=1, parties=("A", "B", "C"), house=10, constituencies=4):
    """A tally of random metric values, added in ``blocks`` blocks; the values too."""
    values = {
        "gallagher": rng.uniform(0, 100, draws),
        "loosemore_hanby": rng.uniform(0, 100, draws),
        "enp_votes": rng.uniform(1, len(parties), draws),
        "enp_seats": rng.uniform(1, len(parties), draws),
        "largest_party_share": rng.uniform(0, 1, draws),
        "runoffs": rng.integers(0, constituencies + 1, draws),
        "wasted_votes": rng.uniform(0, 1, draws),
        "women": rng.integers(0, house + 1, draws),
    }
    seats = rng.multinomial(house, [1 / len(parties)] * len(parties), size=draws)
    tally = None
    for part in np.array_split(np.arange(draws), blocks):
        block = Tally.empty(parties, house=house, n_constituencies=constituencies)
        block.add(party_seats=seats[part], round1_constituencies=np.zeros(part.size, int),
                  round1_seats=np.zeros(part.size, int), women=values["women"][part],
                  metrics={name: v[part] for name, v in values.items()}, majority=house // 2 + 1)
        tally = block if tally is None else tally.merge(block)
    return tally, values


# ------------------------------------------------------------ metric histograms


@pytest.mark.parametrize("draws", [1, 7, 100, 2001])
def test_metric_quantiles_are_the_rounded_order_statistics(draws):
    tally, values = random_tally(np.random.default_rng(draws), draws, blocks=3 if draws > 3 else 1)
    for name, series in values.items():
        low, step = tally.metric_grid[name]
        for q in (0.05, 0.5, 0.95):
            exact = np.quantile(series, q, method="inverted_cdf")
            assert tally.metric_quantile(name, q) == pytest.approx(float(rounded(exact, low, step)), abs=1e-9), name
        assert tally.metric_mean(name) == pytest.approx(series.mean())


def test_whole_number_metrics_are_exact():
    tally, values = random_tally(np.random.default_rng(3), 501)
    for name in ("runoffs", "women"):
        got = tally.metric_quantile(name, 0.95)
        assert isinstance(got, int) and got == int(np.quantile(values[name], 0.95, method="inverted_cdf"))


def test_the_printed_interval_is_exact_to_its_digits():
    """The text shows each quantile to its grid step, so it is the order statistic
    rounded to the digits shown, whatever the other draws are."""
    tally, values = random_tally(np.random.default_rng(11), 999)
    summary = summarise_tally(tally, **HEADER)
    rows = {label: interval for label, _, interval in report.metric_rows(summary)}
    for name, series in values.items():
        _, factor, digits = report.METRIC_DISPLAY[name]
        low, step = tally.metric_grid[name]
        assert round(step * factor, 6) == 10.0 ** -digits  # the grid step is the last digit shown
        expected = [f"{float(rounded(np.quantile(series, q, method='inverted_cdf'), low, step)) * factor:.{digits}f}"
                    for q in (0.05, 0.95)]
        assert rows[report.metric_label(name)] == f"[{expected[0]}, {expected[1]}]"


def test_metric_memory_does_not_depend_on_draws():
    small, _ = random_tally(np.random.default_rng(0), 10)
    large, _ = random_tally(np.random.default_rng(0), 20_000, blocks=20)
    for name in METRIC_GRID:
        assert small.metric_hist[name].shape == large.metric_hist[name].shape
    assert sum(h.size for h in large.metric_hist.values()) < 5_000  # 3 parties, 4 constituencies, house 10


def test_metric_ranges_follow_the_election():
    tally = Tally.empty(tuple("ABCDEFGHIJ"), house=147, n_constituencies=55)
    assert tally.metric_hist["enp_votes"].size == 901  # [1, 10] by 0.01
    assert tally.metric_hist["runoffs"].size == 56 and tally.metric_hist["women"].size == 148
    assert tally.metric_hist["gallagher"].size == 1001 and tally.metric_hist["wasted_votes"].size == 1001


# ---------------------------------------------------------------- the summary


def test_summary_json_keeps_its_keys_and_adds_intervals():
    tally, _ = random_tally(np.random.default_rng(5), 50)
    data = summarise_tally(tally, official=None, **HEADER).to_dict()
    for key in ("scenario", "source", "draws", "seed", "rule", "layout", "parties", "round1", "women",
                "metrics", "lots", "blocs", "notes", "modelled"):
        assert key in data
    assert set(data["metrics"]) == set(METRIC_NAMES) | {"p_majority"}
    assert 0 <= data["metrics"]["wasted_votes"] <= 1  # still a fraction in JSON
    assert set(data["metric_intervals"]) == set(METRIC_NAMES)
    for cell in data["metric_intervals"].values():
        assert cell["p05"] <= cell["median"] <= cell["p95"]
    assert data["metric_units"]["gallagher"] == "percentage points"
    assert data["metric_units"]["wasted_votes"].startswith("fraction")
    json.dumps(data)


def test_national_only_has_no_women_interval():
    tally, _ = random_tally(np.random.default_rng(5), 20)
    summary = summarise_tally(tally, national_only=True, **HEADER)
    assert summary.metrics["women"] is None and "women" not in summary.metric_intervals
    assert ("Women elected", "n/a", "") in report.metric_rows(summary)


def constant_tally(seats, draws=4):
    """A tally in which the parties win ``seats`` (a row per draw, or one row for all)."""
    seats = np.asarray(seats)
    seats = np.broadcast_to(seats, (draws, seats.shape[-1])) if seats.ndim == 1 else seats
    parties = tuple("ABCD"[: seats.shape[1]])
    tally = Tally.empty(parties, house=int(seats[0].sum()), n_constituencies=2)
    zeros = np.zeros(len(seats), int)
    tally.add(party_seats=seats, round1_constituencies=zeros, round1_seats=zeros, women=zeros,
              metrics={}, majority=int(seats[0].sum()) // 2 + 1)
    return tally


def test_fixed_by_the_facts_only_where_the_facts_fix_every_seat():
    modelled = dict(HEADER, modelled=("district votes: reconstructed",))
    # A counterfactual on a replay's votes: C never wins a seat (a threshold, say), and
    # D always wins its official 1; but A and B vary, so no seat is fixed by facts.
    varying = constant_tally([[5, 3, 0, 1], [4, 4, 0, 1], [6, 2, 0, 1]])
    summary = summarise_tally(varying, official={"A": 5, "B": 2, "C": 2, "D": 1}, **modelled)
    text = report.format_table(summary)
    assert not report.seats_fixed_by_facts(summary)
    assert report.FIXED not in text and "Fixed by the facts" not in text
    assert re.search(r"^C\s+2\s+0\s+\[0, 0\]\s+0\.00$", text, flags=re.M)
    assert re.search(r"^D\s+1\s+1\s+\[1, 1\]\s+1\.00$", text, flags=re.M)
    # Constant, but not the official table: the rule's outcome, not the facts.
    other = summarise_tally(constant_tally([6, 3]), official={"A": 5, "B": 4}, **modelled)
    assert not report.seats_fixed_by_facts(other) and report.FIXED not in report.format_table(other)
    # A replay: every party at its official seats in every draw (or, without an
    # official table, as a provisional replay, the same in every draw).
    for official in ({"A": 5, "B": 4}, None):
        replay = summarise_tally(constant_tally([5, 4]), official=official, **modelled)
        text = report.format_table(replay)
        assert report.seats_fixed_by_facts(replay) and text.count(report.FIXED) == 2
        assert "Fixed by the facts: the official seats" in text
    # Without a reconstruction (lists of one's own), constant seats are not facts.
    plain = summarise_tally(constant_tally([5, 4]), official=None, **HEADER)
    assert not report.seats_fixed_by_facts(plain) and report.FIXED not in report.format_table(plain)


def test_tables_stay_aligned_with_a_long_party_id():
    tally = Tally.empty(("Rassemblement-pour-le-Mali-long", "B"), house=9, n_constituencies=2)
    zeros = np.zeros(3, int)
    tally.add(party_seats=np.array([[5, 4], [6, 3], [4, 5]]), round1_constituencies=zeros, round1_seats=zeros,
              women=zeros, metrics={}, majority=5)
    summary = summarise_tally(tally, official={"Rassemblement-pour-le-Mali-long": 5, "B": 4}, **HEADER)
    for text, header in ((report.format_table(summary), "Party"),
                         (report.format_comparison(report.compare_summaries([summary, summary])), "Party")):
        lines = text.splitlines()
        head = next(line for line in lines if line.startswith(header))
        rows = [line for line in lines if line.startswith(("Rassemblement", "B "))]
        assert len(rows) == 2
        assert len({len(head)} | {len(row) for row in rows}) == 1, "\n".join([head, *rows])  # right-aligned columns


def test_notebook_table_says_fixed_only_where_the_facts_fix_every_seat():
    from types import SimpleNamespace

    from malivote.results import Simulation

    modelled = dict(HEADER, modelled=("district votes: reconstructed",))
    varying = summarise_tally(constant_tally([[5, 3, 0], [4, 4, 0]], draws=2), official={"A": 5, "B": 2, "C": 2},
                              **modelled)
    fixed = summarise_tally(constant_tally([5, 4]), official={"A": 5, "B": 4}, **modelled)
    for summary, count in ((varying, 0), (fixed, 2)):
        fake = SimpleNamespace(summary=lambda summary=summary: summary)
        assert Simulation._repr_html_(fake).count(report.FIXED) == count


@pytest.fixture(scope="module")
def replays():
    from malivote.scenario import load_scenario
    from malivote.simulate import simulate

    return [report.summarise(simulate(load_scenario(name), draws=30, seed=3, keep=False))
            for name in ("mali_2020", "mali_2020_125")]


def test_table_labels_metrics_with_units(replays):
    text = report.format_table(replays[0])
    assert re.search(r"^Metric\s+Mean\s+90% interval$", text, flags=re.M)
    line = next(line for line in text.splitlines() if line.startswith("Gallagher index (points)"))
    mean, low, high = (float(x) for x in re.findall(r"\d+\.\d", line))
    assert low <= high and abs(mean - replays[0].metrics["gallagher"]) < 0.051
    wasted = next(line for line in text.splitlines() if line.startswith("Wasted votes (% of round-1 votes)"))
    percent = float(wasted.split()[-3])
    assert percent == pytest.approx(100 * replays[0].metrics["wasted_votes"], abs=0.051) and percent > 1
    assert re.search(r"^Largest party's seats \(%\)\s+34\.7\s+\[34\.7, 34\.7\]$", text, flags=re.M)  # 51 of 147


def test_comparison_notes_differing_layouts(replays):
    text = report.format_comparison(report.compare_summaries(replays))
    notes = [line for line in text.splitlines() if line.startswith("Note:")]
    assert len(notes) == 1 and "mali-55" in notes[0] and "mali-125" in notes[0] and "ENP by votes" in notes[0]
    assert "Gallagher index (points)" in text and "Keys in --format json and csv: gallagher" in text
    same = report.format_comparison(report.compare_summaries([replays[0], replays[0]]))
    assert "Note:" not in same
    data = json.loads(report.format_comparison(report.compare_summaries(replays), "json"))
    assert data["notes"] and data["scenarios"][0]["metric_intervals"]["gallagher"]["p05"] >= 0
    rows = list(csv.DictReader(io.StringIO(report.format_comparison(report.compare_summaries(replays), "csv"))))
    gallagher = [row for row in rows if row["row"] == "metric:gallagher"]
    assert len(gallagher) == 2 and all(float(r["p05"]) <= float(r["median"]) <= float(r["p95"]) for r in gallagher)


def test_comparison_says_which_scenarios_are_modelled(replays):
    from malivote.scenario import parse_scenario
    from malivote.simulate import simulate

    lists = parse_scenario('[election]\nlayout = "mali-55"\n' + "".join(
        f'[[lists]]\nconstituency = "{name}"\nparties = ["RPM"]\nvotes = [300]\n'
        f'[[lists]]\nconstituency = "{name}"\nparties = ["URD"]\nvotes = [200]\n'
        for name in __import__("malivote.layouts", fromlist=["x"]).get_layout("mali-55").names), source="lists.toml")
    own = report.summarise(simulate(lists, draws=2, seed=3, keep=False))
    comparison = report.compare_summaries([replays[0], own])
    text = report.format_comparison(comparison)
    modelled = [line for line in text.splitlines() if line.startswith("Modelled")]
    assert modelled and all(line.startswith("Modelled ([1]): ") for line in modelled)
    assert any("reconstructed" in line for line in modelled)
    data = json.loads(report.format_comparison(comparison, "json"))
    assert data["scenarios"][0]["modelled"] == list(replays[0].modelled) and data["scenarios"][1]["modelled"] == []
    rows = list(csv.DictReader(io.StringIO(report.format_comparison(comparison, "csv"))))
    notes = [row for row in rows if row["row"] == "note"]
    assert notes and {row["scenario"] for row in notes} == {replays[0].source}
    assert all(row["mean"].startswith("Modelled: ") for row in notes)


def test_csv_metric_rows_have_intervals(replays):
    rows = list(csv.DictReader(io.StringIO(report.format_csv(replays[0]))))
    row = next(r for r in rows if r["party"] == "metric:enp_votes")
    assert float(row["p05"]) <= float(row["median"]) <= float(row["p95"]) and row["mean"]


# ------------------------------------------------------------- the progress bar


class FakeTerminal(io.StringIO):
    """What tqdm writes, from a stream that says it is a terminal."""

    def isatty(self):
        return True


def test_eta_comes_from_the_blocks_done(monkeypatch):
    """The bar starts after the set-up, shows no rate until a block is done, and its
    rate is the draws done over the time they took (smoothing 0): a slow set-up
    does not drag it down."""
    import malivote.simulate as simulate_module
    from malivote.scenario import parse_scenario

    compile_scenario = simulate_module.compile_scenario
    SETUP, BLOCK = 1.0, 0.05

    class SlowSource:
        def __init__(self, source):
            self._source = source

        def prepare(self):
            time.sleep(SETUP)
            return self._source.prepare()

        def __getattr__(self, name):
            return getattr(self._source, name)

    class SlowPipeline:
        def __init__(self, pipeline):
            self._pipeline = pipeline
            self.source = SlowSource(pipeline.source)

        def run_block(self, *args, **kwargs):
            time.sleep(BLOCK)
            return self._pipeline.run_block(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(self._pipeline, name)

    from malivote.layouts import get_layout

    lines = "\n".join(f'[[lists]]\nconstituency = "{name}"\nparties = ["{party}"]\nvotes = [{votes}]'
                      for name in get_layout("mali-55").names for party, votes in (("RPM", 300), ("URD", 200)))
    scenario = parse_scenario(f'[election]\nlayout = "mali-55"\n[rule]\nmethod = "plurality"\n{lines}\n',
                              source="slow.toml")
    # A first run loads the rule's compiled kernels (numba), which the first block of
    # a fresh process pays for (about 1 s): this test is about the set-up and the rate.
    simulate_module.simulate(scenario, draws=100, seed=0, progress=False)
    monkeypatch.setattr(simulate_module, "compile_scenario", lambda *a, **k: SlowPipeline(compile_scenario(*a, **k)))
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    simulate_module.simulate(scenario, draws=1000, seed=0, chunk_size=100, progress=True)
    frames = [frame for frame in re.split(r"[\r\n]", terminal.getvalue()) if "draw" in frame]
    assert frames, terminal.getvalue()
    assert "?draw/s" in frames[0] and "00:00<?" in frames[0]  # no rate, no ETA, before the first block
    rates = [float(rate) for rate in re.findall(r"([\d.]+)draw/s", "\n".join(frames))]
    assert rates
    # 100 draws per 0.05 s block: about 2,000 draws/s. Counting the 1 s set-up would
    # give at most 1,000 / 1.5 s = 667 draws/s.
    assert min(rates) > 800, frames


@pytest.mark.parametrize(("name", "settings"), [
    ("mali_2020", "majority 50%"),
    ("counterfactuals/national_pr_5pct", "dhondt, one national tier, threshold 5%"),
    ("counterfactuals/parallel_100_47", "majority 50%, national tier of 47 seats (dhondt)"),
    ("counterfactuals/french_runoff", "majority 50%, round 2 from 12.5% of the registered voters"),
    ("counterfactuals/hare_districts", "hare quota"),
    ("counterfactuals/plurality_single_round", ""),
])
def test_the_header_says_how_the_rule_was_set(name, settings):
    """'rule divisor' alone hid the national tier and the 5% threshold that decide the
    seats: the table's header and the JSON carry the settings."""
    from malivote.results import summarise
    from malivote.scenario import load_scenario
    from malivote.simulate import simulate

    summary = summarise(simulate(load_scenario(name), draws=2, seed=1, keep=False))
    assert summary.rule_settings == settings
    header = report.format_table(summary).splitlines()[0]
    assert f"rule {summary.rule} ({settings})," in header if settings else f"rule {summary.rule}," in header
    assert summary.to_dict()["rule_settings"] == settings
