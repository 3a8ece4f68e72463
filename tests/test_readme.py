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
