"""The ``malivote`` command line: it composes the stages and holds no logic of its own.

Commands:

- ``malivote run SCENARIO [--draws N] [--seed S] [--format table|json|csv] [--export DIR]
  [--export-format csv|csv.gz|parquet] [--plot DIR] [--chunk-size N] [--workers N]
  [--processes] [--progress/--no-progress]``
- ``malivote compare SCENARIO SCENARIO... [--draws N] [--seed S] [--format table|json|csv] [--plot DIR]``
- ``malivote validate SCENARIO`` (a scenario or a sweep file)
- ``malivote sweep FILE [--draws N] [--seed S] [--format table|json] [--out PATH] [--plot DIR]
  [--scheduler ADDRESS | --local-cluster N] [--resume]``
- ``malivote scenarios [--path]``
- ``malivote holdout YEAR [--folds K] [--draws N] [--seed S] [--format table|json]``

``run --plot DIR`` writes the hemicycle and the seat distributions as PNG and SVG;
``compare --plot DIR`` writes the comparison chart.

``run --export DIR`` streams each block of draws into DIR as it is decided (memory does
not grow with the draws), into a temporary folder whose files are renamed into place
at the end, with ``manifest.json`` (the scenario, seed, draws, version, each column's
meaning, and which files are modelled); a lock file refuses a second run writing the
same folder, and a folder holding an earlier export in another format is refused
(:mod:`malivote.exports`). ``run --format json`` carries ``version`` and
``scenario_sha256`` (:func:`malivote.exports.scenario_sha256`); ``compare --format
json`` carries ``version`` and each scenario's ``scenario_sha256``.

User errors (a missing file, bad TOML, a bad value, a folder that cannot be written,
not enough memory) print a one-line message on stderr and exit with code 2, without
a traceback. Ctrl-C prints ``malivote: interrupted``, leaves no partial export and
exits with code 130.
"""

from __future__ import annotations

import argparse
import os
import sys

from malivote.scenario import ScenarioError, _short, _writable_directory, load_scenario, shipped_scenarios

__all__ = ["main"]


#: The most draws a run may ask for: the scenario schema's own limit.
MAX_DRAWS = 10_000_000
#: The most draws made at a time, and threads, a run may ask for.
MAX_CHUNK = 100_000
MAX_WORKERS = 256


