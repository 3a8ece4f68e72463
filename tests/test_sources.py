"""Every row of every data file cites the source that holds its figure.

``malivote/data/sources.csv`` lists the sources a row may cite (the seed articles by file
name, the reference notes, the press articles the notes name). A row's ``source`` is one
or more citations joined by ``"; "``; each citation is a ``source`` of that table,
optionally followed by `` (where in it)``. These tests read every CSV in the data folder
and fail on a row with an empty source, an unknown source or an unknown seed file.

Where the project's reference folder (``../shared/reference`` next to the checkout) is
present, they also check the shipped list of seeds against its ``seeds/`` folder and that
each figure can be found in a stored source the row cites; in a clean clone without that
folder, those checks are skipped and the shipped list is the reference.
"""

from __future__ import annotations

import csv
import io
import re
from functools import cache
from importlib import resources
from pathlib import Path

import pytest

from malivote import datasets

SOURCES_FILE = "sources.csv"
KINDS = {"seed", "reference", "article", "law"}
SEED_FILE = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
SEED_HEAD = re.compile(r"^seeds/(\d{3}_[0-9a-f]{16}\.txt): \S")
SEED_MENTION = re.compile(r"\bseeds? (\d{3})\b")
REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


def _data_root():
    return resources.files("malivote") / "data"


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@cache
def _data_texts() -> dict[str, str]:
    """Every CSV of the data folder but the table of sources, by file name."""
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(_data_root().iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".csv") and entry.name != SOURCES_FILE
    }


@cache
def _sources() -> dict[str, dict[str, str]]:
    rows = _rows((_data_root() / SOURCES_FILE).read_text(encoding="utf-8"))
    return {row["source"]: row for row in rows}


def _seed_files(sources: dict[str, dict[str, str]]) -> set[str]:
    return {SEED_HEAD.match(head).group(1) for head, row in sources.items() if row["kind"] == "seed"}


def split_citations(source: str) -> list[str]:
    """Split a ``source`` on ``"; "`` outside parentheses.

    >>> split_citations("a (x; y); b")
    ['a (x; y)', 'b']
    """
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(source):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and source.startswith("; ", i):
            parts.append(source[start:i])
            start = i + 2
    parts.append(source[start:])
    return parts


def cited_heads(source: str, known: dict[str, dict[str, str]]) -> tuple[list[str], list[str]]:
    """The known sources a ``source`` cites, and the problems found in it."""
    heads, problems = [], []
    if not source.strip():
        return heads, ["empty source"]
    seeds = _seed_files(known)
    for name in SEED_FILE.findall(source):
        if name not in seeds:
            problems.append(f"unknown seed file {name!r}")
    for citation in split_citations(source):
        match = [h for h in known if citation == h or (citation.startswith(h + " (") and citation.endswith(")"))]
        if not match:
            problems.append(f"unknown source {citation!r}")
            continue
        head = max(match, key=len)
        if citation != head and not citation[len(head) + 2:-1].strip():
            problems.append(f"empty locator in {citation!r}")
        heads.append(head)
    return heads, problems


def citation_problems(filename: str, text: str, known: dict[str, dict[str, str]]) -> list[str]:
    """Every problem with the ``source`` column of one data file, as ``file: row N: ...``."""
    rows = _rows(text)
    if not rows or "source" not in rows[0]:
        return [f"{filename}: no 'source' column"]
    seed_numbers = {name[:3] for name in _seed_files(known)}
    problems = []
    for number, row in enumerate(rows, start=1):
        _, found = cited_heads(row["source"] or "", known)
        problems += [f"{filename}: row {number}: {p}" for p in found]
        for column, value in row.items():
            for seed in SEED_MENTION.findall(value or ""):
                if seed not in seed_numbers:
                    problems.append(f"{filename}: row {number}, column {column!r}: unknown seed {seed}")
    return problems


# ------------------------------------------------------------------ the table of sources


def test_sources_table():
    sources = _sources()
    assert len(sources) == len(_rows((_data_root() / SOURCES_FILE).read_text(encoding="utf-8"))), "duplicate source"
    for head, row in sources.items():
        assert row["kind"] in KINDS, head
        assert row["stored"] in {"yes", "no"}, head
        assert row["address"].strip() and row["holds"].strip(), head
        assert ";" not in head and not head.endswith(")"), head
        if row["kind"] == "seed":
            match = SEED_HEAD.match(head)
            assert match, head
            assert row["stored"] == "yes" and row["address"].endswith("seeds/" + match.group(1)), head
        if row["kind"] == "reference":
            assert row["stored"] == "yes", head
            assert row["address"] == "../shared/reference/" + head.split(": ")[0], head
    assert _seed_files(sources) == {
        "000_30e42a55691f8759.txt", "001_1faaf1bc873980d6.txt", "002_66ebde0043347ccf.txt",
        "003_bfc071aed903e957.txt", "004_02510438a1d5eebb.txt",
    }


