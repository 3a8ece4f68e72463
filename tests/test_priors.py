"""The Priors object: data-derived defaults, validation, and its effect on draws."""

import subprocess
import sys

import numpy as np
import pytest
from pydantic import ValidationError

from malivote.reconstruct import reconstruct, verify
from malivote.reconstruct.priors import Priors, fitted_defaults


def test_defaults_equal_the_fit_to_the_shipped_data():
    fit = fitted_defaults()
    p = Priors().model_dump()
    for section, values in fit.items():
        if section.startswith("_"):
            continue
        for key, want in values.items():
            got = p[section][key]
            assert np.allclose(got, want, atol=1e-3), (section, key, got, want)


def test_every_field_is_documented():
    for name, field in Priors.model_fields.items():
        sub = field.annotation
        for key, f in sub.model_fields.items():
            assert f.description and "efault" in f.description or "Same" in f.description or "Beta" in f.description \
                or "Clip" in f.description, (name, key)


@pytest.mark.parametrize("bad, match", [
    ({"outcome": {"sweeps": -1}}, "sweeps"),
    ({"outcome": {"draws_per_chain": 7}}, "draws_per_chain"),
    ({"outcome": {"thin": 0}}, "thin"),
    ({"outcome": {"hint_odds": 0}}, "hint_odds"),
    ({"runoff": {"finalists_share": [0.9, 0.2]}}, "finalists_share"),
    ({"turnout": {"invalid_clip": [0.2, 1.5]}}, "invalid_clip"),
    ({"winner_share": {"round9_a": 1}}, "round9_a"),
    ({"geography": {"district_weight": -1}}, "district_weight"),
])
def test_validation_errors_name_the_field(bad, match):
    with pytest.raises(ValidationError, match=match):
        Priors.model_validate(bad)


def test_frozen_and_hashable():
    p = Priors()
    with pytest.raises(ValidationError):
        p.outcome = None
    assert hash(p) == hash(Priors())


def test_importing_priors_does_not_import_scipy():
    code = "import sys; import malivote.reconstruct.priors; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_overrides_change_the_draws_and_keep_the_facts():
    # a mean round-2 share of 67% (a much higher one fails with a clear error: landslide
    # runoffs need more eliminated lists than 2020's candidate and women counts allow)
    p = Priors.model_validate({"winner_share": {"round2_a": 2.0, "round2_b": 4.0}, "outcome": {"hint_odds": 1.0}})
    a = reconstruct(2020, draws=100, seed=2)
    b = reconstruct(2020, draws=100, seed=2, priors=p)
    assert verify(b) == []
    assert not np.array_equal(a.second, b.second)
    # a runoff winner's share is higher on average with the new prior
    share = lambda e: (e.second.max(-1) / np.maximum(e.second.sum(-1), 1))[e.second.sum(-1) > 0].mean()  # noqa: E731
    assert share(b) > share(a) + 0.1


def test_chunks_are_identical_with_priors():
    p = Priors.model_validate({"outcome": {"sweeps": 10}})
    a = reconstruct(2013, draws=250, seed=3, priors=p)
    b = reconstruct(2013, draws=120, seed=3, priors=p, first_draw=130)
    assert np.array_equal(a.first[130:], b.first)
    assert np.array_equal(a.members[130:], b.members)
