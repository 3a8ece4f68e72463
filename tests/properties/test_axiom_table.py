"""The engine against the method × axiom table :data:`malivote.testing.AXIOMS`.

Every entry of the table is a test:

- True: :func:`~malivote.testing.find_violations` searches the built-in rule and
  must find nothing;
- False: the table's pinned counterexample must still be one (its replay against the
  engine, with the arithmetic spelled out, is in ``test_counterexamples.py``);
- None: the axiom does not apply, and the table says why.

The searches use the suite's Hypothesis profile (``HYPOTHESIS_PROFILE``, see
``tests/conftest.py``) for the number of examples.
"""

from __future__ import annotations

import pytest
from hypothesis import settings

from malivote import rules
from malivote.testing import AXIOMS, COUNTEREXAMPLES, REASONS, find_violations, rule_for
from malivote.testing.table import DISTRICT_KEYS, DIVISOR_KEYS, REMAINDER_KEYS

pytestmark = pytest.mark.slow


def _entries(value):
    return [
        pytest.param(method, axiom, id=f"{method}-{axiom}")
        for method, row in AXIOMS.items()
        for axiom, holds in row.items()
        if holds is value
    ]


@pytest.mark.parametrize(("method", "axiom"), _entries(True))
def test_axiom_holds(method, axiom):
    violations = find_violations(
        rule_for(method),
        axiom,
        max_examples=settings.default.max_examples,
        vectorized=method not in DISTRICT_KEYS,
    )
    assert violations == [], "\n".join(str(v) for v in violations)


@pytest.mark.parametrize(("method", "axiom"), _entries(False))
def test_axiom_fails_on_the_pinned_counterexample(method, axiom):
    example = COUNTEREXAMPLES[method, axiom]
    violations = find_violations(rule_for(method), axiom, max_examples=1, examples=[example])
    assert violations, f"{method} no longer violates {axiom} on {example}"
    assert all(v.axiom == axiom for v in violations)


@pytest.mark.parametrize(("method", "axiom"), _entries(None))
def test_unknown_or_inapplicable_entries_say_why(method, axiom):
    assert REASONS[method, axiom].startswith("Not applicable")


def test_the_table_names_every_engine_method():
    assert DIVISOR_KEYS == tuple(f"divisor:{m}" for m in rules.DIVISOR_METHODS)
    assert REMAINDER_KEYS == tuple(f"largest_remainder:{q}" for q in rules.QUOTAS)


def test_every_entry_has_a_reason():
    for method, row in AXIOMS.items():
        for axiom in row:
            assert REASONS[method, axiom], (method, axiom)