def _whole_number(minimum: int, meaning: str, maximum: int | None = None, why: str = ""):
    """An argparse type: a whole number of at least ``minimum`` (and at most ``maximum``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            digits = text.strip().lstrip("+-")
            shown = repr(text if len(text) <= 40 else text[:37] + "...")
            if digits.isdigit() and len(digits) > 40:  # past int()'s limit on digits
                shown = f"a number of {len(digits)} digits"
            raise argparse.ArgumentTypeError(f"expected a whole number, found {shown}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a {meaning} number, found {value}")
        if maximum is not None and value > maximum:
            shown = str(value) if len(str(value)) <= 40 else f"a number of {len(str(value))} digits"
            raise argparse.ArgumentTypeError(f"expected at most {maximum:,}{why}, found {shown}")
        return value

    return parse


_positive_int = _whole_number(1, "positive")
_seed = _whole_number(0, "non-negative")
_draws = _whole_number(1, "positive", MAX_DRAWS, " (the scenario schema's limit)")
_chunk = _whole_number(1, "positive", MAX_CHUNK)
_workers = _whole_number(1, "positive", MAX_WORKERS)


def _folder(text: str) -> str:
    """An argparse type: a folder name, not empty."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a folder name, found {text!r}")
    if "\x00" in text:
        raise argparse.ArgumentTypeError("expected a folder name, found a NUL character in it")
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="malivote",
        description="Simulate Mali's National Assembly elections under real and counterfactual rules.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a scenario and print seats per party")
    run.add_argument("scenario", metavar="SCENARIO", help="a scenario file, or the name of a shipped one")
    run.add_argument("--draws", type=_draws, help=f"number of simulated elections, at most {MAX_DRAWS:,} (default: the scenario's)")
    run.add_argument("--seed", type=_seed, help="random seed (default: the scenario's)")
    run.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format (default: table)")
    run.add_argument("--export", type=_folder, metavar="DIR", help="write votes, results, constituencies, rosters, turnout and seats files into DIR, block by block")
    run.add_argument("--export-format", choices=("csv", "csv.gz", "parquet"), default=None, help="format of the --export files (default csv; parquet needs malivote[parquet])")
    run.add_argument("--plot", type=_folder, metavar="DIR", help="write the hemicycle and seat distribution plots (PNG, SVG) into DIR")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="show a progress bar (default: on a terminal, for long runs)")
    run.add_argument("--chunk-size", type=_chunk, default=1000, metavar="N", help=f"draws made at a time, at most {MAX_CHUNK:,} (default 1000); results do not depend on it")
    run.add_argument("--workers", type=_workers, default=1, metavar="N", help=f"threads drawing chunks at once, at most {MAX_WORKERS} (default 1); results do not depend on it")
    run.add_argument("--processes", action="store_true", help="run the --workers as processes, not threads: faster for long runs, after a set-up of a few seconds per process; results do not depend on it")

    compare = commands.add_parser("compare", help="run several scenarios and show them side by side")
    compare.add_argument("scenarios", metavar="SCENARIO", nargs="+")
    compare.add_argument("--draws", type=_draws, help=f"number of simulated elections, at most {MAX_DRAWS:,} (default: each scenario's)")
    compare.add_argument("--seed", type=_seed, help="random seed (default: each scenario's)")
    compare.add_argument("--format", choices=("table", "json", "csv"), default="table")
    compare.add_argument("--plot", type=_folder, metavar="DIR", help="write the comparison chart (PNG, SVG) into DIR")

    validate = commands.add_parser("validate", help="check a scenario file and report every problem")
    validate.add_argument("scenario", metavar="SCENARIO")

    sweep = commands.add_parser("sweep", help="run a scenario over a grid of parameters (a sweep file)")
    sweep.add_argument("sweep_file", metavar="FILE", help="a sweep file (TOML with a [sweep] table), or a shipped one's name")
    sweep.add_argument("--draws", type=_draws, help=f"draws per point, at most {MAX_DRAWS:,} (default: the scenario's)")
    sweep.add_argument("--seed", type=_seed, help="the sweep's seed (default: the scenario's)")
    sweep.add_argument("--format", choices=("table", "json"), default="table")
    sweep.add_argument("--out", metavar="PATH", help="write the results as NetCDF (.nc) or Zarr (.zarr)")
    sweep.add_argument("--plot", type=_folder, metavar="DIR", help="write seats against the swept parameter (PNG, SVG) into DIR")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster")
    where.add_argument("--local-cluster", type=_positive_int, metavar="N", help="run on a Dask LocalCluster of N worker processes")
    sweep.add_argument("--resume", action="store_true", help="continue from the points already written to --out")

    scenarios = commands.add_parser("scenarios", help="list the shipped scenarios")
    scenarios.add_argument("--path", action="store_true", help="print the folder that holds the shipped scenario files")

    holdout = commands.add_parser("holdout", help="score the replay's reconstruction on held-out district winners")
    holdout.add_argument("year", type=int, choices=(2013, 2020, 2007), metavar="YEAR")
    holdout.add_argument("--folds", type=_positive_int, default=5, metavar="K", help="folds (default 5)")
    holdout.add_argument("--draws", type=_draws, default=2000, metavar="N", help=f"draws per fold, at most {MAX_DRAWS:,} (default 2000)")
    holdout.add_argument("--seed", type=_seed, default=0, metavar="S")
    holdout.add_argument("--format", choices=("table", "json"), default="table")
    return parser


class _OutputError(Exception):
    """Standard output could not be written (a full disk, a closed file)."""

    def __init__(self, error: OSError):
        super().__init__(error)
        self.error = error


