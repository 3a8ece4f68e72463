"""The ``malivote`` command line: it composes the stages and holds no logic of its own.

Commands:

- ``malivote run SCENARIO [--draws N] [--seed S] [--format table|json|csv] [--export DIR]
  [--plot DIR] [--chunk-size N] [--workers N] [--progress/--no-progress]``
- ``malivote compare SCENARIO SCENARIO... [--draws N] [--seed S] [--format table|json|csv] [--plot DIR]``
- ``malivote validate SCENARIO``
- ``malivote scenarios [--path]``
- ``malivote holdout YEAR [--folds K] [--draws N] [--seed S] [--format table|json]``

``run --plot DIR`` writes the hemicycle and the seat distributions as PNG and SVG;
``compare --plot DIR`` writes the comparison chart.

User errors (a missing file, bad TOML, a bad value) print a message on stderr and
exit with code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import sys

from malivote.scenario import ScenarioError, load_scenario, shipped_scenarios

__all__ = ["main"]


def _whole_number(minimum: int, meaning: str):
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a {meaning} number, found {value}")
        return value

    return parse


_positive_int = _whole_number(1, "positive")
_seed = _whole_number(0, "non-negative")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="malivote",
        description="Simulate Mali's National Assembly elections under real and counterfactual rules.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run a scenario and print seats per party")
    run.add_argument("scenario", metavar="SCENARIO", help="a scenario file, or the name of a shipped one")
    run.add_argument("--draws", type=_positive_int, help="number of simulated elections (default: the scenario's)")
    run.add_argument("--seed", type=_seed, help="random seed (default: the scenario's)")
    run.add_argument("--format", choices=("table", "json", "csv"), default="table", help="output format (default: table)")
    run.add_argument("--export", metavar="DIR", help="write votes.csv, results.csv, constituencies.csv, rosters.csv and turnout.csv into DIR")
    run.add_argument("--plot", metavar="DIR", help="write the hemicycle and seat distribution plots (PNG, SVG) into DIR")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None, help="show a progress bar (default: on a terminal, for long runs)")
    run.add_argument("--chunk-size", type=_positive_int, default=1000, metavar="N", help="draws made at a time (default 1000); results do not depend on it")
    run.add_argument("--workers", type=_positive_int, default=1, metavar="N", help="threads drawing chunks at once (default 1); results do not depend on it")

    compare = commands.add_parser("compare", help="run several scenarios and show them side by side")
    compare.add_argument("scenarios", metavar="SCENARIO", nargs="+")
    compare.add_argument("--draws", type=_positive_int, help="number of simulated elections (default: each scenario's)")
    compare.add_argument("--seed", type=_seed, help="random seed (default: each scenario's)")
    compare.add_argument("--format", choices=("table", "json", "csv"), default="table")
    compare.add_argument("--plot", metavar="DIR", help="write the comparison chart (PNG, SVG) into DIR")

    validate = commands.add_parser("validate", help="check a scenario file and report every problem")
    validate.add_argument("scenario", metavar="SCENARIO")

    sweep = commands.add_parser("sweep", help="run a scenario over a grid of parameters (a sweep file)")
    sweep.add_argument("sweep_file", metavar="FILE", help="a sweep file (TOML with a [sweep] table), or a shipped one's name")
    sweep.add_argument("--draws", type=_positive_int, help="draws per point (default: the scenario's)")
    sweep.add_argument("--seed", type=_seed, help="the sweep's seed (default: the scenario's)")
    sweep.add_argument("--format", choices=("table", "json"), default="table")
    sweep.add_argument("--out", metavar="PATH", help="write the results as NetCDF (.nc) or Zarr (.zarr)")
    sweep.add_argument("--plot", metavar="DIR", help="write seats against the swept parameter (PNG, SVG) into DIR")
    where = sweep.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster")
    where.add_argument("--local-cluster", type=_positive_int, metavar="N", help="run on a Dask LocalCluster of N worker processes")
    sweep.add_argument("--resume", action="store_true", help="continue from the points already written to --out")

    scenarios = commands.add_parser("scenarios", help="list the shipped scenarios")
    scenarios.add_argument("--path", action="store_true", help="print the folder that holds the shipped scenario files")

    holdout = commands.add_parser("holdout", help="score the replay's reconstruction on held-out district winners")
    holdout.add_argument("year", type=int, choices=(2013, 2020, 2007), metavar="YEAR")
    holdout.add_argument("--folds", type=_positive_int, default=5, metavar="K", help="folds (default 5)")
    holdout.add_argument("--draws", type=_positive_int, default=200, metavar="N", help="draws per fold (default 200)")
    holdout.add_argument("--seed", type=_seed, default=0, metavar="S")
    holdout.add_argument("--format", choices=("table", "json"), default="table")
    return parser


def _writable_directory(directory: str, option: str):
    from pathlib import Path

    path = Path(directory)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ScenarioError(f"{option}: cannot create directory {directory}: {error.strerror}") from None
    return path


def _compare(args) -> int:
    from malivote.report import compare_summaries, format_comparison, summarise
    from malivote.simulate import simulate

    scenarios = [load_scenario(name) for name in args.scenarios]
    # Only the summaries are needed: each run keeps its tally, not its draws.
    summaries = [summarise(simulate(s, draws=args.draws, seed=args.seed, keep=False)) for s in scenarios]
    comparison = compare_summaries(summaries)
    print(format_comparison(comparison, args.format))
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure

        from malivote.plot import compare as plot_compare

        directory = _writable_directory(args.plot, "--plot")
        figure = Figure(figsize=(9, 1.2 + 0.35 * len(comparison.parties) * max(1, len(summaries) / 2)))
        plot_compare(figure.add_subplot(), {s.scenario: s for s in summaries})
        figure.tight_layout()
        for extension in ("png", "svg"):
            figure.savefig(directory / f"comparison.{extension}", dpi=150)
        print(f"Plots written to {directory}: comparison.png, comparison.svg", file=sys.stderr)
    return 0


def _run(args) -> int:
    from malivote.report import export, format_csv, format_json, format_table, summarise
    from malivote.simulate import simulate

    scenario = load_scenario(args.scenario)
    # Without exports or plots, only the summaries are needed: memory stays constant
    # however many draws.
    keep = bool(args.export or args.plot)
    simulation = simulate(
        scenario, draws=args.draws, seed=args.seed, progress=args.progress,
        chunk_size=args.chunk_size, workers=args.workers, keep=keep,
    )
    summary = summarise(simulation)
    formatter = {"table": format_table, "json": format_json, "csv": format_csv}[args.format]
    print(formatter(summary))
    if args.export:
        try:
            written = export(simulation, args.export)
        except OSError as error:
            raise ScenarioError(f"--export: cannot write to {args.export}: {error.strerror}") from None
        rows = ", ".join(f"{name} ({count} rows)" for name, count in written.items())
        print(f"Exported to {args.export}: {rows}", file=sys.stderr)
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        from malivote.plot import plot_simulation

        paths = plot_simulation(simulation, _writable_directory(args.plot, "--plot"))
        print(f"Plots written to {args.plot}: {', '.join(p.name for p in paths)}", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    """Entry point of the ``malivote`` command."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "compare":
            return _compare(args)
        if args.command == "validate":
            scenario = load_scenario(args.scenario)
            print(f"{scenario.source}: valid ({scenario.name or 'unnamed scenario'})")
            return 0
        if args.command == "sweep":
            from malivote.sweep import cli_main

            return cli_main(args)
        if args.command == "holdout":
            from malivote.reconstruct.holdout import holdout

            result = holdout(args.year, folds=args.folds, draws=args.draws, seed=args.seed)
            if args.format == "json":
                import json

                print(json.dumps(result.to_dict(), indent=2))
            else:
                print(result.format_table())
            return 0
        if args.path:
            from malivote.scenario import SCENARIO_DIR

            print(SCENARIO_DIR.resolve())
            return 0
        for name, description in shipped_scenarios():
            print(f"{name:<40} {description}")
        return 0
    except (ScenarioError, ValueError) as error:
        print(f"malivote: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader (say, `| head`) went away: stop quietly, as Unix tools do.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
