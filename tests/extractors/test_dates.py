"""French dates and JO pages as printed on the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.pages.dates import (
    labelled_date,
    labelled_page,
    parse_date,
    parse_jo_page,
    parse_long_date,
    parse_numeric_date,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("26 juillet 2022", dt.date(2022, 7, 26)),
        ("1er décembre 2022", dt.date(2022, 12, 1)),
        ("1 er decembre 2022", dt.date(2022, 12, 1)),
        ("Le mardi 25 octobre 2022", dt.date(2022, 10, 25)),
        ("du 3 FÉVRIER 2015, page 12", dt.date(2015, 2, 3)),
        ("15 aout 2019", dt.date(2019, 8, 15)),
        ("15 août 2019", dt.date(2019, 8, 15)),
        ("publiée le 27 septembre 2022 et le 3 mai 2023", dt.date(2022, 9, 27)),
        ("31 février 2022", None),
        ("26 juillet", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_long_date(text: str | None, expected: dt.date | None) -> None:
    assert parse_long_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21/08/2012", dt.date(2012, 8, 21)),
        ("le : 5/2/2013 page", dt.date(2013, 2, 5)),
        ("31/02/2013", None),
        ("2012/08/21", None),
    ],
)
def test_parse_numeric_date(text: str, expected: dt.date | None) -> None:
    assert parse_numeric_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("le 05/02/2013 ou 1er mars 2014", dt.date(2013, 2, 5)),
        ("le 1er mars 2014 ou 05/02/2013", dt.date(2014, 3, 1)),
        ("31/02/2013 puis 2 mars 2013", dt.date(2013, 3, 2)),
    ],
)
def test_parse_date_takes_the_first_valid_one(text: str, expected: dt.date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("du 26 juillet 2022, page 3501", 3501),
        ("page : 4774", 4774),
        ("JO p. 11194", 11194),
        ("du 16 mai 2023", None),
        ("page 0", None),
    ],
)
def test_parse_jo_page(text: str, expected: int | None) -> None:
    assert parse_jo_page(text) == expected


LINES = [
    "Question publiée au JO le : 29 octobre 2013, page 11194",
    "Date de changement d'attribution : 2 avril 2014",
    "Date de renouvellement : 4 février 2014",
    "Question signalée au JO le : 13 octobre 2015",
]


def test_labelled_date_reads_only_its_label() -> None:
    assert labelled_date(LINES, "Question signalée au JO le") == dt.date(2015, 10, 13)


def test_labelled_date_ignores_non_column_dates() -> None:
    assert labelled_date(LINES, "Réponse publiée au JO le") is None


def test_labelled_page() -> None:
    assert labelled_page(LINES, "Question publiée au JO le") == 11194
