"""Summaries as text, JSON and CSV; comparisons; exports of the drawn elections.

The summary itself is :class:`malivote.results.Summary` (typed), computed by
:func:`malivote.results.summarise` from a run's tally; this module formats it.

Examples
--------
>>> from malivote.scenario import load_scenario
>>> from malivote.simulate import simulate
>>> summary = summarise(simulate(load_scenario("mali_2020"), draws=3, seed=1))
>>> print(format_table(summary).splitlines()[3])
RPM                       51            51     fixed by the facts
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from malivote.exports import export
from malivote.results import FIXED, METRIC_LABELS, TWO_ROUND_RULES, Summary, seats_fixed_by_facts, summarise

__all__ = [
    "Comparison",
    "summarise",
    "format_metric",
    "format_table",
    "format_json",
    "format_csv",
    "export",
    "compare_summaries",
    "format_comparison",
    "layout_note",
    "metric_label",
    "metric_rows",
    "seats_fixed_by_facts",
]

PARTY_COLUMNS = ("party", "official", "mean", "median", "min", "max", "p05", "p95", "fixed")

#: How text shows each metric: the unit in its label, the factor from the JSON value
#: (fractions become percentages) and the decimals. The decimals of an interval are
#: those of the tally's grid (:data:`malivote.tally.METRIC_GRID`), so the printed
#: quantiles are exact to the digits shown.
METRIC_DISPLAY = {
    "gallagher": ("points", 1, 1),
    "loosemore_hanby": ("points", 1, 1),
    "enp_votes": ("", 1, 2),
    "enp_seats": ("", 1, 2),
    "largest_party_share": ("%", 100, 1),
    "p_majority": ("%", 100, 1),
    "runoffs": ("constituencies", 1, 0),
    "wasted_votes": ("% of round-1 votes", 100, 1),
    "women": ("", 1, 0),
}
#: Vote-based metrics: they depend on the district votes, so on the layout.
VOTE_METRICS = ("Gallagher", "Loosemore-Hanby", "ENP by votes", "wasted votes")


def metric_label(name: str) -> str:
    """A metric's name in tables and plots, with its unit: ``Gallagher index (points)``.

    >>> metric_label("gallagher"), metric_label("wasted_votes")
    ('Gallagher index (points)', 'Wasted votes (% of round-1 votes)')
    """
    label = METRIC_LABELS.get(name, name)
    unit = METRIC_DISPLAY.get(name, ("", 1, 3))[0]
    return f"{label} ({unit})" if unit else label


def format_metric(name: str, value, *, mean: bool = False) -> str:
    """A metric's value as text, in the unit of :func:`metric_label` (percentages for
    shares); a mean of a whole-number metric gets one decimal.

    >>> format_metric("wasted_votes", 0.7032), format_metric("gallagher", 15.84), format_metric("runoffs", 43)
    ('70.3', '15.8', '43')
    >>> format_metric("runoffs", 42.37, mean=True), format_metric("women", None)
    ('42.4', 'n/a')
    """
    if value is None:
        return "n/a"
    _, factor, digits = METRIC_DISPLAY.get(name, ("", 1, 3))
    if mean and digits == 0:
        digits = 1
    return f"{value * factor:.{digits}f}"


def metric_rows(summary: Summary) -> list[tuple[str, str, str]]:
    """Per metric, ``(label, mean, 90% interval)`` as text (the interval is empty for
    ``p_majority``, a share of the draws, and for a metric that is not counted).

    >>> from malivote.scenario import load_scenario
    >>> from malivote.simulate import simulate
    >>> rows = metric_rows(summarise(simulate(load_scenario("mali_2020"), draws=20, seed=1, keep=False)))
    >>> rows[0][0], rows[0][2].startswith("[")
    ('Gallagher index (points)', True)
    """
    rows = []
    for name, value in summary.metrics.items():
        interval = summary.metric_intervals.get(name)
        text = "" if interval is None else f"[{format_metric(name, interval.p05)}, {format_metric(name, interval.p95)}]"
        rows.append((metric_label(name), format_metric(name, value, mean=True), text))
    return rows


def layout_note(summaries) -> str | None:
    """One line when the summaries' layouts differ, saying what that means for the
    vote-based metrics; None when they all share one layout."""
    layouts = [summary.layout for summary in summaries]
    if len(set(layouts)) < 2:
        return None
    which = ", ".join(f"[{i + 1}] {layout}" for i, layout in enumerate(layouts))
    return (f"layouts differ ({which}): the vote-based metrics ({', '.join(VOTE_METRICS)}) come from each "
            "layout's own district votes, so they differ between layouts even where the seats agree")


def _name_width(parties) -> int:
    """The party column's width: 14, or wider for a long party id, so that the columns
    after it stay aligned."""
    return max([14] + [len(party) + 2 for party in parties])


def format_table(summary: Summary) -> str:
    """A plain-text table: official against simulated seats per party.

    Where the facts fix the seats (:func:`seats_fixed_by_facts`), each party shows
    "fixed by the facts": the table the facts impose is the same in every draw, so an
    interval would only repeat it. Elsewhere a party with the same seats in every
    draw shows its interval, ``[0, 0]`` say.
    """
    has_official = summary.has_official
    replay = bool(summary.modelled)
    facts = seats_fixed_by_facts(summary)
    rule = f"{summary.rule} ({summary.rule_settings})" if summary.rule_settings else summary.rule
    header = f"{summary.scenario}: {summary.draws} draws, seed {summary.seed}, rule {rule}, layout {summary.layout}"
    lines = [header, ""]
    columns = ["Party"] + (["Official"] if has_official else []) + ["Median", "90% interval", "Mean"]
    name_width = _name_width(row.party for row in summary.parties)
    lines.append(f"{columns[0]:<{name_width}}" + "".join(f"{c:>14}" for c in columns[1:]))
    total_official = total_median = 0
    for row in summary.parties:
        cells = [f"{row.party:<{name_width}}"]
        if has_official:
            cells.append(f"{row.official:>14}")
            total_official += row.official
        if facts:
            cells.append(f"{row.median:>14}     {FIXED}")
        else:
            interval = f"[{row.p05}, {row.p95}]"
            cells += [f"{row.median:>14}", f"{interval:>14}", f"{row.mean:>14.2f}"]
        total_median += row.median
        lines.append("".join(cells))
    lines.append("")
    districts, seats = summary.round1_constituencies, summary.round1_seats
    if summary.rule in TWO_ROUND_RULES:
        lines.append(
            f"Decided in round 1: {districts.min}-{districts.max} constituencies, "
            f"{seats.min}-{seats.max} seats"
            if districts.min != districts.max or seats.min != seats.max
            else f"Decided in round 1: {districts.min} constituencies, {seats.min} seats (every draw)"
        )
    women = summary.women
    if women is not None:
        lines.append(f"Women elected: median {women.median} (range {women.min}-{women.max})")
    if has_official:
        lines.append(f"Seats: official {total_official}, sum of medians {total_median}")
    rows = metric_rows(summary)
    if rows:
        lines += ["", f"{'Metric':<40}{'Mean':>8}   90% interval"]
        lines += [f"{label:<40}{mean:>8}   {interval}".rstrip() for label, mean, interval in rows]
        lines.append("")
    for bloc in summary.blocs:
        lines.append(
            f"Bloc {bloc.bloc} ({'+'.join(bloc.parties)}): median {bloc.median} seats, 90% interval "
            f"[{bloc.p05}, {bloc.p95}], P(majority) {bloc.p_majority:.1%}"
        )
    lots = {stage: count for stage, count in summary.lots.items() if count}
    if lots:
        lines.append("Ties broken by lot: " + ", ".join(f"{count} ({stage})" for stage, count in lots.items()))
    if facts:
        lines.append(
            "Fixed by the facts: the official seats of every party above are imposed on every "
            "draw; what varies from draw to draw is modelled"
        )
    if replay:
        for item in summary.modelled:
            lines.append(f"Modelled: {item}")
    for note in summary.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Comparison:
    """Several summaries side by side.

    Attributes
    ----------
    parties : tuple of str
        Every party that any scenario shows, in order of first appearance.
    summaries : tuple of Summary
    """

    parties: tuple[str, ...]
    summaries: tuple[Summary, ...]

    def to_dict(self) -> dict:
        scenarios = []
        for summary in self.summaries:
            by_party = {row.party: row for row in summary.parties}
            scenarios.append({
                "scenario": summary.scenario, "source": summary.source, "draws": summary.draws,
                "seed": summary.seed, "rule": summary.rule, "rule_settings": summary.rule_settings,
                "layout": summary.layout,
                "seats": {
                    party: {"median": by_party[party].median, "p05": by_party[party].p05,
                            "p95": by_party[party].p95, "mean": by_party[party].mean}
                    if party in by_party else {"median": 0, "p05": 0, "p95": 0, "mean": 0.0}
                    for party in self.parties
                },
                "official": {row.party: row.official for row in summary.parties if row.official is not None} or None,
                "metrics": dict(summary.metrics),
                "metric_intervals": {name: {"median": i.median, "p05": i.p05, "p95": i.p95}
                                     for name, i in summary.metric_intervals.items()},
                "modelled": list(summary.modelled),
            })
        note = layout_note(self.summaries)
        return {"parties": list(self.parties), "scenarios": scenarios, "notes": [note] if note else []}


def compare_summaries(summaries) -> Comparison:
    """Several summaries side by side: seats per party and metrics per scenario."""
    parties: list[str] = []
    for summary in summaries:
        for row in summary.parties:
            if row.party not in parties:
                parties.append(row.party)
    return Comparison(parties=tuple(parties), summaries=tuple(summaries))


def format_comparison(comparison: Comparison, output: str = "table") -> str:
    """A comparison as a text table, JSON or CSV.

    Each format says which scenarios' figures are modelled (a replay's reconstructed
    district votes): ``Modelled ([1], ...):`` lines under the table, a
    ``modelled`` list per scenario in JSON, ``note`` rows in CSV (as
    :func:`format_csv`)."""
    data = comparison.to_dict()
    if output == "json":
        return json.dumps(data, indent=2, ensure_ascii=False)
    scenarios = data["scenarios"]
    if output == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["scenario", "row", "median", "p05", "p95", "mean"])
        for scenario in scenarios:
            for party, cell in scenario["seats"].items():
                writer.writerow([scenario["source"], party, cell["median"], cell["p05"], cell["p95"], cell["mean"]])
            for name, value in scenario["metrics"].items():
                cell = scenario["metric_intervals"].get(name, {})
                writer.writerow([scenario["source"], f"metric:{name}", cell.get("median", ""), cell.get("p05", ""),
                                 cell.get("p95", ""), value])
            for item in scenario["modelled"]:  # as format_csv: the text in ``mean``
                writer.writerow([scenario["source"], "note", "", "", "", f"Modelled: {item}"])
        return buffer.getvalue()
    width = 22
    lines = ["Columns: " + "; ".join(f"[{i + 1}] {s['scenario']}" for i, s in enumerate(scenarios)), ""]
    name_width = _name_width(data["parties"])
    lines.append(f"{'Party':<{name_width}}" + "".join(f"{f'[{i + 1}] median [90%]':>{width}}" for i in range(len(scenarios))))
    for party in data["parties"]:
        cells = []
        for scenario in scenarios:
            cell = scenario["seats"][party]
            cells.append(f"{cell['median']} [{cell['p05']}, {cell['p95']}]".rjust(width))
        lines.append(f"{party:<{name_width}}" + "".join(cells))
    lines.append("")
    label_width = 40
    lines.append(f"{'Metric':<{label_width}}" + "".join(f"{f'[{i + 1}] mean [90%]':>{width}}" for i in range(len(scenarios))))
    by_name = [dict((row[0], row) for row in metric_rows(summary)) for summary in comparison.summaries]
    names = list(dict.fromkeys(name for summary in comparison.summaries for name in summary.metrics))
    for name in names:
        label = metric_label(name)
        cells = []
        for rows in by_name:
            _, mean, interval = rows.get(label, (label, "", ""))
            cells.append(f"{mean} {interval}".strip().rjust(width))
        lines.append(f"{label:<{label_width}}" + "".join(cells))
    lines.append("Keys in --format json and csv: " + ", ".join(names))
    modelled: dict[str, list[str]] = {}
    for i, scenario in enumerate(scenarios):
        for item in scenario["modelled"]:
            modelled.setdefault(item, []).append(f"[{i + 1}]")
    for item, columns in modelled.items():
        lines.append(f"Modelled ({', '.join(columns)}): {item}")
    for note in data["notes"]:
        lines.append(f"Note: {note}")
    return "\n".join(lines)


def format_json(summary: Summary) -> str:
    """The summary as one JSON object (:meth:`Summary.to_dict`)."""
    return json.dumps(summary.to_dict(), indent=2, ensure_ascii=False)


def format_csv(summary: Summary) -> str:
    """Seats per party as CSV, one row per party, then one row per metric
    (``party`` = ``metric:<name>``, its mean in ``mean``, its median and 90% interval
    in ``median``, ``p05``, ``p95``, in the units of
    :data:`malivote.results.METRIC_UNITS`) and per note
    (``party`` = ``note``, the text in ``mean``)."""
    buffer = io.StringIO()
    has_official = summary.has_official
    columns = [c for c in PARTY_COLUMNS if has_official or c != "official"]
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(row.to_dict() for row in summary.parties)
    for name, value in summary.metrics.items():
        row = {"party": f"metric:{name}", "mean": "" if value is None else value}
        interval = summary.metric_intervals.get(name)
        if interval is not None:
            row.update(median=interval.median, p05=interval.p05, p95=interval.p95)
        writer.writerow(row)
    for stage, count in summary.lots.items():
        writer.writerow({"party": f"lots:{stage}", "mean": count})
    for note in list(summary.modelled) + list(summary.notes):
        writer.writerow({"party": "note", "mean": note})
    return buffer.getvalue()
