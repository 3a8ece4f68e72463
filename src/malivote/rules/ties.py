"""Breaking ties: by lot, by votes, or not at all.

Mali's electoral law names no tie rule (``MALI_FACTS.md``), so by default every rule in
malivote breaks a tie by lot: uniformly among the tied lists, with the random generator
passed as ``rng`` (Scientific Python SPEC 7). Ties are rare in real counts, so the rules
find the few rows with a tie first and draw random numbers for those rows only: on
input without ties a rule never touches ``rng`` and its result does not depend on it.

Every rule takes ``ties``, one of :data:`TIE_RULES`:

- ``"lot"`` (the default): uniformly at random among the tied lists;
- ``"votes"``: the tied list with more votes wins (Norway's election act, section
  11-4, for a tied quotient); lists tied on votes too go to a lot;
- ``"raise"``: refuse with :class:`ValueError`, naming the row (draw, constituency).
"""

from __future__ import annotations

import numpy as np

__all__ = ["TIE_RULES", "check_ties", "choose_by_lot", "order_by_lot", "raise_on_lot", "settle"]

#: The values the rules' ``ties`` argument accepts.
TIE_RULES = ("lot", "votes", "raise")


def check_ties(ties) -> str:
    """Return ``ties`` if it is one of :data:`TIE_RULES`, else raise naming them.

    Examples
    --------
    >>> check_ties("votes")
    'votes'
    """
    if not isinstance(ties, str) or ties not in TIE_RULES:
        raise ValueError(
            f"ties: expected one of {', '.join(repr(rule) for rule in TIE_RULES)}, found {ties!r}"
        )
    return ties


def raise_on_lot(lot: np.ndarray, shape: tuple[int, ...], what: str) -> None:
    """Under ``ties="raise"``: refuse the first row of ``lot`` that needs a lot.

    ``lot`` is a flat boolean array over the rows, ``shape`` their leading shape (for
    the index in the message) and ``what`` says which tie, e.g. "for the last seat".
    """
    if lot.any():
        row = int(np.argmax(lot))
        index = tuple(int(i) for i in np.unravel_index(row, shape)) if shape else ()
        raise ValueError(
            f"ties: a tie {what} at index {index} needs a lot, and ties='raise' "
            "refuses to draw one"
        )


def settle(contenders: np.ndarray, count: np.ndarray, votes: np.ndarray, ties: str, rng):
    """Choose ``count`` of the equally placed ``contenders`` of each row by the tie rule.

    Parameters
    ----------
    contenders : ndarray of bool, shape (R, K)
        The lists tied in each row.
    count : ndarray of int, shape (R,)
        How many of them win in each row; at most the row's number of contenders.
    votes : ndarray, shape (R, K)
        What ``ties="votes"`` ranks the contenders by, larger first.
    ties : str
        One of :data:`TIE_RULES`; ``"raise"`` draws as ``"lot"`` does (the caller
        raises on the rows it returns as drawn).
    rng : numpy.random.Generator

    Returns
    -------
    chosen : ndarray of bool, shape (R, K)
    lot : ndarray of bool, shape (R,)
        The rows where a lot was drawn.

    Examples
    --------
    >>> import numpy as np
    >>> contenders = np.array([[True, True, False], [True, True, True]])
    >>> chosen, lot = settle(contenders, np.array([1, 1]), np.array([[5, 9, 1], [4, 4, 3]]),
    ...                      "votes", np.random.default_rng(0))
    >>> chosen[0].tolist(), lot.tolist()
    ([False, True, False], [False, True])
    """
    count = np.asarray(count)
    chosen = contenders & (count > 0)[:, None]
    if ties == "votes" and contenders.size:
        # Rank the contenders by votes: the count-th largest is the cut.
        # Non-contenders rank below every count (votes are at least -2**63 + 1).
        lowest = -(1 << 256) if votes.dtype == object else np.iinfo(np.int64).min
        ranked = np.where(contenders, votes, lowest)
        ordered = np.sort(ranked, axis=-1)[:, ::-1]
        position = np.clip(count - 1, 0, contenders.shape[-1] - 1)
        cut = ordered[np.arange(contenders.shape[0]), position][:, None]
        sure = contenders & (ranked > cut)
        contenders = contenders & (ranked == cut)
        count = count - sure.sum(axis=-1)
        chosen = sure | (contenders & (count > 0)[:, None])
    lot = (count > 0) & (contenders.sum(axis=-1) > count)
    if lot.any():
        rows = np.flatnonzero(lot)
        kept = chosen[rows] & ~contenders[rows]
        chosen[rows] = kept | choose_by_lot(contenders[rows], count[rows], rng)
    return chosen, lot


def choose_by_lot(contenders: np.ndarray, count: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Choose ``count`` of the ``contenders`` in each row, uniformly at random.

    Parameters
    ----------
    contenders : ndarray of bool, shape (R, K)
        Which entries of each row take part in the lot.
    count : ndarray of int, shape (R,)
        How many to choose in each row; at most the row's number of contenders.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of bool, shape (R, K)
        The chosen entries: a uniformly random ``count``-subset of each row's
        contenders.

    Examples
    --------
    >>> import numpy as np
    >>> contenders = np.array([[True, False, True, True]])
    >>> chosen = choose_by_lot(contenders, np.array([2]), np.random.default_rng(0))
    >>> int(chosen.sum()), bool(chosen[0, 1])
    (2, False)
    """
    keys = np.where(contenders, rng.random(contenders.shape), np.inf)
    # The rank of each entry among its row's random keys: a uniformly random order.
    rank = np.argsort(np.argsort(keys, axis=-1, kind="stable"), axis=-1, kind="stable")
    return contenders & (rank < np.asarray(count)[..., None])


def order_by_lot(values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Order each row by decreasing value, equal values in uniformly random order.

    Parameters
    ----------
    values : ndarray, shape (R, K)
    rng : numpy.random.Generator

    Returns
    -------
    ndarray of int, shape (R, K)
        Column indices, largest value first.

    Examples
    --------
    >>> import numpy as np
    >>> order = order_by_lot(np.array([[5, 9, 5, 1]]), np.random.default_rng(0))
    >>> int(order[0, 0]), sorted(order[0, 1:3].tolist()), int(order[0, 3])
    (1, [0, 2], 3)
    """
    values = np.asarray(values)
    random_keys = rng.random(values.shape)
    # lexsort sorts by the last key first: by value, descending, then by the lot.
    return np.lexsort((random_keys, np.negative(values)), axis=-1)
