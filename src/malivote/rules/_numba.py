"""The hot kernels compiled with numba: one pass over the votes, rows in parallel.

Imported only when the backend is ``"numba"`` (see :mod:`malivote.rules._backend`).
Every kernel is ``@njit(parallel=True, nogil=True, cache=True)``: ``prange`` spreads
the rows over numba's threads (``NUMBA_NUM_THREADS``, every core by default), the GIL
is released while they run, and the compiled code is cached on disk after the first
call.

The kernels do only deterministic work and never break a tie. The winner-takes-all
kernels find the leading lists with the lowest slot first among equal votes, exactly
as :func:`malivote.rules._kernels.leading_lists` does, and flag the rows where a lot
is needed; the divisor kernel finds a divisor allocation and the quotients at its
boundary. The shared NumPy code then breaks the ties with the same ``rng`` calls as
the NumPy path, so both backends give identical results.

How the leading lists are found: a block of rows is transposed into a small
``(K, BLOCK)`` buffer that stays in the L1 cache. One pass then runs down its ``K``
rows, elementwise across the block, so that the compiler vectorises it: it sums each
row, makes the keys ``votes << bits | (K - 1 - slot)`` (unique in a row, larger for
more votes and, among equal votes, for the lower slot), and a three-place sorting
network keeps the three largest keys of every row. All of it is int32 (eight rows per
AVX2 register) while the counts are below ``2 ** (31 - bits)``, about 67 million
votes for 20 lists; a block with a larger count is redone in int64.
"""

from __future__ import annotations

import threading

import numba
import numpy as np
from numba import get_num_threads, njit, prange

__all__ = [
    "leading_lists", "two_round_rows", "open_runoff_rows", "divisor_rows", "remainder_rows", "block_rows", "list_seats",
    "candidate_votes", "block_candidates", "MAX_BLOCK_SLOTS", "BLOCK_OK", "BLOCK_LIMIT", "BLOCK_REFUSED",
    "runoff_place_lots", "runoff_winners", "DONE", "REDO", "ERROR",
]

# Row status of :func:`two_round_rows`, :func:`open_runoff_rows` and :func:`remainder_rows`.
DONE = 0
REDO = 1  # a tie, or counts too large for int64 cross-multiplication: NumPy redoes it
ERROR = 2  # bad input (no valid votes, an empty runoff, huge counts...): NumPy raises

BLOCK = 128
# The key buffers' rows are padded off a power of two, which would map the
# buffer's K rows to the same few cache sets.
PITCH = BLOCK + 8


_WORKQUEUE_LOCK = threading.Lock()


def _launch(kernel, *args):
    """Call a parallel kernel, one thread at a time under numba's workqueue layer.

    ``simulate(workers=N)`` calls kernels from several Python threads at once. The
    OpenMP and TBB threading layers take that; the workqueue layer (numba's fallback
    where neither is installed) would abort the process, so its launches queue here.
    """
    try:
        layer = numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet, so no layer is chosen
        layer = "workqueue"
    if layer != "workqueue":
        return kernel(*args)
    with _WORKQUEUE_LOCK:
        return kernel(*args)


