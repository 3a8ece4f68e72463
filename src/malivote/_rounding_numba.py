"""Largest-remainder rounding compiled with numba: one pass per row, no sorting.

Imported only when the backend is ``"numba"`` (see :mod:`malivote.rules._backend`),
by :mod:`malivote.rounding` and :mod:`malivote.models`. Each kernel reads a row,
rounds it in a few small buffers that stay in the L1 cache, and writes its whole
numbers: no argsort, no temporaries the size of the input.

The results are identical to the NumPy code's, bit for bit:

- the same floating-point operations in the same order (a share is
  ``weight / sum * total``, a fraction ``real - floor(real)``), without fastmath;
- a row's float sum is NumPy's pairwise summation (:func:`_pairwise_sum`, the
  algorithm of ``np.add.reduce`` along a contiguous axis), not a sequential loop;
- the units left over go to the largest fractions with the lower slot first among
  equal ones, as a stable argsort ranks them (:func:`_first_in_order`), among the
  row's positive entries only, gathered first (a row of a block of Mali's lists has
  17 slots, about 9 of them filled).

The kernels are serial and release the GIL (``nogil``): the rows of one block are a
few thousand, and ``simulate(workers=N)`` runs blocks in parallel threads. Rows
longer than :data:`MAX_SLOTS` go to the NumPy code (the selection is quadratic in the
worst case).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["MAX_SLOTS", "OK", "NOT_FINITE", "CANNOT", "DEGENERATE", "round_rows", "share_rows",
           "dirichlet_shapes", "dirichlet_rows"]

#: The longest rows the kernels take (NumPy's pairwise sum has no recursion up to 128).
MAX_SLOTS = 128

# Kernel status: the worst row's, as the NumPy code would report it.
OK = 0
NOT_FINITE = 1  # a value is NaN or infinite: "expected finite values"
CANNOT = 2  # a row cannot reach its total (or overflows int64)
DEGENERATE = 3  # Dirichlet: a row whose gamma variates all underflowed (needs the rng)

# share_rows modes
NOISE = 0  # shares = weight / (sum if sum > 0 else 1); total as given
SHARES = 1  # shares = weight / sum if sum > 0 else 0; total 0 where sum <= 0

#: The most scans of a row's keys :func:`_first_in_order` makes before it partitions
#: them instead (a quickselect costs about as much as three scans of a row).
_MAX_SCANS = 3

#: Rows up to this long pick their entries by rank (every pair of keys compared,
#: without branches) instead of scans: a list slot row (K = 24) is one.
_RANKED_ROW = 32

_INT64_LIMIT = 9223372036854775808.0  # 2 ** 63: floors at or above it overflow int64
_INT64_MAX = 9223372036854775807


@njit(nogil=True, cache=True, inline="always")
def _pairwise_sum(a, n):
    """``np.add.reduce(a[:n])`` bit for bit, for ``n <= 128`` (NumPy's pairwise sum:
    below 8 entries a plain loop, else eight interleaved partial sums)."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[0], a[1], a[2], a[3]
    r4, r5, r6, r7 = a[4], a[5], a[6], a[7]
    i = 8
    stop = n - n % 8
    while i < stop:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[i]
        i += 1
    return res


@njit(cache=True, nogil=True)
def _pivot_last(kv, ci, lo, hi):
    """Moves the median of ``kv[lo]``, ``kv[mid]``, ``kv[hi - 1]`` to ``hi - 1`` (``ci``
    along, when it has entries) and returns it."""
    mid = (lo + hi) >> 1
    a, b, c = kv[lo], kv[mid], kv[hi - 1]
    q = hi - 1
    if a < b:
        if b < c:
            q = mid
        elif a < c:
            q = hi - 1
        else:
            q = lo
    else:
        if a < c:
            q = lo
        elif b < c:
            q = hi - 1
        else:
            q = mid
    p = kv[q]
    kv[q] = kv[hi - 1]
    kv[hi - 1] = p
    if ci.size:
        t = ci[q]
        ci[q] = ci[hi - 1]
        ci[hi - 1] = t
    return p


@njit(cache=True, nogil=True)
def _split(kv, lo, hi, p):
    """Moves the keys of ``kv[lo:hi]`` below ``p`` to the front, without branches;
    returns their end."""
    j = lo
    for i in range(lo, hi):
        x = kv[i]
        t = x < p
        kv[i] = kv[j]
        kv[j] = x
        j += t
    return j


