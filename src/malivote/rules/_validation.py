"""Input checks shared by the seat rules.

Every check raises :class:`ValueError` whose message names the argument, what was
expected and what was found. Nothing is clipped or coerced silently: float input is
accepted only when every value is a finite whole number.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

__all__ = [
    "MAX_SEATS",
    "MAX_TOTAL_VOTES",
    "as_array",
    "as_rng",
    "as_votes",
    "check_lists",
    "check_row_totals",
    "as_magnitude",
    "as_seats",
    "as_share",
    "check_choice",
    "first_bad_index",
]


#: The most seats one row (a constituency or an apportionment) may give. The divisor
#: methods build a table of this many divisors; a bound keeps it in memory.
MAX_SEATS = 1_000_000

#: The largest total of votes one row may have: the rules add votes in int64.
MAX_TOTAL_VOTES = 2**63 - 1

#: The most list slots ``block_vote`` counts seats for (its ``n_lists``).
MAX_LISTS = 1_000_000


def as_array(values, name: str) -> np.ndarray:
    """``np.asarray(values)``, with NumPy's own complaints reworded to name ``name``.

    A ragged nested list is the usual culprit: NumPy's message names neither the
    argument nor what was expected.
    """
    try:
        return np.asarray(values)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name}: expected a rectangular array of numbers (every row the same "
            f"length), found {type(values).__name__} that NumPy cannot read as one ({error})"
        ) from None


def _python_integers(array: np.ndarray) -> bool:
    """Whether an object array holds only Python or NumPy integers (not bools)."""
    return array.dtype == object and all(
        isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) for x in array.flat
    )


def as_rng(rng) -> np.random.Generator:
    """``np.random.default_rng(rng)``, raising :class:`ValueError` that names ``rng``.

    Examples
    --------
    >>> as_rng(-1)
    Traceback (most recent call last):
    ...
    ValueError: rng: expected None, a non-negative integer, a SeedSequence, a BitGenerator or a Generator, found -1
    """
    try:
        # (NumPy reads True as the seed 1: a flag passed by mistake, not a seed)
        if isinstance(rng, (bool, np.bool_)):
            raise TypeError
        return np.random.default_rng(rng)
    except (ValueError, TypeError):
        raise ValueError(
            "rng: expected None, a non-negative integer, a SeedSequence, a BitGenerator "
            f"or a Generator, found {rng!r}"
        ) from None


def check_flag(value, name: str) -> bool:
    """Return ``value`` as a bool if it is one (Python's or NumPy's), else raise
    naming ``name``: a string such as ``"no"`` is truthy, and would be read as yes.

    Examples
    --------
    >>> check_flag("no", "count_lots")
    Traceback (most recent call last):
    ...
    ValueError: count_lots: expected True or False, found 'no'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name}: expected True or False, found {value!r}")
    return bool(value)


def check_lists(array: np.ndarray, name: str) -> None:
    """Raise unless the last axis of ``array`` (the list slots) has at least one entry."""
    if array.shape[-1] == 0:
        raise ValueError(
            f"{name}: expected at least 1 list slot on the last axis, found shape {array.shape}"
        )


def check_row_totals(array: np.ndarray, name: str) -> None:
    """Raise unless every row (last axis) of non-negative ``array`` sums within int64.

    The rules add votes in int64; a sum past :data:`MAX_TOTAL_VOTES` would wrap around
    silently. The common case is settled by one bound, without summing anything.
    """
    if array.size == 0:
        return
    largest = int(array.max())
    if largest * array.shape[-1] <= MAX_TOTAL_VOTES:
        return
    totals = array.reshape(-1, array.shape[-1]).astype(object).sum(axis=-1)
    too_large = np.array([total > MAX_TOTAL_VOTES for total in totals], dtype=bool)
    if too_large.any():
        row = int(np.argmax(too_large))
        index = first_bad_index(too_large.reshape(array.shape[:-1])) if array.ndim > 1 else ()
        raise ValueError(
            f"{name}: the votes of the row at index {index} add up to {totals[row]}, "
            f"above the supported total of 2**63 - 1 = {MAX_TOTAL_VOTES}"
        )


