"""The compiled counts after the rule (malivote._tally_numba) against their NumPy counts.

Each kernel must give the NumPy path's numbers exactly (float64 bit for bit), or say
that it cannot (``ok`` False, a status), so that the NumPy path raises its own error.
"""

import numpy as np
import pytest

from malivote import metrics
from malivote.results import round1_seats
from malivote.rules._backend import numba_available

pytestmark = pytest.mark.skipif(not numba_available(), reason="numba is not installed")


def _bits(array):
    return array.view(np.int64) if array.dtype == np.float64 else array


def _case(rng, *, draws=None, overlap=True):
    """Votes with empty slots anywhere (not only at the end), joint lists, a party on
    two lists of a constituency (``overlap``), ties and counts large enough for the
    float64 order of the additions to show."""
    d, c, k, p = (int(x) for x in rng.integers(1, 9, size=4) + [0, 0, 0, 1])
    d = draws or d
    votes = rng.integers(0, 10 ** int(rng.integers(1, 14)), size=(d, c, k))
    votes[rng.random(votes.shape) < 0.35] = 0
    if rng.random() < 0.3:  # ties
        votes[..., 1:] = np.where(rng.random(votes[..., 1:].shape) < 0.5, votes[..., :1], votes[..., 1:])
    members = np.zeros(votes.shape, dtype=np.int64)
    if overlap:
        for _ in range(int(rng.integers(1, 5))):
            members |= np.int64(1) << rng.integers(0, p, size=votes.shape)
    else:
        # Disjoint masks in each constituency: the kernel's one-share-per-bin path.
        for i in np.ndindex(votes.shape[:2]):
            order = rng.permutation(p)
            cut = np.sort(rng.integers(0, p + 1, size=k))
            for slot in range(k):
                chosen = order[cut[slot - 1] if slot else 0 : cut[slot]]
                members[i + (slot,)] = int(np.sum(np.int64(1) << chosen.astype(np.int64))) if chosen.size else 0
        votes[members == 0] = 0
    seats = rng.integers(0, 4, size=votes.shape) * (rng.random(votes.shape) < 0.4)
    rounds = rng.integers(1, 3, size=(d, c)).astype(np.int8)
    return votes, members, seats, rounds, p


def _expected(votes, members, seats, rounds, p):
    party = metrics.party_votes(votes, members, p)
    return (
        party,
        np.where(seats == 0, votes, 0).sum(axis=(-2, -1)),
        votes.sum(axis=(-2, -1)),
        round1_seats(seats, rounds),
        (rounds == 1).sum(axis=-1),
        (rounds == 2).sum(axis=-1),
    )


@pytest.mark.parametrize("overlap", [True, False])
def test_block_counts_are_the_numpy_counts_bit_for_bit(overlap):
    from malivote._tally_numba import block_counts, party_votes_equal

    rng = np.random.default_rng(11 if overlap else 12)
    for _ in range(150):
        votes, members, seats, rounds, p = _case(rng, overlap=overlap)
        *found, ok = block_counts(votes, members, seats, rounds, p)
        assert ok
        for a, b, dtype in zip(found, _expected(votes, members, seats, rounds, p), [np.float64] + [np.int64] * 5):
            # (party_votes gives int64 zeros when no list has votes.)
            assert a.dtype == dtype and np.array_equal(_bits(a), _bits(b.astype(dtype)))
        alone, ok = party_votes_equal(votes, members, p)
        assert ok and np.array_equal(_bits(alone), _bits(found[0]))


