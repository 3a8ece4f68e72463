"""Summaries and exports of a :class:`~malivote.simulate.Simulation`.

Quantiles of seat counts are order statistics (``method="inverted_cdf"``), so the
median and the 90% interval are seat counts that occurred in the draws, never
averages of two.

Examples
--------
>>> from malivote.scenario import load_scenario
>>> from malivote.simulate import simulate
>>> summary = summarise(simulate(load_scenario("mali_2020"), draws=3, seed=1))
>>> row = summary["parties"][0]
>>> row["party"], row["official"], row["min"] == row["max"] == 51
('RPM', 51, True)
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from malivote.election import TURNOUT_FIELDS, list_labels
from malivote.simulate import Simulation

__all__ = ["summarise", "format_table", "format_json", "format_csv", "export"]

PARTY_COLUMNS = ("party", "official", "mean", "median", "min", "max", "p05", "p95")


def _quantile(values: np.ndarray, q: float) -> int:
    return int(np.quantile(values, q, method="inverted_cdf"))


def _range(values: np.ndarray) -> dict:
    return {"min": int(values.min()), "max": int(values.max())}


def summarise(simulation: Simulation) -> dict:
    """Seats per party over the draws, and what round 1 decided.

    Parties that win no seat in any draw and have no official seats are left out.
    Rows are ordered by official seats, then by mean simulated seats.

    Returns
    -------
    dict
        ``scenario``, ``draws``, ``seed``, ``parties`` (a list of dicts with the keys
        of ``PARTY_COLUMNS``; ``official`` only when the scenario replays an official
        table), ``round1`` (``districts`` and ``seats``, each ``{"min", "max"}``),
        ``women`` (``{"min", "max", "median"}``) and ``notes``.
    """
    official = simulation.official()
    rows = []
    for index, party in enumerate(simulation.parties):
        seats = simulation.party_seats[:, index]
        if not seats.any() and not (official or {}).get(party):
            continue
        row = {"party": party}
        if official is not None:
            row["official"] = int(official.get(party, 0))
        row.update(
            mean=round(float(seats.mean()), 3),
            median=_quantile(seats, 0.5),
            min=int(seats.min()),
            max=int(seats.max()),
            p05=_quantile(seats, 0.05),
            p95=_quantile(seats, 0.95),
        )
        rows.append(row)
    rows.sort(key=lambda row: (-row.get("official", 0), -row["mean"], row["party"]))
    return {
        "scenario": simulation.scenario.name or simulation.scenario.source,
        "source": simulation.scenario.source,
        "draws": simulation.n_draws,
        "seed": simulation.seed,
        "rule": simulation.scenario.rule.method,
        "layout": simulation.ensemble.layout.name,
        "parties": rows,
        "round1": {
            "districts": _range(simulation.round1_constituencies),
            "seats": _range(simulation.round1_seats),
        },
        "women": {**_range(simulation.women), "median": _quantile(simulation.women, 0.5)},
        "notes": list(simulation.ensemble.notes),
    }


def format_table(summary: dict) -> str:
    """A plain-text table: official against simulated seats per party."""
    has_official = any("official" in row for row in summary["parties"])
    header = f"{summary['scenario']}: {summary['draws']} draws, seed {summary['seed']}, rule {summary['rule']}, layout {summary['layout']}"
    lines = [header, ""]
    columns = ["Party"] + (["Official"] if has_official else []) + ["Median", "90% interval", "Mean"]
    lines.append(f"{columns[0]:<14}" + "".join(f"{c:>14}" for c in columns[1:]))
    total_official = total_median = 0
    for row in summary["parties"]:
        cells = [f"{row['party']:<14}"]
        if has_official:
            cells.append(f"{row['official']:>14}")
            total_official += row["official"]
        interval = f"[{row['p05']}, {row['p95']}]"
        cells += [f"{row['median']:>14}", f"{interval:>14}", f"{row['mean']:>14.2f}"]
        total_median += row["median"]
        lines.append("".join(cells))
    lines.append("")
    round1 = summary["round1"]
    districts, seats = round1["districts"], round1["seats"]
    lines.append(
        f"Decided in round 1: {districts['min']}-{districts['max']} constituencies, "
        f"{seats['min']}-{seats['max']} seats"
        if districts["min"] != districts["max"] or seats["min"] != seats["max"]
        else f"Decided in round 1: {districts['min']} constituencies, {seats['min']} seats (every draw)"
    )
    women = summary["women"]
    lines.append(f"Women elected: median {women['median']} (range {women['min']}-{women['max']})")
    if has_official:
        lines.append(f"Seats: official {total_official}, sum of medians {total_median}")
    for note in summary["notes"]:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def format_json(summary: dict) -> str:
    """The summary as one JSON object."""
    return json.dumps(summary, indent=2, ensure_ascii=False)


def format_csv(summary: dict) -> str:
    """Seats per party as CSV, one row per party."""
    buffer = io.StringIO()
    has_official = any("official" in row for row in summary["parties"])
    columns = [c for c in PARTY_COLUMNS if has_official or c != "official"]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(summary["parties"])
    return buffer.getvalue()


def _write_rows(path: Path, header: tuple[str, ...], columns: list) -> int:
    """Write equal-length columns as CSV rows; return the number of rows."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        rows = list(zip(*(column.tolist() for column in columns)))
        writer.writerows(rows)
    return len(rows)


