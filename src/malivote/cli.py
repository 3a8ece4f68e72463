"""The ``malivote`` command line: it composes the stages and holds no logic of its own.

Commands:

- ``malivote run SCENARIO [--draws N] [--seed S] [--format table|json|csv] [--export DIR]``
- ``malivote validate SCENARIO``
- ``malivote scenarios``

User errors (a missing file, bad TOML, a bad value) print a message on stderr and
exit with code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import sys

from malivote.scenario import ScenarioError, load_scenario, shipped_scenarios

__all__ = ["main"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number, found {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative number, found {value}")
    return value


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
    run.add_argument("--export", metavar="DIR", help="write votes.csv, results.csv and turnout.csv into DIR")

    validate = commands.add_parser("validate", help="check a scenario file and report every problem")
    validate.add_argument("scenario", metavar="SCENARIO")

    commands.add_parser("scenarios", help="list the shipped scenarios")
    return parser


def _run(args) -> int:
    from malivote.report import export, format_csv, format_json, format_table, summarise
    from malivote.simulate import simulate

    scenario = load_scenario(args.scenario)
    simulation = simulate(scenario, draws=args.draws, seed=args.seed)
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
    return 0


def main(argv=None) -> int:
    """Entry point of the ``malivote`` command."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "validate":
            scenario = load_scenario(args.scenario)
            print(f"{scenario.source}: valid ({scenario.name or 'unnamed scenario'})")
            return 0
        for name, description in shipped_scenarios():
            print(f"{name:<40} {description}")
        return 0
    except (ScenarioError, ValueError) as error:
        print(f"malivote: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
