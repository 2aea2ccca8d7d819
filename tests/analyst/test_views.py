"""The analyst views of migration 0002, checked against the hand-computed fixture warehouse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from tests.analyst.warehouse_fixture import AGRI, INT, SANTE, add_months, boundary_offset

DAY = dt.timedelta(days=1)


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def test_open_questions_are_the_open_ones_with_days_waiting(
    con: duckdb.DuckDBPyConnection, today: dt.date
) -> None:
    got = rows(con, "SELECT uid, days_waiting FROM open_questions ORDER BY uid")
    assert got == [
        ("QANR5L17QE10", 10),
        ("QANR5L17QE11", boundary_offset(today)),
        ("QANR5L17QE6", 90),
        ("QANR5L17QOSD1", 70),
    ]


def test_open_questions_never_hold_qg(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "SELECT count(*) FROM open_questions WHERE type = 'QG'") == [(0,)]


def test_overdue_questions_past_two_months(con: duckdb.DuckDBPyConnection, today: dt.date) -> None:
    got = rows(con, "SELECT uid, answer_deadline, days_overdue FROM overdue_questions ORDER BY uid")
    deadline_qe6 = add_months(today - 90 * DAY, 2)
    deadline_qosd1 = add_months(today - 70 * DAY, 2)
    assert got == [
        ("QANR5L17QE6", deadline_qe6, (today - deadline_qe6).days),
        ("QANR5L17QOSD1", deadline_qosd1, (today - deadline_qosd1).days),
    ]


def test_question_whose_deadline_is_today_is_not_overdue(
    con: duckdb.DuckDBPyConnection, today: dt.date
) -> None:
    published = today - boundary_offset(today) * DAY
    assert add_months(published, 2) >= today  # the fixture's boundary question
    assert rows(con, "SELECT count(*) FROM overdue_questions WHERE uid = 'QANR5L17QE11'") == [(0,)]


def test_overdue_extended_deadline_is_three_months(
    con: duckdb.DuckDBPyConnection, today: dt.date
) -> None:
    got = rows(con, "SELECT extended_deadline FROM overdue_questions WHERE uid = 'QANR5L17QE6'")
    assert got == [(add_months(today - 90 * DAY, 3),)]


ANSWER_DELAYS = [
    # legislature, ministry, questions, answered, open, withdrawn, share, median, p90, mean
    (16, INT, 2, 1, 0, 1, 0.5, 50.0, 50.0, 50.0),
    (17, AGRI, 5, 2, 2, 1, 0.4, 10.0, 14.0, 10.0),
    (17, INT, 6, 5, 1, 0, 5 / 6, 30.0, 76.0, 40.0),
    (17, SANTE, 2, 1, 1, 0, 0.5, 7.0, 7.0, 7.0),
]


def test_answer_delays_per_ministry_and_legislature(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        con,
        """
        SELECT legislature, ministry_answering, questions, answered, still_open, withdrawn,
               share_answered, median_days_to_answer, p90_days_to_answer, mean_days_to_answer
        FROM answer_delays ORDER BY legislature, ministry_answering
        """,
    )
    assert got == [
        tuple(pytest.approx(v) if isinstance(v, float) else v for v in r) for r in ANSWER_DELAYS
    ]


def test_daily_activity_on_known_days(con: duckdb.DuckDBPyConnection, today: dt.date) -> None:
    got = con.execute(
        "SELECT day, published, answered, withdrawn FROM daily_activity WHERE day IN (?, ?, ?)"
        " ORDER BY day",
        [today - 30 * DAY, today - 20 * DAY, today - 3 * DAY],
    ).fetchall()
    assert got == [
        (today - 30 * DAY, 0, 2, 0),  # QE5 and QE8 answered
        (today - 20 * DAY, 0, 0, 1),  # QE9 withdrawn
        (today - 3 * DAY, 1, 1, 0),  # the QG: published and answered at its sitting
    ]


def test_daily_activity_totals(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "SELECT sum(published), sum(answered), sum(withdrawn) FROM daily_activity")
    assert got == [(16, 10, 2)]


def test_status_changes_keep_only_transitions(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(
        con,
        """
        SELECT version, from_status, to_status FROM status_changes
        WHERE uid IN ('QANR5L17QE5', 'QANR5L17QE9', 'QANR5L17QE1') ORDER BY uid, version
        """,
    )
    assert got == [
        (1, None, "answered"),  # QE1: first seen already answered
        (1, None, "open"),  # QE5: v2 (title corrected, still open) is no transition
        (3, "open", "answered"),
        (1, None, "open"),  # QE9
        (2, "open", "withdrawn"),
    ]


def test_status_changes_changed_at_is_the_new_versions_valid_from(
    con: duckdb.DuckDBPyConnection, today: dt.date
) -> None:
    got = rows(
        con,
        "SELECT changed_at FROM status_changes"
        " WHERE uid = 'QANR5L17QE5' AND to_status = 'answered'",
    )
    assert got == [(dt.datetime.combine(today - 29 * DAY, dt.time(3, 0)),)]


def test_status_changes_count(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "SELECT count(*) FROM status_changes") == [(18,)]
