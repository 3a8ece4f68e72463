"""The notebooks' committed outputs are what their code prints.

The notebooks themselves run top to bottom under nbmake (``--nbmake`` in
``pyproject.toml``, with ``notebooks/`` in ``testpaths``), so a cell that raises fails
the suite. This module checks what nbmake does not: that the outputs a reader sees on
opening a notebook came from one clean run of every cell, in order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def test_the_notebooks_are_found():
    assert [path.name for path in NOTEBOOKS] == [
        "01_replay_2020.ipynb", "02_counterfactuals.ipynb", "03_uncertainty.ipynb", "04_engine.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_stored_outputs_come_from_one_clean_run(path):
    """Every code cell ran once, in order, without an error or a warning stored."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert [cell["execution_count"] for cell in cells] == list(range(1, len(cells) + 1))
    errors = [index for index, cell in enumerate(notebook["cells"])
              for output in cell.get("outputs", []) if output["output_type"] == "error"
              or output.get("name") == "stderr"]
    assert errors == [], f"{path.name}: error output stored in cells {errors}"
