"""Exports: streamed block by block, byte-compatible with the old CSV export, the same
whatever the chunk size or workers, in csv, csv.gz and parquet, atomic, and enough to
rebuild every figure the summary prints."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from malivote.cli import main
from malivote.election import TURNOUT_FIELDS, list_labels
from malivote.exports import (
    COLUMNS,
    LOCK_NAME,
    MANIFEST_NAME,
    ExportError,
    Exporter,
    ExportLocked,
    manifest,
    scenario_files,
    scenario_sha256,
)
from malivote.report import export
from malivote.scenario import load_scenario, shipped_path
from malivote.simulate import simulate

LEGACY_FILES = ("votes.csv", "results.csv", "constituencies.csv", "rosters.csv", "turnout.csv")
ALL_FILES = LEGACY_FILES + ("seats.csv",)


# The export as it was before streaming (malivote.report.export at 7f7e215), kept
# verbatim as the reference for byte compatibility.
def _legacy_write_rows(path: Path, header, columns) -> int:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        rows = list(zip(*(column.tolist() for column in columns)))
        writer.writerows(rows)
    return len(rows)


def legacy_export(simulation, directory) -> dict[str, int]:
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
    for round_number, (d, c, k), votes in ((1, first_rows, ensemble.first), (2, second_rows, ensemble.second)):
        columns.append([d, names[c], np.full(d.size, round_number), k, labels[d, c, k], votes[d, c, k]])
    merged = [np.concatenate([a[i] for a in columns]) for i in range(6)]
    order = np.lexsort((merged[3], merged[2], np.concatenate([first_rows[1], second_rows[1]]), merged[0]))
    written["votes.csv"] = _legacy_write_rows(
        directory / "votes.csv", ("draw", "constituency", "round", "list", "parties", "votes"),
        [column[order] for column in merged],
    )
    d, c, k = np.nonzero(simulation.seats)
    columns = [d, names[c], simulation.round[d, c], k.astype(object), simulation.seats[d, c, k]]
    if simulation.national is not None:
        nd, party = np.nonzero(simulation.national)
        national = [nd, np.full(nd.size, "national", dtype=object), np.ones(nd.size, dtype=np.int64),
                    np.array(simulation.parties, dtype=object)[party], simulation.national[nd, party]]
        columns = [np.concatenate([a, b]) for a, b in zip(columns, national)]
    written["results.csv"] = _legacy_write_rows(
        directory / "results.csv", ("draw", "constituency", "round", "list", "seats"), columns
    )
    layout = ensemble.layout
    written["constituencies.csv"] = _legacy_write_rows(
        directory / "constituencies.csv", ("constituency", "seats", "region"),
        [names, np.asarray(layout.magnitude), np.array(layout.region, dtype=object)],
    )
    d, c, k, position = np.nonzero((ensemble.roster_party >= 0) & has_list[..., None])
    party_names = np.array(ensemble.parties, dtype=object)
    written["rosters.csv"] = _legacy_write_rows(
        directory / "rosters.csv", ("draw", "constituency", "list", "position", "party", "sex"),
        [d, names[c], k, position + 1, party_names[ensemble.roster_party[d, c, k, position]],
         np.where(ensemble.roster_female[d, c, k, position], "F", "M").astype(object)],
    )
    held = np.stack([np.ones_like(runoff), runoff], axis=-1)
    d, c, r = np.nonzero(held)
    figures = ensemble.turnout[d, c, r]
    written["turnout.csv"] = _legacy_write_rows(
        directory / "turnout.csv", ("draw", "constituency", "round") + TURNOUT_FIELDS,
        [d, names[c], r + 1] + [figures[:, i] for i in range(4)],
    )
    return written


def files_of(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


# Two rounds (a replay), a national tier, and PR in the districts.
SCENARIOS = ["mali_2020", "counterfactuals/national_pr_5pct", "counterfactuals/dhondt_districts"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_streamed_export_is_byte_compatible_with_the_old_export(name, tmp_path):
    scenario = load_scenario(name)
    kept = simulate(scenario, draws=150, seed=3)  # two blocks of 100 and 50 draws
    legacy = legacy_export(kept, tmp_path / "legacy")
    assert export(kept, tmp_path / "function") == {**legacy, "seats.csv": 150 * len(kept.parties)}
    with Exporter(tmp_path / "streamed") as writer:
        streamed = simulate(scenario, draws=150, seed=3, keep=False, chunk_size=100, on_block=writer)
        writer.commit(manifest=manifest(streamed, writer.rows))
    assert streamed.ensemble is None
    old = files_of(tmp_path / "legacy")
    for folder in ("function", "streamed"):
        new = files_of(tmp_path / folder)
        assert set(new) == set(ALL_FILES) | {MANIFEST_NAME}
        for file in LEGACY_FILES:
            assert new[file] == old[file], (folder, file)
    assert files_of(tmp_path / "function") == files_of(tmp_path / "streamed")


@pytest.mark.parametrize("fmt", ["csv", "csv.gz", "parquet"])
def test_files_do_not_depend_on_chunk_size_or_workers(fmt, tmp_path, capsys):
    runs = {"a": ["--chunk-size", "100"], "b": ["--chunk-size", "300", "--workers", "3"], "c": []}
    for label, options in runs.items():
        argv = ["run", "counterfactuals/national_pr_5pct", "--draws", "450", "--seed", "9",
                "--export", str(tmp_path / label), "--export-format", fmt, *options]
        assert main(argv) == 0
    extension = {"csv": ".csv", "csv.gz": ".csv.gz", "parquet": ".parquet"}[fmt]
    a = files_of(tmp_path / "a")
    assert sorted(a) == sorted([name.replace(".csv", extension) for name in ALL_FILES] + ["manifest.json"])
    assert a == files_of(tmp_path / "b") == files_of(tmp_path / "c")
    assert f"votes{extension}" in capsys.readouterr().err


def test_csv_gz_and_parquet_hold_the_csv_rows(tmp_path, capsys):
    for fmt in ("csv", "csv.gz", "parquet"):
        assert main(["run", "mali_2013", "--draws", "120", "--export", str(tmp_path / fmt), "--export-format", fmt]) == 0
    capsys.readouterr()
    with gzip.open(tmp_path / "csv.gz" / "votes.csv.gz", "rb") as handle:
        assert handle.read() == (tmp_path / "csv" / "votes.csv").read_bytes()
    for name in ("votes", "results", "constituencies", "rosters", "turnout", "seats"):
        plain = pd.read_csv(tmp_path / "csv" / f"{name}.csv", keep_default_na=False, dtype=str)
        parquet = pd.read_parquet(tmp_path / "parquet" / f"{name}.parquet")
        assert list(parquet.columns) == list(plain.columns)
        assert parquet.astype(str).replace("None", "").equals(plain), name
    import pyarrow.parquet as pq

    schema = pq.read_schema(tmp_path / "parquet" / "votes.parquet")
    assert str(schema.field("votes").type) == "int64" and str(schema.field("parties").type) == "string"


def test_run_with_export_only_does_not_keep_the_draws(tmp_path, monkeypatch, capsys):
    """--export streams: simulate keeps nothing, and gets a block writer."""
    import malivote.simulate as module

    seen = {}
    real = module.simulate

    def spy(*args, **kwargs):
        seen.update(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, "simulate", spy)
    assert main(["run", "mali_2020", "--draws", "30", "--export", str(tmp_path / "out")]) == 0
    assert seen["keep"] is False and callable(seen["on_block"])
    assert (tmp_path / "out" / "votes.csv").stat().st_size > 0


def _quantile(values: np.ndarray, q: float) -> int:
    return int(np.quantile(values, q, method="inverted_cdf"))


def rebuild_summary(folder: Path) -> dict:
    """The printed summary's figures, from seats.csv, turnout.csv and constituencies.csv alone."""
    seats = pd.read_csv(folder / "seats.csv")
    turnout = pd.read_csv(folder / "turnout.csv")
    n_constituencies = len(pd.read_csv(folder / "constituencies.csv"))
    draws = seats["draw"].nunique()
    parties = {}
    for party, rows in seats.groupby("party", sort=False):
        values = rows.sort_values("draw")["seats"].to_numpy()
        if not values.any():
            continue
        parties[party] = {
            "mean": round(float(values.mean()), 3), "median": _quantile(values, 0.5),
            "min": int(values.min()), "max": int(values.max()),
            "p05": _quantile(values, 0.05), "p95": _quantile(values, 0.95),
        }
    per_draw = seats.groupby("draw")[["round1_seats", "women"]].sum()
    runoffs = turnout[turnout["round"] == 2].groupby("draw").size().reindex(range(draws), fill_value=0)
    districts = n_constituencies - runoffs
    women = per_draw["women"].to_numpy()
    return {
        "draws": draws,
        "parties": parties,
        "round1": {
            "districts": {"min": int(districts.min()), "max": int(districts.max())},
            "seats": {"min": int(per_draw["round1_seats"].min()), "max": int(per_draw["round1_seats"].max())},
        },
        "women": {"min": int(women.min()), "max": int(women.max()), "median": _quantile(women, 0.5)},
    }


