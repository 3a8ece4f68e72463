"""Whole numbers with exact totals: the one largest-remainder rounding of malivote.

Vote models, the replay's reconstruction and the national vote split all turn
real-valued targets into whole votes that must add up to a known total. They all use
:func:`round_to_total` (Hamilton's method, Balinski and Young, *Fair Representation*,
2001): floors first, then one more unit each to the largest fractional parts.

With numba installed (``malivote[fast]``, the backend of
:mod:`malivote.rules._backend`) the rows are rounded in one pass by the kernels of
:mod:`malivote._rounding_numba`, with results identical to the NumPy code's.
"""

from __future__ import annotations

import numpy as np

from malivote.rules._backend import backend
from malivote.rules._validation import as_array, as_votes, first_bad_index

__all__ = ["round_to_total", "round_shares"]

_INT64_MAX = 2**63 - 1

_NOT_FINITE = "real: expected finite values, found NaN or infinity"
_CANNOT = (
    "real: the values cannot be rounded to their totals (their rows do not sum "
    "to total, or they overflow 64-bit integers)"
)


def kernels(n_slots: int):
    """The numba kernels module when the backend is numba and rows of ``n_slots``
    suit them, else None (the NumPy code)."""
    if not 0 < n_slots or backend() != "numba":
        return None
    from malivote import _rounding_numba

    return _rounding_numba if n_slots <= _rounding_numba.MAX_SLOTS else None


def check_status(status: int) -> None:
    """Raise the NumPy code's error for a kernel's status."""
    if status == 1:  # NOT_FINITE
        raise ValueError(_NOT_FINITE)
    if status == 2:  # CANNOT
        raise ValueError(_CANNOT)


def _rows_shape(head: tuple, total: np.ndarray) -> tuple | None:
    """The rows' shape when ``total`` broadcasts against it without growing it."""
    try:
        shape = np.broadcast_shapes(head, total.shape)
    except ValueError:
        return None
    return shape if shape == head else None


def _as_totals(total) -> np.ndarray:
    """``total`` as int64 whole numbers, or :class:`ValueError` naming ``total``.

    A float total was truncated (3.7 rounded to 3 units) and a NaN one failed with
    NumPy's message. A negative total stays the rounding's error (no row reaches it),
    as the reconstruction's kernels report it.
    """
    array = as_array(total, "total")
    if array.dtype.kind == "i":
        return array.astype(np.int64, copy=False)
    if array.dtype.kind == "f":
        if array.size:
            with np.errstate(invalid="ignore"):
                bad = ~np.isfinite(array) | (array != np.floor(array)) | (np.abs(array) >= 2.0**53)
            if bad.any():
                index = first_bad_index(np.atleast_1d(bad))
                raise ValueError(
                    f"total: expected whole numbers below 2**53, found {np.atleast_1d(array)[index]} at index {index}"
                )
        return array.astype(np.int64)
    # Unsigned integers below 2**63 and Python integers; booleans and the rest refused.
    return as_votes(array, "total", min_ndim=0).astype(np.int64, copy=False)


def _check_rows(head: tuple, total: np.ndarray, name: str) -> None:
    """Raise unless ``total`` broadcasts against the rows of ``name``, shaped ``head``."""
    try:
        np.broadcast_shapes(head, total.shape)
    except ValueError:
        raise ValueError(
            f"total: shape {total.shape} does not broadcast against the rows of {name}, {head}"
        ) from None


def _check_non_negative(values: np.ndarray, name: str) -> None:
    """Raise when ``values`` (float64, any NaN reported elsewhere) has a negative entry."""
    if values.size and values.min() < 0:
        index = first_bad_index(values < 0)
        raise ValueError(f"{name}: expected non-negative values, found {values[index]} at index {index}")


def _floors(real: np.ndarray) -> np.ndarray:
    """``floor(real)`` as int64, or :data:`_CANNOT` where a floor or a row's sum of them
    leaves int64 (the kernels refuse those rows as they go; the cast and the sums would
    wrap around instead)."""
    if real.size and real.max() >= 2.0**63:
        raise ValueError(_CANNOT)
    base = np.floor(real).astype(np.int64)
    width = base.shape[-1] if base.ndim else 1
    if base.size and int(base.max()) * width > _INT64_MAX:
        sums = base.reshape(-1, width).astype(object).sum(axis=-1)
        if any(row > _INT64_MAX for row in sums):
            raise ValueError(_CANNOT)
    return base


def _rank(keys: np.ndarray) -> np.ndarray:
    """The rank of each entry in its row when the row is sorted by ``keys``, stably."""
    order = np.argsort(keys, axis=-1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(order.shape[-1]), order.shape), axis=-1)
    return rank


