"""The package data: loaders, invariants, the known facts, and bad-data errors."""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from importlib import resources

import numpy as np
import pytest

from malivote import datasets
from malivote.datasets import DataError

YEARS = (2007, 2013, 2020)


# ----------------------------------------------------------------- the raw files


def _texts() -> dict[str, str]:
    root = resources.files("malivote") / "data"
    return {key: (root / fn).read_text(encoding="utf-8") for key, (fn, _) in datasets._FILES.items()}


def test_files_ship_with_the_package():
    root = resources.files("malivote") / "data"
    for filename, _ in datasets._FILES.values():
        assert (root / filename).is_file(), filename
    assert (root / "SOURCES.md").is_file()


def test_every_row_has_a_source():
    d = datasets._data()
    for table in (d.districts, d.parties, d.national, d.provisional, d.rounds, d.known, d.coalitions,
                  d.facts):
        for row in table:
            assert row.source and row.source.strip()


# ------------------------------------------------------------------- districts


def test_districts_55_and_147_seats():
    ds = datasets.districts()
    assert len(ds) == 55
    assert sum(d.seats for d in ds) == 147
    assert all(1 <= d.seats <= 7 for d in ds)
    assert [d.index for d in ds] == list(range(55))
    assert len({d.district for d in ds}) == 55


def test_districts_regions():
    count = Counter(d.region for d in datasets.districts())
    assert count == {
        "Kayes": 7, "Koulikoro": 7, "Sikasso": 7, "Segou": 7, "Mopti": 8,
        "Tombouctou": 5, "Gao": 4, "Kidal": 4, "Bamako": 6,
    }
    # 49 cercles + the 6 communes of Bamako
    assert sum(v for k, v in count.items() if k != "Bamako") == 49


@pytest.mark.parametrize(
    "name, seats",
    [("Kati", 7), ("Sikasso", 7), ("Segou", 7), ("Koutiala", 6), ("Kayes", 5), ("Nioro du Sahel", 3),
     ("Commune II", 3), ("Commune III", 1), ("Kidal", 1)],
)
def test_district_seats(name, seats):
    assert datasets.districts()[datasets.district_index(name)].seats == seats


def test_district_registered_figures_where_known():
    ds = {d.district: d for d in datasets.districts()}
    assert ds["Segou"].registered_2013 == 325475
    assert ds["Kayes"].registered_2007 == 216372
    assert ds["Mopti"].registered_2007 == 161232
    assert ds["Kati"].registered_2013 is None
    assert sum(d.registered_2013 is not None for d in ds.values()) == 7
    assert "inferred" in ds["Nioro du Sahel"].seats_confidence


def test_unknown_district_raises():
    with pytest.raises(KeyError, match="Atlantis"):
        datasets.district_index("Atlantis")


# --------------------------------------------------------------------- parties


def test_party_colours_are_told_apart():
    """Charts of 20-odd parties need colours a reader can tell apart: no two parties
    within 35 units of each other in RGB (MPR and PS Yelen Kura, both in the 2020
    assembly, were 10 apart: two shades of lilac)."""
    ps = datasets.parties()
    rgb = {p.id: np.array([int(p.colour[i : i + 2], 16) for i in (1, 3, 5)]) for p in ps}
    close = [(a, b) for i, a in enumerate(rgb) for b in list(rgb)[i + 1 :]
             if np.linalg.norm(rgb[a] - rgb[b]) < 35]
    assert close == []


def test_parties_ids_unique_and_pseudo_parties():
    ps = datasets.parties()
    ids = [p.id for p in ps]
    assert len(ids) == len(set(ids))
    assert len({p.colour.lower() for p in ps}) == len(ps)
    pseudo = {p.id for p in ps if p.kind == "pseudo"}
    assert pseudo == {"OTHER", "IND", "ADP-OTHER"}
    assert datasets.party("ADEMA").abbreviation == "ADEMA-PASJ"
    assert datasets.party("ASMA").abbreviation == "ASMA-CFP"
    assert datasets.party("Yelema").abbreviation == "Yéléma"
    assert datasets.party("PMK").name_fr == "Parti Mali Kanu"
    assert all(re.fullmatch(r"#[0-9a-fA-F]{6}", p.colour) for p in ps)
    with pytest.raises(KeyError):
        datasets.party("NOPE")