@njit(cache=True, nogil=True)
def _kth(kv, lo, hi, k):
    """The ``k``-th smallest of ``kv[lo:hi]`` (``lo <= k < hi``, reordering it): a
    quickselect, the value a full sort would put at ``k``. (Also the reconstruction's,
    :mod:`malivote.reconstruct._sample_numba`.)"""
    none = np.empty(0, np.int64)
    while hi - lo > 1:
        p = _pivot_last(kv, none, lo, hi)
        j = _split(kv, lo, hi - 1, p)
        kv[hi - 1] = kv[j]
        kv[j] = p
        if k < j:
            hi = j
        elif k == j:
            return p
        else:
            lo = j + 1
    return kv[lo]


@njit(nogil=True, cache=True, inline="always")
def _first_in_order(keys, m, count, slot, out, step):
    """Add ``step`` to ``out[slot[i]]`` for the first ``count`` of the entries
    ``keys[:m]`` in a stable descending sort (larger key first, then lower ``i``):
    the ones ``argsort(-keys, kind="stable")[:count]`` gives. ``keys`` is spoilt.

    No sort: on a row of at most :data:`_RANKED_ROW` keys, each entry's rank;
    on a longer one, ``min(count, m - count)`` scans of the ``m`` keys, picking the first
    entries while they are the fewer, else dropping the last ones; where that is more
    than :data:`_MAX_SCANS` scans (a constituency-wide row), the ``count``-th largest
    key ``cut`` from a quickselect instead, then the keys above it and, lowest ``i``
    first, as many of those equal to it as are left.
    """
    if count <= 0:
        return
    if count >= m:
        for i in range(m):
            out[slot[i]] += step
        return
    if m <= _RANKED_ROW:
        # Entry i is among the first `count` when fewer than `count` entries come
        # before it: a larger key, or an equal key at a lower i. (Branch-free: which
        # way the comparisons go is a coin toss the processor cannot predict.)
        for i in range(m):
            key = keys[i]
            before = 0
            for j in range(m):
                before += (keys[j] > key) | ((keys[j] == key) & (j < i))
            out[slot[i]] += step * (before < count)
        return
    if min(count, m - count) > _MAX_SCANS:
        cut = _kth(keys[:m].copy(), 0, m, m - count)
        ties = count  # the keys equal to cut that are taken
        for i in range(m):
            ties -= keys[i] > cut
        for i in range(m):  # (branch-free, as the partition)
            tie = (keys[i] == cut) & (ties > 0)
            out[slot[i]] += step * ((keys[i] > cut) | tie)
            ties -= tie
        return
    if count <= m - count:
        for _ in range(count):
            # The first: the largest key, the lowest i among equal ones.
            best = 0
            value = keys[0]
            for i in range(1, m):
                if keys[i] > value:
                    best = i
                    value = keys[i]
            out[slot[best]] += step
            keys[best] = -np.inf
    else:
        for _ in range(m - count):
            # The last: the smallest key, the highest i among equal ones.
            worst = 0
            value = keys[0]
            for i in range(1, m):
                if keys[i] <= value:
                    worst = i
                    value = keys[i]
            keys[worst] = np.inf
        for i in range(m):
            if keys[i] != np.inf:
                out[slot[i]] += step


@njit(nogil=True, cache=True, inline="always")
def _round_compact(real, slot, m, total, out, keys, spare):
    """Round a row given by its positive entries ``real[:m]`` at slots ``slot[:m]``
    (every other slot of ``out`` already 0) to whole numbers summing to ``total``:
    :func:`malivote.rounding.round_to_total` for one row. ``keys`` and ``spare`` are
    scratch buffers."""
    floors = 0
    for j in range(m):
        r = real[j]
        if r >= _INT64_LIMIT:
            return CANNOT
        b = np.int64(np.floor(r))
        if b > _INT64_MAX - floors:  # the row's floors add up past int64: they would wrap
            return CANNOT
        out[slot[j]] = b
        floors += b
    left = total - floors
    if left > 0:
        # One unit each to the `left` largest fractions, lower slot first (NumPy ranks
        # the entries that are not positive last and skips them).
        for j in range(m):
            keys[j] = real[j] - np.floor(real[j])
        _first_in_order(keys, m, left, slot, out, 1)
        return OK if left <= m else CANNOT
    if left < 0:
        # Floating-point slack: one unit each back from the smallest fractions, lower
        # slot first, among the entries above 0 (negated: the smallest come first).
        e = 0
        for j in range(m):
            if out[slot[j]] > 0:
                keys[e] = -(real[j] - np.floor(real[j]))
                spare[e] = slot[j]
                e += 1
        _first_in_order(keys, e, -left, spare, out, -1)
        return OK if -left <= e else CANNOT
    return OK


