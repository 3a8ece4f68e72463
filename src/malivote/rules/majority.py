"""Winner-takes-all district rules: Mali's two-round list vote and plurality.

Mali elects its 147 deputies by a two-round majority list vote ("scrutin de liste
majoritaire à deux tours"): in each district a list with an absolute majority of the
valid votes takes all the district's seats in round 1; otherwise the two leading lists
meet in a runoff and its winner takes all. This is the party block vote, or general
ticket, of the comparative literature (Reynolds, Reilly & Ellis, *Electoral System
Design: The New International IDEA Handbook*, 2005, pp. 44-46).

Both rules work on arrays shaped ``(..., C, K)``: any leading axes (simulated draws),
``C`` constituencies and ``K`` list slots. A slot with zero votes is an empty slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from malivote.rules._validation import (
    as_array,
    as_magnitude,
    as_rng,
    as_share,
    as_votes,
    below_share,
    check_flag,
    check_lists,
    exceeds_share,
    first_bad_index,
)
from malivote.rules._backend import backend
from malivote.rules._kernels import leading_lists, numba_votes
from malivote.rules.ties import check_ties, order_by_lot

__all__ = ["DistrictOutcome", "two_round", "open_runoff", "plurality"]


@dataclass(frozen=True, eq=False)
class DistrictOutcome:
    """Who won each constituency, in which round, and the seats per list slot.

    Attributes
    ----------
    winner : ndarray of int64, shape (..., C)
        The slot index of the list that won each constituency.
    round : ndarray of int8, shape (..., C)
        The round that decided each constituency: 1 or 2.
    finalists : ndarray of int64, shape (..., C, 2)
        For a runoff, the two finalists, the first-round leader first. For a
        constituency decided in round 1, ``[winner, -1]``.
    magnitude : ndarray of int64, shape (C,)
        The seats of each constituency.
    n_lists : int
        The number of list slots ``K``.
    qualified : ndarray of bool, shape (..., C, K), or None
        Under :func:`open_runoff`, the lists that went to round 2 where a runoff was
        held (all False where round 1 decided); None under the other rules.
    lots : ndarray of int64, shape (..., C), or None
        With ``count_lots=True``: how many ties each constituency broke by lot, one
        for who won round 1 or went to the runoff, one for who won the runoff. A lot
        that only orders two finalists tied for first place is not counted. None
        without ``count_lots``.
    """

    winner: np.ndarray
    round: np.ndarray
    finalists: np.ndarray
    magnitude: np.ndarray
    n_lists: int
    qualified: np.ndarray | None = None
    lots: np.ndarray | None = None

    @cached_property
    def seats(self) -> np.ndarray:
        """Seats per list slot, shape ``(..., C, K)``: the magnitude at the winner.

        Built on first access, so that a caller who needs only the winners does not
        pay for a full ``(..., C, K)`` array.
        """
        seats = np.zeros(self.winner.shape + (self.n_lists,), dtype=np.int64)
        np.put_along_axis(
            seats,
            self.winner[..., None],
            np.broadcast_to(self.magnitude, self.winner.shape)[..., None],
            axis=-1,
        )
        return seats

    @property
    def runoff(self) -> np.ndarray:
        """Boolean ``(..., C)``: True where a runoff decided the constituency."""
        return self.round == 2


def _check_constituencies(votes: np.ndarray, magnitude: np.ndarray, name: str) -> None:
    if votes.shape[-2] != magnitude.shape[0]:
        raise ValueError(
            f"{name}: expected shape (..., C, K) with C = {magnitude.shape[0]} "
            f"constituencies to match magnitude, found shape {votes.shape}"
        )


def _check_valid(valid: np.ndarray, name: str) -> None:
    if valid.size and not valid.all():
        index = first_bad_index(valid == 0)
        raise ValueError(
            f"{name}: constituency at index {index} has seats to give but every list "
            "has zero votes"
        )


def _leaders(votes: np.ndarray, depth: int, rng: np.random.Generator, name: str):
    """Valid votes and the first ``depth - 1`` lists of each row (R, K), ties by lot.

    Returns ``(valid, slots, leading)`` as :func:`leading_lists` does, with the
    slots of tied lists re-drawn uniformly at random: the rows with a tie that
    matters (for first place, or for second place when ``depth`` is 3) are ordered
    by lot. Votes equal by definition, so ``ties="votes"`` has nothing more to go by.
    """
    valid, slots, leading = leading_lists(votes, depth, name=name)
    # A tie among zero-vote slots never matters: such a slot cannot win or be a finalist.
    tied = (leading[1] > 0) & (leading[0] == leading[1])
    if depth == 3:
        tied |= (leading[1] > 0) & (leading[1] == leading[2])
    if tied.any():
        tied_rows = np.flatnonzero(tied)
        order = order_by_lot(votes[tied_rows], rng)
        slots[: depth - 1, tied_rows] = order[:, : depth - 1].T
    return valid, slots, leading


def _leader_lots(leading: np.ndarray, decided: np.ndarray) -> np.ndarray:
    """Rows whose lot in :func:`_leaders` chose a round-1 winner or a finalist.

    A tie for first place decided in round 1 (possible when ``majority < 0.5``), or a
    tie for second place where a runoff is held. Two lists tied for first place both
    go to the runoff; the lot only orders them, and is not counted.
    """
    first_tie = (leading[1] > 0) & (leading[0] == leading[1])
    second_tie = (leading[1] > 0) & (leading[1] == leading[2])
    return (decided & first_tie) | (~decided & second_tie)


def _raise_on_tie(stage_lots, shape) -> None:
    """Under ``ties="raise"``: refuse the first constituency with a lot, naming the stage."""
    drawn = np.zeros(stage_lots[0][1].shape, dtype=bool)
    for _, lot in stage_lots:
        drawn |= lot
    if drawn.any():
        row = int(np.argmax(drawn))
        stage = next(what for what, lot in stage_lots if lot[row])
        index = tuple(int(i) for i in np.unravel_index(row, shape))
        raise ValueError(
            f"ties: a tie {stage} in the constituency at index {index} needs a lot, "
            "and ties='raise' refuses to draw one"
        )


def _fused(votes: np.ndarray) -> bool:
    """Whether the numba kernel takes ``votes`` as they are.

    It flags negative counts itself (in its one pass over the votes), so integer votes
    skip the separate scan; the NumPy path then raises.
    """
    return backend() == "numba" and votes.dtype in (np.int32, np.int64) and votes.ndim >= 2 and votes.size > 0


def two_round(first, magnitude, second=None, *, majority=0.5, ties="lot", count_lots=False, rng=None) -> DistrictOutcome:
    """Mali's rule: a majority list takes all in round 1, else a two-list runoff.

    Parameters
    ----------
    first : array_like of int, shape (..., C, K)
        Valid first-round votes of ``K`` list slots in ``C`` constituencies. A 0 means
        no list in that slot. Leading axes are draws.
    magnitude : array_like of int, shape (C,)
        The seats of each constituency (at least 1).
    second : array_like of int, shape (..., C, K), optional
        Second-round votes; only the two finalists' entries are read. When omitted,
        the default transfer decides the runoff: finalists keep their votes and the
        eliminated lists' votes split between them in proportion to those votes. The
        finalists' shares are then unchanged, so the first-round leader wins, and two
        finalists tied in round 1 go to a lot.
    majority : float, default 0.5
        A list needs strictly more than ``majority`` of its constituency's valid votes
        to win in round 1. In [0, 1); read as the decimal written (0.5 is 1/2).
    ties : {"lot", "votes", "raise"}, default "lot"
        How ties are settled (for a finalist place, a runoff, or a round-1 win when
        ``majority < 0.5``): by lot, uniformly among the tied lists; ``"votes"``: a
        tied runoff goes to the finalist with more first-round votes (other ties are
        ties of votes, so they still go to a lot); ``"raise"``: refuse, naming the
        constituency.
    count_lots : bool, default False
        Fill ``outcome.lots`` with the number of ties each constituency broke by lot.
    rng : {None, int, numpy.random.Generator, ...}, optional
        Draws the lots. Passed to :func:`numpy.random.default_rng`.

    Returns
    -------
    DistrictOutcome
        ``winner``, ``round`` and ``finalists`` per constituency, and ``seats`` per
        list slot: the district's magnitude to the winner, 0 to the others.

    Raises
    ------
    ValueError
        On negative, fractional or NaN votes; no list slot; counts too large to rank
        in int64; shapes that do not match; a magnitude below 1 or above 1,000,000;
        ``majority`` outside [0, 1); a constituency whose lists all have zero votes;
        a runoff in which both finalists have zero second-round votes; or a tie
        under ``ties="raise"``.

    See Also
    --------
    plurality : one round, the leading list takes all.

    Notes
    -----
    The rule as Mali's sources describe it (``docs/data.md`` lists them): the list
    with the absolute majority of the "suffrages exprimés" (valid votes) wins in round
    1; otherwise the two lists that came first meet in round 2. On the party block
    vote see Reynolds, Reilly & Ellis, *Electoral System Design* (International IDEA,
    2005).

    Examples
    --------
    Two constituencies of 3 and 1 seats, three list slots:

    >>> import numpy as np
    >>> from malivote.rules import two_round
    >>> first = np.array([[600, 300, 100],    # a majority: decided in round 1
    ...                   [450, 350, 200]])   # no majority: slots 0 and 1 meet again
    >>> second = np.array([[0, 0, 0],
    ...                    [480, 520, 0]])
    >>> outcome = two_round(first, [3, 1], second)
    >>> outcome.winner, outcome.round
    (array([0, 1]), array([1, 2], dtype=int8))
    >>> outcome.seats
    array([[3, 0, 0],
           [0, 1, 0]])
    """
    first_array = as_array(first, "first")
    fused = _fused(first_array)
    first = first_array if fused else as_votes(first, "first", min_ndim=2)
    try:
        magnitude = as_magnitude(magnitude)
        share = as_share(majority, "majority")
        if second is not None:
            second = as_votes(second, "second", min_ndim=2)
            if second.shape != first.shape:
                raise ValueError(
                    f"second: expected the shape of first, {first.shape}, found {second.shape}"
                )
        _check_constituencies(first, magnitude, "first")
        ties = check_ties(ties)
        count_lots = check_flag(count_lots, "count_lots")
    except ValueError:
        if fused:
            as_votes(first, "first", min_ndim=2)  # the error the NumPy path reports first
        raise
    if fused and max(share.numerator, share.denominator) >= _KERNEL_SHARE_LIMIT:
        # The kernel multiplies in int64: a share like 1e-30 goes the exact NumPy way.
        fused = False
        first = as_votes(first, "first", min_ndim=2)
    check_lists(first, "first")
    rng = as_rng(rng)

    n_lists = first.shape[-1]
    shape = first.shape[:-1]
    flat_first = first.reshape(-1, n_lists)
    flat_second = None if second is None else second.reshape(-1, n_lists)
    decided_rows = None
    if fused:
        decided_rows = _two_round_fast(flat_first, flat_second, share, ties, rng, shape)
        if decided_rows is None:
            as_votes(first, "first", min_ndim=2)
    if decided_rows is None:
        winner, decided, leader, runner_up, leader_lot, runoff_lot = _two_round_rows(
            flat_first, flat_second, share, ties, rng, shape
        )
        rounds = np.where(decided, 1, 2).astype(np.int8)
        # Stacked on a leading axis (contiguous, cheap), shown as (..., C, 2) by a view.
        finalists = np.stack([np.where(decided, winner, leader), np.where(decided, -1, runner_up)])
    else:
        winner, rounds, finalists, leader_lot, runoff_lot = decided_rows
    return _decided_outcome(
        winner, rounds, finalists, leader_lot, runoff_lot, ties, count_lots, shape, magnitude, n_lists
    )


def _decided_outcome(winner, rounds, finalists, leader_lot, runoff_lot, ties, count_lots, shape, magnitude, n_lists,
                     qualified=None) -> DistrictOutcome:
    """The :class:`DistrictOutcome` of decided rows (``finalists`` stacked on a leading
    axis, ``qualified`` by row), once a lot under ``ties="raise"`` is refused."""
    if ties == "raise":
        _raise_on_tie([("for round 1 or a finalist place", leader_lot), ("in the runoff", runoff_lot)], shape)
    return DistrictOutcome(
        winner=winner.reshape(shape),
        round=rounds.reshape(shape),
        finalists=np.moveaxis(finalists, 0, -1).reshape(shape + (2,)),
        magnitude=magnitude,
        n_lists=n_lists,
        qualified=None if qualified is None else qualified.reshape(shape + (n_lists,)),
        lots=(leader_lot.astype(np.int64) + runoff_lot).reshape(shape) if count_lots else None,
    )


def _two_round_rows(flat_first, flat_second, share, ties, rng, shape):
    """:func:`two_round` on rows ``(R, K)``.

    Returns winner, decided, leader, runner-up, and where a lot chose a round-1
    winner or a finalist and where one decided the runoff. ``shape`` is the shape of
    the constituencies, ``(..., C)``, for error messages.
    """
    valid, (leader, runner_up, _), leading = _leaders(flat_first, 3, rng, "first")
    leader_votes, runner_up_votes = leading[0], leading[1]
    valid = valid.reshape(shape)
    _check_valid(valid, "first")
    decided = exceeds_share(leader_votes, valid.reshape(-1), share)
    leader_lot = _leader_lots(leading, decided)

    rows = np.arange(flat_first.shape[0])
    if flat_second is None:
        leader_runoff, runner_up_runoff = leader_votes, runner_up_votes
    else:
        safe_runner_up = np.maximum(runner_up, 0)
        leader_runoff = np.where(decided, 0, flat_second[rows, leader])
        runner_up_runoff = np.where(decided, 0, flat_second[rows, safe_runner_up])
        empty_runoff = ~decided & (leader_runoff == 0) & (runner_up_runoff == 0)
        if empty_runoff.any():
            index = np.unravel_index(int(np.argmax(empty_runoff)), valid.shape)
            raise ValueError(
                f"second: the runoff in constituency at index "
                f"{tuple(int(i) for i in index)} gives zero votes to both finalists "
                f"(slots {int(leader[np.argmax(empty_runoff)])} and "
                f"{int(runner_up[np.argmax(empty_runoff)])})"
            )
    leader_wins = leader_runoff > runner_up_runoff
    runoff_tie = ~decided & (leader_runoff == runner_up_runoff)
    if ties == "votes":
        # The finalist with more first-round votes wins a tied runoff.
        leader_wins |= runoff_tie & (leader_votes > runner_up_votes)
        runoff_tie &= leader_votes == runner_up_votes
    if runoff_tie.any():
        tie_rows = np.flatnonzero(runoff_tie)
        leader_wins[tie_rows] = rng.random(tie_rows.size) < 0.5

    winner = np.where(decided | leader_wins, leader, runner_up)
    return winner, decided, leader, runner_up, leader_lot, runoff_tie


#: The kernel multiplies counts by the majority share's numerator and denominator
#: in int64; shares written with more digits go the NumPy way, exact in any size.
_KERNEL_SHARE_LIMIT = 2**31


def _nonzero_bytes(status: np.ndarray) -> np.ndarray:
    """``np.flatnonzero`` of a uint8 array, eight entries at a time (rows flagged are few)."""
    whole = status.size - status.size % 8
    words = np.flatnonzero(status[:whole].view(np.uint64))
    candidates = (words[:, None] * 8 + np.arange(8)).ravel()
    tail = np.arange(whole, status.size)
    candidates = np.concatenate([candidates, tail])
    return candidates[status[candidates] != 0]


def _settle_flagged(status, decided, redo, rng):
    """A kernel's rows, with the rows it flagged redone by NumPy; None where NumPy must raise.

    ``decided`` is the kernel's ``(winner, rounds, finalists, *extra)``, ``extra``
    arrays by row. ``redo(rows)`` runs the NumPy rows function on the flagged rows and
    returns its ``(winner, decided, leader, runner_up, *extra, leader_lot, runoff_lot)``
    for them. The flagged rows are exactly those where the NumPy path draws lots, and
    they are redone in row order, so the same random numbers are drawn. On a flag for
    bad input, or an error in ``redo``, ``rng`` is left as it was and the result is
    None: the NumPy path then raises, naming the row.

    Returns ``(winner, rounds, finalists, *extra, leader_lot, runoff_lot)``.
    """
    from malivote.rules import _numba

    winner, rounds, finalists, *extra = decided
    flagged = _nonzero_bytes(status)
    leader_lot = np.zeros(status.shape, dtype=bool)
    runoff_lot = np.zeros(status.shape, dtype=bool)
    if flagged.size == 0:
        return (winner, rounds, finalists, *extra, leader_lot, runoff_lot)
    if (status[flagged] == _numba.ERROR).any():
        return None
    state = rng.bit_generator.state
    try:
        sub_winner, sub_decided, sub_leader, sub_runner_up, *sub_extra, sub_leader_lot, sub_runoff_lot = redo(flagged)
    except ValueError:
        # An empty runoff between finalists drawn by lot: let the NumPy path say where.
        rng.bit_generator.state = state
        return None
    winner[flagged] = sub_winner
    rounds[flagged] = np.where(sub_decided, 1, 2)
    finalists[0, flagged] = sub_leader
    finalists[1, flagged] = np.where(sub_decided, -1, sub_runner_up)
    for array, sub in zip(extra, sub_extra):
        array[flagged] = sub
    leader_lot[flagged] = sub_leader_lot
    runoff_lot[flagged] = sub_runoff_lot
    return (winner, rounds, finalists, *extra, leader_lot, runoff_lot)


def _two_round_fast(flat_first, flat_second, share, ties, rng, shape):
    """:func:`_two_round_rows` with the numba kernel; None where NumPy must raise.

    The kernel decides every row without a tie in one pass. The rows it flags (a tie
    for a finalist place or in the runoff, or counts too large for its integers) are
    redone by :func:`_two_round_rows` (:func:`_settle_flagged`).
    """
    from malivote.rules import _numba

    status, *decided = _numba.two_round_rows(
        numba_votes(flat_first), None if flat_second is None else numba_votes(flat_second),
        share.numerator, share.denominator,
    )
    return _settle_flagged(
        status, decided,
        lambda rows: _two_round_rows(
            flat_first[rows], None if flat_second is None else flat_second[rows], share, ties, rng, (rows.size,)
        ),
        rng,
    )


def open_runoff(
    first, magnitude, registered, second=None, *, majority=0.5, qualify=0.125, ties="lot", count_lots=False, rng=None
) -> DistrictOutcome:
    """Two rounds, where every list with enough registered voters' votes goes to round 2.

    The French legislative rule: a list with more than ``majority`` of the valid votes
    wins in round 1; otherwise every list whose votes reach ``qualify`` times the
    constituency's registered voters goes to round 2 (at least the two leading lists),
    and the list with the most round-2 votes wins all the seats.

    Parameters
    ----------
    first : array_like of int, shape (..., C, K)
        Valid first-round votes.
    magnitude : array_like of int, shape (C,)
    registered : array_like of int, shape (..., C)
        Registered voters per constituency (broadcasts against ``first[..., 0]``); at
        least the valid votes.
    second : array_like of int, shape (..., C, K), optional
        Round-2 votes; the entries of every qualified list are read. When omitted, the
        default transfer decides: finalists keep their shares, so the first-round
        leader wins (a tie by lot).
    majority : float, default 0.5
        In [0, 1).
    qualify : float, default 0.125
        Share of the registered voters a list needs for round 2, in [0, 1).
    ties : {"lot", "votes", "raise"}, default "lot"
        As :func:`two_round`: ``"votes"`` gives a tied runoff to the tied list with
        more first-round votes.
    count_lots : bool, default False
        Fill ``outcome.lots``; a lot for the two leading places counts only where
        the tied lists fall short of ``qualify`` on their own.
    rng : {None, int, numpy.random.Generator, ...}, optional
        Draws the lots.

    Returns
    -------
    DistrictOutcome
        With ``qualified`` marking the lists in each runoff; ``finalists`` holds the
        two leading lists.

    Raises
    ------
    ValueError
        As :func:`two_round`, and for registered voters that do not broadcast or are
        fewer than the valid votes.

    Notes
    -----
    Code électoral (France), art. L162: 12.5% of the registered voters since 1976.
    On two-round systems see Reynolds, Reilly & Ellis, *Electoral System Design*
    (International IDEA, 2005).

    Examples
    --------
    A high-turnout constituency where three lists pass 12.5% of the registered voters:

    >>> from malivote.rules import open_runoff
    >>> first = [[450, 350, 300, 50]]            # 1,150 valid votes
    >>> outcome = open_runoff(first, [2], [2000], second=[[500, 520, 330, 0]])
    >>> outcome.qualified
    array([[ True,  True,  True, False]])
    >>> outcome.winner, outcome.round
    (array([1]), array([2], dtype=int8))
    """
    first_array = as_array(first, "first")
    fused = _fused(first_array)
    first = first_array if fused else as_votes(first, "first", min_ndim=2)
    try:
        check_lists(first, "first")
        magnitude = as_magnitude(magnitude)
        share = as_share(majority, "majority")
        qualify_share = as_share(qualify, "qualify")
        ties = check_ties(ties)
        count_lots = check_flag(count_lots, "count_lots")
        _check_constituencies(first, magnitude, "first")
        registered = as_votes(registered, "registered", min_ndim=0)
        try:
            registered = np.broadcast_to(registered, first.shape[:-1])
        except ValueError:
            raise ValueError(
                f"registered: shape {registered.shape} does not broadcast against the "
                f"constituencies of first, {first.shape[:-1]}"
            ) from None
        if second is not None:
            second = as_votes(second, "second", min_ndim=2)
            if second.shape != first.shape:
                raise ValueError(f"second: expected the shape of first, {first.shape}, found {second.shape}")
        rng = as_rng(rng)
    except ValueError:
        if fused:
            as_votes(first, "first", min_ndim=2)  # the error the NumPy path reports first
        raise
    shares = (share.numerator, share.denominator, qualify_share.numerator, qualify_share.denominator)
    if fused and max(shares) >= _KERNEL_SHARE_LIMIT:
        # The kernel multiplies in int64: a share like 1e-30 goes the exact NumPy way.
        fused = False
        first = as_votes(first, "first", min_ndim=2)

    n_lists = first.shape[-1]
    shape = first.shape[:-1]
    flat_first = first.reshape(-1, n_lists)
    flat_registered = registered.reshape(-1)
    flat_second = None if second is None else second.reshape(-1, n_lists)
    decided_rows = None
    if fused:
        decided_rows = _open_runoff_fast(flat_first, flat_registered, flat_second, share, qualify_share, ties, rng)
        if decided_rows is None:
            as_votes(first, "first", min_ndim=2)
    if decided_rows is None:
        winner, decided, leader, runner_up, qualified, leader_lot, runoff_lot = _open_runoff_rows(
            flat_first, flat_registered, flat_second, share, qualify_share, ties, rng, shape
        )
        rounds = np.where(decided, 1, 2).astype(np.int8)
        finalists = np.stack([leader, np.where(decided, -1, runner_up)])
    else:
        winner, rounds, finalists, qualified, leader_lot, runoff_lot = decided_rows
    return _decided_outcome(
        winner, rounds, finalists, leader_lot, runoff_lot, ties, count_lots, shape, magnitude, n_lists, qualified
    )


def _open_runoff_rows(flat_first, flat_registered, flat_second, share, qualify_share, ties, rng, shape):
    """:func:`open_runoff` on rows ``(R, K)``, lots drawn even under ``ties="raise"``.

    Returns winner, decided, leader, runner-up, the qualified lists, and where a lot
    chose a round-1 winner or a finalist and where one decided the runoff, for the
    caller to refuse. ``shape`` is the shape of the constituencies, ``(..., C)``, for
    error messages.
    """
    n_lists = flat_first.shape[-1]
    valid, (leader, runner_up, _), leading = _leaders(flat_first, 3, rng, "first")
    leader_votes = leading[0]
    _check_valid(valid.reshape(shape), "first")
    if (flat_registered < valid).any():
        row = int(np.argmax(flat_registered < valid))
        raise ValueError(
            f"registered: {int(flat_registered[row])} registered voters is fewer than the "
            f"{int(valid[row])} valid votes of constituency at index "
            f"{first_bad_index((flat_registered < valid).reshape(shape))}"
        )
    decided = exceeds_share(leader_votes, valid, share)
    rows = np.arange(flat_first.shape[0])
    slots = np.arange(n_lists)
    qualified = ~below_share(flat_first, flat_registered[:, None], qualify_share) & (flat_first > 0)
    qualified |= (slots == leader[:, None]) | ((slots == runner_up[:, None]) & (flat_first[rows, runner_up] > 0)[:, None])
    qualified &= ~decided[:, None]
    # A lot for second place matters only if the tied lists do not qualify anyway.
    leader_lot = _leader_lots(leading, decided) & (
        decided | below_share(leading[1], flat_registered, qualify_share)
    )

    runoff_votes = flat_first if flat_second is None else flat_second
    contest = np.where(qualified, runoff_votes, -1)
    winner = contest.argmax(axis=-1)
    best = contest[rows, winner]
    tied = ~decided & ((contest == best[:, None]).sum(axis=-1) > 1)
    if flat_second is not None and (~decided & (best == 0)).any():
        row = int(np.argmax(~decided & (best == 0)))
        raise ValueError(
            f"second: the runoff in constituency at index "
            f"{first_bad_index((~decided & (best == 0)).reshape(shape))} gives zero votes "
            f"to every qualified list (row {row})"
        )
    if ties == "votes" and tied.any():
        # Among the lists tied in round 2, more first-round votes wins.
        level = np.where(contest == best[:, None], flat_first, -1)
        winner = np.where(tied, level.argmax(axis=-1), winner)
        tied &= (level == level.max(axis=-1, keepdims=True)).sum(axis=-1) > 1
        contest = np.where(level == level.max(axis=-1, keepdims=True), contest, -1)
    if tied.any():
        tied_rows = np.flatnonzero(tied)
        winner[tied_rows] = order_by_lot(contest[tied_rows], rng)[:, 0]
    winner = np.where(decided, leader, winner)
    return winner, decided, leader, runner_up, qualified, leader_lot, tied


def _open_runoff_fast(flat_first, flat_registered, flat_second, share, qualify_share, ties, rng):
    """:func:`_open_runoff_rows` with the numba kernel; None where NumPy must raise.

    As :func:`_two_round_fast`: the rows the kernel flags (a tie for one of the two
    leading places or in the runoff, or counts too large for its integers) are
    redone by :func:`_open_runoff_rows` (:func:`_settle_flagged`).
    """
    from malivote.rules import _numba

    status, *decided = _numba.open_runoff_rows(
        numba_votes(flat_first),
        None if flat_second is None else numba_votes(flat_second),
        np.ascontiguousarray(flat_registered, dtype=np.int64),
        share,
        qualify_share,
    )
    return _settle_flagged(
        status, decided,
        lambda rows: _open_runoff_rows(
            flat_first[rows], flat_registered[rows], None if flat_second is None else flat_second[rows],
            share, qualify_share, ties, rng, (rows.size,),
        ),
        rng,
    )


def plurality(votes, magnitude, *, ties="lot", count_lots=False, rng=None) -> DistrictOutcome:
    """One round: in each constituency the list with the most votes takes every seat.

    With single-member constituencies this is first-past-the-post; with larger ones it
    is the party block vote in a single round.

    Parameters
    ----------
    votes : array_like of int, shape (..., C, K)
        Valid votes of ``K`` list slots in ``C`` constituencies; leading axes are draws.
    magnitude : array_like of int, shape (C,)
        The seats of each constituency (at least 1).
    ties : {"lot", "votes", "raise"}, default "lot"
        A tie for first place is a tie of votes, so ``"votes"`` draws lots as
        ``"lot"`` does; ``"raise"`` refuses, naming the constituency.
    count_lots : bool, default False
        Fill ``outcome.lots`` with the number of ties each constituency broke by lot.
    rng : {None, int, numpy.random.Generator, ...}, optional
        Breaks a tie for first place by lot, uniformly among the tied lists.

    Returns
    -------
    DistrictOutcome
        ``round`` is 1 everywhere and ``finalists`` is ``[winner, -1]``.

    Raises
    ------
    ValueError
        On bad votes or magnitudes, mismatched shapes, a constituency whose lists
        all have zero votes, or a tie under ``ties="raise"``.

    Notes
    -----
    Reynolds, Reilly & Ellis, *Electoral System Design* (International IDEA, 2005),
    on first-past-the-post and the party block vote.

    Examples
    --------
    >>> import numpy as np
    >>> from malivote.rules import plurality
    >>> outcome = plurality(np.array([[400, 350, 250], [10, 80, 5]]), [2, 1])
    >>> outcome.winner
    array([0, 1])
    >>> outcome.seats
    array([[2, 0, 0],
           [0, 1, 0]])
    """
    votes_array = as_array(votes, "votes")
    fused = _fused(votes_array)
    votes = votes_array if fused else as_votes(votes, "votes", min_ndim=2)
    try:
        magnitude = as_magnitude(magnitude)
        _check_constituencies(votes, magnitude, "votes")
        ties = check_ties(ties)
        count_lots = check_flag(count_lots, "count_lots")
    except ValueError:
        if fused:
            as_votes(votes, "votes", min_ndim=2)  # the error the NumPy path reports first
        raise
    check_lists(votes, "votes")
    rng = as_rng(rng)

    n_lists = votes.shape[-1]
    shape = votes.shape[:-1]
    flat = votes.reshape(-1, n_lists)
    decided_rows = _plurality_fast(flat, rng) if fused else None
    if decided_rows is None:
        if fused:
            as_votes(votes, "votes", min_ndim=2)
        winner, lot = _plurality_rows(flat, rng, shape)
        finalists = np.stack([winner, np.full_like(winner, -1)])
    else:
        winner, finalists, lot = decided_rows
    if ties == "raise":
        _raise_on_tie([("for first place", lot)], shape)
    return DistrictOutcome(
        winner=winner.reshape(shape),
        round=np.ones(shape, dtype=np.int8),
        finalists=np.moveaxis(finalists, 0, -1).reshape(shape + (2,)),
        magnitude=magnitude,
        n_lists=n_lists,
        lots=lot.astype(np.int64).reshape(shape) if count_lots else None,
    )


def _plurality_rows(flat, rng, shape):
    """The winners of :func:`plurality` on rows ``(R, K)``, ties by lot, and where a
    lot was drawn."""
    valid, slots, leading = _leaders(flat, 2, rng, "votes")
    _check_valid(valid.reshape(shape), "votes")
    return slots[0], (leading[1] > 0) & (leading[0] == leading[1])


def _plurality_fast(flat, rng):
    """:func:`_plurality_rows` with the numba kernel; None where NumPy must raise.

    As :func:`_two_round_fast`: the kernel flags the rows with a tie for first place,
    which the NumPy path redoes in row order with the same lots.
    """
    from malivote.rules import _numba

    status, winner, _, finalists = _numba.two_round_rows(numba_votes(flat), None, 0, 1, second_place=False)
    flagged = _nonzero_bytes(status)
    lot = np.zeros(status.shape, dtype=bool)
    if flagged.size == 0:
        return winner, finalists, lot
    if (status[flagged] == _numba.ERROR).any():
        return None
    winner[flagged], lot[flagged] = _plurality_rows(flat[flagged], rng, (flagged.size,))
    finalists[0, flagged] = winner[flagged]
    return winner, finalists, lot
