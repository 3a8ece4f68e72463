"""The README's own-election commands work as written."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from malivote.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_readme_own_election_commands(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Your own election"):text.index("## The engine on your own arrays")]
    commands = re.findall(r"^\.venv/bin/malivote (.+?)(?:\s+#.*)?$", section, flags=re.M)
    assert len(commands) == 2
    for command in commands:
        assert main(shlex.split(command) + ["--draws", "5"]) == 0
    out = capsys.readouterr().out
    assert "Greens" in out and "Co-op" in out
    # The figures the README states.
    assert re.search(r"Greens\s+3 \[3, 3\]\s+3 \[3, 3\]", out)
    assert re.search(r"Labour\s+1 \[1, 1\]\s+2 \[2, 2\]", out)


def tour_commands(text: str) -> list[list[str]]:
    section = text[text.index("## A short tour"):text.index("## Run the tests")]
    block = re.search(r"```bash\n(.*?)```", section, flags=re.S).group(1)
    lines = [line.split("#")[0].strip() for line in block.splitlines()]
    return [shlex.split(line) for line in lines if line]


def test_readme_tour_commands(capsys, monkeypatch, tmp_path):
    """Every command of the tour, run as written (with fewer draws) from a copy of the
    checkout's layout: the paths it names exist and the outputs it promises appear."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = tour_commands(text)
    assert [c[:2] for c in commands] == [["malivote", "scenarios"], ["malivote", "validate"], ["malivote", "run"],
                                         ["malivote", "run"], ["malivote", "run"], ["malivote", "compare"],
                                         ["malivote", "holdout"], ["malivote", "run"]]
    # The tour runs in the checkout; outputs go to a scratch folder that sees its scenarios.
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    monkeypatch.chdir(tmp_path)
    for argv in commands:
        args = argv[1:]
        if args[0] in ("run", "compare"):
            args += ["--draws", "5"]
        if args[0] == "holdout":
            args += ["--draws", "100"]
        assert main(args) == 0, argv
    out = capsys.readouterr().out
    assert "mali_2020_125" in out and "valid (Mali 2013" in out
    assert '"metric_intervals"' in out and "Gallagher index (points)" in out
    assert "Note: layouts differ ([1] mali-55, [2] mali-125)" in out
    assert "Holdout of 2013: 42 known district winners in 5 folds" in out
    assert {"hemicycle.png", "seat_distributions.png", "districts.png", "comparison.png"} <= {
        p.name for p in (tmp_path / "plots").iterdir()}
    assert {"votes.csv", "results.csv", "turnout.csv"} <= {p.name for p in (tmp_path / "out").iterdir()}


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_readme_python_blocks(monkeypatch, capsys):
    """The README's Python blocks run: the engine's block as it is, the own-election
    block with ``votes_df`` read from the example's votes.csv (the one name it leaves
    to the reader)."""
    import pandas as pd

    monkeypatch.chdir(ROOT)
    blocks = python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) == 2
    spaces = []
    for block in blocks:
        namespace = {}
        if "votes_df" in block:
            namespace["votes_df"] = pd.read_csv(ROOT / "docs" / "examples" / "own_election" / "votes.csv")
        exec(compile(block, "README.md", "exec"), namespace)
        spaces.append(namespace)
    own, engine = spaces
    assert set(own["sim"].to_frame()["party"]) >= {"Greens", "Liberal"}
    assert engine["outcome"].seats.shape == (1000, 55, 6)
    assert capsys.readouterr().out  # the engine block prints
