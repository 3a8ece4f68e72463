"""Breaking ties by lot.

Mali's electoral law names no tie rule (``MALI_FACTS.md``), so every rule in malivote
breaks a tie by lot: uniformly among the tied lists, with the random generator passed
as ``rng`` (Scientific Python SPEC 7). Ties are rare in real counts, so the rules find
the few rows with a tie first and draw random numbers for those rows only: on input
without ties a rule never touches ``rng`` and its result does not depend on it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["choose_by_lot", "order_by_lot"]


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
