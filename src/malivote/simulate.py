"""Run a scenario: its compiled pipeline driven over chunks of draws and workers.

:func:`simulate` holds no electoral logic: :func:`malivote.pipeline.compile_scenario`
turns the scenario into a vote source, models and a rule, and this module runs them
over the draws, block by block, folding each block's tally into the run as it
arrives.

Examples
--------
>>> from malivote.scenario import load_scenario
>>> result = simulate(load_scenario("mali_2020"), draws=2)
>>> result.party_seats.shape[0], int(result.party_seats[0].sum())
(2, 147)
"""

from __future__ import annotations

import sys

import numpy as np

from malivote import seeds
from malivote._malloc import keep_freed_memory
from malivote.election import Ensemble
from malivote.pipeline import compile_scenario
from malivote.results import Decision, Simulation

__all__ = ["CHUNK_DRAWS", "RULE_BLOCK", "Simulation", "keep_freed_memory", "simulate"]

#: Draws that share one random stream (:data:`malivote.seeds.BLOCK`).
RULE_BLOCK = seeds.BLOCK
#: Draws made at a time by default.
CHUNK_DRAWS = 1000


def _progress_bar(total: int, progress, description: str):
    """A tqdm progress bar, or None.

    By default (``progress=None``) on a terminal only, and shown only once the run has
    taken two seconds, so that short runs print nothing. The rate, and so the ETA,
    is the average over the blocks already done (``smoothing=0``), counted from the
    end of the set-up; tqdm shows ``?`` until the first block is done.
    """
    delay = 0.0
    if progress is None:
        progress = sys.stderr.isatty()
        delay = 2.0
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=description, unit="draw", leave=False, delay=delay, smoothing=0)


def _concatenate(ensembles: list[Ensemble]) -> Ensemble:
    if len(ensembles) == 1:
        return ensembles[0]
    joined = {
        name: np.concatenate([getattr(e, name) for e in ensembles])
        for name in ("first", "second", "members", "roster_party", "roster_female", "turnout")
    }
    return ensembles[0].replace(**joined)


def _draw_parts(source, first_draw: int, count: int):
    """A chunk's draws as ``(first draw, Ensemble)`` pieces in order, each after the
    first starting at a multiple of ``RULE_BLOCK``: the source's ``draw_parts``, or
    one ``draw``."""
    draw_parts = getattr(source, "draw_parts", None)
    if draw_parts is None:
        yield first_draw, source.draw(first_draw, count)
        return
    for start, ensemble in draw_parts(first_draw, count):
        if start != first_draw and start % RULE_BLOCK:
            raise ValueError(f"source.draw_parts: a piece starts at draw {start}, not on a block of {RULE_BLOCK}")
        yield start, ensemble


def _run_chunk(pipeline, chunk_start: int, count: int, collect: bool, bar=None):
    """Draw, decide and tally draws ``chunk_start`` to ``chunk_start + count - 1``.

    Returns ``(tally, blocks, about)``: the chunk's :class:`~malivote.tally.Tally`,
    its ``(ensemble, decision)`` blocks where ``collect``, and the ensemble's parties,
    layout name and notes.
    """
    end = chunk_start + count
    blocks, tally = [], None
    # The chunk's draws are asked of the source a block at a time (or as many as it
    # says it draws best at once): the same draws (draw i depends only on the seed
    # and i), without chunk-sized arrays to fault in, copy into and free.
    step = getattr(pipeline.source, "draws_per_request", RULE_BLOCK)
    for first in range(chunk_start, end, step):
        for part_start, ensemble in _draw_parts(pipeline.source, first, min(step, end - first)):
            n = ensemble.n_draws
            for block_start in range(0, n, RULE_BLOCK):
                part = slice(block_start, min(block_start + RULE_BLOCK, n))
                # The block is counted into the chunk's tally as it is decided.
                changed, decision, tally = pipeline.run_block(
                    ensemble.take(part), block=(part_start + block_start) // RULE_BLOCK, tally=tally
                )
                if collect:
                    blocks.append((changed, decision))
                if bar is not None:
                    bar.update(part.stop - part.start)  # tqdm takes updates from any thread
    return tally, blocks, (ensemble.parties, ensemble.layout.name, ensemble.notes)


#: The pipeline of a worker process (:func:`_start_process`), compiled once per process.
_PROCESS_PIPELINE = None