def test_block_counts_of_zero_votes_and_a_party_on_two_lists():
    from malivote._tally_numba import block_counts

    # Constituency 0: no votes at all; constituency 1: party 0 on a joint list and
    # alone, an empty slot between lists, shares that round (1/3).
    votes = np.array([[[0, 0, 0, 0], [10, 0, 7, 1]]])
    members = np.array([[[0, 0, 0, 0], [0b111, 0, 0b001, 0b010]]])
    seats = np.array([[[0, 0, 0, 0], [2, 0, 0, 0]]])
    rounds = np.array([[1, 2]], dtype=np.int8)
    party, lost, valid, round1, round1_constituencies, runoffs, ok = block_counts(votes, members, seats, rounds, 3)
    assert ok
    assert np.array_equal(_bits(party), _bits(metrics.party_votes(votes, members, 3)))
    assert party[0, 0] == 10 / 3 + 7  # the joint list's share first, as NumPy's bincount
    assert (lost.tolist(), valid.tolist(), round1.tolist()) == ([8], [18], [0])
    assert (round1_constituencies.tolist(), runoffs.tolist()) == ([1], [1])


@pytest.mark.parametrize(
    "change",
    [
        lambda v, m, r: v.__setitem__((0, 0, 1), -1),  # a negative count
        lambda v, m, r: m.__setitem__((0, 0, 0), 0),  # a list with votes and no party
        lambda v, m, r: m.__setitem__((0, 0, 0), 1 << 3),  # a party past n_parties
        lambda v, m, r: r.__setitem__((0, 0), 3),  # a round that is neither 1 nor 2
        lambda v, m, r: r.__setitem__((0, 0), 0),
    ],
)
def test_block_counts_flag_what_numpy_must_raise(change):
    from malivote._tally_numba import block_counts

    votes = np.array([[[5, 3, 0], [2, 0, 0]]])
    members = np.array([[[1, 2, 0], [4, 0, 0]]])
    rounds = np.array([[1, 1]], dtype=np.int8)
    assert block_counts(votes, members, np.zeros_like(votes), rounds, 3)[-1]
    change(votes, members, rounds)
    assert not block_counts(votes, members, np.zeros_like(votes), rounds, 3)[-1]


# --- Tally: counts outside the histograms are refused, not moved or dropped -----------

from malivote.tally import Tally  # noqa: E402


def _add(tally, **changes):
    block = dict(
        party_seats=np.array([[2, 1]]), round1_constituencies=np.array([1]), round1_seats=np.array([1]),
        women=np.array([0]), metrics={}, majority=2,
    )
    block.update(changes)
    tally.add(**block)


@pytest.mark.parametrize(
    "changes, message",
    [
        # 4 seats of a 3-seat house were counted as party B's 0 seats.
        ({"party_seats": np.array([[4, 0]])}, r"^party_seats: expected counts from 0 to 3, found 4 at index \(0, 0\)"),
        ({"party_seats": np.array([[-1, 4]])}, r"^party_seats: expected counts from 0 to 3, found -1 at index \(0, 0\)"),
        ({"party_seats": np.array([[1, 1, 1]])}, r"^party_seats: expected integer counts of shape \(1, 2\)"),
        ({"party_seats": np.array([[1.0, 2.0]])}, r"^party_seats: expected integer counts of shape \(1, 2\), found float64"),
        # Dropped from the histograms before.
        ({"round1_constituencies": np.array([5])}, r"^round1_constituencies: expected counts from 0 to 2, found 5"),
        ({"women": np.array([9])}, r"^women: expected counts from 0 to 3, found 9"),
        ({"women": np.array([0, 1])}, r"^women: expected integer counts of shape \(1,\)"),
    ],
)
def test_tally_add_refuses_counts_outside_its_histograms(changes, message):
    tally = Tally.empty(("A", "B"), house=3, n_constituencies=2)
    with pytest.raises(ValueError, match=message):
        _add(tally, **changes)


def test_tally_add_refuses_bloc_seats_past_the_house():
    tally = Tally.empty(("A", "B"), house=3, n_constituencies=2, blocs=("AB",))
    with pytest.raises(ValueError, match=r"^bloc_seats: expected counts from 0 to 3, found 5"):
        _add(tally, bloc_seats=np.array([[5]]))
    _add(tally, bloc_seats=np.array([[3]]))
    assert tally.bloc_hist.tolist() == [[0, 0, 0, 1]]