def test_sources_md_lists_every_source():
    text = (_data_root() / "SOURCES.md").read_text(encoding="utf-8")
    for head in _sources():
        assert f"`{head}`" in text, head
    seeds = _seed_files(_sources())
    assert set(SEED_FILE.findall(text)) <= seeds


def test_reference_folder_matches_the_shipped_list():
    if not (REFERENCE / "seeds").is_dir():
        pytest.skip(f"no reference folder at {REFERENCE}")
    on_disk = {p.name for p in (REFERENCE / "seeds").iterdir() if p.is_file()}
    assert _seed_files(_sources()) == on_disk
    for head, row in _sources().items():
        if row["kind"] in {"seed", "reference"}:
            assert _stored_text(row) is not None, head


# ------------------------------------------------------------------ the data files


def test_every_data_file_has_a_source_column():
    names = set(_data_texts())
    assert {filename for filename, _ in datasets._FILES.values()} <= names
    for name, text in _data_texts().items():
        assert "source" in text.splitlines()[0].split(","), name


def test_every_row_cites_known_sources():
    problems = []
    for name, text in _data_texts().items():
        problems += citation_problems(name, text, _sources())
    assert problems == []


def test_every_row_cites_a_stored_source():
    """A reader can check every row here: each cites a seed or the reference notes."""
    sources = _sources()
    for name, text in _data_texts().items():
        for number, row in enumerate(_rows(text), start=1):
            heads, _ = cited_heads(row["source"], sources)
            assert any(sources[h]["stored"] == "yes" for h in heads), f"{name}: row {number}"


def _mutated(name: str, row: int, source: str) -> str:
    rows = list(csv.reader(io.StringIO(_data_texts()[name])))
    rows[row][rows[0].index("source")] = source
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize(("source", "expected"), [
    ("", "row 3: empty source"),
    ("   ", "row 3: empty source"),
    ("seeds/009_0000000000000000.txt: Wikipedia, 2020 Malian parliamentary election",
     "row 3: unknown seed file '009_0000000000000000.txt'"),
    ("seeds/001_1faaf1bc873980d6.txt: Wikipedia, 2013 Malian parliamentary election", "row 3: unknown source"),
    ("seed 001: Wikipedia, 2020 Malian parliamentary election (results table)", "row 3: unknown source"),
    ("maliweb.net 999 (a press article)", "row 3: unknown source"),
    ("MALI_FACTS.md: reference notes ()", "row 3: empty locator"),
    ("MALI_FACTS.md: reference notes (2020 section, cf. seed 007)", "row 3, column 'source': unknown seed 007"),
])
def test_a_bad_citation_fails(source, expected):
    text = _mutated("national_results.csv", 3, source)
    problems = citation_problems("national_results.csv", text, _sources())
    assert any(expected in p for p in problems), problems


def test_an_unknown_seed_in_a_note_fails():
    text = _data_texts()["provisional_results.csv"].replace("seed 001 says", "seed 010 says", 1)
    problems = citation_problems("provisional_results.csv", text, _sources())
    assert problems == ["provisional_results.csv: row 1, column 'note': unknown seed 010"]


# ------------------------------------------------------------------ derived and inferred


def test_derived_and_inferred_figures_say_so():
    texts = {name: _rows(text) for name, text in _data_texts().items()}
    rounds = {(r["year"], r["round"]): r["note"] for r in texts["round_summary.csv"]}
    assert "derived: 45 = 55 - 10 districts of round 1" in rounds[("2013", "2")]
    assert "127 = 147 - 20 seats of round 1" in rounds[("2013", "2")]
    assert "derived: invalid = votes cast - valid" in rounds[("2013", "2")]
    assert "derived: 22 seats = sum of the first-round column" in rounds[("2020", "1")]
    assert "derived: 43 = 55 - 12 districts of round 1" in rounds[("2020", "2")]
    for r in texts["national_results.csv"]:
        if r["year"] == "2007" and r["round2"]:
            assert "derived" in r["note"], r
        if r["year"] == "2007" and r["round1"] == "0":
            assert "round 1 inferred 0" in r["note"], r
    facts = {(r["year"], r["fact"]): r["note"] for r in texts["election_facts.csv"]}
    assert facts[("2007", "lists")].startswith("derived: 535 deposited - 5 rejected")
    for year in ("2007", "2013", "2020"):
        assert facts[(year, "gender_law")].startswith("inferred: ")
    for r in texts["known_district_results.csv"]:
        if r["status"] == "final" and len(r["seat_split"].split()) > 1:
            assert "seat split inferred" in r["note"], r