@njit(nogil=True, cache=True, inline="always")
def _compact(row, n, out, real, slot):
    """The positive entries of ``row[:n]`` into ``real`` and ``slot``, their count, and
    0 into ``out`` everywhere; -1 when an entry is not finite."""
    m = 0
    for k in range(n):
        out[k] = 0
        r = row[k]
        if not (r < np.inf and r > -np.inf):
            return -1
        if r > 0.0:
            real[m] = r
            slot[m] = k
            m += 1
    return m


@njit(nogil=True, cache=True)
def round_rows(real, total, out):
    """:func:`malivote.rounding.round_to_total` on rows ``(R, K)``; returns a status."""
    n_rows, n = real.shape
    values = np.empty(n, np.float64)
    slot = np.empty(n, np.int64)
    keys = np.empty(n, np.float64)
    spare = np.empty(n, np.int64)
    status = OK
    for i in range(n_rows):
        m = _compact(real[i], n, out[i], values, slot)
        if m < 0:
            return NOT_FINITE
        if _round_compact(values, slot, m, total[i], out[i], keys, spare) != OK:
            status = CANNOT
    return status


@njit(nogil=True, cache=True)
def share_rows(weight, total, mode, out):
    """Weights ``(R, K)`` to shares of ``total``, rounded: the noise models' last step
    (``mode`` NOISE) or :func:`malivote.rounding.round_shares` (``mode`` SHARES)."""
    n_rows, n = weight.shape
    buffer = np.empty(n, np.float64)
    values = np.empty(n, np.float64)
    slot = np.empty(n, np.int64)
    keys = np.empty(n, np.float64)
    spare = np.empty(n, np.int64)
    status = OK
    for i in range(n_rows):
        row = weight[i]
        s = _pairwise_sum(row, n)
        t = total[i]
        nothing = False
        if mode == SHARES:
            if s > 0:
                scale = s
            else:
                t = 0
                scale = 1.0
                nothing = True  # every share 0, as NumPy's divide(..., where=False)
        else:
            scale = s if s > 0 else 1.0
        for k in range(n):
            buffer[k] = 0.0 if nothing else (row[k] / scale) * np.float64(t)
        m = _compact(buffer, n, out[i], values, slot)
        if m < 0:
            return NOT_FINITE
        if _round_compact(values, slot, m, t, out[i], keys, spare) != OK:
            status = CANNOT
    return status


@njit(nogil=True, cache=True)
def dirichlet_shapes(votes, concentration, total, shapes):
    """The rows' totals into ``total`` and the positive gamma shapes of
    :func:`malivote.models.dirichlet_noise`, ``concentration * share``, into
    ``shapes``, one after another in (row, slot) order (an empty slot has none).
    Returns how many were written."""
    n_rows, n = votes.shape
    written = 0
    for i in range(n_rows):
        t = 0
        for k in range(n):
            t += votes[i, k]
        total[i] = t
        d = np.float64(max(t, 1))
        c = concentration[i]
        for k in range(n):
            a = c * (np.float64(votes[i, k]) / d)
            if a > 0.0:
                shapes[written] = a
                written += 1
    return written


@njit(nogil=True, cache=True)
def dirichlet_rows(votes, total, concentration, gamma, out):
    """The rest of :func:`malivote.models.dirichlet_noise` once the gamma variates of
    the positive shapes are drawn (``gamma``, in the order of
    :func:`dirichlet_shapes`): normalise, round. DEGENERATE as soon as a row's
    variates all underflowed (the caller redoes the block with NumPy)."""
    n_rows, n = votes.shape
    buffer = np.empty(n, np.float64)
    values = np.empty(n, np.float64)
    slot = np.empty(n, np.int64)
    keys = np.empty(n, np.float64)
    spare = np.empty(n, np.int64)
    status = OK
    read = 0
    for i in range(n_rows):
        d = np.float64(max(total[i], 1))
        c = concentration[i]
        # A slot with votes has a positive shape whenever c * 2**-63 > 0: no need to
        # compute it (the same test, exactly, as dirichlet_shapes').
        plain = c >= 1e-280
        for k in range(n):
            v = votes[i, k]
            if plain:
                positive = v > 0
            else:
                positive = c * (np.float64(v) / d) > 0.0
            if positive:
                buffer[k] = gamma[read]
                read += 1
            else:
                buffer[k] = 0.0
        s = _pairwise_sum(buffer, n)
        t = total[i]
        if s == 0.0 and t > 0:
            return DEGENERATE
        den = s if s > 0 else 1.0
        scale = np.float64(t)
        m = 0
        row_out = out[i]
        for k in range(n):
            row_out[k] = 0
            w = buffer[k]
            if w > 0.0:
                r = (w / den) * scale
                if r > 0.0:
                    values[m] = r
                    slot[m] = k
                    m += 1
        if _round_compact(values, slot, m, t, row_out, keys, spare) != OK:
            status = CANNOT
    return status