def export(simulation: Simulation, directory) -> dict[str, int]:
    """Write ``votes.csv``, ``results.csv`` and ``turnout.csv`` into ``directory``.

    - ``votes.csv``: ``draw,constituency,round,list,parties,votes``, one row per list
      per round held per constituency per draw (round 2: the two finalists). ``list``
      is the list's slot number, unique within its constituency; ``parties`` joins its
      parties with ``+``.
    - ``results.csv``: ``draw,constituency,round,list,seats``, one row per list that
      won seats, ``round`` being the round that decided the constituency.
    - ``turnout.csv``: ``draw,constituency,round,registered,votes_cast,invalid,valid``,
      one row per round held.

    Returns
    -------
    dict
        Rows written per file.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    ensemble = simulation.ensemble
    names = np.array(ensemble.layout.names, dtype=object)
    labels = list_labels(ensemble.members, ensemble.parties)
    runoff = simulation.round == 2
    written = {}

    has_list = ensemble.members != 0
    first_rows = np.nonzero(has_list)
    second_rows = np.nonzero(has_list & runoff[..., None] & (ensemble.second > 0))
    columns = []
    for round_number, (d, c, k), votes in (
        (1, first_rows, ensemble.first),
        (2, second_rows, ensemble.second),
    ):
        columns.append(
            [d, names[c], np.full(d.size, round_number), k, labels[d, c, k], votes[d, c, k]]
        )
    merged = [np.concatenate([a[i] for a in columns]) for i in range(6)]
    order = np.lexsort((merged[3], merged[2], np.concatenate([first_rows[1], second_rows[1]]), merged[0]))
    written["votes.csv"] = _write_rows(
        directory / "votes.csv",
        ("draw", "constituency", "round", "list", "parties", "votes"),
        [column[order] for column in merged],
    )

    d, c, k = np.nonzero(simulation.seats)
    written["results.csv"] = _write_rows(
        directory / "results.csv",
        ("draw", "constituency", "round", "list", "seats"),
        [d, names[c], simulation.round[d, c], k, simulation.seats[d, c, k]],
    )

    held = np.stack([np.ones_like(runoff), runoff], axis=-1)
    d, c, r = np.nonzero(held)
    figures = ensemble.turnout[d, c, r]
    written["turnout.csv"] = _write_rows(
        directory / "turnout.csv",
        ("draw", "constituency", "round") + TURNOUT_FIELDS,
        [d, names[c], r + 1] + [figures[:, i] for i in range(4)],
    )
    return written