# ------------------------------------------------------- figures found in the cited text

#: The derived figures: (file, row key) -> the columns derived by arithmetic. Their notes
#: say "derived" and how; every other figure must be found in a stored source the row cites.
DERIVED = {
    ("round_summary.csv", ("2013", "2")): {"districts", "seats", "invalid"},
    ("round_summary.csv", ("2020", "1")): {"seats"},
    ("round_summary.csv", ("2020", "2")): {"districts", "seats"},
    ("election_facts.csv", ("2007", "lists")): {"value"},
    ("national_results.csv", ("2007", "ADP-OTHER")): {"total", "round2"},
}
_KEYS = {
    "round_summary.csv": ("year", "round"),
    "election_facts.csv": ("year", "fact"),
    "national_results.csv": ("year", "party"),
    "provisional_results.csv": ("year", "party"),
    "coalitions.csv": ("year", "coalition"),
    "districts.csv": ("district",),
    "known_district_results.csv": ("year", "district"),
}


def _key(name: str, row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[c] for c in _KEYS[name])


def test_derived_figures_are_listed_and_exist():
    for (name, key), columns in DERIVED.items():
        rows = [r for r in _rows(_data_texts()[name]) if _key(name, r) == key]
        assert len(rows) == 1, (name, key)
        assert "derived" in rows[0]["note"], (name, key)
        assert all(rows[0][c] for c in columns), (name, key)


_WORDS = "zero one two three four five six seven eight nine ten eleven twelve thirteen".split()
_FIGURES = {
    "round_summary.csv": ("districts", "seats", "registered", "votes_cast", "invalid", "valid", "turnout_pct"),
    "election_facts.csv": ("value",),
    "national_results.csv": ("round1", "total"),
    "provisional_results.csv": ("seats_min", "seats_max"),
    "coalitions.csv": ("seats_final", "seats_provisional"),
    "districts.csv": ("seats", "registered_2013", "registered_2007"),
    "known_district_results.csv": ("winner_share_pct", "provisional_share_pct"),
}


def _stored_text(row: dict[str, str]) -> str | None:
    name = row["address"].removeprefix("../shared/reference/")
    path = REFERENCE / name
    return path.read_text(encoding="utf-8") if path.is_file() else None


def _forms(value: str) -> set[str]:
    forms = {value}
    if value.isdigit():
        n = int(value)
        forms |= {f"{n:,}", f"{n:,}".replace(",", " ")}
        if n < len(_WORDS):
            forms |= {_WORDS[n], _WORDS[n].capitalize()}
    return forms


def test_each_figure_is_in_a_cited_stored_source():
    """Each figure of a row appears in a stored text it cites, unless it is derived."""
    if not (REFERENCE / "seeds").is_dir():
        pytest.skip(f"no reference folder at {REFERENCE}")
    sources = _sources()
    missing = []
    for name, columns in _FIGURES.items():
        for number, row in enumerate(_rows(_data_texts()[name]), start=1):
            derived = DERIVED.get((name, _key(name, row)), set())
            heads, _ = cited_heads(row["source"], sources)
            texts = [t for t in (_stored_text(sources[h]) for h in heads) if t is not None]
            for column in columns:
                value = row[column]
                if value in ("", "true", "false") or column in derived:
                    continue
                if not any(form in text for form in _forms(value) for text in texts):
                    missing.append(f"{name}: row {number}, column {column!r}: {value}")
    assert missing == []


def test_district_figures_match_the_reference_list():
    path = REFERENCE / "mali_districts.csv"
    if not path.is_file():
        pytest.skip(f"no reference folder at {REFERENCE}")
    reference = {r["district"]: r for r in _rows(path.read_text(encoding="utf-8"))}
    for d in datasets.districts():
        ref = reference[d.district]
        assert d.seats == int(ref["seats"]), d.district
        assert d.registered_2013 == (int(ref["registered_2013"]) if ref["registered_2013"] else None), d.district
        note = ref["registered_note"]
        expected_2007 = int(note.removeprefix("2007: ")) if note.startswith("2007: ") else None
        assert d.registered_2007 == expected_2007, d.district