def _out(text: str) -> None:
    """Print ``text`` on standard output; a failure to write it is an :class:`_OutputError`."""
    try:
        print(text)
    except BrokenPipeError:
        raise
    except OSError as error:
        raise _OutputError(error) from None


def _cannot_write(option: str, directory, error: OSError) -> ScenarioError:
    where = f" ({_short(error.filename)})" if error.filename else ""
    return ScenarioError(f"{option}: cannot write to {_short(directory)}: {error.strerror or error}{where}")


def _compare(args) -> int:
    from malivote.report import compare_summaries, format_comparison, summarise
    from malivote.simulate import simulate

    scenarios = [load_scenario(name) for name in args.scenarios]
    directory = _writable_directory(args.plot, "--plot") if args.plot else None
    # Only the summaries are needed: each run keeps its tally, not its draws.
    summaries = [summarise(simulate(s, draws=args.draws, seed=args.seed, keep=False)) for s in scenarios]
    comparison = compare_summaries(summaries)
    if args.format == "json":
        _out(_comparison_json_with_provenance(format_comparison(comparison, "json"), args.scenarios))
    else:
        _out(format_comparison(comparison, args.format))
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure

        from malivote.plot import compare as plot_compare

        figure = Figure(figsize=(9, 1.2 + 0.6 * len(summaries) + 0.35 * len(comparison.parties) * max(1, len(summaries) / 2)))
        plot_compare(figure.add_subplot(), {s.scenario: s for s in summaries})
        figure.tight_layout()
        try:
            for extension in ("png", "svg"):
                figure.savefig(directory / f"comparison.{extension}", dpi=150)
        except OSError as error:
            raise _cannot_write("--plot", args.plot, error) from None
        print(f"Plots written to {directory}: comparison.png, comparison.svg", file=sys.stderr)
    return 0


def _comparison_json_with_provenance(text: str, scenario_names) -> str:
    """A comparison's JSON with ``version`` first and each scenario's ``scenario_sha256``
    after its ``source``."""
    import json

    from malivote import __version__
    from malivote.exports import scenario_sha256

    data = json.loads(text)
    for entry, name in zip(data["scenarios"], scenario_names, strict=True):
        ordered = {}
        for key, value in entry.items():
            ordered[key] = value
            if key == "source":
                ordered["scenario_sha256"] = scenario_sha256(name)
        ordered.setdefault("scenario_sha256", scenario_sha256(name))
        entry.clear()
        entry.update(ordered)
    return json.dumps({"version": __version__, **data}, indent=2, ensure_ascii=False)


def _json_with_provenance(summary, scenario_name: str) -> str:
    """The summary's JSON (:func:`malivote.report.format_json`) with ``version`` and
    ``scenario_sha256`` after ``source``."""
    import json

    from malivote import __version__
    from malivote.exports import scenario_sha256
    from malivote.report import format_json

    data = json.loads(format_json(summary))
    provenance = {"version": __version__, "scenario_sha256": scenario_sha256(scenario_name)}
    ordered = {}
    for key, value in data.items():
        ordered[key] = value
        if key == "source":
            ordered.update(provenance)
    ordered.update({key: value for key, value in provenance.items() if key not in ordered})
    return json.dumps(ordered, indent=2, ensure_ascii=False)