def _share_compiled_threads(workers: int) -> None:
    """Give the calling worker (thread or process) its share of the cores for the
    compiled kernels' own threads: ``workers`` workers each running kernels on every
    core's threads oversubscribe the cores (on 2 cores, 2 thread workers ran no faster
    than 1). numba's thread count is per thread, so this sets the worker's alone."""
    import importlib.util
    import os

    if importlib.util.find_spec("numba") is not None:
        import numba

        numba.set_num_threads(max(1, min(numba.config.NUMBA_NUM_THREADS, (os.cpu_count() or 1) // workers)))


def _start_process(scenario, seed: int, workers: int) -> None:
    """Compile the scenario and do its set-up once in a worker process, with its share
    of the compiled kernels' threads."""
    global _PROCESS_PIPELINE

    keep_freed_memory()
    _share_compiled_threads(workers)
    _PROCESS_PIPELINE = compile_scenario(scenario, seed=seed)
    _PROCESS_PIPELINE.source.prepare()


def _process_chunk(chunk_start: int, count: int, collect: bool):
    return _run_chunk(_PROCESS_PIPELINE, chunk_start, count, collect)


def simulate(
    scenario,
    *,
    draws: int | None = None,
    seed: int | None = None,
    chunk_size: int = CHUNK_DRAWS,
    progress: bool | None = None,
    keep: bool = True,
    workers: int = 1,
    processes: bool = False,
    on_block=None,
) -> Simulation:
    """Run a scenario.

    Parameters
    ----------
    scenario : Scenario
        From :func:`malivote.scenario.load_scenario` or
        :func:`malivote.scenario.build_scenario`.
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
        Threads (or processes) that draw and decide chunks at once. NumPy and the
        compiled kernels release the GIL in their array work, so two threads use both
        cores of a 2-core machine.
    processes : bool, default False
        Run the ``workers`` as processes (:class:`concurrent.futures.ProcessPoolExecutor`,
        started with ``spawn``) instead of threads: no worker waits for another's
        Python code, at the price of a set-up of about two seconds per process (each
        compiles the scenario and prepares its source). For long runs. Blocks come back
        to this process only where ``keep`` or ``on_block`` needs them. As with any
        spawned pool, a script that calls it needs an ``if __name__ == "__main__":``
        guard (the ``malivote`` command and notebooks need nothing).
    on_block : callable, optional
        Called as ``on_block(ensemble, decision)`` for every block of draws, in draw
        order, from the calling thread (for streaming exports).

    Results do not depend on ``chunk_size`` or ``workers``: the elections and the lots
    that break ties come from one seed sequence child per fixed block of
    ``RULE_BLOCK`` draws (:mod:`malivote.seeds`), and chunks are put back in order.

    Returns
    -------
    Simulation
    """
    draws = scenario.simulation.draws if draws is None else draws
    seed = scenario.simulation.seed if seed is None else seed
    for name, value, low in (("draws", draws, 1), ("chunk_size", chunk_size, 1), ("workers", workers, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name}: expected a positive whole number, found {value!r}")
    if not isinstance(processes, (bool, np.bool_)):
        raise ValueError(f"processes: expected True or False, found {processes!r}")
    seed = seeds.as_seed(seed)
    draws = int(draws)
    chunk_size = -(-int(chunk_size) // RULE_BLOCK) * RULE_BLOCK
    pipeline = compile_scenario(scenario, seed=seed)
    # Set-up before the bar and the threads start: the replay's outcome pool, and the
    # rule's compiled kernels (numba compiles on first call), decided once on one draw
    # with a throwaway generator, so that the run's own streams are untouched and the
    # progress bar's rate counts only the run.
    pipeline.source.prepare()
    if progress or (progress is None and sys.stderr.isatty()):
        warm = pipeline.source.draw(0, 1)
        pipeline.rule.decide(pipeline.models.apply(warm, np.random.default_rng(0)), np.random.default_rng(0))

    collect = bool(keep or on_block is not None)

    def run_chunk(chunk_start: int):
        return _run_chunk(pipeline, chunk_start, min(chunk_size, draws - chunk_start), collect, bar)

    bar = _progress_bar(draws, progress, scenario.name or "malivote")
    starts = range(0, draws, chunk_size)
    state = {"tally": None, "about": None}
    kept: list[tuple[Ensemble, Decision]] = []

    def absorb(result) -> None:
        """Fold a chunk into the run as it arrives, in order: nothing per chunk is kept
        unless ``keep``, so memory does not grow with the number of draws."""
        tally, blocks, about = result
        if state["tally"] is None:
            state["tally"], state["about"] = tally, about
        else:
            state["tally"].merge(tally)
        if on_block is not None:
            for changed, decision in blocks:
                on_block(changed, decision)
        if keep:
            kept.extend(blocks)

    try:
        if workers == 1 or len(starts) == 1:
            for start in starts:
                absorb(run_chunk(start))
        else:
            from collections import deque
            from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

            if processes:
                import multiprocessing

                # spawn: a fresh interpreter, never a fork of this one's threads (numba's,
                # a notebook's); each compiles the scenario once
                pool = ProcessPoolExecutor(
                    max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_process, initargs=(scenario, seed, workers),
                )

                def submit(start):
                    return pool.submit(_process_chunk, start, min(chunk_size, draws - start), collect)

                def done(result):
                    if bar is not None:  # a process's bar would not show: moved on per chunk
                        bar.update(result[0].n_draws)  # (the chunk's own tally, before the fold)
                    absorb(result)
            else:
                pool = ThreadPoolExecutor(max_workers=workers, initializer=_share_compiled_threads, initargs=(workers,))

                def submit(start):
                    return pool.submit(run_chunk, start)

                done = absorb
            # At most two chunks per worker in flight: finished chunks wait to be
            # folded in (and exported) in order, so memory stays bounded by the window,
            # not by the number of draws.
            window = 2 * workers
            with pool:
                pending = deque()
                for start in starts:
                    pending.append(submit(start))
                    if len(pending) >= window:
                        done(pending.popleft().result())
                while pending:
                    done(pending.popleft().result())
    finally:
        if bar is not None:
            bar.close()

    parties, layout_name, notes = state["about"]
    common = dict(
        scenario=scenario, seed=seed, tally=state["tally"], parties=parties,
        layout_name=layout_name, notes=notes,
    )
    if not keep:
        return Simulation(**common)
    decisions = [decision for _, decision in kept]
    national = None
    if decisions[0].national is not None:
        national = np.concatenate([d.national for d in decisions])
    return Simulation(
        **common,
        ensemble=_concatenate([changed for changed, _ in kept]),
        seats=np.concatenate([d.seats for d in decisions]),
        round=np.concatenate([d.round for d in decisions]),
        party_seats=np.concatenate([d.party_seats for d in decisions]),
        women=np.concatenate([d.women for d in decisions]),
        national=national,
    )