@pytest.mark.parametrize("q", [1.5, -0.1, float("nan"), "0.5", True])
def test_tally_quantile_refuses_q_outside_0_1(q):
    """1.5 gave the index past the last bin; NaN failed in Fraction."""
    with pytest.raises(ValueError, match=r"^q: expected a probability in \[0, 1\], found"):
        Tally.quantile(np.array([0, 2, 1]), q)


def test_tally_quantile_of_no_draws_is_refused():
    with pytest.raises(ValueError, match=r"^hist: expected a histogram of at least one draw, found none"):
        Tally.quantile(np.zeros(4, dtype=np.int64), 0.5)
    assert [Tally.quantile(np.array([0, 2, 1]), q) for q in (0, 0.5, 1)] == [1, 1, 2]


# --- credit_seats / credit_elected: seats no roster can fill, parties past n_parties ---

from malivote.election import credit_elected, credit_seats  # noqa: E402
from malivote.rules._backend import use_backend  # noqa: E402

CREDIT_SEATS = np.array([[[2, 0], [0, 1]]])
CREDIT_ROSTER = np.array([[[[0, 1], [2, 2]], [[1, -1], [2, -1]]]])
CREDIT_FEMALE = np.array([[[[True, False], [False, False]], [[False, False], [True, False]]]])
CREDIT_BACKENDS = ["numpy"] + (["numba"] if numba_available() else [])


@pytest.mark.parametrize("backend_name", CREDIT_BACKENDS)
@pytest.mark.parametrize(
    "seats, roster, n_parties, message",
    [
        # 3 seats for a roster of 2 credited 2: the parties held 3 of the 4 seats won.
        ([[[3, 0], [0, 1]]], CREDIT_ROSTER, 3, r"^seats: the list at index \(0, 0, 0\) wins 3 seats but rosters hold 2 candidates"),
        # -1 seat elected no one, silently.
        ([[[-1, 0], [0, 1]]], CREDIT_ROSTER, 3, r"^seats: expected non-negative seat counts, found -1 at index \(0, 0, 0\)"),
        (np.array([[[2.5, 0], [0, 1]]]), CREDIT_ROSTER, 3, r"^seats: expected integer seat counts, found dtype float64"),
        # NumPy's "cannot reshape array of size 6 into shape (1,4)".
        (CREDIT_SEATS, np.array([[[[0, 5], [2, 2]], [[1, -1], [2, -1]]]]), 3, r"^roster_party: an elected candidate's party 5 is not below n_parties = 3"),
        (CREDIT_SEATS, CREDIT_ROSTER, 3.0, r"^n_parties: expected a non-negative integer, found 3.0"),
    ],
)
def test_credit_seats_refuses_what_it_cannot_credit(seats, roster, n_parties, message, backend_name):
    with use_backend(backend_name), pytest.raises(ValueError, match=message):
        credit_seats(np.asarray(seats), roster, CREDIT_FEMALE, n_parties)


@pytest.mark.parametrize("backend_name", CREDIT_BACKENDS)
def test_credit_elected_refuses_a_party_past_n_parties(backend_name):
    """Party 3 of 3 fell in the count's spare bin: the seat was dropped."""
    elected = np.array([[[[True, False]], [[True, False]]]])
    roster = np.array([[[[0, 1]], [[3, 1]]]])
    female = np.zeros(elected.shape, dtype=bool)
    with use_backend(backend_name), pytest.raises(ValueError, match=r"^roster_party: an elected candidate's party 3 is not below n_parties = 3"):
        credit_elected(elected, roster, female, 3)
    with use_backend(backend_name):
        party_seats, _ = credit_elected(elected, np.array([[[[0, 1]], [[2, 1]]]]), female, 3)
    assert party_seats.tolist() == [[1, 0, 1]]
