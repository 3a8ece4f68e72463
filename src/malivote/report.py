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
from malivote.tally import Tally

__all__ = [
    "summarise",
    "simulation_metrics",
    "format_table",
    "format_json",
    "format_csv",
    "format_html",
    "export",
    "compare_summaries",
    "format_comparison",
]

#: Rules with a second round, for which "decided in round 1" means something.
TWO_ROUND_RULES = ("two_round", "open_runoff")

PARTY_COLUMNS = ("party", "official", "mean", "median", "min", "max", "p05", "p95")


def summarise(simulation: Simulation) -> dict:
    """Seats per party over the draws, what round 1 decided, women and metrics.

    Computed from the run's :class:`~malivote.tally.Tally`, so it works whether or not
    the run kept its draws, and quantiles are exact order statistics of the seat
    counts. Parties that win no seat in any draw and have no official seats are left
    out. Rows are ordered by official seats, then by mean simulated seats.

    Returns
    -------
    dict
        ``scenario``, ``draws``, ``seed``, ``parties`` (a list of dicts with the keys
        of ``PARTY_COLUMNS``; ``official`` only when the scenario replays an official
        table), ``round1`` (``districts`` and ``seats``, each ``{"min", "max"}``),
        ``women`` (``{"min", "max", "median"}``, or None), ``metrics`` and ``notes``.
    """
    tally = simulation.tally
    official = simulation.official()
    rows = []
    for index, party in enumerate(simulation.parties):
        hist = tally.party_hist[index]
        if hist[0] == tally.n_draws and not (official or {}).get(party):
            continue
        row = {"party": party}
        if official is not None:
            row["official"] = int(official.get(party, 0))
        row.update(
            mean=round(tally.mean(hist), 3),
            median=tally.quantile(hist, 0.5),
            min=tally.minimum(hist),
            max=tally.maximum(hist),
            p05=tally.quantile(hist, 0.05),
            p95=tally.quantile(hist, 0.95),
        )
        rows.append(row)
    rows.sort(key=lambda row: (-row.get("official", 0), -row["mean"], row["party"]))
    notes = list(simulation.notes)
    national = simulation.scenario.rule.tier == "national"
    women = None
    if national:
        notes.append("women: national party lists have no rosters, so women elected are not counted")
    else:
        women = {**_hist_range(tally.women_hist), "median": tally.quantile(tally.women_hist, 0.5)}
    return {
        **_header(simulation),
        "parties": rows,
        "round1": {
            "districts": _hist_range(tally.round1_constituencies_hist),
            "seats": _hist_range(tally.round1_seats_hist),
        },
        "women": women,
        "metrics": simulation_metrics(simulation),
        "notes": notes,
    }


def _hist_range(hist: np.ndarray) -> dict:
    return {"min": Tally.minimum(hist), "max": Tally.maximum(hist)}


def simulation_metrics(simulation: Simulation) -> dict:
    """Disproportionality and fragmentation, averaged over the draws.

    Party votes credit each joint list's votes equally to its parties
    (:func:`malivote.metrics.party_votes`, an assumption: ballots are cast for lists).
    ``gallagher`` and ``loosemore_hanby`` are in percentage points; ``p_majority`` is
    the share of draws in which one party holds an absolute majority (74 of 147).
    """
    tally = simulation.tally
    national = simulation.scenario.rule.tier == "national"
    digits = {"largest_party_share": 4, "wasted_votes": 4}
    result = {}
    for name in ("gallagher", "loosemore_hanby", "enp_votes", "enp_seats", "largest_party_share"):
        result[name] = round(tally.metric_mean(name), digits.get(name, 3))
    result["p_majority"] = round(tally.majority_draws / tally.n_draws, 4)
    for name in ("runoffs", "wasted_votes", "women"):
        result[name] = round(tally.metric_mean(name), digits.get(name, 3))
    if national:
        result["women"] = None
    return result


