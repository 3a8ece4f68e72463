"""malivote._malloc: freed block arrays stay in the heap for the next block (glibc)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")

# A block's worth of arrays (ten of 2 MiB), allocated, filled and freed 50 times,
# counting the page faults: more memory freed at once than glibc's dynamic trim
# threshold (twice the largest array) keeps, as a block of draws does.
_SCRIPT = """
import json, resource, sys
import numpy as np
from malivote.simulate import keep_freed_memory
tuned = keep_freed_memory() if sys.argv[1] == "tune" else None
np.ones(1 << 20)  # (numpy's own first allocations)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(50):
    arrays = [np.ones(1 << 18) for _ in range(10)]
    del arrays
print(json.dumps({"tuned": tuned, "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before}))
"""


def _run(mode, **env):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != "MALIVOTE_MALLOC"}
    out = subprocess.run([sys.executable, "-c", _SCRIPT, mode], env={**environ, **env}, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


def test_freed_arrays_are_reused_not_faulted_in_again():
    plain, tuned = _run("plain"), _run("tune")
    assert tuned["tuned"] is True
    # 50 x 5,120 pages faulted in again by default (the heap is trimmed after each
    # round); once, when the memory stays in the heap
    assert plain["faults"] > 25 * 5120
    assert tuned["faults"] < 2 * 5120


def test_the_users_own_settings_win():
    assert _run("tune", MALIVOTE_MALLOC="default")["tuned"] is False
    assert _run("tune", MALLOC_TRIM_THRESHOLD_="1000000")["tuned"] is False
