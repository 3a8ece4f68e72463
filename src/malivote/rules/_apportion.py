"""What the proportional rules share: argument checks, the threshold, the result."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from malivote.rules._validation import (
    as_seats,
    as_share,
    as_votes,
    below_share,
    check_lists,
    check_row_totals,
    first_bad_index,
)

__all__ = ["Apportionment", "prepare_apportionment"]


class Apportionment(NamedTuple):
    """What :func:`~malivote.rules.divisor` and :func:`~malivote.rules.largest_remainder`
    return with ``count_lots=True``.

    Attributes
    ----------
    seats : ndarray of int64, shape (..., K)
        Seats per list, as the rule returns without ``count_lots``.
    lots : ndarray of int64, shape (...)
        How many ties each row broke by lot (0 where none).
    """

    seats: np.ndarray
    lots: np.ndarray


def prepare_apportionment(votes, seats, threshold):
    """Check the arguments of a proportional rule and apply its threshold.

    Returns
    -------
    eligible : ndarray of int64, shape (R, K)
        The votes of each row, with lists under the threshold set to 0.
    seats : ndarray of int64, shape (R,)
        The seats of each row.
    shape : tuple
        The shape of ``votes``, to reshape the result.
    """
    votes = as_votes(votes, "votes")
    check_lists(votes, "votes")
    check_row_totals(votes, "votes")
    threshold = as_share(threshold, "threshold")
    row_shape = votes.shape[:-1]
    seats = as_seats(seats, row_shape)
    n_lists = votes.shape[-1]
    flat = votes.reshape(-1, n_lists).astype(np.int64, copy=False)
    flat_seats = seats.reshape(-1)
    total = flat.sum(axis=-1)
    eligible = flat
    if threshold:
        below = below_share(flat, total[:, None], threshold)
        eligible = np.where(below, 0, flat)
    stuck = (flat_seats > 0) & (eligible.sum(axis=-1) == 0)
    if stuck.any():
        row = int(np.argmax(stuck))
        index = first_bad_index(stuck.reshape(row_shape)) if row_shape else ()
        if total[row] == 0:
            raise ValueError(
                f"votes: row at index {index} has {int(flat_seats[row])} seat(s) to give "
                "but every list has zero votes"
            )
        raise ValueError(
            f"threshold: row at index {index} has {int(flat_seats[row])} seat(s) to give "
            f"but no list reaches the threshold {threshold} of its {int(total[row])} votes"
        )
    return eligible, flat_seats, votes.shape