def round_to_total(real, total) -> np.ndarray:
    """Whole numbers close to ``real`` (>= 0) whose rows sum exactly to ``total``.

    Largest remainders: each entry gets its floor, then the units left over go one
    each to the largest fractional parts, the lower slot first among equal parts.
    Entries whose ``real`` is 0 stay 0. Rows of ``real`` must sum to ``total`` up to
    floating-point error; the rare unit too many that such error leaves is taken back
    from the smallest fractional parts.

    Parameters
    ----------
    real : array_like of float, shape (..., K)
        Finite, non-negative targets.
    total : array_like of int, shape (...)
        Whole numbers (floats only when whole); a negative total is never reached.

    Returns
    -------
    ndarray of int64, shape (..., K)

    Raises
    ------
    ValueError
        If ``real`` has a value that is not finite or is negative, ``total`` is not
        a whole number, or the rows cannot reach their totals (they sum to far less
        or more than ``total``, or past 2**63 - 1).

    Examples
    --------
    >>> round_to_total([[1.5, 1.5, 0.0], [0.2, 0.7, 2.1]], [3, 3]).tolist()
    [[2, 1, 0], [0, 1, 2]]
    """
    real = np.asarray(real, dtype=np.float64)
    total = _as_totals(total)
    _check_rows(real.shape[:-1], total, "real")
    _check_non_negative(real, "real")
    fast = kernels(real.shape[-1]) if real.ndim else None
    if fast is not None and _rows_shape(real.shape[:-1], total) is not None:
        n_slots = real.shape[-1]
        out = np.empty(real.shape, np.int64)
        totals = np.ascontiguousarray(np.broadcast_to(total, real.shape[:-1])).reshape(-1)
        check_status(fast.round_rows(np.ascontiguousarray(real).reshape(-1, n_slots), totals, out.reshape(-1, n_slots)))
        return out
    if not np.isfinite(real).all():
        raise ValueError(_NOT_FINITE)
    base = _floors(real)
    positive = real > 0
    left = total - base.sum(axis=-1)
    if (left > 0).any():
        fraction = np.where(positive, real - base, -1.0)
        base = base + ((_rank(-fraction) < left[..., None]) & positive)
    over = base.sum(axis=-1) - total
    if (over > 0).any():  # floating-point slack only: take back from the smallest parts
        fraction = np.where(base > 0, real - np.floor(real), np.inf)
        base = base - ((_rank(fraction) < over[..., None]) & (base > 0))
    if (base.sum(axis=-1) != total).any():
        raise ValueError(_CANNOT)
    return base


def round_shares(total, weights) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total``, per row.

    Rows whose weights are all zero get nothing, whatever their total: callers use
    such rows as placeholders (a constituency with no list of that kind).

    Raises
    ------
    ValueError
        If a weight is negative or not finite, ``total`` is not a whole number, or
        a row with weights cannot reach its total (a negative one).

    Examples
    --------
    >>> round_shares([10, 0], [[1, 1, 1], [0, 0, 0]]).tolist()
    [[4, 3, 3], [0, 0, 0]]
    """
    weights = np.asarray(weights, dtype=np.float64)
    total = _as_totals(total)
    _check_rows(weights.shape[:-1], total, "weights")
    # A NaN weight made its row a placeholder (its total silently dropped).
    if weights.size and not weights.max() < np.inf:
        index = first_bad_index(~np.isfinite(weights))
        raise ValueError(f"weights: expected finite values, found {weights[index]} at index {index}")
    _check_non_negative(weights, "weights")
    fast = kernels(weights.shape[-1]) if weights.ndim else None
    if fast is not None:
        try:
            head = np.broadcast_shapes(weights.shape[:-1], total.shape)
        except ValueError:
            head = None
        if head is not None:
            n_slots = weights.shape[-1]
            out = np.empty(head + (n_slots,), np.int64)
            rows = np.ascontiguousarray(np.broadcast_to(weights, head + (n_slots,))).reshape(-1, n_slots)
            totals = np.ascontiguousarray(np.broadcast_to(total, head)).reshape(-1)
            check_status(fast.share_rows(rows, totals, fast.SHARES, out.reshape(-1, n_slots)))
            return out
    weight_sum = weights.sum(axis=-1, keepdims=True)
    share = np.divide(weights, weight_sum, out=np.zeros_like(weights), where=weight_sum > 0)
    if ((total < 0) & (weight_sum[..., 0] > 0)).any():
        raise ValueError(_CANNOT)  # as the kernel says it (its shares are not checked)
    return round_to_total(share * total[..., None], np.where(weight_sum[..., 0] > 0, total, 0))
