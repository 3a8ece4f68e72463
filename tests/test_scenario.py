"""The scenario loader: valid files load, bad files fail with every problem named."""

import textwrap
from pathlib import Path

import pytest

from malivote.layouts import get_layout
from malivote.scenario import (
    SCENARIO_DIR,
    ScenarioError,
    load_scenario,
    parse_scenario,
    shipped_scenarios,
)

REPO = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def lists_toml(layout="mali-55", votes=lambda c: (300 + c, 200), skip=()) -> str:
    """A scenario that writes out two lists in every constituency of a layout."""
    lines = [f'[election]\nlayout = "{layout}"\n']
    for c, name in enumerate(get_layout(layout).names):
        if name in skip:
            continue
        first, second = votes(c)
        lines.append(f'[[lists]]\nconstituency = "{name}"\nparties = ["RPM"]\nvotes = [{first}]\n')
        lines.append(f'[[lists]]\nconstituency = "{name}"\nparties = ["URD", "ADEMA"]\nvotes = [{second}]\n')
    return "\n".join(lines)


def test_shipped_scenarios_all_validate():
    names = [name for name, _ in shipped_scenarios()]
    for expected in ("mali_2007", "mali_2013", "mali_2020", "mali_2013_125", "mali_2020_125"):
        assert expected in names
    for name in names:
        load_scenario(SCENARIO_DIR / f"{name}.toml")


def test_shipped_scenarios_are_the_repository_folder():
    assert sorted(p.name for p in (REPO / "scenarios").glob("*.toml")) == sorted(
        p.name for p in SCENARIO_DIR.glob("*.toml")
    )


def test_load_by_name_and_by_path():
    by_name = load_scenario("mali_2020")
    by_path = load_scenario(REPO / "scenarios" / "mali_2020.toml")
    assert by_name.election == by_path.election
    assert by_name.election.year == 2020 and by_name.simulation.seed == 2020
    assert by_name.official_seats()["RPM"] == 51


def test_defaults():
    scenario = parse_scenario("[election]\nyear = 2013\n")
    assert scenario.election.layout == "mali-55"
    assert scenario.rule.method == "two_round" and scenario.rule.majority == 0.5
    assert scenario.simulation.draws == 1000


def test_every_error_is_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        "bad.toml",
        """
        colour = "blue"
        [election]
        year = "2020"
        layout = "mali-56"
        [rule]
        method = "dhont"
        threshold = 1.5
        [simulation]
        draws = 0
        """,
    )
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert str(path) in message
    assert "5 problems" in message or "6 problems" in message
    for fragment in (
        "colour: unknown key",
        "election.year",
        "'2020'",
        "election.layout",
        "'mali-56'",
        "rule.method",
        "'dhont'",
        "rule.threshold",
        "1.5",
        "simulation.draws",
    ):
        assert fragment in message, fragment


def test_missing_key(tmp_path):
    path = write(tmp_path, "empty.toml", "[simulation]\ndraws = 5\n")
    with pytest.raises(ScenarioError, match=r"election\.year: missing key"):
        load_scenario(path)


def test_wrong_type(tmp_path):
    path = write(tmp_path, "types.toml", "[election]\nyear = 2020\n[simulation]\nseed = 1.5\n")
    with pytest.raises(ScenarioError, match=r"simulation\.seed: .*found 1\.5"):
        load_scenario(path)


def test_unknown_nested_key(tmp_path):
    path = write(tmp_path, "nested.toml", "[election]\nyear = 2020\nyaer = 2013\n")
    with pytest.raises(ScenarioError, match=r"election\.yaer: unknown key"):
        load_scenario(path)


def test_bad_toml(tmp_path):
    path = write(tmp_path, "broken.toml", "[election\nyear = 2020\n")
    with pytest.raises(ScenarioError, match=r"broken\.toml: not valid TOML"):
        load_scenario(path)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "nowhere.toml")


def test_provisional_only_for_2020(tmp_path):
    path = write(tmp_path, "prov.toml", '[election]\nyear = 2013\nresult = "provisional"\n')
    with pytest.raises(ScenarioError, match="provisional.*2020"):
        load_scenario(path)


