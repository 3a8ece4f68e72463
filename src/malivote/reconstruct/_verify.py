"""Check an ensemble against the facts of its year: a list of violations (empty = all hold)."""

from __future__ import annotations

import numpy as np

from malivote.election import Ensemble, credit_seats
from malivote.reconstruct._facts import gather_facts
from malivote.rules import two_round

__all__ = ["verify"]


def _pct_ok(votes, total, pct):
    """``round(100 * votes / total, 2) == pct`` in exact integer arithmetic (half-up)."""
    P = int(round(pct * 100))
    return 2 * np.abs(10000 * votes - P * total) <= total


def verify(ens: Ensemble, *, result: str = "final") -> list[str]:
    """Every fact of ``ens.year`` that some draw of ``ens`` violates.

    The seats come from running :func:`malivote.rules.two_round` on the votes, never
    from the reconstruction's own bookkeeping.

    Parameters
    ----------
    ens : Ensemble
        A replay (``ens.year`` set).
    result : {"final", "provisional"}
        The result set the replay was built for.

    Returns
    -------
    list of str
        One message per violated fact, naming the first draw that breaks it.

    Examples
    --------
    >>> from malivote.reconstruct import reconstruct
    >>> verify(reconstruct(2007, draws=2))
    []
    """
    f = gather_facts(ens.year, ens.layout, result)
    out: list[str] = []

    def fail(what, bad):
        bad = np.asarray(bad)
        if bad.any():
            d = int(np.argwhere(bad)[0][0]) if bad.ndim else 0
            out.append(f"{what} (draw {d})")

    first, second, T = ens.first, ens.second, ens.turnout
    D, C, K = first.shape
    m = ens.magnitude
    M = ens.roster_party.shape[-1]
    live = first > 0
    n_lists = live.sum(-1)
    oc = two_round(first, m, second, rng=0)
    r1 = oc.round == 1
    seats, women = credit_seats(oc.seats, ens.roster_party, ens.roster_female, len(ens.parties))
    seats1, _ = credit_seats(oc.seats * r1[..., None], ens.roster_party, ens.roster_female, len(ens.parties))
    if tuple(ens.parties) != f.parties:
        out.append(f"parties: expected {f.parties}, found {ens.parties}")
        return out
    fail("party seat totals below the official ones", (seats < f.total_lo).any(1))
    fail("party seat totals above the official ones", (seats > f.total_hi).any(1))
    if f.round1 is not None:
        fail("round-1 party seats differ from the official ones", (seats1 != f.round1).any(1))
    fail(f"round-1 seats != {f.r1_seats}", (r1 * m).sum(1) != f.r1_seats)
    if f.r1_districts is not None:
        fail(f"round-1 districts != {f.r1_districts}", r1.sum(1) != f.r1_districts)
    if f.women_elected is not None:
        fail(f"women elected != {f.women_elected}", women != f.women_elected)

    # rosters and lists
    pos = np.arange(M)
    filled = ens.roster_party >= 0
    fail("a list's roster length differs from its constituency's magnitude",
         (live[..., None] & (filled != (pos < m[:, None])[None, :, None, :])).any((1, 2, 3)))
    fail("an empty slot has a roster or members", (~live[..., None] & filled).any((1, 2, 3)) | (~live & (ens.members != 0)).any((1, 2)))
    bits = np.int64(1) << np.where(filled, ens.roster_party, 0).astype(np.int64)
    roster_mask = np.bitwise_or.reduce(np.where(filled, bits, 0), axis=-1)
    fail("a list's members differ from its roster's parties", (roster_mask != ens.members).any((1, 2)))
    fail("a woman past the end of a roster", (ens.roster_female & ~filled).any((1, 2, 3)))
    if f.gender_law:
        w = ens.roster_female.sum(-1)
        mm = m[None, :, None]
        bad = live & (mm >= 3) & ((10 * w > 7 * mm) | (10 * (mm - w) > 7 * mm))
        fail("a list of 3+ candidates has more than 70% of one sex", bad.any((1, 2)))
    if f.candidates is not None:
        fail(f"round-1 candidates != {f.candidates}", (n_lists * m).sum(1) != f.candidates)
    if f.women_candidates is not None:
        fail(f"women candidates != {f.women_candidates}", ens.roster_female.sum((1, 2, 3)) != f.women_candidates)
    if f.lists is not None:
        fail(f"round-1 lists != {f.lists}", n_lists.sum(1) != f.lists)

    # rounds and votes
    rows = np.arange(D)[:, None]
    cc = np.arange(C)[None, :]
    srt = -np.sort(-first, axis=-1)
    runoff = ~r1
    fail("a runoff with a tie for second place in round 1", (runoff & (srt[..., 1] == srt[..., 2])).any(1))
    a, b = oc.finalists[..., 0], oc.finalists[..., 1]
    sa = second[rows, cc, a]
    sb = second[rows, cc, np.maximum(b, 0)]
    fail("a runoff tie", (runoff & (sa == sb)).any(1))
    others = second.copy()
    others[rows, cc, a] = 0
    others[rows, cc, np.maximum(b, 0)] = np.where(runoff, 0, others[rows, cc, np.maximum(b, 0)])
    fail("round-2 votes for a list that is not a finalist", (others != 0).any((1, 2)))
    fail("valid votes != votes cast - invalid", (T[..., 3] != T[..., 1] - T[..., 2]).any((1, 2)))
    fail("round-1 valid votes != the lists' votes", (T[..., 0, 3] != first.sum(-1)).any(1))
    fail("round-2 valid votes != the finalists' votes", (T[..., 1, 3] != second.sum(-1)).any(1))
    fail("round-2 figures where no runoff was held", (r1[..., None] & (T[..., 1, :] != 0)).any((1, 2)))
    fail("registered voters differ between the rounds", (runoff & (T[..., 1, 0] != T[..., 0, 0])).any(1))
    fail("more ballots than registered voters", (T[..., :, 1] > T[..., :, 0]).any((1, 2)))
    fail("negative figures", (T < 0).any((1, 2, 3)) | (first < 0).any((1, 2)) | (second < 0).any((1, 2)))
    for rd, nat in ((1, f.national[0]), (2, f.national[1])):
        for j, key in enumerate(("registered", "votes_cast", "invalid", "valid")):
            if nat[key] is not None:
                fail(f"round-{rd} national {key} != {nat[key]}", T[..., rd - 1, j].sum(1) != nat[key])
        if nat["votes_cast"] is None and nat["turnout_pct"] is not None:
            fail(f"round-{rd} turnout is not {nat['turnout_pct']}%",
                 ~_pct_ok(T[..., rd - 1, 1].sum(1), T[..., rd - 1, 0].sum(1), nat["turnout_pct"]))
    for d, v in f.registered_known.items():
        parts = np.flatnonzero(ens.layout.district == d)
        fail(f"registered voters of district {d} != {v}", T[:, parts, 0, 0].sum(1) != v)

    # known district results
    win = np.take_along_axis(ens.members, oc.winner[..., None], -1)[..., 0]
    win_roster = np.take_along_axis(ens.roster_party, oc.winner[..., None, None], 2)[:, :, 0, :]
    for row in f.rows:
        if not row.hard:
            continue  # a provisional result is weighted evidence, not a fact
        c = row.constituency
        tag = row.label
        fail(f"{tag}: decided in the wrong round", oc.round[:, c] != row.round)
        if row.members:
            mask = row.mask()
            if row.complete:
                fail(f"{tag}: wrong winning list", win[:, c] != mask)
            else:
                fail(f"{tag}: winning list lacks a known member", (win[:, c] & mask) != mask)
        if row.not_members:
            fail(f"{tag}: the overturned list won", win[:, c] == sum(1 << p for p in row.not_members))
        for p, s in row.split.items():
            fail(f"{tag}: {ens.parties[p]} does not have {s} seat(s)", (win_roster[:, c] == p).sum(-1) != s)
        rd = row.round
        if row.share_pct is not None:
            votes = first[:, c] if rd == 1 else second[:, c]
            wv = np.take_along_axis(votes, oc.winner[:, c][:, None], -1)[:, 0]
            fail(f"{tag}: winner's share is not {row.share_pct}%", ~_pct_ok(wv, votes.sum(-1), row.share_pct))
        if row.runner_up:
            other = np.where(oc.finalists[:, c, 0] == oc.winner[:, c], oc.finalists[:, c, 1], oc.finalists[:, c, 0])
            om = np.take_along_axis(ens.members[:, c], np.maximum(other, 0)[:, None], -1)[:, 0]
            fail(f"{tag}: wrong other finalist", (other < 0) | (om != row.runner_up_mask()))
    return out
