"""Benchmarks of the hot core, with ratios measured in the same run.

``pytest benchmarks --benchmark-enable`` times them; the default test run keeps
``--benchmark-disable`` and runs each case once (smoke mode), still checking results.
Each case records, besides pytest-benchmark's own statistics, elections per second
and two ratios measured in the same process: against one plain read pass over the
same array (``votes.sum()``) and against the pure-Python reference in
``tests/reference.py`` on the same input. They are printed at the end of the run.
"""

import os
import sys

import pytest

from malivote.simulate import keep_freed_memory

# As the ``malivote`` command does: each block reuses the memory the block before it
# freed (malivote._malloc), instead of faulting it in again.
keep_freed_memory()

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "tests"))
# Benchmark modules share their input generators.
sys.path.insert(0, os.path.dirname(__file__))

RECORDS: list[tuple[str, dict]] = []


@pytest.fixture
def record():
    """Store the same-run figures of a benchmark case for the terminal summary."""

    def store(name: str, benchmark, **figures):
        benchmark.extra_info.update(figures)
        RECORDS.append((name, figures))

    return store


def pytest_terminal_summary(terminalreporter):
    if not RECORDS:
        return
    terminalreporter.section("malivote benchmark ratios (same run)")
    for name, figures in RECORDS:
        text = ", ".join(
            f"{key} = {value:,.1f}" if isinstance(value, float) else f"{key} = {value}"
            for key, value in figures.items()
        )
        terminalreporter.write_line(f"{name}: {text}")