def test_every_party_used_exists():
    ids = {p.id for p in datasets.parties()}
    for year in YEARS:
        for r in datasets.national_results(year, include_breakdown=True):
            assert r.party in ids
            assert set(r.members) <= ids
        for r in datasets.provisional_results(year):
            assert r.party in ids
    for k in datasets.known_district_results():
        assert set(k.winning_list) | set(k.runner_up_list) | set(k.provisional_winning_list) <= ids
        assert set(k.seat_split) <= set(k.winning_list)


# ------------------------------------------------------------- national results


FINAL_2020 = {
    "RPM": (10, 41), "ADEMA": (2, 22), "URD": (4, 15), "MPM": (0, 10), "ADP-Maliba": (3, 3),
    "CODEM": (0, 5), "ASMA": (0, 4), "UDD": (0, 4), "SADI": (1, 2), "Yelema": (1, 1), "PARENA": (0, 2),
    "CDS": (0, 2), "PRVM": (0, 1), "UM-RDA": (1, 0), "PDES": (0, 1), "APR": (0, 1), "MPR": (0, 1),
    "UFDP": (0, 1), "PMK": (0, 1), "PS-Yelen-Kura": (0, 1), "OTHER": (0, 5), "IND": (0, 2),
}
FINAL_2013 = {
    "RPM": 66, "URD": 17, "ADEMA": 16, "FARE": 6, "CODEM": 5, "SADI": 5, "CNID": 4, "PARENA": 3,
    "PDES": 3, "MPR": 3, "ASMA": 3, "ADP-Maliba": 2, "CDS": 2, "MIRIA": 2, "UM-RDA": 2, "Yelema": 1,
    "UDD": 1, "PRVM": 1, "UPPR": 1, "IND": 4,
}
FINAL_2007 = {"ADEMA": 51, "URD": 34, "ADP-OTHER": 28, "RPM": 11, "PARENA": 4, "SADI": 4, "IND": 15}


@pytest.mark.parametrize("year", YEARS)
def test_national_totals_sum_to_147(year):
    rows = datasets.national_results(year)
    assert sum(r.total for r in rows) == 147
    assert sum(datasets.seat_totals(year).values()) == 147
    assert all(r.within is None for r in rows)


def test_2020_table():
    rows = {r.party: (r.round1, r.round2, r.total) for r in datasets.national_results(2020)}
    assert rows == {p: (a, b, a + b) for p, (a, b) in FINAL_2020.items()}
    assert rows["RPM"] == (10, 41, 51)
    assert sum(v[0] for v in rows.values()) == 22
    assert sum(v[1] for v in rows.values()) == 125


def test_2013_table():
    rows = datasets.national_results(2013)
    assert {r.party: r.total for r in rows} == FINAL_2013
    assert all(r.round1 is None and r.round2 is None for r in rows)


def test_2007_table_and_breakdown():
    assert datasets.seat_totals(2007) == FINAL_2007
    rows = {r.party: r for r in datasets.national_results(2007)}
    assert sum(r.round1 for r in rows.values()) == 13
    assert (rows["ADEMA"].round1, rows["URD"].round1, rows["ADP-OTHER"].round1) == (9, 3, 1)
    assert "RND" in rows["ADP-OTHER"].members
    detail = [r for r in datasets.national_results(2007, include_breakdown=True) if r.within]
    assert {r.within for r in detail} == {"ADP-OTHER"}
    assert {r.party: r.total for r in detail} == {
        "CNID": 7, "MPR": 8, "MIRIA": 2, "UDD": 3, "UM-RDA": 1, "RND": None,
    }
    assert sum(r.total or 0 for r in detail) <= 28
    assert set(r.party for r in detail) <= set(rows["ADP-OTHER"].members)


