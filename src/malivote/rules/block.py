"""Candidate block voting (plurality-at-large).

Each voter has as many votes as there are seats and gives them to individual
candidates; the ``magnitude`` candidates with the most votes win. Unlike Mali's party
block vote, voters can split their ticket across lists, so a district's seats can go
to several lists (Reynolds, Reilly & Ellis, *Electoral System Design*, International
IDEA, 2005, pp. 44-46, "Block Vote").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from malivote.rules._backend import backend
from malivote.rules._validation import (
    MAX_LISTS,
    as_array,
    as_magnitude,
    as_rng,
    as_votes,
    check_flag,
    check_row_totals,
    first_bad_index,
)
from malivote.rules.ties import check_ties, raise_on_lot, settle

__all__ = ["BlockOutcome", "block_vote"]


@dataclass(frozen=True, eq=False)
class BlockOutcome:
    """The elected candidates and the seats each list won.

    Attributes
    ----------
    elected : ndarray of bool, shape (..., C, N)
        True for each elected candidate slot.
    seats : ndarray of int64, shape (..., C, K)
        Elected candidates per list in each constituency.
    lots : ndarray of int64, shape (..., C), or None
        With ``count_lots=True``: 1 where a lot chose among candidates tied for the
        last seats, else 0. None without ``count_lots``.
    """

    elected: np.ndarray
    seats: np.ndarray
    lots: np.ndarray | None = None


def _check_candidate_list(candidate_list, n_constituencies, n_candidates, n_lists):
    lists = as_array(candidate_list, "candidate_list")
    if lists.dtype.kind not in "iu":
        raise ValueError(
            f"candidate_list: expected integer list indices, found dtype {lists.dtype}"
        )
    if lists.shape != (n_constituencies, n_candidates):
        raise ValueError(
            f"candidate_list: expected shape {(n_constituencies, n_candidates)} "
            f"(constituencies, candidate slots) to match candidate_votes, "
            f"found {lists.shape}"
        )
    if lists.dtype.kind == "u" and lists.size and lists.max() >= MAX_LISTS:
        # Checked before the cast to int64, which would wrap 2**64 - 1 to -1 (an empty slot).
        raise ValueError(
            f"candidate_list: list index {lists.max()} is above the largest supported, {MAX_LISTS - 1:,}"
        )
    lists = lists.astype(np.int64)
    if lists.size and lists.min() < -1:
        raise ValueError(
            f"candidate_list: expected list indices >= 0, or -1 for an empty slot, "
            f"found {lists.min()}"
        )
    if n_lists is None:
        n_lists = int(lists.max(initial=-1)) + 1
    elif isinstance(n_lists, bool) or not isinstance(n_lists, (int, np.integer)) or not 1 <= n_lists <= MAX_LISTS:
        raise ValueError(f"n_lists: expected an integer from 1 to {MAX_LISTS:,}, found {n_lists!r}")
    if lists.size and lists.max() >= n_lists:
        raise ValueError(
            f"candidate_list: list index {int(lists.max())} is out of range for "
            f"n_lists = {n_lists}"
        )
    return lists, int(n_lists)


def block_vote(
    candidate_votes, magnitude, candidate_list, *, n_lists=None, ties="lot", count_lots=False, rng=None
) -> BlockOutcome:
    """Elect the ``magnitude`` candidates with the most votes in each constituency.

    Parameters
    ----------
    candidate_votes : array_like of int, shape (..., C, N)
        Votes of ``N`` candidate slots in ``C`` constituencies; leading axes are draws.
    magnitude : array_like of int, shape (C,)
        Seats of each constituency (at least 1).
    candidate_list : array_like of int, shape (C, N)
        The list slot of each candidate slot, or -1 for an empty slot. Empty slots
        must have zero votes and are never elected.
    n_lists : int, optional
        Number of list slots ``K`` in the result; defaults to
        ``candidate_list.max() + 1``.
        At most 1,000,000.
    ties : {"lot", "votes", "raise"}, default "lot"
        Candidates tied for the last seats have equal votes, so ``"votes"`` draws
        lots as ``"lot"`` does; ``"raise"`` refuses, naming the constituency.
    count_lots : bool, default False
        Fill ``outcome.lots``.
    rng : {None, int, numpy.random.Generator, ...}, optional
        Breaks ties for the last seats by lot, uniformly among the tied candidates.

    Returns
    -------
    BlockOutcome
        ``elected`` per candidate slot and ``seats`` per list slot.

    Raises
    ------
    ValueError
        On bad votes or magnitudes; a constituency whose votes add up past
        2**63 - 1; a ``candidate_list`` of the wrong shape or with bad indices;
        votes in an empty slot; a constituency with fewer candidates than seats, or
        with no votes at all; or a tie under ``ties="raise"``.

    References
    ----------
    A. Reynolds, B. Reilly and A. Ellis, *Electoral System Design: The New
    International IDEA Handbook*, International IDEA, 2005.

    Examples
    --------
    One constituency of 2 seats; candidates 0 and 1 stand for list 0, candidates 2
    and 3 for list 1. Split tickets elect one candidate of each list:

    >>> from malivote.rules import block_vote
    >>> outcome = block_vote([[500, 300, 420, 380]], [2], [[0, 0, 1, 1]])
    >>> outcome.elected
    array([[ True, False,  True, False]])
    >>> outcome.seats
    array([[1, 1]])
    """
    votes = as_votes(candidate_votes, "candidate_votes", min_ndim=2)
    check_row_totals(votes, "candidate_votes")
    magnitude = as_magnitude(magnitude)
    ties = check_ties(ties)
    count_lots = check_flag(count_lots, "count_lots")
    n_constituencies, n_candidates = votes.shape[-2:]
    if magnitude.shape[0] != n_constituencies:
        raise ValueError(
            f"candidate_votes: expected shape (..., C, N) with C = {magnitude.shape[0]} "
            f"constituencies to match magnitude, found shape {votes.shape}"
        )
    lists, n_lists = _check_candidate_list(candidate_list, n_constituencies, n_candidates, n_lists)
    empty = lists < 0
    standing = (~empty).sum(axis=-1)
    if (standing < magnitude).any():
        c = int(np.argmax(standing < magnitude))
        raise ValueError(
            f"candidate_list: constituency {c} has {int(standing[c])} candidate(s) "
            f"for {int(magnitude[c])} seat(s)"
        )
    votes_in_empty = (votes > 0) & empty
    if votes_in_empty.any():
        raise ValueError(
            f"candidate_votes: empty candidate slot (candidate_list -1) has votes at "
            f"index {first_bad_index(votes_in_empty)}"
        )
    totals = votes.sum(axis=-1, dtype=np.int64)
    if not totals.all():
        raise ValueError(
            f"candidate_votes: constituency at index {first_bad_index(totals == 0)} has "
            "seats to give but every candidate has zero votes"
        )
    rng = as_rng(rng)

    lead_shape = votes.shape[:-1]
    if backend() == "numba" and votes.size:
        return _block_vote_numba(votes, lists, magnitude, n_lists, ties, count_lots, rng)
    # Empty slots rank below every real candidate, zero-vote ones included.
    ranked = np.where(empty, -1, votes.astype(np.int64)).reshape(-1, n_candidates)
    seats_per_row = np.broadcast_to(magnitude, lead_shape).reshape(-1)
    ordered = -np.sort(-ranked, axis=-1)
    cutoff = ordered[np.arange(ranked.shape[0]), seats_per_row - 1]
    sure = ranked > cutoff[:, None]
    contenders = ranked == cutoff[:, None]
    needed = seats_per_row - sure.sum(axis=-1)
    # Tied candidates have equal votes: "votes" has nothing more to go by.
    chosen, lot = settle(contenders, needed, ranked, ties, rng)
    if ties == "raise":
        raise_on_lot(lot, lead_shape, "for the last seat(s)")
    elected = (sure | chosen).reshape(votes.shape)

    # Count each row's elected candidates per list with one bincount over
    # (row, list) pairs: memory in the size of the result, whatever n_lists.
    n_rows = ranked.shape[0]
    row_lists = np.broadcast_to(np.maximum(lists, 0), votes.shape).reshape(n_rows, n_candidates)
    keys = (np.arange(n_rows)[:, None] * n_lists + row_lists)[elected.reshape(n_rows, n_candidates)]
    seats = np.bincount(keys, minlength=n_rows * n_lists).reshape(lead_shape + (n_lists,))
    lots = lot.astype(np.int64).reshape(lead_shape) if count_lots else None
    return BlockOutcome(elected=elected, seats=seats.astype(np.int64), lots=lots)


def _block_vote_numba(votes, lists, magnitude, n_lists, ties, count_lots, rng) -> BlockOutcome:
    """:func:`block_vote` after validation, ranked by :func:`malivote.rules._numba.block_rows`."""
    from malivote.rules import _numba

    flat = votes.reshape(-1, votes.shape[-1])
    elected, cutoff, lot = _numba.block_rows(flat, lists, magnitude)
    return ranked_outcome(flat, lists, magnitude, n_lists, elected, cutoff, lot, ties, count_lots, rng, votes.shape)


def ranked_outcome(flat, lists, magnitude, n_lists, elected, cutoff, lot, ties, count_lots, rng, shape,
                   seats=None) -> BlockOutcome:
    """The :class:`BlockOutcome` of rows ranked by :func:`malivote.rules._numba.block_rows`.

    The kernel elects every candidate at or above each row's cutoff; the rows where a
    lot is needed go through the same :func:`settle` call as the NumPy path, with the
    same rows in the same order, so both backends draw the same lots. Only those rows
    of the votes ``flat`` ``(R, N)`` are read. ``seats``: the kernel's count of
    ``elected`` per list ``(R, n_lists)``, if it made one (only the rows with a lot
    are then counted again).
    """
    from malivote.rules import _numba

    lead_shape = shape[:-1]
    rows = np.flatnonzero(lot)
    if rows.size:
        empty = lists[rows % lists.shape[0]] < 0
        ranked = np.where(empty, -1, flat[rows].astype(np.int64))
        sure = ranked > cutoff[rows, None]
        contenders = ranked == cutoff[rows, None]
        needed = magnitude[rows % lists.shape[0]] - sure.sum(axis=-1)
        chosen, _ = settle(contenders, needed, ranked, ties, rng)
        elected[rows] = sure | chosen
    if ties == "raise":
        raise_on_lot(lot, lead_shape, "for the last seat(s)")
    if seats is None:
        seats = _numba.list_seats(elected, lists, n_lists)
    elif rows.size:
        seats[rows] = _numba.list_seats(elected[rows], lists[rows % lists.shape[0]], n_lists)
    seats = seats.reshape(lead_shape + (n_lists,))
    lots = lot.astype(np.int64).reshape(lead_shape) if count_lots else None
    return BlockOutcome(elected=elected.reshape(shape), seats=seats, lots=lots)
