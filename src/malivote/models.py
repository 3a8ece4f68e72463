"""Vote models: swings, noise, turnout, runoff transfers, mergers and splits.

Every model is a pure array function on integer votes shaped ``(..., C, K)`` (draws,
constituencies, list slots; see ``docs/engine-conventions.md``), with party membership
as ``(..., C, K)`` bit masks (bit ``p`` for party ``p``, as ``Ensemble.members``). The
models are vectorised over any leading axes, and the random ones take ``rng``
(anything :func:`numpy.random.default_rng` accepts).

- :func:`uniform_swing` and :func:`proportional_swing`: move votes towards or away from
  the lists of a party, nationally or in some constituencies;
- :func:`dirichlet_noise` and :func:`logit_normal_noise`: random district-level
  perturbations of the shares;
- :func:`turnout` and :func:`draw_turnout`: rescale the valid votes to a turnout;
- :func:`transfer_runoff` (with :func:`validate_transfer_matrix` and
  :func:`draw_transfer_matrix`): second-round votes from the first round;
- :func:`merge_lists` and :func:`split_list`: alliances formed or broken.

**Exact totals.** Every model that redistributes votes returns whole numbers whose sum
in each constituency is exactly the total it promises (the same total for swings and
noise): real-valued targets are rounded by largest remainders (Hamilton's method;
ties go to the lower slot). No model produces a negative vote count. A slot with 0
votes is an empty slot (no list) and stays at 0 under swings and noise.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from malivote.rounding import check_status, kernels, round_to_total
from malivote.rules._backend import backend
from malivote.rules._validation import as_rng, as_votes, check_row_totals, first_bad_index

__all__ = [
    "Listing",
    "Runoff",
    "Turnout",
    "dirichlet_noise",
    "draw_transfer_matrix",
    "draw_turnout",
    "logit_normal_noise",
    "lognormal_votes",
    "merge_lists",
    "party_mask",
    "proportional_swing",
    "split_list",
    "transfer_runoff",
    "turnout",
    "uniform_swing",
    "pairwise_swing",
    "validate_transfer_matrix",
]

_ROW_TOLERANCE = 1e-9


# --------------------------------------------------------------------------- helpers


def party_mask(party) -> int:
    """The bit mask of one party index or of a bloc (an iterable of indices).

    Examples
    --------
    >>> party_mask(0), party_mask([0, 2])
    (1, 5)
    """
    indices = [party] if isinstance(party, (int, np.integer)) else list(np.ravel(party))
    if not indices:
        raise ValueError("party: expected a party index or a non-empty list of indices")
    mask = 0
    for p in indices:
        if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, np.integer)) or not 0 <= p < 63:
            raise ValueError(f"party: expected party indices in [0, 63), found {p!r}")
        mask |= 1 << int(p)
    return mask


def _members(members, shape, name="members") -> np.ndarray:
    array = np.asarray(members)
    if array.dtype.kind not in "ui":
        raise ValueError(f"{name}: expected integer bit masks, found dtype {array.dtype}")
    if array.size and array.min() < 0:
        raise ValueError(f"{name}: bit masks must be non-negative, found {array.min()}")
    try:
        return np.broadcast_to(array.astype(np.int64, copy=False), shape)
    except ValueError:
        raise ValueError(f"{name}: shape {array.shape} does not broadcast against votes {shape}") from None


def _real(values, name, *, low=-np.inf, high=np.inf, low_open=False) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind not in "uif":
        raise ValueError(f"{name}: expected numbers, found dtype {array.dtype}")
    array = array.astype(np.float64)
    bad = ~np.isfinite(array) | (array < low) | (array > high)
    if low_open:
        bad |= array == low
    if bad.any():
        index = first_bad_index(np.atleast_1d(bad))
        bracket = "(" if low_open else "["
        raise ValueError(
            f"{name}: expected finite values in {bracket}{low}, {high}], found "
            f"{np.atleast_1d(array)[index]} at index {index}"
        )
    return array


def _row_shape(name, value, shape) -> np.ndarray:
    try:
        return np.broadcast_shapes(np.shape(value), shape)
    except ValueError:
        raise ValueError(
            f"{name}: shape {np.shape(value)} does not broadcast against the constituencies "
            f"of votes, {shape}"
        ) from None


def _reshare(votes, group, new_share):
    """Give ``group`` the fraction ``new_share`` of each row's votes, in proportion.

    Inside the group and outside it, lists keep their relative sizes. Rows where the
    group or the rest has no votes are left unchanged (there is no one to take from or
    give to). With the numba kernels, one pass of
    :func:`malivote._models_numba.reshare_rows` (the same results).
    """
    fast = kernels(votes.shape[-1]) if votes.size else None
    if fast is not None:
        from malivote._models_numba import reshare_rows

        slots = votes.shape[-1]
        out = np.empty(votes.shape, np.int64)
        check_status(reshare_rows(np.ascontiguousarray(votes).reshape(-1, slots),
                                  np.ascontiguousarray(group).reshape(-1, slots),
                                  np.ascontiguousarray(np.broadcast_to(new_share, votes.shape[:-1]),
                                                       dtype=np.float64).reshape(-1),
                                  out.reshape(-1, slots)))
        return out
    total = votes.sum(axis=-1)
    inside = np.where(group, votes, 0).sum(axis=-1)
    outside = total - inside
    stuck = (inside == 0) | (outside == 0)
    new_share = np.where(stuck, inside / np.maximum(total, 1), new_share)
    scale_in = np.where(inside > 0, new_share * total / np.maximum(inside, 1), 0.0)
    scale_out = np.where(outside > 0, (1.0 - new_share) * total / np.maximum(outside, 1), 0.0)
    real = votes * np.where(group, scale_in[..., None], scale_out[..., None])
    return round_to_total(real, total)


def _swing_setup(votes, members, party, amount, region, amount_name):
    votes = as_votes(votes, "votes", min_ndim=2).astype(np.int64, copy=False)  # read only
    check_row_totals(votes, "votes")  # each row's total is an int64 sum
    mask = party_mask(party)
    rows = _row_shape(amount_name, amount, votes.shape[:-1])
    if region is not None:
        region = np.asarray(region)
        if region.dtype != bool:
            raise ValueError(f"region: expected a boolean mask of constituencies, found dtype {region.dtype}")
        rows = _row_shape("region", region, rows)
    shape = tuple(rows) + votes.shape[-1:]
    votes = np.broadcast_to(votes, shape)
    members = _members(members, shape)
    if kernels(shape[-1]) is not None and votes.size:
        from malivote._models_numba import group_share_rows

        group = np.empty(shape, bool)
        share = np.empty(rows, np.float64)
        slots = shape[-1]
        group_share_rows(np.ascontiguousarray(votes).reshape(-1, slots),
                         np.ascontiguousarray(members).reshape(-1, slots), mask, group.reshape(-1, slots),
                         share.reshape(-1))
    else:
        group = (members & mask) != 0
        total = votes.sum(axis=-1)
        share = np.where(group, votes, 0).sum(axis=-1) / np.maximum(total, 1)
    applies = np.ones(rows, dtype=bool) if region is None else np.broadcast_to(region, rows)
    return votes, group, share, applies


def _bounded(target, share, applies, overflow):
    if overflow not in ("clip", "raise"):
        raise ValueError(f"overflow: expected 'clip' or 'raise', found {overflow!r}")
    target = np.where(applies, target, share)
    out = (target < 0) | (target > 1)
    if out.any() and overflow == "raise":
        index = first_bad_index(out)
        raise ValueError(
            f"overflow: the swing takes the party's share in constituency {index} to "
            f"{float(target[index]):.4f}, outside [0, 1]"
        )
    return np.clip(target, 0.0, 1.0)


# ---------------------------------------------------------------------------- swings


def uniform_swing(votes, members, party, points, *, region=None, overflow: str = "clip") -> np.ndarray:
    """Uniform swing: add ``points`` percentage points to a party's share everywhere.

    In each constituency the lists containing ``party`` (or any party of a bloc) gain
    ``points`` percentage points of the valid votes between them, in proportion to
    their votes; the other lists lose the same number of votes in proportion to theirs.
    A negative ``points`` swings against the party.

    Parameters
    ----------
    votes : array_like of int, shape (..., C, K)
    members : array_like of int, shape (..., C, K)
        Party bit mask of each list; broadcasts against ``votes``.
    party : int or sequence of int
        Party index, or the indices of a bloc swung together.
    points : float or array_like
        Percentage points moved, e.g. ``5.0``. A scalar is a national swing; an array
        broadcasting against ``votes.shape[:-1]`` gives a swing per constituency (a
        regional swing) or per draw (shape ``(D, 1)``, for a random national swing).
    region : array_like of bool, optional
        Constituencies where the swing applies (broadcasts like ``points``); elsewhere
        the votes are unchanged.
    overflow : {"clip", "raise"}, default "clip"
        Where the swing would take the party's share below 0 or above 1: ``"clip"``
        stops it at 0 or 1 (the lists losing votes are emptied), ``"raise"`` raises.

    Returns
    -------
    ndarray of int64, shape (..., C, K)
        The new votes; each constituency keeps its total exactly.

    Notes
    -----
    Constituencies where the party has no list, or where its lists hold every vote, are
    unchanged: there is no list to give votes to or take them from. Uniform swing is
    Butler's "swing" generalised to many parties (D. Butler and D. Stokes, *Political
    Change in Britain*, 1969); see also J. Curtice and M. Steed in *The British General
    Election of 1983*, appendix 2, on uniform and proportional swing.

    Examples
    --------
    >>> votes = [[500, 300, 200], [100, 600, 300]]
    >>> members = [[0b01, 0b10, 0b100], [0b01, 0b10, 0b100]]
    >>> uniform_swing(votes, members, 0, 10)
    array([[600, 240, 160],
           [200, 533, 267]])
    >>> uniform_swing(votes, members, 0, -20, overflow="clip")
    array([[300, 420, 280],
           [  0, 667, 333]])
    """
    points = _real(points, "points", low=-100, high=100)
    votes, group, share, applies = _swing_setup(votes, members, party, points, region, "points")
    target = _bounded(share + points / 100.0, share, applies, overflow)
    return _reshare(votes, group, target)


def pairwise_swing(votes, members, source, target, points, *, region=None) -> np.ndarray:
    """Move ``points`` percentage points of the valid votes from one party to another.

    In each constituency, the lists of ``source`` (without ``target``) lose
    ``points`` percent of the constituency's valid votes between them, in proportion
    to their votes, and the lists of ``target`` (without ``source``) gain exactly
    those votes, in proportion to theirs. Nobody else changes. A negative ``points``
    moves votes the other way. Where either party has no list, or the losing lists
    have fewer votes than the swing asks, only what they have moves (never below 0).

    Parameters
    ----------
    votes : array_like of int, shape (..., C, K)
    members : array_like of int, shape (..., C, K)
    source, target : int
        Party indices (bits of ``members``).
    points : float
        Percentage points, -100 to 100.
    region : array_like of bool, optional
        Constituencies where the swing applies.

    Returns
    -------
    ndarray of int64, shape (..., C, K)
        Every constituency keeps its total exactly.

    Examples
    --------
    >>> votes = [[500, 300, 200]]
    >>> members = [[0b001, 0b010, 0b100]]
    >>> pairwise_swing(votes, members, 0, 1, 10).tolist()
    [[400, 400, 200]]
    >>> pairwise_swing(votes, members, 0, 1, -40).tolist()
    [[800, 0, 200]]
    """
    points = float(_real(points, "points", low=-100, high=100))
    votes = as_votes(votes, "votes", min_ndim=2).astype(np.int64)
    check_row_totals(votes, "votes")  # each row's total is an int64 sum
    members = _members(members, votes.shape)
    for name, value in (("source", source), ("target", target)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value < 63:
            raise ValueError(f"{name}: expected a party index in [0, 63), found {value!r}")
    if source == target:
        raise ValueError(f"target: expected a party other than source, found {target}")
    if points < 0:
        source, target, points = target, source, -points
    has_source = (members >> int(source)) & 1 == 1
    has_target = (members >> int(target)) & 1 == 1
    losing = has_source & ~has_target & (votes > 0)
    gaining = has_target & ~has_source
    total = votes.sum(axis=-1)
    losing_votes = np.where(losing, votes, 0)
    wanted = np.floor(total * points / 100.0 + 0.5).astype(np.int64)
    moved = np.minimum(wanted, losing_votes.sum(axis=-1))
    moved = np.where(gaining.any(axis=-1), moved, 0)
    if region is not None:
        # Checked as the other swings check it: region=[2, 0] was read as [True, False].
        region = np.asarray(region)
        if region.dtype != bool:
            raise ValueError(f"region: expected a boolean mask of constituencies, found dtype {region.dtype}")
        if _row_shape("region", region, moved.shape) != moved.shape:
            raise ValueError(
                f"region: shape {region.shape} does not broadcast against the constituencies of votes, {moved.shape}"
            )
        moved = np.where(np.broadcast_to(region, moved.shape), moved, 0)
    from malivote.rounding import round_shares

    taken = round_shares(moved, losing_votes)
    weights = np.where(gaining, np.maximum(votes, 0), 0).astype(np.float64)
    # A target list with no votes yet still receives: equal weights among them then.
    weights = np.where(gaining & (weights.sum(axis=-1, keepdims=True) == 0), 1.0, weights)
    given = round_shares(moved, weights)
    return votes - taken + given


def proportional_swing(votes, members, party, factor, *, region=None, mode: str = "share",
                       overflow: str = "clip") -> np.ndarray:
    """Proportional swing: multiply a party's share by ``factor`` in each constituency.

    Parameters
    ----------
    votes, members, party, region, overflow
        As for :func:`uniform_swing`.
    factor : float or array_like
        Non-negative; 1 changes nothing. Broadcasts against ``votes.shape[:-1]``.
    mode : {"share", "votes"}, default "share"
        ``"share"``: the party's share ``s`` becomes ``factor * s`` and the other lists
        share the rest in proportion to their votes (classic proportional swing,
        Curtice & Steed 1984); ``overflow`` applies where ``factor * s > 1``.
        ``"votes"``: the party's votes are multiplied by ``factor`` and every list is
        renormalised to the old total, so the share becomes
        ``factor * s / (factor * s + 1 - s)`` (the odds are multiplied by ``factor``;
        it never overflows).

    Returns
    -------
    ndarray of int64, shape (..., C, K)
        The new votes; each constituency keeps its total exactly.

    References
    ----------
    J. Curtice and M. Steed, "Appendix 2: An analysis of the voting", in D. Butler and
    D. Kavanagh, *The British General Election of 1983*, Macmillan, 1984.

    Examples
    --------
    >>> votes = [[500, 300, 200], [100, 600, 300]]
    >>> members = [[1, 2, 4], [1, 2, 4]]
    >>> proportional_swing(votes, members, 0, 1.5)
    array([[750, 150, 100],
           [150, 567, 283]])
    >>> proportional_swing(votes, members, 0, 3, mode="votes")
    array([[750, 150, 100],
           [250, 500, 250]])
    """
    if mode not in ("share", "votes"):
        raise ValueError(f"mode: expected 'share' or 'votes', found {mode!r}")
    factor = _real(factor, "factor", low=0)
    votes, group, share, applies = _swing_setup(votes, members, party, factor, region, "factor")
    if mode == "share":
        target = share * factor
    else:
        target = share * factor / np.maximum(share * factor + 1.0 - share, np.finfo(float).tiny)
    target = _bounded(target, share, applies, overflow)
    return _reshare(votes, group, target)


# ----------------------------------------------------------------------------- noise


def _noise_setup(votes, parameter, name, draws):
    votes = as_votes(votes, "votes", min_ndim=1).astype(np.int64, copy=False)
    check_row_totals(votes, "votes")  # each row's total is an int64 sum
    if draws is not None:
        if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or draws < 1:
            raise ValueError(f"draws: expected a positive integer, found {draws!r}")
        votes = np.broadcast_to(votes, (int(draws),) + votes.shape)
    rows = _row_shape(name, parameter, votes.shape[:-1])
    votes = np.broadcast_to(votes, tuple(rows) + votes.shape[-1:])
    return votes, np.broadcast_to(parameter, rows)


def dirichlet_noise(votes, concentration, rng=None, *, draws: int | None = None) -> np.ndarray:
    """Perturb each constituency's shares with Dirichlet noise, keeping its total.

    The new shares of a constituency with shares ``p`` are drawn from
    ``Dirichlet(concentration * p)`` over its lists: their mean is ``p`` and each
    list's variance is ``p * (1 - p) / (concentration + 1)``. The concentration is the
    number of "pseudo-voters" the shares are as certain as: 100 gives a list at 40% a
    standard deviation of about 4.9 points, 1,000 of about 1.5 points.

    Parameters
    ----------
    votes : array_like of int, shape (..., K)
        Usually ``(..., C, K)``.
    concentration : float or array_like
        Positive; broadcasts against ``votes.shape[:-1]`` (one per constituency, per
        draw, ...).
    rng : {None, int, numpy.random.Generator, ...}
    draws : int, optional
        Draw this many independent perturbations: the result gets a new leading axis.

    Returns
    -------
    ndarray of int64
        The new votes, rounded by largest remainders so that every row keeps its total
        exactly. Empty slots (0 votes) stay empty; a list can fall to 0 votes.

    Notes
    -----
    The random numbers are one gamma variate per list with votes, in order; an empty
    slot draws none. Where the gamma variates behind a draw all underflow to 0 (a very
    small concentration), the whole row goes to one list, chosen with probability
    ``p``: the Dirichlet's limit as the concentration goes to 0.

    References
    ----------
    J. Aitchison, *The Statistical Analysis of Compositional Data*, Chapman and Hall,
    1986, ch. 3.

    Examples
    --------
    >>> votes = np.array([[600, 300, 100, 0]])
    >>> noisy = dirichlet_noise(votes, 200.0, rng=1, draws=3)
    >>> noisy.shape, noisy.sum(axis=-1).ravel().tolist(), bool((noisy[..., 3] == 0).all())
    ((3, 1, 4), [1000, 1000, 1000], True)
    """
    concentration = _real(concentration, "concentration", low=0, low_open=True)
    votes, concentration = _noise_setup(votes, concentration, "concentration", draws)
    return _dirichlet(votes, None, concentration, as_rng(rng))


def _dirichlet(votes, total, concentration, rng) -> np.ndarray:
    """:func:`dirichlet_noise` on checked arrays: int64 ``votes`` ``(..., K)``, their
    row sums ``total`` (None: summed here when needed) and the concentration broadcast
    to the rows.

    The random numbers are one gamma variate per slot with a positive shape
    (``concentration * share > 0``), in order: an empty slot draws nothing, as it
    gets nothing. The rest is one pass of the numba kernels
    (:mod:`malivote._rounding_numba`) when they are in use, with the same results.
    """
    fast = kernels(votes.shape[-1]) if votes.size else None
    drawn = None
    if fast is not None:
        n_slots = votes.shape[-1]
        rows = np.ascontiguousarray(votes).reshape(-1, n_slots)
        per_row = np.ascontiguousarray(concentration, dtype=np.float64).reshape(-1)
        totals = np.empty(len(rows), np.int64)
        shapes = np.empty(rows.size, np.float64)
        n_shapes = fast.dirichlet_shapes(rows, per_row, totals, shapes)
        drawn = rng.standard_gamma(shapes[:n_shapes])
        out = np.empty(votes.shape, np.int64)
        status = fast.dirichlet_rows(rows, totals, per_row, drawn, out.reshape(-1, n_slots))
        if status != fast.DEGENERATE:
            check_status(status)
            return out
        total = totals.reshape(votes.shape[:-1])
    if total is None:
        total = votes.sum(axis=-1)
    p = votes / np.maximum(total, 1)[..., None]
    alpha = concentration[..., None] * p
    positive = alpha > 0
    gamma = np.zeros(alpha.shape)
    gamma[positive] = rng.standard_gamma(alpha[positive]) if drawn is None else drawn
    sums = gamma.sum(axis=-1)
    degenerate = (sums == 0) & (total > 0)
    if degenerate.any():
        cumulative = np.cumsum(p[degenerate], axis=-1)
        pick = (cumulative < rng.random(cumulative.shape[0])[:, None] * cumulative[:, -1:]).sum(axis=-1)
        pick = np.minimum(pick, p.shape[-1] - 1)
        one_hot = np.zeros_like(cumulative)
        one_hot[np.arange(pick.size), pick] = 1.0
        gamma[degenerate] = one_hot
        sums = gamma.sum(axis=-1)
    shares = gamma / np.where(sums > 0, sums, 1.0)[..., None]
    return round_to_total(shares * total[..., None], total)


def logit_normal_noise(votes, sigma, rng=None, *, draws: int | None = None) -> np.ndarray:
    """Perturb each constituency's shares with logit-normal noise, keeping its total.

    Each list's log share gets an independent ``Normal(0, sigma)`` shock and the
    shares are renormalised (the additive logistic-normal of Aitchison 1986, the model
    of multiparty vote shares of Katz & King 1999): share ratios are multiplied by
    log-normal factors. ``sigma = 0.1`` moves a list's share by about 10% of itself.

    Parameters
    ----------
    votes : array_like of int, shape (..., K)
    sigma : float or array_like
        Non-negative standard deviation of the log-share shocks; broadcasts against
        ``votes.shape[:-1]``.
    rng : {None, int, numpy.random.Generator, ...}
    draws : int, optional
        As for :func:`dirichlet_noise`.

    Returns
    -------
    ndarray of int64
        New votes; each row keeps its total exactly; empty slots stay empty.

    Notes
    -----
    The median share ratio is preserved, not the mean share: the noise is unbiased on
    the log-ratio scale. The random numbers are one normal shock per list with votes,
    in order; an empty slot draws none.

    References
    ----------
    J. Aitchison, *The Statistical Analysis of Compositional Data*, 1986, ch. 6.
    J. N. Katz and G. King, "A statistical model for multiparty electoral data",
    *American Political Science Review* 93(1), 1999, pp. 15-32.

    Examples
    --------
    >>> votes = np.array([600, 300, 100, 0])
    >>> logit_normal_noise(votes, 0.0, rng=0).tolist()
    [600, 300, 100, 0]
    >>> int(logit_normal_noise(votes, 0.3, rng=0, draws=5).sum(axis=-1).min())
    1000
    """
    sigma = _real(sigma, "sigma", low=0)
    votes, sigma = _noise_setup(votes, sigma, "sigma", draws)
    total = votes.sum(axis=-1)
    rng = as_rng(rng)
    present = votes > 0
    # (one shock per list with votes, in order: an empty slot draws nothing)
    shock = np.zeros(votes.shape)
    shock[present] = rng.standard_normal(np.count_nonzero(present))
    # The logits are log(votes) + sigma * shock, taken relative to the row's largest.
    # A sigma so large that sigma * shock would overflow (1e308) is factored out
    # first, so that no sigma gives an infinity or a NaN: its limit is that the
    # largest shock takes the whole row.
    scale = np.where(sigma > 1e100, sigma, 1.0)[..., None]
    logits = np.log(np.where(present, votes, 1)) / scale + (sigma[..., None] / scale) * shock
    logits = np.where(present, logits, -np.inf)
    top = np.max(logits, axis=-1, initial=-np.inf, keepdims=True)
    relative = np.where(present, logits - np.where(np.isfinite(top), top, 0.0), 0.0)
    with np.errstate(over="ignore"):  # -inf: a share that rounds to nothing
        weight = np.where(present, np.exp(scale * relative), 0.0)
    return _normalise(weight, total)


def _normalise(weight, total) -> np.ndarray:
    """Weights ``(..., K)`` to shares of ``total``, rounded to whole votes."""
    fast = kernels(weight.shape[-1]) if weight.size else None
    if fast is not None:
        n_slots = weight.shape[-1]
        out = np.empty(weight.shape, np.int64)
        totals = np.ascontiguousarray(np.broadcast_to(total, weight.shape[:-1])).reshape(-1)
        check_status(fast.share_rows(np.ascontiguousarray(weight).reshape(-1, n_slots), totals, fast.NOISE,
                                     out.reshape(-1, n_slots)))
        return out
    sums = weight.sum(axis=-1)
    shares = weight / np.where(sums > 0, sums, 1.0)[..., None]
    return round_to_total(shares * total[..., None], total)


# --------------------------------------------------------------------------- turnout


class Turnout(NamedTuple):
    """Valid votes rescaled to a turnout (see :func:`turnout`).

    Attributes
    ----------
    votes : ndarray of int64, shape (..., C, K)
    table : ndarray of int64, shape (..., C, 4)
        ``registered, votes_cast, invalid, valid`` per constituency: one round of
        ``Ensemble.turnout``.
    """

    votes: np.ndarray
    table: np.ndarray


def turnout(votes, registered, rate, *, invalid=0.0) -> Turnout:
    """Rescale the valid votes of each constituency to a turnout.

    The votes cast are ``round(rate * registered)``, the blank and invalid ballots
    ``round(invalid * votes_cast)``, and the rest are valid votes, shared among the
    lists in proportion to ``votes`` (largest remainders, so the totals are exact).
    Call it once per round with that round's rates.

    Parameters
    ----------
    votes : array_like of int, shape (..., C, K)
        Current votes; only their proportions matter.
    registered : array_like of int
        Registered voters; broadcasts against ``votes.shape[:-1]``.
    rate : float or array_like
        Turnout (votes cast / registered) in [0, 1]; broadcasts like ``registered``.
    invalid : float or array_like, default 0.0
        Blank and invalid ballots as a fraction of the votes cast, in [0, 1].

    Returns
    -------
    Turnout
        ``votes (..., C, K)`` and ``table (..., C, 4)``. Rounding is half up.

    Raises
    ------
    ValueError
        If a constituency with valid votes to give has no votes to take proportions
        from, or on rates outside [0, 1].

    Examples
    --------
    >>> result = turnout([[600, 300, 100], [50, 50, 0]], [10_000, 2_000], [0.35, 0.5], invalid=0.1)
    >>> result.votes
    array([[1890,  945,  315],
           [ 450,  450,    0]])
    >>> result.table
    array([[10000,  3500,   350,  3150],
           [ 2000,  1000,   100,   900]])
    """
    votes = as_votes(votes, "votes", min_ndim=1).astype(np.int64)
    registered = as_votes(registered, "registered", min_ndim=0).astype(np.int64)
    check_row_totals(votes, "votes")  # each row's total is an int64 sum
    if registered.size and registered.max() >= 2**53:
        # rate * registered is a float64: past 2**53 it is not exact, and near 2**63
        # its cast back to int64 wraps around to a negative turnout.
        raise ValueError(
            f"registered: expected fewer than 2**53 registered voters (the rates are applied "
            f"in float64), found {registered.max()}"
        )
    rate = _real(rate, "rate", low=0, high=1)
    invalid = _real(invalid, "invalid", low=0, high=1)
    rows = _row_shape("registered", registered, votes.shape[:-1])
    rows = _row_shape("rate", rate, rows)
    rows = _row_shape("invalid", invalid, rows)
    votes = np.broadcast_to(votes, tuple(rows) + votes.shape[-1:])
    registered = np.broadcast_to(registered, rows)
    cast = np.floor(np.broadcast_to(rate, rows) * registered + 0.5).astype(np.int64)
    spoilt = np.floor(np.broadcast_to(invalid, rows) * cast + 0.5).astype(np.int64)
    valid = cast - spoilt
    total = votes.sum(axis=-1)
    stuck = (total == 0) & (valid > 0)
    if stuck.any():
        raise ValueError(
            f"votes: constituency {first_bad_index(stuck)} has {int(valid[stuck][0])} valid votes "
            "to give but no list with votes to give them to"
        )
    new = round_to_total(votes * (valid / np.maximum(total, 1))[..., None], valid)
    table = np.stack([registered, cast, spoilt, valid], axis=-1).astype(np.int64)
    return Turnout(new, table)


def draw_turnout(mean, concentration, rng=None, *, size=None) -> np.ndarray:
    """Random turnout rates, ``Beta(mean * concentration, (1 - mean) * concentration)``.

    Parameters
    ----------
    mean : float or array_like
        Expected turnout in (0, 1), e.g. per constituency and round.
    concentration : float or array_like
        Positive; the standard deviation is ``sqrt(mean * (1 - mean) / (concentration + 1))``
        (200 gives about 3.4 points around 35%).
    rng : {None, int, numpy.random.Generator, ...}
    size : int or tuple, optional
        Output shape; it must broadcast with ``mean`` and ``concentration``
        (``(D, C)`` for per-draw, per-constituency rates).

    Returns
    -------
    ndarray of float64
        Rates in [0, 1], to pass to :func:`turnout`.

    Examples
    --------
    >>> rates = draw_turnout([0.35, 0.5], 400.0, rng=0, size=(1000, 2))
    >>> rates.shape, bool(abs(rates.mean(axis=0) - [0.35, 0.5]).max() < 0.01)
    ((1000, 2), True)
    """
    mean = _real(mean, "mean", low=0, high=1)
    if ((mean <= 0) | (mean >= 1)).any():
        raise ValueError(f"mean: expected values strictly between 0 and 1, found {mean}")
    concentration = _real(concentration, "concentration", low=0, low_open=True)
    rng = as_rng(rng)
    try:
        return rng.beta(mean * concentration, (1.0 - mean) * concentration, size=size)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"size: expected a shape that mean {mean.shape} and concentration "
            f"{concentration.shape} broadcast to, found {size!r} ({error})"
        ) from None


# ---------------------------------------------------------------------- runoffs


def validate_transfer_matrix(matrix, n_parties: int | None = None) -> np.ndarray:
    """Check a runoff transfer matrix and return it as float64.

    Parameters
    ----------
    matrix : array_like, shape (..., R, 3)
        Row ``p``: how the voters of party ``p``'s eliminated lists split between the
        first finalist (the first-round leader), the second finalist and abstention.
        Leading axes, if any, are per draw or per constituency (see
        :func:`transfer_runoff`).
    n_parties : int, optional
        If given, ``R`` must be at least this.

    Returns
    -------
    ndarray of float64, shape (..., R, 3)

    Raises
    ------
    ValueError
        If the shape is wrong, an entry is negative or not finite, or a row does not
        sum to 1 (within 1e-9).

    Examples
    --------
    >>> validate_transfer_matrix([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]]).shape
    (2, 3)
    >>> validate_transfer_matrix([[0.5, 0.3, 0.3]])
    Traceback (most recent call last):
    ...
    ValueError: matrix: row (0,) sums to 1.1, not 1 (rows must be stochastic)
    """
    array = np.asarray(matrix)
    if array.dtype.kind not in "uif":
        raise ValueError(f"matrix: expected numbers, found dtype {array.dtype}")
    array = array.astype(np.float64)
    if array.ndim < 2 or array.shape[-1] != 3:
        raise ValueError(
            f"matrix: expected shape (..., parties, 3) (first finalist, second finalist, "
            f"abstention), found {array.shape}"
        )
    if n_parties is not None and array.shape[-2] < n_parties:
        raise ValueError(f"matrix: expected at least {n_parties} rows (one per party), found {array.shape[-2]}")
    if not np.isfinite(array).all():
        raise ValueError(f"matrix: entry {first_bad_index(~np.isfinite(array))} is not finite")
    if (array < 0).any():
        index = first_bad_index(array < 0)
        raise ValueError(f"matrix: entry {index} is negative ({array[index]})")
    sums = array.sum(axis=-1)
    off = np.abs(sums - 1.0) > _ROW_TOLERANCE
    if off.any():
        index = first_bad_index(off)
        raise ValueError(f"matrix: row {index} sums to {sums[index]:.10g}, not 1 (rows must be stochastic)")
    return array


def draw_transfer_matrix(mean, concentration, rng=None, *, size=None) -> np.ndarray:
    """Random stochastic transfer matrices: each row ``~ Dirichlet(concentration * mean_row)``.

    Parameters
    ----------
    mean : array_like, shape (R, 3)
        The expected transfer matrix (validated as by :func:`validate_transfer_matrix`).
    concentration : float
        Positive; larger is closer to ``mean``.
    rng : {None, int, numpy.random.Generator, ...}
    size : int or tuple, optional
        Leading shape, e.g. ``D`` for one matrix per draw.

    Returns
    -------
    ndarray of float64, shape size + (R, 3)
        Every row is non-negative and sums to 1. Zero entries of ``mean`` stay 0. Pass
        ``matrices[:, None]`` to :func:`transfer_runoff` for one matrix per draw.

    Examples
    --------
    >>> m = draw_transfer_matrix([[0.6, 0.2, 0.2], [0.0, 0.5, 0.5]], 50.0, rng=0, size=4)
    >>> m.shape, bool(np.allclose(m.sum(axis=-1), 1)), bool((m[:, 1, 0] == 0).all())
    ((4, 2, 3), True, True)
    """
    mean = validate_transfer_matrix(mean)
    concentration = float(_real(concentration, "concentration", low=0, low_open=True))
    rng = as_rng(rng)
    shape = (() if size is None else tuple(np.atleast_1d(size))) + mean.shape
    alpha = np.broadcast_to(concentration * mean, shape)
    gamma = np.where(alpha > 0, rng.standard_gamma(np.where(alpha > 0, alpha, 1.0)), 0.0)
    sums = gamma.sum(axis=-1, keepdims=True)
    # All variates underflowed (tiny concentration): fall back on the mean row.
    gamma = np.where(sums > 0, gamma, alpha)
    return gamma / gamma.sum(axis=-1, keepdims=True)


class Runoff(NamedTuple):
    """Second-round votes from :func:`transfer_runoff`.

    Attributes
    ----------
    second : ndarray of int64, shape (..., C, K)
        Votes of the two finalists; 0 for every other slot and where no runoff is held.
    abstained : ndarray of int64, shape (..., C)
        First-round voters who did not vote for a finalist in round 2.
    """

    second: np.ndarray
    abstained: np.ndarray


_CHUNK = 1 << 14  # constituencies (rows) per block, bounding the (rows, K, 3) weights


def transfer_runoff(first, finalists, members, matrix, *, retention=1.0, method: str = "expected",
                    rng=None) -> Runoff:
    """Second-round votes: the eliminated lists' voters move by a transfer matrix.

    In each runoff the finalists keep ``retention`` of their own first-round voters
    (the rest abstain). Every other list's voters split between the first finalist,
    the second finalist and abstention by the matrix row of the list's party; a joint
    list uses the mean of its parties' rows (its voters split equally among its parties,
    as :func:`malivote.metrics.party_votes` with ``method="equal"``).

    Parameters
    ----------
    first : array_like of int, shape (..., C, K)
        First-round votes.
    finalists : array_like of int, shape (..., C, 2)
        Slots of the two finalists, leader first (``DistrictOutcome.finalists``); a
        second entry of -1 marks a constituency decided in round 1, whose round-2
        votes are all 0.
    members : array_like of int, shape (..., C, K)
        Party bit masks; every list with votes must have a party.
    matrix : array_like, shape (..., R, 3)
        Row-stochastic: columns first finalist, second finalist, abstain; row ``p`` for
        party ``p`` (``R`` above every party bit). Leading axes broadcast against
        ``first.shape[:-1]`` = ``(..., C)``: ``(R, 3)`` everywhere, ``(C, R, 3)`` per
        constituency, ``(D, 1, R, 3)`` per draw.
    retention : float or array_like, default 1.0
        Fraction of its own voters each finalist keeps, in [0, 1]; broadcasts against
        ``finalists``.
    method : {"expected", "multinomial"}, default "expected"
        ``"expected"``: each list's voters split in exact proportion, rounded by largest
        remainders (deterministic). ``"multinomial"``: each list's voters choose
        independently (a multinomial draw per list, binomial for the retention).
    rng : {None, int, numpy.random.Generator, ...}
        Used only by ``"multinomial"``.

    Returns
    -------
    Runoff
        ``second (..., C, K)`` and ``abstained (..., C)``. In every runoff the two
        finalists' votes plus the abstentions equal the first-round valid votes.

    Raises
    ------
    ValueError
        On a matrix that is not row-stochastic, finalists outside the slots, a list
        with votes and no party, or a party without a matrix row.

    Notes
    -----
    The model reads transfers by position (the first-round leader versus the
    runner-up), so a party's row says whom its voters favour in the typical runoff;
    pass per-constituency matrices to make transfers depend on who the finalists are.
    Only the first round's valid voters are moved: new round-2 voters are left to
    :func:`turnout`.

    Examples
    --------
    >>> first = [[400, 350, 150, 100]]
    >>> members = [[1, 2, 4, 8]]
    >>> matrix = [[1, 0, 0], [0, 1, 0], [0.6, 0.2, 0.2], [0.0, 0.5, 0.5]]
    >>> transfer_runoff(first, [[0, 1]], members, matrix)
    Runoff(second=array([[490, 430,   0,   0]]), abstained=array([80]))
    >>> transfer_runoff(first, [[0, -1]], members, matrix).second
    array([[0, 0, 0, 0]])
    """
    if method not in ("expected", "multinomial"):
        raise ValueError(f"method: expected 'expected' or 'multinomial', found {method!r}")
    first = as_votes(first, "first", min_ndim=2).astype(np.int64, copy=False)
    shape = first.shape
    rows_shape, slots = shape[:-1], shape[-1]
    finalists = np.asarray(finalists)
    if finalists.dtype.kind not in "ui" or finalists.shape != rows_shape + (2,):
        raise ValueError(f"finalists: expected integers of shape {rows_shape + (2,)}, found {finalists.shape}")
    finalists = finalists.astype(np.int64, copy=False)
    members = _members(members, shape)
    matrix = validate_transfer_matrix(matrix)
    n_rows = matrix.shape[-2]
    try:
        matrix_lead = np.broadcast_shapes(matrix.shape[:-2], rows_shape)
    except ValueError:
        raise ValueError(
            f"matrix: leading shape {matrix.shape[:-2]} does not broadcast against {rows_shape}"
        ) from None
    if matrix_lead != rows_shape:
        raise ValueError(f"matrix: leading shape {matrix.shape[:-2]} would enlarge {rows_shape}")
    retention = _real(retention, "retention", low=0, high=1)
    retention = np.broadcast_to(retention, np.broadcast_shapes(retention.shape, rows_shape + (2,)))
    if retention.shape != rows_shape + (2,):
        raise ValueError(f"retention: shape {retention.shape} does not fit finalists {rows_shape + (2,)}")

    held = finalists[..., 1] >= 0
    bad = held & (
        (finalists[..., 0] < 0)
        | (np.maximum(finalists[..., 0], finalists[..., 1]) >= slots)  # max(axis=-1) of 2 is slow
        | (finalists[..., 0] == finalists[..., 1])
    )
    if bad.any():
        index = first_bad_index(bad)
        raise ValueError(
            f"finalists: {finalists[index].tolist()} at index {index} are not two distinct "
            f"slots in [0, {slots})"
        )
    if members.size and members.max() >= 1 << n_rows:
        raise ValueError(
            f"matrix: has {n_rows} rows but members name party {int(members.max()).bit_length() - 1}"
        )
    orphan = held[..., None] & (first > 0) & (members == 0)
    if orphan.any():
        raise ValueError(f"members: the list at index {first_bad_index(orphan)} has votes but no party")
    rng = as_rng(rng)

    flat_first = first.reshape(-1, slots)
    flat_members = members.reshape(-1, slots)
    flat_finalists = finalists.reshape(-1, 2)
    flat_retention = retention.reshape(-1, 2)
    n_matrices = int(np.prod(matrix.shape[:-2], dtype=np.int64))
    matrix_index = np.broadcast_to(np.arange(n_matrices).reshape(matrix.shape[:-2]), rows_shape).reshape(-1)
    flat_matrix = matrix.reshape(-1, n_rows, 3)
    # The multinomial draws stay in NumPy: their random numbers must be NumPy's own.
    if method == "expected" and backend() == "numba":
        from malivote._models_numba import transfer_expected

        second = np.empty(flat_first.shape, np.int64)
        abstained = np.empty(flat_first.shape[0], np.int64)
        # Contiguous inputs: one compiled specialisation (a broadcast scalar has strides 0).
        inputs = (flat_first, flat_members, flat_finalists, flat_retention, flat_matrix, matrix_index)
        check_status(transfer_expected(*map(np.ascontiguousarray, inputs), second, abstained))
        return Runoff(second.reshape(shape), abstained.reshape(rows_shape))
    second = np.zeros_like(flat_first)
    abstained = np.zeros(flat_first.shape[0], dtype=np.int64)
    runoff_rows = np.flatnonzero(held.reshape(-1))
    for start in range(0, runoff_rows.size, _CHUNK):
        rows = runoff_rows[start:start + _CHUNK]
        second[rows], abstained[rows] = _transfer_block(
            flat_first[rows], flat_members[rows], flat_finalists[rows], flat_retention[rows],
            flat_matrix[0] if n_matrices == 1 else flat_matrix[matrix_index[rows]], method, rng,
        )
    return Runoff(second.reshape(shape), abstained.reshape(rows_shape))


def _shared_mean_rows(found, matrix, present):
    """The mean transfer row ``(G, 3)`` of each list's parties, one matrix ``(P, 3)`` for all.

    ``found`` holds the lists' party masks (within ``present``, the parties of the
    lists that move votes). The same float64 sums, in the same party order, as the
    per-party loop of :func:`_transfer_block`, but once per distinct mask rather than
    once per list: a block's lists share a few dozen masks.
    """
    n_parties = matrix.shape[0]
    # Masks of one party (most lists) index the first P rows of the table directly;
    # the joint lists' masks follow, once each.
    single = (found & (found - 1) == 0) & (found != 0)
    where = np.frexp(found.astype(np.float64))[1].astype(np.int64) - 1  # a power of 2 converts exactly
    joint, joint_where = np.unique(found[~single], return_inverse=True)
    where[~single] = n_parties + joint_where.reshape(-1)
    masks = np.concatenate([np.left_shift(1, np.arange(n_parties, dtype=np.int64)), joint])
    table = np.zeros((masks.size, 3))
    count = np.zeros(masks.size)
    for p in range(n_parties):
        if present >> p & 1:
            bit = (masks >> p) & 1
            table += bit[:, None] * matrix[None, p, :]
            count += bit
    table = np.where(count[:, None] > 0, table / np.maximum(count, 1)[:, None], 0.0)
    return table[where]


def _transfer_block(votes, members, finalists, retention, matrix, method, rng):
    """Round-2 votes of ``R`` runoff constituencies (rows); see :func:`transfer_runoff`.

    ``matrix`` is ``(R, P, 3)``, one per row, or ``(P, 3)`` shared by every row. Only
    the lists that move votes are split: every step is per list, and a list with no
    votes to move adds nothing.
    """
    n, slots = votes.shape
    row = np.arange(n)
    a, b = finalists[:, 0], finalists[:, 1]
    is_finalist = np.zeros((n, slots), dtype=bool)
    is_finalist[row, a] = True
    is_finalist[row, b] = True
    moving = np.where(is_finalist, 0, votes)
    go = moving > 0
    moved = moving[go]
    # Mean of the member parties' rows for every list that moves votes.
    present = int(np.bitwise_or.reduce(members[go], initial=0))
    if matrix.ndim == 2:
        weight = _shared_mean_rows(members[go] & present, matrix, present)
    else:
        weight = np.zeros((n, slots, 3))
        count = np.zeros((n, slots))
        for p in range(matrix.shape[-2]):
            if present >> p & 1:
                bit = (members >> p) & 1
                weight += bit[..., None] * matrix[:, None, p, :]
                count += bit
        weight = np.where(count[..., None] > 0, weight / np.maximum(count, 1)[..., None], 0.0)[go]
    own = votes[row[:, None], finalists]
    split = np.zeros((n, slots, 3), dtype=np.int64)
    if method == "expected":
        split[go] = round_to_total(moved[:, None] * weight, moved)
        kept = np.floor(retention * own + 0.5).astype(np.int64)
    else:
        sums = weight.sum(axis=-1, keepdims=True)
        weight = weight / np.where(sums > 0, sums, 1.0)
        weight[:, 2] = np.clip(1.0 - weight[:, 0] - weight[:, 1], 0.0, 1.0)
        split[go] = rng.multinomial(moved, weight)
        kept = rng.binomial(own, retention)
    gained = split.sum(axis=1)
    second = np.zeros((n, slots), dtype=np.int64)
    second[row, a] = kept[:, 0] + gained[:, 0]
    second[row, b] = kept[:, 1] + gained[:, 1]
    abstained = gained[:, 2] + (own - kept).sum(axis=-1)
    return second, abstained


# ------------------------------------------------------------------ mergers and splits


class Listing(NamedTuple):
    """Lists after :func:`merge_lists` or :func:`split_list`.

    ``roster_party`` and ``roster_female`` are None unless rosters were passed.
    """

    votes: np.ndarray
    members: np.ndarray
    roster_party: np.ndarray | None
    roster_female: np.ndarray | None


def _rosters(roster_party, roster_female, shape):
    if (roster_party is None) != (roster_female is None):
        raise ValueError("roster_party: pass roster_party and roster_female together, or neither")
    if roster_party is None:
        return None, None
    # Read only: merge_lists and split_list return new rosters.
    party = np.asarray(roster_party)
    female = np.asarray(roster_female, dtype=bool)
    if party.shape[:-1] != shape or party.ndim != len(shape) + 1 or party.dtype.kind not in "ui":
        raise ValueError(f"roster_party: expected integers of shape {shape} + (M,), found {party.shape}")
    if female.shape != party.shape:
        raise ValueError(f"roster_female: expected shape {party.shape}, found {female.shape}")
    return party, female


def merge_lists(votes, members, parties, *, roster_party=None, roster_female=None, excluding=False,
                weights=None) -> Listing:
    """Merge, in each constituency, every list containing one of ``parties`` (an alliance).

    Where two or more lists contain a party of the alliance, they become one list in
    the slot of the one with the most votes (the lower slot on a tie): its votes are the
    sum of theirs, its bit mask the union of theirs. The other slots are emptied. The
    alliance is assumed to keep every voter of its partners (votes add up exactly), and
    the merged list keeps the roster of its largest partner, which heads it.

    Parameters
    ----------
    votes : array_like of int, shape (..., C, K)
    members : array_like of int, shape (..., C, K)
    parties : int or sequence of int
        The parties of the alliance.
    excluding : bool, default False
        If True, the alliance is every list with none of ``parties`` (for example
        a united opposition: every list without the governing party).
    roster_party, roster_female : array_like, shape (..., C, K, M), optional
        Rosters to carry along (emptied slots get -1 and False).
    weights : array_like of int, shape (..., C, K), optional
        The votes that choose each merged list's slot (default ``votes``). Merge the
        round-2 votes with ``weights=`` the round-1 votes, so that a merged list has
        the same slot in both rounds.

    Returns
    -------
    Listing
        ``votes``, ``members`` (and rosters), with every constituency's total unchanged.

    Examples
    --------
    >>> merged = merge_lists([[300, 500, 200]], [[0b001, 0b010, 0b100]], [0, 2])
    >>> merged.votes, merged.members
    (array([[500, 500,   0]]), array([[5, 2, 0]]))
    >>> merge_lists([[40, 10, 50]], [[0b001, 0b010, 0b100]], [0, 2], weights=[[300, 500, 200]]).votes
    array([[90, 10,  0]])
    """
    # Every array returned is new: the inputs need no copies.
    votes = as_votes(votes, "votes", min_ndim=1).astype(np.int64, copy=False)
    members = _members(members, votes.shape)
    if weights is None:
        weights = votes
    else:
        weights = as_votes(weights, "weights", min_ndim=1).astype(np.int64, copy=False)
        if weights.shape != votes.shape:
            raise ValueError(f"weights: expected the shape of votes {votes.shape}, found {weights.shape}")
    mask = party_mask(parties)
    roster_party, roster_female = _rosters(roster_party, roster_female, votes.shape)
    if votes.size and backend() == "numba":
        return _merge_numba(votes, members, weights, mask, excluding, roster_party, roster_female)
    involved = ((members & mask) == 0) & (members != 0) if excluding else (members & mask) != 0
    merging = involved.sum(axis=-1) >= 2
    target = np.argmax(np.where(involved, weights, -1), axis=-1)
    is_target = np.arange(votes.shape[-1]) == target[..., None]
    emptied = involved & ~is_target & merging[..., None]
    union = np.bitwise_or.reduce(np.where(involved, members, 0), axis=-1)
    summed = np.where(involved, votes, 0).sum(axis=-1)
    take = is_target & merging[..., None]
    new_votes = np.where(take, summed[..., None], np.where(emptied, 0, votes))
    new_members = np.where(take, union[..., None], np.where(emptied, 0, members))
    if roster_party is not None:
        roster_party = np.where(emptied[..., None], -1, roster_party).astype(roster_party.dtype)
        roster_female = roster_female & ~emptied[..., None]
    return Listing(new_votes, new_members, roster_party, roster_female)


def _merge_numba(votes, members, weights, mask, excluding, roster_party, roster_female) -> Listing:
    """:func:`merge_lists` on checked arrays, in one pass of
    :func:`malivote._models_numba.merge_rows` (and one of ``clear_rosters``)."""
    from malivote._models_numba import clear_rosters, merge_rows

    slots = votes.shape[-1]
    rows = lambda array: np.ascontiguousarray(array).reshape(-1, slots)
    new_votes = np.empty(votes.shape, np.int64)
    new_members = np.empty(votes.shape, np.int64)
    emptied = np.empty(votes.shape, bool)
    merge_rows(rows(votes), rows(members), rows(weights), mask, excluding, new_votes.reshape(-1, slots),
               new_members.reshape(-1, slots), emptied.reshape(-1, slots))
    if roster_party is not None:
        # Copies first (memory copies, the fastest pass), then the few emptied slots.
        roster_party, roster_female = np.array(roster_party, order="C"), np.array(roster_female, order="C")
        places = roster_party.shape[-1]
        clear_rosters(emptied.reshape(-1, slots), roster_party.reshape(-1, slots, places),
                      roster_female.reshape(-1, slots, places))
    return Listing(new_votes, new_members, roster_party, roster_female)


def split_list(votes, members, party: int, fraction=None, *, roster_party=None,
               roster_female=None) -> Listing:
    """Split ``party`` off every joint list it shares with others.

    In each constituency, each list whose bit mask holds ``party`` and another party
    loses ``party``, which runs its own list in the first empty slot (0 votes and mask
    0), taking ``round(fraction * list votes)`` of the list's voters (half up); the rest
    stay. Totals are unchanged.

    Parameters
    ----------
    votes, members : array_like of int, shape (..., C, K)
    party : int
        The party leaving.
    fraction : float or array_like, optional
        Share of the joint list's votes that follows the party, in [0, 1]; broadcasts
        against ``votes.shape[:-1]``. Default: the party's share of the roster positions
        if rosters are given, else an equal share (1 / number of member parties).
    roster_party, roster_female : array_like, shape (..., C, K, M), optional
        Rosters to split: the party's candidates go to the new list, the others stay,
        each in their order. Each roster is then filled up to its old length with
        unnamed candidates of its own party (the new list's party; for the remaining
        list the party of its head) who count as men: a modelling assumption, since a
        party running alone must present a full list.

    Returns
    -------
    Listing

    Raises
    ------
    ValueError
        If a constituency has more lists to split than empty slots.

    Examples
    --------
    >>> out = split_list([[900, 100, 0]], [[0b011, 0b100, 0]], 1)
    >>> out.votes, out.members
    (array([[450, 100, 450]]), array([[1, 4, 2]]))
    >>> split_list([[900, 100, 0]], [[0b011, 0b100, 0]], 1, fraction=1 / 3).votes
    array([[600, 100, 300]])
    """
    votes = as_votes(votes, "votes", min_ndim=1).astype(np.int64)
    members = np.array(_members(members, votes.shape))
    bit = party_mask(party)
    if bit & (bit - 1):
        raise ValueError(f"party: expected one party index, found {party!r}")
    party = bit.bit_length() - 1
    roster_party, roster_female = _rosters(roster_party, roster_female, votes.shape)
    source = ((members & bit) != 0) & (members != bit)
    empty = (votes == 0) & (members == 0)
    short = source.sum(axis=-1) > empty.sum(axis=-1)
    if short.any():
        index = first_bad_index(short)
        raise ValueError(
            f"votes: constituency {index} has {int(source[index].sum())} list(s) to split but "
            f"{int(empty[index].sum())} empty slot(s)"
        )
    if fraction is None:
        if roster_party is not None:
            length = (roster_party >= 0).sum(axis=-1)
            fraction_k = (roster_party == party).sum(axis=-1) / np.maximum(length, 1)
        else:
            fraction_k = 1.0 / np.maximum(_bitcount(members), 1)
    else:
        fraction = _real(fraction, "fraction", low=0, high=1)
        _row_shape("fraction", fraction, votes.shape[:-1])
        fraction_k = np.broadcast_to(np.asarray(fraction)[..., None], votes.shape)
    moved = np.where(source, np.floor(fraction_k * votes + 0.5).astype(np.int64), 0)

    new_votes = votes - moved
    new_members = np.where(source, members & ~bit, members)
    source_order = np.argsort(~source, axis=-1, kind="stable")
    empty_order = np.argsort(~empty, axis=-1, kind="stable")
    n_source = source.sum(axis=-1)
    if roster_party is not None:
        new_party, new_female = roster_party.copy(), roster_female.copy()
    for j in range(int(n_source.max(initial=0))):
        active = j < n_source
        src = source_order[..., j:j + 1]
        dst = empty_order[..., j:j + 1]
        old = np.take_along_axis(new_votes, dst, -1)
        arriving = np.take_along_axis(moved, src, -1)
        np.put_along_axis(new_votes, dst, np.where(active[..., None], arriving, old), -1)
        old_mask = np.take_along_axis(new_members, dst, -1)
        np.put_along_axis(new_members, dst, np.where(active[..., None], bit, old_mask), -1)
        if roster_party is not None:
            rest = np.take_along_axis(new_members, src, -1)[..., 0]
            _split_roster(roster_party, roster_female, new_party, new_female, src, dst, active, party,
                          _lowest_bit(rest))
    if roster_party is None:
        return Listing(new_votes, new_members, None, None)
    return Listing(new_votes, new_members, new_party, new_female)


def _lowest_bit(members):
    """Index of the lowest set bit of each mask (0 for an empty mask)."""
    low = members & -members
    index = np.zeros(members.shape, dtype=np.int64)
    for p in range(63):
        index = np.where(low == 1 << p, p, index)
    return index


def _bitcount(members):
    count = np.zeros(members.shape, dtype=np.int64)
    for p in range(63):
        count += (members >> p) & 1
    return count


def _compact(party, female, keep):
    """Kept positions first, in order; then -1/False."""
    order = np.argsort(~keep, axis=-1, kind="stable")
    kept = np.take_along_axis(keep, order, -1)
    party = np.where(kept, np.take_along_axis(party, order, -1), -1)
    return party, np.take_along_axis(female, order, -1) & kept


def _fill(party, female, length, filler):
    """Fill positions below ``length`` that hold -1 with ``filler`` (unnamed men)."""
    gap = (np.arange(party.shape[-1]) < length[..., None]) & (party < 0)
    return np.where(gap, filler[..., None], party), female & ~gap


def _split_roster(roster_party, roster_female, new_party, new_female, src, dst, active, party, rest_party):
    take = lambda a: np.take_along_axis(a, src[..., None], -2)[..., 0, :]  # noqa: E731
    old_party, old_female = take(roster_party), take(roster_female)
    length = (old_party >= 0).sum(axis=-1)
    leaving = old_party == party
    gone_party, gone_female = _fill(*_compact(old_party, old_female, leaving), length,
                                    np.full(length.shape, party))
    stay_party, stay_female = _compact(old_party, old_female, (old_party >= 0) & ~leaving)
    head = np.where(stay_party[..., 0] >= 0, stay_party[..., 0], rest_party)
    stay_party, stay_female = _fill(stay_party, stay_female, length, head)
    for target, value, slot in ((new_party, gone_party, dst), (new_female, gone_female, dst),
                                (new_party, stay_party, src), (new_female, stay_female, src)):
        current = np.take_along_axis(target, slot[..., None], -2)[..., 0, :]
        chosen = np.where(active[..., None], value, current)[..., None, :]
        np.put_along_axis(target, slot[..., None], chosen, -2)


#: Draws of :func:`lognormal_votes` made at a time: 32 x 125 x 20 float32 normals are
#: 320 KB, which stay in a core's L2 cache while they become votes.
LOGNORMAL_PIECE = 32


def lognormal_votes(votes, sigma: float, draws: int, *, rng=None, block: int = 1024, workers: int = 1,
                    dtype=np.int32) -> np.ndarray:
    """Many draws of district votes with multiplicative log-normal noise, fast.

    Each list's votes in each draw are ``floor(votes * exp(sigma * z))``, ``z``
    standard normal, independent across draws, constituencies and lists: a noisy
    strength per list, so turnout varies with the noise too. Unlike
    :func:`logit_normal_noise` it does not keep each constituency's total, and in
    exchange it is one pass over float32 random numbers, for Monte Carlo at scale.

    Parameters
    ----------
    votes : array_like of int, shape (C, K)
        The votes the draws vary around; 0 stays 0 (an empty slot, which draws no
        random number).
    sigma : float
        Standard deviation of the log-votes; 0.1 is about 10% noise per list.
    draws : int
    rng : {None, int, numpy.random.SeedSequence, numpy.random.Generator}
        The random source (SPEC 7). Block ``b`` of ``block`` draws uses child ``b``
        of its seed sequence (:func:`malivote.seeds.root_sequence`), so the result
        does not depend on ``workers``.
    block : int, default 1024
    workers : int, default 1
        Threads filling blocks at once; NumPy's generators release the GIL.
    dtype : integer dtype, default int32

    Returns
    -------
    ndarray, shape (draws, C, K)

    Notes
    -----
    A block's normals come in pieces of :data:`LOGNORMAL_PIECE` draws, each turned
    into votes while it is still in the core's cache; the generator's stream, and so
    the result, is the same as for one call per block.

    Examples
    --------
    >>> draws = lognormal_votes([[600, 400, 0]], 0.1, 3, rng=1)
    >>> draws.shape, bool((draws[..., 2] == 0).all())
    ((3, 1, 3), True)
    >>> bool((lognormal_votes([[600, 400, 0]], 0.1, 3, rng=1, block=1, workers=2) ==
    ...       lognormal_votes([[600, 400, 0]], 0.1, 3, rng=1, block=1)).all())
    True
    """
    base = as_votes(votes, "votes", min_ndim=2)
    if base.ndim != 2:
        raise ValueError(f"votes: expected shape (C, K), found {base.shape}")
    sigma = float(_real(sigma, "sigma", low=0.0))
    for name, value in (("draws", draws), ("block", block), ("workers", workers)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: expected a positive integer, found {value!r}")
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        raise ValueError(f"dtype: expected an integer dtype, found {dtype}")
    if np.iinfo(dtype).max < base.max(initial=0) * np.exp(8 * sigma):
        raise ValueError(f"dtype: {dtype} is too small for votes of {base.max()} with sigma {sigma}")
    draws = int(draws)
    flat = base.reshape(-1)
    filled = np.flatnonzero(flat)
    strength = flat[filled].astype(np.float32)
    # Where each output entry comes from: its filled slot, or a last column of zeros.
    source = np.full(flat.size, filled.size)
    source[filled] = np.arange(filled.size)
    from malivote.seeds import root_sequence

    sequence = root_sequence(rng)
    n_blocks = -(-draws // block)
    children = sequence.spawn(n_blocks)
    out = np.empty((draws, flat.size), dtype=dtype)
    piece = min(LOGNORMAL_PIECE, block, draws)

    def fill(b: int) -> None:
        rng = np.random.default_rng(children[b])
        noise = np.empty((piece, filled.size), dtype=np.float32)
        counts = np.zeros((piece, filled.size + 1), dtype=dtype)
        stop = min((b + 1) * block, draws)
        for start in range(b * block, stop, piece):
            size = min(piece, stop - start)
            strengths = noise[:size]
            rng.standard_normal(out=strengths, dtype=np.float32)
            strengths *= np.float32(sigma)
            np.exp(strengths, out=strengths)
            strengths *= strength
            if filled.size == flat.size:
                np.copyto(out[start : start + size], strengths, casting="unsafe")
            else:
                # Truncation is floor: every strength is >= 0.
                np.copyto(counts[:size, :-1], strengths, casting="unsafe")
                # mode="clip" (every index is in range) lets take write into out unbuffered.
                np.take(counts[:size], source, axis=1, out=out[start : start + size], mode="clip")

    if workers == 1 or n_blocks == 1:
        for b in range(n_blocks):
            fill(b)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(fill, range(n_blocks)))
    return out.reshape((draws,) + base.shape)