def test_2007_coalitions():
    adp, fdr = datasets.coalitions(2007)
    totals = datasets.seat_totals(2007)
    assert adp.seats_final == 113 == sum(totals[m] for m in adp.members)
    assert fdr.seats_final == 15 == sum(totals[m] for m in fdr.members)
    assert adp.seats_provisional == 116


def test_bad_year():
    with pytest.raises(ValueError, match="year"):
        datasets.national_results(2002)


def test_provisional_results():
    prov = {r.party: (r.seats_min, r.seats_max) for r in datasets.provisional_results(2020)}
    assert prov == {
        "RPM": (43, 43), "ADEMA": (22, 23), "URD": (19, 19), "MPM": (11, 11),
        "ASMA": (8, 8), "ADP-Maliba": (8, 8), "CODEM": (6, 6),
    }
    p07 = {r.party: r.seats_min for r in datasets.provisional_results(2007)}
    assert p07 == {"ADEMA": 55, "URD": 35, "RPM": 11, "PARENA": 4, "SADI": 4, "IND": 13}
    assert datasets.provisional_results(2013) == ()


# -------------------------------------------------------------- round summaries


def test_round_summary_2020():
    r1, r2 = datasets.round_summary(2020)
    assert (r1.districts, r1.seats) == (12, 22)
    assert (r1.registered, r1.votes_cast, r1.invalid, r1.valid) == (7663464, 2726292, 123135, 2603157)
    assert (r2.districts, r2.seats) == (43, 125)
    assert (r2.registered, r2.votes_cast, r2.invalid, r2.valid) == (6691305, 2358909, 172832, 2186077)
    assert (r1.turnout_pct, r2.turnout_pct) == (35.58, 35.25)
    assert round(100 * r1.votes_cast / r1.registered, 2) == 35.58
    assert round(100 * r2.votes_cast / r2.registered, 2) == 35.25


def test_round_summary_2013_and_2007():
    r1, r2 = datasets.round_summary(2013)
    assert (r1.districts, r1.seats, r2.districts, r2.seats) == (10, 20, 45, 127)
    assert (r2.registered, r2.votes_cast, r2.valid) == (5951838, 2221283, 2122449)
    assert r2.invalid == 2221283 - 2122449
    assert r1.registered is None and r1.valid is None
    assert round(100 * r2.votes_cast / r2.registered, 2) == 37.32
    r1, r2 = datasets.round_summary(2007)
    assert (r1.districts, r1.seats, r2.districts, r2.seats) == (8, 13, 47, 134)
    assert r1.registered == 6267363 and r1.turnout_pct == 33.39
    assert r1.votes_cast is None and r2.registered is None


@pytest.mark.parametrize("year", YEARS)
def test_rounds_cover_every_district_and_seat(year):
    rs = datasets.round_summary(year)
    assert [r.round for r in rs] == [1, 2]
    assert sum(r.districts for r in rs) == 55
    assert sum(r.seats for r in rs) == 147


# --------------------------------------------------------- known district results


@pytest.mark.parametrize("year", YEARS)
def test_first_round_districts_all_known(year):
    seats = {d.district: d.seats for d in datasets.districts()}
    r1 = [k for k in datasets.known_district_results(year) if k.round == 1]
    summary = datasets.round_summary(year)[0]
    assert len(r1) == summary.districts
    assert sum(seats[k.district] for k in r1) == summary.seats
    assert all(k.status == "final" for k in r1)


