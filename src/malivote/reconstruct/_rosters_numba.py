"""The rosters of :func:`malivote.reconstruct._sample._rosters`, compiled (``malivote[fast]``).

Each live list reads its own random words, drawn by NumPy (``rng.integers``) between
the two kernels, and decodes them as mixed-radix digits with the same integer
arithmetic as the NumPy code (divided unsigned: the words are never negative), so
both paths give identical arrays (tested in ``tests/test_rosters_kernel.py``).
Imported only when the backend is ``"numba"``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["fill_rosters", "list_highs"]

#: a word holds digits while the product of their radices stays at most this
LIMIT = np.int64(1) << np.int64(62)


@njit(cache=True, nogil=True)
def list_highs(live, perm, m, women, nmem, base, base_f, power, power_f):
    """The live lists, in ``(draw, constituency, shuffled slot)`` order: ``start (B*C + 1,)``,
    the first list of each (draw, constituency), and ``high (L,)``, the product of
    each list's radices, ``base[m, w] * power[nm, m - nm]`` (``m! C(m, w)`` times, for
    a losing list, ``nm**(m - nm)``), with ``ok = False`` where one may pass ``2**60``
    (by the float tables; the caller then works the words out in NumPy)."""
    B, C, K = live.shape
    start = np.zeros(B * C + 1, np.int64)
    n = 0
    for b in range(B):
        for c in range(C):
            for j in range(K):
                if live[b, c, j]:
                    n += 1
            start[b * C + c + 1] = n
    high = np.empty(n, np.int64)
    ok = True
    li = 0
    for b in range(B):
        for c in range(C):
            mi = m[c]
            for j in range(K):
                if live[b, c, j]:
                    k = perm[b, c, j]
                    w = min(max(women[b, c, j], 0), mi)
                    r, e = 1, 0
                    if k != 0:
                        r = max(nmem[b, c, k], 1)
                        e = max(mi - nmem[b, c, k], 0)
                    if not base_f[mi, w] * power_f[r, e] < 1.152921504606847e18:  # 2**60
                        ok = False
                    high[li] = base[mi, w] * power[r, e]
                    li += 1
    return start, high, ok


@njit(cache=True, nogil=True, inline="always")
def _starts_word(R, prod, r):
    """Whether a digit of radix ``r`` is read from the list's next word: where the
    product ``prod`` of the radices read from the current one would pass ``LIMIT``.

    A predicate, not a helper that reads the word: an array passed to an inlined
    helper costs a reference count increment and decrement (two calls) at each digit,
    about 15% of :func:`fill_rosters`."""
    return R > 1 and prod > LIMIT // r


@njit(cache=True, nogil=True, inline="always")
def _divmod(x, r):
    """``(x % r, x // r)`` of a word (``0 <= x < 2**62``) by one unsigned division:
    numba's signed ``%`` and ``//`` pay for Python's rounding of negative operands
    (about 9% of :func:`fill_rosters`)."""
    ux, ur = np.uint64(x), np.uint64(r)
    return np.int64(ux % ur), np.int64(ux // ur)


@njit(cache=True, nogil=True)
def fill_rosters(roster_party, roster_female, live, perm, members, nmem, women, seats, m, start, words, binom):
    """Each live list's roster (party per place) and women, in place.

    ``live``, ``perm`` (the logical slot of each shuffled slot), ``women`` by shuffled
    slot; ``members``/``nmem`` by logical slot (0 = the winner); ``start``: from
    :func:`list_highs`; ``words (L, R)``: each list's random words, read as
    mixed-radix digits (the least significant first; a word takes digits while the
    product of their radices stays at most ``2**62``): a losing list's party at each
    place from ``nmem`` on (radix ``nmem``), the forward Fisher-Yates swaps of the
    places (radix ``m - i`` at step ``i``), then the rank of the women's places among
    the ``C(m, w)`` subsets (``binom``: Pascal's triangle), unranked place by place.
    Places past a list's magnitude, and dead slots, keep the caller's -1 and False
    (:func:`malivote.reconstruct._sample.sample_block` takes ``out`` arrays so filled).
    Serial: on two cores, ``parallel=True`` saved about 1 ms a block of 100 draws when
    the machine was idle and cost several when the other core was busy.
    """
    B, C, K = live.shape
    M = roster_party.shape[3]
    S = members.shape[3]
    P = seats.shape[2]
    R = words.shape[1]
    r0 = np.empty(M, np.int16)
    for b in range(B):
        for c in range(C):
            mi = m[c]
            li = start[b * C + c]
            for j in range(K):
                if not live[b, c, j]:
                    continue
                k = perm[b, c, j]
                w = min(max(women[b, c, j], 0), mi)
                nm = nmem[b, c, k]
                wi = 0
                prod = np.int64(1)
                x = words[li, 0]
                # -- the party of each place, before the shuffle
                if k == 0:
                    # the winner: its seat split, parties in index order
                    pos = 0
                    for q in range(P):
                        if pos >= mi:
                            break
                        for _ in range(seats[b, c, q]):
                            if pos < mi:
                                r0[pos] = q
                            pos += 1
                    for p in range(pos, mi):
                        r0[p] = P
                else:
                    for p in range(min(nm, mi)):
                        r0[p] = members[b, c, k, p]
                    r = max(nm, 1)
                    for p in range(nm, mi):
                        if _starts_word(R, prod, r):
                            wi, prod, x = wi + 1, np.int64(1), words[li, wi + 1]
                        d, x = _divmod(x, r)
                        prod *= r
                        r0[p] = members[b, c, k, min(d, S - 1)]
                # -- forward Fisher-Yates: place i swaps with a place in [i, m)
                for i in range(mi - 1):
                    r = mi - i
                    if _starts_word(R, prod, r):
                        wi, prod, x = wi + 1, np.int64(1), words[li, wi + 1]
                    d, x = _divmod(x, r)
                    prod *= r
                    t = r0[i]
                    r0[i] = r0[i + d]
                    r0[i + d] = t
                # -- the women: the rank of their places among the C(m, w) subsets
                r = binom[mi, w]
                if _starts_word(R, prod, r):
                    wi, x = wi + 1, words[li, wi + 1]
                rank, _ = _divmod(x, r)
                rem = w
                for p in range(mi):
                    # the subsets with a woman at place p (none once every woman is placed);
                    # no branch on ``rank < cut``, a coin toss the predictor cannot learn
                    cut = binom[mi - p - 1, rem - 1] if rem > 0 else np.int64(0)
                    female = rank < cut
                    rem -= female
                    rank -= cut * (1 - female)
                    roster_party[b, c, j, p] = r0[p]
                    roster_female[b, c, j, p] = female
                li += 1