@pytest.mark.parametrize(
    "name, draws",
    [("mali_2013", 230), ("counterfactuals/dhondt_districts", 150), ("counterfactuals/national_pr_5pct", 120),
     ("counterfactuals/plurality_single_round", 140), ("counterfactuals/parallel_100_47", 110)],
)
def test_the_printed_summary_rebuilds_from_the_export_files(name, draws, tmp_path, capsys):
    folder = tmp_path / "out"
    assert main(["run", name, "--draws", str(draws), "--seed", "4", "--format", "json", "--export", str(folder)]) == 0
    printed = json.loads(capsys.readouterr().out)
    rebuilt = rebuild_summary(folder)
    assert rebuilt["draws"] == printed["draws"] == draws
    parties = {row["party"]: {key: row[key] for key in ("mean", "median", "min", "max", "p05", "p95")}
               for row in printed["parties"]}
    # The summary also lists a party with official seats that won none in any draw.
    assert {party: row for party, row in parties.items() if row["max"] > 0} == rebuilt["parties"]
    assert rebuilt["round1"] == printed["round1"]
    if printed["women"] is None:  # a national tier only: no rosters, women not counted
        assert rebuilt["women"] == {"min": 0, "max": 0, "median": 0}
    else:
        assert rebuilt["women"] == printed["women"]