def test_2020_first_round_splits_match_the_official_table():
    seats = {d.district: d.seats for d in datasets.districts()}
    won: Counter[str] = Counter()
    for k in datasets.known_district_results(2020):
        if k.round == 1:
            assert sum(k.seat_split.values()) == seats[k.district], k.district
            assert set(k.seat_split) == set(k.winning_list)
            won.update(k.seat_split)
    official = {r.party: r.round1 for r in datasets.national_results(2020) if r.round1}
    assert dict(won) == official


def test_2007_first_round_splits():
    won: Counter[str] = Counter()
    for k in datasets.known_district_results(2007):
        won.update(k.seat_split)
    assert dict(won) == {"ADEMA": 9, "URD": 3, "RND": 1}


def test_known_results_details():
    rows = {(k.year, k.district): k for k in datasets.known_district_results()}
    assert len(rows) == len(datasets.known_district_results())
    k = rows[2020, "Sikasso"]
    assert k.status == "court_final" and k.winning_list == ("RPM", "CODEM", "URD")
    assert k.winner_share_pct == 50.05
    assert k.provisional_winning_list == ("ADEMA", "ASMA", "ADP-Maliba", "FCD")
    assert rows[2020, "Bougouni"].winning_list == ()
    assert rows[2013, "Goundam"].winning_list == ("IND",)
    assert dict(rows[2013, "Goundam"].seat_split) == {"IND": 2}
    assert rows[2013, "Tin-Essako"].winner_share_pct == 100.0
    assert rows[2020, "Commune IV"].is_hard_fact is False
    assert rows[2020, "Kati"].is_hard_fact is True
    with pytest.raises(TypeError):
        rows[2020, "Kayes"].seat_split["RPM"] = 5  # read-only


def test_known_results_are_frozen():
    k = datasets.known_district_results()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        k.district = "x"


def test_court_reversals_2020():
    rev = [k for k in datasets.known_district_results(2020) if k.status == "court_final"]
    seats = {d.district: d.seats for d in datasets.districts()}
    assert {k.district for k in rev} == {"Kati", "Sikasso", "Bougouni", "Commune I", "Commune V", "Commune VI"}
    assert sum(seats[k.district] for k in rev) == 26


def test_sikasso_2020_provisional_share():
    rows = {k.district: k for k in datasets.known_district_results(2020)}
    assert rows["Sikasso"].provisional_share_pct == 54.86
    assert rows["Sikasso"].winner_share_pct == 50.05
    # the only row with a provisional share; the note keeps the source's wording
    assert "54.86" in rows["Sikasso"].note
    assert [k.district for k in datasets.known_district_results() if k.provisional_share_pct is not None] == ["Sikasso"]


# -------------------------------------------------------------- election facts


def test_election_facts_2020():
    f = datasets.election_facts(2020)
    assert (f.year, f.women_elected, f.candidates, f.women_candidates) == (2020, 42, 1451, 427)
    assert (f.lists, f.lists_deposited, f.lists_rejected) == (None, None, None)
    assert f.gender_law is True
    # the other figures reported are kept in the notes, not used
    assert "41" in f.row("women_elected").note and "NDI" in f.row("women_elected").note
    assert "1,417" in f.row("candidates").note
    assert "430" in f.row("women_candidates").note
    assert f.row("women_elected").source.startswith("seeds/001_1faaf1bc873980d6.txt: ")


def test_election_facts_2013():
    f = datasets.election_facts(2013)
    assert (f.women_elected, f.candidates, f.women_candidates, f.lists) == (14, None, None, 410)
    assert (f.lists_deposited, f.lists_rejected) == (None, None)
    assert f.gender_law is False
    assert "9.5%" in f.row("women_elected").note


def test_election_facts_2007():
    f = datasets.election_facts(2007)
    assert (f.lists_deposited, f.lists_rejected, f.lists) == (535, 5, 530)
    assert f.lists == f.lists_deposited - f.lists_rejected
    assert (f.women_elected, f.candidates, f.women_candidates) == (None, None, None)
    assert f.gender_law is False
    # "about 1,400 candidates" is approximate: a note, not a number
    row = f.row("candidates")
    assert row is not None and row.value is None and "1,400" in row.note