def _check_seat_range(array: np.ndarray, name: str, what: str) -> None:
    """Raise when seat counts exceed :data:`MAX_SEATS`, before any cast can wrap them."""
    if array.size and array.max() > MAX_SEATS:
        largest = array.max()
        largest = largest.item() if isinstance(largest, np.generic) else largest
        raise ValueError(f"{name}: expected at most {MAX_SEATS:,} {what}, found {largest!r}")


def first_bad_index(bad: np.ndarray) -> tuple[int, ...]:
    """Index of the first True entry of ``bad``, for error messages."""
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), bad.shape))


def as_votes(values, name: str, *, min_ndim: int = 1) -> np.ndarray:
    """Return ``values`` as a non-negative integer array, or raise.

    Integer arrays are returned without a copy (their dtype is kept, so int32 stays
    int32). Float arrays are accepted only when every entry is a finite whole number;
    they are converted to int64, and so are object arrays of Python integers.
    Booleans, strings and other objects are rejected, and so are integers of 2**63
    and more.
    """
    array = as_array(values, name)
    if _python_integers(array):
        # Python integers: too large for int64 (NumPy's own fallback), or an object
        # array the caller built; those in range are counts like any others.
        if array.size and min(array.flat) < 0:
            raise ValueError(f"{name}: vote counts must be non-negative, found {min(array.flat)}")
        if array.size and max(array.flat) >= 2**63:
            raise ValueError(f"{name}: vote counts must be below 2**63, found {max(array.flat)}")
        array = array.astype(np.int64)
    if array.ndim < min_ndim:
        raise ValueError(
            f"{name}: expected an array with at least {min_ndim} dimension(s), "
            f"found shape {array.shape}"
        )
    kind = array.dtype.kind
    if kind in "ui":
        if kind == "i" and array.size and array.min() < 0:
            bad = array < 0
            index = first_bad_index(bad)
            raise ValueError(
                f"{name}: vote counts must be non-negative, found {array[index]} "
                f"at index {index}"
            )
        if kind == "u":
            # Unsigned arithmetic wraps around; the rules work in signed integers.
            if array.size and array.max() >= 2**63:
                raise ValueError(f"{name}: vote counts must be below 2**63, found {array.max()}")
            return array.astype(np.int64)
        return array
    if kind == "f":
        if array.size:
            finite = np.isfinite(array)
            if not finite.all():
                index = first_bad_index(~finite)
                raise ValueError(
                    f"{name}: vote counts must be finite numbers, found {array[index]} "
                    f"at index {index}"
                )
            fractional = array != np.floor(array)
            if fractional.any():
                index = first_bad_index(fractional)
                raise ValueError(
                    f"{name}: vote counts must be whole numbers, found {array[index]} "
                    f"at index {index}"
                )
            if array.min() < 0:
                index = first_bad_index(array < 0)
                raise ValueError(
                    f"{name}: vote counts must be non-negative, found {array[index]} "
                    f"at index {index}"
                )
            # In float64: 2**53 overflows a float16 (a warning, then a wrong test).
            if float(array.max()) >= 2.0**53:
                raise ValueError(
                    f"{name}: vote counts must be below 2**53 to be exact, "
                    f"found {array.max()}"
                )
        return array.astype(np.int64)
    raise ValueError(
        f"{name}: expected an array of integer vote counts, found dtype {array.dtype}"
    )


