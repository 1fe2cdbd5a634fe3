"""Reading the values of a row: dates, children, card IDs and headers, as
people and ticketing systems write them."""

import datetime

import pytest

from usage.sheets.imports import (
    normalise_header,
    own_mapping,
    parse_card_id,
    parse_children,
    parse_date,
    recognise_headers,
    remembered_mapping,
)

TODAY = datetime.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime.datetime(2026, 11, 20, 19, 0), datetime.date(2026, 11, 20)),
        (datetime.date(2026, 11, 20), datetime.date(2026, 11, 20)),
        ("20.11.2026", datetime.date(2026, 11, 20)),
        ("20.11.26", datetime.date(2026, 11, 20)),
        ("5.1.2026", datetime.date(2026, 1, 5)),
        ("05.01.2026", datetime.date(2026, 1, 5)),
        ("20.11.", datetime.date(2026, 11, 20)),
        ("20.11", datetime.date(2026, 11, 20)),
        ("30.12.", datetime.date(2025, 12, 30)),  # no year: the latest such day
        ("2026-11-20", datetime.date(2026, 11, 20)),
        ("2026-11-20T19:00:00", datetime.date(2026, 11, 20)),
        ("20.11.2026 klo 19.00", datetime.date(2026, 11, 20)),
        (" 20.11.2026 ", datetime.date(2026, 11, 20)),
        (46346, datetime.date(2026, 11, 20)),  # Excel's day number
    ],
)
def test_dates_are_read_as_written(value, expected):
    assert parse_date(value, TODAY) == (expected, None)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "date_missing"),
        ("  ", "date_missing"),
        ("31.2.2026", "date_invalid"),
        ("11/20/2026", "date_invalid"),
        ("huomenna", "date_invalid"),
        (12, "date_invalid"),
        (True, "date_invalid"),
        ("25.11.2026", "date_in_future"),
    ],
)
def test_what_is_not_a_date_of_use_is_named(value, code):
    assert parse_date(value, TODAY)[1] == code


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, (0, None)), ("", (0, None)), (2, (2, None)), (2.0, (2, None)), (" 3 ", (3, None))],
)
def test_children_are_whole_numbers_and_empty_is_zero(value, expected):
    assert parse_children(value) == expected


@pytest.mark.parametrize("value", ["two", 1.5, True, "-1", "1,5"])
def test_children_that_are_not_a_whole_number_are_refused(value):
    assert parse_children(value) == (None, "children_invalid")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" *kk 000123* ", "KK000123"), (12345678, "12345678"), (12345678.0, "12345678"), (None, "")],
)
def test_card_ids_are_normalised(value, expected):
    assert parse_card_id(value)[0] == expected


def test_headers_match_in_finnish_swedish_or_english_whatever_the_case_and_spacing():
    assert normalise_header("  Children’s   TICKETS (0–20): ") == "children's tickets"
    assert recognise_headers(["pvm", "Kortin tunnus", "x", "Lasten liput"]) == {
        "date": 0,
        "card_id": 1,
        "children": 3,
    }
    assert recognise_headers(["Kortnummer", "Datum", "Föreställning"]) == {
        "card_id": 0,
        "date": 1,
        "offering": 2,
    }


def test_the_tables_own_columns_need_date_offering_and_card_id():
    assert own_mapping(["Date", "Card ID"]) is None
    mapping = own_mapping(["Notes", "Card ID", "Offering", "Date"])
    assert mapping.columns == {"date": 3, "offering": 2, "card_id": 1}


def test_a_remembered_mapping_is_used_only_when_every_column_is_there():
    remembered = {"date": "pvm x", "card_id": "kortti x", "offering": "näytös x", "children": ""}
    assert remembered_mapping(["Kortti X", "PVM X", "Näytös X"], remembered).columns == {
        "date": 1,
        "card_id": 0,
        "offering": 2,
    }
    assert remembered_mapping(["Kortti X", "PVM X"], remembered) is None
