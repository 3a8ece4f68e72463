"""Every notebook in ``notebooks/`` runs top to bottom against the current package.

The notebooks run here as plain Python, without Jupyter: their code cells are
executed in order, in one namespace, with ``notebooks/`` as the working directory and
matplotlib's non-interactive Agg backend, so no kernel is needed. A cell that raises
fails the test, which names the notebook and the cell.

The only IPython syntax a notebook may use is ``%matplotlib inline``, a display
setting that means nothing outside Jupyter. Any other magic or shell escape is an
error, so that every notebook also runs as a plain script.

The notebooks run with the draws written in them (200 for a replay): a replay of that
size takes well under a second once numba's cache is warm, so the run time is
imports and compilation, which fewer draws would not shorten.
"""

from __future__ import annotations

import json
import linecache
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
# Lines a notebook may hold that are not Python, and how they run here.
ALLOWED_MAGICS = {"%matplotlib inline": ""}


def code_cells(path: Path) -> list[tuple[int, str]]:
    """The code cells of a notebook, as ``(cell index, source)`` in order.

    Parameters
    ----------
    path : Path
        The ``.ipynb`` file.

    Returns
    -------
    list of (int, str)
        The index of each code cell among all the notebook's cells (as Jupyter
        numbers them from 0) and its source as Python.

    Raises
    ------
    ValueError
        If a cell uses IPython syntax other than ``ALLOWED_MAGICS``, naming the
        notebook, the cell and the line.
    """
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        lines = "".join(cell["source"]).splitlines()
        for number, line in enumerate(lines):
            stripped = line.strip()
            if stripped in ALLOWED_MAGICS:
                lines[number] = ALLOWED_MAGICS[stripped]
            elif stripped.startswith(("%", "!")):
                raise ValueError(f"{path.name}, cell {index}, line {number + 1}: IPython syntax "
                                 f"{stripped!r} does not run as plain Python; expected only "
                                 f"{sorted(ALLOWED_MAGICS)}")
        cells.append((index, "\n".join(lines) + "\n"))
    return cells


def run_notebook(path: Path) -> dict:
    """Execute a notebook's code cells in order in one namespace.

    Parameters
    ----------
    path : Path
        The ``.ipynb`` file; the caller sets the working directory.

    Returns
    -------
    dict
        The namespace the cells ran in.

    Raises
    ------
    Exception
        Whatever a cell raises, with a note naming the notebook and the cell; the
        traceback shows the cell's own lines.
    """
    namespace: dict = {"__name__": "__notebook__"}
    for index, source in code_cells(path):
        filename = f"<{path.name}, cell {index}>"
        # Registered so that a traceback prints the failing line of the cell.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), namespace)
        except Exception as error:
            error.add_note(f"raised by {path.name}, cell {index} (counting every cell from 0)")
            raise
        finally:
            plt.close("all")
    return namespace


def test_the_notebooks_are_found():
    assert [path.name for path in NOTEBOOKS] == [
        "01_replay_2020.ipynb", "02_counterfactuals.ipynb", "03_uncertainty.ipynb", "04_engine.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    monkeypatch.chdir(NOTEBOOK_DIR)
    with matplotlib.rc_context():   # a notebook's rcParams must not leak into other tests
        namespace = run_notebook(path)
    assert len(namespace) > 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_stored_outputs_come_from_one_clean_run(path):
    """The committed outputs were made by running every cell once, in order, without
    an error: what a reader sees is what the code above it prints."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]
    assert [cell["execution_count"] for cell in cells] == list(range(1, len(cells) + 1))
    errors = [index for index, cell in enumerate(notebook["cells"])
              for output in cell.get("outputs", []) if output["output_type"] == "error"
              or output.get("name") == "stderr"]
    assert errors == [], f"{path.name}: error output stored in cells {errors}"


def test_code_cells_reject_other_magics(tmp_path):
    notebook = {"cells": [{"cell_type": "code", "source": ["%matplotlib inline\n", "x = 1\n"]},
                          {"cell_type": "code", "source": ["%time y = x\n"]}]}
    path = tmp_path / "magic.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    with pytest.raises(ValueError, match=r"magic\.ipynb, cell 1, line 1: IPython syntax '%time y = x'"):
        code_cells(path)


def test_a_failing_cell_names_its_notebook_and_cell(tmp_path):
    notebook = {"cells": [{"cell_type": "markdown", "source": ["# title"]},
                          {"cell_type": "code", "source": ["x = 1\n"]},
                          {"cell_type": "code", "source": ["assert x == 2, 'x is not 2'\n"]}]}
    path = tmp_path / "broken.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    with pytest.raises(AssertionError, match="x is not 2") as caught:
        run_notebook(path)
    assert "raised by broken.ipynb, cell 2" in caught.value.__notes__[0]