def test_election_facts_rows_and_types():
    for year in YEARS:
        f = datasets.election_facts(year)
        assert all(r.year == year and r.source.strip() for r in f.rows)
        assert len({r.fact for r in f.rows}) == len(f.rows)
        for r in f.rows:
            assert r.value is None or isinstance(r.value, bool if r.fact == "gender_law" else int)
            assert getattr(f, r.fact) == (r.value if r.fact != "gender_law" else bool(r.value))
    with pytest.raises(dataclasses.FrozenInstanceError):
        datasets.election_facts(2020).women_elected = 41
    with pytest.raises(KeyError, match="unknown fact"):
        datasets.election_facts(2020).row("women")
    with pytest.raises(ValueError, match="year"):
        datasets.election_facts(2018)


def test_reconstruction_reads_the_election_facts():
    from malivote.layouts import get_layout
    from malivote.reconstruct._facts import EXTRA_FACTS, gather_facts

    for year in YEARS:
        ef = datasets.election_facts(year)
        f = gather_facts(year, get_layout("mali-55"))
        assert (f.women_elected, f.candidates, f.women_candidates, f.lists, f.gender_law) == (
            ef.women_elected, ef.candidates, ef.women_candidates, ef.lists, ef.gender_law)
        assert dict(EXTRA_FACTS[year]) == dict(
            women_elected=ef.women_elected, candidates=ef.candidates,
            women_candidates=ef.women_candidates, lists=ef.lists, gender_law=ef.gender_law)
    f = gather_facts(2020, get_layout("mali-55"), "provisional")
    sikasso = [r for r in f.rows if r.district == "Sikasso"][0]
    assert sikasso.share_pct == 54.86


# ----------------------------------------------------------------- broken data


def _mutate(key: str, old: str, new: str) -> dict[str, str]:
    texts = _texts()
    assert old in texts[key], old
    texts[key] = texts[key].replace(old, new, 1)
    return texts


def test_real_texts_load():
    d = datasets._load_from_texts(_texts())
    assert len(d.districts) == 55


def test_bad_integer_names_file_row_column():
    text = _texts()["districts"].replace("Koulikoro,Kati,7,", "Koulikoro,Kati,seven,", 1)
    with pytest.raises(DataError, match=r"^districts\.csv: row 12, column 'seats': expected an integer, got 'seven'$"):
        datasets._parse_districts(text)


def test_custom_filename_in_message():
    head = ",".join(datasets._DISTRICT_COLUMNS)
    with pytest.raises(DataError, match=r"^broken\.csv: row 2, column 'source': is empty$"):
        datasets._parse_districts(head + "\nKayes,Kayes,5,high,,,,s\nKayes,Kita,4,high,,,,\n", "broken.csv")


def test_bad_header():
    with pytest.raises(DataError, match=r"districts\.csv: header .* \(missing \['seats'\]\)"):
        datasets._parse_districts("region,district,seets,seats_confidence,registered_2013,"
                                  "registered_2007,registered_note,source\n")


def test_district_seats_must_sum_to_147():
    text = _texts()["districts"].replace("Koulikoro,Kati,7,", "Koulikoro,Kati,8,", 1)
    with pytest.raises(DataError, match=r"districts\.csv: column 'seats' sums to 148"):
        datasets._parse_districts(text)


def test_duplicate_district():
    text = _texts()["districts"].replace("Koulikoro,Kati,", "Koulikoro,Kita,", 1)
    with pytest.raises(DataError, match=r"districts\.csv: row 12, column 'district': duplicate 'Kita' \(first at row 5\)"):
        datasets._parse_districts(text)