def _chunks(n_rows: int, block: int = BLOCK) -> tuple[int, int]:
    """How to share ``n_rows`` among the threads: chunk count and rows per chunk.

    A few chunks per thread, each a whole number of blocks, so that each chunk
    allocates its buffers once.
    """
    n_blocks = -(-n_rows // block)
    n_chunks = max(1, min(get_num_threads() * 4, n_blocks))
    per_chunk = -(-n_blocks // n_chunks) * block
    return n_chunks, per_chunk


@njit(nogil=True, cache=True, inline="always")
def _insert(k0, k1, k2, j, key):
    """One step of the three-place sorting network: ``key`` into k0[j] > k1[j] > k2[j].

    Branch-free min and max, so that a loop of them over ``j`` vectorises.
    """
    first = k0[j]
    second = k1[j]
    lower = min(first, key)
    k0[j] = max(first, key)
    k1[j] = max(second, lower)
    k2[j] = max(k2[j], min(second, lower))


@njit(nogil=True, cache=True)
def _network(keys, n, n_lists, k0, k1, k2):
    """The three largest keys of each column of ``keys[:, :n]``, into k0 > k1 > k2.

    Columns with fewer than three keys keep -1 in the places left over.
    """
    for j in range(n):
        k0[j] = -1
        k1[j] = -1
        k2[j] = -1
    for slot in range(n_lists):
        for j in range(n):
            _insert(k0, k1, k2, j, keys[slot, j])


@njit(nogil=True, cache=True)
def _transpose(votes, start, n, raw):
    """Rows start .. start+n of int32 ``votes`` into the columns of ``raw``."""
    n_lists = votes.shape[1]
    for j in range(n):
        for slot in range(n_lists):
            raw[slot, j] = votes[start + j, slot]


@njit(nogil=True, cache=True)
def _transpose_narrowing(votes, start, n, bits, raw):
    """:func:`_transpose` for int64 ``votes``; nonzero when a count does not fit the
    int32 keys (negative, or ``2 ** (31 - bits)`` and more)."""
    n_lists = votes.shape[1]
    shift = 31 - bits
    wide = np.int64(0)
    for j in range(n):
        for slot in range(n_lists):
            x = votes[start + j, slot]
            wide |= x >> shift
            raw[slot, j] = np.int32(x)
    return wide


@njit(nogil=True, cache=True)
def _keys32_top3(raw, n, n_lists, bits, total, spread, k0, k1, k2):
    """Totals and top-3 int32 keys of the columns of ``raw``; returns the OR of all counts.

    One vectorised pass: every operation is elementwise across the block's rows and
    in int32, so that the compiler packs eight rows in a register. ``spread`` (the OR
    of each row's counts) tells the caller whether any count was too large for the
    keys, in which case the int32 results are meaningless and it starts again.
    """
    shift = np.int32(bits)
    for j in range(n):
        k0[j] = -1
        k1[j] = -1
        k2[j] = -1
        total[j] = 0
        spread[j] = 0
    for slot in range(n_lists):
        tag = np.int32(n_lists - 1 - slot)
        for j in range(n):
            count = raw[slot, j]
            # The casts keep numba from widening int32 arithmetic to int64.
            total[j] = np.int32(total[j] + count)
            spread[j] = np.int32(spread[j] | count)
            _insert(k0, k1, k2, j, np.int32(np.int32(count << shift) | tag))
    combined = np.int32(0)
    for j in range(n):
        combined |= spread[j]
    return combined


@njit(nogil=True, cache=True)
def _scratch(n_lists):
    """The buffers of :func:`_block_top3`, allocated once per chunk of rows."""
    return (
        np.empty((n_lists, PITCH), np.int32),  # a block's counts, transposed
        np.empty(BLOCK, np.int32),  # OR of each row's counts
        np.empty(BLOCK, np.int32),  # int32 totals and top-3 keys
        np.empty(BLOCK, np.int32),
        np.empty(BLOCK, np.int32),
        np.empty(BLOCK, np.int32),
        np.empty((n_lists, PITCH), np.int64),  # int64 keys, when counts are too large
        np.empty(BLOCK, np.int64),  # int64 totals and top-3 keys
        np.empty(BLOCK, np.int64),
        np.empty(BLOCK, np.int64),
        np.empty(BLOCK, np.int64),
    )


@njit(nogil=True, cache=True)
def _block_top3(votes, start, n, bits, scratch):
    """Totals and top-3 keys of rows start .. start+n, in int32 where they fit.

    Returns ``(largest, narrow)``. ``largest`` is an upper bound of the largest count
    as uint64, so that a negative count (which only the fused two_round sees
    unchecked) reads as huge and is flagged. Where ``narrow``, the totals and keys are
    in the int32 buffers ``scratch[2:6]``, else in the int64 buffers ``scratch[7:]``.

    The fast way (counts below ``2 ** (31 - bits)``, so that keys and totals fit in
    int32): transpose the block, then :func:`_keys32_top3`. Otherwise the block is
    redone with int64 keys.
    """
    raw, spread, total32, a32, b32, c32, keys64, total64, k0, k1, k2 = scratch
    n_lists = votes.shape[1]
    int32_bound = np.int64(1) << (31 - bits)
    if bits <= 24:
        if votes.itemsize == 4:
            _transpose(votes, start, n, raw)
            wide = np.int64(0)
        else:
            wide = _transpose_narrowing(votes, start, n, bits, raw)
        if wide == 0:
            combined = _keys32_top3(raw, n, n_lists, bits, total32, spread, a32, b32, c32)
            # Negative counts set the sign bit, large ones a bit at 31 - bits or above.
            if (np.int64(combined) & -int32_bound) == 0:
                return np.uint64(int32_bound - 1), True
    largest = np.uint64(0)
    for j in range(n):
        row_total = np.int64(0)
        for slot in range(n_lists):
            x = np.int64(votes[start + j, slot])
            row_total += x
            largest = max(largest, np.uint64(x))
            keys64[slot, j] = (x << bits) | (n_lists - 1 - slot)
        total64[j] = row_total
    _network(keys64, n, n_lists, k0, k1, k2)
    return largest, False


@njit(nogil=True, cache=True)
def _emit_leading(start, n, bits, n_lists, depth, block_total, k0, k1, k2, total, slots, leading):
    """Write a block's totals, leading slots and their votes from its top-3 keys."""
    mask = (1 << bits) - 1
    for j in range(n):
        total[start + j] = block_total[j]
    for level in range(depth):
        keys = k0 if level == 0 else (k1 if level == 1 else k2)
        for j in range(n):
            key = keys[j]
            if key < 0:
                # Past the row's last slot: slot K-1 with 0 votes, as in NumPy.
                slots[level, start + j] = n_lists - 1
                leading[level, start + j] = 0
            else:
                slots[level, start + j] = n_lists - 1 - (key & mask)
                leading[level, start + j] = key >> bits


@njit(nogil=True, cache=True)
def _leading_chunk(votes, depth, bits, begin, stop, total, slots, leading):
    """:func:`leading_lists` on rows begin .. stop; returns their largest count."""
    n_lists = votes.shape[1]
    scratch = _scratch(n_lists)
    largest = np.uint64(0)
    for start in range(begin, stop, BLOCK):
        n = min(BLOCK, stop - start)
        block_largest, narrow = _block_top3(votes, start, n, bits, scratch)
        largest = max(largest, block_largest)
        if narrow:
            _emit_leading(start, n, bits, n_lists, depth, *scratch[2:6], total, slots, leading)
        else:
            _emit_leading(start, n, bits, n_lists, depth, *scratch[7:], total, slots, leading)
    return largest


@njit(parallel=True, nogil=True, cache=True)
def _leading_rows(votes, depth, bits, n_chunks, per_chunk, total, slots, leading):
    n_rows = votes.shape[0]
    largest = np.zeros(n_chunks, np.uint64)
    for chunk in prange(n_chunks):
        begin = chunk * per_chunk
        stop = min(n_rows, begin + per_chunk)
        largest[chunk] = _leading_chunk(votes, depth, bits, begin, stop, total, slots, leading)
    return largest.max()


def _slot_bits(n_lists: int) -> int:
    return max(1, (n_lists - 1).bit_length())


def leading_lists(votes: np.ndarray, depth: int = 3):
    """:func:`malivote.rules._kernels.leading_lists` (depth 1 to 3), fused.

    ``votes`` must be int32 or int64, non-negative. Also returns an upper bound of the
    largest count (exact once counts are too large for int32 keys), for the caller to
    check that the keys did not overflow.
    """
    n_rows, n_lists = votes.shape
    total = np.empty(n_rows, dtype=np.int64)
    slots = np.empty((depth, n_rows), dtype=np.int64)
    leading = np.empty((depth, n_rows), dtype=np.int64)
    largest = _launch(_leading_rows, votes, depth, _slot_bits(n_lists), *_chunks(n_rows), total, slots, leading)
    return int(largest), total, slots, leading


@njit(nogil=True, cache=True, inline="always")
def _leading_places(key0, key1, key2, bits, last):
    """The votes of a row's three leading keys and the slots of the first two:
    ``(v0, v1, v2, s0, s1)``. Scalars only, so inlining costs no reference counts."""
    mask = (1 << bits) - 1
    # A missing place (K < 3) reads as 0 votes, as in NumPy.
    key1 = max(key1, 0)
    key2 = max(key2, 0)
    return key0 >> bits, key1 >> bits, key2 >> bits, last - (key0 & mask), last - (key1 & mask)


@njit(nogil=True, cache=True)
def _decide_block(
    start, n, bits, n_lists, block_total, k0, k1, k2, largest, second, has_second, second_place,
    numerator, denominator, total_limit, vote_limit, status, winner, rounds, finalists,
):
    """Round 1 or the runoff of a block's rows, from their totals and top-3 keys."""
    last = n_lists - 1
    # Branch-free: whether round 1 decides is a coin flip to the branch predictor.
    for j in range(n):
        row = start + j
        total = np.int64(block_total[j])
        v0, v1, v2, s0, s1 = _leading_places(k0[j], k1[j], k2[j], bits, last)
        runoff = np.int64(v0) * denominator <= total * numerator
        bad = (total == 0) | (largest >= vote_limit)
        redo = (v1 > 0) & ((v0 == v1) | (second_place & (v1 == v2)))
        redo |= total > total_limit
        if has_second:
            leader_runoff = np.int64(second[row, s0])
            runner_up_runoff = np.int64(second[row, s1])
            bad |= runoff & (leader_runoff == 0) & (runner_up_runoff == 0)
            redo |= runoff & (leader_runoff == runner_up_runoff)
            winner[row] = s1 if runoff & (runner_up_runoff > leader_runoff) else s0
        else:
            # The default transfer keeps the finalists' order: the leader wins.
            redo |= runoff & (v0 == v1)
            winner[row] = s0
        status[row] = ERROR if bad else (REDO if redo else DONE)
        rounds[row] = 2 if runoff else 1
        finalists[0, row] = s0
        finalists[1, row] = s1 if runoff else -1


@njit(nogil=True, cache=True)
def _two_round_chunk(
    votes, second, has_second, second_place, bits, numerator, denominator, total_limit, vote_limit,
    begin, stop, status, winner, rounds, finalists,
):
    """:func:`two_round_rows` on rows begin .. stop."""
    n_lists = votes.shape[1]
    scratch = _scratch(n_lists)
    for start in range(begin, stop, BLOCK):
        n = min(BLOCK, stop - start)
        largest, narrow = _block_top3(votes, start, n, bits, scratch)
        # Two compiled copies of the same step, reading int32 or int64 keys.
        if narrow:
            _decide_block(
                start, n, bits, n_lists, *scratch[2:6], largest, second, has_second, second_place,
                numerator, denominator, total_limit, vote_limit, status, winner, rounds, finalists,
            )
        else:
            _decide_block(
                start, n, bits, n_lists, *scratch[7:], largest, second, has_second, second_place,
                numerator, denominator, total_limit, vote_limit, status, winner, rounds, finalists,
            )


@njit(parallel=True, nogil=True, cache=True)
def _two_round_rows(
    votes, second, has_second, second_place, bits, numerator, denominator, total_limit, vote_limit,
    n_chunks, per_chunk, status, winner, rounds, finalists,
):
    n_rows = votes.shape[0]
    for chunk in prange(n_chunks):
        begin = chunk * per_chunk
        stop = min(n_rows, begin + per_chunk)
        _two_round_chunk(
            votes, second, has_second, second_place, bits, numerator, denominator, total_limit,
            vote_limit, begin, stop, status, winner, rounds, finalists,
        )


def two_round_rows(votes: np.ndarray, second, numerator: int, denominator: int, *, second_place: bool = True):
    """The deterministic part of :func:`malivote.rules.two_round`, fused in one pass.

    Parameters
    ----------
    votes : ndarray of int32 or int64, shape (R, K)
        First-round votes. Negative counts are flagged :data:`ERROR`, so the caller
        need not scan for them first.
    second : ndarray of int32 or int64, shape (R, K), or None
    numerator, denominator : int
        The majority share. ``0, 1`` with ``second_place=False`` is plurality.
    second_place : bool, default True
        Whether a tie for second place needs a lot (it picks the runoff's second
        finalist) and so flags the row; plurality needs only first place.

    Returns
    -------
    status : ndarray of uint8, shape (R,)
        :data:`DONE` where the row is decided here, :data:`REDO` where the NumPy
        path must redo it (a tie needs a lot, or counts too large for int64
        cross-multiplication), :data:`ERROR` where the NumPy path will raise (or,
        for counts near the int64 limit, may: it then decides).
    winner : ndarray of int64, shape (R,)
    rounds : ndarray of int8, shape (R,)
    finalists : ndarray of int64, shape (2, R)
        Leader, then runner-up (-1 where round 1 decided).
    """
    n_rows, n_lists = votes.shape
    status = np.empty(n_rows, dtype=np.uint8)
    winner = np.empty(n_rows, dtype=np.int64)
    rounds = np.empty(n_rows, dtype=np.int8)
    finalists = np.empty((2, n_rows), dtype=np.int64)
    has_second = second is not None
    if second is None:
        second = votes[:0]
    bits = _slot_bits(n_lists)
    # v0 * denominator and total * numerator must not overflow int64.
    total_limit = (2**62 - 1) // max(numerator, denominator, 1)
    # Counts from here on make leading_lists raise (and could overflow the keys).
    vote_limit = np.uint64(-(-(2 ** (63 - bits)) // n_lists) - 1)
    _launch(
        _two_round_rows,
        votes,
        second,
        has_second,
        second_place,
        bits,
        numerator,
        denominator,
        total_limit,
        vote_limit,
        *_chunks(n_rows),
        status,
        winner,
        rounds,
        finalists,
    )
    return status, winner, rounds, finalists


@njit(nogil=True, cache=True)
def _decide_open_block(
    start, n, bits, votes, block_total, k0, k1, k2, largest, second, has_second, registered,
    numerator, denominator, qualify_numerator, qualify_denominator, total_limit, registered_limit,
    vote_limit, status, winner, rounds, finalists, qualified,
):
    """Round 1, the qualified lists and the runoff of a block's rows, from their
    totals and top-3 keys."""
    n_lists = votes.shape[1]
    last = n_lists - 1
    for j in range(n):
        row = start + j
        total = np.int64(block_total[j])
        v0, v1, v2, s0, s1 = _leading_places(k0[j], k1[j], k2[j], bits, last)
        voters = registered[row]
        decided = np.int64(v0) * denominator > total * numerator
        bad = (total == 0) | (largest >= vote_limit) | (voters < total)
        # NumPy draws a lot for any tie for the two leading places, decided or not.
        redo = (v1 > 0) & ((v0 == v1) | (v1 == v2))
        redo |= (total > total_limit) | (voters > registered_limit)
        winner[row] = s0
        finalists[0, row] = s0
        if decided:
            rounds[row] = 1
            finalists[1, row] = -1
            for slot in range(n_lists):
                qualified[row, slot] = False
        else:
            rounds[row] = 2
            finalists[1, row] = s1
            # below_share's cross-multiplication; every count is at most the total, so
            # at most the registered voters (else bad), within int64.
            threshold = voters * qualify_numerator
            # Without a tie, only the two leading lists have v1 votes or more: they
            # qualify whatever their share (the runner-up with votes, as v1 > 0 wherever
            # a runoff is held).
            for slot in range(n_lists):
                count = np.int64(votes[row, slot])
                qualified[row, slot] = (count >= v1) | ((count > 0) & (count * qualify_denominator >= threshold))
            # Without round-2 votes the first-round votes decide: the leader wins
            # (v0 > v1, or redo).
            if has_second:
                # The most round-2 votes among the qualified lists. A tie (or a runoff
                # without votes, a tie at 0) needs a lot, the first-round votes or
                # NumPy's error.
                best = np.int64(-1)
                n_best = 0
                for slot in range(n_lists):
                    if qualified[row, slot]:
                        contest = np.int64(second[row, slot])
                        if contest > best:
                            best = contest
                            winner[row] = slot
                            n_best = 1
                        elif contest == best:
                            n_best += 1
                redo |= n_best > 1
        status[row] = ERROR if bad else (REDO if redo else DONE)


@njit(nogil=True, cache=True)
def _open_runoff_chunk(
    votes, second, has_second, registered, bits, numerator, denominator, qualify_numerator,
    qualify_denominator, total_limit, registered_limit, vote_limit, begin, stop, status, winner, rounds,
    finalists, qualified,
):
    """:func:`open_runoff_rows` on rows begin .. stop."""
    scratch = _scratch(votes.shape[1])
    for start in range(begin, stop, BLOCK):
        n = min(BLOCK, stop - start)
        largest, narrow = _block_top3(votes, start, n, bits, scratch)
        # Two compiled copies of the same step, reading int32 or int64 keys.
        if narrow:
            _decide_open_block(
                start, n, bits, votes, *scratch[2:6], largest, second, has_second, registered, numerator,
                denominator, qualify_numerator, qualify_denominator, total_limit, registered_limit,
                vote_limit, status, winner, rounds, finalists, qualified,
            )
        else:
            _decide_open_block(
                start, n, bits, votes, *scratch[7:], largest, second, has_second, registered, numerator,
                denominator, qualify_numerator, qualify_denominator, total_limit, registered_limit,
                vote_limit, status, winner, rounds, finalists, qualified,
            )


@njit(parallel=True, nogil=True, cache=True)
def _open_runoff_rows(
    votes, second, has_second, registered, bits, numerator, denominator, qualify_numerator,
    qualify_denominator, total_limit, registered_limit, vote_limit, n_chunks, per_chunk, status, winner,
    rounds, finalists, qualified,
):
    n_rows = votes.shape[0]
    for chunk in prange(n_chunks):
        begin = chunk * per_chunk
        stop = min(n_rows, begin + per_chunk)
        _open_runoff_chunk(
            votes, second, has_second, registered, bits, numerator, denominator, qualify_numerator,
            qualify_denominator, total_limit, registered_limit, vote_limit, begin, stop, status, winner,
            rounds, finalists, qualified,
        )


def open_runoff_rows(votes: np.ndarray, second, registered: np.ndarray, majority, qualify):
    """The deterministic part of :func:`malivote.rules.open_runoff`, fused in one pass.

    Parameters
    ----------
    votes : ndarray of int32 or int64, shape (R, K)
        First-round votes. Negative counts are flagged :data:`ERROR`, so the caller
        need not scan for them first.
    second : ndarray of int32 or int64, shape (R, K), or None
        Round-2 votes, non-negative; None: the first-round votes decide the runoff.
    registered : ndarray of int64, shape (R,)
        Registered voters, non-negative.
    majority, qualify : fractions.Fraction
        The shares, numerator and denominator each below 2**31.

    Returns
    -------
    status : ndarray of uint8, shape (R,)
        As :func:`two_round_rows`: :data:`REDO` for a tie for one of the two leading
        places or in the runoff, or counts too large for int64 cross-multiplication;
        :data:`ERROR` also where the registered voters are fewer than the valid votes.
        A runoff that gives every qualified list zero votes is a tie: :data:`REDO`.
    winner : ndarray of int64, shape (R,)
    rounds : ndarray of int8, shape (R,)
    finalists : ndarray of int64, shape (2, R)
        Leader, then runner-up (-1 where round 1 decided).
    qualified : ndarray of bool, shape (R, K)
        The lists in each runoff (none where round 1 decided).
    """
    n_rows, n_lists = votes.shape
    status = np.empty(n_rows, dtype=np.uint8)
    winner = np.empty(n_rows, dtype=np.int64)
    rounds = np.empty(n_rows, dtype=np.int8)
    finalists = np.empty((2, n_rows), dtype=np.int64)
    qualified = np.empty((n_rows, n_lists), dtype=np.bool_)
    has_second = second is not None
    if second is None:
        second = votes[:0]
    bits = _slot_bits(n_lists)
    # v0 * denominator, total * numerator and the qualify products must not overflow int64.
    total_limit = (2**62 - 1) // max(majority.numerator, majority.denominator, 1)
    registered_limit = (2**62 - 1) // max(qualify.numerator, qualify.denominator, 1)
    # Counts from here on make leading_lists raise (and could overflow the keys).
    vote_limit = np.uint64(-(-(2 ** (63 - bits)) // n_lists) - 1)
    _launch(
        _open_runoff_rows,
        votes,
        second,
        has_second,
        registered,
        bits,
        majority.numerator,
        majority.denominator,
        qualify.numerator,
        qualify.denominator,
        total_limit,
        registered_limit,
        vote_limit,
        *_chunks(n_rows),
        status,
        winner,
        rounds,
        finalists,
        qualified,
    )
    return status, winner, rounds, finalists, qualified


@njit(nogil=True, cache=True)
def _quotient(strength, table, count):
    """The quotient of a list's next seat (``count`` seats held)."""
    return strength / table[count]


@njit(nogil=True, cache=True)
def _held(strength, table, count):
    """The quotient of a list's last seat held; inf when it holds none."""
    return strength / table[count - 1] if count > 0 else np.inf


@njit(nogil=True, cache=True)
def _divisor_row(votes, strength, seats, table, power, slope, intercept, near, allocation):
    """A divisor allocation of one row; returns 1 for a close boundary, -1 on failure.

    The same float64 quotients ``strength / table[j]`` as the NumPy path. The
    allocation holds no quotient below one it left out; where the highest quotient
    left out is within ``near`` (relative) of the lowest held one (a tie, or too close
    for floats), the shared exact step decides the row's last seats.
    """
    n_lists = votes.shape[0]
    size = table.shape[0]
    if seats == 0:
        for i in range(n_lists):
            allocation[i] = 0
        return 0
    # Start: the seats each list wins with a common divisor close to the right one.
    parties = 0
    total = 0.0
    for i in range(n_lists):
        if votes[i] > 0:
            parties += 1
        total += votes[i]
    target = max(seats + parties * (intercept / slope - 0.5), 0.5)
    level = (total / (slope * target)) ** power
    given = 0
    for i in range(n_lists):
        ratio = strength[i] / level
        # searchsorted(table, ratio, side="left"): the divisors below the ratio.
        low = 0
        high = size
        while low < high:
            middle = (low + high) >> 1
            if table[middle] < ratio:
                low = middle + 1
            else:
                high = middle
        count = min(low, seats)
        allocation[i] = count
        given += count
    # Seat by seat: add the highest next quotient, or drop the lowest held one.
    while given < seats:
        best = 0
        best_quotient = -1.0
        for i in range(n_lists):
            quotient = _quotient(strength[i], table, allocation[i])
            if quotient > best_quotient:
                best_quotient = quotient
                best = i
        allocation[best] += 1
        given += 1
    while given > seats:
        worst = 0
        worst_quotient = np.inf
        for i in range(n_lists):
            quotient = _held(strength[i], table, allocation[i])
            if quotient < worst_quotient:
                worst_quotient = quotient
                worst = i
        allocation[worst] -= 1
        given -= 1
    # Exchange while a held quotient is below one left out (rounding in the start).
    for _ in range(n_lists * (seats + 1) + 1):
        giver = 0
        lowest_held = np.inf
        taker = 0
        highest_next = -1.0
        for i in range(n_lists):
            held = _held(strength[i], table, allocation[i])
            if held < lowest_held:
                lowest_held = held
                giver = i
            quotient = _quotient(strength[i], table, allocation[i])
            if quotient > highest_next:
                highest_next = quotient
                taker = i
        if lowest_held >= highest_next:
            return 1 if highest_next >= lowest_held * (1.0 - near) else 0
        allocation[giver] -= 1
        allocation[taker] += 1
    return -1


@njit(parallel=True, nogil=True, cache=True)
def _divisor_rows(votes, seats, table, power, slope, intercept, near, allocation, status):
    n_rows, n_lists = votes.shape
    for row in prange(n_rows):
        strength = np.empty(n_lists, np.float64)
        for i in range(n_lists):
            strength[i] = np.float64(votes[row, i])
            if power == 2:
                strength[i] *= strength[i]
        status[row] = _divisor_row(
            votes[row], strength, seats[row], table, power, slope, intercept, near, allocation[row]
        )


def divisor_rows(eligible: np.ndarray, seats: np.ndarray, table: np.ndarray, power: int, near: float):
    """The deterministic part of :func:`malivote.rules.divisor`, rows in parallel.

    Parameters
    ----------
    eligible : ndarray of int64, shape (R, K)
        Votes after the threshold.
    seats : ndarray of int64, shape (R,)
    table, power
        From ``divisor._comparison_table``, with at least ``seats.max() + 2`` entries.
    near : float
        How close (relative) the boundary quotients must be to flag the row.

    Returns
    -------
    allocation : ndarray of int64, shape (R, K)
        A divisor allocation of every row.
    status : ndarray of int8, shape (R,)
        1 where the boundary quotients are within ``near`` (the exact step must
        decide), 0 where not, -1 where the allocation did not converge.
    """
    divisor_values = table ** (1.0 / power)
    slope = float(divisor_values[2] - divisor_values[1])
    intercept = float(divisor_values[1] - slope)
    allocation = np.empty(eligible.shape, dtype=np.int64)
    status = np.empty(eligible.shape[0], dtype=np.int8)
    _launch(
        _divisor_rows,
        np.ascontiguousarray(eligible, dtype=np.int64),
        np.ascontiguousarray(seats, dtype=np.int64),
        np.ascontiguousarray(table, dtype=np.float64),
        power,
        slope,
        intercept,
        float(near),
        allocation,
        status,
    )
    return allocation, status


# ------------------------------------------------------------------ largest remainder

# The NumPy path works in exact Python integers once a scaled vote plus a quota
# reaches this; the kernel leaves such rows to it.
_SCALED_LIMIT = 2**62


@njit(nogil=True, cache=True)
def _remainder_row(votes, seats, droop, offset, remainder, top, allocation):
    """Largest remainders of one row, into ``allocation``; REDO where NumPy must decide.

    The quota is ``numerator / denominator`` as in ``remainder.quota_fraction``, and
    ``remainder`` holds the remainders in units of ``1 / denominator`` of a vote, so
    every step is the NumPy path's exact integer arithmetic. A row is left to NumPy
    where it would draw a lot (a tie at the cutoff of the remainder seats), withdraw a
    surplus, or leave int64.
    """
    n_lists = votes.shape[0]
    total = 0
    largest = 0
    parties = 0
    for i in range(n_lists):
        total += votes[i]
        largest = max(largest, votes[i])
        parties += votes[i] > 0
        allocation[i] = 0
    # A row with seats and no votes was refused by the validation.
    if seats == 0 or total == 0:
        return DONE
    if droop:
        numerator = total // (seats + offset) + 1
        denominator = 1
    else:
        numerator = total
        denominator = seats + offset
    # total < 2**61 keeps largest + numerator in int64.
    if total >= _SCALED_LIMIT // 2 or largest + numerator > (_SCALED_LIMIT - 1) // denominator:
        return REDO
    # Integer division is the row's slowest step: a float estimate of each list's
    # whole quotas, then exact integer corrections, gives the same quotient.
    reciprocal = 1.0 / numerator
    left = seats
    for i in range(n_lists):
        scaled = votes[i] * denominator
        whole = np.int64(scaled * reciprocal)
        rest = scaled - whole * numerator
        while rest < 0:
            whole -= 1
            rest += numerator
        while rest >= numerator:
            whole += 1
            rest -= numerator
        allocation[i] = whole
        remainder[i] = rest
        left -= whole
    if left < 0:
        return REDO
    # Droop's full rounds: a seat to every list with votes while more are left.
    rounds = left // parties
    if rounds:
        for i in range(n_lists):
            if votes[i] > 0:
                allocation[i] += rounds
        left -= rounds * parties
    if left == 0:
        return DONE
    # The left + 1 largest remainders of the lists with votes (more lists than seats
    # left), largest first: the left-th is the cutoff, and the next one equal to it
    # means more lists at the cutoff than seats, a lot.
    kept = 0
    for i in range(n_lists):
        if votes[i] == 0:
            continue
        value = remainder[i]
        if kept <= left:
            place = kept
            kept += 1
        elif value > top[left]:
            place = left
        else:
            continue
        while place > 0 and top[place - 1] < value:
            top[place] = top[place - 1]
            place -= 1
        top[place] = value
    cutoff = top[left - 1]
    if top[left] == cutoff:
        return REDO
    for i in range(n_lists):
        if votes[i] > 0 and remainder[i] >= cutoff:
            allocation[i] += 1
    return DONE


@njit(parallel=True, nogil=True, cache=True)
def _remainder_rows(votes, seats, droop, offset, n_chunks, per_chunk, allocation, status):
    n_rows, n_lists = votes.shape
    for chunk in prange(n_chunks):
        remainder = np.empty(n_lists, np.int64)
        top = np.empty(n_lists, np.int64)
        for row in range(chunk * per_chunk, min(n_rows, (chunk + 1) * per_chunk)):
            status[row] = _remainder_row(votes[row], seats[row], droop, offset, remainder, top, allocation[row])


def remainder_rows(eligible: np.ndarray, seats: np.ndarray, droop: bool, offset: int):
    """The rows of :func:`malivote.rules.largest_remainder` that need no lot, in parallel.

    Parameters
    ----------
    eligible : ndarray of int64, shape (R, K)
        Votes after the threshold, validated.
    seats : ndarray of int64, shape (R,)
    droop : bool
        The Droop quota, ``floor(V / (S + offset)) + 1``; else ``V / (S + offset)``.
    offset : int
        What the quota adds to the seats S.

    Returns
    -------
    allocation : ndarray of int64, shape (R, K)
        The seats of every row of status :data:`DONE`.
    status : ndarray of uint8, shape (R,)
        :data:`REDO` where the NumPy path must decide the row: a tie at the cutoff of
        the remainder seats, a surplus of whole quotas, or counts past int64.
    """
    allocation = np.empty(eligible.shape, dtype=np.int64)
    status = np.empty(eligible.shape[0], dtype=np.uint8)
    _launch(
        _remainder_rows,
        np.ascontiguousarray(eligible, dtype=np.int64),
        np.ascontiguousarray(seats, dtype=np.int64),
        droop,
        offset,
        *_chunks(eligible.shape[0]),
        allocation,
        status,
    )
    return allocation, status


# ------------------------------------------------------------------ candidate block vote


@njit(nogil=True, cache=True)
def _rank_slots(votes, lists, slots, m, top, elected):
    """Elect the candidates of one row ranked at or above its ``m``-th largest rank,
    among the candidates at ``slots`` (the others are not elected).

    A candidate's rank is its vote, or -1 for an empty slot (``lists`` < 0). ``top``
    is scratch of at least ``m`` places. Returns the cutoff and whether more
    candidates tie at it than seats are left (``elected`` then holds them all).
    """
    elected[:] = False
    # The m largest ranks, largest first, kept by insertion: most slots fall
    # below the last one and cost one comparison.
    filled = 0
    for j in slots:
        v = np.int64(-1) if lists[j] < 0 else votes[j]
        if filled < m:
            k = filled
            filled += 1
        elif v > top[m - 1]:
            k = m - 1
        else:
            continue
        while k > 0 and top[k - 1] < v:
            top[k] = top[k - 1]
            k -= 1
        top[k] = v
    cut = top[m - 1]
    sure = 0
    tied = 0
    for j in slots:
        v = np.int64(-1) if lists[j] < 0 else votes[j]
        if v > cut:
            sure += 1
        elif v == cut:
            tied += 1
        elected[j] = v >= cut
    return cut, tied > m - sure


@njit(parallel=True, nogil=True, cache=True)
def _block_rows(votes, lists, magnitude, elected, cutoff, lot):
    n_constituencies = lists.shape[0]
    every = np.arange(votes.shape[1])
    for r in prange(votes.shape[0]):
        c = r % n_constituencies
        top = np.empty(magnitude[c], dtype=np.int64)
        cutoff[r], lot[r] = _rank_slots(votes[r], lists[c], every, magnitude[c], top, elected[r])


def block_rows(votes: np.ndarray, lists: np.ndarray, magnitude: np.ndarray):
    """The candidate block vote of each row, but for ties: :func:`malivote.rules.block_vote`'s ranking.

    Parameters
    ----------
    votes : ndarray of int, shape (R, N)
        Rows ordered ``(..., C)``: row ``r`` is constituency ``r % C``.
    lists : ndarray of int, shape (C, N)
        List slot of each candidate, -1 for an empty slot (ranked below any votes).
    magnitude : ndarray of int, shape (C,)
        Seats; every constituency has at least that many candidates.

    Returns
    -------
    elected : ndarray of bool, shape (R, N)
        Candidates ranked at or above the ``magnitude``-th largest rank (the cutoff).
    cutoff : ndarray of int64, shape (R,)
    lot : ndarray of bool, shape (R,)
        Rows where more candidates tie at the cutoff than seats are left: their
        ``elected`` holds every tied candidate, and the caller draws the lot.
    """
    n_rows, n = votes.shape
    elected = np.empty((n_rows, n), dtype=np.bool_)
    cutoff = np.empty(n_rows, dtype=np.int64)
    lot = np.empty(n_rows, dtype=np.bool_)
    _launch(
        _block_rows,
        np.ascontiguousarray(votes, dtype=np.int64),
        np.ascontiguousarray(lists, dtype=np.int64),
        np.ascontiguousarray(magnitude, dtype=np.int64),
        elected,
        cutoff,
        lot,
    )
    return elected, cutoff, lot


@njit(parallel=True, nogil=True, cache=True)
def _list_seats(elected, lists, seats):
    n_rows, n = elected.shape
    n_constituencies = lists.shape[0]
    for r in prange(n_rows):
        c = r % n_constituencies
        for k in range(seats.shape[1]):
            seats[r, k] = 0
        for j in range(n):
            if elected[r, j]:
                seats[r, lists[c, j]] += 1


def list_seats(elected: np.ndarray, lists: np.ndarray, n_lists: int) -> np.ndarray:
    """Elected candidates per list ``(R, n_lists)`` of :func:`block_rows`' rows (no empty slot elected)."""
    seats = np.empty((elected.shape[0], n_lists), dtype=np.int64)
    _launch(_list_seats, np.ascontiguousarray(elected), np.ascontiguousarray(lists, dtype=np.int64), seats)
    return seats


@njit(nogil=True, cache=True)
def _roster_exponents(roster_party, first, z, spread):
    """``spread * z`` at the roster positions of the lists with votes, in flat order:
    the exponents of the candidates' spread, for NumPy's exp. ``z``: one normal draw
    per roster position (``roster_party >= 0``), in flat order. Returns the exponents
    and whether ``z`` holds exactly that many draws (none is read past its end).

    A list without votes gives its candidates none, whatever the draws, so its
    positions are skipped here and in :func:`_fill_row`.
    """
    rows = first.size
    size = roster_party.shape[-1]
    party = roster_party.reshape(rows, size)
    votes = first.reshape(rows)
    exponents = np.empty(z.size, dtype=np.float64)
    i = 0
    j = 0  # (the next roster position's draw)
    for r in range(rows):
        for m in range(size):
            if party[r, m] >= 0:
                if j == z.size:  # (more roster positions than draws)
                    return exponents[:0], False
                if votes[r] > 0:
                    exponents[i] = spread * z[j]
                    i += 1
                j += 1
    return exponents[:i], j == z.size


@njit(nogil=True, cache=True)
def _fill_row(party, first, factors, i, has_z, limit, out, voted):
    """One constituency's candidates with votes: their lists' ``first`` votes as
    float64, times ``factors[i], factors[i + 1], ...`` (the exp of
    :func:`_roster_exponents`, in the same order) with ``has_z``, rounded half to even,
    into ``out`` at their slots, and their slots into ``voted``, in order (the
    ``returned - i`` first entries). The other entries of ``out`` are not written:
    their candidates have no votes.

    Returns the index of the next factor, or -1 where a vote is not below ``limit``
    (or is NaN).
    """
    size = party.shape[1]
    start = i
    for k in range(first.size):
        v = first[k]
        # A list without votes gives its candidates none (most slots of a row).
        if v <= 0:
            continue
        for m in range(size):
            if party[k, m] >= 0:
                real = np.float64(v) * factors[i] if has_z else np.float64(v)
                if not real < limit:
                    return -1
                # At least one: rounding never unseats a list.
                out[k * size + m] = max(np.int64(np.rint(real)), 1)
                voted[i - start] = k * size + m
                i += 1
    return i


@njit(nogil=True, cache=True)
def _spread(values, voted, out):
    """``out``: ``values`` at the slots ``voted``, 0 elsewhere (a whole row of
    :func:`_fill_row`)."""
    out[:] = 0
    for j in voted:
        out[j] = values[j]


@njit(nogil=True, cache=True)
def _candidate_fill(roster_party, first, factors, has_z, limit, out):
    """Whole candidate votes into ``out`` ``(R, K * M)``; False where one is not below
    ``limit`` (see :func:`_fill_row`)."""
    n_lists, size = roster_party.shape[-2:]
    rows = first.size // n_lists
    party = roster_party.reshape(rows, n_lists, size)
    votes = first.reshape(rows, n_lists)
    voted = np.empty(n_lists * size, dtype=np.int64)
    i = 0
    for r in range(rows):
        out[r] = 0
        i = _fill_row(party[r], votes[r], factors, i, has_z, limit, out[r], voted)
        if i < 0:
            return False
    return True


def _candidate_factors(roster_party, first, z, spread):
    """The factors of :func:`_fill_row`: NumPy's exp of the roster positions' exponents
    (an empty array without draws ``z``)."""
    if z is None:
        return np.zeros(0)
    exponents, matched = _roster_exponents(roster_party, first, np.ascontiguousarray(z, dtype=np.float64), float(spread))
    if not matched:
        raise ValueError(
            f"split-ticket draws: expected one per roster position ({np.count_nonzero(roster_party >= 0)}), "
            f"found {z.size}"
        )
    return np.exp(exponents, out=exponents)


def candidate_votes(roster_party: np.ndarray, first: np.ndarray, z, spread: float, limit: float):
    """:meth:`malivote.ruleset.BlockVote.candidate_votes` on the roster positions, fused.

    The same float64 operations as the NumPy path: the list's votes as float64, times
    ``np.exp(spread * z)`` (NumPy's exp, computed here between the two passes), then
    rounded half to even; None where a vote reaches ``limit``, for the NumPy path to
    handle.
    """
    roster_party = np.ascontiguousarray(roster_party)
    first = np.ascontiguousarray(first)
    factors = _candidate_factors(roster_party, first, z, spread)
    n_slots = roster_party.shape[-2] * roster_party.shape[-1]
    out = np.empty(roster_party.shape, dtype=np.int64)
    if not _candidate_fill(roster_party, first, factors, z is not None, float(limit), out.reshape(-1, n_slots)):
        return None
    return out


#: The most slots in a row of :func:`block_candidates`: 1024 votes below 2**53 add up within int64.
MAX_BLOCK_SLOTS = 1024

#: :func:`block_candidates` statuses.
BLOCK_OK = 0
BLOCK_LIMIT = 1  # a candidate vote reaches the limit
BLOCK_REFUSED = 2  # a constituency without votes


@njit(nogil=True, cache=True)
def _block_candidates(roster_party, first, factors, has_z, limit, magnitude, candidates, elected, cutoff, lot,
                      list_seats):
    n_lists, size = roster_party.shape[-2:]
    n_slots = n_lists * size
    rows = first.size // n_lists
    n_constituencies = magnitude.size
    party = roster_party.reshape(rows, n_lists, size)
    votes = first.reshape(rows, n_lists)
    row = np.empty(n_slots, dtype=np.int64)
    voted = np.empty(n_slots, dtype=np.int64)
    # Every slot is a candidate of a list (none is empty), so none ranks below 0.
    listed = np.zeros(n_slots, dtype=np.int64)
    every = np.arange(n_slots)
    top = np.empty(magnitude.max(), dtype=np.int64)
    i = 0
    for r in range(rows):
        start = i
        i = _fill_row(party[r], votes[r], factors, i, has_z, limit, row, voted)
        if i < 0:
            return BLOCK_LIMIT
        # Each candidate of a list with votes has at least one vote, the others none.
        if i == start:
            return BLOCK_REFUSED
        seats = magnitude[r % n_constituencies]
        with_votes = voted[: i - start]
        if with_votes.size >= seats:
            # The cutoff is at least one vote: only the candidates with votes can be
            # elected (a sixth of the slots or fewer in 2020).
            ranked = with_votes
            cut, tied = _rank_slots(row, listed, ranked, seats, top, elected[r])
            # Only the rows that need a lot are read again.
            if tied:
                _spread(row, with_votes, candidates[r])
        else:
            # The cutoff is 0, and every candidate without votes ties at it.
            ranked = every
            _spread(row, with_votes, candidates[r])
            cut, tied = _rank_slots(candidates[r], listed, ranked, seats, top, elected[r])
        cutoff[r] = cut
        lot[r] = tied
        list_seats[r] = 0
        for j in ranked:
            if elected[r, j]:
                list_seats[r, j // size] += 1
    return BLOCK_OK


def block_candidates(roster_party: np.ndarray, first: np.ndarray, z, spread: float, limit: float, magnitude):
    """:func:`candidate_votes` ranked as :func:`block_rows` ranks them, without the
    candidate votes of the rows that need no lot.

    Every slot ``(k, m)`` of a row is a candidate of list ``k``; rows have at most
    :data:`MAX_BLOCK_SLOTS` slots, so that no sum of votes below ``limit`` = 2**53
    overflows int64. Returns ``status``
    (:data:`BLOCK_OK`, else :data:`BLOCK_LIMIT` or :data:`BLOCK_REFUSED`, where the
    other arrays mean nothing), ``candidates`` ``(R, K * M)`` (filled in the rows with
    a lot only), :func:`block_rows`' ``elected``, ``cutoff`` and ``lot``, and the
    candidates elected per list ``(R, K)`` (:func:`list_seats` of ``elected``, before
    any lot).
    """
    roster_party = np.ascontiguousarray(roster_party)
    first = np.ascontiguousarray(first)
    factors = _candidate_factors(roster_party, first, z, spread)
    n_slots = roster_party.shape[-2] * roster_party.shape[-1]
    n_rows = first.size // roster_party.shape[-2]
    candidates = np.empty((n_rows, n_slots), dtype=np.int64)
    elected = np.empty((n_rows, n_slots), dtype=np.bool_)
    cutoff = np.empty(n_rows, dtype=np.int64)
    lot = np.empty(n_rows, dtype=np.bool_)
    seats = np.empty((n_rows, roster_party.shape[-2]), dtype=np.int64)
    status = _block_candidates(
        roster_party, first, factors, z is not None, float(limit), np.ascontiguousarray(magnitude, dtype=np.int64),
        candidates, elected, cutoff, lot, seats,
    )
    return status, candidates, elected, cutoff, lot, seats


# ------------------------------------------------------------------ two-round lots


@njit(nogil=True, cache=True)
def _runoff_place_rows(first, rounds, finalists, lots):
    n_rows, n_lists = first.shape
    for r in range(n_rows):
        if rounds[r] != 2:
            lots[r] = 0
            continue
        a = max(finalists[r, 0], 0)
        b = max(finalists[r, 1], 0)
        # The finalists' own entries count as -1, as in the NumPy count.
        best = np.int64(-1)
        for k in range(n_lists):
            if k != a and k != b:
                best = max(best, np.int64(first[r, k]))
        lots[r] = best == min(first[r, a], first[r, b])


def runoff_place_lots(first: np.ndarray, rounds: np.ndarray, finalists: np.ndarray) -> np.ndarray:
    """:func:`malivote.ruleset._runoff_place_lots` in one pass over the rows.

    ``first`` is ``(R, K)`` int64, ``rounds`` ``(R,)`` and ``finalists`` ``(R, 2)``
    with slots in ``[-1, K)``; returns ``(R,)`` int64.
    """
    lots = np.empty(first.shape[0], dtype=np.int64)
    _runoff_place_rows(
        np.ascontiguousarray(first), np.ascontiguousarray(rounds), np.ascontiguousarray(finalists), lots
    )
    return lots


@njit(nogil=True, cache=True)
def _runoff_winner_rows(second, finalists, winner):
    n_rows = second.shape[0]
    untied = True
    for r in range(n_rows):
        leader = finalists[r, 0]
        runner_up = finalists[r, 1]
        if runner_up < 0:
            winner[r] = leader
            continue
        leader_votes = second[r, max(leader, 0)]
        runner_up_votes = second[r, runner_up]
        # Equal votes (a tie, or an empty runoff) need the lot or the error of NumPy.
        untied &= leader_votes != runner_up_votes
        winner[r] = runner_up if runner_up_votes > leader_votes else leader
    return untied


def runoff_winners(second: np.ndarray, finalists: np.ndarray):
    """The runoff winners of :func:`malivote.ruleset.decide_runoff` where no runoff
    is tied, in one pass over the rows; None where one is (or gives both finalists
    no votes), for the NumPy path to settle.

    ``second`` is ``(R, K)`` int32 or int64 and ``finalists`` ``(R, 2)`` int64 with
    slots in ``[-1, K)``; returns ``(R,)`` int64.
    """
    winner = np.empty(second.shape[0], dtype=np.int64)
    if not _runoff_winner_rows(np.ascontiguousarray(second), np.ascontiguousarray(finalists), winner):
        return None
    return winner
