"""The vectorised engine agrees with the exact pure-Python reference.

For random inputs (batched over leading draw axes, with small vote ranges so that ties
are common, and large ones so that float rounding would show), every row of the
engine's result must be one of the results the reference allows (``tests/reference.py``
gives the *set* of allowed results, because ties are broken by lot). On rows without
ties that set has one member, so there the engine must match exactly.

Inputs the reference rejects must make the engine raise ``ValueError``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import reference
from malivote.rules import (
    DIVISOR_METHODS,
    QUOTAS,
    block_vote,
    divisor,
    largest_remainder,
    plurality,
    two_round,
)

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Small maxima make ties common; large ones exercise exactness.
VOTE_MAXIMA = st.sampled_from([1, 2, 3, 5, 20, 1000, 1_000_000])
DTYPES = st.sampled_from([np.int64, np.int32, np.float64])
SHARES = st.sampled_from([0.0, 0.01, 0.05, 0.1, 0.2, 0.25, 1 / 3, 0.4, Fraction(1, 7)])
MAJORITIES = st.sampled_from([0.5, 0.4, 0.0, 0.25, 1 / 3, 0.6, 0.75, Fraction(1, 2)])


# ------------------------------------------------------------------ local strategies


@st.composite
def vote_array(draw, shape, max_votes=None, nonzero_rows=False):
    """Whole vote counts of ``shape``; optionally no all-zero row (last axis)."""
    if max_votes is None:
        max_votes = draw(VOTE_MAXIMA)
    values = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, max_votes)))
    if nonzero_rows and values.size:
        empty = values.sum(axis=-1) == 0
        values[..., 0] = np.where(empty, 1, values[..., 0])
    return values


def as_dtype(values: np.ndarray, dtype) -> np.ndarray:
    return values.astype(dtype)


@st.composite
def districts(draw, max_k=6):
    """A batch of constituencies: ``(first, magnitude)`` with leading draw axes."""
    lead = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple))
    c = draw(st.integers(1, 4))
    k = draw(st.integers(1, max_k))
    first = draw(vote_array(lead + (c, k), nonzero_rows=True))
    magnitude = np.array(draw(st.lists(st.integers(1, 9), min_size=c, max_size=c)))
    return first, magnitude


# ----------------------------------------------------------------------- checking


def expect_rows(reference_row, indices):
    """Run the reference on every row; return (options per row, must_raise, may_raise)."""
    options = {}
    must_raise = may_raise = False
    for index in indices:
        try:
            row_options = reference_row(index)
        except ValueError:
            must_raise = True
            continue
        if reference.RAISES in row_options:
            may_raise = True
            row_options = {o for o in row_options if o != reference.RAISES}
        options[index] = row_options
    _events(options, must_raise, may_raise)
    return options, must_raise, may_raise


def _events(options, must_raise, may_raise=False):
    """Label the example for ``--hypothesis-show-statistics``."""
    if must_raise:
        event("input rejected")
    elif may_raise:
        event("input may be rejected (tie-break dependent)")
    elif any(o is not None and len(o) > 1 for o in options.values()):
        event("has a tie")
    else:
        event("no tie")


def run_engine(call, must_raise, may_raise):
    """Call the engine; None if it (rightly) raised."""
    if must_raise:
        with pytest.raises(ValueError):
            call()
        return None
    try:
        return call()
    except ValueError:
        assert may_raise, "the engine raised on input the reference accepts"
        return None


def check_district_outcome(out, first, magnitude, options):
    lead_c = first.shape[:-1]
    k = first.shape[-1]
    assert out.winner.shape == lead_c
    assert out.round.shape == lead_c
    assert out.finalists.shape == lead_c + (2,)
    assert out.seats.shape == lead_c + (k,)
    np.testing.assert_array_equal(out.magnitude, magnitude)
    for index in np.ndindex(*lead_c):
        winner = int(out.winner[index])
        rnd = int(out.round[index])
        finalists = [int(f) for f in out.finalists[index]]
        if rnd == 1:
            assert finalists == [winner, -1], (index, finalists)
            pair = None
        else:
            assert rnd == 2
            pair = frozenset(finalists)
            assert len(pair) == 2 and winner in pair
            # Leader first.
            assert first[index][finalists[0]] >= first[index][finalists[1]]
        assert (winner, rnd, pair) in options[index], (index, first[index], options[index])
        expected_seats = np.zeros(k, dtype=np.int64)
        expected_seats[winner] = magnitude[index[-1]]
        np.testing.assert_array_equal(out.seats[index], expected_seats)


# ---------------------------------------------------------------------- two round


@SETTINGS
@given(case=districts(), majority=MAJORITIES, with_second=st.booleans(), dtype=DTYPES, data=st.data())
def test_two_round_matches_reference(case, majority, with_second, dtype, data):
    first, magnitude = case
    second = data.draw(vote_array(first.shape)) if with_second else None
    indices = list(np.ndindex(*first.shape[:-1]))

    def reference_row(index):
        second_row = None if second is None else second[index].tolist()
        return reference.two_round_outcomes(
            first[index].tolist(), int(magnitude[index[-1]]), second_row, majority
        )

    options, must_raise, may_raise = expect_rows(reference_row, indices)
    out = run_engine(
        lambda: two_round(
            as_dtype(first, dtype),
            magnitude,
            None if second is None else as_dtype(second, dtype),
            majority=majority,
            rng=data.draw(st.integers(0, 2**32 - 1)),
        ),
        must_raise,
        may_raise,
    )
    if out is not None:
        check_district_outcome(out, first, magnitude, options)


@SETTINGS
@given(case=districts(max_k=5), majority=st.sampled_from([0.5, 0.4]), seed=st.integers(0, 2**16))
def test_two_round_many_ties(case, majority, seed):
    """Votes in {0, 1, 2}: ties for first place, for a finalist place and in the runoff."""
    first, magnitude = case
    first = np.minimum(first, 2)
    rng = np.random.default_rng(seed)
    second = rng.integers(0, 2, size=first.shape)
    for sec in (None, second):
        indices = list(np.ndindex(*first.shape[:-1]))

        def reference_row(index, sec=sec):
            return reference.two_round_outcomes(
                first[index].tolist(), 1, None if sec is None else sec[index].tolist(), majority
            )

        options, must_raise, may_raise = expect_rows(reference_row, indices)
        out = run_engine(
            lambda sec=sec: two_round(first, magnitude, sec, majority=majority, rng=seed),
            must_raise,
            may_raise,
        )
        if out is not None:
            check_district_outcome(out, first, magnitude, options)


def test_two_round_tied_outcomes_all_reachable():
    """Every outcome the reference allows on a tied row is drawn by some seed."""
    first = np.array([[5, 5, 5, 1]])
    allowed = reference.two_round_outcomes(first[0].tolist())
    seen = set()
    for seed in range(200):
        out = two_round(first, [1], rng=seed)
        seen.add((int(out.winner[0]), int(out.round[0]), frozenset(out.finalists[0].tolist())))
    assert seen == allowed


# ---------------------------------------------------------------------- plurality


@SETTINGS
@given(case=districts(), dtype=DTYPES, seed=st.integers(0, 2**32 - 1))
def test_plurality_matches_reference(case, dtype, seed):
    first, magnitude = case
    out = plurality(as_dtype(first, dtype), magnitude, rng=seed)
    options = {
        index: {(w, 1, None) for w in reference.plurality_options(first[index].tolist())}
        for index in np.ndindex(*first.shape[:-1])
    }
    check_district_outcome(out, first, magnitude, options)
    assert (out.round == 1).all()


# ---------------------------------------------------------------------- block vote


@st.composite
def block_cases(draw):
    lead = draw(st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple))
    c = draw(st.integers(1, 3))
    n = draw(st.integers(1, 7))
    k = draw(st.integers(1, 4))
    cand_list = draw(hnp.arrays(np.int64, (c, n), elements=st.integers(-1, k - 1)))
    cand_list[:, 0] = np.where(cand_list[:, 0] < 0, 0, cand_list[:, 0])  # >= 1 candidate
    counts = (cand_list >= 0).sum(axis=-1)
    magnitude = np.array([draw(st.integers(1, int(m))) for m in counts])
    votes = draw(vote_array(lead + (c, n)))
    votes = np.where(cand_list >= 0, votes, 0)
    if votes.size:
        empty = votes.sum(axis=-1) == 0
        votes[..., 0] = np.where(empty, 1, votes[..., 0])
    extra = draw(st.sampled_from([None, 0, 2]))
    n_lists = None if extra is None else int(cand_list.max()) + 1 + extra
    return votes, magnitude, cand_list, n_lists


@SETTINGS
@given(case=block_cases(), dtype=DTYPES, seed=st.integers(0, 2**32 - 1))
def test_block_vote_matches_reference(case, dtype, seed):
    votes, magnitude, cand_list, n_lists = case
    out = block_vote(as_dtype(votes, dtype), magnitude, cand_list, n_lists=n_lists, rng=seed)
    k = int(cand_list.max()) + 1 if n_lists is None else n_lists
    lead_c = votes.shape[:-1]
    assert out.elected.shape == votes.shape
    assert out.elected.dtype == bool
    assert out.seats.shape == lead_c + (k,)
    for index in np.ndindex(*lead_c):
        c = index[-1]
        allowed = reference.block_vote_options(votes[index].tolist(), int(magnitude[c]), cand_list[c].tolist(), k)
        elected = frozenset(np.flatnonzero(out.elected[index]).tolist())
        assert elected in allowed, (index, votes[index], cand_list[c], magnitude[c], allowed)
        expected_seats = reference._block_seats(elected, cand_list[c].tolist(), k)
        assert tuple(out.seats[index].tolist()) == expected_seats


# -------------------------------------------------------------- divisor and quota


@st.composite
def apportionment(draw, max_seats=12):
    """``(votes, seats)``: votes (..., K) and seats as an int or a broadcasting array."""
    lead = draw(st.lists(st.integers(1, 4), min_size=0, max_size=2).map(tuple))
    k = draw(st.integers(1, 6))
    # Mostly rows with votes; sometimes an all-zero row (which must raise if it has seats).
    votes = draw(vote_array(lead + (k,), nonzero_rows=draw(st.sampled_from([True, True, True, False]))))
    kind = draw(st.sampled_from(["int", "rows", "last"] if lead else ["int"]))
    if kind == "int":
        seats = draw(st.integers(0, max_seats))
    elif kind == "rows":
        seats = draw(hnp.arrays(np.int64, lead, elements=st.integers(0, max_seats)))
    else:  # seats per constituency, broadcast over the draws in front
        seats = draw(hnp.arrays(np.int64, lead[-1:], elements=st.integers(0, max_seats)))
    return votes, seats


def check_apportionment(result, votes, seats, reference_row):
    seats_b = np.broadcast_to(np.asarray(seats), votes.shape[:-1])
    indices = list(np.ndindex(*votes.shape[:-1]))
    options = {}
    must_raise = False
    for index in indices:
        try:
            options[index] = reference_row(votes[index].tolist(), int(seats_b[index]))
        except ValueError:
            must_raise = True
    _events(options, must_raise)
    alloc = run_engine(result, must_raise, False)
    if alloc is None:
        return
    assert alloc.shape == votes.shape
    assert alloc.dtype.kind == "i"
    np.testing.assert_array_equal(alloc.sum(axis=-1), seats_b)
    for index in indices:
        row = tuple(alloc[index].tolist())
        assert row in options[index], (index, votes[index].tolist(), int(seats_b[index]), row, options[index])


@SETTINGS
@given(
    case=apportionment(),
    method=st.sampled_from(DIVISOR_METHODS),
    threshold=SHARES,
    dtype=DTYPES,
    seed=st.integers(0, 2**32 - 1),
)
def test_divisor_matches_reference(case, method, threshold, dtype, seed):
    votes, seats = case
    check_apportionment(
        lambda: divisor(as_dtype(votes, dtype), seats, method=method, threshold=threshold, rng=seed),
        votes,
        seats,
        lambda row, s: reference.divisor_options(row, s, method, threshold),
    )


@pytest.mark.parametrize("method", DIVISOR_METHODS)
@settings(max_examples=50, deadline=None)
@given(case=apportionment(max_seats=20), seed=st.integers(0, 2**16))
def test_divisor_each_method_with_ties(method, case, seed):
    """Every method, votes in 0..4: ties for the last seats are frequent."""
    votes, seats = case
    votes = np.minimum(votes, 4)
    check_apportionment(
        lambda: divisor(votes, seats, method=method, rng=seed),
        votes,
        seats,
        lambda row, s: reference.divisor_options(row, s, method),
    )


@SETTINGS
@given(
    case=apportionment(),
    method=st.sampled_from(DIVISOR_METHODS),
    scale=st.sampled_from([7, 999_983, 1_000_000]),
    nudge=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_divisor_ties_and_near_ties_at_scale(case, method, scale, nudge, seed):
    """Exact ties among counts in the millions, and near-ties one vote apart.

    Floating point would see some of these ties as strict inequalities, or some
    near-ties as ties; the reference compares exact fractions.
    """
    votes, seats = case
    votes = np.minimum(votes, 5) * scale
    if nudge:
        votes = votes + (np.arange(votes.size).reshape(votes.shape) % 3 == 0) * (votes > 0)
    check_apportionment(
        lambda: divisor(votes, seats, method=method, rng=seed),
        votes,
        seats,
        lambda row, s: reference.divisor_options(row, s, method),
    )


@SETTINGS
@given(
    case=apportionment(),
    quota=st.sampled_from(QUOTAS),
    scale=st.sampled_from([7, 999_983, 1_000_000]),
    nudge=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_largest_remainder_ties_and_near_ties_at_scale(case, quota, scale, nudge, seed):
    votes, seats = case
    votes = np.minimum(votes, 5) * scale
    if nudge:
        votes = votes + (np.arange(votes.size).reshape(votes.shape) % 3 == 0) * (votes > 0)
    check_apportionment(
        lambda: largest_remainder(votes, seats, quota=quota, rng=seed),
        votes,
        seats,
        lambda row, s: reference.largest_remainder_options(row, s, quota),
    )


@SETTINGS
@given(
    case=apportionment(),
    quota=st.sampled_from(QUOTAS),
    threshold=SHARES,
    dtype=DTYPES,
    seed=st.integers(0, 2**32 - 1),
)
def test_largest_remainder_matches_reference(case, quota, threshold, dtype, seed):
    votes, seats = case
    check_apportionment(
        lambda: largest_remainder(as_dtype(votes, dtype), seats, quota=quota, threshold=threshold, rng=seed),
        votes,
        seats,
        lambda row, s: reference.largest_remainder_options(row, s, quota, threshold),
    )


@pytest.mark.parametrize("quota", QUOTAS)
@settings(max_examples=50, deadline=None)
@given(case=apportionment(max_seats=8), seed=st.integers(0, 2**16))
def test_largest_remainder_each_quota_with_ties(quota, case, seed):
    votes, seats = case
    votes = np.minimum(votes, 6) * 10  # equal remainders are common
    check_apportionment(
        lambda: largest_remainder(votes, seats, quota=quota, rng=seed),
        votes,
        seats,
        lambda row, s: reference.largest_remainder_options(row, s, quota),
    )


# ------------------------------------------------------- the public strategies

# ``malivote.testing.strategies`` draws valid input by construction; the local
# strategies above also reach the error paths. Both must agree with the reference.
try:
    from malivote.testing import strategies as public
except ImportError:  # pragma: no cover - the strategies module is optional here
    public = None

needs_public = pytest.mark.skipif(public is None, reason="malivote.testing.strategies is missing")


if public is not None:

    @needs_public
    @SETTINGS
    @given(
        election=st.sampled_from([(), (2,), (2, 3)]).flatmap(
            lambda shape: public.elections(batch_shape=shape, max_votes=20)
        ),
        majority=MAJORITIES,
        seed=st.integers(0, 2**32 - 1),
    )
    def test_two_round_public_elections(election, majority, seed):
        first, magnitude, second = election
        indices = list(np.ndindex(*first.shape[:-1]))

        def reference_row(index):
            second_row = None if second is None else second[index].tolist()
            return reference.two_round_outcomes(first[index].tolist(), int(magnitude[index[-1]]), second_row, majority)

        options, must_raise, may_raise = expect_rows(reference_row, indices)
        out = run_engine(
            lambda: two_round(first, magnitude, second, majority=majority, rng=seed), must_raise, may_raise
        )
        if out is not None:
            check_district_outcome(out, first, magnitude, options)

    @needs_public
    @SETTINGS
    @given(
        case=public.apportionment_cases(max_votes=50),
        rule=st.sampled_from([("divisor", m) for m in DIVISOR_METHODS] + [("quota", q) for q in QUOTAS]),
        threshold=SHARES,
        seed=st.integers(0, 2**32 - 1),
    )
    def test_apportionment_public_cases(case, rule, threshold, seed):
        votes, seats = case
        kind, name = rule
        if kind == "divisor":
            engine = lambda: divisor(votes, seats, method=name, threshold=threshold, rng=seed)  # noqa: E731
            ref = lambda row, s: reference.divisor_options(row, s, name, threshold)  # noqa: E731
        else:
            engine = lambda: largest_remainder(votes, seats, quota=name, threshold=threshold, rng=seed)  # noqa: E731
            ref = lambda row, s: reference.largest_remainder_options(row, s, name, threshold)  # noqa: E731
        check_apportionment(engine, np.asarray(votes), seats, ref)