def _run(args) -> int:
    import contextlib

    from malivote.exports import Exporter, manifest
    from malivote.report import format_csv, format_table, summarise
    from malivote.simulate import simulate

    if args.export_format is not None and args.export is None:
        raise ScenarioError("--export-format: give --export DIR too")
    scenario = load_scenario(args.scenario)
    # The plot folder is made before the run, so that a folder that cannot be made
    # stops it at once.
    plot_directory = _writable_directory(args.plot, "--plot") if args.plot else None
    with contextlib.ExitStack() as stack:
        writer = None
        if args.export is not None:
            # Taken before the run: a folder another run is writing is refused at once.
            writer = stack.enter_context(Exporter(args.export, args.export_format or "csv", option="--export"))
        # Exports stream block by block: only plots need every draw kept. Without
        # plots, memory does not grow with the number of draws.
        simulation = simulate(
            scenario, draws=args.draws, seed=args.seed, progress=args.progress,
            chunk_size=args.chunk_size, workers=args.workers, processes=args.processes, keep=bool(args.plot),
            on_block=writer,
        )
        written = None
        if writer is not None:
            written = writer.commit(manifest=manifest(simulation, writer.rows, format=writer.format))
    summary = summarise(simulation)
    if args.format == "json":
        _out(_json_with_provenance(summary, args.scenario))
    else:
        _out({"table": format_table, "csv": format_csv}[args.format](summary))
    if written is not None:
        rows = ", ".join(f"{name} ({count} rows)" for name, count in written.items())
        print(f"Exported to {args.export}: {rows}", file=sys.stderr)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        from malivote.plot import plot_simulation

        try:
            paths = plot_simulation(simulation, plot_directory)
        except OSError as error:
            raise _cannot_write("--plot", args.plot, error) from None
        print(f"Plots written to {args.plot}: {', '.join(p.name for p in paths)}", file=sys.stderr)
    return 0


def _dispatch(args) -> int:
    if args.command == "run":
        return _run(args)
    if args.command == "compare":
        return _compare(args)
    if args.command == "validate":
        from malivote.sweep import is_sweep_file, load_sweep

        if is_sweep_file(args.scenario):
            sweep = load_sweep(args.scenario)
            _out(f"{args.scenario}: valid sweep ({len(sweep.points())} points)")
            return 0
        scenario = load_scenario(args.scenario)
        _out(f"{scenario.source}: valid ({scenario.name or 'unnamed scenario'})")
        return 0
    if args.command == "sweep":
        from malivote.sweep import cli_main

        return cli_main(args)
    if args.command == "holdout":
        from malivote.reconstruct.holdout import holdout

        result = holdout(args.year, folds=args.folds, draws=args.draws, seed=args.seed)
        if args.format == "json":
            import json

            _out(json.dumps(result.to_dict(), indent=2))
        else:
            _out(result.format_table())
        return 0
    if args.path:
        from malivote.scenario import SCENARIO_DIR

        _out(SCENARIO_DIR.resolve())
        return 0
    for name, description in shipped_scenarios():
        _out(f"{name:<40} {description}")
    return 0


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush of
    what could not be written does not fail again at exit."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # pytest's capture has no real file
        pass


def _error(message: str) -> int:
    import re

    # A 5,000-character file name would drown the message: long words are cut short.
    message = re.sub(r"\S{200,}", lambda word: f"{word[0][:100]}...{word[0][-60:]}", message)
    print(f"malivote: error: {message}", file=sys.stderr)
    return 2


def _describe(error: OSError) -> str:
    reason = error.strerror or str(error) or type(error).__name__
    return f"{reason}: {_short(error.filename)}" if error.filename else reason


def main(argv=None) -> int:
    """Entry point of the ``malivote`` command.

    Returns 0 on success, 2 on a user error (a one-line message on stderr, no
    traceback) and 130 on Ctrl-C. Bad arguments exit 2 through argparse.
    """
    try:
        args = _parser().parse_args(argv)
        try:
            from malivote._malloc import keep_freed_memory

            keep_freed_memory()  # this process is the command's own
            code = _dispatch(args)
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                raise
            except OSError as error:
                raise _OutputError(error) from None
            return code
        except _OutputError as failure:
            _silence_stdout()
            return _error(f"cannot write the output: {_describe(failure.error)}")
        except (ScenarioError, ValueError) as error:
            return _error(str(error))
        except BrokenPipeError:
            # The reader (say, `| head`) went away: stop quietly, as Unix tools do.
            _silence_stdout()
            return 0
        except MemoryError:
            return _error("not enough memory for this run: ask for fewer --draws or a smaller --chunk-size")
        except OSError as error:
            return _error(_describe(error))
    except KeyboardInterrupt:
        # Exports have removed their temporary files on the way out.
        print("malivote: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