def test_extends_overrides_key_by_key(tmp_path):
    write(tmp_path, "base.toml", '[election]\nyear = 2020\nlayout = "mali-125"\n[simulation]\ndraws = 7\nseed = 3\n')
    path = write(tmp_path, "child.toml", 'extends = "base.toml"\n[simulation]\nseed = 9\n[rule]\nmethod = "plurality"\n')
    scenario = load_scenario(path)
    assert scenario.election.layout == "mali-125" and scenario.election.year == 2020
    assert scenario.simulation.draws == 7 and scenario.simulation.seed == 9
    assert scenario.rule.method == "plurality"


def test_extends_shipped_scenario(tmp_path):
    path = write(
        tmp_path,
        "counter.toml",
        f'extends = "{(REPO / "scenarios" / "mali_2020.toml").as_posix()}"\n[rule]\nmethod = "divisor"\n',
    )
    scenario = load_scenario(path)
    assert scenario.election.year == 2020 and scenario.rule.method == "divisor"


def test_broken_extends(tmp_path):
    path = write(tmp_path, "child.toml", 'extends = "missing.toml"\n')
    with pytest.raises(ScenarioError, match=r"child\.toml: extends: no such file"):
        load_scenario(path)


def test_extends_cycle(tmp_path):
    write(tmp_path, "a.toml", 'extends = "b.toml"\n')
    path = write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(path)


def test_extends_must_be_a_string(tmp_path):
    path = write(tmp_path, "x.toml", "extends = 3\n")
    with pytest.raises(ScenarioError, match="extends: expected a file name"):
        load_scenario(path)


def test_official_seats_must_add_up(tmp_path):
    path = write(tmp_path, "official.toml", "[election]\nyear = 2020\n[official.seats]\nRPM = 100\nURD = 40\n")
    with pytest.raises(ScenarioError, match=r"official\.seats: the seats add up to 140, expected 147"):
        load_scenario(path)


def test_unknown_party(tmp_path):
    path = write(tmp_path, "party.toml", "[election]\nyear = 2020\n[official.seats]\nRPM = 100\nXYZ = 47\n")
    with pytest.raises(ScenarioError, match=r"official\.seats\.XYZ: unknown party 'XYZ'"):
        load_scenario(path)


def test_lists_scenario_loads(tmp_path):
    scenario = load_scenario(write(tmp_path, "lists.toml", lists_toml()))
    assert not scenario.is_replay
    assert len(scenario.lists) == 110


def test_district_with_no_lists(tmp_path):
    path = write(tmp_path, "gap.toml", lists_toml(skip=("Kidal", "Gao")))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert "constituency 'Kidal' has no lists" in str(error.value)
    assert "constituency 'Gao' has no lists" in str(error.value)


def test_list_errors(tmp_path):
    text = lists_toml() + textwrap.dedent(
        """
        [[lists]]
        constituency = "Atlantis"
        parties = ["RPM"]
        votes = [3]

        [[lists]]
        constituency = "Kati"
        parties = ["RPM", "NOPE"]
        votes = [3]

        [[lists]]
        constituency = "Kayes"
        parties = ["RPM"]
        votes = [3]
        candidates = [{party = "URD", sex = "F"}]
        """
    )
    with pytest.raises(ScenarioError) as error:
        load_scenario(write(tmp_path, "lists.toml", text))
    message = str(error.value)
    assert "lists.110.constituency: unknown constituency 'Atlantis'" in message
    assert "lists.111.parties: unknown party 'NOPE'" in message
    assert "lists.112.candidates: expected 5 candidates (the seats of Kayes), found 1" in message
    assert "lists.112.candidates.0.party: 'URD' is not one of the list's parties" in message


def test_lists_and_year_together(tmp_path):
    text = lists_toml().replace('[election]\n', "[election]\nyear = 2020\n", 1)
    with pytest.raises(ScenarioError, match="election.year: a scenario with \\[\\[lists\\]\\]"):
        load_scenario(write(tmp_path, "both.toml", text))


def test_negative_votes_rejected(tmp_path):
    text = lists_toml(votes=lambda c: (-1 if c == 3 else 10, 5))
    with pytest.raises(ScenarioError, match=r"lists\.6\.votes\.0: Input should be greater than or equal to 0; found -1"):
        load_scenario(write(tmp_path, "neg.toml", text))
