"""Run a scenario: election → vote draws → rule → seats per list → seats per party.

:func:`simulate` composes the stages and holds no electoral logic of its own: the
votes come from :mod:`malivote.reconstruct` (a replay) or from the scenario's own
lists, the rule from :mod:`malivote.rules`, and the party seats from the rosters
(:func:`malivote.election.credit_seats`).

Examples
--------
>>> from malivote.scenario import load_scenario
>>> result = simulate(load_scenario("mali_2020"), draws=2)
>>> result.party_seats.shape[0], int(result.party_seats[0].sum())
(2, 147)
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from malivote import datasets
from malivote.election import Ensemble, credit_elected, credit_seats
from malivote.layouts import get_layout
from malivote.rules import block_vote, divisor, largest_remainder, open_runoff, plurality, two_round
from malivote.scenario import Scenario
from malivote.tally import Tally

__all__ = [
    "Decision",
    "Simulation",
    "apply_models",
    "apply_rule",
    "ensemble_from_lists",
    "national_party_votes",
    "runoff_votes",
    "simulate",
    "tally_block",
]

# Tie-breaking draws from its own stream, apart from the reconstruction's, so that
# changing the rule never changes the elections drawn.
_RULE_STREAM = 0x72756C65
#: Draws whose ties share one seed sequence child: results do not depend on chunking.
RULE_BLOCK = 100
#: Draws made at a time by default.
CHUNK_DRAWS = 1000


@dataclass(frozen=True, eq=False)
class Simulation:
    """The outcome of a scenario over its draws.

    Every run keeps a :class:`~malivote.tally.Tally` (histograms and metric sums, in
    constant memory). A run with ``keep=True`` (the default) also keeps every draw's
    arrays, for exports, plots and analysis; with ``keep=False`` they are None.

    Attributes
    ----------
    scenario : Scenario
    seed : int
    tally : Tally
        Seats per party, round-1 counts, women and metrics over all draws.
    parties : tuple of str
    layout_name : str
    notes : tuple of str
        What the election drawn could not honour.
    ensemble : Ensemble or None
        The elections drawn (after the scenario's models).
    seats : ndarray of int64, shape (D, C, K), or None
        Seats per list slot.
    round : ndarray of int8, shape (D, C), or None
        The round that decided each constituency (1 under one-round rules).
    party_seats : ndarray of int64, shape (D, P), or None
        Seats per party, ``P = len(parties)``.
    women : ndarray of int64, shape (D,), or None
        Women elected in the constituencies (national lists have no rosters).
    national : ndarray of int64, shape (D, P), or None
        Seats per party from a national PR tier, included in ``party_seats``.
    """

    scenario: Scenario
    seed: int
    tally: Tally
    parties: tuple[str, ...]
    layout_name: str
    notes: tuple[str, ...] = ()
    ensemble: Ensemble | None = None
    seats: np.ndarray | None = None
    round: np.ndarray | None = None
    party_seats: np.ndarray | None = None
    women: np.ndarray | None = None
    national: np.ndarray | None = None

    @property
    def n_draws(self) -> int:
        return self.tally.n_draws

    @cached_property
    def round1_constituencies(self) -> np.ndarray:
        """Constituencies decided in round 1, per draw (kept runs only)."""
        return (self.round == 1).sum(axis=-1)

    @cached_property
    def round1_seats(self) -> np.ndarray:
        """Seats decided in round 1 in the constituencies, per draw (kept runs only)."""
        return _round1_seats(self.seats, self.round)

    def official(self) -> dict[str, int] | None:
        """The official seat table the scenario replays, if any."""
        return self.scenario.official_seats()

    def summary(self) -> dict:
        """Seats per party, round 1 and metrics: :func:`malivote.report.summarise`."""
        from malivote.report import summarise

        return summarise(self)

    def _repr_html_(self) -> str:
        from malivote.report import format_html

        return format_html(self.summary())

    def __repr__(self) -> str:
        return (
            f"<Simulation {self.scenario.name or self.scenario.source!r}: {self.n_draws} draws, "
            f"seed {self.seed}, rule {self.scenario.rule.method}>"
        )


def _round1_seats(seats: np.ndarray, rounds: np.ndarray) -> np.ndarray:
    return np.where((rounds == 1)[..., None], seats, 0).sum(axis=(-1, -2))


def tally_block(scenario: Scenario, ensemble: Ensemble, decision: "Decision") -> Tally:
    """The summaries of one block of draws: histograms and per-draw metrics.

    Party votes for the metrics credit each joint list's votes equally to its parties
    (:func:`malivote.metrics.party_votes`, an assumption: ballots are cast for lists).
    """
    from malivote import metrics

    house = int(ensemble.magnitude.sum())
    tally = Tally.empty(ensemble.parties, house, ensemble.layout.n_constituencies)
    votes = metrics.party_votes(ensemble.first, ensemble.members, len(ensemble.parties))
    seats = decision.party_seats
    values = {
        "gallagher": metrics.gallagher(votes, seats),
        "loosemore_hanby": metrics.loosemore_hanby(votes, seats),
        "enp_votes": metrics.effective_number_of_parties(votes),
        "enp_seats": metrics.effective_number_of_parties(seats),
        "largest_party_share": metrics.largest_party_share(seats),
        "runoffs": metrics.runoffs(decision.round),
        "wasted_votes": metrics.wasted_votes(ensemble.first, decision.seats),
        "women": decision.women,
    }
    tally.add(
        party_seats=seats,
        round1_constituencies=(decision.round == 1).sum(axis=-1),
        round1_seats=_round1_seats(decision.seats, decision.round),
        women=decision.women,
        metrics=values,
        majority=metrics.majority_threshold(house),
    )
    return tally


@dataclass(frozen=True, eq=False)
class Decision:
    """What a rule decided for a block of draws."""

    seats: np.ndarray  # (D, C, K) seats per list slot (district tier)
    round: np.ndarray  # (D, C)
    party_seats: np.ndarray  # (D, P), both tiers
    women: np.ndarray  # (D,), district tier
    national: np.ndarray | None  # (D, P), national tier, if any


def _party(ensemble: Ensemble, party: str, key: str) -> int:
    if party not in ensemble.parties:
        raise ValueError(f"{key}: party {party!r} does not stand in this election")
    return ensemble.parties.index(party)


def apply_models(scenario: Scenario, ensemble: Ensemble, rng) -> Ensemble:
    """The ensemble after the scenario's ``[models]`` and ``[rosters]``, in that order.

    Order: mergers, swings, noise, turnout, then the roster rule. Mergers, swings and
    noise keep every constituency's valid votes and apply to both rounds; the turnout
    model rescales round-1 votes to a share of the registered voters, keeping each
    constituency's blank and invalid share. Where the new round-1 votes send other
    finalists to a runoff than the drawn round-2 votes cover, :func:`runoff_votes`
    decides it by the default transfer; ``[models.transfer]`` replaces the drawn
    round 2 everywhere.
    """
    from malivote import models as vote_models
    from malivote.rosters import apply_sex_rule

    spec = scenario.models
    first, second, members = ensemble.first, ensemble.second, ensemble.members
    roster_party, roster_female = ensemble.roster_party, ensemble.roster_female
    turnout = ensemble.turnout
    # Mergers, swings and noise apply to both rounds' votes: round-2 votes stay those
    # of the runoffs as they were held, moved the same way.
    for number, merge in enumerate(spec.merge):
        key = f"models.merge.{number}"
        if merge.parties is not None:
            alliance = [_party(ensemble, p, f"{key}.parties") for p in merge.parties]
        else:
            alliance = [_party(ensemble, p, f"{key}.all_except") for p in merge.all_except]
        excluding = merge.all_except is not None
        listing = vote_models.merge_lists(
            first, members, alliance, roster_party=roster_party, roster_female=roster_female,
            excluding=excluding,
        )
        second = vote_models.merge_lists(second, members, alliance, excluding=excluding).votes
        first, members = listing.votes, listing.members
        roster_party, roster_female = listing.roster_party, listing.roster_female
    for number, swing in enumerate(spec.swing):
        party = _party(ensemble, swing.party, f"models.swing.{number}.party")
        region = None
        if swing.region is not None:
            region = np.array([r == swing.region for r in ensemble.layout.region])
        if swing.points is not None:
            first, second = (
                vote_models.uniform_swing(votes, members, party, swing.points, region=region)
                for votes in (first, second)
            )
        else:
            first, second = (
                vote_models.proportional_swing(votes, members, party, swing.factor, region=region)
                for votes in (first, second)
            )
    if spec.noise is not None:
        if spec.noise.kind == "dirichlet":
            first, second = (vote_models.dirichlet_noise(v, spec.noise.concentration, rng) for v in (first, second))
        else:
            first, second = (vote_models.logit_normal_noise(v, spec.noise.sigma, rng) for v in (first, second))
    if spec.turnout is not None:
        turnout = turnout.copy()
        cast = np.maximum(turnout[..., 0, 1], 1)
        invalid_share = turnout[..., 0, 2] / cast
        result = vote_models.turnout(first, turnout[..., 0, 0], spec.turnout.rate, invalid=invalid_share)
        first = result.votes
        turnout[..., 0, :] = result.table
    if spec.transfer is not None:
        second = np.zeros_like(first)
        turnout = turnout.copy()
        turnout[..., 1, :] = 0
    second = np.asarray(second, dtype=np.int64)
    # Round-2 turnout follows the round-2 votes where they moved.
    if not np.array_equal(second, ensemble.second):
        turnout = turnout.copy()
        valid_second = second.sum(axis=-1)
        turnout[..., 1, 3] = valid_second
        turnout[..., 1, 1] = np.where(valid_second > 0, valid_second + turnout[..., 1, 2], 0)
    if scenario.rosters.sex != "as_drawn":
        roster_female = apply_sex_rule(roster_party, roster_female, scenario.rosters.sex, rng)
    return Ensemble(
        layout=ensemble.layout,
        parties=ensemble.parties,
        first=np.asarray(first, dtype=np.int64),
        second=second,
        members=np.asarray(members, dtype=np.int64),
        roster_party=roster_party,
        roster_female=roster_female,
        turnout=turnout,
        year=ensemble.year,
        notes=ensemble.notes,
    )


def national_party_votes(ensemble: Ensemble) -> np.ndarray:
    """Whole votes per party nationally ``(D, P)``: joint lists split equally.

    :func:`malivote.metrics.party_votes` gives the real-valued split; the fractions
    are rounded by largest remainder so that each draw keeps its total exactly.
    """
    from malivote.metrics import party_votes

    real = party_votes(ensemble.first, ensemble.members, len(ensemble.parties))
    total = ensemble.first.sum(axis=(-1, -2))
    whole = np.floor(real).astype(np.int64)
    left = total - whole.sum(axis=-1)
    rank = np.argsort(np.argsort(-(real - whole), axis=-1, kind="stable"), axis=-1, kind="stable")
    return whole + (rank < left[:, None])


def runoff_votes(scenario: Scenario, ensemble: Ensemble, magnitude, rng):
    """Round-2 votes for a two-round rule: drawn, from a transfer model, or None.

    Without it, the drawn round-2 votes decide the runoffs they cover (both finalists
    have votes there); a runoff between other finalists, after the votes moved, goes
    by the default transfer. With ``[models.transfer]``, the finalists are found from the round-1 votes
    (:func:`malivote.rules.two_round` with the default transfer) and every runoff's
    votes come from :func:`malivote.models.transfer_runoff`: the finalists keep
    ``retention`` of their voters, and each eliminated list's voters go to the leader,
    the runner-up or abstention by its party's row (``default`` for parties not
    listed). ``random = true`` draws each list's voters multinomially.
    """
    spec = scenario.models.transfer
    if spec is None and not ensemble.second.any():
        return None
    finalists = two_round(ensemble.first, magnitude, None, majority=scenario.rule.majority, rng=rng).finalists
    if spec is None:
        # Drawn round-2 votes where both finalists have them; elsewhere the default
        # transfer, which keeps the finalists' round-1 ratio.
        runoff = finalists[..., 1] >= 0
        pair = np.maximum(finalists, 0)
        drawn = np.take_along_axis(ensemble.second, pair, axis=-1)
        covered = (drawn > 0).all(axis=-1)
        fill = runoff & ~covered
        second = ensemble.second.copy()
        if fill.any():
            first_pair = np.take_along_axis(ensemble.first, pair, axis=-1)
            # Clear the row, then give the two finalists their round-1 votes.
            second[fill] = 0
            rows = np.nonzero(fill)
            second[rows + (pair[fill][:, 0],)] = first_pair[fill][:, 0]
            second[rows + (pair[fill][:, 1],)] = first_pair[fill][:, 1]
        return second
    from malivote.models import transfer_runoff

    matrix = np.array([spec.parties.get(party, spec.default) for party in ensemble.parties])
    runoff = transfer_runoff(
        ensemble.first, finalists, ensemble.members, matrix, retention=spec.retention,
        method="multinomial" if spec.random else "expected", rng=rng,
    )
    return runoff.second


def _check_threshold(ensemble: Ensemble, votes: np.ndarray, threshold: float, key: str, first_draw: int) -> None:
    """Name the draw and constituency where no list reaches a PR threshold."""
    if not threshold:
        return
    from malivote.rules._validation import as_share, below_share

    total = votes.sum(axis=-1, keepdims=True)
    reaches = ~below_share(votes, total, as_share(threshold, key)) & (votes > 0)
    stuck = ~reaches.any(axis=-1)
    if stuck.any():
        where = np.argwhere(stuck)[0]
        place = "nationally" if where.size == 1 else f"in {ensemble.layout.names[where[1]]!r}"
        raise ValueError(
            f"{key}: in draw {first_draw + int(where[0])} no list reaches the threshold "
            f"{threshold} {place}, so its seats cannot be given; lower the threshold"
        )


def _pr(votes, seats, spec, rng):
    if spec.method == "divisor":
        return divisor(votes, seats, method=spec.divisor, threshold=spec.threshold, rng=rng)
    return largest_remainder(votes, seats, quota=spec.quota, threshold=spec.threshold, rng=rng)


def _candidate_votes(ensemble: Ensemble, magnitude: np.ndarray, split_ticket: float, rng) -> np.ndarray:
    """Votes of every candidate ``(D, C, K, M)``: the list's, spread by split tickets.

    Each candidate gets the list's votes times ``exp(split_ticket * z)``, ``z``
    standard normal, so that voters who split their ticket can elect candidates of
    several lists; 0 means a straight party vote. Candidates past a roster's end get 0.
    """
    on_roster = ensemble.roster_party >= 0
    votes = np.where(on_roster, ensemble.first[..., None], 0).astype(np.float64)
    if split_ticket > 0:
        votes *= np.exp(split_ticket * rng.standard_normal(votes.shape))
    whole = np.rint(votes).astype(np.int64)
    # A candidate of a list with votes keeps at least one: rounding never unseats a list.
    return np.where(on_roster & (ensemble.first[..., None] > 0), np.maximum(whole, 1), 0)


def apply_rule(scenario: Scenario, ensemble: Ensemble, rng, *, first_draw: int = 0) -> Decision:
    """Decide the seats of a block of draws under the scenario's ``[rule]``.

    ``first_draw`` is the index of the block's first draw, for error messages.
    """
    rule = scenario.rule
    n_parties = len(ensemble.parties)
    house = int(ensemble.magnitude.sum())
    if rule.tier == "national":
        votes = national_party_votes(ensemble)
        _check_threshold(ensemble, votes, rule.threshold, "rule.threshold", first_draw)
        party_seats = _pr(votes, house, rule, rng)
        draws = ensemble.first.shape[0]
        return Decision(
            seats=np.zeros_like(ensemble.first),
            round=np.ones(ensemble.first.shape[:-1], dtype=np.int8),
            party_seats=party_seats,
            women=np.zeros(draws, dtype=np.int64),
            national=party_seats,
        )
    magnitude = ensemble.magnitude
    if rule.national is not None:
        district_seats = house - rule.national.seats
        if district_seats < magnitude.size:
            raise ValueError(
                f"rule.national.seats: {district_seats} district seats cannot give each of "
                f"the {magnitude.size} constituencies one"
            )
        # Adams' method gives every constituency at least one seat.
        magnitude = divisor(magnitude, district_seats, method="adams")
    elected = None
    if rule.method == "two_round":
        second = runoff_votes(scenario, ensemble, magnitude, rng)
        outcome = two_round(ensemble.first, magnitude, second, majority=rule.majority, rng=rng)
        seats, rounds = outcome.seats, outcome.round
    elif rule.method == "open_runoff":
        second = runoff_votes(scenario, ensemble, magnitude, rng)
        outcome = open_runoff(
            ensemble.first, magnitude, ensemble.turnout[..., 0, 0], second,
            majority=rule.majority, qualify=rule.qualify, rng=rng,
        )
        seats, rounds = outcome.seats, outcome.round
    elif rule.method == "plurality":
        outcome = plurality(ensemble.first, magnitude, rng=rng)
        seats, rounds = outcome.seats, outcome.round
    elif rule.method == "block_vote":
        candidates = _candidate_votes(ensemble, magnitude, scenario.models.split_ticket, rng)
        draws, n_constituencies, n_lists, longest = candidates.shape
        candidate_list = np.broadcast_to(np.arange(n_lists)[:, None], (n_lists, longest)).reshape(-1)
        candidate_list = np.broadcast_to(candidate_list, (n_constituencies, n_lists * longest))
        outcome = block_vote(
            candidates.reshape(draws, n_constituencies, -1), magnitude, candidate_list,
            n_lists=n_lists, rng=rng,
        )
        elected = outcome.elected.reshape(candidates.shape)
        seats, rounds = outcome.seats, np.ones(candidates.shape[:2], dtype=np.int8)
    else:
        _check_threshold(ensemble, ensemble.first, rule.threshold, "rule.threshold", first_draw)
        seats = _pr(ensemble.first, np.broadcast_to(magnitude, ensemble.first.shape[:-1]), rule, rng)
        rounds = np.ones(seats.shape[:-1], dtype=np.int8)
    if elected is None:
        party_seats, women = credit_seats(seats, ensemble.roster_party, ensemble.roster_female, n_parties)
    else:
        party_seats, women = credit_elected(elected, ensemble.roster_party, ensemble.roster_female, n_parties)
    national = None
    if rule.national is not None:
        votes = national_party_votes(ensemble)
        _check_threshold(ensemble, votes, rule.national.threshold, "rule.national.threshold", first_draw)
        national = _pr(votes, rule.national.seats, rule.national, rng)
        party_seats = party_seats + national
    return Decision(seats=seats, round=rounds, party_seats=party_seats, women=women, national=national)


def ensemble_from_lists(scenario: Scenario, draws: int) -> Ensemble:
    """The election a scenario writes out in ``[[lists]]``, repeated over ``draws``.

    Rosters without ``candidates`` alternate the list's parties in the order given,
    and the sexes starting with a woman (a zipper list). Turnout is the valid votes:
    a scenario with its own lists gives no registered, blank or invalid figures.
    """
    layout = get_layout(scenario.election.layout)
    parties = tuple(party.id for party in datasets.parties())
    party_index = {party: index for index, party in enumerate(parties)}
    constituency_index = {name: index for index, name in enumerate(layout.names)}
    per_constituency: dict[int, list] = {}
    for spec in scenario.lists:
        per_constituency.setdefault(constituency_index[spec.constituency], []).append(spec)
    n_slots = max(len(lists) for lists in per_constituency.values())
    longest = int(layout.magnitude.max())
    shape = (layout.n_constituencies, n_slots)
    first = np.zeros(shape, np.int64)
    second = np.zeros(shape, np.int64)
    members = np.zeros(shape, np.int64)
    roster_party = np.full(shape + (longest,), -1, np.int16)
    roster_female = np.zeros(shape + (longest,), bool)
    for c, lists in per_constituency.items():
        magnitude = int(layout.magnitude[c])
        for k, spec in enumerate(lists):
            first[c, k] = spec.votes[0]
            if len(spec.votes) > 1:
                second[c, k] = spec.votes[1]
            members[c, k] = sum(1 << party_index[p] for p in set(spec.parties))
            if spec.candidates is not None:
                roster = [(party_index[x.party], x.sex == "F") for x in spec.candidates]
            else:
                roster = [
                    (party_index[spec.parties[j % len(spec.parties)]], j % 2 == 0)
                    for j in range(magnitude)
                ]
            for j, (party, female) in enumerate(roster):
                roster_party[c, k, j] = party
                roster_female[c, k, j] = female
    valid = first.sum(axis=-1)
    turnout = np.zeros((layout.n_constituencies, 2, 4), np.int64)
    turnout[:, 0, :] = np.stack([valid, valid, np.zeros_like(valid), valid], axis=-1)
    valid_second = second.sum(axis=-1)
    turnout[:, 1, :] = np.stack([valid_second, valid_second, np.zeros_like(valid_second), valid_second], axis=-1)

    def repeat(array):
        return np.repeat(array[None], draws, axis=0)

    has_second = bool(second.any())
    return Ensemble(
        layout=layout,
        parties=parties,
        first=repeat(first),
        second=repeat(second) if has_second else np.zeros((draws,) + shape, np.int64),
        members=repeat(members),
        roster_party=repeat(roster_party),
        roster_female=repeat(roster_female),
        turnout=repeat(turnout),
        year=None,
        notes=("turnout: the scenario's lists give valid votes only",),
    )


def _progress_bar(total: int, progress, description: str):
    """A tqdm progress bar with an ETA, or None.

    By default (``progress=None``) on a terminal only, and shown only once the run has
    taken two seconds, so that short runs print nothing.
    """
    delay = 0.0
    if progress is None:
        progress = sys.stderr.isatty()
        delay = 2.0
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit="draw", leave=False, delay=delay)


def _concatenate(ensembles: list[Ensemble]) -> Ensemble:
    if len(ensembles) == 1:
        return ensembles[0]
    first = ensembles[0]
    joined = {
        name: np.concatenate([getattr(e, name) for e in ensembles])
        for name in ("first", "second", "members", "roster_party", "roster_female", "turnout")
    }
    return Ensemble(layout=first.layout, parties=first.parties, year=first.year, notes=first.notes, **joined)


def simulate(
    scenario: Scenario,
    *,
    draws: int | None = None,
    seed: int | None = None,
    chunk_size: int = CHUNK_DRAWS,
    progress: bool | None = None,
    keep: bool = True,
    workers: int = 1,
) -> Simulation:
    """Run a scenario.

    Parameters
    ----------
    scenario : Scenario
        From :func:`malivote.scenario.load_scenario`.
    draws, seed : int, optional
        Override the scenario's ``[simulation]`` settings.
    chunk_size : int, default 1000
        Draws made at a time (rounded up to a multiple of ``RULE_BLOCK``). Memory
        grows with the chunk size, not with ``draws``, when ``keep=False``.
    progress : bool, optional
        Show a progress bar with an ETA (tqdm), moved on after every block of
        ``RULE_BLOCK`` draws. By default, only on a terminal, and only once the run
        has taken two seconds.
    keep : bool, default True
        Keep every draw's arrays (for exports, plots, analysis). With False only the
        summaries are kept, in constant memory.
    workers : int, default 1
        Threads that draw and decide chunks at once. NumPy releases the GIL in its
        array work, so two workers use both cores of a 2-core machine.

    Results do not depend on ``chunk_size`` or ``workers``: the elections and the lots
    that break ties come from one seed sequence child per fixed block of
    ``RULE_BLOCK`` draws, and chunks are put back in order.

    Returns
    -------
    Simulation
    """
    draws = scenario.simulation.draws if draws is None else int(draws)
    seed = scenario.simulation.seed if seed is None else int(seed)
    if draws < 1:
        raise ValueError(f"draws: expected a positive number of draws, found {draws}")
    if seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, found {seed}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size: expected a positive number of draws, found {chunk_size}")
    if workers < 1:
        raise ValueError(f"workers: expected a positive number of threads, found {workers}")
    chunk_size = -(-int(chunk_size) // RULE_BLOCK) * RULE_BLOCK

    if scenario.is_replay:
        from malivote.reconstruct import reconstruct

        def draw_elections(first_draw: int, count: int) -> Ensemble:
            return reconstruct(
                scenario.election.year,
                layout=scenario.election.layout,
                draws=count,
                seed=seed,
                result=scenario.election.result,
                first_draw=first_draw,
            )
    else:
        def draw_elections(first_draw: int, count: int) -> Ensemble:
            return ensemble_from_lists(scenario, count)

    def run_chunk(chunk_start: int):
        count = min(chunk_size, draws - chunk_start)
        ensemble = draw_elections(chunk_start, count)
        kept, tally = [], None
        for block_start in range(0, count, RULE_BLOCK):
            block = slice(block_start, min(block_start + RULE_BLOCK, count))
            index = (chunk_start + block_start) // RULE_BLOCK
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(_RULE_STREAM, index)))
            changed = apply_models(scenario, ensemble.take(block), rng)
            decision = apply_rule(scenario, changed, rng, first_draw=chunk_start + block_start)
            block_tally = tally_block(scenario, changed, decision)
            tally = block_tally if tally is None else tally.merge(block_tally)
            if keep:
                kept.append((changed, decision))
            if bar is not None:
                bar.update(block.stop - block.start)  # tqdm takes updates from any thread
        return count, tally, kept, ensemble.notes, ensemble.parties, ensemble.layout.name

    bar = _progress_bar(draws, progress, scenario.name or "malivote")
    starts = list(range(0, draws, chunk_size))
    first = None
    pairs = []

    def absorb(result) -> None:
        """Fold a chunk into the run as it arrives, in order: nothing per chunk is kept
        unless ``keep``, so memory does not grow with the number of draws."""
        nonlocal first
        if first is None:
            first = result
        else:
            first[1].merge(result[1])
        pairs.extend(result[2])

    try:
        # The first chunk alone: it fills the caches (the replay's outcome pool)
        # before any other thread asks for them.
        absorb(run_chunk(starts[0]))
        if workers == 1 or len(starts) == 1:
            for start in starts[1:]:
                absorb(run_chunk(start))
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=workers) as pool:
                for result in pool.map(run_chunk, starts[1:]):
                    absorb(result)
    finally:
        if bar is not None:
            bar.close()

    _, tally, _, notes, parties, layout_name = first
    common = dict(scenario=scenario, seed=seed, tally=tally, parties=parties, layout_name=layout_name, notes=notes)
    if not keep:
        return Simulation(**common)
    decisions = [decision for _, decision in pairs]
    national = None
    if decisions[0].national is not None:
        national = np.concatenate([d.national for d in decisions])
    return Simulation(
        **common,
        ensemble=_concatenate([ensemble for ensemble, _ in pairs]),
        seats=np.concatenate([d.seats for d in decisions]),
        round=np.concatenate([d.round for d in decisions]),
        party_seats=np.concatenate([d.party_seats for d in decisions]),
        women=np.concatenate([d.women for d in decisions]),
        national=national,
    )
