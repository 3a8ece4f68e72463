"""Elections as arrays: the lists, their rosters and their votes, for many draws.

An :class:`Ensemble` holds ``D`` plausible elections (draws) on one layout of ``C``
constituencies, with up to ``K`` list slots per constituency and rosters of up to
``M`` candidates (``M`` = the largest magnitude):

- ``first`` and ``second``: ``(D, C, K)`` valid votes in rounds 1 and 2 (0 = no list,
  and round-2 votes are 0 outside the two finalists of a runoff);
- ``members``: ``(D, C, K)`` bit masks of the parties on each list (bit ``p`` for
  party ``parties[p]``), so joint lists that differ from district to district cost one
  integer each;
- ``roster_party`` and ``roster_female``: ``(D, C, K, M)`` the party (index into
  ``parties``, -1 past the list's end) and sex of each roster position, in order;
- ``turnout``: ``(D, C, 2, 4)`` registered voters, votes cast, blank/invalid and
  valid votes per constituency and round (all 0 for a round not held there).

Seats won by a list go to the candidates at the top of its roster, all of them under
Mali's rule; :func:`credit_seats` turns list seats into party seats and women elected
with one gather and one count, never a loop over draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from malivote.layouts import Layout
from malivote.rules._validation import first_bad_index

__all__ = ["Ensemble", "credit_seats", "credit_elected", "list_labels", "TURNOUT_FIELDS"]

TURNOUT_FIELDS = ("registered", "votes_cast", "invalid", "valid")


@dataclass(frozen=True, eq=False)
class Ensemble:
    """Draws of one election: lists, rosters and votes as arrays.

    Attributes
    ----------
    layout : Layout
        The constituencies and their magnitudes.
    parties : tuple of str
        Party ids; index ``p`` is bit ``p`` of ``members`` and the value ``p`` in
        ``roster_party``.
    first, second : ndarray of int64, shape (D, C, K)
        Valid votes per list slot in rounds 1 and 2.
    members : ndarray of int64, shape (D, C, K)
        Bit mask of each list's parties (0 for an empty slot).
    roster_party : ndarray of int16, shape (D, C, K, M)
        Party index of each roster position; -1 past the end of the roster.
    roster_female : ndarray of bool, shape (D, C, K, M)
        True where the candidate is a woman.
    turnout : ndarray of int64, shape (D, C, 2, 4)
        ``registered, votes_cast, invalid, valid`` per constituency and round.
    year : int or None
        The election replayed, if any.
    notes : tuple of str
        What the ensemble could not honour (for example provisional hints that the
        final totals rule out), for the user to read.
    """

    layout: Layout
    parties: tuple[str, ...]
    first: np.ndarray
    second: np.ndarray
    members: np.ndarray
    roster_party: np.ndarray
    roster_female: np.ndarray
    turnout: np.ndarray
    year: int | None = None
    notes: tuple[str, ...] = field(default=())
    #: The run's index of this ensemble's first draw, for messages that name a draw.
    first_draw: int = 0

    def __post_init__(self):
        draws, constituencies, slots = self.first.shape
        if constituencies != self.layout.n_constituencies:
            raise ValueError(
                f"first: expected {self.layout.n_constituencies} constituencies for "
                f"layout {self.layout.name!r}, found {constituencies}"
            )
        for name in ("second", "members"):
            if getattr(self, name).shape != self.first.shape:
                raise ValueError(
                    f"{name}: expected shape {self.first.shape}, "
                    f"found {getattr(self, name).shape}"
                )
        for name in ("roster_party", "roster_female"):
            if getattr(self, name).shape[:3] != self.first.shape:
                raise ValueError(
                    f"{name}: expected shape {self.first.shape} + (M,), "
                    f"found {getattr(self, name).shape}"
                )
        if self.turnout.shape != (draws, constituencies, 2, 4):
            raise ValueError(
                f"turnout: expected shape {(draws, constituencies, 2, 4)}, "
                f"found {self.turnout.shape}"
            )
        if len(self.parties) > 63:
            raise ValueError(f"parties: at most 63 parties fit a bit mask, found {len(self.parties)}")

    @property
    def n_draws(self) -> int:
        return self.first.shape[0]

    @property
    def magnitude(self) -> np.ndarray:
        return self.layout.magnitude

    def take(self, draws: slice) -> "Ensemble":
        """The ensemble restricted to a slice of its draws."""
        pick = (lambda a: a[draws])
        start = draws.indices(self.n_draws)[0]
        return self.replace(
            first=pick(self.first),
            second=pick(self.second),
            members=pick(self.members),
            roster_party=pick(self.roster_party),
            roster_female=pick(self.roster_female),
            turnout=pick(self.turnout),
            first_draw=self.first_draw + start,
        )

    def replace(self, **changes) -> "Ensemble":
        """A copy with some fields changed (checked like a new ensemble)."""
        return replace(self, **changes)

    def labels(self, members: np.ndarray | None = None) -> np.ndarray:
        """The ``+``-joined party names of each list (of ``members``, by default the
        ensemble's own), as an object array (:func:`list_labels`)."""
        return list_labels(self.members if members is None else members, self.parties)


def credit_seats(seats: np.ndarray, roster_party: np.ndarray, roster_female: np.ndarray, n_parties: int):
    """Party seats and women elected from seats per list.

    The first ``seats[d, c, k]`` candidates of each roster are elected.

    Parameters
    ----------
    seats : ndarray of int, shape (D, C, K)
    roster_party : ndarray of int, shape (D, C, K, M)
        -1 past a roster's end.
    roster_female : ndarray of bool, shape (D, C, K, M)
    n_parties : int

    Returns
    -------
    party_seats : ndarray of int64, shape (D, n_parties)
    women : ndarray of int64, shape (D,)

    Raises
    ------
    ValueError
        If a list wins more seats than it has candidates.

    Examples
    --------
    >>> import numpy as np
    >>> seats = np.array([[[2, 0], [0, 1]]])                 # 1 draw, 2 districts
    >>> roster = np.array([[[[0, 1], [2, 2]], [[1, -1], [2, -1]]]])
    >>> female = np.array([[[[True, False], [False, False]], [[False, False], [True, False]]]])
    >>> party_seats, women = credit_seats(seats, roster, female, 3)
    >>> party_seats, women
    (array([[1, 1, 1]]), array([2]))
    """
    seats = np.asarray(seats)
    roster_party = np.asarray(roster_party)
    roster_female = np.asarray(roster_female)
    if seats.ndim == 0 or roster_party.shape[:-1] != seats.shape or roster_female.shape != roster_party.shape:
        return _credit_seats_dense(seats, roster_party, roster_female, n_parties)  # (it checks the seats)
    _check_seat_counts(seats, roster_party, n_parties)
    if seats.ndim == 3 and seats.dtype == np.int64:
        counted = _credit_compiled("credit_rows", seats, roster_party, roster_female, n_parties)
        if counted is not None:
            return counted
    # Only the lists that won seats: a few per constituency, not every roster position.
    where = np.nonzero(seats > 0)
    won = seats[where]
    elected = np.arange(roster_party.shape[-1]) < won[:, None]
    parties = roster_party[where]
    past_end = elected & (parties < 0)
    if past_end.any():
        row, position = np.argwhere(past_end)[0]
        index = tuple(int(axis[row]) for axis in where) + (int(position),)
        raise ValueError(
            f"seats: the list in slot {index[:3]} wins more seats than it has candidates"
        )
    return _count_elected(
        np.broadcast_to(where[0][:, None], elected.shape)[elected], parties[elected],
        roster_female[where][elected], seats.shape[0], n_parties,
    )


def _check_seat_counts(seats: np.ndarray, roster_party: np.ndarray, n_parties) -> None:
    """Raise :class:`ValueError` on seats that no roster can fill, or a bad ``n_parties``.

    A negative count elected no one, and a count past the rosters' length elected
    only the candidates there were: seats went missing from the parties' totals.
    """
    if isinstance(n_parties, bool) or not isinstance(n_parties, (int, np.integer)) or n_parties < 0:
        raise ValueError(f"n_parties: expected a non-negative integer, found {n_parties!r}")
    if seats.dtype.kind not in "iu":
        raise ValueError(f"seats: expected integer seat counts, found dtype {seats.dtype}")
    if not seats.size:
        return
    if seats.min() < 0:
        index = first_bad_index(seats < 0)
        raise ValueError(f"seats: expected non-negative seat counts, found {seats[index]} at index {index}")
    positions = roster_party.shape[-1] if roster_party.ndim else 0
    if seats.max() > positions:
        index = first_bad_index(seats > positions)
        raise ValueError(
            f"seats: the list at index {index} wins {seats[index]} seats but rosters hold {positions} candidates"
        )


def _check_parties(party: np.ndarray, n_parties: int) -> None:
    """Raise unless every elected candidate's party is below ``n_parties``: a larger one
    fell in the spare bin of the count (dropped) or in the next draw's bins."""
    if party.size and party.max() >= n_parties:
        raise ValueError(
            f"roster_party: an elected candidate's party {int(party.max())} is not below n_parties = {n_parties}"
        )


def _count_elected(draw, party, female, draws: int, n_parties: int):
    """Party seats and women per draw from the elected candidates' draw, party and sex.

    One bincount over (draw, party) pairs, ``n_parties + 1`` bins per draw as in
    :func:`_credit_elected_dense` (its spare bin would hold the candidates not elected).
    """
    _check_parties(party, n_parties)
    codes = party.astype(np.int64) + (n_parties + 1) * draw.astype(np.int64)
    counts = np.bincount(codes, minlength=draws * (n_parties + 1))
    party_seats = counts.reshape(draws, n_parties + 1)[:, :n_parties]
    women = np.bincount(draw[female.astype(bool)], minlength=draws).astype(np.int64)
    return party_seats, women


def _credit_seats_dense(seats, roster_party, roster_female, n_parties: int):
    """:func:`credit_seats` over every roster position (any broadcastable shapes): the
    reference the faster counts are tested against, so it refuses the same seats."""
    _check_seat_counts(np.asarray(seats), np.asarray(roster_party), n_parties)
    positions = np.arange(roster_party.shape[-1])
    elected = positions < seats[..., None]
    if (elected & (roster_party < 0)).any():
        where = np.argwhere(elected & (roster_party < 0))[0]
        raise ValueError(
            f"seats: the list in slot {tuple(int(i) for i in where[:3])} wins more seats "
            "than it has candidates"
        )
    return _credit_elected_dense(elected, roster_party, roster_female, n_parties)


def _credit_compiled(kernel: str, chosen, roster_party, roster_female, n_parties, *extra):
    """``(party_seats, women)`` from the compiled kernel ``kernel`` of
    :mod:`malivote._tally_numba` (given ``extra`` arguments last) on the numba backend,
    or None: on the NumPy backend, for inputs the kernel does not take, or where it
    reports bad input (the NumPy count then raises, or counts, as it always has)."""
    if not (roster_party.dtype in (np.int16, np.int64) and roster_female.dtype == bool
            and isinstance(n_parties, (int, np.integer)) and n_parties >= 0):
        return None
    from malivote.rules._backend import backend

    if backend() != "numba":
        return None
    from malivote import _tally_numba

    party_seats, women, status = getattr(_tally_numba, kernel)(
        np.ascontiguousarray(chosen), np.ascontiguousarray(roster_party),
        np.ascontiguousarray(roster_female), int(n_parties), *(np.ascontiguousarray(a) for a in extra),
    )
    return (party_seats, women) if status == 0 else None


def credit_elected(elected: np.ndarray, roster_party: np.ndarray, roster_female: np.ndarray, n_parties: int):
    """Party seats and women elected from a mask of elected roster positions.

    Parameters
    ----------
    elected : ndarray of bool, shape (D, C, K, M)
    roster_party : ndarray of int, shape (D, C, K, M)
    roster_female : ndarray of bool, shape (D, C, K, M)
    n_parties : int

    Returns
    -------
    party_seats : ndarray of int64, shape (D, n_parties)
    women : ndarray of int64, shape (D,)
    """
    return credit_elected_lists(elected, None, roster_party, roster_female, n_parties)


def credit_elected_lists(elected, seats, roster_party, roster_female, n_parties: int):
    """:func:`credit_elected`, given ``seats`` ``(D, C, K)``, the positions elected per
    list (``elected.sum(-1)``) as the rule that elected them counted them, or None.

    With them the compiled count skips the lists that won nothing without reading
    their rosters. They are trusted, not checked (that would read every position):
    only a rule's own count belongs here.
    """
    elected = np.asarray(elected)
    roster_party = np.asarray(roster_party)
    roster_female = np.asarray(roster_female)
    if elected.ndim == 0 or elected.dtype != bool or not (elected.shape == roster_party.shape == roster_female.shape):
        return _credit_elected_dense(elected, roster_party, roster_female, n_parties)
    if elected.ndim == 4:
        if seats is not None and np.shape(seats) != elected.shape[:-1]:
            raise ValueError(f"seats: expected shape {elected.shape[:-1]}, found {np.shape(seats)}")
        counted = _credit_compiled(
            "credit_elected_rows", elected, roster_party, roster_female, n_parties,
            np.zeros(0, np.int64) if seats is None else np.asarray(seats, dtype=np.int64),
        )
        if counted is not None:
            return counted
    where = np.nonzero(elected)
    parties = roster_party[where]
    if (parties < 0).any():
        raise ValueError("elected: a position past the end of its roster is marked elected")
    return _count_elected(where[0], parties, roster_female[where], elected.shape[0], n_parties)


def _credit_elected_dense(elected, roster_party, roster_female, n_parties: int):
    """:func:`credit_elected` over every roster position (any broadcastable shapes)."""
    if (elected & (roster_party < 0)).any():
        raise ValueError("elected: a position past the end of its roster is marked elected")
    _check_parties(np.where(elected, roster_party, -1), n_parties)
    draws = elected.shape[0]
    flat_party = np.where(elected, roster_party, n_parties).reshape(draws, -1).astype(np.int64)
    # One bincount over (draw, party) pairs; the spare index n_parties collects the
    # candidates who were not elected.
    codes = flat_party + (n_parties + 1) * np.arange(draws)[:, None]
    counts = np.bincount(codes.ravel(), minlength=draws * (n_parties + 1))
    party_seats = counts.reshape(draws, n_parties + 1)[:, :n_parties]
    women = (elected & roster_female).reshape(draws, -1).sum(axis=-1)
    return party_seats, women


def list_labels(members: np.ndarray, parties) -> np.ndarray:
    """The ``+``-joined party ids of each list bit mask, as an object array.

    Examples
    --------
    >>> import numpy as np
    >>> list_labels(np.array([0b101, 0b010, 0]), ("RPM", "URD", "ADEMA"))
    array(['RPM+ADEMA', 'URD', ''], dtype=object)
    """
    members = np.asarray(members)
    unique, inverse = np.unique(members, return_inverse=True)
    names = np.array(
        ["+".join(p for bit, p in enumerate(parties) if int(mask) >> bit & 1) for mask in unique],
        dtype=object,
    )
    return names[inverse].reshape(members.shape)