def test_national_must_sum_to_147():
    texts = _mutate("national", "2013,RPM,,,66,", "2013,RPM,,,67,")
    with pytest.raises(DataError, match=r"national_results\.csv: year 2013: column 'total' sums to 148"):
        datasets._load_from_texts(texts)


def test_national_rounds_must_add_up():
    texts = _mutate("national", "2020,RPM,10,41,51,", "2020,RPM,10,40,51,")
    with pytest.raises(DataError, match=r"national_results\.csv: row 1, column 'total': round1 10 \+ round2 40 != total 51"):
        datasets._load_from_texts(texts)


def test_national_round1_must_match_round_summary():
    texts = _mutate("national", "2020,RPM,10,41,51,", "2020,RPM,11,40,51,")
    with pytest.raises(DataError, match=r"column 'round1' sums to 23, but round_summary\.csv says 22"):
        datasets._load_from_texts(texts)


def test_unknown_party_in_results():
    texts = _mutate("national", "2020,MPM,", "2020,MPX,")
    with pytest.raises(DataError, match=r"national_results\.csv: row 4, column 'party': unknown party 'MPX'"):
        datasets._load_from_texts(texts)


def test_unknown_party_in_known_results():
    texts = _mutate("known", "2013,Dioila,1,final,RPM+URD+FARE+ADEMA", "2013,Dioila,1,final,RPM+URD+FARE+ADEMA-PASJ")
    with pytest.raises(DataError, match=r"known_district_results\.csv: row 9, column 'winning_list': unknown party 'ADEMA-PASJ'"):
        datasets._load_from_texts(texts)


def test_unknown_district_in_known_results():
    texts = _mutate("known", "2013,Dioila,", "2013,Dioïla,")
    with pytest.raises(DataError, match=r"known_district_results\.csv: row 9, column 'district': unknown district 'Dioïla'"):
        datasets._load_from_texts(texts)


def test_seat_split_outside_the_list():
    texts = _mutate("known", "URD:2,", "URD:1 RPM:1,")
    with pytest.raises(DataError, match=r"known_district_results\.csv: row 2, column 'seat_split': \['RPM'\] not on the winning list"):
        datasets._load_from_texts(texts)


def test_bad_status_and_share():
    texts = _mutate("known", "2013,Niafunke,1,final,URD,62.18", "2013,Niafunke,1,finale,URD,62.18")
    with pytest.raises(DataError, match=r"row 12, column 'status': expected one of"):
        datasets._load_from_texts(texts)
    texts = _mutate("known", "2013,Niafunke,1,final,URD,62.18", "2013,Niafunke,1,final,URD,162.18")
    with pytest.raises(DataError, match=r"row 12, column 'winner_share_pct': expected a percentage"):
        datasets._load_from_texts(texts)


def test_votes_must_add_up():
    texts = _mutate("rounds", "7663464,2726292,123135,2603157", "7663464,2726292,123136,2603157")
    with pytest.raises(DataError, match=r"round_summary\.csv: row 5, column 'votes_cast'"):
        datasets._load_from_texts(texts)


def test_provisional_range_order():
    texts = _mutate("provisional", "2020,ADEMA,22,23,", "2020,ADEMA,23,22,")
    with pytest.raises(DataError, match=r"provisional_results\.csv: row 2, column 'seats_max': 22 < seats_min 23"):
        datasets._load_from_texts(texts)


def test_coalition_total_checked():
    texts = _mutate("coalitions", ",113,116,", ",112,116,")
    with pytest.raises(DataError, match=r"coalitions\.csv: row 1, column 'seats_final': 112"):
        datasets._load_from_texts(texts)


def test_bad_colour():
    texts = _mutate("parties", "#e6194b", "red")
    with pytest.raises(DataError, match=r"parties\.csv: row 1, column 'colour': expected '#rrggbb'"):
        datasets._load_from_texts(texts)