def as_magnitude(values, name: str = "magnitude") -> np.ndarray:
    """Return a 1-d int64 array of district magnitudes (1 to :data:`MAX_SEATS`), or raise."""
    array = as_array(values, name)
    if _python_integers(array):
        _check_seat_range(array, name, "seats per constituency")
        array = array.astype(np.int64)
    if array.ndim != 1:
        raise ValueError(
            f"{name}: expected a 1-d array of seats per constituency, "
            f"found shape {array.shape}"
        )
    if array.dtype.kind not in "uif" or array.dtype.kind == "b":
        raise ValueError(f"{name}: expected integer seat counts, found dtype {array.dtype}")
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.floor(array)):
            raise ValueError(f"{name}: expected whole numbers of seats, found {array}")
    _check_seat_range(array, name, "seats per constituency")
    array = array.astype(np.int64)
    if array.size and array.min() < 1:
        index = first_bad_index(array < 1)
        raise ValueError(
            f"{name}: every constituency needs at least 1 seat, found {array[index]} "
            f"at index {index}"
        )
    return array


def as_seats(values, row_shape: tuple[int, ...], name: str = "seats") -> np.ndarray:
    """Return seats broadcast to ``row_shape`` as int64 (0 to :data:`MAX_SEATS`), or raise."""
    array = as_array(values, name)
    if _python_integers(array):
        if array.size and min(array.flat) < 0:
            raise ValueError(f"{name}: seats must be non-negative, found {min(array.flat)}")
        _check_seat_range(array, name, "seats per row")
        array = array.astype(np.int64)
    if array.dtype.kind not in "uif" or array.dtype == bool:
        raise ValueError(f"{name}: expected integer seat counts, found dtype {array.dtype}")
    if array.dtype.kind == "f":
        if not np.all(np.isfinite(array)) or np.any(array != np.floor(array)):
            raise ValueError(f"{name}: expected whole numbers of seats, found {array}")
    if array.size and array.min() < 0:
        raise ValueError(f"{name}: seats must be non-negative, found {array.min()}")
    _check_seat_range(array, name, "seats per row")
    array = array.astype(np.int64)
    try:
        return np.broadcast_to(array, row_shape)
    except ValueError:
        raise ValueError(
            f"{name}: shape {array.shape} does not broadcast against the rows of "
            f"votes, which have shape {row_shape}"
        ) from None


def as_share(value, name: str, *, low: float = 0.0, high: float = 1.0) -> Fraction:
    """Return a share in ``[low, high)`` as an exact :class:`~fractions.Fraction`.

    A float is read as the shortest decimal that round-trips (``repr``), so ``0.05``
    means exactly 1/20, as the user wrote it.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, np.number)):
        raise ValueError(f"{name}: expected a number in [{low}, {high}), found {value!r}")
    if isinstance(value, Fraction):
        share = value
    else:
        as_float = float(value)
        if not np.isfinite(as_float):
            raise ValueError(f"{name}: expected a number in [{low}, {high}), found {value!r}")
        share = Fraction(repr(as_float))
    if not (low <= share < high):
        raise ValueError(f"{name}: expected a number in [{low}, {high}), found {value!r}")
    return share


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming them."""
    if value not in choices:
        raise ValueError(
            f"{name}: unknown {name} {value!r}; expected one of "
            + ", ".join(repr(c) for c in choices)
        )
    return value


def _compare_share(count, total, share: Fraction, compare) -> np.ndarray:
    """``compare(count, share * total)`` exactly, for integer arrays.

    Uses int64 cross-multiplication when it cannot overflow, Python integers otherwise.
    """
    numerator, denominator = share.numerator, share.denominator
    count = np.asarray(count)
    total = np.asarray(total)
    biggest = max(int(count.max(initial=0)), int(total.max(initial=0)), 1)
    if biggest * max(numerator, denominator) < 2**62:
        return compare(count.astype(np.int64) * denominator, total.astype(np.int64) * numerator)
    lhs = count.astype(object) * denominator
    rhs = total.astype(object) * numerator
    return np.asarray(compare(lhs, rhs), dtype=bool)


def exceeds_share(count: np.ndarray, total: np.ndarray, share: Fraction) -> np.ndarray:
    """Exactly ``count > share * total`` for integer arrays."""
    return _compare_share(count, total, share, np.greater)


def below_share(count: np.ndarray, total: np.ndarray, share: Fraction) -> np.ndarray:
    """Exactly ``count < share * total`` for integer arrays."""
    return _compare_share(count, total, share, np.less)
