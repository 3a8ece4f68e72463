"""Property-testing toolkit for seat-allocation rules (needs Hypothesis).

- :mod:`malivote.testing.strategies`: Hypothesis strategies for valid rule input.
- :func:`find_violations`: search a rule for counterexamples to a named axiom.
- :data:`AXIOMS`: which built-in method satisfies which axiom, as data, with the
  :data:`REASONS` and :data:`COUNTEREXAMPLES` behind it; :func:`rule_for` gives the
  built-in rule of a method key.

Examples
--------
>>> from malivote.testing import AXIOMS, find_violations, rule_for
>>> AXIOMS["divisor:dhondt"]["quota"]
False
>>> find_violations(rule_for("divisor:dhondt"), "house_size", max_examples=10)
[]

See ``docs/testing.md`` for a walk-through.
"""

try:
    import hypothesis  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    raise ImportError(
        "malivote.testing needs Hypothesis; install it with "
        "`pip install 'malivote[testing]'` or `pip install hypothesis`"
    ) from None

from malivote.testing import strategies
from malivote.testing.axioms import (
    APPORTIONMENT_AXIOMS,
    AXIOM_DESCRIPTIONS,
    DISTRICT_AXIOMS,
    Violation,
    find_violations,
)
from malivote.testing.table import AXIOMS, COUNTEREXAMPLES, METHODS, REASONS, rule_for

__all__ = [
    "AXIOMS",
    "COUNTEREXAMPLES",
    "METHODS",
    "REASONS",
    "APPORTIONMENT_AXIOMS",
    "AXIOM_DESCRIPTIONS",
    "DISTRICT_AXIOMS",
    "Violation",
    "find_violations",
    "rule_for",
    "strategies",
]