def test_seats_csv_agrees_with_to_frame(tmp_path):
    kept = simulate(load_scenario("counterfactuals/women_zipper"), draws=120, seed=2)
    export(kept, tmp_path)
    frame = kept.to_frame()
    seats = pd.read_csv(tmp_path / "seats.csv", keep_default_na=False)
    assert list(seats.columns) == ["draw", "party", "seats", "round1_seats", "women"]
    for column in ("draw", "seats", "women"):
        assert seats[column].tolist() == frame[column].tolist()
    assert seats["round1_seats"].tolist() == frame["round1_seats"].tolist()
    assert seats["party"].tolist() == frame["party"].tolist()


def test_json_carries_version_and_the_scenario_files_sha256(tmp_path, capsys):
    from malivote import __version__

    assert main(["run", "mali_2020", "--draws", "2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == __version__
    assert data["scenario_sha256"] == hashlib.sha256(shipped_path("mali_2020").read_bytes()).hexdigest()
    assert list(data)[:4] == ["scenario", "source", "version", "scenario_sha256"]
    # A counterfactual: its bytes, then those of the file it extends.
    files = scenario_files("dhondt_districts")
    assert [path.name for path in files] == ["dhondt_districts.toml", "mali_2020.toml"]
    chain = hashlib.sha256(b"".join(path.read_bytes() for path in files)).hexdigest()
    assert main(["run", "dhondt_districts", "--draws", "2", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["scenario_sha256"] == chain == scenario_sha256("dhondt_districts")
    # A file of one's own that extends another: both files' bytes count.
    (tmp_path / "base.toml").write_text('extends = "mali_2020"\n[simulation]\ndraws = 2\n')
    (tmp_path / "child.toml").write_text('extends = "base.toml"\nname = "child"\n')
    expected = hashlib.sha256(
        (tmp_path / "child.toml").read_bytes() + (tmp_path / "base.toml").read_bytes()
        + shipped_path("mali_2020").read_bytes()
    ).hexdigest()
    assert scenario_sha256(tmp_path / "child.toml") == expected
    before = scenario_sha256(tmp_path / "child.toml")
    (tmp_path / "base.toml").write_text('extends = "mali_2020"\n[simulation]\ndraws = 3\n')
    assert scenario_sha256(tmp_path / "child.toml") != before


def test_format_csv_carries_metrics_and_notes(capsys):
    assert main(["run", "mali_2020", "--draws", "2", "--format", "csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    kinds = {row["party"].split(":")[0] for row in rows}
    assert {"metric", "note"} <= kinds


def test_a_folder_being_written_is_refused_and_left_alone(tmp_path):
    folder = tmp_path / "out"
    with Exporter(folder) as first:
        assert (folder / LOCK_NAME).read_text().strip() == str(os.getpid())
        with pytest.raises(ExportLocked, match=r"out is being written by another malivote run \(process \d+\)"):
            with Exporter(folder):
                pass
        assert (folder / LOCK_NAME).exists()  # the refused run did not take the lock away
    # Left without a commit: nothing is left behind, not even the folder it created.
    assert not folder.exists()


def test_an_interrupted_export_leaves_the_folder_as_it_was(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "votes.csv").write_text("old\n")
    scenario = load_scenario("mali_2020")
    with pytest.raises(KeyboardInterrupt):
        with Exporter(folder) as writer:
            def stop_after_one_block(ensemble, decision):
                writer(ensemble, decision)
                raise KeyboardInterrupt

            simulate(scenario, draws=300, keep=False, chunk_size=100, on_block=stop_after_one_block)
    assert sorted(os.listdir(folder)) == ["votes.csv"]
    assert (folder / "votes.csv").read_text() == "old\n"


def test_commit_replaces_old_files_and_cleans_up(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "votes.csv").write_text("old\n")
    (folder / "mine.txt").write_text("keep me\n")
    export(simulate(load_scenario("mali_2020"), draws=2, seed=1), folder)
    assert sorted(os.listdir(folder)) == sorted(ALL_FILES + ("mine.txt", MANIFEST_NAME))
    assert (folder / "votes.csv").read_text().startswith("draw,constituency,round,list,parties,votes\n")


def read_back(folder: Path, fmt: str) -> dict[str, pd.DataFrame]:
    extension = {"csv": ".csv", "csv.gz": ".csv.gz", "parquet": ".parquet"}[fmt]
    read = pd.read_parquet if fmt == "parquet" else lambda path: pd.read_csv(path, dtype={"list": str})
    return {name: read(folder / f"{name}{extension}") for name in COLUMNS}


@pytest.mark.parametrize(("name", "fmt"), [("mali_2020", "csv.gz"), ("counterfactuals/national_pr_5pct", "parquet")])
def test_the_manifest_says_where_the_files_come_from_and_what_is_modelled(name, fmt, tmp_path):
    from malivote import __version__

    scenario = load_scenario(name)
    folders = []
    for chunk, workers in ((7, 1), (40, 3)):
        folder = tmp_path / f"{chunk}-{workers}"
        with Exporter(folder, fmt) as writer:
            run = simulate(scenario, draws=40, seed=12, keep=False, chunk_size=chunk, workers=workers, on_block=writer)
            rows = writer.commit(manifest=manifest(run, writer.rows, format=fmt))
        folders.append(folder)
    text = (folders[0] / MANIFEST_NAME).read_text(encoding="utf-8")
    assert text == (folders[1] / MANIFEST_NAME).read_text(encoding="utf-8")  # whatever the chunks or workers
    data = json.loads(text)
    assert data["malivote_version"] == __version__ and data["seed"] == 12 and data["draws"] == 40
    assert data["scenario"] == scenario.name and data["scenario_sha256"] == scenario_sha256(name)
    assert data["rule"] == scenario.rule.method and data["layout"] == "mali-55" and data["format"] == fmt
    assert data["modelled"] and "reconstructed" in data["modelled"][0]  # both run on the 2020 reconstruction
    assert {file: entry["rows"] for file, entry in data["files"].items()} == rows
    extension = fmt if fmt == "parquet" else "csv.gz"
    assert data["files"][f"votes.{extension}"]["modelled"] and not data["files"][f"seats.{extension}"]["modelled"]
    # every column of every file is described, in the files' own order
    tables = read_back(folders[0], fmt)
    for table, frame in tables.items():
        assert list(data["files"][f"{table}.{extension}"]["columns"]) == list(frame.columns)
    # and the files give the numbers back: 147 seats a draw, votes that add up to the valid votes
    assert (tables["seats"].groupby("draw").seats.sum() == 147).all()
    assert tables["seats"].draw.nunique() == 40
    valid = tables["turnout"].set_index(["draw", "constituency", "round"]).valid
    votes = tables["votes"].groupby(["draw", "constituency", "round"]).votes.sum()
    assert (votes.reindex(valid.index) == valid).all()


def test_the_manifest_of_an_election_of_ones_own_marks_nothing_modelled(tmp_path):
    text = '[election]\nlayout = "mali-55"\n' + "".join(
        f'[[lists]]\nconstituency = "{name}"\nparties = ["RPM"]\nvotes = [300]\n'
        f'[[lists]]\nconstituency = "{name}"\nparties = ["URD"]\nvotes = [200]\n'
        for name in __import__("malivote.layouts", fromlist=["x"]).get_layout("mali-55").names)
    from malivote.scenario import parse_scenario

    run = simulate(parse_scenario(text, source="nowhere/lists.toml"), draws=2, seed=1)
    export(run, tmp_path)
    data = json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert data["modelled"] == [] and not any(entry["modelled"] for entry in data["files"].values())
    assert data["scenario_sha256"] is None and data["source"] == "nowhere/lists.toml"


def test_export_errors(tmp_path):
    kept = simulate(load_scenario("mali_2020"), draws=2, seed=1, keep=False)
    with pytest.raises(ValueError, match="keep=False"):
        export(kept, tmp_path)
    with pytest.raises(ExportError, match="unknown format 'xlsx'"):
        Exporter(tmp_path, "xlsx")
    (tmp_path / "file").write_text("")
    with pytest.raises(ExportError, match="cannot create the folder"):
        with Exporter(tmp_path / "file" / "sub"):
            pass


def test_compare_json_carries_version_and_each_scenarios_sha256(capsys):
    from malivote import __version__

    assert main(["compare", "mali_2020", "dhondt_districts", "--draws", "2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data)[0] == "version" and data["version"] == __version__
    shas = [entry["scenario_sha256"] for entry in data["scenarios"]]
    assert shas == [scenario_sha256("mali_2020"), scenario_sha256("dhondt_districts")]
    entry = list(data["scenarios"][0])
    assert entry[entry.index("source") + 1] == "scenario_sha256"