def _header(simulation: Simulation) -> dict:
    return {
        "scenario": simulation.scenario.name or simulation.scenario.source,
        "source": simulation.scenario.source,
        "draws": simulation.n_draws,
        "seed": simulation.seed,
        "rule": simulation.scenario.rule.method,
        "layout": simulation.layout_name,
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
    if summary["rule"] in TWO_ROUND_RULES:
        lines.append(
            f"Decided in round 1: {districts['min']}-{districts['max']} constituencies, "
            f"{seats['min']}-{seats['max']} seats"
            if districts["min"] != districts["max"] or seats["min"] != seats["max"]
            else f"Decided in round 1: {districts['min']} constituencies, {seats['min']} seats (every draw)"
        )
    women = summary["women"]
    if women is not None:
        lines.append(f"Women elected: median {women['median']} (range {women['min']}-{women['max']})")
    if has_official:
        lines.append(f"Seats: official {total_official}, sum of medians {total_median}")
    for note in summary["notes"]:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def format_html(summary: dict) -> str:
    """Seats per party as an HTML table (for Jupyter)."""
    from html import escape

    has_official = any("official" in row for row in summary["parties"])
    head = "".join(
        f"<th>{name}</th>"
        for name in ["Party"] + (["Official"] if has_official else []) + ["Median", "90% interval", "Mean"]
    )
    body = []
    for row in summary["parties"]:
        cells = [escape(row["party"])] + ([str(row["official"])] if has_official else [])
        cells += [str(row["median"]), f"[{row['p05']}, {row['p95']}]", f"{row['mean']:.2f}"]
        body.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    title = escape(f"{summary['scenario']}: {summary['draws']} draws, seed {summary['seed']}, rule {summary['rule']}")
    return (
        f"<div><p><b>{title}</b></p><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def compare_summaries(summaries: list[dict]) -> dict:
    """Several summaries side by side: seats per party and metrics per scenario."""
    parties: list[str] = []
    for summary in summaries:
        for row in summary["parties"]:
            if row["party"] not in parties:
                parties.append(row["party"])
    scenarios = []
    for summary in summaries:
        by_party = {row["party"]: row for row in summary["parties"]}
        scenarios.append(
            {
                **{key: summary[key] for key in ("scenario", "source", "draws", "seed", "rule", "layout")},
                "seats": {
                    party: {key: by_party[party][key] for key in ("median", "p05", "p95", "mean")}
                    if party in by_party
                    else {"median": 0, "p05": 0, "p95": 0, "mean": 0.0}
                    for party in parties
                },
                "official": {party: row["official"] for party, row in by_party.items() if "official" in row}
                or None,
                "metrics": summary["metrics"],
            }
        )
    return {"parties": parties, "scenarios": scenarios}


def format_comparison(comparison: dict, output: str = "table") -> str:
    """A comparison as a text table, JSON or CSV."""
    if output == "json":
        return json.dumps(comparison, indent=2, ensure_ascii=False)
    scenarios = comparison["scenarios"]
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["scenario", "row", "median", "p05", "p95", "mean"])
        for scenario in scenarios:
            for party, cell in scenario["seats"].items():
                writer.writerow([scenario["source"], party, cell["median"], cell["p05"], cell["p95"], cell["mean"]])
            for name, value in scenario["metrics"].items():
                writer.writerow([scenario["source"], f"metric:{name}", "", "", "", value])
        return buffer.getvalue()
    width = 22
    lines = ["Columns: " + "; ".join(f"[{i + 1}] {s['scenario']}" for i, s in enumerate(scenarios)), ""]
    lines.append(f"{'Party':<14}" + "".join(f"{f'[{i + 1}] median [90%]':>{width}}" for i in range(len(scenarios))))
    for party in comparison["parties"]:
        cells = []
        for scenario in scenarios:
            cell = scenario["seats"][party]
            cells.append(f"{cell['median']} [{cell['p05']}, {cell['p95']}]".rjust(width))
        lines.append(f"{party:<14}" + "".join(cells))
    lines.append("")
    for name in scenarios[0]["metrics"]:
        lines.append(f"{name:<20}" + "".join(f"{str(s['metrics'][name]):>{width - 6}}" for s in scenarios))
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
      won seats, ``round`` being the round that decided the constituency; a national
      PR tier adds rows with constituency ``national`` and the party id as the list.
    - ``turnout.csv``: ``draw,constituency,round,registered,votes_cast,invalid,valid``,
      one row per round held.

    Returns
    -------
    dict
        Rows written per file.
    """
    if simulation.ensemble is None:
        raise ValueError("simulation: the run kept no draws (keep=False); run it with keep=True to export")
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
    columns = [d, names[c], simulation.round[d, c], k.astype(object), simulation.seats[d, c, k]]
    if simulation.national is not None:
        # A national tier's seats go to party lists: constituency "national", and the
        # party's id as the list.
        nd, party = np.nonzero(simulation.national)
        national = [
            nd,
            np.full(nd.size, "national", dtype=object),
            np.ones(nd.size, dtype=np.int64),
            np.array(simulation.parties, dtype=object)[party],
            simulation.national[nd, party],
        ]
        columns = [np.concatenate([a, b]) for a, b in zip(columns, national)]
    written["results.csv"] = _write_rows(
        directory / "results.csv", ("draw", "constituency", "round", "list", "seats"), columns
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
