"""The seed tree: every random stream of a run, derived from one seed.

malivote draws all its random numbers from children of one
:class:`numpy.random.SeedSequence` (NumPy's recommended way to make independent
parallel streams, and the Scientific Python SPEC 7 convention). This module is the
only place that spawns them. The tree is::

    SeedSequence(seed)
    ├── Stage.POOL                   the replay's outcome pool (one stream per run)
    ├── Stage.RECONSTRUCT ── block b  the replay's elections, draws [100 b, 100 b + 100)
    ├── Stage.APPORTION              lots of a run-level apportionment (a national tier's
    │                                district magnitudes), drawn once per run
    ├── Stage.RULE ── block b         vote models and the rule's lots for block b
    ├── Stage.SWEEP ── point          one sweep point's own seed (malivote.sweep)
    └── Stage.HOLDOUT                 the folds of a held-out score (malivote.reconstruct.holdout)

Child ``i`` of a sequence is the sequence whose ``spawn_key`` ends in ``i``
(``SeedSequence(seed).spawn(n)[i]`` is ``SeedSequence(seed, spawn_key=(i,))``), so a
block's stream is built directly from ``(seed, stage, block)`` without spawning its
siblings. Draws come in fixed blocks of :data:`BLOCK`: the random numbers of draw
``i`` depend only on the seed and ``i``, never on the chunk size or the number of
workers that happen to run them.

Examples
--------
>>> a = block_rng(7, Stage.APPORTION, 3).random()
>>> b = np.random.default_rng(np.random.SeedSequence(7).spawn(3)[Stage.APPORTION].spawn(4)[3]).random()
>>> a == b
True
>>> [(block, s.start, s.stop) for block, s in blocks(150, 120)]
[(1, 0, 50), (2, 50, 120)]
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = ["BLOCK", "Stage", "as_seed", "blocks", "block_rng", "normalise_rng", "root_sequence", "stage_sequence"]

#: Draws that share one random stream: draw ``i`` belongs to block ``i // BLOCK``.
BLOCK = 100


class Stage(IntEnum):
    """The stages of a run that draw random numbers, each with its own subtree."""

    POOL = 0
    RECONSTRUCT = 1
    APPORTION = 2
    SWEEP = 3
    HOLDOUT = 4
    #: "rule" in ASCII: the value the rule stream has always had, so runs keep their
    #: results.
    RULE = 0x72756C65


def as_seed(seed, name: str = "seed") -> int:
    """``seed`` as a non-negative Python integer, or a ValueError naming ``name``.

    Examples
    --------
    >>> as_seed(np.int64(3))
    3
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"{name}: expected a non-negative integer, found {seed!r}")
    return int(seed)


def root_sequence(rng=None) -> np.random.SeedSequence:
    """The seed sequence behind ``rng`` (None, an int, a SeedSequence or a Generator).

    A Generator gives the sequence it was seeded from, so a function that takes
    ``rng`` can still hand out streams per fixed block of draws.

    Examples
    --------
    >>> root_sequence(5).entropy, root_sequence(np.random.default_rng(5)).entropy
    (5, 5)
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.SeedSequence(as_seed(rng, "rng"))
    generator = normalise_rng(rng)
    sequence = getattr(generator.bit_generator, "seed_seq", None)
    if not isinstance(sequence, np.random.SeedSequence):
        raise ValueError("rng: expected a generator seeded from a SeedSequence, found one without")
    return sequence


def normalise_rng(rng=None) -> np.random.Generator:
    """``np.random.default_rng(rng)``, with a ValueError naming ``rng`` on bad input.

    Examples
    --------
    >>> int(normalise_rng(3).integers(10)) == int(np.random.default_rng(3).integers(10))
    True
    """
    from malivote.rules._validation import as_rng

    return as_rng(rng)


def stage_sequence(seed, stage: Stage) -> np.random.SeedSequence:
    """The subtree of ``stage``: child ``stage`` of ``SeedSequence(seed)``."""
    sequence = root_sequence(seed)
    return np.random.SeedSequence(sequence.entropy, spawn_key=tuple(sequence.spawn_key) + (int(stage),))


def block_rng(seed, stage: Stage, block: int) -> np.random.Generator:
    """The generator of block ``block`` of ``stage``: child ``block`` of the stage."""
    sequence = stage_sequence(seed, stage)
    return np.random.default_rng(
        np.random.SeedSequence(sequence.entropy, spawn_key=tuple(sequence.spawn_key) + (int(block),))
    )


def blocks(first_draw: int, count: int, size: int = BLOCK):
    """The fixed blocks that draws ``[first_draw, first_draw + count)`` touch.

    Yields ``(block, part)``: the block's index and the slice of the ``count`` draws
    that fall in it.
    """
    stop = first_draw + count
    start = first_draw
    while start < stop:
        block = start // size
        end = min((block + 1) * size, stop)
        yield block, slice(start - first_draw, end - first_draw)
        start = end