def test_wrong_field_count():
    with pytest.raises(DataError, match=r"x\.csv: row 1: expected 8 fields, got 3"):
        datasets._parse_parties(",".join(datasets._PARTY_COLUMNS) + "\na,b,c\n", "x.csv")


def test_bad_fact_value_names_file_row_column():
    texts = _mutate("facts", "2020,women_elected,42,", "2020,women_elected,forty-two,")
    with pytest.raises(DataError, match=r"^election_facts\.csv: row 11, column 'value': expected an integer, got 'forty-two'$"):
        datasets._load_from_texts(texts)
    texts = _mutate("facts", "2020,gender_law,true,", "2020,gender_law,yes,")
    with pytest.raises(DataError, match=r"^election_facts\.csv: row 12, column 'value': expected 'true' or 'false', got 'yes'$"):
        datasets._load_from_texts(texts)


def test_unknown_fact():
    texts = _mutate("facts", "2013,lists,410,", "2013,listes,410,")
    with pytest.raises(DataError, match=r"election_facts\.csv: row 6, column 'fact': expected one of"):
        datasets._load_from_texts(texts)


def test_duplicate_fact():
    texts = _mutate("facts", "2013,lists,410,", "2013,women_elected,410,")
    with pytest.raises(DataError, match=r"election_facts\.csv: row 7, column 'fact': duplicate \(2013, 'women_elected'\) \(first at row 6\)"):
        datasets._load_from_texts(texts)


def test_empty_fact_needs_a_note():
    texts = _mutate("facts", '2007,candidates,,"about 1,400 candidates in round 1 (approximate, so not shipped as a number)"',
                    "2007,candidates,,")
    with pytest.raises(DataError, match=r"election_facts\.csv: row 4, column 'value': is empty"):
        datasets._load_from_texts(texts)


def test_lists_must_equal_deposited_minus_rejected():
    texts = _mutate("facts", "2007,lists,530,", "2007,lists,531,")
    with pytest.raises(DataError, match=r"election_facts\.csv: row 3, column 'value': year 2007: lists 531 != lists_deposited 535 - lists_rejected 5"):
        datasets._load_from_texts(texts)


def test_women_candidates_within_candidates():
    texts = _mutate("facts", "2020,women_candidates,427,", "2020,women_candidates,1452,")
    with pytest.raises(DataError, match=r"election_facts\.csv: row 10, column 'value': year 2020: women_candidates 1452 > candidates 1451"):
        datasets._load_from_texts(texts)
    texts = _mutate("facts", "2020,women_elected,42,", "2020,women_elected,428,")
    with pytest.raises(DataError, match=r"election_facts\.csv: row 11, column 'value': year 2020: women_elected 428 > women_candidates 427"):
        datasets._load_from_texts(texts)


def test_gender_law_required_every_year():
    texts = _texts()
    texts["facts"] = "".join(line for line in texts["facts"].splitlines(keepends=True)
                             if not line.startswith("2013,gender_law,"))
    with pytest.raises(DataError, match=r"election_facts\.csv: year 2013: no 'gender_law' row"):
        datasets._load_from_texts(texts)


def test_provisional_share_needs_a_provisional_winner():
    texts = _mutate("known", "2020,Kati,2,court_final,RPM+URD+ADEMA,,,,ASMA+UM-RDA+PARENA+PRVM,,",
                    "2020,Kati,2,court_final,RPM+URD+ADEMA,,,,,51.2,")
    with pytest.raises(DataError, match=r"known_district_results\.csv: row \d+, column 'provisional_share_pct': given without"):
        datasets._load_from_texts(texts)
    texts = _mutate("known", "ADEMA+ASMA+ADP-Maliba+FCD,54.86,", "ADEMA+ASMA+ADP-Maliba+FCD,154.86,")
    with pytest.raises(DataError, match=r"column 'provisional_share_pct': expected a percentage in \[0, 100\]"):
        datasets._load_from_texts(texts)
