"""The refresh schedule, row by row."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from warehouse.policy import GRACE, next_due

AT = datetime(2026, 3, 2, 2, 0)
TODAY = AT.date()


@pytest.mark.parametrize(
    ("status", "published", "failures", "expected"),
    [
        ("open", TODAY, 0, AT + timedelta(days=1) - GRACE),
        ("open", TODAY - timedelta(days=61), 0, AT + timedelta(days=1) - GRACE),
        ("open", TODAY - timedelta(days=62), 0, AT + timedelta(days=3) - GRACE),
        ("open", TODAY - timedelta(days=183), 0, AT + timedelta(days=3) - GRACE),
        ("open", TODAY - timedelta(days=200), 0, AT + timedelta(days=7) - GRACE),
        ("open", TODAY - timedelta(days=366), 0, AT + timedelta(days=7) - GRACE),
        ("open", TODAY - timedelta(days=367), 0, AT + timedelta(days=7) - GRACE),
        ("open", date(2012, 7, 1), 0, AT + timedelta(days=7) - GRACE),
        ("open", None, 0, AT + timedelta(days=1) - GRACE),
        ("answered", TODAY, 0, None),
        ("withdrawn", TODAY, 0, None),
        (None, None, 0, None),
        ("open", TODAY, 1, AT),
        ("answered", TODAY, 2, AT),
        (None, None, 5, AT),
    ],
)
def test_next_due(
    status: str | None, published: date | None, failures: int, expected: datetime | None
) -> None:
    assert next_due(status, published, AT, failures) == expected


def test_a_daily_job_starting_earlier_still_finds_yesterdays_pages_due() -> None:
    due = next_due("open", TODAY, AT, 0)
    assert due is not None
    assert due <= AT + timedelta(days=1) - timedelta(minutes=30)
