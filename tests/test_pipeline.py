"""The typed pipeline: import graph, rule protocol and registry, seed tree, the two
bugs of the old layer (a runoff place decided by two lotteries, an unseeded lot)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

import malivote
from malivote import seeds
from malivote.cli import main
from malivote.election_io import Election
from malivote.pipeline import compile_scenario
from malivote.results import Decision, Simulation, Summary
from malivote.ruleset import REGISTRY, Plurality, Rule, Tiered, NationalPR, register_rule, rule_names
from malivote.scenario import ScenarioError, build_scenario, load_scenario
from malivote.simulate import simulate

PACKAGE = Path(malivote.__file__).parent


def _imports(path: Path, module: str) -> set[str]:
    """Every malivote module ``module`` imports, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Imports under ``if TYPE_CHECKING:`` are for type checkers only, never run.
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            skipped |= {id(child) for child in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("malivote")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("malivote") and node.level == 0:
            for alias in node.names:
                # ``from malivote.rules import _numba`` imports the submodule (its
                # package is its parent, already importing); ``from malivote.rules
                # import divisor`` imports a name of the package.
                candidate = f"{node.module}.{alias.name}"
                if (PACKAGE.parent / (candidate.replace(".", "/") + ".py")).exists() or (
                    PACKAGE.parent / candidate.replace(".", "/")
                ).is_dir():
                    found.add(candidate)
                else:
                    found.add(node.module)
    return found


def _module_graph() -> dict[str, set[str]]:
    graph = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(relative.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        module = ".".join(parts)
        graph[module] = {name for name in _imports(path, module) if name != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return cycles


def test_no_import_cycles_in_the_package():
    graph = _module_graph()
    assert "malivote.results" in graph and "malivote.pipeline" in graph
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    # The check above must be able to fail: the old simulate <-> report pair.
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]


def test_results_is_a_leaf_that_imports_no_other_stage():
    stages = {"malivote.scenario", "malivote.election", "malivote.election_io", "malivote.sources",
              "malivote.transforms", "malivote.ruleset", "malivote.pipeline", "malivote.simulate",
              "malivote.report", "malivote.plot", "malivote.cli", "malivote.reconstruct", "malivote.rules"}
    imported = _imports(PACKAGE / "results.py", "malivote.results")
    assert not imported & stages, imported & stages


def test_plot_recognises_a_simulation_by_its_type():
    text = (PACKAGE / "plot.py").read_text(encoding="utf-8")
    assert 'hasattr(value, "party_seats")' not in text


# ------------------------------------------------------------------ the two bugs


def _one_district(votes, *, transfer=None, draws=200, seed=0, method="two_round"):
    election = Election.from_arrays([votes], [3], [f"P{i}" for i in range(len(votes))])
    models = {} if transfer is None else {"transfer": {"default": transfer}}
    return simulate(build_scenario(election, rule={"method": method}, models=models), draws=draws, seed=seed)


def test_a_tie_for_the_runoff_place_is_decided_once():
    # Leader 400, two lists tied at 300; every eliminated voter goes to the runner-up.
    # Whichever 300 goes through gets the other's 300: 600 against 400, every draw.
    sim = _one_district([400, 300, 300], transfer=[0.0, 1.0, 0.0], draws=400, seed=3)
    winners = sim.seats[:, 0].argmax(axis=-1)
    assert set(winners.tolist()) <= {1, 2}
    # Both runners-up go through in some draws: the lot for the place is real.
    assert set(winners.tolist()) == {1, 2}
    assert (sim.party_seats[:, 0] == 0).all()
    assert sim.tally.lots["district"] == 400


def test_runoff_votes_follow_the_transfer_to_the_finalists_drawn():
    sim = _one_district([400, 300, 300], transfer=[0.0, 1.0, 0.0], draws=50, seed=1)
    # The exported round 2 gives the runner-up 600 and the leader 400.
    pipeline = compile_scenario(sim.scenario, seed=1)
    block = pipeline.source.draw(0, 50)
    finalists = np.array([[[0, 1]]] * 50)
    second = pipeline.rule.runoff.votes(block, finalists, np.random.default_rng(0))
    assert (second[:, 0, :2] == [400, 600]).all()


def test_parallel_tier_is_reproducible_from_its_seed(capsys):
    outputs = []
    for _ in range(2):
        assert main(["run", "counterfactuals/parallel_100_47", "--draws", "100", "--seed", "1", "--format", "json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
    assert outputs[0] == outputs[1]


def test_a_tiered_rule_apportions_district_seats_once_from_the_seed():
    # Four equal constituencies of 2 seats, 5 national: the 3 district seats left need
    # a lot among the four; it must come from the run's seed, the same every block.
    election = Election.from_arrays([[60, 40]] * 4, [2, 2, 2, 2], ["A", "B"])
    scenario = build_scenario(election, rule={"method": "plurality", "national": {"seats": 4}})
    magnitudes = set()
    for seed in range(6):
        rule = compile_scenario(scenario, seed=seed).rule
        assert isinstance(rule, Tiered) and int(rule.district.magnitude.sum()) == 4
        magnitudes.add(tuple(rule.district.magnitude.tolist()))
        again = compile_scenario(scenario, seed=seed).rule
        assert (again.district.magnitude == rule.district.magnitude).all()
    assert magnitudes == {(1, 1, 1, 1)}


# ------------------------------------------------------------ protocol and registry


def test_every_registered_rule_is_a_rule_and_runs_on_an_election_of_your_own():
    election = Election.from_arrays(
        [[500, 300, 200], [100, 450, 450], [300, 300, 400]], [3, 2, 1], ["A", "B+C", "D"],
        registered=[1500, 1500, 1500],
    )
    for name in rule_names():
        scenario = build_scenario(election, rule={"method": name}, simulation={"draws": 20})
        assert isinstance(compile_scenario(scenario).rule, Rule)
        sim = simulate(scenario)
        assert (sim.party_seats.sum(axis=1) == 6).all(), name


def test_registering_a_rule_is_the_only_step_to_add_one():
    @register_rule("last_place_wins_test")
    def build(spec, magnitude, context):
        from malivote.election import credit_seats

        class LastPlace:
            def decide(self, votes, rng):
                lowest = np.where(votes.first > 0, votes.first, np.iinfo(np.int64).max).argmin(axis=-1)
                seats = np.zeros_like(votes.first)
                np.put_along_axis(seats, lowest[..., None], np.broadcast_to(magnitude, lowest.shape)[..., None], axis=-1)
                party_seats, women = credit_seats(seats, votes.roster_party, votes.roster_female, len(votes.parties))
                return Decision(seats=seats, round=np.ones(seats.shape[:-1], np.int8), party_seats=party_seats,
                                women=women, lots={"district": np.zeros(seats.shape[0], np.int64)})

        return LastPlace()

    try:
        election = Election.from_arrays([[500, 300], [100, 450]], [2, 1], ["A", "B"])
        scenario = build_scenario(election, rule={"method": "last_place_wins_test"}, simulation={"draws": 3})
        assert simulate(scenario).party_seats[0].tolist() == [1, 2]
    finally:
        del REGISTRY["last_place_wins_test"]
    with pytest.raises(ScenarioError, match="rule.method: expected one of .*did you mean 'plurality'"):
        build_scenario(election, rule={"method": "plurallity"})


def test_the_axiom_table_reads_the_registry():
    from malivote.ruleset import axiom_keys
    from malivote.testing import AXIOMS, METHODS

    assert set(METHODS) == set(axiom_keys()) == set(AXIOMS)


def test_tiered_adds_a_national_tier_to_the_district_rule():
    election = Election.from_arrays([[600, 400], [300, 700], [550, 450]], [2, 2, 2], ["A", "B"])
    district = Plurality(magnitude=np.array([1, 1, 1]))
    national = NationalPR(seats=3)
    rule = Tiered(district=district, national=national)
    block = election.draws(0, 1)
    decision = rule.decide(block, np.random.default_rng(0))
    # Districts: A, B, A. National votes A 1450, B 1550: D'Hondt 3 seats gives A 1, B 2.
    assert decision.party_seats.tolist() == [[3, 3]]
    assert decision.national.tolist() == [[1, 2]]


# --------------------------------------------------------------------- seed tree


def test_seed_tree_blocks_do_not_depend_on_chunks():
    assert [(b, s.start, s.stop) for b, s in seeds.blocks(0, 250)] == [(0, 0, 100), (1, 100, 200), (2, 200, 250)]
    a = seeds.block_rng(5, seeds.Stage.RULE, 2).random(3)
    b = seeds.block_rng(5, seeds.Stage.RULE, 2).random(3)
    assert (a == b).all()
    assert (seeds.block_rng(5, seeds.Stage.RULE, 3).random(3) != a).all()


@pytest.mark.parametrize("chunk_size, workers", [(100, 1), (300, 2), (1000, 1)])
def test_an_election_of_your_own_is_the_same_for_any_chunking(chunk_size, workers):
    election = Election.from_arrays([[500, 300, 200], [100, 450, 450]], [3, 2], ["A", "B", "C"])
    scenario = build_scenario(election, models={"noise": {"kind": "dirichlet", "concentration": 50.0}})
    base = simulate(scenario, draws=500, seed=9)
    other = simulate(scenario, draws=500, seed=9, chunk_size=chunk_size, workers=workers)
    assert (base.party_seats == other.party_seats).all() and (base.ensemble.first == other.ensemble.first).all()


def test_public_random_functions_take_rng():
    from malivote import models

    a = models.lognormal_votes([[600, 400]], 0.2, 10, rng=4)
    b = models.lognormal_votes([[600, 400]], 0.2, 10, rng=np.random.default_rng(4))
    assert (a == b).all()
    with pytest.raises(ValueError, match="^rng"):
        models.lognormal_votes([[600, 400]], 0.2, 10, rng="x")


# ------------------------------------------------------------------- tables out


def test_summary_is_typed_and_serialises():
    sim = simulate(load_scenario("mali_2020"), draws=3, seed=1)
    summary = sim.summary()
    assert isinstance(summary, Summary) and isinstance(sim, Simulation)
    assert summary.party("RPM").official == 51 and summary.party("RPM").fixed
    data = summary.to_dict()
    assert data["parties"][0]["party"] == "RPM" and data["round1"]["seats"] == {"min": 22, "max": 22}
    json.dumps(data)


def test_to_frame_and_to_xarray():
    sim = simulate(load_scenario("mali_2013"), draws=4, seed=2)
    frame = sim.to_frame()
    assert set(frame.columns) == {"draw", "party", "seats", "national", "round1_seats", "women"}
    assert (frame.groupby("draw")["seats"].sum() == 147).all()
    assert (frame.groupby("draw")["women"].sum().to_numpy() == sim.women).all()
    assert (frame.groupby("draw")["round1_seats"].sum().to_numpy() == sim.round1_seats).all()
    data = sim.to_xarray()
    assert data["seats"].dims == ("draw", "party") and data["round"].dims == ("draw", "constituency")
    assert int(data["seats"].sel(party="RPM")[0]) == int(frame.query("draw == 0 and party == 'RPM'")["seats"].iloc[0])
    streamed = simulate(load_scenario("mali_2013"), draws=4, seed=2, keep=False)
    with pytest.raises(ValueError, match="keep=False"):
        streamed.to_frame()


def test_one_convention_for_a_joint_lists_votes():
    from malivote import metrics, plot
    from malivote.transforms import national_party_votes

    sim = simulate(load_scenario("mali_2020"), draws=1, seed=1)
    ensemble = sim.ensemble
    equal = metrics.party_votes(ensemble.first, ensemble.members, len(ensemble.parties))
    whole = national_party_votes(ensemble)
    assert np.abs(whole - equal).max() < 1
    shares = plot.party_vote_shares(sim)
    assert np.allclose(np.ravel(shares), np.ravel(equal / equal.sum(axis=1, keepdims=True)))


def test_cli_holdout_json(capsys):
    assert main(["holdout", "2013", "--folds", "2", "--draws", "20", "--seed", "1", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"year", "folds", "held_out", "log_score", "baseline_log_score", "accuracy",
                         "baseline_accuracy", "log_score_se"}
    assert data["year"] == 2013 and data["folds"] == 2


def test_cli_scenarios_path_and_shipped_names(capsys):
    assert main(["scenarios", "--path"]) == 0
    folder = Path(capsys.readouterr().out.strip())
    assert (folder / "mali_2020.toml").is_file()
    assert main(["validate", "swing_against_rpm_5"]) == 0
    assert main(["validate", "swing_agains"]) == 2
    assert "did you mean 'swing_against_rpm_5'" in capsys.readouterr().err


def test_blocs_and_pairwise_swings(tmp_path):
    election = Election.from_arrays([[500, 300, 200], [400, 350, 250], [300, 420, 280]], [2, 2, 1], ["A", "B", "C"])
    scenario = build_scenario(election, blocs={"bc": ["B", "C"]}, rule={"method": "plurality"},
                              models={"swing": [{"from": "A", "to": "B", "points": 9.0}]})
    sim = simulate(scenario, draws=5)
    # A loses 9 points to B in every constituency; C is unchanged.
    assert sim.ensemble.first[0].tolist() == [[410, 390, 200], [310, 440, 250], [210, 510, 280]]
    bloc = sim.summary().blocs[0]
    # B wins the 2-seat second district and the 1-seat third: 3 of 5 seats, a majority.
    assert bloc.bloc == "bc" and bloc.parties == ("B", "C") and bloc.median == 3 and bloc.p_majority == 1.0
    assert sim.summary().to_dict()["blocs"][0]["median"] == 3
    with pytest.raises(ScenarioError, match="models.swing.0.to: unknown party 'D'"):
        build_scenario(election, models={"swing": [{"from": "A", "to": "D", "points": 1.0}]})
    with pytest.raises(ScenarioError, match="blocs.bc: unknown party 'Q'"):
        build_scenario(election, blocs={"bc": ["Q"]})


def _lists_scenario(method: str = "two_round", extra: str = ""):
    from malivote import datasets
    from malivote.layouts import get_layout
    from malivote.scenario import parse_scenario

    parties = [party.id for party in datasets.parties()][:5]
    lists = "".join(
        f'[[lists]]\nconstituency = "{name}"\nparties = {[party, parties[(k + 2) % 5]] if k == 1 else [party]}\n'
        f'votes = [{1000 + 97 * c + 31 * k * k}, {(400 + 11 * c) if k < 2 else 0}]\n'.replace("'", '"')
        for c, name in enumerate(get_layout("mali-55").names) for k, party in enumerate(parties)
    )
    return parse_scenario(
        f'[election]\nlayout = "mali-55"\n[rule]\nmethod = "{method}"\n[models.noise]\nkind = "dirichlet"\n'
        f'concentration = 300.0\n{extra}' + lists
    )


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("name", ["mali_2013", "lists", "lists_pr"])
def test_block_metrics_are_the_checked_metrics_bit_for_bit(backend, name):
    """The tally's few-pass metrics give the values of malivote.metrics's checked
    functions exactly (same float64 operations, same order)."""
    from malivote import metrics
    from malivote.pipeline import block_metrics
    from malivote.results import round1_seats
    from malivote.rules._backend import numba_available, use_backend

    if backend == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    scenario = {"lists": lambda: _lists_scenario(), "lists_pr": lambda: _lists_scenario("divisor")}.get(
        name, lambda: load_scenario(name))()
    pipeline = compile_scenario(scenario, seed=5)
    with use_backend(backend):
        ensemble, decision, tally = pipeline.run_block(pipeline.source.draw(0, 40), block=0)
        found = block_metrics(ensemble, decision)
    votes = metrics.party_votes(ensemble.first, ensemble.members, len(ensemble.parties))
    seats = decision.party_seats
    expected = {
        "gallagher": metrics.gallagher(votes, seats),
        "loosemore_hanby": metrics.loosemore_hanby(votes, seats),
        "enp_votes": metrics.effective_number_of_parties(votes),
        "enp_seats": metrics.effective_number_of_parties(seats),
        "largest_party_share": metrics.largest_party_share(seats),
        "runoffs": metrics.runoffs(decision.round),
        "wasted_votes": metrics.wasted_votes(ensemble.first, decision.seats),
        "women": decision.women,
    }
    assert list(found) == list(expected)
    for key, value in expected.items():
        assert found[key].dtype == value.dtype and np.array_equal(found[key], value), key
        if value.dtype.kind == "f":
            assert np.array_equal(found[key].view(np.int64), value.view(np.int64)), key
    assert tally.round1_seats_hist.sum() == 40
    assert np.array_equal(
        tally.round1_seats_hist, np.bincount(round1_seats(decision.seats, decision.round), minlength=148)
    )


@pytest.mark.parametrize("backend", ["numba", "numpy"])
@pytest.mark.parametrize("name", ["counterfactuals/national_pr_5pct", "counterfactuals/parallel_100_47"])
def test_wasted_votes_under_a_national_tier_count_the_votes_that_elected_no_one(backend, name):
    """A ballot also counts in the national tier: a list without a constituency seat
    wastes only the part of its votes (equal parts per member party) credited to
    parties without a national seat. (Before, a national-only rule read 100%.)"""
    from malivote.pipeline import block_metrics
    from malivote.rules._backend import numba_available, use_backend

    if backend == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    pipeline = compile_scenario(load_scenario(name), seed=2)
    with use_backend(backend):
        ensemble, decision, _ = pipeline.run_block(pipeline.source.draw(0, 12), block=0)
        found = block_metrics(ensemble, decision)["wasted_votes"]
    expected = []
    for draw in range(12):
        wasted = 0.0
        for constituency in range(ensemble.first.shape[1]):
            for slot in range(ensemble.first.shape[2]):
                if decision.seats[draw, constituency, slot]:
                    continue
                mask = int(ensemble.members[draw, constituency, slot])
                parties = [p for p in range(len(ensemble.parties)) if mask >> p & 1]
                unseated = [p for p in parties if decision.national[draw, p] == 0]
                if parties:
                    wasted += ensemble.first[draw, constituency, slot] * len(unseated) / len(parties)
        expected.append(wasted / ensemble.first[draw].sum())
    assert np.allclose(found, expected, rtol=1e-12)
    assert 0.0 < found.min() and found.max() < 1.0


def test_tally_block_into_a_tally_is_the_merge_of_block_tallies():
    from malivote.pipeline import tally_block

    scenario = _lists_scenario(extra='[blocs]\nfirst = ["RPM", "URD"]\n')
    pipeline = compile_scenario(scenario, seed=3)
    ensemble = pipeline.source.draw(0, 300)
    merged, folded = None, None
    for block in range(3):
        changed, decision, _ = pipeline.run_block(ensemble.take(slice(100 * block, 100 * block + 100)), block=block)
        one = tally_block(changed, decision, scenario.blocs)
        merged = one if merged is None else merged.merge(one)
        folded = tally_block(changed, decision, scenario.blocs, into=folded)
    for name in ("party_hist", "round1_constituencies_hist", "round1_seats_hist", "women_hist", "bloc_hist"):
        assert np.array_equal(getattr(folded, name), getattr(merged, name)), name
    assert folded.metric_sums == merged.metric_sums and folded.lots == merged.lots
    assert folded.n_draws == merged.n_draws == 300 and folded.majority_draws == merged.majority_draws
    assert all(np.array_equal(folded.metric_hist[k], merged.metric_hist[k]) for k in merged.metric_hist)


def test_a_replay_reconstructs_its_first_block_once(monkeypatch):
    """prepare(), the progress bar's warm-up and the run's first chunk share block 0;
    the pieces are the reconstruction's draws exactly."""
    import malivote.reconstruct
    from malivote import sources

    reconstruct = malivote.reconstruct.reconstruct
    calls = []

    def counting(year, **kwargs):
        calls.append((kwargs["first_draw"], kwargs["draws"]))
        return reconstruct(year, **kwargs)

    scenario = load_scenario("mali_2013")
    sources._FIRST_BLOCKS.clear()
    monkeypatch.setattr(malivote.reconstruct, "reconstruct", counting)
    result = simulate(scenario, draws=250, seed=11, chunk_size=200, progress=False)
    assert calls == [(0, 100), (100, 100), (200, 50)]
    calls.clear()
    simulate(scenario, draws=250, seed=11, chunk_size=200, progress=False)
    assert calls == [(100, 100), (200, 50)]  # block 0 is kept
    direct = reconstruct(2013, draws=250, seed=11, first_draw=0)
    for name in ("first", "second", "members", "roster_party", "roster_female", "turnout"):
        assert np.array_equal(getattr(result.ensemble, name), getattr(direct, name)), name
    source = compile_scenario(scenario, seed=11).source
    part = source.draw(30, 120)
    assert part.first_draw == 30 and np.array_equal(part.first, direct.first[30:150])
    assert part.first.flags.writeable and not sources._FIRST_BLOCKS[source._key()].first.flags.writeable


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_credit_seats_on_the_winners_is_the_dense_count(backend):
    """credit_seats and credit_elected look only at the lists that won (or the
    positions elected); they count what the count over every position gives, errors
    included, with either backend."""
    from malivote import election
    from malivote.rules._backend import numba_available, use_backend

    if backend == "numba" and not numba_available():
        pytest.skip("numba is not installed")
    with use_backend(backend):
        _credit_cases()


def test_credit_elected_lists_refuses_seats_of_another_shape():
    """The elected per list that spare reading the losers' rosters must have the
    lists' shape: anything else is an error naming them, not a count of other lists."""
    from malivote import election

    elected = np.zeros((1, 2, 3, 4), dtype=bool)
    roster = np.zeros(elected.shape, dtype=np.int16)
    with pytest.raises(ValueError, match=r"^seats: expected shape \(1, 2, 3\), found \(1, 2\)$"):
        election.credit_elected_lists(elected, np.zeros((1, 2), np.int64), roster, elected, 1)


def _credit_cases():
    from malivote import election

    rng = np.random.default_rng(3)

    def outcome(function, *args):
        try:
            return function(*args)
        except ValueError as error:
            return str(error)

    def with_seats(chosen, *rest):
        """credit_elected given the elected per list too, as a rule counts them."""
        return election.credit_elected_lists(chosen, chosen.sum(-1), *rest)

    for case in range(200):
        draws, constituencies, slots, size, parties = (int(x) for x in rng.integers(1, 8, size=5) + [0, 0, 0, 0, 1])
        roster = np.sort(rng.integers(-1, parties, size=(draws, constituencies, slots, size)), axis=-1)[..., ::-1]
        roster = roster.astype(np.int16 if case % 2 else np.int64)
        female = rng.random(roster.shape) < 0.4
        seats = rng.integers(-1, size + 2, size=roster.shape[:-1]) * (rng.random(roster.shape[:-1]) < 0.4)
        elected = rng.random(roster.shape) < 0.3
        for fast, dense, first in (
            (election.credit_seats, election._credit_seats_dense, seats),
            (election.credit_elected, election._credit_elected_dense, elected),
            (with_seats, election._credit_elected_dense, elected),
        ):
            expected = outcome(dense, first, roster, female, parties)
            found = outcome(fast, first, roster, female, parties)
            if isinstance(expected, str) or isinstance(found, str):
                assert found == expected
            else:
                for a, b in zip(found, expected):
                    assert a.dtype == b.dtype and np.array_equal(a, b)
