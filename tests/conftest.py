"""Shared pytest configuration for the malivote test suite.

* Puts this directory on ``sys.path`` so test modules (and ``benchmarks/``) can
  ``import reference``: pytest runs with ``--import-mode=importlib``, under which test
  files are not importable as a package.
* Registers the Hypothesis profiles ``ci`` (derandomized, reproducible, prints the
  blob to reproduce a failure) and ``dev`` (the default); choose one with the
  environment variable ``HYPOTHESIS_PROFILE``.
"""

from __future__ import annotations

import os
import sys

from hypothesis import HealthCheck, settings

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    print_blob=True,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
